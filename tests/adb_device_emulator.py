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
"""

import errno
import os
import posixpath
import re
import signal
import socket
import stat
import struct
import subprocess
import threading


def _cmd(name):
    return struct.unpack("<I", name)[0]


A_CNXN, A_AUTH, A_OPEN = _cmd(b"CNXN"), _cmd(b"AUTH"), _cmd(b"OPEN")
A_OKAY, A_WRTE, A_CLSE = _cmd(b"OKAY"), _cmd(b"WRTE"), _cmd(b"CLSE")
A_VERSION_MIN = 0x01000000
A_VERSION = 0x01000001          # "skip checksum" version, what adbd >= 9 answers
MAX_PAYLOAD = 256 * 1024
AUTH_TOKEN, AUTH_SIGNATURE, AUTH_RSAPUBLICKEY = 1, 2, 3
SYNC_DATA_MAX = 64 * 1024

#: what a modern phone advertises, limited to the protocols implemented here
MODERN_FEATURES = ("shell_v2", "stat_v2", "fixed_push_mkdir")
#: an old (pre-Android 7) device: plain ``shell:`` and the legacy sync protocol
LEGACY_FEATURES = ()

#: device paths that shell commands see inside the sandbox
DEVICE_ROOTS = ("/data", "/sdcard", "/storage", "/system", "/vendor",
                "/sys/devices/system/cpu", "/sys/class/thermal", "/proc/cpuinfo")

SDM845_PROPS = {
    "ro.product.model": "BenchEmu",
    "ro.product.name": "bench_emu",
    "ro.product.device": "emu",
    "ro.product.manufacturer": "BenchEmu",
    "ro.board.platform": "sdm845",
    "ro.hardware": "qcom",
    "ro.product.cpu.abi": "arm64-v8a",
    "ro.product.cpu.abilist": "arm64-v8a,armeabi-v7a,armeabi",
    "ro.build.version.release": "10",
    "ro.build.version.sdk": "29",
}
#: cpuinfo_max_freq (kHz) of a Snapdragon 845: 4 Kryo 385 Silver + 4 Gold
SDM845_MAX_FREQS = {0: 1766400, 1: 1766400, 2: 1766400, 3: 1766400,
                    4: 2803200, 5: 2803200, 6: 2803200, 7: 2803200}

BATTERY_TEMPLATE = """Current Battery Service state:
  AC powered: false
  USB powered: true
  Wireless powered: false
  Max charging current: 500000
  Max charging voltage: 5000000
  Charge counter: 2580000
  status: {status}
  health: 2
  present: true
  level: {level}
  scale: 100
  voltage: 4163
  temperature: {temperature}
  technology: Li-ion
"""

THERMAL_TEMPLATE = """IsStatusOverride: false
ThermalEventListeners:
\tcallbacks: 1
\tkilled: false
\tbroadcasts count: -1
ThermalStatusListeners:
\tcallbacks: 1
\tkilled: false
\tbroadcasts count: -1
Thermal Status: {status}
Cached temperatures:
\tTemperature{{mValue={battery:.1f}, mType=2, mName=battery, mStatus={status}}}
HAL Ready: true
HAL connection:
\tThermalHAL 2.0 connected: yes
Current temperatures from HAL:
\tTemperature{{mValue={battery:.1f}, mType=2, mName=battery, mStatus={status}}}
\tTemperature{{mValue={cpu:.1f}, mType=0, mName=cpu0-silver-usr, mStatus={status}}}
\tTemperature{{mValue={cpu:.1f}, mType=0, mName=cpu4-gold-usr, mStatus={status}}}
Current cooling devices from HAL:
\tCoolingDevice{{mValue=0, mType=2, mName=battery}}
"""

_STUBS = {
    "getprop": r"""#!/bin/sh
# getprop stand-in: reads the emulator's property file (key=value lines)
f="{meta}/props"
if [ $# -eq 0 ]; then
  while IFS='=' read -r k v; do printf '[%s]: [%s]\n' "$k" "$v"; done < "$f"
  exit 0
fi
while IFS='=' read -r k v; do
  if [ "$k" = "$1" ]; then printf '%s\n' "$v"; exit 0; fi
done < "$f"
printf '%s\n' "$2"
""",
    "dumpsys": r"""#!/bin/sh
# dumpsys stand-in: prints the emulator's canned service dump
if [ -f "{meta}/dumpsys/$1" ]; then cat "{meta}/dumpsys/$1"; exit 0; fi
echo "Can't find service: $1"
""",
    "taskset": r"""#!/bin/sh
# taskset stand-in: records the mask (the host may have fewer cores) and runs the command
case "$1" in
  ''|*[!0-9a-fA-Fx]*) echo "taskset: bad mask '$1'" >&2; exit 1 ;;
