"""The model registry: name -> :class:`ModelEntry`, filled by :func:`register_model`."""

import torch

from bench.errors import SpecError
from bench.models.spec import ModelSpec, parse_spec
from bench.registry import Registry, did_you_mean

MODELS = Registry("model")


class ModelEntry:
    """How to build one registered model and what it accepts.

    ``params`` maps every accepted spec key to its default (``None`` for keys without
    one); values from a spec are coerced to the default's type. ``required`` keys
    must be given. ``positional`` names the key a bare spec token fills.
    """

    def __init__(self, name, family, build, params, positional=None, required=(),
                 default_resolution=224, weights=None, summary="", normalize=None):
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


def resolve_spec(text):
    """Spec string -> validated :class:`ModelSpec` (no model is built)."""
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
    for key in args:
        if key not in entry.params:
            raise SpecError("model spec {!r}: unknown key {!r} for {}{}; valid keys: {}".format(
                text, key, entry.name, did_you_mean(key, entry.params),
                ", ".join(sorted(entry.params)) or "none"))
    missing = [k for k in entry.required if k not in args]
    if missing:
        raise SpecError("model spec {!r}: {} needs {} (e.g. {})".format(
            text, entry.name, ", ".join(missing), entry.summary or entry.name))
    kwargs = {k: v for k, v in entry.params.items() if v is not None}
    for key, value in args.items():
        kwargs[key] = _coerce(entry, key, value, text)
    if entry.normalize is not None:
        kwargs = entry.normalize(kwargs)
    return ModelSpec(entry.name, kwargs, entry.params, entry.positional)


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
        return self.entry.family

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
    try:
        for bn in bns:
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over the calibration batches
        module.train()
        with torch.no_grad():
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
    torch.manual_seed(seed)
    try:
        module = entry.build(**spec.kwargs)
    except SpecError:
        raise
    except (TypeError, ValueError) as exc:
        raise SpecError("model spec {!r}: {}".format(spec.canonical(), exc)) from None
    if spec.kwargs.get("checkpoint") is None:
        calibrate_batch_norm(module, seed)
    module.eval()
    return BuiltModel(spec, entry, module)
