"""Reading input CSVs for the analyses, with one-line errors naming file, line and column.

Every analysis command (``bench plot``, ``bench compare-fp16 --from``, ``bench
estimate``) reads its CSVs through :func:`read_table`, because they are files a
person may have edited, exported from a spreadsheet or produced with another
tool. A missing file, a file that is not a CSV, a missing column or a cell that
is not a usable number is a :class:`BenchError` (exit 2) naming where, never a
traceback and never a plausible-looking chart of garbage. Writing is atomic
(temporary file, then rename): derived tables are recomputed whole, never torn.
"""

import codecs
import csv
import io
import os
import re

from bench.errors import BenchError

_LEADING_BLANK = re.compile(r"(?:[ \t\r]*\n)*")
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_UNCLOSED = re.compile(r"EOF inside string starting at row (\d+)")


class Table:
    """One CSV as read: ``columns`` (header order), ``rows`` (dicts of stripped strings;
    rows with every cell empty are left out) and ``lines`` (the line in the file where
    each row starts; the header is line 1)."""

    def __init__(self, path, columns, rows, lines):
        self.path = path
        self.columns = columns
        self.rows = rows
        self.lines = lines

    def counts(self, row):
        """Whether ``row`` is a measurement: status ``ok``, or any row without a status column."""
        return "status" not in self.columns or row.get("status") == "ok"

    def where(self, i):
        """``PATH line N`` of ``rows[i]``, to start an error message."""
        return "{} line {}".format(self.path, self.lines[i])


def read_table(path, required=(), numbers=(), optional=(), what="CSV"):
    """Read and check one analysis input CSV -> :class:`Table`.

    UTF-8 with or without a byte-order mark, LF or CRLF line ends; a torn last line
    (no newline: a write cut short) is ignored. ``required``: columns that must exist.
    ``numbers``: columns whose cell must be a finite number > 0 on every row that
    :meth:`Table.counts` (rows of another status may leave it empty); a column in
    ``numbers`` but not in ``required`` is checked only where the file has it.
    ``optional``: columns that may be empty anywhere, but a value given must be a
    finite number > 0. Anything else is a one-line :class:`BenchError` (exit 2) naming
    the file (and the line, column and value where there is one): missing, a directory,
    empty, binary, not UTF-8, not comma-separated, a row with too many fields, no rows.
    """
    text, first_line = _text(path, what)
    records = _parse(text, path, what, first_line)
    starts = _record_lines(text, first_line)
    if len(starts) != len(records):  # the csv module and pandas disagree: count records
        starts = list(range(first_line, first_line + len(records)))
    header = [" ".join(str(c).split()) for c in records.iloc[0]]  # one line in messages
    named = [i for i, c in enumerate(header) if c]  # trailing commas make unnamed columns
    columns = [header[i] for i in named]
    dup = next((c for i, c in enumerate(columns) if c in columns[:i]), None)
    if dup is not None:
        raise BenchError("{} {} has two columns named {}; keep one".format(what, path, dup))
    missing = [c for c in required if c not in columns]
    if missing:
        raise BenchError(_missing(path, what, columns, missing, required))
    frame = records.iloc[1:, named].fillna("")
    frame.columns = columns
    frame = frame.apply(lambda col: col.str.strip())
    keep = frame.ne("").any(axis=1).to_numpy()  # blank lines, ",,,," rows of a spreadsheet
    frame = frame[keep]
    lines = [n for n, k in zip(starts[1:], keep) if k]
    if frame.empty:
        raise BenchError("{} {} has a header but no rows".format(what, path))
    table = Table(path, columns, frame.to_dict("records"), lines)
    _check_numbers(table, frame, numbers, optional)
    return table


