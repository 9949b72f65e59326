"""Exclusive device leases (bench.leases): a busy device is said and waited for, across
processes and users; a dead holder frees it."""

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from bench.errors import EnvironmentProblem
from bench.leases import DeviceLease
from conftest import REPO, assert_one_line_error, assert_stopped_with

HOLD = """
import sys, time
from bench.leases import DeviceLease
lease = DeviceLease(sys.argv[1], sys.argv[1], 0, command="holder-for-the-test").acquire()
print("held", flush=True)
time.sleep(float(sys.argv[2]))
lease.release()
"""


def hold(key, seconds, python=sys.executable, user=None, env=None):
    """A separate process holding ``key``'s lease for ``seconds`` (started when it says so)."""
    full = dict(os.environ, PYTHONPATH=REPO, **(env or {}))
    proc = subprocess.Popen([python, "-c", HOLD, key, str(seconds)], env=full, cwd="/",
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, user=user)
    line = proc.stdout.readline()
    assert line.strip() == "held", proc.stderr.read()
    return proc


@pytest.fixture
def lock_dir(tmp_path, monkeypatch):
    folder = tmp_path / "locks"
    monkeypatch.setenv("BENCH_LOCK_DIR", str(folder))
    return folder


def test_a_busy_device_names_its_holder_and_a_free_one_is_taken(lock_dir):
    holder = hold("local", 30)
    try:
        with pytest.raises(EnvironmentProblem) as exc:
            DeviceLease("local", "local", 0).acquire()
        message = str(exc.value)
        assert message.startswith("device local is busy: pid {} of ".format(holder.pid))
        assert "holder-for-the-test" in message and "--lock-timeout" in message
    finally:
        holder.kill()
        holder.wait()
    with DeviceLease("local", "local", 0) as lease:  # a killed holder left no lock behind
        assert os.path.exists(lease.path)
    assert oct(os.stat(str(lock_dir)).st_mode & 0o7777) == "0o1777"
    assert oct(os.stat(lease.path).st_mode & 0o777) == "0o666"


def test_waits_for_the_holder_up_to_the_timeout(lock_dir):
    holder = hold("adb-R58M", 1.5)
    said = []
    start = time.monotonic()
    with DeviceLease("adb-R58M", "phone", 30, log=said.append):
        waited = time.monotonic() - start
    holder.wait()
    assert 0.5 < waited < 20
    assert said[0].startswith("device phone is busy: pid {}".format(holder.pid))
    assert "waiting up to 30 s" in said[0] and said[-1] == "device phone is free now: measuring"


def test_a_timeout_that_runs_out_says_how_long_it_waited(lock_dir):
    holder = hold("ssh-nano-22", 30)
    try:
        with pytest.raises(EnvironmentProblem, match=r"device nano is busy: .*\(waited 1 s\)"):
            DeviceLease("ssh-nano-22", "nano", 1).acquire()
    finally:
        holder.kill()
        holder.wait()


def test_another_user_waits_for_the_lease_too(monkeypatch):
    """Locks of one user are seen by another: a world-writable folder with the sticky bit,
    lock files every user can open."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run a second process as another user")
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user 'nobody' to hold the lease as")
    python = next((p for p in (shutil.which("python3"), "/usr/bin/python3") if p and
                   subprocess.run(["su", "-s", "/bin/sh", "nobody", "-c", p + " -c pass"],
                                  capture_output=True).returncode == 0), None)
    if python is None:
        pytest.skip("no python the user 'nobody' may run")
    folder = tempfile.mkdtemp(prefix="bench-locks-")  # under /tmp: every user reaches it
    os.chmod(folder, 0o1777)
    locks = os.path.join(folder, "locks")
    try:
        # nobody creates the folder and the lock, root is refused while it holds it...
        holder = hold("local", 30, python=python, user="nobody", env={"BENCH_LOCK_DIR": locks})
        try:
            monkeypatch.setenv("BENCH_LOCK_DIR", locks)
            with pytest.raises(EnvironmentProblem, match=r"busy: pid \d+ of nobody on "):
                DeviceLease("local", "local", 0).acquire()
        finally:
            holder.kill()
            holder.wait()
        # ...and root's lock, in nobody's folder, stops nobody
        with DeviceLease("local", "local", 0):
            res = subprocess.run(["su", "-s", "/bin/sh", "nobody", "-c",
                                  "BENCH_LOCK_DIR={} PYTHONPATH={} {} -c '{}'".format(
                                      locks, REPO, python,
                                      "from bench.leases import DeviceLease; "
                                      "DeviceLease(\"local\", \"local\", 0).acquire()")],
                                 capture_output=True, text=True, cwd="/")
            assert res.returncode != 0 and "device local is busy: pid {} of root".format(
                os.getpid()) in res.stderr, res.stderr
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_bench_run_on_a_busy_device_stops_before_any_work(cli, lock_dir, tmp_path):
    holder = hold("local", 60, env={"BENCH_LOCK_DIR": str(lock_dir)})
    try:
        out = tmp_path / "busy.csv"
        res = cli("run", "--models", "mobilenet_v2:width_mult=0.25", "--runtimes", "onnxruntime",
                  "--resolution", "32", "--lock-timeout", "1", "--out", str(out), "--no-plot",
                  env={"BENCH_LOCK_DIR": str(lock_dir)})
        assert_stopped_with(res, 3, "device local is busy: pid {}".format(holder.pid),
                            "holder-for-the-test", "(waited 1 s)", "--lock-timeout")
        assert "waiting up to 1 s" in res.stderr
        assert not out.exists()  # nothing measured: no results file left behind
        res = cli("run", "--lock-timeout", "-1", "--out", str(out))
        assert_one_line_error(res, 2, "--lock-timeout")
    finally:
        holder.kill()
        holder.wait()
