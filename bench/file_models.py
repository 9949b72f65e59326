"""A user's model file (``file:PATH``) as the artifact a runtime reads.

The file is measured as it is: no export, no copy, no parity check (there is no PyTorch
model to compare with). Which runtimes read which file: ONNX -> onnxruntime, and
tensorrt through an engine built from it on the machine that runs it; TFLite -> tflite
(locally, and benchmark_model on a phone); TorchScript -> torchscript; a
``torch.export`` program (.pt2) -> torch; a TensorRT engine -> tensorrt, only where the
GPU and TensorRT version match the ones that built it. The file's content hash is its
key, and the key of anything built from it.
"""

import functools
import hashlib
import json
import os

from bench.artifacts import Artifact, format_options, write_json_atomic
from bench.fileutil import FULL, write_problem
from bench.runtimes.base import Unsupported

READERS = {"onnx": ("onnxruntime", "tensorrt"), "tflite": ("tflite",),
           "torchscript": ("torchscript",), "pt2": ("torch",), "tensorrt": ("tensorrt",)}
KIND = {"onnx": "an ONNX file", "tflite": "a TFLite file", "torchscript": "a TorchScript file",
        "pt2": "a torch.export program", "tensorrt": "a TensorRT engine"}


def entry_of(spec):
    from bench.models import MODELS

    return MODELS.get(spec.name)


def native_format(spec):
    return entry_of(spec).format_of(spec)


def runtime_format(spec, runtime_cls):
    """The format ``runtime_cls`` needs for this file (the file's own, or ``tensorrt`` built
    from an ONNX file); Unsupported naming the runtimes that read it otherwise."""
    native = native_format(spec)
    if native in runtime_cls.formats:
        return native
    if native == "onnx" and runtime_cls.name == "tensorrt":
        return "tensorrt"
    raise Unsupported("{} is {}: {} does not read it (runtimes for it: {})".format(
        spec.canonical(), KIND[native], runtime_cls.name, ", ".join(READERS[native])))


def readers(spec):
    return READERS[native_format(spec)]


def file_precision(spec):
    """"fp16" for an ONNX file fed float16, or a TFLite / torch file holding float16 weights
    (as bench's own fp16 exports: a CPU interpreter computes them in fp32), "fp32"
    otherwise, None when it cannot be told here (a TensorRT engine runs as it was built)."""
    return _precision(spec.kwargs["path"], os.path.getmtime(spec.kwargs["path"]),
                      native_format(spec))


@functools.lru_cache(maxsize=64)
def _precision(path, mtime, fmt):
    if fmt == "onnx":  # what it is fed: float16 weights cast up to float32 compute in fp32
        import onnx

        model = onnx.load(path, load_external_data=False)
        inputs = [i.type.tensor_type.elem_type for i in model.graph.input]
        return "fp16" if onnx.TensorProto.FLOAT16 in inputs else "fp32"
    if fmt == "tflite":
        import numpy as np

        from bench.runtimes.tflite import interpreter_class

        interpreter = interpreter_class()(model_path=path)
        half = [t for t in interpreter.get_tensor_details() if t["dtype"] == np.float16]
        return "fp16" if half else "fp32"
    if fmt in ("torchscript", "pt2"):
        import torch

        if fmt == "pt2":
            program = torch.export.load(path)
            tensors = list(program.state_dict.values()) + list(program.constants.values())
        else:
            module = torch.jit.load(path, map_location="cpu")
            tensors = list(module.state_dict().values())
        floats = [t for t in tensors if isinstance(t, torch.Tensor) and t.is_floating_point()]
        return "fp16" if any(t.dtype == torch.float16 for t in floats) else "fp32"
    return None


