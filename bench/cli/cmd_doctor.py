"""``bench doctor``: can this device run benchmarks, and if not, what to fix.

Exit 0 when every check passes, 3 when one fails (the device or this machine lacks
something, as ``bench run`` would say), 2 for bad input (an unknown device)."""

import sys

from bench.cli.commands import command
from bench.errors import BenchError, EnvironmentProblem

MARK = {True: "ok  ", False: "FAIL", None: "info"}


def print_check(check, stream=sys.stdout):
    print("{} {}: {}".format(MARK[check.ok], check.name, check.detail), file=stream, flush=True)


@command("doctor", help="check a device: connection, versions, state, and which runtimes can run there")
class DoctorCommand:
    @staticmethod
    def add_arguments(p):
        p.add_argument("--device", metavar="NAME", help="local or a [devices.NAME] (default: [run].device)")

    def run(self, args, config):
        from bench.devices import open_device

        name = args.device or config.run.device
        device = open_device(name, config)
        print("bench doctor: device {} (kind {})".format(name, device.kind), flush=True)
        failed = 0
        try:
            for check in device.doctor():  # a generator: remote checks print as they finish
                print_check(check)
                failed += check.ok is False
        except BenchError as exc:  # e.g. cannot connect: the fix is in the message
            print("FAIL {}".format(str(exc).strip().splitlines()[0]), flush=True)
            return exc.exit_code
        finally:
            device.close()
        if failed:  # what a check finds missing is the environment's or the device's: exit 3
            print("{} check(s) failed; fix them and run bench doctor again".format(failed))
            return EnvironmentProblem.exit_code
        print("all checks passed")
        return 0
