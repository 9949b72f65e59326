"""What a model file says about itself: its tensors, weights and work, format-neutral.

Kept to Python 3.6 syntax and the standard library (plus numpy inside functions):
the TensorRT reader may be shipped to the device that has the GPU, with this module.
"""

from bench.errors import SpecError

FORMATS_LINE = ("bench reads ONNX (.onnx), TFLite (.tflite), TorchScript (torch.jit.save), "
                "torch.export (.pt2, torch.export.save) and TensorRT engine (.engine/.plan) files")

# dtypes whose constants are weights; integer constants (shapes, axes, indices) are not,
# unless they carry quantization parameters (int8/uint8/int4 weights).
FLOAT_DTYPES = ("float32", "float16", "bfloat16", "float64", "complex64", "complex128")
QUANT_DTYPES = ("int8", "uint8", "int4", "uint4", "int16")


class TensorInfo(object):
    """One input or output: ``name`` as in the file, numpy ``dtype`` name (None when the
    file does not record it), ``shape`` (int per fixed dim, None per dynamic one; the
    whole shape None when the rank is unknown), ``dim_names`` (symbolic names or None
    per dim), ``layout`` ("NCHW", "NHWC" or None)."""

    __slots__ = ("name", "dtype", "shape", "dim_names", "layout")

    def __init__(self, name, dtype, shape, dim_names=None, layout=None):
        self.name = name
        self.dtype = dtype
        self.shape = None if shape is None else list(shape)
        if dim_names is None and shape is not None:
            dim_names = [None] * len(shape)
        self.dim_names = None if dim_names is None else list(dim_names)
        self.layout = layout

    @property
    def dynamic(self):
        """True when some dim (or the rank) is not fixed in the file."""
        return self.shape is None or any(d is None for d in self.shape)

    def to_dict(self):
        return {k: getattr(self, k) for k in self.__slots__}

    @classmethod
    def from_dict(cls, data):
        return cls(data["name"], data["dtype"], data["shape"], data.get("dim_names"),
                   data.get("layout"))

    def __eq__(self, other):
        return isinstance(other, TensorInfo) and self.to_dict() == other.to_dict()

    def __repr__(self):
        return "TensorInfo({})".format(", ".join(
            "{}={!r}".format(k, getattr(self, k)) for k in self.__slots__))


class FileInfo(object):
    """What :func:`bench.models.files.inspect_file` found: ``format``, ``inputs`` and
    ``outputs`` ([TensorInfo]), ``params`` (weight elements, or None), ``macs``
    (multiply-adds at the shapes used, or None), ``macs_tool`` (how they were counted;
    "" when not), ``notes`` (caveats, one line each)."""

    __slots__ = ("format", "inputs", "outputs", "params", "macs", "macs_tool", "notes")

    def __init__(self, format, inputs=(), outputs=(), params=None, macs=None, macs_tool="",
                 notes=()):
        self.format = format
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.params = params
        self.macs = macs
        self.macs_tool = macs_tool
        self.notes = list(notes)

    def input(self, name):
        for t in self.inputs:
            if t.name == name:
                return t
        raise KeyError(name)

    def to_dict(self):
        data = {k: getattr(self, k) for k in self.__slots__}
        data["inputs"] = [t.to_dict() for t in self.inputs]
        data["outputs"] = [t.to_dict() for t in self.outputs]
        return data

    @classmethod
    def from_dict(cls, data):
        return cls(data["format"], [TensorInfo.from_dict(t) for t in data["inputs"]],
                   [TensorInfo.from_dict(t) for t in data["outputs"]], data.get("params"),
                   data.get("macs"), data.get("macs_tool", ""), data.get("notes", ()))

    def __repr__(self):
        return "FileInfo({})".format(", ".join(
            "{}={!r}".format(k, getattr(self, k)) for k in self.__slots__))


def show(path):
    """``path`` for a one-line message: as is, or quoted when it holds control characters."""
    path = str(path)
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        return ascii(path)
    return path


def refuse(path, what, fix=None, formats=True):
    """The one-line SpecError for a model file bench cannot read (or a wrong shape for
    it): path, what is wrong, the fix when there is one, and the formats bench reads."""
    parts = ["model file {}: {}".format(show(path), what)]
    if fix:
        parts.append(fix)
    if formats:
        parts.append(FORMATS_LINE)
    return SpecError("; ".join(parts))


def first_line(exc, limit=160):
    """``Type: first line of the message``, short and on one line."""
    lines = str(exc).strip().splitlines()
    text = "{}: {}".format(type(exc).__name__, lines[0].strip()) if lines else \
        type(exc).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."


