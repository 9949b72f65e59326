"""The local machine: the worker is a subprocess of this Python."""

import os
import sys

import bench
from bench.devices.base import Check, Device, register_device, runtime_checks
from bench.devices.hoststate import host_state
from bench.devices.worker_client import WorkerProcess


def worker_env():
    """Environment for a worker subprocess: this checkout/installation importable."""
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(bench.__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


@register_device
class LocalDevice(Device):
    kind = "local"

    def __init__(self, name, config, export_config=None):
        super().__init__(name, config, export_config)
        self._state = None

    def _has_cuda(self):
        import torch

        return torch.cuda.is_available()

    def accelerator(self, runtime_cls):
        devices = getattr(runtime_cls, "devices", ("cpu", "cuda"))
        return "cuda" if "cuda" in devices and self._has_cuda() else "cpu"

    def available_runtimes(self):
        from bench.runtimes import RUNTIMES
        from bench.runtimes.base import Unsupported

        names = []
        for name, cls in RUNTIMES.items():
            try:
                cls().check("fp32", self.accelerator(cls))
            except Unsupported:
                continue
            names.append(name)
        return names

    def state(self):
        if self._state is None:
            self._state = host_state()
        return dict(self._state)

    def place_artifact(self, artifact):
        return os.path.abspath(artifact.path)

    def spawn_worker(self, on_progress=None):
        return WorkerProcess([sys.executable, "-m", "bench.measure.worker"], env=worker_env(),
                             on_progress=on_progress)

    def monitor(self, job):
        from bench.devices.local_monitor import LocalMonitor, open_power_readers
        from bench.telemetry.thermal import hottest_c, read_zones

        readers, reasons = open_power_readers(cuda=job.device == "cuda")
        if not readers and hottest_c(read_zones()) is None:
            return super().monitor(job)  # nothing to sample here (doctor says why)
        return LocalMonitor(readers, reasons)

    def lease_key(self):
        return "local"  # this machine, whatever a config calls it

    def temperature(self):
        from bench.devices.local_monitor import local_temperature, open_power_readers

        readers, _ = open_power_readers(cuda=self._has_cuda())
        try:
            return local_temperature(readers)
        finally:
            for reader in readers:
                getattr(reader, "close", lambda: None)()

    def temperature_problem(self):
        return "no readable /sys/class/thermal zone and no NVIDIA GPU"

    def doctor(self):
        import platform

        yield Check("python", True, "{} ({})".format(platform.python_version(), sys.executable))
        state = self.state()
        yield Check("cpu", None, "{} x{} governor={}".format(
            state["cpu_model"], state["logical_cores"], state["cpu_governor"] or "?"))
        yield Check("cuda", None, state["gpu_name"] or "no CUDA GPU visible (CPU runtimes only)")
        yield from self._telemetry_checks()
        yield from runtime_checks(self)


    def _telemetry_checks(self):
        from bench.devices.local_monitor import open_power_readers

        readers, reasons = open_power_readers(cuda=self._has_cuda())
        yield Check("power", None, ", ".join(r.source for r in readers) + " (energy columns filled)"
                    if readers else "not readable: " + "; ".join(reasons) +
                    " (energy columns stay empty)")
        temp = self.temperature()
        yield Check("temperature", None, "{:.1f} C".format(temp) if temp is not None else
                    "not readable: " + self.temperature_problem() + " (--cooldown takes a "
                    "fixed time only, e.g. --cooldown 30s)")
