"""Jetson parsers against real output lines (JetPack 3.x to 7.x, Nano, TX1/TX2, Xavier, Orin, Thor).

The lines live in tests/jetson_lines.py; tests/test_tegrastats.py covers each generation's
power rule, offline sensors and unknown fields in detail."""

import pytest

from bench.devices.ssh.jetson_parsers import (
    L4T_TO_JETPACK,
    parse_jetson_clocks_show,
    parse_nv_tegra_release,
    parse_nvpmodel,
    parse_tegrastats,
    summarize_tegrastats,
)

from jetson_lines import (NANO_5W, NANO_JP461, NANO_NO_FREQ, NANO_NO_RAILS, NANO_NVDEC, NANO_SPEC,
                          ORIN_BUSY, ORIN_IDLE, REAL_LINES, TX1, TX1_OLD, TX2_L4T28)


def test_spec_line_every_field():
    s = parse_tegrastats(NANO_SPEC)
    assert s["time"] is None
    assert (s["ram_used_mb"], s["ram_total_mb"]) == (331, 3964)
    assert (s["swap_used_mb"], s["swap_total_mb"], s["swap_cached_mb"]) == (0, 1982, 0)
    assert s["cpu_load_pct"] == [12, 7, 3, 9]
    assert s["cpu_freq_mhz"] == [102, 102, 102, 102]
    assert (s["emc_load_pct"], s["emc_freq_mhz"]) == (3, 204)
    assert (s["gpu_load_pct"], s["gpu_freq_mhz"]) == (40, 76)
    assert s["temps_c"] == {"PLL": 20.5, "CPU": 23.5, "PMIC": None, "GPU": 22.5, "AO": 27.5,
                            "thermal": 23.0}  # the PMIC's constant 100C is no reading
    assert (s["cpu_temp_c"], s["gpu_temp_c"]) == (23.5, 22.5)
    assert s["rails_mw"] == {"POM_5V_IN": 933, "POM_5V_GPU": 0, "POM_5V_CPU": 84}
    assert s["rails_avg_mw"] == {"POM_5V_IN": 933, "POM_5V_GPU": 0, "POM_5V_CPU": 105}
    assert (s["power_in_mw"], s["power_source"]) == (933, "POM_5V_IN")
    assert s["engines"] == {"APE": 25} and s["other"] == {} and s["unknown"] == []


@pytest.mark.parametrize("line", REAL_LINES)
def test_every_real_line_parses(line):
    s = parse_tegrastats(line)
    assert s["ram_total_mb"] > s["ram_used_mb"] > 0
    assert len(s["cpu_load_pct"]) == len(s["cpu_freq_mhz"]) >= 4
    assert all(v is None or 0 <= v <= 100 for v in s["cpu_load_pct"])


def test_jetpack6_orin_format():
    s = parse_tegrastats(ORIN_BUSY)
    assert s["time"] == "10-08-2026 04:35:02"
    assert (s["gpu_load_pct"], s["gpu_freq_mhz"]) == (99, 612)
    assert (s["cpu_temp_c"], s["gpu_temp_c"]) == (57.125, 58.625)
    assert s["temps_c"]["tj"] == 58.312
    assert s["rails_mw"]["VDD_CPU_GPU_CV"] == 7104 and s["rails_avg_mw"]["VDD_CPU_GPU_CV"] == 4944
    assert s["power_in_mw"] == 16321
    assert s["engines"] == {"NVDEC": None, "NVJPG": None, "VIC": None, "OFA": None, "APE": 200}


def test_offline_cores_and_missing_frequencies_are_none():
    s = parse_tegrastats(NANO_5W)
    assert s["cpu_load_pct"] == [22, 67, None, None]
    assert s["cpu_freq_mhz"] == [518, 518, None, None]
    o = parse_tegrastats(ORIN_IDLE)
    assert o["cpu_load_pct"][1] is None and o["gpu_freq_mhz"] == 306
    n = parse_tegrastats(NANO_NO_FREQ)
    assert (n["gpu_load_pct"], n["gpu_freq_mhz"], n["emc_freq_mhz"]) == (0, None, None)


