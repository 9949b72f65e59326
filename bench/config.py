"""``bench.toml`` -> frozen, typed dataclasses. Every default is defined here, once.

Unknown keys, wrong types and a missing file are :class:`ConfigError` s naming the
file and the key. CLI flags only override what is loaded here.
"""

import dataclasses
import os
import re
import sys
import typing
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

from bench.errors import BenchError, ConfigError
from bench.ranges import Range
from bench.registry import did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the host runs 3.11; kept for users on 3.9/3.10
    import tomli as tomllib

DEFAULT_CONFIG = "bench.toml"


def _check_choice(value, choices, where):
    if value not in choices:
        raise ConfigError("{}: {!r} is not one of {}".format(where, value, ", ".join(choices)))


# ONNX opsets torch's exporter writes: torch.onnx._constants.ONNX_MIN_OPSET/ONNX_MAX_OPSET
# of the pinned torch (2.13); kept here because importing torch takes seconds, and checked
# against torch by tests/test_config.py. Opsets above the TorchScript exporter's maximum
# (20) are written by the dynamo exporter (bench/formats/onnx.py).
ONNX_MIN_OPSET = 7
ONNX_MAX_OPSET = 23
EXPORT_RANGES = {
    "onnx_opset": Range(ONNX_MIN_OPSET, ONNX_MAX_OPSET, "ONNX opsets torch's exporter writes; 13 "
                                                        "for TensorRT 8.x on JetPack 4.6"),
    "trt_workspace_mb": Range(16, None, "TensorRT builder workspace in MB"),
    "parity_atol_fp32": Range(0, None, "largest absolute difference from eager PyTorch that "
                                       "passes parity", low_inclusive=False),
    "parity_atol_fp16": Range(0, None, "largest absolute difference from eager PyTorch that "
                                       "passes parity", low_inclusive=False),
}

# Names that end up in file paths (results/run-DEVICE-TIME.csv) and on command lines:
# [devices.NAME], [run].device, [sets] NAME.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
NAME_RULE = ("letters, digits, '_', '-' and '.', starting with a letter, digit or '_', "
             "at most 64 characters")


