"""Interleaved rounds with an injected clock and load sampler: order, rotation, stop rules,
disturbed trials, reloads, failures."""

import pytest

from bench.measure.messages import MeasureJob
from bench.measure.rounds import Contender, rotation, run_rounds, stop_reason


class Clock:
    def __init__(self):
        self.now = 0

    def __call__(self):
        return self.now


class Model:
    """A model whose run() advances the shared clock by its (possibly changing) cost."""

    def __init__(self, name, clock, cost_ns, log):
        self.name, self.clock, self.cost_ns, self.log = name, clock, cost_ns, log

    def run(self):
        self.clock.now += self.cost_ns(self.clock.now) if callable(self.cost_ns) else self.cost_ns

    def sync(self):
        pass


class Quiet:
    """A load sampler that reads nothing: no trial is ever called disturbed."""

    def snapshot(self):
        return None

    def background_pct(self, before, after, wall_ns):
        return None


class Scripted:
    """A load sampler that says, trial by trial, how much of our cores others took."""

    def __init__(self, values):
        self.values = list(values)
        self.seen = []

    def snapshot(self):
        return "snap"

    def background_pct(self, before, after, wall_ns):
        value = self.values.pop(0) if self.values else 0.0
        self.seen.append(value)
        return value


def settings(**kw):
    kw.setdefault("min_rounds", 6)
    kw.setdefault("reload_every", 0)
    return MeasureJob(id="t", runtime="x", candidates=[], **kw)


def contenders(clock, costs, trial_size=10):
    log = []
    out = []
    for name, cost in costs.items():
        m = Model(name, clock, cost, log)
        out.append(Contender(name, m.run, m.sync, trial_size))
    return out


def test_rotation_starts_one_later_every_round():
    assert rotation(["a", "b", "c"], 0) == ["a", "b", "c"]
    assert rotation(["a", "b", "c"], 1) == ["b", "c", "a"]
    assert rotation(["a", "b", "c"], 5) == ["c", "a", "b"]
    assert rotation([], 3) == []


def test_trials_go_round_robin_with_the_order_rotated_every_round():
    clock = Clock()
    group = contenders(clock, {"a": 1000, "b": 2000, "c": 4000})
    order = []
    rounds, why = run_rounds(group, settings(rounds=4), clock, Quiet(),
                             on_trial=lambda c, r: order.append((r, c.key)))
    assert (rounds, why) == (4, "fixed")
    assert order == [(0, "a"), (0, "b"), (0, "c"), (1, "b"), (1, "c"), (1, "a"),
                     (2, "c"), (2, "a"), (2, "b"), (3, "a"), (3, "b"), (3, "c")]
    a, b, c = group
    assert a.trial_ns == [10 * 1000] * 4 and c.trial_ns == [10 * 4000] * 4
    assert a.trial_round == [0, 1, 2, 3] and a.trial_iters == [10] * 4
    assert a.throughputs() == [1e9 / 1000] * 4


def test_a_load_change_hits_every_contender_alike():
    """The machine slows down 2x halfway: interleaved, both models see it in the same rounds,
    so their per-round ratio stays exact although each one's throughput moves."""
    clock = Clock()
    slow_after = 10 * 3 * (1000 + 1500)  # after 3 rounds

    def cost(base):
        return lambda now: base * (2 if now >= slow_after else 1)

    a, b = contenders(clock, {"a": cost(1000), "b": cost(1500)})
    run_rounds([a, b], settings(rounds=6), clock, Quiet())
    ratios = [x / y for x, y in zip(a.throughputs(), b.throughputs())]
    assert ratios == pytest.approx([1.5] * 6)
    assert min(a.throughputs()) < max(a.throughputs())  # it did slow down


def test_adaptive_rounds_stop_at_the_target_but_never_before_min_rounds():
    clock = Clock()
    group = contenders(clock, {"a": 1000, "b": 1000})  # perfectly stable
    assert run_rounds(group, settings(target_ci=0.01), clock, Quiet()) == (6, "target")


def test_noisy_rounds_stop_when_the_budget_is_spent():
    clock = Clock()
    costs = iter([1000, 1300, 900, 1500, 800, 1200] * 1000)
    (a,) = contenders(clock, {"a": lambda now: next(costs)}, trial_size=1)
    rounds, why = run_rounds([a], settings(target_ci=0.001, max_measure_s=1e-4), clock, Quiet())
    assert why == "budget" and rounds >= 6
    assert a.ci_half_width() > 0.001
    assert stop_reason([a], rounds, 0, settings(target_ci=0.001)) is None  # budget left: go on


def test_a_disturbed_trial_is_dropped_and_redone():
    clock = Clock()
    (a,) = contenders(clock, {"a": 1000})
    sampler = Scripted([0.0, 80.0, 5.0, 0.0])  # round 1: first try disturbed, redone
    run_rounds([a], settings(rounds=3, max_background_pct=25.0), clock, sampler)
    assert a.dropped == 1
    assert a.trial_background == [0.0, 5.0, 0.0] and len(a.trial_ns) == 3
    assert sampler.seen == [0.0, 80.0, 5.0, 0.0]


def test_a_trial_disturbed_every_time_is_kept_after_max_redo():
    clock = Clock()
    (a,) = contenders(clock, {"a": 1000})
    run_rounds([a], settings(rounds=1, max_redo=2), clock, Scripted([90.0] * 10))
    assert a.dropped == 2 and a.trial_background == [90.0]


def test_models_are_reloaded_every_reload_every_rounds():
    clock = Clock()
    group = contenders(clock, {"a": 1000, "b": 1000})
    epochs = []
    run_rounds(group, settings(rounds=7, reload_every=3), clock, Quiet(), reload=epochs.append)
    assert epochs == [1, 2]  # before rounds 3 and 6


def test_a_contender_that_fails_leaves_the_rotation_the_others_go_on():
    clock = Clock()
    a, b = contenders(clock, {"a": 1000, "b": 1000})
    calls = {"n": 0}

    def broken():
        calls["n"] += 1
        if calls["n"] > 15:
            raise RuntimeError("kernel exploded")
        clock.now += 1000

    b.run = broken
    rounds, why = run_rounds([a, b], settings(rounds=4), clock, Quiet())
    assert why == "fixed" and len(a.trial_ns) == 4
    assert isinstance(b.error, RuntimeError) and len(b.trial_ns) == 1


def test_a_fatal_error_ends_the_rounds():
    class Lost(Exception):
        pass

    clock = Clock()
    (a,) = contenders(clock, {"a": 1000})

    def gone():
        raise Lost("the phone went away")

    a.run = gone
    with pytest.raises(Lost):
        run_rounds([a], settings(rounds=3), clock, Quiet(), fatal=(Lost,))
    # not fatal: it is that contender's own failure
    assert run_rounds([a], settings(rounds=3), clock, Quiet()) == (1, "no candidate")
    assert isinstance(a.error, Lost)


def test_no_candidate_left_stops():
    clock = Clock()
    (a,) = contenders(clock, {"a": 1000})
    a.run = lambda: (_ for _ in ()).throw(ValueError("bad"))
    assert run_rounds([a], settings(), clock, Quiet()) == (1, "no candidate")
