"""What a device can run: ``python runner.pyz probe [WORKDIR]`` prints one JSON object.

Shipped with the worker (Python 3.6, stdlib at import time). The host reads it for
``bench doctor``, the device-state columns, the default runtimes and the
``unsupported`` reasons — each runtime's own ``check`` decides, on the device,
so the answer is the same one a measurement would get.
"""

import json
import os
import platform
import shutil
import socket
import sys

TOOLS = ("tegrastats", "nvpmodel", "jetson_clocks", "sha256sum", "pkill", "sudo")


def _version(module_name):
    try:
        module = __import__(module_name)
    except Exception as exc:  # noqa: BLE001 - a broken install is reported, not fatal
        return None, "{}: {}".format(type(exc).__name__, str(exc).strip().splitlines()[0] if str(exc).strip() else "")
    return getattr(module, "__version__", "unknown"), None


def _read(path, limit=4096):
    try:
        with open(path) as fh:
            return fh.read(limit)
    except (IOError, OSError):
        return None


def _sysroot(path):
    """``path`` under ``$BENCH_SYSROOT`` when set: a container that sees the Jetson's
    /etc and /proc/device-tree mounted elsewhere."""
    root = os.environ.get("BENCH_SYSROOT")
    return os.path.join(root, path.lstrip("/")) if root else path


def _meminfo():
    text = _read("/proc/meminfo") or ""
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        parts = value.split()
        if key in ("MemTotal", "MemAvailable", "SwapFree") and parts:
            out[key] = int(parts[0]) // 1024  # kB -> MiB
    return out


def _disk_free_mb(path):
    try:
        st = os.statvfs(path)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize // (1 << 20)


def _cpu():
    model = ""
    for line in (_read("/proc/cpuinfo", 65536) or "").splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Hardware", "Model") and value.strip():
            model = value.strip()
            break
    base = "/sys/devices/system/cpu/cpu0/cpufreq/"
    khz = (_read(base + "scaling_cur_freq") or "").strip()
    mhz = int(round(int(khz) / 1000.0)) if khz.isdigit() else None
    for line in (_read("/proc/cpuinfo", 65536) or "").splitlines() if mhz is None else ():
        if line.lower().startswith("cpu mhz"):  # VMs have no cpufreq
            mhz = int(round(float(line.split(":", 1)[1])))
            break
    return {"cpu_model": model or platform.machine(), "logical_cores": os.cpu_count(),
            "cpu_governor": (_read(base + "scaling_governor") or "").strip(), "cpu_freq_mhz": mhz}


def _cuda():
    """(available, gpu name, problem) as torch sees it; TensorRT buffers are torch tensors."""
    try:
        import torch
    except Exception:  # noqa: BLE001
        return False, "", "torch is not importable"
    try:
        if torch.cuda.is_available():
            return True, torch.cuda.get_device_name(0), None
    except Exception as exc:  # noqa: BLE001
        return False, "", "torch.cuda: {}".format(exc)
    return False, "", "torch.cuda.is_available() is False"


def _runtimes(cuda):
    from bench.runtimes import RUNTIMES
    from bench.runtimes.base import Unsupported

    out = {}
    for name, cls in RUNTIMES.items():
        devices = getattr(cls, "devices", ("cpu", "cuda"))
        accel = "cuda" if cuda and "cuda" in devices else "cpu"
        entry = {"device": accel}
        for precision in ("fp32", "fp16"):
            try:
                cls().check(precision, accel)
                entry[precision] = None
            except Unsupported as exc:
                entry[precision] = str(exc).strip().splitlines()[0]
            except Exception as exc:  # noqa: BLE001 - a broken package is a reason too
                entry[precision] = "{}: {}".format(type(exc).__name__, exc)
        out[name] = entry
    return out


def probe(workdir=None):
    cuda, gpu, cuda_problem = _cuda()
    versions, problems = {}, {}
    for module in ("numpy", "torch", "torchvision", "tensorrt", "torch2trt", "onnxruntime",
                   "ai_edge_litert", "tflite_runtime"):
        versions[module], problem = _version(module)
        if problem:
            problems[module] = problem
    info = {
        "python": platform.python_version(), "executable": sys.executable,
        "hostname": socket.gethostname(), "os": "{} {}".format(platform.system(), platform.release()),
        "machine": platform.machine(), "cuda": cuda, "gpu_name": gpu, "cuda_problem": cuda_problem,
        "versions": versions, "import_problems": problems, "memory_mb": _meminfo(),
        "disk_free_mb": _disk_free_mb(workdir or os.getcwd()),
        "nv_tegra_release": _read(_sysroot("/etc/nv_tegra_release")),
        "module": (_read(_sysroot("/proc/device-tree/model")) or "").strip("\x00\n ") or None,
        "tools": dict((t, shutil.which(t)) for t in TOOLS),
        "runtimes": _runtimes(cuda),
    }
    info.update(_cpu())
    return info


def main(argv=None):
    argv = sys.argv[2:] if argv is None else argv  # runner.pyz probe [WORKDIR]
    sys.stdout.write(json.dumps(probe(argv[0] if argv else None)) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
