"""bench.devices.adb.parsers against output that real phones and tools printed.

Blocks marked "pasted" are benchmark_model / dumpsys / adb output as published
(vendor docs, issue reports, READMEs; sources in the comments); the few marked
"format" are built from the printing code itself where no published paste exists.
"""

import math
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fake_benchmark_model
from bench.devices.adb.parsers import (STATE_FIXES, THERMAL_STATUS_NAMES, big_core_mask,
                                           parse_adb_devices, parse_benchmark_model,
                                           parse_dumpsys_battery, parse_getprop,
                                           parse_thermal_status)

# pasted: TI AM62x Linux SDK docs, benchmark_model from TF 2.x with percentiles -- the SPEC §7 lines
CURRENT = """\
INFO: STARTING!
INFO: Log parameter values verbosely: [0]
INFO: Graph: [/usr/share/oob-demo-assets/models/ssd_mobilenet_v2_coco.tflite]
INFO: Signature to run: []
INFO: Use xnnpack: [0]
INFO: Loaded model /usr/share/oob-demo-assets/models/ssd_mobilenet_v2_coco.tflite
INFO: The input model file size (MB): 67.3128
INFO: Initialized session in 5.579ms.
INFO: Running benchmark for at least 1 iterations and at least 0.5 seconds but terminate if exceeding 150 seconds.
INFO: count=1 curr=1357602 p5=1357602 median=1357602 p95=1357602

INFO: Running benchmark for at least 50 iterations and at least 1 seconds but terminate if exceeding 150 seconds.
INFO: count=50 first=1249964 curr=1240143 min=1238588 max=1252566 avg=1.24027e+06 std=2565 p5=1238753 median=1239807 p95=1247415

INFO: Inference timings in us: Init: 5579, First inference: 1357602, Warmup (avg): 1.3576e+06, Inference (avg): 1.24027e+06
INFO: Note: as the benchmark tool itself affects memory footprint, the following is only APPROXIMATE to the actual memory footprint of the model at runtime. Take the information at your discretion.
INFO: Memory footprint delta from the start of the tool (MB): init=6.36328 overall=109.832
"""

# pasted: WAMR sample docs (TF 2.x XNNPACK build without percentiles, no memory line)
NO_PERCENTILES = """\
INFO: STARTING!
INFO: Log parameter values verbosely: [0]
INFO: Max runs duration (seconds): [300]
INFO: Graph: [./mobilenet_v1_1.0_224_quant.tflite]
INFO: Loaded model ./mobilenet_v1_1.0_224_quant.tflite
INFO: Created TensorFlow Lite XNNPACK delegate for CPU.
INFO: The input model file size (MB): 4.27635
INFO: Initialized session in 7.003ms.
INFO: Running benchmark for at least 1 iterations and at least 0.5 seconds but terminate if exceeding 300 seconds.
INFO: count=9 first=56903 curr=56276 min=56251 max=56903 avg=56415.2 std=245

INFO: Running benchmark for at least 50 iterations and at least 1 seconds but terminate if exceeding 300 seconds.
INFO: count=50 first=56282 curr=56234 min=56227 max=56707 avg=56283.9 std=79

INFO: Inference timings in us: Init: 7003, First inference: 56903, Warmup (avg): 56415.2, Inference (avg): 56283.9
"""

# pasted: android_aarch64_benchmark_model in Termux, --num_runs=5 --warmup_runs=50: the warm-up
# phase has MORE runs than the timed one, so "the count= equal to num_runs" would pick the wrong line
WARMUP_LONGER = """\
INFO: STARTING!
INFO: Log parameter values verbosely: [0]
INFO: Min num runs: [5]
INFO: Min warmup runs: [50]
INFO: Graph: [./models/tiny_muaalem_int4.tflite]
INFO: Signature to run: []
INFO: Loaded model ./models/tiny_muaalem_int4.tflite
INFO: Initialized TensorFlow Lite runtime.
INFO: Created TensorFlow Lite XNNPACK delegate for CPU.
VERBOSE: Replacing 2136 out of 2168 node(s) with delegate (TfLiteXNNPackDelegate) node, yielding 65 partitions for subgraph 0.
INFO: The input model file size (MB): 8.45746
INFO: Initialized session in 143.669ms.
INFO: Running benchmark for at least 50 iterations and at least 0.5 seconds but terminate if exceeding 150 seconds.

INFO: count=50 first=72635 curr=42240 min=42134 max=72635 avg=43536.2 std=4813 p5=42168 median=42430 p95=49447

INFO: Running benchmark for at least 5 iterations and at least 1 seconds but terminate if exceeding 150 seconds.
INFO: count=24 first=42142 curr=42232 min=42142 max=42763 avg=42435.4 std=147 p5=42232 median=42405 p95=42729

INFO: Inference timings in us: Init: 143669, First inference: 72635, Warmup (avg): 43536.2, Inference (avg): 42435.4
INFO: Note: as the benchmark tool itself affects memory footprint, the following is only APPROXIMATE to the actual memory footprint of the model at runtime. Take the information at your discretion.
INFO: Memory footprint delta from the start of the tool (MB): init=23.5625 overall=27.5859
"""