esac
printf '%s\n' "$1" >> "{meta}/taskset.log"
shift
exec "$@"
""",
}


class StreamClosed(Exception):
    pass


class _Stream:
    """One adb stream, seen from the device: an inbox of bytes and a flow-controlled writer."""

    def __init__(self, conn, local_id, remote_id):
        self.conn, self.local_id, self.remote_id = conn, local_id, remote_id
        self.ready = threading.Event()
        self.ready.set()
        self.cv = threading.Condition()
        self.inbox = bytearray()
        self.closed = False
        self.write_lock = threading.Lock()
        self.on_close = []

    # -- from the connection's reader thread
    def feed(self, data):
        with self.cv:
            self.inbox += data
            self.cv.notify_all()

    def remote_closed(self):
        with self.cv:
            self.closed = True
            self.cv.notify_all()
        self.ready.set()
        for callback in self.on_close:
            callback()

    # -- from the service thread
    def read_exact(self, n):
        with self.cv:
            while len(self.inbox) < n:
                if self.closed or self.conn.dead:
                    raise StreamClosed()
                self.cv.wait(0.2)
            data = bytes(self.inbox[:n])
            del self.inbox[:n]
            return data

    def write(self, data):
        """WRTE ``data`` in max-payload pieces, each after the peer's OKAY for the previous one."""
        with self.write_lock:
            view = memoryview(data)
            while view:
                chunk, view = view[:self.conn.max_payload], view[self.conn.max_payload:]
                while not self.ready.wait(0.2):
                    if self.conn.dead:
                        raise StreamClosed()
                if self.closed or self.conn.dead:
                    raise StreamClosed()
                self.ready.clear()
                self.conn.send(A_WRTE, self.local_id, self.remote_id, bytes(chunk))

    def close(self):
        with self.write_lock:
            # the last WRTE must be acknowledged before CLSE, as adbd does
            self.ready.wait(2.0)
            if not self.closed:
                self.closed = True
                self.conn.send(A_CLSE, self.local_id, self.remote_id)
        self.conn.forget(self.local_id)


class _Connection:
    """One TCP connection from the adb server: handshake, then streams."""

    def __init__(self, emulator, sock):
        self.emulator, self.sock = emulator, sock
        self.send_lock = threading.Lock()
        self.streams = {}
        self.streams_lock = threading.Lock()
        self.next_id = 1
        self.max_payload = MAX_PAYLOAD
        self.version = A_VERSION
        self.dead = False
        self.online = False

    def send(self, command, arg0, arg1, data=b""):
        check = sum(data) & 0xFFFFFFFF if self.version < A_VERSION else 0
        header = struct.pack("<6I", command, arg0, arg1, len(data), check, command ^ 0xFFFFFFFF)
        try:
            with self.send_lock:
                self.sock.sendall(header + data)
        except OSError:
            self.kill()
            raise StreamClosed()

    def _recv_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            part = self.sock.recv(n - len(buf))
            if not part:
                raise EOFError()
            buf += part
        return bytes(buf)

    def run(self):
        try:
            while not self.dead:
                header = struct.unpack("<6I", self._recv_exact(24))
                command, arg0, arg1, length, _check, magic = header
                if magic != command ^ 0xFFFFFFFF:
                    raise EOFError("bad magic")
                data = self._recv_exact(length) if length else b""
                self._dispatch(command, arg0, arg1, data)
        except (OSError, EOFError, StreamClosed):
            pass
        finally:
            self.kill()

    def kill(self):
        if self.dead:
            return
        self.dead = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        with self.streams_lock:
            streams = list(self.streams.values())
            self.streams.clear()
        for s in streams:
            s.remote_closed()

    def forget(self, local_id):
        with self.streams_lock:
            self.streams.pop(local_id, None)

    def accept(self):
        """Answer the server's CNXN: the device is now online."""
        self.online = True
        self.send(A_CNXN, self.version, MAX_PAYLOAD, self.emulator.banner().encode())

    def _dispatch(self, command, arg0, arg1, data):
        mode = self.emulator.mode
        if command == A_CNXN:
            self.version = max(A_VERSION_MIN, min(arg0, A_VERSION))
            self.max_payload = min(arg1, MAX_PAYLOAD)
            if mode == "device":
                self.accept()
            elif mode == "unauthorized":
                self.send(A_AUTH, AUTH_TOKEN, 0, os.urandom(20))
            # "offline": never answer
        elif command == A_AUTH:
            if arg0 == AUTH_SIGNATURE and mode == "unauthorized":
                self.send(A_AUTH, AUTH_TOKEN, 0, os.urandom(20))   # wrong key: try the next
            # AUTH_RSAPUBLICKEY: the phone now shows "Allow USB debugging?"; nobody answers
        elif command == A_OPEN and self.online:
            service = data.rstrip(b"\0").decode("utf-8", "surrogateescape")
            handler = self.emulator.service_handler(service)
            if handler is None:
                self.send(A_CLSE, 0, arg0)
                return
            with self.streams_lock:
                local_id = self.next_id
                self.next_id += 1
                stream = _Stream(self, local_id, arg0)
                self.streams[local_id] = stream
            self.send(A_OKAY, local_id, arg0)
            threading.Thread(target=self._serve, args=(handler, stream, service),
                             daemon=True).start()
        elif command == A_OKAY:
            stream = self.streams.get(arg1)
            if stream is not None:
                stream.ready.set()
        elif command == A_WRTE:
            stream = self.streams.get(arg1)
            if stream is None:
                self.send(A_CLSE, 0, arg0)
                return
            stream.feed(data)
            self.send(A_OKAY, arg1, arg0)
        elif command == A_CLSE:
            with self.streams_lock:
                stream = self.streams.pop(arg1, None)
            if stream is not None:
                stream.remote_closed()

    def _serve(self, handler, stream, service):
        try:
            handler(stream, service)
        except StreamClosed:
            pass
        finally:
            try:
                stream.close()
            except StreamClosed:
                pass


