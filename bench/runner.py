"""One measuring run: models x runtimes (x precisions) -> export, measure in groups, rows.

Device-agnostic: the device places artifacts and runs the worker. Per runtime, the
models to measure are exported (cached), then measured in groups: each group is one
:class:`~bench.measure.messages.MeasureJob` whose models are loaded together and whose
timed trials are interleaved, so they share the machine's load. A baseline, when there
is one, is in every group (relative times are paired per round). Each group's result
becomes complete CSV rows, failures included. A model that kills the worker is
measured again on its own (a crash there is its ``crashed`` row) and the rest of its
group is measured again without it.
"""

import datetime
import itertools
import threading
import os
from collections import deque

from bench.file_models import (check_precision, fed_shapes, file_inputs, native_format,
                                runtime_format)
from bench.groups import Item, plan_groups
from bench.measure.inputs import describe as describe_inputs
from bench.measure.messages import Candidate, CandidateResult, MeasureJob
from bench.models import MODELS
from bench.models.pta_switch import selections
from bench.cooldown import check_readable, parse_cooldown, wait as cool_down
from bench.options import MIN_ROUNDS, shape_map
from bench.runtimes.base import Unsupported
from bench.results_csv import DONE_STATUSES, row_key
from bench.row_stats import energy_columns, relative_columns, statistic_columns

