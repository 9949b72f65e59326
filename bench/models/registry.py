"""The model registry: name -> :class:`ModelEntry`, filled by :func:`register_model`."""

import contextlib

import torch

from bench.errors import SpecError
from bench.models.spec import ModelSpec, parse_spec
from bench.ranges import Range
from bench.registry import Registry, did_you_mean

MODELS = Registry("model")


# The valid range of every numeric spec key, by key: a key means the same thing in every
# model that takes it (torchvision's builders, the custom ResNets, PTA). An entry may
# override one with ``ranges=``; registering a model with a numeric key that has no range
# here or there is an error, so no value reaches a builder unchecked. Upper bounds are
# generous but catch typos (width_mult=60 for 0.6) that would build for minutes or not fit
# in memory.
KEY_RANGES = {
    "num_classes": Range(1, 100000, "output classes"),
    "width_mult": Range(0, 4, "multiplier of every layer's channels", low_inclusive=False),
    "round_nearest": Range(1, 256, "channel counts are rounded to a multiple of it"),
    "dropout": Range(0, 1, "dropout probability", high_inclusive=False),
    "drop_rate": Range(0, 1, "dropout probability", high_inclusive=False),
    "groups": Range(1, 256, "convolution groups of the 3x3 convolutions"),
    "width_per_group": Range(1, 1024, "channels per group (64: plain ResNet)"),
}


def _numeric(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class ModelEntry:
    """How to build one registered model and what it accepts.

    ``params`` maps every accepted spec key to its default (``None`` for keys without
    one); values from a spec are coerced to the default's type. Every numeric key has a
    valid :class:`Range` (from ``ranges``, else :data:`KEY_RANGES`), checked when a spec
    is resolved. ``required`` keys must be given. ``positional`` names the key a bare
    spec token fills. ``normalize`` (kwargs -> kwargs) checks and canonicalises the
    other values (strings such as a block type), raising :class:`SpecError`.
    """

    # a user's model (``file:``/``py:``, bench/models/user.py) says more per spec; these
    # are the built-in answers
    calibrate = True  # random weights: calibrate batch norm (a user's module is left as is)
    from_file = False  # measured as the file it is, never built (file:)
    open_keys = False  # any key=value is accepted and passed on (py: factory arguments)
    path_keys = ()  # keys holding a path: made absolute when the spec is resolved

    def family_of(self, spec):
        return self.family

    def resolution_of(self, spec):
        """The resolution a model runs at when none is asked (None: not an image model)."""
        return self.default_resolution

    def artifact_spec(self, spec):
        """The spec that names ``spec``'s exported artifact (its cache key and folder): the
        spec itself, unless several specs share one file (a switchable PTA artifact)."""
        return spec if self._artifact_spec is None else self._artifact_spec(spec)

    def digest(self, spec):
        """What besides the spec shapes the model's content (a source file's hash), or None."""
        return None

    def __init__(self, name, family, build, params, positional=None, required=(),
                 default_resolution=224, weights=None, summary="", normalize=None,
                 ranges=None, artifact_spec=None):
        self.name = name
        self.family = family
        self.build = build
        self.params = dict(params)
        self.positional = positional
        self.required = tuple(required)
        self.default_resolution = default_resolution
        self.weights = weights  # torchvision model name whose weight metadata applies
        self.summary = summary
        self.normalize = normalize  # kwargs -> kwargs: validates/canonicalises values
        self._artifact_spec = artifact_spec  # spec -> the spec naming its exported artifact
        self.ranges = {k: (ranges or {}).get(k, KEY_RANGES.get(k)) for k, v in self.params.items()
                       if _numeric(v) or k in (ranges or {})}
        unchecked = sorted(k for k, r in self.ranges.items() if r is None)
        if unchecked:
            raise ValueError("model {!r}: numeric spec key(s) {} have no valid range; add them "
                             "to KEY_RANGES or pass ranges=".format(name, ", ".join(unchecked)))


def register_model(name, family, params, **kw):
    """Decorator: register ``build(**kwargs) -> nn.Module`` as model ``name``."""
    def deco(build):
        MODELS.add(name, ModelEntry(name, family, build, params, **kw))
        return build
    return deco


def _coerce(entry, key, value, text):
    """Coerce a parsed spec value to the type of the key's default."""
    default = entry.params[key]
    if default is None:
        return value
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, type(default))
    if not ok:
        raise SpecError("model spec {!r}: {}={!r} should be {} (default {!r})".format(
            text, key, value, type(default).__name__, default))
    return value


