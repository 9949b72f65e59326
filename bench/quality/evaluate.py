"""Run models over a face folder and score them: eager PyTorch, or an exported artifact.

Each model is built as every bench command builds it (:func:`bench.models.build_model`,
seed from ``[run] seed``: a checkpoint's weights, or seeded random weights with calibrated
batch norm). Eager scores are always computed; through ``--format onnx|tflite`` the
artifact is made (or found in the export cache) with :func:`bench.artifacts.get_artifact`
and run with its format's reference runtime (:func:`run_artifact`), and the row records
how far its live scores are from eager's and how many decisions differ: the evidence that
export keeps quality.

Scores and metrics: :mod:`bench.quality.metrics`; images and normalisation:
:mod:`bench.quality.data`.
"""

import datetime

import numpy as np

from bench.errors import BenchError, SpecError
from bench.quality.metrics import DEFAULT_THRESHOLD, decide_live, guess_kind, live_score, \
    quality

COLUMNS = (
    "timestamp", "model", "family", "config", "weights", "checkpoint", "resolution", "format",
    "runtime", "precision", "batch", "threshold", "score_kind", "n_live", "n_spoof",
    "spoof_as_live", "live_as_spoof", "accuracy", "apcer", "bpcer", "acer", "score_max_diff",
    "decisions_differ", "params_m", "macs_m", "data", "status", "error",
)
EAGER = "eager"


class Options(object):
    """What every model of one evaluation shares."""

    def __init__(self, format_name=EAGER, runtime=None, precision="fp32",
                 threshold=DEFAULT_THRESHOLD, export_config=None, seed=0, log=None):
        self.format = format_name
        self.runtime = runtime  # None: the format's reference runtime
        self.precision = precision
        self.threshold = threshold
        self.export_config = export_config
        self.seed = seed
        self.log = log or (lambda message: None)


def takes_checkpoint(spec):
    from bench.models import MODELS

    return "checkpoint" in MODELS.get(spec.name).params


def with_checkpoint(request, path):
    """``request`` with ``checkpoint=path`` where its model takes that key (else unchanged).

    A spec that names another checkpoint already is refused rather than silently
    overridden one way or the other.
    """
    from bench.models import MODELS, ModelRequest, ModelSpec

    spec = request.spec
    if path is None or not takes_checkpoint(spec):
        return request
    own = spec.kwargs.get("checkpoint")
    if own is not None and str(own) != str(path):
        raise SpecError("model spec {!r} names checkpoint {} and --checkpoint gives {}; give "
                        "one of them".format(spec.canonical(), own, path))
    entry = MODELS.get(spec.name)
    new = ModelSpec(spec.name, dict(spec.kwargs, checkpoint=str(path)), entry.params,
                    entry.positional)
    return ModelRequest(new, request.resolution, request.asked)


def weights_of(spec):
    """``checkpoint`` when the spec loads trained weights, else ``random``."""
    return "checkpoint" if spec.kwargs.get("checkpoint") is not None else "random"


def config_label(spec):
    """The PTA configuration (``LLL``), ``No PTA`` for the pta set's baseline, else ""."""
    from bench.models.sets import set_baseline

    if spec.name == "pta":
        return spec.kwargs.get("config", "")
    return "No PTA" if spec.canonical() == set_baseline("pta") else ""


def check_evaluable(request):
    """SpecError for a model evaluate cannot score: a model file (no module to build), or
    a classifier whose class count is not 2."""
    from bench.models import MODELS

    spec = request.spec
    if MODELS.get(spec.name).from_file:
        raise SpecError("{}: bench evaluate builds the model in PyTorch to score it; a model "
                        "file cannot be evaluated (give the spec of the network it holds)".format(
                            request.name))
    classes = spec.kwargs.get("num_classes")
    if classes is not None and classes != 2:
        raise SpecError("{} has {} classes; bench evaluate scores anti-spoofing models with 2 "
                        "(class 1 = live): give num_classes=2, e.g. {}:num_classes=2".format(
                            request.name, classes, spec.name))


