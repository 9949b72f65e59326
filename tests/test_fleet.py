"""Several devices in one command (bench.fleet): two Jetson stand-ins behind real sshd
servers measured at once into one results file; a device that cannot be reached stops
only its own queue, and the printed resume command completes it; Ctrl-C keeps every
row; device groups."""

import csv
import os
import signal
import subprocess
import sys
import time

import pytest

from bench.config import ConfigError, parse_config
from bench.fleet import device_names, label_for
from bench.results_csv import read_rows, row_key
from conftest import REPO, assert_one_line_error
from sshd import sshd_factory  # noqa: F401  (fixture)
from test_ssh_device import NO_AGENT, device_config

pytestmark = pytest.mark.ssh

MODELS = ["mobilenet_v2:width_mult=0.25", "mobilenet_v2:width_mult=0.3"]
ARGS = ["--models"] + MODELS + ["--runtimes", "onnxruntime", "--resolution", "32", "--trials",
                                "3", "--repeats", "2", "--warmup", "1", "--no-plot"]


def two_jetsons(tmp_path, nano, orin):
    """A bench.toml with [devices.nano] and [devices.orin] on two sshd servers and
    [groups] lab = both; one export cache for every test that uses it (a session's)."""
    cache = os.path.join(os.path.dirname(str(tmp_path)), "two-jetsons-exports")
    cfg = device_config(tmp_path / "nano.toml", nano, tmp_path, cache=cache)
    text = open(cfg).read().replace("[devices.jetson", "[devices.nano")
    (tmp_path / "o").mkdir()
    other = open(device_config(tmp_path / "orin.toml", orin, tmp_path / "o")).read()
    other = other[other.index("[devices.jetson]"):].replace("[devices.jetson", "[devices.orin")
    path = tmp_path / "bench.toml"
    path.write_text(text + "\n" + other + '\n[groups]\nlab = ["nano", "orin"]\n')
    return str(path)


def test_device_lists_and_groups():
    config = parse_config({"devices": {}, "groups": {"lab": ["local"]}}, "b.toml")
    assert device_names("local", config) == ["local"]
    assert device_names("@lab,local", config) == ["local"]
    assert label_for("@lab", ["local"]) == "lab" and label_for("a,b", ["a", "b"]) == "a+b"
    with pytest.raises(Exception, match=r"unknown device group 'lba' \(did you mean: lab\?\)"):
        device_names("@lba", config)
    with pytest.raises(ConfigError, match=r"\[groups\].lab: unknown device 'nano'"):
        parse_config({"groups": {"lab": ["nano"]}}, "b.toml")
    with pytest.raises(ConfigError, match="at least one device"):
        parse_config({"groups": {"lab": []}}, "b.toml")


def test_two_devices_at_once_one_lost_then_resumed(cli, sshd_factory, tmp_path):  # noqa: F811
    nano, orin = sshd_factory(), sshd_factory()
    cfg = two_jetsons(tmp_path, nano, orin)
    orin.stop()  # orin is down: its queue stops, nano's goes on
    out = tmp_path / "lab.csv"
    res = cli("run", "--config", cfg, "--device", "@lab", "--out", str(out), *ARGS, env=NO_AGENT)
    assert res.returncode == 3, res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("bench: error: orin: ") and "127.0.0.1:{}".format(orin.port) in last
    assert "2 rows in {}".format(out) in last and "--resume --out {}".format(out) in last, last
    assert "Traceback" not in res.stderr
    rows = read_rows(str(out))
    assert {(r["device"], r["model"], r["status"]) for r in rows} == {
        ("nano", m, "ok") for m in MODELS}
    assert "nano: mobilenet_v2:width_mult=0.25 onnxruntime fp32:" in res.stderr  # per device

    orin.start()
    command = last.split("continue with: ")[1].split()
    assert command[:2] == ["bench", "run"]
    res = cli(*command[1:], env=NO_AGENT)  # as printed
    assert res.returncode == 0, res.stderr
    rows = read_rows(str(out))
    keys = [row_key(r) for r in rows]
    assert len(keys) == len(set(keys)) == 4  # every device x model exactly once
    assert {r["device"] for r in rows} == {"nano", "orin"}
    assert "resumed: 2 rows already in" in res.stderr


