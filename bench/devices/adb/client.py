"""Run the ``adb`` executable for one phone: shell commands, pushes, the device state.

Host-side code (not shipped). Commands are argument lists: ``adb`` itself gets an
argv (no host shell), and the words that cross the phone's ``sh`` are each
``shlex.quote``d. Every failure is one line naming the phone and the fix.

adb 29 ends a ``shell`` command with exit status 0 and truncated output when the
phone vanishes mid-command (and legacy ``shell:`` never carries the status), so
every script ends by echoing a per-call marker with ``$?``: output without it is
incomplete, and the phone's state (``adb devices``) then says whether it is gone.
"""

import os
import posixpath
import re
import shlex
import subprocess
import threading
import time
import uuid

from bench.devices.adb.errors import AdbDeviceLost, AdbError, AdbTimeout, AdbUnavailable, short
from bench.devices.adb.parsers import STATE_FIXES, parse_adb_devices
from bench.fileutil import sha256_file

__all__ = ["AdbClient", "ShellResult", "quote_argv"]


def quote_argv(argv):
    """An argument list -> one string the phone's ``sh`` splits back into exactly those words."""
    if isinstance(argv, (str, bytes)) or not argv:
        raise TypeError("argv must be a non-empty list of strings, got {!r}".format(argv))
    words = [str(a) for a in argv]
    if any("\0" in w for w in words):
        raise ValueError("a NUL character cannot be passed to the phone's shell")
    return " ".join(shlex.quote(w) for w in words)


class ShellResult:
    """What a finished remote script left: its exit status and output (``\\r\\n`` -> ``\\n``)."""

    def __init__(self, status, out, err):
        self.status, self.out, self.err = status, out, err
        self.load = None  # run_long(load=True): (/proc text before, after)

    @property
    def text(self):
        """stdout and stderr together (a legacy phone mixes them anyway)."""
        return self.out + ("\n" if self.out and not self.out.endswith("\n") else "") + self.err

    def __repr__(self):
        return "ShellResult({!r}, {!r}, {!r})".format(self.status, self.out[-200:], self.err[-200:])


