"""The Celery application both sides share: broker and result backend on one Redis.

A job is acknowledged only after its task returned and its rows were stored in the
result backend (``task_acks_late``); a worker killed mid-job never acknowledges it, so
Redis delivers it again once ``visibility_timeout`` has passed (``BENCH_LAB_VISIBILITY_S``,
default 3600 s: longer than any measurement). Each worker process takes one job at a
time (prefetch 1, concurrency 1): one measurement at a time per device. The password,
if the Redis server has one, comes from ``BENCH_LAB_PASSWORD`` and is put into the URL
here only: it is never in bench.toml, a log line or a CSV.
"""

import os
from urllib.parse import quote, urlsplit, urlunsplit

from bench.errors import BenchError

TASK = "bench.lab.measure"
PASSWORD_ENV = "BENCH_LAB_PASSWORD"


def check_url(url):
    """``redis://HOST:PORT/DB`` -> the URL (with no password in it), else a BenchError."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise BenchError("--lab {!r}: expected redis://HOST:PORT/0 (the lab's Redis "
                         "broker)".format(url))
    if parts.password:
        raise BenchError("--lab: the URL holds a password; put it in the environment as {} "
                         "instead (it would end up in shell history and logs)".format(PASSWORD_ENV))
    return url


def with_password(url):
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        return url
    parts = urlsplit(url)
    netloc = ":{}@{}".format(quote(password, safe=""), parts.netloc)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def show(url):
    """The URL as it may be printed."""
    return urlunsplit(urlsplit(url)._replace(netloc=urlsplit(url).netloc.split("@")[-1]))


def make_app(url):
    from celery import Celery

    full = with_password(check_url(url))
    app = Celery("bench", broker=full, backend=full)
    visibility = float(os.environ.get("BENCH_LAB_VISIBILITY_S", "3600"))
    app.conf.update(
        task_serializer="json", result_serializer="json", accept_content=["json"],
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        broker_transport_options={"visibility_timeout": visibility},
        result_backend_transport_options={"visibility_timeout": visibility},
        result_expires=7 * 24 * 3600, worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True, task_track_started=True,
        worker_send_task_events=False, task_send_sent_event=False)
    return app


def device_queue(name):
    return "bench.device." + name


def group_queue(name):
    return "bench.group." + name
