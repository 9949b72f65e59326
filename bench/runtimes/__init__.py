"""Runtimes: ways to execute an artifact, one module each, registered with ``@register_runtime``.

Usage (what the measurement worker does)::

    runtime = get_runtime("onnxruntime")      # a fresh instance
    runtime.check("fp32", "cpu")               # Unsupported(reason) if it can't run here
    session = runtime.open(path, "fp32", "cpu", threads=0)
    session.set_input(batch)                   # float32 NCHW numpy; placed once, not timed
    session.run(); session.sync()              # timed
    logits = session.output()                  # float32 numpy, not timed
    session.notes, session.info()              # caveats for the row; provider/threads used
    session.close()

``check`` is the gate for *measuring*; ``open`` only fails where the artifact
physically cannot be loaded (missing package or GPU). The export parity check opens
fp16 artifacts on CPU that ``check`` would refuse to time.

Shipped to devices (Python 3.6): stdlib only at import time.
"""

from bench.runtimes.base import RUNTIMES, Runtime, Session, Unsupported, register_runtime
from bench.runtimes import torch_eager, torchscript, onnxruntime, tflite, tensorrt  # noqa: F401

__all__ = ["RUNTIMES", "Runtime", "Session", "Unsupported", "get_runtime", "register_runtime"]


def get_runtime(name, error=KeyError):
    """A new instance of runtime ``name``; an unknown name raises ``error`` with a did-you-mean."""
    return RUNTIMES.get(name, error=error)()
