"""``benchmark_model`` on a phone, as pure functions: job -> flags, outputs -> columns.

No I/O here (the worker in ``adb_worker.py`` runs the commands): what flags a
(delegate, precision) gets and what it means for the row's notes, what one invocation
(one trial) measured, which invocation's latency columns a row shows, when a thermal
rise makes a row unstable, and which status and message a failed invocation gets.
"""

import re

from bench.devices.adb.parsers import THERMAL_STATUS_NAMES

# SPEC §5: TFLite's GPU delegate allows FP16 precision loss by default, so FP32 says no.
GPU_FP32_NOTE = ("GPU delegate with --gpu_precision_loss_allowed=false: computes in FP32 "
                 "(TFLite's default would allow FP16)")
GPU_FP16_NOTE = "GPU delegate, FP16 model, --gpu_precision_loss_allowed=true"
XNNPACK_FP16_NOTE = ("CPU FP16: --xnnpack_force_fp16 on the FP16 model; XNNPACK computes in FP16 "
                     "where the CPU has FP16 arithmetic (ARMv8.2+), in FP32 elsewhere")
CPU_FP16_NOTE = "FP16 weights on the reference CPU kernels: computed in FP32"
NNAPI_FP16_NOTE = "NNAPI with --nnapi_allow_fp16=true: the driver may compute in FP16"
NNAPI_NOTE = "NNAPI: the driver picks the accelerator (and may fall back to the CPU)"


def _g(value):
    return "{:g}".format(value)


def benchmark_flags(job, candidate, cfg):
    """(flags after the binary, notes for the row, threads passed or None) for one
    ``candidate`` of a :class:`~bench.measure.messages.MeasureJob`: one invocation is one
    trial, as long as the device's ``min_secs`` (or the job's ``min_trial_s`` when longer
    and the trial is sized by time: a power sampler's, ``bench sustained``'s interval).

    Runs: the device's ``num_runs`` / ``warmup_runs`` when set, else the run's fixed
    ``--trials`` (1 when the trial is sized by time) / ``warmup``; threads: the run's
    ``--threads``, else the device's.
    """
    fp16 = candidate.precision == "fp16"
    threads = int(job.threads or 0) or cfg.threads or None
    runs = cfg.num_runs if cfg.num_runs is not None else (job.trial_size or 1)
    warmup = cfg.warmup_runs if cfg.warmup_runs is not None else job.warmup
    min_secs = max(cfg.min_secs, job.min_trial_s if not job.trial_size else 0.0)
    flags = ["--graph=" + candidate.artifact, "--warmup_runs={}".format(int(warmup)),
             "--warmup_min_secs=" + _g(cfg.warmup_min_secs), "--num_runs={}".format(int(runs)),
             "--min_secs=" + _g(min_secs), "--max_secs=" + _g(max(cfg.max_secs, min_secs))]
    if threads:
        flags.append("--num_threads={}".format(threads))
    signature = (candidate.select or {}).get("signature")
    if signature:  # one configuration of a switchable (multi-signature) file
        flags.append("--signature_to_run_for=" + signature)
    named = [(n, d) for n, d in sorted((candidate.shapes or {}).items()) if n]
    if named:  # a user's file: feed exactly what the host resolved (dynamic dims filled)
        flags += ["--input_layer=" + ",".join(n for n, _ in named),
                  "--input_layer_shape=" + ":".join(",".join(str(x) for x in d) for _, d in named)]
    notes = []
    if cfg.delegate == "gpu":
        flags += ["--use_gpu=true", "--gpu_precision_loss_allowed=" + ("true" if fp16 else "false")]
        notes.append(GPU_FP16_NOTE if fp16 else GPU_FP32_NOTE)
    elif cfg.delegate == "nnapi":
        flags += ["--use_nnapi=true", "--nnapi_allow_fp16=" + ("true" if fp16 else "false")]
        notes.append(NNAPI_FP16_NOTE if fp16 else NNAPI_NOTE)
    elif cfg.delegate == "xnnpack":
        flags.append("--use_xnnpack=true")
        if fp16:
            flags.append("--xnnpack_force_fp16=true")
            notes.append(XNNPACK_FP16_NOTE)
    else:  # "cpu": TFLite's reference kernels, no delegate
        flags.append("--use_xnnpack=false")
        if fp16:
            notes.append(CPU_FP16_NOTE)
    return flags, notes, threads


def trial_of(parsed):
    """(batches, ns) of one invocation's timed runs, as the tool measured them (an old
    build that prints only the average counts as one batch of that length)."""
    count = parsed.get("count") or 1
    return int(count), count * parsed["mean_us"] * 1000.0


