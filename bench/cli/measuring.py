"""What run, sweep-resolution and compare-fp16 share: one measuring session.

The options (checked once), the device (opened, a worker pre-started, always closed),
the models, runtimes and baseline, the results file (one complete row at a time), the
progress line, and the guard: Ctrl-C, SIGTERM or a lost device stop the measurements
with every finished row kept and say which command continues them.
"""

import glob
import os
import sys
import time

from bench import interrupts
from bench.cli.commands import split_list
from bench.errors import BenchError, DeviceLost, EnvironmentProblem, SpecError
from bench.options import pick, resolve_options
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
    if "," in str(device_name) or str(device_name).startswith("@"):
        from bench.fleet import device_names, label_for

        device_name = label_for(device_name, device_names(device_name, config))
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
        writer = ResultsWriter(path, columns or COLUMNS)  # the lock first, then read
    except ValueError as exc:
        raise BenchError(str(exc)) from None
    try:
        return writer, read_rows(path) if resume else []
    except BaseException:
        writer.close()
        raise


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


def request_flags():
    """The flags every measuring command stores with its results (bench.cli.request)."""
    import dataclasses

    from bench.cli.request import Flag
    from bench.options import MeasureOptions, flag_name

    flags = [Flag("device"), Flag("models"),
             Flag("runtimes", to_stored=split_list)]
    flags += [Flag(f.name, spelled=flag_name(f.name)) for f in dataclasses.fields(MeasureOptions)
              if f.name != "isolate"]
    return flags


def unread_file(request, runtimes):
    """An InvalidRequest for a model file that none of ``runtimes`` reads, else None."""
    from bench.file_models import KIND, native_format, readers
    from bench.models import MODELS
    from bench.models.selection import InvalidRequest

    if request.spec is None or not MODELS.get(request.spec.name).from_file:
        return None
    wanted = readers(request.spec)
    if any(r.name in wanted for r in runtimes):
        return None
    return InvalidRequest(request.name, "{} is {}: none of the runtimes asked ({}) reads it; "
                          "add {} to --runtimes".format(
                              request.name, KIND[native_format(request.spec)],
                              ", ".join(r.name for r in runtimes), " or ".join(wanted)),
                          request.resolution)


