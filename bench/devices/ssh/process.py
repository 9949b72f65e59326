"""Remote commands over SSH: quoting an argument list, and a Popen-like remote process.

Host-side code (not shipped): every command word is ``shlex.quote``d for the remote
login shell (POSIX sh/bash, as on JetPack).
"""

import contextlib
import re
import select
import shlex
import socket
import subprocess
import time

from bench.devices.ssh.errors import SSHError, _short


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def command_line(argv, env=None):
    """``argv`` (a list) plus ``env`` -> one string the remote shell runs verbatim.

    Every word is ``shlex.quote``d; environment values go through ``env NAME=VALUE``.
    """
    if isinstance(argv, (str, bytes)) or not argv:
        raise TypeError("argv must be a non-empty list of strings, got {!r}".format(argv))
    if "=" in str(argv[0]):  # the shell (or env) would take it for an assignment
        raise ValueError("command name {!r} contains '='".format(argv[0]))
    assigns = []
    for name, value in sorted((env or {}).items()):
        if not _ENV_NAME.match(name):
            raise ValueError("invalid environment variable name {!r}".format(name))
        assigns.append("{}={}".format(name, value))
    words = (["env"] + assigns if assigns else []) + [str(a) for a in argv]
    if any("\0" in w for w in words):
        raise ValueError("a NUL character cannot be passed in a command or its environment")
    return " ".join(shlex.quote(w) for w in words)


# Runs the command as a child of a shell that first prints its own pid: kill() can then
# find the command (pkill -P), and a death by signal N comes back as 128+N (paramiko
# ignores OpenSSH's exit-signal). The command keeps the channel's stdin through fd 3.
# (``wait 2>/dev/null``: dash would report "Killed" on stderr.)
_WRAPPER = 'echo "bench-remote-pid $$"; exec 3<&0; "$@" 0<&3 3<&- & exec 3<&-; wait "$!" 2>/dev/null'
_PID_LINE = re.compile(r"^bench-remote-pid (\d+)$")


def _returncode(status):
    """Wrapper exit status -> subprocess convention (negative: killed by that signal)."""
    if 128 < status < 128 + 65:
        return -(status - 128)
    return status  # -1: no status at all (the wrapper itself was killed)


class _Reader:
    """Text lines from one side (stdout or stderr) of a channel; blocks like a pipe."""

    def __init__(self, chan, stderr=False):
        self._recv = chan.recv_stderr if stderr else chan.recv
        self._buf = b""
        self._eof = False

    def _fill(self):
        if not self._eof:
            data = self._recv(65536)  # b"" at EOF, and when the connection dies
            self._buf += data
            self._eof = not data
        return not self._eof

    def take(self):
        data, self._buf = self._buf, b""
        return data

    def readline(self):
        while b"\n" not in self._buf and self._fill():
            pass
        cut = self._buf.find(b"\n") + 1 or len(self._buf)
        line, self._buf = self._buf[:cut], self._buf[cut:]
        return line.decode("utf-8", "replace")

    def read(self):
        while self._fill():
            pass
        return self.take().decode("utf-8", "replace")

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line


class _Writer:
    def __init__(self, proc):
        self._proc = proc
        self.closed = False

    def write(self, text):
        data = text.encode("utf-8") if isinstance(text, str) else text
        try:
            self._proc._chan.sendall(data)
        except (OSError, EOFError) as exc:
            if not self._proc._alive():
                raise self._proc._ssh._lost("writing to " + self._proc.describe()) from None
            raise BrokenPipeError(str(exc)) from None
        return len(text)

    def flush(self):
        pass

    def close(self):
        if not self.closed:
            self.closed = True
            with contextlib.suppress(OSError, EOFError):
                self._proc._chan.shutdown_write()


