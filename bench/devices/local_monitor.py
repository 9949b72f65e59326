"""What the local machine can sample: CPU package power (RAPL powercap), an NVIDIA GPU's
power and temperature (NVML), and the thermal zones. Each source that cannot be read is
left out with its reason (``bench doctor`` prints them); the row's ``power_source`` says
which were summed."""

from bench.devices.monitor import PolledMonitor
from bench.telemetry import TelemetryUnavailable
from bench.telemetry.thermal import hottest_c, read_zones

INTERVAL_S = 0.02  # energy counters (RAPL, NVML on Volta+) make short windows exact


def open_power_readers(cuda):
    """([readers], [reasons]) for this machine: RAPL always tried, NVML when ``cuda``."""
    from bench.telemetry.nvml import NvmlReader
    from bench.telemetry.rapl import RaplReader

    readers, reasons = [], []
    for make, wanted in ((RaplReader, True), (NvmlReader, cuda)):
        if not wanted:
            continue
        try:
            readers.append(make())
        except TelemetryUnavailable as exc:
            reasons.append(str(exc))
    return readers, reasons


def local_temperature(readers=()):
    """The hottest of the thermal zones and the GPU (NVML), or None."""
    temps = [hottest_c(read_zones())]
    for reader in readers:
        if hasattr(reader, "temperature_c"):
            try:
                temps.append(reader.temperature_c())
            except Exception:  # a GPU that stops answering: no temperature from it
                pass
    temps = [t for t in temps if t is not None]
    return max(temps) if temps else None


class LocalMonitor(PolledMonitor):
    """RAPL and/or NVML power (summed: the row says which) and temperatures, polled every
    ``INTERVAL_S``."""

    def __init__(self, readers, reasons=(), interval_s=None, zones=read_zones):
        # temperatures alone change slowly: no need to poll them 50 times a second
        super().__init__(interval_s or (INTERVAL_S if readers else 0.5))
        self.readers = readers
        self.zones = zones
        self.source = "+".join(r.source for r in readers)
        # why a source is missing goes to `bench doctor`, not to every row of a laptop
        self.unavailable = list(reasons)
        self._gpu = [r for r in readers if hasattr(r, "temperature_c")]

    def read(self, start, end):
        powers = [r.sample(end) for r in self.readers]
        power = sum(powers) if powers and all(p is not None for p in powers) else None
        cpu = hottest_c(self.zones())
        gpu = None
        for reader in self._gpu:
            gpu = reader.temperature_c()
        temps = [t for t in (cpu, gpu) if t is not None]
        if power is None and not temps:
            return None
        return {"power_mw": power, "cpu_temp_c": cpu, "gpu_temp_c": gpu,
                "temp_c": max(temps) if temps else None}

    def __exit__(self, *exc):
        super().__exit__(*exc)
        for reader in self.readers:
            close = getattr(reader, "close", None)
            if close:
                close()
        return False