class MeasuringSession:
    """One measuring command on one device. ``run(work)`` opens the device and returns
    ``work(self)``; ``work`` uses :meth:`select`, :meth:`open_results`, :meth:`start`
    and :meth:`guarded`.

    ``locate(out)`` maps the file ``--out`` names to the results CSV (compare-fp16's
    measurements sit next to its comparison); ``flags``: the command's own stored flags
    (:class:`bench.cli.request.Flag`) besides the common ones. On ``--resume`` the request
    stored with the file fills in the flags not given and refuses contradicting ones.
    """

    def __init__(self, command, args, config, prefix="run", locate=None, flags=()):
        from bench.cli.request import apply_request, load_request

        self.command = command
        self.args = args
        self.config = config
        self.prefix = prefix
        self.flags = request_flags() + list(flags)
        self.out = results_path(args, config, args.device or config.run.device, prefix)
        self.path = locate(self.out) if locate else self.out
        self.stored = load_request(self.path) if args.resume else None
        if self.stored is not None:
            apply_request(args, self.stored, self.path, self.flags)
        self.opts = resolve_options(args, config.run)
        self.lock_timeout = self.lock_timeout_s()
        from bench.fleet import device_names

        self.device_text = args.device or config.run.device
        self.names = device_names(self.device_text, config)  # "a,b" or "@group": several
        self.devices = []
        self.lanes = []
        self.device = None
        self.progress = None
        self.runner = None
        self.writer = None
        self.previous = []
        self.selected = {}

    @property
    def fleet(self):
        """Several devices, measured concurrently (bench.fleet)."""
        return len(self.names) > 1

    def run(self, work):
        from bench.devices import open_device

        try:
            for name in self.names:
                self.devices.append(open_device(name, self.config))
            self.device = self.devices[0]
            if not self.fleet:  # a fleet's devices are reached in their own threads
                self.device.prestart_worker()  # its imports overlap with the preparations below
            return work(self)
        finally:
            for device in self.devices:
                device.close()

    def runtimes_for(self, device):
        """The runtimes asked for (or every one ``device`` has)."""
        return resolve_runtimes(split_list(self.args.runtimes) or list(self.config.run.runtimes),
                                device)

    def select(self, resolution=None, runtimes=True):
        """(requests, runtimes, baseline) from the flags and ``[run]``. ``runtimes`` False (a
        fleet): the device is not asked which it has (each device's thread does that); the
        runtimes named, or every registered one, vet the model files."""
        from bench.models import select_models

        from bench.models.checkpoint import load_state_dict

        items = self.args.models or list(self.config.run.models)
        if not items:
            raise BenchError("--models: no model given; name a set (pta, zoo...) or model specs")
        requests = select_models(items, self.config.sets, resolution, self.config.base_dir,
                                 tolerate=True)
        for r in requests:  # a bad weights file is bad input, before anything is written
            if r.spec is not None and r.spec.kwargs.get("checkpoint"):
                load_state_dict(r.spec.kwargs["checkpoint"],
                                "model spec {!r}: checkpoint".format(r.name))
        names = split_list(self.args.runtimes)
        if self.args.runtimes is not None and not names:
            raise BenchError("--runtimes: empty list; name runtimes (e.g. onnxruntime,tflite) or "
                             "leave the flag out for every runtime the device has")
        names = names or list(self.config.run.runtimes)
        if runtimes or names:
            runtimes = resolve_runtimes(names, self.device)
        else:
            from bench.runtimes import RUNTIMES

            runtimes = [RUNTIMES.get(n) for n in RUNTIMES.names()]
        requests = [unread_file(r, runtimes) or self._unfit_file(r) or r for r in requests]
        self._check_shape_names(requests)
        usable = [r for r in requests if r.spec is not None]
        if not usable:  # nothing to measure: the first reason is the whole story
            raise SpecError(requests[0].error)
        baseline = select_baseline(self.opts.baseline, items, self.config.sets, usable)
        self.selected = {"models": list(items), "runtimes": [r.name for r in runtimes]}
        return requests, runtimes, baseline

    def _check_shape_names(self, requests):
        """A named --shape must be some model file's input (a typo is not silently ignored)."""
        from bench.models import MODELS
        from bench.options import shape_map

        names = [n for n in shape_map(self.opts.shapes) if n]
        if not names:
            return
        have = set()
        for r in requests:
            if r.spec is not None and MODELS.get(r.spec.name).from_file:
                have.update(t.name for t in MODELS.get(r.spec.name).info(r.spec).inputs)
        for name in names:
            if name not in have:
                raise BenchError("--shape {}: no model file has an input named {!r}; their "
                                 "inputs: {}".format(name, name, ", ".join(
                                     sorted(str(n) for n in have)) or "none recorded"))

    def _unfit_file(self, request):
        """An InvalidRequest for a user's model that cannot run as asked: a file whose inputs
        do not fit (a shape, a fixed size other than --resolution), a factory that raises
        or returns no module; else None."""
        from bench.file_models import file_inputs
        from bench.models import MODELS, build_model
        from bench.models.selection import InvalidRequest
        from bench.options import shape_map

        entry = MODELS.get(request.spec.name) if request.spec is not None else None
        if entry is None or entry.name not in ("file", "py"):
            return None
        try:
            if entry.from_file:
                file_inputs(request.spec, self.opts.batch, request.resolution,
                            shape_map(self.opts.shapes), request.asked)
            else:
                build_model(request.spec)  # the factory runs once here: its errors are input
        except SpecError as exc:
            return InvalidRequest(request.name, "{}: {}".format(request.name, exc),
                                  request.resolution)
        return None

    def open_results(self, columns=None, **request):
        """Open the results file for appending (one writer at a time) and store the
        request with it: what was selected, the options, and ``request`` (the command's
        own, e.g. resolutions)."""
        import dataclasses

        from bench.cli.request import save_request

        if os.path.isdir(self.path):
            raise BenchError("--out {} is a directory; give a file path such as {}".format(
                self.path, os.path.join(self.path, self.prefix + ".csv")))
        self.created = not os.path.exists(self.path)
        self.writer, self.previous = open_writer(self.path, self.args.resume, columns)
        try:
            if self.stored is None:
                if self.args.resume and self.previous:
                    self.log_early("no request stored with {} (made by an older bench): "
                                   "continuing with the flags given".format(self.path))
                data = {"command": self.command, "device": self.device_text
                        if self.fleet or self.device is None else self.device.name}
                data.update(self.selected)
                data.update({k: v for k, v in dataclasses.asdict(self.opts).items()
                             if k != "isolate"})
                data.update(request)
                save_request(self.path, data)
        except BaseException:
            self.writer.close()
            raise
        return self.writer, self.previous

    def resolution(self):
        """The square resolution asked for (None: each model's own): stored with a resumed
        file, else the flag, else ``[run].resolution``."""
        if self.stored is not None and "resolution" in self.stored:
            return self.stored["resolution"]
        return pick(self.args.resolution, self.config.run.resolution)

    def log_early(self, msg):
        print(msg, file=sys.stderr, flush=True)

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

    def _discard(self):
        from bench.cli.request import request_path

        if self.created:
            for path in (self.path, request_path(self.path)):
                try:
                    os.remove(path)
                except OSError:
                    pass

    def resume_command(self):
        """The command that continues this request (the rest is stored with the file)."""
        return "bench {} {}--resume --out {}".format(
            self.command, "--config {} ".format(self.args.config) if self.args.config else "",
            self.out)

    def rows_in_file(self):
        """The complete rows in the results file now (counted there: a row written just
        before an interrupt counts, whatever this process got to note)."""
        from bench.results_csv import read_rows

        try:
            return len(read_rows(self.path))
        except (OSError, ValueError):
            return len(self.previous) + (len(self.runner.rows) if self.runner else 0)

    def lock_timeout_s(self):
        from bench.options import check_value

        flag = getattr(self.args, "lock_timeout_s", None)
        if flag is None:
            return self.config.run.lock_timeout_s
        return check_value("lock_timeout_s", flag, "--lock-timeout")

    def start_fleet(self, total, make_body, writer_for=None):
        """Fleet: one lane per device (bench.fleet), each with its own BenchmarkRun writing
        to the shared results file (through ``writer_for(device, shared)`` when given: a
        sweep's per-device stop rules); ``make_body(run, device)`` -> what its thread runs."""
        from bench.fleet import FleetProgress, Lane, SharedWriter
        from bench.leases import DeviceLease
        from bench.runner import BenchmarkRun, done_keys

        self.progress = FleetProgress(Progress(total, self.command))
        shared = SharedWriter(self.writer)
        for device in self.devices:
            lane_progress = self.progress.for_device(device.name)
            writer = writer_for(device, shared) if writer_for else shared
            run = BenchmarkRun(device, self.config.export, self.opts, writer,
                               done_keys(self.previous), lane_progress.write, lane_progress)
            lease = DeviceLease(device.lease_key(), device.name, self.lock_timeout,
                                lane_progress.write)
            lane = Lane(device, (lambda run=run, device=device: make_body(run, device)), lease)
            lane.runner = run
            self.lanes.append(lane)
        return self.lanes

    def guarded_fleet(self):
        """Run the lanes; Ctrl-C stops them all with every finished row kept (130). A lane
        stopped by its device (lost, busy, unreachable) leaves the others going; afterwards
        ``fleet_problem()`` says what to do about it."""
        from bench.fleet import run_lanes

        try:
            run_lanes(self.lanes)
        except KeyboardInterrupt:
            interrupts.acknowledge()
            self.progress.close()
            print("bench: interrupted; {} rows in {} ({} from this run); continue with: {}".format(
                self.rows_in_file(), self.path, self.rows_in_file() - len(self.previous),
                self.resume_command()), file=sys.stderr)
            return 130
        finally:
            self.writer.close()
        self.progress.close()
        return None

    def fleet_problem(self):
        """After the lanes: None, or the BenchError to end with (every device's reason, the
        rows kept, how to continue). Nothing measured at all: the first device's error."""
        stopped = [lane for lane in self.lanes if lane.error is not None]
        if not stopped:
            return None
        if not self.rows_in_file() and len(stopped) == len(self.lanes):
            if self.created:
                self._discard()
            return stopped[0].error
        reasons = "; ".join("{}: {}".format(lane.device.name, str(lane.error).strip().splitlines()[0])
                            for lane in stopped)
        code = max(lane.error.exit_code for lane in stopped)
        return BenchError("{}; {} rows in {} ({} from this run); when fixed, continue with: "
                          "{}".format(reasons, self.rows_in_file(), self.path,
                                      self.rows_in_file() - len(self.previous),
                                      self.resume_command()), code)

    def guarded(self, body):
        """``device.setup`` then ``body()`` (the measurements), so that Ctrl-C / SIGTERM or a
        device error stops them with every finished row kept and says which command
        continues. Closes the writer and the progress line; returns 130 when interrupted,
        else None."""
        from bench.leases import DeviceLease

        device, progress = self.device, self.progress
        kept = lambda: self.rows_in_file() - len(self.previous)  # noqa: E731
        lease = DeviceLease(device.lease_key(), device.name, self.lock_timeout, self.log)
        try:
            with lease:  # nothing else measures on the device meanwhile (bench.leases)
                device.setup(self.log)
                body()
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM (bench.interrupts)
            interrupts.acknowledge()
            progress.close()
            print("bench: interrupted; {} rows in {} ({} from this run); continue with: {}".format(
                self.rows_in_file(), self.path, kept(), self.resume_command()), file=sys.stderr)
            return 130
        except BenchError as exc:  # device lost, full disk, setup failed: stop, keep rows
            progress.close()
            if not self.rows_in_file() and not isinstance(exc, DeviceLost):
                self.writer.close()
                self._discard()  # nothing measured: no empty results file left behind
                raise  # the error and its fix are the whole story
            raise type(exc)("{}; {} rows in {} ({} from this run); when fixed, continue with: "
                            "{}".format(str(exc).strip().splitlines()[0], self.rows_in_file(),
                                        self.path, kept(), self.resume_command()),
                            exc.exit_code) from None
        finally:
            self.writer.close()
        progress.close()
        return None