def test_old_and_other_boards():
    old = parse_tegrastats(TX1_OLD)
    assert old["cpu_load_pct"] == [17, 11, 65, 0] and old["cpu_freq_mhz"] == [1734] * 4
    assert (old["gpu_load_pct"], old["gpu_freq_mhz"], old["emc_load_pct"]) == (39, 76, 1)
    assert old["swap_cached_mb"] == 281 and old["power_in_mw"] is None
    tx1 = parse_tegrastats(TX1)
    assert tx1["power_in_mw"] == 2532 and tx1["rails_avg_mw"]["VDD_IN"] == 2698
    assert tx1["swap_total_mb"] is None and tx1["temps_c"]["Tdiode"] == 42.75
    tx2 = parse_tegrastats(TX2_L4T28)  # long misnamed XAVIER in this file
    # BCPU@-45C MCPU@-45C GPU@-51C are offline zones: missing values, never numbers
    assert tx2["temps_c"]["BCPU"] is None and tx2["gpu_temp_c"] is None
    assert tx2["cpu_temp_c"] is None
    assert tx2["other"]["MTS"] == "fg 0% bg 0%"
    assert parse_tegrastats(NANO_NO_RAILS)["power_in_mw"] is None


@pytest.mark.parametrize("bad", [
    "",
    "hello world",
    "tegrastats: command not found",
    NANO_SPEC.replace("RAM 331/3964MB", "RAM 331/x964MB"),
    NANO_SPEC.replace("CPU [12%@102,", "CPU [12%@x102,"),
    NANO_SPEC.replace("GR3D_FREQ 40%@76", "GR3D_FREQ 140%@76"),
    NANO_SPEC.replace("RAM 331/3964MB", "RAM 9331/3964MB"),
    NANO_SPEC.replace("POM_5V_IN 933/933", "POM_5V_IN 933/"),
    NANO_SPEC.replace("PLL@20.5C", "PLL@20.5F"),
    NANO_SPEC[:NANO_SPEC.index("SWAP") + 8],          # truncated: "SWAP 0/19"
    NANO_NO_RAILS + " " + NANO_NO_RAILS,              # two samples glued together
    NANO_SPEC.replace("EMC_FREQ 3%@204", "EMC_FREQ 3%@204 GR3D_FREQ 1%@76"),
])
def test_malformed_lines_are_value_errors(bad):
    with pytest.raises(ValueError, match="tegrastats"):
        parse_tegrastats(bad)


def test_summary_of_samples_during_a_measurement():
    summary = summarize_tegrastats([NANO_SPEC, "", NANO_JP461, NANO_NVDEC])
    assert summary["samples"] == 3 and summary["skipped"] == 0
    assert summary["power_in_mw_mean"] == pytest.approx((933 + 1750 + 4520) / 3)
    assert summary["gpu_temp_c_mean"] == pytest.approx((22.5 + 40 + 59) / 3)
    assert summary["gpu_temp_c_max"] == 59.0
    assert summary["cpu_temp_c_mean"] == pytest.approx((23.5 + 40 + 60.5) / 3)
    assert summary["cpu_temp_c_max"] == 60.5
    assert summary["gpu_load_pct_mean"] == pytest.approx(40 / 3)
    assert summary["ram_used_mb_max"] == 1923


def test_summary_text_bogus_sensor_and_truncated_tail():
    text = "\n".join([ORIN_IDLE, ORIN_BUSY, ORIN_BUSY[:40]])
    with pytest.raises(ValueError):
        summarize_tegrastats(text)
    summary = summarize_tegrastats(text, skip_malformed=True)
    assert (summary["samples"], summary["skipped"]) == (2, 1)
    assert summary["power_in_mw_mean"] == pytest.approx((5832 + 16321) / 2)
    # the PMIC's constant 100C never reaches the CPU/GPU columns
    assert summarize_tegrastats([NANO_SPEC])["cpu_temp_c_max"] == 23.5


def test_empty_summary_is_none_not_zero():
    summary = summarize_tegrastats([])
    assert summary["samples"] == 0
    assert summary["power_in_mw_mean"] is None and summary["gpu_temp_c_max"] is None
    assert summarize_tegrastats([NANO_NO_RAILS])["power_in_mw_mean"] is None


