"""Small model files of the kinds users bring (`file:PATH` specs), built by the tests.

Nothing is downloaded: each ``make_*`` function writes one tiny file (a few KB, 8x8 to
16x16 inputs) and returns a :class:`Built` with its path and the facts a test checks
(parameter count summed from the arrays the builder made, names, shapes). The
session-scoped fixtures below build each once per run, lazily; import the ones a test
module needs, e.g.::

    from model_files import onnx_zoo_opset7, tflite_nhwc  # noqa: F401

ONNX graphs are written with ``onnx.helper`` (as old exporters and other frameworks
wrote them, not as torch does); TFLite files are converted with litert-torch from tiny
torch modules (the fp16 one derived as bench derives it), except one written with
LiteRT's flatbuffer schema to get what the converter does not produce (a dynamic batch
dim and sparse weights).
"""


import numpy as np
import pytest


class Built(object):
    """A built model file: ``path`` plus facts (``params``, names, ...) as attributes."""

    def __init__(self, path, **facts):
        self.path = str(path)
        self.__dict__.update(facts)

    def __fspath__(self):
        return self.path

    def __str__(self):
        return self.path

    def __repr__(self):
        return "Built({!r})".format(self.path)


def _rng(seed):
    return np.random.default_rng(seed)


def _floats(rng, *shape):
    return (rng.standard_normal(shape) * 0.1).astype(np.float32)


# --- ONNX ------------------------------------------------------------------------------


