"""Program failures (bad settings, unreadable plan, SMTP refused, disk full).

Data problems in submissions are never exceptions: they become `Issue` records. Everything here carries a
Vietnamese sentence the CLI prints as-is, without a traceback.
"""


class ThiduaError(Exception):
    """Base of every failure the CLI reports as one Vietnamese sentence."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(ThiduaError):
    """The command was called wrongly (missing workspace, bad month): exit code 2."""

    exit_code = 2


class Stopped(KeyboardInterrupt):
    """The batch was asked to stop by a signal (kill, the window closed): it unwinds as after Ctrl+C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class PlanError(ThiduaError):
    """The plan workbook cannot be used at all (missing, unreadable, no targets)."""
