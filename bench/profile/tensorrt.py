"""TensorRT's own profiler: an ``IProfiler`` on the execution context, per-layer times.

With a profiler attached, TensorRT times every layer of the engine (fused layers are
one: ``/conv1/Conv + /relu/Relu``) and calls ``report_layer_time(name, ms)`` for each
after the inference. The layer's type comes from the engine inspector (TensorRT >= 8.2,
``LayerType`` when the engine was built with detailed profiling verbosity), else from its
name (the ONNX operators it fuses). The profiled context is a second engine instance next
to the one the latency is timed on: per-layer timing synchronises between layers, so a
profiled inference is slower than an unprofiled one.

Runs only on an NVIDIA GPU; elsewhere :func:`check` says so.
"""

import json
import re

from bench.profile import WrappedProfiled, op

WHERE = "GPU (TensorRT)"


def check(runtime_name, device):
    from bench.runtimes.base import Unsupported
    from bench.runtimes.tensorrt import NO_GPU, import_cuda_torch, import_tensorrt

    if device != "cuda":
        raise Unsupported(NO_GPU.format(device))
    import_tensorrt()
    import_cuda_torch()


def open_profiled(runtime_name, path, precision, device, threads):
    from bench.runtimes import get_runtime

    check(runtime_name, device)
    inner = get_runtime("tensorrt").open(path, precision, device, threads)
    return TensorRTProfiled(inner)


def type_from_name(name):
    """A layer's operator types from its name: ``/a/b/Conv + /a/Relu_1`` -> ``Conv+Relu``;
    TensorRT's own layers (``Reformatting CopyNode for ...``) by their first word."""
    if name.startswith("Reformatting"):
        return "Reformat"
    kinds = []
    for part in name.split(" + "):
        leaf = part.strip().rstrip("]").split("/")[-1]
        leaf = re.sub(r"(_output_\d+|_\d+|\.\d+)$", "", leaf) or part.strip()
        kinds.append(leaf)
    return "+".join(kinds) or name


def layer_types(trt, engine):
    """{layer name: LayerType} from the engine inspector, {} where it says nothing."""
    make = getattr(engine, "create_engine_inspector", None)
    fmt = getattr(getattr(trt, "LayerInformationFormat", None), "JSON", None)
    if make is None or fmt is None:
        return {}
    try:
        info = json.loads(make().get_engine_information(fmt))
    except Exception:  # noqa: BLE001 - the names still give the types
        return {}
    found = {}
    for layer in info.get("Layers", []):
        if isinstance(layer, dict) and layer.get("Name") and layer.get("LayerType"):
            found[layer["Name"]] = layer["LayerType"]
    return found


def make_layer_profiler(trt):
    """An ``IProfiler`` collecting (layer, ms) into ``current`` while it is a list."""

    class LayerTimes(trt.IProfiler):
        def __init__(self):
            trt.IProfiler.__init__(self)
            self.current = None

        def report_layer_time(self, layer_name, ms):
            if self.current is not None:
                self.current.append((layer_name, float(ms)))

    return LayerTimes()


class TensorRTProfiled(WrappedProfiled):
    profiler = "TensorRT IProfiler (per-layer times)"
    notes = "TensorRT layer times: fused layers are one row; reformat layers are rows of their own"

    def __init__(self, inner):
        WrappedProfiled.__init__(self, inner)
        trt = inner._trt
        self._layers = make_layer_profiler(trt)
        inner._context.profiler = self._layers
        self._types = layer_types(trt, inner._engine)
        self._runs = []

    def run(self):
        self._layers.current = [] if self._on else None
        self._inner.run()
        if self._on:
            self._inner.sync()  # the layer times are reported once the inference has run
            times, self._layers.current = self._layers.current, None
            self._runs.append([op(name, self._types.get(name) or type_from_name(name), WHERE, ms)
                               for name, ms in times])

    def collect(self):
        return self._runs

    def info(self):
        return self._inner.info()

    def close(self):
        self._inner.close()
