"""Reading input CSVs for the analyses, with one-line errors naming file, column, line.

Every analysis command takes CSVs a person may have edited or produced with
another tool, so a missing file, a missing column or a non-number is reported
as a :class:`BenchError` (exit 2) instead of a traceback. Writing is atomic
(temporary file, then rename): derived tables are recomputed whole, never torn.
"""

import csv
import io
import os

from bench.errors import BenchError


def read_table(path, required=(), what="CSV"):
    """-> (columns, rows as dicts). A torn last line (no newline) is ignored."""
    try:
        with open(path, newline="") as fh:
            text = fh.read()
    except FileNotFoundError:
        raise BenchError("{} {} not found".format(what, path)) from None
    except IsADirectoryError:
        raise BenchError("{} {} is a directory, not a CSV file".format(what, path)) from None
    except OSError as exc:
        raise BenchError("cannot read {} {}: {}".format(what, path, exc.strerror or exc)) from None
    except UnicodeDecodeError:
        raise BenchError("{} {} is not a text CSV file".format(what, path)) from None
    if text and not text.endswith("\n"):
        text = text[:text.rfind("\n") + 1]
    reader = csv.DictReader(io.StringIO(text))
    columns = [c.strip() for c in (reader.fieldnames or [])]
    missing = [c for c in required if c not in columns]
    if missing:
        raise BenchError("{} {} lacks column{} {} (it has: {}); expected at least: {}".format(
            what, path, "s" if len(missing) > 1 else "", ", ".join(missing),
            ", ".join(columns) or "nothing", ", ".join(required)))
    rows = [{(k or "").strip(): (v or "").strip() for k, v in r.items()} for r in reader]
    return columns, rows


def number(value, path, line, column, positive=False):
    """A float from a cell, or a one-line error naming where it was."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise BenchError("{} line {}: {} {!r} is not a number".format(
            path, line, column, value)) from None
    if x != x or (positive and x <= 0):
        raise BenchError("{} line {}: {} must be a number > 0, got {!r}".format(
            path, line, column, value))
    return x


def optional_float(value):
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if x == x else None


def write_table(path, columns, rows):
    """Write ``rows`` (dicts) as CSV atomically; floats with 6 significant digits."""
    parent = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(parent, exist_ok=True)
        tmp = "{}.{}.tmp".format(path, os.getpid())
        with open(tmp, "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(columns)
            for r in rows:
                w.writerow([_cell(r.get(c)) for c in columns])
        os.replace(tmp, path)
    except OSError as exc:
        from bench.errors import EnvironmentProblem

        raise EnvironmentProblem("cannot write {}: {}; pass --out to a writable path".format(
            path, exc.strerror or exc)) from None
    return path


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "{:.6g}".format(v)
    return str(v)
