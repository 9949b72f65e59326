"""`bench compare-fp16`: pairs from CSVs, unsupported pairs listed, R < 1 kept as measured."""

import csv

import pytest

from bench.analysis.fp16 import COLUMNS, pair_rows

HEADER = ("device", "model", "family", "params_m", "runtime", "format", "precision", "resolution",
          "batch", "throughput", "status", "error", "notes")


def _row(model, family, precision, tp, status="ok", error="", runtime="tensorrt", notes=""):
    return ("nano", model, family, 1.0, runtime, runtime, precision, 224, 1, tp, status, error,
            notes)


ROWS = [
    _row("resnet18", "resnet", "fp32", 70), _row("resnet18", "resnet", "fp16", 160),
    _row("mobilenet_v2", "mobilenet_v2", "fp32", 250),
    _row("mobilenet_v2", "mobilenet_v2", "fp16", 230),
    _row("shufflenet_v2_x1_0", "shufflenet_v2", "fp32", 300),
    _row("shufflenet_v2_x1_0", "shufflenet_v2", "fp16", "", "unsupported", "no FP16 kernels"),
    _row("mnasnet1_0", "mnasnet", "fp32", 200),
]


def _write(path, rows, header=HEADER):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


def _dicts(rows, header=HEADER):
    return [dict(zip(header, map(str, r))) for r in rows]


def test_pairs_ratio_unsupported_and_missing():
    pairs = {p["model"]: p for p in pair_rows(_dicts(ROWS))}
    assert pairs["resnet18"]["ratio"] == pytest.approx(160 / 70)
    mb = pairs["mobilenet_v2"]
    assert mb["status"] == "ok" and mb["ratio"] == pytest.approx(0.92)  # never clamped to 1
    assert "FP16 slower" in mb["notes"]
    sh = pairs["shufflenet_v2_x1_0"]
    assert sh["status"] == "unsupported" and sh["ratio"] is None
    assert "fp16 unsupported: no FP16 kernels" in sh["notes"] and sh["throughput_fp32"] == 300
    assert pairs["mnasnet1_0"]["status"] == "missing"


def test_retry_after_resume_prefers_the_ok_row_and_runtimes_are_not_mixed():
    rows = _dicts([_row("m", "f", "fp32", 10), _row("m", "f", "fp16", "", "crashed", "OOM"),
                   _row("m", "f", "fp16", 15), _row("m", "f", "fp16", 99, runtime="tflite")])
    pairs = pair_rows(rows)
    assert [(p["runtime"], p["status"]) for p in pairs] == [("tensorrt", "ok"),
                                                            ("tflite", "missing")]
    assert pairs[0]["ratio"] == pytest.approx(1.5)


def test_cli_from_csvs_writes_csv_and_plot(cli, tmp_path):
    a = _write(tmp_path / "a.csv", ROWS[:4])
    b = _write(tmp_path / "b.csv", ROWS[4:])
    out = tmp_path / "cmp.csv"
    res = cli("compare-fp16", "--from", a, b, "--out", str(out))
    assert res.returncode == 0, res.stderr
    with open(out) as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == COLUMNS
    assert list(COLUMNS[:5]) == ["model", "family", "throughput_fp32", "throughput_fp16", "ratio"]
    by = {r["model"]: r for r in rows}
    assert float(by["mobilenet_v2"]["ratio"]) == pytest.approx(0.92)
    assert by["shufflenet_v2_x1_0"]["status"] == "unsupported" and by["shufflenet_v2_x1_0"]["ratio"] == ""
    assert "1 with FP16 slower" in res.stdout and "1 unsupported" in res.stdout
    assert (tmp_path / "cmp.png").stat().st_size > 1000


@pytest.mark.parametrize("content, needle", [
    (None, "results CSV {} not found"),
    ("model,throughput\nx,1\n", "lacks columns precision, status"),
])
def test_cli_bad_input_is_one_line(cli, tmp_path, content, needle):
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_text(content)
    res = cli("compare-fp16", "--from", str(path))
    assert res.returncode == 2, res.stderr
    assert needle.format(path) in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


def test_cli_measures_both_precisions_unsupported_fp16_is_listed(cli, tmp_path):
    """On a CPU, torch FP16 is unsupported: the pair is listed as such, nothing crashes."""
    cfg = tmp_path / "b.toml"
    cfg.write_text('[export]\ndir = "{}"\n'.format(tmp_path / "cache"))
    out = tmp_path / "cmp.csv"
    res = cli("compare-fp16", "--config", str(cfg), "--models", "mobilenet_v2:width_mult=0.2",
              "--resolution", "32", "--runtime", "torch", "--trials", "2", "--repeats", "2",
              "--warmup", "1", "--out", str(out), "--no-plot")
    with open(out) as fh:
        rows = list(csv.DictReader(fh))
    with open(tmp_path / "cmp-measurements.csv") as fh:
        measured = [(r["precision"], r["status"]) for r in csv.DictReader(fh)]
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU runs torch FP16")
    assert sorted(measured) == [("fp16", "unsupported"), ("fp32", "ok")]
    assert rows[0]["status"] == "unsupported" and float(rows[0]["throughput_fp32"]) > 0
    assert res.returncode == 1  # nothing to compare
