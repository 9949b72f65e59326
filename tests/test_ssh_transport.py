"""The SSH transport against a real OpenSSH sshd on 127.0.0.1 (tests/sshd.py): no mocks."""

import io
import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.devices.ssh.transport import (
    AuthError,
    ConnectError,
    ConnectionLost,
    HostKeyError,
    RemoteTimeout,
    SSHError,
    SSHTransport,
    command_line,
    sha256_file,
)
from bench.errors import EnvironmentProblem
from sshd import (  # noqa: F401  (fixtures)
    keygen,
    keygen_fingerprint,
    paramiko_required,
    sshd_factory,
    sshd_server,
)

PY = sys.executable  # the "device" is this machine: its python is there too
ECHO = "import sys, json, os; print(json.dumps([sys.argv[1:], os.environ.get('X')]))"

# Text that means something to a shell, plus arbitrary Unicode (no NUL: argv cannot hold it).
SHELL_SPECIAL = st.sampled_from([
    "$(touch pwned)", "`id`", "; echo hi", "a b", "'", '"', "\n", "\\", "$HOME", "*", "~", "-n",
    "--", "&& false", "| cat", ">x", "%s", "\t", "$'\\n'", "!!", "#", "{a,b}", "${X:-y}", "",
])
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                   max_size=30)
HOSTILE = st.one_of(SHELL_SPECIAL, ANY_TEXT)


@pytest.fixture(autouse=True)
def no_agent(monkeypatch):
    """Keys in a developer's agent must not make authentication tests pass or fail."""
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)


def transport(server, known_hosts, **kw):
    kw.setdefault("key_file", server.client_key)
    return SSHTransport(server.host, server.port, server.user, known_hosts=str(known_hosts),
                        connect_timeout=5, command_timeout=30, **kw)


@pytest.fixture
def ssh(sshd_server, tmp_path):
    t = transport(sshd_server, sshd_server.write_known_hosts(tmp_path / "known_hosts"))
    yield t
    t.close()


@pytest.fixture(scope="module")
def shared_ssh(sshd_server, tmp_path_factory):
    kh = sshd_server.write_known_hosts(tmp_path_factory.mktemp("kh") / "known_hosts")
    t = transport(sshd_server, kh)
    yield t
    t.close()


def one_line(exc):
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text
    return text


# -- quoting (no sshd needed) --------------------------------------------------------------

def test_command_line_quotes_every_word():
    assert command_line(["echo", "a b", "$(id)"]) == "echo 'a b' '$(id)'"
    assert command_line(["run"], env={"B": "x y", "A": "1"}) == "env A=1 'B=x y' run"
    for bad_env in ({"A B": "1"}, {"A=B": "1"}, {"": "1"}):
        with pytest.raises(ValueError):
            command_line(["true"], env=bad_env)
    with pytest.raises(ValueError):
        command_line(["echo", "a\0b"])
    with pytest.raises(TypeError):
        command_line("echo hi")
    with pytest.raises(ValueError):
        command_line(["A=1", "true"])


