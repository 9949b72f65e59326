"""SSH transport (paramiko): run argument lists, stream a remote process, push files by content.

Host keys are checked against a known_hosts file: an unknown host is refused (unless the
device opts in to trust on first use), a changed key always. Authentication is a key file
or the SSH agent, never a password. Every failure is an :class:`SSHError` (exit code 3)
with a one-line message naming the host and the fix. paramiko is imported lazily (STYLE 4).

Remote commands are argument lists quoted with ``shlex`` for the remote login shell
(POSIX sh/bash, as on JetPack). Host-side code: it is not shipped to the device.
"""

import base64
import contextlib
import getpass
import hashlib
import os
import posixpath
import re
import shlex
import socket
import stat
import subprocess
import sys
import threading
import uuid

from bench.devices.ssh.errors import (AuthError, ConnectError, ConnectionLost, HostKeyError,
                                      RemoteTimeout, SSHError, _short)
from bench.devices.ssh.process import _WRAPPER, RemoteProcess, command_line
from bench.errors import EnvironmentProblem
from bench.fileutil import sha256_file

__all__ = ["SSHTransport", "RemoteProcess", "SSHError", "HostKeyError", "AuthError", "ConnectError",
           "ConnectionLost", "RemoteTimeout", "command_line", "fingerprint", "sha256_file"]


def _paramiko():
    try:
        import logging

        import paramiko
    except ImportError:
        raise EnvironmentProblem("SSH devices need paramiko: pip install 'bench[ssh]'") from None
    # paramiko logs socket errors itself; without a handler Python would print them to stderr.
    logging.getLogger("paramiko").addHandler(logging.NullHandler())
    return paramiko


