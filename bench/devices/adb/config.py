"""``[devices.NAME]`` with ``kind = "adb"`` (an Android phone): every key and its default, once.

The phone runs TFLite's own ``benchmark_model`` (SPEC §7); these keys say where
that binary is, where bench keeps files on the phone, and which flags it gets.
"""

import re
from dataclasses import dataclass
from typing import Optional

from bench.config import register_device_kind
from bench.errors import ConfigError

DELEGATES = ("xnnpack", "gpu", "nnapi", "cpu")


@register_device_kind("adb")
@dataclass(frozen=True)
class AdbDeviceConfig:
    serial: str  # as `adb devices` lists it: USB serial, or HOST:PORT for adb over TCP
    kind: str = "adb"
    adb: str = "adb"  # the adb executable (a name on PATH, or a path)
    # Local path of benchmark_model built for the phone's ABI (pushed when missing or
    # changed), or an absolute path on the phone. Empty: REMOTE_DIR/benchmark_model.
    benchmark_binary: str = ""
    remote_dir: str = "/data/local/tmp/bench"  # models (by content hash) and the binary
    threads: int = 0  # --num_threads when --threads / [run].threads is 0; 0: the tool's default
    cpu_mask: str = "auto"  # taskset mask: "auto" = the cores with the top cpuinfo_max_freq; hex; "" = none
    delegate: str = "xnnpack"  # xnnpack | gpu | nnapi | cpu (the reference kernels)
    num_runs: Optional[int] = None  # --num_runs; None: the run's `trials`
    warmup_runs: Optional[int] = None  # --warmup_runs; None: the run's `warmup`
    min_secs: float = 1.0  # --min_secs: timed runs last at least this long
    max_secs: float = 150.0  # --max_secs: and stop after this long
    warmup_min_secs: float = 0.5  # --warmup_min_secs
    command_timeout_s: float = 120.0  # short adb commands (facts, checks, pushes per 100 MB)

    def validate(self, where):
        if not self.serial.strip():
            raise ConfigError("{}.serial: must not be empty (see `adb devices`)".format(where))
        if self.serial.startswith("-"):
            raise ConfigError("{}.serial: {!r} starts with '-'".format(where, self.serial))
        if not self.adb.strip():
            raise ConfigError("{}.adb: must not be empty (default: adb on PATH)".format(where))
        if self.delegate not in DELEGATES:
            raise ConfigError("{}.delegate: {!r} is not one of {}".format(
                where, self.delegate, ", ".join(DELEGATES)))
        mask = self.cpu_mask.strip().lower()
        if mask not in ("", "auto") and not re.fullmatch(r"(0x)?[0-9a-f]+", mask):
            raise ConfigError("{}.cpu_mask: {!r} is not \"auto\", a hex mask such as \"f0\", or \"\""
                              .format(where, self.cpu_mask))
        if mask not in ("", "auto") and int(mask, 16) == 0:
            raise ConfigError("{}.cpu_mask: {!r} selects no core".format(where, self.cpu_mask))
        if not self.remote_dir.startswith("/"):
            raise ConfigError("{}.remote_dir: {!r} must be an absolute path on the phone".format(
                where, self.remote_dir))
        for key in ("remote_dir", "benchmark_binary", "serial", "adb"):
            if "\0" in getattr(self, key) or "\n" in getattr(self, key):
                raise ConfigError("{}.{}: control characters are not allowed".format(where, key))
        if self.threads < 0:
            raise ConfigError("{}.threads: must be >= 0".format(where))
        if self.num_runs is not None and self.num_runs < 1:
            raise ConfigError("{}.num_runs: must be >= 1".format(where))
        if self.warmup_runs is not None and self.warmup_runs < 0:
            raise ConfigError("{}.warmup_runs: must be >= 0".format(where))
        for key in ("min_secs", "warmup_min_secs"):
            if getattr(self, key) < 0:
                raise ConfigError("{}.{}: must be >= 0".format(where, key))
        for key in ("max_secs", "command_timeout_s"):
            if getattr(self, key) <= 0:
                raise ConfigError("{}.{}: must be > 0".format(where, key))
