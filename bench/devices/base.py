"""The device interface and registry."""

from bench.errors import BenchError, EnvironmentProblem
from bench.registry import Registry, did_you_mean

DEVICES = Registry("device kind")


def register_device(cls):
    DEVICES.add(cls.kind, cls)
    return cls


class Device:
    """Where jobs run. Subclasses set ``kind`` and implement the methods."""

    kind = ""

    def __init__(self, name, config):
        self.name = name
        self.config = config  # the kind's config dataclass (None for local)
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


def open_device(name, config):
    """``--device NAME`` -> a Device: ``local`` or a ``[devices.NAME]`` from the config."""
    from bench.devices import catalog  # noqa: F401  (fills the registry)

    if name == "local":
        return DEVICES.get("local")("local", None)
    if name not in config.devices:
        raise BenchError("unknown device {!r}{}; define it under [devices.{}] in {} "
                         "(or use --device local)".format(
                             name, did_you_mean(name, ["local"] + list(config.devices)), name,
                             config.path or "bench.toml"))
    dev_cfg = config.devices[name]
    if dev_cfg.kind not in DEVICES:
        raise EnvironmentProblem("device {!r}: kind {!r} is configured, but this version of bench "
                                 "cannot run on it yet; use --device local".format(name, dev_cfg.kind))
    return DEVICES.get(dev_cfg.kind)(name, dev_cfg)