def resolve_spec(text, base_dir=None):
    """Spec string -> validated :class:`ModelSpec` (no model is built). Relative paths in
    it (``file:a.onnx``) resolve against ``base_dir`` (default: the current folder)."""
    from bench.models import catalog  # noqa: F401  (fills the registry)

    parsed = parse_spec(text)
    if parsed.name not in MODELS:
        from bench.models.sets import set_names
        raise SpecError("unknown model {!r}{}; `bench models --set all` lists them".format(
            parsed.name, did_you_mean(parsed.name, MODELS.names() + set_names())))
    entry = MODELS.get(parsed.name)
    args = dict(parsed.args)
    if parsed.positional is not None:
        if entry.positional is None:
            raise SpecError("model spec {!r}: {!r} is not key=value; {} takes keys: {}".format(
                text, parsed.positional, entry.name, ", ".join(sorted(entry.params)) or "none"))
        if entry.positional in args:
            raise SpecError("model spec {!r}: {} given twice".format(text, entry.positional))
        args[entry.positional] = parsed.positional
    for key in entry.path_keys:
        if key in args:
            args[key] = entry.absolute(str(args[key]), base_dir)
    for key in args:
        if key not in entry.params and not entry.open_keys:
            raise SpecError("model spec {!r}: unknown key {!r} for {}{}; valid keys: {}".format(
                text, key, entry.name, did_you_mean(key, entry.params),
                ", ".join(sorted(entry.params)) or "none"))
    missing = [k for k in entry.required if k not in args]
    if missing:
        raise SpecError("model spec {!r}: {} needs {} (e.g. {})".format(
            text, entry.name, ", ".join(missing), entry.summary or entry.name))
    kwargs = {k: v for k, v in entry.params.items() if v is not None}
    for key, value in args.items():
        kwargs[key] = _coerce(entry, key, value, text) if key in entry.params else value
        _check_range(entry, key, value, kwargs[key], text)
    if entry.normalize is not None:
        try:
            kwargs = entry.normalize(kwargs)
        except SpecError as exc:
            raise SpecError("model spec {!r}: {}".format(text, exc)) from None
    return ModelSpec(entry.name, kwargs, entry.params, entry.positional)


def _check_range(entry, key, given, value, text):
    """SpecError naming the spec, the key, the value and the valid range."""
    valid = entry.ranges.get(key)
    if valid is not None and _numeric(value) and value not in valid:
        raise SpecError(valid.refusal("model spec {!r}".format(text), "{}={}".format(key, given)))


class BuiltModel:
    """A built model in eval mode with what the rest of bench needs to know about it."""

    def __init__(self, spec, entry, module):
        self.spec = spec
        self.entry = entry
        self.module = module

    @property
    def name(self):
        return self.spec.canonical()

    @property
    def family(self):
        return self.entry.family_of(self.spec)

    def example_input(self, resolution, batch=1, seed=0):
        gen = torch.Generator().manual_seed(seed)
        return torch.randn(batch, 3, resolution, resolution, generator=gen)


def calibrate_batch_norm(module, seed=0, resolution=96, batches=2, batch_size=4):
    """Set batch-norm running statistics from seeded random images.

    Freshly initialised networks in eval mode shrink activations layer by layer
    (MobileNetV2's logits come out near 1e-10), which makes an export's parity
    check against eager PyTorch meaningless and its arg-max a coin toss.
    Statistics measured on real activations keep logits of order one. Weights are
    untouched; the result is deterministic for a seed.
    """
    bns = [m for m in module.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return module
    saved = [bn.momentum for bn in bns]
    gen = torch.Generator().manual_seed(seed + 1)
    # a model whose forward skips some layers (a PTA configuration) says how to reach them all
    reach = getattr(module, "calibrating", None)
    scope = reach() if callable(reach) else contextlib.nullcontext()
    try:
        for bn in bns:
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over the calibration batches
        module.train()
        with torch.no_grad(), scope:
            for _ in range(batches):
                module(torch.randn(batch_size, 3, resolution, resolution, generator=gen))
    finally:
        for bn, momentum in zip(bns, saved):
            bn.momentum = momentum
        module.eval()
    return module


def build_model(spec, seed=0):
    """Spec (string or :class:`ModelSpec`) -> :class:`BuiltModel` with seeded random weights.

    Without a checkpoint, batch-norm statistics are calibrated on seeded random
    images (see :func:`calibrate_batch_norm`) so outputs are of a realistic scale.
    """
    if not isinstance(spec, ModelSpec):
        spec = resolve_spec(spec)
    entry = MODELS.get(spec.name)
    if entry.from_file:
        raise SpecError("model spec {!r}: a model file is measured as it is; there is no "
                        "module to build from it".format(spec.canonical()))
    torch.manual_seed(seed)
    try:
        module = entry.build(**spec.kwargs)
    except SpecError:
        raise
    except (TypeError, ValueError) as exc:
        raise SpecError("model spec {!r}: {}".format(spec.canonical(), exc)) from None
    if entry.calibrate and spec.kwargs.get("checkpoint") is None:
        calibrate_batch_norm(module, seed)
    module.eval()
    return BuiltModel(spec, entry, module)
