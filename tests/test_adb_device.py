"""The adb device kind: pure pieces (flags, statistics, thermal verdict, failures, config)
and the device itself on an emulated phone through the REAL adb client, in-process.

End-to-end runs through the CLI are in test_adb_cli.py.
"""

import os
import shlex
import threading
import time

import pytest

from adb_fixtures import (LEGACY_FEATURES, adb_device, adb_server, make_adb_device,  # noqa: F401
                          make_tiny_tflite, tiny_tflite, write_fake_benchmark_model)
from bench.config import ConfigError, load_config
from bench.devices.adb.device import AdbDevice, elf_abi
from bench.devices.adb.benchmark import (GPU_FP32_NOTE, XNNPACK_FP16_NOTE, benchmark_flags,
                                         classify_failure, representative_columns,
                                         thermal_verdict, trial_of)
from bench.devices.adb.client import AdbClient, quote_argv
from bench.devices.adb.config import AdbDeviceConfig
from bench.devices.adb.errors import AdbDeviceLost, AdbError
from bench.devices.adb.facts import cpu_ranges, mask_cpus, parse_cpufreq_listing, parse_load
from bench.errors import DeviceLost, EnvironmentProblem
from bench.measure.messages import Candidate, MeasureJob


def config(**kw):
    kw.setdefault("serial", "0123456789ABCDEF")
    return AdbDeviceConfig(**kw)


GRAPH = "/data/local/tmp/bench/models/abc.tflite"


def job(**kw):
    kw.setdefault("trial_size", 20)
    kw.setdefault("warmup", 2)
    return MeasureJob(id="1", runtime="tflite", candidates=[], **kw)


def candidate(precision="fp32", artifact=GRAPH, key="m"):
    return Candidate(key=key, artifact=artifact, precision=precision, resolution=64)


# -- pure: flags ----------------------------------------------------------------------------

def test_flags_take_the_runs_trials_and_warmup_and_the_tools_timing_bounds():
    flags, notes, threads = benchmark_flags(job(), candidate(), config())
    assert flags == ["--graph=" + GRAPH, "--warmup_runs=2",
                     "--warmup_min_secs=0.5", "--num_runs=20", "--min_secs=1", "--max_secs=150",
                     "--use_xnnpack=true"]
    assert (notes, threads) == ([], None)
    flags, _, threads = benchmark_flags(job(threads=2), candidate(), config(
        threads=4, num_runs=7, warmup_runs=0))
    assert "--num_runs=7" in flags and "--warmup_runs=0" in flags and threads == 2
    assert "--num_threads=2" in flags
    assert benchmark_flags(job(), candidate(), config(threads=4))[2] == 4
    # a trial sized by time: as many runs as fit in the device's min_secs
    assert "--num_runs=1" in benchmark_flags(job(trial_size=0), candidate(), config())[0]
    # a user's file: its inputs fed as the host resolved them (dynamic dims filled)
    user = Candidate(key="f", artifact=GRAPH, resolution=16, strict=True,
                     shapes={"ids:0": [1, 8], "serving_default_x:0": [2, 16, 16, 3]})
    flags = benchmark_flags(job(), user, config())[0]
    assert "--input_layer=ids:0,serving_default_x:0" in flags
    assert "--input_layer_shape=1,8:2,16,16,3" in flags


@pytest.mark.parametrize("delegate, precision, expected, note", [
    ("gpu", "fp32", ["--use_gpu=true", "--gpu_precision_loss_allowed=false"], GPU_FP32_NOTE),
    ("gpu", "fp16", ["--use_gpu=true", "--gpu_precision_loss_allowed=true"], "FP16 model"),
    ("xnnpack", "fp16", ["--use_xnnpack=true", "--xnnpack_force_fp16=true"], XNNPACK_FP16_NOTE),
    ("nnapi", "fp32", ["--use_nnapi=true", "--nnapi_allow_fp16=false"], "NNAPI"),
    ("nnapi", "fp16", ["--use_nnapi=true", "--nnapi_allow_fp16=true"], "FP16"),
    ("cpu", "fp16", ["--use_xnnpack=false"], "computed in FP32"),
])
def test_delegate_and_precision_flags_say_what_is_computed(delegate, precision, expected, note):
    flags, notes, _ = benchmark_flags(job(), candidate(precision), config(delegate=delegate))
    assert flags[6:] == expected
    assert note in "; ".join(notes)


