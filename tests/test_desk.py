"""A real desk (issue #12): another run at the same time, a history held by another program, an output file open
in Excel, a history that cannot commit. Each time: a clear message, exit 1, and the previous outputs and history
exactly as they were, nothing left behind."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from thidua.cli import main
from thidua.pipeline import history
from thidua.workspace import folder as workspace
from thidua.workspace.folder import LOCK_FILE, Workspace

MONTH = "2022-05"


def invoke(ws: Workspace) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", "-w", str(ws.root), "--month", MONTH])
    assert "sự cố ngoài dự kiến" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    return result.exit_code, result.stderr


def state(ws: Workspace) -> tuple[dict[str, str], list[tuple[object, ...]], list[str]]:
    """The month's outputs (file → digest), the history's month rows, and every name beside the month folder."""
    folder = ws.month_dir(MONTH)
    outputs = {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
    with contextlib.closing(sqlite3.connect(ws.history_path)) as conn:
        months = conn.execute("SELECT * FROM months ORDER BY month").fetchall()
    return outputs, months, sorted(p.name for p in ws.output.iterdir())


@pytest.fixture(scope="module")
def ran_once(demo_template_ws: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The demo workspace after one clean run of the month, made once for the module; tests change only a copy."""
    ws = Workspace(shutil.copytree(demo_template_ws.root, tmp_path_factory.mktemp("ran") / "ws"))
    assert invoke(ws)[0] == 0
    return ws


@pytest.fixture
def ran(ran_once: Workspace, tmp_path: Path) -> Workspace:
    """The demo workspace after one clean run of the month: a fresh copy for one test."""
    return Workspace(shutil.copytree(ran_once.root, tmp_path / "ws"))


def _holder(code: str) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    try:
        yield process
    finally:
        process.kill()
        process.wait()
        process.stdout.close()


def _holding_history(ws: Workspace) -> str:
    """A program that holds the history database for writing, as a database browser left open does."""
    return (
        "import sqlite3, time\n"
        f"conn = sqlite3.connect({str(ws.history_path)!r}, isolation_level=None)\n"
        "conn.execute('BEGIN EXCLUSIVE')\nprint('held', flush=True)\ntime.sleep(60)\n"
    )


def test_a_second_run_waits_then_says_another_is_running(ran: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workspace, "LOCK_WAIT", 0.3)
    before = state(ran)
    code = (
        "import sys, time\nfrom filelock import FileLock\n"
        f"lock = FileLock({str(ran.root / LOCK_FILE)!r}); lock.acquire()\nprint('held', flush=True)\ntime.sleep(60)\n"
    )
    for holder in _holder(code):
        exit_code, err = invoke(ran)
        assert exit_code == 1 and "Một lệnh thidua khác đang chạy" in err
        assert state(ran) == before
        holder.send_signal(signal.SIGKILL)  # a run killed with the lock held never blocks the next
        holder.wait()
        assert invoke(ran)[0] == 0


def test_a_history_held_by_another_program_is_busy_not_damaged(ran: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "BUSY_WAIT", 0.2)
    before = state(ran)
    code = _holding_history(ran)
    for _holder_process in _holder(code):
        exit_code, err = invoke(ran)
        assert exit_code == 1 and "đang được một chương trình khác sử dụng" in err and "hỏng" not in err
    assert state(ran) == before
    assert invoke(ran)[0] == 0


