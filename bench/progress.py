"""A minimal progress line on stderr, shown only on a terminal (logs stay clean)."""

import sys
import time


class Progress:
    def __init__(self, total, label="", stream=None, enabled=None):
        self.total = total
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.done = 0
        self.start = time.monotonic()
        self._width = 0
        self._last = ""

    def update(self, what=""):
        """Say what is being worked on now (before doing it)."""
        self._last = what
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        bar_len = 24
        filled = int(bar_len * self.done / self.total) if self.total else bar_len
        text = "{} [{}{}] {}/{} {:.0f}s {}".format(
            self.label, "#" * filled, "." * (bar_len - filled), self.done, self.total,
            elapsed, what)[:120]
        self.stream.write("\r" + text.ljust(self._width))
        self._width = len(text)
        self.stream.flush()

    def write(self, message, stream=None):
        """Print a message line without tearing the progress line."""
        out = stream or self.stream
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
        print(message, file=out, flush=True)
        if self.enabled:
            self.update(self._last)

    def advance(self, what=""):
        self.done += 1
        self.update(what)

    def close(self):
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
