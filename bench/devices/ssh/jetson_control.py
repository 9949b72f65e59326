"""Jetson device control over SSH: ``nvpmodel`` / ``jetson_clocks`` around a run, and
``tegrastats`` sampled during each measurement.

Host-side code. Both control tools need root: they are run with ``sudo -n`` (never a
password prompt or a password in the config), and a refusal is a one-line error
naming the sudoers fix. What was changed is put back in :meth:`JetsonControl.restore`.
"""

import contextlib
import posixpath
import threading

from bench.devices.monitor import SampledMonitor
from bench.devices.ssh.jetson_parsers import parse_jetson_clocks_show, parse_nvpmodel
from bench.devices.ssh.tegrastats import hottest_c, parse_tegrastats
from bench.devices.ssh.errors import SSHError, _short
from bench.errors import EnvironmentProblem

SUDO_FIX = ("allow it without a password for this user, e.g. a sudoers line "
            "'{user} ALL=(root) NOPASSWD: /usr/sbin/nvpmodel, /usr/bin/jetson_clocks' (visudo), "
            "or unset {key} for device {device}")


class JetsonControl:
    """Power mode and clock pinning for one run; ``state()`` gives the row columns."""

    def __init__(self, ssh, config, device_name, workdir, log=None, env=None):
        self.ssh = ssh
        self.env = env or {}  # the device's [devices.X.env], for every command
        self.config = config
        self.device_name = device_name
        self.workdir = workdir
        self.log = log or (lambda msg: None)
        self._previous_mode = None
        self._clocks_stored = None
        self.power_mode = ""
        self.clocks_locked = None

    def _sudo(self, argv, key):
        status, out, err = self.ssh.run(["sudo", "-n"] + list(argv), env=self.env)
        if status != 0:
            raise EnvironmentProblem("device {}: `sudo -n {}` failed ({}); {}".format(
                self.device_name, " ".join(argv), _short(err or out or "exit {}".format(status)),
                SUDO_FIX.format(user=self.ssh.user, key=key, device=self.device_name)))
        return out

    def query_power_mode(self):
        """``nvpmodel -q`` -> parsed dict, or None where nvpmodel is missing or says nothing."""
        status, out, _ = self.ssh.run(["nvpmodel", "-q"], env=self.env)
        if status != 0:
            return None
        try:
            return parse_nvpmodel(out)
        except ValueError:
            return None

    def query_clocks(self):
        """``sudo -n jetson_clocks --show`` -> parsed dict, or None (no sudo, not a Jetson)."""
        status, out, _ = self.ssh.run(["sudo", "-n", "jetson_clocks", "--show"], env=self.env)
        if status != 0:
            return None
        try:
            return parse_jetson_clocks_show(out)
        except ValueError:
            return None

    def apply(self):
        """Set the configured power mode and pin the clocks; remember how to undo both."""
        cfg = self.config
        if cfg.power_mode is not None:
            current = self.query_power_mode()
            if current is None or current["power_mode_id"] != cfg.power_mode:
                self._previous_mode = current["power_mode_id"] if current else None
                self._sudo(["nvpmodel", "-m", str(cfg.power_mode)], "power_mode")
                self.log("{}: nvpmodel -m {} (was {})".format(
                    self.device_name, cfg.power_mode,
                    "unknown" if self._previous_mode is None else self._previous_mode))
        if cfg.lock_clocks:
            stored = posixpath.join(self.workdir, "jetson_clocks.before")
            self._sudo(["jetson_clocks", "--store", stored], "lock_clocks")
            self._clocks_stored = stored
            self._sudo(["jetson_clocks"], "lock_clocks")
            self.log("{}: jetson_clocks pinned the clocks (restored after the run)".format(
                self.device_name))
        self.refresh()

    def refresh(self):
        mode = self.query_power_mode()
        self.power_mode = "" if mode is None else "{}{}".format(
            mode["power_mode_name"], "" if mode["power_mode_id"] is None else
            " ({})".format(mode["power_mode_id"]))
        clocks = self.query_clocks()
        if clocks is not None:
            self.clocks_locked = clocks["clocks_locked"]
        elif self._clocks_stored:
            self.clocks_locked = True

    def restore(self):
        """Undo :meth:`apply`; every step is tried, the first failure is raised afterwards."""
        errors = []
        if self._clocks_stored:
            try:
                self._sudo(["jetson_clocks", "--restore", self._clocks_stored], "lock_clocks")
                self._clocks_stored = None
            except EnvironmentProblem as exc:  # SSH errors included
                errors.append(exc)
        if self._previous_mode is not None:
            try:
                self._sudo(["nvpmodel", "-m", str(self._previous_mode)], "power_mode")
                self._previous_mode = None
            except EnvironmentProblem as exc:
                errors.append(exc)
        if errors:
            raise errors[0]

    def state(self):
        return {"power_mode": self.power_mode, "clocks_locked": self.clocks_locked}


