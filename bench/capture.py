"""Keep converters quiet: what tools print, captured at the file-descriptor level.

Model converters write to the process's file descriptors directly: the TFLite converter's
C++ logging (``W1202 ...``, ``I0000 ... flatbuffer_export.cc ...``), the LiteRT
interpreter's ``INFO: Created TensorFlow Lite XNNPACK delegate``, the ONNX dynamo
exporter's progress, Python warnings. ``contextlib.redirect_stderr`` cannot see the C
and C++ part, so while a :class:`Capture` is active descriptors 1 and 2 (stdout and
stderr) point at a temporary file, which ``sys.stdout``/``sys.stderr`` reach too (through
those descriptors, or swapped for a writer into the file where they were replaced).
Afterwards the text is kept (``capture.text``, ``capture.tail()``) for an error
message, and nothing is shown.

With ``BENCH_DEBUG=1`` in the environment (``bench --debug`` sets it) nothing is
captured: the tools' output appears as it happens.

Use it only around work that prints nothing the user should see: anything written in
that time by any thread of the process is captured. A capture inside another passes its
text on to the outer one when it ends. Stdlib only.
"""

import io
import os
import sys
import tempfile

DEBUG_ENV = "BENCH_DEBUG"
KEEP_CHARS = 64 * 1024  # the end of a long log is what explains a failure

_depth = [0]  # captures active now in this process (nesting passes text outward)


def debug_enabled():
    """True when ``bench --debug`` (``BENCH_DEBUG=1``) asked to see tool output."""
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


class Capture(object):
    """``with capture: ...`` -- stdout and stderr of the block, C/C++ included, into
    ``capture.text`` (appended on every use, so one object can cover several blocks).

    ``enabled=None``: capture unless :func:`debug_enabled`.
    """

    def __init__(self, enabled=None):
        self.enabled = (not debug_enabled()) if enabled is None else bool(enabled)
        self.text = ""
        self._state = None

    def __enter__(self):
        if not self.enabled:
            return self
        _flush()
        tmp = tempfile.TemporaryFile()
        saved = []
        try:
            for fd in (1, 2):
                saved.append((fd, os.dup(fd)))
                os.dup2(tmp.fileno(), fd)
        except OSError:  # a closed descriptor (a daemon): nothing to capture, run as is
            _restore(saved)
            tmp.close()
            return self
        # sys.stdout/sys.stderr normally write to descriptors 1 and 2 and are captured with
        # them; they are left in place, so a logger that keeps a reference to one is never
        # left holding a closed file. Only a replaced stream (not on its descriptor) is
        # swapped for a writer into the file while the capture lasts.
        swapped, writer = {}, None
        for name, fd in (("stdout", 1), ("stderr", 2)):
            stream = getattr(sys, name)
            if _descriptor(stream) != fd:
                if writer is None:
                    writer = io.TextIOWrapper(os.fdopen(os.dup(tmp.fileno()), "wb"),
                                              encoding="utf-8", errors="replace",
                                              line_buffering=True, write_through=True)
                swapped[name] = stream
                setattr(sys, name, writer)
        self._state = (tmp, saved, swapped, writer)
        _depth[0] += 1
        return self

    def __exit__(self, *exc_info):
        if self._state is None:
            return False
        tmp, saved, swapped, writer = self._state
        self._state = None
        _depth[0] -= 1
        _flush()  # Python's buffers (and the writer) and C's go to the file first
        for name, stream in swapped.items():
            setattr(sys, name, stream)
        _restore(saved)
        if writer is not None:
            writer.close()
        size = tmp.seek(0, os.SEEK_END)
        tmp.seek(max(0, size - KEEP_CHARS))
        data = tmp.read()
        tmp.close()
        if _depth[0] > 0 and data:  # an outer capture gets what this one took
            _write_all(2, data)
        self.text = (self.text + data.decode("utf-8", "replace"))[-KEEP_CHARS:]
        return False

    def tail(self, lines=3, limit=300):
        """The last non-empty ``lines`` of the text on one line (`` | ``-joined), at most
        ``limit`` characters: what a one-line error message can carry."""
        kept = []
        for line in reversed(self.text.split("\n")):
            line = line.split("\r")[-1].strip()  # progress bars redraw with \r
            if line:
                kept.append(line)
                if len(kept) == lines:
                    break
        text = " | ".join(reversed(kept))
        return text if len(text) <= limit else "..." + text[-(limit - 3):]


def _flush():
    """Python's and C's buffered output goes out now, to where it was written."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)  # C stdio: a printf before or inside the block
    except (OSError, AttributeError, TypeError):
        pass


def _descriptor(stream):
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.StringIO, a closed stream, None
        return None


def _restore(saved):
    for fd, copy in saved:
        os.dup2(copy, fd)
        os.close(copy)


def _write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]
