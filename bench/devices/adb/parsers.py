"""Pure parsers for what an Android phone prints over adb (STYLE item 3).

``benchmark_model`` (TFLite / LiteRT), ``getprop``, ``dumpsys battery``,
``dumpsys thermalservice``, ``adb devices -l``, and the big-core mask derived from
``cpuinfo_max_freq``. No I/O here: each function takes text and returns plain
data, or raises ``ValueError`` naming what is missing -- never a made-up number.
"""

import math
import re

__all__ = ["parse_benchmark_model", "parse_getprop", "parse_dumpsys_battery",
           "parse_thermal_status", "big_core_mask", "parse_adb_devices", "STATE_FIXES",
           "THERMAL_STATUS_NAMES"]

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf)"

# What precedes a benchmark_model message: a logcat header ("05-31 10:38:42.582
# 22206 22206 I tflite  : ", "I/tflite  ( 1234): ", "I tflite  : ") and/or the
# TFLITE_LOG severity ("INFO: ") that builds since 2020 print on stdout.
_PREFIX = re.compile(r"""^\s*
    (?:\d\d-\d\d\s+\d\d:\d\d:\d\d\.\d+\s+\d+\s+\d+\s+)?
    (?:[VDIWEF](?:/|\s+)[\w.\-]+\s*(?:\(\s*\d+\))?\s*:\s)?
    (?:(?:INFO|WARN|WARNING|ERROR|VERBOSE|FATAL|DEBUG):\s)?""", re.X)
_PAIR = re.compile(r"(\w+)=(" + _NUM + r")(\(all same\))?")
_SUMMARY = re.compile(r"(?:Average inference timings|Inference timings) in us:\s*(.*)")
_SUMMARY_KEYS = {"init": "init_us", "first inference": "first_inference_us",
                 "warmup (avg)": "warmup_avg_us", "warmup": "warmup_avg_us",
                 "inference (avg)": "inference_avg_us", "inference": "inference_avg_us",
                 "no stats": "inference_avg_us"}   # TF 1.12 printed "no stats: <avg>"
_MEMORY = re.compile(r"(?:Memory footprint delta from the start of the tool|Peak memory footprint)"
                     r" \(MB\): init=(" + _NUM + r") overall=(" + _NUM + r")")
_PEAK = re.compile(r"Overall peak memory footprint \(MB\) via periodic monitoring: (" + _NUM + ")")
_RUNNING = re.compile(r"^Running benchmark for ")
_ERROR_LINE = re.compile(r"^\s*(?:\d\d-\d\d\s+\S+\s+\d+\s+\d+\s+)?[EF](?:/|\s+)[\w.\-]+\s*"
                         r"(?:\(\s*\d+\))?\s*:\s|"          # logcat error level: "E tflite  : "
                         r"error|fail|abort|not found|denied|no such file|inaccessible|"
                         r"not executable|cannot|can't|segmentation", re.IGNORECASE)


def _num(text):
    value = float(text)
    return value if math.isfinite(value) else None


def _message(line):
    return _PREFIX.sub("", line, count=1).strip()


def _stat_line(message):
    """``count=50 first=... avg=... p95=...`` (or the older ``curr=X count=N ...``) -> dict."""
    if not (message.startswith("count=") or re.match(r"curr=\S+ count=", message)):
        return None
    stats = {}
    for key, value, all_same in _PAIR.findall(message):
        stats[key] = _num(value)
        if all_same:
            stats["all_same"] = True
    return stats if "count" in stats else None


def _last_meaningful_line(lines):
    """The tool's own last word: the last error it printed, else its last non-empty line."""
    lines = [ln.strip() for ln in lines if ln.strip()]
    errors = [ln for ln in lines if _ERROR_LINE.search(ln) and "Benchmarking failed" not in ln]
    if errors:
        return errors[-1][:300]
    return lines[-1][:300] if lines else "(no output)"


