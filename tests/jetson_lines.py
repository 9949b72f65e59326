"""``tegrastats`` lines of every Jetson generation, for the parser tests.

Each constant names the module, the JetPack/L4T release and where the line was published.
"Published" lines are copied verbatim from the cited source. Lines marked COMPOSED were
assembled here (from a published fragment or from the documented format) because no
complete published line of that generation was found; they say what was changed.
A plain module of constants: no test code, no imports.
"""

# --- Jetson Nano (tegra210, "porg"): POM_5V_IN is the 5 V input of the module ---------

# Jetson Nano, JetPack 4.6 (L4T 32.6.1). The line of this project's SPEC §7.
NANO_SPEC = ("RAM 331/3964MB (lfb 758x4MB) SWAP 0/1982MB (cached 0MB) CPU [12%@102,7%@102,3%@102,9%@102] "
             "EMC_FREQ 3%@204 GR3D_FREQ 40%@76 APE 25 PLL@20.5C CPU@23.5C PMIC@100C GPU@22.5C AO@27.5C "
             "thermal@23C POM_5V_IN 933/933 POM_5V_GPU 0/0 POM_5V_CPU 84/105")
# Jetson Nano, JetPack 4.6.1 (IRAM field, PMIC@50C). Pre-existing fixture of this repo
# (origin not re-verified).
NANO_JP461 = ("RAM 1923/3964MB (lfb 2x2MB) SWAP 191/1982MB (cached 6MB) IRAM 0/252kB(lfb 252kB) "
              "CPU [5%@1224,4%@1224,3%@1224,6%@1224] EMC_FREQ 0%@1600 GR3D_FREQ 0%@76 APE 25 PLL@37C "
              "CPU@40C PMIC@50C GPU@40C AO@45C thermal@40C POM_5V_IN 1750/1628 POM_5V_GPU 0/0 "
              "POM_5V_CPU 366/406")
# Jetson Nano, JetPack 4.2/4.3: EMC/GR3D without a frequency. The nanoSample of an older
# revision of DataDog/datadog-agent's Jetson check tests.
NANO_NO_FREQ = ("RAM 613/3964MB (lfb 634x4MB) SWAP 0/1982MB (cached 0MB) CPU [2%@102,1%@102,0%@102,0%@102] "
                "EMC_FREQ 0% GR3D_FREQ 0% PLL@39C CPU@40.5C PMIC@100C GPU@41C AO@46C thermal@41C "
                "POM_5V_IN 900/943 POM_5V_GPU 0/0 POM_5V_CPU 123/123")
# Jetson Nano in the 5W mode, JetPack 4.5+: two cores off. Quoted in the docstring of a
# public GitHub exporter (collectors/jetson_nano.py, found by code search).
NANO_5W = ("RAM 1409/3964MB (lfb 28x4MB) SWAP 0/1982MB (cached 0MB) IRAM 0/252kB(lfb 252kB) "
           "CPU [22%@518,67%@518,off,off] EMC_FREQ 0%@1600 GR3D_FREQ 0%@76 APE 25 PLL@28.5C CPU@32C "
           "PMIC@50C GPU@30.5C AO@39.5C thermal@31.25C POM_5V_IN 2003/2003 POM_5V_GPU 0/0 POM_5V_CPU 320/320")
# Jetson Nano decoding video (NVENC/NVDEC clocks), JetPack 4.5+. Pre-existing fixture of
# this repo (origin not re-verified).
NANO_NVDEC = ("RAM 1180/3965MB (lfb 1x2MB) SWAP 149/1024MB (cached 7MB) IRAM 0/252kB(lfb 252kB) "
              "CPU [30%@1036,33%@1036,28%@1036,26%@1036] EMC_FREQ 10%@1600 GR3D_FREQ 0%@76 NVENC 716 "
              "NVDEC 716 APE 25 PLL@57C CPU@60.5C PMIC@100C GPU@59C AO@65C thermal@59.75C "
              "POM_5V_IN 4520/4680 POM_5V_GPU 0/0 POM_5V_CPU 1078/1205")
