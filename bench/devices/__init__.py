"""Devices: where measurements run. A device is a transport plus parsers (STYLE 3).

Where things go: a new device kind is a module (or, once it has several files, a folder
like ``ssh/`` and ``adb/``) with a ``@register_device`` class (and, if it is configured
in ``bench.toml``, a config dataclass registered with
``bench.config.register_device_kind``), plus one import in ``catalog.py`` (and in
``config_kinds.py`` for the config).
"""

from bench.devices.base import DEVICES, Check, Device, open_device, register_device

__all__ = ["DEVICES", "Check", "Device", "open_device", "register_device"]
