"""One benchmark run: for each (model, runtime) export (cached), measure, append a row.

Device-agnostic: the device places artifacts and runs the worker; this module
turns requests into jobs and results into complete CSV rows, failures included.
"""

import datetime
import os
import time

from bench.measure.stats import summarize
from bench.results_csv import DONE_STATUSES, row_key


class RunOptions:
    """The resolved knobs of a run (config defaults overridden by flags)."""

    FIELDS = ("precision", "batch", "trials", "warmup", "repeats", "threads", "seed",
              "unstable_cv", "timeout_s", "isolate")

    def __init__(self, **kw):
        missing = set(self.FIELDS) - set(kw)
        if missing:
            raise TypeError("missing run options: {}".format(", ".join(sorted(missing))))
        self.__dict__.update(kw)


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


class BenchmarkRun:
    def __init__(self, device, export_config, options, writer, done=(), log=None,
                 progress=None):
        self.device = device
        self.export_config = export_config
        self.opts = options
        self.writer = writer
        self.done = set(done)
        self.log = log or (lambda msg: None)
        self.progress = progress
        self.rows = []
        self.skipped = 0
        self._worker = None
        self._monitor = None
        from bench.models.complexity import ComplexityStore

        self._complexity = ComplexityStore(os.path.join(export_config.dir, "complexity.json"))

    # -- row pieces -------------------------------------------------------------------
    def _base_row(self, request, runtime_cls):
        from bench.models import MODELS

        o = self.opts
        row = {
            "timestamp": now_iso(), "device": self.device.name, "device_kind": self.device.kind,
            "model": request.name, "family": MODELS.get(request.spec.name).family,
            "format": runtime_cls.formats[0], "runtime": runtime_cls.name,
            "precision": o.precision, "resolution": request.resolution, "batch": o.batch,
            "trial_size": o.trials, "warmup": o.warmup, "repeats": o.repeats,
            "threads": o.threads or "",
        }
        row.update(self.device.state())
        return row

    @staticmethod
    def _artifact_columns(artifact):
        m = artifact.manifest
        parity = m.get("parity") or {}
        return {"export_s": m.get("export_seconds"), "export_cached": artifact.cached,
                "parity_max_abs_err": parity.get("max_abs_err"),
                "parity_argmax_agree": parity.get("argmax_agree"),
                "artifact_key": artifact.key[:12]}

    def _result_columns(self, result):
        """A worker's result -> row columns.

        ``raw`` (trial timings) is summarized here; a device whose own tool measures
        (Android ``benchmark_model``) gives ``summary`` columns instead. ``columns``
        are device extras (engine build time, delegate...), kept whatever the status.
        """
        cols = {"status": result.get("status", "failed"), "error": result.get("error", ""),
                "notes": result.get("notes", "")}
        cols.update(result.get("columns") or {})
        if cols["status"] != "ok":
            return cols
        if "summary" in result:
            cols.update(result["summary"])
        else:
            cols.update(summarize(result["raw"], self.opts.unstable_cv))
        cols["load_ms"] = result.get("load_ms", cols.get("load_ms"))
        threads = (result.get("info") or {}).get("threads")
        if threads:
            cols["threads"] = threads
        if cols.get("cv") is not None and cols["cv"] > self.opts.unstable_cv:
            cols["unstable"] = True
            cols["notes"] = "; ".join(filter(None, [
                cols["notes"], "unstable: trial CV {:.1%} > {:.1%}".format(
                    cols["cv"], self.opts.unstable_cv)]))
        return cols

    # -- worker -------------------------------------------------------------------------
    def _worker_for_job(self):
        if self._worker is None or not self._worker.alive():
            self._worker = self.device.start_worker(on_progress=self._on_progress)
        return self._worker

    def _on_progress(self, msg):
        if self._monitor is not None:
            self._monitor.progress(msg)
        if self.progress:
            self.progress.update("{} trial {}/{}".format(self._current, msg["done"], msg["total"]))

    def _release_worker(self, force=False):
        isolate = self.opts.isolate or self.device.isolate_always
        if self._worker is not None and (force or isolate):
            self._worker.kill()  # results are already written; no need to wait for its teardown
            self._worker = None

    # -- the run --------------------------------------------------------------------------
    def measure_one(self, request, runtime_cls):
        """Produce, write and return the row for one (model, runtime)."""
        from bench.artifacts import get_artifact
        from bench.formats.base import ExportFailed
        from bench.runtimes.base import Unsupported

        o = self.opts
        row = self._base_row(request, runtime_cls)
        self._current = "{}@{} {} {}".format(request.name, request.resolution, runtime_cls.name,
                                             o.precision)
        device = self.device
        try:
            device.check_runtime(runtime_cls, o.precision)
            row["params_m"], row["macs_m"] = self._complexity.get(request)
            if self.progress:
                self.progress.update(self._current + " export")
            fmt, fmt_precision = device.artifact_for(runtime_cls, o.precision)
            artifact = get_artifact(request, fmt, fmt_precision, o.batch, self.export_config,
                                    seed=o.seed, log=self.log)
            row.update(self._artifact_columns(artifact))
            job = {"id": "{}:{}".format(time.time(), request.name), "label": self._current,
                   "runtime": runtime_cls.name, "precision": o.precision,
                   "device": device.accelerator(runtime_cls), "threads": o.threads,
                   "batch": o.batch, "resolution": request.resolution, "trials": o.trials,
                   "warmup": o.warmup, "repeats": o.repeats, "seed": o.seed}
            job = device.prepare_job(job, artifact, runtime_cls)
            if self.progress:
                self.progress.update(self._current + " measure")
            worker = self._worker_for_job()
            with device.monitor(job) as monitor:
                self._monitor = monitor  # told when the timed trials start and end
                try:
                    result = worker.request(job, o.timeout_s + job.pop("extra_timeout_s", 0))
                finally:
                    self._monitor = None
            device.check_connection(result)  # a lost device stops the run: no row for it
            row.update(monitor.columns())
            row.update(self._result_columns(result))
            self._release_worker(force=result.get("status") == "crashed")
        except Unsupported as exc:
            row.update(status="unsupported", error=str(exc))
        except ExportFailed as exc:
            row.update(status="failed", error="export failed: {}".format(exc))
        self.writer.write(row)
        self.rows.append(row)
        return row

    def execute(self, requests, runtime_classes):
        try:
            for request in requests:
                for runtime_cls in runtime_classes:
                    if row_key(self._base_row(request, runtime_cls)) in self.done:
                        self.skipped += 1
                    else:
                        row = self.measure_one(request, runtime_cls)
                        self.log_row(row)
                    if self.progress:
                        self.progress.advance()
        finally:
            self._release_worker(force=True)
        return self.rows

    def log_row(self, row):
        if row["status"] == "ok":
            p50 = row.get("latency_ms_p50")  # a device tool may not print percentiles
            self.log("{model} {runtime} {precision}: {tp:.1f} inf/s{p50}{flag}".format(
                tp=row["throughput"], p50="" if p50 is None else " (p50 {:.2f} ms)".format(p50),
                flag=" UNSTABLE" if row.get("unstable") else "", **row))
        else:
            self.log("{model} {runtime} {precision}: {status}: {error}".format(**row))


def done_keys(rows):
    """Keys of rows a resume may skip (ok or unsupported)."""
    return {row_key(r) for r in rows if r.get("status") in DONE_STATUSES}
