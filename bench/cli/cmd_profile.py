"""``bench profile``: where each model's inference time goes, operator by operator.

    bench profile --models SPEC... --runtime R [--device D] [--resolution R] [--out CSV]

Per model: the artifact the runtime reads is exported (cached as for ``bench run``),
then profiled by the runtime's own profiler (:mod:`bench.profile`) in a worker process
on this machine, or by ``benchmark_model --enable_op_profiling`` on a phone. Written:
the CSV (one row per operator per model, :data:`bench.profile.table.COLUMNS`), a plot
of the time per operator type next to it (two or more models side by side), and printed
per model its ten slowest operators with the line ``sum of operator times X ms vs
measured latency Y ms (Z %)`` and, outside 90-110 %, why.

Over SSH (a Jetson) profiling is not supported yet: one line says so (exit 2).

Exit codes: 0 every model profiled; 1 some model failed to export or to profile (the
others are written); 2 bad input, or no profiler for that runtime on that device; 3 the
environment lacks something (the runtime's package, a GPU, the device).
"""

import json
import os
import subprocess
import sys
import time

from bench.cli.commands import command
from bench.errors import BenchError, EnvironmentProblem, SpecError
from bench.ranges import Range

RUNS = Range(1, 100000, "profiled inferences per model")
ROUNDS = 10  # latency blocks and profiled inferences alternate this often: both see the same load
SSH = ("bench profile is not yet supported over SSH (device {} is kind ssh): run bench profile "
       "on the device itself (--device local there), or time it with bench run")
PHONE = ("device {} (adb) is profiled with its benchmark_model, which runs tflite only; use "
         "--runtime tflite")


