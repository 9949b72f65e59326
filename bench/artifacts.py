"""The export orchestrator: (model, format, precision, batch) -> a cached, parity-checked file.

Artifacts are cached by content (SPEC §2): the key hashes everything that shapes the
file (spec, seed, checkpoint bytes, resolution, batch, precision, format, options,
tool versions, and the source artifact's key for derived formats). Layout::

    <export.dir>/<model>/<format>-<precision>-r<res>-b<batch>-<key12>/model<suffix>
                                                                     /manifest.json

The artifact is written under a temporary name and renamed into place, and the
manifest is written (atomically) after it: a directory without an ``ok`` manifest
is never a cache hit, so a killed export is simply redone.
"""

import datetime
import hashlib
import json
import os
import re
import time

from bench import __version__ as bench_version
from bench.formats import get_format
from bench.formats.base import ExportFailed
from bench.formats.derived import DerivedFormat
from bench.formats.tools import dist_version, one_line
from bench.fileutil import FULL, sha256_file, write_problem
from bench.parity import check_parity
from bench.runtimes.base import Unsupported

MANIFEST = "manifest.json"


class Artifact(object):
    """An exported file and what is known about it. ``cached``: reused, not exported now."""

    def __init__(self, path, manifest, cached, key):
        self.path = path
        self.manifest = manifest
        self.cached = cached
        self.key = key

    @property
    def parity(self):
        return self.manifest.get("parity") or {}

    def __repr__(self):
        return "Artifact({!r}, cached={})".format(self.path, self.cached)


def format_for_runtime(runtime_name):
    """The format a runtime reads, e.g. ``onnxruntime`` -> ``onnx``."""
    from bench.runtimes import RUNTIMES

    return RUNTIMES.get(runtime_name).formats[0]


def sanitize(name, limit=80):
    """A model spec as one safe directory name (the key keeps distinct specs apart)."""
    return re.sub(r"[^A-Za-z0-9._=-]+", "_", name).strip("._")[:limit] or "model"


def checkpoint_digest(spec):
    """sha256 of the spec's checkpoint file (weights are part of the content), or None.

    A missing, unreadable or non-file path is the checkpoint loader's one-line SpecError
    (whether the bytes are a state dict is checked when the model is built)."""
    from bench.models.checkpoint import check_file

    path = spec.kwargs.get("checkpoint")
    if path is None:
        return None
    check_file(path)
    try:
        return sha256_file(str(path))
    except OSError as exc:
        from bench.errors import SpecError

        raise SpecError("model spec {!r}: cannot read checkpoint {}: {}".format(
            spec.canonical(), path, exc.strerror)) from None


def model_digest(spec):
    """The hash of what besides the spec defines the model: a ``py:`` factory's source file,
    a ``file:`` model's bytes (None for built-in models)."""
    from bench.models import MODELS

    return MODELS.get(spec.name).digest(spec)


def artifact_request(request):
    """The request naming the artifact: several specs may share one file (a switchable PTA
    artifact holds every configuration; see ModelEntry.artifact_spec)."""
    from bench.models import MODELS
    from bench.models.selection import ModelRequest

    spec = MODELS.get(request.spec.name).artifact_spec(request.spec)
    if spec is request.spec:
        return request
    return ModelRequest(spec, request.resolution, request.asked)


def export_module(module):
    """What a format freezes: the module's ``export_module()`` where it has one (a model
    whose inference form differs from its training form, e.g. folded central-difference
    convolutions), else the module. Parity is checked against the module itself."""
    prepare = getattr(module, "export_module", None)
    return prepare() if callable(prepare) else module


class Plan(object):
    """Everything about one artifact that is known before any work: key, paths, source."""

    def __init__(self, request, fmt, precision, batch, seed, options, tools, source):
        self.request = request
        self.format = fmt
        self.precision = precision
        self.batch = batch
        self.seed = seed
        self.options = options
        self.tools = tools
        self.source = source  # Plan of the artifact this one is derived from, or None
        self.payload = {
            "spec": request.spec.canonical(), "seed": seed,
            "checkpoint_sha256": checkpoint_digest(request.spec),
            "resolution": request.resolution, "batch": batch, "precision": precision,
            "format": fmt.name, "options": options, "tool_versions": tools,
            "source": source.key if source else None,
        }
        digest = model_digest(request.spec)
        if digest is not None:  # (absent for built-in models: their keys stay as they were)
            self.payload["source_sha256"] = digest
        blob = json.dumps(self.payload, sort_keys=True, separators=(",", ":"))
        self.key = hashlib.sha256(blob.encode("utf-8")).hexdigest()

    @property
    def label(self):
        return "{} {} {} r{} b{}".format(self.request.name, self.format.name, self.precision,
                                        self.request.resolution, self.batch)

    def directory(self, root):
        leaf = "{}-{}-r{}-b{}-{}".format(self.format.name, self.precision,
                                         self.request.resolution, self.batch, self.key[:12])
        return os.path.join(root, sanitize(self.request.name), leaf)

    def path(self, root):
        return os.path.join(self.directory(root), "model" + self.format.suffix)


