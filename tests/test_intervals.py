"""The 95 % interval of a median (shipped, stdlib) on known samples and against scipy; the
row statistics and the paired relative time built on it."""

import numpy as np
import pytest
import scipy.stats

from bench.measure.messages import CandidateResult
from bench.measure.stats import ci_half_width, median_ci, median_ci_ranks
from bench.row_stats import relative_columns, statistic_columns


def test_known_samples():
    # n = 20: the 6th and 15th smallest (binomial(20, 1/2) order statistics, 95.9 % coverage)
    assert median_ci(list(range(1, 21))) == (6, 15)
    assert median_ci([5, 1, 4, 2, 3, 6]) == (1, 6)  # n = 6: the extremes (96.9 %)
    assert median_ci([1, 2, 3, 4, 5]) is None  # n = 5 cannot reach 95 %
    assert median_ci_ranks(100) == (39, 60)
    assert ci_half_width([100.0] * 8) == 0.0
    assert ci_half_width([95, 98, 100, 100, 102, 103]) == pytest.approx(0.05)


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_matches_scipy_quantile_test(confidence):
    rng = np.random.default_rng(7)
    for n in list(range(1, 60)) + [99, 250, 1200]:
        x = rng.lognormal(size=n)
        ours = median_ci(list(x), confidence)
        ref = scipy.stats.quantile_test(x, p=0.5).confidence_interval(confidence)
        if ours is None:
            assert np.isnan(ref.low) or np.isnan(ref.high), n
        else:
            assert ours == (ref.low, ref.high), n


def result(throughputs, rounds=None, background=None, dropped=0, iters=10):
    ns = [iters * 1e9 / t for t in throughputs]
    return CandidateResult(key="m", trial_iters=[iters] * len(ns), trial_ns=ns,
                           trial_round=rounds or list(range(len(ns))),
                           trial_background=background or [None] * len(ns), dropped=dropped,
                           first_ns=5e6, latency_ns=[2e6, 2e6, 3e6])


def test_statistic_columns_stable_and_unstable():
    cols, notes = statistic_columns(result([100, 100.5, 99.5, 100, 100.2, 99.8]), 1, 0.01)
    assert cols["throughput"] == pytest.approx(100.0)
    assert (cols["throughput_ci_low"], cols["throughput_ci_high"]) == (99.5, 100.5)
    assert cols["unstable"] is False and cols["rounds"] == 6 and cols["trial_size"] == 10
    assert cols["first_inference_ms"] == 5.0 and cols["latency_ms_p50"] == 2.0
    assert notes == []

    cols, notes = statistic_columns(result([100, 110, 90, 100, 105, 95], dropped=2,
                                           background=[0, 10, 30, None, 0, 0]), 1, 0.01, "budget")
    assert cols["unstable"] is True and cols["trials_dropped"] == 2
    assert cols["background_cpu_pct"] == pytest.approx(8.0)
    assert notes[0] == "unstable: 95 % interval +-10.0% > target +-1.0% after 6 rounds " \
                       "(max_measure_s spent)"
    assert "2 trial(s) redone" in notes[1]

    cols, notes = statistic_columns(result([100, 101]), 1, 0.01, "fixed")
    assert cols["unstable"] is True and "2 trials, too few for a 95 % interval" in notes[0]


def test_relative_time_pairs_trials_of_the_same_round():
    base = result([100, 50, 100, 80, 100, 90, 100])   # the machine's speed swings...
    model = result([80, 40, 80, 64, 80, 72, 80])     # ...and hits the model alike: 1.25x time
    cols = relative_columns(model, base, 1)
    assert cols["relative_time"] == pytest.approx(1.25)
    assert cols["relative_time_ci_low"] == pytest.approx(1.25)
    assert cols["relative_time_ci_high"] == pytest.approx(1.25)
    assert cols["trial_relative_times"] == pytest.approx([1.25] * 7)  # every round, in order
    # rounds the baseline lacks are not paired; unpaired medians would say 80/90 != 1.25
    partial = result([80, 40, 80], rounds=[0, 1, 9])
    assert relative_columns(partial, base, 1) == {
        "relative_time": pytest.approx(1.25), "trial_relative_times": pytest.approx([1.25] * 2)}
    drift = relative_columns(result([90, 50, 100], rounds=[2, 0, 1]), base, 1)
    assert drift["trial_relative_times"] == pytest.approx([100 / 90, 100 / 50, 50 / 100])
    assert relative_columns(result([80], rounds=[42]), base, 1) == {}
