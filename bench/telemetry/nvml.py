"""NVIDIA GPU power and temperature through NVML (``pynvml``, from the nvidia-ml-py package).

Power comes from the board's cumulative energy counter
(``nvmlDeviceGetTotalEnergyConsumption``, mJ, Volta and newer) where the GPU has one:
the difference over an interval is the exact mean, whatever the sample rate. GPUs
without it (before Volta) only give ``nvmlDeviceGetPowerUsage`` (mW), which on those
architectures is an instantaneous reading (NVML docs), not the interval's mean. Jetson
boards have no NVML (read their rails with tegrastats instead).

``pynvml`` is imported when a reader is built, so ``import bench.telemetry`` works
without it.
"""

from bench.telemetry import TelemetryUnavailable

PIN = "nvidia-ml-py==13.580.82"


def _is(pynvml, exc, name):
    """``exc`` is pynvml's ``NVMLError_<name>`` (a class pynvml builds per error code)."""
    cls = getattr(pynvml, "NVMLError_" + name, None)
    return cls is not None and isinstance(exc, cls)


def _import_pynvml():
    try:
        import pynvml
    except ImportError:
        raise TelemetryUnavailable("pynvml is not installed: pip install {} (the bench[nvml] "
                                   "extra)".format(PIN))
    return pynvml


class NvmlReader:
    """Power (mW) and temperature (C) of one NVIDIA GPU; ``close()`` when done."""

    source = "nvml"

    def __init__(self, index=0, pynvml=None):
        nv = pynvml if pynvml is not None else _import_pynvml()
        self._nv, self.index, self._open = nv, index, False
        try:
            nv.nvmlInit()
        except nv.NVMLError as exc:
            if _is(nv, exc, "LibraryNotFound"):
                raise TelemetryUnavailable("NVML library (libnvidia-ml.so) not found: no NVIDIA "
                                           "driver here; install the NVIDIA driver or go without "
                                           "GPU power")
            if _is(nv, exc, "DriverNotLoaded"):
                raise TelemetryUnavailable("NVIDIA driver not loaded (nvmlInit: {}): load it "
                                           "(`nvidia-smi` must work) or go without GPU power"
                                           .format(exc))
            raise TelemetryUnavailable("nvmlInit failed ({}): check `nvidia-smi` works, or go "
                                       "without GPU power".format(exc))
        self._open = True
        try:
            count = nv.nvmlDeviceGetCount()
            if count == 0:
                raise TelemetryUnavailable("NVML sees no NVIDIA GPU: check `nvidia-smi -L`")
            if not 0 <= index < count:
                raise TelemetryUnavailable("no NVIDIA GPU {} (NVML sees {}): pick an index from 0 "
                                           "to {}".format(index, count, count - 1))
            self._handle = nv.nvmlDeviceGetHandleByIndex(index)
            self.energy_based = self._supported(nv.nvmlDeviceGetTotalEnergyConsumption)
            if not self.energy_based and not self._supported(nv.nvmlDeviceGetPowerUsage):
                raise TelemetryUnavailable("NVIDIA GPU {} reports neither energy nor power to "
                                           "NVML (not supported on this board); go without GPU "
                                           "power".format(index))
        except nv.NVMLError as exc:
            self.close()
            raise TelemetryUnavailable("NVML could not open GPU {} ({}): check `nvidia-smi`"
                                       .format(index, exc))
        except TelemetryUnavailable:
            self.close()
            raise
        self._last = None           # (now, energy_mj)

    def _supported(self, query):
        try:
            query(self._handle)
        except self._nv.NVMLError as exc:
            if _is(self._nv, exc, "NotSupported"):
                return False
            raise
        return True

    def sample(self, now):
        """Mean power in mW over [previous call, now] from the energy counter (None on the
        first call: it primes); without that counter, the driver's power reading now (mW).

        None when NVML fails for this sample (the energy path primes again afterwards).
        """
        nv = self._nv
        if not self.energy_based:
            try:
                return float(nv.nvmlDeviceGetPowerUsage(self._handle))
            except nv.NVMLError:
                return None
        try:
            energy = nv.nvmlDeviceGetTotalEnergyConsumption(self._handle)
        except nv.NVMLError:
            self._last = None
            return None
        last, self._last = self._last, (now, energy)
        if last is None:
            return None
        then, before = last
        if now <= then:
            self._last = last
            return None
        if energy < before:          # counter reset (driver reloaded): start over
            return None
        return (energy - before) / (now - then)   # mJ/s = mW

    def temperature_c(self):
        """GPU core temperature in C, or None when NVML cannot read it now."""
        nv = self._nv
        try:
            return float(nv.nvmlDeviceGetTemperature(self._handle, nv.NVML_TEMPERATURE_GPU))
        except nv.NVMLError:
            return None

    def close(self):
        """Release NVML (once; further calls do nothing)."""
        if self._open:
            self._open = False
            try:
                self._nv.nvmlShutdown()
            except self._nv.NVMLError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