def test_an_output_open_in_excel_is_named_and_nothing_changes(ran: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    before = state(ran)
    dashboard = ran.month_dir(MONTH) / f"tong-hop-thi-dua-{MONTH}.xlsx"
    opened = Path.open

    def excel_holds(self: Path, mode: str = "r", *args: object, **kwargs: object) -> object:
        if self == dashboard and "+" in mode:  # Windows: a file open in Excel cannot be opened for writing
            raise PermissionError(13, "The process cannot access the file", str(self))
        return opened(self, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", excel_holds)
    exit_code, err = invoke(ran)
    assert exit_code == 1 and f"tong-hop-thi-dua-{MONTH}.xlsx" in err and "Hãy đóng tệp" in err
    assert state(ran) == before


def test_a_folder_windows_will_not_rename_keeps_the_previous_month(
    ran: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = state(ran)
    renamed = Path.rename
    final = ran.month_dir(MONTH)

    def refused(self: Path, target: object) -> Path:
        if self == final:
            error = PermissionError(13, "The process cannot access the file because it is being used")
            error.winerror = 32  # type: ignore[attr-defined]  # what Windows says for a file open in Excel
            raise error
        return renamed(self, target)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "rename", refused)
    exit_code, err = invoke(ran)
    assert exit_code == 1 and "đang mở" in err and "kết quả cũ vẫn được giữ nguyên" in err
    assert state(ran) == before


def test_a_history_that_cannot_commit_brings_the_previous_outputs_back(
    ran: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = state(ran)
    pending = history.pending_month

    @contextlib.contextmanager
    def failing(path: Path, result: object) -> Iterator[object]:
        with pending(path, result) as _commit:  # type: ignore[arg-type]

            def commit() -> None:
                raise sqlite3.OperationalError("disk I/O error")

            yield commit

    monkeypatch.setattr(history, "pending_month", failing)
    exit_code, err = invoke(ran)
    assert exit_code == 1 and "Lỗi:" in err
    assert state(ran) == before  # the new outputs were swapped in, then taken out again


def test_the_next_run_after_a_refused_one_is_clean(ran: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "BUSY_WAIT", 0.1)
    code = _holding_history(ran)
    for _holder_process in _holder(code):
        assert invoke(ran)[0] == 1
    started = history.now()
    assert invoke(ran)[0] == 0
    outputs, months, names = state(ran)
    assert outputs and names == [MONTH] and len(months) == 1  # no staging left, one snapshot
    assert months[0][4] >= started  # recorded by this run (ISO times in UTC compare as text)


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status  # a zombie has ended


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_files_are_read_stops_everything_cleanly(ran: Workspace, signum: int) -> None:
    for copy in range(30):  # enough files to be read by a pool of workers for a while
        for path in sorted((ran.submissions / "dang-ky").rglob("*.xlsx")):
            target = ran.submissions / "nhieu" / str(copy) / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    before = state(ran)
    command = [sys.executable, "-m", "thidua", "run", "-w", str(ran.root), "--month", MONTH]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
        workers |= _children(process.pid)
        time.sleep(0.01)
    assert workers, "the run finished before its workers could be seen"
    process.send_signal(signum)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum if signum != signal.SIGINT else process.returncode == 130
    assert "Đã dừng theo yêu cầu; kết quả cũ vẫn được giữ nguyên." in err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(w) for w in workers), "a reading worker outlived the run"
    assert state(ran) == before  # outputs, history and the output folder as they were


# ----- the plan and the settings are untrusted input (#12, item 8)


@pytest.mark.parametrize(
    ("setting", "shown"),
    [("inf", "inf"), ("nan", "nan"), ("-3", "-3"), ('"nhiều"', "'nhiều'"), ("1e30", "1e+30"), ("2.5", "2.5")],
)
def test_a_limit_that_makes_no_sense_is_named(ran: Workspace, setting: str, shown: str) -> None:
    settings = ran.root / "thidua.toml"
    text = settings.read_text(encoding="utf-8")
    assert "\nmax_rows = 50000" in text
    settings.write_text(text.replace("\nmax_rows = 50000", f"\nmax_rows = {setting}"), encoding="utf-8")
    before = state(ran)
    exit_code, err = invoke(ran)
    assert exit_code == 1 and "[limits] max_rows" in err and shown in err and "số nguyên dương" in err
    assert state(ran) == before


@pytest.mark.slow
def test_a_zip_bomb_plan_is_refused_like_a_submission(ran: Workspace) -> None:
    from . import hostile

    before = state(ran)
    plan = ran.plan_path.read_bytes()
    hostile.zip_bomb(ran.plan_path, ran.templates / "mau-dang-ky-thi-dua.xlsx")
    exit_code, err = invoke(ran)
    assert exit_code == 1 and "Không dùng được tệp kế hoạch kehoach.xlsx" in err and "giải nén" in err
    assert state(ran) == before
    ran.plan_path.write_bytes(plan)
    assert invoke(ran)[0] == 0


# ----- names (#12, item 7)


@pytest.mark.skipif(sys.platform == "win32", reason="names that are not UTF-8 exist on POSIX file systems")
def test_any_name_is_read_and_its_return_copy_is_a_short_ascii_name(empty_ws: Workspace) -> None:
    import os
    from pathlib import PureWindowsPath

    from thidua.forms import template_fields
    from thidua.workspace.demo import _fill
    from thidua.writers.return_copies import WINDOWS_RESERVED

    from .conftest import D, reg_row

    template = empty_ws.templates / f"{template_fields.FILE_NAMES[template_fields.REGISTRATION]}.xlsx"
    people = ("Đinh Thị Mai", "Y Blưm", "A Thuận")  # late registrations: a warning, so each file gets a copy
    names = [
        b"cu/DK \xff\xfe thi dua.xlsx",  # not UTF-8, as old unzip tools leave names
        ("Phiếu đăng ký thi đua của tổ hai ba năm học " * 5).encode()[:240] + b".xlsx",  # near the name limit
        b"CON.xlsx",  # a device name on Windows
    ]
    for raw, person in zip(names, people, strict=True):
        target = os.path.join(os.fsencode(empty_ws.submissions), raw)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        _fill(template, Path(os.fsdecode(target)), [reg_row(person, "LĐTT", date=D(2021, 10, 20))])
    result = CliRunner().invoke(main, ["run", "-w", str(empty_ws.root), "--month", "2021-10"])
    assert result.exit_code in (0, 1) and "sự cố" not in result.stderr, result.stderr
    copies = sorted(p.name for p in (empty_ws.month_dir("2021-10") / "tra-lai").iterdir())
    assert len(copies) == len(names) and len(set(copies)) == len(copies)
    for name in copies:
        assert name.isascii() and len(name) <= 90, name
        assert name.split(".")[0] not in WINDOWS_RESERVED
        assert (
            len(str(PureWindowsPath("C:/Users/Thu ky/Documents/thidua-2026-2027/output/2021-10/tra-lai", name))) < 260
        )
    with contextlib.closing(sqlite3.connect(empty_ws.history_path)) as conn:
        stored = [path for (path,) in conn.execute("SELECT path FROM files")]
    assert "cu/DK \\xff\\xfe thi dua.xlsx" in stored  # shown readably, two such names kept apart


# ----- deep trees and special files (#12, item 10)


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and symbolic links as POSIX makes them")
def test_deep_trees_links_and_pipes_are_walked_noted_and_never_waited_on(ran: Workspace) -> None:
    import os

    from .frames import figures

    before = figures(__import__("thidua.pipeline.batch", fromlist=["compute"]).compute(ran, MONTH))
    deep = levels = ran.submissions / "sau"
    for _level in range(1200):  # deeper than Python's recursion limit (os.makedirs itself would overflow)
        levels.mkdir()
        levels = levels / "a"
    elsewhere = ran.root.parent / "ngoai"
    (elsewhere / "con").mkdir(parents=True)
    (ran.submissions / "lien-ket").symlink_to(elsewhere, target_is_directory=True)
    os.mkfifo(ran.submissions / "ong-dan.xlsx")  # reading it would wait for a writer forever
    result = CliRunner().invoke(main, ["run", "-w", str(ran.root), "--month", MONTH, "--json"])
    assert result.exit_code == 0, result.stderr
    summary = __import__("json").loads(result.stdout)
    assert {t["code"]: (t["registered"], t["achieved"]) for t in summary["targets"]} == before
    from thidua.pipeline.batch import compute

    found = {(i.code, i.file) for i in compute(ran, MONTH).issues}
    assert ("folder-link-skipped", "lien-ket") in found
    assert ("file-skipped-special", "ong-dan.xlsx") in found
    while levels != deep:  # removed from the bottom up: shutil.rmtree recurses too
        levels = levels.parent
        levels.rmdir()


# ----- sheet geometry (#12, item 6)


@pytest.mark.parametrize(
    ("corner", "code"),
    [
        ("XFD1048576", "sheet-too-many-rows"),  # the sheet's last cell: a million rows by 16,384 columns
        ("ZZ49999", "sheet-too-large"),  # within the rows, but 35 million cells
        ("XFD40", "required-missing"),  # 655,360 cells: read, and the stray row is an error row, not counted
    ],
)
def test_a_cell_at_the_far_corner_is_refused_and_the_month_runs(ran: Workspace, corner: str, code: str) -> None:
    from . import hostile

    good = sorted((ran.submissions / "dang-ky").rglob("*.xlsx"))[0]
    before = {t: c for t, c in __import__("json").loads(_json_run(ran))["targets_by_code"].items()}
    far = ran.submissions / "xa.xlsx"
    hostile.far_corner(far, good, corner)
    after = __import__("json").loads(_json_run(ran))
    assert after["targets_by_code"] == before  # the file's rows are the same as a good file's: counted once
    from thidua.pipeline.batch import compute

    issues = [(i.code, i.file) for i in compute(ran, MONTH).issues if i.file == "xa.xlsx"]
    assert (code, "xa.xlsx") in issues


def _json_run(ws: Workspace) -> str:
    import json

    result = CliRunner().invoke(main, ["run", "-w", str(ws.root), "--month", MONTH, "--json"])
    assert result.exit_code in (0, 1) and "sự cố" not in result.stderr, result.stderr
    summary = json.loads(result.stdout)
    summary["targets_by_code"] = {t["code"]: [t["registered"], t["achieved"]] for t in summary["targets"]}
    return json.dumps(summary)


def test_limits_keep_decimals_where_they_mean_sizes() -> None:
    from thidua.errors import ThiduaError
    from thidua.intake.guard import Limits

    limits = Limits.from_settings({"limits": {"max_file_mb": 2.5, "max_ratio": 12.5, "max_rows": 100}})
    assert (limits.max_file_mb, limits.max_ratio, limits.max_rows) == (2.5, 12.5, 100)
    with pytest.raises(ThiduaError, match="max_rows"):
        Limits.from_settings({"limits": {"max_rows": 2.5}})


@pytest.mark.parametrize(
    ("xml", "long", "wide"),
    [
        (b'<sheetData><row r="2"><c r="O1048576"><v>1</v></c></row></sheetData>', 1048576, ""),  # beyond its row
        (b'<x:sheetData><x:row><x:c r="xfd900"><x:v>1</x:v></x:c></x:row></x:sheetData>', 0, "XFD900"),  # prefixes
        (b'<sheetData><row r="3"><c r="XFD300" s="3"/></row></sheetData>', 0, ""),  # an empty formatted cell
        (b"<sheetData>" + b"<row><c><v>1</v></c></row>" * 3 + b"</sheetData>", 0, ""),  # rows without numbers
    ],
)
def test_the_geometry_bound_reads_the_cells_as_the_parser_does(xml: bytes, long: int, wide: str) -> None:
    from thidua.intake.guard import Inspection, Limits, _inspect_sheet

    found = Inspection()
    _inspect_sheet(xml, "S", Limits(), found)
    assert found.too_long.get("S", 0) == long and found.too_wide.get("S", "") == wide


def test_a_history_that_cannot_be_written_is_not_called_damaged(tmp_path: Path) -> None:
    from thidua.pipeline.history import _failure

    failed = _failure(tmp_path / "h.sqlite", sqlite3.OperationalError("disk I/O error"))
    assert "Không ghi được sổ lịch sử" in failed.message and "hỏng" not in failed.message
    garbage = tmp_path / "rac.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(sqlite3.DatabaseError) as caught, contextlib.closing(sqlite3.connect(garbage)) as conn:
        conn.execute("SELECT * FROM months")
    assert "bị hỏng" in _failure(garbage, caught.value).message


# --- a full disk, a read-only output folder -------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MiB file system (tmpfs), so that writes fail with ENOSPC as on a full disk."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4M", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("mounting a small file system needs root (CI runs as root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave_kib: int) -> None:
    """Fill the disk so that about `leave_kib` KiB stay free."""
    import os

    filler = disk / "filler"
    filler.unlink(missing_ok=True)
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    with filler.open("wb") as out:
        out.truncate(0)
        out.write(b"\0" * max(0, free - leave_kib * 1024))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in its own process, as a user runs it: stderr whole, destructors and exit included."""
    return subprocess.run([sys.executable, "-m", "thidua", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a tmpfs mount")
def test_a_full_disk_is_named_and_nothing_changes(ran: Workspace, small_disk: Path) -> None:
    root = small_disk / "ws"
    shutil.copytree(ran.root, root)
    ws = Workspace(root, {})
    before = state(ws)
    inputs = {p: p.read_bytes() for p in root.joinpath("submissions").rglob("*") if p.is_file()}
    seen = set()
    for leave in (4, 16, 40, 64, 96):  # from the first output to the history's commit
        _fill(small_disk, leave)
        done = _cli("run", "-w", str(root), "--month", MONTH)
        err = done.stderr
        if done.returncode == 0 and leave > 40:
            break  # enough room for this month after all
        assert done.returncode == 1, err
        assert "Traceback" not in err and "Exception ignored" not in err and "ngoài dự kiến" not in err, err
        assert "Ổ đĩa đã đầy" in err, err
        seen.add(err.split(". ")[0])  # what could not be written
        assert state(ws) == before  # outputs, history and the output folder's names as they were
        assert {p: p.read_bytes() for p in inputs} == inputs
    assert len(seen) >= 2, seen  # the disk ran out at different steps
    (small_disk / "filler").unlink()
    assert _cli("run", "-w", str(root), "--month", MONTH).returncode == 0  # room again: the month runs


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a tmpfs mount")
def test_init_on_a_full_disk_leaves_nothing_half_made(small_disk: Path) -> None:
    _fill(small_disk, 8)
    done = _cli("init", str(small_disk / "moi"))
    assert done.returncode == 1 and "Ổ đĩa đã đầy" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not (small_disk / "moi").exists()
    (small_disk / "filler").unlink()
    assert _cli("init", str(small_disk / "moi")).returncode == 0  # not refused because of a half-made plan


@pytest.mark.skipif(sys.platform == "win32" or not hasattr(__import__("os"), "geteuid"), reason="POSIX modes")
def test_a_read_only_output_folder_is_named_and_nothing_changes(ran: Workspace) -> None:
    import os

    if os.geteuid() == 0:  # root writes anyway: make the folder immutable instead, when the file system allows it
        made = subprocess.run(["chattr", "+i", str(ran.output)], capture_output=True)
        if made.returncode != 0:
            pytest.skip("chattr is not available here")
    else:
        ran.output.chmod(0o555)
    before = state(ran)
    try:
        done = _cli("run", "-w", str(ran.root), "--month", MONTH)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(ran.output)], check=True)
        else:
            ran.output.chmod(0o755)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "ngoài dự kiến" not in done.stderr, done.stderr
    assert "output" in done.stderr and "kết quả cũ vẫn được giữ nguyên" in done.stderr, done.stderr
    assert state(ran) == before


def _far_ods(path: Path, empty_rows: int, empty_columns: int, quoted: bool = False) -> None:
    """An OpenDocument sheet with one value far from its data, as LibreOffice saves a cell typed there: repeated
    empty rows and columns before it. `quoted`: the repeat counts written as XML also allows (single quotes, spaces
    around "="), as a parser reads them all the same."""
    import zipfile

    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Đăng ký">'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>STT</text:p></table:table-cell>'
        "</table:table-row>"
        f'<table:table-row table:number-rows-repeated="{empty_rows}"><table:table-cell/></table:table-row>'
        f'<table:table-row><table:table-cell table:number-columns-repeated="{empty_columns}"/>'
        '<table:table-cell office:value-type="string"><text:p>xa</text:p></table:table-cell></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    if quoted:
        content = re.sub(r'(repeated)="(\d+)"', r"\1 = '\2'", content)
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        package.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        package.writestr("content.xml", content, zipfile.ZIP_DEFLATED)


@pytest.mark.parametrize(
    ("empty_rows", "empty_columns", "expected", "shown", "quoted"),
    [
        (1_048_574, 16_383, "sheet-too-many-rows", "1,048,576", False),
        (100_000, 16_383, "sheet-too-many-rows", "100,002", False),
        (3_000, 16_383, "sheet-too-large", "XFD3002", False),
        (3_000, 16_383, "sheet-too-large", "XFD3002", True),
    ],
)
def test_an_ods_sheet_reaching_far_is_refused_and_the_month_runs(
    ran: Workspace, empty_rows: int, empty_columns: int, expected: str, shown: str, quoted: bool
) -> None:
    good = _json_run(ran)
    _far_ods(ran.submissions / "xa.ods", empty_rows, empty_columns, quoted)
    code, err = invoke(ran)
    assert code == 1, err
    summary = json.loads((ran.month_dir(MONTH) / "summary.json").read_text(encoding="utf-8"))
    assert summary["files_read"] == json.loads(good)["files_read"] + 1
    with contextlib.closing(openpyxl.load_workbook(ran.month_dir(MONTH) / f"danh-sach-loi-{MONTH}.xlsx")) as book:
        rows = [row for row in book.worksheets[1].iter_rows(values_only=True) if row[1] == "xa.ods"]
    assert len(rows) == 1 and rows[0][10] == expected and shown in rows[0][8], rows


def test_a_parser_panic_on_the_plan_is_one_sentence_and_logged(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """python-calamine's Rust code can panic on a file; pyo3 raises that as a BaseException named PanicException.
    On a submission the reader says the file is damaged; on the plan, read in this process, it reached the user as
    a traceback. It is the last guard's sentence now, its details in the log."""
    import thidua.intake.read as read

    class PanicException(BaseException):  # pyo3's own is not importable: matched by name, as the reader does
        pass

    load_sheets = read.load_sheets
    plan_size = demo_ws.plan_path.stat().st_size

    def panicking(source: object, *args: object) -> object:
        if isinstance(source, bytes) and len(source) == plan_size:
            raise PanicException("called `Option::unwrap()` on a `None` value")
        return load_sheets(source, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(read, "load_sheets", panicking)
    logs = demo_ws.root / "logs"
    logs.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(logs))  # the log of thidua's own failures goes there
    result = CliRunner().invoke(main, ["run", "--month", "2022-05", "-w", str(demo_ws.root)])
    assert result.exit_code == 1
    assert "sự cố ngoài dự kiến" in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert "PanicException" in (logs / "thidua-loi.log").read_text(encoding="utf-8")
    assert not (demo_ws.root / "output" / "2022-05").exists()
