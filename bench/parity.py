"""Parity of an exported artifact with eager PyTorch on the same seeded input (SPEC §2).

The artifact is opened with its format's reference runtime (the first runtime that
reads the format) on CPU, or on CUDA for formats built on their target (TensorRT).
This is a correctness check, not a measurement: fp16 artifacts are run on CPU even
where a runtime's ``check`` refuses to *time* fp16 there (slow or emulated kernels
still compute the right numbers).
"""

import math

from bench.formats.tools import one_line


def reference_runtime(format_name):
    """Name of the first registered runtime that reads ``format_name``."""
    from bench.runtimes import RUNTIMES

    for name, cls in RUNTIMES.items():
        if format_name in cls.formats:
            return name
    raise LookupError("no runtime reads format {!r}".format(format_name))


def run_once(runtime_name, path, precision, device, array, selection=None):
    """Open ``path`` with the runtime, run ``array`` once, return the float32 output.
    ``selection``: what to run inside a switchable artifact (:mod:`bench.runtimes.select`)."""
    from bench.runtimes import get_runtime
    from bench.runtimes.select import apply_selection

    session = get_runtime(runtime_name).open(path, precision, device, 0)
    session = apply_selection(session, selection, runtime_name)
    try:
        session.set_input(array)
        session.run()
        session.sync()
        return session.output()
    finally:
        session.close()


def eager_reference(built, example):
    import torch

    with torch.no_grad():
        return built.module(example).float().numpy()


def compare(out, ref):
    """(max abs error, whether every sample's arg-max agrees, error text or "")."""
    import numpy as np

    if out.shape != ref.shape:
        return None, None, "output shape {} differs from eager's {}".format(out.shape, ref.shape)
    if not np.all(np.isfinite(out)):
        return None, None, "non-finite values in the output"
    err = float(np.max(np.abs(out.astype(np.float64) - ref)))
    batch = ref.shape[0]
    agree = bool(np.all(out.reshape(batch, -1).argmax(1) == ref.reshape(batch, -1).argmax(1)))
    return err, agree, ""


def check_parity(fmt, path, precision, built, example, atol, details=None):
    """Parity record for the manifest: max_abs_err, argmax_agree, atol, ok, runtime, device.

    A runtime that cannot run the artifact gives ``ok: False`` and ``error`` (recorded
    and reported, never dropped). A switchable artifact (``details["switchable"]``) is
    checked in every configuration it holds against eager PyTorch in that configuration:
    ``configs`` has each one's error, the record the worst.
    """
    runtime = reference_runtime(fmt.name)
    device = "cuda" if fmt.builds_on_target else "cpu"
    record = {"runtime": runtime, "device": device, "atol": atol, "max_abs_err": None,
              "argmax_agree": None, "ok": False, "error": ""}
    switch = (details or {}).get("switchable")
    if switch:
        return _check_switchable(record, fmt, path, precision, built, example, switch)
    ref = eager_reference(built, example)
    try:
        out = run_once(runtime, path, precision, device, example.numpy())
    except Exception as exc:  # noqa: BLE001 - recorded in the manifest and logged
        record["error"] = "{} could not run the artifact: {}".format(runtime, one_line(exc))
        return record
    return _judge(record, out, ref)


def _judge(record, out, ref):
    err, agree, problem = compare(out, ref)
    record.update(max_abs_err=err, argmax_agree=agree, error=problem)
    record["ok"] = bool(not problem and err <= record["atol"] and agree and not math.isnan(err))
    return record


def _check_switchable(record, fmt, path, precision, built, example, switch):
    """Every configuration through one open session, switched as an application would."""
    from bench.models.pta_switch import selection_for
    from bench.runtimes import get_runtime
    from bench.runtimes.select import apply_selection

    module, own, runtime = built.module, built.module.config, record["runtime"]
    manifest = {"details": {"switchable": switch}, "format": fmt.name}
    configs = list(switch["configs"])
    record["configs"] = {}
    config, session = configs[0], None
    try:
        session = apply_selection(get_runtime(runtime).open(path, precision, record["device"], 0),
                                  selection_for(manifest, config), runtime)
        session.set_inputs([example.numpy()])
        for config in configs:
            module.set_config(config)
            ref = eager_reference(built, example)
            session.switch(selection_for(manifest, config))
            session.run()
            session.sync()
            one = _judge(dict(record), session.output(), ref)
            record["configs"][config] = one["max_abs_err"]
            if not one["ok"]:
                record.update(max_abs_err=one["max_abs_err"], argmax_agree=one["argmax_agree"],
                              ok=False, error=one["error"] or "configuration {}: max|err| {:.2g}"
                              .format(config, one["max_abs_err"] or float("nan")))
                return record
    except Exception as exc:  # noqa: BLE001 - recorded in the manifest and logged
        record.update(ok=False, error="{} could not run configuration {}: {}".format(
            runtime, config, one_line(exc)))
        return record
    finally:
        if session is not None:
            session.close()
        module.set_config(own)
    record.update(max_abs_err=max(record["configs"].values()), argmax_agree=True, ok=True)
    return record
