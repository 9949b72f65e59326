"""Multiply-adds of an ONNX graph at given input shapes, by ONNX shape inference.

Counted: Conv, ConvTranspose, Gemm, MatMul and their integer/quantized forms (the
work that dominates a network); bias, normalization, activations and pooling are
not. Grouped convolutions count per group (the weight's dim 1 is channels per group).
Large weights are handed to shape inference as typed inputs instead of data, so a
big model is not copied (nor serialized past protobuf's 2 GB limit) to count it.
"""

from bench.models.files.base import first_line, product

MACS_TOOL = "onnx shape inference: Conv, ConvTranspose, Gemm, MatMul"
MACS_NOTE = ("MACs count Conv, ConvTranspose, Gemm and MatMul only (not bias, normalization, "
             "activations or pooling)")
CONTROL_FLOW = ("If", "Loop", "Scan")
KEEP_DATA_ELEMENTS = 64  # small initializers may be shapes that inference must read


def _macs(node, shape):
    """MACs of one node, 0 when it is not counted, None when a shape is unknown."""
    op, ins, outs = node.op_type, list(node.input), list(node.output)

    def get(names, i):
        return shape(names[i]) if i < len(names) and names[i] else None

    if op in ("Conv", "ConvInteger", "QLinearConv"):
        y, w = get(outs, 0), get(ins, 3 if op == "QLinearConv" else 1)
        return None if y is None or w is None else product(y) * product(w[1:])
    if op == "ConvTranspose":  # every input element scatters into (M/group) x kernel outputs
        x, w = get(ins, 0), get(ins, 1)
        return None if x is None or w is None else product(x) * product(w[1:])
    if op == "Gemm":
        y, a = get(outs, 0), get(ins, 0)
        if y is None or a is None:
            return None
        trans_a = any(at.name == "transA" and at.i for at in node.attribute)
        return product(y) * a[0 if trans_a else -1]
    if op in ("MatMul", "MatMulInteger", "QLinearMatMul"):
        y, a = get(outs, 0), get(ins, 0)
        return None if y is None or a is None else product(y) * a[-1]
    return 0


def _light_model(model, concrete):
    """A copy of ``model`` for shape inference: inputs fixed to ``concrete``, output and
    intermediate shapes cleared, large initializers turned into typed inputs."""
    import onnx
    from onnx import helper

    graph = model.graph
    light = onnx.GraphProto()
    light.name = graph.name
    light.node.extend(graph.node)
    listed = {v.name for v in graph.input}
    for value in graph.input:
        copy = light.input.add()
        copy.CopyFrom(value)
        if value.name in concrete:
            dims = copy.type.tensor_type.shape.dim
            del dims[:]
            for d in concrete[value.name]:
                dims.add().dim_value = int(d)
    for init in graph.initializer:
        if product(init.dims) <= KEEP_DATA_ELEMENTS and init.data_location != 1:
            light.initializer.append(init)
        elif init.name not in listed:
            light.input.append(helper.make_tensor_value_info(init.name, init.data_type,
                                                             list(init.dims)))
    light.sparse_initializer.extend(graph.sparse_initializer)
    for value in graph.output:
        light.output.append(helper.make_tensor_value_info(
            value.name, value.type.tensor_type.elem_type or onnx.TensorProto.FLOAT, None))
    out = onnx.ModelProto()
    out.ir_version = model.ir_version
    out.opset_import.extend(model.opset_import)
    out.graph.CopyFrom(light)
    return out


def _known_shapes(model):
    """{value name: [int, ...]} for every value whose dims inference fixed."""
    shapes = {}
    graph = model.graph
    for value in list(graph.input) + list(graph.value_info) + list(graph.output):
        ttype = value.type.tensor_type
        if ttype.HasField("shape") and all(d.HasField("dim_value") for d in ttype.shape.dim):
            shapes[value.name] = [int(d.dim_value) for d in ttype.shape.dim]
    for init in graph.initializer:
        shapes[init.name] = list(init.dims)
    for node in graph.node:
        if node.op_type == "Constant":
            for attr in node.attribute:
                if attr.name == "value":
                    shapes[node.output[0]] = list(attr.t.dims)
    return shapes


def count_macs(model, concrete):
    """(MACs or None, [notes]) of ``model``'s top-level graph at input shapes ``concrete``."""
    import onnx

    light = _light_model(model, concrete)
    try:
        try:
            inferred = onnx.shape_inference.infer_shapes(light, strict_mode=True, data_prop=True)
        except Exception:  # noqa: BLE001 - strict mode trips on ops it does not know
            inferred = onnx.shape_inference.infer_shapes(light, strict_mode=False)
    except Exception as exc:  # noqa: BLE001 - inference raises several types
        return None, ["MACs not counted: ONNX shape inference failed at these shapes ({})".format(
            first_line(exc))]
    shapes = _known_shapes(inferred)
    total, unknown = 0, []
    for node in model.graph.node:
        macs = _macs(node, shapes.get)
        if macs is None:
            unknown.append("{} ({})".format(node.name or node.output[0], node.op_type))
        else:
            total += macs
    if unknown:
        return None, ["MACs not counted: shape inference left the shapes of {} node{} unknown "
                      "(first: {})".format(len(unknown), "s" if len(unknown) > 1 else "",
                                           unknown[0])]
    notes = [MACS_NOTE]
    flow = sorted({n.op_type for n in model.graph.node if n.op_type in CONTROL_FLOW})
    if flow:
        notes.append("MACs leave out the bodies of {} nodes".format("/".join(flow)))
    return total, notes
