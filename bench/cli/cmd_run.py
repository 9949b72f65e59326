"""``bench run``: measure models x runtimes on a device, one CSV row at a time."""

import os
import sys

from bench.cli.commands import command
from bench.cli.measuring import MeasuringSession
from bench.cli.request import Flag
from bench.errors import BenchError
from bench.options import add_measure_arguments
from bench.textable import format_table

SUMMARY = ("model", "runtime", "precision", "status", "throughput", "ci", "relative_time",
           "latency_ms_p50", "notes")


def _ci_text(row):
    low, high, tp = row.get("throughput_ci_low"), row.get("throughput_ci_high"), row.get("throughput")
    try:
        return "+-{:.1%}".format(max(tp - float(low), float(high) - tp) / tp)
    except (TypeError, ValueError, ZeroDivisionError):
        return ""


def print_summary(rows, stream=None, devices=False):
    shown = []
    for r in rows:
        s = dict(r)
        if s.get("status") != "ok":
            s["notes"] = s.get("error", "")
        s["ci"] = _ci_text(s) if s.get("status") == "ok" else ""
        s["notes"] = (s.get("notes") or "")[:70]
        shown.append(s)
    columns = (("device",) if devices else ()) + SUMMARY
    print(format_table(shown, columns, {"throughput": ".1f", "latency_ms_p50": ".2f",
                                        "relative_time": ".3f"},
                       right=("throughput", "ci", "relative_time", "latency_ms_p50")), file=stream)


def exit_code(rows):
    """2: some model was given wrong (``invalid`` rows: a shape, a file); 1: some rows failed
    or nothing was measured; 0: every row ok or unsupported, something measured."""
    if any(r["status"] == "invalid" for r in rows):
        return 2
    if any(r["status"] in ("failed", "crashed") for r in rows):
        return 1
    return 0 if any(r["status"] == "ok" for r in rows) or not rows else 1