class _OutputUnmapper:
    """Removes the sandbox prefix from streamed output, also across chunk boundaries."""

    def __init__(self, root):
        self.root, self.pending = root, b""

    def feed(self, data):
        buf = (self.pending + data).replace(self.root, b"")
        keep = 0
        for k in range(min(len(self.root) - 1, len(buf)), 0, -1):
            if self.root.startswith(buf[-k:]):
                keep = k
                break
        self.pending = buf[len(buf) - keep:] if keep else b""
        return buf[:len(buf) - keep]

    def flush(self):
        data, self.pending = self.pending, b""
        return data


class AdbDeviceEmulator:
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
        self._lock = threading.Lock()
        self._root_re = re.compile(r"(?<![\w.\-/])({})(?=/|[^\w.\-]|$)".format(
            "|".join(re.escape(r) for r in sorted(DEVICE_ROOTS, key=len, reverse=True))))
        self._populate(SDM845_MAX_FREQS if max_freqs is None else max_freqs)

    # ------------------------------------------------------------ the sandbox
    def path(self, device_path):
        """Host path of ``device_path`` on the emulated device."""
        norm = posixpath.normpath("/" + device_path.lstrip("/"))
        return self.root + norm if norm != "/" else self.root

    def write_file(self, device_path, text, mode=0o644):
        host = self.path(device_path)
        os.makedirs(os.path.dirname(host), exist_ok=True)
        with open(host, "w") as fh:
            fh.write(text)
        os.chmod(host, mode)

    def set_prop(self, key, value):
        self.props[key] = value
        self._write_props()

    def set_dumpsys(self, service, text):
        self.write_file("/.emulator/dumpsys/" + service, text)

    def set_battery(self, temperature_tenths=312, level=85, status=2):
        self.set_dumpsys("battery", BATTERY_TEMPLATE.format(
            temperature=temperature_tenths, level=level, status=status))

    def set_thermal(self, status=0, battery_c=31.2, cpu_c=38.5):
        self.set_dumpsys("thermalservice", THERMAL_TEMPLATE.format(
            status=status, battery=battery_c, cpu=cpu_c))

    def taskset_masks(self):
        """Masks that device-side ``taskset`` was called with, in order."""
        try:
            with open(os.path.join(self.meta, "taskset.log")) as fh:
                return fh.read().split()
        except OSError:
            return []

    def _write_props(self):
        self.write_file("/.emulator/props",
                        "".join("{}={}\n".format(k, v) for k, v in self.props.items()))

    def _populate(self, max_freqs):
        for d in ("data/local/tmp", "sdcard", "system/bin", "proc", ".emulator/dumpsys"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        self._write_props()
        for name, text in _STUBS.items():
            self.write_file("/system/bin/" + name, text.replace("{meta}", self.meta), 0o755)
        cpus = sorted(max_freqs)
        for cpu in cpus:
            base = "/sys/devices/system/cpu/cpu{}/cpufreq/".format(cpu)
            self.write_file(base + "cpuinfo_max_freq", "{}\n".format(max_freqs[cpu]))
            self.write_file(base + "cpuinfo_min_freq", "300000\n")
            self.write_file(base + "scaling_cur_freq", "{}\n".format(max_freqs[cpu]))
            self.write_file(base + "scaling_governor", "schedutil\n")
        span = "0-{}\n".format(cpus[-1]) if cpus else "\n"
        for name in ("possible", "present", "online"):
            self.write_file("/sys/devices/system/cpu/" + name, span)
        self.write_file("/proc/cpuinfo", "Processor\t: AArch64 Processor rev 13 (aarch64)\n"
                        "Hardware\t: Qualcomm Technologies, Inc SDM845\n")
        self.set_battery()
        self.set_thermal()

    # ------------------------------------------------------------ lifecycle
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

    # ------------------------------------------------------------ services
    def service_handler(self, service):
        if service.startswith("shell") and re.match(r"shell(,[^:]*)?:", service):
            return self._shell
        if service.startswith("exec:"):
            return self._shell
        if service == "sync:":
            return self._sync
        return None

    def map_command(self, command):
        """Rewrite device roots in a shell command to their sandbox paths."""
        return self._root_re.sub(lambda m: self.root + m.group(1), command)

    def _shell(self, stream, service):
        head, _, command = service.partition(":")
        options = head.split(",")[1:]
        v2 = head.startswith("shell") and "v2" in options and "shell_v2" in self.features
        if not command:
            raise StreamClosed()   # interactive shells are not emulated
        env = dict(os.environ)
        bin_dir = os.path.join(self.root, "system", "bin")
        env.update({"PATH": bin_dir + os.pathsep + env.get("PATH", ""),
                    "ANDROID_DATA": self.path("/data"), "EXTERNAL_STORAGE": self.path("/sdcard"),
                    "ADB_EMULATOR_META": self.meta})   # lets test doubles change the phone
        env.update(self.shell_env)
        proc = subprocess.Popen(["/bin/sh", "-c", self.map_command(command)], cwd=self.root,
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE if v2 else subprocess.STDOUT,
                                start_new_session=True)
        with self._lock:
            self._procs.add(proc)
        stream.on_close.append(lambda: _kill_group(proc))
        try:
            pipes = [(proc.stdout, 1)] + ([(proc.stderr, 2)] if v2 else [])
            pumps = [threading.Thread(target=self._pump, args=(stream, pipe, pid, v2), daemon=True)
                     for pipe, pid in pipes]
            for t in pumps:
                t.start()
            if v2:
                threading.Thread(target=_drain_v2_input, args=(stream,), daemon=True).start()
            for t in pumps:
                t.join()
            code = proc.wait()
            if v2 and not stream.closed:
                stream.write(_v2_packet(3, bytes([code & 0xFF])))
        finally:
            _kill_group(proc)
            with self._lock:
                self._procs.discard(proc)

    def _pump(self, stream, pipe, packet_id, v2):
        unmap = _OutputUnmapper(self.root.encode())
        try:
            while True:
                data = os.read(pipe.fileno(), SYNC_DATA_MAX)
                out = unmap.feed(data) if data else unmap.flush()
                if out:
                    stream.write(_v2_packet(packet_id, out) if v2 else out)
                if not data:
                    return
        except (StreamClosed, OSError):
            return
        finally:
            pipe.close()

    def _sync(self, stream, service):
        handlers = {b"STAT": self._sync_stat_v1, b"LIST": self._sync_list, b"SEND": self._sync_send,
                    b"RECV": self._sync_recv}
        if "stat_v2" in self.features:
            handlers[b"STA2"] = handlers[b"LST2"] = self._sync_stat_v2
        while True:
            ident, length = struct.unpack("<4sI", stream.read_exact(8))
            if ident == b"QUIT":
                return
            if ident not in handlers or length > 1024:
                stream.write(_sync_fail("unknown or oversized sync request {!r}".format(ident)))
                return
            path = stream.read_exact(length).decode("utf-8", "surrogateescape")
            handlers[ident](stream, ident, path)

    def _sync_stat_v1(self, stream, ident, path):
        try:
            st = os.lstat(self.path(path))
            stream.write(struct.pack("<4sIII", b"STAT", st.st_mode, st.st_size & 0xFFFFFFFF,
                                     int(st.st_mtime)))
        except OSError:
            stream.write(struct.pack("<4sIII", b"STAT", 0, 0, 0))

    def _sync_stat_v2(self, stream, ident, path):
        try:
            host = self.path(path)
            st = os.stat(host) if ident == b"STA2" else os.lstat(host)
            stream.write(struct.pack("<4sIQQIIIIQqqq", ident, 0, st.st_dev, st.st_ino, st.st_mode,
                                     st.st_nlink, st.st_uid, st.st_gid, st.st_size,
                                     int(st.st_atime), int(st.st_mtime), int(st.st_ctime)))
        except OSError as exc:
            stream.write(struct.pack("<4sIQQIIIIQqqq", ident, exc.errno or errno.EIO,
                                     0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    def _sync_list(self, stream, ident, path):
        host = self.path(path)
        out = bytearray()
        try:
            names = [".", ".."] + sorted(os.listdir(host))
        except OSError:
            names = []
        for name in names:
            try:
                st = os.lstat(os.path.join(host, name))
            except OSError:
                continue
            raw = name.encode("utf-8", "surrogateescape")
            out += struct.pack("<4sIIII", b"DENT", st.st_mode, st.st_size & 0xFFFFFFFF,
                               int(st.st_mtime), len(raw)) + raw
            if len(out) > SYNC_DATA_MAX:
                stream.write(bytes(out))
                out.clear()
        stream.write(bytes(out) + struct.pack("<4sIIII", b"DONE", 0, 0, 0, 0))

    def _sync_send(self, stream, ident, spec):
        path, _, mode_text = spec.rpartition(",")
        host = self.path(path)
        error, fh = None, None
        try:
            mode = int(mode_text)
            if stat.S_ISLNK(mode) or os.path.isdir(host):
                raise OSError(errno.EISDIR, "is a directory or link", path)
            try:
                fh = open(host, "wb")
            except FileNotFoundError:     # as adbd: create the parents, then try again
                os.makedirs(os.path.dirname(host), exist_ok=True)
                fh = open(host, "wb")
        except (OSError, ValueError) as exc:
            error = "couldn't create file: {}".format(getattr(exc, "strerror", None) or exc)
        try:
            while True:
                ident, length = struct.unpack("<4sI", stream.read_exact(8))
                if ident == b"DATA":
                    data = stream.read_exact(length)
                    if fh is not None and error is None:
                        try:
                            fh.write(data)
                        except OSError as exc:
                            error = "write failed: {}".format(exc.strerror)
                elif ident == b"DONE":
                    break
                else:
                    error = error or "invalid data message {!r}".format(ident)
                    break
        except StreamClosed:      # the client went away mid-file: no half-written file stays
            error = "connection closed"
        if fh is not None:
            fh.close()
            if error is None:
                os.chmod(host, mode & 0o7777)
                os.utime(host, (length, length))
            else:
                os.unlink(host)
        if error == "connection closed":
            raise StreamClosed()
        stream.write(_sync_fail(error) if error else struct.pack("<4sI", b"OKAY", 0))

    def _sync_recv(self, stream, ident, path):
        try:
            fh = open(self.path(path), "rb")
        except OSError as exc:
            stream.write(_sync_fail(exc.strerror or "open failed"))
            return
        with fh:
            while True:
                data = fh.read(SYNC_DATA_MAX)
                if not data:
                    break
                stream.write(struct.pack("<4sI", b"DATA", len(data)) + data)
        stream.write(struct.pack("<4sI", b"DONE", 0))


def _v2_packet(packet_id, data):
    return struct.pack("<BI", packet_id, len(data)) + data


def _sync_fail(message):
    raw = message.encode()
    return struct.pack("<4sI", b"FAIL", len(raw)) + raw


def _drain_v2_input(stream):
    """Consume shell-protocol packets from the client (stdin, close-stdin, window size)."""
    try:
        while True:
            packet_id, length = struct.unpack("<BI", stream.read_exact(5))
            stream.read_exact(length)
    except StreamClosed:
        return


def _kill_group(proc):
    """Kill the process group of a command this emulator started (its own session)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass

