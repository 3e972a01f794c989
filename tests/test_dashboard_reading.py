"""The dashboard as the principal reads it (issue #14): charts labelled with the targets' names, teams in number
order, colours that judge progress against the time elapsed, issue titles first and the notes about rows dated
after the month folded into one line per file. Built from the demo workspace and read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from thidua.counting.judgements import elapsed_share, pace_of
from thidua.counting.measure import MonthResult, attach_history
from thidua.issues import title_of
from thidua.pipeline import batch
from thidua.workspace.folder import Workspace
from thidua.writers.common import ERROR_BG, GOOD_BG, WARNING_BG
from thidua.writers.dashboard import (
    PACE_BEHIND,
    PACE_FAR_BEHIND,
    PACE_NOT_DUE,
    PACE_ON_PACE,
    SHEET_ISSUES,
    SHEET_MONTHS,
    SHEET_OVERVIEW,
    SHEET_RULES,
    SHEET_TEAMS,
    chart_label,
    team_order,
    write_dashboard,
)

from .conftest import table_at

AFTER_MONTH = "row-after-month"
RED, AMBER, GREEN = (f"FF{colour.lstrip('#')}" for colour in (ERROR_BG, WARNING_BG, GOOD_BG))


def _month(workspace: Workspace, month: str, folder: Path) -> tuple[MonthResult, Workbook]:
    # Computing reads the workspace and writes nothing: the session's demo workspace serves every test here.
    result = batch.compute(workspace, month)
    path = folder / f"tong-hop-thi-dua-{month}.xlsx"
    write_dashboard(result, path)
    return result, openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def october(demo_template_ws: Workspace, tmp_path_factory: pytest.TempPathFactory) -> tuple[MonthResult, Workbook]:
    """The registration month: almost nothing achieved yet, a fifth of the year gone."""
    return _month(demo_template_ws, "2021-10", tmp_path_factory.mktemp("october"))


@pytest.fixture(scope="module")
def may(demo_template_ws: Workspace, tmp_path_factory: pytest.TempPathFactory) -> tuple[MonthResult, Workbook]:
    """The month of the year-end vote: the year is final."""
    return _month(demo_template_ws, "2022-05", tmp_path_factory.mktemp("may"))


def _cells(wb: Workbook, ref: str) -> list[object]:
    """The values of the cells a chart reference such as 'Tổng quan'!$O$12:$O$22 points at."""
    sheet, _, area = ref.rpartition("!")
    ws = wb[sheet.strip("'").replace("''", "'")]
    min_col, min_row, max_col, max_row = range_boundaries(area.replace("$", ""))
    return [ws.cell(r, c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]


def _ref(data: object) -> str:
    """The formula of a chart's category or name reference, text or numbers."""
    for kind in ("strRef", "numRef"):
        found = getattr(data, kind, None)
        if found is not None:
            return str(found.f)
    raise AssertionError(f"no cell reference in {data!r}")


def _fill(ws: Worksheet, row: int, col: int) -> str | None:
    fill = ws.cell(row, col).fill
    return str(fill.fgColor.rgb) if fill.fill_type == "solid" else None


# ----- 1. charts labelled with names, never codes


def test_chart_label_shortens_long_names_at_a_word() -> None:
    assert chart_label("SKKN cấp huyện") == "SKKN cấp huyện"
    long = "Tham gia bài soạn video trực tuyến của Sở GD-ĐT tỉnh Kon Tum"
    shown = chart_label(long)
    assert len(shown) <= 40 and shown.endswith("…") and long.startswith(shown[:-1].rstrip())
    assert shown == "Tham gia bài soạn video trực tuyến của…"
    assert len(chart_label("x" * 90)) == 40  # one long word is cut where it must be


def test_overview_chart_categories_are_the_target_names(october: tuple[MonthResult, Workbook]) -> None:
    result, wb = october
    codes = set(result.targets["code"])
    names = [chart_label(name) for name in result.targets["name"]]
    chart = wb[SHEET_OVERVIEW]._charts[0]
    assert len(chart.series) == 3
    for series in chart.series:
        assert _cells(wb, _ref(series.cat)) == names
        assert _cells(wb, _ref(series.tx)) in (["Số chỉ tiêu"], ["Đăng ký"], ["Đạt được"])
    # the figures plotted are the table's, row for row with the names
    plotted = [_cells(wb, str(s.val.numRef.f)) for s in chart.series]
    assert plotted == [list(result.targets[col]) for col in ("target", "registered", "achieved")]
    assert not codes & {str(v) for v in names}


