"""Entry point: parse, load config, dispatch; errors become one line and an exit code.

Exit codes: 0 ok; 1 a run finished with failed rows, or an internal error; 2 bad
input (flags, config, model spec); 3 the environment lacks something (package,
GPU, binary, device); 130 interrupted.
"""

import argparse
import os
import sys

from bench import __version__, interrupts
from bench.cli.commands import COMMANDS
from bench.config import load_config
from bench.errors import BenchError

COMMAND_MODULES = ("bench.cli.cmd_models", "bench.cli.cmd_run", "bench.cli.cmd_export",
                   "bench.cli.cmd_doctor", "bench.cli.cmd_sweep", "bench.cli.cmd_compare",
                   "bench.cli.cmd_estimate", "bench.cli.cmd_plot", "bench.cli.cmd_sustained",
                   "bench.cli.cmd_worker",
                   "bench.cli.cmd_evaluate", "bench.cli.cmd_report", "bench.cli.cmd_diff",
                   "bench.cli.cmd_profile")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the fix (exit 2)."""

    def error(self, message):
        self.exit(2, "{}: error: {} (see `{} --help`)\n".format(self.prog, message, self.prog))


def build_parser():
    import importlib

    for mod in COMMAND_MODULES:
        importlib.import_module(mod)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=None,
                        help="configuration file (default: ./bench.toml if present)")
    common.add_argument("--debug", action="store_true",
                        help="show tracebacks instead of one-line errors")
    parser = _Parser(prog="bench", description="On-device benchmarking of neural networks.")
    parser.add_argument("--version", action="version", version="bench " + __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, cls in COMMANDS.items():
        p = sub.add_parser(name, help=cls.help, description=cls.help, parents=[common])
        cls.add_arguments(p)
        p.set_defaults(handler=cls)
    return parser


def _one_line(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def main(argv=None):
    interrupts.install()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.debug:  # seen by this process and its workers: tool logs are shown, not captured
        os.environ["BENCH_DEBUG"] = "1"
    try:
        config = load_config(args.config)
        code = args.handler().run(args, config) or 0
        if interrupts.pending():  # swallowed by a library and never raised again in time
            raise KeyboardInterrupt()
        return code
    except BenchError as exc:
        if args.debug:
            raise
        print("bench: error: {}".format(_one_line(exc)), file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # e.g. `bench models --format csv | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        interrupts.acknowledge()
        if args.debug:
            raise
        print("bench: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence, never silent
        if args.debug:
            raise
        print("bench: internal error: {}: {} (rerun with --debug for the traceback)".format(
            type(exc).__name__, _one_line(exc)), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
