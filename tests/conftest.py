import contextlib
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUIRE_INTEGRATION = os.environ.get("BENCH_REQUIRE_INTEGRATION") == "1"


def integration_unavailable(reason):
    """Skip an integration test on a user's machine; fail it in CI (BENCH_REQUIRE_INTEGRATION=1)."""
    if REQUIRE_INTEGRATION:
        pytest.fail("integration requirement missing under BENCH_REQUIRE_INTEGRATION=1: " + reason)
    pytest.skip(reason)


def run_cli(*args, cwd=None, env=None, timeout=300):
    """Run ``python -m bench ARGS`` as a user would; returns CompletedProcess (text)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env["PYTHONPATH"] = REPO + os.pathsep + full_env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "bench"] + list(args), cwd=cwd or REPO,
                          env=full_env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def cli():
    return run_cli


def call_main(argv):
    """``bench.cli.main.main(argv)`` in this process, as the ``bench`` entry point runs it
    -> CompletedProcess(argv, exit code, stdout, stderr). Faster than :func:`run_cli`."""
    import io
    import signal

    from bench.cli.main import main

    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


@pytest.fixture(autouse=True, scope="session")
def _own_device_locks(tmp_path_factory):
    """The suite's bench processes take their device leases (bench.leases) in a folder of
    their own: a real bench measuring on this machine meanwhile neither waits for the
    suite nor makes it wait."""
    os.environ["BENCH_LOCK_DIR"] = str(tmp_path_factory.mktemp("device-locks"))


def assert_one_line_error(res, code, *phrases):
    """A refused command, as a user sees it: exit ``code``, exactly one line on stderr (no
    traceback) that contains every phrase; returns that line."""
    lines = res.stderr.strip().splitlines()
    assert res.returncode == code, "exit {} (expected {}): {}".format(res.returncode, code,
                                                                     res.stderr)
    assert "Traceback" not in res.stderr, res.stderr
    assert len(lines) == 1, "expected one line on stderr, got {}:\n{}".format(len(lines),
                                                                             res.stderr)
    for phrase in phrases:
        assert phrase in lines[0], "{!r} not in {!r}".format(phrase, lines[0])
    return lines[0]


def assert_stopped_with(res, code, *phrases):
    """A command that stopped part-way: exit ``code``, no traceback, and its last line on
    stderr is the one-line error containing every phrase (its log comes before); returns it."""
    lines = res.stderr.strip().splitlines()
    assert res.returncode == code, "exit {} (expected {}): {}".format(res.returncode, code,
                                                                     res.stderr)
    assert "Traceback" not in res.stderr, res.stderr
    assert lines and lines[-1].startswith("bench: error: "), res.stderr
    for phrase in phrases:
        assert phrase in lines[-1], "{!r} not in {!r}".format(phrase, lines[-1])
    return lines[-1]


@contextlib.contextmanager
def spinning(n):
    """``n`` other processes spinning on a core each (a noisy neighbour), stopped after."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield procs
    finally:
        for p in procs:
            p.kill()
            p.wait()
