"""Program failures (bad settings, unreadable plan, SMTP refused, disk full).

Data problems in submissions are never exceptions: they become `Issue` records. Everything here carries a
Vietnamese sentence the CLI prints as-is, without a traceback. The failures met at the desk (SPEC 7: a file open in
Excel, a busy history, a second run at the same time, a full disk, a read-only folder) are said the same way
wherever they happen: each has its constructor below, so the promise "the previous outputs are kept" is worded
once.
"""

from __future__ import annotations

import errno
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path


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


# --- the desk's failures ------------------------------------------------------------------------------------------

KEPT = "kết quả cũ vẫn được giữ nguyên"  # a month changes as one state (batch.Staging): a failure changes nothing
STOPPED = f"Đã dừng theo yêu cầu; {KEPT}."  # Ctrl+C or a signal: not a failure, said by the CLI as it stops


def disk_full(what: str) -> ThiduaError:
    """An output ("tệp …", "kết quả tháng …") not written because the disk is full."""
    return ThiduaError(
        f"Ổ đĩa đã đầy: không ghi được {what}. Hãy xoá bớt tệp không cần (hoặc chọn ổ đĩa khác) rồi chạy lại; {KEPT}."
    )


def history_disk_full(name: str) -> ThiduaError:
    """The history (kept in the workspace, so no other drive to choose) not written because the disk is full."""
    return ThiduaError(
        f"Ổ đĩa đã đầy: không ghi được sổ lịch sử {name}. Hãy xoá bớt tệp không cần rồi chạy lại; sổ lịch sử và {KEPT}."
    )


def write_failed(what: str, *, reason: str = "", folder: str = "") -> ThiduaError:
    """`what` ("tệp …", "sổ lịch sử …", "vào <thư mục>") not written for another reason than a full disk (a
    read-only folder, a removed drive); `reason` the system's words when they help, `folder` the folder to check
    ("output", "làm việc"; none: the one named in `what`)."""
    because = f" ({reason})" if reason else ""
    where = f"thư mục {folder}" if folder else "thư mục"
    return ThiduaError(
        f"Không ghi được {what}{because}. Hãy kiểm tra ổ đĩa còn chỗ trống và {where} cho phép ghi rồi chạy lại; "
        f"{KEPT}."
    )


def cannot_write(what: str, error: Exception) -> ThiduaError:
    """What to say when an output ("tệp …", "kết quả tháng …") cannot be written: a full disk is named as such."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return disk_full(what)
    return write_failed(what, folder="output")


def outputs_not_written(names: Iterable[str]) -> ThiduaError:
    """Outputs written in parallel (worker processes) that failed; the details are in the log."""
    return ThiduaError(f"Không ghi được {', '.join(names)}; {KEPT}. Hãy chạy lại.")


def open_elsewhere(shown: str) -> ThiduaError:
    """A file of the previous outputs held by another program (Excel) or read-only: the swap would fail."""
    return ThiduaError(
        f"Tệp {shown} đang mở trong một chương trình khác (ví dụ Excel) hoặc chỉ cho đọc. Hãy đóng tệp đó rồi chạy "
        f"lại; {KEPT}."
    )


def output_folder_held(name: str) -> ThiduaError:
    """The month's output folder could not be moved (PermissionError, winerror 32: a file in it open in Excel)."""
    return ThiduaError(
        f"Không thay được thư mục kết quả {name}: có tệp trong đó đang mở (ví dụ trong Excel) hoặc thư mục chỉ cho "
        f"đọc. Hãy đóng các tệp kết quả, kiểm tra quyền ghi rồi chạy lại; {KEPT}."
    )


def previous_outputs_not_restored(reason: str, where: Path | str) -> ThiduaError:
    """The history could not be committed and the previous outputs could not be put back: say where they are."""
    return ThiduaError(
        f"Sổ lịch sử không ghi được tháng này và thidua không đặt lại được kết quả cũ ({reason}). Kết quả cũ nằm "
        f"trong thư mục {where}; hãy chạy lại lệnh để ghi lại tháng này."
    )


def history_busy(name: str) -> ThiduaError:
    """Another program (a database viewer) holds the history: busy, not damaged."""
    return ThiduaError(
        f"Sổ lịch sử {name} đang được một chương trình khác sử dụng (ví dụ phần mềm xem cơ sở dữ liệu). Hãy đóng "
        f"chương trình đó rồi chạy lại; {KEPT}."
    )


def workspace_busy(name: str, waited: float) -> ThiduaError:
    """Another thidua command holds the workspace's lock."""
    return ThiduaError(
        f"Một lệnh thidua khác đang chạy trên thư mục làm việc {name} (đã đợi {waited:g} giây). Hãy đợi lệnh đó "
        "chạy xong (hoặc đóng cửa sổ đang chạy nó) rồi chạy lại."
    )