def eager_batch(resolution):
    """Images per eager batch: 32 at 128 x 128 and fewer above (a depth network such as
    CDCN at 256 keeps full-resolution feature maps: 64 images of them are gigabytes)."""
    return max(1, min(32, 32 * 128 * 128 // (resolution * resolution)))


def eager_outputs(module, batches):
    """Concatenated float32 outputs of ``module`` (eval mode, no grad) over ``batches``."""
    import torch

    outs = []
    with torch.no_grad():
        for x in batches:
            out = module(torch.from_numpy(x))
            if isinstance(out, (tuple, list)):  # a model returning (map, extras): the first
                out = out[0]
            outs.append(out.float().numpy())
    return np.concatenate(outs)


def run_artifact(path, format_name, precision, batch, batches, runtime=None, selection=None):
    """Open the artifact at ``path`` with ``runtime`` and return its outputs for every image.

    THE one place an artifact is opened and run for quality; ``selection`` picks the
    configuration inside a switchable PTA artifact (:mod:`bench.runtimes.select`). ``runtime`` defaults to the
    format's reference runtime, on the device :mod:`bench.parity` uses (CPU; CUDA for
    formats built on their target), as its ``run_once`` does. ``batches(size)`` yields
    normalised float32 NCHW arrays of at most ``size`` images: an artifact with a fixed
    batch dimension B is fed B at a time, the last batch padded with zeros whose outputs
    are dropped; one with a dynamic batch (or that declares no inputs and was exported
    at ``batch``) takes them as they come.
    """
    from bench.formats import get_format
    from bench.parity import reference_runtime
    from bench.runtimes import get_runtime
    from bench.runtimes.select import apply_selection

    name = runtime or reference_runtime(format_name)
    device = "cuda" if get_format(format_name).builds_on_target else "cpu"
    session = apply_selection(get_runtime(name).open(path, precision, device, 0), selection, name)
    try:
        declared = session.inputs()
        if declared:
            fixed = declared[0]["shape"][0] if declared[0]["shape"] else None
        else:
            fixed = batch
        outs = []
        for x in batches(fixed or 64):
            n = len(x)
            if fixed and n < fixed:
                x = np.concatenate([x, np.zeros((fixed - n,) + x.shape[1:], x.dtype)])
            session.set_input(x)
            session.run()
            session.sync()
            outs.append(np.asarray(session.output())[:n])
    finally:
        session.close()
    return np.concatenate(outs)


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _round(value, digits):
    return None if value is None or value != value else round(float(value), digits)


def evaluate_request(request, folder, options):
    """Score one model on ``folder`` -> a CSV row (dict of :data:`COLUMNS`).

    Bad input (a checkpoint that does not fit, an output that is no live score) raises a
    one-line BenchError; an export or a runtime that fails makes a ``failed`` row instead,
    so the other models still run.
    """
    from bench.formats.base import ExportFailed
    from bench.formats.tools import one_line
    from bench.models import build_model
    from bench.models.complexity import complexity

    spec, res = request.spec, request.resolution
    built = build_model(spec, options.seed)
    kind = getattr(built.module, "score_kind", None)
    row = {"timestamp": _now(), "model": request.name, "family": built.family,
           "config": config_label(spec),
           "weights": weights_of(spec), "checkpoint": spec.kwargs.get("checkpoint"),
           "resolution": res, "format": options.format, "runtime": "torch",
           "precision": "fp32", "batch": None, "threshold": options.threshold,
           "data": folder.root, "status": "ok", "error": ""}

    def batches(size):
        return folder.batches(res, size)

    out = eager_outputs(built.module, batches(eager_batch(res)))
    eager = live_score(out, kind, request.name)
    row["score_kind"] = kind or guess_kind(out.shape)
    scores = eager
    if options.format != EAGER:
        from bench.artifacts import get_artifact
        from bench.parity import reference_runtime

        row.update(runtime=options.runtime or reference_runtime(options.format),
                   precision=options.precision, batch=1)
        artifact = None
        try:
            artifact = get_artifact(request, options.format, options.precision, 1,
                                    options.export_config, seed=options.seed, log=options.log)
            selection = None
            if request.spec.kwargs.get("switchable"):  # one configuration of the shared file
                from bench.models.pta_switch import selection_for

                selection = selection_for(artifact.manifest, request.spec.kwargs["config"])
            out = run_artifact(artifact.path, options.format, options.precision,
                               artifact.manifest.get("batch", 1), batches, options.runtime,
                               selection)
        except ExportFailed as exc:
            row.update(status="failed", error=one_line(exc))
            return row
        except BenchError:
            raise
        except Exception as exc:  # noqa: BLE001 - the runtime's failure is the row's error
            row.update(status="failed", error="{} could not run {}: {}".format(
                row["runtime"], artifact.path if artifact else "the artifact", one_line(exc)))
            return row
        scores = live_score(out, kind, "{} ({})".format(request.name, options.format))
        row["score_max_diff"] = float(np.max(np.abs(scores - eager)))
        row["decisions_differ"] = int(np.sum(decide_live(scores, options.threshold) !=
                                             decide_live(eager, options.threshold)))
    q = quality(folder.labels, scores, options.threshold)
    row.update({k: q[k] for k in ("n_live", "n_spoof", "spoof_as_live", "live_as_spoof")})
    row.update({k: _round(q[k], 4) for k in ("accuracy", "apcer", "bpcer", "acer")})
    try:  # Table 3's active parameters and MACs, counted as `bench models` counts them
        cx = complexity(built, res)
        row.update(params_m=round(cx.params / 1e6, 4), macs_m=round(cx.macs / 1e6, 2))
    except Exception:  # noqa: BLE001 - a module ptflops cannot walk: quality stands without
        pass
    return row