def make_onnx_zoo_opset7(path):
    """A model-zoo-style classifier at opset 7 / IR 3, as Caffe2-era exporters wrote them.

    gpu_0/data_0 [N,3,16,16] -> Conv 3x3 (4, pad 1) -> BatchNormalization (legacy
    ``spatial`` attribute) -> Relu -> MaxPool 2x2 -> Flatten -> Gemm (10, transB) ->
    Softmax -> gpu_0/softmax_1 [N,10]. Every initializer is also listed as a graph input
    (pre-IR4 style) and one initializer is used by no node.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = _rng(7)
    weights = {
        "gpu_0/conv1_w_0": _floats(rng, 4, 3, 3, 3), "gpu_0/conv1_b_0": _floats(rng, 4),
        "gpu_0/bn_s_0": np.ones(4, np.float32), "gpu_0/bn_b_0": _floats(rng, 4),
        "gpu_0/bn_rm_0": _floats(rng, 4), "gpu_0/bn_riv_0": np.ones(4, np.float32),
        "gpu_0/fc_w_0": _floats(rng, 10, 4 * 8 * 8), "gpu_0/fc_b_0": _floats(rng, 10),
    }
    unused = {"gpu_0/pred_w_old_0": _floats(rng, 5, 5)}  # left over: no node reads it
    nodes = [
        helper.make_node("Conv", ["gpu_0/data_0", "gpu_0/conv1_w_0", "gpu_0/conv1_b_0"],
                         ["gpu_0/conv1_1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                         strides=[1, 1], name="conv1"),
        helper.make_node("BatchNormalization", ["gpu_0/conv1_1", "gpu_0/bn_s_0",
                                                "gpu_0/bn_b_0", "gpu_0/bn_rm_0",
                                                "gpu_0/bn_riv_0"],
                         ["gpu_0/bn_1"], epsilon=1e-5, momentum=0.9, spatial=1, name="bn"),
        helper.make_node("Relu", ["gpu_0/bn_1"], ["gpu_0/relu_1"]),
        helper.make_node("MaxPool", ["gpu_0/relu_1"], ["gpu_0/pool_1"], kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Flatten", ["gpu_0/pool_1"], ["gpu_0/flat_1"], axis=1),
        helper.make_node("Gemm", ["gpu_0/flat_1", "gpu_0/fc_w_0", "gpu_0/fc_b_0"],
                         ["gpu_0/fc_1"], transB=1, name="fc"),
        helper.make_node("Softmax", ["gpu_0/fc_1"], ["gpu_0/softmax_1"]),
    ]
    stored = dict(weights, **unused)
    inits = [numpy_helper.from_array(a, n) for n, a in stored.items()]
    inputs = [helper.make_tensor_value_info("gpu_0/data_0", TensorProto.FLOAT,
                                           ["N", 3, 16, 16])]
    inputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, a.shape)
               for n, a in stored.items()]
    outputs = [helper.make_tensor_value_info("gpu_0/softmax_1", TensorProto.FLOAT, ["N", 10])]
    graph = helper.make_graph(nodes, "squeezenet_like", inputs, outputs, inits)
    model = helper.make_model(graph, producer_name="caffe2-onnx",
                              opset_imports=[helper.make_opsetid("", 7)])
    model.ir_version = 3
    onnx.save(model, str(path))
    return Built(path, input="gpu_0/data_0", output="gpu_0/softmax_1",
                 params=sum(a.size for a in weights.values()),
                 unused_params=sum(a.size for a in unused.values()))


def make_onnx_constant_weights(path):
    """Opset 13, weights as ``Constant`` nodes (computed at load time), through chains.

    input [1,3,16,16] -> Conv 3x3 (6, pad 1; weight float16 Constant -> Cast) ->
    depthwise Conv 3x3/2 (group 6, pad 1) -> Conv 1x1 (4; weight int8 Constant ->
    DequantizeLinear with scalar scale and zero point) -> Relu -> GlobalAveragePool ->
    Flatten -> MatMul (weight Constant [8,4] -> Transpose) -> Add (bias Constant [8] ->
    Reshape [1,8]) -> output [1,8]. One Constant node feeds nothing.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = _rng(13)
    w1 = _floats(rng, 6, 3, 3, 3).astype(np.float16)
    w2 = _floats(rng, 6, 1, 3, 3)
    w3 = rng.integers(-100, 100, (4, 6, 1, 1)).astype(np.int8)
    w4 = _floats(rng, 8, 4)
    b4 = _floats(rng, 8)

    def const(name, array):
        return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(array, name))

    nodes = [
        const("w1_half", w1),
        helper.make_node("Cast", ["w1_half"], ["w1"], to=TensorProto.FLOAT),
        helper.make_node("Conv", ["input", "w1"], ["c1"], kernel_shape=[3, 3], pads=[1] * 4,
                         name="conv1"),
        const("w2", w2),
        helper.make_node("Conv", ["c1", "w2"], ["c2"], kernel_shape=[3, 3], pads=[1] * 4,
                         strides=[2, 2], group=6, name="conv_dw"),
        const("w3_q", w3), const("w3_scale", np.array(0.01, np.float32)),
        const("w3_zero", np.array(0, np.int8)),
        helper.make_node("DequantizeLinear", ["w3_q", "w3_scale", "w3_zero"], ["w3"]),
        helper.make_node("Conv", ["c2", "w3"], ["c3"], kernel_shape=[1, 1], name="conv_pw"),
        helper.make_node("Relu", ["c3"], ["r3"]),
        helper.make_node("GlobalAveragePool", ["r3"], ["gap"]),
        helper.make_node("Flatten", ["gap"], ["flat"], axis=1),
        const("w4_t", w4),
        helper.make_node("Transpose", ["w4_t"], ["w4"], perm=[1, 0]),
        helper.make_node("MatMul", ["flat", "w4"], ["mm"], name="fc"),
        const("b4_flat", b4), const("b4_shape", np.array([1, 8], np.int64)),
        helper.make_node("Reshape", ["b4_flat", "b4_shape"], ["b4"]),
        helper.make_node("Add", ["mm", "b4"], ["output"]),
        const("dangling", _floats(rng, 16, 16)),
    ]
    graph = helper.make_graph(
        nodes, "constant_weights",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 8])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    onnx.save(model, str(path))
    return Built(path, input="input", output="output",
                 params=w1.size + w2.size + w3.size + w4.size + b4.size)


