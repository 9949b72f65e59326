"""Several devices in one command: ``--device a,b,c`` or ``--device @group``.

Each device gets its own thread, its own :class:`~bench.runner.BenchmarkRun` (its own
worker, monitor and lease: one measurement at a time per device) and its own line of
progress; all of them append complete rows to the one results file through a writer
shared under a lock. A device that is lost or refused (busy past ``--lock-timeout``,
unreachable) stops only its own queue; the others go on, and the command ends with one
line naming what stopped and the ``--resume`` command that continues it (the row keys
hold the device, so a resume skips what each device finished). Ctrl-C stops every
device: their workers are killed, every finished row is kept.
"""

import sys
import threading
import time

from bench.errors import BenchError
from bench.registry import did_you_mean


class Stopped(BenchError):
    """A lane told to stop (Ctrl-C on the whole command): not an error of its device."""


def device_names(text, config):
    """``"a,b"`` / ``"@group"`` (mixed: ``"@lab,local"``) -> device names, in order, once each."""
    names = []
    for item in str(text).split(","):
        item = item.strip()
        if not item:
            continue
        if item.startswith("@"):
            group = item[1:]
            if group not in config.groups:
                raise BenchError("--device {}: unknown device group {!r}{}; define it as [groups] "
                                 "{} = [\"a\", \"b\"] in {}".format(
                                     text, group, did_you_mean(group, list(config.groups)), group,
                                     config.path or "bench.toml"))
            members = config.groups[group]
        else:
            members = [item]
        names.extend(m for m in members if m not in names)
    if not names:
        raise BenchError("--device {!r}: no device named; give one (local, a [devices.NAME]), "
                         "several (a,b) or a group (@NAME)".format(text))
    return names


def label_for(text, names):
    """The device part of a results file name: the group's name, or the names joined."""
    text = str(text).strip()
    if text.startswith("@") and "," not in text:
        return text[1:]
    return "+".join(names)


class SharedWriter:
    """One results writer for several threads: each row is written whole, under a lock."""

    def __init__(self, writer):
        self.writer = writer
        self._lock = threading.Lock()

    def write(self, row):
        with self._lock:
            self.writer.write(row)

    def close(self):
        with self._lock:
            self.writer.close()


class FleetProgress:
    """One progress line for several devices (``nano: round 3 ... | orin: loading ...``);
    each device's thread talks to its own :meth:`for_device` proxy."""

    def __init__(self, progress):
        self.progress = progress
        self.status = {}
        self._lock = threading.RLock()

    def for_device(self, name):
        return _DeviceProgress(self, name)

    def _update(self, name, what):
        with self._lock:
            self.status[name] = what
            self.progress.update(" | ".join("{}: {}".format(n, s) for n, s in self.status.items()))

    def add(self, total):
        """A device's thread counts its rows once it knows its runtimes."""
        with self._lock:
            self.progress.total += total

    def _advance(self, name):
        with self._lock:
            self.progress.done += 1
            self._update(name, self.status.get(name, ""))

    def write(self, message, stream=None):
        with self._lock:
            self.progress.write(message, stream)

    def close(self):
        with self._lock:
            self.progress.close()


class _DeviceProgress:
    def __init__(self, fleet, name):
        self.fleet, self.name = fleet, name

    def update(self, what=""):
        self.fleet._update(self.name, what)

    def advance(self, what=""):
        self.fleet._advance(self.name)

    def write(self, message, stream=None):
        self.fleet.write("{}: {}".format(self.name, message), stream)

    def close(self):
        pass


class Lane:
    """One device's share of the work: ``body()`` runs in its own thread, holding the
    device's lease; ``error`` is what stopped it (None: finished)."""

    def __init__(self, device, body, lease):
        self.device, self.body, self.lease = device, body, lease
        self.error = None
        self.runner = None  # set by body's maker: killed on Ctrl-C
        self.thread = threading.Thread(target=self._main, name="bench-" + device.name,
                                       daemon=True)
        self.stopping = False

    def _main(self):
        try:
            with self.lease:
                self.device.setup(getattr(self.lease, "log", None))
                self.body()
        except Stopped:
            pass
        except BenchError as exc:
            self.error = exc
        except Exception as exc:  # noqa: BLE001 - a bug on one device: reported, the rest goes on
            import traceback

            self.error = BenchError("internal error on {}: {}: {} (rerun with --debug and "
                                    "report it)".format(self.device.name, type(exc).__name__, exc))
            if "--debug" in sys.argv:
                traceback.print_exc()

    def stop(self):
        """Ctrl-C: kill this device's measurement (its rows so far are kept)."""
        self.stopping = True
        if self.runner is not None:
            self.runner.stop_requested = True
            try:
                self.runner._release_worker(force=True)
            except Exception:  # noqa: BLE001 - stopping: the worker may be gone already
                pass


def run_lanes(lanes, poll_s=0.2):
    """Start every lane, wait for all; a KeyboardInterrupt stops them all and is re-raised
    once their threads have ended (or after a few seconds: daemon threads)."""
    for lane in lanes:
        lane.thread.start()
    try:
        while any(lane.thread.is_alive() for lane in lanes):
            for lane in lanes:
                lane.thread.join(poll_s / max(1, len(lanes)))
    except KeyboardInterrupt:
        for lane in lanes:
            lane.stop()
        deadline = time.monotonic() + 10
        for lane in lanes:
            lane.thread.join(max(0.0, deadline - time.monotonic()))
        raise
