"""The measurement worker: one process that opens artifacts and times them.

Reads one :class:`~bench.measure.messages.MeasureJob` per line on stdin and answers with
JSON lines on stdout (:class:`Hello` once, then :class:`Progress` events and one
:class:`GroupResult` per job). A job is a group of models on one runtime: they are
loaded side by side and their timed trials interleaved (:mod:`bench.measure.rounds`).
The same file runs on the host and on devices (Python 3.6), so a crash, an
out-of-memory kill or a hang takes down this process only; the parent records it
(naming the model it last heard about) and goes on.
"""

import os
import platform
import signal
import sys
import time

from bench.measure import cpus
from bench.measure.messages import (CandidateResult, GroupResult, Hello, MeasureJob, Progress,
                                    WorkerError, decode)
from bench.measure.inputs import describe as describe_inputs
from bench.measure.inputs import make_arrays, resolve_inputs
from bench.measure.protocol import calibrate_trial_size, default_clock, latency_pass, warm_up
from bench.measure.rounds import Contender, rotation, run_rounds
from bench.runtimes.select import apply_selection

SWITCHES = 5  # switches timed per candidate (the median is the column)

CRASH_HOOK_ENV = "BENCH_TEST_CRASH"  # test hook: SIGKILL self when a candidate's label contains it
IDLE_SAMPLE_S = 0.25  # how long the cores are watched before a group


class Channel(object):
    """JSON lines on a private copy of stdout; fd 1 itself is pointed at stderr so that
    anything a runtime prints (C libraries included) cannot corrupt the protocol."""

    def __init__(self):
        sys.stdout.flush()
        self._out = os.fdopen(os.dup(1), "w")
        os.dup2(2, 1)

    def send(self, message):
        self._out.write(message.to_line() + "\n")
        self._out.flush()


def _one_line(exc):
    lines = str(exc).strip().splitlines()
    return "{}: {}".format(type(exc).__name__, lines[0] if lines else "")


def build_on_device(candidate, result):
    """Build the artifact this device runs from the pushed source (a TensorRT engine from
    ONNX), cached on the device by source hash -> its path. Build time: a column."""
    build = candidate.build
    if build.kind != "tensorrt":
        raise ValueError("unknown build kind {!r}".format(build.kind))
    from bench.runtimes.tensorrt_build import ensure_engine

    seconds = ensure_engine(build.source, candidate.artifact, candidate.precision,
                            build.workspace_mb, echo=lambda msg: sys.stderr.write(msg + "\n"))
    result.columns["engine_build_s"] = seconds
    result.notes = ("engine built on the device in {:.1f} s".format(seconds) if seconds is not None
                    else "engine cached on the device")
    return candidate.artifact


