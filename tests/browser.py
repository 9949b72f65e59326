"""A real headless Chromium for tests: open a page, collect what went wrong, take a screenshot.

Chromium is driven with its DevTools protocol over ``--remote-debugging-pipe``: JSON
messages ending in a NUL byte on file descriptors 3 (to the browser) and 4 (from it), the
transport Puppeteer and Playwright use. Why this and not the alternatives:

- no dependency: a websocket client (``--remote-debugging-port``) is not among the pinned
  packages, and a port is a thing other tests or programs can collide with;
- structured answers: console calls (``Runtime.consoleAPICalled``), uncaught exceptions
  (``Runtime.exceptionThrown``), the browser's own messages about the page such as a
  Content-Security-Policy violation or a failed load (``Log.entryAdded``) and every
  request the page makes (``Network.requestWillBeSent``) arrive as events, where grepping
  ``--enable-logging=stderr`` would have to tell them from Chromium's own noise (in a
  container it logs D-Bus errors on every start) and ``--dump-dom`` says nothing of
  errors at all;
- the same session can ask the page whether its images decoded and take the screenshot.

Chromium is found as Debian installs it (``/usr/bin/chromium``, the ``chromium``
package), or where ``BENCH_CHROMIUM`` points.
"""

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium():
    """The Chromium executable, or None."""
    given = os.environ.get("BENCH_CHROMIUM")
    if given:
        return given if os.access(given, os.X_OK) else None
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def version(binary):
    res = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60)
    return res.stdout.strip()


class PageLoad:
    """What opening one page gave: ``problems`` (console errors, exceptions, browser error
    messages, requests that left the file), ``requests`` (every URL the page asked for),
    ``images`` (natural width of each <img>, 0 when it did not decode), ``title``,
    ``screenshot`` (PNG bytes)."""

    def __init__(self):
        self.problems = []
        self.requests = []
        self.images = []
        self.title = None
        self.screenshot = None


class Chromium:
    """One headless Chromium process with a DevTools session on a page."""

    def __init__(self, binary, width=1280, height=2000, timeout=60.0):
        self.timeout = timeout
        self.size = (width, height)
        self.profile = tempfile.mkdtemp(prefix="bench-chromium-")
        to_read, self._to = os.pipe()
        self._from, from_write = os.pipe()
        # the browser's ends go above 4, so placing them on 3 and 4 cannot overwrite each other
        to_read, from_write = (_above(fd, 10) for fd in (to_read, from_write))
        args = [binary, "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking",
                "--user-data-dir=" + self.profile, "--window-size={},{}".format(width, height),
                "--remote-debugging-pipe", "about:blank"]

        def pipes_on_3_and_4():  # in the child, before exec; dup2 clears close-on-exec
            os.dup2(to_read, 3)
            os.dup2(from_write, 4)

        self.stderr = tempfile.TemporaryFile()
        # close_fds=False: Python's own descriptors are close-on-exec anyway (PEP 446), and
        # closing would take 3 and 4 too (it runs after preexec_fn)
        self.proc = subprocess.Popen(args, preexec_fn=pipes_on_3_and_4, close_fds=False,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.stderr)
        os.close(to_read)
        os.close(from_write)
        self._buf = b""
        self._id = 0
        self.events = []

    # -- the protocol --------------------------------------------------------------

    def _recv(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium sent nothing for {:.0f} s".format(self.timeout))
            ready, _, _ = select.select([self._from], [], [], left)
            if ready:
                data = os.read(self._from, 1 << 16)
                if not data:
                    raise RuntimeError("Chromium closed the DevTools pipe (exit {}): {}".format(
                        self.proc.poll(), self.log_tail()))
                self._buf += data
        message, _, self._buf = self._buf.partition(b"\0")
        return json.loads(message.decode("utf-8"))

    def call(self, method, params=None, session=None):
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to, json.dumps(message).encode("utf-8") + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._recv(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError("{}: {}".format(method, reply["error"]))
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method, session, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while not any(e.get("method") == method and e.get("sessionId") == session
                      for e in self.events):
            self.events.append(self._recv(deadline))

    def drain(self, seconds):
        """Collect the events that arrive within ``seconds`` (late console messages)."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._recv(deadline))
        except TimeoutError:
            pass

    # -- a page --------------------------------------------------------------------

    def open(self, url, settle=0.5):
        """Load ``url`` in a new tab and report on it (:class:`PageLoad`)."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target,
                                                      "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(domain + ".enable", session=session)
        # the viewport exactly width x height (the window size includes headless chrome)
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": self.size[0], "height": self.size[1], "deviceScaleFactor": 1,
            "mobile": False}, session=session)
        start = len(self.events)
        self.call("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session)
        self.drain(settle)
        load = PageLoad()
        for event in self.events[start:]:
            if event.get("sessionId") != session:
                continue
            load.problems.extend(_problem(event))
            if event.get("method") == "Network.requestWillBeSent":
                load.requests.append(event["params"]["request"]["url"])
        load.problems.extend("request left the file: " + u for u in load.requests
                             if not u.startswith(("file:", "data:")))
        found = self.call("Runtime.evaluate", {
            "expression": "JSON.stringify({title: document.title, images: Array.from("
                          "document.images).map(function (i) { return i.complete ? "
                          "i.naturalWidth : 0; })})",
            "returnByValue": True}, session=session)
        state = json.loads(found["result"]["value"])
        load.title, load.images = state["title"], state["images"]
        shot = self.call("Page.captureScreenshot", {"format": "png"}, session=session)
        load.screenshot = base64.b64decode(shot["data"])
        return load

    def log_tail(self, n=2000):
        self.stderr.seek(0)
        return self.stderr.read()[-n:].decode("utf-8", "replace")

    def close(self):
        try:
            if self.proc.poll() is None:
                try:
                    self.call("Browser.close")
                except (OSError, RuntimeError, TimeoutError):
                    pass
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        finally:
            for fd in (self._to, self._from):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.stderr.close()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _above(fd, lowest):
    """``fd`` moved to a descriptor >= ``lowest`` (the old one closed)."""
    import fcntl

    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, lowest)
    os.close(fd)
    return moved


def _problem(event):
    """The problems one DevTools event reports (empty list: none)."""
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
        return ["console.{}: {}".format(params["type"], text)]
    if method == "Runtime.exceptionThrown":
        details = params["exceptionDetails"]
        text = details.get("exception", {}).get("description") or details.get("text")
        return ["uncaught exception: {}".format(text)]
    if method == "Log.entryAdded" and params["entry"].get("level") == "error":
        entry = params["entry"]
        return ["{} error: {}".format(entry.get("source"), entry.get("text"))]
    return []


def distinct_colours(png_bytes):
    """How many distinct colours the screenshot has, and the share of its most common one."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png_bytes)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 24)
    total = image.width * image.height
    return len(colours), max(n for n, _ in colours) / float(total), image.size
