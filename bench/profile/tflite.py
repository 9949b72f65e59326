"""TFLite per-operator times on this machine: LiteRT's own profiler, through its C API.

What the installed ``ai_edge_litert`` offers (checked for 2.3.0):

- its Python ``Interpreter`` has no profiler (``experimental_force_delegate_node_profiling``
  only matters when a profiler is attached, which the Python API cannot do);
- its Python ``CompiledModel`` takes no profiling option either;
- but the package ships ``libLiteRt.so``, LiteRT's C API, which exports
  ``LiteRtCompiledModelGetProfiler``, ``LiteRtStartProfiler``, ``LiteRtGetProfilerEvents``...
  A CompiledModel created with the runtime option ``enable_profiling = true`` (an opaque
  option ``runtime_options_string`` holding TOML) gets a profiler that records, per
  inference, an ``Invoke`` range and one event per operator: XNNPACK's own operators
  (``Convolution (NHWC, F32) IGEMM``, ``Fully Connected (NC, F32) GEMM``...) for the part
  the CPU accelerator delegates, TFLite's kernels (``CONV_2D``...) for the rest.

This module drives that C API with ctypes: the same ``.tflite`` on the CPU accelerator
(XNNPACK, threads as ``bench run`` uses them via the ``xnnpack`` option ``num_threads``),
its events read raw (``ProfiledEventData``, 104 bytes each in this build: the summary
text LiteRT also offers accumulates over resets and rounds to 1 us per row). The
latency next to it is bench's own ``tflite`` runtime (the Interpreter), as ``bench run``
measures it. Where the library lacks any of this, :func:`check` says so: there are no
per-operator times then, and the command says why instead of inventing them.
"""

import ctypes
import os

from bench.profile import Counter, ProfiledSession, op
from bench.runtimes.base import Unsupported

LIBRARY = "libLiteRt.so"
SYMBOLS = ("LiteRtCreateEnvironment", "LiteRtCreateModelFromFile", "LiteRtCreateOptions",
           "LiteRtSetOptionsHardwareAccelerators", "LiteRtCreateOpaqueOptions",
           "LiteRtAddOpaqueOptions", "LiteRtCreateCompiledModel", "LiteRtGetNumModelSignatures",
           "LiteRtGetModelSignature", "LiteRtGetNumSignatureInputs", "LiteRtGetNumSignatureOutputs",
           "LiteRtGetSignatureInputTensorByIndex", "LiteRtGetSignatureOutputTensorByIndex",
           "LiteRtGetRankedTensorType", "LiteRtGetCompiledModelInputBufferRequirements",
           "LiteRtGetCompiledModelOutputBufferRequirements",
           "LiteRtCreateManagedTensorBufferFromRequirements", "LiteRtGetTensorBufferSize",
           "LiteRtLockTensorBuffer", "LiteRtUnlockTensorBuffer", "LiteRtRunCompiledModel",
           "LiteRtCompiledModelGetProfiler", "LiteRtStartProfiler", "LiteRtStopProfiler",
           "LiteRtResetProfiler", "LiteRtGetNumProfilerEvents", "LiteRtGetProfilerEvents",
           "LiteRtDestroyTensorBuffer", "LiteRtDestroyCompiledModel")
CPU_ACCELERATOR = 1  # kLiteRtHwAcceleratorCpu
LOCK_WRITE = 1  # kLiteRtTensorBufferLockModeWrite
RUNTIME_OPTIONS = b"runtime_options_string"  # identifier of the TOML runtime options
CPU_OPTIONS = b"xnnpack"  # identifier of the CPU accelerator's TOML options

# tflite::Profiler::EventType
DEFAULT_EVENT = 1
OPERATOR_EVENT = 2
DELEGATE_OPERATOR_EVENT = 4
DELEGATE_PROFILED_OPERATOR_EVENT = 8
OPERATOR_EVENTS = (OPERATOR_EVENT, DELEGATE_OPERATOR_EVENT, DELEGATE_PROFILED_OPERATOR_EVENT)
XNNPACK = "XNNPACK delegate"
KERNELS = "CPU (TFLite kernels)"

NO_LIBRARY = ("this machine's TFLite ({}) gives no per-operator times: its Python API has no "
              "profiler and {}; on a phone `bench profile --device PHONE` uses benchmark_model "
              "--enable_op_profiling")
NO_PROFILER = ("LiteRT created the model without a profiler (this libLiteRt.so ignored the "
               "runtime option enable_profiling): no per-operator times")


