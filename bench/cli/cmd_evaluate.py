"""``bench evaluate``: anti-spoofing quality per model and PTA configuration (issue 15).

    bench evaluate --models SPEC... --data DIR [--checkpoint PATH] [--format onnx|tflite]
                   [--runtime R] [--speed RUN.csv] [-o OUT.csv]

DIR holds face crops in ``live/`` (bona fide) and ``spoof/`` (attacks), png or jpg of any
size, resized to each model's input resolution and normalised with the ImageNet mean/std
(:mod:`bench.quality.data`). Every model gives a live score per image: softmax of N x 2
logits at class 1 (0 = spoof), or the mean of a depth map clipped to [0, 1]; a module's
``score_kind`` attribute (``"logits"``/``"depth"``) says which where the shape cannot.
An image is classified live when its score is above ``--threshold`` (0.5: the arg-max).
Then, in percent as the PTA paper reports them (ISO/IEC 30107-3):
APCER = spoof images classified live / spoof images; BPCER = live images classified spoof /
live images; ACER = (APCER + BPCER) / 2; accuracy = correct / all.

``--checkpoint PATH`` is added to every spec whose model takes a ``checkpoint`` key (the
PTA configurations share one state dict). A model without that key, such as the pta
set's No-PTA baseline ``mobilenet_v2:num_classes=2``, is evaluated with bench's seeded
random weights and its row says ``weights random``: its ACER is chance level, shown so
the table is the set's whole, never silently passed off as trained. ``--format onnx|tflite``
scores the exported artifact instead (cached export, the format's reference runtime) and
records the largest live-score difference from eager PyTorch and how many decisions
differ. ``--speed`` joins throughput from a ``bench run`` CSV (matched on the model spec
without ``checkpoint=`` and on resolution): the paper's Tables 3 and 4 in one, printed,
written as OUT-speed.csv and drawn as OUT-speed.png (ACER vs throughput).

Exit codes: 0 ok; 1 an export or runtime failed for some model (its row says why, the
others ran); 2 bad input; 3 a format's tools or runtime are not installed.
"""

import os
import sys
import time

from bench.cli.commands import command
from bench.errors import BenchError, EnvironmentProblem
from bench.quality.metrics import DEFAULT_THRESHOLD
from bench.textable import format_table

FORMATS = ("eager", "onnx", "tflite", "torchscript")
PERCENT = ("accuracy", "apcer", "bpcer", "acer")
TABLE = ("model", "weights", "format", "n_live", "n_spoof") + PERCENT
EXPORT_TABLE = ("score_max_diff", "decisions_differ")
SPEED_REQUIRED = ("model", "runtime", "throughput", "status")
JOINED = ("model", "config", "weights", "format", "resolution", "params_m", "macs_m",
          "accuracy", "apcer", "bpcer", "acer", "series", "device", "runtime", "speed_format",
          "precision", "batch", "throughput")


def speed_key(model):
    """A model spec without ``checkpoint=``, canonical where it resolves: how a quality row
    and a ``bench run`` row of the same network are matched."""
    from bench.models import resolve_spec

    name, sep, rest = str(model).strip().partition(":")
    kept = [p for p in rest.split(",") if p.strip() and not p.strip().startswith("checkpoint=")]
    text = name + (":" + ",".join(kept) if kept else "")
    try:
        return resolve_spec(text).canonical()
    except BenchError:
        return text


def _series_label(row, varying):
    return " ".join(str(row.get(c) or "") for c in varying).strip() or row.get("runtime") or "?"


class Speed(object):
    """The ok rows of a ``bench run`` CSV, by (model without checkpoint, resolution)."""

    def __init__(self, path):
        from bench.analysis.tables import read_table

        table = read_table(path, SPEED_REQUIRED, ("throughput",), ("params_m", "macs_m"),
                           "--speed CSV")
        self.path = path
        rows = [r for r in table.rows if table.counts(r)]
        if not rows:
            statuses = sorted({r.get("status") or "?" for r in table.rows})
            raise BenchError("--speed CSV {} has no ok rows (statuses: {}); give a CSV written "
                             "by `bench run` with measured models".format(path,
                                                                          ", ".join(statuses)))
        self.has_resolution = "resolution" in table.columns
        varying = [c for c in ("device", "runtime", "precision", "batch")
                   if len({r.get(c) for r in rows}) > 1]
        if "runtime" not in varying:
            varying.insert(0, "runtime")
        self.rows = {}
        for r in rows:  # the last row of a series wins (a --resume, a re-run)
            r = dict(r, series=_series_label(r, varying))
            self.rows.setdefault(self._key(r["model"], r.get("resolution")), {})[r["series"]] = r
        self.series = list(dict.fromkeys(s for by in self.rows.values() for s in by))

    def _key(self, model, resolution):
        return (speed_key(model), str(resolution or "") if self.has_resolution else "")

    def find(self, model, resolution):
        """{series: run row} measured for ``model`` at ``resolution`` (empty: none)."""
        return self.rows.get(self._key(model, resolution), {})

    def describe(self, limit=6):
        keys = ["{} r{}".format(m, r) if r else m for m, r in self.rows]
        return ", ".join(keys[:limit]) + (", ..." if len(keys) > limit else "")