# -- pure: statistics, thermal verdict, failures ----------------------------------------------

def parsed(mean_us, **kw):
    base = {"mean_us": mean_us, "std_us": 10.0, "median_us": mean_us - 5, "p95_us": mean_us + 30,
            "first_inference_us": 5000.0, "init_us": 2500.0, "memory_overall_mb": 12.5,
            "memory_peak_mb": None}
    base.update(kw)
    return base


def test_one_invocation_is_one_trial_and_the_median_invocation_speaks_for_latency():
    assert trial_of(dict(parsed(2000.0), count=50)) == (50, 50 * 2000.0 * 1000)
    # an old build printing only the average: one batch of that length
    assert trial_of(dict(parsed(2000.0), count=None)) == (1, 2000.0 * 1000)
    cols, load_ms = representative_columns([parsed(2000.0), parsed(1000.0, first_inference_us=7000.0),
                                            parsed(4000.0)])
    assert cols["latency_ms_mean"] == 2.0 and cols["latency_ms_p50"] == 1.995
    assert cols["latency_ms_p95"] == 2.03 and cols["latency_ms_std"] == 0.01
    assert (cols["first_inference_ms"], cols["memory_mb"], load_ms) == (5.0, 12.5, 2.5)
    # an old build: no percentiles, no first inference -> empty, never made up
    cols, _ = representative_columns([parsed(100.0, median_us=None, p95_us=None,
                                                first_inference_us=None, memory_overall_mb=None,
                                                memory_peak_mb=40.0)])
    assert (cols["latency_ms_p50"], cols["latency_ms_p95"], cols["first_inference_ms"]) == (
        None, None, None)
    assert cols["memory_mb"] == 40.0


def test_load_on_the_phone_from_proc_text():
    before = "1000.00 3000.00\ncpu  1 2 3 4\ncpu4 100 0 0 900 0 0 0 0\ncpu5 100 0 0 900 0 0 0 0\n"
    shell = "4242 (sh) S 1 1 1 0 -1 0 0 0 0 0 1 1 150 30 20 0\n"   # children: 150 + 30 ticks
    after = shell + "1002.00 3000.00\ncpu4 300 0 0 900 0 0 0 0\ncpu5 180 0 0 1020 0 0 0 0\n"
    # 2 s on cpus 4-5 = 400 ticks; busy +200 +80 = 280, the benchmark's own 180: 25 %
    assert parse_load(before, after, [4, 5]) == pytest.approx(25.0)
    assert parse_load(before, after, [4]) == pytest.approx((200 - 180) / 200 * 100)
    assert parse_load("", after) is None  # the phone would not let the shell read /proc/stat


@pytest.mark.parametrize("before, after, unstable, needle", [
    (0, 0, False, ""), (None, None, False, ""), (0, None, False, ""),
    (0, 1, True, "rose from 0 (none) to 1 (light)"), (1, 3, True, "to 3 (severe)"),
    (None, 2, True, "rose from ? to 2 (moderate)"), (2, 2, True, "throttling throughout"),
    (2, 0, True, "throttling throughout"),
])
def test_a_rise_into_throttling_makes_the_row_unstable(before, after, unstable, needle):
    flag, note = thermal_verdict(before, after)
    assert flag is unstable and needle in note
    if unstable and after:
        assert "thermal status" in note


@pytest.mark.parametrize("status, text, row_status, needles", [
    (127, "/system/bin/sh: /data/local/tmp/bench/benchmark_model: not found", "failed",
     ["benchmark_model not found on the phone", "for arm64-v8a", "set benchmark_binary"]),
    (126, "/system/bin/sh: /data/local/tmp/bench/benchmark_model: can't execute: Exec format error",
     "failed", ["cannot run on this arm64-v8a phone", "Exec format error", "android_aarch64"]),
    (1, "INFO: STARTING!\nERROR: Following operations are not supported by GPU delegate:\nERROR: "
        "FULLY_CONNECTED: Operation is not supported.\nERROR: Failed to apply GPU delegate.\n"
        "ERROR: Benchmarking failed.", "unsupported",
     ["the gpu delegate rejected the model: ERROR: Failed to apply GPU delegate."]),
    (137, "INFO: STARTING!\nINFO: Loaded model m.tflite", "crashed",
     ["killed by signal 9 (likely out of memory", "Loaded model"]),
    (0, "INFO: STARTING!\nsomething odd", "failed", ["benchmark_model (exit 0): no timings"]),
])
def test_failed_invocations_become_rows_with_the_tools_own_message(status, text, row_status, needles):
    got_status, message = classify_failure(status, text, "/data/local/tmp/bench/benchmark_model",
                                           "arm64-v8a", "gpu", parse_error="no timings")
    assert got_status == row_status
    for needle in needles:
        assert needle in message
    assert "\n" not in message


