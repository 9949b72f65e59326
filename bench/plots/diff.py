"""``bench diff`` plot: the change per key (paired against the baseline, or in throughput)
with its interval, coloured by verdict, the 0 line and the ``--fail-slower`` threshold."""

from bench.plots import style

COLOURS = {"faster": "tab:green", "slower": "tab:red", "unchanged": "0.45", "unknown": "0.75"}


def plot_diff(diff, path, fail_slower=None, title=None):
    """``diff``: a :class:`bench.analysis.diff.Diff`. -> ``path``."""
    entries = [e for e in diff.compared() if e["change_pct"] is not None]
    height = max(300, 120 + 26 * len(entries))
    fig, ax = style.figure((1000, height))
    if not entries:
        style.empty(ax, "no key is ok in both files")
    span = []
    for i, e in enumerate(entries):
        y = len(entries) - 1 - i
        x = e["change_pct"]
        lo, hi = e["change_ci_low_pct"], e["change_ci_high_pct"]
        colour = COLOURS.get(e["verdict"], "0.45")
        if lo is not None and hi is not None:
            ax.errorbar([x], [y], xerr=[[x - lo], [hi - x]], fmt="o", color=colour, capsize=3)
            span += [lo, hi]
        else:
            ax.plot([x], [y], "o", color=colour, mfc="none")
        span.append(x)
        ax.annotate(e["verdict"], (x, y), textcoords="offset points", xytext=(6, 5),
                    fontsize=7, color=colour)
    ax.set_ylim(-0.6, max(len(entries), 1) - 0.3)
    ax.set_yticks(range(len(entries)))
    ax.set_yticklabels([_short(e["_label"]) for e in reversed(entries)], fontsize=7)
    ax.axvline(0.0, color="black", lw=1)
    if fail_slower is not None:
        ax.axvline(-fail_slower, color="tab:red", ls="--", lw=1,
                   label="--fail-slower {:g} %".format(fail_slower))
        span.append(-fail_slower)
        ax.legend(fontsize=7, loc="lower right")
    if span:
        lo, hi = min(span + [0.0]), max(span + [0.0])
        pad = 0.08 * (hi - lo or 2.0)
        ax.set_xlim(lo - pad, hi + pad)
    ax.set_xlabel("change NEW / OLD - 1 (%), with its {:g} % interval: of the throughput "
                  "relative to the baseline (paired keys) or of the throughput".format(
                      100 * (1 - diff.alpha)), fontsize=8)
    ax.grid(alpha=0.3, axis="x")
    ax.set_title(title or "{} -> {}".format(diff.old.path, diff.new.path), fontsize=9)
    return style.save(fig, path)


def _short(text, n=60):
    return text if len(text) <= n else text[:n - 3] + "..."
