"""The measurement worker on a "device" over real SSH: runner pushed by content, jobs
streamed as JSON lines, a killed remote process reported as a crashed result."""

import os
import sys

import pytest

from bench.devices.ssh.transport import SSHTransport
from bench.devices.worker_client import WorkerProcess
from bench.measure.messages import Candidate, MeasureJob
from bench.measure.worker import CRASH_HOOK_ENV
from bench.payload import build_runner
from sshd import paramiko_required, sshd_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.ssh


@pytest.fixture
def remote(sshd_server, tmp_path, monkeypatch):
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    t = SSHTransport(sshd_server.host, sshd_server.port, sshd_server.user,
                     key_file=sshd_server.client_key,
                     known_hosts=str(sshd_server.write_known_hosts(tmp_path / "known_hosts")),
                     connect_timeout=5, command_timeout=60)
    yield t
    t.close()


@pytest.fixture
def artifact(tmp_path):
    import torch

    module = torch.jit.freeze(torch.jit.trace(torch.nn.Conv2d(3, 4, 3).eval(),
                                              torch.zeros(1, 3, 16, 16)))
    path = str(tmp_path / "m.ts.pt")
    module.save(path)
    return path


def job(artifact, label, id_="1"):
    return MeasureJob(id=id_, runtime="torchscript", threads=1, trial_size=3, rounds=2, warmup=1,
                      candidates=[Candidate(key="conv", label=label, artifact=artifact,
                                            resolution=16)])


def start_remote_worker(remote, tmp_path, env=None):
    runner = build_runner(str(tmp_path / "payload"))
    workdir = str(tmp_path / "device-workdir")
    remote.mkdir_p(workdir)
    remote_runner = remote.push(runner, workdir)
    assert remote.push(runner, workdir) == remote_runner  # unchanged: not sent again
    assert remote.stats["skipped"] >= 1
    env = dict(env or {})
    env["PYTHONPATH"] = ""  # the device has only what the zip carries
    proc = remote.popen([sys.executable, remote_runner], env=env)
    worker = WorkerProcess(proc=proc)
    worker.start(timeout=60)
    return worker


def test_jobs_run_on_the_device_through_the_zipapp(remote, tmp_path, artifact):
    worker = start_remote_worker(remote, tmp_path)
    first = worker.request(job(artifact, "conv", "1"), timeout=60)
    second = worker.request(job(artifact, "conv", "2"), timeout=60)
    assert first.status == second.status == "ok", (first, second)
    assert second.results[0].status == "ok" and len(second.results[0].trial_ns) == 2
    worker.kill()


def test_a_killed_remote_measurement_is_a_crashed_result(remote, tmp_path, artifact):
    worker = start_remote_worker(remote, tmp_path, env={CRASH_HOOK_ENV: "boom"})
    assert worker.request(job(artifact, "fine", "1"), timeout=60).status == "ok"
    res = worker.request(job(artifact, "boom", "2"), timeout=60)
    assert res.status == "crashed" and res.culprit == "conv"
    assert "killed by SIGKILL" in res.error, res
    assert os.path.exists(artifact)
