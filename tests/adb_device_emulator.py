"""Test double for the *device* end of adb: adbd's transport protocol served over TCP.

No phone is available in CI, so this module plays the phone: it listens on
127.0.0.1 and speaks the adb transport protocol that ``adbd`` speaks over TCP
(AOSP ``packages/modules/adb/protocol.txt``), so that the REAL adb server can
``adb connect 127.0.0.1:PORT`` to it. Everything on the host side -- the adb
client and server, push/pull, shell quoting -- is the real thing.

Implemented (what adb 29 and later clients use):

* 24-byte message headers (command, arg0, arg1, length, checksum, magic);
  CNXN with version 0x01000001 (checksums skipped), authentication off, or an
  AUTH challenge that is never satisfied (the ``unauthorized`` state), or
  silence after the TCP connect (the ``offline`` state).
* Streams: OPEN / OKAY / WRTE / CLSE with local/remote ids; one WRTE in flight
  per stream (wait for OKAY), OKAY for each WRTE received.
* ``shell:`` (legacy: stdout and stderr mixed, no exit status) and, when the
  ``shell_v2`` feature is advertised, ``shell,v2,...:`` (separate stderr, exit
  status); ``exec:``. Commands run with the host's /bin/sh in a sandbox.
* ``sync:``: STAT / LIST / SEND (DATA chunks, DONE+mtime -> OKAY/FAIL) / RECV /
  QUIT, and STA2 / LST2 when ``stat_v2`` is advertised.

The sandbox is the device's file system: every sync path maps under
``root``; in shell commands the device roots in :data:`DEVICE_ROOTS`
(``/data``, ``/sdcard``, ``/sys/devices/system/cpu``...) are rewritten to the
sandbox and the sandbox prefix is removed again from the output, so commands and
their output read as on a phone. Stubs for ``getprop``, ``dumpsys`` and
``taskset`` and a Snapdragon 845 sysfs live in the sandbox.

Where the pieces are: ``adb_emu_transport.py`` (messages, handshake, streams),
``adb_emu_services.py`` (shell and sync), ``adb_emu_phone.py`` (the phone's profile
and sandbox); this module joins them into :class:`AdbDeviceEmulator` and its
lifecycle (listen, vanish, reappear, authorize).
"""

import os
import re
import socket
import threading

from adb_emu_phone import (BATTERY_TEMPLATE, DEVICE_ROOTS, SDM845_MAX_FREQS,  # noqa: F401
                           SDM845_PROPS, THERMAL_TEMPLATE, PhoneSandbox)
from adb_emu_services import SYNC_DATA_MAX, PhoneServices, _kill_group  # noqa: F401
from adb_emu_transport import MAX_PAYLOAD, StreamClosed, _Connection  # noqa: F401

__all__ = ["AdbDeviceEmulator", "MODERN_FEATURES", "LEGACY_FEATURES", "DEVICE_ROOTS",
           "SDM845_PROPS", "SDM845_MAX_FREQS", "BATTERY_TEMPLATE", "THERMAL_TEMPLATE",
           "MAX_PAYLOAD", "SYNC_DATA_MAX", "StreamClosed"]

#: what a modern phone advertises, limited to the protocols implemented here
MODERN_FEATURES = ("shell_v2", "stat_v2", "fixed_push_mkdir")
#: an old (pre-Android 7) device: plain ``shell:`` and the legacy sync protocol
LEGACY_FEATURES = ()


class AdbDeviceEmulator(PhoneSandbox, PhoneServices):
    """A fake phone on 127.0.0.1:``port`` whose file system is the directory ``root``.

    ``mode`` is what the adb server sees on its next connection: ``"device"``,
    ``"unauthorized"`` (AUTH challenges only) or ``"offline"`` (no answer).
    """

    def __init__(self, root, features=MODERN_FEATURES, props=None, max_freqs=None,
                 mode="device", shell_env=None):
        self.root = os.path.abspath(str(root))
        if re.search(r"[^A-Za-z0-9_./-]", self.root):
            raise ValueError("sandbox path must be shell-safe: {!r}".format(self.root))
        self.meta = os.path.join(self.root, ".emulator")
        self.features = tuple(features)
        self.props = dict(SDM845_PROPS if props is None else props)
        self.mode = mode
        self.shell_env = dict(shell_env or {})
        self.port = None
        self._listener = None
        self._connections = []
        self._procs = set()
        self.sync_log = []   #: ("SEND", device path) for every file pushed to the phone
        self._lock = threading.Lock()
        self._root_re = re.compile(r"(?<![\w.\-/])({})(?=/|[^\w.\-]|$)".format(
            "|".join(re.escape(r) for r in sorted(DEVICE_ROOTS, key=len, reverse=True))))
        self._populate(SDM845_MAX_FREQS if max_freqs is None else max_freqs)

    # ------------------------------------------------------------ lifecycle
    # (the sandbox is PhoneSandbox's, the services PhoneServices')

    def banner(self):
        keys = ("ro.product.name", "ro.product.model", "ro.product.device")
        props = "".join("{}={};".format(k, self.props.get(k, "")) for k in keys)
        return "device::" + props + "features=" + ",".join(self.features)

    def start(self, port=0):
        """Listen on 127.0.0.1 (``port`` 0: a free one); returns the port."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(8)
        self._listener = listener
        self.port = listener.getsockname()[1]
        threading.Thread(target=self._accept_loop, args=(listener,), daemon=True).start()
        return self.port

    def _accept_loop(self, listener):
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Connection(self, sock)
            with self._lock:
                self._connections = [c for c in self._connections if not c.dead] + [conn]
            threading.Thread(target=conn.run, daemon=True).start()

    def drop_connections(self):
        """Close every connection and kill the commands running on the device."""
        with self._lock:
            conns, self._connections = self._connections, []
            procs = list(self._procs)
        for conn in conns:
            conn.kill()
        for proc in procs:
            _kill_group(proc)

    def vanish(self):
        """The phone is unplugged: stop listening, drop connections, kill its commands."""
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)   # wakes the thread blocked in accept()
            except OSError:
                pass
            listener.close()
        self.drop_connections()

    def reappear(self):
        """Plugged back in: listen again on the same port (the adb server reconnects)."""
        if self._listener is None:
            self.start(self.port)

    def authorize(self):
        """The user taps "Allow" on the RSA prompt: waiting connections come online."""
        self.mode = "device"
        with self._lock:
            conns = [c for c in self._connections if not c.dead and not c.online]
        for conn in conns:
            conn.accept()

    def stop(self):
        self.vanish()
