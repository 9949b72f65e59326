"""The profiling worker: one process per profiled model, like the measurement worker.

Reads one JSON job on stdin, answers with one JSON line on stdout (fd 1 itself points at
stderr meanwhile, so what runtimes print cannot corrupt it). A crash of a runtime or its
profiler takes down this process only; the parent says so in one line.

The job: ``runtime``, ``artifact`` (path), ``precision``, ``device`` ("cpu"/"cuda"),
``threads`` (0: one fewer than the idle cores) and ``cpu_affinity`` (as ``bench run``),
``batch``, ``resolution``, ``shapes``, ``strict``, ``seed``, ``warmup``, ``runs`` (profiled
inferences), ``rounds``, ``block_s`` (seconds of one latency block).

What happens (:func:`profile_job`): the cores are planned and pinned as the measurement
worker does; the artifact is opened as ``bench run`` opens it (the plain session) and
with the runtime's profiler (:mod:`bench.profile`); both are fed the same seeded input
and warmed up; then ``rounds`` times: a latency block of the plain session (each
inference synchronised on its own) and ``runs / rounds`` profiled inferences, each also
timed from outside (``span_ms``). The answer holds the operators (aggregated by
:func:`bench.profile.table.aggregate`), the latency median and spread, and notes.
"""

import json
import os
import platform
import sys
import time

from bench.measure import cpus
from bench.measure.inputs import make_arrays, resolve_inputs
from bench.measure.protocol import default_clock, latency_pass, warm_up
from bench.profile import profiler_module
from bench.profile.table import DISTURBED, aggregate

DEFAULTS = {"device": "cpu", "precision": "fp32", "threads": 0, "cpu_affinity": "auto",
            "batch": 1, "resolution": None, "shapes": {}, "strict": False, "seed": 0,
            "warmup": 5, "runs": 30, "rounds": 10, "block_s": 0.05}
IDLE_SAMPLE_S = 0.25
UNCOVERED = {
    "onnxruntime": "onnxruntime's executor between nodes (scheduling, IOBinding, memory "
                   "planning)",
    "torch": "Python and nn.Module calls between operators",
    "torchscript": "the TorchScript interpreter between operators",
    "tflite": "LiteRT around the operators (buffer registration and sync, the invoke), or "
              "LiteRT's CompiledModel being faster than the Interpreter the latency is timed on",
    "tensorrt": "enqueue and synchronisation outside the layers",
}


def _one_line(exc):
    lines = str(exc).strip().splitlines()
    return "{}: {}".format(type(exc).__name__, lines[0] if lines else "")


def _quantile(values, q):
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _close(*sessions):
    for s in sessions:
        if s is not None:
            try:
                s.close()
            except Exception:  # noqa: BLE001 - the profile stands
                pass


def profile_job(job, clock=None):
    """Profile one artifact as ``job`` says -> the answer dict (``status`` ok, unsupported,
    invalid or failed, with ``error``)."""
    from bench.runtimes import get_runtime
    from bench.runtimes.base import BadInput, Unsupported

    job = dict(DEFAULTS, **job)
    clock = clock or default_clock()
    plain = profiled = None
    try:
        allowed = cpus.allowed_cpus()
        busy = cpus.sample_busy(IDLE_SAMPLE_S) if job["device"] == "cpu" else None
        plan = cpus.plan_cpus(job["threads"], job["cpu_affinity"], job["device"], busy, allowed)
        cpus.pin(plan.affinity)
        threads = plan.threads
        runtime = get_runtime(job["runtime"])
        runtime.check(job["precision"], job["device"])
        module = profiler_module(job["runtime"])
        module.check(job["runtime"], job["device"])
        plain = runtime.open(job["artifact"], job["precision"], job["device"], threads)
        resolved = resolve_inputs(plain.inputs(), job["batch"], job["resolution"],
                                  job["shapes"], job["strict"])
        arrays = make_arrays(resolved, job["seed"])
        plain.set_inputs(arrays)
        profiled = module.open_profiled(job["runtime"], job["artifact"], job["precision"],
                                        job["device"], threads)
        profiled.set_inputs(arrays)
        answer = _rounds(job, plain, profiled, clock)
        answer.update(threads=threads, cpu_affinity=cpus.format_cpu_list(plan.affinity),
                      uncovered=UNCOVERED.get(job["runtime"], ""))
        return answer
    except Unsupported as exc:
        return {"status": "unsupported", "error": str(exc).strip().splitlines()[0]}
    except BadInput as exc:
        return {"status": "invalid", "error": str(exc).strip().splitlines()[0]}
    except MemoryError:
        return {"status": "failed", "error": "out of memory"}
    except Exception as exc:  # noqa: BLE001 - one line for the parent, never a traceback
        return {"status": "failed", "error": _one_line(exc)}
    finally:
        _close(profiled, plain)


def _rounds(job, plain, profiled, clock):
    warm_up(plain.run, plain.sync, clock, job["warmup"])
    first_ns, _ = warm_up(profiled.run, profiled.sync, clock, job["warmup"])
    probe = latency_pass(plain.run, plain.sync, clock, 3)
    per_block = max(5, min(2000, int(job["block_s"] * 1e9 / max(min(probe), 1))))
    rounds = max(1, int(job["rounds"]))
    per_round = [job["runs"] // rounds + (1 if i < job["runs"] % rounds else 0)
                 for i in range(rounds)]
    latencies, spans = [], []
    for n in per_round:
        latencies += latency_pass(plain.run, plain.sync, clock, per_block)
        if n <= 0:
            continue
        profiled.start()
        for _ in range(n):
            profiled.sync()
            st = clock()
            profiled.run()
            profiled.sync()
            spans.append(clock() - st)
        profiled.stop()
    runs = profiled.collect()
    ops, kept = aggregate(runs)
    if not ops:
        raise RuntimeError("the profiler recorded no operators for {} profiled inferences"
                           .format(len(runs)))
    ms = [x / 1e6 for x in latencies]
    notes = [getattr(profiled, "notes", "") or ""]
    if kept < len(runs):
        notes.append("{} of {} profiled inferences left out: slower than {:g}x the median "
                     "(disturbed)".format(len(runs) - kept, len(runs), DISTURBED))
    info = getattr(plain, "info", None)
    return {"status": "ok", "ops": ops, "runs": len(runs), "kept": kept,
            "latency_ms": _quantile(ms, 0.5), "latency_p10_ms": _quantile(ms, 0.1),
            "latency_p90_ms": _quantile(ms, 0.9), "latency_iters": len(ms),
            "span_ms": _quantile([x / 1e6 for x in spans], 0.5),
            "first_profiled_ms": first_ns / 1e6, "profiler": profiled.profiler,
            "profiled_path": getattr(profiled, "profiled_path", ""),
            "notes": "; ".join(n for n in notes if n),
            "info": info() if callable(info) else {}}


def main():
    out = os.fdopen(os.dup(1), "w")
    sys.stdout.flush()
    os.dup2(2, 1)
    try:
        job = json.loads(sys.stdin.read())
        if not isinstance(job, dict) or "runtime" not in job or "artifact" not in job:
            raise ValueError("expected a JSON object with runtime and artifact")
    except ValueError as exc:
        answer = {"status": "failed", "error": "bad job: {}".format(exc)}
    else:
        start = time.time()
        answer = profile_job(job)
        answer["elapsed_s"] = time.time() - start
    answer["python"] = platform.python_version()
    out.write(json.dumps(answer) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
