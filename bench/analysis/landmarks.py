"""Estimator inputs: landmark / test CSVs and ``bench run`` results -> :class:`Point` s.

``family`` and ``params_m`` are taken as given when the CSV has them, else derived
from the model registry (parameters counted once and cached in the export
directory's ``complexity.json``, as ``bench run`` does).
"""

import os

from bench.analysis.estimator import Point
from bench.analysis.tables import read_table
from bench.errors import BenchError


class ModelFacts:
    """Family and parameter count of a spec string, from the registry (cached)."""

    def __init__(self, export_dir):
        self._path = os.path.join(export_dir, "complexity.json")
        self._store = None  # torch is imported only when a count is needed

    def request(self, spec_text, where=""):
        from bench.models import select_models

        try:
            return select_models([spec_text])[0]
        except BenchError as exc:
            raise BenchError("{}{}".format(where + ": " if where else "", exc)) from None

    def family(self, request):
        from bench.models import MODELS

        return MODELS.get(request.spec.name).family_of(request.spec)

    def params_m(self, request):
        if self._store is None:
            from bench.models.complexity import ComplexityStore

            self._store = ComplexityStore(self._path)
        return self._store.get(request)[0]

    def point(self, spec_text, throughput=None, family=None, params_m=None, where=""):
        """Given family and params_m are taken as they are (the model name need not be a
        registered spec then); what is missing comes from the registry."""
        if family and params_m is not None:
            return Point(spec_text, family, params_m, throughput)
        req = self.request(spec_text, where)
        return Point(req.name, family or self.family(req),
                     params_m if params_m is not None else self.params_m(req), throughput)


def points_from_csv(path, facts, what="landmarks CSV"):
    """Rows ``model,throughput[,family][,params_m]`` -> points (rows of a run CSV whose
    ``status`` is not ``ok`` are skipped)."""
    table = read_table(path, ("model", "throughput"), numbers=("throughput",),
                       optional=("params_m",), what=what)
    points = []
    for i, row in enumerate(table.rows):
        if not table.counts(row):
            continue
        if not row["model"]:
            raise BenchError("{}: model is empty".format(table.where(i)))
        params = float(row["params_m"]) if row.get("params_m") else None
        points.append(facts.point(row["model"], float(row["throughput"]),
                                  row.get("family") or None, params, table.where(i)))
    if not points:
        raise BenchError("{} {} has no measured rows (status ok)".format(what, path))
    return points


def specs_of(items, user_sets=None):
    """Set names or spec strings -> canonical model names, in order."""
    from bench.models import select_models

    return [r.name for r in select_models(items, user_sets)]
