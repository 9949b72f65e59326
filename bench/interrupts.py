"""Ctrl-C and SIGTERM always stop bench within seconds, whatever library is running.

Python turns SIGINT into a KeyboardInterrupt wherever the main thread happens to be,
and some libraries swallow it there (a bare ``except:`` around an optional import,
callbacks of a converter): seen here, an interrupt during a TFLite export was lost
and the run finished with exit 0. So the handler remembers the signal, and until the
code that stops the work acknowledges it (:func:`acknowledge`, called where bench
catches the KeyboardInterrupt to keep rows and say how to resume), a watchdog thread
delivers it again every half second: a swallowed interrupt is raised again at the
next chance. SIGTERM (``kill``) takes the same path, so both end with exit 130 and
every finished row kept.
"""

import os
import signal
import threading

REDELIVER_S = 0.5

_pending = threading.Event()  # a signal arrived and the work has not stopped yet
_acknowledged = threading.Event()
_redelivered = []  # one entry per signal the watchdog sent and the handler has not seen


def _handler(signum, frame):
    if _redelivered:
        _redelivered.pop()
        if _acknowledged.is_set():
            return  # late re-delivery: the work is already stopping, let the clean-up finish
    if not _pending.is_set() and not _acknowledged.is_set():
        _pending.set()
        threading.Thread(target=_redeliver, name="bench-interrupt", daemon=True).start()
    raise KeyboardInterrupt()


def _redeliver():
    while not _acknowledged.wait(REDELIVER_S):
        _redelivered.append(1)
        os.kill(os.getpid(), signal.SIGINT)


def install():
    """Route SIGINT and SIGTERM through the handler (also when the parent shell set SIGINT
    to be ignored, as a script's ``cmd &`` does: ``kill -INT`` must still stop bench)."""
    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)


def acknowledge():
    """The work is stopping because of the interrupt: no more re-deliveries."""
    _acknowledged.set()


def pending():
    """An interrupt arrived and nobody has acted on it (it was swallowed somewhere)."""
    return _pending.is_set() and not _acknowledged.is_set()
