"""The adb errors: each an EnvironmentProblem (exit 3) with a one-line message and its fix."""

from bench.errors import DeviceLost, EnvironmentProblem


class AdbError(EnvironmentProblem):
    """Any adb failure: one line naming the phone and what to do."""


class AdbUnavailable(AdbError):
    """The phone is not usable now: unauthorized, offline, not listed (before anything ran)."""


class AdbDeviceLost(AdbError, DeviceLost):
    """The phone went away during the run: the run stops, finished rows stay, --resume continues."""


class AdbTimeout(AdbError):
    pass


def short(text, limit=80):
    """One line, bounded: for quoting commands and the phone's messages in errors."""
    text = " ".join(str(text).replace("\r", " ").replace("\n", " | ").split())
    return text if len(text) <= limit else text[:limit - 3] + "..."
