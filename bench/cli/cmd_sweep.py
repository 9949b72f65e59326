"""``bench sweep-resolution``: throughput against square input resolution (SPEC §4)."""

import os
import sys

from bench.cli.commands import command, split_list
from bench.cli.measuring import MeasuringSession
from bench.cli.request import Flag
from bench.errors import BenchError
from bench.options import add_measure_arguments, check_value
from bench.textable import format_table


def parse_resolutions(values):
    from bench.analysis.sweep import DEFAULT_RESOLUTIONS

    items = split_list(values)
    if values is not None and not items:
        raise BenchError("--resolutions: empty list; give resolutions such as 112,224,448, or "
                         "leave the flag out for the default {}".format(
                             ",".join(map(str, DEFAULT_RESOLUTIONS))))
    if not items:
        return list(DEFAULT_RESOLUTIONS)
    out = []
    for item in items:
        try:
            r = int(item)
        except ValueError:
            raise BenchError("--resolutions: {!r} is not an integer (e.g. "
                             "--resolutions 112,224,448)".format(item)) from None
        out.append(check_value("resolution", r, "--resolutions"))
    return sorted(set(out))  # ascending: a model stops at the first resolution it fails


@command("sweep-resolution", help="throughput vs input resolution, the models of each "
                                  "resolution interleaved in their own process, until a model "
                                  "no longer runs")