def test_cpufreq_listing_masks_and_ranges():
    cores = parse_cpufreq_listing("cpu 0 gov=schedutil cur=300000 max=1766400\n"
                                  "cpu 4 gov=performance cur=2803200 max=2803200\n"
                                  "cpu 5 gov= cur= max=\nnoise\n")
    assert cores == {0: {"governor": "schedutil", "cur_khz": 300000, "max_khz": 1766400},
                     4: {"governor": "performance", "cur_khz": 2803200, "max_khz": 2803200},
                     5: {"governor": None, "cur_khz": None, "max_khz": None}}
    assert mask_cpus("f0") == [4, 5, 6, 7] and cpu_ranges([0, 2, 3, 7]) == "0,2-3,7"


def test_quote_argv_keeps_every_word_whole():
    words = ["taskset", "f0", "/data/x y/it's", "--graph=$(reboot)", "a;b", ""]
    assert shlex.split(quote_argv(words)) == words
    with pytest.raises(ValueError):
        quote_argv(["a\0b"])


def test_elf_abi_reads_the_machine(tmp_path):
    elf = tmp_path / "bm"
    elf.write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 11 + (183).to_bytes(2, "little") + b"\0" * 40)
    assert elf_abi(str(elf)) == "arm64-v8a"
    script = tmp_path / "sh"
    script.write_text("#!/bin/sh\n")
    assert elf_abi(str(script)) is None


# -- config ---------------------------------------------------------------------------------

def write(tmp_path, text):
    path = tmp_path / "bench.toml"
    path.write_text(text)
    return str(path)


def test_adb_device_config_defaults(tmp_path):
    cfg = load_config(write(tmp_path, '[devices.s845]\nkind = "adb"\nserial = "abc123"\n'))
    phone = cfg.devices["s845"]
    assert (phone.serial, phone.adb, phone.remote_dir, phone.cpu_mask, phone.delegate) == (
        "abc123", "adb", "/data/local/tmp/bench", "auto", "xnnpack")
    assert (phone.num_runs, phone.warmup_runs, phone.min_secs) == (None, None, 1.0)


@pytest.mark.parametrize("body, needle", [
    ('', "serial"),
    ('serial = "x"\ndelegate = "dsp"', "delegate: 'dsp' is not one of xnnpack, gpu, nnapi, cpu"),
    ('serial = "x"\ncpu_mask = "big"', "cpu_mask: 'big' is not \"auto\""),
    ('serial = "x"\ncpu_mask = "0"', "selects no core"),
    ('serial = "x"\nremote_dir = "tmp/bench"', "must be an absolute path on the phone"),
    ('serial = "x"\nnum_runs = 0', "num_runs: must be >= 1"),
    ('serial = "x"\nmin_secs = -1', "min_secs: must be >= 0"),
    ('serial = "x"\nthreds = 4', "unknown key 'threds' (did you mean: threads"),
    ('serial = "-x"', "starts with '-'"),
])
def test_bad_adb_device_config(tmp_path, body, needle):
    with pytest.raises(ConfigError, match=r"\[devices\]\.p") as info:
        load_config(write(tmp_path, '[devices.p]\nkind = "adb"\n' + body + "\n"))
    assert needle in str(info.value)


def test_shipped_bench_toml_has_a_commented_snapdragon_845_example():
    from conftest import REPO

    text = open(os.path.join(REPO, "bench.toml")).read()
    assert "# [devices.s845]" in text and '# kind = "adb"' in text and "Snapdragon 845" in text
    for key in ("serial", "benchmark_binary", "remote_dir", "cpu_mask", "delegate", "threads"):
        assert "\n# {} = ".format(key) in text, key
    example = "\n".join(ln[2:].split("  #")[0] for ln in text.split("# [devices.s845]")[1]
                        .splitlines()[1:] if ln.startswith("# ") and " = " in ln)
    assert load_config(write_example(example)).devices["s845"].delegate == "xnnpack"


