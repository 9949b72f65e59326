"""``bench diff``: did throughput change between two result CSVs, and is it more than noise?

Rows are matched by their key (model, format, runtime, precision, resolution, batch; the
device too when a file holds several devices). For every key that is ``ok`` on both
sides one list of values per side is compared, the key's *basis*:

- ``paired`` (the default where it can be): both rows name the same ``baseline`` (not the
  row's own model) and carry its per-round ratios ``trial_relative_times`` = T(baseline) /
  T(model), each from a round in which the baseline and the model were measured
  interleaved. The values compared are their inverses, T(model) / T(baseline): the model's
  throughput relative to the baseline measured alongside. Whatever the machine did between
  (or during) the runs (other load, the cores the worker got, clocks) slows the baseline
  and the model alike within a round and cancels in the ratio; so, alike, does a change
  that hits every model (a runtime upgrade): that shows on the throughput basis only.
- ``throughput``: the raw per-trial throughputs (``trial_throughputs``): for a key without
  a baseline, with another baseline on each side, without ratios, for the baseline's own
  row (its ratios are 1 by definition; it tells how the machine and the shared stack
  moved), and for every key with ``absolute=True`` (``--absolute``).

On either basis:

- ``change``: the Hodges-Lehmann estimate of NEW/OLD - 1, i.e. the median of the ratios
  new_j / old_i over every pair of an OLD trial and a NEW trial, minus 1;
- its interval: every multiplicative change c for which a two-sided Mann-Whitney U test
  (``scipy.stats.mannwhitneyu``) of NEW/(1 + c) against OLD is *not* rejected at
  ``alpha`` (the Moses / Hodges-Lehmann interval, found by inverting scipy's own test:
  95 % by default, 1 - alpha in general);
- ``p``: that test of NEW against OLD, two-sided.

``change`` < 0 means the model got slower on either basis (its throughput, or its
throughput relative to the baseline's, fell).

Why Hodges-Lehmann rather than a bootstrap of the ratio of medians: its interval is the
set of changes the very test behind the verdict accepts, so "p < alpha" and "the interval
excludes 0" say the same thing instead of two methods that can disagree; it is
distribution-free with a known coverage for a change that scales every trial alike; it
has no resampling noise and needs no seed (the same files always give the same output);
and a bootstrap of a median over the 6-20 trials a run keeps has a coarse, too narrow
distribution (coverage below its nominal level).

Verdict: ``faster`` / ``slower`` when p < alpha and the interval lies above / below 0,
``unchanged`` otherwise; ``unknown`` (with why) when a side has fewer than 3 trials or the
trial counts cannot give p < alpha at all (3 against 3 at alpha 0.05: the interval is
unbounded). The interval covers trial-to-trial noise within each run, not drift from one
run to the next (other load, the cores ``cpu_affinity = "auto"`` picked, memory placement,
clocks) on the throughput basis: two runs of one build on this project's shared 2-core
machine came out 6-12 % apart on every key with p < 0.0001 there. The paired basis is the
cure: it cancels that drift. A CI gate (:func:`gate_failures`) fails only when the whole
interval is beyond its threshold; by default it does not judge the baseline's own row
when other keys were compared paired (that row is the machine's drift: ``--absolute``
gates "did the whole stack change", the default "did this model change"), and the
threshold should be set above what an A/A diff (two runs of the same build) shows on the
gating machine. Warnings name what
differs between the files (machine, settings, runtime versions, threads and cores,
background load) and a line says when every key moved the same way.

No CLI here: ``bench/cli/cmd_diff.py`` reads the files through :func:`load_pair` and prints.
"""

import math

from bench.analysis.tables import optional_float, read_table
from bench.errors import BenchError
from bench.results_csv import COLUMNS as RUN_COLUMNS

KEY = ("model", "format", "runtime", "precision", "resolution", "batch")  # without the device
REQUIRED = ("device",) + KEY + ("status", "throughput", "trial_throughputs")
NUMBERS = ("throughput",)
MIN_TRIALS = 3
WHAT = "results CSV"
RATIOS = "trial_relative_times"  # per-round T(baseline) / T(model): the paired basis

