"""`bench report`: one self-contained HTML page from result CSVs — the device information,
the result tables, every plot the CSVs support, relative results — escaped, without
scripts or network loads, and opened in a real headless Chromium."""

import base64
import html.parser
import os
import re

import pytest

from bench.analysis.sweep import SWEEP_COLUMNS
from bench.results_csv import COLUMNS, ResultsWriter
from conftest import assert_one_line_error, call_main, integration_unavailable

EVIL = 'export failed: <script>alert("x")</script> & <img src=http://evil.example/x.png>'
BASELINE = "mobilenet_v2:num_classes=2"
DEVICE = dict(device="local", device_kind="local", host="bench-host", os="Linux 6.1",
              cpu_model="Test CPU @ 3.0GHz", logical_cores="2", python_version="3.11.2",
              torch_version="2.5.1", onnxruntime_version="1.20.1", litert_version="1.2.0")
# (model, family, params_m, throughput per runtime)
MODELS = [(BASELINE, "mobilenet_v2", 2.23, {"onnxruntime": 400.0, "tflite": 300.0}),
          ("pta:LLL", "pta", 1.1, {"onnxruntime": 700.0, "tflite": 520.0}),
          ("resnet18", "resnet", 11.69, {"onnxruntime": 90.0, "tflite": 70.0})]
# what the CSVs below support: run -> bars (one for fp32, one for fp16), params, accuracy
# (resnet18 has a torchvision top-1), energy; fp32+fp16 rows -> fp16; sweep -> sweep;
# estimate -> estimate
PLOTS = 8


def run_rows():
    rows = []
    for runtime in ("onnxruntime", "tflite"):
        base = MODELS[0][3][runtime]
        for model, family, params, tps in MODELS:
            tp = tps[runtime]
            rows.append(dict(DEVICE, model=model, family=family, params_m=params,
                             format="onnx" if runtime == "onnxruntime" else "tflite",
                             runtime=runtime, precision="fp32", resolution=128, batch=1,
                             throughput=tp, throughput_ci_low=tp * 0.99,
                             throughput_ci_high=tp * 1.01, latency_ms_p50=1000.0 / tp,
                             baseline=BASELINE, relative_time=base / tp,
                             relative_time_ci_low=base / tp * 0.98,
                             relative_time_ci_high=base / tp * 1.02,
                             energy_mj_per_inference=15000.0 / tp, power_source="rapl",
                             status="ok", notes="FP32 compute" if runtime == "tflite" else ""))
    for model, family, params, tps in MODELS[:2]:  # fp16: tflite's float16-weight models
        rows.append(dict(DEVICE, model=model, family=family, params_m=params, format="tflite",
                         runtime="tflite", precision="fp16", resolution=128, batch=1,
                         throughput=tps["tflite"] * 1.05, status="ok"))
    rows.append(dict(DEVICE, model="pta:HHH", family="pta", params_m=2.23, format="tflite",
                     runtime="tflite", precision="fp16", resolution=128, batch=1,
                     status="failed", error=EVIL))
    return rows


def sweep_rows():
    rows = []
    for r in (64, 128, 256):
        tp = 1000.0 * (64.0 / r) ** 2
        rows.append(dict(DEVICE, model=BASELINE, family="mobilenet_v2", params_m=2.23,
                         runtime="onnxruntime", format="onnx", precision="fp32", resolution=r,
                         batch=1, throughput=tp, status="ok", patches_per_s=tp * (r / 112.0) ** 2,
                         max_resolution=256 if r == 256 else "",
                         stop_reason="completed: every requested resolution ran"
                         if r == 256 else ""))
    return rows


def write_csv(path, rows, columns=COLUMNS):
    with ResultsWriter(str(path), columns) as w:
        for row in rows:
            w.write(row)
    return str(path)