# pasted: `adb logcat` (threadtime) of the benchmark APK on a phone
LOGCAT = """\
07-14 13:14:52.097 22838 22838 I tflite  : Graph: [/data/local/tmp/best_int8.tflite]
07-14 13:14:52.097 22838 22838 I tflite  : #threads used for CPU inference: [4]
07-14 13:14:52.097 22838 22838 I tflite  : Use gpu: [0]
07-14 13:14:52.097 22838 22838 I tflite  : Use NNAPI: [0]
07-14 13:14:52.098 22838 22838 I tflite  : Loaded model /data/local/tmp/best_int8.tflite
07-14 13:14:52.099 22838 22838 I tflite  : Initialized TensorFlow Lite runtime.
07-14 13:14:52.113 22838 22838 I tflite  : Created TensorFlow Lite XNNPACK delegate for CPU.
07-14 13:14:52.115 22838 22838 I tflite  : Replacing 539 out of 548 node(s) with delegate (TfLiteXNNPackDelegate) node, yielding 19 partitions for subgraph 0.
07-14 13:14:52.190 22838 22838 I tflite  : The input model file size (MB): 3.06409
07-14 13:14:52.190 22838 22838 I tflite  : Initialized session in 92.318ms.
07-14 13:14:52.218 22838 22838 I tflite  : Running benchmark for at least 1 iterations and at least 0.5 seconds but terminate if exceeding 150 seconds.
07-14 13:14:52.859 22838 22838 I tflite  : count=3 first=235158 curr=200386 min=199462 max=235158 avg=211669 std=16613 p5=199462 median=200386 p95=235158
07-14 13:14:52.859 22838 22838 I tflite  : Running benchmark for at least 25 iterations and at least 1 seconds but terminate if exceeding 150 seconds.
07-14 13:14:56.520 22838 22838 I tflite  : count=25 first=187533 curr=140990 min=140071 max=195121 avg=145528 std=13583 p5=140545 median=141253 p95=187533
07-14 13:14:56.521 22838 22838 I tflite  : Inference timings in us: Init: 92318, First inference: 235158, Warmup (avg): 211669, Inference (avg): 145528
07-14 13:14:56.521 22838 22838 I tflite  : Memory footprint delta from the start of the tool (MB): init=54.2852 overall=73.4102
"""

# pasted: logcat filtered to "I tflite  :" messages without the "Running benchmark" lines
LOGCAT_FILTERED = """\
I tflite  : Initialized session in 92.318ms.
I tflite  : count=3 first=235158 curr=200386 min=199462 max=235158 avg=211669 std=16613 p5=199462 median=200386 p95=235158
I tflite  : count=25 first=187533 curr=140990 min=140071 max=195121 avg=145528 std=13583 p5=140545 median=141253 p95=187533
I tflite  : Inference timings in us: Init: 92318, First inference: 187533, Warmup (avg): 211669, Inference (avg): 145528
I tflite  : Memory footprint delta from the start of the tool (MB): init=54.2852 overall=73.4102
"""

# pasted: TF 2.4 benchmark_model on a Xiaomi Mi 11 ("Peak memory footprint", no "INFO: " prefix)
TF24 = """\
count=50 first=249042 curr=250889 min=247067 max=254474 avg=249684 std=1442
Inference timings in us: Init: 16242, First inference: 360262, Warmup (avg): 304586, Inference (avg): 249684
Note: as the benchmark tool itself affects memory footprint, the following is only APPROXIMATE to the actual memory footprint of the model at runtime. Take the information at your discretion.
Peak memory footprint (MB): init=4.92969 overall=138.809
"""

