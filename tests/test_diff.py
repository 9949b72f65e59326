"""`bench diff OLD.csv NEW.csv`: the statistics on trials drawn from known distributions
(seeded), the verdicts, the CI gate's exit codes, the device/host/version warnings, keys on
one side only or not ok, each bad input as one line; the paired basis (ratios to the
baseline measured in the same rounds) against a machine that drifted between the runs, and
--absolute; and one diff of two real tiny runs with a baseline."""

import csv
import math
import os

import numpy as np
import pytest

from bench.analysis.diff import compare_trials
from bench.analysis.sweep import SWEEP_COLUMNS
from bench.results_csv import COLUMNS, ResultsWriter
from conftest import assert_one_line_error, call_main

KEY = dict(device="local", format="onnx", runtime="onnxruntime", precision="fp32",
           resolution=128, batch=1)
STATE = dict(host="lab-1", cpu_model="Xeon X", logical_cores=2, os="Linux-6.1",
             onnxruntime_version="1.20.0", torch_version="2.13.0")


def trials(seed, mean, n=10, rel_sd=0.02):
    """``n`` per-trial throughputs ~ Normal(mean, rel_sd * mean), seeded."""
    return list(np.random.default_rng(seed).normal(mean, rel_sd * mean, n))


def row(model, tps=None, status="ok", **over):
    r = dict(KEY, model=model, status=status, **STATE)
    if tps is not None:
        r.update(throughput=float(np.median(tps)), trial_throughputs=tps)
    elif status != "ok":
        r["error"] = "export failed: boom"
    r.update(over)
    return r


def write(path, rows, columns=COLUMNS):
    with ResultsWriter(str(path), columns) as w:
        for r in rows:
            w.write(r)
    return str(path)


def call(*argv):
    """``bench ARGS`` in this process, as the entry point runs it."""
    return call_main([str(a) for a in argv])


def table_line(stdout, model):
    return next(line for line in stdout.splitlines() if line.startswith(model + " "))


BASE = "mobilenet_v2:num_classes=2"


def paired_run(seed, speeds, drift=1.0, n=10):
    """The rows of one run with a baseline: the baseline and every model measured in the
    same ``n`` rounds; each round's machine speed varies (seeded) and hits every model alike,
    and every throughput is scaled by ``drift`` (a machine slower in this run); ``speeds``:
    model -> its throughput relative to the baseline's."""
    rng = np.random.default_rng(seed)
    machine = drift * rng.normal(1.0, 0.02, n)
    base = 200.0 * machine * rng.normal(1.0, 0.01, n)
    rows = [row(BASE, list(base), baseline=BASE, trial_relative_times=[1.0] * n)]
    for model, speed in speeds.items():
        tps = base * speed * rng.normal(1.0, 0.01, n)
        rows.append(row(model, list(tps), baseline=BASE, trial_relative_times=list(base / tps)))
    return rows


SPEEDS = {"pta:LLL": 1.25, "pta:HHH": 1.0, "pta:BBB": 0.8}


def diff_rows(*argv):
    """``bench diff ARGV --out d.csv --no-plot`` -> (result, {model: output row})."""
    out = os.path.join(os.path.dirname(str(argv[0])), "d.csv")
    res = call("diff", *argv, "--out", out, "--no-plot")
    with open(out) as fh:
        return res, {r["model"]: r for r in csv.DictReader(fh)}


# -- the statistics -----------------------------------------------------------------------

def test_a_ten_percent_slowdown_is_slower_with_an_interval_that_holds_it():
    res = compare_trials(trials(1, 200.0), trials(2, 180.0))
    assert res["verdict"] == "slower", res
    assert res["ci_low"] <= -0.10 <= res["ci_high"] < 0
    assert abs(res["change"] + 0.10) < 0.02 and res["p"] < 0.001
    assert compare_trials(trials(1, 200.0), trials(2, 180.0)) == res  # no randomness inside
    up = compare_trials(trials(2, 180.0), trials(1, 200.0))  # the other way round
    assert up["verdict"] == "faster" and up["ci_low"] <= 1 / 0.9 - 1 <= up["ci_high"]


