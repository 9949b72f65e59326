"""Result CSVs: flat rows carrying their whole configuration, appended one at a time.

Each row is written with a single ``write`` on an ``O_APPEND`` descriptor and then
``fsync``-ed, so a run killed at any moment leaves only complete rows. On reopen
a torn last line (power loss) is cut off before appending.
"""

import csv
import io
import os

# The documented column set (README "Result columns"). Order is the file's order.
COLUMNS = (
    "timestamp", "device", "device_kind", "model", "family", "params_m", "macs_m",
    "format", "runtime", "precision", "resolution", "batch", "trial_size", "warmup",
    "rounds", "threads", "cpu_affinity", "throughput", "throughput_ci_low",
    "throughput_ci_high", "throughput_min", "throughput_max", "cv", "unstable",
    "baseline", "relative_time", "relative_time_ci_low", "relative_time_ci_high",
    "background_cpu_pct", "trials_dropped",
    "latency_ms_mean", "latency_ms_std", "latency_ms_p50", "latency_ms_p90", "latency_ms_p95",
    "latency_ms_p99", "first_inference_ms", "load_ms", "memory_mb", "export_s", "export_cached",
    "engine_build_s", "parity_max_abs_err", "parity_argmax_agree", "status", "error", "notes",
    "trial_throughputs", "artifact_key",
    # sampled on the device during the measurement (Jetson tegrastats; Android thermal/battery)
    "power_mw_mean", "gpu_temp_c_mean", "gpu_temp_c_max", "cpu_temp_c_mean", "cpu_temp_c_max",
    "gpu_load_pct_mean", "monitor_samples", "delegate", "thermal_status_before",
    "thermal_status_after", "battery_temp_c_before", "battery_temp_c_after",
    # device state
    "host", "os", "cpu_model", "logical_cores", "cpu_governor", "cpu_freq_mhz", "gpu_name",
    "python_version", "torch_version", "onnxruntime_version", "litert_version",
    "tensorrt_version", "l4t", "power_mode", "clocks_locked", "device_model", "soc", "abi",
    "android_version",
)

KEY_COLUMNS = ("device", "model", "format", "runtime", "precision", "resolution", "batch")
DONE_STATUSES = ("ok", "unsupported")  # resume skips these; failed/crashed are tried again
STATUSES = ("ok", "failed", "unsupported", "crashed")


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
    with open(path, newline="") as fh:
        text = fh.read()
    if text and not text.endswith("\n"):
        text = text[:text.rfind("\n") + 1]
    return list(csv.DictReader(io.StringIO(text)))


class ResultsWriter:
    """Append-only writer; ``write(row)`` makes the row durable before returning."""

    def __init__(self, path, columns=COLUMNS):
        self.path = path
        self.columns = tuple(columns)
        parent = os.path.dirname(os.path.abspath(path))
        os.makedirs(parent, exist_ok=True)
        exists = os.path.exists(path) and os.path.getsize(path) > 0
        if exists:
            _repair_torn_tail(path)
            with open(path, newline="") as fh:
                header = next(csv.reader(fh), None)
            if header and tuple(header) != self.columns:
                raise ValueError("{} has other columns (written by another bench version or "
                                 "command); pass a new --out file".format(path))
            exists = bool(header)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if not exists:
            self._write(",".join(self.columns) + "\n")

    def _write(self, line):
        data = line.encode("utf-8")
        written = os.write(self._fd, data)
        if written != len(data):  # O_APPEND regular-file writes are not split in practice
            raise OSError("short write to {}".format(self.path))
        os.fsync(self._fd)

    def write(self, row):
        self._write(format_row(row, self.columns))

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
