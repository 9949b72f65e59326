"""The export format interface: a format is data plus one ``export`` function (STYLE 2)."""

from bench.registry import Registry

FORMATS = Registry("format")


class ExportFailed(Exception):
    """An export that did not produce a usable artifact; the message says why."""


def register_format(cls):
    """Class decorator: ``@register_format`` on a :class:`Format` subclass."""
    FORMATS.add(cls.name, cls())
    return cls


class Format(object):
    name = ""  # registry key, the CSV ``format`` column
    suffix = ""  # artifact file suffix, e.g. ".onnx"
    precisions = ("fp32",)  # what it can be exported at
    options = {}  # option name -> default (from [export] in bench.toml)
    builds_on_target = False  # True: built on the device that runs it (TensorRT engines)
    requires = ""  # pip extra / package that provides it, for the error message
    switchable = False  # can hold every PTA configuration in one file (pta_switch)

    def tool_versions(self):
        """{tool: version} that shape the artifact; part of the cache key."""
        return {}

    def check(self):
        """Raise ExportFailed with a one-line fix if the tools are missing here."""

    def export(self, module, example, path, precision, options):
        """Freeze ``module`` (eval mode, fp32, CPU) traced on ``example`` to ``path``."""
        raise NotImplementedError
