"""``bench export``: freeze models to artifacts (cached by content) with a parity check.

One line per artifact as it is done, then a summary. Exit 0 when nothing failed,
1 when an export failed (the others still ran); bad flags exit 2.
"""

import sys
import time

from bench.cli.commands import command, split_list
from bench.errors import BenchError
from bench.options import check_value, pick

PRECISIONS = ("fp32", "fp16")


def list_flag(values, flag, choices, default):
    """The items of a repeatable comma-list flag, or ``default`` when it was not given.

    Given but empty (``--formats ,``) or with an unknown item is a one-line error naming
    the flag and the valid values (exit 2), never a silent fall-back to the default."""
    if values is None:
        return default
    items = split_list(values)
    if not items:
        raise BenchError("{} {!r}: empty list; give one or more of {} (comma separated), or "
                         "omit {} for the default".format(flag, ",".join(values),
                                                          ", ".join(choices), flag))
    return items


def check_precisions(precisions):
    for p in precisions:
        if p not in PRECISIONS:
            raise BenchError("--precision: unknown precision {!r}; use fp32 and/or fp16, e.g. "
                             "--precision fp32,fp16".format(p))
    return precisions


def preflight_checkpoints(requests):
    """Every checkpoint a spec names is a state dict, checked before the first export, so a
    bad file is one error line up front (no header, no half-done table)."""
    from bench.models.checkpoint import load_state_dict

    seen = set()
    for request in requests:
        path = request.spec.kwargs.get("checkpoint")
        if path is not None and str(path) not in seen:
            seen.add(str(path))
            load_state_dict(path)


def choose_formats(names, note):
    """Format objects for ``names``, or by default every format whose check passes here.

    Explicitly named formats are kept even when their tools are missing, so that the
    row says why; defaults that cannot export here are skipped with a ``note``.
    """
    from bench.formats import FORMATS, ExportFailed, get_format

    if names:
        return [get_format(n) for n in names]
    chosen = []
    for name, fmt in FORMATS.items():
        try:
            fmt.check()
        except ExportFailed as exc:
            note("skipping {}: {}".format(name, exc))
            continue
        chosen.append(fmt)
    return chosen


class RowPrinter(object):
    """Aligned result lines on stdout, streamed as each artifact is done."""

    COLUMNS = ("model", "format", "precision", "status", "seconds", "parity / error")

    def __init__(self, models, stream=None):
        self.stream = stream or sys.stdout
        self.width = max([len("model")] + [len(m) for m in models])

    def _line(self, model, fmt, precision, status, seconds, parity):
        return "{:<{w}}  {:<11}  {:<9}  {:<11}  {:>7}  {}".format(
            model, fmt, precision, status, seconds, parity, w=self.width).rstrip()

    def header(self):
        print(self._line(*self.COLUMNS), file=self.stream)

    def row(self, model, fmt, precision, status, seconds, parity):
        text = "" if seconds is None else "{:.1f}".format(seconds)
        print(self._line(model, fmt, precision, status, text, parity), file=self.stream)
        self.stream.flush()


class Outcome(object):
    """What happened to one (model, format, precision): a row of the output."""

    def __init__(self, status, seconds=None, text="", parity_ok=None):
        self.status = status  # exported | cached | failed | unsupported
        self.seconds = seconds
        self.text = text  # parity summary, or why it failed / is unsupported
        self.parity_ok = parity_ok  # None where no artifact was checked


