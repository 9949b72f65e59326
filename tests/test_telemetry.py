"""bench.telemetry: RAPL, NVML, thermal zones and battery readers against fake sysfs trees,
a stand-in pynvml and real ``dumpsys battery`` outputs.

One ``gpu`` test uses the real pynvml and skips with the reason where there is no
NVIDIA GPU, driver or nvidia-ml-py.
"""

import os
import sys

import pytest

from bench.devices.adb.parsers import parse_dumpsys_battery
from bench.telemetry import (NvmlReader, RaplReader, TelemetryUnavailable, battery_power_mw,
                             hottest_c, power_caveat, read_zones)
from bench.telemetry import rapl as rapl_module


def write(path, text):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(str(path), "w") as f:
        f.write(text)


def one_line(exc_info):
    message = str(exc_info.value)
    assert message and "\n" not in message, message
    return message


# -- RAPL --------------------------------------------------------------------------------------

MAX_RANGE = 262143328850   # max_energy_range_uj of a real package zone


def zone(root, name, kind, energy=None, max_range=MAX_RANGE):
    write(root / name / "name", kind + "\n")
    if energy is not None:
        write(root / name / "energy_uj", "{}\n".format(energy))
    write(root / name / "max_energy_range_uj", "{}\n".format(max_range))


@pytest.fixture
def powercap(tmp_path):
    """/sys/class/powercap of a two-socket machine with the zones that must not be added."""
    root = tmp_path / "powercap"
    write(root / "intel-rapl" / "enabled", "1\n")              # the control type, not a zone
    zone(root, "intel-rapl:0", "package-0", 1000000)
    zone(root, "intel-rapl:0:0", "core", 500000)               # part of package 0
    zone(root, "intel-rapl:0:1", "dram", 300000)
    zone(root, "intel-rapl:1", "package-1", 2000000)
    zone(root, "intel-rapl:2", "psys", 9000000)                # whole platform: package included
    zone(root, "intel-rapl-mmio:0", "package-0", 7000000)      # package 0 again, another interface
    return root


def set_energy(root, name, value):
    write(root / name / "energy_uj", "{}\n".format(value))


def test_rapl_sums_top_level_packages_only(powercap):
    reader = RaplReader(str(powercap))
    assert reader.source == "rapl"
    assert [os.path.basename(z) for z in reader.zones] == ["intel-rapl:0", "intel-rapl:1"]
    assert reader.sample(100.0) is None                          # primes
    set_energy(powercap, "intel-rapl:0", 1000000 + 30000000)    # 30 J
    set_energy(powercap, "intel-rapl:1", 2000000 + 10000000)    # 10 J
    set_energy(powercap, "intel-rapl:0:0", 99999999)            # subzones and psys: ignored
    set_energy(powercap, "intel-rapl:2", 99999999)
    set_energy(powercap, "intel-rapl-mmio:0", 99999999)
    assert reader.sample(102.0) == pytest.approx(20000.0)       # 40 J / 2 s = 20 W
    set_energy(powercap, "intel-rapl:0", 1000000 + 30000000 + 5000000)
    assert reader.sample(103.0) == pytest.approx(5000.0)        # from the previous call
    reader.close()


def test_rapl_handles_wraparound(powercap):
    set_energy(powercap, "intel-rapl:0", MAX_RANGE - 1000000)
    reader = RaplReader(str(powercap))
    reader.sample(0.0)
    set_energy(powercap, "intel-rapl:0", 3000000)   # wrapped: 1 J before the top, 3 J after
    assert reader.sample(0.5) == pytest.approx(8000.0)          # 4 J / 0.5 s


def test_rapl_unreadable_counter_mid_run_gives_a_gap(powercap):
    reader = RaplReader(str(powercap))
    reader.sample(0.0)
    os.remove(str(powercap / "intel-rapl:1" / "energy_uj"))
    assert reader.sample(1.0) is None
    set_energy(powercap, "intel-rapl:1", 2000000)
    assert reader.sample(2.0) is None                            # primes again
    assert reader.sample(2.0) is None                            # no time passed
    set_energy(powercap, "intel-rapl:1", 3000000)
    assert reader.sample(3.0) == pytest.approx(1000.0)