# Jetson Nano 2GB-style, JetPack 4.6: a Wi-Fi sensor and no power monitor. One sample of a
# run of lines pasted in public (Chinese) setup notes on GitHub, found by code search.
NANO_NO_RAILS = ("RAM 2610/3956MB (lfb 68x4MB) SWAP 74/1978MB (cached 1MB) "
                 "CPU [81%@1479,55%@1479,89%@1479,45%@1479] EMC_FREQ 0% GR3D_FREQ 0% PLL@27C CPU@30C "
                 "iwlwifi@41C PMIC@50C GPU@28C AO@35.5C thermal@29C")
# Jetson Nano, JetPack 4.x: nanoSample of DataDog/datadog-agent,
# pkg/collector/corechecks/nvidia/jetson/jetson_test.go.
NANO_DATADOG = ("RAM 534/3964MB (lfb 98x4MB) SWAP 5/1982MB (cached 1MB) IRAM 0/252kB(lfb 252kB) "
                "CPU [16%@204,9%@204,0%@204,0%@204] EMC_FREQ 0%@204 GR3D_FREQ 0%@76 APE 25 PLL@34C "
                "CPU@36.5C PMIC@100C GPU@36C AO@39.5C thermal@36.25C POM_5V_IN 1022/1022 "
                "POM_5V_GPU 0/0 POM_5V_CPU 204/204")

# --- TX1 / TX2 (tegra210 "jetson" / tegra186 "quill"): VDD_IN is the module input ----

# Jetson TX1, L4T 28 (JetPack 3.x): VDD_* rails without a unit. tx1Sample of
# DataDog/datadog-agent, pkg/collector/corechecks/nvidia/jetson/jetson_test.go.
TX1 = ("RAM 1179/3983MB (lfb 120x4MB) IRAM 0/252kB(lfb 252kB) CPU [1%@102,4%@102,0%@102,0%@102] "
       "EMC_FREQ 7%@408 GR3D_FREQ 0%@76 APE 25 AO@42.5C CPU@37.5C GPU@39C PLL@37C Tdiode@42.75C "
       "PMIC@100C Tboard@42C thermal@38.5C VDD_IN 2532/2698 VDD_CPU 76/178 VDD_GPU 19/19")
# Jetson TX1, L4T 28.1: lower-case cpu list with one cluster clock, EMC/GR3D names, no
# power rails (not run as root). hordiales/jetson-tx1-dev, SCRIPTS.md.
TX1_OLD = ("RAM 3607/3983MB (lfb 47x4MB) SWAP 873/8192MB (cached 281MB) cpu [17%,11%,65%,0%]@1734 "
           "EMC 1%@1600 APE 25 GR3D 39%@76")
# Jetson TX2, L4T 28.x (JetPack 3.x): 6 cores up to 2035 MHz, GPU at 1300 MHz, BCPU/MCPU
# zones, VDD_WIFI/VDD_DDR rails. (This was named XAVIER in the earlier tests; every field
# says TX2.) Its BCPU/MCPU/GPU zones read -45C/-51C: offline. The same line, with other
# CPU loads, is the "parses_power_and_engines" sample of a public Rust tegrastats parser.
TX2_L4T28 = ("RAM 4722/7844MB (lfb 1x512kB) CPU [55%@2035,14%@2034,27%@2034,55%@2035,47%@2035,45%@2035] "
             "SWAP 149/1024MB (cached 7MB) EMC_FREQ 2%@1866 GR3D_FREQ 37%@1300 APE 150 MTS fg 0% bg 0% "
             "BCPU@-45C MCPU@-45C GPU@-51C PLL@45C AO@47.5C Tboard@37C Tdiode@46.75C PMIC@100C "
             "thermal@46.4C VDD_IN 14025/14416 VDD_CPU 2209/2538 VDD_GPU 6854/6903 VDD_SOC 1371/1370 "
             "VDD_WIFI 19/19 NVENC 716 NVDEC 716 VDD_DDR 2702/2702")