class NotSwitchable(ExportFailed, Unsupported):
    """A switchable spec asked of a format that holds one configuration per file: an export
    that cannot be made (bench export) and a row that is ``unsupported`` (bench run)."""


def not_switchable(format_name):
    """Why ``format_name`` cannot hold a switchable PTA artifact, and what does."""
    from bench.formats import FORMATS

    able = ", ".join(n for n in FORMATS.names() if FORMATS.get(n).switchable)
    return NotSwitchable("{} holds one configuration per file, so there is no switchable {} "
                         "artifact; switchable PTA artifacts are {} files (measure pta:CONFIG "
                         "without switchable=true on this runtime)".format(
                             format_name, format_name, able))


def format_options(fmt, export_config):
    """The format's options with values from ``[export]`` (defaults from the format)."""
    return {k: getattr(export_config, k, default) for k, default in sorted(fmt.options.items())}


def plan_artifact(request, format_name, precision, batch, export_config, seed=0):
    """Compute the :class:`Plan` (and its key) without building or exporting anything.

    Raises ExportFailed when the format cannot export ``precision`` or lacks its tools here.
    """
    fmt = get_format(format_name)
    if precision not in fmt.precisions:
        raise ExportFailed("{} does not export {} (it exports: {})".format(
            fmt.name, precision, ", ".join(fmt.precisions)))
    fmt.check()
    if request.spec.kwargs.get("switchable") and not fmt.switchable:
        raise not_switchable(fmt.name)
    options = format_options(fmt, export_config)
    tools = {"bench": bench_version, "torch": dist_version("torch")}
    tools.update(fmt.tool_versions())
    source = None
    if isinstance(fmt, DerivedFormat):
        origin = fmt.source(precision, options)
        if origin is not None:
            source = plan_artifact(request, origin[0], origin[1], batch, export_config, seed)
    return Plan(request, fmt, precision, batch, seed, options, tools, source)


def load_cached(plan, root):
    """The cached :class:`Artifact` for ``plan``, or None (no ok manifest, or file missing/short)."""
    try:
        with open(os.path.join(plan.directory(root), MANIFEST)) as fh:
            manifest = json.load(fh)
    except FileNotFoundError:
        return None
    except ValueError:  # not JSON: cannot happen with atomic writes; redo the export
        return None
    path = plan.path(root)
    if manifest.get("status") != "ok" or manifest.get("key") != plan.key:
        return None
    if not os.path.isfile(path) or os.path.getsize(path) != manifest.get("file_size"):
        return None
    return Artifact(path, manifest, True, plan.key)


def write_json_atomic(path, data):
    tmp = "{}.tmp-{}".format(path, os.getpid())
    try:
        with open(tmp, "w") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _base_manifest(plan):
    return {"spec": plan.request.name, "resolution": plan.request.resolution,
            "batch": plan.batch, "precision": plan.precision, "format": plan.format.name,
            "seed": plan.seed, "key": plan.key, "options": plan.options,
            "tool_versions": plan.tools, "created": _now()}


def _no_log(message):
    """Default ``log``: say nothing (callers that want messages pass a callable)."""


def get_artifact(request, format_name, precision, batch, export_config, seed=0, log=None):
    """The artifact for ``request`` (a ModelRequest) in ``format_name`` at ``precision``.

    A cache hit reads the manifest only (no model is built). A miss builds the model,
    exports (through the source artifact for derived formats), checks parity against
    eager PyTorch and writes the manifest. A parity miss is recorded and logged as a
    warning, not raised. Anything that goes wrong while exporting is ExportFailed
    with a one-line message (and a ``failed`` manifest records it).

    ``log(message)`` hears ``cached ...``, ``exporting ...``, ``exported ...`` and
    ``warning: ...`` lines (default: nothing).
    """
    if log is None:
        log = _no_log
    from bench.models import MODELS

    if MODELS.get(request.spec.name).from_file:
        from bench.file_models import file_artifact

        return file_artifact(request, format_name, precision, batch, export_config, log)
    plan = plan_artifact(artifact_request(request), format_name, precision, batch,
                         export_config, seed)
    found = load_cached(plan, export_config.dir)
    if found is not None:
        log("cached {}: {}".format(plan.label, found.path))
        return found
    return _export(plan, export_config, log)


def _call_format(plan, built, example, source, tmp):
    """Run the format's export (or derivation) into ``tmp``; -> its details dict."""
    fmt, options = plan.format, dict(plan.options)
    try:
        if source is not None:
            return fmt.export_from(source.path, tmp, plan.precision, options) or {}
        return fmt.export(export_module(built.module), example, tmp, plan.precision,
                          options) or {}
    except ExportFailed as exc:
        raise ExportFailed("{}: {}".format(plan.label, exc)) from exc