@command("run", help="benchmark models x runtimes on a device; appends rows to a CSV")
class RunCommand:
    @staticmethod
    def add_arguments(p):
        add_measure_arguments(p)
        p.add_argument("--precision", choices=("fp32", "fp16"))
        p.add_argument("--out", metavar="CSV", help="results file (default: results/run-DEVICE-TIME.csv)")
        p.add_argument("--resume", action="store_true",
                       help="continue --out (or the newest results/run-DEVICE-*.csv), skipping done rows")
        p.add_argument("--no-plot", action="store_true", help="do not write the PNG bar chart")
        p.add_argument("--lab", metavar="redis://HOST:PORT/0",
                       help="measure on a lab's devices through its Redis broker (bench worker "
                            "on their hosts); --device names them, any@GROUP for a free member")

    def run(self, args, config):
        session = MeasuringSession("run", args, config, flags=[Flag("resolution")])
        if args.lab:  # the devices are on the lab's hosts: nothing is opened here
            return self._run_lab(args, session)
        return session.run(lambda s: self._run(args, s))

    def _run(self, args, session):
        if session.fleet:
            return self._run_fleet(args, session)
        opts = session.opts
        requests, runtimes, baseline = session.select(session.resolution())
        session.open_results(resolution=session.resolution())
        path = session.path
        extra = 1 if baseline is not None and baseline not in requests else 0
        run = session.start((len(requests) + extra) * len(runtimes))
        session.log("bench run: {} models x {} runtimes ({}) on {}, {}{} -> {}".format(
            len(requests), len(runtimes), ",".join(r.name for r in runtimes), session.device.name,
            opts.precision, ", relative to " + baseline.name if baseline else "", path))
        if session.guarded(lambda: run.execute(requests, runtimes, baseline=baseline)) is not None:
            return 130
        sent = session.device.transfer_summary()
        if sent:
            session.log(sent)
        if run.skipped:
            session.log("resumed: {} rows already in {} were skipped".format(run.skipped, path))
        if run.rows:
            print_summary(run.rows)
        else:
            print("nothing left to measure: every requested row is already in {}".format(path))
        print("results: {}".format(path))
        self._plots(args, path)
        return exit_code(run.rows)

    def _run_lab(self, args, session):
        """``--lab``: jobs to the lab's workers, rows back into the local CSV (bench.lab)."""
        from bench import interrupts
        from bench.cli.commands import split_list
        from bench.lab.app import check_url, show
        from bench.lab.submit import lab_run
        from bench.progress import Progress
        from bench.runner import describe_row

        check_url(args.lab)
        requests, _, baseline = session.select(session.resolution(), runtimes=False)
        session.runtime_names = split_list(args.runtimes) or list(session.config.run.runtimes)
        session.open_results(resolution=session.resolution(), lab=show(args.lab))
        session.progress = Progress(0, "run")
        session.runner_log_row = lambda row: session.log(describe_row(row))
        try:
            rows = lab_run(session, requests, baseline, args.lab)
        except KeyboardInterrupt:
            interrupts.acknowledge()
            session.writer.close()
            print("bench: interrupted; {} rows in {}; continue with: {} --lab {}".format(
                session.rows_in_file(), session.path, session.resume_command(), show(args.lab)),
                file=sys.stderr)
            return 130
        except BenchError as exc:
            session.writer.close()
            if not session.rows_in_file() - len(session.previous):
                if not session.rows_in_file() and session.created:
                    session._discard()
                raise
            raise type(exc)("{}; {} rows in {}; when fixed, continue with: {} --lab {}".format(
                str(exc).splitlines()[0], session.rows_in_file(), session.path,
                session.resume_command(), show(args.lab)), exc.exit_code) from None
        except BaseException:
            session.writer.close()
            raise
        session.writer.close()
        if rows:
            print_summary(rows, devices=True)
        else:
            print("nothing came back: every requested row is already in {}".format(session.path))
        print("results: {}".format(session.path))
        self._plots(args, session.path)
        return exit_code(rows)

    def _run_fleet(self, args, session):
        """``--device a,b`` / ``@group``: every device measured at once (bench.fleet)."""
        requests, _, baseline = session.select(session.resolution(), runtimes=False)
        session.open_results(resolution=session.resolution())
        extra = 1 if baseline is not None and baseline not in requests else 0

        def body(run, device):  # in the device's thread: reaching it may fail, alone
            runtimes = session.runtimes_for(device)
            session.progress.add((len(requests) + extra) * len(runtimes))
            run.execute(requests, runtimes, baseline=baseline)

        session.start_fleet(0, body)
        session.log_early("bench run: {} models on {} devices at once ({}), {} -> {}".format(
            len(requests), len(session.devices), ", ".join(d.name for d in session.devices),
            session.opts.precision, session.path))
        if session.guarded_fleet() is not None:
            return 130
        rows = [row for lane in session.lanes for row in lane.runner.rows]
        for lane in session.lanes:
            sent = lane.device.transfer_summary()
            if sent:
                session.log_early(sent)
        skipped = sum(lane.runner.skipped for lane in session.lanes)
        if skipped:
            session.log_early("resumed: {} rows already in {} were skipped".format(
                skipped, session.path))
        if rows:
            print_summary(sorted(rows, key=lambda r: r["device"]), devices=True)
        print("results: {}".format(session.path))
        problem = session.fleet_problem()
        if problem is not None:
            raise problem
        self._plots(args, session.path)
        return exit_code(rows)

    @staticmethod
    def _plots(args, path):
        if not args.no_plot:
            from bench.plots.throughput_bars import plot_throughput_bars
            from bench.results_csv import read_rows

            rows = read_rows(path)
            png = plot_throughput_bars(rows, os.path.splitext(path)[0] + ".png")
            print("plot: {}".format(png))
            if any(r.get("status") == "ok" and r.get("energy_mj_per_inference") for r in rows):
                from bench.plots.tradeoffs import plot_energy

                print("plot: {}".format(plot_energy(rows, os.path.splitext(path)[0] + "-energy.png")))
