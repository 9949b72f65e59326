"""The pieces of the measurement protocol of SPEC §3, with the clock and sync passed in.

A trial (the reference study): sync, ``st``, ``ts`` batches, sync, ``et``;
T = ts * b / (et - st). Before trials: the first inference and the warm-up; after
them, a separate latency pass that syncs after every iteration, for percentiles.
How trials of several models are scheduled is :mod:`bench.measure.rounds`; statistics
are derived from the raw numbers in :mod:`bench.measure.stats`.
"""

import math
import time

NS = 1e9


def default_clock():
    """Monotonic high-resolution clock in integer nanoseconds (3.6 has no perf_counter_ns)."""
    ns = getattr(time, "perf_counter_ns", None)
    if ns is not None:
        return ns
    return lambda: int(time.perf_counter() * NS)


def throughput_trial(run, sync, clock, trial_size):
    """One timed trial: sync, st, ``trial_size`` runs, sync, et. Returns et - st (clock units)."""
    sync()
    st = clock()
    for _ in range(trial_size):
        run()
    sync()
    et = clock()
    return et - st


def latency_pass(run, sync, clock, iterations):
    """Per-iteration durations, each run synchronised on its own."""
    out = []
    for _ in range(iterations):
        sync()
        st = clock()
        run()
        sync()
        out.append(clock() - st)
    return out


def warm_up(run, sync, clock, warmup):
    """The first inference timed on its own (it includes lazy initialisation), then the
    rest of ``warmup`` runs. Returns (first_ns, warmup_ns)."""
    st = clock()
    run()
    sync()
    first_ns = clock() - st
    st = clock()
    for _ in range(max(warmup - 1, 0)):
        run()
    sync()
    return first_ns, clock() - st


def calibrate_trial_size(run, sync, clock, min_trial_s):
    """Batches per trial so that one trial lasts about ``min_trial_s`` (the way
    ``benchmark_model --min_secs`` and trtexec's ``--duration`` size their runs):
    runs 1, 2, 4... batches until half of that time has passed, then scales up."""
    if min_trial_s <= 0:
        raise ValueError("min_trial_s must be > 0")
    target_ns = min_trial_s * NS
    k = 1
    while True:
        elapsed = throughput_trial(run, sync, clock, k)
        if elapsed >= target_ns / 2 or k >= 1 << 20:
            return max(1, int(math.ceil(k * target_ns / max(elapsed, 1))))
        k *= 2
