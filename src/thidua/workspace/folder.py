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
from typing import Any

from thidua.core.calendar import month_label, parse_month  # noqa: F401 (re-exported)
from thidua.errors import ThiduaError, UsageError

SETTINGS_FILE = "thidua.toml"

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
to = []                          # ví dụ ["thidua@pgd.example.vn"]
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
    """Paths and settings of one workspace."""

    root: Path
    settings: dict[str, Any] = field(default_factory=dict)

    def _path(self, name: str, default: str) -> Path:
        value = self.settings.get("paths", {}).get(name, default)
        return (self.root / str(value)).resolve()

    @property
    def plan_path(self) -> Path:
        return self._path("plan", "kehoach.xlsx")

    @property
    def templates(self) -> Path:
        return self._path("templates", "input_templates")

    @property
    def submissions(self) -> Path:
        return self._path("submissions", "submissions")

    @property
    def output(self) -> Path:
        return self._path("output", "output")

    @property
    def tone_style(self) -> str:
        """'old' (hòa, thúy — as in official documents), 'new' (hoà, thuý) or 'keep'."""
        style = str(self.settings.get("text", {}).get("tone_style", "old"))
        if style not in ("old", "new", "keep"):
            raise ThiduaError(f'Mục [text] tone_style trong {SETTINGS_FILE} phải là "old", "new" hoặc "keep".')
        return style

    @property
    def history_path(self) -> Path:
        from thidua.pipeline.history import DB_FILE

        return self.root / DB_FILE

    def month_dir(self, month: str) -> Path:
        return self.output / month


def open_workspace(root: Path) -> Workspace:
    """Load a workspace; a missing plan or broken settings is a usage error with what to do."""
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


LOCK_FILE = ".thidua.lock"  # kept in the workspace: whoever writes it holds the operating system's lock on it
LOCK_WAIT = 10.0  # seconds a command waits for another one to finish before it says so


@contextmanager
def locked(ws: Workspace, wait: float | None = None) -> Iterator[None]:
    """Hold the workspace for a command that writes it (run, check, send, templates): a second one waits a
    little, then is told another is running. The lock is the operating system's (filelock): it dies with its
    process, so a run that was killed never blocks the next."""
    from filelock import FileLock, Timeout

    lock = FileLock(ws.root / LOCK_FILE, timeout=LOCK_WAIT if wait is None else wait)
    try:
        lock.acquire()
    except Timeout as exc:
        raise ThiduaError(
            f"Một lệnh thidua khác đang chạy trên thư mục làm việc {ws.root.name} (đã đợi {lock.timeout:g} giây). "
            "Hãy đợi lệnh đó chạy xong (hoặc đóng cửa sổ đang chạy nó) rồi chạy lại."
        ) from exc
    except OSError as exc:
        raise ThiduaError(
            f"Không ghi được vào thư mục làm việc {ws.root} ({exc.strerror or exc}). Hãy kiểm tra thư mục cho phép "
            "ghi (không chỉ đọc, ổ đĩa còn chỗ trống) rồi chạy lại."
        ) from exc
    try:
        yield
    finally:
        lock.release()