XAVIER = TX2_L4T28  # the old, wrong name, kept for imports
# Jetson TX2, JetPack 4 (L4T 32): VDD_SYS_* rail names, two Denver cores off. tx2Sample of
# DataDog/datadog-agent, pkg/collector/corechecks/nvidia/jetson/jetson_test.go.
TX2_JP4 = ("RAM 2344/7852MB (lfb 1154x4MB) SWAP 0/3926MB (cached 0MB) CPU [1%@345,off,off,1%@345,0%@345,2%@345] "
           "EMC_FREQ 4%@1600 GR3D_FREQ 0%@624 APE 150 PLL@37.5C MCPU@37.5C PMIC@100C Tboard@32C GPU@35C "
           "BCPU@37.5C thermal@36.5C Tdiode@34.25C VDD_SYS_GPU 152/152 VDD_SYS_SOC 687/687 "
           "VDD_4V0_WIFI 0/0 VDD_IN 3056/3056 VDD_SYS_CPU 152/152 VDD_SYS_DDR 883/883")

# --- Xavier (tegra194) ----------------------------------------------------------------

# Jetson Xavier NX, JetPack 4 (L4T 32): VDD_IN is the module input. xavierNxSample of
# DataDog/datadog-agent, pkg/collector/corechecks/nvidia/jetson/jetson_test.go.
XAVIER_NX_JP4 = ("RAM 4412/7772MB (lfb 237x4MB) SWAP 139/3886MB (cached 2MB) "
                 "CPU [9%@1190,6%@1190,6%@1190,5%@1190,4%@1190,8%@1267] EMC_FREQ 10%@1600 GR3D_FREQ 62%@306 "
                 "APE 150 MTS fg 0% bg 0% AO@41.5C GPU@43C PMIC@100C AUX@41.5C CPU@43.5C thermal@42.55C "
                 "VDD_IN 4067/4067 VDD_CPU_GPU_CV 738/738 VDD_SOC 1353/1353")
# Jetson AGX Xavier 32GB, JetPack 4 (L4T 32): no input rail, six parallel rails. agXSample of
# DataDog/datadog-agent, pkg/collector/corechecks/nvidia/jetson/jetson_test.go.
AGX_XAVIER_JP4 = ("RAM 721/31927MB (lfb 7291x4MB) SWAP 0/15963MB (cached 0MB) "
                  "CPU [2%@1190,0%@1190,0%@1190,0%@1190,off,off,off,off] EMC_FREQ 0%@665 GR3D_FREQ 0%@318 "
                  "APE 150 MTS fg 0% bg 0% AO@37.5C GPU@37.5C Tdiode@40C PMIC@100C AUX@36C CPU@37.5C "
                  "thermal@36.9C Tboard@37C GPU 0/0 CPU 311/311 SOC 932/932 CV 0/0 VDDRQ 621/621 SYS5V 1482/1482")
# Jetson AGX Xavier 16GB, JetPack 4.2: first line of the `tegrastats` log posted in
# martinkersner/gtop pull request #7 ("Added AGX/Xavier support"), 2019-06-17.
AGX_XAVIER_JP42 = ("RAM 14700/15692MB (lfb 3x2MB) SWAP 898/8192MB (cached 23MB) "
                   "CPU [0%@1190,0%@1190,0%@1190,0%@1190,0%@1190,0%@1190,0%@1190,0%@1190] EMC_FREQ 0% "
                   "GR3D_FREQ 0% AO@30C GPU@30.5C Tboard@31C Tdiode@32C AUX@30.5C CPU@31.5C thermal@30.8C "
                   "PMIC@100C GPU 463/463 CPU 618/618 SOC 2936/2936 CV 0/0 VDDRQ 309/309 SYS5V 3306/3306")
# Jetson AGX Xavier, JetPack 5 (L4T 35): same six rails, now with "mW", VIC_FREQ, PMIC@50C.
# COMPOSED: everything from the CPU list on is verbatim from a public Rust test
# (check_get_tegra_gpu_status_success_case, which quotes the line from the CPU list on);
# the "RAM ... SWAP ... CPU " head was added here.
AGX_XAVIER_JP5 = ("RAM 2210/31003MB (lfb 6813x4MB) SWAP 0/15501MB (cached 0MB) "
                  "CPU [0%@1190,1%@1190,0%@1190,0%@1189,0%@1190,0%@1191,0%@1190,0%@1190] EMC_FREQ 0%@1331 "
                  "GR3D_FREQ 0%@114 VIC_FREQ 115 APE 150 AUX@36C CPU@36.5C thermal@35.7C Tboard@37C AO@35C "
                  "GPU@35C Tdiode@38.75C PMIC@50C GPU 467mW/467mW CPU 467mW/467mW SOC 1245mW/1245mW "
                  "CV 0mW/0mW VDDRQ 311mW/311mW SYS5V 2768mW/2768mW")

