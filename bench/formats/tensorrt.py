"""Format ``tensorrt``: FP32/FP16 engines, built on the machine whose GPU will run them.

From the ONNX artifact with TensorRT's ONNX parser, or with torch2trt (the reference
study's path) when it is importable and ``[export] use_torch2trt`` is set. The
builder code is ``bench.runtimes.tensorrt_build``, shipped to devices with the
runtimes. The cache key holds the GPU name and TensorRT version: an engine only
loads where it was built.
"""

import importlib.util

from bench.formats.base import ExportFailed, register_format
from bench.formats.derived import DerivedFormat
from bench.formats.tools import dist_version

NO_GPU = ("tensorrt needs an NVIDIA GPU and none is visible here (torch.cuda.is_available() is "
          "False); engines are built on the device that runs them, e.g. bench run --device jetson")


def torch2trt_available():
    return importlib.util.find_spec("torch2trt") is not None


@register_format
class TensorRTFormat(DerivedFormat):
    name = "tensorrt"
    suffix = ".engine"
    precisions = ("fp32", "fp16")
    switchable = True
    options = {"trt_workspace_mb": 256, "use_torch2trt": False}
    builds_on_target = True
    requires = "an NVIDIA GPU and the tensorrt package"

    def check(self):
        from bench.runtimes.base import Unsupported
        from bench.runtimes.tensorrt import gpu_name, import_tensorrt

        if gpu_name() is None:
            raise ExportFailed(NO_GPU)
        try:
            import_tensorrt()
        except Unsupported as exc:
            raise ExportFailed(str(exc))

    def tool_versions(self):
        from bench.runtimes.tensorrt import gpu_name, import_tensorrt

        versions = {"tensorrt": import_tensorrt().__version__, "gpu": gpu_name()}
        if torch2trt_available():
            versions["torch2trt"] = dist_version("torch2trt") or "unknown"
        return versions

    def uses_torch2trt(self, options):
        return bool(options.get("use_torch2trt")) and torch2trt_available()

    def source(self, precision, options):
        return None if self.uses_torch2trt(options) else ("onnx", "fp32")

    def export(self, module, example, path, precision, options):
        if not self.uses_torch2trt(options):
            raise ExportFailed("tensorrt engines are built from ONNX unless torch2trt is "
                               "installed and [export] use_torch2trt is set")
        from bench.models import pta_switch
        from bench.runtimes.tensorrt_build import build_engine_torch2trt

        if pta_switch.is_switchable(module):
            raise ExportFailed("torch2trt traces one configuration, so it cannot build a "
                               "switchable PTA engine; set [export] use_torch2trt = false to "
                               "build it from the switchable ONNX file")

        build_engine_torch2trt(module, example, path, precision, options["trt_workspace_mb"])
        return {"builder": "torch2trt"}

    def export_from(self, source_path, path, precision, options):
        from bench.runtimes.tensorrt_build import build_engine

        build_engine(source_path, path, precision, options["trt_workspace_mb"])
        details = {"builder": "onnx-parser"}
        if options.get("use_torch2trt"):
            details["note"] = "use_torch2trt is set but torch2trt is not importable; built from ONNX"
        return details