class SweepCommand:
    @staticmethod
    def add_arguments(p):
        add_measure_arguments(p)
        p.add_argument("--runtime", dest="runtimes", action="append", metavar="R",
                       help="same as --runtimes")
        p.add_argument("--resolutions", action="append", metavar="R[,R]",
                       help="square resolutions (default: 112,160,224,320,448,640,896,1024,1440)")
        p.add_argument("--precision", choices=("fp32", "fp16"))
        p.add_argument("--out", metavar="CSV",
                       help="results file (default: results/sweep-DEVICE-TIME.csv)")
        p.add_argument("--resume", action="store_true",
                       help="continue --out (or the newest results/sweep-DEVICE-*.csv): skip "
                            "measured resolutions and models that already stopped")
        p.add_argument("--no-plot", action="store_true", help="do not write the PNG")

    def run(self, args, config):
        if args.resolution is not None:
            raise BenchError("sweep-resolution takes --resolutions R,R,... (not --resolution)")
        session = MeasuringSession("sweep-resolution", args, config, prefix="sweep", flags=[
            Flag("resolutions", to_stored=parse_resolutions,
                 to_args=lambda rs: [",".join(str(r) for r in rs)])])
        resolutions = parse_resolutions(args.resolutions)
        # SPEC §4: an OOM kill at one resolution must not hide the rest: a process per group
        session.opts = session.opts.replace(isolate=True)
        return session.run(lambda s: self._run(args, s, resolutions))

    def _run(self, args, session, resolutions):
        from bench.analysis.sweep import SWEEP_COLUMNS, SweepRowWriter, SweepState

        opts = session.opts
        requests, runtimes, baseline = session.select(runtimes=not session.fleet)
        path = session.path
        base, previous = session.open_results(SWEEP_COLUMNS, resolutions=resolutions)
        counts = {"stopped": 0}
        if session.fleet:  # several devices at once, each with its own stop rules
            def body(run, device):
                rts = session.runtimes_for(device)
                session.progress.add(len(requests) * len(rts) * len(resolutions))
                self._sweep(session, run, run.writer, device, requests, rts, baseline,
                            resolutions, counts)

            session.start_fleet(0, body, writer_for=lambda device, shared: SweepRowWriter(
                shared, SweepState(previous)))
            session.log_early("bench sweep-resolution: {} models x resolutions {} on {} devices "
                              "at once ({}), {} -> {}".format(
                                  len(requests), ",".join(map(str, resolutions)),
                                  len(session.devices), ", ".join(d.name for d in session.devices),
                                  opts.precision, path))
            if session.guarded_fleet() is not None:
                return 130
            problem = session.fleet_problem()
            skipped = sum(lane.runner.skipped for lane in session.lanes)
        else:
            writer = SweepRowWriter(base, SweepState(previous))
            run = session.start(len(requests) * len(runtimes) * len(resolutions), writer)
            session.log("bench sweep-resolution: {} models x {} runtimes ({}) x resolutions {} "
                        "on {}, {} -> {}".format(
                            len(requests), len(runtimes), ",".join(r.name for r in runtimes),
                            ",".join(map(str, resolutions)), session.device.name, opts.precision,
                            path))
            if session.guarded(lambda: self._sweep(session, run, writer, session.device, requests,
                                                   runtimes, baseline, resolutions,
                                                   counts)) is not None:
                return 130
            problem, skipped = None, run.skipped
        if skipped or counts["stopped"]:
            session.log_early("resumed: {} measured resolutions skipped, {} skipped after a model "
                              "stopped".format(skipped, counts["stopped"]))
        from bench.results_csv import read_rows

        rows = read_rows(path)
        print_sweep(rows)
        print("results: {}".format(path))
        if problem is not None:
            raise problem
        if not args.no_plot:
            from bench.plots.sweep import plot_sweep

            print("plot: {}".format(plot_sweep(rows, os.path.splitext(path)[0] + ".png")))
        # a model stopping at a crash is the sweep's expected end, not a failure
        return 0 if any(r.get("status") == "ok" for r in rows) else 1

    @staticmethod
    def _sweep(session, run, writer, device, requests, runtimes, baseline, resolutions, counts):
        """One device's sweep: per runtime, one group per resolution (the models interleaved),
        each model stopping at its first failure (SPEC §4)."""
        from bench.analysis.sweep import line_key
        from bench.models import ModelRequest

        opts, state = session.opts, writer.state
        log = run.log

        def stopped(request, runtime_cls):
            return state.stopped.get(line_key({
                "device": device.name, "model": request.name, "runtime": runtime_cls.name,
                "precision": opts.precision, "batch": opts.batch}))

        for runtime_cls in runtimes:
            told = set()
            for i, r in enumerate(resolutions):
                todo = []
                for request in requests:  # one group per resolution: the models interleaved
                    req = request if request.spec is None else \
                        ModelRequest(request.spec, r, asked=True)  # (invalid: once, then stopped)
                    why = stopped(req, runtime_cls)
                    if why is None:
                        todo.append(req)
                        continue
                    counts["stopped"] += 1
                    run.progress.advance()
                    if req.name not in told:
                        told.add(req.name)
                        log("{} {}: stopped: {}".format(req.name, runtime_cls.name, why))
                if not todo:
                    break
                base = ModelRequest(baseline.spec, r, asked=True) if baseline is not None else None
                if base is not None and stopped(base, runtime_cls):
                    base = None  # its line ended: no more relative times on this runtime
                writer.last = i == len(resolutions) - 1
                run.execute(todo, [runtime_cls], baseline=base)

def print_sweep(rows, stream=None):
    from bench.analysis.sweep import max_resolution_table

    stream = stream or sys.stdout
    ok = [dict(r) for r in rows if r.get("status") == "ok"]
    for r in ok:
        for c in ("throughput", "patches_per_s"):
            try:
                r[c] = float(r[c])
            except (TypeError, ValueError, KeyError):
                pass
    if ok:
        print(format_table(ok, ("model", "runtime", "precision", "resolution", "throughput",
                                "patches_per_s"),
                           {"throughput": ".1f", "patches_per_s": ".1f"},
                           right=("resolution", "throughput", "patches_per_s")), file=stream)
        print(file=stream)
    print("Maximum resolution reached", file=stream)
    print(format_table(max_resolution_table(rows), ("model", "runtime", "precision",
                                                    "max_resolution", "stop_reason"),
                       right=("max_resolution",)), file=stream)
