"""What goes into a report: which kind of bench CSV each input is (told by its columns),
which tables and plots that kind supports, the device information and the results
relative to a baseline.

Every input is read with :func:`bench.analysis.tables.read_table`, the one reader of
analysis CSVs, so a file it refuses here is refused with the same one-line message as
``bench plot`` gives; plots are drawn by the same functions ``bench plot`` calls.
Nothing here writes HTML: the sections are plain data (:class:`Section`, :class:`Table`,
:class:`Figure`) that :mod:`bench.report.html` renders.
"""

import os

from bench.analysis.tables import optional_float, read_table
from bench.errors import BenchError

RUN_CI = ("throughput_ci_low", "throughput_ci_high", "relative_time", "relative_time_ci_low",
          "relative_time_ci_high")
RUN_OPTIONAL = RUN_CI + ("params_m", "latency_ms_p50", "energy_mj_per_inference")


class Kind:
    """One kind of bench CSV: how it is recognised (``signature``: columns only it has,
    ``required``: columns it needs) and checked (``numbers``/``optional`` as
    :func:`read_table` takes them)."""

    def __init__(self, name, title, signature, required, numbers=(), optional=()):
        self.name = name
        self.title = title
        self.signature = signature
        self.required = required
        self.numbers = numbers
        self.optional = optional

    def matches(self, columns):
        return all(c in columns for c in self.signature + self.required)


# most specific first: a sweep CSV has every run column, a quality CSV has throughput
KINDS = (
    Kind("fp16", "FP16 vs FP32 (bench compare-fp16)", ("ratio", "throughput_fp32",
                                                        "throughput_fp16"),
         ("model", "status"), ("ratio", "throughput_fp32", "throughput_fp16"), ("params_m",)),
    Kind("estimate", "Throughput estimate (bench estimate)", ("role",),
         ("model", "family", "params_m", "throughput"), ("params_m",), ("throughput",)),
    Kind("quality", "Anti-spoofing quality vs speed (bench evaluate --speed)", ("acer", "series"),
         ("model", "throughput"), ("throughput",), ()),
    Kind("evaluate", "Anti-spoofing quality (bench evaluate)", ("acer", "apcer", "bpcer"),
         ("model", "status"), (), ()),
    Kind("sustained", "Sustained load (bench sustained)", ("interval", "t_end_s"),
         ("throughput", "status"), ("throughput",), ()),
    Kind("sweep", "Resolution sweep (bench sweep-resolution)", ("patches_per_s",),
         ("model", "resolution", "throughput", "status"), ("throughput", "resolution"),
         ("patches_per_s",) + RUN_OPTIONAL),
    Kind("run", "Benchmark results (bench run)", (),
         ("model", "runtime", "throughput", "status"), ("throughput",), RUN_OPTIONAL),
)

# device state columns of a results row (README "Result columns"), in the order shown
DEVICE_COLUMNS = (
    ("device_kind", "kind"), ("host", "host"), ("os", "OS"), ("cpu_model", "CPU"),
    ("logical_cores", "logical cores"), ("cpu_governor", "CPU governor"),
    ("cpu_freq_mhz", "CPU MHz"), ("gpu_name", "GPU"), ("python_version", "Python"),
    ("torch_version", "torch"), ("onnxruntime_version", "onnxruntime"),
    ("litert_version", "LiteRT"), ("tensorrt_version", "TensorRT"), ("l4t", "L4T"),
    ("power_mode", "power mode"), ("clocks_locked", "clocks locked"),
    ("device_model", "device model"), ("soc", "SoC"), ("abi", "ABI"),
    ("android_version", "Android"), ("delegate", "TFLite delegate"),
    ("power_source", "power source"),
)


class Table:
    """``headers`` and ``rows`` of display strings; ``right``: indexes of numeric columns;
    ``bad``: per row, whether it is a non-ok row (drawn highlighted); ``reasons``: per row,
    its error and notes (shown under it)."""

    def __init__(self, caption, headers, rows, right=(), bad=None, note="", reasons=None):
        self.caption = caption
        self.headers = headers
        self.rows = rows
        self.right = set(right)
        self.bad = bad or [False] * len(rows)
        self.note = note
        self.reasons = reasons or [""] * len(rows)


class Figure:
    """A plot: ``png`` bytes (or ``problem``: why it could not be drawn)."""

    def __init__(self, kind, caption, png=None, problem=None):
        self.kind = kind
        self.caption = caption
        self.png = png
        self.problem = problem


