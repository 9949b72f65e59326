"""Talk to a measurement worker (``bench.measure.worker``) over its stdin/stdout.

The transport is any ``subprocess.Popen``-like process (local; SSH wraps its channels
the same way). Messages are the typed ones of :mod:`bench.measure.messages`. A dead or
hung worker becomes a ``crashed`` result carrying the exit status and the candidate it
was busy with, so one bad model never ends a run.
"""

import queue
import signal
import subprocess
import threading
import time

from bench.measure.messages import GroupResult, Hello, Progress, WorkerError, decode


class WorkerDied(Exception):
    pass


def describe_exit(code):
    if code is None:
        return "still running"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "signal {}".format(-code)
        hint = " (likely out of memory)" if -code == signal.SIGKILL else ""
        return "killed by {}{}".format(name, hint)
    return "exited with status {}".format(code)


class WorkerProcess:
    """One worker process: ``request(job, timeout)`` -> :class:`GroupResult`."""

    def __init__(self, argv=None, env=None, cwd=None, on_progress=None, proc=None):
        """Start ``argv`` locally, or adopt ``proc``: an already started Popen-like process
        (text-line ``stdout``/``stderr``, writable ``stdin``, ``poll``/``wait``/``kill``),
        such as an SSH transport's remote process."""
        if (argv is None) == (proc is None):
            raise TypeError("give exactly one of argv and proc")
        self.argv = argv
        self.on_progress = on_progress
        self.proc = proc or subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, env=env, cwd=cwd, text=True,
                                             bufsize=1)
        self._lines = queue.Queue()
        self._stderr = []
        threading.Thread(target=self._pump_stdout, daemon=True).start()
        self._stderr_pump = threading.Thread(target=self._pump_stderr, daemon=True)
        self._stderr_pump.start()
        self.hello = None
        self.current = None  # the candidate key of the last progress event (crash culprit)

    def _pump_stdout(self):
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)  # end of stream: the worker has exited

    def _pump_stderr(self):
        for line in self.proc.stderr:
            self._stderr.append(line)
            del self._stderr[:-50]  # keep the tail only

    def stderr_tail(self, n=3):
        lines = [ln.strip() for ln in self._stderr if ln and ln.strip()]
        return " | ".join(lines[-n:])

    def _next(self, deadline):
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError()
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                raise TimeoutError() from None
            if line is None:
                self.proc.wait()
                raise WorkerDied(describe_exit(self.proc.returncode))
            line = line.strip()
            if not line.startswith("{"):
                continue  # stray output; the protocol is JSON lines only
            try:
                return decode(line)
            except ValueError:
                continue  # JSON that is not one of our messages
            except TypeError as exc:  # ours, but with fields this side does not know
                raise WorkerDied("sent a malformed message ({})".format(exc)) from None

    def start(self, timeout=120):
        """Wait for the worker's hello (imports done). Raises WorkerDied/TimeoutError."""
        msg = self._next(time.monotonic() + timeout)
        if not isinstance(msg, Hello):
            raise WorkerDied("unexpected first message {!r}".format(msg))
        self.hello = msg
        return msg

    def request(self, job, timeout, start_timeout=120, timeout_for=None):
        """Send one :class:`MeasureJob`, wait for its :class:`GroupResult`; a death or a
        hang becomes a ``crashed`` result naming the candidate last heard of.

        ``timeout``: seconds the worker may stay silent (progress comes every trial);
        ``timeout_for(progress)``, if given, says how long after that event instead (an
        engine build). A worker not yet started is waited for first (imports take seconds).
        """
        self.current = None
        if self.hello is None:
            try:
                self.start(start_timeout)
            except TimeoutError:
                self.kill()
                return self._crashed(job, "measurement process did not start within {:g} s".format(
                    start_timeout))
            except WorkerDied as exc:
                self.kill()
                return self._crashed(job, "measurement process failed to start: {}".format(exc))
        allowed = timeout
        try:
            self.proc.stdin.write(job.to_line() + "\n")
            self.proc.stdin.flush()
            while True:
                msg = self._next(time.monotonic() + allowed)
                if isinstance(msg, Progress):
                    if msg.key is not None:
                        self.current = msg.key
                    allowed = timeout_for(msg) if timeout_for else timeout
                    if self.on_progress:
                        self.on_progress(msg)
                elif isinstance(msg, GroupResult) and msg.id == job.id:
                    return msg
                elif isinstance(msg, WorkerError):
                    raise WorkerDied(msg.error)
        except TimeoutError:
            self.kill()
            return self._crashed(job, "timed out: no progress for {:g} s".format(allowed))
        except (WorkerDied, BrokenPipeError) as exc:
            self.kill()
            text = str(exc) if isinstance(exc, WorkerDied) else describe_exit(self.proc.returncode)
            return self._crashed(job, "measurement process " + text)

    def _crashed(self, job, error):
        if self.proc.poll() is not None:  # dead: its last words are still in the pipe
            self._stderr_pump.join(timeout=2)
        tail = self.stderr_tail()
        return GroupResult(id=job.id, status="crashed", culprit=self.current,
                           error=error + (" — stderr: " + tail if tail else ""),
                           exit_status=self.proc.returncode)

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
