"""Small helpers the format modules share: package versions and presence, without importing."""

import importlib.util
from importlib import metadata

from bench.formats.base import ExportFailed


def dist_version(dist):
    """Installed version of distribution ``dist`` (e.g. "litert-torch"), or None."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def require_modules(format_name, modules, install):
    """ExportFailed naming the fix when any of ``modules`` cannot be imported here."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise ExportFailed("{} export needs {}, which is not installed: {}".format(
            format_name, ", ".join(missing), install))


def one_line(exc, limit=300):
    """``Type: first line of the message``, for a row's error column."""
    lines = str(exc).strip().splitlines()
    text = "{}: {}".format(type(exc).__name__, lines[0]) if lines else type(exc).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."
