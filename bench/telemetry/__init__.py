"""Power and temperature readers: RAPL (CPU package), NVML (NVIDIA GPU), thermal zones, battery.

Readers only: no threads and no device classes. Other code decides when to sample
(``reader.sample(now)`` with its own monotonic clock) and where the numbers go. A
reader that cannot work here raises ``TelemetryUnavailable`` when it is built, so a
missing sensor is one line saying why (and the fix), never a column of made-up zeros.
"""


class TelemetryUnavailable(Exception):
    """A sensor is missing or unreadable here; ``str(exc)`` is one line naming what and the fix."""


# after the exception: the submodules import it from this (partly initialised) package
from bench.telemetry.battery import battery_power_mw, power_caveat  # noqa: E402
from bench.telemetry.nvml import NvmlReader  # noqa: E402
from bench.telemetry.rapl import RaplReader  # noqa: E402
from bench.telemetry.thermal import hottest_c, read_zones  # noqa: E402

__all__ = ["TelemetryUnavailable", "RaplReader", "NvmlReader", "read_zones", "hottest_c",
           "battery_power_mw", "power_caveat"]
