"""A device over SSH (a Jetson): the same measurement worker as local runs, shipped as a
content-named zipapp to ``workdir`` and run with the device's own Python.

What lives where on the device (all under ``workdir``, all named by content, so an
unchanged runner or artifact is never sent twice): ``runner-<sha12>.pyz``,
``artifacts/<sha256>.<ext>`` (host exports) and ``engines/`` (TensorRT engines built
there from the pushed ONNX file, keyed by ONNX hash, precision, workspace and the
device's TensorRT version). Every measurement is its own remote process.
"""

import os
import posixpath
import tempfile

from bench.devices.base import Check, Device, Placement, register_device, runtime_checks
from bench.devices.ssh.jetson_control import JetsonControl, TegrastatsMonitor
from bench.devices.ssh.jetson_parsers import parse_nv_tegra_release
from bench.devices.ssh.errors import ConnectionLost, SSHError, _short
from bench.devices.worker_client import WorkerProcess
from bench.errors import EnvironmentProblem

FORWARDED_ENV = ("BENCH_TEST_CRASH",)  # the worker's crash test hook, when a test sets it


def payload_dir():
    """Where the host keeps built runners (deterministic, so any folder will do)."""
    return os.path.join(tempfile.gettempdir(), "bench-payload-{}".format(os.getuid()))


