"""`bench compare-fp16`: pairs from CSVs, unsupported pairs listed, R < 1 kept as measured."""

import csv

import pytest
from conftest import assert_one_line_error

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
    ("", "results CSV {} is empty"),
    (",".join(HEADER) + "\n", "results CSV {} has a header but no rows"),
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "results CSV {} is a binary file"),
    ("dir", "results CSV {} is a directory"),
])
def test_cli_bad_input_is_one_line(cli, tmp_path, content, needle):
    path = tmp_path / "in.csv"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    res = cli("compare-fp16", "--from", str(path))
    assert_one_line_error(res, 2, needle.format(path))


def test_cli_accepts_a_spreadsheet_csv_with_bom_and_crlf(cli, tmp_path):
    text = open(_write(tmp_path / "plain.csv", ROWS)).read().replace("\n", "\r\n")
    src = tmp_path / "sheet.csv"
    src.write_bytes(b"\xef\xbb\xbf" + text.encode())
    res = cli("compare-fp16", "--from", str(src), "--no-plot")
    assert res.returncode == 0, res.stderr
    with open(tmp_path / "sheet-fp16.csv") as fh:
        by = {r["model"]: r for r in csv.DictReader(fh)}
    assert float(by["resnet18"]["ratio"]) == pytest.approx(160 / 70, rel=1e-5)


@pytest.mark.parametrize("value, problem", [("inf", "is not a finite number"),
                                            ("-inf", "is not a finite number"),
                                            ("nan", "is not a finite number"),
                                            ("abc", "is not a number")])
def test_cli_refuses_a_throughput_that_is_not_a_number(cli, tmp_path, value, problem):
    rows = list(ROWS)
    rows[2] = _row("mobilenet_v2", "mobilenet_v2", "fp32", value)  # line 4
    src = _write(tmp_path / "run.csv", rows)
    res = cli("compare-fp16", "--from", src, "--no-plot")
    assert_one_line_error(res, 2, "{} line 4: throughput {!r} {}".format(src, value, problem))
    assert "-inf" not in res.stdout and not (tmp_path / "run-fp16.csv").exists()


def test_cli_without_fp16_rows_says_what_to_do(cli, tmp_path):
    src = _write(tmp_path / "run.csv", [r for r in ROWS if r[6] == "fp32"])
    res = cli("compare-fp16", "--from", src)
    assert_one_line_error(res, 2, src, "no fp16 rows", "bench run --precision fp16")


def test_a_fine_row_never_gets_no_reason_given_and_ratios_are_finite():
    # rows not read through read_table (e.g. the measuring path): junk is a failed side
    pairs = {p["model"]: p for p in pair_rows(_dicts([
        _row("a", "f", "fp32", "abc"), _row("a", "f", "fp16", 10),
        _row("b", "f", "fp32", "-inf"), _row("b", "f", "fp16", 10),
        _row("c", "f", "fp32", 10), _row("c", "f", "fp16", "", "failed", ""),
        _row("d", "f", "fp32", 1e-300), _row("d", "f", "fp16", 1e300)]))}
    assert all(p["ratio"] is None for p in pairs.values())
    assert pairs["a"]["status"] == "failed"
    assert pairs["a"]["notes"] == "fp32 row is ok but its throughput 'abc' is not a number > 0"
    assert pairs["b"]["throughput_fp32"] is None and pairs["b"]["status"] == "failed"
    assert pairs["c"]["notes"] == "fp16 failed: no error recorded"
    assert pairs["d"]["status"] == "failed" and "no finite ratio" in pairs["d"]["notes"]
    assert not any("no reason given" in p["notes"] for p in pairs.values())


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