# --- Orin Nano / Orin NX (tegra234): VDD_IN is the module input -----------------------

# Jetson Orin Nano 8GB, JetPack 6: timestamp, lower-case zones, mW rails, GPC clock list.
# TEGRASTATS_SAMPLE of public GitHub Python tests (found by code search).
ORIN_IDLE = ("08-23-2026 13:57:46 RAM 3595/7607MB (lfb 1x1MB) SWAP 11/3804MB (cached 0MB) "
             "CPU [1%@729,off,3%@729,4%@729,5%@729,6%@729] EMC_FREQ 2%@2133 GR3D_FREQ 7%@[306] "
             "cpu@51C soc2@50.562C soc0@51.031C gpu@50.5C tj@51C soc1@50C VDD_IN 5832mW/5852mW "
             "VDD_CPU_GPU_CV 1307mW/1327mW VDD_SOC 1468mW/1468mW")
# Jetson Orin Nano 8GB, JetPack 6, busy, engines printed "off". BUSY of public GitHub
# Python tests (found by code search).
ORIN_BUSY = ("10-08-2026 04:35:02 RAM 6712/7620MB (lfb 12x4MB) SWAP 369/3810MB (cached 8MB) "
             "CPU [38%@1497,2%@729,1%@729,0%@729,1%@729,0%@729] EMC_FREQ 61%@2133 GR3D_FREQ 99%@[612] "
             "NVDEC off NVJPG off VIC off OFA off APE 200 cpu@57.125C soc2@55.093C soc0@56.625C "
             "gpu@58.625C tj@58.312C soc1@55.937C VDD_IN 16321mW/11204mW VDD_CPU_GPU_CV 7104mW/4944mW "
             "VDD_SOC 3120mW/3659mW")
# Jetson Orin Nano 8GB, JetPack 6, not run as root (no EMC, GR3D without a clock).
# NanoExample of a public Go package "tegra" (found by code search).
ORIN_NO_GPU_FREQ = ("05-05-2025 06:05:39 RAM 2639/7620MB (lfb 9x4MB) SWAP 0/3810MB (cached 0MB) "
                    "CPU [1%@729,4%@729,8%@729,4%@729,5%@729,4%@729] GR3D_FREQ 0% cpu@44.156C soc2@43.781C "
                    "soc0@44.687C gpu@45.968C tj@45.968C soc1@45.312C VDD_IN 5263mW/5263mW "
                    "VDD_CPU_GPU_CV 717mW/717mW VDD_SOC 1794mW/1794mW")
# Jetson Orin Nano Super, JetPack 6 (L4T 36.4), after `sudo jetson_clocks` (CPUs at 1344 MHz).
# A public GitHub README quoting `tegrastats` before/after jetson_clocks (found by code search).
ORIN_NANO_JP6_CLOCKS = ("04-27-2026 15:00:54 RAM 779/7620MB (lfb 2x4MB) SWAP 0/3810MB (cached 0MB) "
                        "CPU [0%@1344,0%@1344,0%@1344,0%@1344,0%@1344,0%@1344] GR3D_FREQ 0% cpu@50.125C "
                        "soc2@49.125C soc0@49.25C gpu@50.562C tj@50.562C soc1@50.437C VDD_IN 6626mW/6625mW "
                        "VDD_CPU_GPU_CV 1228mW/1230mW VDD_SOC 2380mW/2380mW")
