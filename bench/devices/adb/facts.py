"""What bench reads from a phone: properties, per-core cpufreq, battery and thermal state.

Each reader is one adb shell call plus a pure parser (``android_parsers`` and the
cpufreq listing below), so the number of round trips stays small.
"""

import re

from bench.devices.adb.parsers import (big_core_mask, parse_dumpsys_battery, parse_getprop,
                                           parse_thermal_status)

# one line per core: "cpu N gov=G cur=KHZ max=KHZ" (empty values where unreadable)
CPUFREQ_SCRIPT = ('for d in /sys/devices/system/cpu/cpu[0-9]*; do f=$d/cpufreq; '
                  'echo "cpu ${d##*/cpu} gov=$(cat $f/scaling_governor 2>/dev/null) '
                  'cur=$(cat $f/scaling_cur_freq 2>/dev/null) max=$(cat $f/cpuinfo_max_freq '
                  '2>/dev/null)"; done')
_SPLIT = "__bench_battery__"
THERMAL_SCRIPT = "dumpsys thermalservice 2>&1; echo {}; dumpsys battery 2>&1".format(_SPLIT)


def parse_cpufreq_listing(text):
    """``CPUFREQ_SCRIPT`` output -> {cpu: {"governor", "cur_khz", "max_khz"}} (None: unreadable)."""
    cores = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) < 2 or words[0] != "cpu" or not words[1].isdigit():
            continue
        fields = dict(re.findall(r"\b(gov|cur|max)=(\S*)", line))
        khz = {k: int(v) if v.isdigit() else None for k, v in fields.items() if k != "gov"}
        cores[int(words[1])] = {"governor": fields.get("gov") or None,
                                "cur_khz": khz.get("cur"), "max_khz": khz.get("max")}
    return cores


def mask_cpus(mask):
    """Hex mask -> sorted cpu indices, e.g. "f0" -> [4, 5, 6, 7]."""
    value = int(mask, 16)
    return [i for i in range(value.bit_length()) if value >> i & 1]


def cpu_ranges(cpus):
    """[4, 5, 6, 7] -> "4-7"; [0, 2, 3] -> "0,2-3"."""
    parts, start = [], None
    for i, cpu in enumerate(cpus):
        if start is None:
            start = cpu
        if i + 1 == len(cpus) or cpus[i + 1] != cpu + 1:
            parts.append(str(start) if start == cpu else "{}-{}".format(start, cpu))
            start = None
    return ",".join(parts)


class PhoneFacts:
    """The phone's fixed facts, read once per run: properties, cores, hardware."""

    def __init__(self, props, cores, hardware):
        self.props, self.cores, self.hardware = props, cores, hardware

    def prop(self, key):
        return self.props.get(key, "")

    @property
    def abi(self):
        return self.prop("ro.product.cpu.abi")

    def big_core_mask(self):
        """The cores with the highest cpuinfo_max_freq, as a taskset mask (ValueError if unknown)."""
        return big_core_mask({cpu: c["max_khz"] for cpu, c in self.cores.items()
                              if c["max_khz"] is not None})

    def state_columns(self, serial, mask):
        """The device-state CSV columns (``mask``: the taskset mask in use, or "")."""
        props = self.props
        cpus = mask_cpus(mask) if mask else sorted(self.cores)
        lead = self.cores.get(cpus[0], {}) if cpus else {}
        release, sdk = props.get("ro.build.version.release", ""), props.get("ro.build.version.sdk", "")
        return {"host": serial, "os": "Android {}{}".format(release, " (SDK {})".format(sdk) if sdk else ""),
                "cpu_model": self.hardware or props.get("ro.board.platform", ""),
                "logical_cores": len(self.cores) or "",
                "cpu_governor": lead.get("governor") or "",
                "cpu_freq_mhz": round(lead["cur_khz"] / 1000.0) if lead.get("cur_khz") else "",
                "device_model": props.get("ro.product.model", ""),
                "soc": props.get("ro.board.platform", ""), "abi": props.get("ro.product.cpu.abi", ""),
                "android_version": release}


def read_facts(adb):
    """Properties, per-core cpufreq and /proc/cpuinfo's Hardware line, in three calls."""
    props = parse_getprop(adb.check(["getprop"], what="reading properties (getprop)").out)
    cores = parse_cpufreq_listing(adb.script(CPUFREQ_SCRIPT, describe="reading cpufreq").out)
    cpuinfo = adb.shell(["cat", "/proc/cpuinfo"]).out
    found = re.search(r"^Hardware\s*:\s*(.+)$", cpuinfo, re.M)
    return PhoneFacts(props, cores, found.group(1).strip() if found else "")


def read_cores(adb):
    """Per-core cpufreq now (governor and current frequency change during a run)."""
    return parse_cpufreq_listing(adb.script(CPUFREQ_SCRIPT, describe="reading cpufreq").out)


def read_thermal(adb):
    """(thermal dict or None, battery dict or None) from ``dumpsys`` in one call.

    Old Android has no thermalservice (status None); a phone whose dumpsys prints no
    battery gives None -- an unknown is empty in the CSV, never a made-up number.
    """
    text = adb.script(THERMAL_SCRIPT, describe="dumpsys thermalservice / battery").out
    thermal_text, _, battery_text = text.partition(_SPLIT)
    thermal = parse_thermal_status(thermal_text)
    try:
        battery = parse_dumpsys_battery(battery_text)
    except ValueError:
        battery = None
    return thermal, battery


def thermal_columns(thermal, battery, when):
    """``thermal_status_<when>`` and ``battery_temp_c_<when>`` columns."""
    return {"thermal_status_" + when: thermal["thermal_status"] if thermal else None,
            "battery_temp_c_" + when: battery["temperature_c"] if battery else None}


_UPTIME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+\d+(?:\.\d+)?\s*$")


def parse_load(before, after, cpus=None, hz=100.0):
    """% of ``cpus``' capacity (default: all) other processes took while one command ran
    on the phone, from the ``/proc`` text :meth:`AdbClient.run_long` read around it
    (``/proc/uptime`` + ``/proc/stat`` before; the shell's ``/proc/$$/stat``, whose
    children's time is the command's, then the same two after). None where any of it
    is missing: a phone may not let the shell read ``/proc/stat``."""
    from bench.measure.cpus import background_pct, parse_pid_stat, parse_proc_stat

    def uptime(text):
        for line in text.splitlines():
            found = _UPTIME.match(line)
            if found:
                return float(found.group(1))
        return None

    own_line = next((ln for ln in after.splitlines() if re.match(r"^\d+ \(", ln)), "")
    busy0, busy1 = parse_proc_stat(before), parse_proc_stat(after)
    up0, up1 = uptime(before), uptime(after)
    own = parse_pid_stat(own_line, children=True)
    if None in (busy0, busy1, up0, up1, own):
        return None
    return background_pct(busy0, busy1, own, cpus or sorted(busy0), up1 - up0, hz)
