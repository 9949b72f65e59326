"""The code shipped to devices must run on Python 3.6 (SPEC §7): a static check."""

import os
import subprocess
import sys

from bench.payload import MIN_PYTHON, shipped_files

VERMIN = os.path.join(os.path.dirname(sys.executable), "vermin")


def run_vermin(files):
    target = "{}.{}-".format(*MIN_PYTHON)
    return subprocess.run([VERMIN, "-t=" + target, "--no-tips", "--violations",
                           "--eval-annotations", "--no-parse-comments"] + files,
                          capture_output=True, text=True)


def test_shipped_code_is_python36():
    files = shipped_files()
    assert any(f.endswith("worker.py") for f in files)
    res = run_vermin(files)
    assert res.returncode == 0, res.stdout + res.stderr


def test_the_check_catches_newer_syntax(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import dataclasses\nif (n := 3):\n    print(f'{n=}')\n")
    res = run_vermin([str(bad)])
    assert res.returncode != 0
    assert "3.8" in res.stdout or "3.7" in res.stdout
