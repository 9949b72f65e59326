"""What the analysis plots share: family colours, log axes when data spans decades,
and figure sizes given in pixels (so a PNG's size is known in advance)."""

DPI = 100


def figure(size_px, nrows=1, ncols=1, **kw):
    """A figure of exactly ``size_px`` = (width, height) pixels when saved."""
    from bench.plots.common import pyplot

    plt = pyplot()
    w, h = size_px
    return plt.subplots(nrows, ncols, figsize=(w / DPI, h / DPI), dpi=DPI, **kw)


def save(fig, path, rect=None, tight=True):
    """Lay out (leaving ``rect`` for the axes, e.g. room for an outside legend) and save;
    ``tight=False`` keeps a layout set with ``subplots_adjust``."""
    from bench.plots.common import pyplot

    if tight:
        fig.tight_layout(rect=rect)
    fig.savefig(path, dpi=DPI)
    pyplot().close(fig)
    return path


def colors(keys):
    """key -> a distinct colour, stable for the order given."""
    from bench.plots.common import pyplot

    cmap = pyplot().get_cmap("tab10" if len(keys) <= 10 else "tab20")
    return {k: cmap(i % cmap.N) for i, k in enumerate(keys)}


MARKERS = "osD^v<>pPX*h"


def spans_decades(values, ratio=30.0):
    vals = [v for v in values if v is not None and v > 0]
    return bool(vals) and max(vals) / min(vals) >= ratio


def log_if_wide(ax, axis, values):
    """Log scale on ``axis`` ("x"/"y") when positive ``values`` span more than ~1.5 decades."""
    if spans_decades(values):
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
        plain_log_ticks(ax, axis, values)
        return True
    return False


def plain_log_ticks(ax, axis, values=None):
    """Log-axis labels as plain numbers (30, 100, 300) instead of 3x10^1; minor ticks are
    labelled only when the data span less than a decade (else they crowd)."""
    from matplotlib import ticker

    target = ax.xaxis if axis == "x" else ax.yaxis
    plain = ticker.FuncFormatter(lambda v, _: "{:g}".format(v))
    target.set_major_formatter(plain)
    vals = [v for v in (values or ()) if v is not None and v > 0]
    narrow = not vals or max(vals) / min(vals) < 10
    target.set_minor_formatter(plain if narrow else ticker.NullFormatter())


def empty(ax, text="no data to plot"):
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
