"""Parse ``tegrastats`` lines of every Jetson module, JetPack 3.x to 7.x.

One line (with or without the leading ``MM-DD-YYYY HH:MM:SS`` timestamp) becomes a plain
dict; see :func:`parse_tegrastats` for its keys. The formats understood:

* JetPack 3/4 (L4T 28/32): ``POM_5V_IN 933/933`` / ``VDD_IN 2532/2698`` (mW, no unit),
  ``CPU@23.5C``, ``GR3D_FREQ 40%@76``, ``cpu [17%,11%]@1734`` (L4T 28), ``EMC 1%@1600``.
* JetPack 5/6 (L4T 35/36): ``VDD_IN 5832mW/5852mW``, ``cpu@51C``, ``GR3D_FREQ 7%@[306]``
  (one load, one clock per GPC), ``GR3D_FREQ 0%@0 GR3D2_FREQ 0%@0`` (AGX Orin, L4T 35:
  one load per GPC), ``NVDEC off``, ``VIC_FREQ 729``, ``NVDLA0_FREQ @1600``.
* JetPack 7 (L4T 38/39, Thor): ``GR3D_FREQ @[314,314,314]`` (clocks, no load),
  ``NVENC0_FREQ @314``, ``PVA0_FREQ off``, ``VIN 19780mW/19780mW``, three-figure rails
  ``VDD_GPU 37528mW/37528mW/37528mW`` (JetPack 7.2), no ``GR3D_FREQ`` at all.

Rules that are not plain parsing (input power, offline sensors) cite their source next
to the constant that encodes them. A malformed or truncated known field is a
``ValueError`` quoting the line; an unrecognised field is kept in ``unknown`` and the
rest of the line is still used. Plain Python 3.6 syntax, standard library only.
"""

import re
from collections import Counter

__all__ = ["parse_tegrastats", "summarize_tegrastats", "hottest_c", "BOGUS_TEMP_SENSORS",
           "INPUT_RAILS", "SUMMED_RAILS", "OFFLINE_TEMP_MAX_C", "INVALID_TEMP_MIN_C"]

# --- temperatures -----------------------------------------------------------------
# Sensors that print a constant, not a measurement: the PMIC zone reads 100C (50C from
# L4T 32.5 on) whatever the load, on Nano, TX1, TX2 and Xavier alike (see the lines in
# tests/jetson_lines.py). Kept as a key of ``temps_c`` with the value None.
BOGUS_TEMP_SENSORS = ("PMIC",)
# An offline or power-gated thermal zone prints a fixed negative value: -256C for the CV0-2
# and GPU zones of an AGX Orin at idle (e.g. "CV0@-256C ... GPU@-256C" in `sudo tegrastats`
# output published for AGX Orin on L4T 35), -45C/-51C on an L4T 28 TX2 line. No Jetson is
# rated below -40C (the industrial modules' floor), and the on-die zones trip (shut the
# module down) well below 150C, so anything at or past these bounds is not a reading.
OFFLINE_TEMP_MAX_C = -40.0
INVALID_TEMP_MIN_C = 150.0
# Which zone is "the CPU" / "the GPU", newest naming included: CPU/GPU (JetPack 4/5),
# cpu/gpu (JetPack 6 and Thor's JetPack 7). TX2 has no single CPU zone but one per
# cluster (BCPU: the A57 cluster, MCPU: the Denver cluster); the hotter valid one is used.
_CPU_ZONES = ("CPU", "cpu")
_CPU_CLUSTER_ZONES = ("BCPU", "MCPU")
_GPU_ZONES = ("GPU", "gpu")

