"""Turn ``--models``/``--set`` items (set names or spec strings) into concrete requests."""

from bench.errors import SpecError
from bench.models.registry import MODELS, resolve_spec
from bench.models.sets import get_set, set_names, unknown_set
from bench.registry import closest


class ModelRequest:
    """One model to work on and the square input resolution to use for it (None: not an
    image model). ``asked``: that resolution was asked for (a user's model file with
    another fixed size is then refused instead of run at its own)."""

    def __init__(self, spec, resolution, asked=False):
        self.spec = spec
        self.resolution = resolution
        self.asked = asked

    @property
    def name(self):
        return self.spec.canonical()

    def __repr__(self):
        return "ModelRequest({!r}, {})".format(self.name, self.resolution)


class InvalidRequest:
    """A user's model (``file:``/``py:``) that cannot be used as given: in a run of several
    models it becomes an ``invalid`` row with ``error`` and the others are measured."""

    spec = None
    asked = False

    def __init__(self, name, error, resolution=None):
        self.name = name
        self.error = error
        self.resolution = resolution

    def __repr__(self):
        return "InvalidRequest({!r}, {!r})".format(self.name, self.error)


USER_MODEL_PREFIXES = ("file:", "py:")


def select_models(items, user_sets=None, resolution=None, sets_dir=None, tolerate=False):
    """Expand sets, validate every spec up front, drop duplicates (first one wins).

    ``resolution`` (from the CLI or config) overrides; otherwise a set's own default
    applies, then the model's (224; PTA: 128; a model file: its own fixed size).
    Relative paths in a user set (``[sets]``) resolve against ``sets_dir`` (the config
    file's folder); on the command line against the current folder. ``tolerate``: a
    user's model that cannot be used (a missing file, a factory that does not import)
    becomes an :class:`InvalidRequest` instead of an error, so the others still run.
    """
    from bench.options import check_value

    check_value("resolution", resolution, "--resolution")
    requests, seen = [], set()
    for item in items:
        found = get_set(item, user_sets)
        if found is None and _looks_like_a_set(item, user_sets):
            raise unknown_set(item, user_sets)
        specs, set_res = found if found is not None else ((item,), None)
        user_set = found is not None and user_sets and item in user_sets
        for text in specs:
            try:
                spec = resolve_spec(text, sets_dir if user_set else None)
            except SpecError as exc:
                if not (tolerate and str(text).strip().startswith(USER_MODEL_PREFIXES)):
                    raise
                requests.append(InvalidRequest(str(text).strip(), str(exc), resolution))
                continue
            asked = resolution or set_res
            res = asked or MODELS.get(spec.name).resolution_of(spec)
            key = (spec.canonical(), res)
            if key not in seen:
                seen.add(key)
                requests.append(ModelRequest(spec, res, asked=bool(asked)))
    return requests


def _looks_like_a_set(item, user_sets):
    """A bare name that is no model but close to a set name (``zo``): say "unknown set"."""
    from bench.models import catalog  # noqa: F401  (fills the registry)

    name = str(item).strip()
    if ":" in name or name in MODELS:
        return False
    return bool(closest(name, set_names(user_sets))) and not closest(name, MODELS.names())
