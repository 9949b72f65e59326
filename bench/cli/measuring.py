"""What run, sweep-resolution and compare-fp16 share: one measuring session.

The options (checked once), the device (opened, a worker pre-started, always closed),
the models, runtimes and baseline, the results file (one complete row at a time), the
progress line, and the guard: Ctrl-C, SIGTERM or a lost device stop the measurements
with every finished row kept and say which command continues them.
"""

import glob
import os
import signal
import sys
import time

from bench.cli.commands import split_list
from bench.errors import BenchError, DeviceLost, EnvironmentProblem
from bench.options import resolve_options
from bench.progress import Progress
from bench.registry import did_you_mean


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


def select_baseline(spec, items, user_sets, requests):
    """The baseline request: ``spec`` "none" -> None; "auto" -> the baseline of the first
    named set that has one (pta: the No-PTA MobileNetV2); else that model spec, at the
    resolution of the request it matches or of the first request."""
    from bench.models import select_models
    from bench.models.sets import set_baseline

    if not requests or str(spec).strip().lower() in ("none", ""):
        return None
    if str(spec).strip().lower() == "auto":
        spec = next((set_baseline(i) for i in items if set_baseline(i)), None)
        if spec is None:
            return None
    found = select_models([spec], user_sets, None)[0]
    for r in requests:
        if r.name == found.name:
            return r
    return select_models([spec], user_sets, requests[0].resolution)[0]


class MeasuringSession:
    """One measuring command on one device. ``run(work)`` opens the device and returns
    ``work(self)``; ``work`` uses :meth:`select`, :meth:`open_results`, :meth:`start`
    and :meth:`guarded`."""

    def __init__(self, command, args, config, prefix="run"):
        self.command = command
        self.args = args
        self.config = config
        self.prefix = prefix
        self.opts = resolve_options(args, config.run)
        self.device = None
        self.progress = None
        self.runner = None

    def run(self, work):
        from bench.devices import open_device

        self.device = open_device(self.args.device or self.config.run.device, self.config)
        try:
            self.device.prestart_worker()  # its imports overlap with the preparations below
            return work(self)
        finally:
            self.device.close()

    def select(self, resolution=None):
        """(requests, runtimes, baseline) from the flags and ``[run]``."""
        from bench.models import select_models

        items = self.args.models or list(self.config.run.models)
        requests = select_models(items, self.config.sets, resolution)
        runtimes = resolve_runtimes(split_list(self.args.runtimes) or list(self.config.run.runtimes),
                                    self.device)
        baseline = select_baseline(self.opts.baseline, items, self.config.sets, requests)
        return requests, runtimes, baseline

    def results_path(self):
        return results_path(self.args, self.config, self.device.name, self.prefix)

    def open_results(self, path, columns=None):
        self.path = path
        self.writer, self.previous = open_writer(path, self.args.resume, columns)
        return self.writer, self.previous

    def log(self, msg):
        self.progress.write(msg, sys.stderr)

    def start(self, total, writer=None):
        """The progress line and the :class:`~bench.runner.BenchmarkRun` writing to the
        results file (or to ``writer`` wrapping it)."""
        from bench.runner import BenchmarkRun, done_keys

        self.progress = Progress(total, self.command)
        self.runner = BenchmarkRun(self.device, self.config.export, self.opts, writer or self.writer,
                                 done_keys(self.previous), self.log, self.progress)
        return self.runner

    def guarded(self, body, out=None):
        """``device.setup`` then ``body()`` (the measurements), so that Ctrl-C / SIGTERM or a
        device error stops them with every finished row kept and says which command
        continues: ``bench COMMAND --device D --resume --out OUT``. Closes the writer and
        the progress line; returns 130 when interrupted, else None."""
        device, progress = self.device, self.progress
        resume = "bench {} --device {} --resume --out {}".format(self.command, device.name,
                                                                out or self.path)
        kept = lambda: len(self.runner.rows)  # noqa: E731
        sigterm_as_interrupt()
        try:
            device.setup(self.log)
            body()
        except KeyboardInterrupt:
            progress.close()
            print("bench: interrupted; {} rows kept in {}; continue with: {}".format(
                kept(), self.path, resume), file=sys.stderr)
            return 130
        except BenchError as exc:  # device lost, device-side setup failed: stop, keep rows
            progress.close()
            if not kept() and not isinstance(exc, DeviceLost):
                raise  # nothing measured yet: the error and its fix are the whole story
            raise type(exc)("{}; {} rows kept in {}; when fixed, continue with: {}".format(
                str(exc).strip().splitlines()[0], kept(), self.path, resume),
                exc.exit_code) from None
        finally:
            self.writer.close()
        progress.close()
        return None
