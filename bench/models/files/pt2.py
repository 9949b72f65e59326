"""torch.export programs (torch.export.save, ``.pt2``): signature, weights, work.

Inputs and outputs come from the graph signature and the fake tensors the exporter
recorded on the graph (a symbolic dim, e.g. a ``Dim("batch")``, is None with its
symbol as the dim name). Weights are the state dict plus lifted constants. MACs: one
run of ``program.module()`` at the shapes asked for.
"""

from bench.models.files.base import (FileInfo, TensorInfo, first_line, guess_layout,
                                     missing_note, refuse, resolve_shapes)
from bench.models.files.detect import register_reader


def _tensor_info(name, value):
    """TensorInfo of a fake tensor recorded in a node's ``meta["val"]`` (None if not one)."""
    from bench.models.files.torch_common import dtype_name

    if value is None or not hasattr(value, "shape") or not hasattr(value, "dtype"):
        return None
    shape, names = [], []
    for d in value.shape:
        if isinstance(d, int):
            shape.append(d)
            names.append(None)
        else:
            shape.append(None)
            names.append(str(d))
    dtype = dtype_name(value.dtype)
    return TensorInfo(name, dtype, shape, names, guess_layout(shape, dtype))


def program_io(program):
    """(inputs, outputs, notes) of an ExportedProgram's user inputs and outputs."""
    from torch.export.graph_signature import InputKind, OutputKind

    nodes = {n.name: n for n in program.graph.nodes}
    inputs, outputs, notes = [], [], []
    for spec in program.graph_signature.input_specs:
        if spec.kind != InputKind.USER_INPUT:
            continue
        info = _tensor_info(spec.arg.name, nodes[spec.arg.name].meta.get("val")) \
            if getattr(spec.arg, "name", None) in nodes else None
        if info is None:
            notes.append("input {} is not a tensor: left out".format(
                getattr(spec.arg, "name", spec.arg)))
        else:
            inputs.append(info)
    output_node = next(n for n in program.graph.nodes if n.op == "output")
    values = output_node.args[0]
    for spec, value in zip(program.graph_signature.output_specs, values):
        if spec.kind != OutputKind.USER_OUTPUT:
            continue
        name = getattr(spec.arg, "name", None) or "output{}".format(len(outputs))
        info = _tensor_info(name, getattr(value, "meta", {}).get("val"))
        if info is not None:
            outputs.append(info)
    return inputs, outputs, notes


def _claims(names):
    return any(n.endswith("serialized_exported_program.json") or
               ("/models/" in n and n.endswith(".json")) or "/aotinductor/" in n for n in names)


@register_reader
class Pt2Reader(object):
    name = "pt2"

    def claims(self, probe):
        return probe.is_zip and _claims(probe.zip_names())

    def check(self, probe):
        import torch

        from bench.capture import Capture

        names = probe.zip_names()
        if not any(n.endswith("serialized_exported_program.json") or
                   ("/models/" in n and n.endswith(".json")) for n in names):
            raise refuse(probe.path, "it is an AOTInductor package (compiled code), not a "
                         "torch.export program", "save the ExportedProgram with "
                         "torch.export.save and give that file")
        try:
            with Capture():
                probe.loaded = torch.export.load(probe.path)
        except Exception as exc:  # noqa: BLE001 - torch raises many types for bad archives
            raise refuse(probe.path, "it is a .pt2 archive torch {} cannot load ({})".format(
                torch.__version__, first_line(exc))) from None

    def inspect(self, probe, shapes=None):
        import torch

        from bench.models.files import torch_common

        program = probe.loaded
        inputs, outputs, notes = program_io(program)
        tensors = list(program.state_dict.values()) + [
            t for t in program.constants.values() if isinstance(t, torch.Tensor)]
        params = torch_common.tensor_elements(tensors)
        concrete, missing = resolve_shapes(probe.path, inputs, shapes)
        macs, tool = None, ""
        if missing:
            notes.append(missing_note(missing, inputs))
        else:
            dtypes = {t.name: getattr(torch, t.dtype) for t in inputs}
            macs, more = torch_common.count_macs(
                program.module(), [(t.name, concrete[t.name]) for t in inputs], dtypes)
            notes.extend(more)
            tool = torch_common.MACS_TOOL if macs is not None else ""
        return FileInfo("pt2", inputs, outputs, params, macs, tool, notes)