def test_trend_chart_series_are_the_target_names(demo_template_ws: Workspace, tmp_path: Path) -> None:
    result = batch.compute(demo_template_ws, "2022-05")
    codes = list(result.targets["code"])
    result = attach_history(result, {"2021-12": {code: (1, 0) for code in codes}})  # as measure does from the history
    path = tmp_path / "d.xlsx"
    write_dashboard(result, path)
    wb = openpyxl.load_workbook(path)
    name_of = dict(zip(codes, result.targets["name"], strict=True))
    chart = wb[SHEET_MONTHS]._charts[0]
    labels = [_cells(wb, _ref(s.tx))[0] for s in chart.series]
    assert labels == [chart_label(name_of[code]) for code in result.trend.columns]
    assert len(labels) > 1 and not set(codes) & set(map(str, labels))
    assert _cells(wb, _ref(chart.series[0].cat)) == ["12/2021", "05/2022"]


# ----- 2. teams: numbered first, in number order, then the others alphabetically


def test_team_order_is_natural_then_vietnamese() -> None:
    teams = ["Tổ văn phòng", "Tổ 10", "Tổ 4–5", "Tổ Âm nhạc", "Tổ 2–3", "Tổ Anh văn", "Tổ 1", "Tổ bảo vệ"]
    assert team_order(teams) == [
        "Tổ 1",
        "Tổ 2–3",
        "Tổ 4–5",
        "Tổ 10",
        "Tổ Anh văn",  # a before â in the Vietnamese alphabet
        "Tổ Âm nhạc",
        "Tổ bảo vệ",
        "Tổ văn phòng",
    ]


def test_team_sheet_lists_teams_in_order_with_their_figures(october: tuple[MonthResult, Workbook]) -> None:
    result, wb = october
    assert result.teams["team"].iloc[0] == "Tổ văn phòng"  # the plan's order, which the sheet does not keep
    _top, header, rows = table_at(wb[SHEET_TEAMS], "Tổ")
    assert [r[0] for r in rows] == ["Tổ 1", "Tổ 2–3", "Tổ 4–5", "Tổ văn phòng", "Tổng cộng"]
    members = dict(zip(result.teams["team"], result.teams["members"], strict=True))
    assert {r[0]: r[header.index("Số người")] for r in rows[:-1]} == members


# ----- 3. colours judge progress against the time elapsed


def test_elapsed_share_of_the_year(october: tuple[MonthResult, Workbook]) -> None:
    plan = october[0].plan
    assert (plan.movement_start, plan.movement_end) == (dt.date(2021, 9, 1), dt.date(2022, 5, 31))
    assert elapsed_share(plan, dt.date(2021, 10, 31)) == pytest.approx(60 / 272)
    assert elapsed_share(plan, dt.date(2021, 8, 31)) == 0.0
    assert elapsed_share(plan, dt.date(2022, 5, 31)) == 1.0
    assert elapsed_share(plan, dt.date(2022, 7, 31)) == 1.0


def test_pace_of_a_target() -> None:
    def pace(achieved: int, share: float, *, target: int = 9, registered: int = 9, year_end: bool = False) -> str:
        return pace_of(target, registered, achieved, share, year_end_only=year_end)

    assert pace(0, 0.22, year_end=True) == PACE_NOT_DUE  # titles are voted at the year's end
    assert pace(2, 0.22) == PACE_ON_PACE
    assert pace(0, 0.05) == PACE_NOT_DUE  # not one whole item due yet
    assert pace(0, 0.22) == PACE_BEHIND
    assert pace(5, 0.6) == PACE_ON_PACE
    assert pace(3, 0.6) == PACE_BEHIND
    assert pace(0, 0.6) == PACE_FAR_BEHIND
    assert pace(2, 0.22, registered=8) == PACE_BEHIND  # on pace, but the registrations cannot reach the target
    # the year is over: judged against the whole target
    assert pace(9, 1.0) == pace(9, 1.0, year_end=True) == PACE_ON_PACE
    assert pace(8, 1.0) == pace(8, 1.0, year_end=True) == PACE_BEHIND
    assert pace(0, 1.0, year_end=True) == PACE_FAR_BEHIND
    assert pace_of(None, 3, 3, 0.5, year_end_only=False) == PACE_NOT_DUE  # no number to reach


def test_october_colours_follow_the_pace(october: tuple[MonthResult, Workbook]) -> None:
    result, wb = october
    ws = wb[SHEET_OVERVIEW]
    top, header, rows = table_at(ws, "STT")
    status = header.index("Tình trạng") + 1
    code_of = dict(zip(result.targets["name"], result.targets["code"], strict=True))  # rows show names only
    fills = {code_of[r[1]]: _fill(ws, top + 1 + i, status) for i, r in enumerate(rows)}
    texts = {code_of[r[1]]: r[status - 1] for r in rows}
    assert texts == dict(zip(result.targets["code"], result.targets["status"], strict=True))  # text unchanged
    assert set(texts.values()) == {"Đủ đăng ký"}
    # at 0% in October, judged by the vote at the year's end: not due yet, not red
    assert result.targets.set_index("code").loc["TT_LDTT", "achieved_ratio"] == 0
    assert fills["TT_LDTT"] is None and fills["LDTT"] is None and fills["CSTDCS"] is None
    assert fills["VIDEO_SO"] == GREEN  # 2 of 9 with 22% of the year gone
    assert fills["TIET_HOC_YT"] == AMBER  # 0 of 6: behind, not far behind
    assert RED not in fills.values()
    # no colour scale paints a 0% ratio red whatever the time of year
    assert not [r for rng in ws.conditional_formatting for r in rng.rules if r.type == "colorScale"]
    values = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert any("Đã qua 22% thời gian năm học" in v for v in values)


