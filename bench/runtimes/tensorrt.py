"""Runtime ``tensorrt``: a serialized TensorRT engine on an NVIDIA GPU.

Engines are specific to the GPU and TensorRT version that built them (SPEC §2).
Device buffers are PyTorch CUDA tensors (torch is on every machine that has
TensorRT here, the Jetson included). TensorRT >= 8.5 is driven through its
named-tensor API and ``execute_async_v3`` (the only one in 10.x); 8.0-8.4 through
bindings and ``execute_async_v2``. Shipped to devices: Python 3.6, lazy imports.
"""

from bench.runtimes.base import Runtime, Session, Unsupported, register_runtime

INSTALL = ("tensorrt is not installed: pip install tensorrt on an x86-64 machine with a CUDA "
           "GPU; on a Jetson use JetPack's python3-libnvinfer")
NO_GPU = ("tensorrt runs only on an NVIDIA GPU (device cuda), not on {!r}; TensorRT engines "
          "are built and run on the device that has the GPU")
FP16_NOTE = "fp16 engine: TensorRT picks fp16 or fp32 kernels per layer (BuilderFlag.FP16)"


def import_tensorrt():
    """The ``tensorrt`` module, or :class:`Unsupported` with the install line."""
    try:
        import tensorrt
    except ImportError:
        raise Unsupported(INSTALL)
    return tensorrt


def import_cuda_torch():
    """torch with a visible CUDA GPU (device buffers are torch tensors), or Unsupported."""
    try:
        import torch
    except ImportError:
        raise Unsupported("the tensorrt runtime allocates GPU buffers with PyTorch, which is not "
                          "installed: install a CUDA build of torch")
    if not torch.cuda.is_available():
        raise Unsupported("tensorrt needs an NVIDIA GPU and none is visible here "
                          "(torch.cuda.is_available() is False)")
    return torch


def gpu_name():
    """Name of CUDA device 0, or None when there is none (or no torch)."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    return torch.cuda.get_device_name(0)


class _IOTensor(object):
    """One engine input or output: name, binding index, direction, dtype, shape."""

    def __init__(self, name, index, is_input, dtype, shape):
        self.name = name
        self.index = index
        self.is_input = is_input
        self.dtype = dtype  # numpy dtype
        self.shape = tuple(shape)


def io_tensors(trt, engine, tensor_api):
    """The engine's inputs and outputs, in binding order."""
    import numpy as np

    out = []
    if tensor_api:
        for i in range(engine.num_io_tensors):
            name = engine.get_tensor_name(i)
            out.append(_IOTensor(name, i, engine.get_tensor_mode(name) == trt.TensorIOMode.INPUT,
                                 np.dtype(trt.nptype(engine.get_tensor_dtype(name))),
                                 engine.get_tensor_shape(name)))
    else:
        for i in range(engine.num_bindings):
            out.append(_IOTensor(engine.get_binding_name(i), i, engine.binding_is_input(i),
                                 np.dtype(trt.nptype(engine.get_binding_dtype(i))),
                                 engine.get_binding_shape(i)))
    return out


@register_runtime
class TensorRTRuntime(Runtime):
    name = "tensorrt"
    formats = ("tensorrt",)
    precisions = ("fp32", "fp16")
    version_modules = ("tensorrt",)
    devices = ("cuda",)


    def check(self, precision, device):
        Runtime.check(self, precision, device)
        if device != "cuda":
            raise Unsupported(NO_GPU.format(device))
        import_tensorrt()
        import_cuda_torch()

    def open(self, path, precision, device, threads):
        if device != "cuda":
            raise Unsupported(NO_GPU.format(device))
        trt = import_tensorrt()
        torch = import_cuda_torch()
        logger = trt.Logger(trt.Logger.WARNING)
        runtime = trt.Runtime(logger)
        with open(path, "rb") as fh:
            engine = runtime.deserialize_cuda_engine(fh.read())
        if engine is None:  # built elsewhere (a user's .engine file): not for this GPU
            raise Unsupported("TensorRT {} could not load the engine {}; engines only load on the "
                              "TensorRT version and GPU that built them: build it here (from "
                              "its ONNX file)".format(trt.__version__, path))
        if getattr(engine, "has_implicit_batch_dimension", False):
            raise RuntimeError("{} is an implicit-batch engine (old torch2trt); rebuild it from "
                               "ONNX or with torch2trt >= 0.4".format(path))
        return TensorRTSession(trt, torch, runtime, engine, precision)