def parse_benchmark_model(text):
    """Statistics of the *timed* runs from ``benchmark_model`` output, in microseconds.

    The tool prints one ``count=`` line per phase (warm-up, then the timed runs,
    each after a "Running benchmark for at least N iterations" line) and a summary
    line; the timed runs' line is the last one before the summary. The warm-up's
    line is never taken for it, also when the output stops early. Returns count, mean_us, std_us, min_us, max_us, p5_us, median_us, p95_us,
    init_us, first_inference_us, warmup_avg_us, inference_avg_us, memory_init_mb,
    memory_overall_mb, memory_peak_mb (None where the build did not print it).
    Raises ValueError when the timed-run timings are missing or inconsistent.
    """
    lines = text.splitlines()
    messages = [_message(ln) for ln in lines]
    markers = [i for i, m in enumerate(messages) if _RUNNING.match(m)]
    summary_at, summary = None, {}
    for i, m in enumerate(messages):
        found = _SUMMARY.search(m)
        if found:
            summary_at, summary = i, {}
            for part in found.group(1).split(","):
                key, _, value = part.partition(":")
                name = _SUMMARY_KEYS.get(key.strip().lower())
                if name and re.fullmatch(r"\s*(?:" + _NUM + r")\s*", value):
                    summary[name] = _num(value)
    stat_rows = [(i, s) for i, s in ((i, _stat_line(m)) for i, m in enumerate(messages)) if s]
    timed = None
    if summary_at is not None:
        # the last stat line before the summary and after the "Running benchmark" line that
        # precedes it (filtered logs may have no such lines)
        start = max([i for i in markers if i < summary_at] or [-1])
        rows = [s for i, s in stat_rows if start < i < summary_at]
        timed = rows[-1] if rows else None
    elif len(markers) >= 2:
        # no summary (cut short after the timed runs): the line after the last of the phases;
        # with fewer markers a lone count= line may be the warm-up's and is not taken
        rows = [s for i, s in stat_rows if i > markers[-1]]
        timed = rows[0] if rows else None
    if timed is None and summary.get("inference_avg_us") is None:
        raise ValueError("benchmark_model printed no inference timings (no 'count=' line for the "
                         "timed runs, no 'Inference timings in us' line); its last message: "
                         + _last_meaningful_line(lines))
    result = {key: None for key in ("count", "mean_us", "std_us", "min_us", "max_us", "p5_us",
                                    "median_us", "p95_us", "init_us", "first_inference_us",
                                    "warmup_avg_us", "inference_avg_us", "memory_init_mb",
                                    "memory_overall_mb", "memory_peak_mb")}
    result.update(summary)
    if timed is not None:
        _fill_timed(result, timed)
    else:
        result["mean_us"] = summary["inference_avg_us"]
    for m in messages:
        mem, peak = _MEMORY.search(m), _PEAK.search(m)
        if mem:
            result["memory_init_mb"] = _num(mem.group(1))
            result["memory_overall_mb"] = _num(mem.group(2))
        if peak:
            result["memory_peak_mb"] = _num(peak.group(1))
    return result


def _fill_timed(result, stats):
    count = stats.get("count")
    if not count or count < 1:
        raise ValueError("benchmark_model timed runs have count={}: nothing was measured".format(
            stats.get("count")))
    result["count"] = int(count)
    if "avg" in stats:
        result.update(mean_us=stats["avg"], std_us=stats.get("std"), min_us=stats.get("min"),
                      max_us=stats.get("max"))
    elif "curr" in stats and (stats.get("all_same") or count == 1):
        curr = stats["curr"]   # every run took the same time: only "count=N curr=X(all same)"
        result.update(mean_us=curr, std_us=0.0, min_us=curr, max_us=curr)
    else:
        raise ValueError("benchmark_model statistics line without an average: {}".format(stats))
    result.update(p5_us=stats.get("p5"), median_us=stats.get("median"), p95_us=stats.get("p95"))
    mean, low, high = result["mean_us"], result["min_us"], result["max_us"]
    # avg is printed with 6 significant digits, so it may round just past min or max
    if mean is None or (low is not None and high is not None
                        and not low * (1 - 1e-5) <= mean <= high * (1 + 1e-5)):
        raise ValueError("benchmark_model statistics are inconsistent: min={} avg={} max={}".format(
            low, mean, high))
    avg = result.get("inference_avg_us")
    if avg is not None and not math.isclose(avg, mean, rel_tol=1e-4, abs_tol=1.0):
        raise ValueError("benchmark_model summary 'Inference (avg): {:g}' does not match the timed "
                         "runs' avg={:g}".format(avg, mean))


def parse_getprop(text):
    """``adb shell getprop`` listing (``[key]: [value]`` lines) -> dict of str."""
    return {key: value for key, value in
            re.findall(r"^\[([^\]\n]+)\]: \[(.*?)\]\s*$", text, re.M | re.S)}


_BATTERY_STATUS = {1: "unknown", 2: "charging", 3: "discharging", 4: "not charging", 5: "full"}
_PLUGS = (("AC powered", "ac"), ("USB powered", "usb"), ("Wireless powered", "wireless"),
          ("Dock powered", "dock"))
_BATTERY_HEALTH = {1: "unknown", 2: "good", 3: "overheat", 4: "dead", 5: "over voltage",
                   6: "unspecified failure", 7: "cold"}