def check_speed(speed, requests, note):
    """At least one evaluated model must have a throughput; the others are named on stderr."""
    missing = [r for r in requests if not speed.find(r.name, r.resolution)]
    if len(missing) == len(requests):
        raise BenchError("--speed CSV {} has no ok throughput for any model evaluated here (it "
                         "has: {}); measure them with bench run --models SPEC... at the same "
                         "resolution".format(speed.path, speed.describe()))
    for r in missing:
        note("note: {} has no throughput for {} at r{}; it is left out of the joined "
             "table".format(speed.path, speed_key(r.name), r.resolution))


def join_speed(rows, speed):
    """One joined row per ok quality row and speed series measured for it."""
    joined = []
    for q in rows:
        if q.get("status") != "ok":
            continue
        for series, r in speed.find(q["model"], q["resolution"]).items():
            joined.append({
                "model": speed_key(q["model"]), "config": q.get("config"),
                "weights": q.get("weights"), "format": q.get("format"),
                "resolution": q.get("resolution"), "params_m": q.get("params_m"),
                "macs_m": q.get("macs_m"), "accuracy": q.get("accuracy"),
                "apcer": q.get("apcer"), "bpcer": q.get("bpcer"), "acer": q.get("acer"),
                "series": series, "device": r.get("device"), "runtime": r.get("runtime"),
                "speed_format": r.get("format"), "precision": r.get("precision"),
                "batch": r.get("batch"), "throughput": float(r["throughput"])})
    return joined


def print_joined(joined, series, stream=None):
    """Tables 3 and 4 in one: configuration, active params, MACs, ACER, throughput per series."""
    by_model = {}
    for j in joined:
        row = by_model.setdefault(j["model"], {k: j[k] for k in (
            "model", "config", "weights", "params_m", "macs_m", "acer")})
        row[j["series"] + " inf/s"] = j["throughput"]
    shown = [s + " inf/s" for s in series if any(s + " inf/s" in r for r in by_model.values())]
    columns = ("model", "config", "weights", "params_m", "macs_m", "acer") + tuple(shown)
    formats = dict({c: ".1f" for c in shown}, params_m=".3f", macs_m=".1f", acer=".2f")
    print(format_table(list(by_model.values()), columns, formats,
                       right=("params_m", "macs_m", "acer") + tuple(shown)), file=stream)


def print_quality(rows, folder, threshold, stream=None):
    columns = TABLE
    if any(r.get("format") != "eager" for r in rows):
        columns += EXPORT_TABLE
    if any(r.get("precision") != "fp32" for r in rows):
        columns = columns[:3] + ("precision",) + columns[3:]
    if any(r.get("status") != "ok" for r in rows):
        columns += ("status", "error")
    checkpoints = sorted({r["checkpoint"] for r in rows if r.get("checkpoint")})
    shown = [dict(r, error=(r.get("error") or "")[:70]) for r in rows]
    if len(checkpoints) == 1:  # said once under the table, not on every row
        for r in shown:
            r["model"] = speed_key(r["model"])
    print(format_table(shown, columns, dict({c: ".2f" for c in PERCENT}, score_max_diff=".2g"),
                       right=("n_live", "n_spoof") + PERCENT + EXPORT_TABLE), file=stream)
    print("accuracy, APCER, BPCER, ACER in %; live when the live score > {:g}; {} live and {} "
          "spoof images in {}{}".format(threshold, folder.n_live, folder.n_spoof, folder.root,
                                        "; checkpoint {}".format(checkpoints[0])
                                        if len(checkpoints) == 1 else ""), file=stream)


