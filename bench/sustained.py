"""``bench sustained``: one model run for minutes, throughput and temperature per interval.

One candidate is measured with the interleaved protocol's machinery set for heat, not
for a median: fixed rounds of one trial each, every trial one interval long (the worker
sizes it to ``--interval``), no trial redone or reloaded (the load stays continuous).
Each interval is a row written as soon as the next one starts (the worker reports a
finished trial with the next ``trial`` event), with the device's power and temperature
sampled during it, so an interrupted run keeps every finished interval. A device that
throttles shows as throughput falling while the temperature rises
(:func:`throttling`).
"""

import statistics
import time

from bench.runner import BenchmarkRun, now_iso

COLUMNS = ("timestamp", "device", "device_kind", "host", "model", "runtime", "precision",
           "resolution", "batch", "threads", "interval", "t_start_s", "t_end_s", "inferences",
           "throughput", "power_mw", "energy_mj_per_inference", "temp_c", "cpu_temp_c",
           "gpu_temp_c", "power_source", "background_cpu_pct", "status", "error", "notes")


def rounds_for(minutes, interval_s):
    return max(1, int(round(minutes * 60.0 / interval_s)))


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def _last(values):
    values = [v for v in values if v is not None]
    return values[-1] if values else None


MIN_VERDICT_INTERVALS = 16  # quarters of 4: the fewest where a one-sided test can reach 5 %


def throttling(rows, drop=0.10, alpha=0.05):
    """Did throughput fall? The medians of the first and last quarter of the intervals,
    their relative change, and ``throttled``: a fall of more than ``drop`` that a one-sided
    Mann-Whitney U test on the two quarters' intervals finds significant at ``alpha``
    (so one slow interval on a busy machine is not called throttling). None with fewer than
    :data:`MIN_VERDICT_INTERVALS` intervals."""
    from scipy.stats import mannwhitneyu

    tps = [r["throughput"] for r in rows if r.get("status") == "ok" and r.get("throughput")]
    if len(tps) < MIN_VERDICT_INTERVALS:
        return None
    q = len(tps) // 4
    head, tail = tps[:q], tps[-q:]
    first, last = statistics.median(head), statistics.median(tail)
    p = mannwhitneyu(tail, head, alternative="less").pvalue
    change = last / first - 1.0
    return {"first": first, "last": last, "change": change, "p": p,
            "throttled": bool(change < -drop and p < alpha)}


class SustainedRun(BenchmarkRun):
    """A :class:`~bench.runner.BenchmarkRun` of one candidate whose rows are intervals."""

    def __init__(self, *args, minutes, interval_s, **kwargs):
        super().__init__(*args, **kwargs)
        self.interval_s = interval_s
        self.n_rounds = rounds_for(minutes, interval_s)
        self.intervals = []
        self._item = None
        self._t0 = None
        self._marks = {}  # round -> host time its trial started
        self._written = set()
        self._last_monitor = None  # the group's monitor, kept for the last interval's samples
        self._threads = ""

    def _job(self, runtime_cls, group):
        job = super()._job(runtime_cls, group)
        self._item = group[0]
        job.trial_size, job.rounds, job.min_rounds = 0, self.n_rounds, 1
        job.min_trial_s = self.interval_s
        job.max_background_pct, job.max_redo, job.reload_every = 100.0, 0, 0
        return job

    def _on_progress(self, msg):
        super()._on_progress(msg)
        if msg.phase == "trial" and self._monitor is not None:
            now = self._monitor_clock()
            if self._t0 is None:
                self._t0 = now
            self._marks[msg.round] = now
            if msg.info:
                self._interval(msg.info, end=now)
        elif msg.phase == "trials_done":
            self._marks["done"] = self._monitor_clock()
        if self.progress and msg.phase == "trial":
            self.progress.update("{} interval {} of {}".format(
                self._status, (msg.round or 0) + 1, self.n_rounds))

    def _monitor_clock(self):
        return getattr(self._monitor, "clock", time.monotonic)()

    def _samples_between(self, start, end):
        samples = getattr(self._monitor or self._last_monitor, "samples", None) or []
        return [v for s, e, v in samples if start <= e <= end + 0.25 * self.interval_s]

    def _interval(self, info, end):
        """Write the row of the trial ``info`` (iters, ns, round) that ended at ``end``."""
        r = info["round"]
        if r in self._written:
            return
        self._written.add(r)
        start = self._marks.get(r, end - info["ns"] / 1e9)
        values = self._samples_between(start, end)
        item, o = self._item, self.opts
        inferences = info["iters"] * o.batch
        tp = inferences * 1e9 / info["ns"]
        power = _mean(v.get("power_mw") for v in values)
        row = {k: item.row.get(k) for k in ("device", "device_kind", "host", "model", "runtime",
                                            "precision", "resolution", "batch")}
        row.update(interval=r + 1, t_start_s=start - self._t0, t_end_s=end - self._t0,
                   inferences=inferences, throughput=tp, power_mw=power,
                   energy_mj_per_inference=power / tp if power is not None else None,
                   temp_c=_last(v.get("temp_c") for v in values),
                   cpu_temp_c=_last(v.get("cpu_temp_c") for v in values),
                   gpu_temp_c=_last(v.get("gpu_temp_c") for v in values),
                   power_source=getattr(self._monitor or self._last_monitor, "source", "")
                   if power is not None else "", threads=self._threads,
                   background_cpu_pct=info.get("background"), status="ok",
                   notes=self._cooldown_note if r == 0 else "")
        row["timestamp"] = now_iso()
        self.writer.write(row)
        self.intervals.append(row)
        self.rows.append(row)
        if self.progress:
            self.progress.advance()
        self.log("interval {}/{}: {:.1f} inf/s{}{}".format(
            r + 1, self.n_rounds, tp,
            "" if row["temp_c"] is None else ", {:.1f} C".format(row["temp_c"]),
            "" if power is None else ", {:.0f} mW".format(power)))

    def _tell_cpus(self, info):
        super()._tell_cpus(info)
        self._threads = info.get("threads") or ""

    def _write_group(self, group, result, monitor):
        self._last_monitor = monitor
        res = result.result_for(self._item.key)
        if res is not None and res.status == "ok" and res.trial_ns:
            last = {"iters": res.trial_iters[-1], "ns": res.trial_ns[-1],
                    "round": res.trial_round[-1] if res.trial_round else len(res.trial_ns) - 1,
                    "background": (res.trial_background or [None])[-1]}
            end = self._marks.get("done")
            if end is not None:
                self._interval(last, end)
            return
        row = {k: self._item.row.get(k) for k in ("device", "device_kind", "host", "model",
                                                  "runtime", "precision", "resolution", "batch")}
        row.update(status=(res.status if res is not None else result.status) or "failed",
                   error=(res.error if res is not None else result.error) or
                   "no timed trial completed", timestamp=now_iso())
        if row["status"] == "ok":
            row["status"] = "failed"
        self.writer.write(row)
        self.rows.append(row)
        self.log("{model} {runtime}: {status}: {error}".format(**row))

    def log_row(self, row):
        if row.get("status") != "ok":
            super().log_row(row)
