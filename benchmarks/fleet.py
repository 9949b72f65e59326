"""Several devices in one command: wall time against the sum of the per-device times.

The devices are TEST DOUBLES (kind ``fixedwait``, defined here and nowhere else): their
"measurement" of each model is a fixed wait of WAIT_S seconds and their throughput is made
up, so the figure isolates bench's own orchestration (threads, leases, the shared results
file, progress) from the machine's speed. Each device's queue is MODELS models measured one
group each (--group-size 1). For N = 1, 2 and 4 devices:

    speedup = (sum over the devices of their time alone) / (wall time of all N at once)

and the target is speedup >= 0.8 N. Run: ``.venv/bin/python benchmarks/fleet.py``.
"""

import os
import sys
import tempfile
import time
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.config import register_device_kind  # noqa: E402
from bench.devices.base import Device, register_device  # noqa: E402
from bench.measure.messages import CandidateResult, GroupResult, Progress  # noqa: E402

WAIT_S = 1.0
MODELS = ["mobilenet_v2:width_mult={}".format(w) for w in (0.25, 0.3, 0.35, 0.4)]


@register_device_kind("fixedwait")
@dataclass(frozen=True)
class FixedWaitConfig:
    kind: str = "fixedwait"
    wait_s: float = WAIT_S

    def validate(self, where):
        pass


class FixedWaitWorker:
    """Answers a MeasureJob after ``wait_s`` per candidate, with made-up trials."""

    def __init__(self, wait_s, on_progress):
        self.wait_s, self.on_progress, self._alive = wait_s, on_progress, True

    def request(self, job, timeout, start_timeout=None, timeout_for=None):
        results = []
        for c in job.candidates:
            if self.on_progress:
                self.on_progress(Progress(id=job.id, phase="trial", key=c.key, round=0))
            time.sleep(self.wait_s)
            results.append(CandidateResult(key=c.key, trial_iters=[100] * 6,
                                           trial_ns=[int(1e8)] * 6, trial_round=list(range(6)),
                                           trial_background=[0.0] * 6))
        return GroupResult(id=job.id, results=results, threads=1, rounds=6, stop="fixed")

    def alive(self):
        return self._alive

    def kill(self):
        self._alive = False


@register_device
class FixedWaitDevice(Device):
    kind = "fixedwait"

    def accelerator(self, runtime_cls):
        return "cpu"

    def available_runtimes(self):
        return ["onnxruntime"]

    def state(self):
        return {"host": "fixedwait-double"}

    def place_artifact(self, artifact):
        return artifact.path

    def spawn_worker(self, on_progress=None):
        return FixedWaitWorker(self.config.wait_s, on_progress)

    def doctor(self):
        return []


def run(names, cfg, out):
    from bench.cli.main import main

    args = ["run", "--config", cfg, "--device", ",".join(names), "--models"] + MODELS + [
        "--runtimes", "onnxruntime", "--resolution", "32", "--group-size", "1", "--out", out,
        "--no-plot", "--lock-timeout", "0"]
    devnull = open(os.devnull, "w")
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = devnull
    start = time.monotonic()
    try:
        code = main(args)
    finally:
        sys.stdout, sys.stderr = saved
        devnull.close()
    elapsed = time.monotonic() - start
    if code != 0:
        raise SystemExit("bench run --device {} exited {}".format(",".join(names), code))
    return elapsed


def main():
    tmp = tempfile.mkdtemp(prefix="bench-fleet-")
    os.environ["BENCH_LOCK_DIR"] = os.path.join(tmp, "locks")
    cfg = os.path.join(tmp, "bench.toml")
    with open(cfg, "w") as fh:
        fh.write('[export]\ndir = "{}"\n'.format(os.path.join(tmp, "models")))
        for i in range(4):
            fh.write('[devices.double{}]\nkind = "fixedwait"\nwait_s = {}\n'.format(i, WAIT_S))
    run(["double0"], cfg, os.path.join(tmp, "warm.csv"))  # exports cached: orchestration only
    print("devices are test doubles: each model's measurement is a fixed {:g} s wait".format(WAIT_S))
    for n in (1, 2, 4):
        names = ["double{}".format(i) for i in range(n)]
        alone = [run([name], cfg, os.path.join(tmp, "alone-{}-{}.csv".format(n, name)))
                 for name in names]
        together = run(names, cfg, os.path.join(tmp, "fleet-{}.csv".format(n)))
        speedup = sum(alone) / together
        print("devices={} models_each={} sum_alone_s={:.2f} wall_s={:.2f} speedup={:.2f} "
              "target={:.1f} {}".format(n, len(MODELS), sum(alone), together, speedup, 0.8 * n,
                                        "ok" if speedup >= 0.8 * n else "MISSED"))


if __name__ == "__main__":
    main()