class TegrastatsMonitor(SampledMonitor):
    """``tegrastats --interval MS`` running on the device while a group is measured.

    A thread reads its lines as they arrive; each is parsed at once and becomes a sample
    of the interval that ends at its arrival (tegrastats prints a sample at the end of
    its interval), which the worker's progress events attribute to the model whose trial
    ran then (:class:`bench.devices.monitor.SampledMonitor`). Entering waits for the
    first line, so the idle reading and the trial length can follow from what this
    module prints (no input rail: no power, no idle wait). On exit the remote sampler is
    killed. A sampler that cannot start leaves the columns empty with the reason in the
    rows' notes: a measurement is never lost for telemetry (a lost connection is the
    runner's to report).
    """

    def __init__(self, ssh, tegrastats, interval_ms, env=None):
        super().__init__(interval_ms / 1000.0)
        self.ssh = ssh
        self.env = env
        self.argv = [tegrastats, "--interval", str(int(interval_ms))]
        self._first = threading.Event()
        self._proc = None
        self._thread = None

    def __enter__(self):
        try:
            self._proc = self.ssh.popen(self.argv, env=self.env)
        except SSHError as exc:
            self.problem = "tegrastats did not start ({})".format(_short(str(exc)))
            return self
        self._thread = threading.Thread(target=self._collect, daemon=True)
        self._thread.start()
        self._first.wait(max(3.0, 5 * self.interval_s))
        return self

    def _collect(self):
        try:
            with contextlib.suppress(SSHError, OSError, EOFError):
                for line in self._proc.stdout:
                    self._take(line, self.clock())
        finally:
            self._first.set()

    def _take(self, line, when):
        if not line.strip():
            return
        try:
            sample = parse_tegrastats(line)
        except ValueError:  # a line cut short when the sampler is killed
            self.skipped += 1
            return
        if sample.get("power_in_mw") is not None:
            self.source = "tegrastats " + (sample.get("power_source") or "input rail")
        self.add({"power_mw": sample.get("power_in_mw"), "gpu_temp_c": sample.get("gpu_temp_c"),
                  "cpu_temp_c": sample.get("cpu_temp_c"), "temp_c": hottest_c(sample),
                  "gpu_load_pct": sample.get("gpu_load_pct")}, end=when)
        self._first.set()

    def __exit__(self, *exc):
        if self._proc is not None:
            with contextlib.suppress(SSHError):
                self._proc.kill()
            self._thread.join(timeout=5)
            self._proc.close()
            if not self.samples:
                err = ""
                with contextlib.suppress(SSHError, OSError, EOFError):
                    err = " ".join(self._proc.stderr.read().split())[:160]
                self.problem = "tegrastats printed nothing{}".format(
                    " ({})".format(err) if err else "")
            elif not self.source:
                self.problem = "this module's tegrastats prints no input rail bench knows"
        return False
