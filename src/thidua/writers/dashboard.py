"""Dashboard workbook for the principal: the month's `MonthResult` laid out as overview (with chart and
conditional formatting), per team, per person, who has not submitted, and every issue. What it decides is only
how to show the figures: short chart labels, the teams' reading order, the colour a target's pace earns, and the
notes about rows dated after the month folded into one line per file."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from thidua.core.calendar import month_label
from thidua.core.text import clean, name_sort_key
from thidua.counting.dossier import timely_rewards
from thidua.counting.frames import as_date, rows
from thidua.counting.judgements import (
    PACE_BEHIND,
    PACE_FAR_BEHIND,
    PACE_NOT_DUE,
    PACE_ON_PACE,
)
from thidua.counting.measure import (
    HAS_ERRORS,
    NAME_UNMATCHED,
    NOT_SUBMITTED,
    MonthResult,
)
from thidua.excel.workbook import new_workbook
from thidua.issues import TOPIC_RULE, Issue
from thidua.writers.common import (
    DATE,
    ERROR_BG,
    ERROR_FG,
    GOOD_BG,
    GOOD_FG,
    NO_ISSUES,
    WARNING_BG,
    WARNING_FG,
    Format,
    Styles,
    Workbook,
    Worksheet,
    add_sheet,
    cell_dates,
    merge_text,
    page_setup,
    upper,
    write_count,
    write_date,
    write_header,
    write_issue_table,
    write_ratio,
    write_text,
)

SHEET_OVERVIEW = "Tổng quan"
SHEET_TEAMS = "Theo tổ"
SHEET_PERSONS = "Theo cá nhân"
SHEET_MISSING = "Chưa nộp"
SHEET_ISSUES = "Lỗi và cảnh báo"
SHEET_RULES = "Kiểm tra quy định"
RULES_ELSEWHERE = f"Các phát hiện về quy định thi đua được liệt kê ở trang “{SHEET_RULES}”."
SHEET_MONTHS = "Theo tháng"
SHEET_ROUNDS = "Theo đợt"
SHEET_TIMELY = "Đề nghị đột xuất"
TIMELY_COLUMNS = (
    ("STT", 5),
    ("Họ và tên", 24),
    ("Tổ", 12),
    ("Hoạt động", 22),
    ("Sản phẩm", 36),
    ("Cấp", 9),
    ("Kết quả", 12),
    ("Ngày", 12),
    ("Quyết định", 18),
)
NO_TIMELY = "Chưa có kết quả nào cần đề nghị khen thưởng đột xuất."
NO_RULE_FINDINGS = "Không có cảnh báo nào về quy định thi đua."

ALL_SUBMITTED = "Tất cả đã nộp đăng ký."

CHANGE_LABEL = "Thay đổi so với tháng trước"  # the heading written names the month (change_heading)
OVERVIEW_COLUMNS = (  # targets by their names: the codes are the plan's, not what the principal reads
    ("STT", 5),
    ("Chỉ tiêu", 56),
    ("Đối tượng", 10),
    ("Số chỉ tiêu", 9),
    ("Cơ sở", 8),
    ("Đăng ký", 9),
    ("Đạt được", 9),
    ("Tỷ lệ đăng ký", 10),
    ("Tỷ lệ đạt", 10),
    ("Tỷ lệ trên cơ sở", 10),
    ("Tình trạng", 14),
    (CHANGE_LABEL, 12),
    ("Dự báo", 34),
)
CHANGE_COL = [label for label, _width in OVERVIEW_COLUMNS].index(CHANGE_LABEL)


def change_heading(previous_month: str | None) -> str:
    """The change column's heading names the month it is measured from: the last month the history recorded,
    which need not be the calendar's previous month (SPEC 6)."""
    if previous_month is None:  # no month recorded before: the column shows "—"
        return CHANGE_LABEL
    return f"Thay đổi so với {month_label(previous_month)}"


