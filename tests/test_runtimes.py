"""Runtimes: each opens its artifact and reproduces eager PyTorch; precision rules; Python 3.6."""

import subprocess
import sys

import numpy as np
import pytest

from bench.artifacts import format_for_runtime, get_artifact
from bench.config import ExportConfig
from bench.models import build_model, select_models
from bench.runtimes import RUNTIMES, Unsupported, get_runtime
from conftest import REPO

SPEC, RES, BATCH = "mobilenet_v2:width_mult=0.5", 64, 2
HOST_RUNTIMES = ["torch", "torchscript", "onnxruntime", "tflite"]


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    """(runtime, precision) -> artifact path; exported once into the session's shared cache."""
    cfg = ExportConfig(dir=str(tmp_path_factory.getbasetemp() / "artifacts"))
    req = select_models([SPEC], resolution=RES)[0]
    paths = {}
    for runtime in HOST_RUNTIMES:
        for precision in ("fp32", "fp16"):
            paths[runtime, precision] = get_artifact(req, format_for_runtime(runtime), precision,
                                                     BATCH, cfg).path
    return paths


@pytest.fixture(scope="module")
def batch_and_reference():
    import torch

    built = build_model(SPEC)
    x = built.example_input(RES, BATCH, seed=7)
    with torch.no_grad():
        return x.numpy(), built.module(x).numpy()


@pytest.fixture
def keep_torch_threads():
    """Runtimes set PyTorch's (process-wide) thread count; put it back for the other tests."""
    import torch

    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def run_session(runtime, path, precision, x, threads=0, device="cpu"):
    session = get_runtime(runtime).open(path, precision, device, threads)
    try:
        session.set_input(x)
        for _ in range(2):
            session.run()
        session.sync()
        return session.output(), session.notes, session.info()
    finally:
        session.close()


@pytest.mark.parametrize("runtime", HOST_RUNTIMES)
def test_runtime_output_matches_eager(runtime, artifacts, batch_and_reference, keep_torch_threads):
    x, ref = batch_and_reference
    rt = get_runtime(runtime)
    rt.check("fp32", "cpu")
    assert set(rt.versions()) and all(rt.versions().values())
    out, notes, info = run_session(runtime, artifacts[runtime, "fp32"], "fp32", x, threads=1)
    assert out.dtype == np.float32 and out.shape == ref.shape == (BATCH, 1000)
    assert np.max(np.abs(out - ref)) < 1e-3
    assert (out.argmax(1) == ref.argmax(1)).all()
    assert notes == ""
    assert info["threads"] == 1


def test_onnxruntime_reports_its_provider(artifacts, batch_and_reference):
    x, _ = batch_and_reference
    _, _, info = run_session("onnxruntime", artifacts["onnxruntime", "fp32"], "fp32", x)
    assert info["provider"] == "CPUExecutionProvider" and info["threads"] is None


def test_tflite_fp16_runs_with_the_fp32_compute_note(artifacts, batch_and_reference):
    x, ref = batch_and_reference
    get_runtime("tflite").check("fp16", "cpu")
    out, notes, info = run_session("tflite", artifacts["tflite", "fp16"], "fp16", x)
    assert "fp16 weights" in notes and "computed in fp32 on this CPU" in notes
    assert info["weights"] == "float16"
    assert np.max(np.abs(out - ref)) < 5e-2 and (out.argmax(1) == ref.argmax(1)).all()


@pytest.mark.parametrize("runtime, needle", [
    ("torch", "fp16 on CPU is not supported for torch: PyTorch has no fast half-precision CPU "
              "kernels; run on a CUDA device"),
    ("torchscript", "fp16 on CPU is not supported for torchscript"),
    ("onnxruntime", "fp16 on CPU is not supported for onnxruntime"),
])
def test_fp16_on_cpu_is_unsupported_with_the_reason(runtime, needle):
    with pytest.raises(Unsupported) as info:
        get_runtime(runtime).check("fp16", "cpu")
    assert needle in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("runtime", ["torch", "torchscript", "onnxruntime"])
