"""Android battery state and power, from text other code read over adb.

No I/O here: ``dumpsys battery`` output (parsed by
:func:`bench.devices.adb.parsers.parse_dumpsys_battery`) and the contents of
``/sys/class/power_supply/battery/{current_now,voltage_now,status}`` come in as text.

Power from the battery is the phone's draw only while it runs on that battery. On a
charger the current is whatever the charger adds beyond the load, so it says nothing
about the model being measured: ``power_caveat`` names that case for the results, and
``battery_power_mw`` gives None when its ``status`` says the phone is on external power.
"""


from bench.devices.adb.parsers import _BATTERY_STATUS as _STATUS

_ON_EXTERNAL_POWER = ("charging", "full", "not charging")   # "not charging": plugged, held

# Unit rules (see battery_power_mw). The kernel ABI (sysfs-class-power) and Android's
# BatteryManager.BATTERY_PROPERTY_CURRENT_NOW say microamps and microvolts; some vendors'
# drivers (many Samsung phones) give milliamps, and some give millivolts.
MICRO_CURRENT_ABOVE = 20000      # |current_now| above this is uA (20 A is beyond any phone)
MICRO_VOLTAGE_ABOVE = 100000     # |voltage_now| above this is uV (100 V is beyond any phone)
PLAUSIBLE_MV = (1000.0, 20000.0)  # 1-20 V covers one cell (~3-4.5 V) and two in series


def _number(text):
    """The number in a sysfs file's text, or None (empty, an error message, not a number)."""
    if text is None:
        return None
    try:
        return float(str(text).strip())
    except ValueError:
        return None


def battery_power_mw(current_now, voltage_now, status=None):
    """Battery power in mW from the text of ``current_now`` and ``voltage_now``; or None.

    Unit rule, by magnitude (units are not written anywhere a reader can see):

    - current: |value| > 20000 is microamps (divided by 1000), else milliamps. The ABI
      unit is uA, where a phone running a model draws 100 000 uA or more; milliamp
      drivers (many Samsung phones) report at most ~10 000 mA even while fast charging.
      The ambiguous case is a uA driver reporting under 20 mA: a phone idling on a
      charger, which ``status`` / ``power_caveat`` already rule out for power.
    - voltage: |value| > 100000 is microvolts, else millivolts (a battery sits at
      ~3-4.5 V per cell: 3 000 000-4 500 000 uV against 3000-4500 mV, no overlap).
    - sign: ignored. The kernel and BatteryManager document negative = discharging, yet
      drivers differ (positive while discharging on others), so the magnitude is used.

    None when either value is unreadable, empty, zero, or the voltage is not 1-20 V after
    conversion; and when ``status`` (dumpsys's name or code, or the text of
    ``power_supply/battery/status``) says the phone is on external power (charging,
    full, not charging): the battery current is then not the phone's draw.
    """
    if status is not None:
        name = _STATUS.get(status) if isinstance(status, int) else str(status).strip().lower()
        if name in _ON_EXTERNAL_POWER:
            return None
    current, voltage = _number(current_now), _number(voltage_now)
    if not current or not voltage:
        return None
    current_ma = abs(current) / 1000.0 if abs(current) > MICRO_CURRENT_ABOVE else abs(current)
    voltage_mv = abs(voltage) / 1000.0 if abs(voltage) > MICRO_VOLTAGE_ABOVE else abs(voltage)
    if not PLAUSIBLE_MV[0] <= voltage_mv <= PLAUSIBLE_MV[1]:
        return None
    return current_ma * voltage_mv / 1000.0      # mA x mV = uW -> mW


def power_caveat(battery):
    """A note for the results when battery power readings do not measure the phone's draw.

    ``battery`` is a :func:`bench.devices.adb.parsers.parse_dumpsys_battery` dict. "" when the phone runs on its battery.
    """
    fix = "unplug it (adb over Wi-Fi) to measure power"
    if battery.get("present") is False:
        return "no battery present: battery power readings unavailable"
    if battery.get("updates_stopped"):
        return ("battery state frozen by `dumpsys battery unplug/set`: the phone may be on "
                "external power, battery power readings unreliable; run `adb shell dumpsys "
                "battery reset` and " + fix)
    plugged, status = battery.get("plugged"), battery.get("status")
    where = {"ac": ("over AC", "on AC power"), "usb": ("over USB", "on USB power"),
             "wireless": ("on a wireless charger",) * 2, "dock": ("on a dock",) * 2}.get(plugged)
    if status == "charging":
        return "phone charging{}: battery power readings unreliable; {}".format(
            " " + where[0] if where else "", fix)
    if where:
        return "phone {}{}: battery power readings unreliable; {}".format(
            where[1], " (battery {})".format(status) if status else "", fix)
    return ""
