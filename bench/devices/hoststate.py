"""Device-state columns of the machine this process runs on (Linux /proc and /sys)."""

import os
import platform
import socket


def _read(path):
    try:
        with open(path) as fh:
            return fh.read().strip()
    except OSError:
        return ""


def cpu_model():
    for line in _read("/proc/cpuinfo").splitlines():
        if line.lower().startswith(("model name", "hardware", "processor\t: arm")):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def cpu_governor():
    return _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")


def cpu_freq_mhz():
    khz = _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq")
    if khz.isdigit():
        return round(int(khz) / 1000.0)
    for line in _read("/proc/cpuinfo").splitlines():
        if line.lower().startswith("cpu mhz"):
            return round(float(line.split(":", 1)[1]))
    return None


def package_version(name):
    try:
        from importlib import metadata
        return metadata.version(name)
    except Exception:  # noqa: BLE001 - not installed is an empty column
        return ""


def host_state():
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else ""
    return {
        "host": socket.gethostname(),
        "os": "{} {}".format(platform.system(), platform.release()),
        "cpu_model": cpu_model(),
        "logical_cores": os.cpu_count(),
        "cpu_governor": cpu_governor(),
        "cpu_freq_mhz": cpu_freq_mhz(),
        "gpu_name": gpu,
        "python_version": platform.python_version(),
        "torch_version": torch.__version__,
        "onnxruntime_version": package_version("onnxruntime"),
        "litert_version": package_version("ai-edge-litert"),
        "tensorrt_version": package_version("tensorrt"),
    }