def make_onnx_two_inputs(path):
    """Opset 9, two inputs and two outputs.

    image [N,3,8,8] float -> ConvTranspose 2x2/2 (2) -> GlobalAveragePool -> Flatten ->
    [N,2]; token_ids [N,T] int64 -> Gather (embedding [10,2]) -> "embedding" [N,T,2]
    (output 2) -> ReduceMean over T -> [N,2]; Add -> Gemm (3, transB) -> "scores" [N,3].
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = _rng(9)
    weights = {"up_w": _floats(rng, 3, 2, 2, 2), "up_b": _floats(rng, 2),
               "emb": _floats(rng, 10, 2), "head_w": _floats(rng, 3, 2),
               "head_b": _floats(rng, 3)}
    nodes = [
        helper.make_node("ConvTranspose", ["image", "up_w", "up_b"], ["up"],
                         kernel_shape=[2, 2], strides=[2, 2], name="up"),
        helper.make_node("GlobalAveragePool", ["up"], ["gap"]),
        helper.make_node("Flatten", ["gap"], ["img_vec"], axis=1),
        helper.make_node("Gather", ["emb", "token_ids"], ["embedding"], axis=0),
        helper.make_node("ReduceMean", ["embedding"], ["txt_vec"], axes=[1], keepdims=0),
        helper.make_node("Add", ["img_vec", "txt_vec"], ["joint"]),
        helper.make_node("Gemm", ["joint", "head_w", "head_b"], ["scores"], transB=1,
                         name="head"),
    ]
    graph = helper.make_graph(
        nodes, "two_inputs",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, 8, 8]),
         helper.make_tensor_value_info("token_ids", TensorProto.INT64, ["N", "T"])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N", 3]),
         helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", "T", 2])],
        [numpy_helper.from_array(a, n) for n, a in weights.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 9)])
    model.ir_version = 4
    onnx.save(model, str(path))
    return Built(path, inputs=["image", "token_ids"], outputs=["scores", "embedding"],
                 params=sum(a.size for a in weights.values()))


def make_truncated_onnx(path, source):
    """The first half of a valid ONNX file (an interrupted copy or download)."""
    data = open(str(source), "rb").read()
    with open(str(path), "wb") as fh:
        fh.write(data[:len(data) // 2])
    return Built(path)


# --- PyTorch ---------------------------------------------------------------------------


def tiny_conv_net():
    """Conv 3x3 (3->4, pad 1) -> BatchNorm -> ReLU -> global mean -> Linear (4->2)."""
    import torch

    class TinyConvNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
            self.bn = torch.nn.BatchNorm2d(4)
            self.fc = torch.nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(torch.relu(self.bn(self.conv(x))).mean((2, 3)))

    torch.manual_seed(0)
    return TinyConvNet().eval()


def _float_state_elements(module):
    """Floating parameters and buffers (BN's int64 num_batches_tracked is no weight)."""
    return sum(t.numel() for t in module.state_dict().values() if t.is_floating_point())


def make_torchscript(path, freeze=True):
    """torch.jit.save of the traced (and, by default, frozen) tiny conv net, 1x3x16x16."""
    import torch

    net = tiny_conv_net()
    with torch.no_grad():
        module = torch.jit.trace(net, torch.zeros(1, 3, 16, 16))
        if freeze:
            module = torch.jit.freeze(module)  # weights become graph constants, BN folds into conv
    torch.jit.save(module, str(path))
    folded = net.conv.weight.numel() + net.conv.out_channels + sum(
        p.numel() for p in net.fc.parameters())
    return Built(path, input="x", params=folded if freeze else _float_state_elements(net))


def make_pt2(path):
    """torch.export.save of the tiny conv net with a dynamic batch dim (example batch 2)."""
    import torch

    net = tiny_conv_net()
    batch = torch.export.Dim("batch", min=1, max=64)
    program = torch.export.export(net, (torch.zeros(2, 3, 16, 16),),
                                  dynamic_shapes=({0: batch},))
    torch.export.save(program, str(path))
    return Built(path, input="x", params=_float_state_elements(net))


def make_state_dict(path):
    import torch

    torch.save(tiny_conv_net().state_dict(), str(path))
    return Built(path)


def make_pickled_module(path):
    """torch.save(model) of a whole nn.Module (a Sequential: picklable by reference)."""
    import torch

    torch.save(torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU()), str(path))
    return Built(path)


# --- TFLite ----------------------------------------------------------------------------


def _convert_tflite(module, example, path):
    from bench.formats.tflite import quiet_converter

    with quiet_converter():
        import litert_torch

        litert_torch.convert(module.eval(), (example,)).export(str(path))