class Section:
    def __init__(self, title, source=None, kind=None, summary=""):
        self.title = title
        self.source = source
        self.kind = kind
        self.summary = summary
        self.tables = []
        self.figures = []


class Input:
    """One CSV as read: its :class:`Kind` and its :class:`bench.analysis.tables.Table`."""

    def __init__(self, path, kind, table):
        self.path = path
        self.kind = kind
        self.table = table

    @property
    def rows(self):
        return self.table.rows


def classify(columns):
    """The :class:`Kind` whose columns ``columns`` has, or None."""
    return next((k for k in KINDS if k.matches(columns)), None)


def read_input(path):
    """Read one CSV and tell its kind; a file that is none of them is a one-line error."""
    first = read_table(path, what="CSV")  # missing, empty, binary, no rows...
    kind = classify(first.columns)
    if kind is None:
        raise BenchError(_unknown(path, first.columns))
    return Input(path, kind, read_table(path, kind.required, kind.numbers, kind.optional, "CSV"))


def _unknown(path, columns):
    if len(columns) <= 1:
        head = columns[0] if columns else ""
        for sep, name in ((";", "semicolons"), ("\t", "tabs")):
            if sep in head:
                return ("CSV {} is separated by {}, not commas; save it as a comma-separated "
                        "CSV".format(path, name))
        return ("CSV {} does not look like a bench CSV: its first line {!r} is not "
                "comma-separated column names".format(path, head[:40]))
    shown = ", ".join(columns[:10]) + (", ..." if len(columns) > 10 else "")
    return ("CSV {} is none of the CSVs bench writes (run, sweep, compare-fp16, estimate, "
            "evaluate, sustained): its columns are {}; a bench run CSV has at least model, "
            "runtime, throughput, status".format(path, shown))


# -- formatting ------------------------------------------------------------------------

def num(value, digits=4):
    """A number as shown: 4 significant digits, no exponent for large values."""
    x = optional_float(value)
    if x is None:
        return "" if value is None else str(value)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    if abs(x) >= 10 ** digits:
        return "{:.0f}".format(x)
    return "{:.{}g}".format(x, digits)


def with_interval(row, col, low, high):
    v = num(row.get(col))
    lo, hi = optional_float(row.get(low)), optional_float(row.get(high))
    if v and lo is not None and hi is not None:
        return "{} [{}, {}]".format(v, num(lo), num(hi))
    return v


def _varying(rows, col):
    return len({r.get(col, "") for r in rows}) > 1


def _ok(row):
    return row.get("status", "ok") == "ok"


def _reason(row):
    """The error of a non-ok row and the notes of any row, one text."""
    parts = []
    if not _ok(row) and row.get("error"):
        parts.append(row["error"])
    if row.get("notes"):
        parts.append(row["notes"])
    if row.get("stop_reason"):
        parts.append(row["stop_reason"])
    return "; ".join(parts)


def _table(caption, rows, spec, note="", reasons=True):
    """``spec``: (header, function(row) -> text, numeric); columns empty on every row are
    left out. A row's error and notes (often a sentence) go under it, across the table."""
    cells = [[f(r) for _, f, _ in spec] for r in rows]
    keep = [i for i, _ in enumerate(spec) if any(c[i] for c in cells)]
    return Table(caption, [spec[i][0] for i in keep], [[c[i] for i in keep] for c in cells],
                 right=[j for j, i in enumerate(keep) if spec[i][2]],
                 bad=[not _ok(r) for r in rows], note=note,
                 reasons=[_reason(r) for r in rows] if reasons else None)


def _col(name, digits=4):
    return lambda r: num(r.get(name), digits)


def _text(name):
    return lambda r: r.get(name, "")


# -- result tables ---------------------------------------------------------------------

def run_table(rows):
    spec = []
    for col in ("device", "batch"):
        if _varying(rows, col):
            spec.append((col, _text(col), col == "batch"))
    spec += [
        ("model", _text("model"), False),
        ("runtime", _text("runtime"), False),
        ("format", lambda r: r.get("format", "") if _format_varies(rows) else "", False),
        ("precision", _text("precision"), False),
        ("resolution", _text("resolution"), True),
        ("status", _text("status"), False),
        ("throughput (inf/s) [95 % interval]",
         lambda r: with_interval(r, "throughput", "throughput_ci_low", "throughput_ci_high"), True),
        ("patches/s", _col("patches_per_s"), True),
        ("latency p50 (ms)", _col("latency_ms_p50"), True),
        ("relative time [95 % interval]",
         lambda r: with_interval(r, "relative_time", "relative_time_ci_low",
                                 "relative_time_ci_high"), True),
        ("energy (mJ/inf)", _col("energy_mj_per_inference"), True),
        ("params (M)", _col("params_m"), True),
    ]
    return _table("Results ({} rows)".format(len(rows)), rows, spec)


