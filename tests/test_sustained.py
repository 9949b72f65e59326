"""`bench sustained` and `--cooldown` on the local device, through the CLI."""

import csv

import pytest

from bench.results_csv import read_rows
from bench.sustained import COLUMNS, rounds_for, throttling
from conftest import assert_one_line_error, assert_stopped_with

SMALL = "mobilenet_v2:width_mult=0.25"


@pytest.fixture
def cfg(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    path = base / "sustained-bench.toml"
    path.write_text('[export]\ndir = "{}"\n[run]\nresults_dir = "{}"\n'.format(
        base / "run-cache", base / "results"))
    return str(path)


def test_sustained_writes_one_row_per_interval_and_a_plot(cli, cfg, tmp_path):
    out = tmp_path / "s.csv"
    res = cli("sustained", "--config", cfg, "--model", SMALL, "--runtime", "onnxruntime",
              "--resolution", "32", "--minutes", "0.05", "--interval", "1", "--out", str(out))
    assert res.returncode == 0, res.stderr
    with open(str(out)) as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(COLUMNS)
    assert [r["interval"] for r in rows] == ["1", "2", "3"]
    for r in rows:
        assert r["status"] == "ok" and float(r["throughput"]) > 0
        # each interval lasts about --interval (the worker sizes the trial to it)
        assert 0.5 < float(r["t_end_s"]) - float(r["t_start_s"]) < 3.0, r
        assert int(r["inferences"]) > 0
    assert float(rows[1]["t_start_s"]) >= float(rows[0]["t_start_s"])
    assert "interval 3/3" in res.stderr and "3 intervals:" in res.stdout
    assert (tmp_path / "s.png").stat().st_size > 1000


def test_sustained_refuses_two_models_and_bad_minutes(cli, cfg, tmp_path):
    res = cli("sustained", "--config", cfg, "--models", SMALL, "pta:LLL", "--runtime",
              "onnxruntime", "--out", str(tmp_path / "x.csv"))
    assert_one_line_error(res, 2, "one model on one runtime", "--model SPEC --runtime R")
    res = cli("sustained", "--config", cfg, "--model", SMALL, "--runtime", "onnxruntime",
              "--minutes", "0")
    assert_one_line_error(res, 2, "--minutes")
    res = cli("sustained", "--config", cfg, "--model", SMALL, "--runtime", "onnxruntime",
              "--minutes", "0.01", "--interval", "5")
    assert_one_line_error(res, 2, "--interval 5 s is longer than --minutes")


def test_rounds_and_throttling_verdict():
    assert rounds_for(5, 10) == 30 and rounds_for(0.01, 10) == 1
    steady = [{"status": "ok", "throughput": 100.0 + i % 3} for i in range(20)]
    falling = [{"status": "ok", "throughput": 100.0 - 3 * i} for i in range(20)]
    one_slow = [dict(r) for r in steady]
    one_slow[-1]["throughput"] = 60.0  # one disturbed interval at the end is not throttling
    assert throttling(steady)["throttled"] is False
    assert throttling(one_slow)["throttled"] is False
    verdict = throttling(falling)
    assert verdict["throttled"] is True and verdict["change"] < -0.3 and verdict["p"] < 0.05
    assert throttling(steady[:15]) is None


def test_fixed_cooldown_before_each_measurement(cli, cfg, tmp_path):
    from bench.devices.local import LocalDevice

    out = tmp_path / "c.csv"
    res = cli("run", "--config", cfg, "--models", SMALL, "--runtimes", "onnxruntime",
              "--resolution", "32", "--trials", "3", "--repeats", "2", "--warmup", "1",
              "--cooldown", "1s", "--out", str(out), "--no-plot")
    assert res.returncode == 0, res.stderr
    row = read_rows(str(out))[0]
    assert row["status"] == "ok"
    temp = LocalDevice("local", None).temperature()
    assert (row["start_temp_c"] != "") == (temp is not None)  # recorded where readable


def test_cooldown_by_temperature_needs_a_thermometer(cli, cfg, tmp_path):
    from bench.devices.local import LocalDevice

    args = ("run", "--config", cfg, "--models", SMALL, "--runtimes", "onnxruntime",
            "--resolution", "32", "--trials", "3", "--repeats", "2", "--warmup", "1",
            "--out", str(tmp_path / "t.csv"), "--no-plot")
    res = cli(*args + ("--cooldown", "150"))
    assert_one_line_error(res, 2, "--cooldown 150", "between 0 and 150")
    res = cli(*args + ("--cooldown", "99", "--cooldown-max-s", "5"))
    if LocalDevice("local", None).temperature() is None:  # this container: no thermal zone
        assert_stopped_with(res, 3, "--cooldown 99C", "no readable temperature sensor",
                            "--cooldown 60s")
        assert "exporting" not in res.stderr  # refused before any work
        assert not (tmp_path / "t.csv").exists()
    else:
        assert res.returncode == 0, res.stderr
        assert read_rows(str(tmp_path / "t.csv"))[0]["start_temp_c"] != ""
