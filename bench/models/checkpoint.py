"""Trained weights given as ``checkpoint=PATH`` in a model spec: a PyTorch state dict.

Every way a file can be wrong (missing, a directory, unreadable, empty, text, a whole
pickled model, a list, another network's weights) is one :class:`SpecError` line that
names the path, what is wrong and the fix — never torch's unpickler message.
"""

import os

from bench.errors import SpecError

SAVE = "torch.save(model.state_dict(), PATH)"
FIX = "save one with {} and pass checkpoint=PATH".format(SAVE)
# What torch.save writes first: a zip archive (torch >= 1.6) or a protocol-2 pickle (older).
_MAGIC = (b"PK\x03\x04", b"\x80\x02")
_WRAPPERS = ("state_dict", "model", "model_state_dict")  # common training-script layouts


def check_file(path, what="checkpoint"):
    """SpecError unless ``path`` is an existing, readable file (it is not opened by torch)."""
    path = str(path)
    if not os.path.exists(path):
        raise SpecError("{} {} not found; pass checkpoint=PATH to an existing state dict file "
                        "(written by {})".format(what, path, SAVE))
    if os.path.isdir(path):
        raise SpecError("{} {} is a directory; pass checkpoint=PATH to a state dict file "
                        "(written by {})".format(what, path, SAVE))
    try:
        with open(path, "rb") as fh:
            return fh.read(4)
    except OSError as exc:
        raise SpecError("{} {} cannot be read ({}); make it readable or {}".format(
            what, path, exc.strerror or exc, FIX)) from None


def _not_a_checkpoint(path, what, reason):
    return SpecError("cannot load {} {}: it is not a PyTorch checkpoint (state dict) this "
                     "model can load ({}); {}".format(what, path, reason, FIX))


def _first_line(exc, limit=120):
    """``Type: first sentence of the message``, short."""
    lines = str(exc).strip().splitlines()
    first = lines[0].split(". ")[0].rstrip(".") if lines else ""
    text = "{}: {}".format(type(exc).__name__, first) if first else type(exc).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."


def load_state_dict(path, what="checkpoint"):
    """The ``{name: tensor}`` state dict in ``path`` (a ``"module."`` prefix from
    DataParallel dropped; ``{"state_dict": ...}``-style wrappers unwrapped).

    Only tensors and plain containers are unpickled (``weights_only=True``): a file
    holding other Python objects is refused, never executed.
    """
    import pickle

    import torch

    path = str(path)
    head = check_file(path, what)
    if not head:
        raise _not_a_checkpoint(path, what, "the file is empty")
    if not head.startswith(_MAGIC):
        raise _not_a_checkpoint(path, what, "it was not written by torch.save")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        reason = ("it holds Python objects besides tensors, e.g. a whole model saved with "
                  "torch.save(model)" if "weights only load failed" in str(exc).lower()
                  else _first_line(exc))
        raise _not_a_checkpoint(path, what, reason) from None
    except Exception as exc:  # noqa: BLE001 - a damaged file raises many types
        raise _not_a_checkpoint(path, what, _first_line(exc)) from None
    for key in _WRAPPERS:
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    if not isinstance(state, dict):
        raise _not_a_checkpoint(path, what, "it holds a {}, not a dict of tensors".format(
            type(state).__name__))
    if not any(isinstance(v, torch.Tensor) for v in state.values()):
        raise _not_a_checkpoint(path, what, "its dict holds no tensors")
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}


def load_into(model, path, what="checkpoint"):
    """Load the state dict in ``path`` into ``model``; SpecError when it does not fit."""
    state = load_state_dict(path, what)
    own = model.state_dict()
    wrong = [k for k, v in state.items() if k in own and getattr(v, "shape", None) != own[k].shape]
    if wrong:
        raise SpecError("{} {} does not fit this network: {} has shape {}, expected {}; check "
                        "num_classes/width_mult".format(
                            what, path, wrong[0], tuple(getattr(state[wrong[0]], "shape", ())),
                            tuple(own[wrong[0]].shape)))
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise SpecError("{} {} does not fit this network ({} missing keys, e.g. {}; {} "
                        "unexpected, e.g. {}); check num_classes/width_mult, or it is another "
                        "model's checkpoint".format(
                            what, path, len(result.missing_keys), result.missing_keys[:1],
                            len(result.unexpected_keys), result.unexpected_keys[:1]))
    return model
