"""The torchvision classification zoo (SPEC §1.1): builders are torchvision's own.

Each row registers one builder with its architecture family and the keyword
arguments a spec may pass (defaults read from the torchvision class, so they stay
in step with the pinned version). Weights are random: nothing is downloaded.
"""

import inspect

from bench._torchvision import import_torchvision
from bench.errors import SpecError
from bench.models.registry import MODELS, ModelEntry

tv = import_torchvision()
_m = tv.models

# family -> (torchvision class, spec keys it may take)
_FAMILIES = {
    "resnet": (_m.ResNet, ("num_classes", "zero_init_residual", "groups", "width_per_group")),
    "resnext": (_m.ResNet, ("num_classes", "zero_init_residual")),
    "wide_resnet": (_m.ResNet, ("num_classes", "zero_init_residual")),
    "mobilenet_v2": (_m.MobileNetV2, ("num_classes", "width_mult", "round_nearest", "dropout")),
    "mobilenet_v3": (_m.MobileNetV3, ("num_classes", "dropout")),
    "shufflenet_v2": (_m.ShuffleNetV2, ("num_classes",)),
    "mnasnet": (_m.MNASNet, ("num_classes", "dropout")),
    "densenet": (_m.DenseNet, ("num_classes", "drop_rate", "memory_efficient")),
    "efficientnet": (_m.EfficientNet, ("num_classes",)),
    "squeezenet": (_m.SqueezeNet, ("num_classes", "dropout")),
    "regnet": (_m.RegNet, ("num_classes",)),
}

_ZOO = [
    ("resnet18", "resnet"), ("resnet34", "resnet"), ("resnet50", "resnet"),
    ("resnet101", "resnet"), ("resnet152", "resnet"),
    ("resnext50_32x4d", "resnext"), ("wide_resnet50_2", "wide_resnet"),
    ("mobilenet_v2", "mobilenet_v2"),
    ("mobilenet_v3_small", "mobilenet_v3"), ("mobilenet_v3_large", "mobilenet_v3"),
    ("shufflenet_v2_x0_5", "shufflenet_v2"), ("shufflenet_v2_x1_0", "shufflenet_v2"),
    ("shufflenet_v2_x1_5", "shufflenet_v2"), ("shufflenet_v2_x2_0", "shufflenet_v2"),
    ("mnasnet0_5", "mnasnet"), ("mnasnet0_75", "mnasnet"),
    ("mnasnet1_0", "mnasnet"), ("mnasnet1_3", "mnasnet"),
    ("densenet121", "densenet"), ("densenet169", "densenet"),
    ("efficientnet_b0", "efficientnet"), ("squeezenet1_1", "squeezenet"),
    ("regnet_x_400mf", "regnet"), ("regnet_y_400mf", "regnet"),
]


def _defaults(cls, keys):
    """Each key's default from the class signature; a float-annotated key whose default is
    written as an int (DenseNet's ``drop_rate: float = 0``) gets a float default, so a
    spec may pass ``drop_rate=0.2``."""
    sig = inspect.signature(cls.__init__).parameters
    out = {}
    for k in keys:
        default = sig[k].default
        if sig[k].annotation in (float, "float") and type(default) is int:
            default = float(default)
        out[k] = default
    return out


def basic_block_args(kwargs):
    """torchvision's BasicBlock (ResNet 18/34, ``resnet:block=basic``) takes only groups=1
    and width_per_group=64; anything else is a SpecError when the spec is resolved."""
    if (kwargs.get("groups", 1), kwargs.get("width_per_group", 64)) != (1, 64):
        raise SpecError("groups={}, width_per_group={}: basic-block ResNets take only groups=1 "
                        "and width_per_group=64; use bottleneck blocks (resnet50, or "
                        "resnet:block=bottleneck,...) for grouped or wide stages".format(
                            kwargs.get("groups"), kwargs.get("width_per_group")))
    return kwargs


_NORMALIZE = {"resnet18": basic_block_args, "resnet34": basic_block_args}


def _builder(fn):
    def build(**kwargs):
        return fn(weights=None, **kwargs)
    build.__name__ = fn.__name__
    build.__doc__ = "torchvision.models.{}(weights=None, **kwargs)".format(fn.__name__)
    return build


# Every numeric key is range-checked when a spec is resolved: the ranges, by key, are
# bench.models.registry.KEY_RANGES (a key means the same in every family).
for _name, _family in _ZOO:
    _cls, _keys = _FAMILIES[_family]
    MODELS.add(_name, ModelEntry(_name, _family, _builder(getattr(_m, _name)),
                                 _defaults(_cls, _keys), weights=_name,
                                 normalize=_NORMALIZE.get(_name)))