@settings(max_examples=60, deadline=None)
@given(args=st.lists(HOSTILE, max_size=4), x=HOSTILE)
def test_command_line_survives_a_local_shell(args, x):
    line = command_line([PY, "-c", ECHO] + args, env={"X": x})
    out = subprocess.run(["sh", "-c", line], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [args, x]


# -- commands over SSH ----------------------------------------------------------------------

@pytest.mark.ssh
def test_run_returns_status_stdout_stderr(ssh):
    code = "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"
    assert ssh.run([PY, "-c", code]) == (3, "out\n", "err\n")
    assert ssh.run(["cat"], stdin_data="hello\nworld") == (0, "hello\nworld", "")
    assert ssh.run(["sh", "-c", "exit 0"])[0] == 0


@pytest.mark.ssh
def test_run_reports_signals_and_missing_commands(ssh):
    status, out, err = ssh.run([PY, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"])
    assert (status, out, err) == (-9, "", "")
    assert ssh.run(["no-such-command-here"])[0] == 127


@pytest.mark.ssh
def test_run_timeout_kills_the_command(ssh, tmp_path):
    marker = tmp_path / "still-running"
    code = "import time, pathlib; time.sleep(2); pathlib.Path({!r}).touch()".format(str(marker))
    start = time.monotonic()
    with pytest.raises(RemoteTimeout) as info:
        ssh.run([PY, "-c", code], timeout=0.3)
    assert time.monotonic() - start < 2
    assert "did not finish within 0.3 s and was killed" in one_line(info.value)
    time.sleep(max(0.0, start + 2.5 - time.monotonic()))
    assert not marker.exists()  # killed, not merely abandoned


@pytest.mark.ssh
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=st.lists(HOSTILE, max_size=4), x=HOSTILE)
def test_hostile_argv_and_env_arrive_verbatim(shared_ssh, args, x):
    status, out, err = shared_ssh.run([PY, "-c", ECHO] + args, env={"X": x})
    assert status == 0, err
    assert json.loads(out) == [args, x]


@pytest.mark.ssh
def test_shell_syntax_is_never_executed(ssh, tmp_path):
    target = tmp_path / "pwned"
    hostile = ["$(touch {})".format(target), "`touch {}`".format(target), "; touch {}".format(target),
               "\ntouch {}".format(target)]
    status, out, _ = ssh.run(["echo"] + hostile, env={"X": "$(touch {})".format(target)})
    assert status == 0 and out == " ".join(hostile) + "\n"
    assert not target.exists()


@pytest.mark.ssh
def test_popen_streams_lines_and_kill_works(ssh):
    code = ("import sys, time\nprint('ready', flush=True)\n"
            "for line in sys.stdin:\n    print('echo ' + line.strip(), flush=True)\n"
            "time.sleep(60)\n")
    proc = ssh.popen([PY, "-u", "-c", code])
    try:
        assert next(proc.stdout) == "ready\n"
        proc.stdin.write("hello\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == "echo hello\n"
        assert proc.poll() is None  # lines arrive while it still runs
        proc.stdin.close()
        start = time.monotonic()
        proc.kill()
        assert proc.wait(timeout=10) == -9
        assert time.monotonic() - start < 5
        assert list(proc.stdout) == []
    finally:
        proc.close()


@pytest.mark.ssh
def test_popen_wait_timeout_and_clean_exit(ssh):
    proc = ssh.popen([PY, "-c", "import sys; print(sys.stdin.read().upper())"], env={"X": "1"})
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(timeout=0.2)
    proc.stdin.write("end of input")
    proc.stdin.close()
    assert proc.wait(timeout=10) == 0
    assert proc.stdout.read() == "END OF INPUT\n"
    proc.close()


# -- host keys --------------------------------------------------------------------------------

@pytest.mark.ssh
def test_unknown_host_key_is_refused_with_fingerprint_and_fix(sshd_server, tmp_path):
    kh = tmp_path / "known_hosts"
    with pytest.raises(HostKeyError) as info:
        transport(sshd_server, kh).connect()
    msg = one_line(info.value)
    assert "ssh-ed25519 " + keygen_fingerprint(sshd_server.host_key + ".pub") in msg
    assert "127.0.0.1:{}".format(sshd_server.port) in msg
    assert "trust_on_first_use = true" in msg and str(kh) in msg
    assert info.value.exit_code == 3 and isinstance(info.value, EnvironmentProblem)
    assert not kh.exists()


@pytest.mark.ssh
def test_trust_on_first_use_records_the_key_then_connects(sshd_server, tmp_path):
    kh = tmp_path / "ssh" / "known_hosts"
    with transport(sshd_server, kh, trust_on_first_use=True) as first:
        assert first.run(["true"])[0] == 0
        assert first.recorded_host_key == "ssh-ed25519 " + keygen_fingerprint(sshd_server.host_key + ".pub")
    assert kh.read_text() == sshd_server.known_hosts
    with transport(sshd_server, kh) as second:  # no TOFU needed any more
        assert second.run(["true"])[0] == 0
        assert second.recorded_host_key is None
    assert kh.read_text() == sshd_server.known_hosts  # recorded once


@pytest.mark.ssh
def test_changed_host_key_is_always_refused(sshd_server, tmp_path):
    other = keygen(tmp_path / "other_host_key")
    with open(other + ".pub") as fh:
        other_pub = " ".join(fh.read().split()[:2])
    kh = tmp_path / "known_hosts"
    kh.write_text("[127.0.0.1]:{} {}\n".format(sshd_server.port, other_pub))
    for tofu in (False, True):
        with pytest.raises(HostKeyError) as info:
            transport(sshd_server, kh, trust_on_first_use=tofu).connect()
        msg = one_line(info.value)
        assert "HOST KEY CHANGED" in msg and "man-in-the-middle" in msg
        assert keygen_fingerprint(other + ".pub") in msg
        assert keygen_fingerprint(sshd_server.host_key + ".pub") in msg
    assert kh.read_text().count("\n") == 1  # never rewritten


# -- authentication and reachability -----------------------------------------------------------

@pytest.mark.ssh
def test_wrong_client_key_is_an_authentication_error(sshd_server, tmp_path):
    wrong = keygen(tmp_path / "wrong_key")
    t = transport(sshd_server, sshd_server.write_known_hosts(tmp_path / "kh"), key_file=wrong)
    with pytest.raises(AuthError) as info:
        t.connect()
    msg = one_line(info.value)
    assert "authentication failed for {}@127.0.0.1:{}".format(sshd_server.user, sshd_server.port) in msg
    assert wrong in msg and "ssh-copy-id" in msg
    assert info.value.exit_code == 3


@pytest.mark.ssh
def test_passphrase_key_without_agent_says_ssh_add(sshd_server, tmp_path, monkeypatch):
    locked = keygen(tmp_path / "locked_key", passphrase="secret words")
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # not a terminal: no prompt
    t = transport(sshd_server, sshd_server.write_known_hosts(tmp_path / "kh"), key_file=locked)
    with pytest.raises(AuthError) as info:
        t.connect()
    assert "passphrase-protected" in one_line(info.value) and "ssh-add " + locked in str(info.value)


@pytest.mark.ssh
def test_missing_key_file(sshd_server, tmp_path):
    t = transport(sshd_server, tmp_path / "kh", key_file=str(tmp_path / "nope"))
    with pytest.raises(AuthError, match="key file .*nope not found"):
        t.connect()


@pytest.mark.ssh
@pytest.mark.usefixtures("paramiko_required")
def test_closed_port_is_a_connection_error(tmp_path):
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    t = SSHTransport("127.0.0.1", port, "nobody", known_hosts=str(tmp_path / "kh"), connect_timeout=3)
    with pytest.raises(ConnectError) as info:
        t.run(["true"])
    msg = one_line(info.value)
    assert "connection refused by 127.0.0.1:{}".format(port) in msg and "sshd running" in msg


@pytest.mark.ssh
@pytest.mark.usefixtures("paramiko_required")
def test_silent_port_is_a_handshake_error(tmp_path):
    with socket.socket() as server:  # accepts TCP, never says "SSH-2.0"
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        t = SSHTransport("127.0.0.1", port, "nobody", known_hosts=str(tmp_path / "kh"), connect_timeout=1)
        with pytest.raises(ConnectError) as info:
            t.connect()
    assert "127.0.0.1:{}".format(port) in one_line(info.value)


@pytest.mark.ssh
@pytest.mark.usefixtures("paramiko_required")
def test_unanswered_connect_is_a_timeout(tmp_path):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        backlog = []
        try:
            for _ in range(8):  # fill the accept queue: further SYNs go unanswered
                client = socket.create_connection(("127.0.0.1", port), timeout=0.3)
                backlog.append(client)
            pytest.skip("this kernel kept accepting connections; cannot simulate a dead host")
        except socket.timeout:
            pass
        t = SSHTransport("127.0.0.1", port, "nobody", known_hosts=str(tmp_path / "kh"), connect_timeout=1)
        try:
            with pytest.raises(ConnectError) as info:
                t.connect()
        finally:
            for client in backlog:
                client.close()
    msg = one_line(info.value)
    assert "connecting to 127.0.0.1:{} timed out after 1 s".format(port) in msg


# -- files ------------------------------------------------------------------------------------

@pytest.mark.ssh
def test_push_is_content_addressed(ssh, tmp_path):
    local = tmp_path / "model.onnx"
    local.write_bytes(os.urandom(200000))
    remote_dir = tmp_path / "device" / "work" / "artifacts"
    first = ssh.push(str(local), str(remote_dir))
    assert first == str(remote_dir / (sha256_file(str(local)) + ".onnx"))
    assert open(first, "rb").read() == local.read_bytes()  # the device is this machine
    mtime = os.stat(first).st_mtime_ns
    time.sleep(0.05)
    assert ssh.push(str(local), str(remote_dir)) == first
    assert ssh.push(str(local), str(remote_dir), verify=True) == first
    assert ssh.stats["uploaded"] == 1 and ssh.stats["skipped"] == 2
    assert os.stat(first).st_mtime_ns == mtime  # not re-sent
    local.write_bytes(b"changed")
    second = ssh.push(str(local), str(remote_dir))
    assert second != first and ssh.stats["uploaded"] == 2
    assert sorted(os.listdir(remote_dir)) == sorted([os.path.basename(first), os.path.basename(second)])


@pytest.mark.ssh
def test_push_replaces_a_damaged_copy(ssh, tmp_path):
    local = tmp_path / "runner.pyz"
    local.write_bytes(b"x" * 1000)
    remote = ssh.push(str(local), str(tmp_path / "dev"))
    with open(remote, "wb") as fh:
        fh.write(b"y" * 1000)  # same size, other content: only verify notices
    assert ssh.sha256_remote(remote) != sha256_file(str(local))
    ssh.push(str(local), str(tmp_path / "dev"), verify=True)
    assert ssh.sha256_remote(remote) == sha256_file(str(local))
    assert ssh.sha256_remote(str(tmp_path / "dev" / "absent")) is None


@pytest.mark.ssh
def test_put_pull_mkdir_and_home(ssh, tmp_path):
    local = tmp_path / "a.txt"
    local.write_text("payload")
    target = tmp_path / "x" / "y" / "z"
    assert ssh.mkdir_p(str(target)) == str(target) and target.is_dir()
    assert ssh.mkdir_p(str(target)) == str(target)  # idempotent
    ssh.put(str(local), str(target / "a.txt"), mode=0o755)
    assert (target / "a.txt").read_text() == "payload" and os.access(str(target / "a.txt"), os.X_OK)
    assert ssh.pull(str(target / "a.txt"), str(tmp_path / "b.txt")) == str(tmp_path / "b.txt")
    assert (tmp_path / "b.txt").read_text() == "payload"
    assert [n for n in os.listdir(target) if ".tmp-" in n] == []
    assert ssh.expand("~") == os.path.expanduser("~") == ssh.expand(".")
    assert ssh.expand("~/bench/w") == os.path.join(os.path.expanduser("~"), "bench", "w")
    with pytest.raises(SSHError) as info:
        ssh.mkdir_p(str(target / "a.txt" / "sub"))
    one_line(info.value)


# -- the device goes away -------------------------------------------------------------------------

@pytest.mark.ssh
def test_sshd_stopped_mid_command_is_connection_lost(sshd_factory, tmp_path):
    server = sshd_factory()
    t = transport(server, server.write_known_hosts(tmp_path / "kh"))
    proc = t.popen([PY, "-u", "-c", "import time; print('started'); time.sleep(60)"])
    assert proc.stdout.readline() == "started\n"
    outcome = {}

    def blocking_run():
        try:
            outcome["result"] = t.run(["sleep", "60"])
        except Exception as exc:
            outcome["error"] = exc

    runner = threading.Thread(target=blocking_run)
    runner.start()
    time.sleep(0.5)
    server.stop()
    runner.join(10)
    assert not runner.is_alive()
    assert isinstance(outcome.get("error"), ConnectionLost), outcome
    assert "connection to {} lost while".format(t.where) in one_line(outcome["error"])
    assert list(proc.stdout) == []  # the stream ends ...
    with pytest.raises(ConnectionLost, match="lost while running"):
        proc.wait(timeout=10)  # ... and the exit status is known to be unknowable
    with pytest.raises(ConnectError):
        t.run(["true"])  # sshd is down: refused, not a hang
    server.start()
    assert t.run(["echo", "back"]) == (0, "back\n", "")  # the same transport reconnects
    with pytest.raises(ConnectionLost):
        proc.poll()  # the old process still belongs to the dead connection
    t.close()
