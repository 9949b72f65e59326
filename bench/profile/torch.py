"""``torch.profiler`` for the ``torch`` (eager) and ``torchscript`` runtimes.

Each profiled inference runs inside a ``record_function`` range; its operators are the
outermost operator events under it (``aten::conv2d``, not the ``aten::convolution`` ->
``aten::mkldnn_convolution`` it calls; TorchScript's ``forward`` is looked through), each
with its inclusive time: CPU time on the CPU, the CUDA kernel time attributed to it
(``device_time_total``) on a GPU, where the profiler also records CUDA activities. An
operator is named by its type and occurrence in the inference (``aten::conv2d #3``):
eager PyTorch and a frozen TorchScript graph keep no per-node names.

What the operators do not cover is in the notes: eager PyTorch spends time in Python
between operators (``nn.Module`` calls, hooks), TorchScript in its interpreter.
"""

from bench.profile import Counter, ProfiledSession, op

WRAPPER = "bench::inference"
GAP_NOTE = ("the profiled inferences spent {:.3f} ms each outside any operator ({}), which "
            "no operator row holds")


def check(runtime_name, device):
    from bench.runtimes.torch_common import import_torch
    from bench.runtimes.base import Unsupported

    torch = import_torch("torch.profiler")
    if not hasattr(torch, "profiler") or not hasattr(torch.profiler, "profile"):
        raise Unsupported("torch {} has no torch.profiler (needs torch >= 1.8.1)".format(
            torch.__version__))


def open_profiled(runtime_name, path, precision, device, threads):
    from bench.runtimes import get_runtime

    inner = get_runtime(runtime_name).open(path, precision, device, threads)
    return TorchProfiled(inner, runtime_name, device)


def _is_operator(name):
    return "::" in name and not name.startswith("bench::")


def outermost_ops(event):
    """The outermost operator events under ``event`` (TorchScript's ``forward`` and other
    non-operator ranges are looked through), in the order they started."""
    found = []
    for child in sorted(event.cpu_children, key=lambda e: e.time_range.start):
        if _is_operator(child.name):
            found.append(child)
        else:
            found.extend(outermost_ops(child))
    return found


def device_time_us(event):
    """CUDA kernel time attributed to ``event`` (torch 2.x: device_time_total; older: cuda)."""
    for attr in ("device_time_total", "cuda_time_total"):
        value = getattr(event, attr, None)
        if value is not None:
            return value
    return 0.0


class TorchProfiled(ProfiledSession):
    def __init__(self, inner, runtime_name, device):
        import torch

        self._torch = torch
        self._inner = inner
        self._cuda = device == "cuda"
        self._prof = None
        self._runs = []
        self._gaps = []
        self.profiler = "torch.profiler ({})".format("CPU and CUDA activities" if self._cuda
                                                     else "CPU activities")
        self._between = ("Python and nn.Module calls between operators" if runtime_name == "torch"
                         else "the TorchScript interpreter between operators")

    def inputs(self):
        return self._inner.inputs()

    def set_inputs(self, arrays):
        self._inner.set_inputs(arrays)

    def run(self):
        if self._prof is None:
            self._inner.run()
            return
        with self._torch.profiler.record_function(WRAPPER):
            self._inner.run()

    def sync(self):
        self._inner.sync()

    def start(self):
        from torch.profiler import ProfilerActivity, profile

        activities = [ProfilerActivity.CPU]
        if self._cuda:
            activities.append(ProfilerActivity.CUDA)
        self._prof = profile(activities=activities)
        self._prof.__enter__()

    def stop(self):
        self._inner.sync()
        prof, self._prof = self._prof, None
        prof.__exit__(None, None, None)
        where = "CUDA" if self._cuda else "CPU"
        wrappers = sorted((e for e in prof.events() if e.name == WRAPPER),
                          key=lambda e: e.time_range.start)
        for w in wrappers:
            names, ops = Counter(), []
            for e in outermost_ops(w):
                us = device_time_us(e) if self._cuda else e.cpu_time_total
                ops.append(op(names.name(e.name), e.name, where, us / 1000.0))
            self._runs.append(ops)
            if not self._cuda:
                self._gaps.append((w.cpu_time_total - sum(e.cpu_time_total
                                                          for e in outermost_ops(w))) / 1000.0)

    def collect(self):
        if self._gaps:
            gaps = sorted(self._gaps)
            gap = gaps[len(gaps) // 2]
            if gap > 0.001:
                self.notes = GAP_NOTE.format(gap, self._between)
        return self._runs

    def info(self):
        return self._inner.info()

    def close(self):
        self._inner.close()
