"""Exclusive device leases: one measurement on a device at a time, across bench processes
and users on this host.

Two measurements on one device at once corrupt both (each slows the other, and both
exit 0), so every measuring command holds the device's lease while it measures: an
exclusive ``flock`` on ``<lock dir>/<device>.lock``. The lock directory is shared by every
user of the host (``/tmp/bench-locks``, world-writable with the sticky bit, like /tmp;
``BENCH_LOCK_DIR`` moves it), and each lock file is readable and writable by all, so
another user's bench waits too. The holder writes who it is into the file; a process
that finds the device busy says so and waits up to ``--lock-timeout`` seconds. The kernel
drops a lock when its process dies, so a crashed bench never leaves a device locked.
"""

import errno
import os
import re
import socket
import sys
import time

from bench.errors import EnvironmentProblem

DEFAULT_DIR = "/tmp/bench-locks"
POLL_S = 0.5


def lock_dir():
    return os.environ.get("BENCH_LOCK_DIR") or DEFAULT_DIR


def _lock_path(key):
    name = re.sub(r"[^A-Za-z0-9_.@-]+", "_", key).strip("_") or "device"
    return os.path.join(lock_dir(), name + ".lock")


def _open_shared(path):
    """The lock file, created readable and writable by every user (umask aside)."""
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        try:
            os.makedirs(folder, exist_ok=True)
            os.chmod(folder, 0o1777)  # every user may create locks; none may delete another's
        except OSError as exc:
            raise EnvironmentProblem("cannot create the device lock folder {}: {}; set "
                                     "BENCH_LOCK_DIR to a folder every bench user can write".format(
                                         folder, exc.strerror or exc)) from None
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise EnvironmentProblem("cannot open the device lock {}: {}; set BENCH_LOCK_DIR to a "
                                 "folder every bench user can write".format(
                                     path, exc.strerror or exc)) from None
    try:
        if os.fstat(fd).st_uid == os.getuid():
            os.fchmod(fd, 0o666)
    except OSError:
        pass
    return fd


def _holder_text(command):
    try:
        import pwd

        user = pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        user = str(os.getuid())
    return "pid {} of {} on {}, since {}: {}".format(
        os.getpid(), user, socket.gethostname(), time.strftime("%H:%M:%S"), command)


def _read_holder(fd):
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 1000).decode("utf-8", "replace").strip()
    except OSError:
        return ""


class DeviceLease:
    """``with DeviceLease(key, name, timeout_s, log):`` holds the device ``key`` exclusively.

    ``key``: what identifies the device on this host (``Device.lease_key()``); ``name``: how
    the user calls it. Busy: ``log`` says who holds it, then it waits up to ``timeout_s``
    (0: not at all) and raises an :class:`EnvironmentProblem` (exit 3) naming the holder.
    """

    def __init__(self, key, name, timeout_s, log=None, command=None, clock=time.monotonic,
                 sleep=time.sleep):
        self.key, self.name, self.timeout_s = key, name, timeout_s
        self.log = log or (lambda msg: None)
        self.command = command or " ".join(["bench"] + sys.argv[1:])[:200]
        self.clock, self.sleep = clock, sleep
        self.path = _lock_path(key)
        self._fd = None

    def acquire(self):
        import fcntl

        fd = _open_shared(self.path)
        start, told = self.clock(), False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
            holder = _read_holder(fd) or "another bench"
            waited = self.clock() - start
            if waited >= self.timeout_s:
                os.close(fd)
                raise EnvironmentProblem(
                    "device {} is busy: {}{}; wait until it finishes, or raise --lock-timeout "
                    "(seconds to wait)".format(self.name, holder, "" if not self.timeout_s else
                                               " (waited {:.0f} s)".format(waited)))
            if not told:
                self.log("device {} is busy: {}; waiting up to {:g} s for it (--lock-timeout)".format(
                    self.name, holder, self.timeout_s))
                told = True
            self.sleep(min(POLL_S, max(0.0, self.timeout_s - waited)))
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, (_holder_text(self.command) + "\n").encode("utf-8"))
        except OSError:
            pass  # who holds it is only for the message others get
        self._fd = fd
        if told:
            self.log("device {} is free now: measuring".format(self.name))
        return self

    def release(self):
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
            except OSError:
                pass
            os.close(self._fd)  # releases the flock
            self._fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
        return False