# Jetson Orin NX 16GB (8 cores, 15388MB), JetPack 5 (L4T 35: upper-case zones, CV0-2 zones,
# VIC_FREQ; the release is inferred from the format). voltageUnitSample of
# DataDog/datadog-agent, pkg/collector/corechecks/nvidia/jetson/jetson_test.go.
ORIN_NX_JP5 = ("RAM 6334/15388MB (lfb 1770x4MB) SWAP 491/7694MB (cached 0MB) "
               "CPU [6%@729,9%@729,5%@729,16%@729,off,off,off,off] EMC_FREQ 0%@2133 GR3D_FREQ 0%@611 "
               "VIC_FREQ 729 APE 174 CV0@45.812C CPU@47.937C SOC2@46.093C SOC0@46.968C CV1@46.406C "
               "GPU@45.875C tj@48.875C SOC1@48.875C CV2@45.75C VDD_IN 5299mW/5299mW "
               "VDD_CPU_GPU_CV 773mW/773mW VDD_SOC 1424mW/1424mW")

# --- AGX Orin (tegra234, "concord"): no VDD_IN; sum of VDD_GPU_SOC, VDD_CPU_CV, VIN_SYS_5V0

# Jetson AGX Orin 64GB, JetPack 5 (L4T 35), `sudo tegrastats` at idle: one load per GPC
# (GR3D_FREQ + GR3D2_FREQ), CV0-2 and GPU zones offline (-256C), NC channels, the
# VDDQ_VDD2_1V8AO rail. Published in a public GitHub README ("catid@orin:~$ sudo tegrastats",
# 04-24-2023, found by code search).
AGX_ORIN_JP5 = ("04-24-2023 00:01:24 RAM 1282/62795MB (lfb 15152x4MB) SWAP 0/31398MB (cached 0MB) "
                "CPU [0%@729,0%@729,0%@729,0%@729,0%@729,0%@729,0%@729,0%@729,0%@729,0%@729,0%@729,0%@729] "
                "EMC_FREQ 0%@2133 GR3D_FREQ 0%@0 GR3D2_FREQ 0%@0 VIC_FREQ 729 APE 174 CV0@-256C "
                "CPU@42.593C Tboard@32C SOC2@39.343C Tdiode@33.25C SOC0@39.375C CV1@-256C GPU@-256C "
                "tj@42.593C SOC1@40.468C CV2@-256C VDD_GPU_SOC 2399mW/2399mW VDD_CPU_CV 400mW/400mW "
                "VIN_SYS_5V0 4032mW/4032mW NC 0mW/0mW VDDQ_VDD2_1V8AO 301mW/301mW NC 0mW/0mW")
# Jetson AGX Orin 32GB, JetPack 5 (L4T 35), GPU zone online, NVJPG1 clock. Published in
# public GitHub documentation ("rudi2$> tegrastats", 10-16-2023, found by code search).
AGX_ORIN_32GB_JP5 = ("10-16-2023 10:59:22 RAM 1205/30623MB (lfb 6429x4MB) SWAP 0/15311MB (cached 0MB) "
                     "CPU [0%@729,0%@729,1%@729,0%@729,0%@729,0%@730,0%@730,0%@729,0%@729,0%@729,0%@729,0%@729] "
                     "EMC_FREQ 0%@204 GR3D_FREQ 0%@114 GR3D2_FREQ 0%@114 NVJPG1 729 VIC_FREQ 729 APE 233 "
                     "CV0@-256C CPU@43.5C Tdiode@32.5C SOC2@40.062C SOC0@40.5C CV1@-256C GPU@38.156C "
                     "SOC1@39.125C CV2@-256C VDD_GPU_SOC 4788mW/4788mW VDD_CPU_CV 798mW/798mW "
                     "VIN_SYS_5V0 3842mW/3842mW NC 0mW/0mW VDDQ_VDD2_1V8AO 707mW/707mW NC 0mW/0mW")
