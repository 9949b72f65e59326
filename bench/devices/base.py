"""The device interface and registry."""

from bench.errors import BenchError, EnvironmentProblem
from bench.registry import Registry, did_you_mean

DEVICES = Registry("device kind")


def register_device(cls):
    DEVICES.add(cls.kind, cls)
    return cls


class Check:
    """One line of ``bench doctor``: what was checked, ok or not, what was found or the fix."""

    def __init__(self, name, ok, detail=""):
        self.name = name
        self.ok = ok  # True, False, or None for "information only"
        self.detail = detail

    def __repr__(self):
        return "Check({!r}, {!r}, {!r})".format(self.name, self.ok, self.detail)


class NullMonitor:
    """What a device samples during one measurement: nothing, by default."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def progress(self, msg):
        """A worker :class:`~bench.measure.messages.Progress` event: phase ``trials`` when
        the timed rounds start, ``trials_done`` when they end."""

    def columns(self):
        return {}


class Placement:
    """Where the worker finds a candidate's artifact, and what to build there first."""

    def __init__(self, artifact, build=None, extra_timeout_s=0.0):
        self.artifact = artifact  # the path the worker opens
        self.build = build  # a bench.measure.messages.Build, or None
        self.extra_timeout_s = extra_timeout_s  # the build's own time allowance


class Device:
    """Where jobs run. Subclasses set ``kind`` and implement the methods.

    The runner calls, per (model, runtime, precision): ``check_runtime``,
    ``artifact_for``, then ``place`` (which puts the artifact where the worker reads
    it); then per group of models, inside ``monitor(job)``, the worker's ``request``,
    then ``check_connection`` on the result. ``setup`` runs once before the first job,
    ``close`` always at the end.
    """

    kind = ""
    isolate_always = False  # every measurement in its own (remote) process

    def __init__(self, name, config, export_config=None):
        self.name = name
        self.config = config  # the kind's config dataclass (None for local)
        self.export_config = export_config  # [export]: defaults a device may need (workspace)
        self._spare = None

    def accelerator(self, runtime_cls):
        """"cuda" or "cpu": where ``runtime_cls`` runs on this device."""
        raise NotImplementedError

    def available_runtimes(self):
        """Names of the runtimes that can run here (the default of ``--runtimes``)."""
        raise NotImplementedError

    def state(self):
        """Device-state columns for every row (host, CPU, GPU, versions...)."""
        raise NotImplementedError

    def place_artifact(self, artifact):
        """Make a host artifact available to the worker; returns the worker-side path."""
        raise NotImplementedError

    def spawn_worker(self, on_progress=None):
        """A :class:`~bench.devices.worker_client.WorkerProcess`, spawned, not waited for."""
        raise NotImplementedError

    def setup(self, log=None):
        """Prepare the device for a run (power mode, clocks); undone by ``close``."""

    def doctor(self):
        """Checks for ``bench doctor``: a list of :class:`Check`."""
        raise NotImplementedError

    def check_runtime(self, runtime_cls, precision):
        """Raise ``Unsupported`` when ``runtime_cls`` cannot run ``precision`` here."""
        runtime_cls().check(precision, self.accelerator(runtime_cls))

    def artifact_for(self, runtime_cls, precision):
        """(format, precision) of the host artifact the job needs."""
        return runtime_cls.formats[0], precision

    def place(self, artifact, runtime_cls, precision):
        """A :class:`Placement`: the artifact put where the worker reads it (and how to
        build the runtime's own file from it there)."""
        return Placement(self.place_artifact(artifact))

    def monitor(self, job):
        """A context manager sampling the device during ``job`` (a group); ``.columns()``
        after it."""
        return NullMonitor()

    def lease_key(self):
        """What identifies the device on this host, for its exclusive lease (bench.leases):
        two names of one device must give one key."""
        return "{}-{}".format(self.kind, self.name)

    def temperature(self):
        """The device's temperature now, in degrees C: its hottest valid sensor (``--cooldown``,
        ``bench sustained``); None when it has none that can be read."""
        return None

    def temperature_problem(self):
        """Why :meth:`temperature` is None, in a few words (for one-line errors)."""
        return "bench cannot read the temperature of a {} device".format(self.kind)

    def transfer_summary(self):
        """One line on what was sent to the device this run (remote kinds), or None."""
        return None

    def check_connection(self, result):
        """Raise a ``DeviceLost`` if ``result`` (a GroupResult) failed because the device
        went away."""

    def prestart_worker(self):
        """Spawn a worker now so its imports overlap with the parent's preparations."""
        if self._spare is None:
            self._spare = self.spawn_worker()

    def start_worker(self, on_progress=None):
        """A worker for the next job: the pre-started one if it is still alive."""
        spare, self._spare = self._spare, None
        if spare is not None and spare.alive():
            spare.on_progress = on_progress
            return spare
        return self.spawn_worker(on_progress)

    def close(self):
        if self._spare is not None:
            self._spare.kill()
            self._spare = None


def runtime_checks(device):
    """One check per registered runtime: can it run here, and if not, why."""
    from bench.runtimes import RUNTIMES
    from bench.runtimes.base import Unsupported

    usable = 0
    for name, cls in RUNTIMES.items():
        accel = device.accelerator(cls)
        try:
            device.check_runtime(cls, "fp32")
        except Unsupported as exc:  # not a failure of the device: that runtime is skipped
            yield Check("runtime " + name, None, "not available: " + str(exc).strip().splitlines()[0])
            continue
        usable += 1
        yield Check("runtime " + name, True, "runs on {}".format(accel))
    if not usable:
        yield Check("runtimes", False, "no runtime can run here; install one of them (see above)")


def open_device(name, config):
    """``--device NAME`` -> a Device: ``local`` or a ``[devices.NAME]`` from the config."""
    from bench.devices import catalog  # noqa: F401  (fills the registry)

    if name == "local":
        return DEVICES.get("local")("local", None, config.export)
    if name not in config.devices:
        raise BenchError("unknown device {!r}{}; define it under [devices.{}] in {} "
                         "(or use --device local)".format(
                             name, did_you_mean(name, ["local"] + list(config.devices)), name,
                             config.path or "bench.toml"))
    dev_cfg = config.devices[name]
    if dev_cfg.kind not in DEVICES:
        raise EnvironmentProblem("device {!r}: kind {!r} is configured, but this version of bench "
                                 "cannot run on it yet; use --device local".format(name, dev_cfg.kind))
    return DEVICES.get(dev_cfg.kind)(name, dev_cfg, config.export)
