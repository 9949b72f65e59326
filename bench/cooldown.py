"""Thermal discipline: wait before a measurement until the device is cool again.

``--cooldown 45`` (or ``45C``) waits until the device's temperature (its hottest valid
sensor: :meth:`bench.devices.base.Device.temperature`) is at or under 45 °C;
``--cooldown 30s`` waits a fixed 30 s. Either way at most ``--cooldown-max-s``: a device
that does not cool down in time is measured anyway, with a note on its rows saying how
warm it still was. The temperature at the start of the measurement is the row's
``start_temp_c``.
"""

import re
import time

from bench.errors import BenchError, EnvironmentProblem

_FORM = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(c|°c|s|m)?\s*$", re.I)


class Cooldown:
    """A parsed ``--cooldown``: ``threshold_c`` or ``wait_s`` (one of them), ``max_s``."""

    def __init__(self, threshold_c=None, wait_s=None, max_s=300.0, poll_s=2.0):
        self.threshold_c, self.wait_s, self.max_s, self.poll_s = threshold_c, wait_s, max_s, poll_s

    def describe(self):
        if self.threshold_c is not None:
            return "until at or under {:g} C (at most {:g} s)".format(self.threshold_c, self.max_s)
        return "{:g} s".format(min(self.wait_s, self.max_s))


def parse_cooldown(text, max_s=300.0, where="--cooldown"):
    """``"45"``/``"45C"`` -> a threshold, ``"30s"``/``"2m"`` -> a fixed wait, ``""``/``"off"``
    -> None; anything else is a one-line BenchError with the forms."""
    if text is None or str(text).strip().lower() in ("", "off", "none", "0"):
        return None
    m = _FORM.match(str(text))
    if not m:
        raise BenchError("{} {!r}: expected a temperature such as 45 or 45C (wait until the "
                         "device is that cool) or a time such as 30s or 2m".format(where, text))
    value, unit = float(m.group(1)), (m.group(2) or "c").lower().lstrip("°")
    if unit == "c":
        if not 0 < value < 150:
            raise BenchError("{} {}: a temperature between 0 and 150 C".format(where, text))
        return Cooldown(threshold_c=value, max_s=max_s)
    return Cooldown(wait_s=value * (60 if unit == "m" else 1), max_s=max_s)


def check_readable(cooldown, device):
    """Before the first measurement: a threshold needs a thermometer. Returns the
    temperature now (None when unreadable and the cooldown is a fixed time)."""
    if cooldown is None:
        return None
    temp = device.temperature()
    if temp is None and cooldown.threshold_c is not None:
        raise EnvironmentProblem(
            "--cooldown {:g}C: {} has no readable temperature sensor ({}); use a fixed time "
            "such as --cooldown 60s".format(cooldown.threshold_c, device.name,
                                            device.temperature_problem() or "none found"))
    return temp


def wait(cooldown, device, log=None, progress=None, clock=time.monotonic, sleep=time.sleep):
    """Wait as configured; returns (temperature at the end or None, note or "")."""
    start = clock()
    if cooldown.threshold_c is None:
        sleep(min(cooldown.wait_s, cooldown.max_s))
        return device.temperature(), ""
    temp = device.temperature()
    while temp is not None and temp > cooldown.threshold_c:
        waited = clock() - start
        if waited >= cooldown.max_s:
            return temp, ("cooldown: still {:.1f} C after {:.0f} s (threshold {:g} C; raise "
                          "--cooldown-max-s or the threshold)".format(
                              temp, waited, cooldown.threshold_c))
        if progress:
            progress.update("cooling down: {:.1f} C > {:g} C ({:.0f} s)".format(
                temp, cooldown.threshold_c, waited))
        sleep(min(cooldown.poll_s, max(0.0, cooldown.max_s - waited)))
        temp = device.temperature()
    if temp is None:
        return None, "cooldown: the temperature could no longer be read"
    return temp, ""
