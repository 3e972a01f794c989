"""The guarded school year: the plan's dates checked against its year, `run` refusing to count a plan whose dates
lie outside it, and the history's months removable."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from thidua.cli import main
from thidua.core.calendar import SchoolYear, parse_school_year
from thidua.workspace.folder import Workspace


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.stderr and "ngoài dự kiến" not in result.stderr, result.stderr
    return result.exit_code, result.stdout, result.stderr


def _set_info(plan: Path, item: str, value: object) -> None:
    wb = openpyxl.load_workbook(plan)
    for row in wb["Thông tin chung"].iter_rows():
        if row[0].value == item:
            row[1].value = value
    wb.save(plan)


def _issue_rows(path: Path) -> list[tuple[object, ...]]:
    wb = openpyxl.load_workbook(path)
    sheet = wb.worksheets[1]
    return [row for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]]


def test_school_years_run_from_august_to_july() -> None:
    year = parse_school_year("2025–2026")
    assert year == SchoolYear(2025) == parse_school_year("2025 - 2026") == parse_school_year("2025")
    assert (year.start, year.end) == (dt.date(2025, 8, 1), dt.date(2026, 7, 31))
    assert (year.first_month, year.last_month) == ("2025-08", "2026-07")
    assert parse_school_year("2025–2027") is None and parse_school_year("năm nay") is None


def test_a_plan_whose_year_moved_without_its_dates_is_not_counted(demo_ws: Workspace) -> None:
    _set_info(demo_ws.plan_path, "Năm học", "2022–2023")  # the rounds and the deadline stay in 2021–2022
    code, _out, err = invoke("run", "-w", str(demo_ws.root), "--month", "2022-10")
    assert code == 1 and "chưa hợp lệ" in err and "kehoach.xlsx" in err
    assert not (demo_ws.root / "output" / "2022-10").exists()  # no summary, no workbook
    assert not (demo_ws.root / "thidua-lich-su.sqlite").exists()  # no history snapshot
    rows = _issue_rows(demo_ws.root / "output" / "kiem-tra-2022-10" / "danh-sach-loi-2022-10.xlsx")
    plan_rows = {(row[2], row[3]) for row in rows if row[1] == "kehoach.xlsx" and row[10] == "plan-outside-year"}
    assert plan_rows == {
        ("Thông tin chung", "B7"),  # the registration deadline
        ("Thông tin chung", "B15"),  # the vote's day
        ("Đợt thi đua", "B2"),
        ("Đợt thi đua", "C2"),
        ("Đợt thi đua", "B3"),
        ("Đợt thi đua", "C3"),
    }
    other_year = {row[1] for row in rows if row[10] == "template-other-year"}
    assert "dang-ky/DK thi dua To 2-3.xlsx" in other_year  # last year's files are named, not counted


def test_overlapping_rounds_are_named_at_their_cell(demo_ws: Workspace) -> None:
    wb = openpyxl.load_workbook(demo_ws.plan_path)
    wb["Đợt thi đua"]["B3"].value = dt.datetime(2022, 1, 10)  # Đợt 2 starts before Đợt 1 ends (15/01/2022)
    wb.save(demo_ws.plan_path)
    code, _out, _err = invoke("run", "-w", str(demo_ws.root), "--month", "2022-05")
    assert code == 1
    rows = _issue_rows(demo_ws.root / "output" / "kiem-tra-2022-05" / "danh-sach-loi-2022-05.xlsx")
    found = [(row[2], row[3]) for row in rows if row[10] == "plan-rounds-overlap"]
    assert found == [("Đợt thi đua", "B3")]


def test_a_year_the_plan_cannot_read_is_named(demo_ws: Workspace) -> None:
    _set_info(demo_ws.plan_path, "Năm học", "2021–2023")
    code, _out, err = invoke("run", "-w", str(demo_ws.root), "--month", "2021-10")
    assert code == 1 and "Năm học “2021–2023”" in err and "B6" in err


@pytest.mark.parametrize("written", ["2021-10", "10/2021"])
def test_history_remove_deletes_a_month_even_outside_the_year(demo_ws: Workspace, written: str) -> None:
    assert invoke("run", "-w", str(demo_ws.root), "--month", "2021-10")[0] == 0
    assert invoke("run", "-w", str(demo_ws.root), "--month", "2021-11")[0] == 0
    with closing(sqlite3.connect(demo_ws.root / "thidua-lich-su.sqlite")) as conn:  # as an old version left it
        conn.execute("UPDATE months SET month = '2020-10' WHERE month = '2021-11'")
        conn.execute("UPDATE targets SET month = '2020-10' WHERE month = '2021-11'")
        conn.commit()
    code, out, _err = invoke("history", "-w", str(demo_ws.root), "--remove", "10/2020")
    assert code == 0 and "Đã xóa tháng 10/2020" in out
    code, out, _err = invoke("history", "-w", str(demo_ws.root), "--remove", written)
    assert code == 0
    code, out, _err = invoke("history", "-w", str(demo_ws.root), "--remove", written)
    assert code == 1 and "không có tháng 10/2021" in out
    with closing(sqlite3.connect(demo_ws.root / "thidua-lich-su.sqlite")) as conn:
        assert conn.execute("SELECT COUNT(*) FROM months").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM targets").fetchone() == (0,)  # cascaded


def test_rounds_listed_out_of_order_are_named(demo_ws: Workspace) -> None:
    wb = openpyxl.load_workbook(demo_ws.plan_path)
    sheet = wb["Đợt thi đua"]
    first = [cell.value for cell in sheet[2]]
    second = [cell.value for cell in sheet[3]]
    for col, value in enumerate(second, start=1):  # Đợt 2 listed first
        sheet.cell(2, col).value = value
    for col, value in enumerate(first, start=1):
        sheet.cell(3, col).value = value
    wb.save(demo_ws.plan_path)
    code, _out, err = invoke("run", "-w", str(demo_ws.root), "--month", "2022-05")
    assert code == 1 and "chưa hợp lệ" in err
    rows = _issue_rows(demo_ws.root / "output" / "kiem-tra-2022-05" / "danh-sach-loi-2022-05.xlsx")
    assert [(row[2], row[3]) for row in rows if row[10] == "plan-rounds-order"] == [("Đợt thi đua", "B3")]
