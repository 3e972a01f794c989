"""Program failures are said once, in `thidua.errors`: every constructor gives a whole Vietnamese sentence (NFC, no
placeholder left, no English), the desk's sentences are the ones users already know, and a fault of thidua's own
code while a file is read is logged and said as ours, never blamed on the file."""

from __future__ import annotations

import errno
import inspect
import io
import os
import re
import struct
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest

from thidua import api, errors
from thidua.intake import read
from thidua.workspace.folder import Workspace

# Sample arguments for every constructor: a constructor added without samples fails the test below.
SAMPLES: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
    "disk_full": (("tệp bao-cao-thi-dua-2026-10.xlsx",), {}),
    "history_disk_full": (("thidua-lich-su.sqlite",), {}),
    "write_failed": (("sổ lịch sử thidua-lich-su.sqlite",), {"reason": "ổ đĩa chỉ cho đọc", "folder": "làm việc"}),
    "cannot_write": (("tệp bao-cao-thi-dua-2026-10.xlsx", OSError(errno.EACCES, "Quyền bị từ chối")), {}),
    "outputs_not_written": ((["bao-cao-thi-dua-2026-10.xlsx", "tra-lai"],), {}),
    "open_elsewhere": (("2026-10/bang-tong-hop-2026-10.xlsx",), {}),
    "output_folder_held": (("2026-10",), {}),
    "previous_outputs_not_restored": (("tệp đang mở", Path("ws/output/.2026-10.old-1")), {}),
    "history_busy": (("thidua-lich-su.sqlite",), {}),
    "workspace_busy": (("thidua-2026-2027", 10.0), {}),
    "workspace_not_writable": ((Path("thidua-2026-2027"), "ổ đĩa chỉ cho đọc"), {}),
    "unexpected_failure": ((Path("thidua-loi.log"),), {}),
    "month_not_run": (("2026-10",), {"what": "báo cáo"}),
    "settings_problems": (
        (["Mục [text] tone_style trong thidua.toml phải là “old”.", "Mục [limits] max_rows phải là số."],),
        {},
    ),
    "not_a_table": (("limits", "[limits] rồi max_rows = 50000"), {}),
    "rules_not_a_table": (("cstdcs_share",), {}),
    "unknown_table": (("emial", "email", "[paths], [email]"), {}),
    "unknown_key": (("[limits]", "max_row", "max_rows", "max_file_mb, max_rows"), {}),
    "key_outside_tables": (("tone_style", "[text]"), {}),
    "unknown_setting": (("tone_stlye", "tone_style", "[paths], [text]"), {}),
}
# Words that would betray an English sentence left untranslated (TOML names and examples, file names and
# "thidua", "Excel", "Notepad" are not sentences).
ENGLISH = frozenset({
    "the", "and", "or", "not", "cannot", "could", "write", "written", "file", "files", "folder", "disk", "full",
    "open", "opened", "elsewhere", "error", "failed", "failure", "please", "kept", "previous", "outputs", "is", "are",
    "be", "must", "should", "with", "for", "while", "busy", "another", "program", "permission", "denied", "again",
    "unknown", "table", "key", "setting", "settings", "value", "line", "missing",
})  # fmt: skip


def constructors() -> list[str]:
    """Every public function of thidua.errors that makes an exception."""
    return sorted(
        name
        for name, member in inspect.getmembers(errors, inspect.isfunction)
        if member.__module__ == errors.__name__
        and not name.startswith("_")
        and str(inspect.signature(member).return_annotation).endswith("Error")
    )


