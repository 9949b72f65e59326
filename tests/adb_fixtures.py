"""pytest fixtures for the adb integration tests: the real adb server and emulated phones.

A test module opts in with::

    from adb_fixtures import adb_server, adb_device, make_adb_device, tiny_tflite  # noqa: F401

``adb_server`` (session) runs the REAL adb server on a free, private port, so a
user's own server on 5037 is never touched; ``adb_device`` attaches a fresh
emulated phone (tests/adb_device_emulator.py) to it with ``adb connect`` and
yields an :class:`AdbDevice`. Without an adb executable the tests are skipped,
or fail under BENCH_REQUIRE_INTEGRATION=1 (conftest.integration_unavailable).
"""

import os
import shlex
import shutil
import socket
import subprocess
import sys
import time

import pytest

from adb_device_emulator import LEGACY_FEATURES, MODERN_FEATURES, AdbDeviceEmulator
from conftest import REPO, integration_unavailable

FAKE_BENCHMARK_MODEL = os.path.join(REPO, "tests", "fake_benchmark_model.py")
REMOTE_BENCH_DIR = "/data/local/tmp/bench"

__all__ = ["adb_server", "adb_device", "make_adb_device", "tiny_tflite", "AdbServer", "AdbDevice",
           "make_tiny_tflite", "write_fake_benchmark_model", "LEGACY_FEATURES", "MODERN_FEATURES"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _parse_devices(text):
    from bench.devices.adb.parsers import parse_adb_devices
    return parse_adb_devices(text)


class AdbServer:
    """The real adb server, on its own port; ``env`` routes any adb client to it."""

    def __init__(self, adb, home):
        self.adb = adb
        self.port = _free_port()
        self.home = home
        self.env = dict(os.environ)
        for key in ("ANDROID_SERIAL", "ADB_SERVER_SOCKET", "ANDROID_ADB_SERVER_ADDRESS",
                    "ADB_VENDOR_KEYS"):
            self.env.pop(key, None)
        self.env["ANDROID_ADB_SERVER_PORT"] = str(self.port)
        #: what a test sets (e.g. with monkeypatch.setenv) so code under test uses this server
        self.env_overrides = {"ANDROID_ADB_SERVER_PORT": str(self.port)}

    def run(self, *args, timeout=60):
        """``adb ARGS`` through this server; a CompletedProcess with text output."""
        return subprocess.run([self.adb] + [str(a) for a in args], env=self.env,
                              capture_output=True, text=True, timeout=timeout)

    def start(self):
        # the server generates its RSA key under $HOME/.android: keep that out of the user's home
        env = dict(self.env, HOME=self.home, ANDROID_SDK_HOME=self.home)
        res = subprocess.run([self.adb, "start-server"], env=env, capture_output=True, text=True,
                             timeout=60)
        if res.returncode != 0:
            raise RuntimeError("adb start-server failed: " + (res.stderr or res.stdout).strip())

    def kill(self):
        try:
            self.run("kill-server", timeout=30)
        except (OSError, subprocess.SubprocessError):
            pass

    def devices(self):
        """``adb devices -l`` parsed with bench's own parser."""
        return _parse_devices(self.run("devices", "-l").stdout)


class AdbDevice:
    """An emulated phone attached to the real adb server: what a test talks to."""

    def __init__(self, server, emulator):
        self.server, self.emulator = server, emulator
        self.serial = "127.0.0.1:{}".format(emulator.port)
        self.sandbox = emulator.root          #: host directory that is the phone's "/"
        self.env = server.env                 #: environment for subprocess.run([adb, ...])
        self.env_overrides = server.env_overrides
        self.adb_path = server.adb

    def adb(self, *args, timeout=60):
        return self.server.run("-s", self.serial, *args, timeout=timeout)

    def shell(self, command, timeout=60):
        """``adb -s SERIAL shell COMMAND`` (COMMAND is one string the device's sh interprets)."""
        return self.adb("shell", command, timeout=timeout)

    def host_path(self, device_path):
        return self.emulator.path(device_path)

    def state(self):
        for entry in self.server.devices():
            if entry["serial"] == self.serial:
                return entry["state"]
        return "missing"

    def wait_for_state(self, *states, timeout=20.0):
        deadline, state = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            state = self.state()
            if state in states:
                return state
            time.sleep(0.05)
        raise AssertionError("{} stayed {!r}, expected {}".format(self.serial, state, states))

    def connect(self):
        return self.server.run("connect", self.serial, timeout=30)

    def disconnect(self):
        return self.server.run("disconnect", self.serial, timeout=30)

    # --------------------------------------------------------------- states
    def vanish(self):
        """Unplugged mid-run: the connection drops and nothing answers on the port any more."""
        self.emulator.vanish()
        return self.wait_for_state("offline", "missing")

    def reappear(self):
        """Plugged back in and reattached (``adb connect``), e.g. before ``--resume``."""
        self.emulator.mode = "device"
        self.emulator.reappear()
        self.disconnect()
        self.connect()
        return self.wait_for_state("device")

    def present_unauthorized(self):
        """The phone has not accepted this computer's RSA key: AUTH challenges only."""
        self.emulator.mode = "unauthorized"
        self.emulator.drop_connections()
        self.disconnect()
        self.connect()
        return self.wait_for_state("unauthorized")

    def authorize(self):
        """The user taps "Allow" on the phone."""
        self.emulator.authorize()
        return self.wait_for_state("device")

    def present_offline(self):
        """The TCP connection stays up but adbd never answers: the server reports ``offline``."""
        self.emulator.mode = "offline"
        self.emulator.drop_connections()
        return self.wait_for_state("offline")

    # --------------------------------------------------------------- helpers
    def push_fake_benchmark_model(self, local_dir, remote_dir=REMOTE_BENCH_DIR):
        """Push the benchmark_model test double with the real ``adb push``; returns its path."""
        local = write_fake_benchmark_model(os.path.join(str(local_dir), "benchmark_model"))
        remote = remote_dir.rstrip("/") + "/benchmark_model"
        res = self.adb("push", local, remote)
        assert res.returncode == 0, res.stderr + res.stdout
        return remote

    def close(self):
        self.emulator.stop()
        try:
            self.disconnect()
        except (OSError, subprocess.SubprocessError):
            pass


def write_fake_benchmark_model(path, python=sys.executable):
    """A ``benchmark_model`` for the emulated phone: sh wrapper that execs the test double."""
    with open(path, "w") as fh:
        fh.write("#!/bin/sh\n"
                 "# TEST DOUBLE for TFLite benchmark_model: see tests/fake_benchmark_model.py\n"
                 "exec {} {} \"$@\"\n".format(shlex.quote(python),
                                             shlex.quote(FAKE_BENCHMARK_MODEL)))
    os.chmod(path, 0o755)
    return path


def make_tiny_tflite(path, width=64):
    """A one-op float32 TFLite model (FULLY_CONNECTED, [1, width] -> [1, width]) in milliseconds.

    Written with LiteRT's flatbuffer schema instead of converting a torch model,
    which takes ~10 s.
    """
    import flatbuffers
    import numpy as np
    from ai_edge_litert import schema_py_generated as schema

    weights = ((np.arange(width * width, dtype=np.float32) % 7) - 3.0) / 10.0
    model = schema.ModelT()
    model.version, model.description = 3, "bench test model"
    model.buffers = [schema.BufferT() for _ in range(4)]
    model.buffers[2].data = np.frombuffer(weights.tobytes(), dtype=np.uint8)
    model.buffers[3].data = np.frombuffer(np.zeros(width, np.float32).tobytes(), dtype=np.uint8)

    def tensor(name, shape, buffer):
        t = schema.TensorT()
        t.name, t.shape, t.type, t.buffer = name, shape, schema.TensorType.FLOAT32, buffer
        return t

    graph = schema.SubGraphT()
    graph.name = "main"
    graph.tensors = [tensor("input", [1, width], 0), tensor("output", [1, width], 1),
                     tensor("weights", [width, width], 2), tensor("bias", [width], 3)]
    graph.inputs, graph.outputs = [0], [1]
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.FULLY_CONNECTED
    code.version = 1
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [0, 2, 3], [1]
    op.builtinOptionsType = schema.BuiltinOptions.FullyConnectedOptions
    op.builtinOptions = schema.FullyConnectedOptionsT()
    graph.operators = [op]
    model.operatorCodes, model.subgraphs = [code], [graph]
    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    with open(str(path), "wb") as fh:
        fh.write(builder.Output())
    return str(path)


@pytest.fixture(scope="session")
def adb_server(tmp_path_factory):
    adb = shutil.which("adb")
    if adb is None:
        integration_unavailable("adb is not installed (Debian/Ubuntu package `adb`)")
    server = AdbServer(adb, str(tmp_path_factory.mktemp("adb_home")))
    try:
        server.start()
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        integration_unavailable("cannot start an adb server: {}".format(exc))
    yield server
    server.kill()


@pytest.fixture
def make_adb_device(adb_server, tmp_path_factory):
    """Factory: ``make(features=..., mode="device"|"unauthorized"|"offline", shell_env=...)``."""
    made = []

    def make(features=MODERN_FEATURES, mode="device", **kwargs):
        emulator = AdbDeviceEmulator(tmp_path_factory.mktemp("phone"), features=features,
                                     mode="unauthorized" if mode == "unauthorized" else "device",
                                     **kwargs)
        emulator.start()
        device = AdbDevice(adb_server, emulator)
        made.append(device)
        device.connect()
        device.wait_for_state("unauthorized" if mode == "unauthorized" else "device")
        if mode == "offline":      # connecting to a silent device would block adb connect for 10 s
            device.present_offline()
        return device

    yield make
    for device in made:
        device.close()


@pytest.fixture
def adb_device(make_adb_device):
    """A modern emulated phone (shell_v2, stat_v2), online and attached to the real adb server."""
    return make_adb_device()


@pytest.fixture(scope="session")
def tiny_tflite(tmp_path_factory):
    return make_tiny_tflite(tmp_path_factory.mktemp("tflite") / "tiny.tflite")
