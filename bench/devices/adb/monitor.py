"""A phone's power from its battery: current × voltage from the kernel's power_supply
class, read over adb while a group is measured.

Only meaningful on battery: while the phone charges over USB (as it does when cabled to
adb) the battery current is the charger's minus the phone's, so every row with power
says so (:func:`bench.telemetry.battery.power_caveat`). Phones whose kernels do not
export ``current_now`` leave the columns empty with that reason.
"""

from bench.devices.adb.errors import AdbError
from bench.devices.adb.facts import read_thermal
from bench.devices.monitor import PolledMonitor
from bench.telemetry.battery import battery_power_mw, power_caveat

SUPPLY = "/sys/class/power_supply/battery/"
_SPLIT = "__bench_supply__"
READ_SCRIPT = "cat {0}current_now {0}voltage_now {0}temp 2>/dev/null | tr '\\n' ' '".format(SUPPLY)
INTERVAL_S = 0.5


def read_supply(adb):
    """(power mW or None, battery temperature C or None) from one adb round trip."""
    fields = adb.script(READ_SCRIPT, describe="battery current/voltage").out.split()
    power = battery_power_mw(fields[0], fields[1]) if len(fields) >= 2 else None
    temp = None
    if len(fields) >= 3:
        try:
            temp = int(fields[2]) / 10.0  # tenths of a degree, as dumpsys battery prints it
        except ValueError:
            temp = None
    return power, temp


class BatteryMonitor(PolledMonitor):
    def __init__(self, adb, interval_s=INTERVAL_S):
        super().__init__(interval_s)
        self.adb = adb
        self._dead = False

    def __enter__(self):
        try:
            power, temp = read_supply(self.adb)
            _, battery = read_thermal(self.adb)
        except AdbError as exc:  # a lost phone is the worker's to report
            self.problem = "battery not readable ({})".format(str(exc).splitlines()[0][:120])
            return self
        if power is None:
            self.problem = "the phone's kernel exports no battery current_now/voltage_now"
        else:
            self.source = "battery"
            self.caveat = power_caveat(battery) if battery else ""
        if power is None and temp is None:
            return self
        return super().__enter__()  # the battery's temperature alone is still worth sampling

    def read(self, start, end):
        power, temp = read_supply(self.adb)
        return {"power_mw": power, "temp_c": temp}