def write_example(body):
    import tempfile

    fd, path = tempfile.mkstemp(suffix=".toml")
    with os.fdopen(fd, "w") as fh:
        fh.write("[devices.s845]\n" + body + "\n")
    return path


# -- the client without a phone -----------------------------------------------------------------

def test_missing_adb_executable_is_one_line_with_the_fix(tmp_path):
    client = AdbClient("abc", adb=str(tmp_path / "adb"), name="s845")
    with pytest.raises(AdbError, match="adb executable .* not found; install Android platform-tools"
                       r" \(Debian/Ubuntu: apt install adb\) or set adb = .* under \[devices.s845\]"):
        client.version()
    assert issubclass(AdbDeviceLost, DeviceLost) and issubclass(AdbError, EnvironmentProblem)


# -- the device on an emulated phone ------------------------------------------------------------

pytest_adb = pytest.mark.adb


@pytest.fixture
def make_phone(make_adb_device, tmp_path, monkeypatch):
    """Factory: (emulated phone, AdbDevice) with the benchmark_model double as a local file."""

    def make(features=None, emulator_env=None, **cfg):
        kwargs = {"features": features} if features is not None else {}
        device = make_adb_device(shell_env=emulator_env or {}, **kwargs)
        for key, value in device.env_overrides.items():
            monkeypatch.setenv(key, value)
        cfg.setdefault("benchmark_binary", write_fake_benchmark_model(
            str(tmp_path / "benchmark_model")))
        cfg.setdefault("min_secs", 0.0)
        cfg.setdefault("warmup_min_secs", 0.0)
        phone = AdbDevice("s845", AdbDeviceConfig(serial=device.serial, **cfg))
        return device, phone

    return make


class Artifact:
    def __init__(self, path):
        self.path = path


def measure(phone, model, log=None, timeout=60, models=1, progress=None, precision="fp32",
            **fields):
    """One group of ``models`` copies of ``model`` measured on the phone -> (group, first)."""
    phone.setup(log)
    fields.setdefault("rounds", 2)
    fields.setdefault("trial_size", 10)
    fields.setdefault("warmup", 1)
    artifact = phone.place_artifact(Artifact(model))
    group = MeasureJob(id="1", runtime="tflite", candidates=[
        candidate(precision, artifact, "m{}".format(i)) for i in range(models)], **fields)
    result = phone.spawn_worker(on_progress=progress).request(group, timeout)
    return result, (result.results[0] if result.results else None)


@pytest_adb
@pytest.mark.parametrize("features", [None, LEGACY_FEATURES], ids=["shell_v2", "legacy"])
def test_measurement_on_the_phone_gives_the_standard_columns(make_phone, tiny_tflite, features):
    device, phone = make_phone(features=features)
    group, result = measure(phone, tiny_tflite)
    assert group.status == "ok" and result.status == "ok", result
    assert len(result.trial_ns) == 2 and result.trial_iters == [10, 10]
    assert result.trial_round == [0, 1]
    summary = result.summary
    assert 0 < summary["latency_ms_p50"] <= summary["latency_ms_p95"]
    assert result.load_ms > 0 and summary["first_inference_ms"] > 0
    assert result.columns == {"delegate": "xnnpack", "thermal_status_before": 0,
                              "thermal_status_after": 0, "battery_temp_c_before": 31.2,
                              "battery_temp_c_after": 31.2}
    # the emulated phone's shell reads this machine's /proc: the load is known, in range
    assert all(b is not None and 0 <= b <= 100 for b in result.trial_background)
    assert device.emulator.taskset_masks() == ["f0", "f0"]
    state = phone.state()
    assert (state["device_model"], state["soc"], state["abi"], state["android_version"]) == (
        "BenchEmu", "sdm845", "arm64-v8a", "10")
    assert (state["cpu_freq_mhz"], state["cpu_governor"], state["os"]) == (
        2803, "schedutil", "Android 10 (SDK 29)")


@pytest_adb
def test_benchmark_model_runs_are_rotated_across_models_per_round(make_phone, tiny_tflite):
    _, phone = make_phone()
    seen = []
    group, _ = measure(phone, tiny_tflite, models=3, rounds=3,
                       progress=lambda m: seen.append((m.round, m.key)) if m.phase == "trial" else 0)
    assert seen == [(0, "m0"), (0, "m1"), (0, "m2"), (1, "m1"), (1, "m2"), (1, "m0"),
                    (2, "m2"), (2, "m0"), (2, "m1")]
    assert [r.trial_round for r in group.results] == [[0, 1, 2]] * 3
    assert group.rounds == 3 and group.stop == "fixed"


