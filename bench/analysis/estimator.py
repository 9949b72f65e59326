"""Throughput estimator (SPEC §6): per architecture family, T = C1/P^2 + C2/P + I.

P is the parameter count in millions. The model is linear in (C1, C2, I), so an
ordinary least-squares solve on the design matrix [1/P^2, 1/P, 1] fits it
exactly and deterministically — no iterative optimiser, nothing to tune.
Families are fitted separately because one hyperbola over every family fits
poorly (a MobileNetV2 and a ResNet of equal P run at very different speeds).
"""

import math

import numpy as np

from bench.errors import BenchError

MIN_LANDMARKS = 3  # three coefficients per family


class Point:
    """One model with its family, parameter count (M) and, when measured, throughput."""

    __slots__ = ("model", "family", "params_m", "throughput")

    def __init__(self, model, family, params_m, throughput=None):
        self.model = model
        self.family = family
        self.params_m = float(params_m)
        self.throughput = None if throughput is None else float(throughput)

    def __repr__(self):
        return "Point({!r}, {!r}, {:g}, {!r})".format(self.model, self.family, self.params_m,
                                                      self.throughput)


def _design(params_m):
    p = np.asarray(params_m, dtype=float)
    return np.column_stack([1.0 / p ** 2, 1.0 / p, np.ones_like(p)])


class Fit:
    """Fitted coefficients of one family (or of the naive global hyperbola)."""

    def __init__(self, family, c1, c2, intercept, landmarks):
        self.family = family
        self.c1, self.c2, self.intercept = float(c1), float(c2), float(intercept)
        self.landmarks = list(landmarks)

    def predict(self, params_m):
        """Predicted throughput (inferences/s) for a scalar or a sequence of P (M)."""
        scalar = np.ndim(params_m) == 0
        out = _design(np.atleast_1d(params_m)) @ np.array([self.c1, self.c2, self.intercept])
        return float(out[0]) if scalar else out

    def __repr__(self):
        return "Fit({!r}, C1={:.6g}, C2={:.6g}, I={:.6g})".format(
            self.family, self.c1, self.c2, self.intercept)


def fit_points(points, family):
    """Least-squares fit over ``points`` (all measured); needs 3 distinct P values."""
    points = [p for p in points if p.throughput is not None]
    distinct = len({p.params_m for p in points})
    if len(points) < MIN_LANDMARKS or distinct < MIN_LANDMARKS:
        what = ("{} landmarks".format(len(points)) if len(points) < MIN_LANDMARKS else
                "{} landmarks but only {} distinct parameter counts".format(len(points), distinct))
        raise BenchError("family {} has {}; the fit needs at least {} (C1, C2 and I of "
                         "T = C1/P^2 + C2/P + I); add landmarks of that family or leave it "
                         "out".format(family, what, MIN_LANDMARKS))
    if any(p.params_m <= 0 for p in points):
        raise BenchError("family {}: parameter counts must be > 0 M".format(family))
    coef, _, _, _ = np.linalg.lstsq(_design([p.params_m for p in points]),
                                    np.array([p.throughput for p in points]), rcond=None)
    return Fit(family, coef[0], coef[1], coef[2], points)


def group_by_family(points):
    groups = {}
    for p in points:
        groups.setdefault(p.family, []).append(p)
    return groups


def fit_families(landmarks, families=None):
    """family -> :class:`Fit` for each family in ``families`` (default: every family).

    A family named in ``families`` without landmarks, or with fewer than 3, is a
    :class:`BenchError` naming the family.
    """
    groups = group_by_family(landmarks)
    wanted = list(groups) if families is None else list(dict.fromkeys(families))
    fits = {}
    for family in wanted:
        if family not in groups:
            raise BenchError("family {} has 0 landmarks; the fit needs at least {}; add "
                             "landmarks of that family".format(family, MIN_LANDMARKS))
        fits[family] = fit_points(groups[family], family)
    return fits


def fit_global(landmarks):
    """The naive baseline: one hyperbola over every family's landmarks."""
    return fit_points(landmarks, "all families (naive)")


def predict(fits, point):
    """Predicted throughput for ``point`` from its family's fit."""
    fit = fits.get(point.family)
    if fit is None:
        raise BenchError("no fit for family {} (model {}); give landmarks of that "
                         "family".format(point.family, point.model))
    return fit.predict(point.params_m)


def errors(measured, predicted):
    """-> dict rmse, mae (inferences/s), mape (fraction) over paired values; empty: None."""
    m = np.asarray(measured, dtype=float)
    p = np.asarray(predicted, dtype=float)
    if m.size == 0:
        return {"n": 0, "rmse": None, "mae": None, "mape": None}
    diff = p - m
    return {"n": int(m.size), "rmse": float(math.sqrt(np.mean(diff ** 2))),
            "mae": float(np.mean(np.abs(diff))), "mape": float(np.mean(np.abs(diff) / m))}