def test_every_constructor_has_samples() -> None:
    assert constructors() == sorted(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sentence_is_whole_nfc_vietnamese(name: str) -> None:
    args, kwargs = SAMPLES[name]
    made = getattr(errors, name)(*args, **kwargs)
    assert isinstance(made, errors.ThiduaError)
    text = made.message
    assert text == str(made) and text.strip() == text and text
    assert text == unicodedata.normalize("NFC", text)
    assert not re.search(r"\{[A-Za-z_]*\}|%s|%d", text), text  # no placeholder left unfilled
    prose = text
    for value in [*args, *kwargs.values()]:  # the samples are ours: judge the sentence around them
        for shown in value if isinstance(value, list) else [value]:
            prose = prose.replace(str(shown), " ")
    words = re.findall(r"[^\W\d]+", prose.lower())  # a TOML name (max_rows) is one word
    assert not ENGLISH & set(words), (ENGLISH & set(words), text)
    assert sum(any(not ch.isascii() for ch in word) for word in words) >= 3, text  # it is Vietnamese


def test_the_desk_sentences_are_the_ones_users_know() -> None:
    """Gathered from the modules that said them, byte for byte."""
    assert errors.disk_full("tệp a.xlsx").message == (
        "Ổ đĩa đã đầy: không ghi được tệp a.xlsx. Hãy xoá bớt tệp không cần (hoặc chọn ổ đĩa khác) rồi chạy lại; "
        "kết quả cũ vẫn được giữ nguyên."
    )
    assert errors.history_disk_full("h.sqlite").message == (
        "Ổ đĩa đã đầy: không ghi được sổ lịch sử h.sqlite. Hãy xoá bớt tệp không cần rồi chạy lại; sổ lịch sử và "
        "kết quả cũ vẫn được giữ nguyên."
    )
    assert errors.write_failed("sổ lịch sử h.sqlite", reason="disk I/O error", folder="làm việc").message == (
        "Không ghi được sổ lịch sử h.sqlite (disk I/O error). Hãy kiểm tra ổ đĩa còn chỗ trống và thư mục làm việc "
        "cho phép ghi rồi chạy lại; kết quả cũ vẫn được giữ nguyên."
    )
    assert errors.cannot_write("tệp a.xlsx", OSError(errno.ENOSPC, "No space left on device")).message == (
        errors.disk_full("tệp a.xlsx").message
    )
    assert errors.cannot_write("tệp a.xlsx", OSError(errno.EROFS, "Read-only file system")).message == (
        "Không ghi được tệp a.xlsx. Hãy kiểm tra ổ đĩa còn chỗ trống và thư mục output cho phép ghi rồi chạy lại; "
        "kết quả cũ vẫn được giữ nguyên."
    )
    assert errors.write_failed("vào /ws/output", reason="Read-only file system").message == (
        "Không ghi được vào /ws/output (Read-only file system). Hãy kiểm tra ổ đĩa còn chỗ trống và thư mục cho "
        "phép ghi rồi chạy lại; kết quả cũ vẫn được giữ nguyên."
    )
    assert errors.open_elsewhere("2026-10/a.xlsx").message == (
        "Tệp 2026-10/a.xlsx đang mở trong một chương trình khác (ví dụ Excel) hoặc chỉ cho đọc. Hãy đóng tệp đó rồi "
        "chạy lại; kết quả cũ vẫn được giữ nguyên."
    )
    assert errors.outputs_not_written(["a.xlsx", "b"]).message == (
        "Không ghi được a.xlsx, b; kết quả cũ vẫn được giữ nguyên. Hãy chạy lại."
    )
    assert errors.history_busy("h.sqlite").message == (
        "Sổ lịch sử h.sqlite đang được một chương trình khác sử dụng (ví dụ phần mềm xem cơ sở dữ liệu). Hãy đóng "
        "chương trình đó rồi chạy lại; kết quả cũ vẫn được giữ nguyên."
    )
    assert errors.workspace_busy("ws", 10.0).message == (
        "Một lệnh thidua khác đang chạy trên thư mục làm việc ws (đã đợi 10 giây). Hãy đợi lệnh đó chạy xong (hoặc "
        "đóng cửa sổ đang chạy nó) rồi chạy lại."
    )
    assert (
        errors.month_not_run("2026-10").message
        == "Chưa có kết quả tháng 2026-10. Hãy chạy trước: thidua run --month 2026-10"
    )
    assert isinstance(errors.month_not_run("2026-10"), errors.UsageError)
    assert errors.STOPPED == "Đã dừng theo yêu cầu; kết quả cũ vẫn được giữ nguyên."


def test_a_single_settings_problem_is_said_as_it_is() -> None:
    assert errors.settings_problems(["Mục [text] tone_style sai."]).message == "Mục [text] tone_style sai."
    many = errors.settings_problems(["Mục [a] x sai.", "Mục [b] y sai."]).message
    assert (
        many.startswith("Tệp cấu hình thidua.toml có 2 chỗ cần sửa") and "\n- Mục [a] x sai.\n- Mục [b] y sai." in many
    )


# ----- a fault of ours while a file is read (issue #19 item 5)
# These tests need the catalogue entry `file-internal-error` in thidua.issues (added with this change).


def _fault(*_args: object, **_kwargs: object) -> Any:
    raise TypeError(f"a fault planted by the test, met in process {os.getpid()}")


def _planted(ws: Workspace, function: str) -> Any:
    """`function` of read.py failing on the submissions (the plan, read by the same reader, still reads)."""
    original = getattr(read, function)
    if function != "load_submission":
        return _fault

    def load(path: Path, *args: Any, **kwargs: Any) -> Any:
        return _fault() if ws.submissions.resolve() in path.resolve().parents else original(path, *args, **kwargs)

    return load


@pytest.mark.parametrize(
    ("function", "pool"),
    [("load_submission", False), ("load_submission", True), ("recognise", False)],
    ids=["loading", "loading-in-workers", "recognising"],
)
def test_a_fault_of_ours_is_logged_and_not_blamed_on_the_file(
    demo_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, function: str, pool: bool
) -> None:
    logs = tmp_path / "tmp"
    logs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(logs))  # thidua-loi.log goes here
    monkeypatch.setattr(read, function, _planted(demo_ws, function))
    if pool:  # read in worker processes (forked: they see the planted fault), as a big month is
        monkeypatch.setattr(read, "PARALLEL_FROM", 1)
        monkeypatch.setattr(os, "cpu_count", lambda: 2)
    month = api.month(demo_ws.root, "2022-05")
    issues = month.issues
    files = set(issues.loc[issues["code"] == read.INTERNAL_ERROR, "file"])
    assert files and files == set(month.result.files_read)  # every file met the fault, and each one says so
    assert not (issues["code"] == "file-unreadable").any()  # never "the file is damaged"
    assert not issues["message"].str.contains("hỏng").any()
    ours = issues[issues["code"] == read.INTERNAL_ERROR].iloc[0]
    assert ours["severity"] == "lỗi" and str(logs / "thidua-loi.log") in ours["message"]
    log = (logs / "thidua-loi.log").read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in log and "TypeError: a fault planted by the test" in log
    met_in = {int(pid) for pid in re.findall(r"met in process (\d+)", log)}
    assert (os.getpid() not in met_in) if pool else (met_in == {os.getpid()})  # a worker's traceback reached it
    assert "in _fault" in log
    assert log.count("Traceback") == len(met_in)  # one fault met by every file: its traceback written once (a process)
    assert all(rel in log for rel in files)  # and every file it was met on named


