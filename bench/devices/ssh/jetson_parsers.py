"""Pure parsers for the text Jetson tools print: tegrastats, nvpmodel, jetson_clocks, nv_tegra_release.

Each takes the tool's stdout and returns a plain dict; text that does not have the
expected shape is a ``ValueError`` quoting it, never a silently wrong number. The
tegrastats parser lives in ``bench.devices.ssh.tegrastats`` (every module, JetPack 3 to 7)
and is re-exported here. Plain Python 3.6 syntax, standard library only.
"""

import re

from bench.devices.ssh.tegrastats import (  # noqa: F401  (re-exported)
    BOGUS_TEMP_SENSORS,
    INPUT_RAILS,
    SUMMED_RAILS,
    hottest_c,
    parse_tegrastats,
    summarize_tegrastats,
)

__all__ = ["parse_tegrastats", "summarize_tegrastats", "hottest_c", "parse_nvpmodel",
           "parse_jetson_clocks_show", "parse_nv_tegra_release", "BOGUS_TEMP_SENSORS", "INPUT_RAILS",
           "SUMMED_RAILS", "L4T_TO_JETPACK"]

# L4T release (``/etc/nv_tegra_release``) -> JetPack, from NVIDIA's JetPack archive.
L4T_TO_JETPACK = {
    "32.1.0": "4.2", "32.2.0": "4.2.1", "32.2.1": "4.2.2", "32.2.3": "4.2.3",
    "32.3.1": "4.3", "32.4.2": "4.4 DP", "32.4.3": "4.4", "32.4.4": "4.4.1",
    "32.5.0": "4.5", "32.5.1": "4.5.1", "32.5.2": "4.5.1", "32.6.1": "4.6",
    "32.7.1": "4.6.1", "32.7.2": "4.6.2", "32.7.3": "4.6.3", "32.7.4": "4.6.4",
    "32.7.5": "4.6.5", "32.7.6": "4.6.6",
    "35.1.0": "5.0.2", "35.2.1": "5.1", "35.3.1": "5.1.1", "35.4.1": "5.1.2",
    "35.5.0": "5.1.3", "35.6.0": "5.1.4", "35.6.1": "5.1.5",
    "36.3.0": "6.0", "36.4.0": "6.1", "36.4.3": "6.2", "36.4.4": "6.2.1",
}


def _bad(what, text, detail=""):
    return ValueError("not {} output{}: {!r}".format(what, ": " + detail if detail else "", text))


def parse_nvpmodel(text):
    """``nvpmodel -q`` -> {"power_mode_name", "power_mode_id" (None if not printed), "fan_mode"}."""
    name = fan = mode_id = None
    lines = [ln.strip() for ln in text.splitlines()]
    for i, line in enumerate(lines):
        m = re.search(r"(?:^|\s)NV Power Mode:\s*(\S+)$", line)  # also after "NVPM VERB: Current mode:"
        if m:
            name = m.group(1)
            following = [ln for ln in lines[i + 1:] if ln]
            if following and re.match(r"^\d+$", following[0]):
                mode_id = int(following[0])
            continue
        m = re.match(r"^NV Fan Mode:\s*(\S+)\s*$", line)
        if m:
            fan = m.group(1)
    if name is None:
        raise _bad("nvpmodel -q", text, "no 'NV Power Mode:' line")
    return {"power_mode_name": name, "power_mode_id": mode_id, "fan_mode": fan}


def _key_values(text, what, line):
    """``A=1 B=x`` -> {"A": "1", "B": "x"}; anything else is malformed."""
    pairs = {}
    for item in text.split():
        if "=" not in item:
            raise _bad(what, line, "expected KEY=VALUE, got {!r}".format(item))
        key, value = item.split("=", 1)
        pairs[key] = value
    return pairs


def _freqs(pairs, unit, what, line):
    out = {}
    for key, name in (("MinFreq", "min"), ("MaxFreq", "max"), ("CurrentFreq", "cur")):
        value = pairs.get(key, "")
        if not value.isdigit():
            raise _bad(what, line, "{}={!r}".format(key, value))
        out["{}_freq_{}".format(name, unit)] = int(value)
    return out


