"""The page's runs in the background: a month's check or run (or an office's roll-up) goes on a thread while the
page polls a small status endpoint that shows its stages. One at a time: a second one asked for while the first is
going is refused with the first one's state; a command of another window (`thidua run`) holding the workspace is
refused by the workspace lock inside the API, and the run ends with that Vietnamese message."""

from __future__ import annotations

import datetime as dt
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from thidua import api
from thidua.errors import ThiduaError, unexpected_failure
from thidua.system import log

# The batch's stages as its progress hook names them (pipeline.batch), in the words of the page, in order.
RUN_STAGES = (
    ("plan (read_plan)", "Đọc kế hoạch"),
    ("read + repair + validate", "Đọc và kiểm tra các tệp đã nộp"),
    ("merge + measure + rules", "Tổng hợp số liệu"),
    ("write (write_month)", "Ghi bảng tổng hợp và báo cáo"),
    ("history (record_month)", "Ghi sổ lịch sử"),
)
CHECK_STAGES = (*RUN_STAGES[:3], ("issue report", "Ghi danh sách lỗi"))
OFFICE_STAGES = (("office run", "Đọc tệp các đơn vị và ghi bảng tổng hợp"),)
KIND_LABEL = {"chay": "Chạy tổng hợp", "kiem-tra": "Kiểm tra", "co-quan": "Tổng hợp các đơn vị"}


@dataclass
class Job:
    """One background run: what it is, where it has got to, and how it ended (`outcome`, or `error` in
    Vietnamese)."""

    kind: str  # "chay" (run), "kiem-tra" (check) or "co-quan" (the office's roll-up)
    month: str
    steps: tuple[tuple[str, str], ...]
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))
    done_stages: list[str] = field(default_factory=list)
    # until the batch says what it does: it may be waiting for the workspace another command holds
    said: str = "Đang bắt đầu (nếu một lệnh thidua khác đang chạy trên thư mục này, lượt này đợi lệnh đó xong)…"
    files: tuple[int, int] | None = None
    finished: bool = False
    error: str | None = None
    outcome: Any = None
    thread: threading.Thread | None = None

    @property
    def label(self) -> str:
        return KIND_LABEL.get(self.kind, self.kind)

    def steps_shown(self) -> list[tuple[str, str]]:
        """Each step's label with its state: "xong", "dang" (the one going on) or "cho" (waiting)."""
        shown, current = [], not self.finished
        for name, label in self.steps:
            if name in self.done_stages or (self.finished and self.error is None):
                shown.append((label, "xong"))
            elif current:
                shown.append((label, "dang"))
                current = False
            else:
                shown.append((label, "cho"))
        return shown

    @property
    def busy(self) -> str:
        """What a second run asked for while this one goes on is told (one run at a time)."""
        return (
            f"Đang {self.label.lower()} tháng {api.month_label(self.month)} (bắt đầu lúc {self.started:%H:%M:%S}): "
            "mỗi lần chỉ chạy một lượt. Hãy đợi lượt đó xong rồi bấm lại."
        )

    def wait(self, timeout: float | None = None) -> None:
        if self.thread is not None:
            self.thread.join(timeout)


class JobProgress(api.Progress):
    """The batch's progress hook, kept on the job for the status endpoint."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def say(self, message: str) -> None:
        self.job.said = message.strip()

    def files(self, done: int, total: int) -> None:
        self.job.files = (done, total)

    def stage(self, name: str) -> None:
        self.job.done_stages.append(name)


class Jobs:
    """The page's one run at a time, and the last one's outcome for the status endpoint."""

    def __init__(self, busy: Any) -> None:
        self._lock = threading.Lock()
        self._busy = busy  # the server's count of work in progress: a stop waits for it
        self.current: Job | None = None

    def running(self) -> Job | None:
        job = self.current
        return job if job is not None and not job.finished else None

    def start(self, job: Job, work: Callable[[JobProgress], Any]) -> Job | None:
        """Start `work` for `job` on a thread and return the job; None (nothing started) while another runs."""
        with self._lock:
            if self.running() is not None:
                return None
            self.current = job
            self._busy.__enter__()  # counted before the answer goes back: a stop right after waits for it
            job.thread = threading.Thread(target=self._work, args=(job, work), name=f"thidua-{job.kind}", daemon=True)
            job.thread.start()
        return job

    def _work(self, job: Job, work: Callable[[JobProgress], Any]) -> None:
        try:
            job.outcome = work(JobProgress(job))
        except ThiduaError as exc:  # the workspace held by another command, a month outside the year, a full disk…
            job.error = exc.message
        except Exception:  # the last guard: the details to the log, a sentence to the page, never a traceback
            job.error = unexpected_failure(log.append(traceback.format_exc())).message
        finally:
            job.finished = True
            self._busy.__exit__(None, None, None)


def elapsed(job: Job) -> int:
    """Whole seconds since the job started."""
    return max(0, int(time.time() - job.started.timestamp()))
