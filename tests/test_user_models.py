"""Your own models end to end: `file:` specs of the kinds users bring (built by
tests/model_files.py, nothing downloaded) and `py:` factories, through the CLI and the
Python API; what they are fed, what they refuse, where their paths start."""

import os
import textwrap

import pytest

from bench.results_csv import read_rows
from conftest import assert_one_line_error
from model_files import (onnx_constant_weights, onnx_truncated, onnx_two_inputs,  # noqa: F401
                         onnx_zoo_opset7, pt2_file, state_dict_file, text_file, tflite_fp16,
                         tflite_multi_output, tflite_nhwc, tflite_sparse_dynamic,
                         torchscript_frozen)

QUICK = ["--min-trial-s", "0.005", "--max-measure-s", "0.05", "--warmup", "1", "--no-plot"]

FACTORY = textwrap.dedent('''
    import torch.nn as nn


    def build(width=4):
        return nn.Sequential(nn.Conv2d(3, width, 3, stride=2, padding=1), nn.ReLU(),
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 5))


    def raises():
        raise RuntimeError("no weights for you")


    def not_a_module():
        return 42
''')


@pytest.fixture(scope="module")
def work(tmp_path_factory, onnx_zoo_opset7, tflite_nhwc):
    """A user's folder: two third-party files, a factory module, a config with a cache."""
    d = tmp_path_factory.mktemp("own")
    (d / "nets").mkdir()
    os.symlink(str(onnx_zoo_opset7), str(d / "nets" / "A.onnx"))
    os.symlink(str(tflite_nhwc), str(d / "nets" / "B.tflite"))
    (d / "mymodels.py").write_text(FACTORY)
    (d / "bench.toml").write_text('[export]\ndir = "{}"\n[run]\nresults_dir = "{}"\n'
                                  '[sets]\nmine = ["file:nets/A.onnx", "py:mymodels.py:build"]\n'
                                  .format(d / "cache", d / "results"))
    return d


def run_in(work, cli, *args):
    return cli(*args, cwd=str(work))


def test_files_and_code_run_on_the_runtimes_that_read_them(cli, work):
    out = str(work / "r.csv")
    res = run_in(work, cli, "run", "--models", "file:nets/A.onnx", "file:nets/B.tflite",
                 "py:mymodels.py:build", "--runtimes", "onnxruntime,tflite,torchscript",
                 "--out", out, *QUICK)
    assert res.returncode == 0, res.stderr
    rows = {(r["model"].split("/")[-1], r["runtime"]): r for r in read_rows(out)}
    assert len(rows) == 9
    ok = {k for k, r in rows.items() if r["status"] == "ok"}
    assert ok == {("A.onnx", "onnxruntime"), ("B.tflite", "tflite"),
                  ("mymodels.py:build", "onnxruntime"), ("mymodels.py:build", "tflite"),
                  ("mymodels.py:build", "torchscript")}
    unsupported = rows[("A.onnx", "tflite")]
    assert unsupported["status"] == "unsupported" and "is an ONNX file" in unsupported["error"]
    a = rows[("A.onnx", "onnxruntime")]
    assert a["model"] == "file:" + str(work / "nets" / "A.onnx")  # absolute: a stable key
    assert a["inputs"] == "gpu_0/data_0:float32:1x3x16x16" and a["resolution"] == "16"
    assert a["format"] == "onnx" and a["family"] == "file" and float(a["params_m"]) > 0
    assert a["macs_tool"].startswith("onnx shape inference") and a["parity_argmax_agree"] == ""
    b = rows[("B.tflite", "tflite")]
    assert b["inputs"].endswith(":float32:1x16x16x3")  # NHWC, read from the file
    py = rows[("mymodels.py:build", "onnxruntime")]
    assert py["family"] == "py" and py["parity_argmax_agree"] == "true"  # exported like a zoo model
    assert py["macs_tool"].startswith("ptflops")


