"""Faults a reliability engineer tries: an interrupted run resumed verbatim from the command
it printed, two writers on one results file, a full disk under the results and under the
export cache. Every finished row survives, every message is one line with the fix."""

import os
import shlex
import subprocess
import sys
import time

import pytest

from bench.results_csv import read_rows
from conftest import REPO, assert_one_line_error, assert_stopped_with, integration_unavailable

FAST = ["--trials", "3", "--repeats", "2", "--warmup", "1", "--no-plot"]
MODELS = ["mobilenet_v2:width_mult=0.25", "pta:LLL", "pta:HHL"]


@pytest.fixture
def cache_env(tmp_path_factory):
    """A config sharing the export cache of test_run_local.py (same session folder)."""
    base = tmp_path_factory.getbasetemp()
    cfg = base / "faults-bench.toml"
    cfg.write_text('[export]\ndir = "{}"\n[run]\nresults_dir = "{}"\n'.format(
        base / "run-cache", base / "results"))
    return str(cfg)


def start(args, cwd=REPO):
    env = dict(os.environ, PYTHONPATH=REPO)
    return subprocess.Popen([sys.executable, "-m", "bench"] + args, cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, proc, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc.poll() is not None:
            raise AssertionError("ended early: " + proc.stderr.read())
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def test_the_printed_resume_command_continues_exactly_the_interrupted_request(cli, tmp_path,
                                                                           cache_env):
    out = str(tmp_path / "r.csv")
    args = ["run", "--config", cache_env, "--models", *MODELS, "--resolution", "64",
            "--runtimes", "torch", "--group-size", "1", "--out", out, *FAST]
    proc = start(args)
    wait_for(lambda: os.path.exists(out) and len(read_rows(out)) >= 1, proc)
    proc.send_signal(2)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    line = [ln for ln in err.splitlines() if "continue with:" in ln][0]
    kept = read_rows(out)
    assert "{} rows in {}".format(len(kept), out) in line
    command = shlex.split(line.split("continue with: ", 1)[1])
    assert command[0] == "bench" and "--resume" in command and "--models" not in command
    res = cli(*command[1:])  # verbatim: no flag added
    assert res.returncode == 0, res.stderr
    rows = read_rows(out)
    assert rows[:len(kept)] == kept
    assert sorted(r["model"] for r in rows) == sorted(MODELS)  # not the default pta set
    assert {(r["resolution"], r["runtime"], r["trial_size"]) for r in rows} == {("64", "torch", "3")}
    # a resume that contradicts the stored request is refused
    res = cli(*command[1:], "--resolution", "128")
    assert_one_line_error(res, 2, "--resolution 128 contradicts", "measured with 64")


def test_a_second_writer_on_the_same_file_is_refused_with_the_holder(cli, tmp_path, cache_env):
    out = str(tmp_path / "r.csv")
    first = start(["run", "--config", cache_env, "--models", *MODELS, "--resolution", "64",
                   "--runtimes", "torch,torchscript", "--out", out, "--no-plot",
                   "--max-measure-s", "2"])
    try:
        wait_for(lambda: os.path.exists(out + ".writer"), first)
        res = cli("run", "--config", cache_env, "--out", out, "--resume")
        line = assert_one_line_error(res, 3, out + " is being written by another bench",
                                     "pid {}".format(first.pid), "pass another --out")
        assert "bench run" in line
    finally:
        first.kill()
        first.wait()


def mount_tmpfs(path, size):
    path.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size={}".format(size), "tmpfs",
                          str(path)], capture_output=True, text=True)
    if res.returncode != 0:
        integration_unavailable("a full-disk test needs a small tmpfs (root): " +
                                (res.stderr.strip() or "mount failed"))


@pytest.fixture
def small_disk(tmp_path):
    mounted = []

    def make(name, size):
        path = tmp_path / name
        mount_tmpfs(path, size)
        mounted.append(path)
        return path

    yield make
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_a_full_results_disk_keeps_complete_rows_and_resume_repairs(cli, small_disk, tmp_path,
                                                                   cache_env):
    disk = small_disk("results", "12k")
    out = str(disk / "r.csv")
    args = ["run", "--config", cache_env, "--models", *MODELS, "--resolution", "64",
            "--runtimes", "torch,onnxruntime,torchscript", "--out", out, *FAST]
    res = cli(*args)
    line = assert_stopped_with(res, 3, "cannot write " + out, "No space left on device",
                               "free space", "rows in " + out, "continue with: bench run")
    with open(out) as fh:
        text = fh.read()
    assert text.endswith("\n")
    kept = read_rows(out)
    assert 1 <= len(kept) < 9 and all(r["status"] == "ok" for r in kept)
    subprocess.run(["mount", "-o", "remount,size=1m", str(disk)], check=True)
    res = cli("run", "--config", cache_env, "--out", out, "--resume")
    assert res.returncode == 0, res.stderr
    rows = read_rows(out)
    assert rows[:len(kept)] == kept and len(rows) == 9


def test_a_full_export_cache_is_one_line_naming_it(cli, small_disk, tmp_path):
    disk = small_disk("models", "64k")
    cfg = tmp_path / "b.toml"
    cfg.write_text('[export]\ndir = "{}"\n'.format(disk))
    res = cli("run", "--config", str(cfg), "--models", "resnet18", "--resolution", "32",
              "--runtimes", "onnxruntime", "--out", str(tmp_path / "r.csv"), *FAST)
    assert_stopped_with(res, 3, "cannot write exports to " + str(disk), "No space left on device",
                        "free space", "[export].dir")