def check_precision(spec, runtime_cls, precision):
    """Unsupported unless the file can run at ``precision`` on ``runtime_cls``: it runs at
    its own, except an engine built from an ONNX file, which may be built at either."""
    if runtime_cls.name == "tensorrt" and native_format(spec) == "onnx":
        return
    own = file_precision(spec)
    if own is not None and own != precision:
        raise Unsupported("{} holds {} weights and runs as it is: measure it with --precision "
                          "{}".format(spec.canonical(), "float16" if own == "fp16" else "float32",
                                      own))


def file_artifact(request, format_name, precision, batch, export_config, log):
    """The file itself when ``format_name`` is its own format; an engine built (and cached)
    from an ONNX file for ``tensorrt``."""
    spec = request.spec
    path = spec.kwargs["path"]
    native = native_format(spec)
    digest = entry_of(spec).digest(spec)
    if format_name == native:
        manifest = {"spec": spec.canonical(), "format": native, "precision": precision,
                    "file": path, "file_size": os.path.getsize(path), "key": digest,
                    "parity": None, "export_seconds": None, "user_file": True}
        return Artifact(path, manifest, True, digest)
    if format_name == "tensorrt" and native == "onnx":
        return _engine_from(request, path, digest, precision, batch, export_config, log)
    raise Unsupported("{} is {}, not {} ".format(spec.canonical(), KIND[native], format_name))


def _engine_from(request, source, source_key, precision, batch, export_config, log):
    """A TensorRT engine built here from the user's ONNX file, cached by its hash."""
    import time

    from bench.formats import get_format

    fmt = get_format("tensorrt")
    fmt.check()
    options = format_options(fmt, export_config)
    payload = {"source_sha256": source_key, "precision": precision, "batch": batch,
               "options": options, "tools": fmt.tool_versions()}
    key = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    directory = os.path.join(export_config.dir, "files", "tensorrt-{}-{}".format(precision,
                                                                               key[:12]))
    path = os.path.join(directory, "model.engine")
    manifest_path = os.path.join(directory, "manifest.json")
    if os.path.isfile(manifest_path) and os.path.isfile(path):
        with open(manifest_path) as fh:
            manifest = json.load(fh)
        if manifest.get("key") == key:
            log("cached {} tensorrt {}: {}".format(request.name, precision, path))
            return Artifact(path, manifest, True, key)
    log("building a TensorRT {} engine from {}".format(precision, source))
    start = time.perf_counter()
    tmp = path + ".part-{}".format(os.getpid())
    try:
        os.makedirs(directory, exist_ok=True)
        details = fmt.export_from(source, tmp, precision, options)
        os.replace(tmp, path)
        manifest = dict(payload, key=key, spec=request.name, format="tensorrt", file_size=
                        os.path.getsize(path), export_seconds=round(time.perf_counter() - start, 3),
                        parity=None, details=details, status="ok")
        write_json_atomic(manifest_path, manifest)
    except OSError as exc:
        if exc.errno in FULL:
            raise write_problem(directory, exc, "write exports to", elsewhere="[export].dir") from None
        raise
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return Artifact(path, manifest, False, key)


def file_inputs(spec, batch, resolution, shapes, asked):
    """The file's inputs resolved as the worker will resolve them (checked here first, so
    a shape that does not fit is one line before anything runs); [] when the file records
    none and nothing says what to feed (TorchScript without --shape)."""
    from bench.measure.inputs import resolve_inputs

    info = entry_of(spec).info(spec)
    declared = [{"name": t.name, "dtype": t.dtype, "shape": t.shape} for t in info.inputs]
    if all(d["shape"] is None for d in declared):  # TorchScript: argument names at most
        named = [shapes[d["name"]] for d in declared if d["name"] in (shapes or {})]
        shapes = {"": named[0]} if named else {"": shapes[""]} if "" in (shapes or {}) else {}
        declared = None
    return resolve_inputs(declared, batch, resolution, shapes, strict=asked)


def fed_shapes(resolved):
    """Resolved inputs -> the exact {name: shape} a worker feeds (None name: "")."""
    return {(r["name"] if r["name"] is not None else ""): r["shape"] for r in resolved}
