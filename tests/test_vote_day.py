"""The year-end vote has a day of its own (SPEC 3, 4.2, 4.3; issue #21 item 1): the plan's `Ngày bình xét`
(default the last round's end). Vote rows count from that day and only from it, at every re-run of any month,
whatever the vote file's decision date (`Ngày quyết định`) says."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from thidua import api
from thidua.cli import main

VOTE_FILE = Path("submissions") / "binh-xet" / "Ket qua binh xet cuoi nam.xlsx"
SEPTEMBER, MAY, JUNE = "2026-09", "2027-05", "2027-06"
# The demo's vote (workspace/demo.py): 32 staff, 4 voted CSTĐCS, 5 no title, so 27 LĐTT counting the CSTĐCS.
VOTED = {"LDTT": 27, "CSTDCS": 4}


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("vote-day") / "ws"
    done = CliRunner().invoke(main, ["init", "--demo", "--school-year", "2026-2027", str(root)])
    assert done.exit_code == 0, done.output
    return root


def _copy(year: Path, tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(year, root)
    return root


def _run(root: Path, month: str) -> dict[str, object]:
    done = CliRunner().invoke(main, ["run", "-w", str(root), "--month", month, "--json"])
    assert done.exit_code in (0, 1), done.output
    assert "Traceback" not in done.stderr
    summary: dict[str, object] = json.loads(done.stdout)
    return summary


def _achieved(summary: dict[str, object]) -> dict[str, int]:
    targets = summary["targets"]
    assert isinstance(targets, list)
    return {t["code"]: t["achieved"] for t in targets if t["code"] in VOTED}


def _set_decision_dates(root: Path, day: dt.date | None) -> None:
    """The secretary fills (or empties) the recognition decision's date on every vote row."""
    path = root / VOTE_FILE
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = next(row for row in ws.iter_rows() if any(c.value == "Ngày quyết định" for c in row))
    col = next(c.column for c in header if c.value == "Ngày quyết định")
    for r in range(header[0].row + 1, ws.max_row + 1):
        if ws.cell(r, 2).value:
            ws.cell(r, col).value = day
    wb.save(path)


def _set_info(root: Path, item: str, value: object) -> None:
    path = root / "kehoach.xlsx"
    wb = openpyxl.load_workbook(path)
    rows = [row for row in wb["Thông tin chung"].iter_rows() if row[0].value == item]
    assert len(rows) == 1, item
    rows[0][1].value = value
    wb.save(path)


def _list(root: Path, month: str) -> Path:
    return root / "output" / month / f"de-nghi-khen-thuong-{month}.xlsx"


@pytest.mark.parametrize("decided", [None, dt.date(2027, 5, 25), dt.date(2027, 6, 5)])
def test_votes_count_on_the_vote_day_only_whatever_the_decision_date(
    year: Path, tmp_path: Path, decided: dt.date | None
) -> None:
    root = _copy(year, tmp_path)
    _set_decision_dates(root, decided)
    may = _run(root, MAY)
    assert _achieved(may) == VOTED  # the vote month: every title, the decision dated later or not at all
    assert may["nominations"]
    assert _list(root, MAY).exists()
    september = _run(root, SEPTEMBER)  # a re-run of an earlier month after the vote file arrived
    assert _achieved(september) == {"LDTT": 0, "CSTDCS": 0}
    assert "nominations" not in september
    assert not _list(root, SEPTEMBER).exists()
    status = {t["code"]: t["status"] for t in september["targets"]}  # type: ignore[union-attr]
    assert status["LDTT"] != "Vượt" and status["CSTDCS"] != "Vượt"
    # the board is told why the vote file counts nowhere yet, once for the file
    found = api.month(root, SEPTEMBER)
    waiting = found.issues[found.issues["code"] == "vote-before-day"]
    assert list(waiting["file"]) == [VOTE_FILE.relative_to("submissions").as_posix()]
    assert "31/05/2027" in waiting["message"].iloc[0]
    assert found.votes.empty and found.nominations.empty
    # the trend of the vote month, with September re-run, is not polluted by the vote
    trend = api.month(root, MAY).result.trend
    assert trend.loc[SEPTEMBER, "LDTT"] == 0 and trend.loc[SEPTEMBER, "CSTDCS"] == 0


def test_the_plan_names_the_vote_day_and_the_templates_the_decision_date(year: Path, tmp_path: Path) -> None:
    """`init` writes the vote day (the last round's end); a later day moves the titles to that month, and the
    vote template's date column is the decision's."""
    plan = openpyxl.load_workbook(year / "kehoach.xlsx")["Thông tin chung"]
    info = {row[0]: row[1] for row in plan.iter_rows(values_only=True)}
    assert info["Ngày bình xét"] == dt.datetime(2027, 5, 31)
    template = openpyxl.load_workbook(year / "input_templates" / "mau-binh-xet-cuoi-nam.xlsx").worksheets[0]
    labels = {c.value for row in template.iter_rows(max_row=10) for c in row}
    assert "Ngày quyết định" in labels and "Ngày" not in labels
    root = _copy(year, tmp_path)
    _set_info(root, "Ngày bình xét", dt.datetime(2027, 6, 3))
    may = _run(root, MAY)
    assert _achieved(may) == {"LDTT": 0, "CSTDCS": 0}
    assert not _list(root, MAY).exists()
    june = _run(root, JUNE)
    assert _achieved(june) == VOTED
    sheet = openpyxl.load_workbook(_list(root, JUNE)).worksheets[0]
    assert any("03/06/2027" in str(c.value) for row in sheet.iter_rows(max_row=12) for c in row if c.value)


def test_a_vote_day_outside_the_year_is_refused(year: Path, tmp_path: Path) -> None:
    root = _copy(year, tmp_path)
    _set_info(root, "Ngày bình xét", dt.datetime(2027, 8, 15))
    done = CliRunner().invoke(main, ["run", "-w", str(root), "--month", MAY])
    assert done.exit_code == 1
    assert not (root / "output" / MAY).exists()  # nothing counted with a vote day the year does not hold
    report = openpyxl.load_workbook(root / "output" / f"kiem-tra-{MAY}" / f"danh-sach-loi-{MAY}.xlsx").worksheets[1]
    found = {(r[2], r[3]) for r in report.iter_rows(min_row=4, values_only=True) if r[10] == "plan-outside-year"}
    assert found == {("Thông tin chung", "B15")}