COL_NAME, COL_SUBJECT, COL_TARGET, COL_BASE, COL_REGISTERED, COL_ACHIEVED = 1, 2, 3, 4, 5, 6
COL_REGISTERED_RATIO, COL_ACHIEVED_RATIO, COL_BASE_RATIO, COL_STATUS, COL_CHANGE, COL_PROJECTION = 7, 8, 9, 10, 11, 12
OVERVIEW_HEADER_ROW = 10
# The chart's category labels: the targets' names, shortened, in a hidden column right of the printed table (the
# table shows each name in full).
COL_CHART_LABEL = len(OVERVIEW_COLUMNS)
CHART_LABEL_LENGTH = 40
PACE_PANEL_COL = 4  # the pace and the colours' legend, right of the title block

TEAM_COLUMNS = (
    ("Tổ", 16),
    ("Số người", 9),
    ("Đã đăng ký", 10),
    ("Đăng ký LĐTT (gồm CSTĐCS)", 14),
    ("Đăng ký CSTĐCS", 11),
    ("Sáng kiến đăng ký", 11),
    ("Kết quả báo cáo", 11),
    ("Đạt LĐTT (bình xét)", 11),
    ("Chưa nộp", 9),
)
PERSON_COLUMNS = (
    ("STT", 5),
    ("Họ và tên", 24),
    ("Ngày sinh", 11),
    ("Chức vụ", 16),
    ("Tổ", 12),
    ("Danh hiệu đăng ký", 16),
    ("Sáng kiến", 28),
    ("Cấp sáng kiến", 9),
    ("ĐDDH", 22),
    ("Hoạt động đăng ký", 28),
    ("Số kết quả báo cáo", 10),
    ("Kết quả nổi bật", 44),
    ("Xếp loại", 18),
    ("Danh hiệu đạt", 16),
)
MISSING_COLUMNS = (("STT", 5), ("Họ và tên", 26), ("Ngày sinh", 12), ("Chức vụ", 20), ("Tổ", 16))
ISSUE_COLUMNS = (
    ("STT", 5),
    ("Mức độ", 10),
    ("Vấn đề", 26),
    ("Tệp", 24),
    ("Trang tính", 14),
    ("Ô", 7),
    ("Giá trị", 18),
    ("Người", 22),
    ("Nội dung", 68),
)  # no issue codes: the title says what the problem is (the issue report's detailed sheet keeps the codes)
ISSUE_FIELDS = ("severity", "problem", "file", "sheet", "cell", "value", "person", "message")
AFTER_MONTH = "row-after-month"
FOLDED_CELLS = 8  # cells named in a folded line; the issue report lists every one
TABLE_HEADER_ROW = 2  # sheets other than the overview: title, blank, header

# Pace (issue #14): a target's colour compares what is achieved with what is due at the month's end.


def write_dashboard(result: MonthResult, path: Path) -> None:
    """Write the dashboard workbook of `result` to `path`."""
    with new_workbook(path) as wb:
        styles = Styles(wb, size=11)
        _overview(wb, add_sheet(wb, SHEET_OVERVIEW), styles, result)
        _months(wb, add_sheet(wb, SHEET_MONTHS), styles, result)
        _rounds(add_sheet(wb, SHEET_ROUNDS), styles, result)
        _teams(add_sheet(wb, SHEET_TEAMS), styles, result)
        _persons(add_sheet(wb, SHEET_PERSONS), styles, result)
        _missing(add_sheet(wb, SHEET_MISSING), styles, result)
        _timely(add_sheet(wb, SHEET_TIMELY), styles, result)
        applied = f"Bộ quy định áp dụng: {result.rule_pack}" if result.rule_pack else "Chưa có bộ quy định cho năm học"
        _issues(
            add_sheet(wb, SHEET_RULES),
            styles,
            rule_findings(result),
            "KIỂM TRA QUY ĐỊNH THI ĐUA",
            NO_RULE_FINDINGS,
            subtitle=f"{applied} (ngày bình xét {result.vote_day:%d/%m/%Y})",
        )
        rules = set(map(id, rule_findings(result)))  # on their own sheet just before: listed once
        others = fold_rows_after_month([issue for issue in result.issues if id(issue) not in rules], result.month_end)
        sheet = add_sheet(wb, SHEET_ISSUES)
        _issues(sheet, styles, others, "LỖI VÀ CẢNH BÁO", NO_ISSUES)
        merge_text(sheet, 1, 0, len(ISSUE_COLUMNS) - 1, RULES_ELSEWHERE, styles(italic=True, align="center"))


