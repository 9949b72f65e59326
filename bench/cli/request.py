"""The request stored with a results file, so that ``--resume`` continues exactly it.

Next to ``results/run-local-X.csv`` lies ``results/run-local-X.request.json``: the
command, the device, the model items, the runtimes and precision(s), the resolution(s)
and every measuring option as they were resolved when the file was started. On
``--resume`` the stored values fill in every flag not given; a flag that contradicts
them is refused (exit 2), because rows measured another way do not belong in that
file. The printed resume command is then just ``bench COMMAND --resume --out FILE``.
"""

import json
import os

from bench import __version__
from bench.errors import BenchError, EnvironmentProblem

# measuring options a resume may change: they do not change what a row means
OPERATIONAL = ("timeout_s", "isolate", "group_size", "group_max_mb")


def request_path(results_csv):
    return os.path.splitext(results_csv)[0] + ".request.json"


def describe(request):
    """The request as the flags that would make it (for messages)."""
    return "--models {} --runtimes {}".format(" ".join(request.get("models") or []),
                                              ",".join(request.get("runtimes") or []))


def save_request(results_csv, request):
    """Write the request next to ``results_csv`` (atomically)."""
    path = request_path(results_csv)
    data = dict(request, bench=__version__)
    tmp = "{}.{}.tmp".format(path, os.getpid())
    try:
        with open(tmp, "w") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.write("\n")
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise EnvironmentProblem("cannot write {}: {}; free space or pass --out to a writable "
                                 "path".format(path, exc.strerror or exc)) from None
    return path


def load_request(results_csv):
    """The stored request, or None when the file has none (made by an older bench)."""
    path = request_path(results_csv)
    try:
        with open(path) as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise BenchError("{} is unreadable ({}); it says how {} was measured: restore it, or "
                         "start a new --out".format(path, exc, results_csv)) from None
    if not isinstance(data, dict):
        raise BenchError("{} is not a bench request file; start a new --out".format(path))
    return data


def _same(flag_value, stored):
    if isinstance(stored, list):
        return list(flag_value) == stored
    if isinstance(stored, float) and isinstance(flag_value, (int, float)):
        return float(flag_value) == stored
    return flag_value == stored


class Flag:
    """How one flag maps to the stored request: ``attr`` on the argparse namespace, ``key`` in
    the request, how it is ``spelled``, and conversions from the flag's value to the stored
    form and back (identity when None)."""

    def __init__(self, attr, key=None, spelled=None, to_stored=None, to_args=None):
        self.attr = attr
        self.key = key or attr
        self.spelled = spelled or "--" + self.key.replace("_", "-")
        self.to_stored = to_stored or (lambda v: v)
        self.to_args = to_args or (lambda v: v)


def apply_request(args, stored, results_csv, flags):
    """Fill ``args`` from ``stored`` for a resume: each :class:`Flag` not given takes the
    stored value; a given one that differs (other than an operational one such as
    ``--timeout``) is a :class:`BenchError`."""
    for flag in flags:
        if flag.key not in stored:
            continue
        given = getattr(args, flag.attr, None)
        want = stored[flag.key]
        if given is not None and given is not False:
            if flag.key in OPERATIONAL:
                continue  # the flag wins: it does not change what a row means
            value = flag.to_stored(given)
            if not _same(value, want):
                raise BenchError("--resume: {} {} contradicts {}, which was measured with {}; "
                                 "drop the flag to continue it, or start a new --out".format(
                                     flag.spelled, _show(value), results_csv, _show(want)))
        setattr(args, flag.attr, flag.to_args(want) if want is not None else None)


def _show(value):
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
