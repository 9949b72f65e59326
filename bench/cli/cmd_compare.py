"""``bench compare-fp16``: R = T_fp16 / T_fp32 per model, measured now or from result CSVs."""

import math
import os
import sys

from bench.cli.cmd_run import exit_code
from bench.cli.commands import command
from bench.cli.measuring import MeasuringSession
from bench.errors import BenchError
from bench.cli.request import Flag
from bench.options import add_measure_arguments
from bench.textable import format_table

MEASUREMENTS = "-measurements.csv"


def comparison_path(out):
    """--out (or the file --resume found) -> the comparison CSV."""
    if out.endswith(MEASUREMENTS):  # --resume found an interrupted comparison's measurements
        return out[:-len(MEASUREMENTS)] + ".csv"
    return out


def measurements_path(out):
    """The measurements CSV that goes with a comparison (resumable like a run's)."""
    return os.path.splitext(comparison_path(out))[0] + MEASUREMENTS


@command("compare-fp16", help="FP16 vs FP32 throughput ratio per model (measured, or --from CSVs)")
class CompareCommand:
    @staticmethod
    def add_arguments(p):
        add_measure_arguments(p)
        p.add_argument("--runtime", dest="runtimes", action="append", metavar="R",
                       help="same as --runtimes")
        p.add_argument("--from", dest="sources", nargs="+", metavar="CSV",
                       help="pair fp32/fp16 rows of existing `bench run` CSVs instead of measuring")
        p.add_argument("--out", metavar="CSV", help="comparison CSV (default: results/"
                       "fp16-DEVICE-TIME.csv; measurements go to its -measurements.csv)")
        p.add_argument("--resume", action="store_true",
                       help="continue the measurements of --out (or the newest results/fp16-DEVICE-*)")
        p.add_argument("--no-plot", action="store_true", help="do not write the PNG")

    def run(self, args, config):
        if args.sources:
            rows = read_sources(args.sources)
            out = args.out or os.path.splitext(args.sources[0])[0] + "-fp16.csv"
            return self._report(rows, out, args, measured_code=0)
        session = MeasuringSession("compare-fp16", args, config, prefix="fp16",
                                   locate=measurements_path, flags=[Flag("resolution")])
        return session.run(lambda s: self._measure(args, s))

    def _measure(self, args, session):
        if session.fleet:
            return self._measure_fleet(args, session)
        requests, runtimes, baseline = session.select(session.resolution())
        mpath, out = session.path, comparison_path(session.out)
        session.open_results(resolution=session.resolution())
        extra = 1 if baseline is not None and baseline not in requests else 0
        run = session.start(2 * (len(requests) + extra) * len(runtimes))
        session.log("bench compare-fp16: {} models x {} runtimes ({}) x fp32,fp16 interleaved on "
                    "{} -> {}".format(len(requests), len(runtimes), ",".join(r.name for r in runtimes),
                                      session.device.name, mpath))
        # fp32 and fp16 of each model in the same group: the ratio compares side by side
        if session.guarded(lambda: run.execute(requests, runtimes, ("fp32", "fp16"),
                                               baseline)) is not None:
            return 130
        if run.skipped:
            session.log("resumed: {} rows already in {} were skipped".format(run.skipped, mpath))
        from bench.results_csv import read_rows

        print("measurements: {}".format(mpath))
        return self._report(read_rows(mpath), out, args, exit_code(run.rows))

    def _measure_fleet(self, args, session):
        """Several devices at once (bench.fleet): each pairs fp32 and fp16 on its own."""
        from bench.cli.cmd_run import exit_code
        from bench.results_csv import read_rows

        requests, _, baseline = session.select(session.resolution(), runtimes=False)
        mpath, out = session.path, comparison_path(session.out)
        session.open_results(resolution=session.resolution())
        extra = 1 if baseline is not None and baseline not in requests else 0

        def body(run, device):
            runtimes = session.runtimes_for(device)
            session.progress.add(2 * (len(requests) + extra) * len(runtimes))
            run.execute(requests, runtimes, ("fp32", "fp16"), baseline)

        session.start_fleet(0, body)
        session.log_early("bench compare-fp16: {} models x fp32,fp16 on {} devices at once ({}) "
                          "-> {}".format(len(requests), len(session.devices),
                                         ", ".join(d.name for d in session.devices), mpath))
        if session.guarded_fleet() is not None:
            return 130
        print("measurements: {}".format(mpath))
        problem = session.fleet_problem()
        rows = read_rows(mpath)
        if problem is not None:
            if rows:
                self._report(rows, out, args, 0)
            raise problem
        return self._report(rows, out, args, exit_code(
            [r for lane in session.lanes for r in lane.runner.rows]))

    @staticmethod
    def _report(rows, out, args, measured_code):
        from bench.analysis.fp16 import COLUMNS, pair_rows, summary
        from bench.analysis.tables import write_table

        pairs = pair_rows(rows)
        if not pairs:
            raise BenchError("no fp32 or fp16 rows to compare in {}".format(
                ", ".join(args.sources or [out])))
        print_pairs(pairs)
        counts = summary(pairs)
        print("{ok} pairs with a ratio ({slower} with FP16 slower, R < 1); {unsupported} "
              "unsupported, {failed} failed, {missing} missing a side".format(**counts))
        write_table(out, COLUMNS, pairs)
        print("comparison: {}".format(out))
        if not args.no_plot:
            from bench.plots.fp16 import plot_fp16

            print("plot: {}".format(plot_fp16(pairs, os.path.splitext(out)[0] + ".png")))
        if not counts["ok"]:
            return 1
        return measured_code


def read_sources(sources):
    """Rows of the ``--from`` run CSVs (checked: columns, throughputs of ok rows, both
    precisions present)."""
    from bench.analysis.fp16 import NUMBERS, REQUIRED, missing_precision, no_precision_error
    from bench.analysis.tables import read_table

    rows = []
    for src in sources:
        rows.extend(read_table(src, REQUIRED, numbers=NUMBERS, optional=("params_m",),
                               what="results CSV").rows)
    prec = missing_precision(rows)
    if prec:
        raise no_precision_error(prec, sources)
    return rows


def _finite(v):
    """Numbers that are not finite are never printed (the CSV and plot never get one either)."""
    return v if not isinstance(v, float) or math.isfinite(v) else None


def print_pairs(pairs, stream=None):
    shown = [dict(p, notes=(p.get("notes") or "")[:70],
                  **{c: _finite(p.get(c)) for c in ("throughput_fp32", "throughput_fp16", "ratio")})
             for p in pairs]
    print(format_table(shown, ("model", "family", "runtime", "throughput_fp32", "throughput_fp16",
                               "ratio", "status", "notes"),
                       {"throughput_fp32": ".1f", "throughput_fp16": ".1f", "ratio": ".3f"},
                       right=("throughput_fp32", "throughput_fp16", "ratio")),
          file=stream or sys.stdout)
