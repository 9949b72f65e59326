"""TFLite flatbuffers: tensors and work from the LiteRT interpreter, weights from the schema.

The interpreter (without default delegates, so ops keep their names) gives the
inputs and outputs (``shape_signature``: -1 is dynamic) and each op's tensor shapes
after ``resize_tensor_input`` + ``allocate_tensors`` at the shapes asked for. Weights
are the tensors whose buffers hold data, read from the flatbuffer itself: each
buffer counted once (float16 weights feeding DEQUANTIZE ops are the only copy;
sparse tensors count their dense size).
"""

from bench.models.files.base import (FileInfo, TensorInfo, first_line, guess_layout,
                                     missing_note, product, refuse, resolve_shapes,
                                     weight_elements)
from bench.models.files.detect import register_reader

IDENTIFIER = b"TFL3"
MACS_TOOL = "tflite ops: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV, BATCH_MATMUL"
MACS_NOTE = ("MACs count CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, TRANSPOSE_CONV and "
             "BATCH_MATMUL only (not bias, normalization, activations or pooling)")
CONTROL_FLOW = ("WHILE", "IF")


def _interpreter(path):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    from bench.capture import Capture

    with Capture():
        return Interpreter(model_path=path, experimental_op_resolver_type=(
            OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES))


def _tensor_info(detail):
    import numpy as np

    dtype = np.dtype(detail["dtype"]).name
    signature = detail.get("shape_signature")
    if signature is None or len(signature) == 0:
        signature = detail["shape"]
    shape = [None if int(d) < 0 else int(d) for d in signature]
    return TensorInfo(detail["name"], dtype, shape, None, guess_layout(shape, dtype))


def _dtype_names():
    from ai_edge_litert import schema_py_generated as schema

    names = {v: k.lower() for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
    names[schema.TensorType.STRING] = "str"
    return names


def count_params(path):
    """(weight elements, sparse tensor count, stored sparse values) from the flatbuffer."""
    from ai_edge_litert import schema_py_generated as schema

    with open(path, "rb") as fh:
        data = fh.read()
    model = schema.Model.GetRootAs(data, 0)
    dtypes = _dtype_names()
    seen, total, sparse, stored = set(), 0, 0, 0
    for s in range(model.SubgraphsLength()):
        graph = model.Subgraphs(s)
        for t in range(graph.TensorsLength()):
            tensor = graph.Tensors(t)
            index = tensor.Buffer()
            if index <= 0 or index in seen or index >= model.BuffersLength():
                continue
            buffer = model.Buffers(index)
            if buffer.DataLength() == 0 and buffer.Size() == 0:
                continue  # an activation: no data in the file
            seen.add(index)
            quant = tensor.Quantization()
            quantized = quant is not None and quant.ScaleLength() > 0
            shape = [int(d) for d in tensor.ShapeAsNumpy()] if tensor.ShapeLength() else []
            n = weight_elements(dtypes.get(tensor.Type(), "unknown"), shape, quantized)
            total += n
            if n and tensor.Sparsity() is not None:
                sparse += 1
                stored += buffer.DataLength() // max(1, _itemsize(dtypes.get(tensor.Type())))
    return total, sparse, stored


def _itemsize(dtype):
    return {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8, "int16": 2}.get(dtype, 1)


def _macs(op, shape):
    """MACs of one op from its tensors' shapes (0 for ops not counted)."""
    name, ins, outs = op["op_name"], list(op["inputs"]), list(op["outputs"])
    if name == "CONV_2D":  # filter [OC, KH, KW, IC / groups]
        return product(shape(outs[0])) * product(shape(ins[1])[1:])
    if name == "DEPTHWISE_CONV_2D":  # filter [1, KH, KW, OC]
        return product(shape(outs[0])) * product(shape(ins[1])[1:3])
    if name == "FULLY_CONNECTED":  # weights [units, K]
        return product(shape(outs[0])) * shape(ins[1])[-1]
    if name == "TRANSPOSE_CONV":  # (output_shape, weights [OC, KH, KW, IC], input, bias)
        return product(shape(ins[2])) * product(shape(ins[1])[:3])
    if name == "BATCH_MATMUL":  # A [..., M, K] (or [..., K, M] with adj_x), out [..., M, N]
        a, y = shape(ins[0]), shape(outs[0])
        return product(y) * (a[-1] if a[-2] == y[-2] else a[-2])
    return 0


def count_macs(interpreter, concrete):
    """(MACs or None, notes) with the inputs resized to ``concrete`` {name: shape}."""
    from bench.capture import Capture

    try:
        with Capture():
            for detail in interpreter.get_input_details():
                want = concrete[detail["name"]]
                if list(detail["shape"]) != list(want):
                    interpreter.resize_tensor_input(detail["index"], want)
            interpreter.allocate_tensors()
        shapes = {t["index"]: [int(d) for d in t["shape"]]
                  for t in interpreter.get_tensor_details()}
        ops = interpreter._get_ops_details()
        total = sum(_macs(op, shapes.__getitem__) for op in ops)
    except (ValueError, RuntimeError, KeyError, IndexError) as exc:
        return None, ["MACs not counted: the interpreter could not size the model at these "
                      "shapes ({})".format(first_line(exc))]
    notes = [MACS_NOTE]
    flow = sorted({op["op_name"] for op in ops if op["op_name"] in CONTROL_FLOW})
    if flow:
        notes.append("MACs leave out the bodies of {} ops".format("/".join(flow)))
    return total, notes


@register_reader
class TFLiteReader(object):
    name = "tflite"

    def claims(self, probe):
        return probe.head[4:8] == IDENTIFIER or (probe.suffix == ".tflite" and not (
            probe.is_zip or probe.is_pickle))

    def check(self, probe):
        if probe.head[4:8] != IDENTIFIER:
            raise refuse(probe.path, "it is named {} but is not a TFLite flatbuffer (no TFL3 "
                         "identifier at byte 4)".format(probe.suffix))
        try:
            probe.loaded = _interpreter(probe.path)
        except (ValueError, RuntimeError) as exc:
            raise refuse(probe.path, "it is a truncated or corrupt TFLite file ({})".format(
                first_line(exc))) from None

    def inspect(self, probe, shapes=None):
        interpreter = probe.loaded
        inputs = [_tensor_info(d) for d in interpreter.get_input_details()]
        outputs = [_tensor_info(d) for d in interpreter.get_output_details()]
        params, sparse, stored = count_params(probe.path)
        notes = []
        if sparse:
            notes.append("{} sparse weight tensor{}: params count the dense size ({} values "
                         "stored)".format(sparse, "s" if sparse > 1 else "", stored))
        concrete, missing = resolve_shapes(probe.path, inputs, shapes)
        macs, tool = None, ""
        if missing:
            notes.append(missing_note(missing, inputs))
        else:
            macs, more = count_macs(interpreter, concrete)
            notes.extend(more)
            tool = MACS_TOOL if macs is not None else ""
        return FileInfo("tflite", inputs, outputs, params, macs, tool, notes)