# The machine a file was measured on, and its settings: any of these differing is a warning.
MACHINE_COLUMNS = ("device", "device_kind", "host", "cpu_model", "logical_cores", "gpu_name",
                   "device_model", "soc", "abi")
SETTING_COLUMNS = ("os", "l4t", "android_version", "power_mode", "clocks_locked",
                   "cpu_governor")
# Versions of what ran a key: differing for a compared key is a warning.
VERSION_COLUMNS = ("python_version", "torch_version", "onnxruntime_version", "litert_version",
                   "tensorrt_version")
# How a key was measured: threads and cores (cpu_affinity "auto" picks the idlest cores, so
# two runs may land on different ones, and cores differ in speed). Differing: a warning.
MEASURE_COLUMNS = ("threads", "cpu_affinity")
RUNTIME_VERSIONS = {"torch": ("torch_version",), "torchscript": ("torch_version",),
                    "onnxruntime": ("onnxruntime_version",), "tflite": ("litert_version",),
                    "tensorrt": ("tensorrt_version",)}

# Other processes' share of the worker's cores during a run's trials (background_cpu_pct):
# above this on either side, the change may be the machine's load rather than the models.
LOAD_WARN_PCT = 10.0

VERDICTS = ("faster", "slower", "unchanged", "unknown", "only_old", "only_new", "not_ok")
OUT_COLUMNS = ("model", "format", "runtime", "precision", "resolution", "batch", "device_old",
               "device_new", "throughput_old", "throughput_new", "trials_old", "trials_new",
               "basis", "change_pct", "change_ci_low_pct", "change_ci_high_pct", "p_value",
               "verdict", "status_old", "status_new", "notes")

# Columns that tell which command wrote a CSV (for the different-schemas message).
_KINDS = (("patches_per_s", "bench sweep-resolution CSV"),
          ("throughput_fp32", "bench compare-fp16 comparison CSV"),
          ("t_start_s", "bench sustained CSV"),
          ("acer", "bench evaluate CSV"),
          ("predicted_throughput", "bench estimate CSV"))


# -- reading ------------------------------------------------------------------------------

def load_pair(old_path, new_path):
    """Both CSVs, read and checked -> (old Table, new Table). One-line BenchError (exit 2)
    for a missing, empty or garbage file, CSVs of different schemas (naming the columns
    that differ), a CSV that is not a ``bench run`` CSV, an unusable throughput."""
    tables = [read_table(p, what=WHAT) for p in (old_path, new_path)]
    _check_same_schema(*tables)
    out = []
    for t in tables:
        missing = [c for c in REQUIRED if c not in t.columns]
        if missing:
            raise BenchError("{} {} is {}, not a bench run CSV: it lacks {}".format(
                WHAT, t.path, _kind(t.columns, article=True), _names(missing)))
        out.append(read_table(t.path, REQUIRED, numbers=NUMBERS, what=WHAT))
    return out[0], out[1]


def _kind(columns, article=False):
    have = set(columns)
    for col, kind in _KINDS:
        if col in have:
            return ("a " if article else "") + kind
    if have == set(RUN_COLUMNS):
        return ("a " if article else "") + "bench run CSV"
    if "trial_throughputs" in have:
        return ("a " if article else "") + "bench run CSV of another bench version"
    return "a CSV of another kind" if article else "another kind of CSV"


def _names(cols, n=6):
    cols = list(cols)
    shown = ", ".join(cols[:n])
    return shown + (" and {} more".format(len(cols) - n) if len(cols) > n else "")


