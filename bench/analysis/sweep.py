"""Resolution sweep bookkeeping (SPEC §4): extra columns, stop rules, the max-resolution table.

A sweep row is a ``bench run`` row plus ``patches_per_s`` = T·(r/112)² and, on the
row that ends a model's sweep, ``max_resolution`` (largest resolution measured
``ok``) and ``stop_reason``. Rows are still appended one at a time, complete, so
the last row of a (model, runtime) is its verdict and a killed sweep resumes.
"""

from bench.results_csv import COLUMNS

SWEEP_COLUMNS = COLUMNS + ("patches_per_s", "max_resolution", "stop_reason")
DEFAULT_RESOLUTIONS = (112, 160, 224, 320, 448, 640, 896, 1024, 1440)
PATCH = 112
COMPLETED = "completed: every requested resolution ran"


def patches_per_s(throughput, resolution):
    """112x112 patches processed per second: exposes per-inference overhead at small r."""
    return throughput * (float(resolution) / PATCH) ** 2


LINE_COLUMNS = ("device", "model", "runtime", "precision", "batch")


def line_key(row):
    """One sweep line: the run key without the resolution (the format follows the runtime)."""
    return tuple(str(row.get(c, "")) for c in LINE_COLUMNS)


def _int(v):
    try:
        return int(float(v))
    except (TypeError, ValueError):
        return None


class SweepState:
    """Per line: largest ok resolution so far, and whether it has stopped."""

    def __init__(self, previous_rows=()):
        self.max_ok = {}
        self.stopped = {}
        for row in previous_rows:
            self.note(row)

    def note(self, row):
        key = line_key(row)
        if row.get("status") == "ok":
            r = _int(row.get("resolution"))
            if r is not None and r > (self.max_ok.get(key) or 0):
                self.max_ok[key] = r
        elif key not in self.stopped:
            self.stopped[key] = row.get("stop_reason") or "{} at {}".format(
                row.get("status"), row.get("resolution"))


class SweepRowWriter:
    """Wraps a ResultsWriter: completes each row with the sweep columns as it is written.

    ``last`` (set by the sweep before each measurement) says whether this is the
    line's last requested resolution, so an ``ok`` row there records completion.
    """

    def __init__(self, writer, state):
        self.writer = writer
        self.state = state
        self.last = False

    def write(self, row):
        status = row.get("status")
        key = line_key(row)
        if status == "ok" and row.get("throughput") is not None:
            row["patches_per_s"] = patches_per_s(float(row["throughput"]), row["resolution"])
        self.state.note(row)
        if status != "ok":
            row["stop_reason"] = "{} at {}: {}".format(status, row.get("resolution"),
                                                       row.get("error") or "no reason given")
            self.state.stopped[key] = row["stop_reason"]
        elif self.last:
            row["stop_reason"] = COMPLETED
        if "stop_reason" in row:
            row["max_resolution"] = self.state.max_ok.get(key)
        self.writer.write(row)

    def close(self):
        self.writer.close()


def max_resolution_table(rows):
    """Per (model, runtime, precision) line: max ok resolution and why the sweep stopped.

    Taken from every row (not only the verdict row), so it also summarises an
    interrupted sweep: a line without a verdict says ``not finished``.
    """
    lines = {}
    for row in rows:
        key = (row.get("model"), row.get("runtime"), row.get("precision"), row.get("device"))
        entry = lines.setdefault(key, {"model": key[0], "runtime": key[1], "precision": key[2],
                                       "device": key[3], "max_resolution": None,
                                       "stop_reason": ""})
        if row.get("status") == "ok":
            r = _int(row.get("resolution"))
            if r is not None and r > (entry["max_resolution"] or 0):
                entry["max_resolution"] = r
        if row.get("stop_reason") and (not entry["stop_reason"]
                                       or entry["stop_reason"] == COMPLETED):
            entry["stop_reason"] = row["stop_reason"]
    for entry in lines.values():
        entry["stop_reason"] = entry["stop_reason"] or "not finished (resume to continue)"
    return list(lines.values())
