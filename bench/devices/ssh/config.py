"""``[devices.NAME]`` with ``kind = "ssh"`` (a Jetson): every key and its default, once.

Passwords are never read from the config: authentication is a key file or the SSH
agent (a key's passphrase comes from the agent, or a prompt on a terminal).
"""

import re
from dataclasses import dataclass, field
from typing import Dict, Optional

from bench.config import register_device_kind
from bench.errors import ConfigError


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@register_device_kind("ssh")
@dataclass(frozen=True)
class SSHDeviceConfig:
    host: str
    kind: str = "ssh"
    port: int = 22
    user: str = ""  # empty: the local user name
    key_file: str = ""  # empty: the SSH agent (then ~/.ssh/id_*)
    known_hosts: str = "~/.ssh/known_hosts"
    trust_on_first_use: bool = False  # record an unknown host key instead of refusing it
    python: str = "python3"  # the device's interpreter (JetPack 4.6: Python 3.6)
    workdir: str = "~/bench"  # runner, artifacts and engines live here, by content hash
    env: Dict[str, str] = field(default_factory=dict)  # e.g. OPENBLAS_CORETYPE = "ARMV8"
    connect_timeout_s: float = 10.0
    command_timeout_s: float = 600.0
    trt_workspace_mb: Optional[int] = None  # None: [export].trt_workspace_mb
    engine_build_timeout_s: float = 1800.0  # added to [run].timeout_s when an engine is built
    power_mode: Optional[int] = None  # nvpmodel -m N before the run (0 = MAXN on a Nano)
    lock_clocks: bool = False  # jetson_clocks --store / (run) / --restore
    tegrastats: bool = True  # sample power, temperatures, GPU load during measurements
    tegrastats_interval_ms: int = 200

    def validate(self, where):
        if not self.host.strip():
            raise ConfigError("{}.host: must not be empty".format(where))
        if not 0 < self.port < 65536:
            raise ConfigError("{}.port: {} is not a TCP port".format(where, self.port))
        for key in ("connect_timeout_s", "command_timeout_s", "engine_build_timeout_s"):
            if getattr(self, key) <= 0:
                raise ConfigError("{}.{}: must be > 0".format(where, key))
        if self.trt_workspace_mb is not None and self.trt_workspace_mb < 16:
            raise ConfigError("{}.trt_workspace_mb: must be >= 16".format(where))
        if self.tegrastats_interval_ms < 10:
            raise ConfigError("{}.tegrastats_interval_ms: must be >= 10".format(where))
        for key in ("python", "workdir"):
            if not getattr(self, key).strip():
                raise ConfigError("{}.{}: must not be empty".format(where, key))
        for name, value in self.env.items():
            if not _ENV_NAME.match(name):
                raise ConfigError("{}.env: {!r} is not an environment variable name "
                                  "(letters, digits, _)".format(where, name))
            if "\0" in str(value):
                raise ConfigError("{}.env.{}: a NUL character cannot be passed".format(where, name))
