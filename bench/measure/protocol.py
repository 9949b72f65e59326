"""The measurement protocol of SPEC §3, with the clock and sync passed in.

Throughput pass (the reference study): warm-up runs, sync, ``st``, ``ts`` batches,
sync, ``et``; T = ts * b / (et - st). Repeated ``repeats`` times. Then a separate
latency pass that syncs after every iteration, for percentiles. Raw numbers are
returned; statistics are derived from them in :mod:`bench.measure.stats`.
"""

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


def measure(run, sync, trial_size, batch, warmup=10, repeats=5, latency_iterations=None,
            clock=None, on_progress=None):
    """Run the whole protocol on ``run``/``sync``; returns the raw record (a plain dict).

    ``first_ns`` is the very first inference (kept apart: it includes lazy
    initialisation); ``warmup_ns`` the rest of the warm-up; ``trial_ns`` one total
    per repeat; ``latency_ns`` one per latency iteration.
    """
    clock = clock or default_clock()
    if trial_size < 1 or batch < 1 or repeats < 1 or warmup < 0:
        raise ValueError("trial_size, batch and repeats must be >= 1, warmup >= 0")
    st = clock()
    run()
    sync()
    first_ns = clock() - st
    st = clock()
    for _ in range(max(warmup - 1, 0)):
        run()
    sync()
    warmup_ns = clock() - st
    trial_ns = []
    if on_progress is not None:
        on_progress(0, repeats)  # the timed trials start now (device samplers keep from here)
    for i in range(repeats):
        trial_ns.append(throughput_trial(run, sync, clock, trial_size))
        if on_progress is not None:
            on_progress(i + 1, repeats)
    iterations = trial_size if latency_iterations is None else latency_iterations
    return {
        "trial_size": trial_size,
        "batch": batch,
        "warmup": warmup,
        "repeats": repeats,
        "first_ns": first_ns,
        "warmup_ns": warmup_ns,
        "trial_ns": trial_ns,
        "latency_ns": latency_pass(run, sync, clock, iterations),
    }