def test_identical_distributions_are_unchanged_with_an_interval_around_zero():
    res = compare_trials(trials(3, 200.0), trials(4, 200.0))
    assert res["verdict"] == "unchanged", res
    assert res["ci_low"] < 0 < res["ci_high"] and res["p"] >= 0.05
    same = trials(5, 200.0)
    assert compare_trials(same, same)["change"] == 0.0


def test_interval_covers_the_true_change_at_its_level_and_agrees_with_the_test():
    """200 seeded experiments of 8 trials a side, true change -5 %: the 95 % interval holds
    it about 95 % of the time; and 'p < alpha' and 'the interval excludes 0' never disagree
    (the interval is the test inverted)."""
    rng = np.random.default_rng(7)
    covered, nulls_rejected = 0, 0
    for _ in range(200):
        old = list(rng.normal(100, 3, 8))
        new = list(rng.normal(100, 3, 8) * 0.95)
        res = compare_trials(old, new)
        covered += res["ci_low"] <= -0.05 <= res["ci_high"]
        null = compare_trials(old, list(rng.normal(100, 3, 8)))
        nulls_rejected += null["verdict"] != "unchanged"
        for r in (res, null):
            assert (r["p"] < 0.05) == (r["ci_low"] > 0 or r["ci_high"] < 0), r
    assert 0.91 <= covered / 200 <= 0.99
    assert nulls_rejected / 200 <= 0.09


def test_too_few_trials_is_unknown_and_says_why():
    res = compare_trials([100.0, 101.0], trials(1, 100.0))
    assert res["verdict"] == "unknown" and "too few trials: 2 in OLD, 10 in NEW" in res["why"]
    # 3 against 3 at alpha 0.05: even full separation gives p = 0.1, so no interval
    res = compare_trials([100.0, 101.0, 102.0], [50.0, 51.0, 52.0])
    assert res["verdict"] == "unknown" and "cannot give p < 0.05" in res["why"]
    assert res["change"] < -0.4 and res["ci_low"] is None
    res = compare_trials([100.0, 101.0, 102.0], [50.0, 51.0, 52.0], alpha=0.2)
    assert res["verdict"] == "slower"


# -- the command --------------------------------------------------------------------------

@pytest.fixture
def pair(tmp_path):
    """OLD and NEW: a 10 % slower model, an unchanged one, one that failed in NEW, one only
    in OLD, one only in NEW."""
    old = write(tmp_path / "old.csv", [
        row("pta:LLL", trials(1, 300.0)), row("pta:HHH", trials(2, 200.0)),
        row("pta:BBB", trials(3, 250.0)), row("resnet18", trials(4, 50.0))])
    new = write(tmp_path / "new.csv", [
        row("pta:LLL", trials(11, 270.0)), row("pta:HHH", trials(12, 200.0)),
        row("pta:BBB", status="failed"), row("pta:LHH", trials(13, 220.0))])
    return old, new


