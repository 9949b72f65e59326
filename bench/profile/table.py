"""Per-operator results, normalised: one row per operator per model, the CSV, the top ten.

Every profiler gives, per profiled inference, the operators it ran with their times
(:func:`bench.profile.op`). :func:`aggregate` turns those into one row per operator: the
mean time per inference over the profiled inferences (an inference whose operators took
more than :data:`DISTURBED` times the median total is left out: another process took
the core meanwhile, on a phone the screen woke up...), and how many calls per inference.
:func:`model_rows` adds the columns that say what was profiled and where, each
operator's share of the operator total, and the model's summary: ``total_op_ms``,
``latency_ms`` (median per-inference latency of the same model on the same runtime,
threads and cores, timed as ``bench run`` times it, without the profiler) and
``sum_vs_latency``. When that ratio is outside 0.9-1.1, :func:`why_off` says why
(profiler overhead, time outside any operator, a busy machine) in ``notes``.
"""

import csv
import os

COLUMNS = ("device", "model", "runtime", "precision", "resolution", "batch", "op_name", "op_type",
           "time_ms", "share", "where", "calls", "total_op_ms", "latency_ms", "sum_vs_latency",
           "profiler", "notes")
TOP = ("op_name", "op_type", "time_ms", "share", "where")
DISTURBED = 1.5  # an inference slower than this x the median is not averaged in
BAND = (0.9, 1.1)  # sum_vs_latency inside it needs no explanation


def _median(values):
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2.0


def aggregate(runs):
    """Operator lists of profiled inferences -> (ops, kept): one dict per operator (op_name,
    op_type, where, time_ms: mean per kept inference, calls: per inference) in the order
    they first ran, and how many inferences were averaged."""
    totals = [sum(o["ms"] for o in run) for run in runs]
    middle = _median(totals)
    kept = [run for run, total in zip(runs, totals)
            if run and (not middle or total <= DISTURBED * middle)]
    order, found = [], {}
    for run in kept:
        for o in run:
            entry = found.get(o["name"])
            if entry is None:
                entry = found[o["name"]] = {"op_name": o["name"], "op_type": o["type"],
                                            "where": o["where"], "ms": 0.0, "calls": 0}
                order.append(o["name"])
            entry["ms"] += o["ms"]
            entry["calls"] += 1
    n = float(len(kept)) or 1.0
    ops = []
    for name in order:
        entry = found[name]
        calls = entry["calls"] / n
        ops.append({"op_name": name, "op_type": entry["op_type"], "where": entry["where"],
                    "time_ms": entry["ms"] / n,
                    "calls": int(round(calls)) if abs(calls - round(calls)) < 0.01 else
                    round(calls, 2)})
    return ops, len(kept)


def why_off(ratio, result):
    """A sentence on why the operator total is not the measured latency, or "" when it is
    within :data:`BAND` (or nothing can be compared)."""
    if ratio is None:
        return "no latency was measured, so the operator total cannot be compared"
    if BAND[0] <= ratio <= BAND[1]:
        return ""
    latency, span = result.get("latency_ms"), result.get("span_ms")
    busy = ""
    low, high = result.get("latency_p10_ms"), result.get("latency_p90_ms")
    if low and high and latency and (high - low) / latency > 0.2:
        busy = ", and the machine was busy (latency p10-p90 {:.3f}-{:.3f} ms)".format(low, high)
    if ratio > BAND[1]:
        if span and latency and span > latency * BAND[1]:
            why = ("profiler overhead: a profiled inference took {:.3f} ms against {:.3f} ms "
                   "unprofiled".format(span, latency))
        else:
            why = ("the profiled inferences ran slower than the timed ones (profiler overhead "
                   "inside the operators{})".format(
                       " " + result["profiled_path"] if result.get("profiled_path") else ""))
        return "operator times add up to {:.0%} of the measured latency: {}{}".format(
            ratio, why, busy)
    return "operator times cover {:.0%} of the measured latency: not in any operator: {}{}".format(
        ratio, result.get("uncovered") or "time the runtime spends between operators", busy)


def model_rows(meta, result):
    """Rows of one profiled model: ``meta`` (device, model, runtime, precision, resolution,
    batch) and the profile ``result`` (ops, latency_ms, profiler, notes...)."""
    ops = result.get("ops") or []
    total = sum(o["time_ms"] for o in ops)
    latency = result.get("latency_ms")
    ratio = total / latency if latency else None
    notes = [n for n in (result.get("notes") or "").split("; ") if n]
    off = why_off(ratio, result)
    if off:
        notes.append(off)
    rows = []
    for o in ops:
        row = dict(meta)
        row.update(op_name=o["op_name"], op_type=o["op_type"], time_ms=o["time_ms"],
                   share=o["time_ms"] / total if total else None, where=o["where"],
                   calls=o["calls"], total_op_ms=total, latency_ms=latency,
                   sum_vs_latency=ratio, profiler=result.get("profiler", ""),
                   notes="; ".join(notes))
        rows.append(row)
    return rows


def _cell(value):
    if isinstance(value, float):
        return "{:.6g}".format(value)
    return "" if value is None else value


def write_csv(rows, path):
    """All rows to ``path`` (written whole, then renamed into place)."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        os.makedirs(folder)
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row.get(k)) for k in COLUMNS})
    os.replace(tmp, path)
    return path


def read_csv(path):
    """Rows of a profile CSV, numbers as floats."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        for key in ("time_ms", "share", "total_op_ms", "latency_ms", "sum_vs_latency"):
            try:
                row[key] = float(row[key])
            except (KeyError, TypeError, ValueError):
                row[key] = None
    return rows


def _short(text, width=56):
    text = str(text)
    return text if len(text) <= width else "..." + text[-(width - 3):]


def summary_line(rows):
    """``sum of operator times X ms vs measured latency Y ms (Z %)`` for one model's rows."""
    r = rows[0]
    if r.get("latency_ms"):
        return "sum of operator times {:.3f} ms vs measured latency {:.3f} ms ({:.0f} %)".format(
            r["total_op_ms"], r["latency_ms"], 100.0 * r["sum_vs_latency"])
    return "sum of operator times {:.3f} ms vs measured latency: not measured".format(
        r["total_op_ms"])


def top_ten(rows, n=10):
    """The text printed for one model: a title, its ``n`` slowest operators, the sum line
    and the notes that explain a gap."""
    from bench.textable import format_table

    r = rows[0]
    size = "{0}x{0}, ".format(r["resolution"]) if r.get("resolution") not in (None, "") else ""
    title = "{} on {} {} ({}, {}batch {}): {} operators; {}".format(
        r["model"], r["device"], r["runtime"], r["precision"], size, r["batch"], len(rows),
        r.get("profiler") or "?")
    top = sorted(rows, key=lambda x: -(x["time_ms"] or 0.0))[:n]
    shown = [dict(x, op_name=_short(x["op_name"]), op_type=_short(x["op_type"], 40),
                  share="{:.1%}".format(x["share"]) if x.get("share") is not None else "")
             for x in top]
    table = format_table(shown, TOP, {"time_ms": ".3f"}, right=("time_ms", "share"))
    lines = [title, table, summary_line(rows)]
    lines += ["note: " + n for n in (r.get("notes") or "").split("; ") if n]
    return "\n".join(lines)


def by_type(rows):
    """{op_type: ms per inference} of one model's rows, largest first."""
    out = {}
    for r in rows:
        out[r["op_type"]] = out.get(r["op_type"], 0.0) + (r["time_ms"] or 0.0)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))
