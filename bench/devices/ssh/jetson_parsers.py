"""Pure parsers for the text Jetson tools print: tegrastats, nvpmodel, jetson_clocks, nv_tegra_release.

Each takes the tool's stdout and returns a plain dict; a line that does not have the
expected shape is a ``ValueError`` quoting it, never a silently wrong number. Both the
JetPack 4 (Nano: ``POM_5V_IN 933/933``, ``CPU@23.5C``) and the JetPack 5/6 formats
(``VDD_IN 5832mW/5852mW``, ``cpu@51C``, ``GR3D_FREQ 7%@[306]``) are understood.
Plain Python 3.6 syntax, standard library only.
"""

import re

__all__ = ["parse_tegrastats", "summarize_tegrastats", "parse_nvpmodel", "parse_jetson_clocks_show",
           "parse_nv_tegra_release", "BOGUS_TEMP_SENSORS", "INPUT_RAILS", "L4T_TO_JETPACK"]

# Sensors that print a constant, not a measurement (the Nano's PMIC reads 100C or 50C
# whatever the load). Kept in ``temps_c`` but never summarised.
BOGUS_TEMP_SENSORS = ("PMIC",)

# Rails that carry the whole module's input power, newest naming last.
INPUT_RAILS = ("POM_5V_IN", "VDD_IN")

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

_END = r"(?=\s|$)"
_NAME = r"([A-Z][A-Z0-9_]*)"
_TIME = re.compile(r"(\d\d-\d\d-\d{4} \d\d:\d\d:\d\d)(?=\s)")
# (kind, pattern) tried in order at each position of a tegrastats line.
_TEGRA_TOKENS = [
    ("ram", re.compile(r"RAM (\d+)/(\d+)MB(?: \(lfb (\d+)x(\d+)(?:kB|MB)\))?" + _END)),
    ("swap", re.compile(r"SWAP (\d+)/(\d+)MB(?: \(cached (\d+)MB\))?" + _END)),
    ("iram", re.compile(r"IRAM (\d+)/(\d+)kB ?\(lfb (\d+)kB\)" + _END)),
    ("cpu", re.compile(r"[Cc][Pp][Uu] \[([^\]]*)\](?:@(\d+))?" + _END)),
    ("mts", re.compile(r"MTS fg (\d+)% bg (\d+)%" + _END)),
    ("temp", re.compile(r"([A-Za-z][\w.-]*)@(-?\d+(?:\.\d+)?)C" + _END)),
    ("rail", re.compile(_NAME + r" (\d+)mW/(\d+)mW" + _END)),
    ("rail", re.compile(_NAME + r" (\d+)mW()" + _END)),
    ("rail", re.compile(_NAME + r" (\d+)/(\d+)" + _END)),
    ("load", re.compile(_NAME + r" (\d+)%(?:@(\d+|\[\d+(?:,\d+)*\]))?" + _END)),
    ("value", re.compile(_NAME + r" (\d+|off)" + _END)),
]
_STRICT_FIELDS = ("RAM", "SWAP", "IRAM", "CPU", "MTS")
_GPU_NAMES = ("GR3D_FREQ", "GR3D")
_EMC_NAMES = ("EMC_FREQ", "EMC")


def _bad(what, text, detail=""):
    return ValueError("not {} output{}: {!r}".format(what, ": " + detail if detail else "", text))


def _pct(value, line):
    pct = int(value)
    if pct > 100:
        raise _bad("tegrastats", line, "load {}% above 100".format(pct))
    return pct


def _parse_cpu_list(body, cluster_mhz, line):
    """``12%@102,off,...`` (or the old ``12%,7%`` with one ``]@MHz``) -> (loads, MHz)."""
    loads, freqs = [], []
    for entry in body.split(","):
        m = re.match(r"^(\d+)%(?:@(\d+))?$", entry.strip())
        if entry.strip() == "off":
            loads.append(None)
            freqs.append(None)
        elif m:
            loads.append(_pct(m.group(1), line))
            mhz = m.group(2) or cluster_mhz
            freqs.append(int(mhz) if mhz else None)
        else:
            raise _bad("tegrastats", line, "CPU entry {!r}".format(entry))
    return loads, freqs


def _gpu_mhz(freq):
    """``76`` or ``[305]`` / ``[1377,1377]`` (one clock per GPC): the highest."""
    if not freq:
        return None
    return max(int(f) for f in freq.strip("[]").split(","))


def _new_sample(time):
    return {
        "time": time, "ram_used_mb": None, "ram_total_mb": None, "swap_used_mb": None,
        "swap_total_mb": None, "swap_cached_mb": None, "cpu_load_pct": [], "cpu_freq_mhz": [],
        "emc_load_pct": None, "emc_freq_mhz": None, "gpu_load_pct": None, "gpu_freq_mhz": None,
        "temps_c": {}, "cpu_temp_c": None, "gpu_temp_c": None, "rails_mw": {},
        "rails_avg_mw": {}, "power_in_mw": None, "other": {},
    }