@register_device
class SSHDevice(Device):
    kind = "ssh"
    isolate_always = True  # a crash, an OOM kill or a hang takes one measurement only

    def __init__(self, name, config, export_config=None):
        super().__init__(name, config, export_config)
        from bench.devices.ssh.transport import SSHTransport

        self.ssh = SSHTransport(config.host, config.port, config.user or None,
                                key_file=config.key_file or None, known_hosts=config.known_hosts,
                                trust_on_first_use=config.trust_on_first_use,
                                connect_timeout=config.connect_timeout_s,
                                command_timeout=config.command_timeout_s)
        self.workspace_mb = config.trt_workspace_mb or getattr(export_config, "trt_workspace_mb", 256)
        self.workdir = None
        self.runner = None
        self._probe = None
        self._control = None

    # -- connection, runner, probe ------------------------------------------------------

    def env(self):
        env = dict(self.config.env)
        for name in FORWARDED_ENV:
            if os.environ.get(name):
                env[name] = os.environ[name]
        return env

    def _ready(self):
        """Connect, create the workdir, ship the runner (if changed), probe once."""
        if self._probe is not None:
            return self._probe
        from bench.payload import build_runner

        self.ssh.connect()
        self.workdir = self.ssh.mkdir_p(self.config.workdir)
        self.runner = self.ssh.push(build_runner(payload_dir()), self.workdir)
        self._probe = self._run_probe()
        return self._probe

    def _run_probe(self):
        import json

        argv = [self.config.python, self.runner, "probe", self.workdir]
        status, out, err = self.ssh.run(argv, env=self.env(), timeout=max(120.0, self.config.connect_timeout_s))
        lines = [ln for ln in out.splitlines() if ln.startswith("{")]
        if status == 127 or "not found" in err and not lines:
            raise EnvironmentProblem("device {}: python {!r} not found on {}; set python = \"...\" "
                                     "for this device (JetPack 4.6: python3)".format(
                                         self.name, self.config.python, self.ssh.where))
        if status != 0 or not lines:
            raise EnvironmentProblem("device {}: the bench runner failed under {} on {} (exit {}): "
                                     "{}; bench needs Python >= 3.6 with numpy there".format(
                                         self.name, self.config.python, self.ssh.where, status,
                                         _short(err.strip().splitlines()[-1] if err.strip() else out, 200)))
        return json.loads(lines[-1])

    @property
    def probe(self):
        return self._ready()

    # -- Device interface ---------------------------------------------------------------

    def accelerator(self, runtime_cls):
        entry = self.probe["runtimes"].get(runtime_cls.name)
        return entry["device"] if entry else "cpu"

    def available_runtimes(self):
        return [name for name, entry in self.probe["runtimes"].items() if entry["fp32"] is None]

    def check_runtime(self, runtime_cls, precision):
        from bench.runtimes.base import Unsupported

        entry = self.probe["runtimes"].get(runtime_cls.name)
        if entry is None:
            raise Unsupported("runtime {} is not known to the runner on device {}".format(
                runtime_cls.name, self.name))
        reason = entry.get(precision, "{} does not run {}".format(runtime_cls.name, precision))
        if reason:
            raise Unsupported("on {}: {}".format(self.name, reason))

    def state(self):
        p = self.probe
        v = p["versions"]
        out = {"host": p["hostname"], "os": p["os"], "cpu_model": p["cpu_model"],
               "logical_cores": p["logical_cores"], "cpu_governor": p["cpu_governor"],
               "cpu_freq_mhz": p["cpu_freq_mhz"], "gpu_name": p["gpu_name"],
               "python_version": p["python"], "torch_version": v.get("torch") or "",
               "onnxruntime_version": v.get("onnxruntime") or "",
               "litert_version": v.get("ai_edge_litert") or v.get("tflite_runtime") or "",
               "tensorrt_version": v.get("tensorrt") or "", "l4t": self.l4t()}
        if self._control is not None:
            out.update(self._control.state())
        return out

    def l4t(self):
        text = self.probe.get("nv_tegra_release")
        if not text:
            return ""
        try:
            return parse_nv_tegra_release(text)["l4t"]
        except ValueError:
            return ""

    def artifact_for(self, runtime_cls, precision):
        if runtime_cls.name == "tensorrt":  # engines are built on the device, from ONNX
            return "onnx", "fp32"
        return super().artifact_for(runtime_cls, precision)

    def place_artifact(self, artifact):
        self._ready()
        return self.ssh.push(artifact.path, posixpath.join(self.workdir, "artifacts"))

    def place(self, artifact, runtime_cls, precision):
        from bench.measure.messages import Build

        source = self.place_artifact(artifact)
        if runtime_cls.name != "tensorrt" or artifact.manifest.get("format") == "tensorrt":
            return Placement(source)  # (a user's engine file runs as it is)
        trt = self.probe["versions"].get("tensorrt") or "none"
        name = "{}-{}-ws{}-trt{}.engine".format(artifact.key[:16], precision, self.workspace_mb, trt)
        engine = posixpath.join(self.workdir, "engines", name)
        if self.ssh.exists(engine):
            return Placement(engine)
        # not built there yet: a Nano takes minutes, so the build gets its own time
        return Placement(engine, Build(kind="tensorrt", source=source, workspace_mb=self.workspace_mb),
                         self.config.engine_build_timeout_s)

    def spawn_worker(self, on_progress=None):
        self._ready()
        proc = self.ssh.popen([self.config.python, self.runner], env=self.env())
        return WorkerProcess(proc=proc, on_progress=on_progress)

    def monitor(self, job):
        tegrastats = self.probe["tools"].get("tegrastats")
        if self.config.tegrastats and tegrastats:
            return TegrastatsMonitor(self.ssh, tegrastats, self.config.tegrastats_interval_ms,
                                     self.env())
        return super().monitor(job)

    def lease_key(self):
        return "ssh-{}-{}".format(self.config.host.lower(), self.config.port)

    def temperature(self):
        """The hottest valid sensor of one tegrastats sample (a Jetson has no other
        thermometer bench reads)."""
        tegrastats = self.probe["tools"].get("tegrastats")
        if not tegrastats:
            return None
        with TegrastatsMonitor(self.ssh, tegrastats, 100, self.env()) as one:
            pass  # entering waits for the first line
        temps = [v.get("temp_c") for _, _, v in one.samples if v.get("temp_c") is not None]
        return temps[0] if temps else None

    def temperature_problem(self):
        if not self.probe["tools"].get("tegrastats"):
            return "no tegrastats on the device"
        return "tegrastats printed no valid temperature"

    def transfer_summary(self):
        st = self.ssh.stats
        return "{}: sent {} file(s) ({:.1f} MB); {} already on the device".format(
            self.name, st["uploaded"], st["uploaded_bytes"] / 1e6, st["skipped"])

    def check_connection(self, result):
        """A crashed result while the connection is gone: the device is lost, not the model."""
        if result.status != "crashed":
            return
        if self.ssh.is_alive():
            try:
                self.ssh.run(["true"], timeout=self.config.connect_timeout_s)
                return
            except SSHError:
                pass
        raise ConnectionLost("ssh: connection to {} lost during a measurement (device rebooted, "
                             "network down or sshd stopped)".format(self.ssh.where))

    def setup(self, log=None):
        self._ready()
        self._control = JetsonControl(self.ssh, self.config, self.name, self.workdir, log, self.env())
        if self.config.power_mode is not None or self.config.lock_clocks:
            self._control.apply()
        elif self.probe["tools"].get("nvpmodel"):
            self._control.refresh()

    def close(self):
        try:
            super().close()
            if self._control is not None and self.ssh.is_alive():
                self._control.restore()
        finally:
            self.ssh.close()

    # -- doctor -------------------------------------------------------------------------

    def doctor(self):
        self.ssh.connect()
        yield Check("ssh", True, "connected to {} (host key verified{})".format(
            self.ssh.where, ", recorded now: " + self.ssh.recorded_host_key
            if self.ssh.recorded_host_key else ""))
        status, out, _ = self.ssh.run(["uname", "-srm"])
        yield Check("remote os", None, out.strip() or "uname failed (exit {})".format(status))
        try:
            p = self.probe
        except EnvironmentProblem as exc:
            yield Check("python", False, str(exc))
            return
        version = tuple(int(x) for x in p["python"].split(".")[:2])
        yield Check("python", version >= (3, 6), "{} ({})".format(p["python"], p["executable"]))
        yield Check("runner", True, "{} in {}".format(posixpath.basename(self.runner), self.workdir))
        yield from self._doctor_versions(p)
        yield from self._doctor_state(p)
        yield from runtime_checks(self)

    def _doctor_versions(self, p):
        yield Check("module", None, p.get("module") or "unknown (no /proc/device-tree/model)")
        text = p.get("nv_tegra_release")
        if text:
            try:
                rel = parse_nv_tegra_release(text)
                yield Check("L4T / JetPack", None, "L4T {} / JetPack {} ({})".format(
                    rel["l4t"], rel["jetpack"] or "unknown", rel["board"] or "board ?"))
            except ValueError as exc:
                yield Check("L4T / JetPack", None, str(exc))
        else:
            yield Check("L4T / JetPack", None, "no /etc/nv_tegra_release: not a Jetson")
        v, problems = p["versions"], p["import_problems"]
        for module, fix in (("numpy", "pip3 install numpy (the runner needs it)"),
                            ("torch", "install NVIDIA's torch wheel for this JetPack"),
                            ("tensorrt", "JetPack's python3-libnvinfer"),
                            ("torch2trt", "optional: engines are built from ONNX without it"),
                            ("onnxruntime", "optional"), ("ai_edge_litert", "optional")):
            if v.get(module):
                yield Check(module, True, v[module])
            else:
                required = module == "numpy"
                yield Check(module, False if required else None, "not importable ({}); {}".format(
                    problems.get(module, "missing"), fix))
        yield Check("cuda", None, p["gpu_name"] if p["cuda"] else "not available: {}".format(
            p.get("cuda_problem") or "no GPU"))

    def _doctor_state(self, p):
        control = JetsonControl(self.ssh, self.config, self.name, self.workdir, env=self.env())
        tools = p["tools"]
        if tools.get("nvpmodel"):
            mode = control.query_power_mode()
            yield Check("power mode", None, "nvpmodel: {}".format(
                "{} ({})".format(mode["power_mode_name"], mode["power_mode_id"]) if mode
                else "nvpmodel -q printed no mode"))
        clocks = control.query_clocks() if tools.get("jetson_clocks") else None
        if clocks is not None:
            yield Check("clocks", None, "pinned at maximum" if clocks["clocks_locked"] else "not pinned")
        elif tools.get("jetson_clocks"):
            yield Check("clocks", None, "unknown: `sudo -n jetson_clocks --show` was refused")
        if self.config.power_mode is not None or self.config.lock_clocks:
            status, _, err = self.ssh.run(["sudo", "-n", "true"], env=self.env())
            yield Check("sudo", status == 0, "passwordless sudo works" if status == 0 else
                        "power_mode/lock_clocks need `sudo -n`: {}".format(_short(err)))
        if self.config.tegrastats:
            yield Check("tegrastats", None, tools.get("tegrastats") or
                        "not found: power/temperature columns stay empty")
        mem = p["memory_mb"]
        yield Check("memory", (mem.get("MemAvailable") or 0) >= 256, "{} MiB available of {} MiB{}".format(
            mem.get("MemAvailable", "?"), mem.get("MemTotal", "?"),
            ", swap free {} MiB".format(mem["SwapFree"]) if "SwapFree" in mem else ""))
        free = p["disk_free_mb"]
        yield Check("disk", free is None or free >= 500, "{} MiB free in {}".format(free, self.workdir))
