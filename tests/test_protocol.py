"""The protocol with an injected clock: exact throughput and percentiles."""

import numpy as np
import pytest

from bench.measure.protocol import default_clock, measure, throughput_trial
from bench.measure.stats import cv, percentile, summarize, throughput


class FakeDevice:
    """A run() that 'takes' a scripted number of ns on a fake clock; sync() is logged."""

    def __init__(self, durations):
        self.now = 1_000_000
        self.durations = list(durations)
        self.i = 0
        self.events = []

    def clock(self):
        return self.now

    def run(self):
        self.now += self.durations[self.i % len(self.durations)]
        self.i += 1
        self.events.append("run")

    def sync(self):
        self.events.append("sync")


def test_trial_is_sync_st_runs_sync_et():
    dev = FakeDevice([250])
    elapsed = throughput_trial(dev.run, dev.sync, dev.clock, 8)
    assert elapsed == 8 * 250
    assert dev.events == ["sync"] + ["run"] * 8 + ["sync"]


def test_throughput_is_exactly_ts_b_over_elapsed():
    dev = FakeDevice([1_000_000])  # 1 ms per batch
    raw = measure(dev.run, dev.sync, trial_size=20, batch=4, warmup=3, repeats=3,
                  clock=dev.clock)
    assert raw["trial_ns"] == [20_000_000] * 3
    stats = summarize(raw)
    assert stats["throughput"] == 20 * 4 / 0.02 == 4000.0
    assert stats["throughput_min"] == stats["throughput_max"] == 4000.0
    assert stats["cv"] == 0.0 and stats["unstable"] is False
    assert throughput(50, 1, 2_000_000_000) == 25.0
    # warm-up: the first inference kept apart, then warmup-1 more before timing
    assert raw["first_ns"] == 1_000_000 and raw["warmup_ns"] == 2_000_000
    assert dev.i == 3 + 3 * 20 + 20


def test_latency_percentiles_match_numpy():
    durations = [int(x * 1e6) for x in range(1, 101)]  # 1..100 ms, one per latency iteration
    dev = FakeDevice([1])
    raw = measure(dev.run, dev.sync, trial_size=5, batch=1, warmup=0, repeats=1,
                  clock=dev.clock)
    raw["latency_ns"] = durations
    stats = summarize(raw)
    ms = np.array(durations) / 1e6
    for q in (50, 90, 99):
        assert stats["latency_ms_p%d" % q] == pytest.approx(np.percentile(ms, q), abs=1e-12)
    assert stats["latency_ms_mean"] == pytest.approx(50.5)


def test_latency_pass_syncs_every_iteration():
    dev = FakeDevice([10, 20, 30])
    raw = measure(dev.run, dev.sync, trial_size=3, batch=1, warmup=0, repeats=1,
                  clock=dev.clock, latency_iterations=6)
    assert len(raw["latency_ns"]) == 6
    tail = dev.events[-18:]
    assert tail == ["sync", "run", "sync"] * 6


def test_unstable_flag_from_cv():
    dev = FakeDevice([1000] * 10 + [2000] * 10)
    raw = measure(dev.run, dev.sync, trial_size=10, batch=1, warmup=0, repeats=2,
                  clock=dev.clock, latency_iterations=1)
    raw["trial_ns"] = [10_000, 20_000]
    s = summarize(raw, unstable_cv=0.05)
    assert s["unstable"] is True and s["cv"] == pytest.approx(cv([1e6, 5e5]))
    assert s["throughput"] == pytest.approx(750000.0)  # median of two


def test_percentile_edges_and_errors():
    assert percentile([5], 99) == 5
    assert percentile([1, 2], 50) == 1.5
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        throughput(1, 1, 0)
    with pytest.raises(ValueError):
        measure(lambda: None, lambda: None, trial_size=0, batch=1)


def test_default_clock_is_monotonic_ns():
    c = default_clock()
    a, b = c(), c()
    assert isinstance(a, int) and b >= a