def estimate_csv(path):
    lines = ["model,family,params_m,predicted_throughput,throughput,abs_error,role"]
    for m, fam, p, tp in (("mobilenet_v2:width_mult=0.5", "mobilenet_v2", 1.97, 420),
                          ("mobilenet_v2:width_mult=0.75", "mobilenet_v2", 2.6, 330),
                          ("mobilenet_v2", "mobilenet_v2", 3.5, 250),
                          ("resnet18", "resnet", 11.69, 70), ("resnet34", "resnet", 21.8, 40),
                          ("resnet50", "resnet", 25.56, 28)):
        lines.append("{},{},{},,{},,landmark".format(m, fam, p, tp))
    lines.append("mobilenet_v2:width_mult=0.6,mobilenet_v2,2.2,,,,predict")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    run = write_csv(d / "run-local.csv", run_rows())
    sweep = write_csv(d / "sweep-local.csv", sweep_rows(), SWEEP_COLUMNS)
    est = estimate_csv(d / "run-local-estimate.csv")
    out = str(d / "report.html")
    res = call_main(["report", run, sweep, est, "-o", out])
    assert res.returncode == 0, res.stderr
    with open(out, encoding="utf-8") as fh:
        page = fh.read()
    return dict(dir=d, run=run, sweep=sweep, estimate=est, out=out, page=page, res=res)


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.urls, self.texts = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.urls.extend(v for k, v in attrs if k in ("src", "href", "action", "data",
                                                      "poster", "srcset") and v)

    def handle_data(self, data):
        self.texts.append(data)


def test_report_has_devices_tables_and_every_supported_plot(report):
    page, res = report["page"], report["res"]
    assert res.stdout.strip() == "report: {} (6 tables, {} plots)".format(report["out"], PLOTS)
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == PLOTS
    for data in images:
        assert base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n")
    for alt in ("Throughput per model and runtime", "Throughput vs parameters",
                "ImageNet top-1", "energy per inference", "patches/s vs resolution",
                "estimator fits", "R = T fp16 / T fp32"):
        assert 'alt="{}'.format(alt) in page or alt in page, alt
    # the device information, per device
    for value in ("bench-host", "Test CPU @ 3.0GHz", "Linux 6.1", "3.11.2", "2.5.1", "1.20.1",
                  "rapl"):
        assert "<td>{}</td>".format(value) in page, value
    # the result table: throughput with its interval, latency, relative time and energy
    assert "throughput (inf/s) [95 % interval]" in page
    assert "<td class=\"num\">700 [693, 707]</td>" in page  # pta:LLL on onnxruntime
    assert "<td class=\"num\">1.429</td>" in page  # its latency p50 in ms
    assert "0.5714 [0.56, 0.5829]" in page  # and its time relative to the baseline
    assert "<td class=\"num\">21.43</td>" in page  # its energy in mJ per inference
    # the relative table from the measured relative_time, with the speed-up
    assert "Time relative to the baseline (T(baseline) / T(model) from paired rounds" in page
    assert "1.75x" in page
    # the sweep's and the estimate's own tables
    assert "patches/s" in page and "completed: every requested resolution ran" in page
    assert "Estimates" in page and "landmark" in page


def test_every_value_is_escaped_and_nothing_is_fetched_or_run(report):
    page = report["page"]
    assert "<script" not in page.lower()
    assert "evil.example/x.png" in page  # the error is shown ...
    assert ("export failed: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
            "&lt;img src=http://evil.example/x.png&gt;") in page  # ... as text
    parser = _Links()
    parser.feed(page)
    assert "script" not in parser.tags and "link" not in parser.tags
    external = [u for u in parser.urls if not u.startswith(("data:image/png;base64,", "#"))]
    assert external == []
    assert not re.search(r'<[^>]*\b(src|href)\s*=\s*["\']?\s*(https?:)?//', page, re.I)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # the failed row is in the table, marked
    assert re.search(r'<tbody class="bad"><tr><td>pta:HHH</td>.*<td>failed</td>.*</tr>'
                     r'<tr class="reason"><td colspan="\d+">export failed: &lt;script', page)


def test_relative_results_are_computed_when_the_csv_has_a_baseline_but_no_ratio(tmp_path):
    rows = [dict(r, relative_time=None, relative_time_ci_low=None, relative_time_ci_high=None)
            for r in run_rows() if r["status"] == "ok"]
    src = write_csv(tmp_path / "phone.csv", rows)
    out = str(tmp_path / "r.html")
    res = call_main(["report", src, "-o", out, "--title", "Phone <run> & co"])
    assert res.returncode == 0, res.stderr
    page = open(out, encoding="utf-8").read()
    assert "<title>Phone &lt;run&gt; &amp; co</title>" in page
    assert "computed from the medians" in page
    assert "<td class=\"num\">0.5714</td>" in page  # 400 / 700
    assert "<td class=\"num\">1.75x</td>" in page