def export_one(request, fmt, precision, args, config, log):
    """-> :class:`Outcome` for one artifact; an ExportFailed becomes a ``failed`` outcome."""
    from bench.artifacts import describe_parity, get_artifact
    from bench.formats import ExportFailed

    if precision not in fmt.precisions:
        return Outcome("unsupported", text="{} exports {} only".format(
            fmt.name, ", ".join(fmt.precisions)))
    from bench.runtimes.base import Unsupported

    start = time.perf_counter()
    try:
        artifact = get_artifact(request, fmt.name, precision, args.batch, config.export,
                                seed=config.run.seed, log=log)
    except ExportFailed as exc:
        return Outcome("failed", time.perf_counter() - start, str(exc))
    except Unsupported as exc:  # a model file: only its own format (and engines from ONNX)
        return Outcome("unsupported", text=str(exc).strip())
    if artifact.manifest.get("user_file"):  # measured as it is: nothing to compare it with
        return Outcome("cached", time.perf_counter() - start, "the file itself (no parity check)")
    return Outcome("cached" if artifact.cached else "exported", time.perf_counter() - start,
                   describe_parity(artifact.parity), bool(artifact.parity.get("ok")))


@command("export", help="freeze models to ONNX, TorchScript, TFLite, TensorRT (cached, parity-checked)")
class ExportCommand:
    @staticmethod
    def add_arguments(p):
        p.add_argument("--models", nargs="+", metavar="SET|SPEC",
                       help="model sets or spec strings (default: [run] models)")
        p.add_argument("--formats", action="append", metavar="F[,F...]",
                       help="formats: eager, torchscript, onnx, tflite, tensorrt (default: every "
                            "format this machine can export; tensorrt only with an NVIDIA GPU)")
        p.add_argument("--precision", action="append", metavar="P[,P...]",
                       help="fp32 and/or fp16 (default: [run] precision)")
        p.add_argument("--resolution", type=int, metavar="R",
                       help="square input resolution (default: the set's or model's)")
        p.add_argument("--batch", type=int, metavar="B", help="batch size (default: [run] batch)")

    def run(self, args, config):
        from bench.formats import FORMATS, get_format
        from bench.models import select_models
        from bench.progress import Progress

        precisions = check_precisions(list_flag(args.precision, "--precision", PRECISIONS,
                                                [config.run.precision]))
        names = list_flag(args.formats, "--formats", FORMATS.names(), [])
        for name in names:  # an unknown name is an error before anything is exported
            get_format(name)
        args.batch = check_value("batch", pick(args.batch, config.run.batch), "--batch")
        requests = select_models(args.models or list(config.run.models), config.sets,
                                 pick(args.resolution, config.run.resolution), config.base_dir)
        preflight_checkpoints(requests)
        progress = Progress(0, "export")

        def note(message):
            progress.close()
            print(message, file=sys.stderr)

        formats = choose_formats(names, note)
        if not formats:
            raise BenchError("no format can be exported here; install 'bench[onnx]' or "
                             "'bench[tflite]'", exit_code=3)
        return self._export_all(requests, formats, precisions, args, config, progress, note)

    @staticmethod
    def _export_all(requests, formats, precisions, args, config, progress, note):
        printer = RowPrinter([r.name for r in requests])
        progress.total = len(requests) * len(formats) * len(precisions)
        log = _warnings_only(note)
        counts = {}
        parity_misses = 0
        start = time.perf_counter()
        printer.header()
        for request in requests:
            for fmt in formats:
                for precision in precisions:
                    progress.update("{} {} {}".format(request.name, fmt.name, precision))
                    out = export_one(request, fmt, precision, args, config, log)
                    counts[out.status] = counts.get(out.status, 0) + 1
                    parity_misses += out.parity_ok is False
                    progress.close()
                    printer.row(request.name, fmt.name, precision, out.status, out.seconds,
                                out.text)
                    progress.advance()
        progress.close()
        total = sum(counts.values())
        parts = ["{} {}".format(counts[s], s) for s in ("exported", "cached", "unsupported",
                                                        "failed") if counts.get(s)]
        print("{} artifact{}: {}; {} parity miss{} ({:.1f}s)".format(
            total, "" if total == 1 else "s", ", ".join(parts) or "none", parity_misses,
            "" if parity_misses == 1 else "es", time.perf_counter() - start))
        return 1 if counts.get("failed") else 0


def _warnings_only(note):
    """Pass the orchestrator's warnings (``warning: ...``) on; the rest is the row line."""
    def log(message):
        if message.startswith("warning"):
            note(message)
    return log
