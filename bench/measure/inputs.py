"""What a model is fed: its declared inputs resolved to concrete shapes, and seeded arrays.

A runtime's session says what its artifact declares (:meth:`Session.inputs`: names,
dtypes, shapes with None for a dynamic dimension; None when the file records nothing,
as TorchScript). Dynamic dimensions are filled from the batch and the resolution (an
image-like 4-D input: NCHW or NHWC, told by where its 1 or 3 channels are) or from an
explicit ``--shape NAME=1x3x224x224``; a model whose fixed size contradicts what was
asked is refused with one line saying why (:class:`BadInput`). Float inputs get seeded
standard-normal values, integer inputs valid random integers (0 or 1: index, mask and
type-id inputs all accept those). Shipped to devices: Python 3.6, numpy inside.
"""

from bench.runtimes.base import BadInput

IMAGE_CHANNELS = (1, 3, 4)


def default_inputs(batch, resolution):
    """What a built model (exported by bench) takes: one float32 NCHW RGB image batch."""
    return [{"name": None, "dtype": "float32", "shape": [batch, 3, resolution, resolution]}]


def layout_of(shape):
    """"NCHW", "NHWC" or None for a declared 4-D shape (None entries: dynamic)."""
    if len(shape) != 4:
        return None
    c1, c3 = shape[1], shape[3]
    if c1 in IMAGE_CHANNELS and c3 not in IMAGE_CHANNELS:
        return "NCHW"
    if c3 in IMAGE_CHANNELS and c1 not in IMAGE_CHANNELS:
        return "NHWC"
    if c1 is None and c3 is None:
        return "NCHW"  # both dynamic: PyTorch's convention
    if c1 in IMAGE_CHANNELS and c3 in IMAGE_CHANNELS:  # e.g. 1x3x3x3: square and tiny
        return "NCHW"
    return None


def _dims(text):
    return "x".join("?" if d is None else str(d) for d in text)


def parse_shape(text):
    """"1x3x224x224" -> [1, 3, 224, 224]; ValueError on anything else."""
    dims = [int(d) for d in str(text).lower().replace(",", "x").split("x") if d.strip()]
    if not dims or min(dims) < 1:
        raise ValueError("not a shape: {!r} (e.g. 1x3x224x224)".format(text))
    return dims


def resolve_inputs(declared, batch, resolution, overrides=None, strict=False):
    """Concrete (name, dtype, shape) for every input.

    ``declared``: the session's inputs (None: the file says nothing, so one float32 NCHW
    image, unless ``overrides`` give the shape). ``overrides``: {name: shape}; the key ""
    is the first input where the file leaves it open (a fully fixed one keeps its own
    shape); a name the model does not have is left alone (in a run of several models it
    is another model's input: the command checks that some model has it). ``strict``: the
    model is a user's file, so its fixed sizes win and contradict an explicitly asked
    ``resolution``/``batch`` (BadInput); a model bench exported always matches.
    """
    overrides = dict(overrides or {})
    if declared is None:
        shape = overrides.get("")
        if shape is None:
            if resolution is None:
                raise BadInput("the file does not record its inputs: give --shape (e.g. "
                               "--shape 1x3x224x224) or --resolution")
            shape = [batch, 3, resolution, resolution]
        return [{"name": None, "dtype": "float32", "shape": list(shape)}]
    out = []  # (a named shape for an input this model lacks is another model's)
    for index, spec in enumerate(declared):
        name = spec["name"]
        given = overrides.get(name)
        if given is None and index == 0 and (spec["shape"] is None or None in spec["shape"]):
            given = overrides.get("")  # a bare shape fills a first input the file leaves open
        shape = _given(spec, given) if given is not None else \
            _filled(spec, batch, resolution, strict)
        out.append({"name": name, "dtype": spec["dtype"], "shape": shape})
    return out


def _given(spec, shape):
    declared = spec["shape"]
    if declared is not None and (len(declared) != len(shape) or
                                 any(d is not None and d != s for d, s in zip(declared, shape))):
        raise BadInput("--shape {}={}: the model's input {!r} is {}".format(
            spec["name"], _dims(shape), spec["name"], _dims(declared)))
    return list(shape)


def _filled(spec, batch, resolution, strict):
    name, shape = spec["name"], spec["shape"]
    if shape is None:
        raise BadInput("input {!r} has no declared shape: give --shape {}=...".format(name, name))
    shape = list(shape)
    if not shape:
        return shape
    if shape[0] is None:
        shape[0] = batch
    elif strict and batch is not None and shape[0] != batch and len(shape) > 1:
        raise BadInput("input {!r} has a fixed batch of {}; it cannot run batch {} (pass "
                       "--batch {})".format(name, shape[0], batch, shape[0]))
    layout = layout_of(spec["shape"])
    if layout is not None:
        h, w, c = (2, 3, 1) if layout == "NCHW" else (1, 2, 3)
        if shape[c] is None:
            shape[c] = 3
        for axis in (h, w):
            if shape[axis] is None:
                if resolution is None:
                    raise BadInput("input {!r} ({}) has a dynamic size: give --resolution or "
                                   "--shape".format(name, _dims(spec["shape"])))
                shape[axis] = resolution
        fixed = [spec["shape"][h], spec["shape"][w]]
        if strict and resolution is not None and None not in fixed and fixed != [resolution] * 2:
            raise BadInput("input {!r} has a fixed size of {}x{}: the model cannot run at {}x{} "
                           "(omit --resolution, or pass --resolution {})".format(
                               name, fixed[0], fixed[1], resolution, resolution, fixed[0]))
    missing = [i for i, d in enumerate(shape) if d is None]
    if missing:
        raise BadInput("input {!r} ({}) has dynamic dimensions bench cannot guess: give --shape "
                       "{}=...".format(name, _dims(spec["shape"]), name))
    return shape


def make_arrays(resolved, seed):
    """Seeded arrays for the resolved inputs, in order."""
    import numpy as np

    rng = np.random.RandomState(seed)
    arrays = []
    for spec in resolved:
        dtype = np.dtype(spec["dtype"])
        shape = tuple(spec["shape"])
        if dtype.kind == "f":
            arrays.append(rng.standard_normal(shape).astype(dtype))
        elif dtype.kind in "iu":
            arrays.append(rng.randint(0, 2, size=shape).astype(dtype))
        elif dtype.kind == "b":
            arrays.append(rng.randint(0, 2, size=shape).astype(bool))
        else:
            raise BadInput("input {!r} has dtype {}, which bench cannot generate".format(
                spec["name"], dtype))
    return arrays


def describe(resolved):
    """"input:float32:1x3x224x224;ids:int64:1x16" for the CSV's ``inputs`` column."""
    return ";".join("{}:{}:{}".format(s["name"] if s["name"] is not None else "input",
                                      s["dtype"], _dims(s["shape"])) for s in resolved)
