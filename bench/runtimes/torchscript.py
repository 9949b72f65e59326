"""Runtime ``torchscript``: a traced and frozen TorchScript module (format ``torchscript``)."""

from bench.runtimes.base import register_runtime
from bench.runtimes.torch_common import TorchRuntimeBase, TorchSession, import_torch, set_threads


@register_runtime
class TorchScriptRuntime(TorchRuntimeBase):
    name = "torchscript"
    formats = ("torchscript",)

    def open(self, path, precision, device, threads):
        torch = import_torch(self.name)
        set_threads(torch, threads)
        # map_location moves the frozen weights (graph constants) too.
        module = torch.jit.load(path, map_location=device)
        module.eval()
        return TorchSession(module, precision, device, self.name)