def test_default_output_is_next_to_the_first_csv_and_a_failed_run_still_reports(tmp_path):
    rows = [r for r in run_rows() if r["status"] != "ok"]
    src = write_csv(tmp_path / "failed.csv", rows)
    res = call_main(["report", src])
    assert res.returncode == 0, res.stderr
    out = tmp_path / "failed-report.html"
    assert res.stdout.strip() == "report: {} (2 tables, 0 plots)".format(out)
    assert "pta:HHH" in out.read_text() and "<img" not in out.read_text()


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    d = tmp_path_factory.mktemp("report-bad")
    (d / "empty.csv").write_text("")
    (d / "binary.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00garbage")
    (d / "words.csv").write_text("just some words\nand more of them\n")
    (d / "other.csv").write_text("name,age\nada,36\n")
    (d / "inf.csv").write_text("model,runtime,throughput,status\nresnet18,onnxruntime,inf,ok\n")
    good = write_csv(d / "good.csv", run_rows()[:2])
    return dict(dir=str(d), good=good)


@pytest.mark.parametrize("line, phrase", [
    ("report", "the following arguments are required: CSV"),
    ("report {dir}/missing.csv", "CSV {dir}/missing.csv not found"),
    ("report {dir}/empty.csv", "CSV {dir}/empty.csv is empty"),
    ("report {dir}/binary.csv", "is a binary file, not a CSV file"),
    ("report {dir}/words.csv", "does not look like a bench CSV"),
    ("report {dir}/other.csv", "is none of the CSVs bench writes"),
    ("report {dir}/inf.csv", "line 2: throughput 'inf' is not a finite number"),
    ("report {good} {dir}/missing.csv", "{dir}/missing.csv not found"),
    ("report {good} -o {dir}/no/such/folder/r.html", "cannot write {dir}/no/such/folder/r.html: "
                                                     "no directory {dir}/no/such/folder"),
    ("report {good} -o {dir}", "is a directory"),
    ("report {good} -o {good}", "is one of the input CSVs"),
])
def test_bad_input_is_one_line_exit_2(bad, line, phrase):
    res = call_main([a.format(**bad) for a in line.split()])
    assert_one_line_error(res, 2, phrase.format(**bad))
    assert os.path.getsize(bad["good"]) > 0  # never overwritten


@pytest.mark.browser
def test_the_report_opens_in_headless_chromium_without_errors(report):
    from browser import Chromium, distinct_colours, find_chromium, version

    binary = find_chromium()
    if binary is None:
        integration_unavailable("Chromium is not installed (apt-get install chromium), so the "
                                "report cannot be opened in a real browser")
    with Chromium(binary) as browser:
        # the check can fail: a page with a console error, an exception and a network load
        # is caught (else an empty problem list would prove nothing)
        control = report["dir"] / "control.html"
        control.write_text('<!DOCTYPE html><html><body><p>x</p><script>console.error("boom");'
                           'nosuchfunction();</script><img src="http://127.0.0.1:9/x.png">'
                           '</body></html>')
        bad = browser.open("file://" + str(control), settle=0.2)
        assert any("boom" in p for p in bad.problems), bad.problems
        assert any("nosuchfunction" in p for p in bad.problems), bad.problems
        assert any("http://127.0.0.1:9/x.png" in p for p in bad.problems), bad.problems

        load = browser.open("file://" + report["out"])
    assert load.problems == [], "{}: {}".format(version(binary), load.problems)
    # the page itself, then its figures from their data: URIs; nothing else
    assert [u for u in load.requests if not u.startswith("data:")] == ["file://" + report["out"]]
    assert sum(u.startswith("data:image/png;base64,") for u in load.requests) == PLOTS
    assert load.title == "bench report"
    assert len(load.images) == PLOTS and all(w > 300 for w in load.images), load.images
    colours, top_share, size = distinct_colours(load.screenshot)
    assert size == (1280, 2000)
    assert colours > 200 and top_share < 0.95, (colours, top_share)
