"""``bench estimate``: predict throughput of custom family members from landmarks (SPEC §6)."""

import os
import sys

from bench.cli.commands import command
from bench.errors import BenchError
from bench.textable import format_table


@command("estimate", help="fit T = C1/P^2 + C2/P + I per family on landmarks; predict custom models")
class EstimateCommand:
    @staticmethod
    def add_arguments(p):
        src = p.add_argument_group("landmarks from CSV files")
        src.add_argument("--landmarks", metavar="CSV",
                         help="columns model,throughput[,family,params_m]")
        src.add_argument("--predict", nargs="+", default=[], metavar="SPEC|SET",
                         help="model specs or sets to predict")
        src.add_argument("--test", metavar="CSV", help="measured models (same columns): test errors")
        res = p.add_argument_group("landmarks from a `bench run` CSV")
        res.add_argument("--from-results", metavar="RUN_CSV")
        res.add_argument("--landmarks-set", nargs="+", default=["zoo"], metavar="SET|SPEC",
                         help="which measured models are landmarks (default: zoo)")
        res.add_argument("--predict-set", nargs="+", default=["custom"], metavar="SET|SPEC",
                         help="models to predict; measured ones are tests (default: custom)")
        for flag in ("device", "runtime", "precision"):
            res.add_argument("--" + flag, help="select the rows of this {}".format(flag))
        res.add_argument("--resolution", type=int, help="select the rows of this resolution")
        res.add_argument("--batch", type=int, help="select the rows of this batch")
        p.add_argument("--out", metavar="CSV", help="write model,family,params_m,"
                       "predicted_throughput,throughput,abs_error,role (with --from-results "
                       "default: RUN-estimate.csv); the plot goes next to it")
        p.add_argument("--no-plot", action="store_true", help="do not write the PNG")

    def run(self, args, config):
        from bench.analysis.landmarks import ModelFacts

        if bool(args.landmarks) == bool(args.from_results):
            raise BenchError("give either --landmarks L.csv or --from-results RUN.csv")
        facts = ModelFacts(config.export.dir)
        if args.landmarks:
            landmarks, tests, predicts = self._from_csvs(args, config, facts)
            out = args.out
        else:
            landmarks, tests, predicts = self._from_results(args, config)
            out = args.out or os.path.splitext(args.from_results)[0] + "-estimate.csv"
        from bench.analysis.estimate_run import estimate

        est = estimate(landmarks, tests, predicts)
        report(est)
        if out:
            from bench.analysis.estimate_run import OUT_COLUMNS
            from bench.analysis.tables import write_table

            write_table(out, OUT_COLUMNS, est.rows())
            print("estimates: {}".format(out))
            if not args.no_plot:
                from bench.plots.estimator_fit import plot_estimate

                png = plot_estimate(est, os.path.splitext(out)[0] + ".png",
                                    title=self._title(args))
                print("plot: {}".format(png))
        return 0

    @staticmethod
    def _title(args):
        src = os.path.basename(args.landmarks or args.from_results)
        return "Throughput estimator T = C1/P² + C2/P + I, landmarks from {}".format(src)

    @staticmethod
    def _from_csvs(args, config, facts):
        from bench.analysis.estimator import Point
        from bench.analysis.landmarks import points_from_csv

        landmarks = points_from_csv(args.landmarks, facts)
        tests = points_from_csv(args.test, facts, "test CSV") if args.test else []
        from bench.models import select_models  # torch: only once the inputs are read

        seen = {p.model for p in tests}
        wanted = []
        for req in select_models(args.predict, config.sets):
            if req.name not in seen:
                seen.add(req.name)
                wanted.append((req, facts.family(req)))
        check_families(landmarks, [p.family for p in tests] + [f for _, f in wanted])
        predicts = [Point(req.name, fam, facts.params_m(req)) for req, fam in wanted]
        return landmarks, tests, predicts

    @staticmethod
    def _from_results(args, config):
        from bench.analysis.estimate_run import select_results
        from bench.analysis.estimator import Point
        from bench.analysis.landmarks import ModelFacts, specs_of
        from bench.analysis.tables import read_table

        rows = read_table(args.from_results, ("model", "family", "params_m", "throughput",
                                              "status"), numbers=("throughput", "params_m"),
                          what="results CSV").rows
        by_model = select_results(rows, args.from_results, {
            "device": args.device, "runtime": args.runtime, "precision": args.precision,
            "resolution": args.resolution, "batch": args.batch})
        as_point = lambda r: Point(r["model"], r["family"], float(r["params_m"]),  # noqa: E731
                                   float(r["throughput"]))
        landmark_names = specs_of(args.landmarks_set, config.sets)
        landmarks = [as_point(by_model[m]) for m in landmark_names if m in by_model]
        if not landmarks:
            raise BenchError("{} has no measured model of --landmarks-set {}; run them first "
                             "(bench run --models {})".format(args.from_results,
                                                             " ".join(args.landmarks_set),
                                                             " ".join(args.landmarks_set)))
        facts = ModelFacts(config.export.dir)
        tests, wanted = [], []
        for name in specs_of(args.predict_set, config.sets):
            if name in landmark_names:
                continue
            if name in by_model:
                tests.append(as_point(by_model[name]))
            else:
                req = facts.request(name)
                wanted.append((req, facts.family(req)))
        check_families(landmarks, [p.family for p in tests] + [f for _, f in wanted])
        predicts = [Point(req.name, fam, facts.params_m(req)) for req, fam in wanted]
        return landmarks, tests, predicts


