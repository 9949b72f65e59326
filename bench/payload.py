"""What is shipped to devices: the measurement worker and the runtimes, nothing else.

The same files time models on the host and on a Jetson (STYLE 12), so they are
held to the oldest interpreter they must run on: Python 3.6 (JetPack 4.6).
``tests/test_py36.py`` checks them with vermin.
"""

import os

import bench

MIN_PYTHON = (3, 6)

# Relative to the directory that contains the ``bench`` package.
SHIPPED = (
    "bench/__init__.py",
    "bench/errors.py",
    "bench/registry.py",
    "bench/_torchvision.py",  # torchvision next to a CPU-only torch (used by the torch runtime)
    "bench/measure",
    "bench/runtimes",
)


def package_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(bench.__file__)))


def shipped_files():
    """Absolute paths of every shipped ``.py`` file."""
    root = package_root()
    files = []
    for rel in SHIPPED:
        path = os.path.join(root, rel)
        if os.path.isdir(path):
            files.extend(os.path.join(path, f) for f in sorted(os.listdir(path)) if f.endswith(".py"))
        else:
            files.append(path)
    return files


RUNNER_MAIN = (
    "# bench device runner: `python runner.pyz` is the measurement worker,\n"
    "# `python runner.pyz probe [WORKDIR]` prints what the device can run (JSON).\n"
    "import sys\n"
    "from importlib.machinery import PathFinder\n"
    "\n"
    "\n"
    "class ShippedBench(object):\n"
    "    # `bench` comes from this zip only, never from a bench installed on the device\n"
    "    # (an editable install's finder would otherwise win over the zip on sys.path).\n"
    "    @staticmethod\n"
    "    def find_spec(name, path=None, target=None):\n"
    "        if name != 'bench' and not name.startswith('bench.'):\n"
    "            return None\n"
    "        spec = PathFinder.find_spec(name, path if path is not None else [sys.path[0]])\n"
    "        if spec is None:\n"
    "            raise ModuleNotFoundError('No module named {!r} in the shipped runner'.format(name), name=name)\n"
    "        return spec\n"
    "\n"
    "\n"
    "sys.meta_path.insert(0, ShippedBench)\n"
    "if sys.argv[1:2] == ['probe']:\n"
    "    from bench.measure.probe import main\n"
    "else:\n"
    "    from bench.measure.worker import main\n"
    "sys.exit(main())\n"
)
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # zip entries carry no build time: same files, same bytes


def build_runner(dest_dir):
    """Write the shipped files as a zipapp ``runner-<sha12>.pyz`` in ``dest_dir``; return its path.

    Deterministic (sorted entries, fixed timestamps), so its name is its content and an
    unchanged runner is never sent to a device again.
    """
    import hashlib
    import io
    import zipfile

    root = package_root()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        entries = [(os.path.relpath(p, root).replace(os.sep, "/"), p) for p in shipped_files()]
        for arcname, path in sorted(entries):
            with open(path, "rb") as fh:
                zf.writestr(zipfile.ZipInfo(arcname, _FIXED_TIME), fh.read(),
                            compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr(zipfile.ZipInfo("__main__.py", _FIXED_TIME), RUNNER_MAIN,
                    compress_type=zipfile.ZIP_DEFLATED)
    data = buf.getvalue()
    os.makedirs(dest_dir, exist_ok=True)
    path = os.path.join(dest_dir, "runner-{}.pyz".format(hashlib.sha256(data).hexdigest()[:12]))
    if not os.path.exists(path):
        tmp = path + ".tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    return path
