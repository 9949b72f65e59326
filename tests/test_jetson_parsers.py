"""Jetson parsers against real output lines (JetPack 3.x to 6.x, Nano, TX1/TX2, Orin)."""

import pytest

from bench.devices.ssh.jetson_parsers import (
    L4T_TO_JETPACK,
    parse_jetson_clocks_show,
    parse_nv_tegra_release,
    parse_nvpmodel,
    parse_tegrastats,
    summarize_tegrastats,
)

# Jetson Nano, JetPack 4.6 (SPEC §7).
NANO_SPEC = ("RAM 331/3964MB (lfb 758x4MB) SWAP 0/1982MB (cached 0MB) CPU [12%@102,7%@102,3%@102,9%@102] "
             "EMC_FREQ 3%@204 GR3D_FREQ 40%@76 APE 25 PLL@20.5C CPU@23.5C PMIC@100C GPU@22.5C AO@27.5C "
             "thermal@23C POM_5V_IN 933/933 POM_5V_GPU 0/0 POM_5V_CPU 84/105")
# Jetson Nano, JetPack 4.6.1 (IRAM field, PMIC@50C).
NANO_JP461 = ("RAM 1923/3964MB (lfb 2x2MB) SWAP 191/1982MB (cached 6MB) IRAM 0/252kB(lfb 252kB) "
              "CPU [5%@1224,4%@1224,3%@1224,6%@1224] EMC_FREQ 0%@1600 GR3D_FREQ 0%@76 APE 25 PLL@37C "
              "CPU@40C PMIC@50C GPU@40C AO@45C thermal@40C POM_5V_IN 1750/1628 POM_5V_GPU 0/0 "
              "POM_5V_CPU 366/406")
# Jetson Nano, older JetPack 4: EMC/GR3D without a frequency.
NANO_NO_FREQ = ("RAM 613/3964MB (lfb 634x4MB) SWAP 0/1982MB (cached 0MB) CPU [2%@102,1%@102,0%@102,0%@102] "
                "EMC_FREQ 0% GR3D_FREQ 0% PLL@39C CPU@40.5C PMIC@100C GPU@41C AO@46C thermal@41C "
                "POM_5V_IN 900/943 POM_5V_GPU 0/0 POM_5V_CPU 123/123")
# Jetson Nano in the 5W mode: two cores off.
NANO_5W = ("RAM 1409/3964MB (lfb 28x4MB) SWAP 0/1982MB (cached 0MB) IRAM 0/252kB(lfb 252kB) "
           "CPU [22%@518,67%@518,off,off] EMC_FREQ 0%@1600 GR3D_FREQ 0%@76 APE 25 PLL@28.5C CPU@32C "
           "PMIC@50C GPU@30.5C AO@39.5C thermal@31.25C POM_5V_IN 2003/2003 POM_5V_GPU 0/0 POM_5V_CPU 320/320")
# Jetson Nano decoding video (NVENC/NVDEC clocks), under load.
NANO_NVDEC = ("RAM 1180/3965MB (lfb 1x2MB) SWAP 149/1024MB (cached 7MB) IRAM 0/252kB(lfb 252kB) "
              "CPU [30%@1036,33%@1036,28%@1036,26%@1036] EMC_FREQ 10%@1600 GR3D_FREQ 0%@76 NVENC 716 "
              "NVDEC 716 APE 25 PLL@57C CPU@60.5C PMIC@100C GPU@59C AO@65C thermal@59.75C "
              "POM_5V_IN 4520/4680 POM_5V_GPU 0/0 POM_5V_CPU 1078/1205")
# Jetson Nano 2GB-style: a Wi-Fi sensor and no power monitor.
NANO_NO_RAILS = ("RAM 2610/3956MB (lfb 68x4MB) SWAP 74/1978MB (cached 1MB) "
                 "CPU [81%@1479,55%@1479,89%@1479,45%@1479] EMC_FREQ 0% GR3D_FREQ 0% PLL@27C CPU@30C "
                 "iwlwifi@41C PMIC@50C GPU@28C AO@35.5C thermal@29C")
# Jetson TX1, L4T 28: VDD_* rails without a unit.
TX1 = ("RAM 1179/3983MB (lfb 120x4MB) IRAM 0/252kB(lfb 252kB) CPU [1%@102,4%@102,0%@102,0%@102] "
       "EMC_FREQ 7%@408 GR3D_FREQ 0%@76 APE 25 AO@42.5C CPU@37.5C GPU@39C PLL@37C Tdiode@42.75C "
       "PMIC@100C Tboard@42C thermal@38.5C VDD_IN 2532/2698 VDD_CPU 76/178 VDD_GPU 19/19")
# Jetson TX1, L4T 28.1: lower-case cpu list with one cluster clock, EMC/GR3D names.
TX1_OLD = ("RAM 3607/3983MB (lfb 47x4MB) SWAP 873/8192MB (cached 281MB) cpu [17%,11%,65%,0%]@1734 "
           "EMC 1%@1600 APE 25 GR3D 39%@76")
# Jetson AGX Xavier class: SWAP after CPU, MTS, negative (unset) sensors, many rails.
XAVIER = ("RAM 4722/7844MB (lfb 1x512kB) CPU [55%@2035,14%@2034,27%@2034,55%@2035,47%@2035,45%@2035] "
          "SWAP 149/1024MB (cached 7MB) EMC_FREQ 2%@1866 GR3D_FREQ 37%@1300 APE 150 MTS fg 0% bg 0% "
          "BCPU@-45C MCPU@-45C GPU@-51C PLL@45C AO@47.5C Tboard@37C Tdiode@46.75C PMIC@100C "
          "thermal@46.4C VDD_IN 14025/14416 VDD_CPU 2209/2538 VDD_GPU 6854/6903 VDD_SOC 1371/1370 "
          "VDD_WIFI 19/19 NVENC 716 NVDEC 716 VDD_DDR 2702/2702")
