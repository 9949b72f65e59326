"""Importing this module registers every device kind's config dataclass (no heavy imports)."""

from bench.devices.adb import config as adb_config  # noqa: F401
from bench.devices.ssh import config as ssh_config  # noqa: F401
