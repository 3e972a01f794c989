"""Monthly history: snapshots in SQLite, replaced on re-run, read back by the dashboard and `thidua history`."""

from __future__ import annotations

import hashlib
import sqlite3

import openpyxl
import pytest
from click.testing import CliRunner

from thidua.cli import main
from thidua.errors import ThiduaError
from thidua.pipeline.history import connect
from thidua.workspace.default_plan import PLAN
from thidua.workspace.folder import Workspace


def run(ws: Workspace, month: str) -> None:
    result = CliRunner().invoke(main, ["run", "-w", str(ws.root), "--month", month])
    assert result.exit_code == 0, result.output


def test_two_months_are_recorded_and_compared(demo_ws: Workspace) -> None:
    run(demo_ws, "2021-12")
    run(demo_ws, "2022-05")
    db = sqlite3.connect(demo_ws.root / "thidua-lich-su.sqlite")
    assert db.execute("PRAGMA user_version").fetchone() == (3,)
    assert db.execute("SELECT month, errors FROM months ORDER BY month").fetchall() == [("2021-12", 0), ("2022-05", 0)]
    achieved = dict(db.execute("SELECT code, achieved FROM targets WHERE month = '2021-12'").fetchall())
    assert achieved["VIDEO_SO"] == 4 and achieved["TIET_HOC_YT"] == 4 and achieved["LDTT"] == 0
    files = dict(db.execute("SELECT path, sha256 FROM files WHERE month = '2022-05'").fetchall())
    path = "binh-xet/Ket qua binh xet cuoi nam.xlsx"
    assert files[path] == hashlib.sha256((demo_ws.submissions / path).read_bytes()).hexdigest()
    assert db.execute("SELECT count(*) FROM persons WHERE month = '2022-05'").fetchone() == (32,)

    wb = openpyxl.load_workbook(demo_ws.root / "output" / "2022-05" / "tong-hop-thi-dua-2022-05.xlsx")
    overview = wb["Tổng quan"]
    header = [c.value for c in overview[11]]
    change = header.index("Thay đổi so với 12/2021")  # names the month it is measured from: the last one recorded
    rows = {r[1]: r for r in overview.iter_rows(min_row=12, max_row=22, values_only=True)}  # by the targets' names
    video, ldtt = (next(t.name for t in PLAN.targets if t.code == code) for code in ("VIDEO_SO", "LDTT"))
    assert rows[video][change] == 8 - 4 and rows[ldtt][change] == 27
    months = [r[0] for r in wb["Theo tháng"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert months == ["12/2021", "05/2022"]
    assert wb["Theo tháng"]._charts, "a native line chart"


def test_rerunning_a_month_replaces_its_snapshot(demo_ws: Workspace) -> None:
    run(demo_ws, "2022-05")
    (demo_ws.submissions / "binh-xet" / "Ket qua binh xet cuoi nam.xlsx").unlink()
    run(demo_ws, "2022-05")
    db = sqlite3.connect(demo_ws.root / "thidua-lich-su.sqlite")
    assert db.execute("SELECT count(*) FROM months").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM targets").fetchone() == (11,)
    assert db.execute("SELECT achieved FROM targets WHERE code = 'LDTT'").fetchone() == (0,)


def test_a_database_from_a_newer_version_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "h.sqlite"
    sqlite3.connect(path).execute("PRAGMA user_version = 99")
    with pytest.raises(ThiduaError, match="phiên bản thidua mới hơn"), connect(path):
        pass


def test_history_command_lists_months(demo_ws: Workspace) -> None:
    runner = CliRunner()
    assert "Chưa có tháng nào" in runner.invoke(main, ["history", "-w", str(demo_ws.root)]).stdout
    run(demo_ws, "2021-10")
    out = runner.invoke(main, ["history", "-w", str(demo_ws.root)]).stdout
    assert "2021-10" in out and "Chưa gửi báo cáo nào." in out


@pytest.mark.slow
def test_progress_shows_on_a_terminal_and_stays_quiet_otherwise(demo_ws: Workspace) -> None:
    import os
    import pty
    import subprocess
    import sys

    command = [sys.executable, "-m", "thidua", "run", "-w", str(demo_ws.root), "--month", "2022-05"]
    piped = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert piped.returncode == 0 and piped.stderr == ""
    master, slave = pty.openpty()
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=slave, timeout=120, check=False)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    assert done.returncode == 0
    text = seen.decode("utf-8")
    assert "Đang đọc các tệp đã nộp" in text and "21/21 tệp (100%)" in text and "Đang ghi kết quả" in text


def test_a_roster_with_a_repeated_stt_is_recorded(demo_ws: Workspace) -> None:
    path = demo_ws.plan_path
    wb = openpyxl.load_workbook(path)
    wb["Danh sách CBGVNV"]["A3"] = 1  # two people numbered 1
    wb.save(path)
    run(demo_ws, "2022-05")
    db = sqlite3.connect(demo_ws.root / "thidua-lich-su.sqlite")
    assert db.execute("SELECT count(*), count(DISTINCT position) FROM persons").fetchone() == (32, 32)


def test_a_version_1_history_is_migrated_keeping_its_months(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "h.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE months (month TEXT PRIMARY KEY, school TEXT NOT NULL, school_year TEXT NOT NULL, as_of TEXT "
        "NOT NULL, recorded_at TEXT NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL, notes INTEGER NOT "
        "NULL, files INTEGER NOT NULL);"
        "CREATE TABLE persons (month TEXT NOT NULL, stt INTEGER NOT NULL, name TEXT NOT NULL, birth_date TEXT, "
        "team TEXT, registered_title TEXT, initiative TEXT, results INTEGER NOT NULL, voted_title TEXT, "
        "submitted INTEGER NOT NULL, PRIMARY KEY (month, stt));"
        "INSERT INTO months VALUES ('2021-10', 'T', '2021–2022', '2021-10-31', 'x', 0, 0, 0, 3);"
        "INSERT INTO persons VALUES ('2021-10', 7, 'B', NULL, 'Tổ 1', 'Lao động tiên tiến', '', 0, NULL, 1);"
        "INSERT INTO persons VALUES ('2021-10', 3, 'A', NULL, 'Tổ 1', NULL, '', 0, NULL, 0);"
        "PRAGMA user_version = 1;"
    )
    old.close()
    with connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (3,)
        rows = conn.execute("SELECT position, stt, name FROM persons ORDER BY position").fetchall()
        assert conn.execute("SELECT COUNT(*) FROM received").fetchone() == (0,)  # version 3 adds the mailbox
    assert rows == [(0, 3, "A"), (1, 7, "B")]


def test_history_times_are_shown_in_vietnams_time(demo_ws: Workspace) -> None:
    run(demo_ws, "2021-10")
    db = sqlite3.connect(demo_ws.root / "thidua-lich-su.sqlite")
    with db:  # stored in UTC: 17:05 on 31/10 is five past midnight on 1/11 in Vietnam
        db.execute("UPDATE months SET recorded_at = '2026-10-31T17:05:00+00:00'")
        db.execute(
            "INSERT INTO sends (month, attempted_at, recipients, message_id, status, detail) "
            "VALUES ('2021-10', '2026-11-02T01:30:00+00:00', 'vhxh@xa.example.vn', '<a@b>', 'đã gửi', '')"
        )
    db.close()
    result = CliRunner().invoke(main, ["history", "-w", str(demo_ws.root)])
    assert result.exit_code == 0, result.output
    assert "01/11/2026 00:05" in result.output and "02/11/2026 08:30" in result.output
    assert "T17:05" not in result.output and "+00:00" not in result.output and "UTC" not in result.output
