"""Anti-spoofing metrics on numpy arrays: live scores -> decisions -> APCER/BPCER/ACER.

Conventions (ISO/IEC 30107-3; K. Khabarlak, "Post-Train Adaptive MobileNet for Fast
Anti-Spoofing", IntelITSIS 2022, Tables 3-4):

- label 1 = live (bona fide presentation), 0 = spoof (presentation attack);
- a sample is classified live when its live score is *above* the threshold (default
  0.5). For 2-class logits the live score is softmax(logits)[:, 1], so at 0.5 this is
  exactly the arg-max (a tie counts as spoof, as arg-max picks index 0);
- APCER = share of spoof samples classified live (attacks let through);
- BPCER = share of live samples classified spoof (real users rejected);
- ACER = (APCER + BPCER) / 2; accuracy = share of all samples classified correctly.
  All four are reported in percent, as the paper does.

The ISO standard computes APCER per attack instrument species and reports the worst;
a folder with one ``spoof/`` class has one species, so the two coincide.

How a model's output becomes a live score (:func:`live_score`): a module attribute
``score_kind`` says it (``"logits"`` or ``"depth"``); without one, an N x 2 output is
logits (class 1 = live) and an N x H x W or N x 1 x H x W output is a depth map whose
mean, clipped to [0, 1], is the score (live faces have depth, flat attacks do not).
"""

import numpy as np

from bench.errors import BenchError

DEFAULT_THRESHOLD = 0.5
SCORE_KINDS = ("logits", "depth")
OUTPUTS = ("N x 2 logits (class 1 = live) or an N x H x W / N x 1 x H x W depth map")


def softmax_live(logits):
    """softmax(logits)[:, 1], computed stably (logits shifted by their row maximum)."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e[:, 1] / e.sum(axis=1)


def depth_live(depth):
    """Mean of each depth map, clipped to [0, 1]."""
    d = np.asarray(depth, dtype=np.float64)
    return np.clip(d.reshape(d.shape[0], -1).mean(axis=1), 0.0, 1.0)


def guess_kind(shape):
    """The score kind an output of ``shape`` implies, or None when it implies none."""
    if len(shape) == 2 and shape[1] == 2:
        return "logits"
    if len(shape) == 3 or (len(shape) == 4 and shape[1] == 1):
        return "depth"
    return None


def live_score(output, score_kind=None, what="the model"):
    """Live score per sample (1-D float64) from a model's raw ``output``.

    ``score_kind``: the module's declared kind, or None to infer it from the shape.
    An output that fits neither kind is a one-line :class:`BenchError` (exit 2).
    """
    out = np.asarray(output)
    kind = score_kind or guess_kind(out.shape)
    if kind not in SCORE_KINDS:
        if score_kind is not None:
            raise BenchError("{} declares score_kind={!r}; bench evaluate reads {}".format(
                what, score_kind, ", ".join(SCORE_KINDS)))
        raise BenchError("{} outputs shape {}; bench evaluate reads {}: give it 2 classes "
                         "(num_classes=2) or a score_kind attribute".format(
                             what, tuple(out.shape), OUTPUTS))
    if kind == "logits":
        if out.ndim != 2 or out.shape[1] != 2:
            raise BenchError("{} declares score_kind='logits' but outputs shape {}; expected "
                             "N x 2 (class 1 = live)".format(what, tuple(out.shape)))
        return softmax_live(out)
    if out.ndim not in (3, 4) or (out.ndim == 4 and out.shape[1] != 1):
        raise BenchError("{} declares score_kind='depth' but outputs shape {}; expected N x H x W "
                         "or N x 1 x H x W".format(what, tuple(out.shape)))
    return depth_live(out)


def decide_live(scores, threshold=DEFAULT_THRESHOLD):
    """Boolean array: classified live (score above the threshold)."""
    return np.asarray(scores, dtype=np.float64) > threshold


def _percent(part, whole):
    return 100.0 * part / whole if whole else float("nan")


def quality(labels, scores, threshold=DEFAULT_THRESHOLD):
    """Accuracy, APCER, BPCER, ACER (percent) and the counts behind them.

    ``labels``: 1 live, 0 spoof. A class with no samples makes its error rate (and ACER)
    NaN: the caller refuses such data before it gets here.
    """
    labels = np.asarray(labels).astype(bool)
    live = decide_live(scores, threshold)
    if labels.shape != live.shape:
        raise ValueError("{} labels for {} scores".format(labels.shape, live.shape))
    n_live, n_spoof = int(labels.sum()), int((~labels).sum())
    spoof_as_live = int((live & ~labels).sum())
    live_as_spoof = int((~live & labels).sum())
    apcer = _percent(spoof_as_live, n_spoof)
    bpcer = _percent(live_as_spoof, n_live)
    return {"n_live": n_live, "n_spoof": n_spoof, "spoof_as_live": spoof_as_live,
            "live_as_spoof": live_as_spoof,
            "accuracy": _percent(n_live + n_spoof - spoof_as_live - live_as_spoof,
                                 n_live + n_spoof),
            "apcer": apcer, "bpcer": bpcer, "acer": (apcer + bpcer) / 2.0}
