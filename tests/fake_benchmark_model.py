"""TEST DOUBLE for TFLite's ``benchmark_model`` binary -- not the real tool.

No phone (and no Android build of ``benchmark_model``) is available in CI, so
the adb integration tests push this program to the emulated phone (see
tests/adb_device_emulator.py) behind a two-line shell wrapper that execs the
host's Python on it. It accepts the real tool's flags, runs the ``.tflite`` with
the host's LiteRT interpreter (``ai_edge_litert``), times it with the real
tool's loop (warm-up phase, then timed runs bounded by num_runs / min_secs /
max_secs) and prints the real tool's output format with the numbers it
measured: "INFO: " log lines, one ``count=`` statistics line per phase, the
"Inference timings in us" summary and the memory footprint line.

What it cannot do, and what it does instead:

* GPU / NNAPI delegates: it runs on the CPU and prints the lines the delegate
  would. ``FAKE_BENCHMARK_MODEL_GPU=reject`` in the environment makes the GPU
  delegate fail as a real one rejecting the model does ("Failed to apply GPU
  delegate", exit status 1).
* ``--xnnpack_force_fp16``: logged only; the host computes in FP32.
* ``--enable_op_profiling``: the invoke time is split evenly over the ops (the
  Python interpreter has no per-op profiler); the table shape is the real one.

Test hook: on the emulated phone, ``FAKE_BENCHMARK_MODEL_THERMAL_STATUS_AFTER=N``
and ``FAKE_BENCHMARK_MODEL_BATTERY_TENTHS_AFTER=T`` make the phone "heat up"
during the timed runs (its canned ``dumpsys`` output changes), for tests of
throttling detection.
"""

import os
import re
import resource
import sys
import time

DEFAULTS = {
    "graph": "", "num_threads": "-1", "warmup_runs": "1", "warmup_min_secs": "0.5",
    "num_runs": "50", "min_secs": "1", "max_secs": "150", "run_delay": "-1",
    "use_xnnpack": "", "use_gpu": "false", "gpu_precision_loss_allowed": "true",
    "use_nnapi": "false", "xnnpack_force_fp16": "false", "enable_op_profiling": "false",
    "verbose": "false", "signature_to_run_for": "",
}
LABELS = [("num_runs", "Min num runs"), ("min_secs", "Min runs duration (seconds)"),
          ("max_secs", "Max runs duration (seconds)"), ("num_threads", "Num threads"),
          ("warmup_runs", "Min warmup runs"),
          ("warmup_min_secs", "Min warmup runs duration (seconds)"),
          ("graph", "Graph"), ("enable_op_profiling", "Enable op profiling"),
          ("use_gpu", "Use gpu"), ("gpu_precision_loss_allowed", "Allow lower precision in gpu"),
          ("use_nnapi", "Use NNAPI"), ("use_xnnpack", "Use xnnpack"),
          ("xnnpack_force_fp16", "xnnpack_force_fp16"),
          ("signature_to_run_for", "Signature to run")]
BOOLS = {"use_xnnpack", "use_gpu", "gpu_precision_loss_allowed", "use_nnapi",
         "xnnpack_force_fp16", "enable_op_profiling", "verbose"}


def info(message):
    sys.stdout.write("INFO: " + message + "\n")
    sys.stdout.flush()


def error(message):
    sys.stderr.write("ERROR: " + message + "\n")
    sys.stderr.flush()


def now_us():
    return int(time.perf_counter() * 1e6)


def g(value):
    """C++ ``ostream << double`` with the default precision (6 significant digits)."""
    return "%g" % value


