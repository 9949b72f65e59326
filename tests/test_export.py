"""Export: every host format passes parity, the content cache, failures, `bench export`.

Exports are shared through one cache directory for the whole session (the cache
is by content, so a later test asking for the same artifact gets it for free):
TFLite conversion costs 10-15 s per model on a 2-core machine.
"""

import json
import os

import numpy as np
import pytest

from bench.artifacts import MANIFEST, format_for_runtime, get_artifact, plan_artifact
from bench.config import ExportConfig
from bench.formats import FORMATS, ExportFailed
from bench.models import select_models

PTA = [(r.name, r.resolution) for r in select_models(["pta"])]  # 7 models at 128
ZOO_SAMPLE = ["resnet18", "mobilenet_v2:width_mult=0.5", "shufflenet_v2_x0_5", "mnasnet0_5",
              "densenet121"]
ZOO_RES = 64
HOST_FORMATS = [("eager", "fp32"), ("torchscript", "fp32"), ("onnx", "fp32"), ("tflite", "fp32"),
                ("tflite", "fp16")]
FAST = "mobilenet_v2:width_mult=0.25"  # the cheapest model, for cache tests


def request(spec, resolution=None):
    return select_models([spec], resolution=resolution)[0]


@pytest.fixture(scope="session")
def shared_config(tmp_path_factory):
    """One export cache for every test module of the session (same path in each)."""
    return ExportConfig(dir=str(tmp_path_factory.getbasetemp() / "artifacts"))


@pytest.fixture
def fresh_config(tmp_path):
    return ExportConfig(dir=str(tmp_path / "models"))


class Log(list):
    def __call__(self, message):
        self.append(message)


# -- parity: every host format, the whole pta set and a zoo sample ----------------------------

SWEEP = PTA + [(spec, ZOO_RES) for spec in ZOO_SAMPLE]


@pytest.mark.parametrize("spec, resolution", SWEEP, ids=[s for s, _ in SWEEP])
def test_host_formats_export_and_pass_parity(spec, resolution, shared_config):
    req = request(spec, resolution)
    for fmt, precision in HOST_FORMATS:
        art = get_artifact(req, fmt, precision, 1, shared_config)
        parity = art.parity
        assert parity["ok"], (fmt, precision, parity)
        assert parity["argmax_agree"] is True
        assert parity["atol"] == (shared_config.parity_atol_fp16 if precision == "fp16"
                                  else shared_config.parity_atol_fp32)
        m = art.manifest
        assert (m["spec"], m["format"], m["precision"], m["status"]) == (req.name, fmt, precision,
                                                                        "ok")
        assert m["resolution"] == req.resolution and m["batch"] == 1
        assert m["file_size"] == os.path.getsize(art.path) > 0
        assert art.path.endswith("model" + FORMATS.get(fmt).suffix)


@pytest.mark.parametrize("fmt", ["eager", "torchscript", "onnx"])
def test_fp16_artifacts_of_torch_and_onnx_pass_the_looser_parity(fmt, shared_config):
    art = get_artifact(request("resnet18", ZOO_RES), fmt, "fp16", 1, shared_config)
    assert art.parity["ok"], art.parity
    assert 0 < art.parity["max_abs_err"] <= shared_config.parity_atol_fp16
    assert art.manifest["details"]["dtype"] == "float16"


def test_the_sweep_covers_the_pta_set_at_128():
    assert len(PTA) == 7 and {res for _, res in PTA} == {128}


def test_tflite_fp16_really_holds_float16_weights(shared_config):
    from ai_edge_litert.interpreter import Interpreter

    req = request("mobilenet_v2:width_mult=0.5", ZOO_RES)
    fp32 = get_artifact(req, "tflite", "fp32", 1, shared_config)
    fp16 = get_artifact(req, "tflite", "fp16", 1, shared_config)
    dtypes = [t["dtype"] for t in Interpreter(model_path=fp16.path).get_tensor_details()]
    assert dtypes.count(np.float16) == fp16.manifest["details"]["float16_tensors"] > 10
    assert np.float16 not in [t["dtype"] for t in
                              Interpreter(model_path=fp32.path).get_tensor_details()]
    assert fp16.manifest["file_size"] < 0.6 * fp32.manifest["file_size"]
    assert fp16.manifest["source"]["key"] == fp32.key  # derived from the cached fp32 file


