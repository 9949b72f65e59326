"""Runtime ``tflite``: a ``.tflite`` file in the LiteRT (TFLite) interpreter on the CPU.

``ai_edge_litert`` on the host; ``tflite_runtime`` is accepted where that is what a
device has. FP16 models carry float16 weights: a CPU interpreter dequantizes them to
float32 once at load and computes in float32, which the session's ``notes`` say.
"""

from bench.runtimes.base import Runtime, Session, Unsupported, register_runtime

INSTALL = "ai-edge-litert is not installed: pip install 'bench[tflite]'"
FP16_NOTE = "fp16 weights; computed in fp32 on this CPU (the interpreter dequantizes them at load)"


def interpreter_class():
    """The LiteRT interpreter class, or :class:`Unsupported` naming the pip extra."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter
        except ImportError:
            raise Unsupported(INSTALL)
    return Interpreter


def count_float16_tensors(interpreter):
    import numpy as np

    return sum(1 for t in interpreter.get_tensor_details() if t["dtype"] == np.float16)


@register_runtime
class TFLiteRuntime(Runtime):
    name = "tflite"
    formats = ("tflite",)
    precisions = ("fp32", "fp16")
    devices = ("cpu",)

    def versions(self):
        try:
            import ai_edge_litert
        except ImportError:
            try:
                import tflite_runtime
            except ImportError:
                return {}
            return {"tflite_runtime": getattr(tflite_runtime, "__version__", "unknown")}
        return {"ai-edge-litert": getattr(ai_edge_litert, "__version__", "unknown")}

    def check(self, precision, device):
        Runtime.check(self, precision, device)
        interpreter_class()
        if device != "cpu":
            raise Unsupported("tflite runs on the CPU here (no GPU delegate on this host); "
                              "device {!r} is not supported".format(device))

    def open(self, path, precision, device, threads):
        Interpreter = interpreter_class()
        kwargs = {"model_path": path}
        if threads and threads > 0:
            kwargs["num_threads"] = int(threads)
        interpreter = Interpreter(**kwargs)
        interpreter.allocate_tensors()
        fp16 = count_float16_tensors(interpreter)
        if (fp16 > 0) != (precision == "fp16"):
            raise ValueError("{} has {} float16 tensors but {} was asked; export it at that "
                             "precision".format(path, fp16, precision))
        return TFLiteSession(interpreter, precision, threads)


def needs_resize(detail, array):
    """Whether input ``detail`` must be resized to take ``array``; :class:`BadInput` when
    its fixed dimensions refuse that shape."""
    from bench.runtimes.base import BadInput

    if tuple(array.shape) == tuple(int(x) for x in detail["shape"]):
        return False
    signature = detail.get("shape_signature")
    if signature is None or len(signature) != array.ndim or any(
            int(s) > 0 and int(s) != a for s, a in zip(signature, array.shape)):
        raise BadInput("input shape {} does not fit the model's {} (input {!r})".format(
            "x".join(map(str, array.shape)), "x".join(str(int(x)) for x in detail["shape"]),
            detail["name"]))
    return True


class _Subgraph(object):
    """One signature's subgraph, driven through the interpreter's wrapper with the subgraph
    index (what ``SignatureRunner.__call__`` does, minus the copy of every input on every
    call), so a signature is timed like the primary graph: ``invoke`` only."""

    def __init__(self, interpreter, key):
        runner = interpreter.get_signature_runner(key)
        self.index = runner._subgraph_index
        self.wrapper = interpreter._interpreter
        inputs = runner.get_input_details()
        self.inputs = [inputs[name] for name in sorted(inputs, key=lambda n: inputs[n]["index"])]
        outputs = runner.get_output_details()
        self.output = outputs[sorted(outputs)[0]]
        self.wrapper.AllocateTensors(self.index)

    def resize(self, index, shape):
        import numpy as np

        self.wrapper.ResizeInputTensor(index, np.array(shape, dtype=np.int32), False, self.index)
        self.wrapper.AllocateTensors(self.index)

    def set_tensor(self, index, array):
        self.wrapper.SetTensor(index, array, self.index)

    def invoke(self):
        self.wrapper.Invoke(self.index)

    def get_tensor(self, index):
        return self.wrapper.GetTensor(index, self.index)


class TFLiteSession(Session):
    def __init__(self, interpreter, precision, threads):
        self._interpreter = interpreter
        self._sub = None  # a _Subgraph once a signature is selected; None: the primary graph
        self._subs = {}
        self._inputs = interpreter.get_input_details()
        self._output = interpreter.get_output_details()[0]
        self._threads = int(threads) if threads and threads > 0 else None
        self._precision = precision
        self.notes = FP16_NOTE if precision == "fp16" else ""

    def inputs(self):
        import numpy as np

        out = []
        for d in self._inputs:
            signature = d.get("shape_signature")
            dims = signature if signature is not None and len(signature) else d["shape"]
            out.append({"name": d["name"], "dtype": np.dtype(d["dtype"]).name,
                        "shape": [int(x) if int(x) > 0 else None for x in dims]})
        return out

    def select_signature(self, key):
        """Run signature ``key`` of a multi-signature file from now on (inputs: place again)."""
        keys = sorted(self._interpreter.get_signature_list())
        if key not in keys:
            raise ValueError("the file has no signature {!r} (it has: {})".format(
                key, ", ".join(keys) or "none"))
        if key not in self._subs:  # each signature's tensors are allocated once, as an app keeps
            self._subs[key] = _Subgraph(self._interpreter, key)  # one runner per signature
        self._sub = self._subs[key]
        self._inputs = self._sub.inputs
        self._output = self._sub.output

    def set_inputs(self, arrays):
        if self._sub is not None:
            return self._set_signature_inputs(arrays)
        return self._set_primary_inputs(arrays)

    def _set_signature_inputs(self, arrays):
        import numpy as np

        if len(arrays) != len(self._inputs):
            raise ValueError("the signature takes {} inputs, {} given".format(len(self._inputs),
                                                                              len(arrays)))
        for d, array in zip(self._inputs, arrays):
            if needs_resize(d, array):
                self._sub.resize(d["index"], array.shape)
        for d, array in zip(self._inputs, arrays):
            self._sub.set_tensor(d["index"], np.ascontiguousarray(array, dtype=d["dtype"]))

    def _set_primary_inputs(self, arrays):
        import numpy as np

        if len(arrays) != len(self._inputs):
            raise ValueError("the model takes {} inputs, {} given".format(len(self._inputs),
                                                                          len(arrays)))
        resized = False
        for d, array in zip(self._inputs, arrays):
            if needs_resize(d, array):
                self._interpreter.resize_tensor_input(d["index"], list(array.shape))
                resized = True
        if resized:
            self._interpreter.allocate_tensors()
            self._inputs = self._interpreter.get_input_details()
            self._output = self._interpreter.get_output_details()[0]
        for d, array in zip(self._inputs, arrays):
            self._interpreter.set_tensor(d["index"], np.ascontiguousarray(array, dtype=d["dtype"]))

    def run(self):
        if self._sub is not None:
            self._sub.invoke()
        else:
            self._interpreter.invoke()

    def output(self):
        import numpy as np

        source = self._sub if self._sub is not None else self._interpreter
        return np.array(source.get_tensor(self._output["index"]), dtype=np.float32)

    def info(self):
        return {"runtime": "tflite", "device": "cpu", "threads": self._threads,
                "weights": "float16" if self._precision == "fp16" else "float32"}

    def close(self):
        self._interpreter = None
        self._sub = None
        self._subs = {}
