"""The submitting side: ``bench run --lab redis://HOST:PORT/0 --device nano-1,any@orins``.

The request is cut into jobs (per device target, up to ``group_size`` models each, so the
models of a job are still measured interleaved) sent to the device's queue, or to a
group's queue for ``any@GROUP`` (whichever member's worker is free takes it). Rows are
written to the local CSV as each job's come back, one complete row at a time, and only
when their key is not in the file yet: a job delivered twice (its worker killed, or slower
than the visibility timeout) leaves every key exactly once. ``--resume`` submits only
what is missing. Ctrl-C stops collecting; jobs already queued still run, and a resume
picks up their rows only if measured again (the workers write nothing locally).
"""

import dataclasses
import time

from bench.errors import BenchError, EnvironmentProblem
from bench.results_csv import row_key


def targets(text):
    """``"nano-1,any@orins"`` -> [("device", "nano-1"), ("group", "orins")]."""
    out = []
    for item in str(text).split(","):
        item = item.strip()
        if not item:
            continue
        if item.startswith("any@"):
            out.append(("group", item[4:]))
        elif item.startswith("@"):
            raise BenchError("--device {}: with --lab, name devices (nano-1,s845) or a group's "
                             "free member (any@{}); the lab's workers know their groups".format(
                                 item, item[1:]))
        else:
            out.append(("device", item))
    if not out:
        raise BenchError("--device: name the lab's devices, e.g. --device nano-1,any@orins")
    return out


def make_jobs(session, requests, baseline, done):
    opts = session.opts
    options = dataclasses.asdict(opts)
    options.pop("isolate", None)
    options["shapes"] = list(options.get("shapes") or ())
    names = [r.name for r in requests if r.spec is not None]
    size = max(1, opts.group_size)
    jobs = []
    for kind, name in targets(session.device_text):
        for i in range(0, len(names), size):
            jobs.append(({"models": names[i:i + size], "runtimes": session.runtime_names,
                          "options": options, "resolution": session.resolution(),
                          "precisions": [opts.precision],
                          "baseline": baseline.name if baseline is not None else None,
                          "done": [list(k) for k in done],
                          "lock_timeout_s": session.lock_timeout}, kind, name))
    return jobs


def lab_run(session, requests, baseline, url, timeout_s=None):
    """Submit, then collect rows into ``session.writer`` as jobs finish -> rows written."""
    from bench.lab.app import TASK, device_queue, group_queue, make_app, show
    from bench.runner import done_keys

    app = make_app(url)
    try:
        app.connection_for_write().ensure_connection(max_retries=1)
    except Exception as exc:  # noqa: BLE001 - kombu raises several kinds
        raise EnvironmentProblem("--lab {}: cannot reach the Redis broker ({}); is redis-server "
                                 "running there, and its password in BENCH_LAB_PASSWORD?".format(
                                     show(url), str(exc).splitlines()[0][:120])) from None
    seen = {row_key(r) for r in session.previous}
    jobs = make_jobs(session, requests, baseline, done_keys(session.previous))
    pending = []
    for job, kind, name in jobs:
        queue = device_queue(name) if kind == "device" else group_queue(name)
        pending.append((app.send_task(TASK, args=[job], queue=queue), name))
    session.log("bench run: {} job(s) sent to the lab at {} ({})".format(
        len(pending), show(url), ", ".join(sorted({n for _, n in pending}))))
    written = []
    start = time.monotonic()
    try:
        _collect(session, pending, seen, written, start, timeout_s)
    except (BenchError, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - redis-py / kombu connection errors
        raise EnvironmentProblem("lost the lab's Redis broker at {} ({}: {})".format(
            show(url), type(exc).__name__, str(exc).splitlines()[0][:120] if str(exc) else "")) \
            from None
    return written


def _collect(session, pending, seen, written, start, timeout_s):
    while pending:
        still = []
        for result, name in pending:
            if not result.ready():
                still.append((result, name))
                continue
            if result.failed():
                session.log("{}: the job failed on its worker: {}".format(
                    name, str(result.result).splitlines()[0][:200]))
                continue
            for row in result.get(disable_sync_subtasks=False) or []:
                key = row_key(row)
                if key in seen:
                    continue  # delivered twice: the file keeps the first
                seen.add(key)
                session.writer.write(row)
                written.append(row)
                session.runner_log_row(row)
            result.forget()
        pending = still
        if pending:
            if timeout_s and time.monotonic() - start > timeout_s:
                raise EnvironmentProblem("--lab: {} job(s) not finished after {:g} s (is a "
                                         "worker serving {}?)".format(
                                             len(pending), timeout_s,
                                             ", ".join(sorted({n for _, n in pending}))))
            time.sleep(0.2)