def _format_varies(rows):
    """Whether a runtime ran several formats (else the runtime says the format)."""
    seen = {}
    for r in rows:
        seen.setdefault(r.get("runtime"), set()).add(r.get("format", ""))
    return any(len(f) > 1 for f in seen.values())


def fp16_table(rows):
    spec = [("model", _text("model"), False), ("runtime", _text("runtime"), False),
            ("resolution", _text("resolution"), True), ("status", _text("status"), False),
            ("T fp32 (inf/s)", _col("throughput_fp32"), True),
            ("T fp16 (inf/s)", _col("throughput_fp16"), True),
            ("R = T fp16 / T fp32", _col("ratio"), True)]
    if _varying(rows, "device"):
        spec.insert(0, ("device", _text("device"), False))
    return _table("FP16 / FP32 pairs", rows, spec)


def estimate_table(rows):
    spec = [("model", _text("model"), False), ("family", _text("family"), False),
            ("role", _text("role"), False), ("params (M)", _col("params_m"), True),
            ("predicted (inf/s)", _col("predicted_throughput"), True),
            ("measured (inf/s)", _col("throughput"), True),
            ("abs error", _col("abs_error"), True)]
    return _table("Estimates", rows, spec)


def quality_table(rows):
    spec = [("model", _text("model"), False), ("config", _text("config"), False),
            ("weights", _text("weights"), False), ("series", _text("series"), False),
            ("accuracy (%)", _col("accuracy"), True), ("APCER (%)", _col("apcer"), True),
            ("BPCER (%)", _col("bpcer"), True), ("ACER (%)", _col("acer"), True),
            ("throughput (inf/s)", _col("throughput"), True)]
    return _table("Quality and speed", rows, spec)


def evaluate_table(rows):
    spec = [("model", _text("model"), False), ("config", _text("config"), False),
            ("weights", _text("weights"), False), ("format", _text("format"), False),
            ("runtime", _text("runtime"), False), ("status", _text("status"), False),
            ("live", _text("n_live"), True), ("spoof", _text("n_spoof"), True),
            ("accuracy (%)", _col("accuracy"), True), ("APCER (%)", _col("apcer"), True),
            ("BPCER (%)", _col("bpcer"), True), ("ACER (%)", _col("acer"), True),
            ("max score diff", _col("score_max_diff"), True)]
    return _table("Quality", rows, spec)


def sustained_table(rows):
    spec = [("interval", _text("interval"), True), ("start (s)", _col("t_start_s"), True),
            ("end (s)", _col("t_end_s"), True), ("status", _text("status"), False),
            ("throughput (inf/s)", _col("throughput"), True),
            ("power (mW)", _col("power_mw"), True),
            ("energy (mJ/inf)", _col("energy_mj_per_inference"), True),
            ("temp (C)", _col("temp_c"), True),
            ("background CPU (%)", _col("background_cpu_pct"), True)]
    first = rows[0]
    what = ", ".join(str(first.get(c)) for c in ("model", "runtime", "precision")
                     if first.get(c))
    return _table("Intervals{}".format(" ({})".format(what) if what else ""), rows, spec)


TABLES = {"run": run_table, "sweep": run_table, "fp16": fp16_table, "estimate": estimate_table,
          "quality": quality_table, "evaluate": evaluate_table, "sustained": sustained_table}


# -- relative to a baseline ------------------------------------------------------------

GROUP = ("device", "runtime", "format", "precision", "resolution", "batch")


