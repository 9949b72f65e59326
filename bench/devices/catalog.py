"""Importing this module fills the device registry: one import per device kind."""

from bench.devices import local  # noqa: F401
from bench.devices.adb import device as adb_device  # noqa: F401
from bench.devices.ssh import device as ssh_device  # noqa: F401
