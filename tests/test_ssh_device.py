"""`bench doctor` / `bench run` on a Jetson-like device over a real OpenSSH sshd on 127.0.0.1.

The "device" is this machine: the runner runs under this Python with the CPU runtimes,
shipped as the content-named zipapp (without the host's PYTHONPATH). ``tegrastats`` is a
small script printing a real Jetson Nano line, standing in for the Jetson binary.
"""

import csv
import os
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.measure.messages import Hello
from bench.results_csv import COLUMNS, read_rows
from switchable_fixtures import switchable_cache  # noqa: F401
from conftest import REPO
from jetson_lines import EXPECTED_FAKE, ORIN_LINE_FOR_FAKE
from model_files import onnx_zoo_opset7, torchscript_frozen  # noqa: F401  (fixtures)
from sshd import keygen, sshd_factory, sshd_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.ssh

FAST = ["--trials", "3", "--repeats", "2", "--warmup", "1", "--resolution", "32"]
SMALL = "mobilenet_v2:width_mult=0.25"
NANO_LINE = ("RAM 331/3964MB (lfb 758x4MB) SWAP 0/1982MB (cached 0MB) CPU [12%@102,7%@102,3%@102,9%@102] "
             "EMC_FREQ 3%@204 GR3D_FREQ 40%@76 APE 25 PLL@20.5C CPU@23.5C PMIC@100C GPU@22.5C AO@27.5C "
             "thermal@23C POM_5V_IN 933/933 POM_5V_GPU 0/0 POM_5V_CPU 84/105")
NO_AGENT = {"SSH_AUTH_SOCK": ""}


def fake_tegrastats(folder, line=NANO_LINE):
    """A stand-in for /usr/bin/tegrastats: one real line (a Nano's unless given) every 50 ms
    until killed."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "tegrastats")
    with open(path, "w") as fh:
        fh.write("#!/bin/sh\nwhile true; do echo '{}'; sleep 0.05; done\n".format(line))
    os.chmod(path, 0o755)
    return folder


def device_config(path, server, base, known_hosts=None, key_file=None, port=None, extra="",
                  line=NANO_LINE, env="", cache=None):
    """A bench.toml with [devices.jetson] pointing at ``server``; export cache ``cache`` (or
    under ``base``); the stand-in tegrastats prints ``line``; ``env``: more
    [devices.jetson.env]."""
    fakebin = fake_tegrastats(os.path.join(str(base), "fakebin"), line)
    known = known_hosts or server.write_known_hosts(os.path.join(str(base), "known_hosts"))
    text = """
