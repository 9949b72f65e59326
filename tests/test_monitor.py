"""Per-model power and temperature from device samples (bench.devices.monitor), the
energy columns, and the cooldown's waiting rules."""

import pytest

from bench.cooldown import Cooldown, parse_cooldown, wait
from bench.devices.monitor import IDLE, SampledMonitor, Timeline
from bench.errors import BenchError
from bench.measure.messages import Progress
from bench.row_stats import energy_columns


def _timeline(events):
    mon = SampledMonitor(interval_s=0.1, clock=lambda: 0.0)
    mon.source = "test"
    for when, phase, key in events:
        mon.timeline.progress(Progress(phase=phase, key=key), when)
    return mon


# idle 0-1 s, then trials a 1.0-1.3, b 1.3-1.6, a 1.6-1.9, then the latency pass
EVENTS = [(0.0, "load", "a"), (0.5, "idle", None), (1.0, "trials", None), (1.0, "trial", "a"),
          (1.3, "trial", "b"), (1.6, "trial", "a"), (1.9, "trials_done", None),
          (1.95, "latency", "a")]


def test_a_sample_counts_only_inside_one_owner():
    mon = _timeline(EVENTS)
    for end, power in ((0.7, 900), (0.9, 1100),  # idle
                       (1.1, 5000), (1.25, 5200),  # a
                       (1.35, 9999),  # straddles a -> b: nobody's
                       (1.5, 7000),  # b
                       (1.75, 5400),  # a
                       (2.0, 8888)):  # after the rounds
        mon.add({"power_mw": power, "temp_c": 40.0 + power / 1000}, end=end)
    a, b = mon.columns_for("a"), mon.columns_for("b")
    assert a["monitor_samples"] == 3 and a["power_mw_mean"] == pytest.approx(5200)
    assert b["monitor_samples"] == 1 and b["power_mw_mean"] == 7000
    assert a["idle_power_mw"] == b["idle_power_mw"] == pytest.approx(1000)
    assert a["power_source"] == "test" and a["_notes"] == []
    assert a["start_temp_c"] == pytest.approx(40.9)  # the first sample's


def test_no_whole_sample_in_a_models_trials_is_said():
    mon = _timeline(EVENTS)
    mon.add({"power_mw": 5000}, end=1.35)  # only a straddling one
    cols = mon.columns_for("b")
    assert cols["power_mw_mean"] is None and cols["power_source"] == ""
    assert "raise --min-trial-s" in cols["_notes"][0]


def test_a_sampler_problem_is_in_the_notes_and_nothing_is_made_up():
    mon = _timeline(EVENTS)
    mon.source, mon.problem = "", "tegrastats did not start (permission denied)"
    cols = mon.columns_for("a")
    assert cols["power_mw_mean"] is None and cols["idle_power_mw"] is None
    assert cols["_notes"] == ["no power reading: tegrastats did not start (permission denied)"]
    assert mon.idle_s == 0 and mon.min_trial_s == 0  # no idle wait when there is no power


def test_idle_and_trial_length_follow_the_interval():
    mon = SampledMonitor(interval_s=0.2)
    mon.source = "tegrastats VDD_IN"
    assert mon.idle_s == pytest.approx(1.0) and mon.min_trial_s == pytest.approx(0.5)
    assert SampledMonitor(interval_s=1.0, clock=lambda: 0).idle_s == 0  # no source yet


def test_timeline_owner_of_windows():
    t = Timeline()
    t.mark(1.0, IDLE)
    t.mark(2.0, "a")
    assert t.owner(1.2, 1.8) == IDLE and t.owner(1.8, 2.2) is None and t.owner(0.5) is None
    assert t.owner(2.5, 9.0) == "a" and t.timed


def test_energy_columns():
    assert energy_columns({"power_mw_mean": 5000.0, "idle_power_mw": 2000.0, "throughput": 100.0}) == {
        "energy_mj_per_inference": 50.0, "dynamic_energy_mj_per_inference": 30.0}
    assert energy_columns({"power_mw_mean": 5000.0, "throughput": 250.0}) == {
        "energy_mj_per_inference": 20.0}
    assert energy_columns({"power_mw_mean": None, "throughput": 250.0}) == {}
    assert energy_columns({"power_mw_mean": 5000.0, "throughput": 0}) == {}


