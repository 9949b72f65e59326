"""The measurement "worker" of a phone: ``benchmark_model`` run through ``adb shell``.

It has the interface of :class:`~bench.devices.worker_client.WorkerProcess`
(``request``, ``alive``, ``kill``, ``close``, ``on_progress``, ``hello``) so the runner
treats a phone like any device, but the phone's own tool does the timing (SPEC §7):
each of the job's ``repeats`` is one ``benchmark_model`` invocation, and the thermal
status and battery temperature are read before the first and after the last.
"""

import time

from bench.devices.adb_benchmark import (benchmark_flags, classify_failure, summarize_runs,
                                         thermal_verdict)
from bench.devices.adb_errors import AdbDeviceLost, AdbError, AdbTimeout
from bench.devices.adb_facts import read_thermal, thermal_columns
from bench.devices.android_parsers import parse_benchmark_model


class AdbWorker:
    """Runs jobs on one phone; never a separate process on the host, so it cannot die."""

    def __init__(self, device, on_progress=None):
        self.device = device
        self.on_progress = on_progress
        self.hello = {"event": "hello", "runner": "benchmark_model over adb"}
        self._closed = False

    def request(self, job, timeout, start_timeout=None):
        """One job -> a result dict (``summary`` columns from the tool's own statistics).

        A phone that went away gives a ``crashed`` result carrying ``lost`` (the device's
        ``check_connection`` then stops the run); other adb trouble is a ``crashed`` row.
        """
        columns = {"delegate": self.device.config.delegate}
        try:
            return self._measure(job, timeout, columns)
        except AdbDeviceLost as exc:
            return self._result(job, "crashed", str(exc), columns, lost=str(exc))
        except AdbTimeout as exc:
            return self._result(job, "crashed", "timed out after {:g} s: {}".format(timeout, exc),
                                columns)
        except AdbError as exc:
            return self._result(job, "crashed", str(exc), columns)

    @staticmethod
    def _result(job, status, error, columns, **extra):
        result = {"event": "result", "id": job.get("id"), "status": status, "error": error,
                  "columns": columns}
        result.update(extra)
        return result

    def _measure(self, job, timeout, columns):
        device, adb = self.device, self.device.adb
        deadline = time.monotonic() + timeout
        flags, notes, threads = benchmark_flags(job, device.config)
        binary, mask = device.binary(), device.cpu_mask()
        argv = (["taskset", mask] if mask else []) + [binary] + flags
        thermal, battery = read_thermal(adb)
        columns.update(thermal_columns(thermal, battery, "before"))
        before = thermal["thermal_status"] if thermal else None
        runs, failure = [], None
        try:  # Ctrl-C or a lost phone: no more adb calls; a timeout still reads the state after
            for done in range(int(job.get("repeats") or 1)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AdbTimeout("benchmark_model repeats ran past the measurement timeout")
                res = adb.run_long(argv, remaining)
                try:
                    parsed = parse_benchmark_model(res.text)
                    error = None
                except ValueError as exc:
                    parsed, error = None, str(exc)
                if parsed is None or res.status != 0:
                    failure = classify_failure(res.status, res.text, binary,
                                               device.facts.abi, device.config.delegate, error)
                    break
                runs.append(parsed)
                if self.on_progress:
                    self.on_progress({"event": "progress", "done": done + 1,
                                      "total": int(job.get("repeats") or 1)})
        except AdbTimeout:
            columns.update(thermal_columns(*read_thermal(adb), when="after"))
            raise
        thermal, battery = read_thermal(adb)  # also after a failure: the columns stay
        columns.update(thermal_columns(thermal, battery, "after"))
        if failure is not None:
            return self._result(job, failure[0], failure[1], columns, notes="; ".join(notes))
        summary, load_ms = summarize_runs(runs, int(job.get("batch") or 1))
        unstable, why = thermal_verdict(before, thermal["thermal_status"] if thermal else None)
        if unstable:
            summary["unstable"] = True
            notes.append(why)
        return self._result(job, "ok", "", columns, summary=summary, load_ms=load_ms,
                            info={"threads": threads}, notes="; ".join(notes))

    def alive(self):
        return not self._closed

    def kill(self):
        """Nothing runs between requests (``run_long`` stops its command on the phone)."""
        self._closed = True

    def close(self):
        self._closed = True
