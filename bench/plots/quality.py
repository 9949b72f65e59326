"""Anti-spoofing quality against measured speed: the PTA paper's Tables 3 and 4 as one plot.

ACER (%, lower is better) against throughput (inferences/s, higher is better): one point
per model / PTA configuration, labelled with the configuration, so the fast-and-good
corner (bottom right) is where a deployable configuration sits. Each speed series
(runtime, and device, precision or batch where those vary) gets a panel of its own:
runtimes differ in speed by orders of magnitude, and on one axis the configurations of
the slow ones would pile up in one unreadable cluster. Chance (ACER 50 %) is drawn.
"""

from bench.plots import style

PANEL = (520, 520)  # pixels per panel; panels side by side
MAX_PANELS = 4  # more series than this share one panel, told apart by marker


def _f(v):
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if x - x == 0 else None


def point_label(row):
    """The PTA configuration (``LLL``, ``No PTA``), else the model spec."""
    return row.get("config") or row.get("model") or "?"


def _panel(ax, points, series, color, top):
    for j, s in enumerate(series):
        sel = [r for r in points if (r.get("series") or "measured") == s]
        hollow = [r.get("weights") == "random" for r in sel]
        ax.scatter([_f(r["throughput"]) for r in sel], [_f(r["acer"]) for r in sel],
                   facecolors=["none" if h else color[s] for h in hollow], edgecolors=color[s],
                   marker=style.MARKERS[j % len(style.MARKERS)], s=40, label=s, zorder=3)
        for r in sel:
            ax.annotate(point_label(r), (_f(r["throughput"]), _f(r["acer"])),
                        textcoords="offset points", xytext=(4, 4), fontsize=7, color="0.3")
    style.log_if_wide(ax, "x", [_f(r["throughput"]) for r in points])
    ax.set_ylim(-2, top)
    ax.margins(x=0.1)  # room for the labels of the outermost points
    ax.axhline(50, color="0.6", lw=0.8, ls="--", zorder=1)
    ax.annotate("chance", (0.01, 50), xycoords=("axes fraction", "data"),
                textcoords="offset points", xytext=(0, 3), fontsize=7, color="0.5")
    ax.set_xlabel("throughput (inferences/s)")
    ax.grid(alpha=0.3, which="both")


def plot_quality(rows, path, title=None, size=None):
    """``rows``: joined quality/speed rows with ``acer``, ``throughput``, ``series``,
    ``config``/``model`` and ``weights`` (random weights are drawn hollow)."""
    points = [r for r in rows if _f(r.get("acer")) is not None and _f(r.get("throughput"))]
    series = list(dict.fromkeys(r.get("series") or "measured" for r in points)) or ["measured"]
    groups = [[s] for s in series] if len(series) <= MAX_PANELS else [series]
    size = size or (PANEL[0] * len(groups) + 80, PANEL[1])
    fig, axes = style.figure(size, 1, len(groups), sharey=True, squeeze=False)
    color = style.colors(series)
    top = max([55.0] + [_f(r["acer"]) + 5 for r in points])
    for ax, group in zip(axes[0], groups):
        sel = [r for r in points if (r.get("series") or "measured") in group]
        if sel:
            _panel(ax, sel, group, color, top)
            ax.set_title(group[0] if len(group) == 1 else "all series", fontsize=9)
            if len(group) > 1:
                ax.legend(fontsize=7, loc="upper right", frameon=False)
        else:
            style.empty(ax, "no model with both an ACER and a measured throughput")
    axes[0][0].set_ylabel("ACER (%, lower is better)")
    random = sorted({point_label(r) for r in points if r.get("weights") == "random"})
    note = "; hollow = random weights ({})".format(", ".join(random)) if random else ""
    fig.suptitle(title or "Anti-spoofing quality vs speed (bottom right is better){}".format(note),
                 fontsize=10)
    return style.save(fig, path)