# pasted: TF 1.13-era build pinned with `taskset f0` on a phone ("no stats:" was a label bug)
TF113 = """\
Loaded model /data/local/tmp/mobilenet_v2_1.0_224_quant.tflite
resolved reporter
INFO: Initialized TensorFlow Lite runtime.
Initialized session in 1.892ms
Running benchmark for at least 1 iterations and at least 0.5 seconds
count=6 first=91810 curr=85097 min=84834 max=91810 avg=86184.3 std=2519

Running benchmark for at least 50 iterations and at least 1 seconds
count=50 first=118810 curr=114219 min=88216 max=129193 avg=115062 std=7678

Average inference timings in us: Warmup: 86184.3, Init: 1892, no stats: 115062
"""

# pasted: TF 1.12 on an i.MX board (NXP Yocto docs): "Running benchmark for N iterations"
TF112 = """\
Loaded model mobilenet_v1_1.0_224_quant.tflite
resolved reporter
Initialized session in 4.452ms
Running benchmark for 1 iterations
count=1 curr=146161

Running benchmark for 50 iterations
count=50 first=137789 curr=137254 min=137079 max=143416 avg=137722 std=896

Average inference timings in us: Warmup: 146161, Init: 4452, no stats: 137722
"""

# pasted: TFLite benchmark README (op profiling on): the only count= line is the profiler's
# total, which differs from the whole-run average; the summary is the SPEC's old format
OLD_README = """\
Number of nodes executed: 31
============================== Summary by node type ==============================
\t             [Node type]\t  [count]\t  [avg ms]\t    [avg %]\t    [cdf %]\t  [mem KB]\t[times called]
\t                 CONV_2D\t       15\t     1.406\t    89.270%\t    89.270%\t     0.000\t        0
\t       DEPTHWISE_CONV_2D\t       13\t     0.169\t    10.730%\t   100.000%\t     0.000\t        0

Timings (microseconds): count=50 first=79449 curr=81350 min=77385 max=88213 avg=79732 std=1929
Memory (bytes): count=0
31 nodes observed


Average inference timings in us: Warmup: 83235, Init: 38467, Inference: 79760.9
"""

# pasted: GPU delegate run with op profiling; the profiler's "Timings" line follows the summary
GPU_PROFILED = """\
INFO: STARTING!
INFO: Loaded model /data/local/tmp/phonefarm_bench/gen0-espcn-ps.tflite
INFO: Created TensorFlow Lite delegate for GPU.
VERBOSE: Replacing 4 out of 4 node(s) with delegate (TfLiteGpuDelegateV2) node, yielding 1 partitions for subgraph 0.
INFO: Initialized OpenCL-based API.
INFO: Initialized session in 355.447ms.
INFO: count=50 first=45401 curr=8772 min=8499 max=45401 avg=9580.26 std=5119 p5=8534 median=8894 p95=9062

INFO: count=108 first=8622 curr=8726 min=8268 max=9464 avg=8708.66 std=193 p5=8407 median=8705 p95=8982

INFO: Inference timings in us: Init: 355447, First inference: 45401, Warmup (avg): 9580.26, Inference (avg): 8708.66
INFO: Profiling Info for Benchmark Initialization:
============================== Run Order ==============================
\t                             [node type]\t  [first]\t [avg ms]\t     [%]\t  [cdf%]\t  [mem KB]\t[times called]\t[Name]
\t                 ModifyGraphWithDelegate\t  354.149\t  354.149\t 99.992%\t 99.992%\t 46900.000\t        1\tModifyGraphWithDelegate/0
Timings (microseconds): count=1 curr=354176
"""

# format (tsl/util/stats_calculator.h Stat::OutputToStream): every timed run took the same time
ALL_SAME = """\
INFO: Running benchmark for at least 1 iterations and at least 0.5 seconds but terminate if exceeding 150 seconds.
INFO: count=40 first=1001 curr=1000 min=1000 max=1001 avg=1000.03 std=0 p5=1000 median=1000 p95=1000

INFO: Running benchmark for at least 50 iterations and at least 1 seconds but terminate if exceeding 150 seconds.
INFO: count=50 curr=1000(all same) p5=1000 median=1000 p95=1000

INFO: Inference timings in us: Init: 812, First inference: 1001, Warmup (avg): 1000.03, Inference (avg): 1000
"""