def representative_columns(runs):
    """Parsed ``benchmark_model`` outputs (one per trial) -> (columns, init ms) from the
    invocation with the median speed (the lower middle for an even count): latency
    mean/std/p50/p95, first inference and memory, as the tool printed them. Throughput
    and its interval come from every trial (the host's statistics)."""
    if not runs:
        raise ValueError("no benchmark_model runs to summarize")
    order = sorted(range(len(runs)), key=lambda i: -runs[i]["mean_us"])
    rep = runs[order[(len(order) - 1) // 2]]

    def ms(value):
        return None if value is None else value / 1000.0

    return {
        "latency_ms_mean": ms(rep["mean_us"]), "latency_ms_std": ms(rep["std_us"]),
        "latency_ms_p50": ms(rep["median_us"]), "latency_ms_p95": ms(rep["p95_us"]),
        "first_inference_ms": ms(rep["first_inference_us"]),
        "memory_mb": rep["memory_overall_mb"] if rep["memory_overall_mb"] is not None
        else rep["memory_peak_mb"],
    }, ms(rep["init_us"])


def _status_name(status):
    return "{} ({})".format(status, THERMAL_STATUS_NAMES.get(status, "?"))


def thermal_verdict(before, after):
    """(unstable, note) from the thermal status (0 none .. 6 shutdown) before and after.

    A rise into throttling (status >= 1, "light") during the measurement, or throttling
    throughout it, makes the numbers those of a throttled phone. Unknown status: no verdict.
    """
    if after is None:
        return False, ""
    if after >= 1 and (before is None or after > before):
        return True, ("unstable: thermal status rose from {} to {} during the measurement "
                      "(throttling); let the phone cool down and rerun".format(
                          "?" if before is None else _status_name(before), _status_name(after)))
    if before is not None and before >= 1:
        return True, "unstable: the phone was throttling throughout (thermal status {})".format(
            _status_name(after))
    return False, ""


_TOOL_ERROR = re.compile(r"^(?:ERROR|E|F)[:/ ]|error|fail|not found|denied|cannot|can't|"
                         r"exec format|not executable|no such file|segmentation|abort",
                         re.IGNORECASE)


def tool_message(text, limit=240):
    """The tool's own last word: its last error line, else its last line."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if _TOOL_ERROR.search(ln) and "Benchmarking failed" not in ln]
    line = (errors or lines or ["(no output)"])[-1]
    return line if len(line) <= limit else line[:limit - 3] + "..."


def ignored_signature(text, signature):
    """The one-line error when a ``benchmark_model`` too old for ``--signature_to_run_for``
    ignored it (it then runs the file's first signature: another configuration), else None."""
    for line in text.splitlines():
        if "Unconsumed cmdline flags" in line and "--signature_to_run_for" in line:
            return ("this benchmark_model does not know --signature_to_run_for, so it ran the "
                    "file's first signature instead of {}; push a newer build (benchmark_binary) "
                    "or measure the frozen configuration (without switchable=true)".format(
                        signature))
    return None


def classify_failure(status, text, binary, abi, delegate, parse_error=None):
    """(row status, one-line error) for an invocation that produced no timings.

    ``status`` is the exit status on the phone (126/127: the shell could not run the
    binary; >= 128: killed by signal status-128).
    """
    message = tool_message(text)
    lowered = text.lower()
    if "signature not specified or incorrect" in lowered:
        keys = re.findall(r"#> Signature key: (\S+)", text)
        return "failed", ("benchmark_model found no such signature in the file (it has: {}); "
                          "export it again with switchable=true".format(", ".join(keys) or "?"))
    if status == 127 or (binary in text and "not found" in lowered):
        return "failed", ("benchmark_model not found on the phone ({}); set benchmark_binary to "
                          "the local benchmark_model built for {} so bench pushes it".format(
                              message, abi or "the phone's ABI"))
    if status == 126 or "exec format" in lowered or "not executable" in lowered:
        return "failed", ("{} cannot run on this {} phone ({}); use the benchmark_model build "
                          "for {} (android_aarch64 for arm64-v8a, android_arm for armeabi-v7a)"
                          .format(binary, abi or "?", message, abi or "its ABI"))
    if re.search(r"failed to apply .*delegate|not supported by .*delegate|delegate .*(failed|error)",
                 lowered):
        return "unsupported", "the {} delegate rejected the model: {}".format(delegate, message)
    if status >= 128:
        hint = " (likely out of memory: the low-memory killer)" if status == 137 else ""
        return "crashed", "benchmark_model was killed by signal {}{}: {}".format(
            status - 128, hint, message)
    if parse_error is not None:
        return "failed", "benchmark_model (exit {}): {}".format(status, parse_error)
    return "failed", "benchmark_model exited with status {}: {}".format(status, message)
