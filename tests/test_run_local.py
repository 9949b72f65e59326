"""`bench run --device local` end to end through the CLI: rows, resume, kill, bad input."""

import os
import signal
import subprocess
import sys
import time

import pytest

from bench.results_csv import COLUMNS, read_rows
from conftest import REPO

FAST = ["--trials", "3", "--repeats", "2", "--warmup", "1"]


@pytest.fixture
def cache_env(tmp_path_factory):
    """A config whose export cache is shared by the tests of this module."""
    cache = tmp_path_factory.getbasetemp() / "run-cache"
    cfg = tmp_path_factory.getbasetemp() / "run-bench.toml"
    cfg.write_text('[export]\ndir = "{}"\n[run]\nresults_dir = "{}"\n'.format(
        cache, tmp_path_factory.getbasetemp() / "results"))
    return str(cfg)


def test_run_writes_rows_plot_and_summary(cli, tmp_path, cache_env):
    out = tmp_path / "r.csv"
    res = cli("run", "--config", cache_env, "--models", "pta:LLL", "mobilenet_v2:width_mult=0.25",
              "--resolution", "64", "--runtimes", "torch,onnxruntime", "--out", str(out), *FAST)
    assert res.returncode == 0, res.stderr
    rows = read_rows(str(out))
    assert [(r["model"], r["runtime"]) for r in rows] == [   # one group per runtime
        ("pta:LLL", "torch"), ("mobilenet_v2:width_mult=0.25", "torch"),
        ("pta:LLL", "onnxruntime"), ("mobilenet_v2:width_mult=0.25", "onnxruntime")]
    for r in rows:
        assert r["status"] == "ok", r["error"]
        assert float(r["throughput"]) > 0
        assert float(r["throughput_min"]) <= float(r["throughput"]) <= float(r["throughput_max"])
        assert float(r["latency_ms_p50"]) <= float(r["latency_ms_p99"])
        assert r["resolution"] == "64" and r["batch"] == "1" and r["trial_size"] == "3"
        assert len(r["trial_throughputs"].split(";")) == 2 and r["rounds"] == "2"
        assert r["unstable"] == "true" and "2 trials, too few" in r["notes"]  # fixed: 2 rounds
        assert r["parity_argmax_agree"] == "true"
        assert r["cpu_model"] and r["torch_version"].startswith("2.13")
        assert r["threads"] and r["cpu_affinity"]
        assert r["baseline"] == "" and r["relative_time"] == ""  # no set with a baseline
    assert rows[0]["family"] == "mobilenet_v2_pta" and float(rows[0]["params_m"]) > 1.7
    assert list(rows[0]) == list(COLUMNS)
    assert (tmp_path / "r.png").stat().st_size > 1000
    assert "pta:LLL" in res.stdout and "results: " in res.stdout


def test_adaptive_rounds_intervals_and_relative_times(cli, tmp_path, cache_env):
    """Defaults but a short budget: trials sized by time, at least 6 rounds, a 95 % interval
    around every median, relative times against the baseline paired per round."""
    out = tmp_path / "r.csv"
    res = cli("run", "--config", cache_env, "--models", "pta:LLL", "pta:HHL", "--resolution", "64",
              "--runtimes", "onnxruntime", "--baseline", "mobilenet_v2:num_classes=2",
              "--min-trial-s", "0.01", "--max-measure-s", "0.2", "--out", str(out), "--no-plot")
    assert res.returncode == 0, res.stderr
    rows = read_rows(str(out))
    assert [r["model"] for r in rows] == ["mobilenet_v2:num_classes=2", "pta:LLL", "pta:HHL"]
    for r in rows:
        assert r["status"] == "ok", r["error"]
        assert int(r["rounds"]) >= 6 and len(r["trial_throughputs"].split(";")) == int(r["rounds"])
        low, mid, high = (float(r[c]) for c in ("throughput_ci_low", "throughput",
                                                 "throughput_ci_high"))
        assert low <= mid <= high
        assert int(r["trial_size"]) >= 1 and r["background_cpu_pct"] != ""
        assert r["baseline"] == "mobilenet_v2:num_classes=2"
        width = max(mid - low, high - mid) / mid
        assert (r["unstable"] == "true") == (width > 0.01), r
        if r["unstable"] == "true":
            assert "95 % interval" in r["notes"]
    assert float(rows[0]["relative_time"]) == 1.0
    for r in rows[1:]:
        assert float(r["relative_time_ci_low"]) <= float(r["relative_time"]) <= float(
            r["relative_time_ci_high"])
    assert float(rows[1]["relative_time"]) < 1.0  # LLL is the light configuration
    assert "relative_time" in res.stdout


