"""The valid values of a number, and the one way bench says a value is outside them.

Measuring options (``bench.options``), config values (``bench.config``) and model spec
keys (``bench.models.registry``) all describe their bounds with a :class:`Range`, so
every refusal reads the same: ``WHERE: VALUE is out of range: must be > 0 and <= 4
(WHAT)``. Stdlib only, cheap to import.
"""

from bench.errors import BenchError


class Range:
    """Bounds (None: unbounded), each inclusive or not, and what the value is."""

    def __init__(self, low, high, what, low_inclusive=True, high_inclusive=True):
        self.low, self.high = low, high
        self.low_inclusive, self.high_inclusive = low_inclusive, high_inclusive
        self.what = what

    def __contains__(self, value):
        if value != value:  # NaN is never in range
            return False
        return ((self.low is None or
                 (value >= self.low if self.low_inclusive else value > self.low)) and
                (self.high is None or
                 (value <= self.high if self.high_inclusive else value < self.high)))

    def describe(self):
        """``> 0 and <= 4``."""
        parts = []
        if self.low is not None:
            parts.append("{} {}".format(">=" if self.low_inclusive else ">", self.low))
        if self.high is not None:
            parts.append("{} {}".format("<=" if self.high_inclusive else "<", self.high))
        return " and ".join(parts) or "any number"

    def refusal(self, where, shown):
        """The one-line message for value ``shown`` (as the user wrote it) at ``where``."""
        return "{}: {} is out of range: must be {} ({})".format(where, shown, self.describe(),
                                                               self.what)

    def check(self, value, where, error=BenchError):
        """``value`` when in range, else ``error`` (a BenchError class) with the message."""
        if value is not None and value not in self:
            raise error(self.refusal(where, repr(value)))
        return value

    def __repr__(self):
        return "Range({})".format(self.describe())