def _title(ws: Worksheet, styles: Styles, result: MonthResult, title: str, last_col: int) -> None:
    merge_text(
        ws,
        0,
        0,
        last_col,
        f"{title} – THÁNG {month_label(result.month)}",
        styles(bold=True, font_size=14, align="center"),
    )


def _overview(wb: Workbook, ws: Worksheet, styles: Styles, result: MonthResult) -> None:
    school = result.plan.school
    last_col = len(OVERVIEW_COLUMNS) - 1
    merge_text(ws, 0, 0, last_col, upper(school.name), styles(bold=True, font_size=13, align="center"))
    merge_text(ws, 1, 0, last_col, "TỔNG HỢP PHONG TRÀO THI ĐUA", styles(bold=True, font_size=16, align="center"))
    merge_text(
        ws,
        2,
        0,
        last_col,
        f"Tháng {month_label(result.month)}",
        styles(bold=True, italic=True, font_size=12, align="center"),
    )
    counts = result.issues.counts()
    label, value = styles(bold=True), styles(align="left")
    info: list[tuple[str, str | int | dt.date]] = [
        ("Năm học", school.school_year),
        ("Số liệu tính đến", result.month_end),
        ("Số tệp đã đọc", len(result.files_read)),
        ("Số lỗi", counts["error"]),
        ("Số cảnh báo", counts["warning"]),
    ]
    for i, (name, shown) in enumerate(info, start=4):
        merge_text(ws, i, 0, 1, name, label)
        if isinstance(shown, dt.date):
            write_date(ws, i, 2, shown, styles(align="left", num_format=DATE))
        elif isinstance(shown, int):
            ws.write_number(i, 2, shown, styles(align="left", num_format="0"))
        else:
            write_text(ws, i, 2, shown, value)
    _pace_panel(ws, styles, result.pace_text)

    header = OVERVIEW_HEADER_ROW
    write_header(ws, header, OVERVIEW_COLUMNS, styles.header)
    write_text(ws, header, CHANGE_COL, change_heading(result.previous_month), styles.header)
    ws.set_row(header, 32)
    ws.set_column(COL_CHART_LABEL, COL_CHART_LABEL, CHART_LABEL_LENGTH, None, {"hidden": True})
    looks = _pace_looks(styles)
    for i, t in enumerate(rows(result.targets)):
        row = header + 1 + i
        ws.write_number(row, 0, i + 1, styles.number)
        write_text(ws, row, COL_NAME, t.name, styles.text)
        write_text(ws, row, COL_SUBJECT, t.subject, styles.center)
        write_count(ws, row, COL_TARGET, t.target, styles.number)
        write_count(ws, row, COL_BASE, t.base, styles.number)
        write_count(ws, row, COL_REGISTERED, t.registered, styles.number)
        write_count(ws, row, COL_ACHIEVED, t.achieved, styles.number)
        write_ratio(ws, row, COL_REGISTERED_RATIO, t.registered_ratio, styles.percent, styles.center)
        write_ratio(ws, row, COL_ACHIEVED_RATIO, t.achieved_ratio, styles.percent, styles.center)
        write_ratio(ws, row, COL_BASE_RATIO, t.base_ratio, styles.percent, styles.center)
        write_text(ws, row, COL_STATUS, t.status, looks[t.pace])
        if pd.isna(t.change):
            write_text(ws, row, COL_CHANGE, "—", styles.center)
        else:
            ws.write_number(row, COL_CHANGE, t.change, styles(align="center", border=1, num_format="+0;-0;0"))
        write_text(ws, row, COL_PROJECTION, t.projection, styles.text)
        write_text(ws, row, COL_CHART_LABEL, chart_label(t.name), styles())
    first, last = header + 1, header + len(result.targets)
    below = 0
    if not result.targets.empty:
        _overview_highlights(ws, first, last)
        below = _overview_chart(wb, ws, first, last)  # the chart sits under the table
    page_setup(ws, header, last + below, last_col, landscape=True)