# --- input power ------------------------------------------------------------------
# Rails that carry the whole module's input, by module (first one printed wins):
# * VIN: Jetson AGX Thor. The carrier's INA238 measures the total VIN power; NVIDIA,
#   https://forums.developer.nvidia.com/t/question-about-power-monitor-with-additional-load-on-jetson-thor/366461
#   ("you lose total VIN monitoring" without it) and jetson_stats PR #900
#   (https://github.com/rbonghi/jetson_stats/pull/900: "report the VIN rail as total
#   system power" on Thor).
# * VDD_IN: TX1, TX2 (and TX2 NX), Xavier NX, Orin Nano, Orin NX. Channel 0/1 of the
#   module's INA3221, "VDD_IN supplies the main module" (L4T 32.6.1 developer guide,
#   "Clock Frequency and Power Management", as summarised in energymon's
#   jetson/JetsonPowerRails.md, https://github.com/energymon/energymon); NVIDIA forum
#   "Interpretation of Jetson NX power rail" (t/200883): VDD_IN is the board's global power.
# * POM_5V_IN: Jetson Nano (4GB). "POM_5V_IN measures the overall 5V input to the board,
#   it represents the total power consumption. You don't need to add POM_5V_GPU and
#   POM_5V_CPU to it" (NVIDIA, https://forums.developer.nvidia.com/t/power-consumption-monitoring/73608/8,
#   quoted in https://github.com/rbonghi/jetson_stats/issues/51). The Nano 2GB has no
#   power monitor at all: no rail, power None.
INPUT_RAILS = ("VIN", "VDD_IN", "POM_5V_IN")
# Modules without an input rail: the documented sum of rails that, together, are the
# module's input (all of them must be printed, else the power is None):
# * AGX Orin (JetPack 5 and 6): no VDD_IN channel. SYS_VIN_HV feeds VDD_GPU_SOC and
#   VDD_CPU_CV, SYS_VIN_MV feeds VIN_SYS_5V0, and VIN_SYS_5V0 in turn feeds
#   VDDQ_VDD2_1V8AO, which is therefore NOT added (it would be counted twice). NVIDIA forum
#   "Jetson AGX Orin INA3221 power monitor layout" (t/223111) and the channel table of the
#   Jetson Linux 34.1+ developer guide ("Jetson Orin NX Series and Jetson AGX Orin Series",
#   Platform Power and Performance: 0x40 VDD_GPU_SOC / VDD_CPU_CV / VIN_SYS_5V0, 0x41 NC /
#   VDDQ_VDD2_1V8AO / NC), as implemented by energymon (DEFAULT_RAIL_NAMES_AGX_ORIN in
#   jetson/energymon-jetson.c). jtop instead adds every printed rail when there is no
#   VDD_IN (jtop/core/power.py, total_power), VDDQ_VDD2_1V8AO included.
# * AGX Xavier (JetPack 4 and 5; the same names, JetPack 5 adds "mW"): no parent rail;
#   GPU, CPU, SOC, CV, VDDRQ and SYS5V are in parallel. "Jetson AGX Xavier Series Product
#   Design Guide" DG-09840-001 §5.6.2 ("These monitor the VDD_GPU, VDD_CPU, VDD_SOC (Core),
#   VDD_CV, VDD_DDRQ, and SYS_VIN_MV Supplies") and §5.2 (SYS_VIN_HV and SYS_VIN_MV are
#   both derived from the main power source); NVIDIA forum "Xavier Jetson total power
#   consumption" (t/81016, cited in jetson_stats issue #51: "the total power in this case
#   is a sum of all field"); energymon DEFAULT_RAIL_NAMES_AGX_XAVIER.
# Thor without its VIN rail (some L4T 38 carrier/BSP combinations print only VDD_GPU,
# VDD_CPU_SOC_MSS and VIN_SYS_5V0) has no documented sum: power None, never a guess.
SUMMED_RAILS = (
    ("VDD_GPU_SOC", "VDD_CPU_CV", "VIN_SYS_5V0"),
    ("GPU", "CPU", "SOC", "CV", "VDDRQ", "SYS5V"),
)

