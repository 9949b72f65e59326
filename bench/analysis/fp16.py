"""FP16 vs FP32 (SPEC §5): pair rows of the same device, runtime, model, resolution, batch.

R = T_fp16 / T_fp32 is reported as measured: R < 1 (FP16 slower, as for
lightweight models on a Jetson Nano) is never clamped, and a pair where one side
is unsupported, failed or missing is listed with the reason instead of dropped.
"""

from bench.analysis.tables import optional_float

PAIR_KEY = ("device", "runtime", "model", "resolution", "batch")
COLUMNS = ("model", "family", "throughput_fp32", "throughput_fp16", "ratio", "status", "notes",
           "device", "runtime", "resolution", "batch", "params_m")
REQUIRED = ("model", "precision", "throughput", "status")
PAIR_STATUSES = ("ok", "unsupported", "failed", "missing")


def _better(new, old):
    """Keep an ok row over a non-ok one; otherwise the later row (a retry after resume)."""
    if old is None:
        return True
    return new.get("status") == "ok" or old.get("status") != "ok"


def _side_problem(prec, row):
    if row is None:
        return "missing", "no {} measurement".format(prec)
    status = row.get("status")
    if status == "ok" and optional_float(row.get("throughput")):
        return None, None
    reason = row.get("error") or "no reason given"
    if status == "unsupported":
        return "unsupported", "{} unsupported: {}".format(prec, reason)
    return "failed", "{} {}: {}".format(prec, status or "failed", reason)


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
        if a is not None and a.get("status") == "ok":
            pair["throughput_fp32"] = optional_float(a.get("throughput"))
        if b is not None and b.get("status") == "ok":
            pair["throughput_fp16"] = optional_float(b.get("throughput"))
        notes = []
        if problems:
            order = {"unsupported": 0, "failed": 1, "missing": 2}
            pair["status"] = sorted((p[0] for p in problems), key=order.get)[0]
            notes.extend(p[1] for p in problems)
        else:
            pair["status"] = "ok"
            pair["ratio"] = pair["throughput_fp16"] / pair["throughput_fp32"]
            if pair["ratio"] < 1:
                notes.append("FP16 slower than FP32")
        for prec, row in (("fp32", a), ("fp16", b)):
            if row is not None and row.get("status") == "ok" and row.get("notes"):
                notes.append("{}: {}".format(prec, row["notes"]))
        pair["notes"] = "; ".join(notes)
        out.append(pair)
    return out


def summary(pairs):
    """Counts by status and how many measured pairs lost speed with FP16."""
    counts = {s: sum(1 for p in pairs if p["status"] == s) for s in PAIR_STATUSES}
    counts["slower"] = sum(1 for p in pairs if p["ratio"] is not None and p["ratio"] < 1)
    return counts