@pytest.mark.parametrize("text, threshold, wait_s", [
    ("45", 45.0, None), ("45C", 45.0, None), ("45.5 c", 45.5, None), ("30s", None, 30.0),
    ("2m", None, 120.0)])
def test_parse_cooldown(text, threshold, wait_s):
    c = parse_cooldown(text)
    assert (c.threshold_c, c.wait_s) == (threshold, wait_s)


@pytest.mark.parametrize("text", ["hot", "45F", "-3", "200", "30 min"])
def test_parse_cooldown_bad(text):
    with pytest.raises(BenchError, match="--cooldown"):
        parse_cooldown(text)


def test_parse_cooldown_off():
    assert parse_cooldown("") is None and parse_cooldown("off") is None and parse_cooldown(None) is None


class _Cooling:
    name = "fake"

    def __init__(self, temps):
        self.temps = list(temps)

    def temperature(self):
        return self.temps.pop(0) if len(self.temps) > 1 else self.temps[0]


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, s):
        self.now += s


def test_cooldown_waits_until_under_the_threshold():
    clock = _Clock()
    temp, note = wait(Cooldown(threshold_c=45, max_s=300, poll_s=2), _Cooling([60, 52, 47, 44.5]),
                      clock=clock, sleep=clock.sleep)
    assert (temp, note) == (44.5, "") and clock.now == pytest.approx(6)


def test_cooldown_that_never_reaches_its_threshold_is_bounded_and_noted():
    clock = _Clock()
    temp, note = wait(Cooldown(threshold_c=45, max_s=10, poll_s=2), _Cooling([60]),
                      clock=clock, sleep=clock.sleep)
    assert temp == 60 and clock.now == pytest.approx(10)
    assert note.startswith("cooldown: still 60.0 C after 10 s (threshold 45 C")


def test_fixed_cooldown_sleeps_and_reads_the_start_temperature():
    clock = _Clock()
    temp, note = wait(Cooldown(wait_s=30, max_s=300), _Cooling([41.0]), clock=clock,
                      sleep=clock.sleep)
    assert (temp, note, clock.now) == (41.0, "", 30)


def test_a_model_alone_owns_a_sample_across_its_consecutive_trials():
    mon = _timeline([(1.0, "trials", None), (1.0, "trial", "a"), (1.02, "trial", "a"),
                     (1.04, "trial", "a"), (1.3, "trials_done", None)])
    mon.add({"power_mw": 4000}, end=1.15)  # window 1.05-1.15 inside a's third trial
    mon.add({"power_mw": 6000}, start=1.01, end=1.2)  # spans three of a's trials: still a's
    mon.add({"power_mw": 9999}, start=1.2, end=1.35)  # reaches past the rounds: nobody's
    assert mon.columns_for("a")["power_mw_mean"] == pytest.approx(5000)


class _Reader:
    source = "rapl"

    def __init__(self):
        self.calls = 0
        self.closed = False

    def sample(self, now):
        self.calls += 1
        return None if self.calls == 1 else 15000.0  # primes, then 15 W

    def close(self):
        self.closed = True


def test_local_monitor_samples_power_and_temperature_per_model():
    import time

    from bench.devices.local_monitor import LocalMonitor

    reader = _Reader()
    mon = LocalMonitor([reader], zones=lambda: {"x86_pkg_temp": 55.0, "acpitz": None})
    assert mon.source == "rapl" and mon.interval_s == 0.02
    with mon:
        mon.progress(Progress(phase="idle"))
        time.sleep(0.2)
        mon.progress(Progress(phase="trials"))
        mon.progress(Progress(phase="trial", key="a", round=0))
        time.sleep(0.3)
        mon.progress(Progress(phase="trials_done"))
    assert reader.closed
    cols = mon.columns_for("a")
    assert cols["power_mw_mean"] == 15000.0 and cols["idle_power_mw"] == 15000.0
    assert cols["cpu_temp_c_max"] == 55.0 and cols["power_source"] == "rapl"
    assert cols["monitor_samples"] >= 3


def test_local_monitor_problem_without_readers():
    from bench.devices.local_monitor import LocalMonitor

    mon = LocalMonitor([], ["no RAPL package zone under /sys/class/powercap"], zones=lambda: {})
    assert mon.source == "" and mon.interval_s == 0.5 and mon.idle_s == 0
    assert mon.columns_for("a")["_notes"] == []  # bench doctor says why, not every row
    assert mon.unavailable == ["no RAPL package zone under /sys/class/powercap"]