[export]
dir = "{cache}"
[run]
results_dir = "{results}"
[devices.jetson]
kind = "ssh"
host = "127.0.0.1"
port = {port}
user = "{user}"
key_file = "{key}"
known_hosts = "{known}"
python = "{python}"
workdir = "{workdir}"
connect_timeout_s = 5
tegrastats_interval_ms = 50
{extra}
[devices.jetson.env]
OPENBLAS_CORETYPE = "ARMV8"
PATH = "{fakebin}:/usr/bin:/bin"
{env}
""".format(env=env, cache=cache or os.path.join(str(base), "cache"), results=os.path.join(str(base), "results"),
           port=port or server.port, user=server.user, key=key_file or server.client_key,
           known=known, python=sys.executable, workdir=os.path.join(str(base), "device work dir"),
           extra=extra, fakebin=fakebin)
    with open(str(path), "w") as fh:
        fh.write(text)
    return str(path)


@pytest.fixture(scope="module")
def jetson(sshd_server, tmp_path_factory):
    base = tmp_path_factory.mktemp("jetson")
    return device_config(base / "bench.toml", sshd_server, base)


def one_line_error(res):
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    return lines[0]


def test_doctor_over_ssh(cli, jetson):
    res = cli("doctor", "--config", jetson, "--device", "jetson", env=NO_AGENT)
    assert res.returncode == 0, res.stdout + res.stderr
    out = res.stdout
    assert "ok   ssh: connected to" in out and "host key verified" in out
    assert "ok   python: {}.{}".format(*sys.version_info[:2]) in out
    assert "info L4T / JetPack: no /etc/nv_tegra_release: not a Jetson" in out
    assert "ok   numpy:" in out
    assert "ok   runtime onnxruntime: runs on cpu" in out
    assert "info runtime tensorrt: not available: on jetson: tensorrt runs only on an NVIDIA GPU" in out
    assert "fakebin/tegrastats" in out
    assert "all checks passed" in out


def test_model_files_run_on_the_device_as_they_are(cli, jetson, tmp_path, onnx_zoo_opset7,
                                                   torchscript_frozen):
    """A user's ONNX and TorchScript files are pushed and run by the shipped worker, fed as
    their inputs say (the Jetson's TensorRT would build an engine from the ONNX file)."""
    out = tmp_path / "files.csv"
    res = cli("run", "--config", jetson, "--device", "jetson", "--out", str(out), "--no-plot",
              "--models", "file:{}".format(onnx_zoo_opset7), "file:{}".format(torchscript_frozen),
              "--shape", "x=1x3x8x8", "--runtimes", "onnxruntime,torchscript", "--trials", "3",
              "--repeats", "2", "--warmup", "1", env=NO_AGENT)
    assert res.returncode == 0, res.stderr
    rows = {(os.path.basename(r["model"]), r["runtime"]): r for r in read_rows(str(out))}
    onnx_row = rows[(os.path.basename(str(onnx_zoo_opset7)), "onnxruntime")]
    assert onnx_row["status"] == "ok" and onnx_row["device_kind"] == "ssh", onnx_row["error"]
    assert onnx_row["inputs"] == "gpu_0/data_0:float32:1x3x16x16"  # its own fixed size
    ts_row = rows[(os.path.basename(str(torchscript_frozen)), "torchscript")]
    assert ts_row["status"] == "ok" and ts_row["inputs"] == "input:float32:1x3x8x8", ts_row["error"]


def test_run_over_ssh_rows_like_local_then_nothing_resent(cli, jetson, tmp_path):
    remote_csv, local_csv = tmp_path / "remote.csv", tmp_path / "local.csv"
    # trials sized by time: with tegrastats they last 2.5 samples, so each holds whole ones
    # (4 rounds: a stand-in delayed by a loaded machine still leaves some whole samples)
    args = ["--models", SMALL, "--runtimes", "torchscript,onnxruntime,tensorrt", "--repeats",
            "4", "--warmup", "1", "--resolution", "32"]
    res = cli("run", "--config", jetson, "--device", "jetson", "--out", str(remote_csv), "--no-plot",
              *args, env=NO_AGENT)
    assert res.returncode == 0, res.stderr
    assert "jetson: sent" in res.stderr
    rows = read_rows(str(remote_csv))
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["model"], r["runtime"], r["status"]) for r in rows] == [
        (SMALL, "torchscript", "ok"), (SMALL, "onnxruntime", "ok"), (SMALL, "tensorrt", "unsupported")]
    for r in rows:
        assert (r["device"], r["device_kind"]) == ("jetson", "ssh")
        assert r["python_version"] == "{}.{}.{}".format(*sys.version_info[:3])
    ok = [r for r in rows if r["status"] == "ok"]
    for r in ok:
        assert float(r["throughput"]) > 0 and len(r["trial_throughputs"].split(";")) == 4
        assert float(r["power_mw_mean"]) == 933.0 and float(r["gpu_temp_c_mean"]) == 22.5
        assert int(r["monitor_samples"]) >= 1 and float(r["idle_power_mw"]) == 933.0
        assert float(r["energy_mj_per_inference"]) == pytest.approx(933.0 / float(r["throughput"]),
                                                                    rel=1e-4)
        assert float(r["dynamic_energy_mj_per_inference"]) == 0.0  # a constant stand-in
        assert r["power_source"] == "tegrastats POM_5V_IN"
        assert float(r["start_temp_c"]) == 27.5  # the hottest valid sensor (PMIC@100C is not)
        assert float(r["trial_size"]) * 1 / float(r["throughput"]) >= 0.1  # >= 2.5 x 50 ms
    assert "on jetson: tensorrt runs only on an NVIDIA GPU" in rows[2]["error"]

    # the same run locally: the same columns filled (device sampling columns aside)
    res = cli("run", "--config", jetson, "--device", "local", "--out", str(local_csv), "--no-plot",
              *args)
    local = read_rows(str(local_csv))
    assert [(r["model"], r["runtime"]) for r in local] == [(r["model"], r["runtime"]) for r in rows]
    sampled = {"power_mw_mean", "gpu_temp_c_mean", "gpu_temp_c_max", "cpu_temp_c_mean",
               "cpu_temp_c_max", "gpu_load_pct_mean", "monitor_samples", "error",
               "energy_mj_per_inference", "dynamic_energy_mj_per_inference", "idle_power_mw",
               "power_source", "start_temp_c",
               "notes"}  # notes: "unstable" depends on this VM's noise
    for lr, rr in zip(local, rows):
        if lr["status"] == rr["status"] == "ok":
            filled = lambda row: {k for k, v in row.items() if v != ""} - sampled  # noqa: E731
            assert filled(lr) == filled(rr)

    # second run: runner and artifacts are on the device already
    res = cli("run", "--config", jetson, "--device", "jetson", "--out", str(tmp_path / "again.csv"),
              "--no-plot", *args, env=NO_AGENT)
    assert res.returncode == 0, res.stderr
    assert "jetson: sent 0 file(s) (0.0 MB)" in res.stderr, res.stderr


