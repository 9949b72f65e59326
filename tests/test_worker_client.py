"""The host side of the worker protocol against small real processes."""

import sys
import textwrap

from bench.devices.worker_client import WorkerProcess, describe_exit

ECHO_WORKER = textwrap.dedent('''
    import json, os, signal, sys, time
    print(json.dumps({"event": "hello", "pid": os.getpid()}), flush=True)
    print("stray text the client must ignore", flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        if job.get("do") == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        if job.get("do") == "exit":
            sys.stderr.write("fatal: something broke\\n"); sys.stderr.flush(); sys.exit(3)
        if job.get("do") == "hang":
            time.sleep(60)
        print(json.dumps({"event": "progress", "id": job["id"], "done": 1, "total": 1}), flush=True)
        print(json.dumps({"event": "result", "id": job["id"], "status": "ok"}), flush=True)
''')


def worker(progress=None):
    w = WorkerProcess([sys.executable, "-c", ECHO_WORKER], on_progress=progress)
    assert w.start(timeout=30)["event"] == "hello"
    return w


def test_request_result_and_progress():
    seen = []
    w = worker(seen.append)
    assert w.request({"id": 1}, timeout=30)["status"] == "ok"
    assert w.request({"id": 2}, timeout=30)["status"] == "ok"
    assert [m["id"] for m in seen] == [1, 2]
    w.close()
    assert not w.alive()


def test_killed_worker_is_a_crashed_result():
    w = worker()
    res = w.request({"id": 1, "do": "die"}, timeout=30)
    assert res["status"] == "crashed"
    assert "killed by SIGKILL (likely out of memory)" in res["error"]
    assert res["exit_status"] == -9


def test_exit_status_and_stderr_tail_are_reported():
    w = worker()
    res = w.request({"id": 1, "do": "exit"}, timeout=30)
    assert res["status"] == "crashed"
    assert "exited with status 3" in res["error"] and "fatal: something broke" in res["error"]


def test_hung_worker_times_out_and_is_killed():
    w = worker()
    res = w.request({"id": 1, "do": "hang"}, timeout=1.0)
    assert res["status"] == "crashed" and "timed out after 1 s" in res["error"]
    assert not w.alive()


def test_describe_exit():
    assert describe_exit(0) == "exited with status 0"
    assert describe_exit(-15) == "killed by SIGTERM"