@pytest.mark.parametrize("text, name, mode_id, fan", [
    ("NV Fan Mode:quiet\nNV Power Mode: MAXN\n0", "MAXN", 0, "quiet"),
    ("NVPM WARN: fan mode is not set!\nNV Power Mode: MAXN\n0\n", "MAXN", 0, None),
    ("NV Power Mode: 5W\n1\n", "5W", 1, None),
    ("NV Fan Mode:quiet\nNV Power Mode: MAXN_SUPER\n2\n", "MAXN_SUPER", 2, "quiet"),
    ("NV Fan Mode:quiet\nNV Power Mode: MODE_15W_DESKTOP\n7\n"
     "NVPM ERROR: Error opening /sys/kernel/nvpmodel_emc_cap/emc_iso_cap: 13\n", "MODE_15W_DESKTOP", 7, "quiet"),
    ("NVPM VERB: Config file: /etc/nvpmodel.conf\nNV Fan Mode:quiet\n"
     "NVPM VERB: Current mode: NV Power Mode: MODE_15W_6CORE\n2\n", "MODE_15W_6CORE", 2, "quiet"),
])
def test_nvpmodel(text, name, mode_id, fan):
    assert parse_nvpmodel(text) == {"power_mode_name": name, "power_mode_id": mode_id, "fan_mode": fan}


@pytest.mark.parametrize("bad", ["", "bash: nvpmodel: command not found", "NV Power Mode:\n0"])
def test_nvpmodel_malformed(bad):
    with pytest.raises(ValueError, match="nvpmodel"):
        parse_nvpmodel(bad)