def _check_same_schema(old, new):
    if set(old.columns) == set(new.columns):
        return
    only_old = [c for c in old.columns if c not in new.columns]
    only_new = [c for c in new.columns if c not in old.columns]
    kinds = "{} is {}, {} is {}".format(old.path, _kind(old.columns, True), new.path,
                                        _kind(new.columns, True))
    parts = []
    if only_old:
        parts.append("only {} has {}".format(old.path, _names(only_old)))
    if only_new:
        parts.append("only {} has {}".format(new.path, _names(only_new)))
    raise BenchError("{} and {} have different columns ({}): {}; compare two CSVs written by "
                     "the same command of the same bench version".format(
                         old.path, new.path, kinds, "; ".join(parts)))


def trials_of(table, i, column="trial_throughputs"):
    """The raw per-trial throughputs of ``table.rows[i]`` (or another ``;``-separated list
    column: ``trial_relative_times``) as a list, maybe empty; a cell that is not a
    ``;``-separated list of numbers > 0 is a one-line BenchError naming the line."""
    text = table.rows[i].get(column, "")
    if not text:
        return []
    out = []
    for part in text.split(";"):
        x = optional_float(part.strip())
        if x is None or x <= 0:
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise BenchError("{}: {} {!r} is not a ';'-separated list of numbers > 0 "
                             "({!r})".format(table.where(i), column, shown, part))
        out.append(x)
    return out


# -- the statistics -----------------------------------------------------------------------

def _pvalue(new_logs, old_logs):
    from scipy.stats import mannwhitneyu

    return float(mannwhitneyu(new_logs, old_logs, alternative="two-sided").pvalue)


def compare_trials(old, new, alpha=0.05):
    """Raw per-trial throughputs of one key -> dict: ``change``, ``ci_low``, ``ci_high``
    (fractions: -0.1 = 10 % slower; None when not computed), ``p``, ``verdict`` and ``why``
    (for ``unknown``). Deterministic: the same trials always give the same answer."""
    import numpy as np

    out = {"change": None, "ci_low": None, "ci_high": None, "p": None, "why": ""}
    if len(old) < MIN_TRIALS or len(new) < MIN_TRIALS:
        out["verdict"] = "unknown"
        out["why"] = "too few trials: {} in OLD, {} in NEW (needs at least {} a side)".format(
            len(old), len(new), MIN_TRIALS)
        return out
    lo_, ln_ = np.log(np.asarray(old, float)), np.log(np.asarray(new, float))
    diffs = np.sort(np.subtract.outer(ln_, lo_).ravel())  # log(new_j / old_i), every pair
    out["change"] = math.expm1(float(np.median(diffs)))
    out["p"] = _pvalue(ln_, lo_)
    low, high = _moses_interval(ln_, lo_, diffs, alpha)
    if low is None and high is None:
        out["verdict"] = "unknown"
        out["why"] = ("{} and {} trials cannot give p < {:g} (the smallest p they can give is "
                      "{:.2g}); measure more rounds (--repeats)").format(
                          len(old), len(new), alpha, _extreme_p(ln_, lo_, diffs))
        return out
    out["ci_low"] = math.expm1(low) if low is not None else None
    out["ci_high"] = math.expm1(high) if high is not None else None
    significant = out["p"] < alpha
    if significant and low is not None and low > 0:
        out["verdict"] = "faster"
    elif significant and high is not None and high < 0:
        out["verdict"] = "slower"
    else:
        out["verdict"] = "unchanged"
    return out


def _extreme_p(ln_, lo_, diffs):
    return _pvalue(ln_ - (diffs[0] - 1.0), lo_)


