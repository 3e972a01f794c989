"""A workspace folder: thidua.toml (settings), kehoach.xlsx (the plan), input_templates/, submissions/, output/.

Settings hold what is not the plan: where files are, who receives the report, how to e-mail it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from thidua.core.calendar import month_label, parse_month  # noqa: F401 (re-exported)
from thidua.errors import SETTINGS_FILE, ThiduaError, UsageError, workspace_busy, workspace_not_writable
from thidua.workspace.settings import Settings, read_settings

DEFAULT_SETTINGS = """\
# Cấu hình thidua cho trường. Sửa bằng Notepad rồi lưu lại (mã hóa UTF-8).
# Thông tin trường, chỉ tiêu, đợt thi đua và danh sách CBGVNV nằm trong tệp kế hoạch (kehoach.xlsx).

[paths]
plan = "kehoach.xlsx"            # tệp kế hoạch thi đua
templates = "input_templates"    # nơi ghi các mẫu phát cho CBGVNV
submissions = "submissions"      # nơi chép các tệp CBGVNV gửi về (có thể chia thư mục con)
output = "output"                # nơi ghi kết quả từng tháng

[text]
tone_style = "old"               # cách đặt dấu thanh: "old" (hòa, thúy), "new" (hoà, thuý) hoặc "keep" (giữ nguyên)

[limits]                         # giới hạn an toàn khi đọc tệp nhận được
max_file_mb = 50                 # dung lượng tối đa một tệp (MB)
max_inflated_mb = 512            # dung lượng tối đa khi giải nén một tệp .xlsx/.ods (MB)
max_ratio = 100                  # tỷ lệ nén tối đa (chống "bom nén")
max_rows = 50000                 # số dòng tối đa một trang tính

# Cơ quan nhận báo cáo (Kính gửi, Nơi nhận, Ký hiệu) ghi ở trang “Thông tin chung” của kehoach.xlsx.

[email]
to = []                          # địa chỉ cơ quan nhận báo cáo, ví dụ ["vhxh@xa.example.vn"]
cc = []
from = ""
host = ""
port = 587
security = "starttls"            # starttls | ssl | none (none chỉ dùng cho máy chủ trên chính máy này)
username = ""
password_env = "THIDUA_SMTP_PASSWORD"   # tên biến môi trường chứa mật khẩu; không ghi mật khẩu vào đây

# Nhận tệp CBGVNV gửi qua e-mail (thidua collect): bỏ dấu # ở đầu các dòng dưới rồi điền.
# [imap]
# host = "imap.gmail.com"
# port = 993
# security = "ssl"                 # ssl | starttls | none (none chỉ dùng cho máy chủ trên chính máy này)
# username = "truong@example.edu.vn"
# password_env = "THIDUA_IMAP_PASSWORD"  # tên biến môi trường chứa mật khẩu; không ghi mật khẩu vào đây
# folder = "INBOX"                 # thư mục thư cần lấy
# move_to = "Da xu ly"             # (không bắt buộc) chuyển thư đã lấy sang thư mục này; thư không bao giờ bị xóa
# since = 2026-08-01               # (không bắt buộc) chỉ lấy thư từ ngày này; mặc định ngày đầu năm học
"""


@dataclass(frozen=True)
class Workspace:
    """Paths and settings of one workspace: `settings` is thidua.toml as loaded, `config` the same checked and
    typed (every mistake of the file is reported when the workspace is made, whichever command runs)."""

    root: Path
    settings: dict[str, Any] = field(default_factory=dict)
    config: Settings = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "config", read_settings(self.settings))

    def _path(self, value: str) -> Path:
        return (self.root / value).resolve()

    @property
    def plan_path(self) -> Path:
        return self._path(self.config.paths.plan)

    @property
    def templates(self) -> Path:
        return self._path(self.config.paths.templates)

    @property
    def submissions(self) -> Path:
        return self._path(self.config.paths.submissions)

    @property
    def output(self) -> Path:
        return self._path(self.config.paths.output)

    @property
    def tone_style(self) -> str:
        """'old' (hòa, thúy — as in official documents), 'new' (hoà, thuý) or 'keep'."""
        return self.config.text.tone_style

    @property
    def history_path(self) -> Path:
        return self.root / DB_FILE

    def month_dir(self, month: str) -> Path:
        return self.output / month


def open_workspace(root: Path) -> Workspace:
    """Load a workspace, its settings checked (every mistake of thidua.toml at once); a missing plan is a usage
    error with what to do."""
    root = root.resolve()
    settings_path = root / SETTINGS_FILE
    settings: dict[str, Any] = {}
    if settings_path.exists():
        try:
            settings = tomllib.loads(settings_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            line = re.search(r"line (\d+)", str(exc))
            where = f" ở dòng {line.group(1)}" if line else ""
            raise ThiduaError(
                f"Tệp cấu hình {SETTINGS_FILE} viết sai cú pháp{where}. Hãy mở bằng Notepad, sửa dòng đó (chữ phải "
                'đặt trong dấu ngoặc kép "…") rồi lưu lại.'
            ) from exc
        except UnicodeDecodeError as exc:
            raise ThiduaError(
                f"Tệp cấu hình {SETTINGS_FILE} không lưu bằng mã UTF-8. Hãy lưu lại với mã UTF-8."
            ) from exc
    ws = Workspace(root, settings)
    if not ws.plan_path.exists():
        raise UsageError(
            f"Thư mục {root.name or root} chưa có tệp kế hoạch {ws.plan_path.name}. Hãy tạo thư mục "
            "làm việc bằng lệnh: thidua init <thư mục>, hoặc chỉ đúng thư mục bằng -w."
        )
    return ws


DB_FILE = "thidua-lich-su.sqlite"  # the monthly history (pipeline.history keeps it)
LOCK_FILE = ".thidua.lock"  # kept in the workspace: whoever writes it holds the operating system's lock on it
LOCK_WAIT = 10.0  # seconds a command waits for another one to finish before it says so


class Rooted(Protocol):
    """A folder thidua works in: a school's workspace or a receiving office's (office.settings.Office)."""

    @property
    def root(self) -> Path: ...


@contextmanager
def locked(ws: Rooted, wait: float | None = None) -> Iterator[None]:
    """Hold the workspace (a school's or an office's) for a command that writes it (run, check, send, templates,
    office run): a second one waits a little, then is told another is running. The lock is the operating system's
    (filelock): it dies with its process, so a run that was killed never blocks the next."""
    from filelock import FileLock, Timeout

    lock = FileLock(ws.root / LOCK_FILE, timeout=LOCK_WAIT if wait is None else wait)
    try:
        lock.acquire()
    except Timeout as exc:
        raise workspace_busy(ws.root.name, lock.timeout) from exc
    except OSError as exc:
        raise workspace_not_writable(ws.root, str(exc.strerror or exc)) from exc
    try:
        yield
    finally:
        lock.release()
