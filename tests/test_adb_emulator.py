"""The emulated phone through the REAL adb client: shell, quoting, push/pull, states, vanishing.

These pin down what bench's adb device can rely on, with the adb server's own
behaviour (adb 29 from Debian) rather than an assumption about it.
"""

import hashlib
import os
import re
import shlex
import subprocess
import threading
import time

import pytest

from adb_fixtures import (LEGACY_FEATURES, MODERN_FEATURES, adb_device, adb_server,  # noqa: F401
                          make_adb_device, tiny_tflite)
from bench.devices.adb.parsers import (STATE_FIXES, big_core_mask, parse_benchmark_model,
                                           parse_dumpsys_battery, parse_getprop,
                                           parse_thermal_status)

pytestmark = pytest.mark.adb

HOSTILE = ["it's", 'say "hi"', "$(touch /data/local/tmp/pwned)", "`touch /data/local/tmp/pwned2`",
           "a;b", "x && y || z", "*", "~", "$HOME", "back\\slash", "-n", "  two  spaces  ",
           "tab\there", "line\nbreak", "ünïcödé ☃", "#not a comment", "{a,b}", "!", "<>|&"]

FEATURES = pytest.mark.parametrize("features", [MODERN_FEATURES, LEGACY_FEATURES],
                                   ids=["shell_v2", "legacy"])


def watched(proc, seconds=40):
    """Kill ``proc`` (an adb client this test started) if the test gets stuck reading it."""
    timer = threading.Timer(seconds, proc.kill)
    timer.daemon = True
    timer.start()
    return timer


def md5(path):
    with open(path, "rb") as fh:
        return hashlib.md5(fh.read()).hexdigest()


def test_connected_phone_is_listed_like_a_real_one(adb_device):
    entries = [e for e in adb_device.server.devices() if e["serial"] == adb_device.serial]
    assert entries == [dict(serial=adb_device.serial, state="device", detail="",
                            product="bench_emu", model="BenchEmu", device="emu",
                            transport_id=entries[0]["transport_id"])]
    res = adb_device.adb("get-state")
    assert (res.returncode, res.stdout.strip()) == (0, "device")


@FEATURES
def test_hostile_strings_survive_shell_quoting(make_adb_device, features):
    device = make_adb_device(features=features)
    # adb joins its arguments with spaces and the phone's sh parses the result: quote each one
    res = device.adb("shell", "printf", "'%s\\n'", *[shlex.quote(s) for s in HOSTILE])
    assert res.returncode == 0, res.stderr
    assert res.stdout == "".join(s + "\n" for s in HOSTILE)
    assert not os.path.exists(device.host_path("/data/local/tmp/pwned"))
    assert not os.path.exists(device.host_path("/data/local/tmp/pwned2"))
    # the negative control: unquoted, the phone's shell does interpret it
    assert device.shell("echo $((6 * 7))").stdout == "42\n"


def test_shell_v2_carries_exit_status_and_stderr(adb_device):
    res = adb_device.shell("echo out; echo err >&2; exit 3")
    assert (res.returncode, res.stdout, res.stderr) == (3, "out\n", "err\n")


def test_legacy_shell_needs_the_echo_status_trick(make_adb_device):
    device = make_adb_device(features=LEGACY_FEATURES)
    res = device.shell("echo out; echo err >&2; exit 3")
    # plain "shell:" has no exit status and mixes stderr into stdout
    assert (res.returncode, res.stdout, res.stderr) == (0, "out\nerr\n", "")
    res = device.shell("sh -c 'echo out; exit 3'; echo \"exit=$?\"")
    assert res.stdout.splitlines()[-1] == "exit=3"


@FEATURES
def test_push_then_ls_stat_and_pull(make_adb_device, tmp_path, features):
    device = make_adb_device(features=features)
    name = "model name's $(x).tflite"
    local = tmp_path / name
    local.write_bytes(b"\x00TFL3" * 100)
    os.chmod(str(local), 0o640)
    remote = "/data/local/tmp/bench/" + name
    res = device.adb("push", str(local), remote)
    assert res.returncode == 0 and "1 file pushed" in res.stdout, res.stdout + res.stderr
    assert md5(device.host_path(remote)) == md5(str(local))
    listing = device.shell("ls -l /data/local/tmp/bench/").stdout
    assert name in listing and listing.startswith("total")
    res = device.shell("stat -c '%s %a %n' " + shlex.quote(remote))
    assert res.stdout == "500 640 {}\n".format(remote)    # output reads as on the phone
    back = tmp_path / "back"
    res = device.adb("pull", remote, str(back))
    assert res.returncode == 0, res.stderr
    assert back.read_bytes() == local.read_bytes()