def test_ctrl_c_stops_every_device_and_keeps_the_rows(sshd_factory, tmp_path):  # noqa: F811
    nano, orin = sshd_factory(), sshd_factory()
    cfg = two_jetsons(tmp_path, nano, orin)
    out = tmp_path / "stop.csv"
    models = ["mobilenet_v2:width_mult={}".format(w) for w in (0.25, 0.3, 0.35, 0.4, 0.45, 0.5)]
    args = [sys.executable, "-m", "bench", "run", "--config", cfg, "--device", "nano,orin",
            "--models"] + models + ["--runtimes", "onnxruntime", "--resolution", "32",
                                    "--group-size", "1", "--out", str(out), "--no-plot"]
    env = dict(os.environ, PYTHONPATH=REPO, **NO_AGENT)
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and len(read_rows(str(out))) >= 2:
            break
        time.sleep(0.2)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    kept = read_rows(str(out))
    assert 2 <= len(kept) < 2 * len(models)
    assert all(r["status"] == "ok" for r in kept), kept  # killed workers wrote no crashed rows
    line = [ln for ln in err.splitlines() if ln.startswith("bench: interrupted")][0]
    assert "{} rows in {}".format(len(kept), out) in line and "--resume --out" in line


def test_sweep_and_compare_on_two_devices_at_once(cli, sshd_factory, tmp_path):  # noqa: F811
    nano, orin = sshd_factory(), sshd_factory()
    cfg = two_jetsons(tmp_path, nano, orin)
    out = tmp_path / "sweep.csv"
    res = cli("sweep-resolution", "--config", cfg, "--device", "nano,orin", "--models", MODELS[0],
              "--runtimes", "onnxruntime", "--resolutions", "32,48", "--trials", "3", "--repeats",
              "2", "--warmup", "1", "--out", str(out), "--no-plot", env=NO_AGENT)
    assert res.returncode == 0, res.stderr
    rows = read_rows(str(out))
    assert sorted((r["device"], r["resolution"], r["status"]) for r in rows) == [
        ("nano", "32", "ok"), ("nano", "48", "ok"), ("orin", "32", "ok"), ("orin", "48", "ok")]
    assert all(r["stop_reason"].startswith("completed") for r in rows if r["resolution"] == "48")

    out = tmp_path / "fp16.csv"
    res = cli("compare-fp16", "--config", cfg, "--device", "@lab", "--models", MODELS[0],
              "--runtimes", "tflite", "--resolution", "32", "--trials", "3", "--repeats", "2",
              "--warmup", "1", "--out", str(out), "--no-plot", env=NO_AGENT)
    assert res.returncode == 0, res.stderr
    with open(str(out)) as fh:  # the comparison CSV has its own columns
        pairs = list(csv.DictReader(fh))
    assert sorted(p["device"] for p in pairs) == ["nano", "orin"]
    assert all(p["status"] == "ok" and float(p["ratio"]) > 0 for p in pairs), pairs


def test_sustained_refuses_several_devices(cli, tmp_path):
    cfg = tmp_path / "b.toml"
    cfg.write_text('[devices.nano]\nkind = "ssh"\nhost = "127.0.0.1"\nport = 1\n')
    res = cli("sustained", "--config", str(cfg), "--device", "local,nano", "--model", MODELS[0],
              "--runtime", "onnxruntime", "--out", str(tmp_path / "s.csv"))
    assert_one_line_error(res, 2, "bench sustained measures one device at a time (got local, "
                                  "nano)", "once per device")


def test_an_unknown_group_is_one_line(cli, tmp_path):
    res = cli("run", "--device", "@nope", "--out", str(tmp_path / "x.csv"))
    assert_one_line_error(res, 2, "unknown device group 'nope'", "[groups]")