# Names whose field, when present but not in a recognised shape, means the line is cut
# short or garbled (a ValueError) rather than a new kind of field (kept in ``unknown``).
# "CPU"/"GPU" are not in the first list: on AGX Xavier they are also rail names.
_STRICT_FIELDS = ("RAM", "SWAP", "IRAM", "MTS")
_CPU_LIST_NAMES = ("CPU", "cpu")
_KNOWN_RAILS = frozenset(INPUT_RAILS + tuple(r for group in SUMMED_RAILS for r in group) + (
    "POM_5V_GPU", "POM_5V_CPU", "VDD_CPU", "VDD_GPU", "VDD_SOC", "VDD_CPU_GPU_CV", "VDD_CPU_GPU",
    "VDD_SYS_GPU", "VDD_SYS_SOC", "VDD_SYS_CPU", "VDD_SYS_DDR", "VDD_4V0_WIFI", "VDD_WIFI",
    "VDD_DDR", "VDDQ_VDD2_1V8AO", "VDD_CPU_SOC_MSS", "NC"))
_GPU_RE = re.compile(r"^GR3D\d*(?:_FREQ)?$")  # GR3D (L4T 28), GR3D_FREQ, GR3D2_FREQ (per GPC)
_EMC_NAMES = ("EMC_FREQ", "EMC")

_END = r"(?=\s|$)"
_NAME = r"([A-Z][A-Z0-9_]*)"
_MHZ_LIST = r"(\d+|\[\d+(?:,\d+)*\])"
_TIME = re.compile(r"(\d\d-\d\d-\d{4} \d\d:\d\d:\d\d)(?=\s)")
# (kind, pattern) tried in order at each position of a line; " +": JetPack 6 on AGX Orin
# pads some fields with several spaces ("NVENC      off  NVDEC    off").
_TOKENS = [
    ("ram", re.compile(r"RAM +(\d+)/(\d+)MB(?: *\(lfb (\d+)x(\d+)(?:kB|MB)\))?(?! *\()" + _END)),
    ("swap", re.compile(r"SWAP +(\d+)/(\d+)MB(?: *\(cached (\d+)MB\))?(?! *\()" + _END)),
    ("iram", re.compile(r"IRAM +(\d+)/(\d+)kB *\(lfb (\d+)kB\)" + _END)),
    ("cpu", re.compile(r"[Cc][Pp][Uu] +\[([^\]]*)\](?:@(\d+))?" + _END)),
    ("mts", re.compile(r"MTS +fg (\d+)% bg (\d+)%" + _END)),
    ("temp", re.compile(r"([A-Za-z][\w.-]*)@(-?\d+(?:\.\d+)?)C" + _END)),
    ("rail", re.compile(_NAME + r" +(\d+)mW/(\d+)mW(?:/\d+mW)?" + _END)),
    ("rail", re.compile(_NAME + r" +(\d+)mW()" + _END)),
    ("rail", re.compile(_NAME + r" +(\d+)/(\d+)" + _END)),
    ("clusters", re.compile(_NAME + r" +\[(\d+%(?:@\d+)?(?:,\d+%(?:@\d+)?)*)\]" + _END)),
    ("load", re.compile(_NAME + r" +(\d+)%(?:@" + _MHZ_LIST + r")?" + _END)),
    ("clock", re.compile(_NAME + r" +@" + _MHZ_LIST + _END)),
    ("value", re.compile(_NAME + r" +(\d+|off|OFF)" + _END)),
]
# The start of a field of a known kind: if nothing above matched there, the field is
# malformed or cut short, not new.
_TEMP_START = re.compile(r"[A-Za-z][\w.-]*@-?\d")
_NAME_START = re.compile(r"([A-Za-z][A-Za-z0-9_]*)(?= )")
_LAST_BARE_NAME = re.compile(r"^[A-Za-z][\w.-]*$")
_WORD_AND_GAP = re.compile(r"\S+(\s+)")


def _bad(text, detail=""):
    return ValueError("not tegrastats output{}: {!r}".format(": " + detail if detail else "", text))


def _pct(value, line):
    pct = int(value)
    if pct > 100:
        raise _bad(line, "load {}% above 100".format(pct))
    return pct


def _mhz_list(freq):
    """``76`` / ``[305]`` / ``[1377,1377]`` -> [76] / [305] / [1377, 1377]; None -> []."""
    return [int(f) for f in freq.strip("[]").split(",")] if freq else []


