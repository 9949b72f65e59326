"""Statistics derived from a raw protocol record; the raw numbers stay the source of truth."""

import math

NS = 1e9


def throughput(trial_size, batch, elapsed_ns):
    """T = ts * b / (et - st), inferences per second (SPEC §3)."""
    if elapsed_ns <= 0:
        raise ValueError("non-positive elapsed time {}".format(elapsed_ns))
    return trial_size * batch * NS / elapsed_ns


def percentile(values, q):
    """Linear-interpolation percentile (numpy's default), q in [0, 100]."""
    if not values:
        raise ValueError("percentile of no values")
    data = sorted(values)
    pos = (len(data) - 1) * q / 100.0
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def median(values):
    return percentile(values, 50)


def mean(values):
    return sum(values) / float(len(values))


def cv(values):
    """Coefficient of variation (population standard deviation / mean); 0 for one value."""
    m = mean(values)
    if len(values) < 2 or m == 0:
        return 0.0
    var = sum((v - m) ** 2 for v in values) / len(values)
    return math.sqrt(var) / m


def summarize(raw, unstable_cv=0.05):
    """Raw record -> the CSV's statistic columns."""
    per_trial = [throughput(raw["trial_size"], raw["batch"], ns) for ns in raw["trial_ns"]]
    lat_ms = [ns / 1e6 for ns in raw["latency_ns"]]
    spread = cv(per_trial)
    out = {
        "throughput": median(per_trial),
        "throughput_min": min(per_trial),
        "throughput_max": max(per_trial),
        "cv": spread,
        "unstable": spread > unstable_cv,
        "trial_throughputs": per_trial,
        "first_inference_ms": raw["first_ns"] / 1e6,
    }
    if lat_ms:
        out.update({
            "latency_ms_mean": mean(lat_ms),
            "latency_ms_std": cv(lat_ms) * mean(lat_ms),
            "latency_ms_p50": percentile(lat_ms, 50),
            "latency_ms_p90": percentile(lat_ms, 90),
            "latency_ms_p95": percentile(lat_ms, 95),
            "latency_ms_p99": percentile(lat_ms, 99),
        })
    return out
