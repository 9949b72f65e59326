"""A worker's raw result -> the CSV's statistic columns (the raw trials stay in the row).

Throughput is the median over kept trials with its distribution-free 95 % interval;
``unstable`` means that interval is wider than the target (or could not be computed),
and ``notes`` says why. Relative times come from trials of the same round, paired:
interleaving is what makes the pairing valid.
"""

from bench.measure.stats import ci_half_width, cv, mean, median, median_ci, percentile
from bench.options import MIN_ROUNDS


def trial_throughputs(result, batch):
    """Inferences per second of each kept trial of a :class:`CandidateResult`."""
    return [iters * batch * 1e9 / ns for iters, ns in zip(result.trial_iters, result.trial_ns)]


def _latency_columns(latency_ns):
    ms = [ns / 1e6 for ns in latency_ns]
    if not ms:
        return {}
    return {"latency_ms_mean": mean(ms), "latency_ms_std": cv(ms) * mean(ms),
            "latency_ms_p50": percentile(ms, 50), "latency_ms_p90": percentile(ms, 90),
            "latency_ms_p95": percentile(ms, 95), "latency_ms_p99": percentile(ms, 99)}


STOP_WHY = {"budget": "max_measure_s spent", "fixed": "rounds fixed by --repeats"}


def statistic_columns(result, batch, target_ci, stop=""):
    """Columns of one ``ok`` candidate: throughput and its interval, spread, latency,
    load; ``notes`` (a list) collects the caveats."""
    per_trial = trial_throughputs(result, batch)
    if not per_trial:
        raise ValueError("no kept trials")
    cols = {"throughput": median(per_trial), "throughput_min": min(per_trial),
            "throughput_max": max(per_trial), "cv": cv(per_trial),
            "trial_throughputs": per_trial, "rounds": len(per_trial),
            "trial_size": int(median(result.trial_iters)), "trials_dropped": result.dropped}
    ci = median_ci(per_trial)
    width = ci_half_width(per_trial)
    notes = []
    if ci is not None:
        cols["throughput_ci_low"], cols["throughput_ci_high"] = ci
    if width is None:
        cols["unstable"] = True
        notes.append("unstable: {} trials, too few for a 95 % interval (needs {})".format(
            len(per_trial), MIN_ROUNDS))
    elif width > target_ci:
        cols["unstable"] = True
        notes.append("unstable: 95 % interval +-{:.1%} > target +-{:.1%} after {} rounds{}".format(
            width, target_ci, len(per_trial), " ({})".format(STOP_WHY[stop]) if stop in STOP_WHY
            else ""))
    else:
        cols["unstable"] = False
    loads = [b for b in result.trial_background if b is not None]
    if loads:
        cols["background_cpu_pct"] = mean(loads)
    if result.dropped:
        notes.append("{} trial(s) redone: other processes took the cores".format(result.dropped))
    if result.first_ns is not None:
        cols["first_inference_ms"] = result.first_ns / 1e6
    cols.update(_latency_columns(result.latency_ns))
    if result.summary:  # a device tool's own statistics (Android benchmark_model)
        summary = dict(result.summary)
        if summary.pop("unstable", False):
            cols["unstable"] = True
        cols.update(summary)
    return cols, notes


def relative_columns(result, base, batch):
    """relative_time = T(baseline) / T(model) per round, paired; median and 95 % interval,
    and the per-round ratios themselves in round order (``trial_relative_times``: what
    ``bench diff`` compares between runs, free of the machine's drift from one run to the
    next). Empty when the two share no round."""
    base_by_round = dict(zip(base.trial_round, trial_throughputs(base, batch)))
    ratios = [base_by_round[r] / t for r, t in zip(result.trial_round, trial_throughputs(result, batch))
              if r in base_by_round and t > 0]
    if not ratios:
        return {}
    cols = {"relative_time": median(ratios), "trial_relative_times": ratios}
    ci = median_ci(ratios)
    if ci is not None:
        cols["relative_time_ci_low"], cols["relative_time_ci_high"] = ci
    return cols


def energy_columns(row):
    """Energy per inference from a row's mean power and throughput: P [mW] / T [inf/s] =
    mJ per inference; the dynamic part subtracts the idle power read just before."""
    power, idle, tp = row.get("power_mw_mean"), row.get("idle_power_mw"), row.get("throughput")
    if power is None or not tp:
        return {}
    out = {"energy_mj_per_inference": power / tp}
    if idle is not None:
        out["dynamic_energy_mj_per_inference"] = (power - idle) / tp
    return out
