"""``bench run``: measure models x runtimes on a device, one CSV row at a time."""

import glob
import os
import signal
import sys
import time

from bench.cli.commands import command, split_list
from bench.errors import BenchError, DeviceLost, EnvironmentProblem
from bench.progress import Progress
from bench.registry import did_you_mean
from bench.textable import format_table


def add_measure_arguments(p):
    """Flags shared by commands that measure (run, sweep-resolution, compare-fp16)."""
    p.add_argument("--device", metavar="NAME", help="local or a [devices.NAME] (default: [run].device)")
    p.add_argument("--runtimes", action="append", metavar="R[,R]",
                   help="runtimes to use (default: every runtime the device has)")
    p.add_argument("--models", nargs="+", metavar="SET|SPEC", help="model sets or specs")
    p.add_argument("--resolution", type=int, metavar="R")
    p.add_argument("--batch", type=int, metavar="B")
    p.add_argument("--trials", type=int, metavar="TS", help="batches per timed trial")
    p.add_argument("--warmup", type=int, metavar="W")
    p.add_argument("--repeats", type=int, metavar="K", help="timed trials per measurement")
    p.add_argument("--threads", type=int, metavar="N", help="0: the runtime's default")
    p.add_argument("--timeout", type=float, metavar="S", help="seconds per measurement")
    p.add_argument("--isolate", action="store_true",
                   help="a fresh worker process for every measurement")


def resolve_options(args, config):
    from bench.runner import RunOptions

    r = config.run
    pick = lambda flag, default: default if flag is None else flag  # noqa: E731
    opts = RunOptions(
        precision=pick(getattr(args, "precision", None), r.precision),
        batch=pick(args.batch, r.batch), trials=pick(args.trials, r.trials),
        warmup=pick(args.warmup, r.warmup), repeats=pick(args.repeats, r.repeats),
        threads=pick(args.threads, r.threads), seed=r.seed, unstable_cv=r.unstable_cv,
        timeout_s=pick(args.timeout, r.timeout_s), isolate=args.isolate)
    for name in ("batch", "trials", "repeats"):
        if getattr(opts, name) < 1:
            raise BenchError("--{} must be >= 1".format(name))
    if opts.warmup < 0 or opts.threads < 0:
        raise BenchError("--warmup and --threads must be >= 0")
    return opts


def resolve_runtimes(names, device):
    from bench.runtimes import RUNTIMES

    if not names:
        names = device.available_runtimes()
        if not names:
            raise EnvironmentProblem("no runtime can run on device {}; run `bench doctor "
                                     "--device {}`".format(device.name, device.name))
    for name in names:
        if name not in RUNTIMES:
            raise BenchError("unknown runtime {!r}{}; known: {}".format(
                name, did_you_mean(name, RUNTIMES.names()), ", ".join(RUNTIMES.names())))
    return [RUNTIMES.get(n) for n in dict.fromkeys(names)]


def results_path(args, config, device_name, prefix="run"):
    """--out, or for --resume the newest matching CSV, or a new time-stamped name."""
    if args.out:
        return args.out
    pattern = os.path.join(config.run.results_dir, "{}-{}-*.csv".format(prefix, device_name))
    if getattr(args, "resume", False):
        found = sorted(glob.glob(pattern), key=os.path.getmtime)
        if not found:
            raise BenchError("nothing to resume: no {} ; pass --out FILE".format(pattern))
        return found[-1]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return os.path.join(config.run.results_dir, "{}-{}-{}.csv".format(prefix, device_name, stamp))


def open_writer(path, resume, columns=None):
    """(writer, rows already there) for ``path``; ``columns``: another schema (e.g. a sweep's)."""
    from bench.results_csv import COLUMNS, ResultsWriter, read_rows

    if os.path.exists(path) and os.path.getsize(path) > 0 and not resume:
        raise BenchError("{} already exists; pass --resume to continue it or another --out".format(path))
    try:
        previous = read_rows(path) if resume and os.path.exists(path) else []
        return ResultsWriter(path, columns or COLUMNS), previous
    except PermissionError as exc:
        raise EnvironmentProblem("cannot write results to {}: {}; pass --out to a writable "
                                 "path".format(path, exc.strerror)) from None
    except ValueError as exc:
        raise BenchError(str(exc)) from None
    except OSError as exc:
        raise EnvironmentProblem("cannot write results to {}: {}; pass --out to a writable "
                                 "path".format(path, exc.strerror or exc)) from None


