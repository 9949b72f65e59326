"""A lab on a real task queue (bench.lab: Celery, a real redis-server on 127.0.0.1): two
``bench worker`` hosts' workers driving Jetson stand-ins behind real sshd servers; rows
come back into the submitter's CSV with the worker that measured them; a worker killed
mid-job has its job delivered again and the file ends with every key exactly once."""

import os
import signal
import subprocess
import sys
import time

import pytest

from adb_fixtures import adb_device, adb_server, make_adb_device, write_fake_benchmark_model  # noqa: F401
from bench.results_csv import read_rows, row_key
from conftest import REPO, assert_one_line_error
from redis_server import redis_url  # noqa: F401  (fixture)
from sshd import sshd_factory  # noqa: F401  (fixture)
from test_fleet import two_jetsons
from test_ssh_device import NO_AGENT

pytestmark = [pytest.mark.lab, pytest.mark.ssh, pytest.mark.adb]

MODELS = ["mobilenet_v2:width_mult=0.25", "mobilenet_v2:width_mult=0.3"]
FAST = ["--runtimes", "onnxruntime", "--resolution", "32", "--trials", "3", "--repeats", "2",
        "--warmup", "1", "--no-plot"]


def start_worker(url, device, cfg, tmp_path, env=None):
    """The process ``bench worker`` starts per device (killable on its own), logging to a
    file; returns it once it serves its queue."""
    log = open(str(tmp_path / "worker-{}-{}.log".format(device, time.monotonic_ns())), "w+")
    full = dict(os.environ, PYTHONPATH=REPO, **NO_AGENT)
    full.update(env or {})
    proc = subprocess.Popen([sys.executable, "-m", "bench.lab.worker", url, device, cfg],
                            cwd=REPO, env=full, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        log.seek(0)
        if "serving bench.device.{}".format(device) in log.read():
            proc.log = log
            return proc
        assert proc.poll() is None, "worker for {} exited: {}".format(device, log.read())
        time.sleep(0.2)
    raise AssertionError("worker for {} did not start".format(device))


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.log.close()


def test_workers_for_a_jetson_a_group_and_a_phone_serve_one_submitter(  # noqa: F811
        cli, redis_url, sshd_factory, adb_device, tmp_path):
    """Three worker processes: Jetson stand-ins over sshd (nano, orin: the group "lab") and
    the adb emulator's phone. A submitter in another folder (no bench.toml, no devices)
    asks for nano, any free member of lab, and the phone: every device measures what it
    runs, nano's rows asked twice (nano, any@lab) are kept once, each row names its worker."""
    nano, orin = sshd_factory(), sshd_factory()
    cfg = two_jetsons(tmp_path, nano, orin)
    binary = write_fake_benchmark_model(str(tmp_path / "benchmark_model"))
    with open(cfg, "a") as fh:
        fh.write('\n[devices.phone]\nkind = "adb"\nserial = "{}"\nbenchmark_binary = "{}"\n'
                 'min_secs = 0.0\nwarmup_min_secs = 0.0\n'.format(adb_device.serial, binary))
    workers = [start_worker(redis_url, "nano", cfg, tmp_path),
               start_worker(redis_url, "orin", cfg, tmp_path),
               start_worker(redis_url, "phone", cfg, tmp_path, adb_device.env_overrides)]
    try:
        out = tmp_path / "lab.csv"
        sub = tmp_path / "submitter"
        sub.mkdir()
        res = cli("run", "--lab", redis_url, "--device", "nano,any@lab,phone", "--models",
                  MODELS[0], "--runtimes", "onnxruntime,tflite", "--resolution", "32", "--trials",
                  "3", "--repeats", "2", "--warmup", "1", "--no-plot", "--out", str(out),
                  cwd=str(sub), env=NO_AGENT)
        assert res.returncode == 0, res.stderr
        rows = read_rows(str(out))
        keys = [row_key(r) for r in rows]
        assert len(keys) == len(set(keys))  # every key once, however often it was measured
        got = {(r["device"], r["runtime"]): r for r in rows}
        assert {("nano", "onnxruntime"), ("nano", "tflite"), ("phone", "onnxruntime"),
                ("phone", "tflite")} <= set(got) <= {("nano", "onnxruntime"), ("nano", "tflite"),
                                                     ("phone", "onnxruntime"), ("phone", "tflite"),
                                                     ("orin", "onnxruntime"), ("orin", "tflite")}
        assert got[("phone", "tflite")]["status"] == "ok", got[("phone", "tflite")]["error"]
        assert got[("phone", "tflite")]["device_kind"] == "adb"
        assert got[("phone", "onnxruntime")]["status"] == "unsupported"
        for key in (("nano", "onnxruntime"), ("nano", "tflite")):
            assert got[key]["status"] == "ok", got[key]["error"]
        assert all(r["lab_worker"].endswith("({})".format(r["device"])) for r in rows), rows
        assert "job(s) sent to the lab at {}".format(redis_url) in res.stderr
    finally:
        for w in workers:
            stop(w)


def test_a_worker_killed_mid_job_has_its_job_delivered_again(redis_url, sshd_factory,  # noqa: F811
                                                             tmp_path):
    nano, orin = sshd_factory(), sshd_factory()
    cfg = two_jetsons(tmp_path, nano, orin)
    env = {"BENCH_LAB_VISIBILITY_S": "4"}  # redelivery after 4 s unacknowledged
    worker = start_worker(redis_url, "nano", cfg, tmp_path, env)
    out = tmp_path / "again.csv"
    models = ["mobilenet_v2:width_mult={}".format(w) for w in (0.25, 0.3, 0.35, 0.4)]
    sub_env = dict(os.environ, PYTHONPATH=REPO, **NO_AGENT)
    submitter = subprocess.Popen(
        [sys.executable, "-m", "bench", "run", "--lab", redis_url, "--device", "nano",
         "--models"] + models + ["--group-size", "4", "--runtimes", "onnxruntime", "--resolution",
                                 "32", "--repeats", "20", "--warmup", "1", "--no-plot", "--out",
                                 str(out)],
        cwd=str(tmp_path), env=sub_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # the job is running once the worker holds nano's lease (bench.leases writes the
        # holder into the lock file); 20 fixed rounds of 4 models keep it running well past
        # the kill
        lock = os.path.join(os.environ["BENCH_LOCK_DIR"], "ssh-127.0.0.1-{}.lock".format(nano.port))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if os.path.exists(lock) and os.path.getsize(lock) > 0:
                break
            assert submitter.poll() is None, submitter.communicate()
            time.sleep(0.05)
        else:
            raise AssertionError("the worker never started the job")
        worker.kill()  # mid-job: nothing acknowledged, nothing returned
        worker.wait()
        assert not out.exists() or not read_rows(str(out))
        replacement = start_worker(redis_url, "nano", cfg, tmp_path, env)
        try:
            stdout, stderr = submitter.communicate(timeout=240)
        finally:
            stop(replacement)
        assert submitter.returncode == 0, stderr
        rows = read_rows(str(out))
        assert sorted(r["model"] for r in rows) == sorted(models)  # each key exactly once
        assert all(r["status"] == "ok" for r in rows)
    finally:
        if submitter.poll() is None:
            submitter.kill()
        worker.log.close()


def test_a_password_in_the_url_and_an_unreachable_broker_are_one_line(cli, tmp_path):
    res = cli("run", "--lab", "redis://:secret@127.0.0.1:1/0", "--device", "nano",
              "--out", str(tmp_path / "x.csv"))
    line = assert_one_line_error(res, 2, "BENCH_LAB_PASSWORD")
    assert "secret" not in line
    res = cli("run", "--lab", "redis://127.0.0.1:1/0", "--device", "nano", "--models",
              MODELS[0], "--runtimes", "onnxruntime", "--out", str(tmp_path / "y.csv"),
              env={"BENCH_LAB_PASSWORD": "hunter2"})
    assert res.returncode == 3 and "Traceback" not in res.stderr, res.stderr
    assert "cannot reach the Redis broker" in res.stderr and "hunter2" not in res.stderr
    assert not (tmp_path / "y.csv").exists()
    res = cli("worker", "--lab", "http://x", "--devices", "local")
    assert_one_line_error(res, 2, "redis://HOST:PORT/0")
