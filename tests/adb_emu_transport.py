"""adb's transport protocol, device side: 24-byte messages, the handshake and streams.

Part of the emulated phone (see adb_device_emulator.py): a :class:`_Connection` is one
TCP connection from the REAL adb server; it answers CNXN (or AUTH challenges, or
nothing) according to the emulator's ``mode`` and hands each OPENed service to
``emulator.service_handler(service)`` on its own :class:`_Stream` (AOSP
``packages/modules/adb/protocol.txt``).
"""

import os
import socket
import struct
import threading


def _cmd(name):
    return struct.unpack("<I", name)[0]


A_CNXN, A_AUTH, A_OPEN = _cmd(b"CNXN"), _cmd(b"AUTH"), _cmd(b"OPEN")
A_OKAY, A_WRTE, A_CLSE = _cmd(b"OKAY"), _cmd(b"WRTE"), _cmd(b"CLSE")
A_VERSION_MIN = 0x01000000
A_VERSION = 0x01000001          # "skip checksum" version, what adbd >= 9 answers
MAX_PAYLOAD = 256 * 1024
AUTH_TOKEN, AUTH_SIGNATURE, AUTH_RSAPUBLICKEY = 1, 2, 3


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