def relative_table(inp):
    """Each model's time relative to its baseline: the measured ``relative_time`` (paired
    rounds) where the CSV has it, else T(baseline) / T(model) from the two medians where
    the baseline model was measured ok alongside. None when there is no baseline."""
    ok = [r for r in inp.rows if _ok(r) and optional_float(r.get("throughput"))]
    measured = [r for r in ok if optional_float(r.get("relative_time")) is not None]
    if measured:
        spec = [("model", _text("model"), False), ("runtime", _text("runtime"), False),
                ("precision", _text("precision"), False),
                ("baseline", _text("baseline"), False),
                ("relative time [95 % interval]",
                 lambda r: with_interval(r, "relative_time", "relative_time_ci_low",
                                         "relative_time_ci_high"), True),
                ("speed-up vs baseline", lambda r: "{}x".format(
                    num(1.0 / optional_float(r["relative_time"]), 3)), True)]
        for col in ("device", "resolution"):
            if _varying(measured, col):
                spec.insert(0, (col, _text(col), col == "resolution"))
        return _table("Time relative to the baseline (T(baseline) / T(model) from paired "
                      "rounds; below 1: faster than the baseline)", measured, spec,
                      reasons=False)
    computed = []
    for r in ok:
        base = r.get("baseline")
        if not base:
            continue
        key = tuple(r.get(c, "") for c in GROUP)
        ref = next((b for b in ok if b.get("model") == base and
                    tuple(b.get(c, "") for c in GROUP) == key), None)
        if ref is not None:
            rel = float(ref["throughput"]) / float(r["throughput"])
            computed.append(dict(r, _rel=rel))
    if not computed:
        return None
    spec = [("model", _text("model"), False), ("runtime", _text("runtime"), False),
            ("precision", _text("precision"), False), ("baseline", _text("baseline"), False),
            ("relative time", lambda r: num(r["_rel"]), True),
            ("speed-up vs baseline", lambda r: "{}x".format(num(1.0 / r["_rel"], 3)), True)]
    return _table("Time relative to the baseline (computed from the medians: T(baseline) / "
                  "T(model); the CSV has no paired relative_time)", computed, spec,
                  reasons=False)


# -- device information ----------------------------------------------------------------

def device_table(inputs):
    """One column per device, one row per device-state field any CSV fills."""
    devices = {}
    for inp in inputs:
        if not any(c in inp.table.columns for c, _ in DEVICE_COLUMNS + (("device", ""),)):
            continue  # an estimate or compare-fp16 CSV: no device information
        for r in inp.rows:
            name = r.get("device") or os.path.basename(inp.path)
            info = devices.setdefault(name, {})
            for col, _ in DEVICE_COLUMNS:
                if r.get(col):
                    info.setdefault(col, [])
                    if r[col] not in info[col]:
                        info[col].append(r[col])
            info.setdefault("_files", [])
            if os.path.basename(inp.path) not in info["_files"]:
                info["_files"].append(os.path.basename(inp.path))
    if not devices:
        return None
    names = list(devices)
    rows = [["files"] + [", ".join(devices[n]["_files"]) for n in names]]
    for col, label in DEVICE_COLUMNS:
        if any(devices[n].get(col) for n in names):
            rows.append([label] + [" / ".join(devices[n].get(col, [])) for n in names])
    return Table("Devices", ["device"] + names, rows)


# -- plots -----------------------------------------------------------------------------

def _ok_rows(inp):
    return [r for r in inp.rows if inp.table.counts(r)]


def _has(inp, col):
    return any(optional_float(r.get(col)) is not None for r in _ok_rows(inp))


def plots_for(inp):
    """(plot kind, caption[, rows]) for every plot ``bench plot`` draws that this CSV
    supports (``rows``: the part of the CSV one plot draws; default the whole CSV)."""
    cols, kind = inp.table.columns, inp.kind.name
    out = []
    if kind == "run":
        groups = bar_groups(inp)
        for key, rows in groups.items():
            what = ", ".join("{} {}".format(c, v) for c, v in zip(BAR_GROUP, key) if v and
                             len({k[BAR_GROUP.index(c)] for k in groups}) > 1)
            out.append(("bars", "Throughput per model and runtime{} (bars: 95 % interval of "
                                "the median; below: time relative to the baseline when there "
                                "is one)".format(" — " + what if what else ""), rows))
        if all(c in cols for c in ("family", "params_m")) and _has(inp, "params_m"):
            out.append(("params", "Throughput vs parameters, by family"))
            if _any_top1(inp):
                out.append(("accuracy", "ImageNet top-1 vs throughput and vs parameters"))
        if _has(inp, "energy_mj_per_inference"):
            out.append(("energy", "Throughput vs energy per inference"))
    elif kind == "sweep":
        out.append(("sweep", "Throughput and 112x112 patches/s vs resolution"))
    elif kind == "fp16" and any(_ok(r) and optional_float(r.get("ratio")) for r in inp.rows):
        out.append(("fp16", "R = T fp16 / T fp32 against T fp32"))
    elif kind == "estimate" and any(r.get("role") == "landmark" for r in inp.rows):
        out.append(("estimate", "Naive vs per-family estimator fits"))
    elif kind == "quality" and any(optional_float(r.get("acer")) is not None for r in inp.rows):
        out.append(("quality", "ACER vs throughput"))
    elif kind == "sustained" and _has(inp, "throughput"):
        out.append(("sustained", "Throughput and temperature against time"))
    return out