class MemoryUsage(ctypes.Structure):
    _fields_ = [("mem_footprint_kb", ctypes.c_int64), ("total_allocated_bytes", ctypes.c_int64),
                ("in_use_allocated_bytes", ctypes.c_int64)]


class ProfiledEventData(ctypes.Structure):
    """LiteRT's ``ProfiledEventData`` (litert/c/litert_profiler_event.h), C++ layout."""

    _fields_ = [("tag", ctypes.c_char_p), ("event_type", ctypes.c_int),
                ("start_timestamp_us", ctypes.c_uint64), ("elapsed_time_us", ctypes.c_uint64),
                ("begin_mem_usage", MemoryUsage), ("end_mem_usage", MemoryUsage),
                ("event_metadata1", ctypes.c_int64), ("event_metadata2", ctypes.c_int64),
                ("event_source", ctypes.c_int)]


def library_path():
    """The libLiteRt.so of the installed ai_edge_litert, or Unsupported saying what is missing."""
    try:
        import ai_edge_litert
    except ImportError:
        try:
            import tflite_runtime  # noqa: F401
        except ImportError:
            raise Unsupported("ai-edge-litert is not installed: pip install 'bench[tflite]'")
        raise Unsupported(NO_LIBRARY.format("tflite_runtime", "it ships no LiteRT C API "
                                            "(libLiteRt.so of ai-edge-litert >= 2)"))
    path = os.path.join(os.path.dirname(os.path.abspath(ai_edge_litert.__file__)), LIBRARY)
    if not os.path.isfile(path):
        raise Unsupported(NO_LIBRARY.format(
            "ai-edge-litert {}".format(getattr(ai_edge_litert, "__version__", "?")),
            "the package has no {} (LiteRT's C API, whose profiler bench reads)".format(LIBRARY)))
    return path


def load_library():
    path = library_path()
    try:
        lib = ctypes.CDLL(path)
    except OSError as exc:
        raise Unsupported("{} cannot be loaded: {}".format(path, exc))
    missing = [s for s in SYMBOLS if not hasattr(lib, s)]
    if missing:
        raise Unsupported(NO_LIBRARY.format(os.path.basename(os.path.dirname(path)),
                                            "its {} lacks {}".format(LIBRARY, ", ".join(missing))))
    P, size_t, i32 = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int
    out = ctypes.POINTER(P)
    signatures = {
        "LiteRtCreateEnvironment": (i32, P, out),
        "LiteRtCreateModelFromFile": (P, ctypes.c_char_p, out),
        "LiteRtCreateOptions": (out,),
        "LiteRtSetOptionsHardwareAccelerators": (P, i32),
        "LiteRtCreateOpaqueOptions": (ctypes.c_char_p, P, P, out),
        "LiteRtAddOpaqueOptions": (P, P),
        "LiteRtCreateCompiledModel": (P, P, P, out),
        "LiteRtGetNumModelSignatures": (P, ctypes.POINTER(size_t)),
        "LiteRtGetModelSignature": (P, size_t, out),
        "LiteRtGetNumSignatureInputs": (P, ctypes.POINTER(size_t)),
        "LiteRtGetNumSignatureOutputs": (P, ctypes.POINTER(size_t)),
        "LiteRtGetSignatureInputTensorByIndex": (P, size_t, out),
        "LiteRtGetSignatureOutputTensorByIndex": (P, size_t, out),
        "LiteRtGetRankedTensorType": (P, P),
        "LiteRtGetCompiledModelInputBufferRequirements": (P, size_t, size_t, out),
        "LiteRtGetCompiledModelOutputBufferRequirements": (P, size_t, size_t, out),
        "LiteRtCreateManagedTensorBufferFromRequirements": (P, P, P, out),
        "LiteRtGetTensorBufferSize": (P, ctypes.POINTER(size_t)),
        "LiteRtLockTensorBuffer": (P, out, i32),
        "LiteRtUnlockTensorBuffer": (P,),
        "LiteRtRunCompiledModel": (P, size_t, size_t, P, size_t, P),
        "LiteRtCompiledModelGetProfiler": (P, out),
        "LiteRtStartProfiler": (P,),
        "LiteRtStopProfiler": (P,),
        "LiteRtResetProfiler": (P,),
        "LiteRtGetNumProfilerEvents": (P, ctypes.POINTER(i32)),
        "LiteRtGetProfilerEvents": (P, i32, P),
    }
    for name, args in signatures.items():
        fn = getattr(lib, name)
        fn.argtypes = list(args)
        fn.restype = i32
    for name in ("LiteRtDestroyTensorBuffer", "LiteRtDestroyCompiledModel"):
        getattr(lib, name).argtypes = [P]
        getattr(lib, name).restype = None
    return lib