def _moses_interval(ln_, lo_, diffs, alpha):
    """(low, high) of log(NEW/OLD): the shifts d for which scipy's two-sided Mann-Whitney
    test of log(NEW) - d against log(OLD) has p >= alpha. None for an end that is unbounded
    (the trial counts cannot reject that far out); (None, None) when neither end is bounded.

    Between two consecutive pairwise differences the test's U statistic, and so its p,
    is constant, and p rises towards the middle and falls away from it: binary searches over
    the gaps between the sorted distinct differences find the ends."""
    import numpy as np

    vals = np.unique(diffs)
    m = len(vals)
    below = np.searchsorted(diffs, vals, side="right")  # pairs <= vals[k]
    # gap g (0..m) lies between vals[g-1] and vals[g]; pairs below it: below[g-1] (0 for g=0)

    def shift(g):
        if g == 0:
            return vals[0] - 1.0
        if g == m:
            return vals[-1] + 1.0
        return (vals[g - 1] + vals[g]) / 2.0

    def accepted(g):
        return _pvalue(ln_ - shift(g), lo_) >= alpha

    n_pairs = len(diffs)
    counts = np.concatenate(([0], below))
    mid = int(np.argmin(np.abs(counts - n_pairs / 2.0)))
    if not accepted(mid):  # only with heavy ties: no gap is accepted; the tie is the estimate
        point = float(np.median(diffs))
        return point, point
    lo_g, hi_g = 0, mid  # first accepted gap in [0, mid]
    while lo_g < hi_g:
        g = (lo_g + hi_g) // 2
        if accepted(g):
            hi_g = g
        else:
            lo_g = g + 1
    first = lo_g
    lo_g, hi_g = mid, m  # last accepted gap in [mid, m]
    while lo_g < hi_g:
        g = (lo_g + hi_g + 1) // 2
        if accepted(g):
            lo_g = g
        else:
            hi_g = g - 1
    last = lo_g
    low = float(vals[first - 1]) if first > 0 else None
    high = float(vals[last]) if last < m else None
    return low, high


# -- matching the two files ---------------------------------------------------------------

def _ok_with_throughput(row):
    return row.get("status") == "ok" and (optional_float(row.get("throughput")) or 0) > 0


def _index(table, with_device):
    """key -> (row index, number of ok rows for the key): an ok row over any other, the
    last of equals (a retry after --resume)."""
    cols = (("device",) if with_device else ()) + KEY
    chosen, oks = {}, {}
    for i, row in enumerate(table.rows):
        key = tuple(row.get(c, "") for c in cols)
        ok = _ok_with_throughput(row)
        oks[key] = oks.get(key, 0) + (1 if ok else 0)
        if key not in chosen or ok or not _ok_with_throughput(table.rows[chosen[key]]):
            chosen[key] = i
    return {k: (i, oks[k]) for k, i in chosen.items()}


def devices(table):
    return list(dict.fromkeys(r.get("device", "") for r in table.rows))


def _values(rows, col):
    return sorted({r.get(col, "") for r in rows if r.get(col, "")})


def _show_values(vals):
    return ", ".join(repr(v) for v in vals) if vals else "(empty)"


