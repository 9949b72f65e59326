"""``bench sustained``: one model for N minutes; throughput and temperature per interval."""

import os

from bench.cli.commands import command
from bench.cli.measuring import MeasuringSession
from bench.errors import BenchError
from bench.options import add_measure_arguments
from bench.ranges import Range

MINUTES = Range(0, 24 * 60, "minutes of sustained load", low_inclusive=False)
INTERVAL = Range(0.5, 3600, "seconds per interval")


class SustainedSession(MeasuringSession):
    def resume_command(self):
        return ("a new `bench sustained` (a thermal run is not resumed: the device has cooled "
                "meanwhile)")


@command("sustained", help="one model for N minutes: throughput and temperature per interval "
                           "(throttling), with a plot")
class SustainedCommand:
    @staticmethod
    def add_arguments(p):
        add_measure_arguments(p)
        p.add_argument("--model", dest="models", action="append", metavar="SPEC",
                       help="the model (same as --models with one spec)")
        p.add_argument("--runtime", dest="runtimes", action="append", metavar="R",
                       help="the runtime (same as --runtimes with one name)")
        p.add_argument("--precision", choices=("fp32", "fp16"))
        p.add_argument("--minutes", type=float, default=5.0, metavar="M",
                       help="how long to keep the model running (default 5)")
        p.add_argument("--interval", type=float, default=10.0, metavar="S",
                       help="seconds per interval: one row each (default 10)")
        p.add_argument("--out", metavar="CSV",
                       help="intervals CSV (default: results/sustained-DEVICE-TIME.csv)")
        p.add_argument("--no-plot", action="store_true", help="do not write the PNG")

    def run(self, args, config):
        MINUTES.check(args.minutes, "--minutes")
        INTERVAL.check(args.interval, "--interval")
        if args.interval > args.minutes * 60:
            raise BenchError("--interval {:g} s is longer than --minutes {:g}; use a shorter "
                             "interval".format(args.interval, args.minutes))
        args.resume = False
        session = SustainedSession("sustained", args, config, prefix="sustained")
        return session.run(lambda s: self._measure(args, s))

    def _measure(self, args, session):
        from bench.progress import Progress
        from bench.sustained import COLUMNS, SustainedRun, throttling

        if session.fleet:
            raise BenchError("bench sustained measures one device at a time (got {}); run it "
                             "once per device".format(", ".join(session.names)))
        requests, runtimes, _ = session.select(session.resolution())
        usable = [r for r in requests if r.spec is not None]
        if len(requests) != 1 or len(runtimes) != 1:
            raise BenchError("bench sustained runs one model on one runtime: got {} model(s) "
                             "and {} runtime(s) ({}); name one with --model SPEC --runtime R"
                             .format(len(requests), len(runtimes),
                                     ", ".join(r.name for r in runtimes)))
        if not usable:
            raise BenchError(requests[0].error)
        session.open_results(columns=COLUMNS, resolution=session.resolution(),
                             minutes=args.minutes, interval=args.interval)
        opts = session.opts.replace(precision=args.precision or session.opts.precision)
        from bench.sustained import rounds_for

        session.progress = Progress(rounds_for(args.minutes, args.interval), "sustained")
        run = SustainedRun(session.device, session.config.export, opts, session.writer, (),
                           session.log, session.progress, minutes=args.minutes,
                           interval_s=args.interval)
        session.runner = run
        session.log("bench sustained: {} on {} {} for {:g} min, {} intervals of {:g} s -> {}".format(
            requests[0].name, session.device.name, runtimes[0].name, args.minutes, run.n_rounds,
            args.interval, session.path))
        code = session.guarded(lambda: run.execute(requests, runtimes))
        if code is not None:
            return code
        return self._report(run, session.path, args)

    @staticmethod
    def _report(run, path, args):
        from bench.sustained import MIN_VERDICT_INTERVALS, throttling

        ok = [r for r in run.intervals if r.get("status") == "ok"]
        print("intervals: {}".format(path))
        if not ok:
            failed = [r for r in run.rows if r.get("status") != "ok"]
            if failed:
                print("{model} {runtime}: {status}: {error}".format(**failed[0]))
            return 1
        temps = [r["temp_c"] for r in ok if r.get("temp_c") is not None]
        verdict = throttling(ok)
        print("{} intervals: {:.1f} -> {:.1f} inf/s{}{}".format(
            len(ok), ok[0]["throughput"], ok[-1]["throughput"],
            "; temperature {:.1f} -> {:.1f} C".format(temps[0], temps[-1]) if temps else
            "; no temperature readable on this device",
            "; too few intervals for a throttling verdict (needs {})".format(MIN_VERDICT_INTERVALS)
            if verdict is None else "; last quarter {:+.1%} against the first (p = {:.3f}): {}".format(
                verdict["change"], verdict["p"], "throttling" if verdict["throttled"] else
                "no significant fall")))
        if not args.no_plot:
            from bench.plots.sustained import plot_sustained

            print("plot: {}".format(plot_sustained(run.intervals, os.path.splitext(path)[0] + ".png")))
        return 0