def check_name(name, where):
    """ConfigError unless ``name`` (a device or set name) matches :data:`NAME_PATTERN`."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ConfigError("{}: name {!r} is not allowed: use {}".format(where, name, NAME_RULE))
    return name


def _check_specs(specs, where, what):
    """A list of model sets/specs: at least one, none empty."""
    if not specs:
        raise ConfigError("{}: must list at least one model or set{}".format(where, what))
    for i, item in enumerate(specs):
        if not item.strip():
            raise ConfigError("{}[{}]: empty string; give a set name or a model spec, e.g. "
                              "\"resnet18\"".format(where, i))


@dataclass(frozen=True)
class RunConfig:
    """Defaults of ``bench run`` and the analysis commands built on it (README "How bench
    measures" explains the protocol these knobs drive)."""

    device: str = "local"
    models: Tuple[str, ...] = ("pta",)  # set names or model spec strings
    runtimes: Tuple[str, ...] = ()  # empty: every runtime the device has
    precision: str = "fp32"
    resolution: Optional[int] = None  # None: each model's (or set's) default
    batch: int = 1
    trials: Optional[int] = None  # fixed batches per trial; None: sized by min_trial_s
    repeats: Optional[int] = None  # fixed rounds; None: until target_ci or max_measure_s
    warmup: int = 5
    min_trial_s: float = 0.05  # a timed trial lasts at least this long
    target_ci: float = 0.01  # stop when every median's 95 % interval is within +-1 %
    max_measure_s: float = 3.0  # ... or after this many seconds of rounds per model
    max_background_pct: float = 25.0  # a trial in which others took more of our cores is redone
    group_size: int = 8  # models measured together, their trials interleaved
    group_max_mb: float = 1024.0  # artifact megabytes loaded together at most
    reload_every: int = 4  # rounds between reopening the models (memory placement varies)
    threads: int = 0  # 0: one fewer than the idle cores, at least 1
    cpu_affinity: str = "auto"  # auto: the idlest cores, one per thread; "none"; or "2-3"
    baseline: str = "auto"  # relative times against: auto (the set's own), "none", or a spec
    shapes: Tuple[str, ...] = ()  # model files' input shapes: "NAME=1x3x224x224" or "1x3x224x224"
    seed: int = 0
    results_dir: str = "results"
    timeout_s: float = 600.0  # a measurement without progress for this long is killed
    cooldown: str = ""  # before each measurement: "45" (wait until <= 45 C), "30s", "" (none)
    cooldown_max_s: float = 300.0  # the longest a cooldown waits
    lock_timeout_s: float = 300.0  # how long to wait for a device another bench is measuring on

    def validate(self, where):
        from bench.options import RULES, check_cpu_affinity, shape_map

        _check_choice(self.precision, ("fp32", "fp16"), where + ".precision")
        check_name(self.device, where + ".device")
        _check_specs(self.models, where + ".models", ", e.g. models = [\"pta\"]")
        for key, valid in RULES.items():
            if hasattr(self, key):
                valid.check(getattr(self, key), "{}.{}".format(where, key), ConfigError)
        try:
            from bench.cooldown import parse_cooldown

            parse_cooldown(self.cooldown, where=where + ".cooldown")
            check_cpu_affinity(self.cpu_affinity, where + ".cpu_affinity")
            shape_map(self.shapes, where + ".shapes:")
        except BenchError as exc:
            raise ConfigError(str(exc)) from None


@dataclass(frozen=True)
class ExportConfig:
    """Where and how models are frozen to artifacts (SPEC §2)."""

    dir: str = "models"
    onnx_opset: int = 13  # TensorRT 8.x on JetPack 4.6 parses this
    trt_workspace_mb: int = 256  # small: engine builds on a Nano get killed for memory
    use_torch2trt: bool = False
    parity_atol_fp32: float = 1e-3
    parity_atol_fp16: float = 5e-2

    def validate(self, where):
        for key, valid in EXPORT_RANGES.items():
            valid.check(getattr(self, key), "{}.{}".format(where, key), ConfigError)


@dataclass(frozen=True)
class Config:
    run: RunConfig = field(default_factory=RunConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    sets: Dict[str, Tuple[str, ...]] = field(default_factory=dict)  # user-defined model sets
    devices: Dict[str, object] = field(default_factory=dict)  # name -> kind-specific config
    groups: Dict[str, Tuple[str, ...]] = field(default_factory=dict)  # --device @NAME
    path: Optional[str] = None  # the file it came from (None: built-in defaults)

    @property
    def base_dir(self):
        """The config file's folder: relative paths in it (``[sets]`` files) start there."""
        return os.path.dirname(os.path.abspath(self.path)) if self.path else None


# Device kinds register their config dataclass here: kind -> dataclass (with a ``kind``
# field). Their modules are imported by ``load_config`` via bench.devices.config_kinds.
DEVICE_KINDS = {}


def register_device_kind(kind):
    def deco(cls):
        DEVICE_KINDS[kind] = cls
        return cls
    return deco


def _type_name(tp):
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _convert(value, tp, where):
    """Check ``value`` (from TOML) against annotation ``tp``; return the frozen value."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union:  # Optional[X]
        inner = [a for a in args if a is not type(None)][0]
        return _convert(value, inner, where)
    if origin is tuple:
        if isinstance(value, str):  # a lone string is a one-element list
            value = [value]
        if not isinstance(value, list):
            raise ConfigError("{}: expected a list, got {!r}".format(where, value))
        return tuple(_convert(v, args[0], "{}[{}]".format(where, i)) for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError("{}: expected a table, got {!r}".format(where, value))
        return {k: _convert(v, args[1], "{}.{}".format(where, k)) for k, v in value.items()}
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp in (int, float, str, bool):
        if isinstance(value, bool) != (tp is bool) or not isinstance(value, tp):
            raise ConfigError("{}: expected {}, got {!r}".format(where, _type_name(tp), value))
        return value
    if dataclasses.is_dataclass(tp):
        return build_dataclass(tp, value, where)
    raise TypeError("unsupported config type {!r} at {}".format(tp, where))


def build_dataclass(cls, table, where):
    """Fill dataclass ``cls`` from a TOML table; unknown keys are errors naming the key."""
    if not isinstance(table, dict):
        raise ConfigError("{}: expected a table, got {!r}".format(where, table))
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    kwargs = {}
    for key, value in table.items():
        if key not in names:
            raise ConfigError("{}: unknown key {!r}{}".format(
                where, key, did_you_mean(key, names)))
        kwargs[key] = _convert(value, hints[key], "{}.{}".format(where, key))
    try:
        obj = cls(**kwargs)
    except TypeError as exc:  # a required field is missing
        raise ConfigError("{}: {}".format(where, exc)) from None
    check = getattr(obj, "validate", None)
    if check is not None:
        check(where)
    return obj


def _build_devices(table, where):
    import bench.devices.config_kinds  # noqa: F401  (fills DEVICE_KINDS; light imports only)

    if not isinstance(table, dict):
        raise ConfigError("{}: expected a table of devices".format(where))
    devices = {}
    for name, dev in table.items():
        dwhere = "{}.{}".format(where, name)
        check_name(name, dwhere)
        if not isinstance(dev, dict):
            raise ConfigError("{}: expected a table".format(dwhere))
        if "password" in dev or "passphrase" in dev:
            raise ConfigError("{}: passwords are never read from the config; use key_file or "
                              "ssh-agent (ssh-add KEY) instead".format(dwhere))
        kind = dev.get("kind")
        if kind is None:
            raise ConfigError("{}: missing key 'kind' (one of: {})".format(
                dwhere, ", ".join(sorted(DEVICE_KINDS)) or "none available yet"))
        if kind not in DEVICE_KINDS:
            raise ConfigError("{}.kind: unknown device kind {!r}{} (known: {})".format(
                dwhere, kind, did_you_mean(str(kind), DEVICE_KINDS),
                ", ".join(sorted(DEVICE_KINDS)) or "none yet"))
        devices[name] = build_dataclass(DEVICE_KINDS[kind], dev, dwhere)
    return devices


def _build_sets(table, where):
    """``[sets]``: name -> model sets/specs; names as device names, lists not empty."""
    sets = _convert(table, Dict[str, Tuple[str, ...]], where)
    for name, specs in sets.items():
        swhere = "{}.{}".format(where, name)
        check_name(name, swhere)
        _check_specs(specs, swhere, "")
    return sets


def _build_groups(table, where, devices):
    """``[groups]``: name -> device names (``local`` or a ``[devices.NAME]``), for
    ``--device @NAME``."""
    groups = _convert(table, Dict[str, Tuple[str, ...]], where)
    for name, members in groups.items():
        gwhere = "{}.{}".format(where, name)
        check_name(name, gwhere)
        if not members:
            raise ConfigError("{}: must list at least one device, e.g. [\"nano\", \"orin\"]".format(
                gwhere))
        for member in members:
            if member != "local" and member not in devices:
                raise ConfigError("{}: unknown device {!r}{}; define it under [devices.{}] or "
                                  "use \"local\"".format(gwhere, member, did_you_mean(
                                      member, ["local"] + list(devices)), member))
    return groups


def parse_config(data, path):
    """Build a :class:`Config` from an already-parsed TOML document."""
    known = {"run": RunConfig, "export": ExportConfig}
    kwargs = {"path": path}
    for key, value in data.items():
        where = "{}: [{}]".format(path, key)
        if key in known:
            kwargs[key] = build_dataclass(known[key], value, where)
        elif key == "sets":
            kwargs[key] = _build_sets(value, where)
        elif key == "devices":
            kwargs[key] = _build_devices(value, "{}: [devices]".format(path))
        elif key != "groups":
            raise ConfigError("{}: unknown section [{}]{} (sections: run, export, sets, devices, "
                              "groups)".format(path, key, did_you_mean(
                                  key, list(known) + ["sets", "devices", "groups"])))
    if "groups" in data:  # after [devices]: members are checked against them
        kwargs["groups"] = _build_groups(data["groups"], "{}: [groups]".format(path),
                                         kwargs.get("devices", {}))
    return Config(**kwargs)


def load_config(path=None):
    """Load ``path`` (an explicit ``--config``: must exist) or ``./bench.toml`` if present."""
    explicit = path is not None
    path = path or DEFAULT_CONFIG
    if not os.path.exists(path):
        if explicit:
            raise ConfigError("config file {} not found; pass an existing file to --config".format(path))
        return Config()
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("{}: not valid TOML: {}".format(path, exc)) from None
    except UnicodeDecodeError as exc:
        raise ConfigError("{}: not UTF-8 text (byte 0x{:02x} at offset {}); TOML must be "
                          "UTF-8: save the file as UTF-8".format(path, exc.object[exc.start],
                                                          exc.start)) from None
    except OSError as exc:
        raise ConfigError("{}: cannot read: {}".format(path, exc.strerror)) from None
    return parse_config(data, path)