def test_rapl_without_zones(tmp_path):
    with pytest.raises(TelemetryUnavailable) as exc:
        RaplReader(str(tmp_path / "nowhere"))
    assert "no RAPL package zone" in one_line(exc) and "modprobe intel_rapl_msr" in str(exc.value)


def test_rapl_missing_energy_file(tmp_path):
    root = tmp_path / "powercap"
    zone(root, "intel-rapl:0", "package-0", energy=None)
    with pytest.raises(TelemetryUnavailable) as exc:
        RaplReader(str(root))
    assert "energy_uj is missing" in one_line(exc)


def test_rapl_root_only_counter_says_so(powercap, monkeypatch):
    # what a non-root user meets on Linux >= 5.10 (simulated: the tests may run as root)
    def refuse(path):
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(rapl_module, "_read_int", refuse)
    with pytest.raises(TelemetryUnavailable) as exc:
        RaplReader(str(powercap))
    message = one_line(exc)
    assert "intel-rapl:0/energy_uj not readable (root only since Linux 5.10)" in message
    assert "run as root or chmod" in message


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="runs as root, where chmod 000 does not stop reads (the refusal is "
                           "covered by test_rapl_root_only_counter_says_so)")
def test_rapl_chmod_000_counter(powercap):
    os.chmod(str(powercap / "intel-rapl:0" / "energy_uj"), 0)
    with pytest.raises(TelemetryUnavailable) as exc:
        RaplReader(str(powercap))
    assert "root only since Linux 5.10" in one_line(exc)


# -- thermal zones -----------------------------------------------------------------------------

@pytest.fixture
def thermal(tmp_path):
    root = tmp_path / "thermal"
    write(root / "thermal_zone0" / "type", "CPU-therm\n")
    write(root / "thermal_zone0" / "temp", "45500\n")
    write(root / "thermal_zone1" / "type", "CV0-therm\n")
    write(root / "thermal_zone1" / "temp", "-256000\n")            # Jetson: cluster off
    write(root / "thermal_zone2" / "type", "acpitz\n")
    write(root / "thermal_zone2" / "temp", "27800\n")
    write(root / "thermal_zone10" / "type", "acpitz\n")
    os.makedirs(str(root / "thermal_zone10" / "temp"))            # reading it fails (EISDIR)
    write(root / "thermal_zone3" / "temp", "151000\n")            # no type; out of range
    write(root / "thermal_zone4" / "type", "\n")                  # empty type
    write(root / "thermal_zone4" / "temp", "N/A\n")
    write(root / "cooling_device0" / "type", "Processor\n")       # not a zone
    return root


def test_read_zones(thermal):
    zones = read_zones(str(thermal))
    assert zones == {"CPU-therm": 45.5, "CV0-therm": None, "acpitz#2": 27.8, "acpitz#10": None,
                     "thermal_zone3": None, "thermal_zone4": None}
    assert list(zones)[:3] == ["CPU-therm", "CV0-therm", "acpitz#2"]   # zone order
    assert hottest_c(zones) == 45.5
    assert hottest_c(zones.values()) == 45.5


def test_thermal_limits_and_nothing_valid(tmp_path):
    root = tmp_path / "thermal"
    for i, milli in enumerate(["-40000", "150000", "-39999", "149999"]):
        write(root / "thermal_zone{}".format(i) / "type", "z{}\n".format(i))
        write(root / "thermal_zone{}".format(i) / "temp", milli + "\n")
    assert read_zones(str(root)) == {"z0": None, "z1": None, "z2": -39.999, "z3": 149.999}
    assert hottest_c({"a": None, "b": None}) is None
    assert hottest_c({}) is None
    assert hottest_c({"a": -256.0, "b": 30.0}) == 30.0
    assert read_zones(str(tmp_path / "no-such-dir")) == {}


# -- NVML (stand-in pynvml) --------------------------------------------------------------------