def _record_failure(plan, directory, error, family, tool_output=""):
    """A ``failed`` manifest: the reason stays on disk; it is never a cache hit.

    Where the directory cannot be written (often the very failure being recorded),
    there is no record; the ExportFailed being raised still carries the reason.
    """
    manifest = _base_manifest(plan)
    manifest.update(status="failed", error=str(error), family=family)
    if tool_output:  # what the converter printed (shown live only with --debug)
        manifest["tool_output"] = tool_output[-8000:]
    try:
        os.makedirs(directory, exist_ok=True)
        write_json_atomic(os.path.join(directory, MANIFEST), manifest)
    except OSError:
        pass


def _with_tail(message, capture):
    """``message`` plus the end of what the tools printed, still one line."""
    tail = capture.tail()
    return "{} (tool output ended: {})".format(message, tail) if tail else message


def _export(plan, export_config, log):
    from bench.capture import Capture
    from bench.errors import BenchError
    from bench.models import build_model

    root = export_config.dir
    directory, path = plan.directory(root), plan.path(root)
    tmp = os.path.join(directory, ".model.part-{}{}".format(os.getpid(), plan.format.suffix))
    family = None
    # What the converters and runtimes print (C++ logs included) is kept out of the user's
    # way and shown with --debug; a failure's message carries its end. Log lines and the
    # source artifact's own export stay outside the capture.
    quiet = Capture()
    try:
        with quiet:
            built = build_model(plan.request.spec, plan.seed)
        family = built.family
        example = built.example_input(plan.request.resolution, plan.batch, plan.seed)
        source = None
        if plan.source is not None:
            src = plan.source
            source = get_artifact(plan.request, src.format.name, src.precision, plan.batch,
                                  export_config, plan.seed, log)
        os.makedirs(directory, exist_ok=True)
        log("exporting {}".format(plan.label))
        start = time.perf_counter()
        with quiet:
            details = _call_format(plan, built, example, source, tmp)
        seconds = time.perf_counter() - start
        if source is not None:  # a derived file holds what its source holds
            inherited = (source.manifest.get("details") or {}).get("switchable")
            if inherited and "switchable" not in details:
                details["switchable"] = inherited
        os.replace(tmp, path)
        atol = export_config.parity_atol_fp16 if plan.precision == "fp16" else \
            export_config.parity_atol_fp32
        with quiet:
            parity = check_parity(plan.format, path, plan.precision, built, example, atol,
                                  details)
    except BenchError:  # bad input (e.g. a checkpoint that does not fit): not an export failure
        raise
    except Exception as exc:  # noqa: BLE001 - sorted below: a full disk, or the export's failure
        full = _disk_full(exc)
        if full is not None:  # not this model's fault: every export would fail the same way
            raise write_problem(directory, full, "write exports to",
                                elsewhere="[export].dir") from None
        _failed(plan, directory, family, quiet, exc)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    manifest = _base_manifest(plan)
    manifest.update(
        family=family, status="ok", error="", file=os.path.basename(path),
        file_size=os.path.getsize(path), export_seconds=round(seconds, 3), parity=parity,
        details=details,
        source=None if source is None else {"format": source.manifest["format"],
                                            "precision": source.manifest["precision"],
                                            "key": source.key,
                                            "path": os.path.relpath(source.path, directory)})
    try:
        write_json_atomic(os.path.join(directory, MANIFEST), manifest)
    except OSError as exc:
        raise write_problem(os.path.join(directory, MANIFEST), exc,
                            elsewhere="[export].dir") from None
    log("exported {} in {:.1f}s: {}".format(plan.label, seconds, path))
    if not parity["ok"]:
        log("warning: {} parity miss: {}".format(plan.label, describe_parity(parity)))
    return Artifact(path, manifest, False, plan.key)


def _disk_full(exc):
    """The OSError saying the disk is full somewhere in ``exc``'s chain, or None."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in FULL:
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def _failed(plan, directory, family, quiet, exc):
    """Record and raise the ExportFailed for ``exc`` (the row's one-line error)."""
    if isinstance(exc, ExportFailed):
        failure = ExportFailed(_with_tail(str(exc), quiet))
    else:
        failure = ExportFailed(_with_tail("{} export failed: {}".format(plan.label, one_line(exc)),
                                          quiet))
    _record_failure(plan, directory, failure, family, quiet.text)
    raise failure from exc


def describe_parity(parity):
    """One short phrase for a parity record, e.g. ``ok max|err| 2.1e-06`` or the miss."""
    if parity.get("error"):
        return "error: {}".format(parity["error"])
    text = "max|err| {:.2g} (atol {:g})".format(parity["max_abs_err"], parity["atol"])
    if not parity["argmax_agree"]:
        text += ", arg-max differs"
    return ("ok " if parity["ok"] else "MISS ") + text
