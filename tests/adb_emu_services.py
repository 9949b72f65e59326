"""The emulated phone's services: ``shell:`` / ``shell,v2:`` / ``exec:`` and ``sync:``.

Shell commands run with the host's /bin/sh inside the sandbox (device roots in
the command are rewritten to sandbox paths, and the sandbox prefix is removed from
the output again); ``sync:`` serves STAT / LIST / SEND / RECV (and STA2 / LST2 with
``stat_v2``) on the sandbox. Every SEND is recorded in ``self.sync_log`` so tests
can tell what was pushed.
"""

import errno
import os
import re
import signal
import stat
import struct
import subprocess
import threading

from adb_emu_transport import StreamClosed

SYNC_DATA_MAX = 64 * 1024


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


class PhoneServices:
    """Mixin of :class:`AdbDeviceEmulator`: the services a stream can open."""

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
        self.sync_log.append(("SEND", path))
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
