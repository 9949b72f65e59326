"""Result CSVs: flat rows carrying their whole configuration, appended one at a time.

Each row is written with a single ``write`` on an ``O_APPEND`` descriptor and then
``fsync``-ed, so a run killed at any moment leaves only complete rows. On reopen
a torn last line (power loss) is cut off before appending. One process writes a file
at a time (a lock), and a full disk never leaves a torn row.
"""

import csv
import errno
import io
import os

from bench.errors import EnvironmentProblem
from bench.fileutil import write_problem

# The documented column set (README "Result columns"). Order is the file's order.
COLUMNS = (
    "timestamp", "device", "device_kind", "model", "family", "params_m", "macs_m", "macs_tool",
    "format", "runtime", "precision", "resolution", "batch", "inputs", "trial_size", "warmup",
    "rounds", "threads", "cpu_affinity", "throughput", "throughput_ci_low",
    "throughput_ci_high", "throughput_min", "throughput_max", "cv", "unstable",
    "baseline", "relative_time", "relative_time_ci_low", "relative_time_ci_high",
    "trial_relative_times",
    "background_cpu_pct", "trials_dropped",
    "latency_ms_mean", "latency_ms_std", "latency_ms_p50", "latency_ms_p90", "latency_ms_p95",
    "latency_ms_p99", "first_inference_ms", "switch_ms", "load_ms", "memory_mb", "artifact_mb",
    "export_s", "export_cached",
    "engine_build_s", "parity_max_abs_err", "parity_argmax_agree", "status", "error", "notes",
    "trial_throughputs", "artifact_key",
    # sampled on the device during the measurement (Jetson tegrastats, RAPL/NVML here, a
    # phone's battery; Android thermal status): per model, from the samples of its trials
    "energy_mj_per_inference", "dynamic_energy_mj_per_inference", "power_mw_mean",
    "idle_power_mw", "power_source", "start_temp_c", "gpu_temp_c_mean", "gpu_temp_c_max",
    "cpu_temp_c_mean", "cpu_temp_c_max",
    "gpu_load_pct_mean", "monitor_samples", "delegate", "thermal_status_before",
    "thermal_status_after", "battery_temp_c_before", "battery_temp_c_after",
    # device state
    "host", "os", "cpu_model", "logical_cores", "cpu_governor", "cpu_freq_mhz", "gpu_name",
    "python_version", "torch_version", "onnxruntime_version", "litert_version",
    "tensorrt_version", "l4t", "power_mode", "clocks_locked", "device_model", "soc", "abi",
    "android_version",
    "lab_worker",  # --lab: the host (and device) whose bench worker measured the row
)

KEY_COLUMNS = ("device", "model", "format", "runtime", "precision", "resolution", "batch")
DONE_STATUSES = ("ok", "unsupported")  # resume skips these; failed/crashed are tried again
STATUSES = ("ok", "failed", "unsupported", "crashed", "invalid")  # invalid: bad input (exit 2)


def row_key(row):
    return tuple(str(row.get(c, "")) for c in KEY_COLUMNS)


def _format(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "{:.6g}".format(value)
    if isinstance(value, (list, tuple)):
        return ";".join(_format(v) for v in value)
    return str(value)


def format_row(row, columns=COLUMNS):
    """One CSV line (with newline) for ``row``; unknown keys are a programming error."""
    extra = set(row) - set(columns)
    if extra:
        raise KeyError("columns not in the CSV schema: {}".format(", ".join(sorted(extra))))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([_format(row.get(c)) for c in columns])
    return buf.getvalue()


def _repair_torn_tail(path):
    """Cut a last line that has no newline (a write interrupted by power loss)."""
    with open(path, "rb+") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        if size == 0:
            return
        fh.seek(max(0, size - 65536))
        tail = fh.read()
        if tail.endswith(b"\n"):
            return
        cut = tail.rfind(b"\n")
        fh.truncate(size - len(tail) + cut + 1 if cut >= 0 else 0)


def read_rows(path):
    """All complete rows of a results CSV as dicts (a torn last line is ignored)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        text = fh.read()
    if text and not text.endswith("\n"):
        text = text[:text.rfind("\n") + 1]
    return list(csv.DictReader(io.StringIO(text)))


class ResultsWriter:
    """Append-only writer; ``write(row)`` makes the row durable before returning.

    A results file has one writer at a time: the writer holds an exclusive ``flock`` on
    it, and a second bench process (another ``--resume`` of the same file, say) is
    refused with the holder's pid and command, instead of measuring the same keys at the
    same time and slowing both. A write that fails (a full disk) cuts back whatever part
    of the row reached the file, so it holds only complete rows, and says how to go on.
    """

    def __init__(self, path, columns=COLUMNS):
        self.path = path
        self.columns = tuple(columns)
        self._fd = None
        parent = os.path.dirname(os.path.abspath(path))
        try:
            os.makedirs(parent, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise write_problem(path, exc, "write results to") from None
        try:
            self._lock(fd)
            exists = os.fstat(fd).st_size > 0
            if exists:
                _repair_torn_tail(path)
                with open(path, newline="", encoding="utf-8-sig") as fh:
                    header = next(csv.reader(fh), None)
                if header and tuple(header) != self.columns:
                    raise ValueError("{} has other columns (written by another bench version or "
                                     "command); pass a new --out file".format(path))
                exists = bool(header)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        if not exists:
            self._write(",".join(self.columns) + "\n")

    def _lock(self, fd):
        import fcntl

        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(self.path)
            raise EnvironmentProblem("{} is being written by another bench{}; wait for it to "
                                     "finish (or stop it), or pass another --out".format(
                                         self.path, " ({})".format(holder) if holder else ""))
        _write_holder(self.path)

    def _write(self, line):
        data = line.encode("utf-8")
        size = os.fstat(self._fd).st_size
        try:
            written = os.write(self._fd, data)
            if written != len(data):  # O_APPEND writes are not split unless the disk is full
                raise OSError(errno.ENOSPC, "No space left on device (short write)")
            os.fsync(self._fd)
        except OSError as exc:
            try:
                os.ftruncate(self._fd, size)  # no torn row: the file ends with a complete one
            except OSError:
                pass  # _repair_torn_tail cuts it when the file is opened again
            raise write_problem(self.path, exc) from None

    def write(self, row):
        self._write(format_row(row, self.columns))

    def close(self):
        if self._fd is not None:
            _remove_holder(self.path)
            os.close(self._fd)  # releases the lock
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _holder_path(path):
    return path + ".writer"


def _write_holder(path):
    """Who holds the lock (for the message a second writer gets); best effort."""
    import socket
    import sys
    import time

    try:
        with open(_holder_path(path), "w") as fh:
            fh.write("pid {} on {}, since {}: {}\n".format(
                os.getpid(), socket.gethostname(), time.strftime("%H:%M:%S"),
                " ".join(["bench"] + sys.argv[1:])[:200]))
    except OSError:
        pass


def _read_holder(path):
    try:
        with open(_holder_path(path)) as fh:
            return fh.read().strip()
    except OSError:
        return ""


def _remove_holder(path):
    try:
        os.remove(_holder_path(path))
    except OSError:
        pass
