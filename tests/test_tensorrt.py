"""TensorRT: engines from ONNX (fp32, fp16) with parity on a GPU; one clear line without one.

The ``gpu`` tests need an NVIDIA GPU and the ``tensorrt`` package and skip with the
reason otherwise. The rest runs everywhere: the no-GPU behaviour (simulated where a
GPU exists) and the TensorRT 8.x / 10.x API branches against stand-in objects.
"""

import sys
import types

import numpy as np
import pytest

from bench.artifacts import get_artifact
from bench.config import ExportConfig
from bench.formats import FORMATS, ExportFailed
from bench.models import build_model, select_models
from bench.runtimes import Unsupported, get_runtime
from bench.runtimes import tensorrt as trt_runtime
from bench.runtimes import tensorrt_build


def gpu_skip_reason():
    try:
        import torch
    except ImportError:
        return "needs torch with CUDA"
    if not torch.cuda.is_available():
        return "needs an NVIDIA GPU (torch.cuda.is_available() is False)"
    try:
        import tensorrt  # noqa: F401
    except ImportError:
        return "needs the tensorrt package (pip install tensorrt)"
    return None


GPU_MISSING = gpu_skip_reason()
requires_gpu = pytest.mark.skipif(GPU_MISSING is not None, reason=GPU_MISSING or "")
CASES = [("resnet18", 64), ("pta:LHH", 128)]


@pytest.fixture
def config(tmp_path):
    return ExportConfig(dir=str(tmp_path / "models"), trt_workspace_mb=64)


# -- on a GPU ----------------------------------------------------------------------------------

@pytest.mark.gpu
@requires_gpu
@pytest.mark.parametrize("spec, resolution", CASES)
@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_engine_from_onnx_passes_parity(spec, resolution, precision, config):
    req = select_models([spec], resolution=resolution)[0]
    art = get_artifact(req, "tensorrt", precision, 1, config)
    m = art.manifest
    assert art.path.endswith("model.engine") and m["status"] == "ok"
    assert m["details"]["builder"] == "onnx-parser"
    assert m["source"]["format"] == "onnx" and m["source"]["precision"] == "fp32"
    assert m["tool_versions"]["tensorrt"] and m["tool_versions"]["gpu"]
    assert m["options"] == {"trt_workspace_mb": 64, "use_torch2trt": False}
    assert m["parity"]["ok"], m["parity"]
    assert m["parity"]["device"] == "cuda" and m["parity"]["runtime"] == "tensorrt"
    assert get_artifact(req, "tensorrt", precision, 1, config).cached


@pytest.mark.gpu
@requires_gpu
def test_switchable_pta_engine_selects_each_configuration(config):
    """The switchable ONNX graph (an If per PTA block on the pta_config input) through
    TensorRT's ONNX parser: parity in every configuration, switched in one session."""
    from bench.models.pta_switch import selection_for
    from bench.runtimes.select import apply_selection

    req = select_models(["pta:LLL,switchable=true"], resolution=64)[0]
    art = get_artifact(req, "tensorrt", "fp32", 1, config)
    assert art.manifest["details"]["switchable"]["kind"] == "input"
    assert art.parity["ok"] and len(art.parity["configs"]) == 6, art.parity
    built = build_model("pta:HHH")
    x = built.example_input(64, 1, seed=5)
    session = apply_selection(get_runtime("tensorrt").open(art.path, "fp32", "cuda", 0),
                              selection_for(art.manifest, "LLL"), "tensorrt")
    try:
        session.set_inputs([x.numpy()])
        for cfg in ("LLL", "BBB", "HLH"):
            session.switch(selection_for(art.manifest, cfg))
            session.run()
            built.module.set_config(cfg)
            ref = built.module(x).detach().numpy()
            assert np.abs(session.output() - ref).max() < 1e-3, cfg
    finally:
        session.close()


@pytest.mark.gpu
@requires_gpu
@pytest.mark.parametrize("precision, atol", [("fp32", 1e-3), ("fp16", 5e-2)])
def test_tensorrt_session_runs_and_matches_eager(precision, atol, config):
    import torch

    req = select_models(["resnet18"], resolution=64)[0]
    art = get_artifact(req, "tensorrt", precision, 2, config)
    runtime = get_runtime("tensorrt")
    runtime.check(precision, "cuda")
    built = build_model("resnet18")
    x = built.example_input(64, 2, seed=5)
    with torch.no_grad():
        ref = built.module(x).numpy()
    session = runtime.open(art.path, precision, "cuda", 0)
    try:
        session.set_input(x.numpy())
        for _ in range(3):
            session.run()
        session.sync()
        out = session.output()
        info = session.info()
    finally:
        session.close()
    assert out.shape == ref.shape and np.max(np.abs(out - ref)) < atol
    assert (out.argmax(1) == ref.argmax(1)).all()
    assert info["api"] in ("execute_async_v3", "execute_async_v2") and info["gpu"]
    assert ("fp16" in session.notes) == (precision == "fp16")


@pytest.mark.gpu
@requires_gpu
def test_torch2trt_path_when_installed(config):
    pytest.importorskip("torch2trt", reason="torch2trt is optional and not installed here")
    import dataclasses

    cfg = dataclasses.replace(config, use_torch2trt=True)
    art = get_artifact(select_models(["resnet18"], resolution=64)[0], "tensorrt", "fp16", 1, cfg)
    assert art.manifest["details"]["builder"] == "torch2trt" and art.manifest["source"] is None
    assert art.parity["ok"], art.parity