class Failure(Exception):
    """One model could not be profiled: ``status`` (failed, unsupported, invalid) and why."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _one_line(text):
    lines = str(text).strip().splitlines()
    return lines[0] if lines else ""


@command("profile", help="per-operator times from the runtime's own profiler: a CSV, the top "
                         "ten per model and a plot by operator type")
class ProfileCommand:
    @staticmethod
    def add_arguments(p):
        p.add_argument("--models", nargs="+", metavar="SET|SPEC",
                       help="model sets or specs (default: [run].models)")
        p.add_argument("--runtime", required=True, metavar="R",
                       help="the runtime whose profiler to use: onnxruntime, torch, torchscript, "
                            "tflite, tensorrt")
        p.add_argument("--device", metavar="NAME", help="local or a [devices.NAME] (default: "
                                                         "[run].device)")
        p.add_argument("--resolution", type=int, metavar="R")
        p.add_argument("--batch", type=int, metavar="B")
        p.add_argument("--precision", choices=("fp32", "fp16"))
        p.add_argument("--threads", type=int, metavar="N",
                       help="runtime threads (0: one fewer than the idle cores, at least 1)")
        p.add_argument("--warmup", type=int, metavar="W", help="runs before anything is timed")
        p.add_argument("--runs", type=int, default=30, metavar="N",
                       help="profiled inferences per model (default 30)")
        p.add_argument("--out", metavar="CSV",
                       help="the profile CSV (default: results/profile-TIME.csv); the plot is "
                            "written next to it (.png)")
        p.add_argument("--no-plot", action="store_true", help="do not write the PNG")
        p.add_argument("--timeout", type=float, default=600.0, metavar="S",
                       help="seconds one model's profile may take before it is stopped")

    def run(self, args, config):
        from bench.options import check_value, pick

        RUNS.check(args.runs, "--runs")
        if args.timeout <= 0:
            raise BenchError("--timeout: {:g} is out of range: must be > 0".format(args.timeout))
        self.batch = check_value("batch", pick(args.batch, config.run.batch), "--batch")
        self.threads = check_value("threads", pick(args.threads, config.run.threads), "--threads")
        self.warmup = check_value("warmup", pick(args.warmup, config.run.warmup), "--warmup")
        self.precision = args.precision or config.run.precision
        runtime_cls = self._runtime(args.runtime)
        name = args.device or config.run.device
        if "," in str(name) or str(name).startswith("@"):
            raise BenchError("bench profile profiles on one device at a time (got {}); run it "
                             "once per device".format(name))
        requests = self._models(args, config)
        path = args.out or os.path.join(config.run.results_dir, "profile-{}.csv".format(
            time.strftime("%Y%m%d-%H%M%S")))
        if os.path.isdir(path):
            raise BenchError("--out {} is a directory; give a file path such as {}".format(
                path, os.path.join(path, "profile.csv")))
        if os.path.exists(path):
            raise BenchError("{} already exists; give another --out".format(path))
        from bench.devices import open_device

        device = open_device(name, config)
        try:
            where = self._check_device(device, runtime_cls)
            return self._profile(args, config, device, where, runtime_cls, requests, path)
        finally:
            device.close()

    # -- checks, before any work ----------------------------------------------------------

    @staticmethod
    def _runtime(name):
        from bench.registry import did_you_mean
        from bench.runtimes import RUNTIMES

        if name not in RUNTIMES:
            raise BenchError("unknown runtime {!r}{}; known: {}".format(
                name, did_you_mean(name, RUNTIMES.names()), ", ".join(RUNTIMES.names())))
        return RUNTIMES.get(name)

    def _models(self, args, config):
        from bench.models import select_models

        items = args.models or list(config.run.models)
        if not items:
            raise BenchError("--models: no model given; name a set (pta, zoo...) or model specs")
        requests = select_models(items, config.sets, args.resolution or config.run.resolution,
                                 config.base_dir)
        for r in requests:
            if r.spec is not None and r.spec.kwargs.get("switchable"):
                raise SpecError("{}: bench profile profiles one frozen configuration; drop "
                                "switchable=true".format(r.name))
        return requests

    def _check_device(self, device, runtime_cls):
        """Where the runtime runs on ``device`` ("cpu", "cuda", "phone"), or a one-line error
        when it has no profiler there."""
        from bench.profile import profiler_module
        from bench.runtimes.base import Unsupported

        if device.kind == "ssh":
            raise BenchError(SSH.format(device.name))
        if device.kind == "adb":
            if runtime_cls.name != "tflite":
                raise BenchError(PHONE.format(device.name))
            return "phone"
        if device.kind != "local":
            raise BenchError("bench profile cannot profile on device {} (kind {})".format(
                device.name, device.kind))
        accel = device.accelerator(runtime_cls)
        try:
            runtime_cls().check(self.precision, accel)
        except Unsupported as exc:
            raise EnvironmentProblem("{} cannot run here: {}".format(
                runtime_cls.name, _one_line(exc))) from None
        try:
            profiler_module(runtime_cls.name).check(runtime_cls.name, accel)
        except Unsupported as exc:
            raise BenchError("{} has no per-operator profiler on device {}: {}".format(
                runtime_cls.name, device.name, _one_line(exc))) from None
        return accel

    # -- the work ---------------------------------------------------------------------------

    def _profile(self, args, config, device, where, runtime_cls, requests, path):
        from bench.leases import DeviceLease
        from bench.profile.table import model_rows, top_ten, write_csv

        log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
        rows, failures = [], []
        with DeviceLease(device.lease_key(), device.name, config.run.lock_timeout_s, log):
            device.setup(log)
            log("bench profile: {} model(s), {} {} on {} -> {}".format(
                len(requests), runtime_cls.name, self.precision, device.name, path))
            for request in requests:
                try:
                    result = self._one(args, config, device, where, runtime_cls, request, log)
                except Failure as exc:
                    failures.append((request.name, exc))
                    if len(requests) > 1:  # (one model: its error is the command's)
                        log("{}: {}: {}".format(request.name, exc.status, exc))
                    continue
                meta = {"device": device.name, "model": request.name,
                        "runtime": runtime_cls.name, "precision": self.precision,
                        "resolution": request.resolution, "batch": self.batch}
                rows.append(model_rows(meta, result))
        if not rows:
            name, exc = failures[0]
            text = str(exc) if str(exc).startswith(name + " ") else "{}: {}".format(name, exc)
            raise BenchError(text, 2 if exc.status in ("unsupported", "invalid") else 1)
        flat = [r for model in rows for r in model]
        write_csv(flat, path)
        for model in rows:
            print(top_ten(model))
            print()
        print("profile: {}".format(path))
        if not args.no_plot:
            from bench.plots.profile import plot_profile

            print("plot: {}".format(plot_profile(flat, os.path.splitext(path)[0] + ".png")))
        return 1 if failures else 0

    def _one(self, args, config, device, where, runtime_cls, request, log):
        """Export and profile one model -> the profile answer; :class:`Failure` when it cannot."""
        from bench.artifacts import get_artifact
        from bench.formats.base import ExportFailed
        from bench.runtimes.base import Unsupported

        shapes, strict = {}, False
        try:
            fmt, precision = self._format(device, runtime_cls, request)
            if request.spec is not None and _from_file(request):
                from bench.file_models import fed_shapes, file_inputs

                shapes = fed_shapes(file_inputs(request.spec, self.batch, request.resolution, {},
                                                request.asked))
                strict = request.asked
            artifact = get_artifact(request, fmt, precision, self.batch, config.export,
                                    seed=config.run.seed, log=log)
        except ExportFailed as exc:
            text = _one_line(exc)
            raise Failure("failed", text if "export failed" in text else
                          "export failed: {}".format(text))
        except Unsupported as exc:
            raise Failure("unsupported", _one_line(exc))
        except SpecError as exc:
            raise Failure("invalid", _one_line(exc))
        if where == "phone":
            from bench.profile.benchmark_model import profile_on_phone

            remote = device.place_artifact(artifact)
            result = profile_on_phone(device, remote, self.precision, args.runs, self.warmup,
                                      self.threads, args.timeout)
        else:
            job = {"runtime": runtime_cls.name, "artifact": os.path.abspath(artifact.path),
                   "precision": self.precision, "device": where, "threads": self.threads,
                   "cpu_affinity": config.run.cpu_affinity, "batch": self.batch,
                   "resolution": request.resolution, "shapes": shapes, "strict": strict,
                   "seed": config.run.seed, "warmup": self.warmup, "runs": args.runs,
                   "rounds": ROUNDS}
            result = run_worker(job, args.timeout)
        if result.get("status") != "ok":
            raise Failure(result.get("status") or "failed", result.get("error") or "?")
        return result

    def _format(self, device, runtime_cls, request):
        """(format, precision) of the artifact ``runtime_cls`` reads for ``request``."""
        if _from_file(request):
            from bench.file_models import check_precision, native_format, runtime_format

            fmt = runtime_format(request.spec, runtime_cls)
            check_precision(request.spec, runtime_cls, self.precision)
            if fmt == native_format(request.spec):
                return fmt, self.precision
        return device.artifact_for(runtime_cls, self.precision)


def _from_file(request):
    from bench.models import MODELS

    return request.spec is not None and MODELS.get(request.spec.name).from_file


def run_worker(job, timeout):
    """``job`` in a fresh ``python -m bench.profile.worker`` -> its answer (a dict). A worker
    that dies or hangs is a ``failed`` answer saying so; its output is shown with --debug."""
    from bench.devices.local import worker_env

    debug = os.environ.get("BENCH_DEBUG") == "1"
    proc = subprocess.Popen([sys.executable, "-m", "bench.profile.worker"], env=worker_env(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=None if debug else subprocess.PIPE, universal_newlines=True)
    try:
        out, err = proc.communicate(json.dumps(job), timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {"status": "failed", "error": "the profile took longer than --timeout {:g} s "
                                              "and was stopped".format(timeout)}
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    answer = None
    for line in reversed((out or "").splitlines()):
        try:
            answer = json.loads(line)
            break
        except ValueError:
            continue
    if isinstance(answer, dict) and proc.returncode == 0:
        return answer
    status = proc.returncode
    how = ("was killed by signal {}".format(-status) if status < 0
           else "exited with status {}".format(status))
    tail = [ln for ln in (err or "").splitlines() if ln.strip()]
    return {"status": "failed", "error": "the profiling worker {}{}".format(
        how, ": " + tail[-1].strip()[:200] if tail else "")}
