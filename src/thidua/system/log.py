"""The log of thidua's own failures (thidua-loi.log in the temporary folder): the tracebacks the screen never
shows, for the board to send to whoever supports thidua. Writing it never fails the work: a disk with no room for
the log leaves the message on screen or in the issue list to say what happened."""

from __future__ import annotations

import datetime as dt
import tempfile
from contextlib import suppress
from pathlib import Path

LOG_FILE = "thidua-loi.log"


def log_path() -> Path:
    return Path(tempfile.gettempdir()) / LOG_FILE


def append(text: str) -> Path:
    """Add `text` to the log; returns where the log is."""
    path = log_path()
    with suppress(OSError), path.open("a", encoding="utf-8") as log:
        log.write(text if text.endswith("\n") else text + "\n")
    return path


class FailureLog:
    """One run's failures of thidua itself: each written with what it was doing and when, a traceback already
    written in this run only named again (ten thousand files met by one fault make one traceback, not ten thousand)."""

    def __init__(self) -> None:
        self._written: set[str] = set()

    def record(self, doing: str, trace: str) -> Path:
        stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        if trace in self._written:
            return append(f"[{stamp}] {doing}: cùng lỗi như trên.")
        self._written.add(trace)
        return append(f"[{stamp}] {doing}:\n{trace}")
