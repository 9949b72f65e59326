"""``bench diff OLD.csv NEW.csv``: per key, the change in throughput (by default relative
to the baseline measured in the same rounds, where both files have one: the ``paired``
basis, free of the machine's drift between the runs; ``--absolute``: raw throughput), its
interval, a Mann-Whitney U test and a verdict; ``--fail-slower PCT`` makes the exit code a
CI gate (1: some key is slower by more than PCT % with the test's confidence). The
statistics are in :mod:`bench.analysis.diff`."""

import os
import sys

from bench.cli.commands import command
from bench.ranges import Range
from bench.textable import format_table

FAIL_SLOWER = Range(0, 100, "per cent slower", high_inclusive=False)
ALPHA = Range(0, 0.5, "significance level", low_inclusive=False)


@command("diff", help="did throughput change from OLD.csv to NEW.csv? change with interval, "
                      "Mann-Whitney U test, verdict per key; --fail-slower gates CI")
class DiffCommand:
    @staticmethod
    def add_arguments(p):
        p.add_argument("old", metavar="OLD.csv", help="the reference `bench run` CSV")
        p.add_argument("new", metavar="NEW.csv", help="the `bench run` CSV to judge")
        p.add_argument("--fail-slower", type=float, metavar="PCT",
                       help="exit 1 when a key is slower by more than PCT %% with the test's "
                            "confidence (its whole interval below -PCT %%), else 0")
        p.add_argument("--alpha", type=float, default=0.05,
                       help="significance level of the test; the interval is 1 - alpha "
                            "(default 0.05: 95 %%)")
        p.add_argument("--absolute", action="store_true",
                       help="compare every key on its raw throughput, not relative to the "
                            "baseline measured alongside (the default where both files have "
                            "one): a change that hits every model alike (a runtime upgrade, "
                            "the machine) shows only this way")
        p.add_argument("--out", metavar="CSV", help="write the comparison as CSV (and a PNG "
                       "next to it)")
        p.add_argument("--no-plot", action="store_true", help="with --out: no PNG")

    def run(self, args, config):
        from bench.analysis.diff import Diff, gate_failures, gated, load_pair, ungated

        FAIL_SLOWER.check(args.fail_slower, "--fail-slower")
        ALPHA.check(args.alpha, "--alpha")
        old, new = load_pair(args.old, args.new)
        diff = Diff(old, new, args.alpha, absolute=args.absolute)
        for line in diff.warnings:
            print("bench: " + line, file=sys.stderr)
        report(diff, sys.stdout)
        if args.out:
            from bench.analysis.diff import OUT_COLUMNS
            from bench.analysis.tables import write_table

            print("comparison: {}".format(write_table(args.out, OUT_COLUMNS, diff.rows())))
            if not args.no_plot:
                from bench.plots.diff import plot_diff

                print("plot: {}".format(plot_diff(diff, os.path.splitext(args.out)[0] + ".png",
                                                  fail_slower=args.fail_slower)))
        if args.fail_slower is None:
            return 0
        failing = gate_failures(diff, args.fail_slower)
        level = "{:g} %".format(100 * (1 - args.alpha))
        judged = sum(1 for e in gated(diff) if e["verdict"] in ("faster", "slower", "unchanged"))
        skipped = ungated(diff)
        if skipped:
            print("gate: not judged: {} (the baseline: its throughput is the machine's and the "
                  "shared stack's change; --absolute gates it and every key on throughput)".format(
                      ", ".join(e["_label"] for e in skipped)))
        if not judged:  # a gate that passes when nothing was compared vouches for nothing
            print("gate: FAIL: no key has a verdict (faster, slower or unchanged) to judge")
            return 1
        if failing:
            print("gate: FAIL: {} key{} slower by more than {:g} % ({} interval entirely below "
                  "-{:g} %): {}".format(len(failing), "s" if len(failing) > 1 else "",
                                        args.fail_slower, level, args.fail_slower,
                                        ", ".join(e["_label"] for e in failing)))
            return 1
        print("gate: pass: no key slower by more than {:g} % with {} confidence".format(
            args.fail_slower, level))
        return 0


def _pct(v):
    return "" if v is None else "{:+.1f}%".format(round(v, 1) or 0.0)  # never "-0.0%"


def _interval(e):
    lo, hi = e["change_ci_low_pct"], e["change_ci_high_pct"]
    if lo is None and hi is None:
        return ""
    return "[{}, {}]".format("-inf" if lo is None else _pct(lo), "+inf" if hi is None else _pct(hi))


def _p(v):
    if v is None:
        return ""
    return "<0.0001" if v < 1e-4 else "{:.2g}".format(v)


def report(diff, stream):
    """The table of compared keys, the lists (one side only, not ok, unknown) and the summary."""
    if diff.device_note:
        print(diff.device_note, file=stream)
    compared = diff.compared()
    if compared:
        cols = ["model"]
        for extra in ("format", "batch") + (("device_old",) if not diff.matched_without_device
                                            else ()):
            if len({e[extra] for e in compared}) > 1:
                cols.append(extra)
        cols += ["runtime", "precision", "resolution", "old", "new", "change", "interval", "p",
                 "basis", "verdict"]
        shown = [dict(e, old=_tp(e["throughput_old"], e["trials_old"]),
                      new=_tp(e["throughput_new"], e["trials_new"]), change=_pct(e["change_pct"]),
                      interval=_interval(e), p=_p(e["p_value"])) for e in compared]
        print(format_table(shown, cols, right=("resolution", "old", "new", "change", "p")),
              file=stream)
        print("old, new: throughput (inferences/s, median) x values compared; change: "
              "Hodges-Lehmann estimate of NEW/OLD - 1 with its {:g} % interval; p: two-sided "
              "Mann-Whitney U on the values; basis: what was compared: paired = the model's "
              "throughput relative to its baseline's in the same rounds (1 / "
              "trial_relative_times), which cancels the machine's drift between the runs; "
              "throughput = the raw per-trial throughputs{}".format(
                  100 * (1 - diff.alpha), " (--absolute)" if diff.absolute else
                  " (no common baseline, or the baseline's own row)"), file=stream)
        if any(e["basis"] == "paired" for e in compared):
            print("paired: a change that hits every model alike (a runtime upgrade, another "
                  "machine) cancels in it and shows only on throughput (the baseline's own row; "
                  "--absolute for every key): gate CI on the default for \"did this model "
                  "change\", with --absolute for \"did the whole stack change\"", file=stream)
    else:
        print("no key is ok in both files: nothing to compare", file=stream)
    for verdict, title in (("unknown", "no verdict"),
                           ("only_old", "only in OLD ({})".format(diff.old.path)),
                           ("only_new", "only in NEW ({})".format(diff.new.path)),
                           ("not_ok", "not ok on a side")):
        listed = [e for e in diff.entries if e["verdict"] == verdict]
        if listed:
            print("{}: {}".format(title, len(listed)), file=stream)
            for e in listed:
                note = e["why"] if verdict == "unknown" else (
                    e["notes"] if verdict == "not_ok" else "")
                print("  {}{}".format(e["_label"], ": " + note if note else ""), file=stream)
    c = diff.counts()
    print("{faster} faster, {slower} slower, {unchanged} unchanged, {unknown} unknown, "
          "{only_old} only in OLD, {only_new} only in NEW, {not_ok} not ok".format(**c),
          file=stream)
    for line in (diff.baseline_shift(), diff.common_shift()):
        if line:
            print(line, file=stream)


def _tp(value, trials):
    if value is None:
        return ""
    return "{:.1f} x{}".format(value, trials)
