"""tegrastats of every Jetson generation: input power and its source, temperatures (offline
zones are missing values), GPU loads per cluster, engines, unknown and truncated fields.

The lines, with where each was published (or that it was composed), are in
tests/jetson_lines.py.
"""

import pytest

from bench.devices.ssh import jetson_parsers, tegrastats
from bench.devices.ssh.tegrastats import hottest_c, parse_tegrastats, summarize_tegrastats

import jetson_lines as L

AGX_ORIN_SUM = "sum:VDD_GPU_SOC+VDD_CPU_CV+VIN_SYS_5V0"
AGX_XAVIER_SUM = "sum:GPU+CPU+SOC+CV+VDDRQ+SYS5V"

# line, power_in_mw, power_source, cpu_temp_c, gpu_temp_c, gpu_load_pct, time
GENERATIONS = [
    ("nano jp4.6", L.NANO_SPEC, 933, "POM_5V_IN", 23.5, 22.5, 40, None),
    ("nano jp4.6.1", L.NANO_JP461, 1750, "POM_5V_IN", 40.0, 40.0, 0, None),
    ("nano jp4 datadog", L.NANO_DATADOG, 1022, "POM_5V_IN", 36.5, 36.0, 0, None),
    ("nano 2gb, no monitor", L.NANO_NO_RAILS, None, "", 30.0, 28.0, 0, None),
    ("tx1 l4t28", L.TX1, 2532, "VDD_IN", 37.5, 39.0, 0, None),
    ("tx1 l4t28.1 no rails", L.TX1_OLD, None, "", None, None, 39, None),
    ("tx2 l4t28", L.TX2_L4T28, 14025, "VDD_IN", None, None, 37, None),
    ("tx2 jp4", L.TX2_JP4, 3056, "VDD_IN", 37.5, 35.0, 0, None),
    ("xavier nx jp4", L.XAVIER_NX_JP4, 4067, "VDD_IN", 43.5, 43.0, 62, None),
    ("agx xavier jp4", L.AGX_XAVIER_JP4, 311 + 932 + 621 + 1482, AGX_XAVIER_SUM, 37.5, 37.5, 0, None),
    ("agx xavier jp4.2", L.AGX_XAVIER_JP42, 463 + 618 + 2936 + 309 + 3306, AGX_XAVIER_SUM, 31.5, 30.5, 0,
     None),
    ("agx xavier jp5", L.AGX_XAVIER_JP5, 467 + 467 + 1245 + 311 + 2768, AGX_XAVIER_SUM, 36.5, 35.0, 0, None),
    ("orin nx jp5", L.ORIN_NX_JP5, 5299, "VDD_IN", 47.937, 45.875, 0, None),
    ("orin nano jp6", L.ORIN_IDLE, 5832, "VDD_IN", 51.0, 50.5, 7, "08-23-2026 13:57:46"),
    ("orin nano jp6 busy", L.ORIN_BUSY, 16321, "VDD_IN", 57.125, 58.625, 99, "10-08-2026 04:35:02"),
    ("orin nano jp6 no root", L.ORIN_NO_GPU_FREQ, 5263, "VDD_IN", 44.156, 45.968, 0, "05-05-2025 06:05:39"),
    ("orin nano jp6 clocks", L.ORIN_NANO_JP6_CLOCKS, 6626, "VDD_IN", 50.125, 50.562, 0,
     "04-27-2026 15:00:54"),
    ("agx orin jp5", L.AGX_ORIN_JP5, 2399 + 400 + 4032, AGX_ORIN_SUM, 42.593, None, 0, "04-24-2023 00:01:24"),
    ("agx orin 32gb jp5", L.AGX_ORIN_32GB_JP5, 4788 + 798 + 3842, AGX_ORIN_SUM, 43.5, 38.156, 0,
     "10-16-2023 10:59:22"),
    ("agx orin jp6", L.AGX_ORIN_JP6, 3205 + 4405 + 4767, AGX_ORIN_SUM, 53.062, 47.812, 0, None),
    ("agx orin jp6 no ts", L.AGX_ORIN_NO_TS, 4940 + 988 + 4442, AGX_ORIN_SUM, 42.0, 37.75, 0, None),
    ("agx orin dla", L.AGX_ORIN_DLA, 3150 + 14312 + 4968, AGX_ORIN_SUM, 77.281, 69.125, 14,
     "11-21-2025 08:49:48"),
    ("thor r38.4", L.THOR_R384, 19780, "VIN", 37.343, 38.875, None, "04-21-2026 15:50:52"),
    ("thor jp7.2", L.THOR_JP72, 87426, "VIN", 60.406, 62.906, None, "07-02-2026 13:45:44"),
    ("thor without vin", L.THOR_NO_VIN, None, "", 34.468, None, None, "05-17-2026 10:00:32"),
]