class RemoteProcess:
    """A remote command, shaped like ``subprocess.Popen`` for the worker client.

    ``stdin.write/flush/close``, line iteration over ``stdout`` / ``stderr`` (text),
    ``poll()``, ``wait(timeout)``, ``communicate(input, timeout)``, ``kill()``,
    ``terminate()``, ``returncode`` (negative: killed by that signal). When the
    connection drops, the streams end and ``poll``/``wait`` raise :class:`ConnectionLost`.
    """

    def __init__(self, ssh, chan, args):
        self._ssh = ssh
        self._chan = chan
        self.args = [str(a) for a in args]
        self.returncode = None
        self.stdin = _Writer(self)
        self.stdout = _Reader(chan)
        self.stderr = _Reader(chan, stderr=True)
        self.pid = self._read_pid()

    def describe(self):
        return "`{}`".format(_short(" ".join(shlex.quote(a) for a in self.args)))

    def _alive(self):
        """Whether *this* process's connection is up (the transport may have reconnected since)."""
        transport = self._chan.get_transport()
        return transport is not None and transport.is_active()

    def _read_pid(self):
        self._chan.settimeout(self._ssh.connect_timeout)
        try:
            for _ in range(1000):  # a chatty login script may print first
                line = self.stdout.readline()
                match = _PID_LINE.match(line.strip())
                if match:
                    return int(match.group(1))
                if not line:
                    break
        except socket.timeout:
            raise SSHError("ssh: {} did not start on {} within {:g} s; a slow login script "
                           "(the shell's rc files) can cause this: speed it up or raise "
                           "connect_timeout_s".format(
                               self.describe(), self._ssh.where, self._ssh.connect_timeout)) from None
        finally:
            self._chan.settimeout(None)
        if not self._alive():
            raise self._ssh._lost("starting " + self.describe())
        raise SSHError("ssh: could not start {} on {}: {}".format(
            self.describe(), self._ssh.where, _short(self.stderr.read() or "no output", 200)))

    def poll(self):
        if self.returncode is None and self._chan.exit_status_ready():
            status = self._chan.recv_exit_status()
            if status == -1 and not self._alive():
                raise self._ssh._lost("running " + self.describe())
            self.returncode = _returncode(status)
        elif self.returncode is None and not self._alive():
            raise self._ssh._lost("running " + self.describe())
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            remaining = 0.5 if deadline is None else deadline - time.monotonic()
            if remaining <= 0:
                raise subprocess.TimeoutExpired(self.args, timeout)
            self._chan.status_event.wait(min(0.5, remaining))
        return self.returncode

    def communicate(self, input=None, timeout=None):
        """Send ``input``, close stdin, collect (stdout, stderr) text until the command exits."""
        if input:
            self.stdin.write(input)
        self.stdin.close()
        deadline = None if timeout is None else time.monotonic() + timeout
        chan, out, err = self._chan, [self.stdout.take()], [self.stderr.take()]
        while True:
            while chan.recv_ready():
                out.append(chan.recv(65536))
            while chan.recv_stderr_ready():
                err.append(chan.recv_stderr(65536))
            if chan.closed:  # the server closes the channel after the last byte and the status
                break
            remaining = 0.5 if deadline is None else deadline - time.monotonic()
            if remaining <= 0:
                raise subprocess.TimeoutExpired(self.args, timeout, output=b"".join(out))
            readable, _, _ = select.select([chan], [], [], min(0.5, remaining))
            if readable and not (chan.recv_ready() or chan.recv_stderr_ready()):
                chan.status_event.wait(0.02)  # EOF seen, close not yet
        while chan.recv_ready():
            out.append(chan.recv(65536))
        while chan.recv_stderr_ready():
            err.append(chan.recv_stderr(65536))
        self.wait()
        return (b"".join(out).decode("utf-8", "replace"), b"".join(err).decode("utf-8", "replace"))

    def _signal(self, name):
        if self.poll() is None:
            self._ssh.run(["pkill", "-" + name, "-P", str(self.pid)], timeout=self._ssh.connect_timeout)

    def kill(self):
        """SIGKILL the remote command (a closed channel alone does not stop it)."""
        self._signal("KILL")

    def terminate(self):
        self._signal("TERM")

    def close(self):
        self._chan.close()