@pytest_adb
def test_the_phone_heating_up_marks_the_row_unstable(make_phone, tiny_tflite):
    device, phone = make_phone(emulator_env={"FAKE_BENCHMARK_MODEL_THERMAL_STATUS_AFTER": "3",
                                             "FAKE_BENCHMARK_MODEL_BATTERY_TENTHS_AFTER": "447"})
    _, result = measure(phone, tiny_tflite, rounds=1)
    assert result.status == "ok" and result.summary["unstable"] is True
    assert "thermal status rose from 0 (none) to 3 (severe)" in result.notes
    assert (result.columns["thermal_status_after"], result.columns["battery_temp_c_after"]) == (
        3, 44.7)


@pytest_adb
def test_flags_reach_the_tool_quoted_and_exactly(make_phone, tiny_tflite, tmp_path):
    """A wrapper records the argv benchmark_model gets on the phone (hostile paths included)."""
    device, _ = make_phone()
    log = device.host_path("/data/local/tmp/argv.log")
    wrapper = tmp_path / "recording benchmark_model"
    fake = write_fake_benchmark_model(str(tmp_path / "fake"))
    wrapper.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a" >> {}; done\nexec {} "$@"\n'
                       .format(shlex.quote(log), shlex.quote(fake)))
    os.chmod(str(wrapper), 0o755)
    odd = tmp_path / "it's $(touch pwned) `x`"
    odd.mkdir()
    model = make_tiny_tflite(odd / "m; rm -rf ~.tflite")
    phone = AdbDevice("s845", AdbDeviceConfig(
        serial=device.serial, benchmark_binary=str(wrapper), min_secs=0.0, warmup_min_secs=0.0,
        delegate="gpu", cpu_mask="0x30", remote_dir="/data/local/tmp/b \"q\" $(touch pwned)"))
    _, result = measure(phone, model, precision="fp32", rounds=1, threads=3)
    assert result.status == "ok", result
    argv = open(log).read().splitlines()
    graph = argv[0]   # (the emulator runs it in its sandbox: the path gains the sandbox prefix)
    assert graph.startswith("--graph=") and graph.endswith(".tflite")
    assert "/data/local/tmp/b \"q\" $(touch pwned)/models/" in graph
    assert argv[1:] == ["--warmup_runs=1", "--warmup_min_secs=0", "--num_runs=10", "--min_secs=0",
                        "--max_secs=150", "--num_threads=3", "--use_gpu=true",
                        "--gpu_precision_loss_allowed=false"]
    assert device.emulator.taskset_masks() == ["30"]
    assert GPU_FP32_NOTE in result.notes and result.columns["delegate"] == "gpu"
    assert not os.path.exists(device.host_path("/pwned"))
    assert not os.path.exists(str(tmp_path / "pwned"))


@pytest_adb
def test_models_are_pushed_once_by_content(make_phone, tiny_tflite, tmp_path):
    device, phone = make_phone()
    phone.setup()
    first = phone.place_artifact(Artifact(tiny_tflite))
    sends = list(device.emulator.sync_log)
    copy = tmp_path / "same bytes, other name.tflite"
    copy.write_bytes(open(tiny_tflite, "rb").read())
    assert phone.place_artifact(Artifact(str(copy))) == first   # same content, same file
    assert device.emulator.sync_log == sends
    assert phone.adb.stats == {"pushed": 2, "pushed_bytes": phone.adb.stats["pushed_bytes"],
                               "unchanged": 1}
    # a file on the phone with the right name but the wrong bytes is replaced
    with open(device.host_path(first), "r+b") as fh:
        fh.write(b"XXXX")
    phone.place_artifact(Artifact(tiny_tflite))
    assert len(device.emulator.sync_log) == len(sends) + 1
    assert open(device.host_path(first), "rb").read() == open(tiny_tflite, "rb").read()
    names = os.listdir(device.host_path("/data/local/tmp/bench/models"))
    assert [n for n in names if ".tmp-" in n] == []


