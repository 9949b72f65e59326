"""The shipped runner under the Pythons Jetsons have: 3.6 (JetPack 4), 3.8 (JetPack 5),
3.10 (JetPack 6), 3.12 (the newest images). Where such an interpreter is installed here
(pyenv's or the system's), every shipped file compiles under it, ``runner.pyz probe``
prints its JSON and the worker says hello; elsewhere the case skips with the reason. The
static checks (vermin, removed modules) in test_py36.py hold everywhere."""

import glob
import json
import os
import shutil
import subprocess

import pytest

from bench.payload import build_runner, shipped_files

VERSIONS = ("3.6", "3.8", "3.10", "3.12")


def find_python(version):
    """An interpreter of ``version`` that runs (pyenv's installs, then PATH; a pyenv shim for
    a version not selected exits 127, so each is tried)."""
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = sorted(glob.glob(os.path.join(root, "versions", version + ".*", "bin", "python")),
                        reverse=True) + [shutil.which("python" + version)]
    for python in filter(None, candidates):
        try:
            res = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=30)
        except OSError:
            continue
        if res.returncode == 0 and res.stdout.strip() == version:
            return python
    return None


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    return build_runner(str(tmp_path_factory.mktemp("runner")))


COMPILE = """
import sys
bad = []
for path in sys.argv[1:]:
    with open(path) as fh:
        try:
            compile(fh.read(), path, "exec")
        except SyntaxError as exc:
            bad.append("{}: {}".format(path, exc))
print("\\n".join(bad))
sys.exit(1 if bad else 0)
"""


@pytest.mark.parametrize("version", VERSIONS)
def test_the_runner_on_the_pythons_of_jetpack_4_to_6(version, runner):
    python = find_python(version)
    if python is None:
        pytest.skip("no python{} here (pyenv or the system's) to run the shipped runner "
                    "under".format(version))
    res = subprocess.run([python, "-c", COMPILE] + shipped_files(), capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    res = subprocess.run([python, runner, "probe", os.path.dirname(runner)], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    probe = json.loads(res.stdout.strip().splitlines()[-1])
    assert probe["python"].startswith(version + ".")
    assert "onnxruntime" in probe["runtimes"] and "tegrastats" in probe["tools"]
    res = subprocess.run([python, runner], input="", capture_output=True, text=True, timeout=60)
    hello = json.loads(res.stdout.splitlines()[0])
    assert (hello["event"], hello["python"][:len(version) + 1]) == ("hello", version + ".")
    assert res.returncode == 0, res.stderr
