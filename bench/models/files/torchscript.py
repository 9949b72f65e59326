"""TorchScript archives (torch.jit.save): weights and work; inputs only by name.

A TorchScript file records no input shapes or dtypes; the argument names of
``forward`` (its schema) are all there is. Weights are the module's parameters and
buffers, plus the tensor constants of the inlined graph (where torch.jit.freeze put
them). MACs need the shapes (inputs are float32 zeros).
"""

from bench.models.files.base import FileInfo, TensorInfo, first_line, refuse, resolve_shapes
from bench.models.files.detect import register_reader

NO_SHAPES = ("TorchScript files do not record their inputs' shapes or dtypes: give --shape "
             "(MACs are counted on float32 zeros)")


def forward_inputs(module):
    """TensorInfos (name only) of ``forward``'s tensor arguments, [] when unreadable."""
    try:
        arguments = module.forward.schema.arguments[1:]  # [0] is self
    except (AttributeError, RuntimeError):
        return []
    return [TensorInfo(a.name, None, None) for a in arguments if "Tensor" in str(a.type)]


def graph_constants(module):
    """Tensor constants of the inlined forward graph (a frozen module's weights)."""
    try:
        graph = module.inlined_graph
    except (AttributeError, RuntimeError):
        return []
    found = []

    def visit(block):
        for node in block.nodes():
            if node.kind() == "prim::Constant" and node.output().type().kind() == "TensorType":
                try:
                    found.append(node.t("value"))
                except RuntimeError:
                    pass
            for sub in node.blocks():
                visit(sub)

    visit(graph)
    return found


def _is_torchscript(names):
    return any(n.endswith("constants.pkl") or "/code/" in n for n in names)


@register_reader
class TorchScriptReader(object):
    name = "torchscript"

    def claims(self, probe):
        return probe.is_zip and _is_torchscript(probe.zip_names())

    def check(self, probe):
        import torch

        from bench.capture import Capture

        try:
            with Capture():
                probe.loaded = torch.jit.load(probe.path, map_location="cpu")
        except Exception as exc:  # noqa: BLE001 - torch raises many types for bad archives
            raise refuse(probe.path, "it is a TorchScript archive torch {} cannot load "
                         "({})".format(torch.__version__, first_line(exc))) from None

    def inspect(self, probe, shapes=None):
        from bench.models.files import torch_common

        module = probe.loaded.eval()
        inputs = forward_inputs(module)
        tensors = list(module.parameters()) + list(module.buffers()) + graph_constants(module)
        params = torch_common.tensor_elements(tensors)
        notes = [NO_SHAPES]
        concrete, missing = resolve_shapes(probe.path, inputs, shapes)
        macs, tool = None, ""
        if missing or not concrete:
            notes.append("MACs not counted: give the input shapes")
        else:
            order = [t.name for t in inputs] or list(concrete)
            macs, more = torch_common.count_macs(module, [(n, concrete[n]) for n in order])
            notes.extend(more)
            tool = torch_common.MACS_TOOL if macs is not None else ""
        return FileInfo("torchscript", inputs, [], params, macs, tool, notes)
