"""Per-operator profiles: where an inference's time goes, from each runtime's own profiler.

``bench profile`` (:mod:`bench.cli.cmd_profile`) exports a model for one runtime, then a
worker process (:mod:`bench.profile.worker`, like the measurement worker) opens it twice:
once as ``bench run`` times it (the runtime's own :class:`~bench.runtimes.base.Session`,
no profiler) and once with the runtime's profiler attached. Rounds alternate a timed
latency block of the plain session with a block of profiled inferences, so a change of
load hits both alike. A phone profiles through its own ``benchmark_model
--enable_op_profiling`` (:mod:`bench.profile.benchmark_model`).

One module per profiler source, each with ``check(runtime_name, device)`` (raises
:class:`~bench.runtimes.base.Unsupported` saying why there are no per-operator times) and
``open_profiled(runtime_name, path, precision, device, threads)`` -> a :class:`ProfiledSession`:

- ``onnxruntime``: onnxruntime's session profiling (``SessionOptions.enable_profiling``),
  the JSON trace's ``Node`` events (:mod:`bench.profile.onnxruntime`);
- ``torch``, ``torchscript``: ``torch.profiler`` (CPU; CUDA activities on a GPU),
  the outermost operator of each call in the inference (:mod:`bench.profile.torch`);
- ``tflite``: LiteRT's profiler through its C API (``libLiteRt.so`` of ai-edge-litert,
  the CompiledModel with ``enable_profiling``), XNNPACK's per-operator events
  (:mod:`bench.profile.tflite`);
- ``tensorrt``: TensorRT's ``IProfiler`` layer times (:mod:`bench.profile.tensorrt`).

Operator rows are normalised and written by :mod:`bench.profile.table`.
"""

import importlib

from bench.runtimes.base import Session, Unsupported

PROFILERS = {
    "onnxruntime": "bench.profile.onnxruntime",
    "torch": "bench.profile.torch",
    "torchscript": "bench.profile.torch",
    "tflite": "bench.profile.tflite",
    "tensorrt": "bench.profile.tensorrt",
}


def profiler_module(runtime_name):
    """The module profiling ``runtime_name`` locally, or Unsupported saying there is none."""
    module = PROFILERS.get(runtime_name)
    if module is None:
        raise Unsupported("bench has no per-operator profiler for runtime {} (profilers: "
                          "{})".format(runtime_name, ", ".join(sorted(PROFILERS))))
    return importlib.import_module(module)


def op(name, op_type, where, ms):
    """One operator call of one profiled inference."""
    return {"name": name, "type": op_type, "where": where, "ms": float(ms)}


class ProfiledSession(Session):
    """A session whose inferences between ``start`` and ``stop`` are profiled.

    ``collect`` (after the last ``stop``) returns one list per profiled inference, of
    :func:`op` dicts in the order the runtime ran them. ``profiler`` names the source of
    the times; ``notes`` are caveats for every row (e.g. host-side times on a GPU)."""

    profiler = ""
    notes = ""

    def start(self):
        """Profile the inferences from now on."""

    def stop(self):
        """Stop profiling (the inferences since ``start`` are kept for ``collect``)."""

    def collect(self):
        raise NotImplementedError


class WrappedProfiled(ProfiledSession):
    """A profiled session around a plain runtime session ``_inner``: inputs and sync pass
    through, and ``start``/``stop`` set ``_on``, which ``run`` reads to know whether the
    inference it runs is a profiled one."""

    def __init__(self, inner):
        self._inner = inner
        self._on = False

    def inputs(self):
        return self._inner.inputs()

    def set_inputs(self, arrays):
        self._inner.set_inputs(arrays)

    def sync(self):
        self._inner.sync()

    def start(self):
        self._on = True

    def stop(self):
        self._on = False


class Counter(object):
    """Names an operator's calls within one inference by type and occurrence: the third
    ``aten::conv2d`` of every inference is the same call, ``aten::conv2d #3``."""

    def __init__(self):
        self.seen = {}

    def name(self, op_type):
        n = self.seen.get(op_type, 0) + 1
        self.seen[op_type] = n
        return "{} #{}".format(op_type, n)