def time_switch(session, own, other, clock, times=SWITCHES):
    """Median ns from asking for ``own`` (coming from ``other``, both warm) to the end of
    its first inference: what an application pays the moment it reconfigures the model."""
    spans = []
    for _ in range(times):
        session.switch(other)
        session.run()
        session.sync()
        st = clock()
        session.switch(own)
        session.run()
        session.sync()
        spans.append(clock() - st)
    spans.sort()
    return spans[len(spans) // 2]


def _close(session, result):
    try:
        session.close()
    except Exception as exc:  # noqa: BLE001 - the row says so; the measurement stands
        result.notes = "; ".join(filter(None, [result.notes, "close failed: " + _one_line(exc)]))


class Loaded(object):
    """A candidate whose artifact is open: its session, reopened at every reload."""

    def __init__(self, candidate, result, artifact, session, contender):
        self.candidate = candidate
        self.result = result
        self.artifact = artifact
        self.session = session
        self.contender = contender


class GroupMeasurement(object):
    """One :class:`MeasureJob`: plan the cores, load, interleave the trials, report."""

    def __init__(self, job, channel, clock=None, allowed=None, busy=cpus.sample_busy):
        self.job = job
        self.channel = channel
        self.clock = clock or default_clock()
        self.allowed = allowed if allowed is not None else cpus.allowed_cpus()
        self.sample_busy = busy
        self.runtime = None
        self.threads = job.threads

    def send(self, phase, key=None, round_no=None, info=None):
        self.channel.send(Progress(id=self.job.id, phase=phase, key=key, round=round_no, info=info))

    def _plan(self):
        job = self.job
        busy = self.sample_busy(IDLE_SAMPLE_S) if job.device == "cpu" else None
        plan = cpus.plan_cpus(job.threads, job.cpu_affinity, job.device, busy, self.allowed)
        cpus.pin(plan.affinity)
        self.send("cpus", info=plan.info())
        return plan

    def _open(self, artifact, candidate, result=None):
        st = self.clock()
        session = self.runtime.open(artifact, candidate.precision, self.job.device, self.threads)
        session = apply_selection(session, candidate.select, self.job.runtime)
        load_ns = self.clock() - st
        try:
            resolved = resolve_inputs(session.inputs(), self.job.batch, candidate.resolution,
                                      candidate.shapes, candidate.strict)
            session.set_inputs(make_arrays(resolved, self.job.seed))
        except BaseException:
            _close(session, result or CandidateResult(key=candidate.key))
            raise
        if result is not None:
            result.columns["inputs"] = describe_inputs(resolved)
        return session, load_ns

    def _load(self, candidate, result):
        """Open, warm up and size the trials of one candidate -> :class:`Loaded`."""
        from bench.runtimes.base import BadInput, Unsupported

        self.send("load", key=candidate.key)
        hook = os.environ.get(CRASH_HOOK_ENV)
        if hook and hook in candidate.label:
            os.kill(os.getpid(), signal.SIGKILL)
        try:
            result.versions = self.runtime.versions()
            self.runtime.check(candidate.precision, self.job.device)
            artifact = build_on_device(candidate, result) if candidate.build else candidate.artifact
            session, load_ns = self._open(artifact, candidate, result)
            result.load_ms = load_ns / 1e6
            result.first_ns, result.warmup_ns = warm_up(session.run, session.sync, self.clock,
                                                        self.job.warmup)
            if candidate.select and candidate.switch_from:
                result.columns["switch_ms"] = time_switch(
                    session, candidate.select, candidate.switch_from, self.clock) / 1e6
            size = self.job.trial_size or calibrate_trial_size(session.run, session.sync,
                                                               self.clock, self.job.min_trial_s)
            contender = Contender(candidate.key, session.run, session.sync, size, self.job.batch)
            return Loaded(candidate, result, artifact, session, contender)
        except Unsupported as exc:
            result.status, result.error = "unsupported", str(exc).strip().splitlines()[0]
        except BadInput as exc:
            result.status, result.error = "invalid", str(exc).strip().splitlines()[0]
        except MemoryError:
            result.status, result.error = "failed", "out of memory"
        except Exception as exc:  # noqa: BLE001 - reported as the row's error, never dropped
            result.status, result.error = "failed", _one_line(exc)
        return None

    def _reload(self, loaded, epoch):
        """Close every open model, reopen them in an order rotated by ``epoch``, warm up."""
        live = [item for item in loaded if item.contender.error is None]
        for item in live:
            _close(item.session, item.result)
            item.session = None
        for item in rotation(live, epoch):
            try:
                item.session, _ = self._open(item.artifact, item.candidate)
                warm_up(item.session.run, item.session.sync, self.clock, self.job.warmup)
            except Exception as exc:  # noqa: BLE001 - this candidate only
                item.contender.error = exc
                continue
            item.contender.run, item.contender.sync = item.session.run, item.session.sync

    def run(self):
        from bench.runtimes import RUNTIMES

        job = self.job
        start = time.time()
        results = [CandidateResult(key=c.key) for c in job.candidates]
        group = GroupResult(id=job.id, results=results)
        try:
            plan = self._plan()
            self.runtime = RUNTIMES.get(job.runtime)()
        except Exception as exc:  # noqa: BLE001 - every candidate says why
            for r in results:
                r.status, r.error = "failed", _one_line(exc)
            return group
        self.threads = plan.threads
        group.threads, group.idle_cpus = plan.threads, plan.idle_cpus
        group.cpu_affinity = cpus.format_cpu_list(plan.affinity)
        loaded = []
        for candidate, result in zip(job.candidates, results):
            item = self._load(candidate, result)
            if item is not None:
                loaded.append(item)
        if loaded:
            self._measure(loaded, plan, group)
        group.elapsed_s = time.time() - start
        return group

    def _measure(self, loaded, plan, group):
        job = self.job
        reader_ok = cpus.read_cpu_busy() is not None and cpus.read_self_ticks() is not None
        sampler = cpus.LoadSampler(plan.affinity) if reader_ok else cpus.NoLoadSampler()
        contenders = [item.contender for item in loaded]
        if job.idle_s > 0:  # a device sampler reads the idle power now
            self.send("idle")
            time.sleep(job.idle_s)
        self.send("trials")
        try:
            group.rounds, group.stop = run_rounds(
                contenders, job, self.clock, sampler,
                on_trial=lambda c, r: self.send("trial", key=c.key, round_no=r,
                                                info=c.last_trial()),
                reload=lambda epoch: self._reload(loaded, epoch))
        finally:
            self.send("trials_done")
        for item in loaded:
            c, result = item.contender, item.result
            if c.error is None and item.session is not None:
                self.send("latency", key=c.key)
                try:
                    result.latency_ns = latency_pass(c.run, c.sync, self.clock, c.trial_size)
                except Exception as exc:  # noqa: BLE001
                    c.error = exc
            if c.error is not None:
                result.status, result.error = "failed", _one_line(c.error)
            result.trial_iters, result.trial_ns = c.trial_iters, c.trial_ns
            result.trial_round = c.trial_round
            result.trial_background, result.dropped = c.trial_background, c.dropped
            if item.session is not None:
                result.notes = "; ".join(filter(None, [result.notes,
                                                       getattr(item.session, "notes", "")]))
                info = getattr(item.session, "info", None)
                try:
                    result.info = info() if callable(info) else {}
                except Exception:  # noqa: BLE001 - info is a nicety
                    result.info = {}
                _close(item.session, result)


def hello():
    return Hello(pid=os.getpid(), python=platform.python_version(), time=time.time(),
                 runner="bench worker")


def main():
    channel = Channel()
    allowed = cpus.allowed_cpus()  # before any pinning: each group chooses among these
    channel.send(hello())
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            job = decode(line)
            if not isinstance(job, MeasureJob):
                raise ValueError("expected a job, got a {!r} message".format(job.EVENT))
        except (ValueError, TypeError) as exc:
            channel.send(WorkerError(error="bad job line: {}".format(exc)))
            continue
        channel.send(GroupMeasurement(job, channel, allowed=allowed).run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
