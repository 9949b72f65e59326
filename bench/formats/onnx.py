"""Format ``onnx``: ``torch.onnx.export`` at a configurable opset, checked with onnx.checker.

The default opset (13) is one TensorRT 8.x on JetPack 4.6 parses. The legacy
TorchScript-based exporter writes exactly the requested opset for these CNNs up to its
maximum (20 in torch 2.13); the dynamo exporter of torch 2.x starts at opset 18 and
fails to convert these models down, so it is used only for newer opsets (21-23) or
where the legacy one is gone. Either way the written file's opset is verified. fp16 is
the half model with half inputs and outputs. What the exporters print (the dynamo
exporter's progress, warnings) is captured by the orchestrator (:mod:`bench.capture`).
"""

import inspect
import warnings

from bench.formats.base import ExportFailed, Format, register_format
from bench.formats.tools import dist_version, require_modules

INSTALL = "pip install 'bench[onnx]'"


def legacy_exporter_available(torch):
    """True where ``torch.onnx.export(..., dynamo=False)`` selects the TorchScript exporter."""
    params = inspect.signature(torch.onnx.export).parameters
    return "dynamo" not in params or hasattr(torch.onnx, "utils")


def legacy_max_opset(torch):
    """The newest opset the TorchScript exporter writes (it warns and may be wrong above)."""
    try:
        from torch.onnx import _constants
    except ImportError:
        return 17  # torch 1.13-2.0 era; only consulted on old torch builds
    return getattr(_constants, "ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET",
                   getattr(_constants, "ONNX_MAX_OPSET", 17))


def written_opset(model):
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            return entry.version
    return None


@register_format
class OnnxFormat(Format):
    name = "onnx"
    suffix = ".onnx"
    precisions = ("fp32", "fp16")
    switchable = True
    options = {"onnx_opset": 13}
    requires = "bench[onnx]"

    def tool_versions(self):
        return {"onnx": dist_version("onnx")}

    def check(self):
        require_modules(self.name, ["onnx"], INSTALL)

    def export(self, module, example, path, precision, options):
        import copy

        import onnx
        import torch

        from bench.models import pta_switch

        opset = int(options.get("onnx_opset", self.options["onnx_opset"]))
        module = copy.deepcopy(module).eval()
        if precision == "fp16":
            module, example = module.half(), example.half()
        args, names = (example,), ["input"]
        switchable = pta_switch.is_switchable(module)
        if switchable:  # the configuration is a second input; each PTA block an If on it
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=DeprecationWarning)
                module = torch.jit.script(pta_switch.SwitchablePTA(module).eval())
            args = (example, torch.tensor(pta_switch.config_codes("HHH"), dtype=torch.int32))
            names.append(pta_switch.CONFIG_INPUT)
        kwargs = {"opset_version": opset, "input_names": names, "output_names": ["output"]}
        legacy = True  # a torch without the dynamo switch has only the TorchScript exporter
        if "dynamo" in inspect.signature(torch.onnx.export).parameters:
            legacy = legacy_exporter_available(torch) and opset <= legacy_max_opset(torch)
            kwargs["dynamo"] = not legacy
        if switchable and not legacy:
            raise ExportFailed("a switchable PTA graph is exported by the TorchScript exporter "
                               "(scripted If); torch {} has none for opset {}: set [export] "
                               "onnx_opset = 13".format(torch.__version__, opset))
        with warnings.catch_warnings():
            # The legacy exporter announces its own deprecation on every call.
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            warnings.filterwarnings("ignore", category=FutureWarning)
            with torch.no_grad():
                torch.onnx.export(module, args, path, **kwargs)
        model = onnx.load(path)
        if switchable:
            pta_switch.localize_initializers(model)
            onnx.save(model, path)
        onnx.checker.check_model(model)
        got = written_opset(model)
        if got != opset:
            raise ExportFailed("torch {} wrote ONNX opset {} instead of the requested {}; set "
                               "[export] onnx_opset = {}".format(torch.__version__, got, opset, got))
        details = {"exporter": "torchscript" if legacy else "dynamo", "opset": got,
                   "dtype": "float16" if precision == "fp16" else "float32"}
        if switchable:
            details["switchable"] = {"kind": "input", "input": pta_switch.CONFIG_INPUT,
                                     "dtype": "int32", "configs": list(pta_switch.STANDARD_CONFIGS),
                                     "any": True,
                                     "if_nodes": sum(1 for n in model.graph.node if n.op_type == "If")}
        return details