# Jetson Orin Nano, JetPack 6: timestamp, lower-case sensors, mW rails, GPC clock list.
ORIN_IDLE = ("08-23-2026 13:57:46 RAM 3595/7607MB (lfb 1x1MB) SWAP 11/3804MB (cached 0MB) "
             "CPU [1%@729,off,3%@729,4%@729,5%@729,6%@729] EMC_FREQ 2%@2133 GR3D_FREQ 7%@[306] "
             "cpu@51C soc2@50.562C soc0@51.031C gpu@50.5C tj@51C soc1@50C VDD_IN 5832mW/5852mW "
             "VDD_CPU_GPU_CV 1307mW/1327mW VDD_SOC 1468mW/1468mW")
ORIN_BUSY = ("10-08-2026 04:35:02 RAM 6712/7620MB (lfb 12x4MB) SWAP 369/3810MB (cached 8MB) "
             "CPU [38%@1497,2%@729,1%@729,0%@729,1%@729,0%@729] EMC_FREQ 61%@2133 GR3D_FREQ 99%@[612] "
             "NVDEC off NVJPG off VIC off OFA off APE 200 cpu@57.125C soc2@55.093C soc0@56.625C "
             "gpu@58.625C tj@58.312C soc1@55.937C VDD_IN 16321mW/11204mW VDD_CPU_GPU_CV 7104mW/4944mW "
             "VDD_SOC 3120mW/3659mW")
ORIN_NO_GPU_FREQ = ("05-05-2025 06:05:39 RAM 2639/7620MB (lfb 9x4MB) SWAP 0/3810MB (cached 0MB) "
                    "CPU [1%@729,4%@729,8%@729,4%@729,5%@729,4%@729] GR3D_FREQ 0% cpu@44.156C soc2@43.781C "
                    "soc0@44.687C gpu@45.968C tj@45.968C soc1@45.312C VDD_IN 5263mW/5263mW "
                    "VDD_CPU_GPU_CV 717mW/717mW VDD_SOC 1794mW/1794mW")

REAL_LINES = [NANO_SPEC, NANO_JP461, NANO_NO_FREQ, NANO_5W, NANO_NVDEC, NANO_NO_RAILS, TX1, TX1_OLD,
              XAVIER, ORIN_IDLE, ORIN_BUSY, ORIN_NO_GPU_FREQ]


def test_spec_line_every_field():
    s = parse_tegrastats(NANO_SPEC)
    assert s["time"] is None
    assert (s["ram_used_mb"], s["ram_total_mb"]) == (331, 3964)
    assert (s["swap_used_mb"], s["swap_total_mb"], s["swap_cached_mb"]) == (0, 1982, 0)
    assert s["cpu_load_pct"] == [12, 7, 3, 9]
    assert s["cpu_freq_mhz"] == [102, 102, 102, 102]
    assert (s["emc_load_pct"], s["emc_freq_mhz"]) == (3, 204)
    assert (s["gpu_load_pct"], s["gpu_freq_mhz"]) == (40, 76)
    assert s["temps_c"] == {"PLL": 20.5, "CPU": 23.5, "PMIC": 100.0, "GPU": 22.5, "AO": 27.5,
                            "thermal": 23.0}
    assert (s["cpu_temp_c"], s["gpu_temp_c"]) == (23.5, 22.5)
    assert s["rails_mw"] == {"POM_5V_IN": 933, "POM_5V_GPU": 0, "POM_5V_CPU": 84}
    assert s["rails_avg_mw"] == {"POM_5V_IN": 933, "POM_5V_GPU": 0, "POM_5V_CPU": 105}
    assert s["power_in_mw"] == 933
    assert s["other"] == {"APE": "25"}


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
    assert s["other"]["NVDEC"] == "off" and s["other"]["APE"] == "200"


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
    xavier = parse_tegrastats(XAVIER)
    assert xavier["temps_c"]["BCPU"] == -45.0 and xavier["gpu_temp_c"] == -51.0
    assert xavier["cpu_temp_c"] is None  # no plain CPU sensor on this board
    assert xavier["other"]["MTS"] == "fg 0% bg 0%"
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


def test_tegrastats_monitor_keeps_only_the_timed_trials():
    """Samples of the load / engine build / warm-up are left out; the line closing the
    last trial's interval is kept (tegrastats prints a sample at the end of it)."""
    import time

    from bench.devices.ssh.jetson_control import TegrastatsMonitor
    from bench.measure.messages import Progress

    def line(power):
        return NANO_SPEC.replace("POM_5V_IN 933/933", "POM_5V_IN {}/{}".format(power, power))

    mon = TegrastatsMonitor(ssh=None, tegrastats="tegrastats", interval_ms=100)
    mon._proc = object()  # as if the sampler had started
    now = time.monotonic()
    mon.lines.append((now - 5, line(5000)))  # engine build
    assert mon.columns()["power_mw_mean"] == 5000  # no trial yet: everything sampled
    mon.progress(Progress(phase="trials"))
    mon.lines.append((time.monotonic(), line(1000)))
    mon.progress(Progress(phase="trial", key="a", round=1))
    mon.lines.append((time.monotonic(), line(2000)))
    mon.progress(Progress(phase="trials_done"))
    mon.lines.append((time.monotonic() + 0.001, line(3000)))  # closes the last interval
    mon.lines.append((time.monotonic() + 0.002, line(9000)))  # latency pass, teardown
    cols = mon.columns()
    assert cols["monitor_samples"] == 3 and cols["power_mw_mean"] == 2000
