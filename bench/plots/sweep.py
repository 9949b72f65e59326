"""Resolution sweep plot (SPEC §4): throughput and 112x112 patches/s against resolution,
one line per model, and the maximum-resolution table under them."""

from bench.plots import style

SIZE = (1200, 800)


def _f(v):
    """A finite float, or None: an empty cell, text, inf or nan is never drawn."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if x - x == 0 else None


def _lines(rows):
    """(label, [(r, throughput, patches)]) per (model, runtime, precision) line."""
    runtimes = {(r.get("runtime"), r.get("precision")) for r in rows}
    lines = {}
    for r in rows:
        res, tp = _f(r.get("resolution")), _f(r.get("throughput"))
        if r.get("status") != "ok" or res is None or tp is None:
            continue
        label = r.get("model", "?")
        if len(runtimes) > 1:
            label = "{} ({} {})".format(label, r.get("runtime"), r.get("precision"))
        pps = _f(r.get("patches_per_s"))
        lines.setdefault(label, {})[res] = (tp, pps if pps is not None else tp * (res / 112) ** 2)
    return {k: sorted((res, tp, pps) for res, (tp, pps) in v.items()) for k, v in lines.items()}


def plot_sweep(rows, path, title=None, size=SIZE):
    """``rows``: dicts from a sweep CSV. Returns ``path``."""
    from bench.analysis.sweep import max_resolution_table
    from bench.plots.common import pyplot

    plt = pyplot()
    w, h = size
    fig = plt.figure(figsize=(w / style.DPI, h / style.DPI), dpi=style.DPI)
    grid = fig.add_gridspec(2, 2, height_ratios=(3, 1.3))
    ax_t, ax_p = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    ax_tab = fig.add_subplot(grid[1, :])
    lines = _lines(rows)
    color = style.colors(list(lines))
    for i, (label, pts) in enumerate(lines.items()):
        xs = [p[0] for p in pts]
        mk = style.MARKERS[i % len(style.MARKERS)]
        ax_t.plot(xs, [p[1] for p in pts], marker=mk, ms=4, color=color[label], label=label)
        ax_p.plot(xs, [p[2] for p in pts], marker=mk, ms=4, color=color[label], label=label)
    all_res = sorted({p[0] for pts in lines.values() for p in pts})
    for ax in (ax_t, ax_p):
        ax.set_xlabel("input resolution r (r x r pixels)")
        ax.grid(alpha=0.3, which="both")
        if all_res:
            ax.set_xscale("log")
            ax.set_xticks(all_res)
            ax.set_xticklabels([str(int(r)) for r in all_res], rotation=45, fontsize=8)
            ax.minorticks_off()
        else:
            style.empty(ax, "no successful measurements")
    ax_t.set_yscale("log")  # throughput falls roughly with r^2: decades over a sweep
    style.plain_log_ticks(ax_t, "y", [p[1] for pts in lines.values() for p in pts])
    ax_t.set_ylabel("throughput (inferences/s, log)")
    ax_t.set_title("Throughput vs resolution", fontsize=10)
    ax_p.set_ylabel("112x112 patches/s = T·(r/112)²")
    ax_p.set_title("Patches per second (flat = no fixed per-inference overhead)", fontsize=10)
    if lines:
        ax_p.legend(fontsize=7, loc="best", title="model", title_fontsize=8)
    table = max_resolution_table(rows)
    ax_tab.axis("off")
    if table:
        cells = [[t["model"], t["runtime"], t["precision"],
                  str(t["max_resolution"]) if t["max_resolution"] else "none",
                  _short(t["stop_reason"])] for t in table]
        tab = ax_tab.table(cellText=cells, colLabels=["model", "runtime", "precision",
                                                      "max resolution", "why it stopped"],
                           loc="upper center", cellLoc="left", colLoc="left",
                           colWidths=[0.24, 0.1, 0.07, 0.09, 0.5])
        tab.auto_set_font_size(False)
        tab.set_fontsize(7 if len(cells) > 6 else 8)
        tab.scale(1, 1.1)
        ax_tab.set_title("Maximum resolution reached", fontsize=10)
    first = next((r for r in rows if r.get("device")), {})
    fig.suptitle(title or "Resolution sweep on {} (batch {})".format(
        first.get("device", "?"), first.get("batch", "?")), fontsize=11)
    return style.save(fig, path)


def _short(text, n=90):
    return text if len(text) <= n else text[:n - 3] + "..."
