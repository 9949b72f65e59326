"""Small file helpers shared by the artifact cache, the results files and the device
transports."""

import errno
import hashlib
import os

FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG)


def sha256_file(path):
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_problem(path, exc, what="write", elsewhere="--out"):
    """An OSError while writing ``path`` -> the one-line EnvironmentProblem (exit 3) naming
    the path, what the system said and the fix (``elsewhere``: how to write somewhere
    else, e.g. ``--out`` or ``[export].dir``)."""
    from bench.errors import EnvironmentProblem

    reason = exc.strerror or str(exc)
    if getattr(exc, "errno", None) in FULL:
        fix = "free space on the disk holding {} (or use {} elsewhere)".format(
            os.path.dirname(os.path.abspath(path)), elsewhere)
    else:
        fix = "use {} with a writable path".format(elsewhere)
    return EnvironmentProblem("cannot {} {}: {}; {}".format(what, path, reason, fix))