class Stat:
    """tflite's StatWithPercentiles, printed exactly as OutputToStream does."""

    def __init__(self):
        self.values = []

    def add(self, v):
        self.values.append(v)

    def first(self):
        return self.values[0] if self.values else 0

    def avg(self):
        return sum(self.values) / float(len(self.values)) if self.values else float("nan")

    def __str__(self):
        return self.text(percentiles=True)

    def text(self, percentiles):
        v = self.values
        if not v:
            return "count=0"
        if min(v) == max(v):
            text = "count=%d curr=%d" % (len(v), v[-1]) + ("(all same)" if len(v) > 1 else "")
        else:
            var = sum(x * x for x in v) / float(len(v)) - self.avg() ** 2
            text = "count=%d first=%d curr=%d min=%d max=%d avg=%s std=%d" % (
                len(v), v[0], v[-1], min(v), max(v), g(self.avg()), int(max(var, 0.0) ** 0.5))
        if not percentiles:
            return text
        ordered = sorted(v)
        p5, p50, p95 = (ordered[len(v) * p // 100] for p in (5, 50, 95))
        return text + " p5=%d median=%d p95=%d" % (p5, p50, p95)


def parse_flags(argv):
    params, unconsumed = dict(DEFAULTS), []
    for arg in argv:
        key, eq, value = arg[2:].partition("=") if arg.startswith("--") else ("", "", "")
        if key not in DEFAULTS:
            unconsumed.append(arg)
            continue
        if key in BOOLS:
            value = (value if eq else "true").lower()
            if value not in ("true", "false", "1", "0"):
                raise ValueError(arg)
            value = "true" if value in ("true", "1") else "false"
        elif key not in ("graph", "signature_to_run_for"):
            try:
                float(value)
            except ValueError:   # a malformed number fails the run, as in the real flag parser
                raise ValueError(arg)
        params[key] = value
    return params, unconsumed


def is_true(params, key):
    return params[key] == "true"


def max_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def heat_up():
    """The test hook above: rewrite the emulated phone's thermal and battery dumps."""
    meta = os.environ.get("ADB_EMULATOR_META")
    status = os.environ.get("FAKE_BENCHMARK_MODEL_THERMAL_STATUS_AFTER")
    tenths = os.environ.get("FAKE_BENCHMARK_MODEL_BATTERY_TENTHS_AFTER")
    for service, value, patterns in (
            ("thermalservice", status, [r"(Thermal Status: )-?\d+", r"(mStatus=)-?\d+"]),
            ("battery", tenths, [r"(temperature: )-?\d+"])):
        path = os.path.join(meta or "", "dumpsys", service)
        if not (meta and value and os.path.exists(path)):
            continue
        with open(path) as fh:
            text = fh.read()
        for pattern in patterns:
            text = re.sub(pattern, lambda m: m.group(1) + value, text)
        with open(path, "w") as fh:
            fh.write(text)


def run_phase(invoke, min_runs, min_secs, max_secs):
    info("Running benchmark for at least %d iterations and at least %s seconds but terminate "
         "if exceeding %s seconds." % (min_runs, g(min_secs), g(max_secs)))
    stat = Stat()
    start = now_us()
    min_finish, max_finish = start + int(min_secs * 1e6), start + int(max_secs * 1e6)
    run, t = 0, start
    while (run < min_runs or t < min_finish) and t <= max_finish:
        t0 = now_us()
        invoke()
        stat.add(now_us() - t0)
        t = now_us()
        run += 1
    sys.stdout.write("INFO: %s\n\n" % stat)
    sys.stdout.flush()
    return stat


def main(argv):
    info("STARTING!")
    try:
        params, unconsumed = parse_flags(argv)
    except ValueError as exc:
        error("Failed to parse the flag: %s" % exc)
        error("Benchmarking failed.")
        return 1
    info("Log parameter values verbosely: [%d]" % is_true(params, "verbose"))
    for key, label in LABELS:
        if params[key] != DEFAULTS[key]:
            value = params[key]
            value = str(int(value == "true")) if key in BOOLS else value
            info("%s: [%s]" % (label, value))
    if unconsumed:
        sys.stdout.write("WARN: Unconsumed cmdline flags: %s\n" % " ".join(unconsumed))
    graph = params["graph"]
    if not graph:
        error("Please specify the name of your TF Lite input file with --graph")
        error("Benchmarking failed.")
        return 1
    if not os.path.isfile(graph):
        error("Could not open '%s'." % graph)
        error("Failed to mmap model %s" % graph)
        error("Benchmarking failed.")
        return 1
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    threads = int(float(params["num_threads"]))
    rss0, t0 = max_rss_kb(), now_us()
    info("Loaded model %s" % graph)
    kwargs = {"model_path": graph, "num_threads": threads if threads > 0 else None}
    if params["use_xnnpack"] == "false" or is_true(params, "use_gpu"):
        kwargs["experimental_op_resolver_type"] = OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    try:
        interpreter = Interpreter(**kwargs)
    except (ValueError, RuntimeError) as exc:
        error(str(exc).strip().splitlines()[-1] if str(exc).strip() else "Failed to load model")
        error("Benchmarking failed.")
        return 1
    info("Initialized TensorFlow Lite runtime.")
    ops = interpreter._get_ops_details()
    if is_true(params, "use_gpu"):
        info("Created TensorFlow Lite delegate for GPU.")
        info("GPU delegate created.")
        if os.environ.get("FAKE_BENCHMARK_MODEL_GPU") == "reject":
            error("Following operations are not supported by GPU delegate:")
            for op in sorted(set(o["op_name"] for o in ops)):
                error("%s: Operation is not supported." % op)
            error("Failed to apply GPU delegate.")
            error("Benchmarking failed.")
            return 1
        sys.stdout.write("VERBOSE: Replacing %d out of %d node(s) with delegate "
                         "(TfLiteGpuDelegateV2) node, yielding 1 partitions for subgraph 0.\n"
                         % (len(ops), len(ops)))
    elif is_true(params, "use_nnapi"):
        info("Created TensorFlow Lite delegate for NNAPI.")
    # (LiteRT itself logs "Created TensorFlow Lite XNNPACK delegate for CPU." when it applies it)
    interpreter.allocate_tensors()
    # as the real tool: a file with several signatures needs --signature_to_run_for
    keys = sorted(interpreter.get_signature_list())
    signature = params["signature_to_run_for"]
    if len(keys) > 1 and signature not in keys:
        error('Signature not specified or incorrect for graph with multiple signatures. Pass '
              'one of the following to the flag "--signature_to_run_for"')
        for key in keys:
            error(" #> Signature key: %s" % key)
        error("Benchmarking failed.")
        return 1
    invoke, details, set_tensor = interpreter.invoke, interpreter.get_input_details(), \
        interpreter.set_tensor
    if len(keys) > 1:
        info("Using signature: %s" % signature)
        runner = interpreter.get_signature_runner(signature)
        sub, wrapper = runner._subgraph_index, interpreter._interpreter
        wrapper.AllocateTensors(sub)
        details = list(runner.get_input_details().values())

        def invoke():
            wrapper.Invoke(sub)

        def set_tensor(index, value):
            wrapper.SetTensor(index, value, sub)
    rng = np.random.default_rng(0)
    for detail in details:
        shape, dtype = detail["shape"], detail["dtype"]
        if np.issubdtype(dtype, np.floating):
            data = rng.random(shape)
        else:
            data = rng.integers(0, 100, shape)
        set_tensor(detail["index"], data.astype(dtype))
    init_us, rss_init = now_us() - t0, max_rss_kb()
    info("The input model file size (MB): %s" % g(os.path.getsize(graph) / 1e6))
    info("Initialized session in %sms." % g(init_us / 1e3))
    max_secs = float(params["max_secs"])
    warmup = run_phase(invoke, int(float(params["warmup_runs"])),
                       float(params["warmup_min_secs"]), max_secs)
    timed = run_phase(invoke, int(float(params["num_runs"])),
                      float(params["min_secs"]), max_secs)
    heat_up()
    info("Inference timings in us: Init: %d, First inference: %d, Warmup (avg): %s, "
         "Inference (avg): %s" % (init_us, warmup.first(), g(warmup.avg()), g(timed.avg())))
    info("Note: as the benchmark tool itself affects memory footprint, the following is only "
         "APPROXIMATE to the actual memory footprint of the model at runtime. Take the information "
         "at your discretion.")
    info("Memory footprint delta from the start of the tool (MB): init=%s overall=%s"
         % (g((rss_init - rss0) / 1024.0), g((max_rss_kb() - rss0) / 1024.0)))
    if is_true(params, "enable_op_profiling"):
        print_op_profile(ops, timed)
    return 0


def print_op_profile(ops, timed):
    """The shape of the real operator-wise table; each op gets an equal share of the invoke."""
    share = timed.avg() / 1000.0 / max(len(ops), 1)
    info("Operator-wise Profiling Info for Regular Benchmark Runs:")
    sys.stdout.write("============================== Run Order ==============================\n")
    sys.stdout.write("\t             [node type]\t  [first]\t [avg ms]\t     [%]\t  [cdf%]\t"
                     "  [mem KB]\t[times called]\t[Name]\n")
    for i, op in enumerate(ops):
        pct = 100.0 / max(len(ops), 1)
        sys.stdout.write("\t%24s\t%9.3f\t%9.3f\t%7.3f%%\t%7.3f%%\t%10.3f\t%9d\t[%s]:%d\n" % (
            op["op_name"], share, share, pct, pct * (i + 1), 0.0, 1, op["op_name"].lower(), i))
    sys.stdout.write("\nTimings (microseconds): %s\nMemory (bytes): count=0\n%d nodes observed\n\n"
                     % (timed.text(percentiles=False), len(ops)))
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