def resolve_format(args):
    """(format, runtime or None) from --format and --runtime; refused when they disagree."""
    from bench.runtimes import RUNTIMES

    fmt, runtime = args.format, args.runtime
    if runtime is not None:
        from bench.registry import did_you_mean

        if runtime not in RUNTIMES:
            raise BenchError("--runtime: unknown runtime {!r}{}; known: {}".format(
                runtime, did_you_mean(runtime, RUNTIMES.names()), ", ".join(RUNTIMES.names())))
        reads = RUNTIMES.get(runtime).formats
        if fmt is None:
            fmt = "eager" if "eager" in reads else reads[0]
        elif fmt not in reads:
            raise BenchError("--runtime {} reads {}, not {}; drop --runtime to use {}'s reference "
                             "runtime".format(runtime, ", ".join(reads), fmt, fmt))
        if fmt not in FORMATS:
            raise BenchError("--runtime {} reads {}, which bench evaluate does not run; use "
                             "--format {}".format(runtime, fmt, "|".join(FORMATS)))
    fmt = fmt or "eager"
    if fmt == "eager":
        if args.precision != "fp32":
            raise BenchError("--precision {} needs an exported artifact; add --format onnx or "
                             "--format tflite".format(args.precision))
        return fmt, None
    return fmt, runtime


def check_tools(fmt, runtime, precision):
    """The format's exporter and its runtime are installed here (exit 3 where not)."""
    from bench.formats import ExportFailed, get_format
    from bench.parity import reference_runtime
    from bench.runtimes import get_runtime
    from bench.runtimes.base import Unsupported

    f = get_format(fmt)
    if precision not in f.precisions:
        raise BenchError("--format {} exports {}, not {}".format(fmt, ", ".join(f.precisions),
                                                                 precision))
    name = runtime or reference_runtime(fmt)
    try:
        f.check()
        get_runtime(name).check("fp32", "cuda" if f.builds_on_target else "cpu")
    except (ExportFailed, Unsupported) as exc:
        raise EnvironmentProblem("--format {}: {}".format(fmt, str(exc).strip())) from None


def select(args, config):
    """The requests to evaluate (checkpoint applied), checked before any work."""
    from bench.models import select_models
    from bench.models.checkpoint import load_state_dict
    from bench.models.sets import require_set
    from bench.quality.evaluate import check_evaluable, takes_checkpoint, with_checkpoint

    for name in args.set:
        require_set(name, config.sets)
    items = list(args.set) + list(args.models or [])
    if not items:
        raise BenchError("nothing to evaluate: give --models SPEC... (e.g. pta:LLL) or --set "
                         "NAME (e.g. --set pta)")
    requests = select_models(items, config.sets, args.resolution, config.base_dir)
    if args.checkpoint is not None:
        load_state_dict(args.checkpoint, "--checkpoint")
        if not any(takes_checkpoint(r.spec) for r in requests):
            raise BenchError("--checkpoint {}: none of {} takes a checkpoint key; evaluate a "
                             "model that does, e.g. pta:HHH".format(
                                 args.checkpoint, ", ".join(r.name for r in requests)))
    requests = [with_checkpoint(r, args.checkpoint) for r in requests]
    seen = set()
    for r in requests:
        check_evaluable(r)
        path = r.spec.kwargs.get("checkpoint")
        if path is not None and path not in seen:
            seen.add(path)
            load_state_dict(path, "model spec {!r}: checkpoint".format(r.name))
    return requests


def output_path(args, config):
    path = args.out or os.path.join(config.run.results_dir, "evaluate-{}.csv".format(
        time.strftime("%Y%m%d-%H%M%S")))
    if os.path.exists(path) and os.path.getsize(path) > 0:
        raise BenchError("{} already exists; pass another -o/--out".format(path))
    return path


@command("evaluate", help="anti-spoofing quality (accuracy, APCER, BPCER, ACER) on a folder of "
                          "live/ and spoof/ face crops, eager or through an export")
