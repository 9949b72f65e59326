"""bench.models.files: what a user's model file is (issue 12, `file:PATH` specs).

Every file is built by tests/model_files.py from arrays and modules whose sizes are
known, so parameter counts are checked against sums taken there and MACs against the
arithmetic written out here.
"""

import os
import shutil
import subprocess
import sys
import types

import numpy as np
import pytest

from bench.errors import SpecError
from bench.models.files import FileInfo, TensorInfo, detect_format, inspect_file
from bench.models.files.base import guess_layout

from model_files import (empty_file, make_empty_file, onnx_constant_weights,  # noqa: F401
                         onnx_truncated, onnx_two_inputs, onnx_zoo_opset7, pickled_module_file,
                         pt2_file, state_dict_file, text_file, tflite_fp16,
                         tflite_multi_output, tflite_nhwc, tflite_sparse_dynamic,
                         torchscript_frozen, torchscript_traced)

FORMATS = "bench reads ONNX"


def refusal(path, *phrases, shapes=None):
    """inspect_file(path) is refused with one line naming the path; returns the line."""
    with pytest.raises(SpecError) as info:
        inspect_file(path, shapes)
    message = str(info.value)
    assert "\n" not in message and "\r" not in message, message
    assert str(path) in message, message
    for phrase in phrases:
        assert phrase in message, "{!r} not in {!r}".format(phrase, message)
    return message


def ort_run(path, feeds):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def tflite_interpreter(path):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    return Interpreter(model_path=str(path), experimental_op_resolver_type=(
        OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES))


# --- ONNX ------------------------------------------------------------------------------


def test_an_old_zoo_model_lists_only_its_real_input(onnx_zoo_opset7):
    out = ort_run(onnx_zoo_opset7, {"gpu_0/data_0": np.zeros((2, 3, 16, 16), np.float32)})
    assert out[0].shape == (2, 10)

    assert detect_format(onnx_zoo_opset7.path) == "onnx"
    info = inspect_file(onnx_zoo_opset7.path)
    assert info.format == "onnx"
    assert info.inputs == [TensorInfo("gpu_0/data_0", "float32", [None, 3, 16, 16],
                                      ["N", None, None, None], "NCHW")]
    assert info.outputs == [TensorInfo("gpu_0/softmax_1", "float32", [None, 10], ["N", None])]
    # conv 4x3x3x3 + 4, four BN vectors of 4, fc 10x256 + 10; the unused 5x5 is no weight
    assert info.params == onnx_zoo_opset7.params == 108 + 4 + 16 + 2560 + 10
    assert info.macs is None and info.macs_tool == ""
    assert any("gpu_0/data_0 [N, 3, 16, 16]" in n and "give its shape" in n for n in info.notes)


def test_onnx_macs_are_counted_at_the_shapes_given(onnx_zoo_opset7):
    info = inspect_file(onnx_zoo_opset7.path, {"gpu_0/data_0": [2, 3, 16, 16]})
    conv = 2 * 4 * 16 * 16 * (3 * 3 * 3)   # output elements x (in channels x kernel)
    gemm = 2 * 10 * (4 * 8 * 8)            # after the 2x2 max pool
    assert info.macs == conv + gemm == 60416
    assert info.macs_tool.startswith("onnx shape inference: Conv")
    assert any("Conv" in n and "only" in n for n in info.notes)
    assert inspect_file(onnx_zoo_opset7.path, {"gpu_0/data_0": [5, 3, 16, 16]}).macs == \
        5 * (conv + gemm) // 2


def test_constant_node_weights_are_parameters_through_cast_dequantize_transpose_reshape(
        onnx_constant_weights):
    out = ort_run(onnx_constant_weights, {"input": np.ones((1, 3, 16, 16), np.float32)})
    assert out[0].shape == (1, 8)

    info = inspect_file(onnx_constant_weights.path)
    assert [(t.name, t.shape, t.layout) for t in info.inputs] == [("input", [1, 3, 16, 16],
                                                                   "NCHW")]
    # fp16 6x3x3x3, depthwise 6x1x3x3, int8 4x6x1x1, 8x4, 8; not the scale, zero point,
    # reshape target or the Constant that feeds nothing
    assert info.params == onnx_constant_weights.params == 162 + 54 + 24 + 32 + 8
    conv1 = 6 * 16 * 16 * (3 * 3 * 3)
    depthwise = 6 * 8 * 8 * (1 * 3 * 3)    # group 6: one input channel per output
    pointwise = 4 * 8 * 8 * 6
    matmul = 8 * 4
    assert info.macs == conv1 + depthwise + pointwise + matmul == 46496  # static: no shapes needed


