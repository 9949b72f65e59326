"""What a device samples while a group is measured: power and temperature, per model.

A sampler (tegrastats on a Jetson, RAPL or NVML here, the battery on a phone) adds
samples, each the mean over a window ``[start, end]`` of the host's clock; the worker's
progress events, stamped with the same clock as they arrive, say which model's trial ran
when (``trial`` events) and when the models sat loaded and idle (``idle`` to ``trials``).
A sample counts for a model only when its whole window lies inside that model's trials
(or inside the idle spell, for ``idle_power_mw``): a sample that straddles two models'
trials, or a trial and the loading or latency pass, belongs to neither. So a model's columns are the means of the samples of its
own trials; with the rounds interleaved, they come from across the whole measurement,
as its trials do. For that, a trial must last a few sampling intervals: the runner
raises the job's ``min_trial_s`` to :attr:`SampledMonitor.min_trial_s`. Energy per
inference is derived from the power and the throughput
(:func:`bench.row_stats.energy_columns`).
"""

import bisect
import threading
import time

from bench.devices.base import NullMonitor

IDLE = "idle"


class Timeline:
    """Who ran when: (time, owner) marks from progress events; owner is a candidate key,
    :data:`IDLE`, or None (nothing timed: loading, latency pass, after the rounds)."""

    def __init__(self):
        self.times, self.owners = [], []

    def mark(self, when, owner):
        self.times.append(when)
        self.owners.append(owner)

    def progress(self, msg, when):
        if msg.phase == "idle":
            self.mark(when, IDLE)
        elif msg.phase == "trial":
            self.mark(when, msg.key)
        elif msg.phase in ("trials", "trials_done", "latency", "load"):
            self.mark(when, None)

    def _segment(self, when):
        return bisect.bisect_right(self.times, when) - 1

    def owner(self, start, end=None):
        """The owner of the whole window [start, end] (one point when ``end`` is None): the
        one owner of every stretch the window overlaps (a model measured alone owns its
        consecutive trials), None when it spans a change of owner."""
        i = self._segment(start)
        j = i if end is None else self._segment(end)
        if i < 0:
            return None
        owners = set(self.owners[i:j + 1])
        return owners.pop() if len(owners) == 1 else None

    @property
    def timed(self):
        return any(o not in (None, IDLE) for o in self.owners)


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def _max(values):
    values = [v for v in values if v is not None]
    return max(values) if values else None


class SampledMonitor(NullMonitor):
    """Samples ({"power_mw", "gpu_temp_c", "cpu_temp_c", "gpu_load_pct", "temp_c"}: any
    may be None) added by a subclass; ``columns_for(key)`` sums them up per model.

    ``interval_s``: the sampling interval; ``idle_s`` (how long the worker sits idle before
    the rounds for the idle reading) and ``min_trial_s`` follow from it. ``source``: where
    the power comes from (``power_source``); ``problem``: why there is none (rows' notes);
    ``caveat``: a note for every row with power (e.g. a phone charging over USB).
    """

    def __init__(self, interval_s, clock=time.monotonic):
        self.interval_s = interval_s
        self.clock = clock
        self.samples = []  # (start, end, values)
        self.timeline = Timeline()
        self.source = ""
        self.problem = ""
        self.caveat = ""
        self.skipped = 0

    @property
    def idle_s(self):
        """A few whole samples of the idle device (0 when no power is sampled)."""
        return max(1.0, 4 * self.interval_s) if self.source else 0.0

    @property
    def min_trial_s(self):
        """A trial long enough to hold at least one whole sampling window."""
        return 2.5 * self.interval_s if self.source else 0.0

    def add(self, values, end=None, start=None):
        end = self.clock() if end is None else end
        self.samples.append((end - self.interval_s if start is None else start, end, values))

    def progress(self, msg):
        self.timeline.progress(msg, self.clock())

    def _owned_by(self, owner):
        return [v for s, e, v in self.samples if self.timeline.owner(s, e) == owner]

    @staticmethod
    def _summary(values):
        col = lambda k: [v.get(k) for v in values]  # noqa: E731
        return {"power_mw_mean": _mean(col("power_mw")), "gpu_temp_c_mean": _mean(col("gpu_temp_c")),
                "gpu_temp_c_max": _max(col("gpu_temp_c")), "cpu_temp_c_mean": _mean(col("cpu_temp_c")),
                "cpu_temp_c_max": _max(col("cpu_temp_c")),
                "gpu_load_pct_mean": _mean(col("gpu_load_pct")), "monitor_samples": len(values)}

    def columns_for(self, key):
        """The columns of candidate ``key`` (and ``_notes``, caveats for its row)."""
        mine = self._owned_by(key)
        out = self._summary(mine)
        out["idle_power_mw"] = _mean(v.get("power_mw") for v in self._owned_by(IDLE))
        out["power_source"] = self.source if out["power_mw_mean"] is not None else ""
        first = self.samples[0][2] if self.samples else {}
        out["start_temp_c"] = first.get("temp_c")
        notes = []
        if out["power_mw_mean"] is None:
            if self.problem:
                notes.append("no power reading: " + self.problem)
            elif self.source and self.samples and self.timeline.timed:
                notes.append("no whole power sample fell inside this model's trials (trials "
                             "shorter than {:g} s; raise --min-trial-s)".format(self.min_trial_s))
        if self.caveat and out["power_mw_mean"] is not None:
            notes.append(self.caveat)
        out["_notes"] = notes
        return out


class PolledMonitor(SampledMonitor):
    """A sampler polled by a thread every ``interval_s``: ``read(start, end)`` returns a
    sample dict (or None) for the window since the previous poll."""

    def __init__(self, interval_s, clock=time.monotonic):
        super().__init__(interval_s, clock)
        self._stop = threading.Event()
        self._thread = None

    def read(self, start, end):
        raise NotImplementedError

    def __enter__(self):
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def _loop(self):
        last = self.clock()
        self.read(last, last)  # primes counters
        while not self._stop.wait(self.interval_s):
            now = self.clock()
            try:
                values = self.read(last, now)
            except Exception as exc:  # a telemetry failure never loses the measurement
                self.problem = "{} stopped: {}".format(self.source or "sampler", exc)
                self.source = ""
                return
            if values:
                self.add(values, end=now, start=last)
            last = now

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        return False
