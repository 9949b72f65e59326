"""Turn ``--models``/``--set`` items (set names or spec strings) into concrete requests."""

from bench.models.registry import MODELS, resolve_spec
from bench.models.sets import get_set, set_names, unknown_set
from bench.registry import closest


class ModelRequest:
    """One model to work on and the square input resolution to use for it."""

    def __init__(self, spec, resolution):
        self.spec = spec
        self.resolution = resolution

    @property
    def name(self):
        return self.spec.canonical()

    def __repr__(self):
        return "ModelRequest({!r}, {})".format(self.name, self.resolution)


def select_models(items, user_sets=None, resolution=None):
    """Expand sets, validate every spec up front, drop duplicates (first one wins).

    ``resolution`` (from the CLI or config) overrides; otherwise a set's own default
    applies, then the model entry's (224; PTA: 128).
    """
    from bench.options import check_value

    check_value("resolution", resolution, "--resolution")
    requests, seen = [], set()
    for item in items:
        found = get_set(item, user_sets)
        if found is None and _looks_like_a_set(item, user_sets):
            raise unknown_set(item, user_sets)
        specs, set_res = found if found is not None else ((item,), None)
        for text in specs:
            spec = resolve_spec(text)
            res = resolution or set_res or MODELS.get(spec.name).default_resolution
            key = (spec.canonical(), res)
            if key not in seen:
                seen.add(key)
                requests.append(ModelRequest(spec, res))
    return requests


def _looks_like_a_set(item, user_sets):
    """A bare name that is no model but close to a set name (``zo``): say "unknown set"."""
    from bench.models import catalog  # noqa: F401  (fills the registry)

    name = str(item).strip()
    if ":" in name or name in MODELS:
        return False
    return bool(closest(name, set_names(user_sets))) and not closest(name, MODELS.names())