def _overview_highlights(ws: Worksheet, first: int, last: int) -> None:
    """How far each target has come, as a bar in its ratio cell: no colour judges it there (the status cell's
    colour judges the pace)."""
    ws.conditional_format(
        first,
        COL_ACHIEVED_RATIO,
        last,
        COL_ACHIEVED_RATIO,
        {
            "type": "data_bar",
            "bar_color": "#9DC3E6",
            "data_bar_2010": False,  # openpyxl, which reads our outputs back, drops the 2010 extension with a warning
            "min_type": "num",
            "min_value": 0,
            "max_type": "num",
            "max_value": 1,
        },
    )


def _pace_looks(styles: Styles) -> dict[str, object]:
    """The status cell's format for each pace."""
    return {
        PACE_ON_PACE: styles.cell(align="center", bg_color=GOOD_BG, font_color=GOOD_FG),
        PACE_BEHIND: styles.cell(align="center", bg_color=WARNING_BG, font_color=WARNING_FG),
        PACE_FAR_BEHIND: styles.cell(align="center", bg_color=ERROR_BG, font_color=ERROR_FG),
        PACE_NOT_DUE: styles.center,
    }


PACE_LEGEND = (
    (PACE_ON_PACE, "Đúng tiến độ", "đã đạt chỉ tiêu, hoặc kết quả theo kịp phần thời gian đã qua"),
    (PACE_BEHIND, "Chậm", "kết quả chậm hơn thời gian đã qua (hết năm: chưa đủ chỉ tiêu), hoặc đăng ký chưa đủ"),
    (PACE_FAR_BEHIND, "Chậm nhiều", "kết quả chưa được một nửa mức cần có đến nay"),
    (PACE_NOT_DUE, "Chưa đến hạn", "chưa có kết quả nào phải có đến nay (danh hiệu, tập thể: xét cuối năm)"),
)


def _pace_panel(ws: Worksheet, styles: Styles, shown: str) -> None:
    """Right of the title block: the share of the year gone, and what the status colours mean."""
    first, label_end, last = PACE_PANEL_COL, PACE_PANEL_COL + 2, len(OVERVIEW_COLUMNS) - 1
    top = 4
    merge_text(ws, top, first, label_end, "Tiến độ năm học", styles(bold=True))
    merge_text(ws, top, label_end + 1, last, f"{shown}. Màu ở cột “Tình trạng”:", styles(bold=True, align="left"))
    looks = _pace_looks(styles)
    for row, (pace, name, meaning) in enumerate(PACE_LEGEND, start=top + 1):
        merge_text(ws, row, first, label_end, name, looks[pace])
        merge_text(ws, row, label_end + 1, last, meaning, styles(align="left"))


def _overview_chart(wb: Workbook, ws: Worksheet, first: int, last: int) -> int:
    """Target, registered and achieved per target as horizontal bars, the targets' names down the side in the
    table's order (a name reads along a bar, not slanted under a column); returns the rows the chart covers."""
    chart = wb.add_chart({"type": "bar"})
    font = {"name": "Times New Roman"}
    for col, colour in ((COL_TARGET, "#5B9BD5"), (COL_REGISTERED, "#FFC000"), (COL_ACHIEVED, "#70AD47")):
        chart.add_series(
            {
                "name": [SHEET_OVERVIEW, OVERVIEW_HEADER_ROW, col],
                "categories": [SHEET_OVERVIEW, first, COL_CHART_LABEL, last, COL_CHART_LABEL],
                "values": [SHEET_OVERVIEW, first, col, last, col],
                "fill": {"color": colour},
                "data_labels": {"value": True, "font": {**font, "size": 8}},
                "gap": 60,
            }
        )
    chart.set_title({"name": "Chỉ tiêu, đăng ký và kết quả đạt được", "name_font": {**font, "size": 12}})
    # In a bar chart the x axis is the horizontal one: the counts; the y axis holds the names.
    chart.set_x_axis({"name": "Số lượng", "num_font": font, "name_font": font, "min": 0})
    chart.set_y_axis({"num_font": font, "reverse": True, "crossing": "max"})
    chart.set_legend({"position": "bottom", "font": font})
    height = 110 + 42 * (last - first + 1)
    chart.set_size({"width": 980, "height": height})
    chart.show_hidden_data()  # the labels' column is hidden
    ws.insert_chart(last + 2, 1, chart)
    return height // 20 + 3


