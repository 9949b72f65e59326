"""What the host and the measurement worker say to each other: typed messages, JSON lines.

One class per message, each with its fields and their defaults in one place; both sides
serialise through :meth:`Message.to_line` and :func:`decode`, so a key that only one
side knows cannot be written (STYLE 13). Shipped to devices: Python 3.6, stdlib only.

The conversation: the worker says :class:`Hello` once; then per :class:`MeasureJob` (a
group of :class:`Candidate` s measured together, interleaved) it sends
:class:`Progress` events and one :class:`GroupResult` holding a
:class:`CandidateResult` per candidate.
"""

import copy
import json

REQUIRED = object()  # a field without a default


class Message(object):
    """A typed record. ``FIELDS``: ((name, default), ...); ``NESTED``: field -> Message class
    for fields that hold one message or a list of them; ``EVENT``: the wire tag."""

    EVENT = None
    FIELDS = ()
    NESTED = {}

    def __init__(self, **values):
        names = [name for name, _ in self.FIELDS]
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise TypeError("{}: unknown field(s) {}".format(type(self).__name__, ", ".join(unknown)))
        for name, default in self.FIELDS:
            if name in values:
                value = values[name]
            elif default is REQUIRED:
                raise TypeError("{}: missing field {!r}".format(type(self).__name__, name))
            else:
                value = copy.deepcopy(default)
            setattr(self, name, value)

    def to_dict(self):
        out = {}
        for name, _ in self.FIELDS:
            value = getattr(self, name)
            if name in self.NESTED and value is not None:
                value = [v.to_dict() for v in value] if isinstance(value, list) else value.to_dict()
            out[name] = value
        if self.EVENT:
            out["event"] = self.EVENT
        return out

    @classmethod
    def from_dict(cls, data):
        values = dict(data)
        values.pop("event", None)
        for name, sub in cls.NESTED.items():
            value = values.get(name)
            if isinstance(value, list):
                values[name] = [sub.from_dict(v) for v in value]
            elif isinstance(value, dict):
                values[name] = sub.from_dict(value)
        return cls(**values)

    def to_line(self):
        return json.dumps(self.to_dict())

    def __eq__(self, other):
        return type(self) is type(other) and self.to_dict() == other.to_dict()

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return "{}({})".format(type(self).__name__, ", ".join(
            "{}={!r}".format(name, getattr(self, name)) for name, _ in self.FIELDS))


EVENTS = {}


def event(cls):
    """Class decorator: ``cls`` can arrive on its own line (has an ``EVENT`` tag)."""
    EVENTS[cls.EVENT] = cls
    return cls


def decode(line):
    """One JSON line -> its message object; ValueError for anything else."""
    data = json.loads(line)
    if not isinstance(data, dict) or data.get("event") not in EVENTS:
        raise ValueError("not a bench message: {!r}".format(line[:80]))
    return EVENTS[data["event"]].from_dict(data)


class Build(Message):
    """Make the artifact on the device first: a TensorRT engine from the pushed ONNX file."""

    FIELDS = (("kind", "tensorrt"), ("source", REQUIRED), ("workspace_mb", 256))


class Candidate(Message):
    """One model of a group: its artifact (where the worker reads it) and what it is fed.
    ``key`` names it in progress events and results; ``label`` is for people (and the
    crash test hook). Inputs: what the artifact declares, dynamic dimensions filled from
    the job's batch and ``resolution`` (None: not an image model) or ``shapes`` ({input
    name: shape}, "" = the first input); ``strict``: a user's file, whose fixed sizes
    refuse another resolution or batch (:mod:`bench.measure.inputs`). ``select``: what
    runs inside an artifact holding several (a switchable PTA configuration,
    :mod:`bench.runtimes.select`), ``switch_from`` the selection a switch is timed from."""

    FIELDS = (("key", REQUIRED), ("label", ""), ("artifact", REQUIRED), ("precision", "fp32"),
              ("resolution", None), ("shapes", {}), ("strict", False), ("build", None),
              ("select", None), ("switch_from", None))
    NESTED = {"build": Build}