def _apply(out, kind, m, line, seen):
    generic = kind in ("rail", "load", "value")
    name = m.group(1) if generic or kind == "temp" else kind.upper()
    if generic and name in _STRICT_FIELDS:  # e.g. a truncated "SWAP 0/19" is no rail
        raise _bad("tegrastats", line, "malformed {} field".format(name))
    if (kind, name) in seen and name != "NC":  # NC: unconnected monitor channels, repeated
        raise _bad("tegrastats", line, "{} appears twice (two samples on one line?)".format(name))
    seen.add((kind, name))
    if kind == "ram":
        out["ram_used_mb"], out["ram_total_mb"] = int(m.group(1)), int(m.group(2))
        if out["ram_used_mb"] > out["ram_total_mb"]:
            raise _bad("tegrastats", line, "RAM used above total")
    elif kind == "swap":
        out["swap_used_mb"], out["swap_total_mb"] = int(m.group(1)), int(m.group(2))
        out["swap_cached_mb"] = int(m.group(3)) if m.group(3) else None
    elif kind == "cpu":
        out["cpu_load_pct"], out["cpu_freq_mhz"] = _parse_cpu_list(m.group(1), m.group(2), line)
    elif kind == "temp":
        out["temps_c"][m.group(1)] = float(m.group(2))
    elif kind == "rail":
        if m.group(1) != "NC":
            out["rails_mw"][m.group(1)] = int(m.group(2))
            out["rails_avg_mw"][m.group(1)] = int(m.group(3)) if m.group(3) else None
    elif kind == "load" and m.group(1) in _GPU_NAMES + _EMC_NAMES:
        which = "gpu" if m.group(1) in _GPU_NAMES else "emc"
        out[which + "_load_pct"] = _pct(m.group(2), line)
        out[which + "_freq_mhz"] = _gpu_mhz(m.group(3))
    elif kind in ("load", "value"):
        out["other"][m.group(1)] = m.group(0).split(" ", 1)[1]
    elif kind in ("iram", "mts"):
        out["other"][kind.upper()] = m.group(0).split(" ", 1)[1]


def parse_tegrastats(line):
    """One ``tegrastats`` line -> dict (MB, %, MHz, degrees C, mW; ``None`` where not printed).

    Keys: time, ram_used_mb, ram_total_mb, swap_used_mb, swap_total_mb, swap_cached_mb,
    cpu_load_pct / cpu_freq_mhz (one entry per core, None when the core is off),
    emc_load_pct, emc_freq_mhz, gpu_load_pct, gpu_freq_mhz, temps_c (sensor -> C, as
    printed, bogus ones included), cpu_temp_c, gpu_temp_c, rails_mw / rails_avg_mw
    (instant / running average), power_in_mw (module input rail), other (raw text).
    """
    text = line.strip()
    pos = 0
    m = _TIME.match(text)
    out = _new_sample(m.group(1) if m else None)
    if m:
        pos = m.end()
    seen = set()
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        for kind, pattern in _TEGRA_TOKENS:
            m = pattern.match(text, pos)
            if m:
                _apply(out, kind, m, line, seen)
                pos = m.end()
                break
        else:
            raise _bad("tegrastats", line, "unrecognised field at {!r}".format(text[pos:pos + 24]))
    if out["ram_total_mb"] is None:
        raise _bad("tegrastats", line, "no RAM field")
    temps = out["temps_c"]
    out["cpu_temp_c"] = temps.get("CPU", temps.get("cpu"))
    out["gpu_temp_c"] = temps.get("GPU", temps.get("gpu"))
    for rail in INPUT_RAILS:
        if rail in out["rails_mw"]:
            out["power_in_mw"] = out["rails_mw"][rail]
    return out


def _mean(values):
    return sum(values) / len(values) if values else None


def summarize_tegrastats(lines, skip_malformed=False):
    """Samples taken during one measurement -> the columns a result row carries.

    ``lines``: an iterable of lines or one string. Blank lines are ignored; a malformed
    line raises ``ValueError`` unless ``skip_malformed`` (then it is counted in
    ``skipped``: a sampler killed mid-line leaves a truncated last line).
    """
    if isinstance(lines, str):
        lines = lines.splitlines()
    samples, skipped = [], 0
    for line in lines:
        if not line.strip():
            continue
        try:
            samples.append(parse_tegrastats(line))
        except ValueError:
            if not skip_malformed:
                raise
            skipped += 1

    def col(key):
        return [s[key] for s in samples if s[key] is not None]

    return {
        "samples": len(samples),
        "skipped": skipped,
        "power_in_mw_mean": _mean(col("power_in_mw")),
        "gpu_temp_c_mean": _mean(col("gpu_temp_c")),
        "gpu_temp_c_max": max(col("gpu_temp_c"), default=None),
        "cpu_temp_c_mean": _mean(col("cpu_temp_c")),
        "cpu_temp_c_max": max(col("cpu_temp_c"), default=None),
        "gpu_load_pct_mean": _mean(col("gpu_load_pct")),
        "ram_used_mb_max": max(col("ram_used_mb"), default=None),
    }


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