class FakeNvml:
    """The few pynvml names NvmlReader uses; ``energy=None`` makes the energy counter
    NotSupported (a pre-Volta GPU)."""

    NVML_TEMPERATURE_GPU = 0

    class NVMLError(Exception):
        pass

    class NVMLError_NotSupported(NVMLError):
        pass

    class NVMLError_LibraryNotFound(NVMLError):
        pass

    class NVMLError_DriverNotLoaded(NVMLError):
        pass

    def __init__(self, energy=(), power=74000, count=1, init_error=None, temperature=41):
        self.energy, self.power, self.count = list(energy) if energy is not None else None, power, count
        self.init_error, self.temperature = init_error, temperature
        self.inits = self.shutdowns = 0

    def nvmlInit(self):
        if self.init_error:
            raise self.init_error("NVML init failed")
        self.inits += 1

    def nvmlShutdown(self):
        self.shutdowns += 1

    def nvmlDeviceGetCount(self):
        return self.count

    def nvmlDeviceGetHandleByIndex(self, index):
        return ("handle", index)

    def nvmlDeviceGetTotalEnergyConsumption(self, handle):
        assert handle == ("handle", 0)
        if self.energy is None:
            raise self.NVMLError_NotSupported("Not Supported")
        return self.energy.pop(0) if len(self.energy) > 1 else self.energy[0]

    def nvmlDeviceGetPowerUsage(self, handle):
        if self.power is None:
            raise self.NVMLError_NotSupported("Not Supported")
        return self.power

    def nvmlDeviceGetTemperature(self, handle, sensor):
        assert sensor == self.NVML_TEMPERATURE_GPU
        return self.temperature


def test_nvml_energy_counter_gives_the_interval_mean():
    # the constructor's support probe reads the counter once, then each sample once
    nv = FakeNvml(energy=[5000, 1000000, 1000500, 1003500])
    reader = NvmlReader(pynvml=nv)
    assert reader.source == "nvml" and reader.energy_based
    assert reader.sample(10.0) is None                       # primes
    assert reader.sample(12.0) == pytest.approx(250.0)       # 500 mJ / 2 s
    assert reader.sample(13.0) == pytest.approx(3000.0)
    assert reader.temperature_c() == 41.0
    reader.close()
    reader.close()
    assert (nv.inits, nv.shutdowns) == (1, 1)


def test_nvml_without_energy_counter_uses_power_usage():
    nv = FakeNvml(energy=None, power=74250)
    with NvmlReader(pynvml=nv) as reader:
        assert not reader.energy_based
        assert reader.sample(1.0) == 74250.0                 # instant reading, also first call
        assert reader.sample(2.0) == 74250.0
    assert nv.shutdowns == 1


def test_nvml_errors_during_sampling_are_gaps():
    nv = FakeNvml(energy=[1, 1000, 3000])
    reader = NvmlReader(pynvml=nv)
    reader.sample(0.0)

    def lost(handle):
        raise nv.NVMLError("GPU is lost")

    nv.nvmlDeviceGetTotalEnergyConsumption = lost
    nv.nvmlDeviceGetTemperature = lambda handle, sensor: lost(handle)
    assert reader.sample(1.0) is None
    assert reader.temperature_c() is None


@pytest.mark.parametrize("error, phrase", [
    ("NVMLError_LibraryNotFound", "libnvidia-ml.so) not found"),
    ("NVMLError_DriverNotLoaded", "NVIDIA driver not loaded"),
    ("NVMLError", "nvmlInit failed"),
])
def test_nvml_init_failures(error, phrase):
    nv = FakeNvml(init_error=getattr(FakeNvml, error))
    with pytest.raises(TelemetryUnavailable) as exc:
        NvmlReader(pynvml=nv)
    assert phrase in one_line(exc)


def test_nvml_missing_gpu_or_sensor_releases_nvml():
    nv = FakeNvml(count=1)
    with pytest.raises(TelemetryUnavailable) as exc:
        NvmlReader(index=3, pynvml=nv)
    assert "no NVIDIA GPU 3 (NVML sees 1)" in one_line(exc)
    assert nv.shutdowns == 1
    nv = FakeNvml(count=0)
    with pytest.raises(TelemetryUnavailable) as exc:
        NvmlReader(pynvml=nv)
    assert "sees no NVIDIA GPU" in one_line(exc) and nv.shutdowns == 1
    nv = FakeNvml(energy=None, power=None)
    with pytest.raises(TelemetryUnavailable) as exc:
        NvmlReader(pynvml=nv)
    assert "neither energy nor power" in one_line(exc) and nv.shutdowns == 1


def test_nvml_without_pynvml(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)    # import pynvml -> ImportError
    with pytest.raises(TelemetryUnavailable) as exc:
        NvmlReader()
    assert "pip install nvidia-ml-py==13.580.82" in one_line(exc)


