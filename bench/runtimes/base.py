"""The runtime interface: open an artifact, place an input, run, sync.

This module and every runtime module are shipped to devices (the Jetson runs
Python 3.6): plain 3.6 syntax and stdlib only at import time; heavy packages
(torch, onnxruntime, tensorrt, ai_edge_litert) are imported inside methods.
"""

from bench.errors import SpecError
from bench.registry import Registry

RUNTIMES = Registry("runtime")


class Unsupported(Exception):
    """This runtime cannot do what was asked here (precision, hardware, missing package).

    Becomes an ``unsupported`` row whose ``error`` is the message: say what is
    missing and, where there is one, the fix.
    """


class BadInput(SpecError):
    """What was asked does not fit the model (a shape, a fixed size, an input name): the
    user's to fix, so the row is ``invalid`` and the run's exit code 2."""


def register_runtime(cls):
    """Class decorator: ``@register_runtime`` on a :class:`Runtime` subclass."""
    RUNTIMES.add(cls.name, cls)
    return cls


class Session(object):
    """One loaded artifact, ready to time. The protocol calls, in order: ``inputs``,
    ``set_inputs`` (not timed), then ``run``/``sync`` (timed), ``output`` (not timed)."""

    def inputs(self):
        """What the artifact declares it takes: a list of {"name", "dtype" (numpy name),
        "shape" (ints; None for a dynamic dimension)} in input order, or None when the
        artifact records nothing (TorchScript, a pickled module)."""
        return None

    def set_inputs(self, arrays):
        """Place numpy arrays (one per input, in order) where the runtime reads them (device
        memory), fixing dynamic dimensions from their shapes."""
        raise NotImplementedError

    def set_input(self, array):
        """One input: :meth:`set_inputs` with a single array."""
        self.set_inputs([array])

    def run(self):
        """One inference of the placed batch. No host<->device copies of the input here."""
        raise NotImplementedError

    def sync(self):
        """Wait until all queued device work is done (CUDA synchronize); no-op on CPU."""

    def output(self):
        """Float32 numpy array of the last ``run``'s first output (copied back; not timed)."""
        raise NotImplementedError

    def close(self):
        """Free what ``open`` took."""


class Runtime(object):
    """A way to execute an artifact. Subclasses set the class attributes."""

    name = ""  # registry key, the CSV ``runtime`` column
    formats = ()  # format names it reads, e.g. ("onnx",)
    precisions = ("fp32",)  # precisions it can ever run
    version_modules = ()  # modules whose __version__ describe it, e.g. ("onnxruntime",)

    def versions(self):
        """{module: version} of what it runs on (installed ones), for the CSV columns."""
        found = {}
        for name in self.version_modules:
            try:
                module = __import__(name)
            except ImportError:
                continue
            found[name] = getattr(module, "__version__", "unknown")
        return found

    def check(self, precision, device):
        """Raise :class:`Unsupported` if ``precision`` on ``device`` ("cpu"/"cuda") can't run."""
        if precision not in self.precisions:
            raise Unsupported("{} does not run {}".format(self.name, precision))

    def open(self, path, precision, device, threads):
        """Load the artifact at ``path`` -> :class:`Session`. ``threads`` 0 = runtime default."""
        raise NotImplementedError