def test_diff_prints_verdicts_lists_and_summary(pair, tmp_path):
    old, new = pair
    res = call("diff", old, new, "--out", tmp_path / "d.csv")
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""  # same machine, same versions: no warning
    slow = table_line(res.stdout, "pta:LLL").split()
    assert slow[-1] == "slower" and slow[1:4] == ["onnxruntime", "fp32", "128"]
    assert table_line(res.stdout, "pta:HHH").split()[-1] == "unchanged"
    assert "only in OLD ({}): 1\n  resnet18 onnx onnxruntime fp32 128 b1\n".format(old) in res.stdout
    assert "only in NEW ({}): 1\n  pta:LHH onnx onnxruntime fp32 128 b1\n".format(new) in res.stdout
    assert "not ok on a side: 1\n  pta:BBB onnx onnxruntime fp32 128 b1: NEW failed: export " \
           "failed: boom\n" in res.stdout
    assert res.stdout.strip().splitlines()[-3] == (
        "0 faster, 1 slower, 1 unchanged, 0 unknown, 1 only in OLD, 1 only in NEW, 1 not ok")
    with open(tmp_path / "d.csv") as fh:
        rows = {r["model"]: r for r in csv.DictReader(fh)}
    assert [rows[m]["verdict"] for m in ("pta:LLL", "pta:HHH", "pta:BBB", "resnet18",
                                         "pta:LHH")] == ["slower", "unchanged", "not_ok",
                                                         "only_old", "only_new"]
    low, high = float(rows["pta:LLL"]["change_ci_low_pct"]), float(
        rows["pta:LLL"]["change_ci_high_pct"])
    assert low <= -10 <= high and float(rows["pta:LLL"]["p_value"]) < 0.001
    assert rows["pta:BBB"]["status_new"] == "failed"
    # no baseline in either file: every key on its raw throughput, no paired note
    assert [rows[m]["basis"] for m in ("pta:LLL", "pta:HHH", "pta:BBB")] == [
        "throughput", "throughput", ""]
    assert "paired:" not in res.stdout and table_line(res.stdout, "pta:LLL").split()[-2] == \
        "throughput"
    assert (tmp_path / "d.png").stat().st_size > 1000
    assert "every compared key" not in res.stdout


def test_every_key_moving_alike_is_pointed_out(tmp_path):
    old = write(tmp_path / "o.csv", [row(m, trials(i, 100.0 * i), cpu_affinity="0")
                                     for i, m in enumerate(("pta:LLL", "pta:HHH", "pta:BBB"), 1)])
    new = write(tmp_path / "n.csv", [row(m, trials(10 + i, 92.0 * i), cpu_affinity="1")
                                     for i, m in enumerate(("pta:LLL", "pta:HHH", "pta:BBB"), 1)])
    res = call("diff", old, new)
    assert "0 faster, 3 slower" in res.stdout
    assert res.stdout.splitlines()[-1].startswith("every compared key is slower (-")
    assert "shows this machine's run-to-run drift" in res.stdout
    assert res.stderr == ("bench: warning: cpu_affinity differs for 3 keys: '0' in {}, '1' in {} "
                          "(pta:LLL onnx onnxruntime fp32 128 b1, pta:HHH onnx onnxruntime fp32 "
                          "128 b1, pta:BBB onnx onnxruntime fp32 128 b1)\n".format(old, new))


def test_fail_slower_gates_on_the_interval_not_the_point(pair, tmp_path):
    old, new = pair
    res = call("diff", old, new, "--fail-slower", "5")
    assert res.returncode == 1 and "gate: FAIL: 1 key slower by more than 5 %" in res.stdout
    assert "pta:LLL onnx onnxruntime fp32 128 b1" in res.stdout.splitlines()[-1]
    res = call("diff", old, new, "--fail-slower", "20")
    assert res.returncode == 0 and "gate: pass" in res.stdout
    # a 6 % slowdown measured with noisy trials: the point is beyond 5 %, the interval is not
    noisy_old = write(tmp_path / "n_old.csv", [row("pta:LLL", trials(21, 300.0, 12, 0.04))])
    noisy_new = write(tmp_path / "n_new.csv", [row("pta:LLL", trials(22, 282.0, 12, 0.04))])
    res = call("diff", noisy_old, noisy_new, "--fail-slower", "5", "--out", tmp_path / "n.csv")
    with open(tmp_path / "n.csv") as fh:
        r = next(csv.DictReader(fh))
    assert r["verdict"] == "slower" and float(r["change_pct"]) < -5 < float(
        r["change_ci_high_pct"]), r
    assert res.returncode == 0, res.stdout
    assert call("diff", noisy_old, noisy_new, "--fail-slower", "1").returncode == 1


