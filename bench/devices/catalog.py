"""Importing this module fills the device registry: one import per device kind."""

from bench.devices import local, ssh  # noqa: F401
from bench.devices import adb  # noqa: F401
