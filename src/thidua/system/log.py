"""The log of thidua's own failures (thidua-loi.log in the temporary folder): the tracebacks the screen never
shows, for the board to send to whoever supports thidua. Writing it never fails the work: a disk with no room for
the log leaves the message on screen or in the issue list to say what happened."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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


_NATIVE_LOG: list[int] = []  # this process's descriptor of the log, opened once (a forked reader inherits it)
_NATIVE_LOCK = threading.RLock()  # descriptor 2 is the process's: one thread at a time points it elsewhere


@contextmanager
def native_output_to_log() -> Iterator[None]:
    """While native code runs that may print on its own, the process's standard error (descriptor 2) goes to the
    log: python-calamine's Rust code, meeting a file damaged in a way it did not foresee, prints its panic
    message there before pyo3 raises it as PanicException, which the reader reports as an unreadable file. On
    the board's screen that message would be a stack trace in English; in the log it tells support what
    happened. Python's own text is flushed first, so nothing written before lands in the log. Costs three
    descriptor calls (about 3 µs); without a log to write to, standard error stays as it is."""
    with _NATIVE_LOCK:
        if not _NATIVE_LOG:
            try:
                _NATIVE_LOG.append(os.open(log_path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644))
            except OSError:
                yield
                return
        if sys.stderr is not None:  # None when the process was started without one
            with suppress(OSError, ValueError):
                sys.stderr.flush()
        try:
            saved = os.dup(2)
        except OSError:  # no descriptor 2 to point elsewhere
            yield
            return
        try:
            os.dup2(_NATIVE_LOG[0], 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


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