class Diff:
    """The comparison of two tables: ``entries`` (one dict per key of either file, in the
    OLD file's order then NEW's, with :data:`OUT_COLUMNS` plus ``why``), ``warnings`` (one
    line each), ``matched_without_device`` and ``device_note``. ``absolute``: compare every
    key on its raw throughput (else paired against its baseline where both rows allow)."""

    def __init__(self, old, new, alpha=0.05, absolute=False):
        if not 0 < alpha < 1:
            raise BenchError("--alpha: {!r} is out of range: must be > 0 and < 1".format(alpha))
        self.old, self.new, self.alpha, self.absolute = old, new, alpha, absolute
        old_devs, new_devs = devices(old), devices(new)
        self.matched_without_device = len(old_devs) == 1 and len(new_devs) == 1
        self.device_note = ""
        if self.matched_without_device and old_devs != new_devs:
            self.device_note = ("comparing device {!r} ({}) with device {!r} ({}): keys matched "
                                "without the device".format(old_devs[0], old.path, new_devs[0],
                                                            new.path))
        elif not self.matched_without_device:
            self.device_note = ("{} devices in {}, {} in {}: keys matched with the device".format(
                len(old_devs), old.path, len(new_devs), new.path))
        self.warnings = self._machine_warnings(old_devs, new_devs)
        self.entries = self._entries()
        self.warnings.extend(self._version_warnings())
        self.warnings.extend(self._load_warnings())

    # -- warnings --
    def _machine_warnings(self, old_devs, new_devs):
        if self.matched_without_device:
            pairs = [(old_devs[0], new_devs[0])]
        else:
            pairs = [(d, d) for d in old_devs if d in new_devs]
        out = []
        for od, nd in pairs:
            o_rows = self._state_rows(self.old, od)
            n_rows = self._state_rows(self.new, nd)
            for col in MACHINE_COLUMNS + SETTING_COLUMNS:
                if col not in self.old.columns:
                    continue
                ov, nv = _values(o_rows, col), _values(n_rows, col)
                if ov != nv:
                    where = "" if self.matched_without_device else " (device {!r})".format(od)
                    out.append("warning: {} differs{}: {} in {}, {} in {}: the files come from "
                               "{}".format(col, where, _show_values(ov), self.old.path,
                                           _show_values(nv), self.new.path,
                                           "different machines" if col in MACHINE_COLUMNS
                                           else "a machine set up differently"))
        return out

    @staticmethod
    def _state_rows(table, device):
        rows = [r for r in table.rows if r.get("device", "") == device]
        ok = [r for r in rows if r.get("status") == "ok"]
        return ok or rows

    def _version_warnings(self):
        differ = {}  # (column, old value, new value) -> keys
        for e in self.entries:
            if e["verdict"] in ("only_old", "only_new", "not_ok"):
                continue
            o, n = e["_rows"]
            for col in RUNTIME_VERSIONS.get(e["runtime"], VERSION_COLUMNS) + MEASURE_COLUMNS:
                if col in self.old.columns and o.get(col, "") != n.get(col, ""):
                    differ.setdefault((col, o.get(col, ""), n.get(col, "")), []).append(
                        e["_label"])
        out = []
        for (col, ov, nv), keys in differ.items():
            out.append("warning: {} differs for {} key{}: {} in {}, {} in {} ({})".format(
                col, len(keys), "s" if len(keys) > 1 else "", _show_values([ov] if ov else []),
                self.old.path, _show_values([nv] if nv else []), self.new.path,
                _names(keys, 3)))
        return out

    def _load_warnings(self):
        """One line when the compared rows of either file ran with other processes taking a
        sizeable share of the worker's cores (``background_cpu_pct``)."""
        loads = ([], [])
        for e in self.compared():
            for side, row in enumerate(e["_rows"]):
                x = optional_float(row.get("background_cpu_pct"))
                if x is not None:
                    loads[side].append(x)
        if not any(v > LOAD_WARN_PCT for side in loads for v in side):
            return []
        shown = ["{:.0f}-{:.0f} % in {}".format(min(v), max(v), t.path) if v else
                 "not recorded in {}".format(t.path) for v, t in zip(loads, (self.old, self.new))]
        return ["warning: background_cpu_pct (other processes' share of the worker's cores "
                "during the trials) is {}, {}: a change may be the machine's load rather than "
                "the models; measure both on a quiet machine".format(*shown)]

    # -- entries --
    def _entries(self):
        with_device = not self.matched_without_device
        oi, ni = _index(self.old, with_device), _index(self.new, with_device)
        keys = list(oi) + [k for k in ni if k not in oi]
        if not any(k in ni for k in oi):
            cols = ("device, " if with_device else "") + ", ".join(KEY)
            raise BenchError("{} and {} share no row key ({}): e.g. {} in {}, {} in {}; "
                             "compare runs of the same models and settings".format(
                                 self.old.path, self.new.path, cols, _label(next(iter(oi))),
                                 self.old.path, _label(next(iter(ni))), self.new.path))
        return [self._entry(k, oi.get(k), ni.get(k), with_device) for k in keys]

    def _entry(self, key, o, n, with_device):
        fields = dict(zip(KEY, key[1:] if with_device else key))
        o_row = self.old.rows[o[0]] if o else None
        n_row = self.new.rows[n[0]] if n else None
        e = dict(fields, device_old=o_row.get("device", "") if o_row else "",
                 device_new=n_row.get("device", "") if n_row else "",
                 status_old=o_row.get("status", "") if o_row else "",
                 status_new=n_row.get("status", "") if n_row else "",
                 throughput_old=None, throughput_new=None, trials_old=None, trials_new=None,
                 basis=None, change_pct=None, change_ci_low_pct=None, change_ci_high_pct=None,
                 p_value=None, why="", _rows=(o_row, n_row), _label=_label(key),
                 _baseline=False)
        notes = []
        if o_row is None or n_row is None:
            e["verdict"] = "only_new" if o_row is None else "only_old"
            e["notes"] = "no row for this key in {}".format(
                self.old.path if o_row is None else self.new.path)
            return e
        ok_o, ok_n = _ok_with_throughput(o_row), _ok_with_throughput(n_row)
        if not (ok_o and ok_n):
            e["verdict"] = "not_ok"
            e["notes"] = "; ".join(
                "{} {}{}".format(side, row.get("status", "") or "no status",
                                 ": " + row["error"] if row.get("error") else "")
                for side, row, ok in (("OLD", o_row, ok_o), ("NEW", n_row, ok_n)) if not ok)
            return e
        e["_baseline"] = bool(o_row.get("baseline")) and \
            o_row.get("baseline") == o_row.get("model") and \
            n_row.get("baseline") == n_row.get("model")
        basis, old_vals, new_vals, why_basis = self._basis(e, o[0], n[0])
        if why_basis:
            notes.append(why_basis)
        e.update(throughput_old=optional_float(o_row["throughput"]),
                 throughput_new=optional_float(n_row["throughput"]),
                 trials_old=len(old_vals), trials_new=len(new_vals), basis=basis)
        res = compare_trials(old_vals, new_vals, self.alpha)
        e["verdict"], e["why"] = res["verdict"], res["why"]
        for col, val in (("change_pct", res["change"]), ("change_ci_low_pct", res["ci_low"]),
                         ("change_ci_high_pct", res["ci_high"])):
            e[col] = None if val is None else 100.0 * val
        e["p_value"] = res["p"]
        if res["why"]:
            notes.append(res["why"])
        for side, count in (("OLD", o[1]), ("NEW", n[1])):
            if count > 1:
                notes.append("{} ok rows for this key in {}: the last is compared".format(
                    count, side))
        for side, row in (("OLD", o_row), ("NEW", n_row)):
            if str(row.get("unstable", "")).lower() == "true":
                notes.append("{} unstable".format(side))
            load = optional_float(row.get("background_cpu_pct"))
            if load is not None and load > LOAD_WARN_PCT:
                notes.append("{} background load {:.0f} %".format(side, load))
        if o_row.get("artifact_key") and n_row.get("artifact_key") and \
                o_row["artifact_key"] != n_row["artifact_key"]:
            notes.append("artifact differs ({} -> {})".format(o_row["artifact_key"],
                                                             n_row["artifact_key"]))
        e["notes"] = "; ".join(notes)
        return e

    def _basis(self, e, oi, ni):
        """-> (basis, OLD values, NEW values, note on why not paired or ''): the paired
        speeds T(model) / T(baseline) = 1 / trial_relative_times where both rows have the
        same baseline (not themselves) and at least MIN_TRIALS ratios, else the raw trials."""
        o_row, n_row = e["_rows"]
        throughput = ("throughput", trials_of(self.old, oi), trials_of(self.new, ni))
        if self.absolute:
            return throughput + ("",)
        ob, nb = o_row.get("baseline", ""), n_row.get("baseline", "")
        if not ob and not nb:
            return throughput + ("",)
        if e["_baseline"]:
            return throughput + ("the baseline: compared on throughput (its paired ratios "
                                 "are 1 by definition)",)
        if ob != nb:
            return throughput + ("baseline differs ({} in OLD, {} in NEW): compared on "
                                 "throughput".format(ob or "none", nb or "none"),)
        ratios = (trials_of(self.old, oi, RATIOS), trials_of(self.new, ni, RATIOS))
        short = [(side, len(r)) for side, r in zip(("OLD", "NEW"), ratios) if len(r) < MIN_TRIALS]
        if short:
            return throughput + ("{}: compared on throughput".format(", ".join(
                "{} paired rounds against the baseline in {}".format(n, side)
                for side, n in short)),)
        return ("paired", [1.0 / r for r in ratios[0]], [1.0 / r for r in ratios[1]], "")

    # -- summaries --
    def counts(self):
        return {v: sum(1 for e in self.entries if e["verdict"] == v) for v in VERDICTS}

    def rows(self):
        """The entries as output rows (:data:`OUT_COLUMNS`)."""
        return [{c: e.get(c) for c in OUT_COLUMNS} for e in self.entries]

    def common_shift(self):
        """A line when at least 3 keys were compared on throughput and every one is ``slower``
        (or every one ``faster``): what a change of the machine between the runs looks like
        (as does a change in what every model shares, a runtime upgrade); else ''."""
        judged = [e for e in self.entries if e["verdict"] in ("faster", "slower", "unchanged")
                  and e["basis"] == "throughput"]
        verdicts = {e["verdict"] for e in judged}
        if len(judged) < 3 or len(verdicts) != 1 or verdicts == {"unchanged"}:
            return ""
        changes = [e["change_pct"] for e in judged]
        return ("every compared key is {} ({:+.1f}% to {:+.1f}%): a machine that changed "
                "between the runs (load, clocks, cores, temperature) moves every model alike, "
                "as a shared runtime's change does; an A/A diff of two runs of one build shows "
                "this machine's run-to-run drift".format(
                    verdicts.pop(), min(changes), max(changes)))

    def baseline_shift(self):
        """A line when keys were compared paired and a baseline's own row (throughput basis)
        is ``faster`` or ``slower``: the machine, or what every model shares, changed between
        the runs, and the paired basis took it out; else ''."""
        if not any(e["basis"] == "paired" for e in self.entries):
            return ""
        moved = [e for e in self.entries if e["_baseline"] and e["basis"] == "throughput"
                 and e["verdict"] in ("faster", "slower")]
        if not moved:
            return ""
        return ("the baseline{} moved on throughput between the runs ({}): the machine (load, "
                "cores, clocks) or what every model shares (runtime, OS) changed; the paired "
                "basis takes that out of the other keys".format(
                    "s" if len(moved) > 1 else "", "; ".join(
                        "{} {:+.1f}%".format(e["_label"], e["change_pct"]) for e in moved)))

    def compared(self):
        return [e for e in self.entries if e["verdict"] in ("faster", "slower", "unchanged",
                                                           "unknown")]


