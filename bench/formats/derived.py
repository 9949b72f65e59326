"""Formats built from another artifact instead of from the module.

A TensorRT engine is built from the ONNX file; a TFLite fp16 model is the fp32
flatbuffer with its weights cast to float16. Deriving them lets the orchestrator
reuse (and cache) the source artifact and put its key into the derived one's.
"""

from bench.formats.base import Format


class DerivedFormat(Format):
    def source(self, precision, options):
        """(format name, precision) of the artifact this one is built from, or None to
        build it from the module with :meth:`export`."""
        return None

    def export_from(self, source_path, path, precision, options):
        """Build the artifact at ``path`` from the source artifact at ``source_path``."""
        raise NotImplementedError