def nvml_skip_reason():
    try:
        NvmlReader().close()
    except TelemetryUnavailable as exc:
        return "needs an NVIDIA GPU with its driver and nvidia-ml-py: " + str(exc)
    return None


NVML_MISSING = nvml_skip_reason()


@pytest.mark.gpu
@pytest.mark.skipif(NVML_MISSING is not None, reason=NVML_MISSING or "")
def test_nvml_on_a_real_gpu():
    import time

    with NvmlReader() as reader:
        first = reader.sample(time.monotonic())
        time.sleep(0.3)
        power = reader.sample(time.monotonic())
        assert (first is None) == reader.energy_based
        assert power is not None and 1000.0 < power < 2000000.0   # 1 W .. 2 kW
        temperature = reader.temperature_c()
        assert temperature is not None and 0.0 < temperature < 120.0


# -- battery -----------------------------------------------------------------------------------

# Published verbatim as a Pixel 8 Pro's (Android 17) output, on USB, charging, in a public
# test suite; note the vendor's single-space "Time when ..." lines and "Capacity level" after
# "level".
PIXEL_8_PRO = """\
Current Battery Service state:
  AC powered: false
  USB powered: true
  Wireless powered: false
  Dock powered: false
  Max charging current: 500000
 Time when the latest updated value of the Max charging current was sent via battery changed broadcast: +14h58m53s789ms
  Max charging voltage: 5000000
  Charge counter: 1082000
  status: 2
  health: 2
  present: true
  level: 22
  scale: 100
  voltage: 3764
 Time when the latest updated value of the voltage was sent via battery changed broadcast: +14h59m21s407ms
 The last voltage value sent via the battery changed broadcast: 3775
  temperature: 280
  technology: Li-ion
  Charging state: 4
  Charging policy: 2
  Capacity level: 2
"""

# A Samsung Galaxy (One UI: mSecPlugTypeSummary, LED, SEC_FEATURE lines), as published on
# gh0st.tistory.com/6; Samsung's additions include unindented lines and a "current now" in mA.
SAMSUNG = """\
Current Battery Service state:
  mBootCompleted: true
  AC powered: false
  USB powered: true
  Wireless powered: false
  Max charging current: 0
  Max charging voltage: 0
  Charge counter: 0
  status: 2
  health: 2
  present: true
  level: 84
  scale: 100
  voltage: 4063
  temperature: 326
  technology: Li-ion
  batterySWSelfDischarging: false
  batteryMiscEvent: 0
  batteryCurrentEvent: 0
  mSecPlugTypeSummary: 2
  LED Charging: true
  LED Low Battery: true
  current now: 321
  charge counter: 0
  Adaptive Fast Charging Settings: true
USE_FAKE_BATTERY: false
SEC_FEATURE_BATTERY_SIMULATION: false
FEATURE_WIRELESS_FAST_CHARGER_CONTROL: true
  mWasUsedWirelessFastChargerPreviously: true
  mWirelessFastChargingSettingsEnable: true
LLB CAL:
LLB MAN: 20160426
LLB CURRENT: YEAR2018M9D15
LLB DIFF: 123
BatteryInfoBackUp
  mSavedBatteryAsoc: 77
  mSavedBatteryMaxTemp: 490
  mSavedBatteryMaxCurrent: 2872
  mSavedBatteryUsage: 176488
  FEATURE_SAVE_BATTERY_CYCLE: true
"""

# An Honor phone on battery (discharging), published verbatim in a public test suite.
HONOR_ON_BATTERY = """\
Current Battery Service state:
  AC powered: false
  USB powered: false
  Wireless powered: false
  Dock powered: false
  Max charging current: 0
  Max charging voltage: 0
  Charge counter: 2848000
  status: 3
  health: 2
  present: true
  level: 54
  scale: 100
  voltage: 3906
  temperature: 220
  technology: Li-ion
  Charging state: 0
  Charging policy: 0
"""


def test_dumpsys_battery_pixel():
    got = parse_dumpsys_battery(PIXEL_8_PRO)
    assert {k: got[k] for k in ("level", "scale", "voltage_mv", "temperature_c", "status",
                                "plugged", "present", "updates_stopped")} == {
        "level": 22, "scale": 100, "voltage_mv": 3764, "temperature_c": 28.0,
        "status": "charging", "plugged": "usb", "present": True, "updates_stopped": False}
    assert power_caveat(got) == ("phone charging over USB: battery power readings unreliable; "
                                 "unplug it (adb over Wi-Fi) to measure power")