def test_orin_stand_in_energy_cooldown_sustained_and_doctor(cli, sshd_server, tmp_path):
    """A JetPack 6 AGX Orin stand-in: no input rail, so power is the documented sum of its
    rails; --cooldown that cannot reach its threshold is bounded and noted; bench
    sustained writes intervals with power and temperature; doctor names the module."""
    sysroot = tmp_path / "sysroot"
    (sysroot / "etc").mkdir(parents=True)
    (sysroot / "proc" / "device-tree").mkdir(parents=True)
    (sysroot / "etc" / "nv_tegra_release").write_text(
        "# R36 (release), REVISION: 4.3, GCID: 38968081, BOARD: generic, EABI: aarch64, "
        "DATE: Wed Jan  8 01:49:37 UTC 2025\n")
    (sysroot / "proc" / "device-tree" / "model").write_bytes(
        b"NVIDIA Jetson AGX Orin Developer Kit\x00")
    cfg = device_config(tmp_path / "orin.toml", sshd_server, tmp_path, line=ORIN_LINE_FOR_FAKE,
                        env='BENCH_SYSROOT = "{}"'.format(sysroot),
                        cache=os.path.join(os.path.dirname(str(tmp_path)), "two-jetsons-exports"))
    res = cli("doctor", "--config", cfg, "--device", "jetson", env=NO_AGENT)
    assert "info module: NVIDIA Jetson AGX Orin Developer Kit" in res.stdout, res.stdout
    assert "L4T 36.4.3 / JetPack 6.2" in res.stdout, res.stdout

    expected = EXPECTED_FAKE["orin"]
    out = tmp_path / "orin.csv"
    res = cli("run", "--config", cfg, "--device", "jetson", "--models", SMALL,
              "mobilenet_v2:width_mult=0.3", "--runtimes", "onnxruntime", "--repeats", "4",
              "--warmup", "1", "--resolution", "32", "--cooldown", "40", "--cooldown-max-s", "2",
              "--out", str(out), "--no-plot", env=NO_AGENT)
    assert res.returncode == 0, res.stderr
    rows = read_rows(str(out))
    assert len(rows) == 2
    for r in rows:  # two models interleaved: each its own samples
        assert r["status"] == "ok", r["error"]
        assert float(r["power_mw_mean"]) == expected["power_in_mw"]
        assert r["power_source"] == "tegrastats " + expected["power_source"]
        assert float(r["energy_mj_per_inference"]) == pytest.approx(
            expected["power_in_mw"] / float(r["throughput"]), rel=1e-4)
        assert float(r["idle_power_mw"]) == expected["power_in_mw"]
        assert float(r["start_temp_c"]) == 53.062  # tj and cpu, the hottest
        assert float(r["gpu_temp_c_mean"]) == 47.812
        assert "cooldown: still 53.1 C after 2 s (threshold 40 C" in r["notes"], r["notes"]

    out = tmp_path / "sustained.csv"
    res = cli("sustained", "--config", cfg, "--device", "jetson", "--model", SMALL, "--runtime",
              "onnxruntime", "--resolution", "32", "--minutes", "0.04", "--interval", "0.8",
              "--out", str(out), env=NO_AGENT)
    assert res.returncode == 0, res.stderr
    with open(str(out)) as fh:
        intervals = list(csv.DictReader(fh))
    assert [r["interval"] for r in intervals] == ["1", "2", "3"]
    for r in intervals:
        assert r["status"] == "ok" and float(r["throughput"]) > 0
        assert float(r["power_mw"]) == expected["power_in_mw"] and float(r["temp_c"]) == 53.062
        assert float(r["energy_mj_per_inference"]) > 0
    assert "temperature 53.1 -> 53.1 C" in res.stdout and (tmp_path / "sustained.png").exists()


