"""Trade-off plots from ``bench run`` CSVs (SPEC §1.1): throughput against parameters,
and ImageNet top-1 against throughput and against parameters, grouped by family.

Several runtimes/precisions/devices in the input become separate marker shapes,
so a plot never silently mixes configurations.
"""

from bench.plots import style

PARAMS_SIZE = (1000, 600)
ACCURACY_SIZE = (1300, 550)


def _f(v):
    """A finite float, or None: an empty cell, text, inf or nan is never drawn."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if x - x == 0 else None


def ok_points(rows):
    """ok rows with a throughput and a parameter count, last row per configuration."""
    last = {}
    for r in rows:
        if r.get("status", "ok") == "ok" and _f(r.get("throughput")) and _f(r.get("params_m")):
            last[(r.get("device"), r.get("model"), r.get("runtime"), r.get("precision"),
                  r.get("resolution"), r.get("batch"))] = r
    return list(last.values())


def _series(r, many):
    return " ".join(str(r.get(c) or "") for c in many).strip() or "measured"


def _varying(points, columns=("device", "runtime", "precision", "resolution")):
    return [c for c in columns if len({p.get(c) for p in points}) > 1]


def _scatter(ax, points, x, y, color, many, label_models=True):
    families = list(dict.fromkeys(p.get("family") or "?" for p in points))
    series = list(dict.fromkeys(_series(p, many) for p in points))
    for fam in families:
        for j, s in enumerate(series):
            sel = [p for p in points if (p.get("family") or "?") == fam and _series(p, many) == s]
            if not sel:
                continue
            sel.sort(key=x)
            ax.plot([x(p) for p in sel], [y(p) for p in sel], color=color[fam],
                    marker=style.MARKERS[j % len(style.MARKERS)], ms=5, lw=0.8, alpha=0.9,
                    label=fam if len(series) == 1 else "{} [{}]".format(fam, s))
    if label_models and len(points) <= 40:
        for p in points:
            ax.annotate(p.get("model", ""), (x(p), y(p)), textcoords="offset points",
                        xytext=(3, 3), fontsize=5.5, color="0.35")


def _subtitle(points):
    if not points:
        return ""
    p = points[0]
    fixed = [c for c in ("device", "runtime", "precision", "resolution", "batch")
             if len({q.get(c) for q in points}) == 1]
    return ", ".join("{} {}".format(c, p.get(c)) for c in fixed)


def plot_params(rows, path, title=None, size=PARAMS_SIZE):
    """Throughput vs parameters (log-log when they span decades), one colour per family."""
    points = ok_points(rows)
    fig, ax = style.figure(size)
    color = style.colors(list(dict.fromkeys(p.get("family") or "?" for p in points)))
    many = _varying(points)
    _scatter(ax, points, lambda p: _f(p["params_m"]), lambda p: _f(p["throughput"]), color, many)
    if points:
        style.log_if_wide(ax, "x", [_f(p["params_m"]) for p in points])
        style.log_if_wide(ax, "y", [_f(p["throughput"]) for p in points])
        ax.legend(fontsize=7, title="family", title_fontsize=8, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), frameon=False)
    else:
        style.empty(ax, "no ok rows with throughput and params_m")
    ax.set_xlabel("parameters (M)")
    ax.set_ylabel("throughput (inferences/s)")
    ax.grid(alpha=0.3, which="both")
    ax.set_title(title or "Throughput vs model size ({})".format(_subtitle(points)), fontsize=10)
    return style.save(fig, path)


def top1_of(model, given=None):
    """ImageNet top-1 (%): the CSV's ``imagenet_top1`` if present, else torchvision's
    metadata for an unchanged torchvision architecture (offline), else None."""
    if _f(given) is not None:
        return _f(given)
    from bench.errors import BenchError
    from bench.models import MODELS, BuiltModel, resolve_spec
    from bench.models.complexity import imagenet_top1

    try:
        spec = resolve_spec(model)
    except BenchError:
        return None
    return imagenet_top1(BuiltModel(spec, MODELS.get(spec.name), None))


def plot_accuracy(rows, path, title=None, size=ACCURACY_SIZE):
    """Two panels: top-1 vs throughput, top-1 vs parameters. Models without a recorded
    top-1 (custom widths/depths, PTA) are left out and counted in the title."""
    points, without = [], []
    for p in ok_points(rows):
        top1 = top1_of(p["model"], p.get("imagenet_top1"))
        (points if top1 is not None else without).append(dict(p, _top1=top1))
    fig, (ax_t, ax_p) = style.figure(size, 1, 2, sharey=True)
    color = style.colors(list(dict.fromkeys(p.get("family") or "?" for p in points)))
    many = _varying(points)
    _scatter(ax_t, points, lambda p: _f(p["throughput"]), lambda p: p["_top1"], color, many)
    _scatter(ax_p, points, lambda p: _f(p["params_m"]), lambda p: p["_top1"], color, many)
    ax_t.set_xlabel("throughput (inferences/s)")
    ax_p.set_xlabel("parameters (M)")
    ax_t.set_ylabel("ImageNet-1K top-1 (%, torchvision weights)")
    ax_t.set_title("Accuracy vs speed (up-right is better)", fontsize=10)
    ax_p.set_title("Accuracy vs size (up-left is better)", fontsize=10)
    for ax, col in ((ax_t, "throughput"), (ax_p, "params_m")):
        ax.grid(alpha=0.3, which="both")
        if points:
            style.log_if_wide(ax, "x", [_f(p[col]) for p in points])
        else:
            style.empty(ax, "no measured model with a recorded ImageNet top-1")
    if points:
        ax_p.legend(fontsize=7, title="family", title_fontsize=8, loc="upper left",
                    bbox_to_anchor=(1.01, 1.0), frameon=False)
    note = "; {} model(s) without a recorded top-1 not shown".format(
        len({p["model"] for p in without})) if without else ""
    fig.suptitle(title or "ImageNet top-1 vs throughput and parameters ({}){}".format(
        _subtitle(points), note), fontsize=10)
    return style.save(fig, path)


ENERGY_SIZE = (1000, 600)


def plot_energy(rows, path, title=None, size=ENERGY_SIZE):
    """Throughput against energy per inference (up-left is better), one colour per family;
    the dynamic part (above the idle power) drawn hollow where it was measured."""
    last = {}
    for r in rows:
        if r.get("status", "ok") == "ok" and _f(r.get("throughput")) and \
                _f(r.get("energy_mj_per_inference")):
            last[(r.get("device"), r.get("model"), r.get("runtime"), r.get("precision"),
                  r.get("resolution"), r.get("batch"))] = r
    points = list(last.values())
    fig, ax = style.figure(size)
    color = style.colors(list(dict.fromkeys(p.get("family") or "?" for p in points)))
    many = _varying(points)
    _scatter(ax, points, lambda p: _f(p["energy_mj_per_inference"]), lambda p: _f(p["throughput"]),
             color, many)
    dynamic = [p for p in points if _f(p.get("dynamic_energy_mj_per_inference")) is not None]
    if dynamic:
        ax.scatter([_f(p["dynamic_energy_mj_per_inference"]) for p in dynamic],
                   [_f(p["throughput"]) for p in dynamic], facecolors="none",
                   edgecolors=[color[p.get("family") or "?"] for p in dynamic], s=30,
                   label="dynamic part (above idle)")
    if points:
        style.log_if_wide(ax, "x", [_f(p["energy_mj_per_inference"]) for p in points])
        style.log_if_wide(ax, "y", [_f(p["throughput"]) for p in points])
        ax.legend(fontsize=7, title="family", title_fontsize=8, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), frameon=False)
    else:
        style.empty(ax, "no ok rows with throughput and energy_mj_per_inference")
    sources = sorted({p.get("power_source") for p in points if p.get("power_source")})
    ax.set_xlabel("energy per inference (mJ{})".format(
        "; " + ", ".join(sources) if sources else ""))
    ax.set_ylabel("throughput (inferences/s)")
    ax.grid(alpha=0.3, which="both")
    ax.set_title(title or "Throughput vs energy per inference ({})".format(_subtitle(points)),
                 fontsize=10)
    return style.save(fig, path)