BAR_GROUP = ("device", "precision", "resolution", "batch")


def bar_groups(inp):
    """The ok rows of a run CSV by (device, precision, resolution, batch): one bar chart
    each, since a bar is one model on one runtime."""
    groups = {}
    for r in _ok_rows(inp):
        if optional_float(r.get("throughput")) is not None:
            groups.setdefault(tuple(r.get(c, "") for c in BAR_GROUP), []).append(r)
    return groups


def _any_top1(inp):
    from bench.plots.tradeoffs import ok_points, top1_of

    return any(top1_of(p["model"], p.get("imagenet_top1")) is not None
               for p in ok_points(inp.rows))


def fp16_from_runs(inputs):
    """A FP16 plot from the run CSVs together (both precisions of a model, as
    ``bench plot fp16`` pairs them), or None when they hold no pair."""
    from bench.analysis.fp16 import missing_precision, pair_rows

    rows = [r for i in inputs if i.kind.name == "run" for r in i.rows]
    if not rows or missing_precision(rows):
        return None
    pairs = pair_rows(rows)
    return pairs if any(p.get("status") == "ok" for p in pairs) else None


def draw(kind, inp_or_pairs, folder):
    """The PNG bytes of one plot, drawn by the function ``bench plot`` uses."""
    from bench.cli import cmd_plot

    path = os.path.join(folder, "{}-{}.png".format(kind, len(os.listdir(folder))))
    if kind == "fp16-runs":
        from bench.plots.fp16 import plot_fp16

        plot_fp16(inp_or_pairs, path)
    elif kind == "sustained":
        from bench.plots.sustained import plot_sustained

        plot_sustained(inp_or_pairs.rows, path)
    elif kind == "bars":  # one group's rows (see bar_groups), drawn as bench plot bars does
        from bench.plots.throughput_bars import plot_throughput_bars

        plot_throughput_bars(inp_or_pairs, path)
    else:
        cmd_plot.draw(kind, [inp_or_pairs.table], path, {"title": None})
    with open(path, "rb") as fh:
        return fh.read()


def figure(kind, caption, data, folder):
    try:
        return Figure(kind, caption, png=draw(kind, data, folder))
    except BenchError as exc:  # e.g. an estimate family with too few landmarks
        return Figure(kind, caption, problem=str(exc).strip().splitlines()[0])


# -- the whole report ------------------------------------------------------------------

def build(inputs, folder):
    """The report's sections for ``inputs`` (read with :func:`read_input`); plots are
    drawn into ``folder``. -> (device table or None, [Section])."""
    sections = []
    for inp in inputs:
        rows = inp.rows
        statuses = {}
        for r in rows:
            statuses[r.get("status") or "no status"] = statuses.get(
                r.get("status") or "no status", 0) + 1
        summary = "{} rows{}".format(len(rows), ": " + ", ".join(
            "{} {}".format(n, s) for s, n in statuses.items()) if "status" in inp.table.columns
            else "")
        sec = Section(inp.kind.title, source=inp.path, kind=inp.kind.name, summary=summary)
        sec.tables.append(TABLES[inp.kind.name](rows))
        if inp.kind.name in ("run", "sweep"):
            rel = relative_table(inp)
            if rel is not None:
                sec.tables.append(rel)
        for plot in plots_for(inp):
            kind, caption, data = (plot + (inp,))[:3]
            sec.figures.append(figure(kind, caption, data, folder))
        sections.append(sec)
    pairs = fp16_from_runs(inputs)
    if pairs is not None:
        sec = Section("FP16 vs FP32 (paired from the bench run CSVs)", kind="fp16")
        sec.tables.append(fp16_table(pairs))
        sec.figures.append(figure("fp16-runs", "R = T fp16 / T fp32 against T fp32", pairs,
                                  folder))
        sections.append(sec)
    return device_table(inputs), sections