def test_fp16_artifacts_still_open_on_cpu_for_parity(runtime, artifacts, batch_and_reference,
                                                     keep_torch_threads):
    x, ref = batch_and_reference
    out, _, _ = run_session(runtime, artifacts[runtime, "fp16"], "fp16", x)
    assert np.max(np.abs(out - ref)) < 5e-2


@pytest.mark.parametrize("runtime", ["torch", "tflite", "onnxruntime"])
def test_an_artifact_of_the_other_precision_is_refused(runtime, artifacts, batch_and_reference):
    x, _ = batch_and_reference
    with pytest.raises(ValueError, match="was asked; export it at that precision"):
        get_runtime(runtime).open(artifacts[runtime, "fp32"], "fp16", "cpu", 0)


def test_tflite_has_no_cuda_and_cuda_needs_a_gpu():
    with pytest.raises(Unsupported, match="tflite runs on the CPU"):
        get_runtime("tflite").check("fp32", "cuda")
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(Unsupported, match="no CUDA device is visible to PyTorch"):
            get_runtime("torch").check("fp32", "cuda")


@pytest.mark.parametrize("runtime, modules, needle", [
    ("onnxruntime", ["onnxruntime"], "onnxruntime is not installed: pip install 'bench[onnx]'"),
    ("tflite", ["ai_edge_litert", "ai_edge_litert.interpreter", "tflite_runtime",
                "tflite_runtime.interpreter"],
     "ai-edge-litert is not installed: pip install 'bench[tflite]'"),
])
def test_missing_optional_package_names_the_extra(runtime, modules, needle, monkeypatch):
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)  # import now raises ImportError
    with pytest.raises(Unsupported) as info:
        get_runtime(runtime).check("fp32", "cpu")
    assert str(info.value) == needle
    assert get_runtime(runtime).versions() == {}


def test_registry_and_lookup():
    assert RUNTIMES.names() == ["torch", "torchscript", "onnxruntime", "tflite", "tensorrt"]
    with pytest.raises(KeyError, match="did you mean: onnxruntime"):
        get_runtime("onnxrt")
    assert get_runtime("tensorrt").devices == ("cuda",)


def test_a_fresh_process_loads_a_pickled_torchvision_model(artifacts):
    """As the measurement worker does: nothing of bench.models imported beforehand."""
    code = ("import sys, numpy as np; from bench.runtimes import get_runtime; "
            "s = get_runtime('torch').open(sys.argv[1], 'fp32', 'cpu', 0); "
            "s.set_input(np.zeros(({}, 3, {}, {}), np.float32)); s.run(); "
            "print(s.output().shape, 'bench.models' in sys.modules)".format(BATCH, RES, RES))
    res = subprocess.run([sys.executable, "-c", code, artifacts["torch", "fp32"]], cwd=REPO,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["({},".format(BATCH), "1000)", "False"]


def test_runtime_modules_import_nothing_heavy():
    code = ("import sys, bench.runtimes; "
            "print(sorted(m for m in ('torch', 'onnxruntime', 'tensorrt', 'ai_edge_litert', "
            "'numpy') if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def _cuda_missing():
    import torch

    return None if torch.cuda.is_available() else "needs an NVIDIA GPU (torch.cuda.is_available() is False)"


@pytest.mark.gpu
@pytest.mark.skipif(_cuda_missing() is not None, reason=_cuda_missing() or "")
@pytest.mark.parametrize("runtime", ["torch", "torchscript", "onnxruntime"])
@pytest.mark.parametrize("precision, atol", [("fp32", 1e-3), ("fp16", 5e-2)])
def test_runtimes_on_cuda_match_eager(runtime, precision, atol, artifacts, batch_and_reference,
                                      keep_torch_threads):
    rt = get_runtime(runtime)
    try:
        rt.check(precision, "cuda")
    except Unsupported as exc:  # onnxruntime without its CUDA provider (a CPU-only wheel)
        pytest.skip(str(exc))
    x, ref = batch_and_reference
    out, _, info = run_session(runtime, artifacts[runtime, precision], precision, x, device="cuda")
    assert np.max(np.abs(out - ref)) < atol and (out.argmax(1) == ref.argmax(1)).all()
    assert "cuda" in str(info.get("device")) or info.get("provider") != "CPUExecutionProvider"