def _months(wb: Workbook, ws: Worksheet, styles: Styles, result: MonthResult) -> None:
    """Achieved against target, month by month, from the history; a line chart of the share reached."""
    table = result.trend
    codes = list(table.columns)
    last_col = len(codes)
    _title(ws, styles, result, "DIỄN BIẾN THEO THÁNG (TỶ LỆ ĐẠT SO VỚI CHỈ TIÊU)", max(last_col, 4))
    header = TABLE_HEADER_ROW
    name_of = dict(zip(result.targets["code"], result.targets["name"], strict=True))
    labels = [chart_label(name_of.get(code, code)) for code in codes]  # the header names the chart's lines
    write_header(ws, header, (("Tháng", 10), *((label, 14) for label in labels)), styles.header)
    months = list(table.index)
    for i, (month, ratios) in enumerate(table.iterrows()):
        row = header + 1 + i
        write_text(ws, row, 0, month_label(str(month)), styles.center)
        for col, code in enumerate(codes, start=1):
            write_ratio(ws, row, col, ratios[code], styles.percent, styles.center)
    last = header + max(len(months), 1)
    if months and codes:
        chart = wb.add_chart({"type": "line"})
        font = {"name": "Times New Roman"}
        for col in range(1, last_col + 1):
            chart.add_series(
                {
                    "name": [SHEET_MONTHS, header, col],
                    "categories": [SHEET_MONTHS, header + 1, 0, last, 0],
                    "values": [SHEET_MONTHS, header + 1, col, last, col],
                    "marker": {"type": "circle", "size": 5},
                }
            )
        chart.set_title({"name": "Tỷ lệ đạt so với chỉ tiêu (100% = đạt chỉ tiêu)", "name_font": {**font, "size": 12}})
        chart.set_x_axis({"name": "Tháng", "num_font": font, "name_font": font})
        chart.set_y_axis(
            {"num_format": "0%", "min": 0, "num_font": font, "name_font": font, "major_gridlines": {"visible": True}}
        )
        chart.set_legend({"position": "bottom", "font": font})
        chart.set_size({"width": 900, "height": 360})
        ws.insert_chart(last + 2, 0, chart)
    ws.freeze_panes(header + 1, 1)
    page_setup(ws, header, last + 20, max(last_col, 4), landscape=True)


def _rounds(ws: Worksheet, styles: Styles, result: MonthResult) -> None:
    """Each round (đợt) with its dates, state and focus, and what was achieved inside it."""
    rounds = result.rounds
    last_col = 3 + len(rounds)
    _title(ws, styles, result, "KẾT QUẢ THEO ĐỢT THI ĐUA", last_col)
    row = TABLE_HEADER_ROW
    write_header(ws, row, (("Đợt", 10), ("Thời gian", 24), ("Tình trạng", 14), ("Trọng tâm", 90)), styles.header)
    for rr in rows(rounds):
        row += 1
        write_text(ws, row, 0, rr.name, styles.center)
        write_text(ws, row, 1, f"{rr.start:%d/%m/%Y} – {rr.end:%d/%m/%Y}", styles.center)
        write_text(ws, row, 2, rr.state, styles.center)
        merge_text(ws, row, 3, last_col, rr.focus, styles.text)
    header = row + 2
    columns = (("STT", 5), ("Chỉ tiêu", 56), ("Số chỉ tiêu", 10))
    names = list(rounds["name"])
    write_header(
        ws,
        header,
        (*columns, *((f"Đạt trong {name}", 12) for name in names), ("Cả năm đến nay", 12)),
        styles.header,
    )
    targets = result.targets
    within = _achieved_within(result.round_targets)
    for i, t in enumerate(rows(targets)):
        r = header + 1 + i
        ws.write_number(r, 0, i + 1, styles.number)
        write_text(ws, r, 1, t.name, styles.text)
        write_count(ws, r, 2, t.target, styles.number)
        for col, number in enumerate(range(1, len(rounds) + 1), start=3):
            write_count(ws, r, col, within(t.code, number), styles.number)
        write_count(ws, r, 3 + len(rounds), t.achieved, styles.number)
    page_setup(ws, header, header + max(len(result.targets), 1), 3 + len(rounds), landscape=True)