@pytest_adb
def test_a_failed_upload_leaves_no_temporary_file(make_phone, tiny_tflite, monkeypatch):
    device, phone = make_phone()
    phone.setup()
    check, seen = phone.adb.check, []

    def failing_mv(argv, timeout=None, what=None):
        if argv[0] == "mv":          # the upload is on the phone; moving it into place fails
            seen.append(argv[-2])
            assert os.path.exists(device.host_path(argv[-2]))
            raise AdbError("adb: mv failed")
        return check(argv, timeout, what)

    monkeypatch.setattr(phone.adb, "check", failing_mv)
    with pytest.raises(AdbError, match="mv failed"):
        phone.place_artifact(Artifact(tiny_tflite))
    assert ".tmp-" in seen[0] and not os.path.exists(device.host_path(seen[0]))
    assert os.listdir(device.host_path("/data/local/tmp/bench/models")) == []


@pytest_adb
def test_delegate_rejection_missing_binary_and_garbage_output_are_rows(make_phone, tiny_tflite,
                                                                       tmp_path):
    _, phone = make_phone(emulator_env={"FAKE_BENCHMARK_MODEL_GPU": "reject"}, delegate="gpu")
    _, result = measure(phone, tiny_tflite)
    assert result.status == "unsupported"
    assert result.error == ("the gpu delegate rejected the model: ERROR: Failed to apply GPU "
                            "delegate.")
    assert result.columns["thermal_status_after"] == 0

    _, phone = make_phone(benchmark_binary="/data/local/tmp/none/benchmark_model")
    _, result = measure(phone, tiny_tflite)
    assert result.status == "failed" and "benchmark_model not found on the phone" in result.error

    garbage = tmp_path / "garbage"
    garbage.write_text("#!/bin/sh\necho 'INFO: STARTING!'\necho 'count=5 first=1 curr=1'\n")
    os.chmod(str(garbage), 0o755)
    _, phone = make_phone(benchmark_binary=str(garbage))
    _, result = measure(phone, tiny_tflite)
    assert result.status == "failed"
    assert result.error.startswith("benchmark_model (exit 0): benchmark_model printed no inference "
                                   "timings")


@pytest_adb
def test_a_hung_benchmark_is_killed_on_the_phone_and_names_its_model(make_phone, tiny_tflite,
                                                                     tmp_path):
    hung = tmp_path / "hung"
    naptime = "{}".format(300 + os.getpid() % 600)  # unique: ps sees every process of this machine
    hung.write_text("#!/bin/sh\necho 'INFO: STARTING!'\nexec sleep {}\n".format(naptime))
    os.chmod(str(hung), 0o755)
    device, phone = make_phone(benchmark_binary=str(hung))
    t0 = time.monotonic()
    group, _ = measure(phone, tiny_tflite, timeout=3)
    assert group.status == "crashed" and "timed out after 3 s" in group.error
    assert group.culprit == "m0" and group.lost is None
    assert time.monotonic() - t0 < 20
    still = device.shell("ps -A -o args 2>/dev/null || ps -o args").stdout
    assert "sleep " + naptime not in still


@pytest_adb
def test_a_phone_vanishing_mid_measurement_is_a_lost_device(make_phone, tiny_tflite):
    device, phone = make_phone(min_secs=30.0)
    threading.Timer(1.5, device.vanish).start()
    group, _ = measure(phone, tiny_tflite, rounds=1)
    assert group.status == "crashed" and group.lost == group.error
    assert "is offline" in group.error or "not listed" in group.error
    with pytest.raises(AdbDeviceLost, match=r"while running `taskset f0 .*benchmark_model"):
        phone.check_connection(group)


@pytest_adb
def test_doctor_reports_a_hot_phone_and_a_wrong_abi_binary(make_phone, tmp_path):
    device, phone = make_phone()
    device.emulator.set_thermal(status=2)
    elf = tmp_path / "x86 benchmark_model"
    elf.write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 11 + (62).to_bytes(2, "little") + b"\0" * 40)
    phone = AdbDevice("s845", AdbDeviceConfig(serial=device.serial, benchmark_binary=str(elf)))
    checks = {c.name: c for c in phone.doctor()}
    assert checks["thermal status"].ok is False
    assert "2 (moderate): the phone is throttling" in checks["thermal status"].detail
    assert checks["benchmark binary"].ok is False
    assert "is built for x86_64, the phone is arm64-v8a" in checks["benchmark binary"].detail
    assert checks["cpu mask"].ok is True and checks["remote dir"].ok is True