def test_two_inputs_two_outputs(onnx_two_inputs):
    out = ort_run(onnx_two_inputs, {"image": np.zeros((2, 3, 8, 8), np.float32),
                                    "token_ids": np.array([[1, 2, 3], [4, 5, 9]], np.int64)})
    assert [o.shape for o in out] == [(2, 3), (2, 3, 2)]

    info = inspect_file(onnx_two_inputs.path)
    assert info.inputs == [
        TensorInfo("image", "float32", [None, 3, 8, 8], ["N", None, None, None], "NCHW"),
        TensorInfo("token_ids", "int64", [None, None], ["N", "T"], None)]
    assert [(t.name, t.dtype, t.shape) for t in info.outputs] == [
        ("scores", "float32", [None, 3]), ("embedding", "float32", [None, None, 2])]
    assert info.params == onnx_two_inputs.params == 24 + 2 + 20 + 6 + 3
    assert info.macs is None

    half = inspect_file(onnx_two_inputs.path, {"image": [2, 3, 8, 8]})
    assert half.macs is None and any("token_ids [N, T]" in n for n in half.notes)

    info = inspect_file(onnx_two_inputs.path, {"image": [2, 3, 8, 8], "token_ids": [2, 5]})
    conv_transpose = 2 * 3 * 8 * 8 * (2 * 2 * 2)   # each input element into 2 ch x 2x2
    gemm = 2 * 3 * 2
    assert info.macs == conv_transpose + gemm == 3084


@pytest.mark.parametrize("shapes, phrases", [
    ({"data": [1, 3, 16, 16]}, ["'data'", "its inputs are: 'gpu_0/data_0'"]),
    ({"gpu_0/data_0": [1, 3, 32, 32]}, ["dim 2 is fixed at 16", "[N, 3, 16, 16]"]),
    ({"gpu_0/data_0": [1, 3, 16]}, ["has 4 dims", "has 3"]),
    ({"gpu_0/data_0": [0, 3, 16, 16]}, ["positive integers"]),
])
def test_shapes_that_do_not_fit_the_file_are_refused(onnx_zoo_opset7, shapes, phrases):
    refusal(onnx_zoo_opset7.path, *phrases, shapes=shapes)


# --- TFLite ----------------------------------------------------------------------------


def test_tflite_nhwc_input(tflite_nhwc):
    assert detect_format(tflite_nhwc.path) == "tflite"
    info = inspect_file(tflite_nhwc.path)
    (inp,) = info.inputs
    assert (inp.dtype, inp.shape, inp.layout) == ("float32", [1, 16, 16, 3], "NHWC")
    assert [t.shape for t in info.outputs] == [[1, 5]]
    assert info.params == tflite_nhwc.params == 4 * 3 * 3 * 3 + 4 + 5 * 4 + 5
    assert info.macs == 16 * 16 * 4 * (3 * 3 * 3) + 5 * 4 == 27668
    assert info.macs_tool.startswith("tflite ops: CONV_2D")


def test_tflite_several_outputs(tflite_multi_output):
    info = inspect_file(tflite_multi_output.path)
    assert [t.layout for t in info.inputs] == ["NCHW"]
    assert sorted(t.shape for t in info.outputs) == sorted(tflite_multi_output.output_shapes)
    assert len({t.name for t in info.outputs}) == 3
    assert info.params == tflite_multi_output.params == 6 * 27 + 6 + 4 * 6 + 4 + 2 * 6 + 2
    assert info.macs == 6 * 8 * 8 * 27 + 4 * 6 + 2 * 6


def test_tflite_float16_weights_are_counted_once(tflite_fp16, tflite_nhwc):
    interpreter = tflite_interpreter(tflite_fp16.path)
    assert any(t["dtype"] == np.float16 for t in interpreter.get_tensor_details())
    assert "DEQUANTIZE" in {op["op_name"] for op in interpreter._get_ops_details()}

    info = inspect_file(tflite_fp16.path)
    fp32 = inspect_file(tflite_nhwc.path)
    assert info.params == fp32.params == tflite_nhwc.params
    assert info.macs == fp32.macs
    assert [t.dtype for t in info.inputs] == ["float32"]


def test_tflite_sparse_weights_and_a_dynamic_batch(tflite_sparse_dynamic):
    built = tflite_sparse_dynamic
    interpreter = tflite_interpreter(built.path)  # the file is real: it runs and densifies
    interpreter.resize_tensor_input(0, [2, 8])
    interpreter.allocate_tensors()
    x = np.arange(16, dtype=np.float32).reshape(2, 8)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    y = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(y, x @ built.dense.T + built.bias, rtol=1e-5)

    info = inspect_file(built.path)
    assert info.inputs == [TensorInfo("features", "float32", [None, 8])]
    assert info.outputs == [TensorInfo("scores", "float32", [None, 4])]
    assert info.params == built.params == 4 * 8 + 4
    assert any("sparse" in n and "12 values" in n for n in info.notes)
    assert info.macs is None
    assert inspect_file(built.path, {"features": [3, 8]}).macs == 3 * 4 * 8


# --- PyTorch ---------------------------------------------------------------------------


def test_frozen_torchscript(torchscript_frozen):
    assert detect_format(torchscript_frozen.path) == "torchscript"
    info = inspect_file(torchscript_frozen.path)
    assert [(t.name, t.shape, t.dtype) for t in info.inputs] == [("x", None, None)]
    assert any("do not record" in n and "--shape" in n for n in info.notes)
    # freezing inlines the weights as graph constants and folds BN into the conv
    assert info.params == torchscript_frozen.params == 4 * 27 + 4 + 2 * 4 + 2
    assert info.macs is None

    info = inspect_file(torchscript_frozen.path, {"x": [1, 3, 16, 16]})
    assert info.macs == 16 * 16 * 4 * 27 + 2 * 4 == 27656
    assert "flop_counter" in info.macs_tool


def test_traced_torchscript_counts_parameters_and_float_buffers(torchscript_traced):
    info = inspect_file(torchscript_traced.path, {"x": [2, 3, 16, 16]})
    # conv 108 + 4, BN weight/bias/mean/var 4 each, fc 8 + 2 (num_batches_tracked: no)
    assert info.params == torchscript_traced.params == 108 + 4 + 16 + 10
    assert info.macs == 2 * 27656


def test_torch_export_program(pt2_file):
    assert detect_format(pt2_file.path) == "pt2"
    info = inspect_file(pt2_file.path)
    (inp,) = info.inputs
    assert (inp.name, inp.dtype, inp.shape, inp.layout) == ("x", "float32", [None, 3, 16, 16],
                                                           "NCHW")
    assert isinstance(inp.dim_names[0], str) and inp.dim_names[1:] == [None] * 3
    assert [(t.dtype, t.shape) for t in info.outputs] == [("float32", [None, 2])]
    assert info.outputs[0].dim_names[0] == inp.dim_names[0]
    assert info.params == pt2_file.params == 108 + 4 + 16 + 10
    assert info.macs is None and any("give its shape" in n for n in info.notes)
    assert inspect_file(pt2_file.path, {"x": [2, 3, 16, 16]}).macs == 2 * 27656


# --- TensorRT --------------------------------------------------------------------------


def test_a_tensorrt_engine_is_accepted_by_suffix_without_tensorrt(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorrt", None)  # import tensorrt -> ImportError
    path = tmp_path / "model.engine"
    path.write_bytes(b"ftrt" + bytes(60))
    assert detect_format(path) == "tensorrt"
    info = inspect_file(path)
    assert (info.format, info.inputs, info.outputs, info.params, info.macs) == (
        "tensorrt", [], [], None, None)
    assert any("read on the device that runs it" in n for n in info.notes)


def fake_tensorrt(named_tensor_api, load=True):
    """A stand-in ``tensorrt`` module: one engine, input [-1,3,32,32] float32 "images",
    output [-1,10] float16 "logits", through TensorRT 10's or 8.x's API."""
    trt = types.ModuleType("tensorrt")
    trt.__version__ = "10.0.fake" if named_tensor_api else "8.2.fake"
    trt.TensorIOMode = types.SimpleNamespace(INPUT="in", OUTPUT="out")
    trt.nptype = lambda dtype: dtype
    io = [("images", True, np.float32, (-1, 3, 32, 32)), ("logits", False, np.float16, (-1, 10))]

    class Logger(object):
        ERROR = WARNING = 1

        def __init__(self, level):
            pass

    class Engine10(object):
        num_io_tensors = len(io)
        get_tensor_name = staticmethod(lambda i: io[i][0])
        get_tensor_mode = staticmethod(lambda n: "in" if dict((x[0], x[1]) for x in io)[n]
                                       else "out")
        get_tensor_dtype = staticmethod(lambda n: [x[2] for x in io if x[0] == n][0])
        get_tensor_shape = staticmethod(lambda n: [x[3] for x in io if x[0] == n][0])

    class Engine8(object):
        num_bindings = len(io)
        get_binding_name = staticmethod(lambda i: io[i][0])
        binding_is_input = staticmethod(lambda i: io[i][1])
        get_binding_dtype = staticmethod(lambda i: io[i][2])
        get_binding_shape = staticmethod(lambda i: io[i][3])

    class Runtime(object):
        def __init__(self, logger):
            pass

        def deserialize_cuda_engine(self, data):
            if not load:
                return None
            return Engine10() if named_tensor_api else Engine8()

    trt.Logger, trt.Runtime = Logger, Runtime
    return trt


@pytest.mark.parametrize("named_tensor_api", [True, False], ids=["trt10", "trt8"])
def test_tensorrt_engine_io_where_tensorrt_loads_it(tmp_path, monkeypatch, named_tensor_api):
    monkeypatch.setitem(sys.modules, "tensorrt", fake_tensorrt(named_tensor_api))
    path = tmp_path / "model.plan"
    path.write_bytes(bytes(64))
    info = inspect_file(path)
    assert info.inputs == [TensorInfo("images", "float32", [None, 3, 32, 32], None, "NCHW")]
    assert info.outputs == [TensorInfo("logits", "float16", [None, 10])]
    assert (info.params, info.macs) == (None, None)
    refusal(path, "'nope'", shapes={"nope": [1, 3, 32, 32]})


def test_an_engine_tensorrt_cannot_load_here_is_described_not_refused(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorrt", fake_tensorrt(True, load=False))
    path = tmp_path / "other_gpu.engine"
    path.write_bytes(bytes(64))
    info = inspect_file(path)
    assert info.inputs == [] and info.params is None
    assert any("could not deserialize" in n and "read on the device" in n for n in info.notes)


# --- refusals and detection by content -----------------------------------------------------


def test_missing_directory_empty_and_text_files_are_one_line_refusals(tmp_path, empty_file,
                                                                      text_file):
    refusal(tmp_path / "nowhere.onnx", "no such file", FORMATS)
    refusal(tmp_path, "is a directory", FORMATS)
    refusal(empty_file.path, "empty", FORMATS)
    refusal(text_file.path, "text file", FORMATS)
    named = tmp_path / "labels.onnx"
    named.write_text("cat\ndog\n")
    refusal(named, "named .onnx but holds text", FORMATS)
    with pytest.raises(SpecError):
        detect_format(text_file.path)


def test_a_path_with_a_newline_stays_on_one_line(tmp_path):
    odd = make_empty_file(tmp_path / "two\nlines.onnx")
    with pytest.raises(SpecError) as info:
        detect_format(odd.path)
    assert "\n" not in str(info.value) and "two\\nlines.onnx" in str(info.value)


def test_an_unreadable_file_is_refused(tmp_path, onnx_zoo_opset7, monkeypatch):
    import builtins

    from bench.models.files import detect

    path = tmp_path / "locked.onnx"
    shutil.copy(onnx_zoo_opset7.path, path)

    def locked(name, *args, **kwargs):  # as chmod 000 would (tests may run as root)
        if os.fspath(name) == str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return builtins.open(name, *args, **kwargs)

    monkeypatch.setattr(detect, "open", locked, raising=False)
    refusal(path, "cannot be read (Permission denied)", "make it readable")


def test_truncated_files_are_refused(tmp_path, onnx_truncated, torchscript_frozen, tflite_nhwc):
    refusal(onnx_truncated.path, "truncated or corrupt", FORMATS)
    for built, suffix in ((torchscript_frozen, ".pt"), (tflite_nhwc, ".tflite")):
        cut = tmp_path / ("cut" + suffix)
        data = open(built.path, "rb").read()
        cut.write_bytes(data[:len(data) // 3])
        refusal(cut, "truncated or corrupt", FORMATS)
    fake = tmp_path / "fake.tflite"
    fake.write_bytes(bytes(range(64)))
    refusal(fake, "no TFL3 identifier", FORMATS)


def test_torch_save_files_point_to_py_specs(tmp_path, state_dict_file, pickled_module_file):
    import torch

    from model_files import tiny_conv_net

    refusal(state_dict_file.path, "state dict", "py:", FORMATS)
    refusal(pickled_module_file.path, "torch.save(model)", "py:", FORMATS)
    misnamed = tmp_path / "model.onnx"  # the content is what is explained, not the name
    shutil.copy(state_dict_file.path, misnamed)
    refusal(misnamed, "state dict", "py:")
    legacy = tmp_path / "legacy.pth"  # torch.save before torch 1.6: a bare pickle
    torch.save(tiny_conv_net().state_dict(), str(legacy), _use_new_zipfile_serialization=False)
    refusal(legacy, "state dict", "py:")


def test_the_format_follows_the_content_not_the_suffix(tmp_path, onnx_zoo_opset7, tflite_nhwc,
                                                       torchscript_frozen, pt2_file):
    for built, name, fmt in ((onnx_zoo_opset7, "weights.bin", "onnx"),
                             (tflite_nhwc, "model.dat", "tflite"),
                             (torchscript_frozen, "model.pt2", "torchscript"),
                             (pt2_file, "program.zip", "pt2")):
        copy = tmp_path / name
        shutil.copy(built.path, copy)
        assert detect_format(copy) == fmt, name
    noise = tmp_path / "noise.bin"
    noise.write_bytes(bytes([0xFF, 0xD8, 0xFF, 0xE0]) + bytes(range(200)))
    refusal(noise, "no model format bench knows", FORMATS)


# --- the types and the package's weight -----------------------------------------------------


@pytest.mark.parametrize("shape, dtype, layout", [
    ([1, 3, 224, 224], "float32", "NCHW"), ([None, 1, 28, 28], "float32", "NCHW"),
    ([1, 224, 224, 3], "uint8", "NHWC"), ([None, None, None, 3], "float32", "NHWC"),
    ([None, 64, None, None], "float32", "NCHW"), ([1, 3, 16, 3], "float32", None),
    ([1, 8, 8, 8], "float32", None), ([1, 3, 224], "float32", None),
    ([1, 3, 8, 8], "int64", None), (None, "float32", None),
])
def test_layout_guess(shape, dtype, layout):
    assert guess_layout(shape, dtype) == layout


def test_file_info_round_trips_through_a_dict(onnx_two_inputs):
    info = inspect_file(onnx_two_inputs.path, {"image": [1, 3, 8, 8], "token_ids": [1, 4]})
    again = FileInfo.from_dict(info.to_dict())
    assert again.to_dict() == info.to_dict()
    assert again.input("token_ids").dtype == "int64"


def test_importing_the_package_loads_no_format_package():
    # bench.models (the parent package) imports torch itself; the readers add nothing
    code = ("import sys, bench.models; before = set(sys.modules); import bench.models.files; "
            "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in ('onnx', "
            "'ai_edge_litert', 'tensorrt', 'onnxruntime', 'litert_torch', 'torch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_the_modules_a_device_may_run_are_python36():
    from test_py36 import run_vermin

    import bench.models.files.base as base

    here = os.path.dirname(base.__file__)
    files = [os.path.join(here, n) for n in ("base.py", "detect.py", "tensorrt.py")]
    res = run_vermin(files)
    assert res.returncode == 0, res.stdout + res.stderr