def test_dumpsys_battery_samsung():
    got = parse_dumpsys_battery(SAMSUNG)
    assert (got["level"], got["scale"], got["voltage_mv"]) == (84, 100, 4063)
    assert got["temperature_c"] == pytest.approx(32.6)
    assert (got["status"], got["plugged"], got["present"]) == ("charging", "usb", True)
    assert power_caveat(got).startswith("phone charging over USB: battery power readings "
                                        "unreliable")


def test_dumpsys_battery_on_battery_and_other_states():
    got = parse_dumpsys_battery(HONOR_ON_BATTERY)
    assert (got["status"], got["plugged"], got["temperature_c"]) == ("discharging", None, 22.0)
    assert power_caveat(got) == ""
    full_on_ac = parse_dumpsys_battery(HONOR_ON_BATTERY.replace("AC powered: false",
                                                                "AC powered: true")
                                       .replace("status: 3", "status: 5"))
    assert power_caveat(full_on_ac).startswith("phone on AC power (battery full): battery power "
                                               "readings unreliable")
    # after `adb shell dumpsys battery unplug` (AOSP prints this line under the header)
    frozen = parse_dumpsys_battery(HONOR_ON_BATTERY.replace(
        "state:\n", "state:\n  (UPDATES STOPPED -- use 'reset' to restart)\n"))
    assert frozen["updates_stopped"] and frozen["plugged"] is None
    assert "dumpsys battery reset" in power_caveat(frozen)
    no_battery = parse_dumpsys_battery(HONOR_ON_BATTERY.replace("present: true", "present: false")
                                       .replace("voltage: 3906", "voltage: 0"))
    assert no_battery["voltage_mv"] is None and no_battery["present"] is False
    assert power_caveat(no_battery).startswith("no battery present")


@pytest.mark.parametrize("text", ["Can't find service: battery\n", "", "level: full\n",
                                  "adb: device offline"])
def test_dumpsys_battery_rejects_other_output(text):
    with pytest.raises(ValueError) as exc:
        parse_dumpsys_battery(text)
    message = one_line(exc)
    assert "dumpsys battery" in message


def test_dumpsys_battery_quote_is_bounded():
    with pytest.raises(ValueError) as exc:
        parse_dumpsys_battery("x\n" * 500)
    assert len(one_line(exc)) < 500      # 200 characters of the text, escaped


@pytest.mark.parametrize("current, voltage, expected", [
    ("-512000\n", "3850000\n", 1971.2),     # uA, negative while discharging (Pixel), uV
    ("512000\n", "3850000\n", 1971.2),      # uA, positive while discharging (other vendors)
    ("512\n", "3850\n", 1971.2),            # mA and mV (Samsung-style drivers)
    ("-512", "3850000", 1971.2),            # mA with uV
    ("1500000", "7700000", 11550.0),        # two cells in series: 7.7 V
    ("20001", "3850000", 77.0039),          # just above the threshold: uA
    ("20000", "3850000", 77000.0),          # at the threshold: mA (20 A)
])
def test_battery_power_units_and_sign(current, voltage, expected):
    assert battery_power_mw(current, voltage) == pytest.approx(expected)


@pytest.mark.parametrize("current, voltage", [
    ("", "3850000"), ("-512000", ""), (None, "3850000"), ("0\n", "3850000"), ("-512000", "0"),
    ("cat: /sys/class/power_supply/battery/current_now: Permission denied", "3850000"),
    ("-512000", "38"),                       # 38 mV: no battery
    ("-512000", "99000000"),                 # 99 V: no phone battery
])
def test_battery_power_unreadable(current, voltage):
    assert battery_power_mw(current, voltage) is None


@pytest.mark.parametrize("status, on_battery", [
    (None, True), ("Discharging\n", True), ("discharging", True), (3, True), ("Unknown", True),
    ("Charging\n", False), ("charging", False), (2, False), ("Full", False),
    ("Not charging", False), ("not charging", False), (5, False),
])
def test_battery_power_only_on_battery(status, on_battery):
    got = battery_power_mw("-512000", "3850000", status)
    assert (got == pytest.approx(1971.2)) if on_battery else got is None
