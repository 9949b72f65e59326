"""bench.capture: tool output captured at the file-descriptor level, shown with --debug."""

import ctypes
import os
import sys

from bench.capture import Capture


def _noise(tag):
    os.write(2, "{} C-level stderr\n".format(tag).encode())
    ctypes.CDLL(None).printf("{} C printf\n".format(tag).encode())
    print(tag, "python stdout")
    print(tag, "python stderr", file=sys.stderr)


def test_c_and_python_output_is_captured_not_shown(capfd, monkeypatch):
    monkeypatch.delenv("BENCH_DEBUG", raising=False)
    cap = Capture()
    with cap:
        _noise("one")
    with cap:  # one object covers several blocks
        os.write(2, b"two\r50%\r100%\n")
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert cap.text == ("one C-level stderr\none C printf\none python stdout\n"
                        "one python stderr\ntwo\r50%\r100%\n")
    assert cap.tail(2) == "one python stderr | 100%"  # a progress bar's last redraw
    assert len(Capture(enabled=False).tail()) == 0


def test_debug_shows_it_and_captures_nothing(capfd, monkeypatch):
    monkeypatch.setenv("BENCH_DEBUG", "1")
    with Capture() as cap:
        _noise("dbg")
    out, err = capfd.readouterr()
    assert cap.text == ""
    assert "dbg C printf" in out and "dbg python stdout" in out
    assert "dbg C-level stderr" in err and "dbg python stderr" in err


def test_a_nested_capture_passes_its_text_out(capfd, monkeypatch):
    monkeypatch.delenv("BENCH_DEBUG", raising=False)
    with Capture() as outer:
        os.write(2, b"outer\n")
        with Capture() as inner:
            os.write(2, b"inner\n")
    assert inner.text == "inner\n" and outer.text == "outer\ninner\n"
    assert capfd.readouterr() == ("", "")
    assert sys.stdout is not None and os.write(1, b"") == 0  # descriptors are back


def test_replaced_python_streams_are_captured_too(capsys, monkeypatch):
    monkeypatch.delenv("BENCH_DEBUG", raising=False)
    before = sys.stdout
    with Capture() as cap:  # capsys's streams have no descriptor: swapped for the block
        print("to a replaced stdout")
        print("to a replaced stderr", file=sys.stderr)
    assert sys.stdout is before
    assert cap.text == "to a replaced stdout\nto a replaced stderr\n"
    assert capsys.readouterr() == ("", "")