def test_onnx_opset_is_configurable_and_checked(fresh_config):
    import dataclasses

    import onnx

    req = request(FAST, 32)
    for opset, exporter in ((13, "torchscript"), (11, "torchscript"), (21, "dynamo")):
        cfg = dataclasses.replace(fresh_config, onnx_opset=opset)
        art = get_artifact(req, "onnx", "fp32", 1, cfg)
        model = onnx.load(art.path)
        onnx.checker.check_model(model)
        assert [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] == [opset]
        assert art.manifest["options"] == {"onnx_opset": opset} and art.parity["ok"]
        # above the TorchScript exporter's maximum (20) the dynamo exporter writes it
        assert art.manifest["details"]["exporter"] == exporter


# -- the cache ---------------------------------------------------------------------------------

def test_identical_second_export_is_a_cache_hit_without_building(fresh_config, monkeypatch):
    req = request(FAST, 32)
    first = get_artifact(req, "onnx", "fp32", 1, fresh_config)
    assert not first.cached
    mtime = os.stat(first.path).st_mtime_ns

    def no_build(*a, **k):
        raise AssertionError("a cache hit must not build the model")

    monkeypatch.setattr("bench.models.build_model", no_build)
    log = Log()
    second = get_artifact(request(FAST, 32), "onnx", "fp32", 1, fresh_config, log=log)
    assert second.cached and second.path == first.path and second.key == first.key
    assert os.stat(second.path).st_mtime_ns == mtime
    assert len(log) == 1 and log[0].startswith("cached ")
    assert second.manifest == first.manifest


@pytest.mark.parametrize("change", ["resolution", "batch", "precision", "opset", "seed", "spec",
                                    "format"])
def test_any_changed_input_is_a_cache_miss(change, fresh_config):
    import dataclasses

    base = dict(spec=FAST, resolution=32, fmt="onnx", precision="fp32", batch=1, seed=0,
                cfg=fresh_config)
    first = get_artifact(request(base["spec"], base["resolution"]), base["fmt"],
                         base["precision"], base["batch"], base["cfg"], seed=base["seed"])
    changed = dict(base)
    changed.update({"resolution": {"resolution": 48}, "batch": {"batch": 2},
                    "precision": {"precision": "fp16"},
                    "opset": {"cfg": dataclasses.replace(fresh_config, onnx_opset=12)},
                    "seed": {"seed": 1}, "spec": {"spec": "mobilenet_v2:width_mult=0.3"},
                    "format": {"fmt": "torchscript"}}[change])
    second = get_artifact(request(changed["spec"], changed["resolution"]), changed["fmt"],
                          changed["precision"], changed["batch"], changed["cfg"],
                          seed=changed["seed"])
    assert not second.cached
    assert second.key != first.key and second.path != first.path
    assert os.path.exists(first.path) and os.path.exists(second.path)


def test_tool_versions_and_checkpoint_bytes_are_in_the_key(fresh_config, tmp_path, monkeypatch):
    import torch

    from bench.models import build_model

    ckpt = tmp_path / "pta.pt"
    torch.save(build_model("pta:HHH", seed=3).module.state_dict(), str(ckpt))
    req = request("pta:LHH,checkpoint={}".format(ckpt), 64)
    key1 = plan_artifact(req, "onnx", "fp32", 1, fresh_config).key
    assert plan_artifact(req, "onnx", "fp32", 1, fresh_config).key == key1
    torch.save(build_model("pta:HHH", seed=4).module.state_dict(), str(ckpt))
    key2 = plan_artifact(req, "onnx", "fp32", 1, fresh_config).key
    assert key2 != key1
    monkeypatch.setattr("bench.artifacts.dist_version", lambda dist: "99.0")
    assert plan_artifact(req, "onnx", "fp32", 1, fresh_config).key not in (key1, key2)


def test_half_written_artifact_without_manifest_is_not_a_hit(fresh_config):
    req = request(FAST, 32)
    plan = plan_artifact(req, "eager", "fp32", 1, fresh_config)
    os.makedirs(plan.directory(fresh_config.dir))
    with open(plan.path(fresh_config.dir), "wb") as fh:
        fh.write(b"half an artifact")
    art = get_artifact(req, "eager", "fp32", 1, fresh_config)
    assert not art.cached and art.parity["ok"]
    assert os.path.getsize(art.path) > 1000
    assert get_artifact(req, "eager", "fp32", 1, fresh_config).cached