# format: --num_runs=1 --min_secs=0 (a single timed run prints no "(all same)")
SINGLE_RUN = """\
INFO: Running benchmark for at least 1 iterations and at least 0.5 seconds but terminate if exceeding 150 seconds.
INFO: count=1 curr=1357602 p5=1357602 median=1357602 p95=1357602

INFO: Running benchmark for at least 1 iterations and at least 0 seconds but terminate if exceeding 150 seconds.
INFO: count=1 curr=1240143 p5=1240143 median=1240143 p95=1240143

INFO: Inference timings in us: Init: 5579, First inference: 1357602, Warmup (avg): 1.3576e+06, Inference (avg): 1.24014e+06
"""

NONE = None
EXPECTED = {
    "current": (CURRENT, dict(count=50, mean_us=1240270.0, std_us=2565.0, min_us=1238588.0,
                              max_us=1252566.0, p5_us=1238753.0, median_us=1239807.0,
                              p95_us=1247415.0, init_us=5579.0, first_inference_us=1357602.0,
                              warmup_avg_us=1357600.0, inference_avg_us=1240270.0,
                              memory_init_mb=6.36328, memory_overall_mb=109.832)),
    "no_percentiles": (NO_PERCENTILES, dict(count=50, mean_us=56283.9, std_us=79.0, min_us=56227.0,
                                            max_us=56707.0, p5_us=NONE, median_us=NONE, p95_us=NONE,
                                            init_us=7003.0, first_inference_us=56903.0,
                                            warmup_avg_us=56415.2, memory_init_mb=NONE)),
    "warmup_longer": (WARMUP_LONGER, dict(count=24, mean_us=42435.4, min_us=42142.0, max_us=42763.0,
                                          median_us=42405.0, memory_overall_mb=27.5859)),
    "logcat": (LOGCAT, dict(count=25, mean_us=145528.0, std_us=13583.0, p95_us=187533.0,
                            init_us=92318.0, memory_init_mb=54.2852)),
    "logcat_filtered": (LOGCAT_FILTERED, dict(count=25, mean_us=145528.0, p5_us=140545.0)),
    "tf24_peak_memory": (TF24, dict(count=50, mean_us=249684.0, std_us=1442.0, init_us=16242.0,
                                    memory_init_mb=4.92969, memory_overall_mb=138.809)),
    "tf113_no_stats": (TF113, dict(count=50, mean_us=115062.0, min_us=88216.0, max_us=129193.0,
                                   warmup_avg_us=86184.3, init_us=1892.0, first_inference_us=NONE,
                                   inference_avg_us=115062.0, p5_us=NONE)),
    "tf112": (TF112, dict(count=50, mean_us=137722.0, std_us=896.0, warmup_avg_us=146161.0,
                          init_us=4452.0)),
    "old_readme": (OLD_README, dict(count=NONE, mean_us=79760.9, std_us=NONE, min_us=NONE,
                                    warmup_avg_us=83235.0, init_us=38467.0,
                                    inference_avg_us=79760.9)),
    "gpu_profiled": (GPU_PROFILED, dict(count=108, mean_us=8708.66, min_us=8268.0, max_us=9464.0,
                                        init_us=355447.0, warmup_avg_us=9580.26)),
    "all_same": (ALL_SAME, dict(count=50, mean_us=1000.0, std_us=0.0, min_us=1000.0, max_us=1000.0,
                                median_us=1000.0, first_inference_us=1001.0)),
    "single_run": (SINGLE_RUN, dict(count=1, mean_us=1240143.0, std_us=0.0, min_us=1240143.0,
                                    max_us=1240143.0, inference_avg_us=1240140.0)),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_known_output_variant(name):
    text, expected = EXPECTED[name]
    got = parse_benchmark_model(text)
    for key, value in expected.items():
        assert got[key] == value, key


def test_result_has_every_key_even_when_not_printed():
    keys = {"count", "mean_us", "std_us", "min_us", "max_us", "p5_us", "median_us", "p95_us",
            "init_us", "first_inference_us", "warmup_avg_us", "inference_avg_us",
            "memory_init_mb", "memory_overall_mb"}
    for text, _ in EXPECTED.values():
        assert keys <= set(parse_benchmark_model(text))


def test_g_formatted_numbers():
    got = parse_benchmark_model(CURRENT)
    assert got["mean_us"] == 1.24027e+06 == 1240270.0
    assert got["warmup_avg_us"] == 1.3576e+06


def test_crlf_output_from_old_adb_shells():
    assert parse_benchmark_model(CURRENT.replace("\n", "\r\n"))["mean_us"] == 1240270.0


GPU_BUILD_FAILURE = """\
INFO: STARTING!
INFO: Log parameter values verbosely: [0]
INFO: Graph: [mobilenet_v1_1.0_224_float.tflite]
INFO: Use gpu: [1]
INFO: Loaded model mobilenet_v1_1.0_224_float.tflite
INFO: Created TensorFlow Lite delegate for GPU.
INFO: GPU delegate created.
ERROR: Failed to build program executable - Build program failure(97:0) : error : conversion between different vector types not allowed
"""   # pasted: tensorflow/tensorflow#62753


@pytest.mark.parametrize("text, message", [
    ("", r"\(no output\)"),
    ("\n  \n", r"\(no output\)"),
    ("hello world", "hello world"),
    ("Segmentation fault", "Segmentation fault"),
    (GPU_BUILD_FAILURE, "Failed to build program executable"),
    ("INFO: Created TensorFlow Lite delegate for GPU.\nERROR: Failed to apply GPU delegate.\n"
     "ERROR: Benchmarking failed.\n", "Failed to apply GPU delegate"),
    ("/system/bin/sh: /data/local/tmp/benchmark_model: inaccessible or not found\n",
     "inaccessible or not found"),
    ("/system/bin/sh: /data/local/tmp/benchmark_model: can't execute: Permission denied\n",
     "Permission denied"),
    ("/system/bin/sh: /data/local/tmp/benchmark_model: not executable: 32-bit ELF file\n",
     "not executable: 32-bit ELF file"),
    ("count=abc avg=xyz\n", "count=abc"),
    # pasted: logcat of a GPU delegate run, tensorflow/tensorflow#56301
    ("05-31 10:38:42.589 22206 22206 I tflite  : GPU delegate created.\n"
     "05-31 10:38:42.607 22206 22206 E tflite  : Following operations are not supported by GPU "
     "delegate:\n05-31 10:38:42.607 22206 22206 E tflite  : UNPACK: Operation is not supported.\n",
     "UNPACK: Operation is not supported"),
])
def test_output_without_timings_is_a_clear_error(text, message):
    with pytest.raises(ValueError, match="no inference timings") as info:
        parse_benchmark_model(text)
    assert info.match(message)


@pytest.mark.parametrize("cut_before", ["INFO: count=50", "INFO: Running benchmark for at least 50"])
def test_a_run_cut_short_never_reports_the_warmup_numbers(cut_before):
    """The phone vanished during the timed runs: the warm-up's count= line must not be taken."""
    cut = CURRENT.split(cut_before)[0]
    assert "count=1 curr=1357602" in cut
    with pytest.raises(ValueError, match="no inference timings"):
        parse_benchmark_model(cut)
    with pytest.raises(ValueError, match="no inference timings"):
        parse_benchmark_model(LOGCAT_FILTERED.split("I tflite  : Inference timings")[0])


def test_a_run_cut_short_after_the_timed_statistics_keeps_them():
    cut = CURRENT.split("INFO: Inference timings")[0]
    got = parse_benchmark_model(cut)
    assert (got["count"], got["mean_us"], got["init_us"]) == (50, 1240270.0, None)


def test_zero_timed_runs_is_an_error():
    text = ("INFO: Running benchmark for at least 0 iterations and at least -1 seconds but terminate"
            " if exceeding 150 seconds.\nINFO: count=0\n\nINFO: Inference timings in us: Init: 10, "
            "First inference: 0, Warmup (avg): nan, Inference (avg): nan\n")
    with pytest.raises(ValueError, match="count=0"):
        parse_benchmark_model(text)


def test_statistics_and_summary_that_disagree_are_an_error():
    with pytest.raises(ValueError, match="does not match"):
        parse_benchmark_model(CURRENT.replace("Inference (avg): 1.24027e+06", "Inference (avg): 99"))
    with pytest.raises(ValueError, match="inconsistent"):
        parse_benchmark_model(NO_PERCENTILES.replace("avg=56283.9", "avg=96283.9")
                              .replace("Inference (avg): 56283.9", "Inference (avg): 96283.9"))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10 ** 8), min_size=1, max_size=60),
       st.lists(st.integers(min_value=1, max_value=10 ** 8), min_size=1, max_size=5))
