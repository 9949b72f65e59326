"""Runtime ``torchscript``: a traced and frozen TorchScript module (format ``torchscript``)."""

from bench.runtimes.base import Runtime, register_runtime
from bench.runtimes.torch_common import TorchSession, check_torch, import_torch, set_threads


@register_runtime
class TorchScriptRuntime(Runtime):
    name = "torchscript"
    formats = ("torchscript",)
    precisions = ("fp32", "fp16")
    devices = ("cpu", "cuda")

    def versions(self):
        try:
            import torch
        except ImportError:
            return {}
        return {"torch": torch.__version__}

    def check(self, precision, device):
        Runtime.check(self, precision, device)
        check_torch(self.name, precision, device)

    def open(self, path, precision, device, threads):
        torch = import_torch(self.name)
        set_threads(torch, threads)
        # map_location moves the frozen weights (graph constants) too.
        module = torch.jit.load(path, map_location=device)
        module.eval()
        return TorchSession(module, precision, device, self.name)
