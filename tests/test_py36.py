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


# Modules gone from the standard library by Python 3.12 (distutils, imp, asyncore,
# asynchat, smtpd: PEP 632, PEP 594 and the 3.12 "What's New") and those 3.13 drops
# (PEP 594): the runner must import on a JetPack 6 (3.10) and newer Jetson images alike.
REMOVED_MODULES = {"distutils", "imp", "asyncore", "asynchat", "smtpd", "aifc", "audioop",
                   "cgi", "cgitb", "chunk", "crypt", "imghdr", "mailcap", "msilib", "nis",
                   "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau", "telnetlib",
                   "uu", "xdrlib", "lib2to3"}


def removed_imports(path):
    """(line, module) for each import in ``path`` of a module removed by Python 3.13."""
    import ast

    with open(path) as fh:
        tree = ast.parse(fh.read(), path)
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        found += [(node.lineno, n) for n in names if n.split(".")[0] in REMOVED_MODULES]
    return found


def test_shipped_code_imports_no_module_removed_up_to_python_312():
    bad = {f: removed_imports(f) for f in shipped_files()}
    assert not {f: v for f, v in bad.items() if v}


def test_the_removed_module_check_catches_them(tmp_path):
    bad = tmp_path / "old.py"
    bad.write_text("import imp\nfrom distutils.version import LooseVersion\nimport os\n")
    assert removed_imports(str(bad)) == [(1, "imp"), (2, "distutils.version")]