def test_eager_torch_on_the_device(cli, jetson, tmp_path):
    """torchvision models unpickle there; PTA's code is not on the device: unsupported, says why."""
    out = tmp_path / "eager.csv"
    res = cli("run", "--config", jetson, "--device", "jetson", "--models", SMALL, "pta:LLL",
              "--runtimes", "torch", "--out", str(out), "--no-plot", *FAST, env=NO_AGENT)
    rows = read_rows(str(out))
    assert [r["status"] for r in rows] == ["ok", "unsupported"], res.stderr
    assert "eager artifact is a pickled module" in rows[1]["error"]
    assert "--runtimes torchscript" in rows[1]["error"]


def test_killed_remote_measurement_is_a_crashed_row_and_the_run_goes_on(cli, jetson, tmp_path):
    out = tmp_path / "crash.csv"
    res = cli("run", "--config", jetson, "--device", "jetson", "--models", SMALL, "pta:LLL",
              "--runtimes", "onnxruntime", "--out", str(out), "--no-plot", *FAST,
              env=dict(NO_AGENT, BENCH_TEST_CRASH=SMALL + "@32 onnxruntime"))
    rows = read_rows(str(out))
    assert [r["status"] for r in rows] == ["crashed", "ok"], res.stderr
    assert "killed by SIGKILL" in rows[0]["error"]
    assert res.returncode == 1


