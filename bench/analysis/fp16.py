"""FP16 vs FP32 (SPEC §5): pair rows of the same device, runtime, model, resolution, batch.

R = T_fp16 / T_fp32 is reported as measured: R < 1 (FP16 slower, as for
lightweight models on a Jetson Nano) is never clamped, and a pair where one side
is unsupported, failed or missing is listed with the reason instead of dropped.
"""

import math

from bench.analysis.tables import optional_float
from bench.errors import BenchError

PAIR_KEY = ("device", "runtime", "model", "resolution", "batch")
COLUMNS = ("model", "family", "throughput_fp32", "throughput_fp16", "ratio", "status", "notes",
           "device", "runtime", "resolution", "batch", "params_m")
REQUIRED = ("model", "precision", "throughput", "status")  # of the run CSVs it pairs
NUMBERS = ("throughput",)  # a number > 0 on their ok rows (read_table checks it)
PAIR_STATUSES = ("ok", "unsupported", "failed", "missing")


def _throughput(row):
    """The row's throughput when it is ok and a finite number > 0, else None."""
    if row is None or row.get("status") != "ok":
        return None
    tp = optional_float(row.get("throughput"))
    return tp if tp is not None and tp > 0 else None


def _better(new, old):
    """Keep a usable ok row over anything else; otherwise the later row (a retry after resume)."""
    if old is None:
        return True
    return _throughput(new) is not None or _throughput(old) is None


def _side_problem(prec, row):
    """(pair status, note) when this side has no usable throughput, else (None, None)."""
    if row is None:
        return "missing", "no {} measurement".format(prec)
    status = row.get("status") or "failed"
    if _throughput(row) is not None:
        return None, None
    if status == "ok":  # rows of our own CSVs always have one; say what is wrong with it
        return "failed", "{} row is ok but its throughput {!r} is not a number > 0".format(
            prec, row.get("throughput"))
    reason = row.get("error") or "no error recorded"
    if status == "unsupported":
        return "unsupported", "{} unsupported: {}".format(prec, reason)
    return "failed", "{} {}: {}".format(prec, status, reason)


def missing_precision(rows):
    """'fp16' or 'fp32' when ``rows`` (of run CSVs) have no row of that precision, else None:
    then no pair can have a ratio."""
    have = {r.get("precision") for r in rows}
    return next((p for p in ("fp16", "fp32") if p not in have), None)


def no_precision_error(prec, sources):
    """The one-line error for :func:`missing_precision`, with what to do."""
    return BenchError("{} {} no {} rows (column precision), so there is nothing to compare; "
                      "add a CSV measured with `bench run --precision {}` or measure both "
                      "precisions side by side with `bench compare-fp16`".format(
                          ", ".join(sources), "has" if len(sources) == 1 else "have", prec,
                          prec))


def pair_rows(rows):
    """Rows of run CSVs (any order, several files) -> comparison rows, first-seen order."""
    groups = {}
    for row in rows:
        prec = row.get("precision")
        if prec not in ("fp32", "fp16"):
            continue
        key = tuple(str(row.get(c, "")) for c in PAIR_KEY)
        sides = groups.setdefault(key, {})
        if _better(row, sides.get(prec)):
            sides[prec] = row
    out = []
    for key, sides in groups.items():
        a, b = sides.get("fp32"), sides.get("fp16")
        any_row = a or b
        pair = dict(zip(PAIR_KEY, key))
        pair.update(family=any_row.get("family", ""), params_m=optional_float(
            any_row.get("params_m")), throughput_fp32=None, throughput_fp16=None, ratio=None)
        problems = [p for p in (_side_problem("fp32", a), _side_problem("fp16", b)) if p[0]]
        pair["throughput_fp32"], pair["throughput_fp16"] = _throughput(a), _throughput(b)
        notes = []
        if problems:
            order = {"unsupported": 0, "failed": 1, "missing": 2}
            pair["status"] = sorted((p[0] for p in problems), key=order.get)[0]
            notes.extend(p[1] for p in problems)
        else:
            ratio = pair["throughput_fp16"] / pair["throughput_fp32"]
            if math.isfinite(ratio) and ratio > 0:
                pair["status"], pair["ratio"] = "ok", ratio
                if ratio < 1:
                    notes.append("FP16 slower than FP32")
            else:  # only from absurd throughputs (1e300 against 1e-10): no ratio to show
                pair["status"] = "failed"
                notes.append("no finite ratio from throughputs {:g} and {:g}".format(
                    pair["throughput_fp16"], pair["throughput_fp32"]))
        for prec, row in (("fp32", a), ("fp16", b)):
            if _throughput(row) is not None and row.get("notes"):
                notes.append("{}: {}".format(prec, row["notes"]))
        pair["notes"] = "; ".join(notes)
        out.append(pair)
    return out


def summary(pairs):
    """Counts by status and how many measured pairs lost speed with FP16."""
    counts = {s: sum(1 for p in pairs if p["status"] == s) for s in PAIR_STATUSES}
    counts["slower"] = sum(1 for p in pairs if p["ratio"] is not None and p["ratio"] < 1)
    return counts
