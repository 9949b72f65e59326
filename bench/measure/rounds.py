"""Interleaved, adaptive timing of a group of models (SPEC §3.1).

Every round times one trial of each contender, in an order rotated by one every round,
so a change of machine load hits every contender alike and round k of one model is
paired with round k of another. A trial that other processes disturbed (their CPU
share on our cores above ``max_background_pct``) is dropped and timed again, at most
``max_redo`` times. After ``min_rounds`` (the fewest with a 95 % interval of the
median), rounds go on until each median's interval is within ``target_ci`` or the
budget (``max_measure_s`` per contender) is spent; a fixed ``rounds`` overrides both. Every ``reload_every`` rounds the caller
reopens the models in a rotated order: where a model's buffers land in memory shifts
its speed by a few per cent for as long as it stays loaded (seen here: the same file
loaded six times in one process, 3-5 % apart), so a measurement spans several
placements.

Pure logic with the clock, the load sampler and the reload injected; the settings are
a :class:`~bench.measure.messages.MeasureJob` (its fields ``rounds``, ``min_rounds``,
``target_ci``, ``max_measure_s``, ``max_background_pct``, ``max_redo``,
``reload_every``). Shipped to devices (Python 3.6).
"""

from bench.measure.protocol import throughput_trial
from bench.measure.stats import ci_half_width


class Contender(object):
    """One model being timed: how to run a trial of it, and the kept trials so far.

    The default trial is the protocol's: ``trial_size`` batches of ``run`` between two
    ``sync`` s on the injected clock. A device whose own tool times (Android's
    ``benchmark_model``) overrides :meth:`trial`.
    """

    def __init__(self, key, run=None, sync=None, trial_size=1, batch=1):
        self.key = key
        self.run = run
        self.sync = sync
        self.trial_size = trial_size
        self.batch = batch
        self.trial_iters = []
        self.trial_ns = []
        self.trial_round = []
        self.trial_background = []
        self.dropped = 0
        self.error = None  # an exception during a trial: out of the rounds, reported

    def trial(self, clock, sampler):
        """One timed trial -> (batches, ns, background % or None)."""
        before = sampler.snapshot()
        ns = throughput_trial(self.run, self.sync, clock, self.trial_size)
        return self.trial_size, ns, sampler.background_pct(before, sampler.snapshot(), ns)

    def last_trial(self):
        """The last kept trial as progress info ({"iters", "ns", "round", "background"}), or
        None: a host
        that writes per trial (``bench sustained``) learns of each as the next starts."""
        if not self.trial_ns:
            return None
        return {"iters": self.trial_iters[-1], "ns": self.trial_ns[-1],
                "round": self.trial_round[-1], "background": self.trial_background[-1]}

    def throughputs(self):
        return [i * self.batch * 1e9 / ns for i, ns in zip(self.trial_iters, self.trial_ns)]

    def ci_half_width(self):
        return ci_half_width(self.throughputs())


def rotation(items, round_no):
    """``items`` starting at position ``round_no`` (mod len): each round starts one later."""
    if not items:
        return []
    k = round_no % len(items)
    return items[k:] + items[:k]


def stop_reason(contenders, rounds_done, elapsed_ns, settings):
    """Why to stop after ``rounds_done`` rounds, or None to go on."""
    live = [c for c in contenders if c.error is None]
    if not live:
        return "no candidate"
    if settings.rounds:
        return "fixed" if rounds_done >= settings.rounds else None
    if rounds_done < settings.min_rounds:  # every row gets an interval: never fewer rounds
        return None
    widths = [c.ci_half_width() for c in live]
    if all(w is not None and w <= settings.target_ci for w in widths):
        return "target"
    if elapsed_ns >= settings.max_measure_s * 1e9 * len(contenders):
        return "budget"
    return None


def timed_trial(contender, clock, sampler, settings, budget_left):
    """One kept trial of ``contender`` -> (batches, ns, background %), redone while other
    processes took more than ``max_background_pct`` of our cores (at most ``max_redo``
    times, and not once the budget is spent)."""
    for attempt in range(settings.max_redo + 1):
        iters, ns, background = contender.trial(clock, sampler)
        disturbed = background is not None and background > settings.max_background_pct
        if not disturbed or attempt == settings.max_redo or not budget_left():
            return iters, ns, background
        contender.dropped += 1
    raise AssertionError("unreachable")


def run_rounds(contenders, settings, clock, sampler, on_trial=None, reload=None, fatal=()):
    """Time ``contenders`` round-robin until :func:`stop_reason` says so.

    ``on_trial(contender, round_no)`` is called before each trial (progress, crash
    attribution); ``reload(epoch)`` every ``reload_every`` rounds. A contender whose
    trial raises gets ``error`` set and leaves the rotation; the others go on, unless
    the exception is one of ``fatal`` (a lost device), which ends the rounds.
    Returns (rounds done, stop reason).
    """
    start = clock()
    rounds_done = 0

    def budget_left():
        return settings.rounds or clock() - start < settings.max_measure_s * 1e9 * len(contenders)

    while True:
        if reload is not None and settings.reload_every and rounds_done \
                and rounds_done % settings.reload_every == 0:
            reload(rounds_done // settings.reload_every)
        live = [c for c in contenders if c.error is None]
        for c in rotation(live, rounds_done):
            if on_trial is not None:
                on_trial(c, rounds_done)
            try:
                iters, ns, background = timed_trial(c, clock, sampler, settings, budget_left)
            except fatal:
                raise
            except Exception as exc:  # noqa: BLE001 - this contender only; reported on its row
                c.error = exc
                continue
            c.trial_iters.append(iters)
            c.trial_ns.append(ns)
            c.trial_round.append(rounds_done)
            c.trial_background.append(background)
        rounds_done += 1
        reason = stop_reason(contenders, rounds_done, clock() - start, settings)
        if reason:
            return rounds_done, reason
