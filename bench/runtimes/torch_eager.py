"""Runtime ``torch``: eager PyTorch on the whole pickled module of the ``eager`` format."""

from bench.runtimes.base import Unsupported, register_runtime
from bench.runtimes.torch_common import TorchRuntimeBase, TorchSession, import_torch, set_threads, \
    torch_dtype


def prepare_torchvision():
    """Unpickling a torchvision model imports torchvision, which next to a CPU-only torch
    needs bench's shim (SPEC §1.1). Devices import torchvision normally and are not
    shipped the shim, hence the ImportError branch."""
    try:
        from bench._torchvision import import_torchvision
    except ImportError:
        return
    import_torchvision()


def load_pickled_module(torch, path):
    """``torch.save(module)`` -> module. Torch >= 2.6 loads weights only unless told
    otherwise; older torch (a Jetson's 1.10) has no ``weights_only`` argument at all."""
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError as exc:
        if "weights_only" not in str(exc):
            raise
        return torch.load(path, map_location="cpu")


def load_exported_program(torch, path):
    """A ``torch.export.save`` file (.pt2) -> its callable module (torch >= 2.1)."""
    export = getattr(torch, "export", None)
    if export is None or not hasattr(export, "load"):
        raise Unsupported("{} is a torch.export program; loading it needs torch >= 2.1 (this "
                          "device has {})".format(path, torch.__version__))
    return export.load(path).module()


@register_runtime
class TorchEagerRuntime(TorchRuntimeBase):
    name = "torch"
    formats = ("eager", "pt2")  # pt2: a user's torch.export program (file:net.pt2)

    def open(self, path, precision, device, threads):
        torch = import_torch(self.name)
        set_threads(torch, threads)
        if path.endswith(".pt2"):
            module = load_exported_program(torch, path)
            if precision != "fp32":
                raise Unsupported("a torch.export program runs at the precision it was "
                                  "exported at; measure it with --precision fp32")
            return TorchSession(module.to(device), precision, device, self.name)
        prepare_torchvision()
        try:
            module = load_pickled_module(torch, path)
        except (ImportError, AttributeError) as exc:  # the module's classes are not importable here
            raise Unsupported("the eager artifact is a pickled module and its code is not "
                              "importable here ({}: {}); install that package on the device, "
                              "or use --runtimes torchscript".format(
                                  type(exc).__name__, str(exc).strip().splitlines()[0]))
        want = torch_dtype(torch, precision)
        first = next(module.parameters(), None)
        have = want if first is None else first.dtype
        if have != want:
            raise ValueError("{} holds {} weights but {} was asked; export it at that "
                             "precision".format(path, str(have).replace("torch.", ""), precision))
        module = module.to(device).eval()
        return TorchSession(module, precision, device, self.name)
