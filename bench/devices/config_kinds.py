"""Importing this module registers every device kind's config dataclass (no heavy imports)."""

from bench.devices import ssh_config  # noqa: F401
from bench.devices import adb_config  # noqa: F401