def _achieved_within(figures: pd.DataFrame) -> Callable[[str, int], object]:
    """What a target achieved within a round, from the result's round_targets: as the frame pivoted (target by
    round) and widened to every target and round would hold it: 0 for a target or a round the frame does not
    name, None where it names both but not together. Looked up in a dictionary, not pivoted: the benchmark
    month's rounds sheet 0.0012 CPU-s against 0.0073 (forked writer, best of 8, 2026-12-07)."""
    codes, numbers = figures["code"].tolist(), figures["round"].tolist()
    achieved = dict(zip(zip(codes, numbers, strict=True), figures["achieved"].tolist(), strict=True))
    named_codes, named_rounds = set(codes), set(numbers)

    def within(code: str, number: int) -> object:
        if code not in named_codes or number not in named_rounds:
            return 0
        return achieved.get((code, number))

    return within


def _teams(ws: Worksheet, styles: Styles, result: MonthResult) -> None:
    last_col = len(TEAM_COLUMNS) - 1
    _title(ws, styles, result, "TỔNG HỢP THEO TỔ", last_col)
    header = TABLE_HEADER_ROW
    write_header(ws, header, TEAM_COLUMNS, styles.header)
    names = list(result.teams["team"])
    shown = result.teams.iloc[sorted(range(len(names)), key=lambda i: team_sort_key(names[i]))]
    table = [tuple(int(n) for n in figures) for figures in rows(shown[list(TEAM_FIGURES)])]
    for i, (team, figures) in enumerate(zip(shown["team"], table, strict=True)):
        row = header + 1 + i
        write_text(ws, row, 0, team, styles.text)
        for col, n in enumerate(figures, start=1):
            ws.write_number(row, col, n, styles.number)
    total = header + 1 + len(table)
    write_text(ws, total, 0, "Tổng cộng", styles.total_label)
    # Live totals for whoever edits the sheet, with the value cached for readers that do not recalculate.
    for col, cached in enumerate((sum(column) for column in zip(*table, strict=True)), start=1):
        formula = f"=SUM({xl_rowcol_to_cell(header + 1, col)}:{xl_rowcol_to_cell(total - 1, col)})"
        ws.write_formula(total, col, formula, styles.total_number, cached)
    if not table:
        for col in range(1, last_col + 1):
            ws.write_number(total, col, 0, styles.total_number)
    ws.freeze_panes(header + 1, 1)
    page_setup(ws, header, total, last_col, landscape=False)


# The teams frame's columns in the order of TEAM_COLUMNS after "Tổ".
TEAM_FIGURES = (
    "members",
    "registered",
    "registered_ldtt",
    "registered_cstdcs",
    "initiatives",
    "results",
    "voted_ldtt",
    "not_submitted",
)