def test_may_colours_judge_the_whole_target(may: tuple[MonthResult, Workbook]) -> None:
    result, wb = may
    ws = wb[SHEET_OVERVIEW]
    top, header, rows = table_at(ws, "STT")
    status = header.index("Tình trạng") + 1
    code_of = dict(zip(result.targets["name"], result.targets["code"], strict=True))  # rows show names only
    fills = {code_of[r[1]]: _fill(ws, top + 1 + i, status) for i, r in enumerate(rows)}
    by_code = result.targets.set_index("code")
    assert by_code.loc["VIDEO_SO", "status"] == "Không đạt" and fills["VIDEO_SO"] == AMBER  # 8 of 9
    met = [code for code, s in by_code["status"].items() if s in ("Đạt", "Vượt")]
    assert met and all(fills[code] == GREEN for code in met)
    values = [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]
    assert any("Đã qua 100% thời gian năm học" in v for v in values)


# ----- 4. issues: by their Vietnamese titles, no codes (the issue report's detailed sheet keeps them)

ISSUE_HEADER = ["STT", "Mức độ", "Vấn đề", "Tệp", "Trang tính", "Ô", "Giá trị", "Người", "Nội dung"]


@pytest.mark.parametrize("sheet", [SHEET_ISSUES, SHEET_RULES])
def test_issue_sheets_show_titles_and_no_codes(may: tuple[MonthResult, Workbook], sheet: str) -> None:
    result, wb = may
    _top, header, rows = table_at(wb[sheet], "STT")
    assert header == ISSUE_HEADER
    assert rows
    titles = {title_of(i.code) for i in result.issues}
    codes = {i.code for i in result.issues}
    for row in rows:
        assert row[2] in titles
        assert not codes & set(row)
        assert not any(re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", str(value)) for value in row)


# ----- 5. rows dated after the month: one line per file


def test_one_row_after_the_month_is_one_line(may: tuple[MonthResult, Workbook]) -> None:
    result, wb = may
    assert [i.cell for i in result.issues if i.code == AFTER_MONTH] == ["H7"]
    _top, header, rows = table_at(wb[SHEET_ISSUES], "STT")
    folded = [r for r in rows if r[2] == title_of(AFTER_MONTH)]
    assert len(folded) == 1
    assert folded[0][header.index("Tệp")] == "bao-cao/Bao cao ket qua to-4-5.xlsx"
    assert folded[0][header.index("Nội dung")] == "1 dòng ghi ngày sau tháng 05/2022 chưa được tính (ô H7)"
    assert folded[0][header.index("Giá trị")] == "03/06/2022"


def test_rows_after_the_month_fold_per_file(october: tuple[MonthResult, Workbook]) -> None:
    result, wb = october
    notes = [i for i in result.issues if i.code == AFTER_MONTH]
    files = list(dict.fromkeys(i.file for i in notes))
    assert len(notes) > len(files) > 1
    _top, header, rows = table_at(wb[SHEET_ISSUES], "STT")
    folded = [r for r in rows if r[2] == title_of(AFTER_MONTH)]
    assert [r[header.index("Tệp")] for r in folded] == files
    message = {r[header.index("Tệp")]: r[header.index("Nội dung")] for r in folded}
    # The vote's rows wait for the vote's day, whatever their decision dates: one note for the file (SPEC 3).
    vote = "binh-xet/Ket qua binh xet cuoi nam.xlsx"
    assert vote not in message
    waiting = [i for i in result.issues if i.code == "vote-before-day"]
    assert [(i.file, i.params["count"], i.params["vote"]) for i in waiting] == [(vote, 32, "31/05/2022")]
    team = "bao-cao/Bao cao ket qua to-4-5.xlsx"
    cells = [i.cell for i in notes if i.file == team]
    assert len(cells) == 10  # the first eight are listed
    listed = ", ".join(cells[:8])
    assert message[team] == f"10 dòng ghi ngày sau tháng 10/2021 chưa được tính (ô {listed}, …)"
    assert message["bao-cao/Bao cao ket qua to-van-phong.xlsx"] == (
        "1 dòng ghi ngày sau tháng 10/2021 chưa được tính (ô H6)"
    )
    # every other issue is still listed one by one, numbered on
    others = [i for i in result.issues if i.code != AFTER_MONTH and i.topic != "rule"]
    shown = [(r[2], r[-1]) for r in rows if r[2] != title_of(AFTER_MONTH)]
    assert shown == [(title_of(i.code), i.message) for i in others]
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
