"""A phone's per-operator times: its own ``benchmark_model --enable_op_profiling=true``.

The tool prints, after its timings, "Operator-wise Profiling Info for Regular Benchmark
Runs:" and a "Run Order" table (one row per node of the graph: node type, first and
average ms per call, %, cdf %, memory, times called per run, ``[name]:index``; newer
builds add a ``[start]`` column), then "Top by Computation Time" and "Summary by node
type" tables of the same numbers, and, where a delegate reports its own operators
(XNNPACK does), "Delegate internal:" with a Run Order table of those. A graph with
subgraphs prints a table per subgraph ("Primary graph ...", "Subgraph (index: N) ...").

:func:`parse_op_profile` reads the Run Order tables of the regular runs (never the
initialisation's) and of "Delegate internal" (whose operators replace the delegate node
they ran inside); :func:`profile_on_phone` runs the tool twice through adb with the
flags ``bench run`` gives it: once timing (its median is the latency), once profiling.
"""

import re

from bench.profile import op

REGULAR = "Operator-wise Profiling Info for Regular Benchmark Runs"
INTERNAL = "Delegate internal:"
RUN_ORDER = re.compile(r"^=+\s*Run Order\s*=+$")
TABLE_END = re.compile(r"^(=+|Timings \(microseconds\)|Number of nodes executed|Memory \(bytes\)|"
                       r"\d+ nodes observed|Primary graph|Subgraph \(index)")
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?%?"
DELEGATES = {"xnnpack": "XNNPACK delegate", "gpu": "GPU delegate", "nnapi": "NNAPI delegate",
             "cpu": "CPU (TFLite kernels)"}
KERNELS = "CPU (TFLite kernels)"
PROFILER = "benchmark_model --enable_op_profiling=true (the phone's own tool)"
UNCOVERED = "the interpreter between nodes, which benchmark_model's table leaves out"


SEVERITY = re.compile(r"^\s*(?:INFO|WARN|WARNING|ERROR|VERBOSE|DEBUG):\s")


def _strip(line):
    """A line without the "INFO: " severity the tool's log lines start with."""
    return SEVERITY.sub("", line, count=1).rstrip()


def _columns(header):
    return [c.strip().lower() for c in re.findall(r"\[([^\]]+)\]", header)]


def _rows(lines, start):
    """The rows of the Run Order table whose banner is at ``start`` -> (rows, next index)."""
    i = start + 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or "[" not in lines[i]:
        return [], i
    columns = _columns(lines[i])
    numeric = len(columns) - 2  # between [node type] and [Name]
    if numeric < 1 or columns[0] != "node type":
        return [], i + 1
    pattern = re.compile(r"^\s*(?P<type>.+?)\s+(?P<nums>(?:" + NUMBER + r"\s+){" + str(numeric) +
                         r"})(?P<name>\S.*?)\s*$")
    rows = []
    i += 1
    while i < len(lines):
        text = lines[i]
        if not text.strip():
            i += 1
            if rows:
                break
            continue
        if TABLE_END.match(text.strip()):
            break
        found = pattern.match(text)
        if found is None:
            raise ValueError("benchmark_model's op profile has a row bench cannot read: {!r}"
                             .format(text.strip()[:120]))
        numbers = [float(v.rstrip("%")) for v in found.group("nums").split()]
        values = dict(zip(columns[1:-1], numbers))
        rows.append({"type": found.group("type").strip(), "name": found.group("name"),
                     "avg_ms": values.get("avg ms", 0.0),
                     "calls": values.get("times called", 1.0)})
        i += 1
    return rows, i


