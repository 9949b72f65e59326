"""A tiny decorator-filled registry, one per extension point (models, formats, runtimes, devices)."""

import difflib


def closest(name, choices, n=3):
    """The closest valid names to ``name``, for 'did you mean' hints."""
    return difflib.get_close_matches(name, list(choices), n=n, cutoff=0.5)


def did_you_mean(name, choices):
    hits = closest(name, choices)
    return " (did you mean: {}?)".format(", ".join(hits)) if hits else ""


class Registry:
    """Maps a name to an entry. ``register`` is used as a decorator or called directly."""

    def __init__(self, kind):
        self.kind = kind
        self._entries = {}

    def add(self, name, entry):
        if name in self._entries:
            raise ValueError("{} {!r} registered twice".format(self.kind, name))
        self._entries[name] = entry
        return entry

    def register(self, name, **attrs):
        def deco(obj):
            self.add(name, obj if not attrs else (obj, attrs))
            return obj
        return deco

    def get(self, name, error=KeyError):
        try:
            return self._entries[name]
        except KeyError:
            raise error("unknown {} {!r}{}; see the list with the valid names".format(
                self.kind, name, did_you_mean(name, self._entries))) from None

    def names(self):
        return list(self._entries)

    def items(self):
        return list(self._entries.items())

    def __contains__(self, name):
        return name in self._entries

    def __len__(self):
        return len(self._entries)
