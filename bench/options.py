"""How to measure: the resolved options of run, sweep-resolution and compare-fp16.

Each value is checked once, here, whether it comes from ``bench.toml`` ``[run]`` or a
flag, and a bad one is a one-line error naming where it came from and the valid range
(exit 2). Defaults live in :class:`bench.config.RunConfig`; flags only override.
"""

import dataclasses
from dataclasses import dataclass
from typing import Optional

from bench.errors import BenchError
from bench.ranges import Range

# every measuring value's valid range, shared by bench.toml [run] and the flags
RULES = {
    "resolution": Range(16, 4096, "square input resolution in pixels"),
    "batch": Range(1, 4096, "batch size"),
    "trials": Range(1, None, "batches per timed trial (fixed)"),
    "repeats": Range(1, None, "rounds of trials (fixed)"),
    "warmup": Range(0, None, "warm-up runs"),
    "threads": Range(0, 1024, "runtime threads (0: chosen from the idle cores)"),
    "seed": Range(0, None, "input seed"),
    "timeout_s": Range(0, None, "seconds a measurement may go without progress",
                       low_inclusive=False),
    "min_trial_s": Range(0, 600, "seconds one timed trial lasts at least", low_inclusive=False),
    "target_ci": Range(0, 1, "relative half-width of the 95 % interval to reach: 0.01 = +-1 %",
                       low_inclusive=False, high_inclusive=False),
    "max_measure_s": Range(0, None, "seconds of rounds per model at most", low_inclusive=False),
    "max_background_pct": Range(0, 100, "% of our cores other processes may take before a "
                                        "trial is redone", low_inclusive=False),
    "group_size": Range(1, 64, "models measured together, interleaved"),
    "group_max_mb": Range(0, None, "MB of artifacts loaded together at most",
                          low_inclusive=False),
    "reload_every": Range(0, None, "rounds between reloads (0: never)"),
    "cooldown_max_s": Range(0, None, "seconds a cooldown waits at most"),
    "lock_timeout_s": Range(0, None, "seconds to wait for a busy device"),
}

FLAGS = {"timeout_s": "--timeout", "shapes": "--shape", "min_trial_s": "--min-trial-s", "target_ci": "--target-ci",
         "max_measure_s": "--max-measure-s", "group_size": "--group-size",
         "cpu_affinity": "--cpu-affinity"}
MIN_ROUNDS = 6  # the fewest trials with a distribution-free 95 % interval of the median


def flag_name(name):
    return FLAGS.get(name, "--" + name.replace("_", "-"))


def check_value(name, value, where):
    """Raise a :class:`BenchError` naming ``where`` and the valid range if ``value`` is
    out of bounds for option ``name``; returns ``value``."""
    return RULES[name].check(value, where)


def shape_map(texts, where="--shape"):
    """["image=1x3x224x224", "1x16"] -> {"image": [1, 3, 224, 224], "": [1, 16]} ("": the
    first input); a malformed one is a BenchError with the form."""
    from bench.measure.inputs import parse_shape

    out = {}
    for text in texts or ():
        name, sep, dims = str(text).rpartition("=")
        try:
            out[name if sep else ""] = parse_shape(dims)
        except ValueError:
            raise BenchError("{} {}: expected NAME=1x3x224x224 (an input's name and its "
                             "dimensions) or 1x3x224x224 for the first input".format(
                                 where, text)) from None
    return out


def pick(flag, default):
    """A flag's value when it was given (0 included), else the config's."""
    return default if flag is None else flag


def check_cpu_affinity(value, where):
    from bench.measure.cpus import parse_cpu_list

    if str(value).strip().lower() in ("", "auto", "none"):
        return value
    try:
        parse_cpu_list(value)
    except ValueError:
        raise BenchError("{}: {!r} is not \"auto\", \"none\" or a CPU list such as \"2-3\" "
                         "or \"0,2\"".format(where, value)) from None
    return value