@event
class MeasureJob(Message):
    """Measure ``candidates`` together on one runtime: loaded side by side, timed trials
    round-robin with the order rotated every round (see :mod:`bench.measure.rounds`).

    ``trial_size`` 0: chosen so a trial lasts ``min_trial_s``; ``rounds`` 0: adaptive, until
    the 95 % interval of every median is within ``target_ci`` (after ``min_rounds``) or
    ``max_measure_s`` per candidate is spent. ``threads`` 0 and ``cpu_affinity`` "auto":
    chosen from the idle cores (:mod:`bench.measure.cpus`). ``idle_s``: before the rounds,
    the models sit loaded and idle this long (a device sampler's idle power reading).
    """

    EVENT = "job"
    FIELDS = (("id", REQUIRED), ("runtime", REQUIRED), ("device", "cpu"), ("batch", 1),
              ("seed", 0), ("threads", 0), ("cpu_affinity", "auto"), ("warmup", 5),
              ("trial_size", 0), ("min_trial_s", 0.05), ("rounds", 0), ("min_rounds", 6),
              ("target_ci", 0.01), ("max_measure_s", 3.0), ("max_background_pct", 25.0),
              ("max_redo", 3), ("reload_every", 4), ("idle_s", 0.0), ("candidates", REQUIRED))
    NESTED = {"candidates": Candidate}


@event
class Hello(Message):
    EVENT = "hello"
    FIELDS = (("pid", None), ("python", ""), ("time", None), ("runner", ""))


@event
class Progress(Message):
    """What the worker is doing now. ``phase``: ``cpus`` (threads and cores chosen, in
    ``info``), ``load`` (opening ``key``), ``idle`` (loaded, nothing runs: ``idle_s``),
    ``trials`` (the timed rounds start), ``trial`` (``key``'s trial of ``round``), ``trials_done``,
    ``latency`` (``key``'s latency pass). The host names the culprit of a crash from the
    last ``key`` it heard."""

    EVENT = "progress"
    FIELDS = (("id", None), ("phase", REQUIRED), ("key", None), ("round", None), ("info", None))


class CandidateResult(Message):
    """One candidate's raw measurement; statistics are derived from it on the host.

    Trials (kept ones, in order): ``trial_iters`` batches in ``trial_ns`` on the worker's
    clock during round ``trial_round``, with ``trial_background`` % CPU taken by other
    processes (None: unreadable). ``dropped``: trials redone because of such load.
    ``summary``: statistic columns a device's own tool computed (Android).
    """

    FIELDS = (("key", REQUIRED), ("status", "ok"), ("error", ""), ("notes", ""),
              ("versions", {}), ("load_ms", None), ("first_ns", None), ("warmup_ns", None),
              ("trial_iters", []), ("trial_ns", []), ("trial_round", []),
              ("trial_background", []), ("dropped", 0), ("latency_ns", []), ("info", {}),
              ("columns", {}), ("summary", None))


@event
class GroupResult(Message):
    """The answer to a :class:`MeasureJob`. ``status`` ``crashed`` (set by the host when
    the worker died or hung) names the ``culprit`` candidate, if known. ``stop`` says why
    the rounds ended: ``target``, ``budget``, ``fixed`` (``--repeats``) or ``no candidate``."""

    EVENT = "result"
    FIELDS = (("id", None), ("status", "ok"), ("error", ""), ("culprit", None),
              ("results", []), ("threads", None), ("cpu_affinity", None), ("idle_cpus", None),
              ("rounds", 0), ("stop", ""), ("elapsed_s", None), ("exit_status", None),
              ("lost", None))
    NESTED = {"results": CandidateResult}

    def result_for(self, key):
        for r in self.results:
            if r.key == key:
                return r
        return None


@event
class WorkerError(Message):
    """The worker could not read a job line."""

    EVENT = "error"
    FIELDS = (("error", REQUIRED),)
