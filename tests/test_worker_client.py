"""The host side of the worker protocol against small real processes speaking it."""

import sys
import textwrap

from bench.devices.worker_client import WorkerProcess, describe_exit
from bench.measure.messages import Candidate, GroupResult, Hello, MeasureJob, Progress

ECHO_WORKER = textwrap.dedent('''
    import json, os, signal, sys, time
    def say(obj):
        print(json.dumps(obj), flush=True)
    say({"event": "hello", "pid": os.getpid(), "python": "3", "time": 0, "runner": "echo"})
    print("stray text the client must ignore", flush=True)
    say({"not": "a message"})
    for line in sys.stdin:
        job = json.loads(line)
        for c in job["candidates"]:
            say({"event": "progress", "id": job["id"], "phase": "load", "key": c["key"],
                 "round": None, "info": None})
            do = c["label"]
            if do == "die":
                os.kill(os.getpid(), signal.SIGKILL)
            if do == "exit":
                sys.stderr.write("fatal: something broke\\n"); sys.stderr.flush(); sys.exit(3)
            if do == "hang":
                time.sleep(60)
            if do == "slow":  # progress keeps coming: not a hang
                for _ in range(4):
                    time.sleep(0.4)
                    say({"event": "progress", "id": job["id"], "phase": "trial", "key": c["key"],
                         "round": 0, "info": None})
        say({"event": "result", "id": job["id"], "status": "ok", "error": "", "culprit": None,
             "results": [], "threads": 1, "cpu_affinity": "0", "idle_cpus": 1, "rounds": 1,
             "stop": "fixed", "elapsed_s": 0.1, "exit_status": None, "lost": None})
''')


def job(id_, *labels):
    return MeasureJob(id=id_, runtime="torch", candidates=[
        Candidate(key="m{}".format(i), label=label, artifact="/a", resolution=8)
        for i, label in enumerate(labels)])


def worker(progress=None):
    w = WorkerProcess([sys.executable, "-c", ECHO_WORKER], on_progress=progress)
    assert isinstance(w.start(timeout=30), Hello)
    return w


def test_request_result_and_progress():
    seen = []
    w = worker(seen.append)
    first = w.request(job("1", "a", "b"), timeout=30)
    assert isinstance(first, GroupResult) and first.status == "ok" and first.id == "1"
    assert w.request(job("2", "c"), timeout=30).status == "ok"
    assert all(isinstance(m, Progress) for m in seen)
    assert [(m.id, m.key) for m in seen] == [("1", "m0"), ("1", "m1"), ("2", "m0")]
    w.close()
    assert not w.alive()


def test_killed_worker_is_a_crashed_result_naming_the_culprit():
    w = worker()
    res = w.request(job("1", "fine", "die", "never"), timeout=30)
    assert res.status == "crashed" and res.culprit == "m1"
    assert "killed by SIGKILL (likely out of memory)" in res.error
    assert res.exit_status == -9


def test_exit_status_and_stderr_tail_are_reported():
    w = worker()
    res = w.request(job("1", "exit"), timeout=30)
    assert res.status == "crashed" and res.culprit == "m0"
    assert "exited with status 3" in res.error and "fatal: something broke" in res.error


def test_silence_is_a_hang_progress_is_not():
    w = worker()
    assert w.request(job("1", "slow"), timeout=1.0).status == "ok"  # 1.6 s, never 1 s silent
    res = w.request(job("2", "ok", "hang"), timeout=1.0)
    assert res.status == "crashed" and "no progress for 1 s" in res.error
    assert res.culprit == "m1" and not w.alive()


def test_a_longer_allowance_after_some_events():
    w = worker()
    res = w.request(job("1", "slow"), timeout=0.2,
                    timeout_for=lambda msg: 5.0 if msg.phase == "load" else 0.6)
    assert res.status == "ok"


def test_describe_exit():
    assert describe_exit(0) == "exited with status 0"
    assert describe_exit(-15) == "killed by SIGTERM"