class EvaluateCommand:
    @staticmethod
    def add_arguments(p):
        p.epilog = ("Metrics in %: APCER = spoof images classified live / spoof images; BPCER = "
                    "live images classified spoof / live images; ACER = (APCER + BPCER) / 2; "
                    "accuracy = correct / all. Live score: softmax(N x 2 logits)[:, 1] (class 1 "
                    "= live, 0 = spoof), or the mean of an N x H x W / N x 1 x H x W depth map "
                    "clipped to [0, 1]; a module's score_kind attribute (logits|depth) decides "
                    "where it is set.")
        p.add_argument("--models", nargs="+", metavar="SPEC",
                       help="model specs or set names, e.g. pta:HHH pta:LLL")
        p.add_argument("--set", action="append", default=[], metavar="NAME",
                       help="named model set, e.g. pta (its No-PTA baseline takes no checkpoint: "
                            "random weights, said in the weights column)")
        p.add_argument("--data", required=True, metavar="DIR",
                       help="face crops in DIR/live/ (bona fide) and DIR/spoof/ (attacks), png "
                            "or jpg, any size; resized to the model's resolution, ImageNet "
                            "mean/std")
        p.add_argument("--checkpoint", metavar="PATH",
                       help="state dict added as checkpoint=PATH to every spec whose model takes "
                            "one (python -m bench.quality.train makes a small PTA one)")
        p.add_argument("--format", choices=FORMATS, default=None,
                       help="score through this exported artifact (default: eager PyTorch); the "
                            "row records the largest live-score difference from eager")
        p.add_argument("--runtime", metavar="R",
                       help="runtime that runs the artifact (default: the format's reference)")
        p.add_argument("--precision", choices=("fp32", "fp16"), default="fp32",
                       help="artifact precision (default fp32)")
        p.add_argument("--resolution", type=int, metavar="R",
                       help="square input resolution (default: the set's or model's; pta 128)")
        p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, metavar="T",
                       help="live when the live score (softmax of logits at class 1 = live, or "
                            "a depth map's mean) is above T (default 0.5: the arg-max)")
        p.add_argument("--speed", metavar="RUN.csv",
                       help="join throughput from a `bench run` CSV: table, OUT-speed.csv and an "
                            "ACER vs throughput plot OUT-speed.png")
        p.add_argument("-o", "--out", metavar="OUT.csv",
                       help="quality CSV (default: results/evaluate-TIME.csv)")

    def run(self, args, config):
        from bench.progress import Progress
        from bench.quality.data import find_images
        from bench.quality.evaluate import Options

        if not 0.0 <= args.threshold <= 1.0 or args.threshold != args.threshold:
            raise BenchError("--threshold {:g}: live scores lie in [0, 1]; give a threshold in "
                             "that range (default 0.5)".format(args.threshold))
        fmt, runtime = resolve_format(args)
        if fmt != "eager":
            check_tools(fmt, runtime, args.precision)
        requests = select(args, config)
        progress = Progress(len(requests), "evaluate")

        def note(message):
            progress.write(message, sys.stderr)

        speed = Speed(args.speed) if args.speed else None
        if speed is not None:
            check_speed(speed, requests, note)
        folder = find_images(args.data)
        path = output_path(args, config)
        for res in dict.fromkeys(r.resolution for r in requests):  # corrupt images: before work
            folder.pixels(res, progress)
        if folder.ignored:
            note("note: {} file(s) in {} are not png/jpg and were left out".format(
                folder.ignored, args.data))
        random = [r.name for r in requests if r.spec.kwargs.get("checkpoint") is None]
        if random:
            note("note: random weights (no checkpoint{}): {}; their ACER is chance level".format(
                " key" if args.checkpoint else "", ", ".join(random)))
        options = Options(fmt, runtime, args.precision, args.threshold, config.export,
                          config.run.seed, log=note)
        rows = self._evaluate(requests, folder, options, path, progress)
        print_quality(rows, folder, args.threshold)
        print("results: {}".format(path))
        if speed is not None:
            self._join(rows, speed, path)
        return 1 if any(r["status"] != "ok" for r in rows) else 0

    @staticmethod
    def _evaluate(requests, folder, options, path, progress):
        from bench.quality.evaluate import COLUMNS, evaluate_request
        from bench.results_csv import ResultsWriter

        rows, writer = [], None
        try:
            for request in requests:
                progress.update(request.name)
                row = evaluate_request(request, folder, options)
                if writer is None:  # opened with the first row: a refused model leaves no file
                    writer = ResultsWriter(path, COLUMNS)
                writer.write(row)
                rows.append(row)
                progress.advance()
        finally:
            progress.close()
            if writer is not None:
                writer.close()
        return rows

    @staticmethod
    def _join(rows, speed, path):
        from bench.analysis.tables import write_table
        from bench.plots.quality import plot_quality

        joined = join_speed(rows, speed)
        print()
        print("Quality and speed ({}; ACER in %, throughput in inferences/s)".format(speed.path))
        print_joined(joined, speed.series)
        base = os.path.splitext(path)[0] + "-speed"
        print("joined: {}".format(write_table(base + ".csv", JOINED, joined)))
        print("plot: {}".format(plot_quality(joined, base + ".png")))
