"""Where the time goes, by operator type: one stacked bar per profiled model (left) and,
per operator type, each model's time side by side (right), so two models' profiles show
where one saves time against the other (e.g. ``pta:HHH`` against ``pta:LLL``).

Operator types beyond the :data:`TYPES` largest (summed over the models) are drawn as
"other". Times are ms per inference from the profile CSV (:mod:`bench.profile.table`).
"""

from bench.plots.style import colors, figure, save

TYPES = 9  # operator types drawn on their own; the rest is "other"
OTHER = "other"


def _by_model(rows):
    from bench.profile.table import by_type

    models = list(dict.fromkeys(r["model"] for r in rows))
    return models, {m: by_type([r for r in rows if r["model"] == m]) for m in models}


def plot_profile(rows, path, title=None):
    """``rows``: profile rows (several models allowed). Returns ``path``."""
    models, per = _by_model(rows)
    totals = {}
    for types in per.values():
        for t, ms in types.items():
            totals[t] = totals.get(t, 0.0) + ms
    ranked = sorted(totals, key=lambda t: -totals[t])
    shown = ranked[:TYPES]
    keys = shown + ([OTHER] if len(ranked) > TYPES else [])
    values = {m: [per[m].get(t, 0.0) for t in shown] +
              ([sum(v for t, v in per[m].items() if t not in shown)] if OTHER in keys else [])
              for m in models}
    palette = colors(keys)
    width = max(900, 260 + 110 * len(models) + 60 * len(keys))
    legend_rows = (len(keys) + 4) // 5
    height = 560 + 22 * legend_rows
    fig, (stack, side) = figure((width, height), 1, 2, gridspec_kw={"width_ratios": [
        max(1.2, 0.9 * len(models)), 3]})
    bottoms = [0.0] * len(models)
    for i, key in enumerate(keys):
        heights = [values[m][i] for m in models]
        stack.bar(range(len(models)), heights, 0.6, bottom=bottoms, color=palette[key], label=key)
        bottoms = [b + h for b, h in zip(bottoms, heights)]
    for x, (m, total) in enumerate(zip(models, bottoms)):
        latency = next((r.get("latency_ms") for r in rows if r["model"] == m), None)
        text = "{:.2f} ms".format(total) + ("\n(latency {:.2f})".format(latency) if latency else "")
        stack.text(x, total, text, ha="center", va="bottom", fontsize=7)
    stack.set_xticks(range(len(models)))
    stack.set_xticklabels(models, rotation=20, ha="right", fontsize=8)
    stack.set_ylabel("operator time per inference (ms)")
    stack.set_ylim(0, max(bottoms + [1e-6]) * 1.2)
    stack.grid(axis="y", alpha=0.3)
    stack.set_title("by operator type", fontsize=9)
    handles, labels = stack.get_legend_handles_labels()
    ncol = min(len(keys), 5)
    fig.legend(handles, labels, loc="lower center", ncol=ncol, fontsize=8, frameon=False,
               title="operator type (left)", title_fontsize=8)
    bar = 0.8 / max(1, len(models))
    model_colors = colors(models)
    for j, m in enumerate(models):
        ys = [k - 0.4 + bar * (j + 0.5) for k in range(len(keys))]
        side.barh(ys, values[m], bar, color=model_colors[m], label=m)
    side.set_yticks(range(len(keys)))
    side.set_yticklabels(keys, fontsize=8)
    side.invert_yaxis()
    side.set_xlabel("ms per inference")
    side.grid(axis="x", alpha=0.3)
    side.legend(fontsize=8, title="model")
    side.set_title("each operator type, model by model" if len(models) > 1 else
                   "each operator type", fontsize=9)
    r0 = rows[0] if rows else {}
    size = "{0}x{0}, ".format(r0["resolution"]) if r0.get("resolution") not in (None, "") else ""
    fig.suptitle(title or "Per-operator profile: {} on {} ({}, {}batch {})".format(
        r0.get("runtime", "?"), r0.get("device", "?"), r0.get("precision", "?"), size,
        r0.get("batch", "?")), fontsize=10)
    return save(fig, path, rect=(0, (40.0 + 22 * legend_rows) / height, 1, 0.95))