# -- without a GPU (here, or simulated) --------------------------------------------------------

@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(trt_runtime, "gpu_name", lambda: None)


def test_export_without_gpu_is_one_line_export_failed(no_gpu, config, monkeypatch):
    def no_build(*a, **k):
        raise AssertionError("nothing is built when the format cannot export here")

    monkeypatch.setattr("bench.models.build_model", no_build)
    with pytest.raises(ExportFailed) as info:
        get_artifact(select_models(["resnet18"])[0], "tensorrt", "fp16", 1, config)
    message = str(info.value)
    assert message.startswith("tensorrt needs an NVIDIA GPU and none is visible here")
    assert "\n" not in message


def test_export_without_tensorrt_package_names_the_fix(monkeypatch):
    monkeypatch.setattr(trt_runtime, "gpu_name", lambda: "Fake GPU")
    monkeypatch.setitem(sys.modules, "tensorrt", None)
    with pytest.raises(ExportFailed, match=r"^tensorrt is not installed: pip install tensorrt"):
        FORMATS.get("tensorrt").check()


def test_runtime_without_gpu_or_package_is_unsupported(monkeypatch):
    runtime = get_runtime("tensorrt")
    with pytest.raises(Unsupported, match=r"^tensorrt runs only on an NVIDIA GPU \(device cuda\)"):
        runtime.check("fp32", "cpu")
    monkeypatch.setitem(sys.modules, "tensorrt", None)
    with pytest.raises(Unsupported) as info:
        runtime.check("fp16", "cuda")
    assert str(info.value).startswith("tensorrt is not installed: ")
    assert "JetPack" in str(info.value) and "\n" not in str(info.value)


def test_default_formats_leave_tensorrt_out_without_gpu(no_gpu):
    from bench.cli.cmd_export import choose_formats

    notes = []
    names = [f.name for f in choose_formats([], notes.append)]
    assert "tensorrt" not in names and {"eager", "torchscript", "onnx", "tflite"} <= set(names)
    assert any(n.startswith("skipping tensorrt: tensorrt needs an NVIDIA GPU") for n in notes)


def test_cli_tensorrt_without_gpu_is_a_failed_row_exit_1(cli, tmp_path):
    res = cli("export", "--models", "resnet18", "--formats", "tensorrt", cwd=str(tmp_path),
              env={"CUDA_VISIBLE_DEVICES": ""})
    assert res.returncode == 1, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr and res.stderr.strip() == ""
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 3  # header, the failed row, the summary
    assert lines[1].split()[:4] == ["resnet18", "tensorrt", "fp32", "failed"]
    assert "tensorrt needs an NVIDIA GPU and none is visible here" in lines[1]
    assert lines[2].startswith("1 artifact: 1 failed")


# -- TensorRT 8.x / 10.x API branches, against stand-ins ---------------------------------------

def fake_trt(version):
    return types.SimpleNamespace(
        __version__=version,
        NetworkDefinitionCreationFlag=types.SimpleNamespace(EXPLICIT_BATCH=0),
        MemoryPoolType=types.SimpleNamespace(WORKSPACE="workspace"),
        TensorIOMode=types.SimpleNamespace(INPUT="in", OUTPUT="out"),
        nptype=lambda dtype: dtype)


@pytest.mark.parametrize("version, flags", [("8.2.1.8", 1), ("8.6.1", 1), ("10.3.0", 0)])
def test_network_flags_explicit_batch_before_10(version, flags):
    assert tensorrt_build.network_flags(fake_trt(version)) == flags


def test_workspace_limit_uses_the_memory_pool_api_where_it_exists():
    class NewConfig(object):
        def set_memory_pool_limit(self, pool, size):
            self.limit = (pool, size)

    class OldConfig(object):  # TensorRT 8.0-8.3
        max_workspace_size = None

    new, old = NewConfig(), OldConfig()
    tensorrt_build.set_workspace(fake_trt("10.0.1"), new, 256)
    tensorrt_build.set_workspace(fake_trt("8.2.1"), old, 256)
    assert new.limit == ("workspace", 256 << 20)
    assert old.max_workspace_size == 256 << 20


def test_io_tensors_from_named_tensor_and_binding_apis():
    class TensorEngine(object):  # TensorRT >= 8.5
        num_io_tensors = 2
        names = ["input", "output"]

        def get_tensor_name(self, i):
            return self.names[i]

        def get_tensor_mode(self, name):
            return "in" if name == "input" else "out"

        def get_tensor_dtype(self, name):
            return np.float32

        def get_tensor_shape(self, name):
            return (1, 3, 64, 64) if name == "input" else (1, 1000)

    class BindingEngine(object):  # TensorRT 8.0-8.4
        num_bindings = 2

        def get_binding_name(self, i):
            return ["input_0", "output_0"][i]

        def binding_is_input(self, i):
            return i == 0

        def get_binding_dtype(self, i):
            return np.float16

        def get_binding_shape(self, i):
            return [(2, 3, 32, 32), (2, 10)][i]

    trt = fake_trt("8.6.1")
    named = trt_runtime.io_tensors(trt, TensorEngine(), tensor_api=True)
    bound = trt_runtime.io_tensors(trt, BindingEngine(), tensor_api=False)
    assert [(t.name, t.is_input, t.shape) for t in named] == [
        ("input", True, (1, 3, 64, 64)), ("output", False, (1, 1000))]
    assert [(t.name, t.index, t.is_input, t.dtype) for t in bound] == [
        ("input_0", 0, True, np.dtype("float16")), ("output_0", 1, False, np.dtype("float16"))]