def _text(path, what):
    """The file's text without the BOM, leading blank lines and a torn last line; and the
    number of its first line."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise BenchError("{} {} not found".format(what, path)) from None
    except IsADirectoryError:
        raise BenchError("{} {} is a directory, not a CSV file".format(what, path)) from None
    except OSError as exc:
        raise BenchError("cannot read {} {}: {}".format(what, path, exc.strerror or exc)) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise BenchError("{} {} is UTF-16 text, not a UTF-8 CSV; save it as \"CSV UTF-8\"".format(
            what, path))
    if data.startswith(b"PK\x03\x04"):
        raise BenchError("{} {} is a ZIP archive (a spreadsheet workbook?), not a CSV file; "
                         "save it as \"CSV UTF-8\"".format(what, path))
    if b"\x00" in data:
        raise BenchError("{} {} is a binary file, not a CSV file".format(what, path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BenchError("{} {} line {}: byte 0x{:02x} is not UTF-8 (a binary file, or text in "
                         "another encoding); save it as \"CSV UTF-8\"".format(
                             what, path, data[:exc.start].count(b"\n") + 1,
                             data[exc.start])) from None
    if not text.strip():
        raise BenchError("{} {} is empty".format(what, path))
    if not text.endswith("\n"):
        text = _without_torn_tail(text)
        if not text.strip():
            raise BenchError("{} {} has no complete line (its only line has no newline at the "
                             "end)".format(what, path))
    blank = _LEADING_BLANK.match(text).group()
    return text[len(blank):], blank.count("\n") + 1


def _without_torn_tail(text):
    """A last line without a newline: kept when it has as many fields as the header (a file
    saved without the final newline, as spreadsheets do), dropped when it has fewer (a
    write cut short)."""
    body, _, last = text.rpartition("\n")
    try:
        header = next(csv.reader(io.StringIO(text.lstrip())))
        fields = next(csv.reader(io.StringIO(last)))
    except (StopIteration, csv.Error):
        return body + "\n" if body else ""
    if body and len(fields) >= len(header):
        return text + "\n"
    return body + "\n" if body else ""


def _parse(text, path, what, first_line):
    """Every record as strings (header included), one per record: pandas, no type guessing."""
    import pandas as pd

    try:
        return pd.read_csv(io.StringIO(text), header=None, dtype=str, na_filter=False,
                           skip_blank_lines=False, engine="c")
    except pd.errors.EmptyDataError:
        raise BenchError("{} {} is empty".format(what, path)) from None
    except pd.errors.ParserError as exc:
        message = str(exc)
        starts = _record_lines(text, first_line)
        found = _FIELDS.search(message)
        if found:
            want, record, got = (int(g) for g in found.groups())
            raise BenchError("{} line {}: {} fields but the header has {} (a value with a comma "
                             "must be in double quotes)".format(
                                 path, _line(starts, record - 1, first_line), got, want)) from None
        found = _UNCLOSED.search(message)
        if found:
            raise BenchError("{} line {}: a double-quoted value is never closed".format(
                path, _line(starts, int(found.group(1)), first_line))) from None
        raise BenchError("{} {} is not a readable CSV file: {}".format(
            what, path, message.strip().splitlines()[-1])) from None


def _record_lines(text, first_line):
    """The line where each CSV record starts (a quoted value may span lines)."""
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    starts, line = [], first_line
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for _ in reader:
            starts.append(line)
            line = first_line + reader.line_num
    except csv.Error:
        return []  # the caller falls back to counting records
    return starts


def _line(starts, record, first_line):
    return starts[record] if 0 <= record < len(starts) else first_line + record


def _missing(path, what, columns, missing, required):
    if len(columns) <= 1:
        head = columns[0] if columns else ""
        for sep, name in ((";", "semicolons"), ("\t", "tabs")):
            if sep in head:
                return ("{} {} is separated by {}, not commas; save it as a comma-separated "
                        "CSV".format(what, path, name))
        return ("{} {} does not look like a CSV file: its first line {} is not comma-separated "
                "column names; expected at least: {}".format(what, path, _show(head),
                                                             ", ".join(required)))
    shown = ", ".join(columns[:15]) + (", ..." if len(columns) > 15 else "")
    return "{} {} lacks column{} {} (it has: {}); expected at least: {}".format(
        what, path, "s" if len(missing) > 1 else "", ", ".join(missing), shown,
        ", ".join(required))


def _check_numbers(table, frame, numbers, optional):
    """Raise on the first cell (in file order) of ``numbers``/``optional`` that is unusable."""
    import numpy as np
    import pandas as pd

    counted = (frame["status"].eq("ok") if "status" in frame.columns
               else pd.Series(True, index=frame.index)).to_numpy()
    first = None
    for col in list(numbers) + [c for c in optional if c not in numbers]:
        if col not in frame.columns:
            continue
        given = frame[col].ne("").to_numpy()
        values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float,
                                                                      na_value=np.nan)
        with np.errstate(invalid="ignore"):
            bad = given & ~(np.isfinite(values) & (values > 0))
        if col in numbers:
            bad |= counted & ~given
        hits = np.flatnonzero(bad)
        if hits.size and (first is None or hits[0] < first[0]):
            first = (int(hits[0]), col, values[hits[0]])
    if first is None:
        return
    i, col, value = first
    text = table.rows[i][col]
    if not text:
        problem = "{} is empty{}".format(col, " on a row with status ok"
                                         if "status" in table.columns else "")
    elif value != value and text.lower().lstrip("+-") != "nan":
        problem = "{} {} is not a number".format(col, _show(text))
    elif value != value or value in (float("inf"), float("-inf")):
        problem = "{} {} is not a finite number".format(col, _show(text))
    else:
        problem = "{} {} must be a number > 0".format(col, _show(text))
    raise BenchError("{}: {}".format(table.where(i), problem))


def _show(text, n=40):
    return repr(text if len(text) <= n else text[:n - 3] + "...")


def optional_float(value):
    """A finite float from a cell, or None (empty, not a number, inf, nan)."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if x - x == 0 else None


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