def check_families(landmarks, families):
    """Fail early (before parameters are counted) when a needed family has too few landmarks."""
    from bench.analysis import estimator

    estimator.fit_families(landmarks, families)


def _fmt(x, spec=".1f"):
    return "" if x is None else format(x, spec)


def report(est, stream=None):
    """Coefficients and errors per family, then the predictions, as text tables."""
    from bench.analysis import estimator

    stream = stream or sys.stdout
    rows = []
    for fam, fit in est.fits.items():
        train = est.errors(fit.landmarks)
        test = est.errors([p for p in est.tests if p.family == fam])
        rows.append({"family": fam, "landmarks": len(fit.landmarks),
                     "C1": "{:.5g}".format(fit.c1), "C2": "{:.5g}".format(fit.c2),
                     "I": "{:.5g}".format(fit.intercept),
                     "train_rmse": _fmt(train["rmse"]), "train_mae": _fmt(train["mae"]),
                     "tests": test["n"] or "", "test_rmse": _fmt(test["rmse"]),
                     "test_mae": _fmt(test["mae"]), "test_mape": _fmt(
                         None if test["mape"] is None else 100 * test["mape"], ".1f")})
    cols = ("family", "landmarks", "C1", "C2", "I", "train_rmse", "train_mae", "tests",
            "test_rmse", "test_mae", "test_mape")
    print("Fit per family: T = C1/P^2 + C2/P + I (P: parameters in M; errors in "
          "inferences/s, MAPE in %)", file=stream)
    print(format_table(rows, cols, right=cols[1:]), file=stream)
    for fam, n in est.skipped.items():
        print("family {}: {} landmark{}, not fitted (needs {}; no prediction asked for "
              "it)".format(fam, n, "" if n == 1 else "s", estimator.MIN_LANDMARKS), file=sys.stderr)
    overall = est.errors(est.tests)
    if overall["n"]:
        print("test over {} models: RMSE {:.1f} inferences/s, MAE {:.1f} inferences/s, MAPE "
              "{:.1f}%".format(overall["n"], overall["rmse"], overall["mae"],
                               100 * overall["mape"]), file=stream)
    shown = [r for r in est.rows() if r["role"] != "landmark"]
    if shown:
        print("\nPredictions", file=stream)
        print(format_table(shown, ("model", "family", "params_m", "predicted_throughput",
                                   "throughput", "abs_error"),
                           {"params_m": ".3f", "predicted_throughput": ".1f", "throughput": ".1f",
                            "abs_error": ".1f"},
                           right=("params_m", "predicted_throughput", "throughput", "abs_error")),
              file=stream)
    if est.naive is not None:
        from bench.analysis.estimate_run import naive_reduction

        kind, naive_mae, fam_mae = naive_reduction(est)
        if naive_mae is not None and fam_mae is not None:
            gain = (1 - fam_mae / naive_mae) if naive_mae > 0 else 0.0
            print("\nnaive global hyperbola: {} MAE {:.1f} inferences/s; per-family fits: {:.1f} "
                  "inferences/s ({:.0%} lower)".format(kind, naive_mae, fam_mae, gain), file=stream)
