"""Landmarks, tests and predictions for ``bench estimate``, and the report it prints.

Kept apart from the CLI so the ``--landmarks`` and ``--from-results`` inputs end in
the same :func:`estimate` call, and ``bench plot estimate`` can refit from its CSV.
"""

from bench.analysis import estimator
from bench.analysis.tables import optional_float
from bench.errors import BenchError

OUT_COLUMNS = ("model", "family", "params_m", "predicted_throughput", "throughput", "abs_error",
               "role")
SELECT_COLUMNS = ("device", "runtime", "precision", "resolution", "batch")


class Estimate:
    """Per-family fits, the naive global fit, and every point with its prediction."""

    def __init__(self, fits, naive, landmarks, tests, predicts, skipped):
        self.fits = fits
        self.naive = naive
        self.landmarks = landmarks
        self.tests = tests
        self.predicts = predicts
        self.skipped = skipped  # family -> landmark count (too few, and nothing needed it)

    def predicted(self, point, naive=False):
        if naive:
            return self.naive.predict(point.params_m) if self.naive else None
        fit = self.fits.get(point.family)
        return fit.predict(point.params_m) if fit else None

    def errors(self, points, naive=False):
        pairs = [(p.throughput, self.predicted(p, naive)) for p in points]
        pairs = [(m, q) for m, q in pairs if m is not None and q is not None]
        return estimator.errors([m for m, _ in pairs], [q for _, q in pairs])

    def rows(self):
        out = []
        for role, points in (("landmark", self.landmarks), ("test", self.tests),
                             ("predict", self.predicts)):
            for p in points:
                pred = self.predicted(p)
                out.append({"model": p.model, "family": p.family, "params_m": p.params_m,
                            "predicted_throughput": pred, "throughput": p.throughput,
                            "abs_error": (abs(pred - p.throughput)
                                          if pred is not None and p.throughput is not None
                                          else None), "role": role})
        return out


def estimate(landmarks, tests=(), predicts=()):
    """Fit every family the tests/predictions need (all families when none are asked).

    A needed family with fewer than 3 landmarks is an error; an unneeded one is
    skipped and reported in ``skipped``.
    """
    tests, predicts = list(tests), list(predicts)
    needed = list(dict.fromkeys(p.family for p in tests + predicts))
    groups = estimator.group_by_family(landmarks)
    if not needed:
        needed = list(groups)
    fits = estimator.fit_families(landmarks, needed)
    skipped = {}
    for family, points in groups.items():
        if family in fits:
            continue
        if len(points) >= estimator.MIN_LANDMARKS and \
                len({p.params_m for p in points}) >= estimator.MIN_LANDMARKS:
            fits[family] = estimator.fit_points(points, family)
        else:
            skipped[family] = len(points)
    try:
        naive = estimator.fit_global(landmarks)
    except BenchError:
        naive = None  # fewer than 3 landmarks in all: nothing to compare against
    return Estimate(fits, naive, list(landmarks), tests, predicts, skipped)


def select_results(rows, path, filters):
    """Ok rows of a run CSV matching ``filters`` (column -> value or None), one configuration.

    Several devices/runtimes/precisions/resolutions/batches left after filtering is
    an error naming them and the flag that picks one; a model measured twice keeps
    its last row.
    """
    ok = [r for r in rows if r.get("status") == "ok" and optional_float(r.get("throughput"))]
    for col, value in filters.items():
        if value is not None:
            ok = [r for r in ok if r.get(col) == str(value)]
    if not ok:
        raise BenchError("{} has no ok rows{}".format(path, "" if not any(
            v is not None for v in filters.values()) else " matching " + ", ".join(
            "{}={}".format(k, v) for k, v in filters.items() if v is not None)))
    for col in SELECT_COLUMNS:
        values = list(dict.fromkeys(r.get(col, "") for r in ok))
        if len(values) > 1:
            raise BenchError("{} has results for several {}s ({}); pick one with --{} "
                             "(landmarks must share device, runtime, precision, resolution "
                             "and batch)".format(path, col, ", ".join(values), col))
    last = {}
    for r in ok:
        last[r["model"]] = r
    return last


def naive_reduction(est):
    """(points the comparison uses, naive MAE, per-family MAE); tests if any, else landmarks."""
    points = [p for p in (est.tests or est.landmarks) if p.family in est.fits]
    fam = est.errors(points)
    naive = est.errors(points, naive=True)
    return ("test" if est.tests else "train"), naive["mae"], fam["mae"]