def test_unknown_host_key_is_refused(cli, sshd_server, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    cfg = device_config(tmp_path / "b.toml", sshd_server, tmp_path, known_hosts=str(empty))
    res = cli("run", "--config", cfg, "--device", "jetson", "--models", SMALL, env=NO_AGENT)
    assert res.returncode == 3
    line = one_line_error(res)
    assert "unknown host key" in line and "SHA256:" in line and "trust_on_first_use" in line


def test_trust_on_first_use_records_the_key(cli, sshd_server, tmp_path):
    known = tmp_path / "kh" / "known_hosts"
    cfg = device_config(tmp_path / "b.toml", sshd_server, tmp_path, known_hosts=str(known),
                        extra="trust_on_first_use = true")
    res = cli("doctor", "--config", cfg, "--device", "jetson", env=NO_AGENT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "recorded now: ssh-ed25519 SHA256:" in res.stdout
    assert sshd_server.host_key_pub in known.read_text()


def test_wrong_key_is_an_authentication_error(cli, sshd_server, tmp_path):
    stranger = keygen(tmp_path / "stranger")
    cfg = device_config(tmp_path / "b.toml", sshd_server, tmp_path, key_file=stranger)
    res = cli("run", "--config", cfg, "--device", "jetson", "--models", SMALL, env=NO_AGENT)
    assert res.returncode == 3
    line = one_line_error(res)
    assert "authentication failed" in line and "ssh-copy-id" in line


def test_unreachable_port_is_a_connection_error(cli, sshd_server, tmp_path):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cfg = device_config(tmp_path / "b.toml", sshd_server, tmp_path, port=port)
    for command in (["run", "--models", SMALL], ["doctor"]):
        res = cli(command[0], "--config", cfg, "--device", "jetson", *command[1:], env=NO_AGENT)
        assert res.returncode == 3, res.stdout + res.stderr
        text = res.stderr if command[0] == "run" else res.stdout
        assert "connection refused by 127.0.0.1:{}".format(port) in text
        assert "Traceback" not in res.stderr


def test_missing_python_on_the_device(cli, sshd_server, tmp_path):
    cfg = device_config(tmp_path / "b.toml", sshd_server, tmp_path)
    text = open(cfg).read().replace('python = "{}"'.format(sys.executable), 'python = "python9.9"')
    open(cfg, "w").write(text)
    res = cli("run", "--config", cfg, "--device", "jetson", "--models", SMALL, env=NO_AGENT)
    assert res.returncode == 3
    assert "python 'python9.9' not found" in one_line_error(res)


def _start(args, env):
    full = dict(os.environ, PYTHONPATH=REPO, **env)
    return subprocess.Popen([sys.executable, "-m", "bench"] + args, cwd=REPO, env=full,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_sshd_stopped_mid_run_keeps_rows_and_resume_completes(cli, sshd_factory, tmp_path):
    server = sshd_factory()
    cfg = device_config(tmp_path / "b.toml", server, tmp_path)
    out = tmp_path / "lost.csv"
    models = [SMALL, "mobilenet_v2:width_mult=0.3", "mobilenet_v2:width_mult=0.35",
              "mobilenet_v2:width_mult=0.4", "mobilenet_v2:width_mult=0.45"]
    args = ["run", "--config", cfg, "--device", "jetson", "--models"] + models + [
        "--runtimes", "onnxruntime", "--out", str(out), "--no-plot", "--trials", "20",
        "--repeats", "3", "--warmup", "1", "--resolution", "32",
        "--group-size", "2"]  # several groups: the first one's rows are written before sshd goes
    proc = _start(args, NO_AGENT)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and len(read_rows(str(out))) >= 1:
            break
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()
    server.stop()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, err
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("bench: error")]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "127.0.0.1:{}".format(server.port) in lines[0]
    assert "rows in {}".format(out) in lines[0] and "--resume --out {}".format(out) in lines[0]
    kept = read_rows(str(out))
    assert 1 <= len(kept) < len(models)
    assert all(r["status"] == "ok" for r in kept), kept

    server.start()
    res = cli(*(args + ["--resume"]), env=NO_AGENT)
    assert res.returncode == 0, res.stderr
    rows = read_rows(str(out))
    assert [r["model"] for r in rows] == models
    assert all(r["status"] == "ok" for r in rows)


HOSTILE = st.text(alphabet=st.sampled_from(list("ab $`'\"\\;|&<>(){}*?!#~=%\n\t") + ["\u00e9", "\u2603"]),
                  min_size=1, max_size=12)


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(folder=HOSTILE.filter(lambda t: t not in (".", "..") and "/" not in t), value=HOSTILE)
def test_hostile_workdir_and_env_values_never_reach_a_shell(sshd_server, tmp_path_factory, folder, value):
    """The device's commands (probe, worker, tools) carry these as quoted words only."""
    from bench.devices.ssh.device import SSHDevice
    from bench.devices.ssh.config import SSHDeviceConfig

    base = tmp_path_factory.mktemp("hostile")
    canary = base / "pwned"
    folder = folder + "$(touch {})".format(canary)
    cfg = SSHDeviceConfig(host="127.0.0.1", port=sshd_server.port, user=sshd_server.user,
                          key_file=sshd_server.client_key,
                          known_hosts=sshd_server.write_known_hosts(base / "kh"),
                          python=sys.executable, workdir=str(base / folder),
                          env={"BENCH_HOSTILE": value + ";touch {}".format(canary)})
    cfg.validate("devices.x")
    device = SSHDevice("x", cfg)
    try:
        device.setup()  # connects, creates workdir, ships the runner, probes
        assert os.path.isdir(str(base / folder)) and device.workdir == str(base / folder)
        status, out, _ = device.ssh.run([cfg.python, "-c", "import os, sys; "
                                         "sys.stdout.write(os.environ['BENCH_HOSTILE'])"], env=device.env())
        assert status == 0 and out == cfg.env["BENCH_HOSTILE"]
        worker = device.spawn_worker()
        assert isinstance(worker.start(timeout=60), Hello)
        worker.kill()
    finally:
        device.close()
    assert not canary.exists()


FAKE_TOOLS = {
    # Stand-ins for the Jetson's root tools; each call is logged to $FAKE_JETSON/log.
    "sudo": '#!/bin/sh\n[ "$1" = "-n" ] && shift\nexec "$@"\n',
    "nvpmodel": """#!/bin/sh
echo "nvpmodel $*" >> "$FAKE_JETSON/log"
mode=$(cat "$FAKE_JETSON/mode" 2>/dev/null || echo 0)
case "$1" in
  -q) if [ "$mode" = 0 ]; then echo "NV Power Mode: MAXN"; else echo "NV Power Mode: 5W"; fi; echo "$mode";;
  -m) echo "$2" > "$FAKE_JETSON/mode";;
esac
""",
    "jetson_clocks": """#!/bin/sh
echo "jetson_clocks $*" >> "$FAKE_JETSON/log"
case "$1" in
  --store) echo stored > "$2";;
  --restore) rm -f "$FAKE_JETSON/locked";;
  --show)
    if [ -e "$FAKE_JETSON/locked" ]; then f=1479000; g=921600000; else f=102000; g=76800000; fi
    echo "SOC family:tegra210  Machine:NVIDIA Jetson Nano Developer Kit"
    echo "Online CPUs: 0-3"
    for c in 0 1 2 3; do
      echo "cpu$c: Online=1 Governor=schedutil MinFreq=$f MaxFreq=1479000 CurrentFreq=1479000 IdleStates: WFI=1 c7=1"
    done
    echo "GPU MinFreq=$g MaxFreq=921600000 CurrentFreq=921600000";;
  "") touch "$FAKE_JETSON/locked";;
esac
""",
}


def test_power_mode_and_clocks_are_set_recorded_and_restored(cli, sshd_server, tmp_path):
    fakebin = fake_tegrastats(str(tmp_path / "fakebin"))
    for name, text in FAKE_TOOLS.items():
        path = os.path.join(fakebin, name)
        with open(path, "w") as fh:
            fh.write(text)
        os.chmod(path, 0o755)
    state = tmp_path / "jetson-state"
    state.mkdir()
    cfg = device_config(tmp_path / "b.toml", sshd_server, tmp_path,
                        extra="power_mode = 1\nlock_clocks = true")
    with open(cfg, "a") as fh:
        fh.write('FAKE_JETSON = "{}"\n'.format(state))
    out = tmp_path / "pm.csv"
    res = cli("run", "--config", cfg, "--device", "jetson", "--models", SMALL, "--runtimes",
              "onnxruntime", "--out", str(out), "--no-plot", *FAST, env=NO_AGENT)
    assert res.returncode == 0, res.stderr
    row = read_rows(str(out))[0]
    assert (row["power_mode"], row["clocks_locked"]) == ("5W (1)", "true")
    calls = (state / "log").read_text().splitlines()
    stored = os.path.join(str(tmp_path), "device work dir", "jetson_clocks.before")
    assert calls[:5] == ["nvpmodel -q", "nvpmodel -m 1", "jetson_clocks --store " + stored,
                         "jetson_clocks ", "nvpmodel -q"], calls
    assert calls[-2:] == ["jetson_clocks --restore " + stored, "nvpmodel -m 0"], calls
    assert (state / "mode").read_text().strip() == "0" and not (state / "locked").exists()

    res = cli("doctor", "--config", cfg, "--device", "jetson", env=NO_AGENT)
    assert "info power mode: nvpmodel: MAXN (0)" in res.stdout
    assert "info clocks: not pinned" in res.stdout and "ok   sudo: passwordless sudo works" in res.stdout


def test_switchable_pta_over_ssh_selects_its_configuration(cli, sshd_server, switchable_cache,
                                                           tmp_path):
    """The selection travels in the job to the worker on the device, which feeds the ONNX
    graph its configuration input and times a switch; the stand-in has no TensorRT."""
    from switchable_fixtures import RESOLUTION

    config, _, _ = switchable_cache
    cfg = device_config(tmp_path / "bench.toml", sshd_server, tmp_path, cache=config.dir)
    out = tmp_path / "switch.csv"
    res = cli("run", "--config", cfg, "--device", "jetson", "--out", str(out), "--no-plot",
              "--models", "pta:LHL,switchable=true", "--runtimes", "onnxruntime,tensorrt",
              "--resolution", str(RESOLUTION), "--trials", "3", "--warmup", "1", "--repeats", "2",
              env=NO_AGENT)
    assert res.returncode == 0, res.stderr
    rows = {r["runtime"]: r for r in read_rows(str(out))}
    assert rows["onnxruntime"]["status"] == "ok", rows["onnxruntime"]["error"]
    assert float(rows["onnxruntime"]["switch_ms"]) > 0
    assert rows["tensorrt"]["status"] == "unsupported"
