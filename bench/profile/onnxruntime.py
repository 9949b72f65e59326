"""onnxruntime's own profiler: ``SessionOptions.enable_profiling`` and its JSON trace.

The session writes a Chrome-trace JSON file when profiling ends: one ``model_run``
event (``cat`` "Session") per ``Run`` and, inside it, one ``<node>_kernel_time`` event
(``cat`` "Node") per node executed, ``dur`` in microseconds and in ``args`` the node's
``op_name`` (its type, e.g. ``Conv``: after graph optimisation, so a Conv may carry a
fused Clip) and ``provider`` (where it ran: ``CPUExecutionProvider``, ``CUDAExecution
Provider``...). The profiled session is bench's own (IOBinding, the same providers and
threads as ``bench run``), so only the profiling differs.

Profiling cannot be paused: every run of the profiled session is traced, and the runs
made outside ``start``/``stop`` (the warm-up) are left out by their order.
"""

import json
import os
import shutil
import tempfile

from bench.profile import WrappedProfiled, op

KERNEL = "_kernel_time"
CUDA_NOTE = ("onnxruntime's node times on {} are host-side (launch and wait), not GPU kernel "
             "times")


def check(runtime_name, device):
    from bench.runtimes.onnxruntime import import_onnxruntime

    import_onnxruntime()


def open_profiled(runtime_name, path, precision, device, threads):
    from bench.runtimes.onnxruntime import OnnxRuntimeSession, import_onnxruntime, providers_for

    ort = import_onnxruntime()
    folder = tempfile.mkdtemp(prefix="bench-ort-profile-")
    options = ort.SessionOptions()
    if threads and threads > 0:
        options.intra_op_num_threads = int(threads)
    options.enable_profiling = True
    options.profile_file_prefix = os.path.join(folder, "profile")
    try:
        session = ort.InferenceSession(path, options, providers=providers_for(ort, precision,
                                                                              device))
        inner = OnnxRuntimeSession(session, precision, device, threads)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return OrtProfiled(session, inner, folder)


def runs_of(events):
    """The trace's events -> one list of ``Node`` kernel events per ``model_run``, in order."""
    runs = sorted((e for e in events if e.get("name") == "model_run"), key=lambda e: e["ts"])
    nodes = sorted((e for e in events if e.get("cat") == "Node" and
                    str(e.get("name", "")).endswith(KERNEL)), key=lambda e: e["ts"])
    out = [[] for _ in runs]
    i = 0
    for node in nodes:
        while i < len(runs) and node["ts"] >= runs[i]["ts"] + runs[i]["dur"]:
            i += 1
        if i == len(runs):
            break
        if node["ts"] >= runs[i]["ts"]:
            out[i].append(node)
    return out


def node_ops(nodes):
    """Kernel events of one run -> :func:`bench.profile.op` dicts."""
    ops = []
    for e in nodes:
        args = e.get("args") or {}
        name = e["name"][:-len(KERNEL)]
        ops.append(op(name, args.get("op_name") or "?", args.get("provider") or "?",
                      e["dur"] / 1000.0))
    return ops


class OrtProfiled(WrappedProfiled):
    profiler = "onnxruntime session profiling (SessionOptions.enable_profiling)"

    def __init__(self, session, inner, folder):
        WrappedProfiled.__init__(self, inner)
        self._session = session
        self._folder = folder
        self._profiled = []  # per run: made between start and stop
        providers = session.get_providers()
        self.notes = CUDA_NOTE.format(providers[0]) if providers[0] != "CPUExecutionProvider" \
            else ""

    def run(self):
        self._inner.run()
        self._profiled.append(self._on)

    def collect(self):
        path = self._session.end_profiling()
        try:
            with open(path) as fh:
                events = json.load(fh)
        except (OSError, ValueError) as exc:
            raise RuntimeError("onnxruntime's profile {} cannot be read: {}".format(path, exc))
        runs = runs_of(events)
        if len(runs) != len(self._profiled):
            raise RuntimeError("onnxruntime's profile has {} runs, {} were made".format(
                len(runs), len(self._profiled)))
        return [node_ops(nodes) for nodes, kept in zip(runs, self._profiled) if kept]

    def info(self):
        return self._inner.info()

    def close(self):
        self._inner.close()
        self._session = None
        shutil.rmtree(self._folder, ignore_errors=True)
