"""`bench doctor` and `bench run` on an Android phone, end to end through the REAL adb client.

The phone is the emulated one (tests/adb_device_emulator.py) and its benchmark_model
the labelled test double (tests/fake_benchmark_model.py); the CLI, the adb client and
server, push, shell quoting, parsing and the CSV are the real thing. The two TFLite
exports come from the session-wide export cache that test_export.py fills too.
"""

import csv
import os
import re
import subprocess
import sys
import threading

import pytest

from adb_fixtures import (adb_device, adb_server, make_adb_device,  # noqa: F401
                          write_fake_benchmark_model)
from bench.results_csv import COLUMNS, read_rows
from conftest import REPO
from switchable_fixtures import switchable_cache  # noqa: F401

pytestmark = pytest.mark.adb

# two of test_export.py's sweep, in the same session-wide cache: exported once per session
MODELS = ["mobilenet_v2:width_mult=0.5", "shufflenet_v2_x0_5"]
RESOLUTION = 64
FAST = ["--models", *MODELS, "--resolution", str(RESOLUTION), "--runtimes", "tflite", "--trials",
        "5", "--warmup", "1", "--repeats", "2", "--no-plot"]
ROW = re.compile(r"tflite fp32: [\d.]+ inf/s")


@pytest.fixture(scope="session")
def export_dir(tmp_path_factory):
    """The session's shared export cache (test_export.py's), holding the two TFLite models."""
    from bench.artifacts import get_artifact
    from bench.config import ExportConfig
    from bench.models import select_models

    config = ExportConfig(dir=str(tmp_path_factory.getbasetemp() / "artifacts"))
    for req in select_models(MODELS, resolution=RESOLUTION):
        get_artifact(req, "tflite", "fp32", 1, config)
    return config.dir


def write_config(path, export_dir, serial, **device):
    """A bench.toml with [devices.phone] (kind adb) on the emulated phone."""
    keys = {"kind": "adb", "serial": serial, "min_secs": 0.0, "warmup_min_secs": 0.0}
    keys.update(device)
    lines = ['[export]', 'dir = {}'.format(toml_str(export_dir)), '[devices.phone]']
    lines += ["{} = {}".format(k, toml_str(v) if isinstance(v, str) else repr(v)) for k, v in keys.items()]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def toml_str(text):
    """A TOML basic string (json's escaping is valid TOML for these)."""
    import json
    return json.dumps(text)


@pytest.fixture
def phone(adb_device, export_dir, tmp_path, monkeypatch):
    """(emulated phone, config path): the benchmark_model double is a local file bench pushes."""
    for key, value in adb_device.env_overrides.items():
        monkeypatch.setenv(key, value)
    binary = write_fake_benchmark_model(str(tmp_path / "benchmark_model"))
    cfg = write_config(tmp_path / "bench.toml", export_dir, adb_device.serial,
                       benchmark_binary=binary)
    return adb_device, cfg


def one_line_error(res):
    lines = res.stderr.strip().splitlines()
    assert "Traceback" not in res.stderr, res.stderr
    return lines[-1]


def test_doctor_checks_the_phone_end_to_end(cli, phone):
    device, cfg = phone
    res = cli("doctor", "--config", cfg, "--device", "phone")
    assert res.returncode == 0, res.stdout + res.stderr
    out = res.stdout
    for needle in ("ok   adb: Android Debug Bridge version", "ok   device: {} is online".format(
            device.serial), "info model: BenchEmu", "info soc: ro.board.platform=sdm845",
            "info abi: arm64-v8a", "info android: Android 10 (SDK 29)",
            "info cpu4: governor schedutil, 2803 / max 2803 MHz", "ok   cpu mask: auto = f0 (cpus 4-7)",
            "info battery: 31.2 °C", "ok   thermal status: 0 (none)", "ok   benchmark binary: ",
            "ok   remote dir: /data/local/tmp/bench is writable", "all checks passed"):
        assert needle in out, out
    assert not os.path.exists(device.host_path("/data/local/tmp/bench/.bench-write-test"))


