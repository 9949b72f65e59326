"""Custom ResNets from a block type and per-stage block counts (SPEC §1.1).

``resnet:block=basic,layers=3-4-3-3`` or ``resnet:block=bottleneck,layers=3-8-10-4``;
built with torchvision's own ``ResNet`` class, so they are true family members.
"""

from bench._torchvision import import_torchvision
from bench.errors import SpecError
from bench.models.registry import register_model

_resnet = import_torchvision().models.resnet
BLOCKS = {"basic": _resnet.BasicBlock, "bottleneck": _resnet.Bottleneck}


def parse_layers(value):
    """``"3-4-6-3"`` -> ``[3, 4, 6, 3]``: four stages, each at least one block."""
    parts = str(value).split("-")
    try:
        layers = [int(p) for p in parts]
    except ValueError:
        layers = []
    if len(layers) != 4 or min(layers) < 1:
        raise SpecError("resnet layers={!r}: expected four block counts >= 1 joined by '-', "
                        "e.g. layers=2-2-2-2".format(value))
    return layers


def _normalize(kwargs):
    if kwargs["block"] not in BLOCKS:
        raise SpecError("resnet block={!r}: expected one of {}".format(
            kwargs["block"], ", ".join(BLOCKS)))
    return dict(kwargs, layers="-".join(str(n) for n in parse_layers(kwargs["layers"])))


@register_model("resnet", family="resnet", required=("block", "layers"),
                params={"block": None, "layers": None, "num_classes": 1000,
                        "zero_init_residual": False, "groups": 1, "width_per_group": 64},
                summary="resnet:block=basic,layers=2-2-2-2", normalize=_normalize)
def build_custom_resnet(block, layers, **kwargs):
    return _resnet.ResNet(BLOCKS[block], parse_layers(layers), **kwargs)