def _label(key):
    """``model format runtime precision resolution bBATCH`` (``@device`` first when keyed on
    it), as the lists print a key."""
    if len(key) == len(KEY) + 1:
        return "{}@{}".format(_label(key[1:]), key[0])
    model, fmt, runtime, precision, resolution, batch = key
    return "{} {} {} {} {} b{}".format(model, fmt, runtime, precision, resolution, batch)


def ungated(diff):
    """The entries a gate does not judge: without ``absolute``, the baselines' own rows
    (compared on throughput, so the machine's drift) when some key was compared paired."""
    if diff.absolute or not any(e["basis"] == "paired" for e in diff.entries):
        return []
    return [e for e in diff.entries if e["_baseline"] and e["basis"] == "throughput"]


def gated(diff):
    """The entries a gate judges: every entry but :func:`ungated`'s."""
    skip = {id(e) for e in ungated(diff)}
    return [e for e in diff.entries if id(e) not in skip]


def gate_failures(diff, pct):
    """Entries slower by more than ``pct`` % with the test's confidence: verdict ``slower``
    and even the interval's upper end (the smallest slowdown the data allow) below -pct %;
    of :func:`gated` entries only."""
    return [e for e in gated(diff) if e["verdict"] == "slower"
            and e["change_ci_high_pct"] is not None and e["change_ci_high_pct"] < -pct]
