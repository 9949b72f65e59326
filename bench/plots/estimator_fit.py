"""Estimator plot: one hyperbola over all families (naive) vs the per-family fits.

Two panels on the same axes: landmarks as filled circles, measured test models as
crosses, predictions without a measurement as hollow diamonds, fits as curves.
The panel titles carry each approach's mean absolute error so the gain of
grouping by family reads at a glance.
"""

import numpy as np

from bench.plots import style

SIZE = (1200, 500)


def _curve_x(points):
    ps = [p.params_m for p in points]
    lo, hi = min(ps), max(ps)
    return np.geomspace(lo / 1.15, hi * 1.15, 200)


def plot_estimate(est, path, title=None, size=SIZE):
    """``est``: an :class:`bench.analysis.estimate_run.Estimate`. Returns ``path``."""
    fig, axes = style.figure(size, 1, 2, sharey=True)
    everything = est.landmarks + est.tests + est.predicts
    families = list(dict.fromkeys(p.family for p in everything))
    color = style.colors(families)
    kind, naive_mae, fam_mae = _maes(est)
    for ax, naive in zip(axes, (True, False)):
        for fam in families:
            c = color[fam]
            lm = [p for p in est.landmarks if p.family == fam]
            ts = [p for p in est.tests if p.family == fam]
            pr = [p for p in est.predicts if p.family == fam]
            if lm:
                ax.scatter([p.params_m for p in lm], [p.throughput for p in lm], color=c,
                           marker="o", s=30, label="{} landmarks".format(fam), zorder=3)
            if ts:
                ax.scatter([p.params_m for p in ts], [p.throughput for p in ts], color=c,
                           marker="x", s=45, label="{} measured tests".format(fam), zorder=3)
            if pr:
                ax.scatter([p.params_m for p in pr], [est.predicted(p, naive) for p in pr],
                           facecolors="none", edgecolors=[c], marker="D", s=35,
                           label="{} predicted".format(fam), zorder=3)
            if not naive and fam in est.fits and lm:
                xs = _curve_x(lm + ts + pr)
                ax.plot(xs, est.fits[fam].predict(xs), color=c, lw=1.5)
        if naive and est.naive is not None and everything:
            xs = _curve_x(everything)
            ax.plot(xs, est.naive.predict(xs), color="black", lw=1.5, ls="--",
                    label="one hyperbola, all families")
        mae = naive_mae if naive else fam_mae
        ax.set_title("{}\n{} MAE {}".format(
            "Naive: one fit over all families" if naive else "Per-family fits (SPEC §6)",
            kind, "{:.1f} inferences/s".format(mae) if mae is not None else "n/a"), fontsize=10)
        ax.set_xlabel("parameters (M)")
        ax.set_xscale("log")
        style.plain_log_ticks(ax, "x", [p.params_m for p in everything])
        ax.grid(alpha=0.3, which="both")
        if not everything:
            style.empty(ax)
    measured = [p.throughput for p in est.landmarks + est.tests if p.throughput]
    style.log_if_wide(axes[0], "y", measured)
    axes[0].set_ylabel("throughput (inferences/s)")
    if measured:
        lo, hi = min(measured), max(measured)
        if axes[0].get_yscale() == "log":
            style.plain_log_ticks(axes[0], "y", measured)
            axes[0].set_ylim(lo / 2, hi * 2)
        else:
            pad = 0.15 * (hi - lo or hi)
            axes[0].set_ylim(max(0.0, lo - pad), hi + pad)
    handles, labels = axes[1].get_legend_handles_labels()
    h0, l0 = axes[0].get_legend_handles_labels()
    if l0 and l0[-1] not in labels:
        handles, labels = handles + h0[-1:], labels + l0[-1:]
    if handles:
        fig.legend(handles, labels, loc="center right", fontsize=7, frameon=False)
    fig.suptitle(title or "Throughput estimator T = C1/P² + C2/P + I", fontsize=11)
    return style.save(fig, path, rect=(0, 0, 0.87, 1))


def _maes(est):
    from bench.analysis.estimate_run import naive_reduction

    return naive_reduction(est)
