"""How much does bench's protocol cost? Protocol throughput / bare-loop throughput.

For each runtime this machine has, on mobilenet_v2 at 224x224, batch 1: one process
opens the artifact once, places the input once, then alternates (interleaved, order
flipped every round) between

* the protocol: one trial as the worker's rounds take it (``Contender.trial``: load
  snapshots around ``throughput_trial`` on the Session's run/sync), and
* a bare loop calling the runtime's own API directly on the same session and input
  (``module(x)``, ``session.run_with_iobinding(binding)``, ``interpreter.invoke()``).

Prints ``runtime=NAME ratio=R`` per runtime (median over rounds of the paired
protocol/bare ratio) and last ``min_ratio=R``. Target >= 0.98.
Usage: .venv/bin/python benchmarks/overhead.py [--trials 20] [--rounds 7]
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.artifacts import get_artifact  # noqa: E402
from bench.config import ExportConfig  # noqa: E402
from bench.devices.local import LocalDevice  # noqa: E402
from bench.measure.cpus import LoadSampler, allowed_cpus  # noqa: E402
from bench.measure.protocol import default_clock  # noqa: E402
from bench.measure.rounds import Contender  # noqa: E402
from bench.measure.inputs import default_inputs, make_arrays  # noqa: E402
from bench.models import select_models  # noqa: E402
from bench.runtimes import RUNTIMES  # noqa: E402


def bare_call(name, session):
    """The runtime's own API call that the Session's ``run`` wraps (reads its internals)."""
    if name in ("torch", "torchscript"):
        module, xs = session._module, session._x
        return lambda: module(*xs)
    if name == "onnxruntime":
        sess, binding = session._session, session._binding
        return lambda: sess.run_with_iobinding(binding)
    if name == "tflite":
        return session._interpreter.invoke
    raise KeyError(name)


def bare_throughput(call, sync, trials):
    sync()
    st = time.perf_counter_ns()
    for _ in range(trials):
        call()
    sync()
    return trials * 1e9 / (time.perf_counter_ns() - st)


def protocol_throughput(session, trials, sampler):
    contender = Contender("m", session.run, session.sync, trials)
    iters, ns, _ = contender.trial(default_clock(), sampler)
    return iters * 1e9 / ns


def main():
    import torch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--models-dir", default="models")
    args = ap.parse_args()
    request = select_models(["mobilenet_v2"], resolution=224)[0]
    device = LocalDevice("local", None)
    ratios = {}
    for name in device.available_runtimes():
        if name not in ("torch", "torchscript", "onnxruntime", "tflite"):
            continue
        cls = RUNTIMES.get(name)
        accel = device.accelerator(cls)
        artifact = get_artifact(request, cls.formats[0], "fp32", 1,
                                ExportConfig(dir=args.models_dir), log=lambda m: None)
        session = cls().open(artifact.path, "fp32", accel, 0)
        session.set_inputs(make_arrays(default_inputs(1, 224), 0))
        bare = bare_call(name, session)
        sampler = LoadSampler(allowed_cpus())
        with torch.no_grad():  # the torch Session enters no_grad per call; the bare loop once
            for _ in range(3):
                bare()
            proto, plain = [], []
            for i in range(args.rounds):
                if i % 2:
                    plain.append(bare_throughput(bare, session.sync, args.trials))
                    proto.append(protocol_throughput(session, args.trials, sampler))
                else:
                    proto.append(protocol_throughput(session, args.trials, sampler))
                    plain.append(bare_throughput(bare, session.sync, args.trials))
        session.close()
        # paired rounds run back to back, so slow drifts of the machine cancel in each ratio
        ratios[name] = statistics.median(p / b for p, b in zip(proto, plain))
        print("runtime={} ratio={:.4f} protocol={:.1f}/s bare={:.1f}/s".format(
            name, ratios[name], statistics.median(proto), statistics.median(plain)), flush=True)
    print("min_ratio={:.4f}".format(min(ratios.values())))


if __name__ == "__main__":
    main()
