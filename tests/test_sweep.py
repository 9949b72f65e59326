"""`bench sweep-resolution`: a model stops at its first crash, the next one runs, resume."""

import pytest

from bench.analysis.sweep import (COMPLETED, SWEEP_COLUMNS, SweepRowWriter, SweepState,
                                  max_resolution_table, patches_per_s)
from bench.results_csv import read_rows
from conftest import assert_one_line_error

FAST = ["--trials", "2", "--repeats", "2", "--warmup", "1", "--runtimes", "torch"]
SMALL = "mobilenet_v2:width_mult=0.2"
OTHER = "resnet:block=basic,layers=1-1-1-1"


@pytest.fixture
def cfg(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    path = base / "sweep-bench.toml"
    path.write_text('[export]\ndir = "{}"\n[run]\nresults_dir = "{}"\n'.format(
        base / "sweep-cache", base / "sweep-results"))
    return str(path)


def test_crash_stops_the_model_next_model_runs_and_resume_continues(cli, tmp_path, cfg):
    out = str(tmp_path / "s.csv")
    res = cli("sweep-resolution", "--config", cfg, "--models", SMALL, OTHER,
              "--resolutions", "32,48", "--out", out, *FAST,
              env={"BENCH_TEST_CRASH": SMALL + "@48 torch"})
    assert res.returncode == 0, res.stderr
    rows = read_rows(out)
    # one group per resolution (the models interleaved); the crash takes SMALL only
    assert [(r["model"], r["resolution"], r["status"]) for r in rows] == [
        (SMALL, "32", "ok"), (OTHER, "32", "ok"), (SMALL, "48", "crashed"), (OTHER, "48", "ok")]
    assert list(rows[0]) == list(SWEEP_COLUMNS)
    assert rows[2]["max_resolution"] == "32"
    assert rows[2]["stop_reason"].startswith("crashed at 48: ") and "SIGKILL" in rows[2]["stop_reason"]
    assert rows[3]["max_resolution"] == "48" and rows[3]["stop_reason"] == COMPLETED
    assert float(rows[1]["patches_per_s"]) == pytest.approx(
        float(rows[1]["throughput"]) * (32 / 112) ** 2, rel=1e-4)
    assert "Maximum resolution reached" in res.stdout
    assert (tmp_path / "s.png").stat().st_size > 1000

    # as if killed after the crash row: resume skips what is measured and the stopped model
    with open(out) as fh:
        lines = fh.readlines()
    with open(out, "w") as fh:
        fh.writelines(lines[:4])
    res = cli("sweep-resolution", "--config", cfg, "--out", out, "--resume")  # the rest is stored
    assert res.returncode == 0, res.stderr
    rows2 = read_rows(out)
    assert rows2[:3] == rows[:3]
    assert [(r["model"], r["resolution"], r["status"]) for r in rows2[3:]] == [(OTHER, "48", "ok")]
    assert rows2[3]["max_resolution"] == "48" and rows2[3]["stop_reason"] == COMPLETED
    assert "stopped: crashed at 48" in res.stderr and "resumed:" in res.stderr
    res = cli("sweep-resolution", "--config", cfg, "--out", out, "--resume", "--resolutions",
              "32,48,64")
    assert_one_line_error(res, 2, "--resolutions 32,48,64 contradicts", "measured with 32,48")


@pytest.mark.parametrize("args, needle", [
    (["--resolutions", "64,big"], "--resolutions: 'big' is not an integer"),
    (["--resolution", "64"], "takes --resolutions"),
])
def test_bad_input_is_one_line(cli, cfg, args, needle):
    res = cli("sweep-resolution", "--config", cfg, "--models", SMALL, *FAST, *args)
    assert res.returncode == 2 and needle in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


class _Sink:
    def __init__(self):
        self.rows = []

    def write(self, row):
        self.rows.append(dict(row))

    def close(self):
        pass


def _row(model, r, status="ok", tp=100.0):
    return {"device": "d", "model": model, "runtime": "torch", "precision": "fp32", "batch": 1,
            "resolution": r, "status": status, "throughput": tp if status == "ok" else None,
            "error": "" if status == "ok" else "killed by SIGKILL"}


def test_row_writer_columns_and_table_without_a_device():
    sink = _Sink()
    w = SweepRowWriter(sink, SweepState())
    for r in (112, 224):
        w.last = r == 224
        w.write(_row("m", r))
    w.last = False
    w.write(_row("n", 112))
    w.write(_row("n", 224, "crashed"))
    w.write(_row("k", 112, "unsupported"))
    assert sink.rows[0]["patches_per_s"] == pytest.approx(100.0)
    assert sink.rows[1]["patches_per_s"] == pytest.approx(400.0)
    assert "stop_reason" not in sink.rows[0]
    assert sink.rows[1]["stop_reason"] == COMPLETED and sink.rows[1]["max_resolution"] == 224
    assert sink.rows[3]["max_resolution"] == 112 and sink.rows[3]["stop_reason"].startswith(
        "crashed at 224")
    assert sink.rows[4]["max_resolution"] is None
    assert patches_per_s(10.0, 1120) == pytest.approx(1000.0)
    table = {t["model"]: t for t in max_resolution_table(sink.rows + [_row("z", 112)])}
    assert table["m"]["max_resolution"] == 224 and table["n"]["max_resolution"] == 112
    assert table["k"]["max_resolution"] is None
    assert "not finished" in table["z"]["stop_reason"]
    # a resumed state knows which lines stopped
    state = SweepState(sink.rows)
    assert len(state.stopped) == 2 and state.max_ok[("d", "m", "torch", "fp32", "1")] == 224