def test_a_gate_with_nothing_compared_fails(tmp_path):
    old = write(tmp_path / "o.csv", [row("pta:LLL", trials(1, 300.0))])
    new = write(tmp_path / "n.csv", [row("pta:LLL", status="crashed")])
    res = call("diff", old, new)
    assert res.returncode == 0 and "nothing to compare" in res.stdout
    res = call("diff", old, new, "--fail-slower", "5")
    assert res.returncode == 1 and "gate: FAIL: no key has a verdict" in res.stdout


def test_other_machine_and_versions_are_warned_about_one_line_each(tmp_path):
    old = write(tmp_path / "o.csv", [row("pta:LLL", trials(1, 300.0)),
                                     row("pta:LLL", trials(2, 100.0), runtime="torch")])
    new = write(tmp_path / "n.csv", [
        row("pta:LLL", trials(3, 300.0), device="nano", host="jetson-7",
            onnxruntime_version="1.21.0"),
        row("pta:LLL", trials(4, 100.0), runtime="torch", device="nano", host="jetson-7",
            onnxruntime_version="1.21.0")])
    res = call("diff", old, new)
    assert res.returncode == 0, res.stderr
    warnings = res.stderr.strip().splitlines()
    assert all(w.startswith("bench: warning: ") for w in warnings), warnings
    assert sorted(w.split()[2] for w in warnings) == ["device", "host", "onnxruntime_version"]
    assert "bench: warning: host differs: 'lab-1' in {}, 'jetson-7' in {}: the files come " \
           "from different machines".format(old, new) in warnings
    # the onnxruntime version matters to the onnxruntime key only, not to torch's
    assert any(w.startswith("bench: warning: onnxruntime_version differs for 1 key: '1.20.0'")
               and w.endswith("(pta:LLL onnx onnxruntime fp32 128 b1)") for w in warnings)
    assert res.stdout.startswith("comparing device 'local' ({}) with device 'nano' ({}): keys "
                                 "matched without the device\n".format(old, new))
    assert "0 only in OLD, 0 only in NEW" in res.stdout


def test_a_busy_machine_on_one_side_is_warned_about(tmp_path):
    old = write(tmp_path / "o.csv", [row("pta:LLL", trials(1, 150.0), background_cpu_pct=48.5),
                                     row("pta:HHH", trials(2, 100.0), background_cpu_pct=31.0)])
    new = write(tmp_path / "n.csv", [row("pta:LLL", trials(3, 300.0), background_cpu_pct=2.0),
                                     row("pta:HHH", trials(4, 200.0), background_cpu_pct=4.4)])
    res = call("diff", old, new, "--out", tmp_path / "d.csv", "--no-plot")
    assert res.stderr == ("bench: warning: background_cpu_pct (other processes' share of the "
                          "worker's cores during the trials) is 31-48 % in {}, 2-4 % in {}: a "
                          "change may be the machine's load rather than the models; measure both "
                          "on a quiet machine\n".format(old, new))
    with open(tmp_path / "d.csv") as fh:
        assert next(csv.DictReader(fh))["notes"] == "OLD background load 48 %"
    assert not (tmp_path / "d.png").exists()


def test_several_devices_per_file_are_matched_with_the_device(tmp_path):
    old = write(tmp_path / "o.csv", [row("pta:LLL", trials(1, 300.0)),
                                     row("pta:LLL", trials(2, 30.0), device="nano")])
    new = write(tmp_path / "n.csv", [row("pta:LLL", trials(3, 300.0)),
                                     row("pta:LLL", trials(4, 30.0), device="orin")])
    res = call("diff", old, new)
    assert res.returncode == 0, res.stderr
    assert "keys matched with the device" in res.stdout
    assert "only in OLD ({}): 1\n  pta:LLL onnx onnxruntime fp32 128 b1@nano".format(old) \
        in res.stdout
    assert "1 unchanged" in res.stdout and "1 only in NEW" in res.stdout


# -- paired basis: ratios to the baseline measured alongside ------------------------------

