"""Model spec strings: ``NAME`` or ``NAME:key=value,key=value`` (SPEC §1.1).

A bare token in the argument list is the entry's positional argument, e.g. the
configuration in ``pta:LHH`` (same as ``pta:config=LHH``). The canonical form
drops arguments equal to their defaults and sorts the rest, so two spellings of
one model give one CSV key.
"""

import re

from bench.errors import SpecError

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_value(text):
    """TOML-ish scalar: int, float, true/false, else the string itself."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def format_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ParsedSpec:
    """The raw pieces of a spec string, before the registry checks them."""

    def __init__(self, name, args, positional):
        self.name = name
        self.args = args  # dict key -> parsed value, in the order given
        self.positional = positional  # the bare token, or None


def parse_spec(text):
    """Split a spec string; raises :class:`SpecError` on malformed input."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError("empty model spec; expected NAME or NAME:key=value,...")
    text = text.strip()
    name, sep, rest = text.partition(":")
    if not _NAME.match(name):
        raise SpecError("malformed model spec {!r}: bad model name {!r}; "
                        "expected NAME or NAME:key=value,...".format(text, name))
    args, positional = {}, None
    if sep and not rest:
        raise SpecError("malformed model spec {!r}: nothing after ':'; "
                        "expected NAME:key=value,...".format(text))
    for item in rest.split(",") if rest else []:
        item = item.strip()
        if not item:
            raise SpecError("malformed model spec {!r}: empty argument; "
                            "separate key=value pairs with single commas".format(text))
        key, eq, value = item.partition("=")
        if not eq:
            if positional is not None:
                raise SpecError("malformed model spec {!r}: more than one bare argument "
                                "({!r} and {!r}); use key=value".format(text, positional, item))
            positional = item
            continue
        key, value = key.strip(), value.strip()
        if not _KEY.match(key) or not value:
            raise SpecError("malformed model spec {!r}: bad argument {!r}; "
                            "expected key=value".format(text, item))
        if key in args:
            raise SpecError("malformed model spec {!r}: key {!r} given twice".format(text, key))
        args[key] = parse_value(value)
    return ParsedSpec(name, args, positional)


class ModelSpec:
    """A validated spec: entry name and its full, typed arguments (defaults included)."""

    def __init__(self, name, kwargs, defaults, positional_key=None):
        self.name = name
        self.kwargs = dict(kwargs)
        self._defaults = dict(defaults)
        self._positional_key = positional_key

    def canonical(self):
        parts = []
        if self._positional_key is not None:
            parts.append(format_value(self.kwargs[self._positional_key]))
        for key in sorted(self.kwargs):
            if key == self._positional_key:
                continue
            value = self.kwargs[key]
            if key in self._defaults and value == self._defaults[key] and \
                    type(value) is type(self._defaults[key]):
                continue
            parts.append("{}={}".format(key, format_value(value)))
        return self.name + (":" + ",".join(parts) if parts else "")

    def non_default_args(self):
        return {k: v for k, v in self.kwargs.items()
                if k not in self._defaults or v != self._defaults[k]}

    def __str__(self):
        return self.canonical()

    def __repr__(self):
        return "ModelSpec({!r})".format(self.canonical())

    def __eq__(self, other):
        return isinstance(other, ModelSpec) and self.canonical() == other.canonical()

    def __hash__(self):
        return hash(self.canonical())
