"""A real OpenSSH ``sshd`` on 127.0.0.1 for integration tests (no mocks of the transport).

``SSHServer`` owns a temporary directory with a generated ed25519 host key and client
key, an ``authorized_keys`` file and an ``sshd_config``; it runs ``sshd -D -e`` as the
current user on a free port. ``stop()`` kills the daemon *and* its per-connection
processes (as a crashed or rebooted device would), ``start()`` brings it back on the
same port with the same keys. Fixtures: ``sshd_server`` (one per test module) and
``sshd_factory`` (fresh servers, e.g. for tests that stop one).
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import integration_unavailable

SSHD = "/usr/sbin/sshd"  # sshd refuses to run from a relative path
PRIVSEP_DIR = "/run/sshd"  # needed when sshd starts as root (Debian's unit creates it)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def keygen(path, passphrase=""):
    """A new ed25519 key pair at ``path`` / ``path.pub``; returns ``path``."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", "bench-test",
                    "-f", str(path)], check=True, capture_output=True)
    return str(path)


def keygen_fingerprint(pub_path):
    """The fingerprint ``ssh-keygen -lf`` prints for a public key (``SHA256:...``)."""
    out = subprocess.run(["ssh-keygen", "-lf", str(pub_path)], check=True, capture_output=True,
                         text=True).stdout
    return out.split()[1]


def _descendants(pid):
    """Every process below ``pid`` (from /proc), parents before children."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/{}/stat".format(entry)) as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _comm(pid):
    try:
        with open("/proc/{}/comm".format(pid)) as fh:
            return fh.read().strip()
    except OSError:
        return ""


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class SSHServer:
    host = "127.0.0.1"

    def __init__(self, root):
        self.root = str(root)
        os.makedirs(self.root, exist_ok=True)
        self.user = pwd.getpwuid(os.getuid()).pw_name
        self.host_key = keygen(os.path.join(self.root, "host_ed25519"))
        self.client_key = keygen(os.path.join(self.root, "client_ed25519"))
        self.authorized_keys = os.path.join(self.root, "authorized_keys")
        shutil.copyfile(self.client_key + ".pub", self.authorized_keys)
        self.port = _free_port()
        self.config = os.path.join(self.root, "sshd_config")
        self.log = os.path.join(self.root, "sshd.log")
        self.proc = None
        self._write_config()

    def _write_config(self):
        lines = [
            "Port {}".format(self.port),
            "ListenAddress {}".format(self.host),
            "HostKey {}".format(self.host_key),
            "AuthorizedKeysFile {}".format(self.authorized_keys),
            "PidFile {}".format(os.path.join(self.root, "sshd.pid")),
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "PermitRootLogin prohibit-password",
            "Subsystem sftp internal-sftp",
            "PrintMotd no",
            "LogLevel ERROR",
            # bash run by sshd sources ~/.bashrc only at shell level 1; SHLVL=1 makes it 2.
            # The host's rc files stay out of test sessions: stop() SIGKILLs every session,
            # and a killed rc step can leave the host broken for every later login (pyenv's
            # rehash lock, found in CI: each later login then waited 60 s for it).
            "SetEnv SHLVL=1",
        ]
        with open(self.config, "w") as fh:
            fh.write("\n".join(lines) + "\n")

    @property
    def host_key_pub(self):
        with open(self.host_key + ".pub") as fh:
            return " ".join(fh.read().split()[:2])  # "ssh-ed25519 AAAA..."

    @property
    def known_hosts(self):
        """The known_hosts line for this server: ``[127.0.0.1]:PORT ssh-ed25519 AAAA...``."""
        return "[{}]:{} {}\n".format(self.host, self.port, self.host_key_pub)

    def write_known_hosts(self, path):
        with open(str(path), "w") as fh:
            fh.write(self.known_hosts)
        return str(path)

    def start(self, timeout=10.0):
        if os.getuid() == 0 and not os.path.isdir(PRIVSEP_DIR):
            os.makedirs(PRIVSEP_DIR, mode=0o755, exist_ok=True)
        check = subprocess.run([SSHD, "-t", "-f", self.config], capture_output=True, text=True)
        if check.returncode != 0:
            integration_unavailable("sshd cannot run here: " + (check.stderr or check.stdout).strip())
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", self.config],
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("sshd exited with {}: {}".format(self.proc.returncode, self.log_tail()))
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as sock:
                    if sock.recv(4).startswith(b"SSH-"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("sshd did not accept connections within {:g} s: {}".format(timeout, self.log_tail()))

    def stop(self):
        """Kill the daemon and every session below it: open connections drop at once."""
        if self.proc is None:
            return
        below = _descendants(self.proc.pid)
        _kill(self.proc.pid)
        for pid in below:  # sshd session processes first, so no exit status gets out
            if _comm(pid).startswith("sshd"):
                _kill(pid)
        for pid in below:
            _kill(pid)
        self.proc.wait()
        self.proc = None

    def log_tail(self, n=5):
        try:
            with open(self.log, errors="replace") as fh:
                return " | ".join(fh.read().strip().splitlines()[-n:])
        except OSError:
            return ""


def require_paramiko():
    try:
        import paramiko  # noqa: F401
    except ImportError:
        integration_unavailable("paramiko not installed (pip install -e '.[ssh]')")


def require_sshd():
    """Skip (or, under BENCH_REQUIRE_INTEGRATION=1, fail) when sshd cannot be used here."""
    if not os.path.exists(SSHD):
        integration_unavailable("OpenSSH server not installed ({} missing; apt-get install "
                                "openssh-server)".format(SSHD))
    if shutil.which("ssh-keygen") is None:
        integration_unavailable("ssh-keygen not installed (apt-get install openssh-client)")
    require_paramiko()


@pytest.fixture
def paramiko_required():
    """For SSH tests that need no server (refused or silent ports)."""
    require_paramiko()


@pytest.fixture
def sshd_factory(tmp_path_factory):
    """``make()`` -> a started :class:`SSHServer`; all are stopped after the test."""
    require_sshd()
    servers = []

    def make():
        server = SSHServer(tmp_path_factory.mktemp("sshd"))
        servers.append(server)
        return server.start()

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def sshd_server(tmp_path_factory):
    """One running sshd shared by a test module (tests must leave it running)."""
    require_sshd()
    server = SSHServer(tmp_path_factory.mktemp("sshd")).start()
    yield server
    server.stop()
