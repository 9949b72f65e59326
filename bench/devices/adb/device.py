"""An Android phone over adb: TFLite models timed by the phone's own ``benchmark_model``.

Host exports (``tflite`` format, cached by content) are pushed to
``remote_dir/models/<sha256>.tflite`` only when the phone lacks them, the
``benchmark_model`` the user gives is pushed to ``remote_dir/bin/`` the same way,
and each measurement runs it through ``adb -s SERIAL shell`` with quoted
arguments, pinned with ``taskset`` to the big cores when ``cpu_mask`` says so
(see ``adb_worker.py``). A phone that goes away mid-run stops the run with the
rows written so far; ``--resume`` continues once it is back.
"""

import os
import posixpath

from bench.devices.adb.benchmark import benchmark_flags, classify_failure
from bench.devices.adb.client import AdbClient
from bench.devices.adb.errors import AdbDeviceLost, AdbError
from bench.devices.adb.facts import cpu_ranges, mask_cpus, read_facts, read_thermal
from bench.devices.adb.worker import AdbWorker
from bench.devices.adb.parsers import THERMAL_STATUS_NAMES
from bench.devices.base import Check, Device, register_device
from bench.fileutil import sha256_file
from bench.measure.messages import Candidate, MeasureJob

NIGHTLY = ("https://storage.googleapis.com/tensorflow-nightly-public/prod/tensorflow/release/lite/"
           "tools/nightly/latest/android_aarch64_benchmark_model")
ELF_MACHINES = {3: "x86", 40: "armeabi-v7a", 62: "x86_64", 183: "arm64-v8a"}


def elf_abi(path):
    """The Android ABI an ELF executable is built for, None for a non-ELF file (a script)."""
    with open(path, "rb") as fh:
        head = fh.read(20)
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return None
    machine = int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")
    return ELF_MACHINES.get(machine, "machine {}".format(machine))


