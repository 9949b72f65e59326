"""Format ``torchscript``: traced on the example input, then frozen (weights become
constants, the PTA selector becomes static), read by runtime ``torchscript``."""

from bench.formats.base import Format, register_format


@register_format
class TorchScriptFormat(Format):
    name = "torchscript"
    suffix = ".ts.pt"
    precisions = ("fp32", "fp16")
    requires = "torch"

    def export(self, module, example, path, precision, options):
        import copy

        import torch

        module = copy.deepcopy(module).eval()
        if precision == "fp16":  # traced in half: a frozen graph cannot be cast afterwards
            module, example = module.half(), example.half()
        with torch.no_grad():
            traced = torch.jit.trace(module, example, check_trace=False)  # parity checks it
            frozen = torch.jit.freeze(traced)
        torch.jit.save(frozen, path)
        return {"dtype": "float16" if precision == "fp16" else "float32"}