def _parse_cpu_list(body, cluster_mhz, line):
    """``12%@102,off,...`` (or the old ``12%,7%`` with one ``]@MHz``) -> (loads, MHz)."""
    loads, freqs = [], []
    for entry in body.split(","):
        entry = entry.strip()
        m = re.match(r"^(\d+)%(?:@(\d+))?$", entry)
        if entry == "off":
            loads.append(None)
            freqs.append(None)
        elif m:
            loads.append(_pct(m.group(1), line))
            mhz = m.group(2) or cluster_mhz
            freqs.append(int(mhz) if mhz else None)
        else:
            raise _bad(line, "CPU entry {!r}".format(entry))
    return loads, freqs


def _valid_temp(name, value):
    if name in BOGUS_TEMP_SENSORS or value <= OFFLINE_TEMP_MAX_C or value >= INVALID_TEMP_MIN_C:
        return None
    return value


def _new_sample(time):
    return {
        "time": time, "ram_used_mb": None, "ram_total_mb": None, "swap_used_mb": None,
        "swap_total_mb": None, "swap_cached_mb": None, "cpu_load_pct": [], "cpu_freq_mhz": [],
        "emc_load_pct": None, "emc_freq_mhz": None, "gpu_load_pct": None, "gpu_loads_pct": [],
        "gpu_freq_mhz": None, "gpu_freqs_mhz": [], "temps_c": {}, "cpu_temp_c": None,
        "gpu_temp_c": None, "rails_mw": {}, "rails_avg_mw": {}, "power_in_mw": None,
        "power_source": "", "engines": {}, "other": {}, "unknown": [],
    }


def _engine_name(name):
    return name[:-len("_FREQ")] if name.endswith("_FREQ") else name


def _apply(out, kind, m, line, seen):
    """Store one matched field in ``out``."""
    named = kind not in ("ram", "swap", "iram", "cpu", "mts")
    name = m.group(1) if named else kind.upper()
    if named and kind != "temp" and (name in _STRICT_FIELDS or (name in _KNOWN_RAILS and kind != "rail")):
        raise _bad(line, "malformed {} field".format(name))  # e.g. a cut "SWAP 0/19", "SYS5V 148"
    # the CPU list and AGX Xavier's "CPU 311/311" rail are different fields
    key = (kind if not named else "temp" if kind == "temp" else "field", name)
    if key in seen and name != "NC":  # NC: unconnected monitor channels, printed repeatedly
        raise _bad(line, "{} appears twice (two samples on one line?)".format(name))
    seen.add(key)
    raw = m.group(0).split(None, 1)[-1]
    if kind == "ram":
        out["ram_used_mb"], out["ram_total_mb"] = int(m.group(1)), int(m.group(2))
        if out["ram_used_mb"] > out["ram_total_mb"]:
            raise _bad(line, "RAM used above total")
    elif kind == "swap":
        out["swap_used_mb"], out["swap_total_mb"] = int(m.group(1)), int(m.group(2))
        out["swap_cached_mb"] = int(m.group(3)) if m.group(3) else None
    elif kind == "cpu":
        out["cpu_load_pct"], out["cpu_freq_mhz"] = _parse_cpu_list(m.group(1), m.group(2), line)
    elif kind in ("iram", "mts"):
        out["other"][name] = raw
    elif kind == "temp":
        out["temps_c"][name] = _valid_temp(name, float(m.group(2)))
    elif kind == "rail":
        if name != "NC":
            out["rails_mw"][name] = int(m.group(2))
            out["rails_avg_mw"][name] = int(m.group(3)) if m.group(3) else None
    elif _GPU_RE.match(name) or name in _EMC_NAMES:
        _apply_clock_unit(out, kind, name, m, line)
    elif kind in ("value", "clock"):
        value = m.group(2)
        out["engines"][_engine_name(name)] = None if value.lower() == "off" else max(_mhz_list(value))
    elif kind == "load":
        mhz = _mhz_list(m.group(3))
        out["engines"][_engine_name(name)] = max(mhz) if mhz else None
        out["other"][name] = raw
    else:  # per-cluster loads of something that is neither the GPU nor the EMC
        out["other"][name] = raw


