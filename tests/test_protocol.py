"""The protocol's pieces with an injected clock: exact trials, warm-up, trial sizing, latency."""

import numpy as np
import pytest

from bench.measure.protocol import (calibrate_trial_size, default_clock, latency_pass,
                                    throughput_trial, warm_up)
from bench.measure.stats import cv, percentile, throughput


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
    assert throughput(20, 4, 20_000_000) == 20 * 4 / 0.02 == 4000.0
    assert throughput(50, 1, 2_000_000_000) == 25.0


def test_warm_up_keeps_the_first_inference_apart():
    dev = FakeDevice([7_000_000, 1_000_000])
    first, rest = warm_up(dev.run, dev.sync, dev.clock, 5)
    assert first == 7_000_000 and rest == 1_000_000 + 7_000_000 + 1_000_000 + 7_000_000
    assert dev.i == 5
    assert warm_up(dev.run, dev.sync, dev.clock, 0)[1] == 0 and dev.i == 6  # first run only


def test_trial_size_is_chosen_by_time():
    dev = FakeDevice([2_000_000])  # 2 ms per batch
    assert calibrate_trial_size(dev.run, dev.sync, dev.clock, 0.05) == 25
    slow = FakeDevice([400_000_000])  # 0.4 s per batch: one batch already lasts long enough
    assert calibrate_trial_size(slow.run, slow.sync, slow.clock, 0.05) == 1
    with pytest.raises(ValueError):
        calibrate_trial_size(dev.run, dev.sync, dev.clock, 0)


def test_latency_pass_syncs_every_iteration_and_percentiles_match_numpy():
    dev = FakeDevice([10, 20, 30])
    out = latency_pass(dev.run, dev.sync, dev.clock, 6)
    assert out == [10, 20, 30, 10, 20, 30]
    assert dev.events == ["sync", "run", "sync"] * 6
    ms = [x / 1e6 for x in range(1, 101)]
    for q in (50, 90, 99):
        assert percentile(ms, q) == pytest.approx(np.percentile(ms, q), abs=1e-12)


def test_percentile_edges_and_errors():
    assert percentile([5], 99) == 5
    assert percentile([1, 2], 50) == 1.5
    assert cv([1e6, 5e5]) == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        throughput(1, 1, 0)


def test_default_clock_is_monotonic_ns():
    c = default_clock()
    a, b = c(), c()
    assert isinstance(a, int) and b >= a