def parse_op_profile(text, delegate="xnnpack"):
    """``benchmark_model`` output -> the operators of one inference (:func:`bench.profile.op`
    dicts, in run order: time = average ms per call x calls per run).

    ``delegate``: the device's (xnnpack, gpu, nnapi, cpu), naming where delegated operators
    ran. Raises ValueError when the output holds no operator-wise table (an old tool, a
    flag it ignored, a run that failed before printing it)."""
    lines = [_strip(ln) for ln in text.splitlines()]
    try:
        begin = next(i for i, ln in enumerate(lines) if ln.startswith(REGULAR))
    except StopIteration:
        raise ValueError("benchmark_model printed no '{}' table: this build may not support "
                         "--enable_op_profiling".format(REGULAR))
    internal_at = next((i for i in range(begin, len(lines)) if lines[i].startswith(INTERNAL)),
                       len(lines))
    regular, internal = [], []
    i = begin
    while i < len(lines):
        if RUN_ORDER.match(lines[i].strip()):
            at = i
            rows, i = _rows(lines, i)
            (regular if at < internal_at else internal).extend(rows)
            continue
        i += 1
    if not regular and not internal:
        raise ValueError("benchmark_model's '{}' has no Run Order rows".format(REGULAR))
    label = DELEGATES.get(delegate, "{} delegate".format(delegate))
    ops = []
    for row in regular:
        is_delegate = "delegate" in row["type"].lower()
        if is_delegate and internal:
            continue  # its own operators are listed under "Delegate internal"
        ops.append(_op(row, label if is_delegate else KERNELS))
    ops += [_op(row, label) for row in internal]
    return ops


def _op(row, where):
    calls = row["calls"] if row["calls"] and row["calls"] > 0 else 1.0
    return op(row["name"], row["type"], where, row["avg_ms"] * calls)


def profile_on_phone(device, remote_artifact, precision, runs, warmup, threads, timeout):
    """Run benchmark_model on ``device`` (an AdbDevice, set up) twice: timing, then with
    ``--enable_op_profiling=true`` -> the profile answer (as the local worker's)."""
    from bench.devices.adb.benchmark import benchmark_flags, classify_failure
    from bench.devices.adb.parsers import parse_benchmark_model
    from bench.measure.messages import Candidate, MeasureJob

    cfg = device.config
    job = MeasureJob(id="profile", runtime="tflite", threads=threads, warmup=warmup,
                     trial_size=runs, candidates=[])
    candidate = Candidate(key="profile", artifact=remote_artifact, precision=precision)
    flags, notes, used = benchmark_flags(job, candidate, cfg)
    binary, mask = device.binary(), device.cpu_mask()
    argv = (["taskset", mask] if mask else []) + [binary] + flags

    def invoke(extra):
        res = device.adb.run_long(argv + extra, timeout)
        try:
            timed, error = parse_benchmark_model(res.text), None
        except ValueError as exc:
            timed, error = None, str(exc)
        if timed is None or res.status != 0:
            status, message = classify_failure(res.status, res.text, binary, device.facts.abi,
                                               cfg.delegate, error)
            return None, res.text, {"status": status, "error": message}
        return timed, res.text, None

    timed, _, failed = invoke([])
    if failed:
        return failed
    profiled, text, failed = invoke(["--enable_op_profiling=true"])
    if failed:
        return failed
    try:
        ops = parse_op_profile(text, cfg.delegate)
    except ValueError as exc:
        return {"status": "unsupported", "error": str(exc)}
    from bench.profile.table import aggregate

    rows, _ = aggregate([ops])
    median = timed.get("median_us") or timed.get("mean_us")
    span = profiled.get("median_us") or profiled.get("mean_us")
    return {"status": "ok", "ops": rows, "runs": int(profiled.get("count") or 1), "kept": 1,
            "latency_ms": median / 1000.0 if median else None,
            "latency_p10_ms": (timed.get("p5_us") or 0) / 1000.0 or None,
            "latency_p90_ms": (timed.get("p95_us") or 0) / 1000.0 or None,
            "span_ms": span / 1000.0 if span else None, "profiler": PROFILER,
            "notes": "; ".join(notes + ["times averaged by benchmark_model over its {} profiled "
                                        "runs".format(int(profiled.get("count") or 1))]),
            "uncovered": UNCOVERED, "threads": used, "cpu_affinity": mask or "",
            "info": {"delegate": cfg.delegate}}