def parse_dumpsys_battery(text):
    """``dumpsys battery`` -> temperature_c (from tenths of a degree), level, scale, status...."""
    fields = dict(re.findall(r"^[ \t]*([A-Za-z][\w ]*?):[ \t]*(.*?)[ \t]*\r?$", text, re.M))

    def integer(key):
        value = fields.get(key)
        return int(value) if value is not None and re.fullmatch(r"-?\d+", value) else None

    temperature, level = integer("temperature"), integer("level")
    if temperature is None and level is None:
        raise ValueError("no battery temperature or level in dumpsys battery output: "
                         + _last_meaningful_line(text.splitlines()))
    status, health = integer("status"), integer("health")
    present = fields.get("present")
    return {"temperature_c": None if temperature is None else temperature / 10.0,
            "level": level, "scale": integer("scale"),
            "status_code": status, "status": _BATTERY_STATUS.get(status),
            "health": _BATTERY_HEALTH.get(health), "voltage_mv": integer("voltage") or None,
            "usb_powered": fields.get("USB powered") == "true",
            "ac_powered": fields.get("AC powered") == "true",
            # the first charger on, in BatteryService's order (its own proto dump does so)
            "plugged": next((name for key, name in _PLUGS if fields.get(key) == "true"), None),
            "present": None if present not in ("true", "false") else present == "true",
            # after `dumpsys battery unplug` / `set`: frozen values, not the hardware's
            "updates_stopped": "UPDATES STOPPED" in text}


THERMAL_STATUS_NAMES = {0: "none", 1: "light", 2: "moderate", 3: "severe", 4: "critical",
                        5: "emergency", 6: "shutdown"}


def parse_thermal_status(text):
    """``dumpsys thermalservice`` (Android 10+) -> thermal_status (0 none .. 6 shutdown) etc.

    Older releases have no thermal status (``Can't find service``): thermal_status is None.
    """
    found = re.search(r"^\s*Thermal Status:\s*(-?\d+)\s*$", text, re.M)
    status = int(found.group(1)) if found else None
    section = re.search(r"Current temperatures from HAL:(.*?)(?:^\S|\Z)", text, re.M | re.S)
    temps = {}
    reading = re.compile(r"Temperature\{mValue=(" + _NUM + r"), mType=-?\d+, mName=([^,}]+)")
    for value, name in reading.findall(section.group(1) if section else text):
        temps[name.strip()] = _num(value)
    return {"thermal_status": status, "thermal_status_name": THERMAL_STATUS_NAMES.get(status),
            "throttling": None if status is None else status >= 1, "temperatures_c": temps}


def big_core_mask(max_freqs):
    """CPU affinity mask (hex, for ``taskset``) of the cores with the highest cpuinfo_max_freq.

    ``max_freqs`` maps cpu index -> kHz, e.g. an SDM845 {0..3: 1766400, 4..7: 2803200} -> "f0".
    """
    freqs = {int(cpu): int(str(khz).strip()) for cpu, khz in dict(max_freqs).items()}
    if not freqs:
        raise ValueError("no cpufreq/cpuinfo_max_freq values: cannot derive the big cores")
    top = max(freqs.values())
    return format(sum(1 << cpu for cpu, khz in freqs.items() if khz == top), "x")


STATE_FIXES = {
    "unauthorized": "accept the 'Allow USB debugging?' RSA key prompt on the phone (tick 'Always "
                    "allow'); if no prompt shows, revoke USB debugging authorizations in Developer "
                    "options, replug, and run `adb kill-server`",
    "offline": "the phone stopped answering adb: replug the USB cable (or `adb reconnect`; for adb "
               "over TCP `adb disconnect SERIAL && adb connect SERIAL`), unlock the phone, and "
               "restart the adb server with `adb kill-server` if it persists",
    "no permissions": "this user may not open the USB device: install udev rules for Android "
                      "devices (e.g. the `android-sdk-platform-tools-common` package or 51-android"
                      ".rules), add yourself to the plugdev group, replug, and `adb kill-server`",
    "authorizing": "the phone is still checking the adb key: wait a moment and retry",
    "connecting": "the adb server is still connecting to the phone: wait a moment and retry",
    "bootloader": "the phone is in the bootloader (fastboot): reboot it into Android",
    "recovery": "the phone is in recovery: reboot it into Android",
    "sideload": "the phone is in sideload mode: reboot it into Android",
    "missing": "no such serial in `adb devices`: check the cable or `adb connect HOST:PORT`, and "
               "the serial in bench.toml",
}


def parse_adb_devices(text):
    """``adb devices [-l]`` -> list of {serial, state, detail, and -l attributes such as model}."""
    devices = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("List of devices", "*", "adb server", "adb:")):
            continue
        parts = line.split(None, 1)
        if len(parts) < 2 or parts[0].endswith(":"):      # "error: ..." lines are no devices
            continue
        serial, rest = parts
        detail = ""
        # "no permissions (user in plugdev group; are your udev rules wrong?); see [http://...]"
        perm = re.match(r"no permissions(?:\s*\(([^)]*)\))?;?(?:\s*see \[[^\]]*\])?", rest)
        if perm:
            state, detail, rest = "no permissions", perm.group(1) or "", rest[perm.end():]
        else:
            state, _, rest = rest.partition(" ")
        entry = {"serial": serial, "state": state, "detail": detail}
        for key, value in re.findall(r"(\w+):(\S+)", rest):
            entry[key] = value
        devices.append(entry)
    return devices
