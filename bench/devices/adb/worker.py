"""The measurement "worker" of a phone: ``benchmark_model`` run through ``adb shell``.

It has the interface of :class:`~bench.devices.worker_client.WorkerProcess`
(``request``, ``alive``, ``kill``, ``close``, ``on_progress``, ``hello``) so the runner
treats a phone like any device, but the phone's own tool does the timing (SPEC §7):
one ``benchmark_model`` invocation is one trial. A group's models are rotated per
round exactly as the host's worker rotates them (:func:`bench.measure.rounds.run_rounds`,
same stop rules), the CPU time other processes took on the phone is read around each
invocation where the phone lets the shell read ``/proc/stat``, and the thermal status
and battery temperature are read before the first round and after the last.
"""

import time

from bench.devices.adb.benchmark import (benchmark_flags, classify_failure, ignored_signature,
                                         representative_columns, thermal_verdict, trial_of)
from bench.devices.adb.errors import AdbDeviceLost, AdbError, AdbTimeout
from bench.devices.adb.facts import mask_cpus, parse_load, read_thermal, thermal_columns
from bench.devices.adb.parsers import parse_benchmark_model
from bench.measure.cpus import NoLoadSampler
from bench.measure.messages import CandidateResult, GroupResult, Hello, Progress
from bench.measure.rounds import Contender, run_rounds


class TrialFailed(Exception):
    """An invocation that produced no timings: the row's status and the tool's message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class PhoneContender(Contender):
    """One model on the phone: a trial is one ``benchmark_model`` invocation."""

    def __init__(self, worker, candidate, binary, argv, cpus, timeout, batch):
        super().__init__(candidate.key, batch=batch)
        self.candidate = candidate
        self.worker = worker
        self.binary = binary
        self.argv = argv
        self.cpus = cpus
        self.timeout = timeout
        self.runs = []  # parsed outputs, one per kept or dropped trial

    def trial(self, clock, sampler):
        device = self.worker.device
        res = device.adb.run_long(self.argv, self.timeout, load=True)
        try:
            parsed, error = parse_benchmark_model(res.text), None
        except ValueError as exc:
            parsed, error = None, str(exc)
        if parsed is None or res.status != 0:
            status, message = classify_failure(res.status, res.text, self.binary,
                                               device.facts.abi, device.config.delegate, error)
            raise TrialFailed(status, message)
        signature = (self.candidate.select or {}).get("signature")
        ignored = ignored_signature(res.text, signature) if signature else None
        if ignored:
            raise TrialFailed("unsupported", ignored)
        self.runs.append(parsed)
        iters, ns = trial_of(parsed)
        background = parse_load(res.load[0], res.load[1], self.cpus) if res.load else None
        return iters, ns, background


class AdbWorker:
    """Runs jobs on one phone; never a separate process on the host, so it cannot die."""

    def __init__(self, device, on_progress=None):
        self.device = device
        self.on_progress = on_progress
        self.hello = Hello(runner="benchmark_model over adb")
        self._closed = False
        self.current = None

    def _send(self, job, phase, key=None, round_no=None, info=None):
        if key is not None:
            self.current = key
        if self.on_progress:
            self.on_progress(Progress(id=job.id, phase=phase, key=key, round=round_no, info=info))

    def request(self, job, timeout, start_timeout=None, timeout_for=None):
        """One :class:`MeasureJob` -> a :class:`GroupResult`; each invocation may take up
        to ``timeout`` seconds.

        A phone that went away gives a ``crashed`` result carrying ``lost`` (the device's
        ``check_connection`` then stops the run); a hang or other adb trouble is a
        ``crashed`` result naming the model it happened on.
        """
        self.current = None
        try:
            return self._measure(job, timeout)
        except AdbDeviceLost as exc:
            return GroupResult(id=job.id, status="crashed", error=str(exc), lost=str(exc),
                               culprit=self.current)
        except AdbTimeout as exc:
            return GroupResult(id=job.id, status="crashed", culprit=self.current,
                               error="timed out after {:g} s: {}".format(timeout, exc))
        except AdbError as exc:
            return GroupResult(id=job.id, status="crashed", error=str(exc), culprit=self.current)

    def _measure(self, job, timeout):
        device, adb = self.device, self.device.adb
        cfg = device.config
        binary, mask = device.binary(), device.cpu_mask()
        cpus = mask_cpus(mask) if mask else None
        results = [CandidateResult(key=c.key, columns={"delegate": cfg.delegate})
                   for c in job.candidates]
        group = GroupResult(id=job.id, results=results, cpu_affinity=mask or "")
        contenders, notes = [], {}
        for candidate, result in zip(job.candidates, results):
            self._send(job, "load", candidate.key)
            flags, notes[candidate.key], threads = benchmark_flags(job, candidate, cfg)
            result.info = {"threads": threads}
            argv = (["taskset", mask] if mask else []) + [binary] + flags
            contenders.append(PhoneContender(self, candidate, binary, argv, cpus, timeout, job.batch))
        group.threads = results[0].info["threads"] if results else None
        thermal, battery = read_thermal(adb)
        before_cols = thermal_columns(thermal, battery, "before")
        before = thermal["thermal_status"] if thermal else None
        if job.idle_s > 0:  # the battery sampler reads the idle power now
            self._send(job, "idle")
            time.sleep(job.idle_s)
        self._send(job, "trials")
        try:
            group.rounds, group.stop = run_rounds(
                contenders, job, time.perf_counter_ns, NoLoadSampler(),
                on_trial=lambda c, r: self._send(job, "trial", c.key, r, c.last_trial()),
                fatal=(AdbDeviceLost, AdbTimeout))
        except AdbTimeout:
            for result in results:  # a timeout still reads the state after
                result.columns.update(thermal_columns(*read_thermal(adb), when="after"))
            raise
        finally:
            self._send(job, "trials_done")
        thermal, battery = read_thermal(adb)  # also after a failure: the columns stay
        after_cols = thermal_columns(thermal, battery, "after")
        unstable, why = thermal_verdict(before, thermal["thermal_status"] if thermal else None)
        for contender, result in zip(contenders, results):
            self._fill(result, contender, notes[contender.key], unstable, why)
            result.columns.update(before_cols)
            result.columns.update(after_cols)
        return group

    @staticmethod
    def _fill(result, contender, notes, unstable, why):
        result.trial_iters, result.trial_ns = contender.trial_iters, contender.trial_ns
        result.trial_round = contender.trial_round
        result.trial_background, result.dropped = contender.trial_background, contender.dropped
        if contender.error is not None:
            result.status = getattr(contender.error, "status", "failed")
            result.error = str(contender.error)
        elif contender.runs:
            result.summary, result.load_ms = representative_columns(contender.runs)
            if unstable:
                result.summary["unstable"] = True
                notes = notes + [why]
        result.notes = "; ".join(notes)

    def alive(self):
        return not self._closed

    def kill(self):
        """Nothing runs between requests (``run_long`` stops its command on the phone)."""
        self._closed = True

    def close(self):
        self._closed = True