NANO_CLOCKS_DEFAULT = """\
SOC family:tegra210  Machine:NVIDIA Jetson Nano Developer Kit
Online CPUs: 0-3
CPU Cluster Switching: Disabled
cpu0: Online=1 Governor=schedutil MinFreq=102000 MaxFreq=1479000 CurrentFreq=1326000 IdleStates: WFI=1 c7=1 
cpu1: Online=1 Governor=schedutil MinFreq=102000 MaxFreq=1479000 CurrentFreq=1479000 IdleStates: WFI=1 c7=1 
cpu2: Online=1 Governor=schedutil MinFreq=102000 MaxFreq=1479000 CurrentFreq=1036800 IdleStates: WFI=1 c7=1 
cpu3: Online=1 Governor=schedutil MinFreq=102000 MaxFreq=1479000 CurrentFreq=1132800 IdleStates: WFI=1 c7=1 
GPU MinFreq=76800000 MaxFreq=921600000 CurrentFreq=76800000
EMC MinFreq=204000000 MaxFreq=1600000000 CurrentFreq=1600000000 FreqOverride=0
Fan: speed=0
NV Power Mode: MAXN
"""
NANO_CLOCKS_LOCKED = """\
SOC family:tegra210  Machine:NVIDIA Jetson Nano Developer Kit
Online CPUs: 0-3
cpu0: Online=1 Governor=schedutil MinFreq=1479000 MaxFreq=1479000 CurrentFreq=1479000 IdleStates: WFI=0 c7=0 
cpu1: Online=1 Governor=schedutil MinFreq=1479000 MaxFreq=1479000 CurrentFreq=1479000 IdleStates: WFI=0 c7=0 
cpu2: Online=1 Governor=schedutil MinFreq=1479000 MaxFreq=1479000 CurrentFreq=1479000 IdleStates: WFI=0 c7=0 
cpu3: Online=1 Governor=schedutil MinFreq=1479000 MaxFreq=1479000 CurrentFreq=1479000 IdleStates: WFI=0 c7=0 
GPU MinFreq=921600000 MaxFreq=921600000 CurrentFreq=921600000
EMC MinFreq=204000000 MaxFreq=1600000000 CurrentFreq=1600000000 FreqOverride=1
Fan: PWM=34
NV Power Mode: MAXN
"""
NANO_CLOCKS_5W_LOCKED = """\
SOC family:tegra210  Machine:NVIDIA Jetson Nano Developer Kit
Online CPUs: 0-1
CPU Cluster Switching: Disabled
cpu0: Online=1 Governor=schedutil MinFreq=921600 MaxFreq=921600 CurrentFreq=921600 IdleStates: WFI=1 c7=1 
cpu1: Online=1 Governor=schedutil MinFreq=921600 MaxFreq=921600 CurrentFreq=921600 IdleStates: WFI=1 c7=1 
cpu2: Online=0 Governor=schedutil MinFreq=921600 MaxFreq=921600 CurrentFreq=921600 IdleStates: WFI=1 c7=1 
cpu3: Online=0 Governor=schedutil MinFreq=921600 MaxFreq=921600 CurrentFreq=921600 IdleStates: WFI=1 c7=1 
GPU MinFreq=614400000 MaxFreq=614400000 CurrentFreq=614400000
EMC MinFreq=204000000 MaxFreq=1600000000 CurrentFreq=1600000000 FreqOverride=1
Fan: speed=0
NV Power Mode: 5W
"""
TX1_L4T28_CLOCKS = """\
SOC family:tegra210  Machine:jetson_tx1
Online CPUs: 0-3
CPU Cluster Switching: Disabled
cpu0: Gonvernor=interactive MinFreq=1734000 MaxFreq=1734000 CurrentFreq=1734000
cpu1: Gonvernor=interactive MinFreq=1734000 MaxFreq=1734000 CurrentFreq=1734000
cpu2: Gonvernor=interactive MinFreq=1734000 MaxFreq=1734000 CurrentFreq=1734000
cpu3: Gonvernor=interactive MinFreq=1734000 MaxFreq=1734000 CurrentFreq=1734000
GPU MinFreq=998400000 MaxFreq=998400000 CurrentFreq=998400000
EMC MinFreq=12750000 MaxFreq=1600000000 CurrentFreq=1600000000 FreqOverride=1
Fan: speed=255
"""
TX2_CLOCKS = """\
SOC family:tegra186  Machine:quill
Online CPUs: 0,3-5
CPU Cluster Switching: Disabled
cpu0: Online=1 Governor=schedutil MinFreq=345600 MaxFreq=2035200 CurrentFreq=2035200 IdleStates: C1=1 c7=1 
cpu1: Online=0 Governor=schedutil MinFreq=345600 MaxFreq=2035200 CurrentFreq=1113600 IdleStates: C1=1 c6=1 c7=1 
cpu2: Online=0 Governor=schedutil MinFreq=345600 MaxFreq=2035200 CurrentFreq=1113600 IdleStates: C1=1 c6=1 c7=1 
cpu3: Online=1 Governor=schedutil MinFreq=345600 MaxFreq=2035200 CurrentFreq=1881600 IdleStates: C1=1 c7=1 
cpu4: Online=1 Governor=schedutil MinFreq=345600 MaxFreq=2035200 CurrentFreq=2035200 IdleStates: C1=1 c7=1 
cpu5: Online=1 Governor=schedutil MinFreq=345600 MaxFreq=2035200 CurrentFreq=2035200 IdleStates: C1=1 c7=1 
GPU MinFreq=114750000 MaxFreq=1134750000 CurrentFreq=114750000
EMC MinFreq=40800000 MaxFreq=1600000000 CurrentFreq=1600000000 FreqOverride=0
Fan: speed=0
NV Power Mode: MAXP_CORE_ARM
"""
ORIN_NX_JP6_CLOCKS = """\
SOC family:tegra234  Machine:NVIDIA Jetson Orin NX Engineering Reference Developer Kit
Online CPUs: 0-5
cpu0:  Online=1 Governor=schedutil MinFreq=729600 MaxFreq=1510400 CurrentFreq=1510400 IdleStates: WFI=1 c7=1 
cpu1:  Online=1 Governor=schedutil MinFreq=729600 MaxFreq=1510400 CurrentFreq=1497600 IdleStates: WFI=1 c7=1 
cpu2:  Online=1 Governor=schedutil MinFreq=729600 MaxFreq=1510400 CurrentFreq=1190400 IdleStates: WFI=1 c7=1 
cpu3:  Online=1 Governor=schedutil MinFreq=729600 MaxFreq=1510400 CurrentFreq=1113600 IdleStates: WFI=1 c7=1 
cpu4:  Online=1 Governor=schedutil MinFreq=729600 MaxFreq=1510400 CurrentFreq=729600 IdleStates: WFI=1 c7=1 
cpu5:  Online=1 Governor=schedutil MinFreq=729600 MaxFreq=1510400 CurrentFreq=883200 IdleStates: WFI=1 c7=1 
GPU MinFreq=306000000 MaxFreq=624750000 CurrentFreq=306000000
Active GPU TPCs: 2
EMC MinFreq=204000000 MaxFreq=2133000000 CurrentFreq=2133000000 FreqOverride=0
FAN Dynamic Speed Control=nvfancontrol hwmon0_pwm1=65
NV Power Mode: MAXN_SUPER
"""
ORIN_NANO_JP6_CLOCKS = """\
SOC family:tegra234  Machine:NVIDIA Jetson Orin Nano Engineering Reference Developer Kit Super
Online CPUs: 0-5, Offline CPUs: 
cpu0:  Governor=schedutil MinFreq=729600 MaxFreq=1344000 CurrentFreq=960000 IdleStates: WFI=1 c7=1 
cpu1:  Governor=schedutil MinFreq=729600 MaxFreq=1344000 CurrentFreq=960000 IdleStates: WFI=1 c7=1 
cpu2:  Governor=schedutil MinFreq=729600 MaxFreq=1344000 CurrentFreq=1344000 IdleStates: WFI=1 c7=1 
cpu3:  Governor=schedutil MinFreq=729600 MaxFreq=1344000 CurrentFreq=1344000 IdleStates: WFI=1 c7=1 
cpu4:  Governor=schedutil MinFreq=729600 MaxFreq=1344000 CurrentFreq=1344000 IdleStates: WFI=1 c7=1 
cpu5:  Governor=schedutil MinFreq=729600 MaxFreq=1344000 CurrentFreq=1267200 IdleStates: WFI=1 c7=1 
GPU MinFreq=306000000 MaxFreq=918000000 CurrentFreq=306000000
Active GPU TPCs: 4
EMC MinFreq=204000000 MaxFreq=3199000000 CurrentFreq=665600000
FAN Dynamic Speed Control=nvfancontrol hwmon0_pwm1=60
FAN Dynamic Speed Control=nvfancontrol hwmon0_pwm1_enable=1
NV Power Mode: 25W
"""