class AdbClient:
    """``adb -s SERIAL ...`` for one phone. ``stats`` counts pushed and unchanged files."""

    def __init__(self, serial, adb="adb", timeout=120.0, name=None):
        self.serial = serial
        self.adb = adb
        self.timeout = float(timeout)
        self.name = name or serial
        self.stats = {"pushed": 0, "pushed_bytes": 0, "unchanged": 0}

    @property
    def where(self):
        return "phone {} ({})".format(self.serial, self.name) if self.name != self.serial \
            else "phone {}".format(self.serial)

    # -- the adb executable -------------------------------------------------------------

    def _popen(self, args):
        try:
            return subprocess.Popen([self.adb] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except FileNotFoundError:
            raise AdbError("adb executable {!r} not found; install Android platform-tools (Debian/"
                           "Ubuntu: apt install adb) or set adb = \"/path/to/adb\" under "
                           "[devices.{}]".format(self.adb, self.name)) from None
        except PermissionError:
            raise AdbError("adb executable {!r} is not executable; fix its permissions or set adb "
                           "= \"/path/to/adb\" under [devices.{}]".format(self.adb, self.name)) from None

    def _run(self, args, timeout=None, on_abort=None):
        """Run ``adb ARGS`` to completion -> (exit status, stdout, stderr) as text.

        On a timeout or Ctrl-C the adb client is stopped and ``on_abort`` gets the
        output read so far (to stop the command on the phone as well).
        """
        timeout = self.timeout if timeout is None else timeout
        proc = self._popen(args)
        out, err = [], []
        readers = [threading.Thread(target=_drain, args=(pipe, sink), daemon=True)
                   for pipe, sink in ((proc.stdout, out), (proc.stderr, err))]
        for reader in readers:
            reader.start()
        try:
            proc.wait(timeout)
        except BaseException as exc:  # TimeoutExpired, KeyboardInterrupt
            proc.kill()
            proc.wait()
            for reader in readers:
                reader.join(5)
            if on_abort is not None:
                on_abort(_text(b"".join(out)))
            if isinstance(exc, subprocess.TimeoutExpired):
                raise AdbTimeout("adb: `{}` on {} did not finish within {:g} s and was stopped"
                                 .format(short(" ".join(str(a) for a in args[3:] or args)),
                                         self.where, timeout)) from None
            raise
        for reader in readers:  # (bounded: a server that adb forked must not hold us up)
            reader.join(10)
        return proc.returncode, _text(b"".join(out)), _text(b"".join(err))

    def version(self):
        """E.g. 'Android Debug Bridge version 1.0.41 (29.0.6-debian), /usr/lib/.../adb'."""
        status, out, err = self._run(["version"], timeout=30)
        lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
        if status != 0 or not lines:
            raise AdbError("`{} version` failed: {}; reinstall Android platform-tools".format(
                self.adb, short(err or out or "no output")))
        release = next((ln.split(None, 1)[1] for ln in lines if ln.startswith("Version ")), "")
        path = next((ln.split(None, 2)[2] for ln in lines if ln.startswith("Installed as ")), "")
        return "{}{}{}".format(lines[0], " ({})".format(release) if release else "",
                               ", " + path if path else "")

    # -- the phone's state ---------------------------------------------------------------

    def state(self):
        """(state, detail) of this serial in ``adb devices -l``; state ``missing`` if absent."""
        status, out, err = self._run(["devices", "-l"], timeout=30)
        if status != 0:
            raise AdbError("adb: `adb devices` failed ({}); start the server with `adb "
                           "start-server` (or `adb kill-server` and retry)".format(
                               short(err or out or "exit {}".format(status))))
        for entry in parse_adb_devices(out):
            if entry["serial"] == self.serial:
                return entry["state"], entry.get("detail", "")
        return "missing", ""

    def state_problem(self, state, detail="", while_=None, cls=AdbUnavailable):
        """The one-line error for a phone that is not in the ``device`` state."""
        fix = STATE_FIXES.get(state) or "check `adb devices` and the phone"
        what = " while {}".format(while_) if while_ else ""
        shown = "not listed by `adb devices`" if state == "missing" else "{}{}".format(
            state, " ({})".format(detail) if detail else "")
        return cls("adb: {} is {}{}; {}".format(self.where, shown, what, fix))

    def require_online(self):
        state, detail = self.state()
        if state != "device":
            raise self.state_problem(state, detail)

    def _why_incomplete(self, what, message):
        """An incomplete command: the phone is gone (DeviceLost) or something else broke."""
        for attempt in range(10):  # the server may take a moment to notice a dead transport
            state, detail = self.state()
            if state != "device":
                return self.state_problem(state, detail, while_=what, cls=AdbDeviceLost)
            time.sleep(0.2)
        return AdbError("adb: {} on {}: {}".format(what, self.where, message))

    # -- shell ----------------------------------------------------------------------------

    def shell(self, argv, timeout=None):
        """Run an argument list on the phone -> :class:`ShellResult` (any exit status)."""
        return self.script(quote_argv(argv), timeout, describe=" ".join(str(a) for a in argv))

    def script(self, script, timeout=None, describe=None):
        """Run ``script`` (already quoted for the phone's sh) -> :class:`ShellResult`."""
        tag = "__bench_{}_".format(uuid.uuid4().hex[:12])
        status, out, err = self._run(["-s", self.serial, "shell",
                                      "{}\necho \"{}end:$?\"".format(script, tag)], timeout)
        return self._finish(tag, status, out, err, describe or script)

    def run_long(self, argv, timeout, load=False):
        """Like :meth:`shell` for a long command (benchmark_model): on a timeout or Ctrl-C the
        command is killed on the phone too (the script echoes its pid first). With ``load``,
        ``/proc/uptime`` and ``/proc/stat`` are read just before and after it and the
        shell's children's CPU time after it: the result's ``load`` is (before, after) text
        for :func:`parse_load` (empty where the phone does not let the shell read them)."""
        tag = "__bench_{}_".format(uuid.uuid4().hex[:12])
        snap = "cat /proc/uptime /proc/stat 2>/dev/null"
        line = "{} & echo \"{}pid:$!\"; wait $!; echo \"{}end:$?\"".format(quote_argv(argv), tag, tag)
        if load:
            line = ("echo \"{t}load0\"; {snap}; echo \"{t}run\"; {argv} & echo \"{t}pid:$!\"; "
                    "wait $!; s=$?; echo \"{t}load1\"; cat /proc/$$/stat 2>/dev/null; {snap}; "
                    "echo \"{t}end:$s\"").format(t=tag, snap=snap, argv=quote_argv(argv))

        def kill_remote(out):
            found = re.search(re.escape(tag) + r"pid:(\d+)", out)
            if found:
                self._kill_remote(found.group(1))

        status, out, err = self._run(["-s", self.serial, "shell", line], timeout,
                                     on_abort=kill_remote)
        result = self._finish(tag, status, out, err, " ".join(str(a) for a in argv))
        if load:
            head, _, rest = result.out.partition(tag + "run\n")
            body, _, tail = rest.partition(tag + "load1\n")
            result.out = body
            result.load = (head.replace(tag + "load0\n", ""), tail)
        return result

    def _kill_remote(self, pid):
        try:
            self.script("kill -9 {} 2>/dev/null".format(int(pid)), timeout=15)
        except AdbError:
            pass  # the timeout (or interrupt) that follows is what gets reported

    def _finish(self, tag, status, out, err, describe):
        out, err = out.replace("\r\n", "\n"), err.replace("\r\n", "\n")
        out = re.sub(re.escape(tag) + r"pid:\d+\n", "", out)
        end = re.search(re.escape(tag) + r"end:(\d+)\n?\Z", out)
        if end is None:
            # adb's own complaint ("error: device offline", "error: closed") or a cut stream
            message = (err.strip() or out.strip() or "output ended early").splitlines()[-1]
            raise self._why_incomplete("running `{}`".format(short(describe)),
                                       "the output ended before the command finished (adb exit "
                                       "{}: {})".format(status, short(message, 200)))
        return ShellResult(int(end.group(1)), out[:end.start()], err)

    def check(self, argv, timeout=None, what=None):
        """:meth:`shell`, but a non-zero exit status is an :class:`AdbError` with its message."""
        res = self.shell(argv, timeout)
        if res.status != 0:
            raise AdbError("adb: {} on {} failed (exit {}): {}".format(
                what or "`{}`".format(short(" ".join(str(a) for a in argv))), self.where,
                res.status, short(res.text.strip() or "no output", 200)))
        return res

    # -- files ----------------------------------------------------------------------------

    def push(self, local, remote, timeout=None):
        """``adb push LOCAL REMOTE`` (the path goes to the sync protocol verbatim, no shell)."""
        size_mb = os.path.getsize(local) / 1e6
        timeout = timeout or self.timeout * max(1.0, size_mb / 100.0)
        status, out, err = self._run(["-s", self.serial, "push", local, remote], timeout)
        if status != 0:
            lines = [ln for ln in (err + "\n" + out).splitlines() if "error" in ln.lower()]
            message = (lines or (err + out).strip().splitlines() or ["exit {}".format(status)])[-1]
            problem = self._why_incomplete("pushing {}".format(os.path.basename(local)), "")
            if isinstance(problem, AdbDeviceLost):
                raise problem
            raise AdbError("adb: push {} -> {} on {} failed: {}".format(
                local, remote, self.where, short(message, 200)))

    def remote_file(self, path):
        """(size, sha256 or None) of a file on the phone, or None when it does not exist."""
        q = shlex.quote(path)
        res = self.script("if [ -f {q} ]; then wc -c < {q}; sha256sum {q} 2>/dev/null; fi".format(q=q),
                          describe="checking " + path)
        words = res.out.split()
        if not words or not words[0].isdigit():
            return None
        digest = words[1].lower() if len(words) > 1 and re.fullmatch(r"[0-9a-fA-F]{64}", words[1]) \
            else None
        return int(words[0]), digest

    def push_cached(self, local, remote_path, mode=None):
        """Push ``local`` to ``remote_path`` unless a file of the same size and sha256 is there.

        The upload goes to a temporary name and is moved into place, so a file under its
        final name is complete; the temporary file is removed in ``finally``.
        """
        digest, size = sha256_file(local), os.path.getsize(local)
        present = self.remote_file(remote_path)
        if present is not None and present[0] == size and present[1] in (None, digest):
            self.stats["unchanged"] += 1
            return remote_path
        tmp = "{}.tmp-{}".format(remote_path, uuid.uuid4().hex[:12])
        folder = posixpath.dirname(remote_path)
        self.check(["mkdir", "-p", folder], what="creating {}".format(folder))
        moved = False
        try:
            self.push(local, tmp)
            if mode is not None:
                self.check(["chmod", mode, tmp], what="making {} executable".format(remote_path))
            self.check(["mv", "-f", tmp, remote_path], what="moving the upload into place")
            moved = True
        finally:
            if not moved:
                self._remove_quietly(tmp)
        self.stats["pushed"] += 1
        self.stats["pushed_bytes"] += size
        return remote_path

    def _remove_quietly(self, path):
        """Best effort while another error unwinds (that error is the one reported)."""
        try:
            self.shell(["rm", "-f", path], timeout=15)
        except AdbError:
            pass


def _drain(pipe, sink):
    for block in iter(lambda: pipe.read1(65536), b""):
        sink.append(block)
    pipe.close()


def _text(data):
    return (data or b"").decode("utf-8", "replace")