@FEATURES
def test_one_megabyte_push_and_pull_in_chunks(make_adb_device, tmp_path, features):
    device = make_adb_device(features=features)
    local = tmp_path / "big.bin"
    local.write_bytes(os.urandom(1024 * 1024 + 17))     # > 16 sync DATA chunks of 64 KiB
    res = device.adb("push", str(local), "/sdcard/big.bin")
    assert res.returncode == 0, res.stderr
    remote_md5 = device.shell("md5sum /sdcard/big.bin").stdout.split()[0]
    assert remote_md5 == md5(str(local))
    res = device.adb("pull", "/sdcard", str(tmp_path / "pulled"))   # a directory: LIST, then RECV
    assert res.returncode == 0, res.stderr
    assert md5(str(tmp_path / "pulled" / "big.bin")) == remote_md5


@FEATURES
def test_push_that_the_phone_refuses_is_an_adb_error(make_adb_device, tmp_path, features):
    device = make_adb_device(features=features)
    device.shell("echo x > /data/local/tmp/afile")
    local = tmp_path / "m.tflite"
    local.write_bytes(b"TFL3")
    res = device.adb("push", str(local), "/data/local/tmp/afile/m.tflite")
    # stat_v2 phones fail the client's stat first, legacy ones answer the SEND with FAIL
    assert res.returncode == 1 and "adb: error:" in res.stdout + res.stderr
    assert "Not a directory" in res.stdout + res.stderr


def test_pull_of_a_missing_file_is_an_adb_error(adb_device, tmp_path):
    res = adb_device.adb("pull", "/data/local/tmp/nope.tflite", str(tmp_path / "x"))
    # adb 29 prints "adb: error: failed to stat remote object '...': No such file or directory"
    # on stdout, later versions on stderr
    message = res.stdout + res.stderr
    assert res.returncode == 1 and "adb: error:" in message
    assert "'/data/local/tmp/nope.tflite'" in message and "No such file or directory" in message


def test_device_facts_parse_with_benchs_parsers(adb_device):
    props = parse_getprop(adb_device.shell("getprop").stdout)
    assert props["ro.board.platform"] == "sdm845" and props["ro.product.model"] == "BenchEmu"
    assert adb_device.shell("getprop ro.product.cpu.abi").stdout == "arm64-v8a\n"
    battery = parse_dumpsys_battery(adb_device.shell("dumpsys battery").stdout)
    assert (battery["temperature_c"], battery["level"], battery["status"]) == (31.2, 85, "charging")
    adb_device.emulator.set_thermal(status=2)
    assert parse_thermal_status(adb_device.shell("dumpsys thermalservice").stdout)[
        "thermal_status"] == 2
    out = adb_device.shell("for f in /sys/devices/system/cpu/cpu[0-9]*/cpufreq/cpuinfo_max_freq; "
                           "do echo \"$f $(cat $f)\"; done").stdout
    freqs = {int(re.search(r"/cpu(\d+)/", path).group(1)): khz
             for path, khz in (line.split() for line in out.splitlines())}
    assert out.startswith("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq 1766400")
    assert big_core_mask(freqs) == "f0"


def test_fake_benchmark_model_runs_a_pushed_model(adb_device, tiny_tflite, tmp_path):
    binary = adb_device.push_fake_benchmark_model(tmp_path)
    graph = "/data/local/tmp/bench/tiny model (fp32).tflite"
    assert adb_device.adb("push", tiny_tflite, graph).returncode == 0
    argv = ["taskset", "f0", binary, "--graph=" + graph, "--num_threads=4", "--warmup_runs=2",
            "--warmup_min_secs=0", "--num_runs=30", "--min_secs=0", "--max_secs=20",
            "--use_xnnpack=true", "--enable_op_profiling=true"]
    res = adb_device.shell(" ".join(shlex.quote(a) for a in argv))
    assert res.returncode == 0, res.stderr
    assert "INFO: Graph: [{}]".format(graph) in res.stdout
    stats = parse_benchmark_model(res.stdout)
    assert stats["count"] == 30
    # whole microseconds, as the real tool prints them: a tiny model's fastest run may read 0
    assert 0 <= stats["min_us"] <= stats["mean_us"] <= stats["max_us"] and stats["mean_us"] > 0
    assert stats["inference_avg_us"] == stats["mean_us"] and stats["init_us"] > 0
    assert adb_device.emulator.taskset_masks() == ["f0"]