def test_jetson_clocks_nano_default():
    c = parse_jetson_clocks_show(NANO_CLOCKS_DEFAULT)
    assert (c["soc_family"], c["machine"]) == ("tegra210", "NVIDIA Jetson Nano Developer Kit")
    assert c["online_cpus"] == {0, 1, 2, 3}
    assert [cpu["cur_freq_khz"] for cpu in c["cpus"]] == [1326000, 1479000, 1036800, 1132800]
    assert c["cpus"][0] == {"cpu": 0, "online": True, "governor": "schedutil", "min_freq_khz": 102000,
                            "max_freq_khz": 1479000, "cur_freq_khz": 1326000,
                            "idle_states": {"WFI": 1, "c7": 1}}
    assert c["gpu"] == {"min_freq_hz": 76800000, "max_freq_hz": 921600000, "cur_freq_hz": 76800000}
    assert c["emc"] == {"min_freq_hz": 204000000, "max_freq_hz": 1600000000,
                        "cur_freq_hz": 1600000000, "freq_override": 0}
    assert (c["fan"], c["power_mode"], c["clocks_locked"]) == ("speed=0", "MAXN", False)


def test_jetson_clocks_locked_and_offline_cores():
    locked = parse_jetson_clocks_show(NANO_CLOCKS_LOCKED)
    assert locked["clocks_locked"] is True and locked["fan"] == "PWM=34"
    assert locked["emc"]["freq_override"] == 1
    five = parse_jetson_clocks_show(NANO_CLOCKS_5W_LOCKED)
    assert [cpu["online"] for cpu in five["cpus"]] == [True, True, False, False]
    assert five["clocks_locked"] is True and five["power_mode"] == "5W"
    tx2 = parse_jetson_clocks_show(TX2_CLOCKS)
    assert tx2["online_cpus"] == {0, 3, 4, 5}
    assert [cpu["online"] for cpu in tx2["cpus"]] == [True, False, False, True, True, True]
    assert tx2["cpus"][1]["idle_states"] == {"C1": 1, "c6": 1, "c7": 1}


def test_jetson_clocks_other_generations():
    tx1 = parse_jetson_clocks_show(TX1_L4T28_CLOCKS)
    assert tx1["cpus"][0]["governor"] == "interactive" and tx1["cpus"][0]["online"] is True
    assert tx1["power_mode"] is None and tx1["clocks_locked"] is True
    nx = parse_jetson_clocks_show(ORIN_NX_JP6_CLOCKS)
    assert nx["fan"] == "Dynamic Speed Control=nvfancontrol hwmon0_pwm1=65"
    assert nx["power_mode"] == "MAXN_SUPER" and len(nx["cpus"]) == 6
    nano = parse_jetson_clocks_show(ORIN_NANO_JP6_CLOCKS)
    assert nano["online_cpus"] == set(range(6)) and all(c["online"] for c in nano["cpus"])
    assert "freq_override" not in nano["emc"] and nano["emc"]["cur_freq_hz"] == 665600000