def check(runtime_name, device):
    if device != "cpu":
        raise Unsupported("tflite is profiled on the CPU here, not on {!r}".format(device))
    load_library()


def open_profiled(runtime_name, path, precision, device, threads):
    check(runtime_name, device)
    return LiteRtProfiled(load_library(), path, threads)


_NOOP = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda payload: None)  # options we own


def run_events(events):
    """Raw events of several inferences -> one list of operator events per ``Invoke``.

    A run opens with its ``Invoke`` range (a DEFAULT event); operator events follow it. A
    delegate node that also reports its internal operators is dropped (they replace it)."""
    runs = []
    for e in events:
        if e["type"] == DEFAULT_EVENT and e["tag"] == "Invoke":
            runs.append([])
        elif e["type"] in OPERATOR_EVENTS and runs:
            runs[-1].append(e)
    out = []
    for events in runs:
        internal = any(e["type"] == DELEGATE_OPERATOR_EVENT for e in events)
        names, ops = Counter(), []
        for e in events:
            if internal and e["type"] == OPERATOR_EVENT and "delegate" in e["tag"].lower():
                continue
            where = KERNELS if e["type"] == OPERATOR_EVENT else XNNPACK
            ops.append(op(names.name(e["tag"]), e["tag"], where, e["us"] / 1000.0))
        out.append(ops)
    return out


