"""``bench plot KIND --from CSV...``: re-draw an analysis plot from result CSVs (no display)."""

import os

from bench.cli.commands import command
from bench.errors import BenchError

RUN_COLUMNS = ("model", "family", "params_m", "throughput", "status")
KINDS = {
    # kind -> (what it shows, columns its CSVs need)
    "params": ("throughput vs parameters, by family (bench run CSVs)", RUN_COLUMNS),
    "accuracy": ("ImageNet top-1 vs throughput and vs parameters (bench run CSVs)", RUN_COLUMNS),
    "sweep": ("throughput and patches/s vs resolution, max-resolution table (sweep CSVs)",
              ("model", "resolution", "throughput", "status")),
    "fp16": ("R = T_fp16/T_fp32 vs T_fp32 (compare-fp16 CSV, or bench run CSVs with both "
             "precisions)", ("model",)),
    "estimate": ("naive vs per-family estimator fits (bench estimate --out CSV)",
                 ("model", "family", "params_m", "throughput", "role")),
    "bars": ("throughput per model and runtime (bench run CSVs)", ("model", "runtime",
                                                                   "throughput", "status")),
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


@command("plot", help="draw a PNG from result CSVs: params, accuracy, sweep, fp16, estimate, bars")
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

        need = KINDS[args.kind][1]
        rows, columns = [], set()
        for src in args.sources:
            cols, got = read_table(src, need, "CSV")
            columns.update(cols)
            rows.extend(got)
        if not rows:
            raise BenchError("nothing to plot: {} has no rows".format(", ".join(args.sources)))
        out = args.out or "{}-{}.png".format(os.path.splitext(args.sources[0])[0], args.kind)
        kw = {"title": args.title}
        if args.size:
            kw["size"] = parse_size(args.size)
        parent = os.path.dirname(os.path.abspath(out))
        if not os.path.isdir(parent):
            raise BenchError("cannot write {}: no directory {}".format(out, parent))
        print("plot: {}".format(draw(args.kind, rows, columns, out, args.sources, kw)))
        return 0


def draw(kind, rows, columns, out, sources, kw):
    if kind == "params":
        from bench.plots.tradeoffs import plot_params

        return plot_params(rows, out, **kw)
    if kind == "accuracy":
        from bench.plots.tradeoffs import plot_accuracy

        return plot_accuracy(rows, out, **kw)
    if kind == "sweep":
        from bench.plots.sweep import plot_sweep

        return plot_sweep(rows, out, **kw)
    if kind == "fp16":
        from bench.analysis.fp16 import REQUIRED, pair_rows
        from bench.plots.fp16 import plot_fp16

        if "ratio" not in columns:  # run CSVs: pair their fp32/fp16 rows here
            missing = [c for c in REQUIRED if c not in columns]
            if missing:
                raise BenchError("{}: neither a compare-fp16 CSV (ratio column) nor run CSVs "
                                 "(missing {})".format(", ".join(sources), ", ".join(missing)))
            rows = pair_rows(rows)
        return plot_fp16(rows, out, **kw)
    if kind == "estimate":
        from bench.analysis.estimate_run import estimate
        from bench.analysis.estimator import Point
        from bench.analysis.tables import number, optional_float
        from bench.plots.estimator_fit import plot_estimate

        groups = {"landmark": [], "test": [], "predict": []}
        for i, r in enumerate(rows, start=2):
            if r["role"] in groups:
                groups[r["role"]].append(Point(r["model"], r["family"], number(
                    r["params_m"], sources[0], i, "params_m", positive=True),
                    optional_float(r["throughput"])))
        if not groups["landmark"]:
            raise BenchError("{}: no landmark rows (role=landmark) to fit".format(sources[0]))
        est = estimate(groups["landmark"], groups["test"], groups["predict"])
        return plot_estimate(est, out, **kw)
    from bench.plots.throughput_bars import plot_throughput_bars

    kw.pop("size", None)
    return plot_throughput_bars(rows, out, title=kw["title"])