def test_jetson_clocks_sorts_cpus_numerically():
    text = ("SOC family:tegra234  Machine:Jetson AGX Orin\nOnline CPUs: 0-11\n" + "".join(
        "cpu{}: Online=1 Governor=schedutil MinFreq=729600 MaxFreq=2201600 CurrentFreq=2201600 "
        "IdleStates: WFI=1 c7=1\n".format(i) for i in (0, 1, 10, 11, 2, 3, 4, 5, 6, 7, 8, 9))
            + "GPU MinFreq=1300500000 MaxFreq=1300500000 CurrentFreq=1300500000\n")
    c = parse_jetson_clocks_show(text)
    assert [cpu["cpu"] for cpu in c["cpus"]] == list(range(12))
    assert c["clocks_locked"] is False  # CPU MinFreq below MaxFreq


@pytest.mark.parametrize("bad", [
    "",
    "Error: Run this script(/usr/bin/jetson_clocks) as a root user\n",
    NANO_CLOCKS_DEFAULT.replace("MinFreq=76800000", "MinFreq=fast"),
    NANO_CLOCKS_DEFAULT.replace("CurrentFreq=1326000", "CurrentFreq="),
    NANO_CLOCKS_DEFAULT.replace("Governor=schedutil MinFreq=102000", "Governor=schedutil MinFreq 102000", 1),
])
def test_jetson_clocks_malformed(bad):
    with pytest.raises(ValueError, match="jetson_clocks"):
        parse_jetson_clocks_show(bad)


@pytest.mark.parametrize("text, l4t, jetpack, board", [
    ("# R32 (release), REVISION: 7.1, GCID: 29818004, BOARD: t210ref, EABI: aarch64, "
     "DATE: Sat Feb 19 17:05:08 UTC 2022\n", "32.7.1", "4.6.1", "t210ref"),
    ("# R32 (release), REVISION: 6.1, GCID: 27863751, BOARD: t210ref, EABI: aarch64, "
     "DATE: Mon Jul 26 19:20:30 UTC 2021\n", "32.6.1", "4.6", "t210ref"),
    ("# R32 (release), REVISION: 6.1, GCID: 27863751, BOARD: t186ref, EABI: aarch64, "
     "DATE: Mon Jul 26 19:36:31 UTC 2021", "32.6.1", "4.6", "t186ref"),
    ("# R28 (release), REVISION: 1.0, GCID: 6080610, BOARD: t210ref, EABI: aarch64", "28.1.0", "", "t210ref"),
    ("# R36 (release), REVISION: 4.4, GCID: 41062509, BOARD: generic, EABI: aarch64, "
     "DATE: Mon Jun 16 16:07:13 UTC 2025\n# KERNEL_VARIANT: oot\nTARGET_USERSPACE_LIB_DIR=nvidia\n"
     "TARGET_USERSPACE_LIB_DIR_PATH=usr/lib/aarch64-linux-gnu/nvidia\n", "36.4.4", "6.2.1", "generic"),
    ("# R39 (release), REVISION: 2.0, GCID: 45755727, BOARD: generic, EABI: aarch64, "
     "DATE: Mon Jun  1 09:28:48 PM UTC 2026", "39.2.0", "", "generic"),
])
def test_nv_tegra_release(text, l4t, jetpack, board):
    r = parse_nv_tegra_release(text)
    assert (r["l4t"], r["jetpack"], r["board"], r["eabi"]) == (l4t, jetpack, board, "aarch64")


def test_nv_tegra_release_fields():
    r = parse_nv_tegra_release("# R32 (release), REVISION: 7.1, GCID: 29818004, BOARD: t210ref, "
                               "EABI: aarch64, DATE: Sat Feb 19 17:05:08 UTC 2022")
    assert r == {"l4t": "32.7.1", "l4t_release": 32, "jetpack": "4.6.1", "board": "t210ref",
                 "gcid": "29818004", "eabi": "aarch64", "date": "Sat Feb 19 17:05:08 UTC 2022",
                 "kernel_variant": ""}


def test_jetpack_4_6_releases_map():
    assert [L4T_TO_JETPACK["32.7.{}".format(i)] for i in (1, 2, 3, 4)] == ["4.6.1", "4.6.2", "4.6.3", "4.6.4"]
    assert L4T_TO_JETPACK["32.5.0"] == "4.5" and L4T_TO_JETPACK["32.5.1"] == "4.5.1"


@pytest.mark.parametrize("bad", ["", "cat: /etc/nv_tegra_release: No such file or directory",
                                 "# R32 (release), REVISION: seven"])
def test_nv_tegra_release_malformed(bad):
    with pytest.raises(ValueError, match="nv_tegra_release"):
        parse_nv_tegra_release(bad)

