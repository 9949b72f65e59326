"""Runtime ``onnxruntime``: an ONNX file in ONNX Runtime.

The CPU execution provider everywhere; on ``cuda`` the CUDA provider (and TensorRT's,
when this onnxruntime build has it) ahead of CPU. Input and output are bound once
with IOBinding, so ``run`` copies nothing between host and device.
"""

from bench.runtimes.base import Runtime, Session, Unsupported, register_runtime

INSTALL = "onnxruntime is not installed: pip install 'bench[onnx]'"
FP16_ON_CPU = ("fp16 on CPU is not supported for onnxruntime: its CPU execution provider "
               "lacks fp16 kernels for most operators and inserts casts, so it would time fp32; "
               "run on a CUDA device with onnxruntime-gpu")

_NUMPY_TYPES = {"tensor(float)": "float32", "tensor(float16)": "float16",
                "tensor(double)": "float64", "tensor(int64)": "int64", "tensor(int32)": "int32",
                "tensor(int16)": "int16", "tensor(int8)": "int8", "tensor(uint8)": "uint8",
                "tensor(bool)": "bool"}

def import_onnxruntime():
    try:
        import onnxruntime
    except ImportError:
        raise Unsupported(INSTALL)
    return onnxruntime


def version_tuple(text):
    parts = []
    for piece in text.split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def providers_for(ort, precision, device):
    """Execution providers in order of preference for ``device``."""
    if device != "cuda":
        return ["CPUExecutionProvider"]
    available = ort.get_available_providers()
    chosen = []
    if "TensorrtExecutionProvider" in available:
        chosen.append(("TensorrtExecutionProvider", {"trt_fp16_enable": precision == "fp16"}))
    cuda_options = {}
    if precision == "fp32" and version_tuple(ort.__version__) >= (1, 15):
        cuda_options["use_tf32"] = "0"  # default on (Ampere+) since 1.15: fp32 must mean fp32
    chosen.append(("CUDAExecutionProvider", cuda_options))
    chosen.append("CPUExecutionProvider")
    return chosen


def _static_shape(shape):
    return list(shape) if all(isinstance(d, int) and d > 0 for d in shape) else None


@register_runtime
class OnnxRuntime(Runtime):
    name = "onnxruntime"
    formats = ("onnx",)
    precisions = ("fp32", "fp16")
    version_modules = ("onnxruntime",)
    devices = ("cpu", "cuda")


    def check(self, precision, device):
        Runtime.check(self, precision, device)
        ort = import_onnxruntime()
        if device not in ("cpu", "cuda"):
            raise Unsupported("onnxruntime runs on cpu or cuda, not {!r}".format(device))
        if device == "cuda" and "CUDAExecutionProvider" not in ort.get_available_providers():
            raise Unsupported("this onnxruntime has no CUDAExecutionProvider (a CPU-only build): "
                              "pip install onnxruntime-gpu to run on CUDA")
        if precision == "fp16" and device != "cuda":
            raise Unsupported(FP16_ON_CPU)

    def open(self, path, precision, device, threads):
        ort = import_onnxruntime()
        options = ort.SessionOptions()
        if threads and threads > 0:
            options.intra_op_num_threads = int(threads)
        session = ort.InferenceSession(path, options, providers=providers_for(ort, precision, device))
        return OnnxRuntimeSession(session, precision, device, threads)


class OnnxRuntimeSession(Session):
    def __init__(self, session, precision, device, threads):
        import numpy as np

        self._np = np
        self._session = session
        self._device = "cuda" if device == "cuda" else "cpu"
        self._threads = int(threads) if threads and threads > 0 else None
        self._inputs = session.get_inputs()
        self._outputs = session.get_outputs()
        for i in self._inputs:
            if i.type not in _NUMPY_TYPES:
                raise ValueError("ONNX input {!r} has type {}, which bench cannot feed".format(
                    i.name, i.type))
        floats = [_NUMPY_TYPES[i.type] for i in self._inputs if "float" in i.type]
        if floats and ("float16" in floats) != (precision == "fp16"):
            raise ValueError("ONNX model takes {} input but {} was asked; export it at that "
                             "precision".format(floats[0], precision))
        self._binding = session.io_binding()
        self._x = []
        self.notes = ""

    def inputs(self):
        return [{"name": i.name, "dtype": _NUMPY_TYPES[i.type],
                 "shape": [d if isinstance(d, int) and d > 0 else None for d in i.shape]}
                for i in self._inputs]

    def _bind_outputs(self):
        import onnxruntime as ort

        for out in self._outputs:
            shape = _static_shape(out.shape)
            np_type = _NUMPY_TYPES.get(out.type)
            if shape is not None and np_type is not None:
                value = ort.OrtValue.ortvalue_from_shape_and_type(
                    shape, self._np.dtype(np_type), self._device, 0)
                self._binding.bind_ortvalue_output(out.name, value)
            else:  # dynamic shape: let onnxruntime allocate on the device
                self._binding.bind_output(out.name, self._device)

    def set_inputs(self, arrays):
        import onnxruntime as ort

        if len(arrays) != len(self._inputs):
            raise ValueError("the model takes {} inputs, {} given".format(len(self._inputs),
                                                                          len(arrays)))
        self._x = []
        for spec, array in zip(self._inputs, arrays):
            host = self._np.ascontiguousarray(array, dtype=_NUMPY_TYPES[spec.type])
            value = ort.OrtValue.ortvalue_from_numpy(host, self._device, 0)
            self._binding.bind_ortvalue_input(spec.name, value)
            self._x.append(value)
        self._bind_outputs()

    def set_input_value(self, name, array):
        """Replace one input's value (a switchable graph's selector), the others kept."""
        import onnxruntime as ort

        spec = [i for i in self._inputs if i.name == name][0]
        host = self._np.ascontiguousarray(array, dtype=_NUMPY_TYPES[spec.type])
        value = ort.OrtValue.ortvalue_from_numpy(host, self._device, 0)
        self._binding.bind_ortvalue_input(name, value)
        self._x[self._inputs.index(spec)] = value

    def run(self):
        self._session.run_with_iobinding(self._binding)

    def sync(self):
        if self._device == "cuda":
            self._binding.synchronize_outputs()

    def output(self):
        self.sync()
        return self._binding.copy_outputs_to_cpu()[0].astype(self._np.float32)

    def info(self):
        import onnxruntime as ort

        providers = self._session.get_providers()
        return {"runtime": "onnxruntime", "provider": providers[0], "providers": providers,
                "device": self._device, "input_types": [i.type for i in self._inputs],
                "threads": self._threads, "onnxruntime": ort.__version__}

    def close(self):
        self._binding = None
        self._session = None
        self._x = []