_ids = itertools.count(1)
EXPORTS = threading.RLock()  # one export (and complexity count) at a time in this process


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
        self._status = ""
        self._told_cpus = False
        self._cooldown_note = ""
        self.stop_requested = False  # a fleet's Ctrl-C: no new work, nothing more written
        self._cooling = parse_cooldown(options.cooldown, options.cooldown_max_s)
        self._cooling_checked = False
        from bench.models.complexity import ComplexityStore

        self._complexity = ComplexityStore(os.path.join(export_config.dir, "complexity.json"))

    # -- rows ---------------------------------------------------------------------------
    def _base_row(self, request, runtime_cls, precision):
        o = self.opts
        entry = MODELS.get(request.spec.name)
        fmt = runtime_cls.formats[0]
        if entry.from_file:
            try:
                fmt = runtime_format(request.spec, runtime_cls)
            except Unsupported:
                fmt = native_format(request.spec)
        row = {
            "device": self.device.name, "device_kind": self.device.kind,
            "model": request.name, "family": entry.family_of(request.spec),
            "format": fmt, "runtime": runtime_cls.name,
            "precision": precision, "resolution": request.resolution, "batch": o.batch,
            "warmup": o.warmup,
        }
        row.update(self.device.state())
        return row

    @staticmethod
    def _artifact_columns(artifact):
        m = artifact.manifest
        parity = m.get("parity") or {}
        return {"export_s": m.get("export_seconds"), "export_cached": artifact.cached,
                "artifact_mb": None if m.get("file_size") is None else m["file_size"] / 1e6,
                "parity_max_abs_err": parity.get("max_abs_err"),
                "parity_argmax_agree": parity.get("argmax_agree"),
                "artifact_key": artifact.key[:12]}

    def _write(self, item, row):
        row["timestamp"] = now_iso()
        self.writer.write(row)
        item.write = False  # a baseline is in every group; its row is written once
        self.rows.append(row)
        self.log_row(row)
        if self.progress:
            self.progress.advance()

    # -- preparing: checks, complexity, export, placement -----------------------------------
    def _prepare(self, item):
        """Export and place ``item``'s artifact; False (and its row written) when it cannot
        be measured (unsupported here, export failed)."""
        from bench.artifacts import get_artifact
        from bench.errors import SpecError
        from bench.formats.base import ExportFailed

        self._check_stop()
        row, device, o = item.row, self.device, self.opts
        request, overrides = item.request, shape_map(o.shapes)
        shapes = {}
        from_file = MODELS.get(request.spec.name).from_file
        label = "{}@{} {} {}".format(request.name, request.resolution, item.runtime_cls.name,
                                     item.precision)
        try:
            device.check_runtime(item.runtime_cls, item.precision)
            if from_file:  # the file is what runs (or an engine built from it)
                fmt, fmt_precision = runtime_format(request.spec, item.runtime_cls), item.precision
                check_precision(request.spec, item.runtime_cls, item.precision)
                if fmt != native_format(request.spec):
                    fmt, fmt_precision = device.artifact_for(item.runtime_cls, item.precision)
                fed = file_inputs(request.spec, o.batch, request.resolution, overrides,
                                  request.asked)
                row["inputs"], shapes = describe_inputs(fed), fed_shapes(fed)  # exactly these
            else:
                fmt, fmt_precision = device.artifact_for(item.runtime_cls, item.precision)
            with EXPORTS:  # devices of a fleet share the export cache and complexity file
                row["params_m"], row["macs_m"], row["macs_tool"] = self._complexity.get(
                    request, overrides if from_file else None)
                if self.progress:
                    self.progress.update(label + " export")
                artifact = get_artifact(request, fmt, fmt_precision, o.batch, self.export_config,
                                        seed=o.seed, log=self.log)
            row.update(self._artifact_columns(artifact))
            select = switch_from = None
            if request.spec.kwargs.get("switchable"):
                select, switch_from = selections(artifact.manifest, request.spec)
            placed = device.place(artifact, item.runtime_cls, item.precision)
        except Unsupported as exc:
            row.update(status="unsupported", error=str(exc))
        except SpecError as exc:  # this model was given wrong (BadInput too); the others go on
            row.update(status="invalid", error=str(exc).strip().splitlines()[0])
        except ExportFailed as exc:
            row.update(status="failed", error="export failed: {}".format(exc))
        if row.get("status"):
            if item.write:
                self._write(item, row)
            return False
        item.size_mb = os.path.getsize(artifact.path) / 1e6
        item.extra_timeout_s = placed.extra_timeout_s
        item.candidate = Candidate(key=item.key, label=label, artifact=placed.artifact,
                                   precision=item.precision, resolution=request.resolution,
                                   shapes=shapes,
                                   strict=from_file and request.asked, build=placed.build,
                                   select=select, switch_from=switch_from)
        return True

    # -- measuring a group ------------------------------------------------------------------
    def _job(self, runtime_cls, group):
        o = self.opts
        return MeasureJob(
            id="{}-{}".format(os.getpid(), next(_ids)), runtime=runtime_cls.name,
            device=self.device.accelerator(runtime_cls), batch=o.batch, seed=o.seed,
            threads=o.threads, cpu_affinity=o.cpu_affinity, warmup=o.warmup,
            trial_size=o.trials or 0, min_trial_s=o.min_trial_s, rounds=o.repeats or 0,
            min_rounds=MIN_ROUNDS, target_ci=o.target_ci, max_measure_s=o.max_measure_s,
            max_background_pct=o.max_background_pct, reload_every=o.reload_every,
            candidates=[i.candidate for i in group])

    def _worker_for_job(self):
        if self._worker is None or not self._worker.alive():
            self._worker = self.device.start_worker(on_progress=self._on_progress)
        return self._worker

    def _release_worker(self, force=False):
        isolate = self.opts.isolate or self.device.isolate_always
        if self._worker is not None and (force or isolate):
            self._worker.kill()  # results are already written; no need to wait for its teardown
            self._worker = None

    def _on_progress(self, msg):
        if self._monitor is not None:
            self._monitor.progress(msg)
        if msg.phase == "cpus":
            self._tell_cpus(msg.info or {})
        if self.progress:
            where = {"load": "loading", "trial": "round {}".format((msg.round or 0) + 1),
                     "latency": "latency pass"}.get(msg.phase, msg.phase)
            self.progress.update("{} {}{}".format(self._status, where,
                                                  " " + msg.key if msg.key else ""))

    def _tell_cpus(self, info):
        """Once per run, at the start: the threads and cores chosen, or a warning when they
        oversubscribe the idle cores."""
        if self._told_cpus:
            return
        self._told_cpus = True
        threads, idle = info.get("threads"), info.get("idle_cpus")
        if threads and idle is not None and threads > idle and self.opts.threads:
            self.log("warning: {} runtime thread(s) on {} but only {} idle core(s): other "
                     "processes will preempt them and slow the models unevenly; use "
                     "--threads 0 (auto: {} now) or stop the other load".format(
                         threads, self.device.name, idle, max(1, idle - 1)))
        elif threads and idle == 0:
            self.log("warning: no idle core on {}: every measurement competes with other "
                     "processes (disturbed trials are redone; rows may come out unstable)".format(
                         self.device.name))
        elif threads:
            self.log("{}: {} runtime thread(s) on core(s) {} ({} of the cores {} idle{})".format(
                self.device.name, threads, info.get("cpu_affinity"), idle, info.get("allowed"),
                "; one left free for the system" if not self.opts.threads else ""))

    def _check_stop(self):
        if self.stop_requested:
            from bench.fleet import Stopped

            raise Stopped("stopped")

    def _cooldown(self):
        """``--cooldown`` before a measurement: the start temperature (None without one)."""
        self._cooldown_note = ""
        if self._cooling is None:
            return None
        if not self._cooling_checked:  # a threshold without a thermometer: stop at once
            check_readable(self._cooling, self.device)
            self._cooling_checked = True
        if self.progress:
            self.progress.update("{} cooling down ({})".format(self._status, self._cooling.describe()))
        temp, self._cooldown_note = cool_down(self._cooling, self.device, self.log, self.progress)
        return temp

    def _run_group(self, runtime_cls, group):
        job = self._job(runtime_cls, group)
        builds = {i.key: i.extra_timeout_s for i in group if i.extra_timeout_s}
        timeout = self.opts.timeout_s

        def timeout_for(msg):
            return timeout + (builds.get(msg.key, 0) if msg.phase == "load" else 0)

        worker = self._worker_for_job()
        start_temp = self._cooldown()
        with self.device.monitor(job) as monitor:
            self._monitor = monitor  # told who runs when (per-model power, idle power)
            job.idle_s = getattr(monitor, "idle_s", 0.0)
            if not job.trial_size:  # each trial holds whole power samples
                job.min_trial_s = max(job.min_trial_s, getattr(monitor, "min_trial_s", 0.0))
            try:
                result = worker.request(job, timeout, timeout_for=timeout_for)
            finally:
                self._monitor = None
        self.device.check_connection(result)  # a lost device stops the run: no rows for it
        self._release_worker(force=result.status == "crashed")
        if start_temp is not None:
            monitor.start_temp_c = start_temp
        return result, monitor

    def _measure_groups(self, runtime_cls, groups):
        queue = deque(groups)
        total = len(queue)
        done = 0
        while queue:
            self._check_stop()
            group = [i for i in queue.popleft() if not i.broken]
            if not any(i.write for i in group):
                continue
            done += 1
            self._status = "{} {} ({} model{}{})".format(
                runtime_cls.name, "/".join(dict.fromkeys(i.precision for i in group)), len(group),
                "s" if len(group) > 1 else "", ", group {} of {}".format(done, total)
                if total > 1 else "")
            if self.progress:
                self.progress.update(self._status)
            result, monitor = self._run_group(runtime_cls, group)
            self._check_stop()  # a killed worker's result is not the model's crash
            if result.status == "crashed":
                retry = self._after_crash(group, result)
                total += len(retry)
                queue.extendleft(reversed(retry))
                continue
            self._write_group(group, result, monitor)

    def _after_crash(self, group, result):
        """Rows for what the crash settles; the groups to measure again."""
        culprit = next((i for i in group if i.key == result.culprit), None)
        if len(group) == 1 or culprit is None:
            for item in group:
                item.broken = len(group) == 1
                if item.write:
                    self._write(item, dict(item.row, status="crashed", error=result.error,
                                           notes=item.note))
            return []
        culprit.note = ("measured on its own: the measurement process died while it was "
                        "loaded with {} other model(s)".format(len(group) - 1))
        rest = [i for i in group if i is not culprit]
        self.log("{}: {}; measuring it on its own and the other {} again".format(
            culprit.request.name, result.error.split(" — ")[0], len(rest)))
        return [[culprit]] + ([rest] if any(i.write for i in rest) else [])

    @staticmethod
    def _sampled(monitor, key, group_size):
        """A device monitor's columns for one model (and caveats for its notes)."""
        if hasattr(monitor, "columns_for"):
            cols = dict(monitor.columns_for(key))
            notes = cols.pop("_notes", [])
        else:
            cols = dict(monitor.columns())
            notes = ["device samples cover the whole interleaved group of {} models".format(
                group_size)] if group_size > 1 and cols.get("monitor_samples") else []
        if getattr(monitor, "start_temp_c", None) is not None:  # read by the cooldown
            cols["start_temp_c"] = monitor.start_temp_c
        return cols, notes

    def _write_group(self, group, result, monitor):
        o = self.opts
        bases = {i.precision: i for i in group if i.baseline}
        for item in group:
            if not item.write:
                continue
            res = result.result_for(item.key)
            if res is None:
                res = CandidateResult(key=item.key, status="failed",
                                      error="the measurement process returned no result for it")
            elif res.status == "ok" and not res.trial_ns:
                res.status, res.error = "failed", "no timed trial completed"
            row = dict(item.row)
            sampled, sample_notes = self._sampled(monitor, item.key, len(group))
            row.update(sampled)
            row.update(res.columns or {})
            notes = [res.notes, item.note, self._cooldown_note] + sample_notes
            if res.status == "ok":
                cols, caveats = statistic_columns(res, o.batch, o.target_ci, result.stop)
                row.update(cols)
                row.update(energy_columns(row))
                notes.extend(caveats)
                row["load_ms"] = res.load_ms if res.load_ms is not None else row.get("load_ms")
                row["threads"] = (res.info or {}).get("threads") or result.threads or ""
                row["cpu_affinity"] = result.cpu_affinity
                base = bases.get(item.precision)
                if base is not None:
                    base_res = result.result_for(base.key)
                    row["baseline"] = base.request.name
                    if base_res is not None and base_res.status == "ok":
                        row.update(relative_columns(res, base_res, o.batch))
            row.update(status=res.status, error=res.error,
                       notes="; ".join(n for n in notes if n))
            self._write(item, row)

    # -- the run --------------------------------------------------------------------------
    def execute(self, requests, runtime_classes, precisions=None, baseline=None):
        """Measure every request on every runtime (at each of ``precisions``, default the
        options' one); ``baseline``: a request the others are timed against (it is added
        if not among them). Rows are written as each group finishes."""
        precisions = list(precisions or [self.opts.precision])
        if self._cooling is not None and not self._cooling_checked:  # before any export
            check_readable(self._cooling, self.device)
            self._cooling_checked = True
        try:
            for runtime_cls in runtime_classes:
                self._execute_runtime(requests, runtime_cls, precisions, baseline)
        finally:
            self._release_worker(force=True)
        return self.rows

    def _execute_runtime(self, requests, runtime_cls, precisions, baseline):
        entries = [(n, r) for n, r in enumerate(requests)]
        if baseline is not None and not any(r.name == baseline.name and
                                            r.resolution == baseline.resolution
                                            for _, r in entries):
            entries.insert(0, (-1, baseline))
        pending, baselines = [], []
        for (order, request), precision in itertools.product(entries, precisions):
            if request.spec is None:  # a user's model that cannot be used: say why, go on
                self._write_invalid(request, runtime_cls, precision)
                continue
            row = self._base_row(request, runtime_cls, precision)
            is_base = baseline is not None and request.name == baseline.name and \
                request.resolution == baseline.resolution
            item = Item(order, request, runtime_cls, precision, row, baseline=is_base)
            if row_key(row) in self.done:
                self.skipped += 1
                if self.progress:
                    self.progress.advance()
                if not is_base:
                    continue
                item.write = False  # measured again only to pair the others with it
            (baselines if is_base else pending).append(item)
        pending = [i for i in pending if self._prepare(i)]
        needed = {i.precision for i in pending}
        baselines = [b for b in baselines if (b.write or b.precision in needed) and self._prepare(b)]
        for b in baselines:
            if b.write and b.precision not in needed:
                pending.append(b)  # nothing to pair with: measured as a model of its own
        baselines = [b for b in baselines if b not in pending]
        pending.sort(key=lambda i: i.order)
        if pending:
            self._measure_groups(runtime_cls, plan_groups(
                pending, self.opts.group_size, self.opts.group_max_mb, baselines))

    def _write_invalid(self, request, runtime_cls, precision):
        row = {"device": self.device.name, "device_kind": self.device.kind,
               "model": request.name, "runtime": runtime_cls.name, "precision": precision,
               "resolution": request.resolution, "batch": self.opts.batch,
               "status": "invalid", "error": request.error}
        row.update(self.device.state())
        if row_key(row) in self.done:
            return
        self._write(Item(-1, request, runtime_cls, precision, row), row)

    def log_row(self, row):
        self.log(describe_row(row))


def describe_row(row):
    """A result row as one log line."""
    if row["status"] == "ok":
        p50 = row.get("latency_ms_p50")  # a device tool may not print percentiles
        rel = row.get("relative_time")
        return "{model} {runtime} {precision}: {tp:.1f} inf/s{ci}{p50}{rel}{flag}".format(
            tp=row["throughput"],
            ci="" if row.get("throughput_ci_low") is None else " [{:.1f}, {:.1f}]".format(
                row["throughput_ci_low"], row["throughput_ci_high"]),
            p50="" if p50 is None else " (p50 {:.2f} ms)".format(p50),
            rel="" if rel is None else " x{:.3f} time".format(rel),
            flag=" UNSTABLE" if row.get("unstable") else "", **row)
    return "{model} {runtime} {precision}: {status}: {error}".format(**row)


def done_keys(rows):
    """Keys of rows a resume may skip (ok or unsupported)."""
    return {row_key(r) for r in rows if r.get("status") in DONE_STATUSES}
