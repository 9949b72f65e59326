"""The SSH errors: each an EnvironmentProblem (exit 3) with a one-line message."""

from bench.errors import DeviceLost, EnvironmentProblem


class SSHError(EnvironmentProblem):
    """Any SSH failure: one line naming user@host:port and what to do."""


class HostKeyError(SSHError):
    pass


class AuthError(SSHError):
    pass


class ConnectError(SSHError):
    pass


class ConnectionLost(SSHError, DeviceLost):
    pass


class RemoteTimeout(SSHError):
    pass


def _short(text, limit=80):
    """One line, bounded: for quoting commands and remote errors in messages."""
    text = " ".join(str(text).replace("\r", "\\r").replace("\n", "\\n").split())
    return text if len(text) <= limit else text[:limit - 3] + "..."