def test_the_python_api_runs_the_same_models(work, monkeypatch):
    import bench

    monkeypatch.chdir(str(work))
    df = bench.run(models=["file:nets/A.onnx", "file:nets/B.tflite", "py:mymodels.py:build"],
                   runtimes=["onnxruntime", "tflite"], min_trial_s=0.005, max_measure_s=0.05,
                   warmup=1, plot=False, out=str(work / "api.csv"), config="bench.toml")
    assert len(df) == 6 and df.attrs["exit_code"] == 0
    assert df.attrs["path"] == str(work / "api.csv")
    ok = df[df.status == "ok"]
    assert sorted(ok.model.str.split("/").str[-1] + "|" + ok.runtime) == [
        "A.onnx|onnxruntime", "B.tflite|tflite", "mymodels.py:build|onnxruntime",
        "mymodels.py:build|tflite"]
    assert (ok.throughput > 0).all() and df.throughput.dtype.kind == "f"
    with pytest.raises(bench.errors.BenchError, match="out of range"):
        bench.run(models=["file:nets/A.onnx"], target_ci=0, config="bench.toml")
    with pytest.raises(TypeError, match="unexpected keyword argument 'tirals'"):
        bench.run(models=["pta"], tirals=3)
    table = bench.list_models(["file:nets/A.onnx"], config="bench.toml")
    assert table.loc[0, "inputs"] == "gpu_0/data_0:float32:1x3x16x16"


def test_inputs_come_from_the_file_and_shape_fills_what_it_cannot(cli, work, onnx_two_inputs,
                                                                 torchscript_frozen, pt2_file):
    def rows_of(*args):
        out = str(work / "in.csv")
        if os.path.exists(out):
            os.remove(out)
        res = run_in(work, cli, "run", *args, "--out", out, *QUICK)
        assert res.returncode == 0, res.stderr
        return read_rows(out)

    (two,) = rows_of("--models", "file:{}".format(onnx_two_inputs), "--shape", "token_ids=1x4",
                     "--runtimes", "onnxruntime")
    assert two["status"] == "ok", two["error"]
    assert two["inputs"] == "image:float32:1x3x8x8;token_ids:int64:1x4"  # an int64 input too
    (ts,) = rows_of("--models", "file:{}".format(torchscript_frozen), "--shape", "1x3x8x8",
                    "--runtimes", "torchscript")  # TorchScript records no input shapes
    assert ts["status"] == "ok" and ts["inputs"] == "input:float32:1x3x8x8", ts["error"]
    (pt2,) = rows_of("--models", "file:{}".format(pt2_file), "--runtimes", "torch",
                     "--batch", "2")  # its dynamic batch from --batch
    assert pt2["status"] == "ok" and pt2["inputs"].endswith(":float32:2x3x16x16"), pt2["error"]
    # without --shape nothing says how long token_ids is: one line, exit 2, nothing written
    res = run_in(work, cli, "run", "--models", "file:{}".format(onnx_two_inputs),
                 "--runtimes", "onnxruntime", "--out", str(work / "no.csv"), *QUICK)
    assert_one_line_error(res, 2, "input 'token_ids'", "give --shape token_ids=")
    assert not os.path.exists(str(work / "no.csv"))
    res = run_in(work, cli, "run", "--models", "file:{}".format(onnx_two_inputs), "--shape",
                 "token_idz=1x4", "--runtimes", "onnxruntime", *QUICK)
    assert_one_line_error(res, 2, "--shape token_idz: no model file has an input named")


def test_a_fixed_size_refuses_another_resolution_and_the_sweep_stops_there(cli, work):
    res = run_in(work, cli, "run", "--models", "file:nets/A.onnx", "--resolution", "32",
                 "--runtimes", "onnxruntime", *QUICK)
    assert_one_line_error(res, 2, "has a fixed size of 16x16", "cannot run at 32x32")
    out = str(work / "s.csv")
    res = run_in(work, cli, "sweep-resolution", "--models", "file:nets/A.onnx",
                 "py:mymodels.py:build", "--resolutions", "16,32", "--runtimes", "onnxruntime",
                 "--out", out, *QUICK)
    assert res.returncode == 0, res.stderr
    rows = read_rows(out)
    a = [r for r in rows if r["model"].endswith("A.onnx")]
    assert [(r["resolution"], r["status"]) for r in a] == [("16", "ok"), ("32", "invalid")]
    assert a[-1]["max_resolution"] == "16" and "fixed size of 16x16" in a[-1]["stop_reason"]
    assert [r["status"] for r in rows if r["model"].endswith("build")] == ["ok", "ok"]


def test_one_bad_model_is_an_invalid_row_and_the_others_are_measured(cli, work):
    (work / "bad.py").write_text(FACTORY)
    out = str(work / "mixed.csv")
    res = run_in(work, cli, "run", "--models", "file:nets/A.onnx", "file:nets/missing.onnx",
                 "py:bad.py:raises", "py:bad.py:not_a_module", "--runtimes", "onnxruntime",
                 "--out", out, *QUICK)
    assert res.returncode == 2, res.stderr
    rows = {r["model"].split("/")[-1]: r for r in read_rows(out)}
    assert rows["A.onnx"]["status"] == "ok"
    assert rows["missing.onnx"]["status"] == "invalid" and "no such file" in rows[
        "missing.onnx"]["error"]
    assert "raised RuntimeError: no weights for you" in rows["bad.py:raises"]["error"]
    assert "not a torch.nn.Module" in rows["bad.py:not_a_module"]["error"]


