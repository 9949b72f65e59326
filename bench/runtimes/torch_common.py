"""What the ``torch`` and ``torchscript`` runtimes share: the device/precision rules and
one Session that feeds a callable torch module.

Shipped to devices (Python 3.6): stdlib-only at import; torch is imported inside.
"""

from bench.runtimes.base import Runtime, Session, Unsupported

FP16_ON_CPU = ("fp16 on CPU is not supported for {}: PyTorch has no fast half-precision "
               "CPU kernels; run on a CUDA device")


def import_torch(runtime_name):
    """torch, or :class:`Unsupported` saying how to get it."""
    try:
        import torch
    except ImportError:
        raise Unsupported("{} needs PyTorch, which is not installed: pip install torch "
                          "(on a Jetson: NVIDIA's wheel for its JetPack)".format(runtime_name))
    return torch


def check_torch(runtime_name, precision, device):
    """The rules both torch runtimes follow; raises :class:`Unsupported` with the reason."""
    torch = import_torch(runtime_name)
    if device not in ("cpu", "cuda"):
        raise Unsupported("{} runs on cpu or cuda, not {!r}".format(runtime_name, device))
    if device == "cuda" and not torch.cuda.is_available():
        raise Unsupported("{}: no CUDA device is visible to PyTorch "
                          "(torch.cuda.is_available() is False)".format(runtime_name))
    if precision == "fp16" and device != "cuda":
        raise Unsupported(FP16_ON_CPU.format(runtime_name))


class TorchRuntimeBase(Runtime):
    """Shared by ``torch`` and ``torchscript``: fp16 only as CUDA half."""

    precisions = ("fp32", "fp16")
    version_modules = ("torch",)
    devices = ("cpu", "cuda")

    def check(self, precision, device):
        Runtime.check(self, precision, device)
        check_torch(self.name, precision, device)


def torch_dtype(torch, precision):
    return torch.float16 if precision == "fp16" else torch.float32


def disable_tf32(torch):
    """fp32 must mean fp32: PyTorch lets cuDNN use TF32 (10-bit mantissa) on Ampere+ by default."""
    torch.backends.cudnn.allow_tf32 = False
    if hasattr(torch.backends.cuda, "matmul"):
        torch.backends.cuda.matmul.allow_tf32 = False


def set_threads(torch, threads):
    """``threads`` > 0 sets PyTorch's intra-op pool (process-wide); 0 keeps its default."""
    if threads and threads > 0:
        torch.set_num_threads(int(threads))


class TorchSession(Session):
    """Runs ``module`` on an input tensor placed once on ``device`` in the precision's dtype."""

    def __init__(self, module, precision, device, runtime_name):
        import torch

        self._torch = torch
        self._module = module
        self._device = torch.device(device)
        self._dtype = torch_dtype(torch, precision)
        self._cuda = self._device.type == "cuda"
        if self._cuda and precision == "fp32":
            disable_tf32(torch)
        self._runtime_name = runtime_name
        self._x = None
        self._y = None
        self.notes = ""

    def set_inputs(self, arrays):
        """Float inputs in the precision's dtype, integer ones as they are, on the device."""
        torch = self._torch
        self._x = []
        for array in arrays:
            t = torch.from_numpy(array)
            dtype = self._dtype if t.is_floating_point() else t.dtype
            self._x.append(t.to(device=self._device, dtype=dtype))
        if self._cuda:
            torch.cuda.synchronize()

    def run(self):
        with self._torch.no_grad():
            self._y = self._module(*self._x)

    def sync(self):
        if self._cuda:
            self._torch.cuda.synchronize()

    def output(self):
        self.sync()
        y = self._y
        if isinstance(y, (tuple, list)):
            y = y[0]
        return y.detach().float().cpu().numpy()

    def info(self):
        torch = self._torch
        info = {"runtime": self._runtime_name, "device": str(self._device),
                "dtype": str(self._dtype).replace("torch.", ""),
                "threads": torch.get_num_threads(), "torch": torch.__version__}
        if self._cuda:
            info["gpu"] = torch.cuda.get_device_name(self._device)
        return info

    def close(self):
        self._module = None
        self._x = None
        self._y = None
        if self._cuda:
            self._torch.cuda.empty_cache()