def guess_layout(shape, dtype=None):
    """"NCHW" / "NHWC" for a 4-D image-like shape, else None.

    Channels are the axis (1 or 3) holding 1 or 3 while the other does not; failing
    that, a fixed axis 1 with dynamic spatial dims 2-3 (or fixed axis 3 with dynamic
    1-2) decides. Integer and bool inputs (ids, masks) are not images."""
    if shape is None or len(shape) != 4:
        return None
    if dtype is not None and dtype not in FLOAT_DTYPES + ("uint8", "int8"):
        return None
    _, a1, a2, a3 = shape
    first, last = a1 in (1, 3), a3 in (1, 3)
    if first != last:
        return "NCHW" if first else "NHWC"
    if first:
        return None  # [N, 3, H, 3]: ambiguous
    if a1 is not None and a2 is None and a3 is None:
        return "NCHW"
    if a3 is not None and a1 is None and a2 is None:
        return "NHWC"
    return None


def weight_elements(dtype, shape, quantized=False):
    """Elements a constant contributes to ``params``: floating tensors (and quantized
    integer ones) of rank >= 1; integer constants (shapes, axes, indices) and rank-0
    scalars (arithmetic constants such as 0.5 or eps) count 0."""
    if shape is None or len(shape) == 0:
        return 0
    if dtype not in FLOAT_DTYPES and not (quantized or dtype in QUANT_DTYPES):
        return 0
    n = 1
    for d in shape:
        n *= int(d)
    return n


def product(values):
    n = 1
    for v in values:
        n *= int(v)
    return n


def resolve_shapes(path, inputs, shapes, fmt_hint="give its shape"):
    """Check ``shapes`` ({input name: [int, ...]}) against the file's inputs.

    Returns ``(concrete, missing)``: every input's shape to count at (given, or fixed
    in the file) and the names of inputs left with a dynamic dim. A name the file does
    not have, a wrong rank or a fixed dim given another value is a SpecError."""
    shapes = dict(shapes or {})
    names = [t.name for t in inputs]
    for name, shape in shapes.items():
        if names and name not in names:
            raise refuse(path, "a shape is given for input {!r}, which it does not have".format(
                name), "its inputs are: {}".format(", ".join(repr(n) for n in names)),
                formats=False)
        if not isinstance(shape, (list, tuple)) or not shape or not all(
                isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape):
            raise refuse(path, "the shape for input {!r} must be a list of positive integers, "
                         "not {!r}".format(name, shape), "e.g. [1, 3, 224, 224]", formats=False)
    concrete, missing = {}, []
    for t in inputs:
        given = shapes.get(t.name)
        if given is None:
            if t.dynamic:
                missing.append(t.name)
            else:
                concrete[t.name] = list(t.shape)
            continue
        given = [int(d) for d in given]
        if t.shape is not None:
            if len(given) != len(t.shape):
                raise refuse(path, "input {!r} has {} dims {}, the shape given {} has {}".format(
                    t.name, len(t.shape), _dims(t), given, len(given)),
                    "give a shape of its rank", formats=False)
            for i, (fixed, want) in enumerate(zip(t.shape, given)):
                if fixed is not None and fixed != want:
                    raise refuse(path, "input {!r} dim {} is fixed at {} in the file, the shape "
                                 "given {} has {}".format(t.name, i, fixed, given, want),
                                 "only its dynamic dims can be chosen: {}".format(_dims(t)),
                                 formats=False)
        concrete[t.name] = given
    if not inputs:  # the file names no inputs (TorchScript without a schema): take them all
        concrete = {k: [int(d) for d in v] for k, v in shapes.items()}
    return concrete, missing


def _dims(tensor):
    """"[N, 3, ?, ?]": fixed dims, symbolic names, "?" for unnamed dynamic ones."""
    names = tensor.dim_names or [None] * len(tensor.shape)
    return "[{}]".format(", ".join(str(d) if d is not None else (n or "?")
                                   for d, n in zip(tensor.shape, names)))


def missing_note(missing, inputs):
    """The note for MACs left uncounted because dynamic inputs have no shape."""
    parts = []
    for t in inputs:
        if t.name in missing:
            parts.append("{} {}".format(t.name, _dims(t) if t.shape is not None else
                                        "(rank unknown)"))
    return ("MACs not counted: input{} {} {} dynamic dims; give {} shape{} to count them".format(
        "s" if len(parts) > 1 else "", ", ".join(parts), "have" if len(parts) > 1 else "has",
        "their" if len(parts) > 1 else "its", "s" if len(parts) > 1 else ""))