def test_run_writes_rows_and_a_second_run_pushes_nothing(cli, phone, tmp_path):
    device, cfg = phone
    out = tmp_path / "phone.csv"
    res = cli("run", "--config", cfg, "--device", "phone", "--out", str(out), *FAST)
    assert res.returncode == 0, res.stderr
    rows = read_rows(str(out))
    assert [r["model"] for r in rows] == MODELS and list(rows[0]) == list(COLUMNS)
    for r in rows:
        assert (r["status"], r["device_kind"], r["runtime"], r["format"]) == ("ok", "adb", "tflite",
                                                                              "tflite"), r["error"]
        assert float(r["throughput"]) > 0 and len(r["trial_throughputs"].split(";")) == 2
        assert float(r["throughput_min"]) <= float(r["throughput"]) <= float(r["throughput_max"])
        for col in ("latency_ms_mean", "latency_ms_std", "latency_ms_p50", "latency_ms_p95",
                    "first_inference_ms", "load_ms", "memory_mb"):
            assert r[col] != "", col
        assert (r["delegate"], r["soc"], r["abi"], r["android_version"]) == (
            "xnnpack", "sdm845", "arm64-v8a", "10")
        assert (r["device_model"], r["thermal_status_before"], r["thermal_status_after"]) == (
            "BenchEmu", "0", "0")
        assert r["battery_temp_c_before"] == r["battery_temp_c_after"] == "31.2"
        assert r["cpu_governor"] == "schedutil" and r["logical_cores"] == "8"
        # this phone's kernel exports no battery current: no energy, and the row says why
        assert r["power_mw_mean"] == "" and r["energy_mj_per_inference"] == ""
        assert "no power reading: the phone's kernel exports no battery current_now" in r["notes"]
    assert device.emulator.taskset_masks() == ["f0"] * 4       # 2 models x 2 repeats, big cores
    assert "phone: pushed 3 file(s)" in res.stderr              # the binary and two models
    sends = len(device.emulator.sync_log)
    res = cli("run", "--config", cfg, "--device", "phone", "--out", str(tmp_path / "again.csv"), *FAST)
    assert res.returncode == 0, res.stderr
    assert "phone: pushed 0 file(s) (0.0 MB); 3 already on the phone" in res.stderr
    assert len(device.emulator.sync_log) == sends                # not one byte was sent again
    leftovers = [n for _, _, names in os.walk(device.host_path("/data/local/tmp/bench"))
                 for n in names if ".tmp-" in n]
    assert leftovers == []


def test_battery_power_and_energy_flagged_while_charging(cli, phone, tmp_path):
    """A phone exporting its battery current and voltage: power per model, energy per
    inference, the idle reading; the emulated phone is on USB, so every row says the
    readings are unreliable. Trials sized by time last 2.5 battery samples."""
    device, cfg = phone
    supply = "/sys/class/power_supply/battery/"
    device.emulator.write_file(supply + "current_now", "-512000\n")  # uA, a Pixel's sign
    device.emulator.write_file(supply + "voltage_now", "3850000\n")  # uV
    device.emulator.write_file(supply + "temp", "312\n")
    out = tmp_path / "power.csv"
    res = cli("run", "--config", cfg, "--device", "phone", "--out", str(out), "--resolution",
              str(RESOLUTION), "--models", MODELS[0], "--warmup", "1", "--repeats", "2",
              "--no-plot")
    assert res.returncode == 0, res.stderr
    row = read_rows(str(out))[0]
    assert row["status"] == "ok", row["error"]
    assert float(row["power_mw_mean"]) == pytest.approx(1971.2)
    assert float(row["idle_power_mw"]) == pytest.approx(1971.2)
    assert row["power_source"] == "battery"
    assert float(row["energy_mj_per_inference"]) == pytest.approx(  # the CSV keeps 6 digits
        1971.2 / float(row["throughput"]), rel=1e-4)
    assert "phone charging over USB: battery power readings unreliable" in row["notes"]


