"""Named model sets (``--set``/``--models``): ``pta``, ``pta-switchable``, ``fas``, ``zoo``,
``custom``, ``all`` (``all``: the PTA, zoo and custom models).

A set is a list of spec strings and the resolution its models run at by default.
Users add their own under ``[sets]`` in ``bench.toml``.
"""

from bench.errors import SpecError
from bench.registry import closest

_PTA = ("mobilenet_v2:num_classes=2", "pta:HHH", "pta:LHH", "pta:HLH", "pta:HHL",
        "pta:LLL", "pta:BBB")

# The same six configurations through one artifact that holds them all (pta_switch): one
# ONNX file taking the configuration as an input, one TFLite file with a signature each.
_PTA_SWITCHABLE = tuple("pta:{},switchable=true".format(c)
                        for c in ("HHH", "LHH", "HLH", "HHL", "LLL", "BBB"))

_ZOO = (
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "mobilenet_v2:width_mult=0.25", "mobilenet_v2:width_mult=0.5",
    "mobilenet_v2:width_mult=0.75", "mobilenet_v2",
    "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0",
    "mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3",
    "densenet121", "densenet169",
)

# Custom family members the estimator predicts (SPEC §6): other widths, other depths.
_CUSTOM = (
    "mobilenet_v2:width_mult=0.2", "mobilenet_v2:width_mult=0.6",
    "mobilenet_v2:width_mult=0.8", "mobilenet_v2:width_mult=0.9",
    "resnet:block=basic,layers=1-1-1-1", "resnet:block=basic,layers=3-4-3-3",
    "resnet:block=basic,layers=3-4-8-3", "resnet:block=bottleneck,layers=2-2-2-2",
    "resnet:block=bottleneck,layers=3-8-10-4",
)

# Face anti-spoofing networks (bench/models/fas), each at its paper's resolution.
_FAS = ("feathernet_a", "feathernet_b", "cdcn", "cdcn_pp", "c_cdn", "dc_cdn")

# name -> (specs, default resolution or None for each model's own)
BUILTIN_SETS = {
    "pta": (_PTA, 128),
    "pta-switchable": (_PTA_SWITCHABLE, 128),
    "fas": (_FAS, None),
    "zoo": (_ZOO, None),
    "custom": (_CUSTOM, None),
    "all": (_PTA + _ZOO + _CUSTOM, None),
}


# name -> the model a set's relative times are against (SPEC §1.2: PTA vs No-PTA)
SET_BASELINES = {"pta": "mobilenet_v2:num_classes=2"}


def set_baseline(name):
    """The baseline spec of a built-in set, or None."""
    return SET_BASELINES.get(name)


def set_names(user_sets=None):
    return list(BUILTIN_SETS) + list(user_sets or {})


def get_set(name, user_sets=None):
    """-> (specs, default resolution or None), or None when ``name`` is not a set."""
    if user_sets and name in user_sets:
        if name in BUILTIN_SETS:
            raise SpecError("[sets].{} shadows the built-in set; pick another name".format(name))
        return tuple(user_sets[name]), None
    return BUILTIN_SETS.get(name)


def unknown_set(name, user_sets=None, hint=""):
    """The SpecError for a set name that is neither built in nor in ``[sets]``."""
    names = set_names(user_sets)
    hits = closest(str(name), names)
    return SpecError("unknown set {!r}{}; sets: {} (add your own under [sets] in "
                     "bench.toml){}".format(name, " (did you mean: {}?)".format(", ".join(hits))
                                            if hits else "", ", ".join(names), hint))


def require_set(name, user_sets=None):
    """``get_set`` for a name that must be a set (``--set``): unknown is a SpecError (with a
    hint when the name is a model)."""
    found = get_set(name, user_sets)
    if found is None:
        from bench.models.registry import MODELS
        from bench.models import catalog  # noqa: F401  (fills the registry)

        model = str(name).split(":")[0]
        hint = "; {} is a model: give it without --set".format(name) if model in MODELS else ""
        raise unknown_set(name, user_sets, hint)
    return found