def _cpu_set(spec):
    """``0-3`` / ``0,3-5`` -> {0, 1, 2, 3} / {0, 3, 4, 5}."""
    cpus = set()
    for part in filter(None, (p.strip() for p in spec.split(","))):
        lo, _, hi = part.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            raise ValueError("bad CPU list {!r}".format(spec))
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def parse_jetson_clocks_show(text):
    """``jetson_clocks --show`` -> dict; CPU frequencies in kHz, GPU/EMC in Hz (as printed).

    Keys: soc_family, machine, online_cpus (set of ints or None), cpus (list by index:
    cpu, online, governor, min/max/cur_freq_khz, idle_states), gpu and emc (min/max/
    cur_freq_hz; emc has freq_override), engines (DLA/PVA lines), fan (text),
    power_mode, clocks_locked (every online CPU and the GPU pinned at its maximum).
    """
    what = "jetson_clocks --show"
    out = {"soc_family": None, "machine": None, "online_cpus": None, "cpus": [], "gpu": None,
           "emc": None, "engines": {}, "fan": None, "power_mode": None, "clocks_locked": None}
    fans = []
    for raw in text.splitlines():
        line = raw.strip()
        m = re.match(r"^SOC family:\s*(\S+)\s+Machine:\s*(.*)$", line)
        if m:
            out["soc_family"], out["machine"] = m.group(1), m.group(2).strip()
            continue
        m = re.match(r"^Online CPUs:\s*([\d,\s-]*?)\s*(?:,\s*Offline CPUs:.*)?$", line)
        if m:
            out["online_cpus"] = _cpu_set(m.group(1))
            continue
        m = re.match(r"^cpu(\d+):\s*(.*?)(?:\s+IdleStates:\s*(.*))?$", line, re.I)
        if m:
            pairs = _key_values(m.group(2), what, line)
            cpu = {"cpu": int(m.group(1)), "online": None,
                   "governor": pairs.get("Governor", pairs.get("Gonvernor"))}  # L4T 28 typo
            if "Online" in pairs:
                cpu["online"] = pairs["Online"] == "1"
            cpu.update(_freqs(pairs, "khz", what, line))
            cpu["idle_states"] = {k: int(v) if v.isdigit() else v
                                  for k, v in _key_values(m.group(3) or "", what, line).items()}
            out["cpus"].append(cpu)
            continue
        m = re.match(r"^(GPU|EMC)\s+(MinFreq=.*)$", line)
        if m:
            pairs = _key_values(m.group(2), what, line)
            clock = _freqs(pairs, "hz", what, line)
            if m.group(1) == "EMC" and pairs.get("FreqOverride", "").isdigit():
                clock["freq_override"] = int(pairs["FreqOverride"])
            out[m.group(1).lower()] = clock
            continue
        m = re.match(r"^([A-Z][A-Z0-9_]*):\s+(Online=.*)$", line)  # DLA0_CORE:  Online=1 MinFreq=...
        if m:
            pairs = _key_values(m.group(2), what, line)
            engine = _freqs(pairs, "hz", what, line)
            engine["online"] = pairs.get("Online") == "1"
            out["engines"][m.group(1)] = engine
            continue
        m = re.match(r"^(?:Fan:|FAN)\s*(.*)$", line)
        if m:
            fans.append(m.group(1).strip())
            continue
        m = re.match(r"^NV Power Mode:\s*(\S+)$", line)
        if m:
            out["power_mode"] = m.group(1)
    if out["soc_family"] is None or not out["cpus"]:
        raise _bad(what, text.strip()[:200], "no 'SOC family:' line or no cpuN: lines")
    out["cpus"].sort(key=lambda c: c["cpu"])
    for cpu in out["cpus"]:
        if cpu["online"] is None and out["online_cpus"] is not None:
            cpu["online"] = cpu["cpu"] in out["online_cpus"]
    out["fan"] = "; ".join(fans) or None
    out["clocks_locked"] = out["gpu"] is not None and _pinned(out["gpu"], "hz") and all(
        _pinned(c, "khz") for c in out["cpus"] if c["online"] is not False)
    return out


def _pinned(clock, unit):
    return clock["min_freq_" + unit] == clock["max_freq_" + unit] == clock["cur_freq_" + unit]


def parse_nv_tegra_release(text):
    """``/etc/nv_tegra_release`` -> {"l4t": "32.7.1", "jetpack": "4.6.1" (or ""), "board", ...}."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    m = re.match(r"^#\s*R(\d+)\s*\(release\),\s*REVISION:\s*(\d+)(?:\.(\d+))?\s*(?:,|$)", line)
    if not m:
        raise _bad("/etc/nv_tegra_release", text.strip()[:200], "expected '# R32 (release), REVISION: 7.1, ...'")
    l4t = "{}.{}.{}".format(m.group(1), m.group(2), m.group(3) or "0")
    fields = {}
    for part in line.split(","):
        key, sep, value = part.partition(":")
        if sep:
            fields[key.strip().lstrip("#").strip().lower()] = value.strip()
    variant = re.search(r"^#\s*KERNEL_VARIANT:\s*(\S+)", text, re.M)
    return {
        "l4t": l4t, "l4t_release": int(m.group(1)), "jetpack": L4T_TO_JETPACK.get(l4t, ""),
        "board": fields.get("board", ""), "gcid": fields.get("gcid", ""),
        "eabi": fields.get("eabi", ""), "date": fields.get("date", ""),
        "kernel_variant": variant.group(1) if variant else "",
    }
