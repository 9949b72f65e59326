"""The command registry: ``@command("name", help=...)`` on a class with
``add_arguments(parser)`` and ``run(args, config) -> exit code``."""

from bench.registry import Registry

COMMANDS = Registry("command")


def command(name, help):
    def deco(cls):
        cls.name = name
        cls.help = help
        COMMANDS.add(name, cls)
        return cls
    return deco
