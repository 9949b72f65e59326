"""The measurement worker: one process that opens artifacts and times them.

Reads one JSON job per line on stdin, answers with JSON lines on stdout
(``hello`` once, then ``progress`` and one ``result`` per job). The same file
runs on the host and on devices (Python 3.6), so a crash, an out-of-memory kill
or a hang takes down this process only; the parent records it and goes on.

Job keys: id, runtime, artifact, precision, device ("cpu"/"cuda"), threads, batch,
resolution, trials, warmup, repeats, seed, label; optionally build ({"kind": "tensorrt",
"source": ONNX path, "workspace_mb"}: make ``artifact`` from the source first).
"""

import json
import os
import platform
import signal
import sys
import time

from bench.measure.protocol import default_clock, measure

CRASH_HOOK_ENV = "BENCH_TEST_CRASH"  # test hook: SIGKILL self on jobs whose label contains it


class Channel(object):
    """JSON lines on a private copy of stdout; fd 1 itself is pointed at stderr so that
    anything a runtime prints (C libraries included) cannot corrupt the protocol."""

    def __init__(self):
        sys.stdout.flush()
        self._out = os.fdopen(os.dup(1), "w")
        os.dup2(2, 1)

    def send(self, obj):
        self._out.write(json.dumps(obj) + "\n")
        self._out.flush()


def _one_line(exc):
    lines = str(exc).strip().splitlines()
    return "{}: {}".format(type(exc).__name__, lines[0] if lines else "")


def random_input(batch, resolution, seed):
    import numpy as np

    rng = np.random.RandomState(seed)
    return rng.standard_normal((batch, 3, resolution, resolution)).astype(np.float32)


def build_on_device(job, result):
    """Build the artifact this device runs from the pushed source (a TensorRT engine from
    ONNX), cached on the device by source hash -> its path. Build time: a column."""
    build = job["build"]
    if build.get("kind") != "tensorrt":
        raise ValueError("unknown build kind {!r}".format(build.get("kind")))
    from bench.runtimes.tensorrt_build import ensure_engine

    seconds = ensure_engine(build["source"], job["artifact"], job["precision"],
                            build.get("workspace_mb", 256),
                            echo=lambda msg: sys.stderr.write(msg + "\n"))
    result.setdefault("columns", {})["engine_build_s"] = seconds
    result["notes"] = ("engine built on the device in {:.1f} s".format(seconds) if seconds is not None
                       else "engine cached on the device")
    return job["artifact"]


def run_job(job, channel):
    from bench.runtimes import RUNTIMES
    from bench.runtimes.base import Unsupported

    hook = os.environ.get(CRASH_HOOK_ENV)
    if hook and hook in job.get("label", ""):
        os.kill(os.getpid(), signal.SIGKILL)
    result = {"event": "result", "id": job.get("id"), "status": "ok", "error": "", "notes": ""}
    session = None
    try:
        runtime = RUNTIMES.get(job["runtime"])()
        result["versions"] = runtime.versions()
        runtime.check(job["precision"], job["device"])
        artifact = job["artifact"]
        if job.get("build"):
            artifact = build_on_device(job, result)
        clock = default_clock()
        st = clock()
        session = runtime.open(artifact, job["precision"], job["device"], job.get("threads", 0))
        result["load_ms"] = (clock() - st) / 1e6
        session.set_input(random_input(job["batch"], job["resolution"], job.get("seed", 0)))

        def progress(done, total):
            channel.send({"event": "progress", "id": job.get("id"), "done": done, "total": total})

        result["raw"] = measure(session.run, session.sync, job["trials"], job["batch"],
                                warmup=job["warmup"], repeats=job["repeats"], clock=clock,
                                on_progress=progress)
        result["notes"] = "; ".join(filter(None, [result["notes"], getattr(session, "notes", "")]))
        info = getattr(session, "info", None)
        result["info"] = info() if callable(info) else {}
    except Unsupported as exc:
        result.update(status="unsupported", error=str(exc).strip().splitlines()[0])
    except MemoryError:
        result.update(status="failed", error="out of memory")
    except Exception as exc:  # noqa: BLE001 - reported as the row's error, never dropped
        result.update(status="failed", error=_one_line(exc))
    finally:
        if session is not None:
            try:
                session.close()
            except Exception as exc:  # noqa: BLE001
                result["notes"] = (result["notes"] + "; close failed: " + _one_line(exc)).strip("; ")
    return result


def hello():
    return {"event": "hello", "pid": os.getpid(), "python": platform.python_version(),
            "time": time.time()}


def main():
    channel = Channel()
    channel.send(hello())
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            job = json.loads(line)
        except ValueError as exc:
            channel.send({"event": "error", "error": "bad job line: {}".format(exc)})
            continue
        channel.send(run_job(job, channel))
    return 0


if __name__ == "__main__":
    sys.exit(main())
