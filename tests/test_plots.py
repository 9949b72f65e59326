"""`bench plot KIND --from CSV`: each kind writes a non-empty PNG of the expected pixel size."""

import csv
import struct

import pytest
from conftest import assert_one_line_error

from bench.plots import estimator_fit, fp16, sweep, tradeoffs

RUN_HEADER = ("device", "model", "family", "params_m", "runtime", "format", "precision",
              "resolution", "batch", "throughput", "throughput_min", "throughput_max", "status",
              "error", "notes")
ZOO = [("resnet18", "resnet", 11.69, 70.0), ("resnet50", "resnet", 25.56, 28.0),
       ("resnet152", "resnet", 60.19, 11.0), ("mobilenet_v2", "mobilenet_v2", 3.5, 250.0),
       ("mobilenet_v2:width_mult=0.5", "mobilenet_v2", 1.97, 420.0),
       ("shufflenet_v2_x1_0", "shufflenet_v2", 2.28, 300.0),
       ("resnet:block=basic,layers=3-4-3-3", "resnet", 17.0, 45.0)]


def png_size(path):
    with open(path, "rb") as fh:
        head = fh.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def _write(path, header, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


def run_csv(path):
    rows = []
    for model, fam, p, tp in ZOO:
        for prec, factor in (("fp32", 1.0), ("fp16", 2.0 if fam == "resnet" else 0.9)):
            rows.append(("nano", model, fam, p, "tensorrt", "tensorrt", prec, 224, 1, tp * factor,
                         tp * factor * 0.98, tp * factor * 1.02, "ok", "", ""))
    rows.append(("nano", "densenet121", "densenet", 7.98, "tensorrt", "tensorrt", "fp16", 224, 1,
                 "", "", "", "unsupported", "no FP16 here", ""))
    return _write(path, RUN_HEADER, rows)


def sweep_csv(path):
    header = RUN_HEADER + ("patches_per_s", "max_resolution", "stop_reason")
    rows = []
    for model, stop_at in (("resnet18", 640), ("mobilenet_v2", None)):
        for r in (112, 224, 448, 640, 896):
            if stop_at and r == stop_at:
                rows.append(("nano", model, "x", 1, "tensorrt", "tensorrt", "fp16", r, 1, "", "",
                             "", "crashed", "killed by SIGKILL", "", "", 448,
                             "crashed at 640: killed by SIGKILL"))
                break
            tp = 2000.0 * (112 / r) ** 2 + 5
            rows.append(("nano", model, "x", 1, "tensorrt", "tensorrt", "fp16", r, 1, tp, "", "",
                         "ok", "", "", tp * (r / 112) ** 2, 896 if r == 896 else "",
                         "completed: every requested resolution ran" if r == 896 else ""))
    return _write(path, header, rows)


def energy_csv(path):
    header = RUN_HEADER + ("energy_mj_per_inference", "dynamic_energy_mj_per_inference",
                           "power_source")
    rows = [("orin", m, fam, p, "tensorrt", "tensorrt", "fp16", 224, 1, tp, "", "", "ok", "", "",
             12000.0 / tp, 7000.0 / tp, "tegrastats sum:VDD_GPU_SOC+VDD_CPU_CV+VIN_SYS_5V0")
            for m, fam, p, tp in ZOO]
    rows.append(("orin", "densenet121", "densenet", 7.98, "tensorrt", "tensorrt", "fp16", 224, 1,
                 "", "", "", "failed", "engine build failed", "", "", "", ""))
    return _write(path, header, rows)


def estimate_csv(path):
    rows = [(m, fam, p, "", tp, "", "landmark") for m, fam, p, tp in ZOO[:5]]
    rows += [("resnet18:fake", "resnet", 30.0, "", 25.0, "", "landmark"),
             ("mobilenet_v2:width_mult=0.75", "mobilenet_v2", 2.6, "", 330.0, "", "landmark"),
             ("mobilenet_v2:width_mult=0.6", "mobilenet_v2", 2.2, "", "", "", "predict"),
             (ZOO[6][0], "resnet", 17.0, "", 45.0, "", "test")]
    return _write(path, ("model", "family", "params_m", "predicted_throughput", "throughput",
                         "abs_error", "role"), rows)


@pytest.mark.parametrize("kind, make, size", [
    ("params", run_csv, tradeoffs.PARAMS_SIZE),
    ("accuracy", run_csv, tradeoffs.ACCURACY_SIZE),
    ("sweep", sweep_csv, sweep.SIZE),
    ("fp16", run_csv, fp16.SIZE),
    ("estimate", estimate_csv, estimator_fit.SIZE),
    ("energy", energy_csv, tradeoffs.ENERGY_SIZE),
])
def test_each_kind_writes_a_png_of_the_expected_size(cli, tmp_path, kind, make, size):
    src = make(tmp_path / "in.csv")
    res = cli("plot", kind, "--from", src)
    assert res.returncode == 0, res.stderr
    png = tmp_path / "in-{}.png".format(kind)
    assert png.stat().st_size > 5000
    assert png_size(str(png)) == size


def test_fp16_plot_from_a_compare_csv_and_size_flag(cli, tmp_path):
    src = run_csv(tmp_path / "run.csv")
    res = cli("compare-fp16", "--from", src, "--out", str(tmp_path / "cmp.csv"), "--no-plot")
    assert res.returncode == 0, res.stderr
    res = cli("plot", "fp16", "--from", str(tmp_path / "cmp.csv"), "--out",
              str(tmp_path / "f.png"), "--size", "800x400", "--title", "mine")
    assert res.returncode == 0, res.stderr
    assert png_size(str(tmp_path / "f.png")) == (800, 400)


def test_accuracy_uses_torchvision_metadata_offline():
    assert tradeoffs.top1_of("resnet18") == pytest.approx(69.758)
    assert tradeoffs.top1_of("mobilenet_v2:width_mult=0.5") is None  # not a torchvision model
    assert tradeoffs.top1_of("anything", "71.5") == 71.5


@pytest.mark.parametrize("args, needle", [
    (["sweep", "--from", "/nonexistent.csv"], "CSV /nonexistent.csv not found"),
    (["params", "--from", "{bad}"], "lacks columns family, params_m, status"),
    (["params", "--from", "{good}", "--size", "huge"], "--size 'huge': expected WIDTHxHEIGHT"),
])
def test_bad_input_is_one_line(cli, tmp_path, args, needle):
    bad = _write(tmp_path / "bad.csv", ("model", "throughput"), [("x", 1)])
    good = run_csv(tmp_path / "good.csv")
    res = cli("plot", *[a.format(bad=bad, good=good) for a in args])
    assert_one_line_error(res, 2, needle)


def test_a_spreadsheet_csv_with_bom_and_crlf_is_plotted(cli, tmp_path):
    text = open(run_csv(tmp_path / "plain.csv")).read().replace("\n", "\r\n")
    src = tmp_path / "sheet.csv"
    src.write_bytes(b"\xef\xbb\xbf" + text.encode())
    res = cli("plot", "params", "--from", str(src))
    assert res.returncode == 0, res.stderr
    assert png_size(str(tmp_path / "sheet-params.png")) == tradeoffs.PARAMS_SIZE


def _with_throughput(path, value):
    """A run CSV whose 4th line (resnet50 fp32, ok) has throughput ``value``."""
    lines = open(run_csv(path)).read().splitlines()
    cells = lines[3].split(",")
    cells[RUN_HEADER.index("throughput")] = value
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize("kind", ["params", "accuracy", "bars"])
@pytest.mark.parametrize("value, problem", [("inf", "is not a finite number"),
                                            ("-inf", "is not a finite number"),
                                            ("nan", "is not a finite number"),
                                            ("abc", "is not a number")])
def test_a_throughput_that_is_not_a_number_is_refused(cli, tmp_path, kind, value, problem):
    src = _with_throughput(tmp_path / "run.csv", value)
    res = cli("plot", kind, "--from", src)
    assert_one_line_error(res, 2, "{} line 4: throughput {!r} {}".format(src, value, problem))
    assert not (tmp_path / "run-{}.png".format(kind)).exists()


@pytest.mark.parametrize("kind, make, line, column, value", [
    ("sweep", sweep_csv, 3, "resolution", "big"),
    ("estimate", estimate_csv, 4, "params_m", "inf"),
])
def test_other_kinds_check_their_numbers_too(cli, tmp_path, kind, make, line, column, value):
    src = make(tmp_path / "in.csv")
    lines = open(src).read().splitlines()
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    (tmp_path / "in.csv").write_text("\n".join(lines) + "\n")
    res = cli("plot", kind, "--from", src)
    assert_one_line_error(res, 2, "{} line {}: {} {!r}".format(src, line, column, value))


def test_fp16_without_fp16_rows_is_refused_with_what_to_do(cli, tmp_path):
    rows = [r for r in open(run_csv(tmp_path / "run.csv")).read().splitlines()
            if ",fp16," not in r]
    (tmp_path / "run.csv").write_text("\n".join(rows) + "\n")
    res = cli("plot", "fp16", "--from", str(tmp_path / "run.csv"))
    assert_one_line_error(res, 2, "no fp16 rows", "bench run --precision fp16",
                          "bench compare-fp16")
    assert not (tmp_path / "run-fp16.png").exists()


def test_fp16_from_a_compare_csv_with_an_infinite_ratio_is_refused(cli, tmp_path):
    src = run_csv(tmp_path / "run.csv")
    cmp = tmp_path / "cmp.csv"
    assert cli("compare-fp16", "--from", src, "--out", str(cmp), "--no-plot").returncode == 0
    lines = cmp.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[2].split(",")
    cells[header.index("ratio")] = "inf"
    lines[2] = ",".join(cells)
    cmp.write_text("\n".join(lines) + "\n")
    res = cli("plot", "fp16", "--from", str(cmp))
    assert_one_line_error(res, 2, "{} line 3: ratio 'inf' is not a finite number".format(cmp))


def test_a_file_without_ok_rows_is_not_an_empty_chart(cli, tmp_path):
    src = _write(tmp_path / "run.csv", RUN_HEADER, [
        ("nano", "resnet18", "resnet", 11.69, "tensorrt", "tensorrt", "fp16", 224, 1, "", "", "",
         "unsupported", "no FP16 here", ""),
        ("nano", "resnet50", "resnet", 25.56, "tensorrt", "tensorrt", "fp16", 224, 1, "", "", "",
         "crashed", "killed", "")])
    res = cli("plot", "bars", "--from", src)
    assert_one_line_error(res, 2, "nothing to plot", src, "no ok rows (1 unsupported, 1 crashed)")


@pytest.mark.parametrize("content, phrase", [
    (b"", "is empty"),
    (",".join(RUN_HEADER).encode() + b"\n", "has a header but no rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "is a binary file"),
    (None, "is a directory"),
])
def test_files_that_are_not_result_csvs_are_one_line(cli, tmp_path, content, phrase):
    src = tmp_path / "in.csv"
    if content is None:
        src.mkdir()
    else:
        src.write_bytes(content)
    res = cli("plot", "params", "--from", str(src))
    assert_one_line_error(res, 2, str(src), phrase)


def test_energy_plot_needs_energy_columns(cli, tmp_path):
    res = cli("plot", "energy", "--from", run_csv(tmp_path / "no-power.csv"))
    assert_one_line_error(res, 2, "energy_mj_per_inference")