def test_truncated_artifact_under_a_manifest_is_not_a_hit(fresh_config):
    req = request(FAST, 32)
    art = get_artifact(req, "eager", "fp32", 1, fresh_config)
    with open(art.path, "r+b") as fh:
        fh.truncate(100)
    again = get_artifact(req, "eager", "fp32", 1, fresh_config)
    assert not again.cached and os.path.getsize(again.path) == art.manifest["file_size"]


# -- failures and parity misses ----------------------------------------------------------------

def test_export_error_is_one_line_export_failed_and_recorded(fresh_config, monkeypatch):
    fmt = FORMATS.get("torchscript")

    def broken(*a, **k):
        raise RuntimeError("tracer exploded\nwith a second line")

    monkeypatch.setattr(fmt, "export", broken)
    req = request(FAST, 32)
    with pytest.raises(ExportFailed) as info:
        get_artifact(req, "torchscript", "fp32", 1, fresh_config)
    message = str(info.value)
    assert "\n" not in message
    assert "torchscript fp32" in message and "RuntimeError: tracer exploded" in message
    plan = plan_artifact(req, "torchscript", "fp32", 1, fresh_config)
    directory = plan.directory(fresh_config.dir)
    with open(os.path.join(directory, MANIFEST)) as fh:
        manifest = json.load(fh)
    assert manifest["status"] == "failed" and "tracer exploded" in manifest["error"]
    assert os.listdir(directory) == [MANIFEST]  # no temporary or partial artifact left
    monkeypatch.undo()
    art = get_artifact(req, "torchscript", "fp32", 1, fresh_config)  # a failure is not cached
    assert not art.cached and art.parity["ok"]


def test_a_failed_export_carries_the_end_of_the_tool_output(fresh_config, monkeypatch, capfd):
    fmt = FORMATS.get("torchscript")

    def noisy(*a, **k):
        os.write(2, b"W0000 converter.cc:1] starting\n")  # C/C++ logging, past sys.stderr
        print("converter progress 3/3")
        os.write(2, b"E0000 converter.cc:9] op 'frobnicate' is not supported\n")
        raise RuntimeError("conversion failed")

    monkeypatch.setattr(fmt, "export", noisy)
    req = request(FAST, 32)
    with pytest.raises(ExportFailed) as info:
        get_artifact(req, "torchscript", "fp32", 1, fresh_config)
    message = str(info.value)
    assert "\n" not in message and "RuntimeError: conversion failed" in message
    assert message.endswith("(tool output ended: W0000 converter.cc:1] starting | converter "
                            "progress 3/3 | E0000 converter.cc:9] op 'frobnicate' is not "
                            "supported)"), message
    out, err = capfd.readouterr()
    assert "frobnicate" not in out + err  # kept for the message, not shown
    plan = plan_artifact(req, "torchscript", "fp32", 1, fresh_config)
    with open(os.path.join(plan.directory(fresh_config.dir), MANIFEST)) as fh:
        assert "op 'frobnicate'" in json.load(fh)["tool_output"]


def test_parity_miss_is_recorded_and_logged_not_raised(fresh_config):
    import dataclasses

    strict = dataclasses.replace(fresh_config, parity_atol_fp16=1e-9)
    log = Log()
    art = get_artifact(request(FAST, 32), "eager", "fp16", 1, strict, log=log)
    assert art.parity["ok"] is False and art.parity["max_abs_err"] > 1e-9
    assert art.parity["atol"] == 1e-9
    assert any(m.startswith("warning:") and "parity miss" in m for m in log)
    assert art.manifest["status"] == "ok"


def test_unsupported_precision_is_export_failed(fresh_config, monkeypatch):
    from bench.formats.base import Format

    class Fp32Only(Format):
        name = "fp32only"
        suffix = ".bin"

    monkeypatch.setitem(FORMATS._entries, "fp32only", Fp32Only())
    with pytest.raises(ExportFailed, match=r"fp32only does not export fp16 \(it exports: fp32\)"):
        get_artifact(request(FAST, 32), "fp32only", "fp16", 1, fresh_config)


