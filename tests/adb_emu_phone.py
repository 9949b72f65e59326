"""The emulated phone's profile and sandbox: a Snapdragon 845 with Android 10.

Properties, per-core cpufreq, canned ``dumpsys battery`` / ``thermalservice``
output and shell stubs for ``getprop``, ``dumpsys`` and ``taskset``, written into
the sandbox directory that is the phone's file system (see adb_device_emulator.py).
"""

import os
import posixpath

#: device paths that shell commands see inside the sandbox
DEVICE_ROOTS = ("/data", "/sdcard", "/storage", "/system", "/vendor",
                "/sys/devices/system/cpu", "/sys/class/thermal", "/sys/class/power_supply",
                "/proc/cpuinfo")

SDM845_PROPS = {
    "ro.product.model": "BenchEmu",
    "ro.product.name": "bench_emu",
    "ro.product.device": "emu",
    "ro.product.manufacturer": "BenchEmu",
    "ro.board.platform": "sdm845",
    "ro.hardware": "qcom",
    "ro.product.cpu.abi": "arm64-v8a",
    "ro.product.cpu.abilist": "arm64-v8a,armeabi-v7a,armeabi",
    "ro.build.version.release": "10",
    "ro.build.version.sdk": "29",
}
#: cpuinfo_max_freq (kHz) of a Snapdragon 845: 4 Kryo 385 Silver + 4 Gold
SDM845_MAX_FREQS = {0: 1766400, 1: 1766400, 2: 1766400, 3: 1766400,
                    4: 2803200, 5: 2803200, 6: 2803200, 7: 2803200}

BATTERY_TEMPLATE = """Current Battery Service state:
  AC powered: false
  USB powered: true
  Wireless powered: false
  Max charging current: 500000
  Max charging voltage: 5000000
  Charge counter: 2580000
  status: {status}
  health: 2
  present: true
  level: {level}
  scale: 100
  voltage: 4163
  temperature: {temperature}
  technology: Li-ion
"""

THERMAL_TEMPLATE = """IsStatusOverride: false
ThermalEventListeners:
\tcallbacks: 1
\tkilled: false
\tbroadcasts count: -1
ThermalStatusListeners:
\tcallbacks: 1
\tkilled: false
\tbroadcasts count: -1
Thermal Status: {status}
Cached temperatures:
\tTemperature{{mValue={battery:.1f}, mType=2, mName=battery, mStatus={status}}}
HAL Ready: true
HAL connection:
\tThermalHAL 2.0 connected: yes
Current temperatures from HAL:
\tTemperature{{mValue={battery:.1f}, mType=2, mName=battery, mStatus={status}}}
\tTemperature{{mValue={cpu:.1f}, mType=0, mName=cpu0-silver-usr, mStatus={status}}}
\tTemperature{{mValue={cpu:.1f}, mType=0, mName=cpu4-gold-usr, mStatus={status}}}
Current cooling devices from HAL:
\tCoolingDevice{{mValue=0, mType=2, mName=battery}}
"""

_STUBS = {
    "getprop": r"""#!/bin/sh
# getprop stand-in: reads the emulator's property file (key=value lines)
f="{meta}/props"
if [ $# -eq 0 ]; then
  while IFS='=' read -r k v; do printf '[%s]: [%s]\n' "$k" "$v"; done < "$f"
  exit 0
fi
while IFS='=' read -r k v; do
  if [ "$k" = "$1" ]; then printf '%s\n' "$v"; exit 0; fi
done < "$f"
printf '%s\n' "$2"
""",
    "dumpsys": r"""#!/bin/sh
# dumpsys stand-in: prints the emulator's canned service dump
if [ -f "{meta}/dumpsys/$1" ]; then cat "{meta}/dumpsys/$1"; exit 0; fi
echo "Can't find service: $1"
""",
    "taskset": r"""#!/bin/sh
# taskset stand-in: records the mask (the host may have fewer cores) and runs the command
case "$1" in
  ''|*[!0-9a-fA-Fx]*) echo "taskset: bad mask '$1'" >&2; exit 1 ;;
esac
printf '%s\n' "$1" >> "{meta}/taskset.log"
shift
exec "$@"
""",
}


class PhoneSandbox:
    """The phone's file system under ``self.root`` (``self.meta`` holds the emulator's state)."""

    def path(self, device_path):
        """Host path of ``device_path`` on the emulated device."""
        norm = posixpath.normpath("/" + device_path.lstrip("/"))
        return self.root + norm if norm != "/" else self.root

    def write_file(self, device_path, text, mode=0o644):
        host = self.path(device_path)
        os.makedirs(os.path.dirname(host), exist_ok=True)
        with open(host, "w") as fh:
            fh.write(text)
        os.chmod(host, mode)

    def set_prop(self, key, value):
        self.props[key] = value
        self._write_props()

    def set_dumpsys(self, service, text):
        self.write_file("/.emulator/dumpsys/" + service, text)

    def set_battery(self, temperature_tenths=312, level=85, status=2):
        self.set_dumpsys("battery", BATTERY_TEMPLATE.format(
            temperature=temperature_tenths, level=level, status=status))

    def set_thermal(self, status=0, battery_c=31.2, cpu_c=38.5):
        self.set_dumpsys("thermalservice", THERMAL_TEMPLATE.format(
            status=status, battery=battery_c, cpu=cpu_c))

    def taskset_masks(self):
        """Masks that device-side ``taskset`` was called with, in order."""
        try:
            with open(os.path.join(self.meta, "taskset.log")) as fh:
                return fh.read().split()
        except OSError:
            return []

    def _write_props(self):
        self.write_file("/.emulator/props",
                        "".join("{}={}\n".format(k, v) for k, v in self.props.items()))

    def _populate(self, max_freqs):
        for d in ("data/local/tmp", "sdcard", "system/bin", "proc", ".emulator/dumpsys"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        self._write_props()
        for name, text in _STUBS.items():
            self.write_file("/system/bin/" + name, text.replace("{meta}", self.meta), 0o755)
        cpus = sorted(max_freqs)
        for cpu in cpus:
            base = "/sys/devices/system/cpu/cpu{}/cpufreq/".format(cpu)
            self.write_file(base + "cpuinfo_max_freq", "{}\n".format(max_freqs[cpu]))
            self.write_file(base + "cpuinfo_min_freq", "300000\n")
            self.write_file(base + "scaling_cur_freq", "{}\n".format(max_freqs[cpu]))
            self.write_file(base + "scaling_governor", "schedutil\n")
        span = "0-{}\n".format(cpus[-1]) if cpus else "\n"
        for name in ("possible", "present", "online"):
            self.write_file("/sys/devices/system/cpu/" + name, span)
        self.write_file("/proc/cpuinfo", "Processor\t: AArch64 Processor rev 13 (aarch64)\n"
                        "Hardware\t: Qualcomm Technologies, Inc SDM845\n")
        self.set_battery()
        self.set_thermal()
