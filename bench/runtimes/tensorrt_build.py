"""Build TensorRT engines: from an ONNX file with TensorRT's parser, or with torch2trt.

Engines are built on the device that runs them (a Jetson Nano: TensorRT 8.0/8.2,
Python 3.6), so this lives with the shipped runtime code and keeps to its rules:
3.6 syntax, lazy imports. Handles TensorRT 8.x and 10.x where their APIs differ:
the explicit-batch network flag (required in 8, the only mode in 10) and the
workspace limit (``max_workspace_size`` before 8.4, a memory pool after).
"""

from bench.runtimes.tensorrt import import_tensorrt


def trt_major(trt):
    return int(trt.__version__.split(".")[0])


def network_flags(trt):
    """ONNX networks need explicit batch; TensorRT 10 has nothing else (the flag is deprecated)."""
    if trt_major(trt) >= 10:
        return 0
    return 1 << int(trt.NetworkDefinitionCreationFlag.EXPLICIT_BATCH)


def set_workspace(trt, config, workspace_mb):
    """Cap the builder's scratch memory: a Nano's engine build is killed for memory otherwise."""
    size = int(workspace_mb) << 20
    if hasattr(config, "set_memory_pool_limit"):  # TensorRT >= 8.4
        config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, size)
    else:
        config.max_workspace_size = size


def make_logger(trt, echo=None):
    """A TensorRT logger that keeps error messages (for the exception) and echoes warnings."""

    class CollectingLogger(trt.ILogger):
        def __init__(self):
            trt.ILogger.__init__(self)
            self.errors = []

        def log(self, severity, msg):
            if severity in (trt.ILogger.Severity.INTERNAL_ERROR, trt.ILogger.Severity.ERROR):
                self.errors.append(msg)
            if echo is not None and severity != trt.ILogger.Severity.VERBOSE and \
                    severity != trt.ILogger.Severity.INFO:
                echo("tensorrt: {}".format(msg))

    return CollectingLogger()


def _last(errors, fallback):
    return errors[-1].strip().splitlines()[0] if errors else fallback


def build_engine(onnx_path, engine_path, precision, workspace_mb, echo=None):
    """Parse ``onnx_path`` and write a serialized engine for ``precision`` to ``engine_path``.

    The ONNX file must have static shapes (bench exports one file per batch and
    resolution), so no optimization profile is needed.
    """
    trt = import_tensorrt()
    logger = make_logger(trt, echo)
    builder = trt.Builder(logger)
    network = builder.create_network(network_flags(trt))
    parser = trt.OnnxParser(network, logger)
    with open(onnx_path, "rb") as fh:
        parsed = parser.parse(fh.read())
    if not parsed:
        errors = [str(parser.get_error(i)) for i in range(parser.num_errors)]
        raise RuntimeError("TensorRT's ONNX parser rejected {}: {}".format(
            onnx_path, _last(errors, "no detail given")))
    for i in range(network.num_inputs):
        shape = tuple(network.get_input(i).shape)
        if any(d < 0 for d in shape):
            raise RuntimeError("{} has a dynamic input shape {}; export it with a fixed batch and "
                               "resolution".format(onnx_path, shape))
    config = builder.create_builder_config()
    set_workspace(trt, config, workspace_mb)
    if precision == "fp16":
        if not getattr(builder, "platform_has_fast_fp16", True):
            raise RuntimeError("this GPU has no fast fp16; build an fp32 engine instead")
        config.set_flag(trt.BuilderFlag.FP16)
    elif hasattr(trt.BuilderFlag, "TF32"):  # on by default on Ampere+: fp32 must mean fp32
        config.clear_flag(trt.BuilderFlag.TF32)
    serialized = builder.build_serialized_network(network, config)
    if serialized is None:
        raise RuntimeError("TensorRT could not build the engine: {}".format(_last(
            logger.errors, "no error logged; a larger [export] trt_workspace_mb may help")))
    with open(engine_path, "wb") as fh:
        fh.write(serialized)


def build_engine_torch2trt(module, example, engine_path, precision, workspace_mb):
    """The reference study's path: torch2trt converts the module layer by layer."""
    from torch2trt import torch2trt

    module = module.cuda().eval()
    x = example.cuda()
    converted = torch2trt(module, [x], fp16_mode=precision == "fp16",
                          max_workspace_size=int(workspace_mb) << 20, max_batch_size=x.shape[0])
    with open(engine_path, "wb") as fh:
        fh.write(converted.engine.serialize())


def ensure_engine(onnx_path, engine_path, precision, workspace_mb, echo=None):
    """Build ``engine_path`` from ``onnx_path`` unless it exists -> build seconds, or None if cached.

    The engine is written under a temporary name and renamed, so a build killed
    half-way (out of memory on a Nano) never leaves a truncated engine in the cache.
    """
    import os
    import time

    if os.path.exists(engine_path):
        return None
    folder = os.path.dirname(engine_path)
    if folder and not os.path.isdir(folder):
        os.makedirs(folder)
    tmp = "{}.tmp-{}".format(engine_path, os.getpid())
    start = time.time()
    try:
        build_engine(onnx_path, tmp, precision, workspace_mb, echo)
        os.rename(tmp, engine_path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return time.time() - start