class LiteRtProfiled(ProfiledSession):
    profiler = ("LiteRT profiler (libLiteRt.so C API: CompiledModel with enable_profiling, "
                "CPU accelerator)")
    notes = ("operator times from LiteRT's CompiledModel on the CPU accelerator (XNNPACK), the "
             "latency from bench's tflite runtime (the Interpreter, as bench run measures it)")

    profiled_path = "and another path: LiteRT's CompiledModel, the latency the Interpreter's"

    def __init__(self, lib, path, threads):
        self._lib = lib
        self._keep = []  # option payloads: alive as long as the model
        self._inputs, self._outputs, self._runs = [], [], []
        self._made = 0  # inferences since start
        P = ctypes.c_void_p
        env, model, options = P(), P(), P()
        self._ok(lib.LiteRtCreateEnvironment(0, None, ctypes.byref(env)),
                 "creating an environment")
        self._ok(lib.LiteRtCreateModelFromFile(env, path.encode(), ctypes.byref(model)),
                 "loading " + path)
        self._ok(lib.LiteRtCreateOptions(ctypes.byref(options)), "creating options")
        self._ok(lib.LiteRtSetOptionsHardwareAccelerators(options, CPU_ACCELERATOR), "CPU")
        self._option(options, RUNTIME_OPTIONS, "enable_profiling = true")
        if threads and threads > 0:
            self._option(options, CPU_OPTIONS, "num_threads = {}".format(int(threads)))
        count = ctypes.c_size_t()
        self._ok(lib.LiteRtGetNumModelSignatures(model, ctypes.byref(count)), "signatures")
        if count.value > 1:
            raise Unsupported("{} has {} signatures; bench profiles single-signature files"
                              .format(path, count.value))
        compiled = P()
        self._ok(lib.LiteRtCreateCompiledModel(env, model, options, ctypes.byref(compiled)),
                 "compiling the model")
        self._env, self._model, self._compiled = env, model, compiled
        profiler = P()
        self._ok(lib.LiteRtCompiledModelGetProfiler(compiled, ctypes.byref(profiler)), "profiler")
        if not profiler.value:
            raise Unsupported(NO_PROFILER)
        self._profiler = profiler
        self._ok(lib.LiteRtStopProfiler(profiler), "stopping the profiler")
        signature = P()
        self._ok(lib.LiteRtGetModelSignature(model, 0, ctypes.byref(signature)), "signature")
        self._inputs = self._buffers(signature, lib.LiteRtGetNumSignatureInputs,
                                     lib.LiteRtGetSignatureInputTensorByIndex,
                                     lib.LiteRtGetCompiledModelInputBufferRequirements)
        self._outputs = self._buffers(signature, lib.LiteRtGetNumSignatureOutputs,
                                      lib.LiteRtGetSignatureOutputTensorByIndex,
                                      lib.LiteRtGetCompiledModelOutputBufferRequirements)
        self._in_array = (P * len(self._inputs))(*[b.value for b, _ in self._inputs])
        self._out_array = (P * len(self._outputs))(*[b.value for b, _ in self._outputs])

    @staticmethod
    def _ok(status, what):
        if status != 0:
            raise RuntimeError("LiteRT C API failed: {} (status {})".format(what, status))

    def _option(self, options, identifier, toml):
        payload = ctypes.create_string_buffer(toml.encode())
        opaque = ctypes.c_void_p()
        self._ok(self._lib.LiteRtCreateOpaqueOptions(identifier, payload, _NOOP,
                                                     ctypes.byref(opaque)), "options")
        self._ok(self._lib.LiteRtAddOpaqueOptions(options, opaque), "options")
        self._keep.append(payload)

    def _buffers(self, signature, count_fn, tensor_fn, requirements_fn):
        lib, out = self._lib, []
        count = ctypes.c_size_t()
        self._ok(count_fn(signature, ctypes.byref(count)), "counting tensors")
        for i in range(count.value):
            tensor, requirements, buffer = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
            self._ok(tensor_fn(signature, i, ctypes.byref(tensor)), "tensor")
            tensor_type = ctypes.create_string_buffer(256)  # LiteRtRankedTensorType, opaque here
            self._ok(lib.LiteRtGetRankedTensorType(tensor, tensor_type), "tensor type")
            self._ok(requirements_fn(self._compiled, 0, i, ctypes.byref(requirements)),
                     "buffer requirements")
            self._ok(lib.LiteRtCreateManagedTensorBufferFromRequirements(
                self._env, tensor_type, requirements, ctypes.byref(buffer)), "a buffer")
            size = ctypes.c_size_t()
            self._ok(lib.LiteRtGetTensorBufferSize(buffer, ctypes.byref(size)), "buffer size")
            out.append((buffer, size.value))
        return out

    def set_inputs(self, arrays):
        import numpy as np

        if len(arrays) != len(self._inputs):
            raise ValueError("the model takes {} inputs, {} given".format(len(self._inputs),
                                                                          len(arrays)))
        for (buffer, size), array in zip(self._inputs, arrays):
            array = np.ascontiguousarray(array)
            if array.nbytes != size:
                raise ValueError("input of {} bytes for a LiteRT buffer of {}".format(
                    array.nbytes, size))
            addr = ctypes.c_void_p()
            self._ok(self._lib.LiteRtLockTensorBuffer(buffer, ctypes.byref(addr), LOCK_WRITE),
                     "locking an input")
            ctypes.memmove(addr, array.ctypes.data, size)
            self._ok(self._lib.LiteRtUnlockTensorBuffer(buffer), "unlocking an input")

    def run(self):
        self._made += 1
        self._ok(self._lib.LiteRtRunCompiledModel(self._compiled, 0, len(self._inputs),
                                                  self._in_array, len(self._outputs),
                                                  self._out_array), "running the model")

    def start(self):
        self._made = 0
        self._ok(self._lib.LiteRtResetProfiler(self._profiler), "resetting the profiler")
        self._ok(self._lib.LiteRtStartProfiler(self._profiler), "starting the profiler")

    def stop(self):
        lib, profiler = self._lib, self._profiler
        self._ok(lib.LiteRtStopProfiler(profiler), "stopping the profiler")
        count = ctypes.c_int()
        self._ok(lib.LiteRtGetNumProfilerEvents(profiler, ctypes.byref(count)), "events")
        events = []
        if count.value > 0:
            raw = (ProfiledEventData * count.value)()
            self._ok(lib.LiteRtGetProfilerEvents(profiler, count.value, raw), "reading events")
            events = [{"tag": (e.tag or b"").decode("utf-8", "replace"), "type": e.event_type,
                       "us": float(e.elapsed_time_us)} for e in raw]
        runs = run_events(events)
        if len(runs) != self._made:
            raise RuntimeError("LiteRT's profiler recorded {} inferences of the {} made (its "
                               "event buffer overflowed?)".format(len(runs), self._made))
        self._runs.extend(runs)
        self._ok(lib.LiteRtResetProfiler(profiler), "resetting the profiler")

    def collect(self):
        return self._runs

    def info(self):
        return {"runtime": "tflite", "device": "cpu", "api": "LiteRT CompiledModel (C API)"}

    def close(self):
        lib = self._lib
        for buffer, _ in self._inputs + self._outputs:
            lib.LiteRtDestroyTensorBuffer(buffer)
        self._inputs, self._outputs = [], []
        if getattr(self, "_compiled", None) is not None:
            lib.LiteRtDestroyCompiledModel(self._compiled)
            self._compiled = None