def test_fp16_on_cpu_and_tensorrt_without_gpu_are_unsupported_rows(cli, tmp_path, cache_env):
    out = tmp_path / "r.csv"
    res = cli("run", "--config", cache_env, "--models", "pta:LLL", "--resolution", "64",
              "--runtimes", "torch,tensorrt", "--precision", "fp16", "--out", str(out), *FAST)
    rows = read_rows(str(out))
    assert [r["status"] for r in rows] == ["unsupported", "unsupported"]
    assert "fp16" in rows[0]["error"].lower()
    assert "tensorrt" in rows[1]["error"].lower() or "gpu" in rows[1]["error"].lower()
    assert res.returncode == 1  # nothing was measured
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("args, code, needle", [
    (["--runtimes", "onnxrt"], 2, "unknown runtime 'onnxrt' (did you mean: onnxruntime"),
    (["--models", "resnett18"], 2, "unknown model 'resnett18'"),
    (["--device", "nano"], 2, "unknown device 'nano'"),
    (["--out", "/etc/hostname/sub/r.csv"], 3, "cannot write results to /etc/hostname/sub/r.csv"),
    (["--trials", "0"], 2, "--trials: 0 is out of range: must be >= 1"),
])
def test_bad_input_is_one_line(cli, cache_env, args, code, needle):
    res = cli("run", "--config", cache_env, "--models", "pta:LLL", "--resolution", "64",
              "--runtimes", "torch", *FAST, *args)
    assert res.returncode == code, res.stderr
    assert needle in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "Traceback" not in res.stderr


def test_a_model_that_kills_the_worker_is_one_crashed_row_the_rest_of_its_group_is_measured(
        cli, tmp_path, cache_env):
    out = tmp_path / "r.csv"
    res = cli("run", "--config", cache_env, "--models", "pta:LLL", "pta:HHL", "pta:LHH",
              "--resolution", "64", "--runtimes", "torch", "--out", str(out), *FAST,
              env={"BENCH_TEST_CRASH": "pta:HHL@64 torch"})
    rows = read_rows(str(out))
    assert sorted((r["model"], r["status"]) for r in rows) == [
        ("pta:HHL", "crashed"), ("pta:LHH", "ok"), ("pta:LLL", "ok")]
    crashed = [r for r in rows if r["status"] == "crashed"][0]
    assert "killed by SIGKILL" in crashed["error"]
    assert "measured on its own" in crashed["notes"]  # retried alone before it was called
    assert "pta:HHL" in res.stderr and "measuring it on its own" in res.stderr
    assert res.returncode == 1