@pytest.mark.parametrize("spec, phrase", [
    ("file:nets/missing.onnx", "no such file"),
    ("file:{onnx_truncated}", "{onnx_truncated}"),
    ("file:{state_dict_file}", "state dict"),
    ("file:{text_file}", "{text_file}"),
    ("py:bad.py:raises", "raised RuntimeError: no weights for you"),
    ("py:bad.py:not_a_module", "returned 42 (int), not a torch.nn.Module"),
    ("py:bad.py:nothing", "has no function 'nothing'"),
    ("py:no.such.module:build", "cannot import no.such.module"),
    ("py:mymodels.py", "is not a factory"),
])
def test_a_bad_own_model_alone_is_one_line(cli, work, spec, phrase, onnx_truncated,
                                          state_dict_file, text_file):
    (work / "bad.py").write_text(FACTORY)
    paths = {"onnx_truncated": str(onnx_truncated), "state_dict_file": str(state_dict_file),
             "text_file": str(text_file)}
    res = run_in(work, cli, "run", "--models", spec.format(**paths), "--runtimes", "onnxruntime",
                 "--out", str(work / "one.csv"), *QUICK)
    assert_one_line_error(res, 2, phrase.format(**paths))


def test_other_converters_files_run(cli, work, onnx_constant_weights, tflite_multi_output,
                                    tflite_fp16, tflite_sparse_dynamic):
    out = str(work / "third.csv")
    files = [onnx_constant_weights, tflite_multi_output, tflite_sparse_dynamic]
    res = run_in(work, cli, "run", "--models", *["file:{}".format(f) for f in files],
                 "--runtimes", "onnxruntime,tflite", "--out", out, *QUICK)
    assert res.returncode == 0, res.stderr
    ok = [os.path.basename(r["model"]) for r in read_rows(out) if r["status"] == "ok"]
    assert sorted(ok) == sorted(os.path.basename(str(f)) for f in files)
    # float16 weights run as they are: at fp16, and an fp32 request says so
    out16 = str(work / "fp16.csv")
    res = run_in(work, cli, "run", "--models", "file:{}".format(tflite_fp16), "--runtimes",
                 "tflite", "--precision", "fp16", "--out", out16, *QUICK)
    assert res.returncode == 0, res.stderr
    assert read_rows(out16)[0]["status"] == "ok"
    res = run_in(work, cli, "run", "--models", "file:{}".format(tflite_fp16), "--runtimes",
                 "tflite", "--out", str(work / "fp32.csv"), *QUICK)
    row = read_rows(str(work / "fp32.csv"))[0]
    assert row["status"] == "unsupported" and "--precision fp16" in row["error"]


def test_sets_start_in_the_config_folder_and_the_source_is_in_the_cache_key(cli, work,
                                                                            tmp_path):
    out = str(tmp_path / "set.csv")
    args = ["run", "--config", str(work / "bench.toml"), "--models", "mine", "--runtimes",
            "onnxruntime", "--out", out, *QUICK]
    res = cli(*args, cwd=str(tmp_path))  # elsewhere: the set's paths start at bench.toml
    assert res.returncode == 0, res.stderr
    first = {r["model"]: r["artifact_key"] for r in read_rows(out)}
    assert set(first) == {"file:" + str(work / "nets" / "A.onnx"),
                          "py:" + str(work / "mymodels.py") + ":build"}
    (work / "mymodels.py").write_text(FACTORY.replace("width=4", "width=6"))
    try:
        out2 = str(tmp_path / "set2.csv")
        res = cli(*args[:-len(QUICK) - 2], "--out", out2, *QUICK, cwd=str(tmp_path))
        assert res.returncode == 0, res.stderr
        second = {r["model"]: r["artifact_key"] for r in read_rows(out2)}
    finally:
        (work / "mymodels.py").write_text(FACTORY)
    py = "py:" + str(work / "mymodels.py") + ":build"
    assert second[py] != first[py]  # a changed factory source is exported again
    a = "file:" + str(work / "nets" / "A.onnx")
    assert second[a] == first[a]
