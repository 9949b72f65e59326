"""The one exception type users see: a one-line message and an exit code."""


class BenchError(Exception):
    """A user-facing error: printed as one line, no traceback (unless --debug).

    ``exit_code`` 2 means bad input (config, spec, flag); 3 means the environment
    cannot do what was asked (missing package, device, binary); 1 is a failed run.
    """

    exit_code = 2

    def __init__(self, message, exit_code=None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(BenchError):
    exit_code = 2


class SpecError(BenchError):
    exit_code = 2


class EnvironmentProblem(BenchError):
    """Something missing on this machine or device: a package, a GPU, a binary."""

    exit_code = 3


class DeviceLost(EnvironmentProblem):
    """The device went away mid-run (connection lost, phone unplugged): stop, keep rows."""