def make_tflite_nhwc(path):
    """An NHWC model: [1,16,16,3] -> permute -> Conv 3x3 (4, pad 1) -> ReLU -> mean ->
    Linear (4->5) -> [1,5]."""
    import torch

    class Nhwc(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
            self.fc = torch.nn.Linear(4, 5)

        def forward(self, x):
            y = torch.relu(self.conv(x.permute(0, 3, 1, 2)))
            return self.fc(y.mean((2, 3)))

    torch.manual_seed(1)
    module = Nhwc()
    _convert_tflite(module, torch.zeros(1, 16, 16, 3), path)
    return Built(path, params=sum(p.numel() for p in module.parameters()))


def make_tflite_multi_output(path):
    """Three outputs from one NCHW input [1,3,8,8]: a feature map, logits, a box vector."""
    import torch

    class Heads(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 6, 3, padding=1)
            self.cls = torch.nn.Linear(6, 4)
            self.box = torch.nn.Linear(6, 2)

        def forward(self, x):
            f = torch.relu(self.conv(x))
            p = f.mean((2, 3))
            return f, self.cls(p), self.box(p)

    torch.manual_seed(2)
    module = Heads()
    _convert_tflite(module, torch.zeros(1, 3, 8, 8), path)
    return Built(path, params=sum(p.numel() for p in module.parameters()),
                 output_shapes=[[1, 6, 8, 8], [1, 4], [1, 2]])


def make_tflite_fp16(path, source):
    """float16 weights derived from an fp32 file with bench's own recipe (DEQUANTIZE ops)."""
    from bench.formats.tflite import TFLiteFormat

    TFLiteFormat().export_from(str(source.path), str(path), "fp16", {})
    return Built(path, params=source.params)


def make_tflite_sparse_dynamic(path):
    """Written with the flatbuffer schema: input [-1, 8] (dynamic batch) -> FULLY_CONNECTED
    whose [4, 8] weights are stored sparse (CSR, 12 non-zeros) and expanded by DENSIFY.
    litert-torch writes neither a dynamic dim nor sparse tensors."""
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    rng = _rng(5)
    dense = np.zeros((4, 8), np.float32)
    mask = np.zeros(32, bool)
    mask[rng.choice(32, 12, replace=False)] = True
    dense.flat[mask] = rng.standard_normal(12).astype(np.float32)
    rows = [np.nonzero(dense[r])[0] for r in range(4)]
    segments = np.cumsum([0] + [len(r) for r in rows]).astype(np.int32)
    indices = np.concatenate(rows).astype(np.int32)
    values = dense[dense != 0].astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)

    def buf(array=None):
        b = schema.BufferT()
        if array is not None:
            b.data = np.frombuffer(array.tobytes(), dtype=np.uint8)
        return b

    def tensor(name, shape, buffer, signature=None):
        t = schema.TensorT()
        t.name, t.shape, t.type, t.buffer = name, shape, schema.TensorType.FLOAT32, buffer
        t.shapeSignature = signature
        return t

    def int32_vector(values):
        vec = schema.Int32VectorT()
        vec.values = [int(v) for v in values]
        return vec

    sparse_w = tensor("fc/weights_sparse", [4, 8], 3)
    sp = schema.SparsityParametersT()
    sp.traversalOrder, sp.blockMap = [0, 1], []
    d0, d1 = schema.DimensionMetadataT(), schema.DimensionMetadataT()
    d0.format, d0.denseSize = schema.DimensionType.DENSE, 4
    d1.format = schema.DimensionType.SPARSE_CSR
    d1.arraySegmentsType = d1.arrayIndicesType = schema.SparseIndexVector.Int32Vector
    d1.arraySegments, d1.arrayIndices = int32_vector(segments), int32_vector(indices)
    sp.dimMetadata = [d0, d1]
    sparse_w.sparsity = sp

    model = schema.ModelT()
    model.version, model.description = 3, "bench test model: sparse weights, dynamic batch"
    model.buffers = [buf(), buf(), buf(), buf(values), buf(bias), buf()]
    graph = schema.SubGraphT()
    graph.name = "main"
    graph.tensors = [tensor("features", [1, 8], 1, [-1, 8]), tensor("scores", [1, 4], 2, [-1, 4]),
                     sparse_w, tensor("fc/bias", [4], 4), tensor("fc/weights", [4, 8], 5)]
    graph.inputs, graph.outputs = [0], [1]
    codes = []
    for builtin in (schema.BuiltinOperator.DENSIFY, schema.BuiltinOperator.FULLY_CONNECTED):
        code = schema.OperatorCodeT()
        code.builtinCode, code.deprecatedBuiltinCode, code.version = builtin, builtin, 1
        codes.append(code)
    densify = schema.OperatorT()
    densify.opcodeIndex, densify.inputs, densify.outputs = 0, [2], [4]
    densify.builtinOptionsType = schema.BuiltinOptions.DensifyOptions
    densify.builtinOptions = schema.DensifyOptionsT()
    fc = schema.OperatorT()
    fc.opcodeIndex, fc.inputs, fc.outputs = 1, [0, 4, 3], [1]
    fc.builtinOptionsType = schema.BuiltinOptions.FullyConnectedOptions
    fc.builtinOptions = schema.FullyConnectedOptionsT()
    graph.operators = [densify, fc]
    model.operatorCodes, model.subgraphs = codes, [graph]
    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    with open(str(path), "wb") as fh:
        fh.write(builder.Output())
    return Built(path, input="features", output="scores", params=dense.size + bias.size,
                 dense=dense, bias=bias)