@pytest.fixture
def drifted(tmp_path):
    """OLD and NEW of the same build: NEW's machine 10 % slower on every key, the baseline
    included; the models' ratios to the baseline unchanged."""
    return (write(tmp_path / "old.csv", paired_run(1, SPEEDS)),
            write(tmp_path / "new.csv", paired_run(2, SPEEDS, drift=0.9)))


def test_drift_of_the_machine_cancels_on_the_paired_basis_and_shows_with_absolute(drifted):
    old, new = drifted
    res, rows = diff_rows(old, new)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    for model in SPEEDS:
        assert (rows[model]["basis"], rows[model]["verdict"]) == ("paired", "unchanged"), model
        assert abs(float(rows[model]["change_pct"])) < 2 and rows[model]["trials_old"] == "10"
        assert table_line(res.stdout, model).split()[-2:] == ["paired", "unchanged"]
    base = rows[BASE]  # the baseline against itself is meaningless: its throughput
    assert (base["basis"], base["verdict"]) == ("throughput", "slower")
    assert base["notes"] == "the baseline: compared on throughput (its paired ratios are 1 by " \
                            "definition)"
    assert table_line(res.stdout, BASE).split()[-2:] == ["throughput", "slower"]
    assert "paired = the model's throughput relative to its baseline's in the same rounds" \
        in res.stdout
    assert "paired: a change that hits every model alike (a runtime upgrade, another machine) " \
           "cancels in it and shows only on throughput" in res.stdout
    assert "with --absolute for \"did the whole stack change\"" in res.stdout
    assert "the baseline moved on throughput between the runs ({} onnx onnxruntime fp32 128 b1 " \
           "-".format(BASE) in res.stdout
    assert "0 faster, 1 slower, 3 unchanged" in res.stdout
    assert "every compared key" not in res.stdout

    res, rows = diff_rows(old, new, "--absolute")
    assert res.returncode == 0
    for model in (BASE,) + tuple(SPEEDS):
        assert (rows[model]["basis"], rows[model]["verdict"]) == ("throughput", "slower"), model
        assert float(rows[model]["change_ci_low_pct"]) <= -10 <= float(
            rows[model]["change_ci_high_pct"]) < 0
    assert rows["pta:LLL"]["notes"] == ""
    assert "0 faster, 4 slower" in res.stdout and "every compared key is slower" in res.stdout
    assert "paired:" not in res.stdout and "raw per-trial throughputs (--absolute)" in res.stdout


def test_a_model_slower_against_its_baseline_is_slower_paired_and_fails_the_gate(drifted,
                                                                                 tmp_path):
    old, same = drifted
    new = write(tmp_path / "worse.csv",
                paired_run(2, dict(SPEEDS, **{"pta:LLL": 1.25 * 0.9}), drift=0.9))
    res, rows = diff_rows(old, new)
    r = rows["pta:LLL"]
    assert (r["basis"], r["verdict"]) == ("paired", "slower"), r
    assert float(r["change_ci_low_pct"]) <= -10 <= float(r["change_ci_high_pct"]) < -5
    assert [rows[m]["verdict"] for m in ("pta:HHH", "pta:BBB")] == ["unchanged", "unchanged"]
    # the gate judges the paired keys; the baseline's own (drifted) throughput is not gated
    res = call("diff", old, new, "--fail-slower", "5")
    assert res.returncode == 1, res.stdout
    assert res.stdout.splitlines()[-1] == ("gate: FAIL: 1 key slower by more than 5 % (95 % "
                                           "interval entirely below -5 %): pta:LLL onnx "
                                           "onnxruntime fp32 128 b1")
    assert res.stdout.splitlines()[-2].startswith(
        "gate: not judged: {} onnx onnxruntime fp32 128 b1 (the baseline".format(BASE))
    # the same build on a machine 10 % slower: the paired gate passes, --absolute fails
    res = call("diff", old, same, "--fail-slower", "5")
    assert res.returncode == 0 and res.stdout.splitlines()[-1].startswith("gate: pass"), \
        res.stdout
    res = call("diff", old, same, "--fail-slower", "5", "--absolute")
    assert res.returncode == 1 and "gate: FAIL: 4 keys slower by more than 5 %" in res.stdout
    assert "not judged" not in res.stdout


