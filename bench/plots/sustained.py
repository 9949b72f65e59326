"""``bench sustained`` plot: throughput per interval (left axis) and the device's
temperature (right axis) against time; throttling is throughput falling as the
temperature climbs. Intervals without a temperature reading leave that line out and say
so in the legend."""

from bench.plots import style

SIZE = (1100, 550)


def _f(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def plot_sustained(rows, path, title=None, size=SIZE):
    fig, ax = style.figure(size)
    ok = [r for r in rows if r.get("status") == "ok" and _f(r.get("throughput")) is not None]
    minutes = [_f(r["t_end_s"]) / 60.0 for r in ok]
    ax.plot(minutes, [_f(r["throughput"]) for r in ok], color="tab:blue", marker="o", ms=3,
            label="throughput")
    ax.set_xlabel("minutes")
    ax.set_xlim(left=0)
    ax.set_ylabel("throughput (inferences/s)", color="tab:blue")
    ax.set_ylim(bottom=0)
    temps = [(m, _f(r.get("temp_c"))) for m, r in zip(minutes, ok) if _f(r.get("temp_c")) is not None]
    lines, labels = ax.get_legend_handles_labels()
    if temps:
        ax2 = ax.twinx()
        ax2.plot([m for m, _ in temps], [t for _, t in temps], color="tab:red", marker=".",
                 label="temperature (hottest sensor)")
        ax2.set_ylabel("temperature (C)", color="tab:red")
        l2, lab2 = ax2.get_legend_handles_labels()
        lines, labels = lines + l2, labels + lab2
    else:
        labels = labels[:-1] + ["throughput (no temperature readable on this device)"]
    ax.legend(lines, labels, loc="lower left", fontsize=8)
    first = ok[0] if ok else {}
    ax.set_title(title or "sustained: {} {} {} on {}".format(
        first.get("model", "?"), first.get("runtime", "?"), first.get("precision", ""),
        first.get("device", "?")))
    return style.save(fig, path)
