"""Import torchvision next to a CPU-only torch build (SPEC §1.1).

torchvision's PyPI wheel cannot load its compiled ops next to a CPU-only torch;
its import then fails registering fake kernels for ``torchvision::nms``. Defining
the two missing operator schemas first is enough for the model builders, which are
pure Python. We only do so when the real compiled ops are absent.
"""

import sys

_SCHEMAS = {
    "torchvision::nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "torchvision::qnms": "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
}
_LIBS = []  # keep the torch.library.Library objects alive


def _forget_partial_import():
    for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[name]


def import_torchvision():
    """Return the ``torchvision`` module, defining the missing op schemas if needed."""
    if "torchvision" in sys.modules and hasattr(sys.modules["torchvision"], "models"):
        return sys.modules["torchvision"]
    try:
        import torchvision
        return torchvision
    except RuntimeError as exc:
        if "torchvision::" not in str(exc):
            raise
    _forget_partial_import()
    import torch

    lib = torch.library.Library("torchvision", "FRAGMENT")
    for schema in _SCHEMAS.values():
        try:
            lib.define(schema)
        except RuntimeError:
            pass  # already defined by an earlier partial import
    _LIBS.append(lib)
    import torchvision
    return torchvision
