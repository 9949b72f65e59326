import csv
import os

import pytest

from bench.results_csv import COLUMNS, ResultsWriter, format_row, read_rows, row_key


def row(i, status="ok"):
    return {"model": "m%d" % i, "runtime": "torch", "status": status, "throughput": 1.0 / 3,
            "unstable": False, "error": 'comma, "quote"\nnewline', "trial_throughputs": [1.5, 2.0]}


def test_rows_round_trip_with_awkward_strings(tmp_path):
    path = str(tmp_path / "r.csv")
    with ResultsWriter(path) as w:
        w.write(row(1))
        w.write(row(2, "failed"))
    rows = read_rows(path)
    assert [r["model"] for r in rows] == ["m1", "m2"]
    assert rows[0]["error"] == 'comma, "quote"\nnewline'
    assert rows[0]["throughput"] == "0.333333" and rows[0]["unstable"] == "false"
    assert rows[0]["trial_throughputs"] == "1.5;2"
    assert list(rows[0]) == list(COLUMNS)


def test_append_to_existing_and_torn_tail_repaired(tmp_path):
    path = str(tmp_path / "r.csv")
    with ResultsWriter(path) as w:
        w.write(row(1))
    with open(path, "a") as fh:
        fh.write("2026-01-01,local,partial")  # a torn line, no newline
    assert len(read_rows(path)) == 1
    with ResultsWriter(path) as w:
        w.write(row(3))
    with open(path) as fh:
        lines = list(csv.reader(fh))
    assert [ln[COLUMNS.index("model")] for ln in lines[1:]] == ["m1", "m3"]


def test_other_header_is_refused(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="other columns"):
        ResultsWriter(str(path))


def test_unknown_column_is_a_bug():
    with pytest.raises(KeyError):
        format_row({"nonsense": 1})


def test_row_key_ignores_measurements():
    a = {"device": "local", "model": "x", "format": "onnx", "runtime": "onnxruntime",
         "precision": "fp32", "resolution": 128, "batch": 1, "throughput": 5}
    b = dict(a, throughput=7, resolution="128")
    assert row_key(a) == row_key(b)


def test_every_row_is_synced(tmp_path, monkeypatch):
    calls = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real(fd)))
    with ResultsWriter(str(tmp_path / "r.csv")) as w:
        w.write(row(1))
        w.write(row(2))
    assert len(calls) == 3  # header + two rows