# Jetson AGX Orin 64GB, JetPack 6 (L4T R36), no timestamp, every engine "off", one load with
# one clock per GPC, fields padded with several spaces. r36Sample of DataDog/datadog-agent,
# pkg/collector/corechecks/nvidia/jetson/jetson_test.go.
AGX_ORIN_JP6 = ("RAM 29114/30697MB (lfb 3x4MB)    SWAP 4915/15348MB (cached 1MB) "
                "CPU [3%@729,4%@729,0%@729,1%@729,0%@2201,100%@2201,1%@2201,0%@2201,100%@2201,0%@2201,0%@2201,0%@2201] "
                "EMC_FREQ 1%@2133 GR3D_FREQ 0%@[305,305] NVENC      off  NVDEC    off NVJPG off NVJPG1    off"
                "         VIC        off          OFA           off          NVDLA0    off       NVDLA1     off"
                "          PVA0_FREQ off         APE           174        cpu@53.062C soc2@48.25C soc0@48.843C"
                "  gpu@47.812C tj@53.062C soc1@48.968C    VDD_GPU_SOC 3205mW/3205mW VDD_CPU_CV 4405mW/4405mW "
                "VIN_SYS_5V0 4767mW/4767mW")
# Jetson AGX Orin 64GB, JetPack 6 style (lower-case zones), no timestamp, not root (no EMC).
# orinSample of DataDog/datadog-agent, pkg/collector/corechecks/nvidia/jetson/jetson_test.go.
AGX_ORIN_NO_TS = ("RAM 2448/62840MB (lfb 2x4MB) SWAP 0/31420MB (cached 0MB) "
                  "CPU [0%@2201,0%@2201,0%@2201,0%@2201,0%@2201,0%@2201,0%@2201,0%@2201,0%@2201,0%@2201,0%@2201,0%@2201] "
                  "GR3D_FREQ 0% cpu@42C soc2@37.843C soc0@39.187C gpu@37.75C tj@42C soc1@37.937C "
                  "VDD_GPU_SOC 4940mW/4940mW VDD_CPU_CV 988mW/988mW VIN_SYS_5V0 4442mW/4442mW")
# Jetson AGX Orin 64GB, JetPack 5.1.1+/6 (bracketed per-GPC clocks), DLA 0 running:
# "NVDLA0_FREQ @1600". Published in public (Chinese) GitHub notes on DLA inference,
# 11-21-2025 (found by code search).
AGX_ORIN_DLA = ("11-21-2025 08:49:48 RAM 13983/62780MB (lfb 424x4MB) SWAP 126/31390MB (cached 0MB) "
                "CPU [90%@2201,100%@2201,100%@2201,100%@2201,100%@2201,100%@2201,100%@2201,100%@2201,"
                "100%@2201,100%@2201,100%@2201,100%@2201] EMC_FREQ 1%@2133 GR3D_FREQ 14%@[407,407] "
                "VIC_FREQ 115 NVDLA0_FREQ @1600 APE 174 CV0@73.625C CPU@77.281C Tboard@62C SOC2@70C "
                "Tdiode@62.25C SOC0@69.531C CV1@72.5C GPU@69.125C tj@77.281C SOC1@68.968C CV2@67.25C "
                "VDD_GPU_SOC 3150mW/2971mW VDD_CPU_CV 14312mW/12415mW VIN_SYS_5V0 4968mW/5048mW "
                "VDDQ_VDD2_1V8AO 1091mW/1091mW")

# --- Thor (tegra264), JetPack 7: VIN (INA238 on the carrier) is the input --------------

# Jetson AGX Thor developer kit, Jetson Linux R38.4.0 (JetPack 7.1): three GPC clocks and no
# GPU load, engines as NAME_FREQ @MHz / off. Recorded in a public GitHub note "Reading
# tegrastats output" (with the /etc/nv_tegra_release it came from).
THOR_R384 = ("04-21-2026 15:50:52 RAM 105265/125772MB (lfb 34x4MB) "
             "CPU [0%@972,0%@972,0%@972,0%@972,0%@972,0%@972,1%@972,0%@972,0%@972,0%@972,0%@972,8%@972,0%@972,0%@972] "
             "EMC_FREQ 0%@2750 GR3D_FREQ @[314,314,314] NVENC0_FREQ @314 NVENC1_FREQ @314 "
             "NVDEC0_FREQ @314 NVDEC1_FREQ @314 NVJPG0_FREQ @314 VIC off OFA_FREQ @315 PVA0_FREQ off "
             "APE 300 cpu@37.343C tj@38.875C soc012@37.468C gpu@38.875C soc345@37.406C "
             "VDD_GPU 1962mW/1962mW VDD_CPU_SOC_MSS 5887mW/5887mW VIN_SYS_5V0 5635mW/5635mW "
             "VIN 19780mW/19780mW")