def test_keys_without_a_common_baseline_or_ratios_are_compared_on_throughput(tmp_path):
    old_rows, new_rows = paired_run(1, SPEEDS), paired_run(2, SPEEDS)
    new_rows[1]["baseline"] = "pta:HHH"  # LLL: another baseline in NEW
    new_rows[2]["trial_relative_times"] = None  # HHH: NEW has no ratios
    new_rows[3]["trial_relative_times"] = [1.25, 1.25]  # BBB: two paired rounds in NEW
    res, rows = diff_rows(write(tmp_path / "o.csv", old_rows), write(tmp_path / "n.csv",
                                                                     new_rows))
    assert res.returncode == 0, res.stderr
    assert {m: r["basis"] for m, r in rows.items()} == dict.fromkeys(rows, "throughput")
    assert rows["pta:LLL"]["notes"] == "baseline differs ({} in OLD, pta:HHH in NEW): compared " \
                                       "on throughput".format(BASE)
    assert rows["pta:HHH"]["notes"] == "0 paired rounds against the baseline in NEW: compared " \
                                       "on throughput"
    assert rows["pta:BBB"]["notes"] == "2 paired rounds against the baseline in NEW: compared " \
                                       "on throughput"
    assert rows["pta:BBB"]["trials_new"] == "10"  # the raw trials
    assert "paired:" not in res.stdout and "not judged" not in call(
        "diff", tmp_path / "o.csv", tmp_path / "n.csv", "--fail-slower", "50").stdout


@pytest.fixture
def bad(tmp_path):
    d = tmp_path
    f = {"run": write(d / "run.csv", [row("pta:LLL", trials(1, 300.0))])}
    f["other"] = write(d / "other.csv", [row("resnet18", trials(1, 50.0))])
    f["sweep"] = write(d / "sweep.csv", [row("pta:LLL", trials(1, 300.0))], SWEEP_COLUMNS)
    old_bench = tuple(c for c in COLUMNS if c not in ("switch_ms", "artifact_mb", "lab_worker"))
    f["older"] = write(d / "older.csv", [row("pta:LLL", trials(1, 300.0))], old_bench)
    from bench.analysis.fp16 import COLUMNS as FP16
    from bench.analysis.tables import write_table

    f["fp16"] = write_table(str(d / "fp16.csv"), FP16, [dict(model="pta:LLL", ratio=1.2)])
    f["empty"] = str(d / "empty.csv")
    open(f["empty"], "w").close()
    f["garbage"] = str(d / "garbage.csv")
    with open(f["garbage"], "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n\x00\x00garbage")
    f["trials"] = write(d / "trials.csv", [row("pta:LLL", trials(1, 300.0),
                                               trial_throughputs="300;abc;301")])
    f["paired"] = write(d / "paired.csv", [row("pta:LLL", trials(1, 300.0), baseline=BASE,
                                               trial_relative_times=[0.8] * 10)])
    f["ratios"] = write(d / "ratios.csv", [row("pta:LLL", trials(1, 300.0), baseline=BASE,
                                               trial_relative_times="0.8;0.8;-1")])
    return f