def fingerprint(key):
    """A paramiko key's fingerprint as ``ssh-keygen -lf`` prints it: ``SHA256:<base64>``."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


class _HostKeyPolicy:
    """paramiko calls this for a host missing from known_hosts: refuse, or record (TOFU)."""

    def __init__(self, ssh):
        self.ssh = ssh

    def missing_host_key(self, client, hostname, key):
        ssh = self.ssh
        seen = "{} {}".format(key.get_name(), fingerprint(key))
        if not ssh.trust_on_first_use:
            raise HostKeyError(
                "ssh: unknown host key for {} ({}), not in {}; compare it with "
                "`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` on the device, then add it "
                "(ssh-keyscan -p {} {} >> {}) or set trust_on_first_use = true for this "
                "device to record it on the next connection".format(
                    ssh.host_port, seen, ssh.known_hosts, ssh.port, ssh.host, ssh.known_hosts))
        ssh._record_host_key(key)
        ssh.recorded_host_key = seen


class SSHTransport:
    """One SSH connection to a device: ``run``, ``popen``, ``put``/``push``/``pull``, ``mkdir_p``.

    Connects lazily (and again after a lost connection). ``stats`` counts uploads and
    skipped (already present) pushes.
    """

    def __init__(self, host, port=22, user=None, key_file=None, known_hosts=None,
                 trust_on_first_use=False, connect_timeout=10.0, command_timeout=600.0):
        self.host = host
        self.port = int(port)
        self.user = user or getpass.getuser()
        self.key_file = os.path.expanduser(key_file) if key_file else None
        self.known_hosts = os.path.expanduser(known_hosts or "~/.ssh/known_hosts")
        self.trust_on_first_use = trust_on_first_use
        self.connect_timeout = float(connect_timeout)
        self.command_timeout = float(command_timeout)
        self.recorded_host_key = None  # "ssh-ed25519 SHA256:..." when TOFU recorded it
        self.stats = {"uploaded": 0, "uploaded_bytes": 0, "skipped": 0}
        self._client = None
        self._sftp = None
        self._home = None
        self._lock = threading.Lock()

    @property
    def host_port(self):
        return "{}:{}".format(self.host, self.port)

    @property
    def where(self):
        return "{}@{}".format(self.user, self.host_port)

    @property
    def _known_hosts_name(self):
        return self.host if self.port == 22 else "[{}]:{}".format(self.host, self.port)

    def __enter__(self):
        return self.connect()

    def __exit__(self, *exc):
        self.close()

    # -- connection ---------------------------------------------------------------------

    def is_alive(self):
        transport = self._client.get_transport() if self._client is not None else None
        return transport is not None and transport.is_active()

    def connect(self):
        with self._lock:
            if not self.is_alive():
                self.close()
                self._client = self._open_client()
        return self

    def _open_client(self):
        paramiko = _paramiko()
        client = paramiko.SSHClient()
        if os.path.exists(self.known_hosts):
            try:
                client.get_host_keys().load(self.known_hosts)
            except Exception as exc:  # paramiko raises several kinds for a bad line
                raise SSHError("ssh: cannot read known_hosts file {}: {}".format(
                    self.known_hosts, _short(exc))) from None
        client.set_missing_host_key_policy(_HostKeyPolicy(self))
        pkey, encrypted = self._load_key(paramiko)
        timeout = self.connect_timeout
        try:
            # Never a password: none is passed, and paramiko tries no password auth without one.
            client.connect(self.host, self.port, username=self.user, pkey=pkey, allow_agent=True,
                           look_for_keys=self.key_file is None, timeout=timeout,
                           banner_timeout=timeout, auth_timeout=timeout, channel_timeout=timeout)
        except BaseException as exc:
            client.close()
            raise self._connect_error(paramiko, exc, encrypted) from None
        client.get_transport().set_keepalive(15)
        return client

    def _load_key(self, paramiko):
        """-> (pkey or None, key file is passphrase-protected)."""
        if not self.key_file:
            return None, False
        if not os.path.isfile(self.key_file):
            raise AuthError("ssh: key file {} not found; set key_file of this device to a private "
                            "key, or leave it out to use the SSH agent".format(self.key_file))
        try:
            return paramiko.PKey.from_path(self.key_file), False
        except TypeError as exc:  # cryptography: "password-protected" / "encrypted"
            if "password" not in str(exc).lower():
                raise AuthError("ssh: cannot read key file {}: {}".format(
                    self.key_file, _short(exc))) from None
        except Exception as exc:
            raise AuthError("ssh: cannot read key file {} ({}); it must be an OpenSSH or PEM "
                            "private key".format(self.key_file, _short(exc))) from None
        if os.environ.get("SSH_AUTH_SOCK") or not (sys.stdin and sys.stdin.isatty()):
            return None, True  # the agent may hold it; prompt only without an agent, on a terminal
        passphrase = getpass.getpass("Passphrase for {}: ".format(self.key_file))
        try:
            return paramiko.PKey.from_path(self.key_file, password=passphrase.encode()), True
        except Exception:
            raise AuthError("ssh: wrong passphrase for {}; add the key to the agent "
                            "(ssh-add {}) to avoid the prompt".format(self.key_file, self.key_file)) from None

    def _connect_error(self, paramiko, exc, encrypted):
        if isinstance(exc, SSHError) or not isinstance(exc, Exception):
            return exc
        if isinstance(exc, paramiko.BadHostKeyException):
            return HostKeyError(
                "ssh: HOST KEY CHANGED for {}: it presents {} {} but {} records {}; refusing to "
                "connect (possible man-in-the-middle). If the device was reinstalled, check the "
                "new key on it, then remove the old entry: ssh-keygen -f {} -R '{}'".format(
                    self.host_port, exc.key.get_name(), fingerprint(exc.key), self.known_hosts,
                    fingerprint(exc.expected_key), self.known_hosts, self._known_hosts_name))
        if isinstance(exc, paramiko.BadAuthenticationType):
            return AuthError("ssh: {} accepts only {} authentication; enable public-key login in "
                             "its sshd (bench never uses passwords)".format(
                                 self.where, "/".join(exc.allowed_types) or "non-key"))
        no_methods = isinstance(exc, paramiko.SSHException) and "No authentication methods" in str(exc)
        if isinstance(exc, paramiko.AuthenticationException) or no_methods:  # no key, empty agent
            if encrypted:
                return AuthError(
                    "ssh: authentication failed for {}: key {} is passphrase-protected and no "
                    "SSH agent key was accepted; add it to the agent (ssh-add {}) and retry".format(
                        self.where, self.key_file, self.key_file))
            used = ("key {} and the SSH agent".format(self.key_file) if self.key_file
                    else "the SSH agent and ~/.ssh/id_* keys")
            return AuthError(
                "ssh: authentication failed for {} with {}; install the public key on the device "
                "(ssh-copy-id -i {}.pub -p {} {}@{}) or set key_file for this device".format(
                    self.where, used, self.key_file or "~/.ssh/id_ed25519", self.port, self.user,
                    self.host))
        errors = list(getattr(exc, "errors", {}).values()) or [exc]
        if all(isinstance(e, ConnectionRefusedError) for e in errors):
            return ConnectError("ssh: connection refused by {}; is sshd running on the device and "
                                "is port {} right?".format(self.host_port, self.port))
        if any(isinstance(e, (socket.timeout, TimeoutError)) for e in errors):
            return ConnectError("ssh: connecting to {} timed out after {:g} s; check the device is "
                                "on, its address, and the network (connect_timeout)".format(
                                    self.host_port, self.connect_timeout))
        if isinstance(exc, socket.gaierror):
            return ConnectError("ssh: cannot resolve host {!r}; check host of this device".format(self.host))
        if isinstance(exc, (paramiko.SSHException, EOFError)):
            return ConnectError("ssh: SSH handshake with {} failed ({}); is that port an SSH "
                                "server?".format(self.host_port, _short(exc) or "connection closed"))
        if isinstance(exc, OSError):
            return ConnectError("ssh: cannot reach {}: {}; check the address and the network".format(
                self.host_port, _short(getattr(errors[0], "strerror", None) or errors[0])))
        return exc

    def _record_host_key(self, key):
        folder = os.path.dirname(self.known_hosts)
        if folder:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        line = "{} {} {}\n".format(self._known_hosts_name, key.get_name(), key.get_base64())
        fd = os.open(self.known_hosts, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = "\n" + line
            os.write(fd, line.encode("ascii"))
        finally:
            os.close(fd)

    def _lost(self, what):
        return ConnectionLost("ssh: connection to {} lost while {} (device rebooted, network down "
                              "or sshd stopped)".format(self.where, what))

    @contextlib.contextmanager
    def _guard(self, what):
        """paramiko/socket errors inside -> ConnectionLost or a one-line SSHError."""
        paramiko = _paramiko()
        try:
            yield
        except SSHError:
            raise
        except (paramiko.SSHException, EOFError, OSError) as exc:
            if not self.is_alive():
                raise self._lost(what) from None
            raise SSHError("ssh: {} on {} failed: {}".format(what, self.where, _short(exc, 200))) from None

    def close(self):
        if self._sftp is not None:
            with contextlib.suppress(Exception):
                self._sftp.close()
        if self._client is not None:
            self._client.close()
        self._sftp = self._client = None

    # -- commands -----------------------------------------------------------------------

    def popen(self, argv, env=None):
        """Start ``argv`` (with ``env`` added) on the device -> :class:`RemoteProcess`."""
        line = command_line(["sh", "-c", _WRAPPER, "sh"] + list(argv), env)
        self.connect()
        what = "starting `{}`".format(_short(" ".join(shlex.quote(str(a)) for a in argv)))
        with self._guard(what):
            chan = self._client.get_transport().open_session(timeout=self.connect_timeout)
            chan.exec_command(line)
            return RemoteProcess(self, chan, argv)

    def run(self, argv, env=None, timeout=None, stdin_data=None):
        """Run to completion -> (exit status, stdout, stderr); negative status: killed by that signal.

        Past ``timeout`` (default ``command_timeout``) the command is killed and
        :class:`RemoteTimeout` raised.
        """
        timeout = self.command_timeout if timeout is None else timeout
        proc = self.popen(argv, env)
        try:
            out, err = proc.communicate(stdin_data, timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(SSHError):
                proc.kill()
            raise RemoteTimeout("ssh: {} on {} did not finish within {:g} s and was killed".format(
                proc.describe(), self.where, timeout)) from None
        finally:
            proc.close()
        return proc.returncode, out, err

    # -- files --------------------------------------------------------------------------

    def _sftp_client(self):
        self.connect()
        if self._sftp is None or self._sftp.get_channel().closed:
            with self._guard("opening SFTP"):
                self._sftp = self._client.open_sftp()
        return self._sftp

    def expand(self, path):
        """``~``, ``~/x`` and relative paths -> absolute paths under the remote home."""
        if path.startswith("/"):
            return posixpath.normpath(path)
        if self._home is None:
            with self._guard("finding the home directory"):
                self._home = self._sftp_client().normalize(".")
        if path == "~" or path.startswith("~/"):
            path = path[2:]
        return posixpath.normpath(posixpath.join(self._home, path))

    def mkdir_p(self, remote_dir):
        """Create ``remote_dir`` and its parents; returns its absolute path."""
        path = self.expand(remote_dir)
        sftp = self._sftp_client()
        current = "/"
        with self._guard("creating {}".format(path)):
            for part in path.strip("/").split("/"):
                current = posixpath.join(current, part)
                try:
                    if not stat.S_ISDIR(sftp.stat(current).st_mode):
                        raise SSHError("ssh: {} on {} exists and is not a directory".format(
                            current, self.where))
                except FileNotFoundError:
                    sftp.mkdir(current)
        return path

    def put(self, local_path, remote_path, mode=None):
        """Upload atomically: to a temporary name, then ``posix_rename`` into place."""
        remote_path = self.expand(remote_path)
        tmp = "{}.tmp-{}".format(remote_path, uuid.uuid4().hex[:12])
        sftp = self._sftp_client()
        with self._guard("uploading {} to {}".format(local_path, remote_path)):
            try:
                sftp.put(local_path, tmp, confirm=True)
                if mode is not None:
                    sftp.chmod(tmp, mode)
                sftp.posix_rename(tmp, remote_path)
            except BaseException:
                with contextlib.suppress(Exception):
                    sftp.remove(tmp)
                raise
        self.stats["uploaded"] += 1
        self.stats["uploaded_bytes"] += os.path.getsize(local_path)
        return remote_path

    def pull(self, remote_path, local_path):
        """Download to a temporary local name, then rename into place."""
        tmp = "{}.tmp-{}".format(local_path, uuid.uuid4().hex[:12])
        try:
            with self._guard("downloading {}".format(remote_path)):
                self._sftp_client().get(self.expand(remote_path), tmp)
            os.replace(tmp, local_path)
        finally:
            with contextlib.suppress(OSError):
                os.remove(tmp)
        return local_path

    def exists(self, path):
        """Whether a remote file or directory exists (one SFTP stat)."""
        path = self.expand(path)
        with self._guard("checking {}".format(path)):
            try:
                self._sftp_client().stat(path)
            except FileNotFoundError:
                return False
        return True

    def sha256_remote(self, path):
        """sha256 hex digest of a remote file, or None when it does not exist."""
        path = self.expand(path)
        if not self.exists(path):
            return None
        status, out, err = self.run(["sha256sum", "--", path])
        if status != 0 or not out.strip():
            raise SSHError("ssh: sha256sum {} on {} failed: {}".format(path, self.where, _short(err)))
        return out.split()[0].lstrip("\\")

    def push(self, local_path, remote_dir, verify=False, mode=None):
        """Content-addressed upload -> remote path ``remote_dir/<sha256><suffix>``.

        Nothing is sent when that file already exists with the same size (uploads are
        atomic, so a file under its hash name is complete); ``verify`` also compares the
        remote sha256.
        """
        digest = sha256_file(local_path)
        suffix = os.path.splitext(local_path)[1]
        suffix = suffix if re.match(r"^\.[A-Za-z0-9_]{1,16}$", suffix) else ""
        remote_path = posixpath.join(self.mkdir_p(remote_dir), digest + suffix)
        with self._guard("checking {}".format(remote_path)):
            try:
                present = self._sftp_client().stat(remote_path).st_size == os.path.getsize(local_path)
            except FileNotFoundError:
                present = False
        if present and (not verify or self.sha256_remote(remote_path) == digest):
            self.stats["skipped"] += 1
            return remote_path
        return self.put(local_path, remote_path, mode)


