"""What the TorchScript and torch.export readers share: dtype names, weight counts and
MACs by running the module once under ``torch.utils.flop_counter.FlopCounterMode``."""

from bench.models.files.base import first_line, weight_elements

MACS_TOOL = "torch.utils.flop_counter (FLOPs / 2)"
MACS_NOTE = ("MACs count convolutions, matrix multiplies and attention only "
             "(torch.utils.flop_counter, one run on zeros)")


def dtype_name(dtype):
    """numpy-style name of a torch dtype: torch.float32 -> "float32"."""
    return str(dtype).replace("torch.", "")


def tensor_elements(tensors):
    """Weight elements of distinct tensors (floating or quantized, rank >= 1)."""
    seen, total = set(), 0
    for t in tensors:
        key = id(t)
        if key in seen:
            continue
        seen.add(key)
        total += weight_elements(dtype_name(t.dtype), list(t.shape), t.is_quantized)
    return total


def count_macs(fn, inputs, dtypes=None):
    """(MACs or None, notes) of one ``fn(*zeros)`` call; ``inputs`` are [(name, shape)] in
    call order, ``dtypes`` {name: torch dtype} (float32 where not given)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from bench.capture import Capture

    dtypes = dtypes or {}
    args = [torch.zeros(shape, dtype=dtypes.get(name, torch.float32)) for name, shape in inputs]
    try:
        with Capture(), torch.no_grad(), FlopCounterMode(display=False) as counter:
            fn(*args)
    except Exception as exc:  # noqa: BLE001 - the user's model raises whatever it raises
        return None, ["MACs not counted: one run at these shapes failed ({})".format(
            first_line(exc))]
    return counter.get_total_flops() // 2, [MACS_NOTE]
