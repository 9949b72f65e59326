"""Export formats: one module each, registered with ``@register_format`` (STYLE 1-2).

A new format is one file here with the decorator plus one import line below.
Heavy tools (onnx, litert-torch, tensorrt) are imported inside the export methods.
"""

from bench.errors import BenchError
from bench.formats.base import FORMATS, ExportFailed, Format, register_format
from bench.formats.derived import DerivedFormat
from bench.formats import eager, torchscript, onnx, tflite, tensorrt  # noqa: F401
from bench.registry import did_you_mean

__all__ = ["FORMATS", "DerivedFormat", "ExportFailed", "Format", "get_format", "register_format"]


def get_format(name):
    """The registered :class:`Format` ``name``; an unknown name is bad input (exit 2)."""
    if name not in FORMATS:
        raise BenchError("unknown format {!r}{}; formats: {}".format(
            name, did_you_mean(name, FORMATS.names()), ", ".join(FORMATS.names())))
    return FORMATS.get(name)