@dataclass(frozen=True)
class MeasureOptions:
    """Everything a measuring command needs to know about how to time (SPEC §3, §3.1).
    The fields and their defaults are those of :class:`bench.config.RunConfig`;
    ``trials``/``repeats`` None: sized by ``min_trial_s`` / adaptive rounds."""

    precision: str
    batch: int
    trials: Optional[int]
    repeats: Optional[int]
    warmup: int
    threads: int
    cpu_affinity: str
    seed: int
    timeout_s: float
    min_trial_s: float
    target_ci: float
    max_measure_s: float
    max_background_pct: float
    group_size: int
    group_max_mb: float
    reload_every: int
    baseline: str
    shapes: tuple  # "NAME=1x3x224x224" (or just "1x3x224x224": the first input) per input
    cooldown: str = ""  # see bench.cooldown
    cooldown_max_s: float = 300.0
    isolate: bool = False  # a flag only: a fresh worker process for every group

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


def resolve_options(args, run_config):
    """Config ``[run]`` defaults overridden by the flags in ``args`` -> MeasureOptions.

    Config values were checked when the file was loaded; each flag is checked here
    against the same rules."""
    values = {}
    for f in dataclasses.fields(MeasureOptions):
        default = getattr(run_config, f.name, False)
        flag = getattr(args, f.name, None)
        if flag is None or flag is False:
            values[f.name] = default
            continue
        where = flag_name(f.name)
        if f.name in RULES:
            check_value(f.name, flag, where)
        elif f.name == "cpu_affinity":
            check_cpu_affinity(flag, where)
        elif f.name == "cooldown":
            from bench.cooldown import parse_cooldown

            parse_cooldown(flag, where=where)
        elif f.name == "shapes":
            shape_map(flag)
            flag = tuple(flag)
        values[f.name] = flag
    return MeasureOptions(**values)


def add_measure_arguments(p):
    """The flags of every command that measures (run, sweep-resolution, compare-fp16)."""
    p.add_argument("--device", metavar="NAME", help="local or a [devices.NAME] (default: [run].device)")
    p.add_argument("--runtimes", action="append", metavar="R[,R]",
                   help="runtimes to use (default: every runtime the device has)")
    p.add_argument("--models", nargs="+", metavar="SET|SPEC", help="model sets or specs")
    p.add_argument("--resolution", type=int, metavar="R")
    p.add_argument("--batch", type=int, metavar="B")
    p.add_argument("--trials", type=int, metavar="TS",
                   help="fixed batches per timed trial (default: sized to --min-trial-s)")
    p.add_argument("--repeats", type=int, metavar="K",
                   help="fixed rounds of trials (default: until --target-ci or --max-measure-s)")
    p.add_argument("--warmup", type=int, metavar="W")
    p.add_argument("--threads", type=int, metavar="N",
                   help="runtime threads (0: one fewer than the idle cores, at least 1)")
    p.add_argument("--cpu-affinity", metavar="auto|none|LIST",
                   help="cores the worker runs on (auto: the idlest ones, as many as threads)")
    p.add_argument("--min-trial-s", type=float, metavar="S", help="seconds one timed trial lasts")
    p.add_argument("--target-ci", type=float, metavar="F",
                   help="stop when every median's 95%% interval is within +-F (0.01 = 1%%)")
    p.add_argument("--max-measure-s", type=float, metavar="S",
                   help="seconds of timed rounds per model at most")
    p.add_argument("--group-size", type=int, metavar="N", help="models measured together")
    p.add_argument("--shape", dest="shapes", action="append", metavar="[NAME=]1x3x224x224",
                   help="the shape of a model file's input (repeatable; dynamic dimensions "
                        "are otherwise filled from --batch and --resolution)")
    p.add_argument("--baseline", metavar="SPEC|none",
                   help="relative times against this model (default: the set's own, e.g. the "
                        "No-PTA MobileNetV2 for the pta set)")
    p.add_argument("--timeout", dest="timeout_s", type=float, metavar="S",
                   help="seconds a measurement may go without progress before it is killed")
    p.add_argument("--cooldown", metavar="C|Ns",
                   help="before each measurement wait until the device is at or under C "
                        "degrees (e.g. 45) or a fixed time (e.g. 30s); the start "
                        "temperature is recorded (start_temp_c)")
    p.add_argument("--cooldown-max-s", type=float, metavar="S",
                   help="the longest a cooldown waits (default 300)")
    p.add_argument("--lock-timeout", dest="lock_timeout_s", type=float, metavar="S",
                   help="seconds to wait when another bench is measuring on the device "
                        "(default 300; 0: fail at once)")
    p.add_argument("--isolate", action="store_true",
                   help="a fresh worker process for every group of models")