def _persons(ws: Worksheet, styles: Styles, result: MonthResult) -> None:
    last_col = len(PERSON_COLUMNS) - 1
    _title(ws, styles, result, "TỔNG HỢP THEO CÁ NHÂN", last_col)
    header = TABLE_HEADER_ROW
    write_header(ws, header, PERSON_COLUMNS, styles.header)
    persons = result.persons
    number, text, center, date = styles.number, styles.text, styles.center, styles.date

    def values_of(field: str, fmt: Format) -> tuple[list[object], Format]:
        return persons[field].tolist(), fmt

    ws.table(header + 1).add_columns(
        [
            (range(1, len(persons) + 1), number),
            values_of("name", text),
            (cell_dates(persons["birth_date"]), date),
            values_of("position", text),
            values_of("team", text),
            values_of("title_shown", text),
            values_of("initiative", text),
            values_of("initiative_level", center),
            values_of("teaching_aid", text),
            values_of("activities", text),
            ([int(n) for n in persons["results"].tolist()], number),
            values_of("results_text", text),
            values_of("rating", text),
            values_of("voted_title", text),
        ]
    )
    last = header + len(result.persons)
    if not result.persons.empty:
        flagged = (
            (NOT_SUBMITTED, WARNING_BG, WARNING_FG),
            (HAS_ERRORS, ERROR_BG, ERROR_FG),
            (NAME_UNMATCHED, ERROR_BG, ERROR_FG),
        )
        for shown, fill, colour in flagged:
            ws.conditional_format(
                header + 1,
                5,
                last,
                5,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": f'"{shown}"',
                    "format": styles(bg_color=fill, font_color=colour),
                },
            )
        ws.autofilter(header, 0, last, last_col)
    ws.freeze_panes(header + 1, 2)
    page_setup(ws, header, last, last_col, landscape=True)


def _missing(ws: Worksheet, styles: Styles, result: MonthResult) -> None:
    last_col = len(MISSING_COLUMNS) - 1
    _title(ws, styles, result, "DANH SÁCH CHƯA NỘP ĐĂNG KÝ", last_col)
    header = TABLE_HEADER_ROW
    write_header(ws, header, MISSING_COLUMNS, styles.header)
    people = result.not_submitted
    for i, p in enumerate(rows(people)):
        row = header + 1 + i
        ws.write_number(row, 0, i + 1, styles.number)
        write_text(ws, row, 1, p.name, styles.text)
        write_date(ws, row, 2, as_date(p.birth_date), styles.date)
        write_text(ws, row, 3, p.position, styles.text)
        write_text(ws, row, 4, p.team, styles.text)
    if people.empty:
        merge_text(ws, header + 1, 0, last_col, ALL_SUBMITTED, styles.cell(italic=True, align="center"))
    last = header + max(len(people), 1)
    ws.freeze_panes(header + 1, 0)
    page_setup(ws, header, last, last_col, landscape=False)


def _timely(ws: Worksheet, styles: Styles, result: MonthResult) -> None:
    """The results that call for a timely reward (SPEC 14), with how to have the tờ trình written."""
    last_col = len(TIMELY_COLUMNS) - 1
    _title(ws, styles, result, "KẾT QUẢ CẦN ĐỀ NGHỊ KHEN THƯỞNG ĐỘT XUẤT", last_col)
    listed = timely_rewards(result)
    hint = (
        f'Lập tờ trình đề nghị bằng lệnh: thidua propose --month {result.month} (thêm --chon "Họ tên" để chọn người)'
        if len(listed)
        else NO_TIMELY
    )
    merge_text(ws, 1, 0, last_col, hint, styles(italic=True, align="center"))
    header = TABLE_HEADER_ROW
    write_header(ws, header, TIMELY_COLUMNS, styles.header)
    for i, r in enumerate(rows(listed)):
        row = header + 1 + i
        ws.write_number(row, 0, i + 1, styles.number)
        for col, value in enumerate((r.name, r.team, r.activity, r.product, r.level, r.result), start=1):
            write_text(ws, row, col, value or "", styles.text)
        write_date(ws, row, 7, as_date(r.date), styles.date)
        write_text(ws, row, 8, r.decision or "", styles.text)
    last = header + max(len(listed), 1)
    ws.freeze_panes(header + 1, 0)
    page_setup(ws, header, last, last_col, landscape=True)