def test_what_the_file_itself_causes_stays_the_senders_cannot_open(demo_ws: Workspace) -> None:
    """A zip whose member header lies past its end (the guard met struct.error) is a damaged file, said as such."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("xl/workbook.xml", "<workbook/>")
    data = bytearray(buffer.getvalue())
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 42, len(data) - 10)  # the member's local header: past the end
    (demo_ws.submissions / "header-past-the-end.xlsx").write_bytes(bytes(data))
    issues = api.month(demo_ws.root, "2022-05").issues
    mine = issues[issues["file"] == "header-past-the-end.xlsx"]
    assert list(mine["code"]) == ["file-unreadable"]
    assert "tệp bị hỏng (một phần nội dung không giải nén được)" in mine["message"].iloc[0]


class PanicException(BaseException):
    """Named as pyo3 names a panic of the Rust parser (a BaseException)."""


@pytest.mark.parametrize(
    ("error", "the_files"),
    [
        (PanicException("calamine panicked"), True),
        (zipfile.BadZipFile("bad"), True),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), True),
        (MemoryError(), True),
        (TypeError("ours"), False),
        (AttributeError("ours"), False),
        (KeyError("ours"), False),
        (IndexError("ours"), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_a_failure_is_the_files_only_when_the_file_can_cause_it(error: BaseException, the_files: bool) -> None:
    assert read.caused_by_file(error) is the_files
