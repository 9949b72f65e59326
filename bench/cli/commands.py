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


def split_list(values):
    """``["onnx,tflite", "eager"]`` -> ``["onnx", "tflite", "eager"]``: repeatable flags
    that also take comma lists (order kept, no repeats)."""
    out = []
    for value in values or ():
        for item in value.split(","):
            item = item.strip()
            if item and item not in out:
                out.append(item)
    return out