def _apply_clock_unit(out, kind, name, m, line):
    """GR3D*/EMC fields: ``40%@76``, ``0%``, ``7%@[306,306]``, ``@[314,314,314]``,
    ``[0%@305,0%@305]`` (one load per GPC), ``off``."""
    loads, freqs = [], []
    if kind == "load":
        loads, freqs = [_pct(m.group(2), line)], _mhz_list(m.group(3))
    elif kind == "clock":
        freqs = _mhz_list(m.group(2))
    elif kind == "clusters":
        for entry in m.group(2).split(","):
            pct, _, mhz = entry.partition("@")
            loads.append(_pct(pct.rstrip("%"), line))
            if mhz:
                freqs.append(int(mhz))
    elif m.group(2).lower() != "off":  # "GR3D_FREQ 76": a clock without a load
        freqs = [int(m.group(2))]
    if name in _EMC_NAMES:
        out["emc_load_pct"] = loads[0] if loads else None
        out["emc_freq_mhz"] = max(freqs) if freqs else None
    else:
        out["gpu_loads_pct"].extend(loads)
        out["gpu_freqs_mhz"].extend(freqs)


def _known_start(text, pos):
    """The name of a known field starting at ``pos`` (its shape already failed), or None."""
    if _TEMP_START.match(text, pos):
        return "temperature"
    m = _NAME_START.match(text, pos)
    if not m:
        return None
    name = m.group(1)
    if (name in _STRICT_FIELDS or name in _CPU_LIST_NAMES or name in _KNOWN_RAILS
            or name in _EMC_NAMES or _GPU_RE.match(name)):
        return name
    return None


def _match(text, pos):
    for kind, pattern in _TOKENS:
        m = pattern.match(text, pos)
        if m:
            return kind, m
    return None, None


def _skip_unknown(text, pos):
    """End of an unrecognised field: the next whitespace followed by a plausible field."""
    end = pos
    while True:
        gap = _WORD_AND_GAP.match(text, end)
        if not gap:
            return len(text)
        end = gap.end()
        if _match(text, end)[0] or _known_start(text, end):
            return gap.start(1)


def _set_power(out):
    rails = out["rails_mw"]
    for rail in INPUT_RAILS:
        if rail in rails:
            out["power_in_mw"], out["power_source"] = rails[rail], rail
            return
    for group in SUMMED_RAILS:
        if all(r in rails for r in group):
            out["power_in_mw"] = sum(rails[r] for r in group)
            out["power_source"] = "sum:" + "+".join(group)
            return


def _zone(temps, names):
    values = [temps[n] for n in names if temps.get(n) is not None]
    return max(values) if values else None