def test_phone_heating_up_during_a_run(adb_device, tiny_tflite, tmp_path):
    binary = adb_device.push_fake_benchmark_model(tmp_path)
    adb_device.adb("push", tiny_tflite, "/data/local/tmp/bench/m.tflite")
    adb_device.emulator.shell_env.update(FAKE_BENCHMARK_MODEL_THERMAL_STATUS_AFTER="3",
                                         FAKE_BENCHMARK_MODEL_BATTERY_TENTHS_AFTER="447")

    def facts():
        return (parse_thermal_status(adb_device.shell("dumpsys thermalservice").stdout),
                parse_dumpsys_battery(adb_device.shell("dumpsys battery").stdout))

    before = facts()
    res = adb_device.shell(binary + " --graph=/data/local/tmp/bench/m.tflite --num_runs=5 "
                           "--min_secs=0 --warmup_min_secs=0")
    after = facts()
    assert res.returncode == 0 and parse_benchmark_model(res.stdout)["count"] == 5
    assert (before[0]["throttling"], before[1]["temperature_c"]) == (False, 31.2)
    assert (after[0]["thermal_status_name"], after[1]["temperature_c"]) == ("severe", 44.7)


def test_delegate_rejection_is_a_clear_parse_error(make_adb_device, tiny_tflite, tmp_path):
    device = make_adb_device(shell_env={"FAKE_BENCHMARK_MODEL_GPU": "reject"})
    binary = device.push_fake_benchmark_model(tmp_path)
    device.adb("push", tiny_tflite, "/data/local/tmp/bench/m.tflite")
    res = device.shell(binary + " --graph=/data/local/tmp/bench/m.tflite --use_gpu=true")
    assert res.returncode == 1
    with pytest.raises(ValueError, match="Failed to apply GPU delegate"):
        parse_benchmark_model(res.stdout + res.stderr)


def test_missing_binary_is_reported_by_the_phones_shell(adb_device):
    res = adb_device.shell("/data/local/tmp/bench/benchmark_model --graph=/data/local/tmp/x.tflite")
    assert res.returncode == 127
    assert "/data/local/tmp/bench/benchmark_model" in res.stderr and "not found" in res.stderr
    with pytest.raises(ValueError, match="not found"):
        parse_benchmark_model(res.stdout + res.stderr)


def test_unauthorized_phone_as_adb_reports_it(make_adb_device):
    device = make_adb_device(mode="unauthorized")
    assert device.state() == "unauthorized"
    res = device.shell("echo hi")
    assert res.returncode == 1 and "device unauthorized" in res.stderr
    assert "RSA" in STATE_FIXES["unauthorized"]
    assert device.authorize() == "device"          # the user taps "Allow"
    assert device.shell("echo hi").stdout == "hi\n"


def test_offline_phone_as_adb_reports_it(adb_device):
    assert adb_device.present_offline() == "offline"
    res = adb_device.shell("echo hi")
    assert res.returncode == 1 and "device offline" in res.stderr
    assert "adb reconnect" in STATE_FIXES["offline"]


@FEATURES
def test_phone_vanishing_mid_command(make_adb_device, features):
    device = make_adb_device(features=features)
    proc = subprocess.Popen([device.adb_path, "-s", device.serial, "shell",
                             "echo started; sleep 30; echo finished"], env=device.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timer = watched(proc)
    try:
        assert proc.stdout.readline() == "started\n"
        t0 = time.monotonic()
        device.vanish()
        out, err = proc.communicate(timeout=20)
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
    assert time.monotonic() - t0 < 10 and "finished" not in out
    # adb 29 ends such a command with exit status 0 and no message (the stream just closes, and
    # no shell_v2 exit packet arrives): truncated output is the only sign, so callers must check
    # that the output is complete and then ask for the device state, which now says offline.
    res = device.shell("echo still there?")
    assert res.returncode == 1 and "device offline" in res.stderr
    assert device.reappear() == "device"
    assert device.shell("echo back").stdout == "back\n"


def test_benchmark_cut_short_by_a_vanishing_phone_is_not_a_result(adb_device, tiny_tflite,
                                                                  tmp_path):
    binary = adb_device.push_fake_benchmark_model(tmp_path)
    adb_device.adb("push", tiny_tflite, "/data/local/tmp/bench/m.tflite")
    cmd = binary + " --graph=/data/local/tmp/bench/m.tflite --warmup_min_secs=0 --min_secs=30"
    proc = subprocess.Popen([adb_device.adb_path, "-s", adb_device.serial, "shell", cmd],
                            env=adb_device.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    timer = watched(proc)
    try:
        lines = []
        while not lines or "Running benchmark for at least 50" not in lines[-1]:
            lines.append(proc.stdout.readline())
            assert lines[-1], "benchmark_model ended early: " + "".join(lines)
        adb_device.vanish()
        out, _ = proc.communicate(timeout=20)
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
    text = "".join(lines) + out
    assert "count=" in text          # the warm-up's statistics line is there...
    with pytest.raises(ValueError, match="no inference timings"):
        parse_benchmark_model(text)  # ...but it is never taken for the timed runs
