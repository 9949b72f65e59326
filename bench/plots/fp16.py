"""FP16 plot (SPEC §5): R = T_fp16/T_fp32 against T_fp32, coloured by family, R = 1 line.

Points below the line (FP16 slower) are drawn where they are, never clamped;
pairs without a ratio (FP16 unsupported, failed, missing) are listed beside the
plot with their reason so they are not silently dropped.
"""

from bench.plots import style

SIZE = (1100, 550)


def plot_fp16(pairs, path, title=None, size=SIZE):
    """``pairs``: comparison rows (``bench.analysis.fp16.pair_rows`` or its CSV). -> ``path``."""
    fig, ax = style.figure(size)
    pts = [p for p in pairs if _f(p.get("ratio")) is not None and _f(p.get("throughput_fp32"))]
    families = list(dict.fromkeys(p.get("family") or "?" for p in pts))
    runtimes = list(dict.fromkeys(p.get("runtime") or "?" for p in pts))
    color = style.colors(families)
    for fam in families:
        for j, rt in enumerate(runtimes):
            sel = [p for p in pts if (p.get("family") or "?") == fam and (p.get("runtime") or "?") == rt]
            if not sel:
                continue
            label = fam if len(runtimes) == 1 else "{} ({})".format(fam, rt)
            ax.scatter([_f(p["throughput_fp32"]) for p in sel], [_f(p["ratio"]) for p in sel],
                       color=color[fam], marker=style.MARKERS[j % len(style.MARKERS)], s=40,
                       label=label, zorder=3)
    for p in pts:
        ax.annotate(_short(p.get("model", "")), (_f(p["throughput_fp32"]), _f(p["ratio"])),
                    textcoords="offset points", xytext=(4, 3), fontsize=6, color="0.3")
    ax.axhline(1.0, color="black", ls="--", lw=1, label="R = 1 (no gain)")
    ax.axhspan(0.0, 1.0, color="tab:red", alpha=0.06, lw=0, label="R < 1: FP16 slower")
    ratios = [_f(p["ratio"]) for p in pts]
    if ratios:
        lo, hi = min(ratios + [1.0]), max(ratios + [1.0])
        pad = 0.1 * (hi - lo or 1.0)
        ax.set_ylim(max(0.0, lo - pad), hi + pad)
        style.log_if_wide(ax, "x", [_f(p["throughput_fp32"]) for p in pts])
    else:
        style.empty(ax, "no pair with both FP32 and FP16 measured")
    ax.set_xlabel("FP32 throughput T_fp32 (inferences/s)")
    ax.set_ylabel("R = T_fp16 / T_fp32 (speed-up, x)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), title="family",
              title_fontsize=8, frameon=False)
    missing = [p for p in pairs if p.get("status") != "ok"]
    if missing:
        import textwrap

        text = "No ratio ({}):\n".format(len(missing)) + "\n".join(
            textwrap.fill("- {} ({}): {}".format(p.get("model", ""), p.get("runtime", ""),
                                                 _short(p.get("notes", ""), 90)), 44,
                          subsequent_indent="  ") for p in missing[:10])
        if len(missing) > 10:
            text += "\n... {} more (see the CSV)".format(len(missing) - 10)
        ax.text(1.02, 0.0, text, transform=ax.transAxes, fontsize=6.5, va="bottom", ha="left")
    first = (pairs or [{}])[0]
    ax.set_title(title or "FP16 vs FP32 on {} (resolution {}, batch {})".format(
        first.get("device", "?"), first.get("resolution", "?"), first.get("batch", "?")),
        fontsize=10)
    ax.margins(x=0.08)
    fig.subplots_adjust(left=0.07, right=0.68, bottom=0.1, top=0.92)
    return style.save(fig, path, tight=False)


def _f(v):
    """A finite float, or None: an empty cell, text, inf or nan is never drawn."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if x - x == 0 else None


def _short(text, n=32):
    text = str(text or "")
    return text if len(text) <= n else text[:n - 3] + "..."
