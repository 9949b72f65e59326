"""A real ``redis-server`` on 127.0.0.1 for the lab tests (the broker and result backend
of bench's Celery lab). Fixture ``redis_url``: one server per test module, no persistence;
skipped with the reason where redis-server is missing, failing under
BENCH_REQUIRE_INTEGRATION=1."""

import os
import shutil
import socket
import subprocess
import time

import pytest

from conftest import integration_unavailable


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    binary = shutil.which("redis-server") or ("/usr/bin/redis-server" if os.path.exists(
        "/usr/bin/redis-server") else None)
    if binary is None:
        integration_unavailable("redis-server is not installed (apt-get install redis-server)")
    folder = tmp_path_factory.mktemp("redis")
    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("redis-server did not answer on 127.0.0.1:{}".format(port))
    yield "redis://127.0.0.1:{}/0".format(port)
    proc.terminate()
    proc.wait(10)