def test_resume_with_groups_measures_the_baseline_again_but_writes_it_once(cli, tmp_path,
                                                                          cache_env):
    out = str(tmp_path / "r.csv")
    args = ["run", "--config", cache_env, "--resolution", "64", "--runtimes", "torch",
            "--models", "pta:HHH", "pta:LLL", "pta:BBB", "--baseline", "pta:HHH",
            "--group-size", "2", "--out", out, "--no-plot", "--trials", "200", "--repeats", "3",
            "--warmup", "2"]
    proc = _start(args)  # groups: [HHH, LLL], then [HHH (baseline again), BBB]: seconds each
    _wait_rows(out, 2, proc)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    first = read_rows(out)
    assert [r["model"] for r in first] == ["pta:HHH", "pta:LLL"]
    res = cli("run", "--config", cache_env, "--out", out, "--resume")
    assert res.returncode == 0, res.stderr
    rows = read_rows(out)
    assert rows[:2] == first
    assert [r["model"] for r in rows] == ["pta:HHH", "pta:LLL", "pta:BBB"]
    # BBB's row is paired with the baseline measured again in its group, in all 3 rounds
    assert rows[2]["baseline"] == "pta:HHH" and float(rows[2]["relative_time"]) > 0
    assert len(rows[2]["trial_relative_times"].split(";")) == 3
    assert "2 rows already" in res.stderr


@pytest.mark.parametrize("args, needle", [
    (["--target-ci", "0"], "--target-ci: 0.0 is out of range: must be > 0 and < 1"),
    (["--min-trial-s", "0"], "--min-trial-s: 0.0 is out of range: must be > 0"),
    (["--max-measure-s", "-1"], "--max-measure-s: -1.0 is out of range: must be > 0"),
    (["--timeout", "0"], "--timeout: 0.0 is out of range: must be > 0"),
    (["--group-size", "0"], "--group-size: 0 is out of range: must be >= 1"),
    (["--cpu-affinity", "fast"], "--cpu-affinity: 'fast' is not"),
    (["--baseline", "resnett18"], "unknown model 'resnett18'"),
])
def test_bad_measuring_values_are_one_line_exit_2(cli, cache_env, args, needle):
    res = cli("run", "--config", cache_env, "--models", "pta:LLL", "--resolution", "64",
              "--runtimes", "torch", *args)
    assert res.returncode == 2, res.stderr
    assert needle in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


def _start(args, env=None):
    full = dict(os.environ, PYTHONPATH=REPO, **(env or {}))
    return subprocess.Popen([sys.executable, "-m", "bench"] + args, cwd=REPO, env=full,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_rows(path, n, proc, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path) and len(read_rows(path)) >= n:
            return
        if proc.poll() is not None:
            raise AssertionError("run ended early: " + proc.stderr.read())
        time.sleep(0.05)
    raise AssertionError("no rows in time")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_run_keeps_complete_rows_and_resume_finishes(cli, tmp_path, cache_env, sig):
    out = str(tmp_path / "r.csv")
    models = ["pta:LLL", "pta:HHL", "pta:LHH"]
    args = ["run", "--config", cache_env, "--models", *models, "--resolution", "64",
            "--runtimes", "torch,torchscript", "--out", out, "--no-plot",
            "--trials", "30", "--repeats", "3", "--warmup", "2"]
    proc = _start(args)
    _wait_rows(out, 1, proc)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    if sig == signal.SIGTERM:
        assert proc.returncode == 130
        assert "--resume" in proc.stderr.read()
    with open(out) as fh:
        text = fh.read()
    assert text.endswith("\n")
    kept = read_rows(out)
    assert 1 <= len(kept) < 6
    assert all(r["status"] == "ok" for r in kept)
    res = cli(*args, "--resume")
    assert res.returncode == 0, res.stderr
    rows = read_rows(out)
    keys = [(r["model"], r["runtime"]) for r in rows]
    assert sorted(keys) == sorted((m, rt) for m in models for rt in ("torch", "torchscript"))
    assert rows[:len(kept)] == kept
    assert "skipped" in res.stderr


def test_existing_out_without_resume_is_refused(cli, tmp_path, cache_env):
    out = tmp_path / "r.csv"
    out.write_text("x\n")
    res = cli("run", "--config", cache_env, "--models", "pta:LLL", "--runtimes", "torch",
              "--out", str(out))
    assert res.returncode == 2 and "already exists" in res.stderr