def test_format_for_runtime():
    assert {r: format_for_runtime(r) for r in ("torch", "torchscript", "onnxruntime", "tflite",
                                               "tensorrt")} == {
        "torch": "eager", "torchscript": "torchscript", "onnxruntime": "onnx",
        "tflite": "tflite", "tensorrt": "tensorrt"}


# -- bench export ------------------------------------------------------------------------------

def test_cli_exports_then_reuses_the_cache(cli, tmp_path):
    args = ["export", "--models", "pta:LLL", FAST, "--resolution", "64", "--formats",
            "eager,onnx", "--precision", "fp32,fp16"]
    first = cli(*args, cwd=str(tmp_path))
    assert first.returncode == 0, first.stderr
    lines = first.stdout.strip().splitlines()
    assert lines[0].split()[:5] == ["model", "format", "precision", "status", "seconds"]
    rows = [line.split() for line in lines[1:-1]]
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (m, f, p, "exported") for m in ("pta:LLL", FAST) for f in ("eager", "onnx")
        for p in ("fp32", "fp16")]
    assert all(r[5] == "ok" for r in rows)
    assert lines[-1].startswith("8 artifacts: 8 exported; 0 parity misses")
    assert len(os.listdir(str(tmp_path / "models"))) == 2

    second = cli(*args, cwd=str(tmp_path))
    assert second.returncode == 0, second.stderr
    assert [line.split()[3] for line in second.stdout.strip().splitlines()[1:-1]] == \
        ["cached"] * 8
    assert "8 cached" in second.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("args, needle", [
    (["--formats", "onx"], "unknown format 'onx' (did you mean: onnx?)"),
    (["--formats", "eager", "--precision", "fp8"], "unknown precision 'fp8'"),
    (["--formats", "eager", "--models", "resnett18"], "unknown model 'resnett18'"),
    (["--formats", "eager", "--batch", "0"],
     "--batch: 0 is out of range: must be >= 1 and <= 4096"),
    (["--formats", ","], "--formats ',': empty list; give one or more of eager, torchscript"),
    (["--formats", "eager", "--precision", ","], "--precision ',': empty list"),
    (["--formats", "eager", "--models", "zo"], "unknown set 'zo' (did you mean: zoo?)"),
])
def test_cli_bad_input_is_one_line_exit_2(cli, tmp_path, args, needle):
    res = cli("export", *args, cwd=str(tmp_path))
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert needle in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert res.stdout == ""


def test_cli_tflite_converter_output_is_shown_only_with_debug(cli, tmp_path):
    """The converter's C++ logs, the quantizer's prints and the interpreter's delegate banner
    are captured at the file-descriptor level; --debug shows them."""
    args = ["export", "--models", FAST, "--resolution", "32", "--formats", "tflite"]
    quiet = cli(*(args + ["--precision", "fp32"]), cwd=str(tmp_path), env={"BENCH_DEBUG": ""})
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == "", quiet.stderr
    lines = quiet.stdout.strip().splitlines()
    assert len(lines) == 3 and lines[1].split()[1:4] == ["tflite", "fp32", "exported"], lines
    # fp16 is derived from the cached fp32 file: quantizer, interpreter, parity -- but no
    # second 10-15 s conversion.
    loud = cli(*(args + ["--precision", "fp16", "--debug"]), cwd=str(tmp_path))
    assert loud.returncode == 0, loud.stderr
    assert "XNNPACK" in loud.stderr and "Quantized model size" in loud.stderr, loud.stderr
    lines = loud.stdout.strip().splitlines()
    assert len(lines) == 3 and lines[1].split()[1:4] == ["tflite", "fp16", "exported"], lines


def test_cli_reports_a_precision_a_format_lacks_as_unsupported(monkeypatch):
    import argparse

    from bench.cli.cmd_export import export_one
    from bench.config import Config
    from bench.formats.base import Format

    class Fp32Only(Format):
        name = "fp32only"
        suffix = ".bin"

        def export(self, *a, **k):
            raise AssertionError("an unsupported precision must not be exported")

    out = export_one(request(FAST, 32), Fp32Only(), "fp16", argparse.Namespace(batch=1),
                     Config(), print)
    assert (out.status, out.seconds, out.text) == ("unsupported", None,
                                                   "fp32only exports fp32 only")