# --- not models --------------------------------------------------------------------------


def make_text_file(path):
    with open(str(path), "w") as fh:
        fh.write("name: resnet18\nresolution: 224\n")
    return Built(path)


def make_empty_file(path):
    open(str(path), "wb").close()
    return Built(path)


# --- session fixtures ----------------------------------------------------------------------


def _dir(factory):
    return factory.mktemp("model_files")


@pytest.fixture(scope="session")
def onnx_zoo_opset7(tmp_path_factory):
    return make_onnx_zoo_opset7(_dir(tmp_path_factory) / "squeezenet_like.onnx")


@pytest.fixture(scope="session")
def onnx_constant_weights(tmp_path_factory):
    return make_onnx_constant_weights(_dir(tmp_path_factory) / "constant_weights.onnx")


@pytest.fixture(scope="session")
def onnx_two_inputs(tmp_path_factory):
    return make_onnx_two_inputs(_dir(tmp_path_factory) / "two_inputs.onnx")


@pytest.fixture(scope="session")
def onnx_truncated(tmp_path_factory, onnx_zoo_opset7):
    return make_truncated_onnx(_dir(tmp_path_factory) / "truncated.onnx", onnx_zoo_opset7)


@pytest.fixture(scope="session")
def torchscript_frozen(tmp_path_factory):
    return make_torchscript(_dir(tmp_path_factory) / "frozen.pt", freeze=True)


@pytest.fixture(scope="session")
def torchscript_traced(tmp_path_factory):
    return make_torchscript(_dir(tmp_path_factory) / "traced.pt", freeze=False)


@pytest.fixture(scope="session")
def pt2_file(tmp_path_factory):
    return make_pt2(_dir(tmp_path_factory) / "program.pt2")


@pytest.fixture(scope="session")
def state_dict_file(tmp_path_factory):
    return make_state_dict(_dir(tmp_path_factory) / "weights.pt")


@pytest.fixture(scope="session")
def pickled_module_file(tmp_path_factory):
    return make_pickled_module(_dir(tmp_path_factory) / "whole_model.pth")


@pytest.fixture(scope="session")
def tflite_nhwc(tmp_path_factory):
    return make_tflite_nhwc(_dir(tmp_path_factory) / "nhwc.tflite")


@pytest.fixture(scope="session")
def tflite_multi_output(tmp_path_factory):
    return make_tflite_multi_output(_dir(tmp_path_factory) / "heads.tflite")


@pytest.fixture(scope="session")
def tflite_fp16(tmp_path_factory, tflite_nhwc):
    return make_tflite_fp16(_dir(tmp_path_factory) / "nhwc_fp16.tflite", tflite_nhwc)


@pytest.fixture(scope="session")
def tflite_sparse_dynamic(tmp_path_factory):
    return make_tflite_sparse_dynamic(_dir(tmp_path_factory) / "sparse.tflite")


@pytest.fixture(scope="session")
def text_file(tmp_path_factory):
    return make_text_file(_dir(tmp_path_factory) / "model.onnx.txt")


@pytest.fixture(scope="session")
def empty_file(tmp_path_factory):
    return make_empty_file(_dir(tmp_path_factory) / "empty.onnx")


__all__ = [name for name in dir() if name.startswith(("make_", "onnx_", "tflite_", "torchscript_"))
           ] + ["Built", "tiny_conv_net", "pt2_file", "state_dict_file", "pickled_module_file",
                "text_file", "empty_file"]
