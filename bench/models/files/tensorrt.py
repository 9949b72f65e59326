"""TensorRT engines (.engine / .plan / .trt): accepted by suffix, read where TensorRT is.

An engine cannot be validated or read without the ``tensorrt`` package and the GPU
(and TensorRT version) that built it; elsewhere it is accepted as is and described on
the device that runs it. Where it loads, its I/O tensors are read through TensorRT
10's named-tensor API or 8.x's bindings (``bench.runtimes.tensorrt.io_tensors``).
Engines record no parameter or MAC counts. Python 3.6 syntax: it may run on a Jetson.
"""

from bench.models.files.base import FileInfo, TensorInfo, first_line, guess_layout, \
    resolve_shapes
from bench.models.files.detect import register_reader

SUFFIXES = (".engine", ".plan", ".trt")
ELSEWHERE = "read on the device that runs it"
NO_COUNTS = "TensorRT engines do not record parameter or MAC counts"


def engine_io(trt, engine):
    """(inputs, outputs) TensorInfos of a deserialized engine; -1 dims are None."""
    from bench.runtimes.tensorrt import io_tensors

    inputs, outputs = [], []
    for io in io_tensors(trt, engine, hasattr(engine, "num_io_tensors")):
        shape = [None if int(d) < 0 else int(d) for d in io.shape]
        dtype = io.dtype.name
        info = TensorInfo(io.name, dtype, shape, None, guess_layout(shape, dtype))
        (inputs if io.is_input else outputs).append(info)
    return inputs, outputs


def load_engine(trt, path):
    """(engine, runtime) deserialized from ``path``, or RuntimeError saying why not."""
    logger = trt.Logger(trt.Logger.ERROR)
    runtime = trt.Runtime(logger)
    with open(path, "rb") as fh:
        engine = runtime.deserialize_cuda_engine(fh.read())
    if engine is None:
        raise RuntimeError("TensorRT {} could not deserialize it (engines load only on the "
                           "TensorRT version and GPU that built them)".format(trt.__version__))
    return engine, runtime  # the runtime must outlive the engine


@register_reader
class TensorRTReader(object):
    name = "tensorrt"

    def claims(self, probe):
        return probe.suffix in SUFFIXES

    def check(self, probe):
        pass  # nothing to check without TensorRT; an empty file was refused already

    def inspect(self, probe, shapes=None):
        try:
            import tensorrt as trt
        except ImportError:
            return FileInfo("tensorrt", notes=["tensorrt is not installed here: the engine is "
                                               + ELSEWHERE])
        try:
            engine, runtime = load_engine(trt, probe.path)
            inputs, outputs = engine_io(trt, engine)
        except Exception as exc:  # noqa: BLE001 - no GPU, wrong version, damaged engine
            return FileInfo("tensorrt", notes=["not readable here ({}): the engine is {}".format(
                first_line(exc), ELSEWHERE)])
        resolve_shapes(probe.path, inputs, shapes)  # a wrong name or fixed dim is refused
        return FileInfo("tensorrt", inputs, outputs, None, None, "", [NO_COUNTS])
