"""The device runner zipapp: deterministic, self-contained, and it runs the real worker."""

import os
import subprocess
import sys
import zipfile

from bench.measure.messages import Candidate, GroupResult, Hello, MeasureJob, decode
from bench.payload import build_runner, shipped_files


def test_runner_is_deterministic_and_named_by_content(tmp_path):
    a = build_runner(str(tmp_path / "a"))
    b = build_runner(str(tmp_path / "b"))
    assert os.path.basename(a) == os.path.basename(b)
    with open(a, "rb") as fa, open(b, "rb") as fb:
        assert fa.read() == fb.read()
    names = zipfile.ZipFile(a).namelist()
    assert "__main__.py" in names and "bench/measure/worker.py" in names
    assert len(names) == len(shipped_files()) + 1
    assert not any(n.startswith(("bench/models/", "bench/cli/")) for n in names)


def test_runner_runs_a_job_with_nothing_but_the_zip(tmp_path):
    """Outside the repo, with no PYTHONPATH: everything the worker needs is in the zip."""
    import torch

    module = torch.jit.freeze(torch.jit.trace(torch.nn.Conv2d(3, 4, 3).eval(),
                                              torch.zeros(1, 3, 16, 16)))
    artifact = str(tmp_path / "m.ts.pt")
    module.save(artifact)
    runner = build_runner(str(tmp_path))
    job = MeasureJob(id="1", runtime="torchscript", threads=1, trial_size=3, rounds=2, warmup=1,
                     candidates=[Candidate(key=k, label=k, artifact=artifact, resolution=16)
                                 for k in ("a", "b")])
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    res = subprocess.run([sys.executable, runner], input=job.to_line() + "\n", env=env,
                         cwd=str(tmp_path), capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    messages = [decode(line) for line in res.stdout.splitlines()]
    assert isinstance(messages[0], Hello)
    result = messages[-1]
    assert isinstance(result, GroupResult) and result.status == "ok", result
    assert [r.key for r in result.results] == ["a", "b"]
    for r in result.results:
        assert r.status == "ok", r
        assert r.trial_iters == [3, 3] and r.trial_round == [0, 1]