def test_sustained_on_the_phone_writes_intervals_with_battery_readings(cli, phone, tmp_path):
    device, cfg = phone
    supply = "/sys/class/power_supply/battery/"
    device.emulator.write_file(supply + "current_now", "-400000\n")
    device.emulator.write_file(supply + "voltage_now", "3900000\n")
    device.emulator.write_file(supply + "temp", "345\n")
    out = tmp_path / "sustained.csv"
    res = cli("sustained", "--config", cfg, "--device", "phone", "--model", MODELS[0],
              "--runtime", "tflite", "--resolution", str(RESOLUTION), "--minutes", "0.05",
              "--interval", "1", "--cooldown", "20", "--cooldown-max-s", "1", "--out", str(out),
              "--no-plot")
    assert res.returncode == 0, res.stderr
    with open(str(out)) as fh:
        rows = list(csv.DictReader(fh))
    assert [r["interval"] for r in rows] == ["1", "2", "3"]
    # the hottest of dumpsys thermalservice's sensors (cpu 38.5 C) never reached 20 C
    assert rows[0]["notes"].startswith("cooldown: still 38.5 C after 1 s (threshold 20 C")
    for r in rows:  # each interval one benchmark_model invocation of at least 1 s
        assert r["status"] == "ok" and float(r["throughput"]) > 0
        assert float(r["t_end_s"]) - float(r["t_start_s"]) >= 0.9
        assert float(r["temp_c"]) == 34.5 and float(r["power_mw"]) == pytest.approx(1560.0)


