"""Read a user's model file and say what it is: format, inputs, outputs, weights, work.

    fmt = detect_format(path)            # "onnx" | "tflite" | "torchscript" | "pt2" | "tensorrt"
    info = inspect_file(path, shapes={"input": [1, 3, 224, 224]})   # -> FileInfo

The format is decided by content (a suffix alone only for TensorRT engines, which
cannot be validated without TensorRT). Every way a file can be wrong is one
:class:`bench.errors.SpecError` line naming the path. One reader module per format
registers itself in :data:`READERS`; heavy packages (onnx, LiteRT, torch, tensorrt)
are imported only when a file of that format is read.
"""

from bench.models.files.base import FileInfo, TensorInfo
from bench.models.files.detect import READERS, probe_file, register_reader

# Registration order is detection order: cheap, unambiguous signatures first.
from bench.models.files import tflite as _tflite  # noqa: E402,F401
from bench.models.files import torchscript as _torchscript  # noqa: E402,F401
from bench.models.files import pt2 as _pt2  # noqa: E402,F401
from bench.models.files import tensorrt as _tensorrt  # noqa: E402,F401
from bench.models.files import onnx as _onnx  # noqa: E402,F401

__all__ = ["FileInfo", "TensorInfo", "READERS", "detect_format", "inspect_file",
           "register_reader"]


def detect_format(path):
    """The format of the model file at ``path`` (a :data:`READERS` key), decided by its
    content; a file bench cannot read is a one-line SpecError."""
    return probe_file(path).format


def inspect_file(path, shapes=None):
    """A :class:`FileInfo` for the model file at ``path``; MACs are counted at ``shapes``
    ({input name: [int, ...]}, needed for inputs with dynamic dims)."""
    probe = probe_file(path)
    return READERS[probe.format].inspect(probe, shapes)
