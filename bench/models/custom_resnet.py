"""Custom ResNets from a block type and per-stage block counts (SPEC §1.1).

``resnet:block=basic,layers=3-4-3-3`` or ``resnet:block=bottleneck,layers=3-8-10-4``;
built with torchvision's own ``ResNet`` class, so they are true family members.
"""

from bench._torchvision import import_torchvision
from bench.errors import SpecError
from bench.models.registry import Range, register_model
from bench.models.zoo import basic_block_args

_resnet = import_torchvision().models.resnet
BLOCKS = {"basic": _resnet.BasicBlock, "bottleneck": _resnet.Bottleneck}
STAGE_BLOCKS = Range(1, 256, "blocks per stage")  # ResNet-152 has 36 in its third stage


def parse_layers(value):
    """``"3-4-6-3"`` -> ``[3, 4, 6, 3]``: four stages, each of 1 to 256 blocks."""
    parts = str(value).split("-")
    try:
        layers = [int(p) for p in parts]
    except ValueError:
        layers = []
    if len(layers) != 4:
        raise SpecError("layers={!r}: expected four block counts joined by '-', each {} ({}), "
                        "e.g. layers=2-2-2-2".format(value, STAGE_BLOCKS.describe(),
                                                     STAGE_BLOCKS.what))
    if any(n not in STAGE_BLOCKS for n in layers):
        raise SpecError("layers={} is out of range: each of the four block counts must be {} "
                        "({})".format(value, STAGE_BLOCKS.describe(), STAGE_BLOCKS.what))
    return layers


def _normalize(kwargs):
    if kwargs["block"] not in BLOCKS:
        raise SpecError("block={!r}: expected one of {}".format(
            kwargs["block"], ", ".join(BLOCKS)))
    if kwargs["block"] == "basic":
        basic_block_args(kwargs)
    return dict(kwargs, layers="-".join(str(n) for n in parse_layers(kwargs["layers"])))


# Numeric keys (num_classes, groups, width_per_group) are range-checked by the registry
# (KEY_RANGES); layers, a string, by parse_layers against STAGE_BLOCKS.
@register_model("resnet", family="resnet", required=("block", "layers"),
                params={"block": None, "layers": None, "num_classes": 1000,
                        "zero_init_residual": False, "groups": 1, "width_per_group": 64},
                summary="resnet:block=basic,layers=2-2-2-2", normalize=_normalize)
def build_custom_resnet(block, layers, **kwargs):
    return _resnet.ResNet(BLOCKS[block], parse_layers(layers), **kwargs)
