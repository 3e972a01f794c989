"""Processes the batch starts (readers, writers) and the signals that stop it: a stopped or killed batch leaves no
process behind. Stopping is the parent's job: children ignore Ctrl+C and die with their parent on Linux."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from thidua.errors import Stopped

# Signals that ask the batch to stop: Ctrl+C, kill, the terminal window closed (SIGHUP on POSIX, the console
# window closed or Ctrl+Break on Windows, where the C runtime reports it as SIGBREAK).
STOPPING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGBREAK") if hasattr(signal, name))


def stop_on_signals() -> Callable[[], None]:
    """Turn the stopping signals into `Stopped` in the main thread, so that the batch unwinds (removes its
    staging, rolls back the history, shuts its workers down) instead of vanishing mid-write. A signal the user
    chose to ignore (`nohup`) stays ignored. Returns what puts the previous handlers back."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise Stopped(signum)

    previous = {signum: signal.getsignal(signum) for signum in STOPPING}
    for signum, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(signum, stop)

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return restore


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Ctrl+C and the stopping signals wait until the block is over: a month's swap and its commit are never cut
    in two. The block is short (two renames and a commit); a stop asked for meanwhile is then moot, as the batch
    ends right after it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, *STOPPING)}
    for signum, handler in saved.items():
        if handler is not signal.SIG_IGN:
            signal.signal(signum, lambda number, _frame: held.append(number))
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def die_with_parent(parent: int) -> None:
    """In a child: ignore Ctrl+C (the parent stops the work and shuts the children down) and, on Linux, ask to be
    killed when the parent dies, so that a batch killed outright leaves no worker running."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in STOPPING:
        signal.signal(signum, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)


def worker_initializer(then: Callable[..., None], parent: int, *args: object) -> None:
    """A process pool's initializer: `die_with_parent`, then the pool's own set-up."""
    die_with_parent(parent)
    then(*args)