@pytest.mark.parametrize("args, phrases", [
    ("{run} /nonexistent.csv", ["results CSV /nonexistent.csv not found"]),
    ("{run} {empty}", ["{empty} is empty"]),
    ("{garbage} {run}", ["{garbage} is a binary file, not a CSV file"]),
    ("{run} {sweep}", ["{run} is a bench run CSV, {sweep} is a bench sweep-resolution CSV",
                       "only {sweep} has patches_per_s, max_resolution, stop_reason"]),
    ("{older} {run}", ["only {run} has switch_ms, artifact_mb, lab_worker",
                       "{older} is a bench run CSV of another bench version"]),
    ("{run} {fp16}", ["{fp16} is a bench compare-fp16 comparison CSV", "only {run} has"]),
    ("{fp16} {fp16}", ["{fp16} is a bench compare-fp16 comparison CSV, not a bench run CSV: "
                       "it lacks format, precision, throughput, trial_throughputs"]),
    ("{run} {other}", ["share no row key (model, format, runtime, precision, resolution, "
                       "batch): e.g. pta:LLL onnx onnxruntime fp32 128 b1 in {run}, "
                       "resnet18 onnx onnxruntime fp32 128 b1 in {other}"]),
    ("{run} {trials}", ["{trials} line 2: trial_throughputs '300;abc;301' is not a"]),
    ("{paired} {ratios}", ["{ratios} line 2: trial_relative_times '0.8;0.8;-1' is not a "
                           "';'-separated list of numbers > 0 ('-1')"]),
    ("{run} {run} --fail-slower 100", ["--fail-slower: 100.0 is out of range: must be >= 0 "
                                       "and < 100"]),
    ("{run} {run} --fail-slower -1", ["--fail-slower: -1.0 is out of range"]),
    ("{run} {run} --alpha 0", ["--alpha: 0.0 is out of range: must be > 0 and <= 0.5"]),
    ("{run}", ["the following arguments are required: NEW.csv"]),
])
def test_bad_input_is_one_line_exit_2(bad, args, phrases):
    res = call("diff", *[a.format(**bad) for a in args.split()])
    assert_one_line_error(res, 2, *[p.format(**bad) for p in phrases])
    assert res.stdout == ""


# -- two real runs ------------------------------------------------------------------------

@pytest.mark.slow
def test_diff_of_two_real_tiny_runs(cli, tmp_path):
    cfg = tmp_path / "bench.toml"
    cfg.write_text('[export]\ndir = "{}"\n'.format(tmp_path / "cache"))
    small, large = "mobilenet_v2:width_mult=0.25", "mobilenet_v2:width_mult=0.5"
    outs = []
    for name in ("A.csv", "B.csv"):
        out = tmp_path / name
        res = cli("run", "--config", str(cfg), "--models", small, large, "--baseline", small,
                  "--runtimes", "onnxruntime", "--resolution", "32", "--repeats", "8",
                  "--trials", "5", "--no-plot", "--out", str(out))
        assert res.returncode == 0, res.stderr
        with open(out) as fh:
            ratios = [r["trial_relative_times"].split(";") for r in csv.DictReader(fh)]
        assert [len(r) for r in ratios] == [8, 8] and set(ratios[0]) == {"1"}
        outs.append(str(out))
    res = cli("diff", *outs, "--fail-slower", "90", "--out", str(tmp_path / "d.csv"), "--no-plot")
    assert res.returncode == 0, res.stdout + res.stderr
    for model, basis in ((small, "throughput"), (large, "paired")):
        line = table_line(res.stdout, model).split()
        assert line[-1] in ("faster", "slower", "unchanged"), res.stdout
        assert line[-2] == basis, res.stdout
        assert line.count("x8") == 2  # old and new: 8 trials (paired rounds) a side
    with open(tmp_path / "d.csv") as fh:
        rows = {r["model"]: r for r in csv.DictReader(fh)}
    assert [rows[m]["basis"] for m in (small, large)] == ["throughput", "paired"]
    for r in rows.values():
        assert r["trials_old"] == r["trials_new"] == "8"
        assert math.isfinite(float(r["change_ci_low_pct"])) and math.isfinite(
            float(r["change_ci_high_pct"]))
    assert "gate: not judged: {} onnx onnxruntime".format(small) in res.stdout
    assert "gate: pass" in res.stdout
    assert not os.path.exists(tmp_path / "d.png")
