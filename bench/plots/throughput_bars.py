"""Bar chart: throughput per model (x) and runtime (bars), from a run CSV."""

from bench.plots.common import pyplot, save


def _float(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def plot_throughput_bars(rows, path, title=None):
    """``rows``: dicts from a run CSV; only ``ok`` rows are drawn. Returns ``path``."""
    ok = [r for r in rows if r.get("status") == "ok" and _float(r.get("throughput"))]
    models = list(dict.fromkeys(r["model"] for r in ok))
    runtimes = list(dict.fromkeys(r["runtime"] for r in ok))
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(models) + 2), 4.8))
    width = 0.8 / max(1, len(runtimes))
    values = {(r["model"], r["runtime"]): r for r in ok}
    for i, runtime in enumerate(runtimes):
        xs, ys, errs = [], [], [[], []]
        for j, model in enumerate(models):
            r = values.get((model, runtime))
            if r is None:
                continue
            t = _float(r["throughput"])
            xs.append(j - 0.4 + width * (i + 0.5))
            ys.append(t)
            errs[0].append(max(0.0, t - (_float(r.get("throughput_min")) or t)))
            errs[1].append(max(0.0, (_float(r.get("throughput_max")) or t) - t))
        ax.bar(xs, ys, width, yerr=errs, capsize=2, label=runtime)
    ax.set_xticks(range(len(models)))
    ax.set_xticklabels(models, rotation=30, ha="right")
    ax.set_ylabel("throughput (inferences/s)")
    ax.set_xlabel("model")
    if ok:
        r0 = ok[0]
        title = title or "Throughput on {} ({}, batch {}, {}x{}); bars: min-max of trials".format(
            r0.get("device"), r0.get("precision"), r0.get("batch"), r0.get("resolution"),
            r0.get("resolution"))
    else:
        ax.text(0.5, 0.5, "no successful measurements", ha="center", va="center",
                transform=ax.transAxes)
    ax.set_title(title or "Throughput", fontsize=10)
    if runtimes:
        ax.legend(title="runtime", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return save(fig, path)
