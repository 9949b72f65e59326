"""Format ``tflite``: PyTorch -> LiteRT flatbuffer with ``litert-torch`` (no TensorFlow).

fp16 means float16 weights: the fp32 flatbuffer run through ai-edge-quantizer's
float-casting recipe, the same recipe ``litert_torch.convert(quant_config=
full_fp16_recipe())`` applies after converting. Deriving it from the cached fp32
file skips a second 10-15 s conversion. The result is checked to really hold
float16 tensors.
"""

import contextlib
import os
import sys
import warnings

from bench.capture import Capture
from bench.formats.base import ExportFailed, register_format
from bench.formats.derived import DerivedFormat
from bench.formats.tools import dist_version, require_modules

INSTALL = "pip install 'bench[tflite]'"


@contextlib.contextmanager
def quiet_converter():
    """Keep the converter's output out of the user's way: its C++ logging (absl ``W1202
    ...``, ``flatbuffer_export.cc``), the quantizer's prints and progress bars, the
    interpreter's delegate banner and the deprecation warnings torch.export raises inside
    it are captured at the file-descriptor level (:mod:`bench.capture`; shown with
    ``--debug``). Inside the orchestrator's own capture this one passes its text on, so a
    failed export's message ends with what the converter said."""
    os.environ.setdefault("LITERT_TORCH_SHOW_PROGRESS", "n")
    with Capture(), contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        yield


def fp16_recipe():
    """ai-edge-quantizer recipe: every op's weights cast to float16, computed in float."""
    from litert_torch.generative.quantize import quant_recipes
    from litert_torch.quantize import translate_recipe

    config = quant_recipes.full_fp16_recipe()
    return translate_recipe.translate_to_ai_edge_recipe(config.generative_recipe)


def float16_tensor_count(model_bytes):
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    details = Interpreter(model_content=bytes(model_bytes)).get_tensor_details()
    return sum(1 for t in details if t["dtype"] == np.float16)


@register_format
class TFLiteFormat(DerivedFormat):
    name = "tflite"
    suffix = ".tflite"
    precisions = ("fp32", "fp16")
    switchable = True
    requires = "bench[tflite]"

    def tool_versions(self):
        return {"litert-torch": dist_version("litert-torch"),
                "ai-edge-quantizer": dist_version("ai-edge-quantizer")}

    def check(self):
        require_modules(self.name, ["litert_torch", "ai_edge_litert"], INSTALL)

    def source(self, precision, options):
        return ("tflite", "fp32") if precision == "fp16" else None

    def export(self, module, example, path, precision, options):
        if precision != "fp32":
            raise ExportFailed("tflite {} is derived from the fp32 file, not converted".format(
                precision))
        from bench.models import pta_switch

        with quiet_converter():
            import litert_torch

            if not pta_switch.is_switchable(module):
                litert_torch.convert(module, (example,)).export(path)
                return {"weights": "float32"}
            # one signature per configuration, converted together: each weight stored once
            signatures = pta_switch.signature_modules(module)
            chain = litert_torch
            for name, fixed in signatures:
                chain = chain.signature(name, fixed, (example,))
            chain.convert().export(path)
        return {"weights": "float32", "switchable": {
            "kind": "signature", "configs": [name for name, _ in signatures]}}

    def export_from(self, source_path, path, precision, options):
        with open(source_path, "rb") as fh:
            fp32 = fh.read()
        with quiet_converter():  # importing litert_torch logs too
            from litert_torch.quantize import translate_recipe

            fp16 = translate_recipe.quantize_model(fp32, fp16_recipe())
            count = float16_tensor_count(fp16)  # the interpreter announces its delegate
        if count == 0:
            raise ExportFailed("the fp16 recipe left no float16 tensors in the model")
        with open(path, "wb") as fh:
            fh.write(bytes(fp16))
        return {"weights": "float16", "float16_tensors": count}
