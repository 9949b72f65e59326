"""Format ``eager``: the whole module pickled with ``torch.save``, read by runtime ``torch``.

fp16 is the module with its weights cast to half, so the ``torch`` runtime loads
exactly what it times.
"""

from bench.formats.base import Format, register_format


@register_format
class EagerFormat(Format):
    name = "eager"
    suffix = ".pt"
    precisions = ("fp32", "fp16")
    requires = "torch"

    def export(self, module, example, path, precision, options):
        import copy

        import torch

        module = copy.deepcopy(module).eval()
        if precision == "fp16":
            module = module.half()
        torch.save(module, path)
        return {"dtype": "float16" if precision == "fp16" else "float32"}