@pytest.mark.parametrize("name, line, power, source, cpu_c, gpu_c, gpu_load, time", GENERATIONS,
                         ids=[g[0] for g in GENERATIONS])
def test_each_generation(name, line, power, source, cpu_c, gpu_c, gpu_load, time):
    s = parse_tegrastats(line)
    assert (s["power_in_mw"], s["power_source"]) == (power, source)
    assert (s["cpu_temp_c"], s["gpu_temp_c"]) == (cpu_c, gpu_c)
    assert s["gpu_load_pct"] == gpu_load
    assert s["time"] == time
    assert s["unknown"] == []


def test_every_published_line_is_in_the_generation_table():
    assert {g[1] for g in GENERATIONS} <= set(L.REAL_LINES)
    assert len(L.REAL_LINES) == len(set(L.REAL_LINES))


def test_agx_orin_sum_leaves_out_the_rail_fed_by_vin_sys_5v0():
    s = parse_tegrastats(L.AGX_ORIN_DLA)
    assert s["rails_mw"]["VDDQ_VDD2_1V8AO"] == 1091  # kept as a rail, not added to the input
    assert s["power_in_mw"] == 3150 + 14312 + 4968
    assert "NC" not in parse_tegrastats(L.AGX_ORIN_JP5)["rails_mw"]


def test_a_partial_rail_set_is_no_power():
    cut = L.AGX_ORIN_NO_TS.replace(" VIN_SYS_5V0 4442mW/4442mW", "")
    s = parse_tegrastats(cut)
    assert (s["power_in_mw"], s["power_source"]) == (None, "")
    assert s["rails_mw"] == {"VDD_GPU_SOC": 4940, "VDD_CPU_CV": 988}


def test_thor_rails_with_three_figures():
    s = parse_tegrastats(L.THOR_JP72)
    assert s["rails_mw"]["VIN"] == 87426 and s["rails_avg_mw"]["VIN"] == 43713
    assert s["gpu_loads_pct"] == [] and s["gpu_freq_mhz"] is None and s["engines"] == {}


def test_timestamp_present_or_absent_changes_nothing_else():
    with_ts = parse_tegrastats("01-02-2025 03:04:05 " + L.NANO_SPEC)
    without = parse_tegrastats(L.NANO_SPEC)
    assert with_ts["time"] == "01-02-2025 03:04:05" and without["time"] is None
    with_ts["time"] = None
    assert with_ts == without


def test_offline_and_invalid_zones_are_missing_values():
    s = parse_tegrastats(L.AGX_ORIN_JP5)  # CV0@-256C CV1@-256C GPU@-256C CV2@-256C
    assert {k: v for k, v in s["temps_c"].items() if v is None} == {
        "CV0": None, "CV1": None, "GPU": None, "CV2": None}
    assert s["gpu_temp_c"] is None and s["cpu_temp_c"] == 42.593
    tx2 = parse_tegrastats(L.TX2_L4T28)  # BCPU@-45C MCPU@-45C GPU@-51C
    assert (tx2["temps_c"]["BCPU"], tx2["temps_c"]["MCPU"], tx2["temps_c"]["GPU"]) == (None, None, None)
    assert tx2["temps_c"]["PMIC"] is None  # a constant, not a measurement
    assert tx2["temps_c"]["Tdiode"] == 46.75


@pytest.mark.parametrize("printed, value", [
    ("-256", None), ("-51", None), ("-40", None), ("-39.5", -39.5), ("0", 0.0), ("149.9", 149.9),
    ("150", None), ("1000", None),
])
def test_temperature_bounds(printed, value):
    s = parse_tegrastats(L.NANO_SPEC.replace("GPU@22.5C", "GPU@{}C".format(printed)))
    assert s["temps_c"]["GPU"] == value and s["gpu_temp_c"] == value


