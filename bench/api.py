"""The Python API: the commands, called from a notebook or a script, rows as DataFrames.

    import bench
    df = bench.run(models=["pta"], device="local", runtimes=["onnxruntime", "tflite"])
    df = bench.run(models=["file:net.onnx", "py:nets.py:build"], resolution=224, trials=50)
    sweep = bench.sweep_resolution(models=["resnet18"], runtimes=["onnxruntime"],
                                   resolutions=[112, 224, 448])
    fp16 = bench.compare_fp16(models=["zoo"], runtimes=["tflite"])
    table = bench.list_models(["resnet18", "file:net.onnx"])

Each function takes the command's flags as keyword arguments (``min_trial_s=0.1`` is
``--min-trial-s 0.1``; lists for repeatable or comma flags; ``shapes={"ids": [1, 16]}``)
and runs the very code the command line runs: the same checks, the same results CSV
(``out=``, default ``results/COMMAND-DEVICE-TIME.csv``, resumable with ``resume=True``),
the same progress on stderr. Bad input raises :class:`bench.errors.BenchError` (its
``exit_code`` is the CLI's); Ctrl-C keeps the finished rows and raises
KeyboardInterrupt. The returned DataFrame holds every row of the results file, with
``df.attrs["path"]`` and ``df.attrs["exit_code"]``.
"""

import contextlib
import io

PREFIX = {"run": "run", "sweep-resolution": "sweep", "compare-fp16": "fp16"}
SPELLED = {"timeout_s": "timeout", "shapes": "shapes", "plot": "no_plot"}


def _namespace(command, options):
    """The argparse namespace the command line would make for ``command`` with ``options``."""
    from bench.cli.main import build_parser

    args = build_parser().parse_args([command])
    for key, value in options.items():
        attr = SPELLED.get(key, key)
        if not hasattr(args, attr) or attr in ("handler", "command"):
            raise TypeError("bench.{}() got an unexpected keyword argument {!r}".format(
                command.replace("-", "_"), key))
        if value is None:
            continue
        if key == "plot":
            value = not value
        elif key == "shapes" and isinstance(value, dict):
            value = ["{}={}".format(name, "x".join(str(d) for d in dims)) if name else
                     "x".join(str(d) for d in dims) for name, dims in value.items()]
        elif key in ("runtimes", "resolutions"):
            value = [",".join(str(v) for v in _listed(value))]
        elif key == "models":
            value = [str(v) for v in _listed(value)]
        setattr(args, attr, value)
    return args


def _listed(value):
    return [value] if isinstance(value, (str, int)) else list(value)


def _measure(command, options, quiet):
    """Run a measuring command as the CLI does -> (exit code, results CSV)."""
    from bench.cli.commands import COMMANDS
    from bench.cli.measuring import results_path
    from bench.config import load_config

    config_path = options.pop("config", None)
    args = _namespace(command, options)
    config = load_config(config_path)
    args.config = config_path
    if not args.out:  # fix the name now, so that the rows can be read back
        args.out = results_path(args, config, args.device or config.run.device, PREFIX[command])
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink) if quiet else contextlib.nullcontext():
        code = COMMANDS.get(command)().run(args, config) or 0
    if code == 130:
        raise KeyboardInterrupt("interrupted; the finished rows are in {}".format(args.out))
    return code, args.out  # 1 or 2: rows failed or were invalid; their status says which


def _frame(path, code):
    import pandas as pd

    frame = pd.read_csv(path, encoding="utf-8-sig")
    frame.attrs["path"] = path
    frame.attrs["exit_code"] = code
    return frame


def run(models=None, quiet=True, **options):
    """``bench run``: measure ``models`` (set names or specs) on every runtime asked ->
    a DataFrame of the rows (columns as in the README's "Result columns")."""
    code, path = _measure("run", dict(options, models=models), quiet)
    return _frame(path, code)


def sweep_resolution(models=None, resolutions=None, quiet=True, **options):
    """``bench sweep-resolution`` -> a DataFrame of the sweep's rows (with ``patches_per_s``,
    ``max_resolution``, ``stop_reason``)."""
    code, path = _measure("sweep-resolution", dict(options, models=models,
                                                   resolutions=resolutions), quiet)
    return _frame(path, code)


def compare_fp16(models=None, quiet=True, **options):
    """``bench compare-fp16`` (measuring) -> a DataFrame of the pairs (``ratio`` = T_fp16 /
    T_fp32); the measured rows are in ``df.attrs["measurements"]``."""
    from bench.cli.cmd_compare import comparison_path, measurements_path

    code, out = _measure("compare-fp16", dict(options, models=models), quiet)
    frame = _frame(comparison_path(out), code)
    frame.attrs["measurements"] = measurements_path(out)
    return frame


def list_models(specs=None, set=None, resolution=None, config=None):  # noqa: A002 - the flag
    """``bench models`` -> a DataFrame: family, parameters, MACs (and how they were counted),
    resolution, ImageNet top-1, and what a model file takes."""
    import pandas as pd

    from bench.cli.cmd_models import COLUMNS, model_rows
    from bench.config import load_config
    from bench.models import select_models
    from bench.models.sets import require_set

    cfg = load_config(config)
    sets = [set] if isinstance(set, str) else list(set or [])
    for name in sets:
        require_set(name, cfg.sets)
    items = sets + [str(s) for s in _listed(specs or [])] or ["all"]
    requests = select_models(items, cfg.sets, resolution, cfg.base_dir)
    return pd.DataFrame(list(model_rows(requests)), columns=list(COLUMNS))


def read_results(path):
    """A results CSV (run, sweep, compare-fp16) as a DataFrame, checked like every analysis
    input (one-line BenchError naming the file and line otherwise)."""
    from bench.analysis.tables import read_table

    read_table(path)  # the checks and their messages
    return _frame(path, None)
