"""``bench plot KIND --from CSV...``: re-draw an analysis plot from result CSVs (no display)."""

import os

from bench.cli.commands import command
from bench.errors import BenchError

RUN_COLUMNS = ("model", "family", "params_m", "throughput", "status")
CI = ("throughput_ci_low", "throughput_ci_high", "relative_time", "relative_time_ci_low",
      "relative_time_ci_high")
COMPARE_NUMBERS = ("ratio", "throughput_fp32", "throughput_fp16")  # on ok rows of a compare CSV
KINDS = {
    # kind -> (what it shows, columns its CSVs need, numbers > 0 on their ok rows (every row
    # without a status column), numbers > 0 where given); see bench.analysis.tables.read_table
    "params": ("throughput vs parameters, by family (bench run CSVs)", RUN_COLUMNS,
               ("throughput", "params_m"), ()),
    "accuracy": ("ImageNet top-1 vs throughput and vs parameters (bench run CSVs)", RUN_COLUMNS,
                 ("throughput", "params_m"), ("imagenet_top1",)),
    "sweep": ("throughput and patches/s vs resolution, max-resolution table (sweep CSVs)",
              ("model", "resolution", "throughput", "status"), ("throughput", "resolution"),
              ("patches_per_s",)),
    "fp16": ("R = T_fp16/T_fp32 vs T_fp32 (compare-fp16 CSV, or bench run CSVs with both "
             "precisions)", ("model", "status"), ("throughput",) + COMPARE_NUMBERS,
             ("params_m",)),
    "estimate": ("naive vs per-family estimator fits (bench estimate --out CSV)",
                 ("model", "family", "params_m", "throughput", "role"), ("params_m",),
                 ("throughput",)),
    "energy": ("throughput vs energy per inference (bench run CSVs with power)",
               ("model", "throughput", "energy_mj_per_inference", "status"),
               ("throughput", "energy_mj_per_inference"), ("dynamic_energy_mj_per_inference",)),
    "quality": ("ACER vs throughput (bench evaluate --speed: its OUT-speed.csv)",
                ("model", "acer", "throughput", "series"), ("throughput",), ()),
    "bars": ("throughput per model and runtime (bench run CSVs)",
             ("model", "runtime", "throughput", "status"), ("throughput",), CI),
}


def parse_size(text):
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise BenchError("--size {!r}: expected WIDTHxHEIGHT in pixels, e.g. 1200x600".format(
            text)) from None
    if not (200 <= w <= 8000 and 150 <= h <= 8000):
        raise BenchError("--size {}: width 200-8000 and height 150-8000 pixels".format(text))
    return w, h


@command("plot", help="draw a PNG from result CSVs: params, accuracy, sweep, fp16, estimate, "
                              "energy, quality, bars")
class PlotCommand:
    @staticmethod
    def add_arguments(p):
        p.add_argument("kind", choices=list(KINDS), metavar="KIND",
                       help="; ".join("{}: {}".format(k, v[0]) for k, v in KINDS.items()))
        p.add_argument("--from", dest="sources", nargs="+", required=True, metavar="CSV")
        p.add_argument("--out", metavar="PNG", help="default: FIRST_CSV-KIND.png")
        p.add_argument("--size", metavar="WxH", help="pixels (default depends on KIND)")
        p.add_argument("--title", help="replace the default title")

    def run(self, args, config):
        from bench.analysis.tables import read_table

        _, required, numbers, optional = KINDS[args.kind]
        tables = [read_table(src, required, numbers, optional, "CSV") for src in args.sources]
        rows = [r for t in tables for r in t.rows]
        # a chart of nothing is no answer (a sweep's table still says why each model stopped)
        if args.kind in ("params", "accuracy", "bars", "energy") and not any(t.counts(r) for t in tables
                                                                    for r in t.rows):
            raise BenchError("nothing to plot: {} {} no ok rows ({})".format(
                ", ".join(args.sources), "has" if len(tables) == 1 else "have",
                _statuses(rows)))
        out = args.out or "{}-{}.png".format(os.path.splitext(args.sources[0])[0], args.kind)
        kw = {"title": args.title}
        if args.size:
            kw["size"] = parse_size(args.size)
        parent = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(parent):
            raise BenchError("cannot write {}: no directory {}".format(out, parent))
        print("plot: {}".format(draw(args.kind, tables, out, kw)))
        return 0


def _statuses(rows):
    from collections import Counter

    counts = Counter(r.get("status") or "no status" for r in rows)
    return ", ".join("{} {}".format(n, s) for s, n in counts.items())


def _fp16_pairs(tables):
    """Comparison rows from compare-fp16 CSVs as they are, or paired from run CSVs."""
    from bench.analysis.fp16 import REQUIRED, missing_precision, no_precision_error, pair_rows

    sources = [t.path for t in tables]
    kinds = {"ratio" in t.columns for t in tables}
    if len(kinds) > 1:
        raise BenchError("{}: give compare-fp16 CSVs (ratio column) or bench run CSVs, not "
                         "both".format(", ".join(sources)))
    rows = [r for t in tables for r in t.rows]
    if kinds == {True}:
        if all(r.get("status") == "missing" and not r.get("throughput_fp16") for r in rows):
            raise no_precision_error("fp16", sources)
        return rows
    for t in tables:
        missing = [c for c in REQUIRED if c not in t.columns]
        if missing:
            raise BenchError("{}: neither a compare-fp16 CSV (ratio column) nor a bench run CSV "
                             "(it lacks {})".format(t.path, ", ".join(missing)))
    prec = missing_precision(rows)
    if prec:
        raise no_precision_error(prec, sources)
    return pair_rows(rows)


def draw(kind, tables, out, kw):
    rows = [r for t in tables for r in t.rows]
    if kind == "params":
        from bench.plots.tradeoffs import plot_params

        return plot_params(rows, out, **kw)
    if kind == "accuracy":
        from bench.plots.tradeoffs import plot_accuracy

        return plot_accuracy(rows, out, **kw)
    if kind == "energy":
        from bench.plots.tradeoffs import plot_energy

        return plot_energy(rows, out, **kw)
    if kind == "quality":
        from bench.plots.quality import plot_quality

        return plot_quality(rows, out, **kw)
    if kind == "sweep":
        from bench.plots.sweep import plot_sweep

        return plot_sweep(rows, out, **kw)
    if kind == "fp16":
        from bench.plots.fp16 import plot_fp16

        return plot_fp16(_fp16_pairs(tables), out, **kw)
    if kind == "estimate":
        from bench.analysis.estimate_run import estimate
        from bench.analysis.estimator import Point
        from bench.plots.estimator_fit import plot_estimate

        groups = {"landmark": [], "test": [], "predict": []}
        for r in (r for t in tables for r in t.rows if t.counts(r)):
            if r["role"] in groups:
                groups[r["role"]].append(Point(r["model"], r["family"], float(r["params_m"]),
                                               float(r["throughput"]) if r["throughput"] else None))
        if not groups["landmark"]:
            raise BenchError("{}: no landmark rows (role=landmark) to fit".format(
                ", ".join(t.path for t in tables)))
        est = estimate(groups["landmark"], groups["test"], groups["predict"])
        return plot_estimate(est, out, **kw)
    from bench.plots.throughput_bars import plot_throughput_bars

    kw.pop("size", None)
    return plot_throughput_bars(rows, out, title=kw["title"])
