"""bench: on-device benchmarking of neural networks (Jetson over SSH, Android over adb, local)."""

__version__ = "0.1.0"


# The Python API (bench/api.py), imported when first called: ``import bench`` stays light,
# and this file is shipped to devices, where only the measurement code runs.
def run(*args, **kwargs):
    from bench.api import run as _run
    return _run(*args, **kwargs)


def sweep_resolution(*args, **kwargs):
    from bench.api import sweep_resolution as _sweep
    return _sweep(*args, **kwargs)


def compare_fp16(*args, **kwargs):
    from bench.api import compare_fp16 as _compare
    return _compare(*args, **kwargs)


def list_models(*args, **kwargs):  # (not ``models``: that name is the bench.models package)
    from bench.api import list_models as _list
    return _list(*args, **kwargs)


def read_results(path):
    from bench.api import read_results as _read
    return _read(path)


run.__doc__ = "bench run as a function -> DataFrame (see bench/api.py)."
sweep_resolution.__doc__ = "bench sweep-resolution as a function -> DataFrame (bench/api.py)."
compare_fp16.__doc__ = "bench compare-fp16 as a function -> DataFrame (bench/api.py)."
list_models.__doc__ = "bench models as a function -> DataFrame (bench/api.py)."
read_results.__doc__ = "A results CSV as a checked DataFrame (bench/api.py)."