def parse_tegrastats(line):
    """One ``tegrastats`` line -> dict (MB, %, MHz, degrees C, mW; None where not printed).

    Keys:

    * time ("MM-DD-YYYY HH:MM:SS" or None), ram_used_mb, ram_total_mb, swap_used_mb,
      swap_total_mb, swap_cached_mb;
    * cpu_load_pct / cpu_freq_mhz: one entry per core, None when the core is off;
    * emc_load_pct, emc_freq_mhz;
    * gpu_loads_pct: every GPU load printed, in order: one figure for most modules
      (``GR3D_FREQ 7%@[306,306]`` is one load aggregated over the GPCs, with one clock
      per GPC), one per GPC where they are printed separately (``GR3D_FREQ 0%@0
      GR3D2_FREQ 0%@0`` on AGX Orin L4T 35, or ``GR3D_FREQ [0%@305,0%@305]``); empty
      when no load is printed (Thor: ``GR3D_FREQ @[314,314,314]``, or no GR3D field);
    * gpu_load_pct: the mean of gpu_loads_pct (the int itself when there is one), None
      when empty; gpu_freqs_mhz: every GPU clock printed; gpu_freq_mhz: the highest;
    * temps_c: zone -> C for every zone printed; None for an offline or invalid reading
      (<= -40C, >= 150C) and for constant sensors (BOGUS_TEMP_SENSORS);
    * cpu_temp_c, gpu_temp_c: the CPU/GPU zone (TX2: the hotter of BCPU/MCPU), None
      when not printed or offline;
    * rails_mw / rails_avg_mw: rail -> instant / running-average mW ("NC" left out);
    * power_in_mw: the module's input power (instant); power_source: which rail gave it
      ("VDD_IN", "POM_5V_IN", "VIN") or "sum:A+B+C" for modules without an input rail
      (see INPUT_RAILS / SUMMED_RAILS); None and "" when no rail set is recognised;
    * engines: engine -> MHz, None when printed ``off`` (NVENC, NVDEC, NVJPG, VIC, OFA,
      NVDLA0, PVA0, APE, ...; a ``_FREQ`` suffix is dropped: ``VIC_FREQ 729`` -> "VIC");
    * other: raw text of IRAM, MTS and load-style fields of other engines;
    * unknown: raw text of each field not recognised (the rest of the line is used).

    Raises ValueError for a line that is not tegrastats (no RAM field), has a known field
    malformed or cut short (a sampler killed mid-line), or carries two samples.
    """
    text = line.strip()
    m = _TIME.match(text)
    out = _new_sample(m.group(1) if m else None)
    pos = m.end() if m else 0
    seen = set()
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        kind, m = _match(text, pos)
        if kind:
            _apply(out, kind, m, line, seen)
            pos = m.end()
            continue
        known = _known_start(text, pos)
        if known:
            raise _bad(line, "malformed {} field at {!r}".format(known, text[pos:pos + 24]))
        end = _skip_unknown(text, pos)
        field = text[pos:end].strip()
        if end >= len(text) and _LAST_BARE_NAME.match(field):
            raise _bad(line, "cut short at {!r}".format(field))  # a name without its value
        out["unknown"].append(field)
        pos = end
    if out["ram_total_mb"] is None:
        raise _bad(line, "no RAM field")
    temps = out["temps_c"]
    out["cpu_temp_c"] = _zone(temps, _CPU_ZONES) if any(n in temps for n in _CPU_ZONES) \
        else _zone(temps, _CPU_CLUSTER_ZONES)
    out["gpu_temp_c"] = _zone(temps, _GPU_ZONES)
    loads = out["gpu_loads_pct"]
    if loads:
        out["gpu_load_pct"] = loads[0] if len(loads) == 1 else sum(loads) / float(len(loads))
    if out["gpu_freqs_mhz"]:
        out["gpu_freq_mhz"] = max(out["gpu_freqs_mhz"])
    _set_power(out)
    return out


def hottest_c(sample):
    """The highest valid temperature of a parsed sample (offline/bogus zones left out), or None."""
    values = [v for v in sample.get("temps_c", {}).values() if v is not None]
    return max(values) if values else None


def _mean(values):
    return sum(values) / len(values) if values else None


def summarize_tegrastats(lines, skip_malformed=False):
    """Samples taken during one measurement -> the columns a result row carries.

    ``lines``: an iterable of lines or one string. Blank lines are ignored; a malformed
    line raises ``ValueError`` unless ``skip_malformed`` (then it is counted in
    ``skipped``: a sampler killed mid-line leaves a truncated last line). Offline sensors
    are None in every sample, so they never reach a mean or a maximum. ``power_source``
    is the most common non-empty source of the samples ("" when none had one).
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

    sources = Counter(s["power_source"] for s in samples if s["power_source"])
    return {
        "samples": len(samples),
        "skipped": skipped,
        "power_in_mw_mean": _mean(col("power_in_mw")),
        "power_source": sources.most_common(1)[0][0] if sources else "",
        "gpu_temp_c_mean": _mean(col("gpu_temp_c")),
        "gpu_temp_c_max": max(col("gpu_temp_c"), default=None),
        "cpu_temp_c_mean": _mean(col("cpu_temp_c")),
        "cpu_temp_c_max": max(col("cpu_temp_c"), default=None),
        "gpu_load_pct_mean": _mean(col("gpu_load_pct")),
        "ram_used_mb_max": max(col("ram_used_mb"), default=None),
    }