@register_device
class AdbDevice(Device):
    kind = "adb"

    def __init__(self, name, config, export_config=None):
        super().__init__(name, config, export_config)
        self.adb = AdbClient(config.serial, config.adb, config.command_timeout_s, name)
        self._facts = None
        self._binary = None
        self._mask = None
        self._state = None
        self._log = lambda msg: None

    # -- the phone ------------------------------------------------------------------------

    @property
    def facts(self):
        """Properties and cores, read once (the phone must be online: else a one-line fix)."""
        if self._facts is None:
            self.adb.require_online()
            self._facts = read_facts(self.adb)
        return self._facts

    def cpu_mask(self):
        """The taskset mask for benchmark_model ("" = none); "auto" = the fastest cores."""
        if self._mask is None:
            wanted = self.config.cpu_mask.strip().lower()
            if wanted == "auto":
                try:
                    wanted = self.facts.big_core_mask()
                except ValueError as exc:
                    raise AdbError("device {}: cpu_mask = \"auto\": {}; set cpu_mask to a hex mask "
                                   "or \"\"".format(self.name, exc)) from None
            self._mask = wanted[2:] if wanted.startswith("0x") else wanted
        return self._mask

    def binary(self):
        """The on-device path of benchmark_model, pushing the configured local file if changed."""
        if self._binary is None:
            self._binary = self._place_binary()
        return self._binary

    def _place_binary(self):
        cfg = self.config
        if not cfg.benchmark_binary:
            return posixpath.join(cfg.remote_dir, "benchmark_model")
        local = os.path.expanduser(cfg.benchmark_binary)
        if os.path.isfile(local):
            remote = posixpath.join(cfg.remote_dir, "bin",
                                    "benchmark_model-" + sha256_file(local)[:16])
            self._push(local, remote, mode="755")
            return remote
        if cfg.benchmark_binary.startswith("/"):
            return cfg.benchmark_binary  # not on this machine: a path on the phone
        raise AdbError("device {}: benchmark_binary {!r} is not a file on this machine; give the "
                       "local path of benchmark_model for the phone's ABI (e.g. {}) or an absolute "
                       "path on the phone".format(self.name, cfg.benchmark_binary, NIGHTLY))

    def _push(self, local, remote, mode=None):
        pushed = self.adb.stats["pushed"]
        self.adb.push_cached(local, remote, mode)
        if self.adb.stats["pushed"] > pushed:
            self._log("{}: pushed {} ({:.1f} MB) to {}".format(
                self.name, os.path.basename(local), os.path.getsize(local) / 1e6, remote))
        return remote

    def _has_taskset(self):
        return self.adb.script("command -v taskset", describe="command -v taskset").status == 0

    # -- Device interface -----------------------------------------------------------------

    def setup(self, log=None):
        self._log = log or self._log
        facts = self.facts
        self.binary()
        if self.cpu_mask() and not self._has_taskset():
            raise AdbError("device {}: cpu_mask is {!r} but the phone has no taskset; set cpu_mask "
                           "= \"\" for this device".format(self.name, self.config.cpu_mask))
        self._log("{}: {} ({}, {}, Android {}), benchmark_model {}, delegate {}{}".format(
            self.name, facts.prop("ro.product.model"), facts.prop("ro.board.platform"), facts.abi,
            facts.prop("ro.build.version.release"), self.binary(), self.config.delegate,
            ", taskset {} (cpus {})".format(self._mask, cpu_ranges(mask_cpus(self._mask)))
            if self._mask else ""))

    def accelerator(self, runtime_cls):
        return {"gpu": "gpu", "nnapi": "nnapi"}.get(self.config.delegate, "cpu")

    def available_runtimes(self):
        return ["tflite"]

    def check_runtime(self, runtime_cls, precision):
        from bench.runtimes.base import Unsupported

        if runtime_cls.name != "tflite":
            raise Unsupported("device {} (adb) runs TFLite models with benchmark_model only; use "
                              "--runtimes tflite".format(self.name))
        if precision not in runtime_cls.precisions:
            raise Unsupported("tflite does not run {}".format(precision))

    def state(self):
        if self._state is None:
            self._state = self.facts.state_columns(self.config.serial, self.cpu_mask())
        return dict(self._state)

    def place_artifact(self, artifact):
        local = artifact.path
        suffix = os.path.splitext(local)[1] or ".tflite"
        remote = posixpath.join(self.config.remote_dir, "models", sha256_file(local) + suffix)
        return self._push(local, remote)

    def spawn_worker(self, on_progress=None):
        return AdbWorker(self, on_progress)  # no I/O: prestart_worker runs before setup

    def lease_key(self):
        return "adb-" + self.config.serial

    def monitor(self, job):
        from bench.devices.adb.monitor import BatteryMonitor

        return BatteryMonitor(self.adb)

    def temperature(self):
        """The hottest valid sensor of ``dumpsys thermalservice`` (Android 10+), else the
        battery's."""
        thermal, battery = read_thermal(self.adb)
        temps = [t for t in ((thermal or {}).get("temperatures_c") or {}).values()
                 if t is not None and -40 < t < 150]
        if temps:
            return max(temps)
        return battery["temperature_c"] if battery else None

    def temperature_problem(self):
        return "dumpsys printed neither thermal sensors nor a battery temperature"

    def check_connection(self, result):
        if result.lost:
            raise AdbDeviceLost(result.lost)

    def transfer_summary(self):
        st = self.adb.stats
        return "{}: pushed {} file(s) ({:.1f} MB); {} already on the phone".format(
            self.name, st["pushed"], st["pushed_bytes"] / 1e6, st["unchanged"])

    # -- doctor -----------------------------------------------------------------------------

    def doctor(self):
        try:
            yield Check("adb", True, self.adb.version())
        except AdbError as exc:
            yield Check("adb", False, str(exc))
            return
        state, detail = self.adb.state()
        if state != "device":
            yield Check("device", False, str(self.adb.state_problem(state, detail)))
            return
        yield Check("device", True, "{} is online".format(self.config.serial))
        facts = self.facts
        yield Check("model", None, "{} {} ({})".format(facts.prop("ro.product.manufacturer"),
                                                       facts.prop("ro.product.model"),
                                                       facts.prop("ro.product.device")))
        yield Check("soc", None, "ro.board.platform={}{}".format(
            facts.prop("ro.board.platform"), ", {}".format(facts.hardware) if facts.hardware else ""))
        yield Check("abi", None, "{} (supported: {})".format(
            facts.abi, facts.prop("ro.product.cpu.abilist") or "?"))
        yield Check("android", None, "Android {} (SDK {})".format(
            facts.prop("ro.build.version.release"), facts.prop("ro.build.version.sdk")))
        yield from self._doctor_cores()
        yield from self._doctor_thermal()
        yield from self._doctor_binary()
        yield from self._doctor_remote_dir()
        flags, notes, _ = benchmark_flags(
            MeasureJob(id="doctor", runtime="tflite", candidates=[]),
            Candidate(key="M", artifact="M", precision="fp16", resolution=1), self.config)
        yield Check("delegate", None, "{}; fp32 and fp16 ({})".format(
            self.config.delegate, notes[0] if notes else "FP16 model"))

    def _doctor_cores(self):
        cores = self.facts.cores
        for cpu in sorted(cores):
            c = cores[cpu]
            yield Check("cpu{}".format(cpu), None, "governor {}, {} / max {} MHz".format(
                c["governor"] or "?", _mhz(c["cur_khz"]), _mhz(c["max_khz"])))
        try:
            mask = self.cpu_mask()
        except AdbError as exc:
            yield Check("cpu mask", False, str(exc))
            return
        if not mask:
            yield Check("cpu mask", None, "none: benchmark_model may run on any core")
            return
        taskset = self._has_taskset()
        yield Check("cpu mask", taskset, "{} = {} (cpus {}){}".format(
            self.config.cpu_mask, mask, cpu_ranges(mask_cpus(mask)),
            "" if taskset else "; the phone has no taskset: set cpu_mask = \"\""))

    def _doctor_thermal(self):
        thermal, battery = read_thermal(self.adb)
        if battery is None:
            yield Check("battery", None, "dumpsys battery printed no temperature")
        else:
            yield Check("battery", None, "{} °C, level {}%, {}".format(
                battery["temperature_c"], battery["level"], battery["status"] or "?"))
        status = thermal["thermal_status"]
        if status is None:
            yield Check("thermal status", None, "not reported (dumpsys thermalservice needs "
                                                "Android 10+); battery temperature is recorded")
        else:
            yield Check("thermal status", status == 0, "{} ({}){}".format(
                status, THERMAL_STATUS_NAMES.get(status, "?"),
                "" if status == 0 else ": the phone is throttling; let it cool down"))

    def _doctor_binary(self):
        local = os.path.expanduser(self.config.benchmark_binary)
        if self.config.benchmark_binary and os.path.isfile(local):
            abi = elf_abi(local)
            if abi is not None and abi != self.facts.abi:
                yield Check("benchmark binary", False, "{} is built for {}, the phone is {}; use "
                            "the build for {}".format(local, abi, self.facts.abi, self.facts.abi))
                return
        try:
            binary = self.binary()
        except AdbError as exc:
            yield Check("benchmark binary", False, str(exc))
            return
        res = self.adb.shell([binary])  # without --graph it prints STARTING! and a usage error
        if "STARTING" in res.text and res.status not in (126, 127):
            yield Check("benchmark binary", True, "{} runs".format(binary))
        else:
            yield Check("benchmark binary", False, classify_failure(
                res.status, res.text, binary, self.facts.abi, self.config.delegate)[1])

    def _doctor_remote_dir(self):
        d = self.config.remote_dir
        probe = posixpath.join(d, ".bench-write-test")
        try:
            self.adb.check(["mkdir", "-p", d], what="creating " + d)
            self.adb.check(["touch", probe], what="writing in " + d)
            yield Check("remote dir", True, "{} is writable".format(d))
        except AdbDeviceLost:
            raise
        except AdbError as exc:
            yield Check("remote dir", False, "{}; set remote_dir to a writable directory (e.g. "
                        "/data/local/tmp/bench)".format(exc))
        finally:
            self.adb.shell(["rm", "-f", probe])


def _mhz(khz):
    return "?" if khz is None else "{:.0f}".format(khz / 1000.0)