def test_tx2_cpu_temperature_is_the_hotter_cluster():
    s = parse_tegrastats(L.TX2_JP4.replace("BCPU@37.5C", "BCPU@41C"))
    assert s["cpu_temp_c"] == 41.0
    s = parse_tegrastats(L.TX2_JP4.replace("MCPU@37.5C", "MCPU@-256C"))
    assert s["cpu_temp_c"] == 37.5  # the offline cluster is left out


def test_hottest_valid_temperature():
    assert hottest_c(parse_tegrastats(L.NANO_SPEC)) == 27.5  # AO; not the PMIC's 100C
    assert hottest_c(parse_tegrastats(L.AGX_ORIN_JP5)) == 42.593  # not the -256C zones
    assert hottest_c(parse_tegrastats(L.TX2_L4T28)) == 47.5
    assert hottest_c(parse_tegrastats(L.TX1_OLD)) is None  # no zone printed
    only_offline = "RAM 100/3964MB CPU [1%@102,1%@102,1%@102,1%@102] GPU@-256C PMIC@100C"
    assert hottest_c(parse_tegrastats(only_offline)) is None


def test_gpu_loads_per_cluster():
    s = parse_tegrastats(L.AGX_ORIN_JP5)  # GR3D_FREQ 0%@0 GR3D2_FREQ 0%@0
    assert (s["gpu_loads_pct"], s["gpu_freqs_mhz"]) == ([0, 0], [0, 0])
    busy = parse_tegrastats(L.AGX_ORIN_JP5.replace("GR3D_FREQ 0%@0 GR3D2_FREQ 0%@0",
                                                   "GR3D_FREQ 50%@1300 GR3D2_FREQ 30%@1300"))
    assert busy["gpu_loads_pct"] == [50, 30] and busy["gpu_load_pct"] == 40.0
    assert busy["gpu_freq_mhz"] == 1300
    # the bracketed per-GPC form: one load and one clock per GPC
    listed = parse_tegrastats(L.AGX_ORIN_JP6.replace("GR3D_FREQ 0%@[305,305]", "GR3D_FREQ [20%@305,40%@611]"))
    assert listed["gpu_loads_pct"] == [20, 40] and listed["gpu_load_pct"] == 30.0
    assert listed["gpu_freqs_mhz"] == [305, 611] and listed["gpu_freq_mhz"] == 611


def test_one_aggregated_load_with_a_clock_per_gpc():
    s = parse_tegrastats(L.AGX_ORIN_DLA)  # GR3D_FREQ 14%@[407,407]
    assert (s["gpu_loads_pct"], s["gpu_load_pct"], s["gpu_freqs_mhz"]) == ([14], 14, [407, 407])
    thor = parse_tegrastats(L.THOR_R384)  # GR3D_FREQ @[314,314,314]: clocks, no load
    assert (thor["gpu_loads_pct"], thor["gpu_load_pct"]) == ([], None)
    assert thor["gpu_freqs_mhz"] == [314, 314, 314] and thor["gpu_freq_mhz"] == 314


def test_engines_with_clocks_and_off():
    assert parse_tegrastats(L.AGX_ORIN_JP6)["engines"] == {
        "NVENC": None, "NVDEC": None, "NVJPG": None, "NVJPG1": None, "VIC": None, "OFA": None,
        "NVDLA0": None, "NVDLA1": None, "PVA0": None, "APE": 174}
    assert parse_tegrastats(L.AGX_ORIN_DLA)["engines"] == {"VIC": 115, "NVDLA0": 1600, "APE": 174}
    assert parse_tegrastats(L.THOR_R384)["engines"] == {
        "NVENC0": 314, "NVENC1": 314, "NVDEC0": 314, "NVDEC1": 314, "NVJPG0": 314, "VIC": None,
        "OFA": 315, "PVA0": None, "APE": 300}
    assert parse_tegrastats(L.NANO_NVDEC)["engines"] == {"NVENC": 716, "NVDEC": 716, "APE": 25}
    assert parse_tegrastats(L.AGX_ORIN_32GB_JP5)["engines"] == {"NVJPG1": 729, "VIC": 729, "APE": 233}


