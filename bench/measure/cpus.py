"""Whose CPU is it? Load from other processes, and the threads and cores a worker uses.

On a shared machine (a laptop, a CI runner, a Jetson running its application) two
things spoil a measurement: more runtime threads than idle cores (one preempted
thread stalls a lock-step parallel kernel: 250 inf/s became 4-30 in one report), and
load that arrives during a trial. So before a group the worker looks at the cores for
a moment and, unless told otherwise, uses one thread fewer than the idle cores (at
least one: the OS, bench's parent, sshd or tegrastats need a core to wake up on) and
pins itself to the idlest of them; during each trial it counts the CPU time other
processes took on its cores (``/proc/stat`` against its own ``/proc/self/stat``).

Linux ``/proc`` only; elsewhere nothing is pinned and the load is unknown (None).
Shipped to devices: Python 3.6, stdlib only.
"""

import os
import time

BUSY_FIELDS = (0, 1, 2, 5, 6, 7)  # user nice system irq softirq steal (not idle, iowait, guest*)


def _ticks_per_s():
    try:
        return float(os.sysconf("SC_CLK_TCK"))
    except (AttributeError, ValueError, OSError):
        return 100.0


def parse_proc_stat(text):
    """{cpu index: busy ticks} from ``/proc/stat`` text (steal counts as busy: a hypervisor
    running someone else is load too); None when it has no per-CPU lines."""
    out = {}
    for line in text.splitlines():
        if line.startswith("cpu") and line[3:4].isdigit():
            parts = line.split()
            try:
                values = [int(v) for v in parts[1:]]
                out[int(parts[0][3:])] = sum(values[i] for i in BUSY_FIELDS if i < len(values))
            except ValueError:
                return None
    return out or None


def parse_pid_stat(text, children=False):
    """utime + stime from ``/proc/PID/stat`` text (every thread of the process), or with
    ``children`` cutime + cstime (its finished, waited-for children); None if malformed."""
    try:
        fields = text.rsplit(")", 1)[1].split()
        first = 13 if children else 11
        return int(fields[first]) + int(fields[first + 1])
    except (IndexError, ValueError):
        return None


def _read(path):
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return None


def read_cpu_busy(path="/proc/stat"):
    """{cpu: busy ticks} of this machine now; None where /proc/stat cannot be read."""
    text = _read(path)
    return None if text is None else parse_proc_stat(text)


def read_self_ticks(path="/proc/self/stat"):
    """utime + stime of this process, every thread included; None where unreadable."""
    text = _read(path)
    return None if text is None else parse_pid_stat(text)


def background_pct(busy_before, busy_after, own_ticks, cpus, wall_s, hz=None):
    """% of ``cpus``' capacity over ``wall_s`` that others used: their busy ticks minus
    ``own_ticks`` (ours), clamped to 0..100; None when anything is unknown."""
    if busy_before is None or busy_after is None or own_ticks is None or wall_s <= 0 or not cpus:
        return None
    others = sum(busy_after.get(c, 0) - busy_before.get(c, 0) for c in cpus) - own_ticks
    capacity = wall_s * (hz or _ticks_per_s()) * len(cpus)
    return min(100.0, max(0.0, 100.0 * others / capacity))


def allowed_cpus():
    getter = getattr(os, "sched_getaffinity", None)
    if getter is not None:
        try:
            return sorted(getter(0))
        except OSError:
            pass
    return list(range(os.cpu_count() or 1))


class LoadSampler(object):
    """Per trial: the share of ``cpus``' capacity that other processes took.

    ``snapshot()`` before and after a trial; ``background_pct(a, b, wall_ns)``. The
    readers and the tick rate are injectable (tests); resolution is one tick (10 ms) per
    read, so short trials read it coarsely and a threshold well above one tick is used.
    """

    def __init__(self, cpus, read_busy=read_cpu_busy, read_self=read_self_ticks, hz=None):
        self.cpus = list(cpus)
        self.read_busy = read_busy
        self.read_self = read_self
        self.hz = hz or _ticks_per_s()

    def snapshot(self):
        busy = self.read_busy()
        mine = self.read_self()
        if busy is None or mine is None:
            return None
        return busy, mine

    def background_pct(self, before, after, wall_ns):
        """% of the cores' capacity used by other processes between two snapshots."""
        if before is None or after is None:
            return None
        return background_pct(before[0], after[0], after[1] - before[1], self.cpus,
                              wall_ns / 1e9, self.hz)