# Jetson AGX Thor, JetPack 7.2 (L4T R39.2.0, WendyOS 0.16.1): no GR3D_FREQ field at all and
# three figures per rail. Quoted "verbatim" in a public Go test (TestParseTegrastats...Thor).
THOR_JP72 = ("07-02-2026 13:45:44 RAM 36529/125749MB (lfb 12x4MB) SWAP 11/4096MB (cached 9MB) "
             "CPU [2%@972,1%@972,0%@972,0%@972,0%@972,0%@972,0%@972,0%@972,0%@972,0%@972,0%@972,0%@972,0%@972,2%@972] "
             "cpu@60.406C tj@63.281C soc012@58.468C gpu@62.906C soc345@63.281C "
             "VDD_GPU 37528mW/37528mW/37528mW VDD_CPU_SOC_MSS 18961mW/18961mW/18961mW "
             "VIN_SYS_5V0 18331mW/18331mW/18331mW VIN 87426mW/43713mW/87426mW")
# Jetson AGX Thor, L4T 38.4.0 (nvidia-l4t-core 38.4.0-20251230160601), GPU idle (no gpu zone,
# GPCs at 0 MHz) and no VIN rail printed: no documented input, so no power. Test case of a
# public Go tegrastats parser (found by code search).
THOR_NO_VIN = ("05-17-2026 10:00:32 RAM 4208/125773MB (lfb 31x4MB) SWAP 0/2048MB (cached 0MB) "
               "CPU [1%@972,0%@972,0%@972,0%@972,1%@972,0%@972,1%@972,1%@972,0%@972,0%@972,3%@972,0%@972,0%@972,1%@972] "
               "EMC_FREQ 0%@665 GR3D_FREQ @[0,0,0] NVENC0_FREQ @0 NVENC1_FREQ @0 NVDEC0_FREQ @0 "
               "NVDEC1_FREQ @0 NVJPG0_FREQ @0 VIC off OFA_FREQ @0 PVA0_FREQ off APE 300 cpu@34.468C "
               "tj@34.5C soc012@33.781C soc345@34.5C VDD_GPU 0mW/0mW VDD_CPU_SOC_MSS 4165mW/4165mW "
               "VIN_SYS_5V0 4126mW/4126mW")

# --- lines a stand-in `tegrastats` script prints in the SSH tests -------------------------

# A JetPack 4.6 Jetson Nano line (input rail POM_5V_IN) and a JetPack 6 AGX Orin line (no
# VDD_IN: the documented sum of three rails). No single quote in either: they are echoed
# from a shell script.
NANO_LINE_FOR_FAKE = NANO_SPEC
ORIN_LINE_FOR_FAKE = AGX_ORIN_JP6
EXPECTED_FAKE = {
    "nano": {"power_in_mw": 933, "power_source": "POM_5V_IN"},
    "orin": {"power_in_mw": 3205 + 4405 + 4767,
             "power_source": "sum:VDD_GPU_SOC+VDD_CPU_CV+VIN_SYS_5V0"},
}

REAL_LINES = [NANO_SPEC, NANO_JP461, NANO_NO_FREQ, NANO_5W, NANO_NVDEC, NANO_NO_RAILS, NANO_DATADOG,
              TX1, TX1_OLD, TX2_L4T28, TX2_JP4, XAVIER_NX_JP4, AGX_XAVIER_JP4, AGX_XAVIER_JP42,
              AGX_XAVIER_JP5, ORIN_IDLE, ORIN_BUSY, ORIN_NO_GPU_FREQ, ORIN_NANO_JP6_CLOCKS, ORIN_NX_JP5,
              AGX_ORIN_JP5, AGX_ORIN_32GB_JP5, AGX_ORIN_JP6, AGX_ORIN_NO_TS, AGX_ORIN_DLA, THOR_R384,
              THOR_JP72, THOR_NO_VIN]
