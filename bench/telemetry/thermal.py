"""Linux thermal zones (``/sys/class/thermal/thermal_zoneN``): one read gives every sensor.

``temp`` is in millidegrees Celsius (kernel ABI, sysfs-class-thermal). A zone that is
offline or has no sensor behind it still exists: reading it fails (EINVAL, ENODATA,
EAGAIN on some drivers) or gives a sentinel such as -256000 (tegrastats' "CV0@-256C" on
a Jetson whose CV cluster is off). Unreadable zones and values at or beyond -40 C and
150 C (no silicon runs there) are None here, so the hottest zone is a real temperature,
not a placeholder.
"""

import os
import re

VALID_C = (-40.0, 150.0)   # exclusive: a reading at or beyond either end is a sentinel

_ZONE = re.compile(r"^thermal_zone(\d+)$")


def _celsius(text):
    try:
        value = int(text.strip()) / 1000.0
    except ValueError:
        return None
    return value if VALID_C[0] < value < VALID_C[1] else None


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:        # unreadable, or the driver refuses (EINVAL, ENODATA, EAGAIN, EIO)
        return None


def read_zones(root="/sys/class/thermal"):
    """{zone type: C or None} for every zone under ``root``; {} when there are none.

    The key is the zone's ``type`` (e.g. "x86_pkg_temp", "CPU-therm"), or the directory
    name ("thermal_zone3") when that is unreadable or empty. Types that repeat
    (two "acpitz" zones) are keyed "acpitz#0", "acpitz#2", by zone number.
    """
    try:
        names = [n for n in os.listdir(root) if _ZONE.match(n)]
    except OSError:
        return {}
    names.sort(key=lambda n: int(_ZONE.match(n).group(1)))
    found = []
    for name in names:
        kind = (_read(os.path.join(root, name, "type")) or "").strip() or name
        text = _read(os.path.join(root, name, "temp"))
        found.append((kind, name, None if text is None else _celsius(text)))
    kinds = [kind for kind, _, _ in found]
    zones = {}
    for kind, name, celsius in found:
        key = kind if kinds.count(kind) == 1 else "{}#{}".format(kind, _ZONE.match(name).group(1))
        zones[key] = celsius
    return zones


def hottest_c(zones):
    """The highest valid temperature in ``zones`` (a ``read_zones`` dict, or its values); None
    when no zone has one."""
    values = zones.values() if hasattr(zones, "values") else zones
    valid = [v for v in values if v is not None and VALID_C[0] < v < VALID_C[1]]
    return max(valid) if valid else None