class NoLoadSampler(object):
    """Where /proc is not there: the load is unknown, no trial is ever dropped for it."""

    cpus = ()

    def snapshot(self):
        return None

    def background_pct(self, before, after, wall_ns):
        return None


def sample_busy(seconds=0.25, read_busy=read_cpu_busy, sleep=time.sleep, hz=None):
    """{cpu: fraction of the core busy} over ``seconds`` while this process sleeps."""
    first = read_busy()
    if first is None:
        return None
    sleep(seconds)
    second = read_busy()
    if second is None:
        return None
    capacity = seconds * (hz or _ticks_per_s())
    return {c: min(1.0, max(0.0, (second.get(c, 0) - first[c]) / capacity)) for c in first}


def parse_cpu_list(text):
    """"0-3,6" -> [0, 1, 2, 3, 6]; ValueError on anything else."""
    out = []
    for part in str(text).replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            lo, hi = part.split("-", 1)
            out.extend(range(int(lo), int(hi) + 1))
        else:
            out.append(int(part))
    if not out or min(out) < 0:
        raise ValueError("not a CPU list: {!r} (e.g. 0-3,6)".format(text))
    return sorted(set(out))


def format_cpu_list(cpus):
    """[0, 1, 2, 3, 6] -> "0-3,6"."""
    cpus = sorted(set(cpus))
    parts, i = [], 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        parts.append(str(cpus[i]) if i == j else "{}-{}".format(cpus[i], cpus[j]))
        i = j + 1
    return ",".join(parts)


class CpuPlan(object):
    """The threads and cores a group uses, and what the cores looked like before it."""

    def __init__(self, threads, affinity, allowed, idle_cpus, busy):
        self.threads = threads  # runtime threads (0: the runtime's own choice, GPU jobs)
        self.affinity = affinity  # cores the worker is pinned to (== allowed: not pinned)
        self.allowed = allowed
        self.idle_cpus = idle_cpus  # cores found idle (None: unknown)
        self.busy = busy  # {cpu: busy fraction} or None

    def info(self):
        return {"threads": self.threads, "cpu_affinity": format_cpu_list(self.affinity),
                "allowed": format_cpu_list(self.allowed), "idle_cpus": self.idle_cpus}


def plan_cpus(threads, affinity, device="cpu", busy=None, allowed=None):
    """Choose threads and cores for a group.

    ``threads`` 0 = auto: one fewer than the idle cores among the allowed ones, at least
    1. ``affinity`` "auto": the ``threads`` idlest allowed cores when that leaves some
    free, else no pinning; "" or "none": no pinning; a CPU list ("2-3"): exactly those.
    A CUDA/GPU job keeps the runtime's threads and is not pinned (driver threads).
    ``busy`` ({cpu: fraction}) comes from :func:`sample_busy`.
    """
    allowed = list(allowed if allowed is not None else allowed_cpus())
    idle = None
    if busy is not None:
        idle = sum(1 for c in allowed if busy.get(c, 0.0) < 0.5)
    if device != "cpu":
        return CpuPlan(threads, allowed, allowed, idle, busy)
    if not threads:
        threads = max(1, (len(allowed) if idle is None else idle) - 1)
    mode = str(affinity or "").strip().lower()
    if mode in ("", "none"):
        cores = allowed
    elif mode == "auto":
        if threads >= len(allowed):
            cores = allowed
        else:
            order = sorted(allowed, key=lambda c: ((busy or {}).get(c, 0.0), -c))
            cores = sorted(order[:threads])
    else:
        cores = [c for c in parse_cpu_list(affinity) if c in allowed]
        if not cores:
            raise ValueError("cpu_affinity {!r}: none of those cores is available here "
                             "(allowed: {})".format(affinity, format_cpu_list(allowed)))
    return CpuPlan(threads, cores, allowed, idle, busy)


def pin(cpus):
    """Pin every thread of this process to ``cpus`` (threads created later inherit it).
    False where the platform cannot."""
    setter = getattr(os, "sched_setaffinity", None)
    if setter is None:
        return False
    try:
        tids = [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:
        tids = [0]
    for tid in tids:
        try:
            setter(tid, set(cpus))
        except OSError:  # a thread that just exited
            continue
    return True
