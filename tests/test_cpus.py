"""Load from other processes and the choice of threads and cores (bench.measure.cpus)."""

import os
import subprocess
import sys

import pytest

from bench.measure import cpus
from bench.measure.messages import (Build, Candidate, CandidateResult, GroupResult, MeasureJob,
                                    Progress, decode)

STAT = """cpu  100 0 50 1000 5 0 2 3 0 0
cpu0 60 0 30 500 2 0 1 1 0 0
cpu1 40 0 20 500 3 0 1 2 0 0
intr 123
"""


def test_proc_stat_busy_counts_steal_not_idle():
    assert cpus.parse_proc_stat(STAT) == {0: 60 + 30 + 1 + 1, 1: 40 + 20 + 1 + 2}
    assert cpus.parse_proc_stat("intr 1\n") is None
    line = "4242 (python3 -m x) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"
    assert cpus.parse_pid_stat(line) == 11 + 12            # utime + stime
    assert cpus.parse_pid_stat(line, children=True) == 13 + 14
    assert cpus.parse_pid_stat("garbage") is None


def test_background_is_others_share_of_our_cores():
    before, after = {0: 0, 1: 0}, {0: 80, 1: 100}
    # over 1 s at 100 ticks/s on core 1: 100 busy, 30 of them ours -> 70 %
    assert cpus.background_pct(before, after, 30, [1], 1.0, hz=100) == pytest.approx(70.0)
    assert cpus.background_pct(before, after, 180, [0, 1], 1.0, hz=100) == 0.0  # clamped
    assert cpus.background_pct(None, after, 0, [0], 1.0) is None
    sampler = cpus.LoadSampler([0], read_busy=iter([{0: 10}, {0: 30}]).__next__,
                               read_self=iter([5, 10]).__next__, hz=100)
    a, b = sampler.snapshot(), sampler.snapshot()
    assert sampler.background_pct(a, b, 0.5e9) == pytest.approx(100.0 * 15 / 50)
    assert cpus.NoLoadSampler().background_pct(None, None, 1) is None


def test_the_real_proc_files_read():
    if not os.path.exists("/proc/stat"):
        pytest.skip("no /proc here: load is unknown, which is what NoLoadSampler says")
    busy = cpus.read_cpu_busy()
    assert busy and all(v >= 0 for v in busy.values())
    assert cpus.read_self_ticks() >= 0


def test_cpu_lists():
    assert cpus.parse_cpu_list("0-3,6") == [0, 1, 2, 3, 6]
    assert cpus.format_cpu_list([6, 0, 1, 2, 3]) == "0-3,6"
    assert cpus.format_cpu_list([1]) == "1"
    with pytest.raises(ValueError):
        cpus.parse_cpu_list("big")


def test_auto_threads_leave_one_idle_core_and_pin_to_the_idlest():
    allowed = [0, 1, 2, 3]
    quiet = {0: 0.02, 1: 0.0, 2: 0.0, 3: 0.01}
    plan = cpus.plan_cpus(0, "auto", busy=quiet, allowed=allowed)
    assert (plan.threads, plan.affinity, plan.idle_cpus) == (3, [1, 2, 3], 4)
    noisy = {0: 0.0, 1: 1.0, 2: 0.0, 3: 0.0}  # a neighbour spins on core 1
    plan = cpus.plan_cpus(0, "auto", busy=noisy, allowed=allowed)
    assert (plan.threads, plan.affinity, plan.idle_cpus) == (2, [2, 3], 3)
    two = cpus.plan_cpus(0, "auto", busy={0: 0.0, 1: 1.0}, allowed=[0, 1])
    assert (two.threads, two.affinity) == (1, [0])
    assert cpus.plan_cpus(0, "auto", busy={0: 0, 1: 0}, allowed=[0, 1]).threads == 1


def test_explicit_threads_and_affinity():
    allowed = [0, 1, 2, 3]
    assert cpus.plan_cpus(4, "auto", busy={}, allowed=allowed).affinity == allowed  # no pin
    assert cpus.plan_cpus(2, "none", busy={}, allowed=allowed).affinity == allowed
    assert cpus.plan_cpus(2, "2-3", busy={}, allowed=allowed).affinity == [2, 3]
    with pytest.raises(ValueError, match="none of those cores"):
        cpus.plan_cpus(1, "8", busy={}, allowed=allowed)
    gpu = cpus.plan_cpus(0, "auto", device="cuda", busy=None, allowed=allowed)
    assert (gpu.threads, gpu.affinity) == (0, allowed)  # the runtime's own threads, not pinned


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no sched_setaffinity here")
def test_pin_moves_every_thread_of_the_process():
    code = ("import threading, time, os, sys; sys.path.insert(0, {!r});"
            "from bench.measure.cpus import pin;"
            "t = threading.Thread(target=time.sleep, args=(2,), daemon=True); t.start();"
            "pin([0]);"
            "print(sorted({{c for tid in os.listdir('/proc/self/task') "
            "for c in os.sched_getaffinity(int(tid))}}))").format(
                os.path.dirname(os.path.dirname(os.path.abspath(cpus.__file__))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "[0]", out.stderr


def test_messages_round_trip_and_refuse_unknown_fields():
    job = MeasureJob(id="7", runtime="tensorrt", device="cuda", candidates=[
        Candidate(key="a", artifact="/e", resolution=224,
                  build=Build(source="/m.onnx", workspace_mb=128))])
    back = decode(job.to_line())
    assert back == job and isinstance(back.candidates[0].build, Build)
    assert back.candidates[0].build.workspace_mb == 128
    res = GroupResult(id="7", results=[CandidateResult(key="a", trial_ns=[1, 2])])
    assert decode(res.to_line()).result_for("a").trial_ns == [1, 2]
    assert decode(Progress(phase="trial", key="a", round=3).to_line()).round == 3
    with pytest.raises(TypeError, match="unknown field"):
        MeasureJob(id="1", runtime="x", candidates=[], trials=30)
    with pytest.raises(TypeError, match="missing field 'runtime'"):
        MeasureJob(id="1", candidates=[])
    with pytest.raises(ValueError):
        decode('{"event": "nonsense"}')
    # defaults are copied, never shared between instances
    a, b = CandidateResult(key="a"), CandidateResult(key="b")
    a.trial_ns.append(1)
    assert b.trial_ns == []