def sigterm_as_interrupt():
    """A `kill` (SIGTERM) unwinds like Ctrl-C: the worker is stopped, rows stay complete."""
    def handler(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, handler)


def on_device(args, config, work):
    """Open ``--device``, pre-start a worker (its imports overlap with the caller's model
    and runtime resolution), return ``work(device)``; the device is always closed."""
    from bench.devices import open_device

    device = open_device(args.device or config.run.device, config)
    try:
        device.prestart_worker()
        return work(device)
    finally:
        device.close()


def measure_guarded(command, device, log, progress, writer, rows_kept, rows_path, out, body):
    """``device.setup`` then ``body()`` (the measurements), so that Ctrl-C / SIGTERM or a
    device error stops them with every finished row kept and says which command continues:
    ``bench COMMAND --device D --resume --out OUT``. ``rows_kept()`` counts the rows written
    to ``rows_path``. Closes ``writer`` and ``progress``; returns 130 when interrupted, else None.
    """
    resume = "bench {} --device {} --resume --out {}".format(command, device.name, out)
    sigterm_as_interrupt()
    try:
        device.setup(log)
        body()
    except KeyboardInterrupt:
        progress.close()
        print("bench: interrupted; {} rows kept in {}; continue with: {}".format(
            rows_kept(), rows_path, resume), file=sys.stderr)
        return 130
    except BenchError as exc:  # device lost, device-side setup failed: stop, keep rows
        progress.close()
        if not rows_kept() and not isinstance(exc, DeviceLost):
            raise  # nothing measured yet: the error and its fix are the whole story
        raise type(exc)("{}; {} rows kept in {}; when fixed, continue with: {}".format(
            str(exc).strip().splitlines()[0], rows_kept(), rows_path, resume),
            exc.exit_code) from None
    finally:
        writer.close()
    progress.close()
    return None


SUMMARY = ("model", "runtime", "precision", "status", "throughput", "latency_ms_p50", "cv",
           "notes")


def print_summary(rows, stream=sys.stdout):
    shown = []
    for r in rows:
        s = dict(r)
        if s.get("status") != "ok":
            s["notes"] = s.get("error", "")
        s["notes"] = (s.get("notes") or "")[:70]
        shown.append(s)
    print(format_table(shown, SUMMARY, {"throughput": ".1f", "latency_ms_p50": ".2f", "cv": ".1%"},
                       right=("throughput", "latency_ms_p50", "cv")), file=stream)


def exit_code(rows):
    """0: all rows ok or unsupported and something measured; 1 otherwise."""
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

    def run(self, args, config):
        opts = resolve_options(args, config)
        return on_device(args, config, lambda device: self._run(args, config, opts, device))

    def _run(self, args, config, opts, device):
        from bench.models import select_models
        from bench.runner import BenchmarkRun, done_keys

        requests = select_models(args.models or list(config.run.models), config.sets,
                                 args.resolution or config.run.resolution)
        runtimes = resolve_runtimes(split_list(args.runtimes) or list(config.run.runtimes), device)
        path = results_path(args, config, device.name)
        writer, previous = open_writer(path, args.resume)
        total = len(requests) * len(runtimes)
        progress = Progress(total, "run")
        log = lambda msg: progress.write(msg, sys.stderr)  # noqa: E731
        log("bench run: {} models x {} runtimes ({}) on {}, {} -> {}".format(
            len(requests), len(runtimes), ",".join(r.name for r in runtimes), device.name,
            opts.precision, path))
        run = BenchmarkRun(device, config.export, opts, writer, done_keys(previous), log, progress)
        if measure_guarded("run", device, log, progress, writer, lambda: len(run.rows), path, path,
                           lambda: run.execute(requests, runtimes)) is not None:
            return 130
        sent = device.transfer_summary()
        if sent:
            log(sent)
        if run.skipped:
            log("resumed: {} rows already in {} were skipped".format(run.skipped, path))
        print_summary(run.rows)
        print("results: {}".format(path))
        if not args.no_plot:
            from bench.plots.throughput_bars import plot_throughput_bars
            from bench.results_csv import read_rows

            png = plot_throughput_bars(read_rows(path), os.path.splitext(path)[0] + ".png")
            print("plot: {}".format(png))
        return exit_code(run.rows)
