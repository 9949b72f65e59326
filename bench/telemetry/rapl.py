"""CPU package power from Linux powercap RAPL energy counters (x86: Intel; AMD Zen on recent kernels).

Each top-level zone ``intel-rapl:N`` named ``package-N`` holds a cumulative
``energy_uj`` (microjoules) that wraps at ``max_energy_range_uj``. Mean power over an
interval is the energy difference over the time difference, so a sample rate far
below the counter's ~1 ms update rate still gives an exact mean. Subzones
(``intel-rapl:N:M``: core, uncore, dram) are parts of their package and are not added;
``psys`` (a top-level zone on some laptops) covers the whole platform, package included,
so it is skipped too; ``intel-rapl-mmio:N`` repeats the package zone through another
interface and is skipped by its name.

Since the PLATYPUS fix (CVE-2020-8694, Linux 5.10 and stable backports) ``energy_uj`` is
readable by root only.
"""

import os
import re

from bench.telemetry import TelemetryUnavailable

_TOP_ZONE = re.compile(r"^intel-rapl:\d+$")


def _read_int(path):
    with open(path) as f:
        return int(f.read().strip())


def _read_text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def package_zones(root="/sys/class/powercap"):
    """Paths of the top-level package zones under ``root``, in zone order."""
    try:
        names = os.listdir(root)
    except OSError:
        return []
    zones = [n for n in names if _TOP_ZONE.match(n)]
    zones.sort(key=lambda n: int(n.rpartition(":")[2]))
    return [os.path.join(root, n) for n in zones
            if _read_text(os.path.join(root, n, "name")).startswith("package")]


class RaplReader:
    """Mean CPU package power (mW, all packages summed) between successive ``sample`` calls."""

    source = "rapl"

    def __init__(self, root="/sys/class/powercap"):
        self.root = root
        self.zones = package_zones(root)
        if not self.zones:
            raise TelemetryUnavailable(
                "no RAPL package zone (intel-rapl:N named package-N) under {}: not x86 Linux, a "
                "VM without RAPL, or the driver is not loaded; run `modprobe intel_rapl_msr` or go "
                "without CPU power".format(root))
        self.ranges = []
        for zone in self.zones:
            path = os.path.join(zone, "energy_uj")
            try:
                _read_int(path)
            except PermissionError:
                raise TelemetryUnavailable(
                    "{} not readable (root only since Linux 5.10); run as root or chmod "
                    "a+r {}/intel-rapl:*/energy_uj".format(path, root))
            except FileNotFoundError:
                raise TelemetryUnavailable(
                    "{} is missing: this kernel's RAPL driver gives no package energy counter; "
                    "go without CPU power".format(path))
            except (OSError, ValueError) as exc:
                raise TelemetryUnavailable("{} unreadable ({}); go without CPU power".format(
                    path, exc))
            try:
                self.ranges.append(_read_int(os.path.join(zone, "max_energy_range_uj")))
            except (OSError, ValueError):
                self.ranges.append(None)   # a wrap in this zone then skips one sample
        self._last = None                  # (now, [energy_uj per zone])

    def _energies(self):
        return [_read_int(os.path.join(zone, "energy_uj")) for zone in self.zones]

    def sample(self, now):
        """Mean power in mW over [previous call, now]; None on the first call (it primes).

        Also None when a counter could not be read (the next call primes again) or wrapped
        without a known range: a gap, never a guessed value.
        """
        try:
            energies = self._energies()
        except (OSError, ValueError):
            self._last = None
            return None
        last, self._last = self._last, (now, energies)
        if last is None:
            return None
        then, before = last
        if now <= then:
            self._last = last      # no time passed: keep the older reading for the next call
            return None
        total_uj = 0
        for prev, cur, limit in zip(before, energies, self.ranges):
            delta = cur - prev
            if delta < 0:          # the counter wrapped at max_energy_range_uj
                if not limit:
                    return None
                delta += limit
            total_uj += delta
        return total_uj / (now - then) / 1000.0   # uJ/s = uW -> mW

    def close(self):
        """Nothing to release (same interface as ``NvmlReader``)."""