def popen_cli(args, env):
    full = dict(os.environ, **env)
    full["PYTHONPATH"] = REPO + os.pathsep + full.get("PYTHONPATH", "")
    return subprocess.Popen([sys.executable, "-m", "bench"] + args, cwd=REPO, env=full,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_phone_vanishing_mid_run_keeps_rows_and_resume_completes(cli, phone, tmp_path):
    device, cfg = phone
    cfg = write_config(tmp_path / "slow.toml", read_export_dir(cfg), device.serial, benchmark_binary=str(tmp_path / "benchmark_model"),
                       min_secs=2.0)   # each row takes >= 2 s: the phone goes while one runs
    out = tmp_path / "phone.csv"
    # one model per group, so the first model's row is written before the phone goes
    proc = popen_cli(["run", "--config", cfg, "--device", "phone", "--out", str(out), *FAST,
                      "--repeats", "1", "--group-size", "1"], device.env_overrides)
    timer = threading.Timer(120, proc.kill)
    timer.start()
    try:
        seen = []
        while not seen or not ROW.search(seen[-1]):
            seen.append(proc.stderr.readline())
            assert seen[-1], "run ended before its first row: " + "".join(seen)
        device.vanish()                       # unplugged while the second model is measured
        _, err = proc.communicate(timeout=90)
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, "".join(seen) + err
    message = err.strip().splitlines()[-1]
    assert "Traceback" not in err
    assert re.match(r"bench: error: adb: phone 127\.0\.0\.1:\d+ \(phone\) is (offline|not listed)", message), message
    assert "1 rows in {} (1 from this run)".format(out) in message
    assert "continue with: bench run --config {} --resume --out {}".format(cfg, out) in message
    assert [r["status"] for r in read_rows(str(out))] == ["ok"]

    assert device.reappear() == "device"
    res = cli("run", "--config", cfg, "--device", "phone", "--out", str(out), "--resume", *FAST,
              "--repeats", "1")
    assert res.returncode == 0, res.stderr
    rows = read_rows(str(out))
    assert [(r["model"], r["status"]) for r in rows] == [(m, "ok") for m in MODELS]
    assert "resumed: 1 rows already in" in res.stderr


def read_export_dir(cfg):
    text = open(cfg).read()
    return re.search(r'^dir = "(.*)"$', text, re.M).group(1)


@pytest.mark.parametrize("mode, needle", [
    ("unauthorized", "accept the 'Allow USB debugging?' RSA key prompt"),
    ("offline", "replug the USB cable (or `adb reconnect`"),
])
def test_unauthorized_and_offline_phones_are_one_line_with_the_fix(cli, make_adb_device, export_dir,
                                                                   tmp_path, monkeypatch, mode,
                                                                   needle):
    device = make_adb_device(mode=mode)
    for key, value in device.env_overrides.items():
        monkeypatch.setenv(key, value)
    cfg = write_config(tmp_path / "bench.toml", export_dir, device.serial)
    res = cli("run", "--config", cfg, "--device", "phone", "--out", str(tmp_path / "r.csv"), *FAST)
    assert res.returncode == 3, res.stderr
    line = one_line_error(res)
    assert line.startswith("bench: error: adb: phone {} (phone) is {}".format(device.serial, mode))
    assert needle in line and len(res.stderr.strip().splitlines()) <= 2, res.stderr
    res = cli("doctor", "--config", cfg, "--device", "phone")
    assert res.returncode == 3
    assert "FAIL device: adb: phone {} (phone) is {}".format(device.serial, mode) in res.stdout
    assert needle in res.stdout


def test_missing_adb_executable(cli, export_dir, tmp_path):
    cfg = write_config(tmp_path / "bench.toml", export_dir, "0123456789ABCDEF",
                       adb=str(tmp_path / "no such adb"))
    res = cli("run", "--config", cfg, "--device", "phone", "--out", str(tmp_path / "r.csv"), *FAST)
    assert res.returncode == 3
    line = one_line_error(res)
    assert "adb executable '{}' not found; install Android platform-tools".format(
        tmp_path / "no such adb") in line
    res = cli("doctor", "--config", cfg, "--device", "phone")
    assert res.returncode == 3 and "FAIL adb: adb executable" in res.stdout


def test_missing_benchmark_binary_is_a_failed_row_with_the_phones_message(cli, phone, tmp_path):
    device, cfg = phone
    cfg = write_config(tmp_path / "nobin.toml", read_export_dir(cfg), device.serial,
                       benchmark_binary="/data/local/tmp/nowhere/benchmark_model")
    out = tmp_path / "r.csv"
    res = cli("run", "--config", cfg, "--device", "phone", "--out", str(out), *FAST)
    assert res.returncode == 1, res.stderr
    rows = read_rows(str(out))
    assert [r["status"] for r in rows] == ["failed", "failed"]
    error = rows[0]["error"]
    assert "benchmark_model not found on the phone" in error and "not found" in error
    assert "/data/local/tmp/nowhere/benchmark_model" in error and "set benchmark_binary" in error
    assert rows[0]["delegate"] == "xnnpack" and rows[0]["thermal_status_after"] == "0"
    res = cli("doctor", "--config", cfg, "--device", "phone")
    assert res.returncode == 3 and "FAIL benchmark binary: benchmark_model not found" in res.stdout


def test_hostile_paths_stay_quoted(cli, phone, tmp_path):
    device, cfg = phone
    # (no device root such as /data inside: the emulator maps those in commands, not in sync)
    evil = "/data/local/tmp/it's \"$(touch pwned)\" `touch pwned2`; * {a,b} $HOME"
    odd_local = tmp_path / "my $(touch pwned3) 'bench'"
    odd_local.mkdir()
    binary = write_fake_benchmark_model(str(odd_local / "benchmark model; rm -rf ~"))
    cfg = write_config(tmp_path / "evil.toml", read_export_dir(cfg), device.serial,
                       benchmark_binary=binary, remote_dir=evil)
    out = odd_local / "results $(x).csv"
    res = cli("run", "--config", cfg, "--device", "phone", "--out", str(out), *FAST, "--repeats", "1")
    assert res.returncode == 0, res.stderr
    assert [r["status"] for r in read_rows(str(out))] == ["ok", "ok"]
    for name in ("pwned", "pwned2"):   # the phone's shell runs in its sandbox root
        assert not os.path.exists(device.host_path("/" + name))
    assert not os.path.exists(os.path.join(REPO, "pwned3"))
    pushed = [path for _, path in device.emulator.sync_log]
    assert pushed and all(p.startswith(evil + "/") for p in pushed), pushed
    assert os.path.isdir(device.host_path(evil + "/models"))


def test_switchable_pta_runs_its_signature_on_the_phone(cli, phone, switchable_cache, tmp_path):
    """One multi-signature file; benchmark_model is told the configuration with
    --signature_to_run_for (the double refuses a multi-signature file without it, as the
    real tool does). Nothing here can time a switch: switch_ms stays empty."""
    _, cfg = phone
    out = tmp_path / "switch.csv"
    res = cli("run", "--config", cfg, "--device", "phone", "--out", str(out), "--no-plot",
              "--models", "pta:HHL,switchable=true", "--resolution", "64", "--runtimes", "tflite",
              "--trials", "3", "--warmup", "1", "--repeats", "2")
    assert res.returncode == 0, res.stderr
    row = read_rows(str(out))[0]
    assert row["status"] == "ok" and float(row["throughput"]) > 0, row["error"]
    assert row["switch_ms"] == "" and float(row["artifact_mb"]) > 0
