"""``bench worker``: serve this host's devices to a lab (Celery on a Redis broker)."""

import sys

from bench.cli.commands import command, split_list
from bench.errors import BenchError


@command("worker", help="serve this host's devices to a lab: bench run --lab elsewhere measures "
                        "on them")
class WorkerCommand:
    @staticmethod
    def add_arguments(p):
        p.add_argument("--lab", required=True, metavar="redis://HOST:PORT/0",
                       help="the lab's Redis broker (password: BENCH_LAB_PASSWORD)")
        p.add_argument("--devices", required=True, action="append", metavar="A[,B]",
                       help="devices of this host's bench.toml to serve (local or [devices.NAME])")

    def run(self, args, config):
        from bench.devices import open_device
        from bench.lab.app import check_url
        from bench.lab.worker import run_workers

        check_url(args.lab)
        names = split_list(args.devices)
        if not names:
            raise BenchError("--devices: name this host's devices, e.g. --devices nano-1,s845")
        for name in names:
            open_device(name, config)  # an unknown name is refused here, before any worker
        return run_workers(args.lab, names, args.config,
                           lambda msg: print(msg, file=sys.stderr, flush=True))