def test_parses_what_the_printing_code_prints(timed, warmup):
    """Round trip through the C++ formatting (fake_benchmark_model.Stat mirrors stats_calculator.h)."""
    t, w = fake_benchmark_model.Stat(), fake_benchmark_model.Stat()
    for v in timed:
        t.add(v)
    for v in warmup:
        w.add(v)
    marker = "INFO: Running benchmark for at least 1 iterations and at least 0 seconds.\n"
    text = (marker + "INFO: %s\n\n" % w + marker + "INFO: %s\n\n" % t
            + "INFO: Inference timings in us: Init: 1, First inference: %d, Warmup (avg): %s, "
              "Inference (avg): %s\n" % (w.first(), "%g" % w.avg(), "%g" % t.avg()))
    got = parse_benchmark_model(text)
    assert got["count"] == len(timed)
    assert (got["min_us"], got["max_us"]) == (min(timed), max(timed))
    assert math.isclose(got["mean_us"], sum(timed) / len(timed), rel_tol=1e-5)
    assert got["median_us"] == sorted(timed)[len(timed) // 2]


# pasted: `adb shell getprop` lines from an SDM845 phone (subset)
GETPROP = """\
[dalvik.vm.heapsize]: [512m]
[ro.board.platform]: [sdm845]
[ro.build.version.release]: [10]
[ro.build.version.sdk]: [29]
[ro.product.cpu.abi]: [arm64-v8a]
[ro.product.model]: [Pixel 3]
[ro.vendor.build.fingerprint]: []
"""


def test_getprop():
    props = parse_getprop(GETPROP)
    assert props["ro.board.platform"] == "sdm845" and props["ro.product.model"] == "Pixel 3"
    assert props["ro.vendor.build.fingerprint"] == "" and len(props) == 7
    assert parse_getprop("garbage\n") == {}


# pasted: Pixel 6a, Android 16
BATTERY = """\
Current Battery Service state:
  AC powered: true
  USB powered: false
  Wireless powered: false
  Max charging current: 3000000
  Charge counter: 812000
  status: 2
  health: 2
  present: true
  level: 19
  scale: 100
  voltage: 3972
  temperature: 357
  technology: Li-ion
"""


def test_dumpsys_battery():
    got = parse_dumpsys_battery(BATTERY)
    assert got["temperature_c"] == 35.7 and got["level"] == 19 and got["scale"] == 100
    assert (got["status"], got["health"], got["voltage_mv"]) == ("charging", "good", 3972)
    assert got["ac_powered"] is True and got["usb_powered"] is False
    assert parse_dumpsys_battery(BATTERY.replace("357", "312"))["temperature_c"] == 31.2
    with pytest.raises(ValueError, match="Can't find service: battery"):
        parse_dumpsys_battery("Can't find service: battery\n")


# pasted: Pixel 6a, Android 16 (no "Current temperatures from HAL:" header in this excerpt)
THERMAL_PIXEL = """\
Thermal Status: 0
\tTemperature{mValue=33.931, mType=-1, mName=neutral_therm, mStatus=1}
\tTemperature{mValue=39.674004, mType=-1, mName=charger_skin_therm, mStatus=0}
\tTemperature{mValue=35.245003, mType=-1, mName=skin_therm1, mStatus=0}
"""

# format: Android 10 ThermalManagerService.dump sections, with a cached reading that must not win
THERMAL_SECTIONS = """\
IsStatusOverride: false
Thermal Status: 3
Cached temperatures:
\tTemperature{mValue=99.0, mType=0, mName=cpu0-silver-usr, mStatus=3}
HAL Ready: true
HAL connection:
\tThermalHAL 2.0 connected: yes
Current temperatures from HAL:
\tTemperature{mValue=41.5, mType=0, mName=cpu0-silver-usr, mStatus=3}
\tTemperature{mValue=33.0, mType=2, mName=battery, mStatus=0}
Current cooling devices from HAL:
\tCoolingDevice{mValue=0, mType=2, mName=battery}
"""


def test_thermal_status():
    got = parse_thermal_status(THERMAL_PIXEL)
    assert (got["thermal_status"], got["thermal_status_name"], got["throttling"]) == (0, "none", False)
    assert got["temperatures_c"]["skin_therm1"] == 35.245003
    got = parse_thermal_status(THERMAL_SECTIONS)
    assert (got["thermal_status"], got["thermal_status_name"], got["throttling"]) == (3, "severe", True)
    assert got["temperatures_c"] == {"cpu0-silver-usr": 41.5, "battery": 33.0}
    old = parse_thermal_status("Can't find service: thermalservice\n")   # Android 9 and older
    assert old["thermal_status"] is None and old["throttling"] is None
    assert THERMAL_STATUS_NAMES[6] == "shutdown"


@pytest.mark.parametrize("freqs, mask", [
    ({0: 1766400, 1: 1766400, 2: 1766400, 3: 1766400,
      4: 2803200, 5: 2803200, 6: 2803200, 7: 2803200}, "f0"),                  # Snapdragon 845
    ({0: 2265600, 1: 2265600, 2: 2265600, 3: 2265600}, "f"),                    # Snapdragon 800
    ({0: 1785600, 1: 1785600, 2: 1785600, 3: 1785600, 4: 2419200, 5: 2419200,
      6: 2419200, 7: 2841600}, "80"),                                           # Snapdragon 855 prime
    ({"0": "1766400\n", "1": "2803200\n"}, "2"),                               # as read from sysfs
])
def test_big_core_mask(freqs, mask):
    assert big_core_mask(freqs) == mask


def test_big_core_mask_needs_frequencies():
    with pytest.raises(ValueError, match="cpuinfo_max_freq"):
        big_core_mask({})


# pasted lines: adb 29 on Linux; "no permissions" as printed by adb for a udev problem
DEVICES = """\
* daemon not running; starting now at tcp:5037
* daemon started successfully
List of devices attached
0123456789ABCDEF       device usb:1-1 product:sdm845 model:Pixel_3 device:blueline transport_id:1
127.0.0.1:5555         offline transport_id:2
R58M123ABC             unauthorized usb:1-2 transport_id:3
faf80ac1               no permissions (user in plugdev group; are your udev rules wrong?); see [http://developer.android.com/tools/device.html] usb:1-3 transport_id:4

"""


def test_adb_devices():
    got = parse_adb_devices(DEVICES)
    assert [(d["serial"], d["state"]) for d in got] == [
        ("0123456789ABCDEF", "device"), ("127.0.0.1:5555", "offline"),
        ("R58M123ABC", "unauthorized"), ("faf80ac1", "no permissions")]
    assert got[0]["model"] == "Pixel_3" and got[0]["transport_id"] == "1"
    assert "udev rules" in got[3]["detail"] and got[3]["usb"] == "1-3"
    plain = parse_adb_devices("List of devices attached\nemulator-5554\tdevice\nabc\tunauthorized\n\n")
    assert [(d["serial"], d["state"]) for d in plain] == [("emulator-5554", "device"),
                                                          ("abc", "unauthorized")]
    assert parse_adb_devices("List of devices attached\n\n") == []
    short = parse_adb_devices("USB789 no permissions (user in plugdev group) usb:1-4\n"
                              "error: protocol fault (couldn't read status): Connection reset\n")
    assert short == [dict(serial="USB789", state="no permissions", detail="user in plugdev group",
                          usb="1-4")]


def test_every_problem_state_has_a_fix():
    for state in ("unauthorized", "offline", "no permissions"):
        assert STATE_FIXES[state]
    assert "udev" in STATE_FIXES["no permissions"]


def test_dedent_helper_is_not_needed_for_indented_docs():
    """Docs often indent pasted output; leading blanks before "INFO:" are accepted."""
    assert parse_benchmark_model(textwrap.indent(CURRENT, "   "))["count"] == 50
