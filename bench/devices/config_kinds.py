"""Importing this module registers every device kind's config dataclass (no heavy imports)."""

from bench.devices import ssh_config  # noqa: F401
