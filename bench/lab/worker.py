"""The worker side of a lab: ``bench worker --lab URL --devices a,b``.

One Celery worker process per device (``solo`` pool: the job runs in that process, one at
a time), consuming the device's queue and one queue per ``[groups]`` group the device is
in (``--device any@GROUP``: whichever member is free). A job measures models on the
device exactly as ``bench run`` does (the device's lease held, interleaved groups, its own
export cache) and returns the rows; Celery acknowledges it only after they are stored.
A worker killed mid-job has acknowledged nothing: Redis delivers the job again.
"""

import os
import signal
import socket
import subprocess
import sys
import time

from bench.errors import BenchError


class ListWriter:
    def __init__(self):
        self.rows = []

    def write(self, row):
        self.rows.append(dict(row))


def measure(job, device_name, config_path):
    """Run one job on ``device_name`` (this host's) -> its rows (JSON-ready dicts)."""
    import dataclasses

    from bench.cli.measuring import resolve_runtimes
    from bench.config import load_config
    from bench.devices import open_device
    from bench.leases import DeviceLease
    from bench.models import select_models
    from bench.options import MeasureOptions
    from bench.runner import BenchmarkRun

    config = load_config(config_path)
    names = {f.name for f in dataclasses.fields(MeasureOptions)}
    options = {k: v for k, v in job["options"].items() if k in names}
    options["shapes"] = tuple(options.get("shapes") or ())
    opts = MeasureOptions(**options)
    device = open_device(device_name, config)
    log = lambda msg: print("{}: {}".format(device_name, msg), file=sys.stderr, flush=True)  # noqa: E731
    try:
        requests = select_models(job["models"], {}, job.get("resolution"), None, tolerate=True)
        baseline = None
        if job.get("baseline"):
            baseline = select_models([job["baseline"]], {}, job.get("resolution"), None)[0]
        runtimes = resolve_runtimes(job.get("runtimes") or [], device)
        writer = ListWriter()
        done = {tuple(k) for k in job.get("done", [])}
        with DeviceLease(device.lease_key(), device.name, job.get("lock_timeout_s", 300.0), log):
            device.setup(log)
            run = BenchmarkRun(device, config.export, opts, writer, done, log)
            run.execute(requests, runtimes, job.get("precisions") or [opts.precision], baseline)
    finally:
        device.close()
    host = socket.gethostname()
    for row in writer.rows:
        row["lab_worker"] = "{} ({})".format(host, device_name)
    return writer.rows


def serve(url, device_name, config_path):
    """One Celery worker for one device (a child process of ``bench worker``)."""
    from bench.config import load_config
    from bench.lab.app import TASK, device_queue, group_queue, make_app

    config = load_config(config_path)
    groups = [g for g, members in config.groups.items() if device_name in members]
    app = make_app(url)

    @app.task(name=TASK, bind=True)
    def _measure(self, job):
        return measure(job, device_name, config_path)

    queues = [device_queue(device_name)] + [group_queue(g) for g in groups]
    worker = app.Worker(queues=queues, concurrency=1, pool="solo", loglevel="WARNING",
                        hostname="bench-{}@{}".format(device_name, socket.gethostname()),
                        without_heartbeat=True, without_mingle=True, without_gossip=True,
                        quiet=True)
    print("bench worker: {} serving {}".format(device_name, ", ".join(queues)), file=sys.stderr,
          flush=True)
    worker.start()
    return worker.exitcode or 0


def run_workers(url, names, config_path, log):
    """``bench worker``: a Celery worker process per device; Ctrl-C stops them (a job in
    progress is not acknowledged: the lab delivers it again)."""
    from bench.lab.app import show

    children = []
    for name in names:
        argv = [sys.executable, "-m", "bench.lab.worker", url, name, config_path or ""]
        children.append(subprocess.Popen(argv))
    log("bench worker: {} device(s) ({}) on {}; Ctrl-C stops".format(
        len(names), ", ".join(names), show(url)))
    try:
        while True:
            for child, name in zip(children, names):
                code = child.poll()
                if code is not None:
                    raise BenchError("bench worker: the worker for {} exited with {}".format(
                        name, code), 3)
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGQUIT)  # cold: a running job stays unacknowledged
        for child in children:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    _url, _name, _config = sys.argv[1], sys.argv[2], sys.argv[3] or None
    try:
        sys.exit(serve(_url, _name, _config))
    except BenchError as exc:
        print("bench worker: error: {}: {}".format(_name, exc), file=sys.stderr)
        sys.exit(exc.exit_code)