@pytest.mark.parametrize("where, field", [
    ("before the rails", "FAN 3000rpm"),
    ("between fields", "GPC0 12%/34%"),
    ("odd characters", "NEWSENSOR{a=1,b=2}"),
    ("several words", "XYZ 1.5V 2.5V"),
])
def test_an_unknown_field_is_kept_aside(where, field):
    for line, anchor in ((L.ORIN_IDLE, " VDD_IN"), (L.AGX_XAVIER_JP4, " GPU 0/0"), (L.THOR_R384, " VIN ")):
        at = line.index(anchor)
        s = parse_tegrastats(line[:at] + " " + field + line[at:])
        assert s["unknown"] == [field]
        clean = parse_tegrastats(line)
        s["unknown"] = []
        assert s == clean


def test_an_unknown_field_at_the_end_of_the_line():
    s = parse_tegrastats(L.NANO_SPEC + " FAN 3000rpm")
    assert s["unknown"] == ["FAN 3000rpm"] and s["power_in_mw"] == 933


@pytest.mark.parametrize("bad", [
    "",
    "hello world",
    "tegrastats: command not found",
    "CPU [1%@102] GPU@30C",                                   # no RAM field
    L.NANO_SPEC[:L.NANO_SPEC.index("SWAP") + 8],               # "... SWAP 0/19"
    L.ORIN_BUSY[:40],                                          # "... RAM 6712/7620MB (lfb"
    L.ORIN_IDLE[:L.ORIN_IDLE.index("VDD_SOC") + 15],           # "... VDD_SOC 1468mW/14"
    L.AGX_ORIN_JP6[:L.AGX_ORIN_JP6.index("soc1@") + 7],        # "... soc1@48"
    L.THOR_R384[:L.THOR_R384.index(" VIN ") + 3],              # "... VI": a name without a value
    L.AGX_XAVIER_JP4[:L.AGX_XAVIER_JP4.index("SYS5V") + 9],    # "... SYS5V 148": a rail cut short
    L.AGX_ORIN_JP5.replace("CPU [0%@729,", "CPU [0%@72", 1),   # a garbled CPU list
    L.NANO_SPEC + " " + L.NANO_SPEC,                           # two samples on one line
])
def test_truncated_or_garbled_lines_are_value_errors(bad):
    with pytest.raises(ValueError, match="tegrastats"):
        parse_tegrastats(bad)


def test_summary_power_source_and_offline_sensors():
    summary = summarize_tegrastats([L.AGX_ORIN_JP5, L.AGX_ORIN_32GB_JP5, L.AGX_ORIN_JP5[:60]],
                                   skip_malformed=True)
    assert (summary["samples"], summary["skipped"]) == (2, 1)
    assert summary["power_source"] == AGX_ORIN_SUM
    assert summary["power_in_mw_mean"] == pytest.approx((6831 + 9428) / 2)
    # GPU@-256C of the first sample is left out, not averaged in
    assert summary["gpu_temp_c_mean"] == 38.156 and summary["gpu_temp_c_max"] == 38.156
    assert summary["cpu_temp_c_mean"] == pytest.approx((42.593 + 43.5) / 2)


def test_summary_power_source_is_the_most_common_one():
    summary = summarize_tegrastats([L.NANO_SPEC, L.NANO_NO_RAILS, L.NANO_JP461])
    assert summary["power_source"] == "POM_5V_IN"
    assert summary["power_in_mw_mean"] == pytest.approx((933 + 1750) / 2)
    assert summarize_tegrastats([L.NANO_NO_RAILS])["power_source"] == ""
    assert summarize_tegrastats([])["power_source"] == ""


def test_lines_for_the_fake_sampler():
    for key, line in (("nano", L.NANO_LINE_FOR_FAKE), ("orin", L.ORIN_LINE_FOR_FAKE)):
        s = parse_tegrastats(line)
        assert {k: s[k] for k in ("power_in_mw", "power_source")} == L.EXPECTED_FAKE[key]
        assert "'" not in line and "\n" not in line
    assert "VDD_IN" not in L.ORIN_LINE_FOR_FAKE


def test_jetson_parsers_re_exports_the_module():
    for name in ("parse_tegrastats", "summarize_tegrastats", "hottest_c", "INPUT_RAILS",
                 "BOGUS_TEMP_SENSORS", "SUMMED_RAILS"):
        assert getattr(jetson_parsers, name) is getattr(tegrastats, name)
