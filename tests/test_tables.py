"""`read_table`: the one reader of every analysis input CSV (in-process: fast).

What a spreadsheet writes is accepted (byte-order mark, CRLF, empty trailing rows and
columns); what is not a usable result is one line (exit 2) naming file, line, column
and value, so garbage never becomes a plausible chart or number.
"""

import codecs
import math
import os
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.analysis.tables import read_table
from bench.errors import BenchError

RUN = ("model", "throughput", "status")


def _file(tmp_path, content, name="in.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path)


def _error(path, *args, **kw):
    with pytest.raises(BenchError) as info:
        read_table(path, *args, **kw)
    message = str(info.value)
    assert info.value.exit_code == 2 and "\n" not in message, message
    return message


def test_bom_crlf_blank_lines_and_spreadsheet_padding_are_accepted(tmp_path):
    text = "model,throughput,status,,\r\nresnet18,70.5,ok,,\r\n\r\nm2,,unsupported,,\r\n,,,,\r\n"
    t = read_table(_file(tmp_path, codecs.BOM_UTF8 + text.encode()), RUN,
                   numbers=("throughput",))
    assert t.columns == ["model", "throughput", "status"]
    assert t.rows == [{"model": "resnet18", "throughput": "70.5", "status": "ok"},
                      {"model": "m2", "throughput": "", "status": "unsupported"}]
    assert t.lines == [2, 4]
    assert [t.counts(r) for r in t.rows] == [True, False]


def test_a_torn_last_line_is_ignored_a_complete_one_without_newline_kept(tmp_path):
    t = read_table(_file(tmp_path, "model,throughput\na,1\nb"), numbers=("throughput",))
    assert [r["model"] for r in t.rows] == ["a"]  # cut short: fewer fields than the header
    t = read_table(_file(tmp_path, "model,throughput\na,1\nb,2"), numbers=("throughput",))
    assert [r["model"] for r in t.rows] == ["a", "b"]  # saved without the final newline


@pytest.mark.parametrize("value, problem", [
    ("inf", "throughput 'inf' is not a finite number"),
    ("-inf", "throughput '-inf' is not a finite number"),
    ("nan", "throughput 'nan' is not a finite number"),
    ("Infinity", "throughput 'Infinity' is not a finite number"),
    ("abc", "throughput 'abc' is not a number"),
    ("1,5", "throughput '1,5' is not a number"),
    ("0", "throughput '0' must be a number > 0"),
    ("-3", "throughput '-3' must be a number > 0"),
    ("", "throughput is empty on a row with status ok"),
])
def test_a_bad_throughput_on_an_ok_row_names_file_line_column_value(tmp_path, value, problem):
    # line 4: a quoted value spanning two lines before it, so records are not lines
    path = _file(tmp_path, 'model,throughput,status\n"a\nb",1,ok\nc,"{}",ok\n'.format(value))
    assert _error(path, RUN, numbers=("throughput",)) == "{} line 4: {}".format(path, problem)


def test_other_rows_may_be_empty_but_not_garbage(tmp_path):
    ok = _file(tmp_path, "model,throughput,status\na,1,ok\nb,,crashed\n")
    assert len(read_table(ok, RUN, numbers=("throughput",)).rows) == 2
    bad = _file(tmp_path, "model,throughput,status\na,1,ok\nb,inf,failed\n", "bad.csv")
    assert _error(bad, RUN, numbers=("throughput",)).endswith(
        "line 3: throughput 'inf' is not a finite number")


def test_without_a_status_column_every_row_counts(tmp_path):
    path = _file(tmp_path, "model,throughput\na,1\nb,\n")
    assert _error(path, numbers=("throughput",)) == "{} line 3: throughput is empty".format(path)


def test_optional_numbers_may_be_empty_anywhere_and_absent_columns_are_not_checked(tmp_path):
    path = _file(tmp_path, "model,throughput,status,params_m\na,1,ok,\nb,2,ok,nan\n")
    assert _error(path, RUN, numbers=("throughput", "ratio"), optional=("params_m",)).endswith(
        "line 3: params_m 'nan' is not a finite number")
    good = _file(tmp_path, "model,throughput,status,params_m\na,1,ok,\n", "good.csv")
    assert read_table(good, RUN, numbers=("throughput", "ratio"), optional=("params_m",)).rows


def test_the_first_bad_cell_in_file_order_is_reported(tmp_path):
    path = _file(tmp_path, "model,params_m,throughput,status\na,1,1,ok\nb,2,x,ok\nc,y,3,ok\n")
    assert _error(path, RUN, numbers=("params_m", "throughput")).endswith(
        "line 3: throughput 'x' is not a number")


@pytest.mark.parametrize("content, phrase", [
    ("", "is empty"),
    ("\n \r\n", "is empty"),
    ("model,throughput,status\n", "has a header but no rows"),
    ("model,throughput,status", "has no complete line"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a binary file, not a CSV file"),
    (b"PK\x03\x04\x14\x00\x06\x00", "is a ZIP archive (a spreadsheet workbook?)"),
    ("model,throughput,status\n".encode("utf-16"), "is UTF-16 text"),
    (b"model,throughput,status\ncaf\xe9,1,ok\n", "line 2: byte 0xe9 is not UTF-8"),
    ("model;throughput;status\na;1;ok\n", "is separated by semicolons, not commas"),
    ("<html><body>hello</body></html>\n", "does not look like a CSV file"),
    ("model,speed\na,1\n", "lacks columns throughput, status (it has: model, speed)"),
    ("model,throughput,status\na,1,ok\nb,1,ok,extra\n",
     "line 3: 4 fields but the header has 3"),
    ('model,throughput,status\na,1,ok\n"b,2,ok\n', "line 3: a double-quoted value is never "
                                                   "closed"),
    ("model,throughput,status,model\na,1,ok,b\n", "has two columns named model"),
    ('"a\nb",throughput\nx,1\n', "lacks columns model, status (it has: a b, throughput)"),
])
def test_what_is_not_a_result_csv_is_one_line(tmp_path, content, phrase):
    path = _file(tmp_path, content)
    message = _error(path, RUN, numbers=("throughput",), what="results CSV")
    assert path in message and phrase in message, message


def test_missing_file_and_directory(tmp_path):
    assert _error(str(tmp_path / "no.csv"), what="results CSV") == \
        "results CSV {} not found".format(tmp_path / "no.csv")
    assert "is a directory, not a CSV file" in _error(str(tmp_path))


_CSV_ALPHABET = 'model,throughput,status\n\r";\t ok failed 0123456789.-+eE inf nan abc \ufeff'


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=200),
                 st.text(alphabet=_CSV_ALPHABET, max_size=200).map(str.encode),
                 st.text(alphabet=_CSV_ALPHABET, max_size=150).map(
                     lambda t: ("model,throughput,status\n" + t).encode())))
def test_any_file_gives_usable_rows_or_one_error_line(data):
    """Whatever the bytes: rows whose numbers are usable, or one BenchError line (exit 2)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "in.csv")
        with open(path, "wb") as fh:
            fh.write(data)
        try:
            t = read_table(path, RUN, numbers=("throughput",))
        except BenchError as exc:
            assert exc.exit_code == 2 and "\n" not in str(exc) and path in str(exc)
            return
    assert t.rows and len(t.lines) == len(t.rows)
    for row in t.rows:
        if t.counts(row) or row["throughput"]:
            assert math.isfinite(float(row["throughput"])) and float(row["throughput"]) > 0
