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