def rule_findings(result: MonthResult) -> list[Issue]:
    """The findings of the rules of the year (and of the plan's own sanity), for the board to act on."""
    return [i for i in result.issues if i.topic == TOPIC_RULE]


def _issues(ws: Worksheet, styles: Styles, issues: list[Issue], title: str, empty: str, subtitle: str = "") -> None:
    last_col = len(ISSUE_COLUMNS) - 1
    merge_text(ws, 0, 0, last_col, title, styles(bold=True, font_size=14, align="center"))
    if subtitle:
        merge_text(ws, 1, 0, last_col, subtitle, styles(italic=True, align="center"))
    header = TABLE_HEADER_ROW
    write_header(ws, header, ISSUE_COLUMNS, styles.header)
    write_issue_table(ws, styles, header, issues, ISSUE_FIELDS, frozenset({"severity", "cell"}), empty)


def fold_rows_after_month(issues: Sequence[Issue], month_end: dt.date) -> list[Issue]:
    """The issues as the dashboard lists them: the notes about rows dated after the month (one per row, as the
    issue report keeps them) become one line per file and sheet, where the first of them was."""
    groups: dict[tuple[str, str], list[Issue]] = {}
    for issue in issues:
        if issue.code == AFTER_MONTH:
            groups.setdefault((issue.file, issue.sheet), []).append(issue)
    shown: list[Issue] = []
    for issue in issues:
        if issue.code != AFTER_MONTH:
            shown.append(issue)
        elif (group := groups.pop((issue.file, issue.sheet), None)) is not None:
            shown.append(_folded(group, month_end))
    return shown


def _folded(group: list[Issue], month_end: dt.date) -> Issue:
    cells = [i.cell for i in group if i.cell]
    listed = ", ".join(cells[:FOLDED_CELLS]) + (", …" if len(cells) > FOLDED_CELLS else "")
    where = f" (ô {listed})" if listed else ""
    persons, teams = {i.person for i in group}, {i.team for i in group}
    first = group[0]
    return Issue(
        AFTER_MONTH,
        first.severity,
        f"{len(group)} dòng ghi ngày sau tháng {month_end:%m/%Y} chưa được tính{where}",
        first.file,
        first.sheet,
        value=_date_span(i.params.get("date") for i in group),
        person=persons.pop() if len(persons) == 1 else "",
        team=teams.pop() if len(teams) == 1 else "",
    )


def _date_span(values: Iterable[object]) -> str:
    """'03/06/2022', or '05/11/2021 – 20/04/2022' for several dates; empty when one is not a date."""
    given = list(values)
    if not given or not all(isinstance(v, dt.date) for v in given):
        return ""
    days: list[dt.date] = sorted({v for v in given if isinstance(v, dt.date)})
    return f"{days[0]:%d/%m/%Y}" if len(days) == 1 else f"{days[0]:%d/%m/%Y} – {days[-1]:%d/%m/%Y}"


# ----- presentation choices


def chart_label(name: str, limit: int = CHART_LABEL_LENGTH) -> str:
    """A target's name short enough for a chart's axis or legend: cut at a word, with "…"."""
    name = clean(name)
    if len(name) <= limit:
        return name
    cut = name[: limit - 1]
    if name[limit - 1] != " " and " " in cut:
        cut = cut[: cut.rindex(" ")]
    return f"{cut.rstrip(' ,;:–-')}…"


_FIRST_NUMBER = re.compile(r"\d+")


def team_sort_key(team: str) -> tuple[int, int, tuple[object, ...]]:
    """Numbered teams first by their first number (Tổ 1, Tổ 2–3, Tổ 10), then the others in Vietnamese
    alphabetical order (Tổ Anh văn, Tổ Âm nhạc, Tổ văn phòng)."""
    # name_sort_key puts a person's given name first; one word at a time, it is the alphabet's order.
    words = tuple(name_sort_key(word) for word in clean(team).split())
    found = _FIRST_NUMBER.search(team)
    return (0, int(found.group()), words) if found else (1, 0, words)


def team_order(teams: Iterable[str]) -> list[str]:
    return sorted(teams, key=team_sort_key)
