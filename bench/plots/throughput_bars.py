"""Bar chart from a run CSV: throughput per model (x) and runtime (bars) with the 95 %
interval of each median; below it, when the run had a baseline, each model's time
relative to the baseline (the last column of the PTA paper's Table 4) with its interval."""

from bench.plots.common import pyplot, save


def _float(v):
    """A finite float, or None: an empty cell, text, inf or nan is never drawn."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if x - x == 0 else None


def _bars(ax, ok, models, runtimes, column, low, high):
    width = 0.8 / max(1, len(runtimes))
    values = {(r["model"], r["runtime"]): r for r in ok}
    for i, runtime in enumerate(runtimes):
        xs, ys, errs = [], [], [[], []]
        for j, model in enumerate(models):
            r = values.get((model, runtime))
            v = _float(r.get(column)) if r is not None else None
            if v is None:
                continue
            xs.append(j - 0.4 + width * (i + 0.5))
            ys.append(v)
            errs[0].append(max(0.0, v - (_float(r.get(low)) or v)))
            errs[1].append(max(0.0, (_float(r.get(high)) or v) - v))
        ax.bar(xs, ys, width, yerr=errs, capsize=2, label=runtime)
    ax.set_xticks(range(len(models)))
    ax.grid(axis="y", alpha=0.3)


def plot_throughput_bars(rows, path, title=None):
    """``rows``: dicts from a run CSV; only ``ok`` rows are drawn. Returns ``path``."""
    ok = [r for r in rows if r.get("status") == "ok" and _float(r.get("throughput"))]
    models = list(dict.fromkeys(r["model"] for r in ok))
    runtimes = list(dict.fromkeys(r["runtime"] for r in ok))
    relative = any(_float(r.get("relative_time")) is not None for r in ok)
    plt = pyplot()
    width = max(6.0, 1.2 * len(models) + 2)
    if relative:
        fig, (ax, rel) = plt.subplots(2, 1, figsize=(width, 7.6), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 2]})
    else:
        fig, ax = plt.subplots(figsize=(width, 4.8))
        rel = None
    _bars(ax, ok, models, runtimes, "throughput", "throughput_ci_low", "throughput_ci_high")
    ax.set_ylabel("throughput (inferences/s)")
    bottom = rel if rel is not None else ax
    bottom.set_xticklabels(models, rotation=30, ha="right")
    bottom.set_xlabel("model")
    if rel is not None:
        _bars(rel, ok, models, runtimes, "relative_time", "relative_time_ci_low",
              "relative_time_ci_high")
        rel.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
        base = next((r["baseline"] for r in ok if r.get("baseline")), "the baseline")
        rel.set_ylabel("time relative to\n{}".format(base), fontsize=8)
        lows = [_float(r.get("relative_time_ci_low")) or _float(r.get("relative_time")) for r in ok
                if _float(r.get("relative_time")) is not None]
        rel.set_ylim(min(0.9, min(lows) - 0.05), None)
    if ok:
        r0 = ok[0]
        title = title or ("Throughput on {} ({}, batch {}, {}x{}); bars: 95 % interval of the "
                          "median".format(r0.get("device"), r0.get("precision"), r0.get("batch"),
                                          r0.get("resolution"), r0.get("resolution")))
    else:
        ax.text(0.5, 0.5, "no successful measurements", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_title(title or "Throughput", fontsize=10)
    if runtimes:
        ax.legend(title="runtime", fontsize=8)
    return save(fig, path)