def workspace_not_writable(root: Path | str, reason: str) -> ThiduaError:
    """The workspace's lock file cannot be made: a read-only folder or a full disk."""
    return ThiduaError(
        f"Không ghi được vào thư mục làm việc {root} ({reason}). Hãy kiểm tra thư mục cho phép ghi (không chỉ "
        "đọc, ổ đĩa còn chỗ trống) rồi chạy lại."
    )


def unexpected_failure(log: Path | str) -> ThiduaError:
    """The last guard: a fault of thidua itself, its traceback in the log the board sends to support."""
    return ThiduaError(f"thidua gặp sự cố ngoài dự kiến; {KEPT}. Hãy gửi tệp nhật ký {log} cho người hỗ trợ kỹ thuật.")


# --- what a command needs first -----------------------------------------------------------------------------------


def month_not_run(month: str, what: str = "kết quả") -> UsageError:
    """A command that needs the month's outputs (`send`: "báo cáo", `reply`: "kết quả") before `run` made them."""
    return UsageError(f"Chưa có {what} tháng {month}. Hãy chạy trước: thidua run --month {month}")


# --- thidua.toml --------------------------------------------------------------------------------------------------

SETTINGS_FILE = "thidua.toml"


def settings_problems(problems: Sequence[str]) -> ThiduaError:
    """Every mistake found in thidua.toml at once (each a sentence naming its table and key and what to write); a
    single one is said as it is."""
    said = [unicodedata.normalize("NFC", problem) for problem in problems]  # a key typed in NFD is shown as typed
    if len(said) == 1:
        return ThiduaError(said[0])
    listed = "\n".join(f"- {problem}" for problem in said)
    return ThiduaError(
        f"Tệp cấu hình {SETTINGS_FILE} có {len(said)} chỗ cần sửa (mở bằng Notepad, sửa rồi lưu lại):\n{listed}"
    )


def not_a_table(table: str, example: str) -> ThiduaError:
    """A name of thidua.toml that must head a table (`[limits]`) written as a single value (`limits = 5`)."""
    return ThiduaError(f"Mục [{table}] trong {SETTINGS_FILE} phải là một bảng, ví dụ: {example}.")


def rules_not_a_table(name: str) -> ThiduaError:
    """A value written straight under [rules], where only [rules.<name>] tables belong."""
    return ThiduaError(
        f"Mục [rules] trong {SETTINGS_FILE} chỉ chứa các mục [rules.<tên quy định>]; “{name}” không phải một mục như "
        'vậy. Hãy viết thành mục riêng, ví dụ: [rules.cstdcs_share] rồi rounding = "round".'
    )


def _guess(shown: str) -> str:
    return f": có phải là {shown}?" if shown else "."


def unknown_table(name: str, guess: str, tables: str) -> ThiduaError:
    """A table thidua does not read (a typo, most often): `guess` the closest one ("" none), `tables` those it reads."""
    return ThiduaError(
        f"Tệp {SETTINGS_FILE} có mục [{name}] mà thidua không dùng{_guess(f'[{guess}]' if guess else '')} Hãy sửa "
        f"lại cho đúng tên mục, hoặc xóa cả mục (các mục dùng được: {tables})."
    )


def unknown_key(table: str, key: str, guess: str, keys: str) -> ThiduaError:
    """A key of a table (`[limits]`) that thidua does not read: `guess` the closest one ("" none), `keys` them all."""
    return ThiduaError(
        f"Mục {table} trong {SETTINGS_FILE} có tên “{key}” mà thidua không dùng{_guess(guess)} Hãy sửa lại cho đúng "
        f"tên, hoặc xóa dòng này (các tên dùng được trong mục này: {keys})."
    )


def key_outside_tables(key: str, tables: str) -> ThiduaError:
    """A key written above every table header, so that TOML reads it as no table's: `tables` where it belongs."""
    return ThiduaError(
        f"Dòng {key} trong {SETTINGS_FILE} không nằm dưới mục nào: hãy chuyển dòng đó xuống dưới {tables}."
    )


def unknown_setting(key: str, guess: str, tables: str) -> ThiduaError:
    """A key above every table header, spelt almost as one of thidua's (`guess`)."""
    return ThiduaError(
        f"Dòng {key} trong {SETTINGS_FILE} không nằm dưới mục nào và thidua không dùng: có phải là {guess}? Hãy "
        f"sửa lại cho đúng tên và đặt dòng đó dưới đúng mục (các mục dùng được: {tables})."
    )