class TensorRTSession(Session):
    def __init__(self, trt, torch, runtime, engine, precision):
        self._trt = trt
        self._torch = torch
        self._runtime = runtime  # must outlive the engine
        self._engine = engine
        self._context = engine.create_execution_context()
        self._tensor_api = hasattr(engine, "num_io_tensors") and \
            hasattr(self._context, "execute_async_v3")
        self._io = io_tensors(trt, engine, self._tensor_api)
        self._stream = torch.cuda.Stream()
        self._buffers = {}
        self._bindings = None
        self.notes = FP16_NOTE if precision == "fp16" else ""

    def _torch_dtype(self, np_dtype):
        import numpy as np

        return self._torch.from_numpy(np.empty(0, dtype=np_dtype)).dtype

    def _set_input_shape(self, io, shape):
        if self._tensor_api:
            self._context.set_input_shape(io.name, shape)
        else:
            self._context.set_binding_shape(io.index, shape)

    def _shape_of(self, io):
        if self._tensor_api:
            return tuple(self._context.get_tensor_shape(io.name))
        return tuple(self._context.get_binding_shape(io.index))

    def inputs(self):
        return [{"name": io.name, "dtype": io.dtype.name,
                 "shape": [int(d) if int(d) >= 0 else None for d in io.shape]}
                for io in self._io if io.is_input]

    def set_inputs(self, arrays):
        """Fix dynamic dims from the arrays, allocate every buffer on the GPU, copy the inputs."""
        from bench.runtimes.base import BadInput

        torch = self._torch
        inputs = [io for io in self._io if io.is_input]
        if len(arrays) != len(inputs):
            raise ValueError("the engine takes {} inputs, {} given".format(len(inputs), len(arrays)))
        for io, array in zip(inputs, arrays):
            if any(d < 0 for d in io.shape):
                self._set_input_shape(io, tuple(array.shape))
            elif tuple(array.shape) != tuple(io.shape):
                raise BadInput("input shape {} does not fit the engine's {} (input {!r}); engines "
                               "are built for fixed shapes".format(
                                   "x".join(map(str, array.shape)),
                                   "x".join(map(str, io.shape)), io.name))
        given = {io.name: array for io, array in zip(inputs, arrays)}
        self._buffers = {}
        for io in self._io:
            shape = tuple(given[io.name].shape) if io.is_input else self._shape_of(io)
            self._buffers[io.name] = torch.empty(shape, dtype=self._torch_dtype(io.dtype),
                                                 device="cuda")
        for name, array in given.items():
            self._buffers[name].copy_(torch.from_numpy(array).to(self._buffers[name].dtype))
        if self._tensor_api:
            for io in self._io:
                self._context.set_tensor_address(io.name, int(self._buffers[io.name].data_ptr()))
        else:
            self._bindings = [int(self._buffers[io.name].data_ptr()) for io in self._io]
        torch.cuda.synchronize()

    def set_input_value(self, name, array):
        """Replace one input's value in place (a switchable engine's selector)."""
        buf = self._buffers[name]
        buf.copy_(self._torch.from_numpy(array).to(buf.dtype))
        self._torch.cuda.synchronize()

    def run(self):
        handle = self._stream.cuda_stream
        if self._tensor_api:
            ok = self._context.execute_async_v3(handle)
        else:
            ok = self._context.execute_async_v2(self._bindings, handle)
        if not ok:
            raise RuntimeError("TensorRT failed to enqueue the inference")

    def sync(self):
        self._stream.synchronize()

    def output(self):
        self.sync()
        first = [io for io in self._io if not io.is_input][0]
        return self._buffers[first.name].float().cpu().numpy()

    def info(self):
        return {"runtime": "tensorrt", "device": "cuda", "threads": None,
                "gpu": self._torch.cuda.get_device_name(0), "tensorrt": self._trt.__version__,
                "api": "execute_async_v3" if self._tensor_api else "execute_async_v2"}

    def close(self):
        self._buffers = {}
        self._bindings = None
        self._context = None
        self._engine = None
        self._runtime = None
