"""ONNX files: inputs, outputs and weights read from the graph with the ``onnx`` package.

Weights are read as stored (``load_external_data=False``: external-data files are
not opened; element counts come from the dims). Old exporters (IR < 4) list every
initializer among the graph inputs too: those are not inputs a user feeds. A
parameter is a constant some node uses as a weight: an initializer, or a ``Constant``
node's tensor (graphs that compute their weights at load time), followed through
Cast/Reshape/Transpose/DequantizeLinear-style chains to the node that uses it.
"""

from bench.models.files.base import (FileInfo, TensorInfo, first_line, guess_layout,
                                     missing_note, refuse, resolve_shapes, weight_elements)
from bench.models.files.detect import looks_like_text, register_reader

# Ops through which a constant stays a constant (its input 0 is the weight passed on).
CHAIN_OPS = frozenset(("Cast", "CastLike", "Reshape", "Transpose", "DequantizeLinear",
                       "Identity", "Squeeze", "Unsqueeze", "Flatten"))
# Input slots that hold no weights (shapes, scales, zero points, bounds), by op.
NON_WEIGHT_SLOTS = {
    "Reshape": (1,), "Expand": (1,), "Tile": (1,), "Slice": (1, 2, 3, 4), "Squeeze": (1,),
    "Unsqueeze": (1,), "Pad": (1, 2, 3), "Resize": (1, 2, 3), "Upsample": (1,), "Clip": (1, 2),
    "Gather": (1,), "TopK": (1,), "Split": (1,), "ConstantOfShape": (0,),
    "QuantizeLinear": (1, 2), "DequantizeLinear": (1, 2),
    "QLinearConv": (1, 2, 4, 5, 6, 7), "QLinearMatMul": (1, 2, 4, 5, 6, 7),
    "ConvInteger": (2, 3), "MatMulInteger": (2, 3),
}
QUANT_BIAS_SLOTS = {"QLinearConv": (8,)}  # int32 biases of quantized convolutions


def dtype_name(elem_type):
    """numpy dtype name of an ONNX ``TensorProto.DataType`` ("float32", "int64", ...)."""
    import onnx

    if elem_type == onnx.TensorProto.STRING:
        return "str"
    try:
        return onnx.helper.tensor_dtype_to_np_dtype(elem_type).name
    except (KeyError, ValueError, TypeError):
        return onnx.TensorProto.DataType.Name(elem_type).lower()


def tensor_info(value_info):
    """TensorInfo of a graph input/output ``ValueInfoProto``."""
    ttype = value_info.type.tensor_type
    dtype = dtype_name(ttype.elem_type) if ttype.elem_type else None
    if not ttype.HasField("shape"):
        return TensorInfo(value_info.name, dtype, None, None, None)
    shape, names = [], []
    for dim in ttype.shape.dim:
        if dim.HasField("dim_value") and dim.dim_value >= 0:
            shape.append(int(dim.dim_value))
            names.append(None)
        else:
            shape.append(None)
            names.append(dim.dim_param or None)
    return TensorInfo(value_info.name, dtype, shape, names, guess_layout(shape, dtype))


def graph_io(graph):
    """(inputs, outputs) TensorInfos; initializers listed as inputs are left out."""
    stored = {t.name for t in graph.initializer} | {t.values.name for t in graph.sparse_initializer}
    inputs = [tensor_info(v) for v in graph.input if v.name not in stored]
    return inputs, [tensor_info(v) for v in graph.output]


def _constant_node_tensor(node):
    """(dtype name, dims) of a ``Constant`` node's value."""
    import onnx

    for attr in node.attribute:
        if attr.name == "value":
            return dtype_name(attr.t.data_type), list(attr.t.dims)
        if attr.name == "sparse_value":
            return dtype_name(attr.sparse_tensor.values.data_type), list(attr.sparse_tensor.dims)
        if attr.name == "value_floats":
            return "float32", [len(attr.floats)]
        if attr.name == "value_ints":
            return "int64", [len(attr.ints)]
        if attr.name in ("value_float", "value_int"):
            return ("float32" if attr.type == onnx.AttributeProto.FLOAT else "int64"), []
    return "str", []  # value_string(s)


class _Weights(object):
    """Walks a graph (and its subgraphs): constant sources and which ones nodes use."""

    def __init__(self):
        self.sources = {}   # source name -> (dtype, dims)
        self.origin = {}    # constant value name -> source name it carries (input 0 chain)
        self.used = {}      # source name -> True when used in a weight slot, False otherwise

    def walk(self, graph):
        import onnx

        for init in graph.initializer:
            self._source(init.name, dtype_name(init.data_type), list(init.dims))
        for sparse in graph.sparse_initializer:
            self._source(sparse.values.name, dtype_name(sparse.values.data_type),
                         list(sparse.dims))
        for node in graph.node:
            if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
                dtype, dims = _constant_node_tensor(node)
                self._source(node.output[0], dtype, dims)
                continue
            inputs = list(node.input)
            if node.op_type in CHAIN_OPS and inputs and all(
                    not n or n in self.origin for n in inputs):
                for out in node.output:
                    self.origin[out] = self.origin[inputs[0]]
                for name in inputs[1:]:
                    self._use(name, weight=False)
                continue
            skip = NON_WEIGHT_SLOTS.get(node.op_type, ())
            for i, name in enumerate(inputs):
                self._use(name, weight=i not in skip,
                          quantized=i in QUANT_BIAS_SLOTS.get(node.op_type, ()))
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.GRAPH:
                    self._subgraph(attr.g)
                elif attr.type == onnx.AttributeProto.GRAPHS:
                    for g in attr.graphs:
                        self._subgraph(g)

    def _subgraph(self, graph):
        self.walk(graph)  # outer-scope names it reads resolve through the shared maps

    def _source(self, name, dtype, dims):
        self.sources[name] = (dtype, dims, False)
        self.origin[name] = name

    def _use(self, name, weight, quantized=False):
        source = self.origin.get(name)
        if source is None:
            return
        if quantized:
            dtype, dims, _ = self.sources[source]
            self.sources[source] = (dtype, dims, True)
        self.used[source] = self.used.get(source, False) or weight

    def count(self):
        total = 0
        for name, weight in self.used.items():
            if weight:
                dtype, dims, quantized = self.sources[name]
                total += weight_elements(dtype, dims, quantized)
        return total


def count_params(graph):
    """Weight elements that nodes use (unused initializers and Constants are not weights)."""
    weights = _Weights()
    weights.walk(graph)
    return weights.count()


@register_reader
class OnnxReader(object):
    name = "onnx"

    def claims(self, probe):
        # A ModelProto starts with ir_version (field 1, varint: tag byte 0x08). A zip or a
        # pickle named .onnx is left to the explanation of what it is.
        return (probe.suffix == ".onnx" or probe.head[:1] == b"\x08") and not (
            probe.is_zip or probe.is_pickle)

    def check(self, probe):
        import onnx

        if probe.head[:1] != b"\x08" and looks_like_text(probe.head):
            raise refuse(probe.path, "it is named {} but holds text, not an ONNX model".format(
                probe.suffix))
        try:
            model = onnx.load(probe.path, load_external_data=False)
        except Exception as exc:  # noqa: BLE001 - protobuf raises several types
            raise refuse(probe.path, "it is not a readable ONNX model: truncated or corrupt "
                         "({})".format(first_line(exc))) from None
        if model.ir_version <= 0 or not model.opset_import or not model.graph.output:
            what = "no ir_version" if model.ir_version <= 0 else \
                "no opset_import" if not model.opset_import else "no graph outputs"
            raise refuse(probe.path, "it is not a complete ONNX model ({}: truncated, "
                         "corrupt or another kind of file)".format(what))
        probe.loaded = model

    def inspect(self, probe, shapes=None):
        from bench.models.files.onnx_macs import MACS_TOOL, count_macs

        model = probe.loaded
        inputs, outputs = graph_io(model.graph)
        notes = []
        if model.functions:  # the dynamo exporter's local functions hold nodes too
            import onnx.inliner

            model = onnx.inliner.inline_local_functions(model)
        graph = model.graph
        params = count_params(graph)
        concrete, missing = resolve_shapes(probe.path, inputs, shapes)
        macs, tool = None, ""
        if missing:
            notes.append(missing_note(missing, inputs))
        else:
            macs, more = count_macs(model, concrete)
            notes.extend(more)
            tool = MACS_TOOL if macs is not None else ""
        if any(init.data_location == 1 for init in graph.initializer):
            notes.append("weights are stored in external data files (not read)")
        return FileInfo("onnx", inputs, outputs, params, macs, tool, notes)
