"""Submission workbook for PGD: the month's `MonthResult` in the official layout of Nghị định 30/2020/NĐ-CP
(parent body and Quốc hiệu, date line, title, table with totals, signatures), ready to e-mail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from xlsxwriter.utility import xl_range_abs

from thidua import vocab
from thidua.measure import REGISTERED, STATUS_EXCEEDED, STATUS_MET, TITLE_CSTDCS, TITLE_LDTT, MonthResult
from thidua.records import as_date, rows
from thidua.workspace import month_label
from thidua.writers.common import (
    Format,
    Styles,
    Worksheet,
    add_sheet,
    page_setup,
    upper,
    write_count,
    write_date,
    write_header,
    write_ratio,
    write_text,
)
from thidua.writers.common import merge_text as _merge
from thidua.xlsx import new_workbook

SHEET_PERSONS = "Đăng ký cá nhân"
SHEET_COLLECTIVE = "Đăng ký tập thể"
SHEET_RESULTS = "Kết quả tháng"

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
PREPARER = "NGƯỜI LẬP BIỂU"
PREPARER_HINT = "(Ký, ghi rõ họ tên)"
SIGNATORY_HINT = "(Ký tên, đóng dấu)"
TOTAL = "Tổng cộng"
MARK = "x"
HEADER_ROW = 7  # rows 0–6: parent body / Quốc hiệu, date line, title
SIGNING_SPACE = 4  # empty rows left for the signature and stamp
BLOCK_WIDTH = 46  # about the width of "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in 12 pt bold

PERSON_COLUMNS: tuple[tuple[str, float], ...] = (
    ("STT", 5),
    ("Họ và tên", 22),
    ("Ngày sinh", 11),
    ("Chức vụ", 13),
    ("Tổ", 10),
    ("Danh hiệu đăng ký", 15),
    ("Hình thức khen thưởng", 18),
    ("Tên sáng kiến kinh nghiệm", 26),
    ("Cấp", 8),
    ("Đồ dùng dạy học", 18),
)
COLLECTIVE_COLUMNS: tuple[tuple[str, float], ...] = (
    ("STT", 5),
    ("Tập thể", 26),
    ("Danh hiệu / hình thức", 40),
    ("Đăng ký", 9),
    ("Kết quả", 11),
    ("Số quyết định", 16),
    ("Ngày", 12),
)
RESULT_COLUMNS: tuple[tuple[str, float], ...] = (
    ("STT", 5),
    ("Mã", 13),
    ("Chỉ tiêu", 44),
    ("Số chỉ tiêu", 9),
    ("Cơ sở", 8),
    ("Đăng ký", 9),
    ("Đạt được", 9),
    ("Tỷ lệ đạt", 9),
    ("Tình trạng", 13),
)


@dataclass(frozen=True)
class _Sheet:
    """Where the top and signature blocks go on one sheet."""

    ws: Worksheet
    styles: Styles
    last_col: int
    left_end: int  # the parent body / preparer block spans columns 0..left_end
    right_start: int  # the Quốc hiệu / signatory block spans right_start..last_col


def write_submission(result: MonthResult, path: Path) -> None:
    """Write the submission workbook of `result` to `path`."""
    with new_workbook(path) as wb:
        styles = Styles(wb, size=12)
        _persons(_sheet(add_sheet(wb, SHEET_PERSONS), styles, _person_columns(result)), result)
        _collective(_sheet(add_sheet(wb, SHEET_COLLECTIVE), styles, COLLECTIVE_COLUMNS), result)
        _results(_sheet(add_sheet(wb, SHEET_RESULTS), styles, RESULT_COLUMNS), result)


def date_line(place: str, day: dt.date) -> str:
    """'Măng Đen, ngày 04 tháng 10 năm 2021'."""
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def _person_columns(result: MonthResult) -> tuple[tuple[str, float], ...]:
    activities = tuple((name, 11.0) for name in result.plan.activity_columns)
    return (*PERSON_COLUMNS, *activities, ("Ghi chú", 14))


def _sheet(ws: Worksheet, styles: Styles, columns: Sequence[tuple[str, float]]) -> _Sheet:
    widths = [w for _, w in columns]
    left_end, span = 0, widths[0]
    while span < BLOCK_WIDTH and left_end < len(widths) - 1:
        left_end += 1
        span += widths[left_end]
    right_start, span = len(widths) - 1, widths[-1]
    while span < BLOCK_WIDTH and right_start > 0:
        right_start -= 1
        span += widths[right_start]
    if left_end >= right_start:  # a narrow table: split it in the middle
        left_end, right_start = (len(widths) - 1) // 2, (len(widths) - 1) // 2 + 1
    write_header(ws, HEADER_ROW, columns, styles.header)
    ws.set_row(HEADER_ROW, 48)
    return _Sheet(ws, styles, len(widths) - 1, left_end, right_start)


def _top(sheet: _Sheet, result: MonthResult, title: str, subtitle: str = "") -> None:
    """Parent body and school (left), Quốc hiệu and tiêu ngữ (right), date line, title."""
    ws, st, school = sheet.ws, sheet.styles, result.plan.school
    left, right = (0, sheet.left_end), (sheet.right_start, sheet.last_col)
    _merge(ws, 0, *left, upper(school.parent_body), st(align="center"))
    _merge(ws, 1, *left, upper(school.name), st(bold=True, align="center"))
    _merge(ws, 0, *right, NATIONAL_TITLE, st(bold=True, align="center"))
    _merge(ws, 1, *right, NATIONAL_MOTTO, st(bold=True, font_size=13, align="center"))
    _merge(ws, 2, *left, document_number(school.symbol), st(align="center"))
    dated = date_line(school.place, result.report_date)
    _merge(ws, 2, *right, dated, st(italic=True, font_size=13, align="right"))
    _merge(ws, 4, 0, sheet.last_col, title, st(bold=True, font_size=14, align="center"))
    if subtitle:
        _merge(ws, 5, 0, sheet.last_col, subtitle, st(bold=True, align="center"))
    if school.recipient:
        _merge(ws, 6, 0, sheet.last_col, f"Kính gửi: {school.recipient}", st(align="center"))


def _signatures(sheet: _Sheet, result: MonthResult, first_row: int) -> int:
    """NGƯỜI LẬP BIỂU (left) and the signatory (right), then Nơi nhận; returns the last row written."""
    ws, st, school = sheet.ws, sheet.styles, result.plan.school
    left, right = (0, sheet.left_end), (sheet.right_start, sheet.last_col)
    bold, hint = st(bold=True, align="center"), st(italic=True, align="center")
    _merge(ws, first_row, *left, PREPARER, bold)
    _merge(ws, first_row + 1, *left, PREPARER_HINT, hint)
    _merge(ws, first_row, *right, upper(school.signatory_title), bold)
    _merge(ws, first_row + 1, *right, SIGNATORY_HINT, hint)
    names = first_row + 2 + SIGNING_SPACE
    _merge(ws, names, *left, school.preparer_name, bold)
    _merge(ws, names, *right, school.signatory_name, bold)
    recipients = names + 2
    _merge(ws, recipients, *left, "Nơi nhận:", st(bold=True, italic=True, font_size=11))
    lines = copies_lines(school.copies or (f"{school.recipient or school.parent_body} (báo cáo)", "Lưu: VT"))
    for offset, line in enumerate(lines, start=1):
        _merge(ws, recipients + offset, *left, line, st(font_size=10))
    return recipients + len(lines)


def document_number(symbol: str) -> str:
    """'Số:      /BC-THMĐ': the number is left for the clerk to write (Nghị định 30/2020/NĐ-CP, Phụ lục I)."""
    return f"Số:        /BC-{symbol}" if symbol else "Số:        /BC"


def copies_lines(copies: Sequence[str]) -> list[str]:
    """Nơi nhận as the decree writes it: '- …;' for each recipient, the last ending with '.'."""
    return [f"- {line}{'.' if i == len(copies) - 1 else ';'}" for i, line in enumerate(copies)]


def _finish(sheet: _Sheet, result: MonthResult, total_row: int) -> None:
    last = _signatures(sheet, result, total_row + 2)
    sheet.ws.freeze_panes(HEADER_ROW + 1, 0)
    page_setup(sheet.ws, HEADER_ROW, last, sheet.last_col, landscape=True)


@dataclass(frozen=True)
class _Total:
    """One live total: `formula` with {0} for the data range of column `source` (default: its own)."""

    col: int
    formula: str
    cached: int  # the same figure counted over the rows written, for readers that do not recalculate
    num_format: str = "0"
    source: int | None = None


def _count_if(value: str) -> str:
    return f'COUNTIF({{0}},"{value}")'


def _write_totals(sheet: _Sheet, row: int, first: int, rows: int, totals: Sequence[_Total]) -> None:
    for t in totals:
        fmt = sheet.styles(bold=True, border=1, align="center", num_format=t.num_format)
        if not rows:  # a range over no data rows would point at the totals row itself
            sheet.ws.write_number(row, t.col, 0, fmt)
            continue
        col = t.col if t.source is None else t.source
        cells = xl_range_abs(first, col, first + rows - 1, col)
        sheet.ws.write_formula(row, t.col, "=" + t.formula.format(cells), fmt, t.cached)


def _blank_row(sheet: _Sheet, row: int) -> None:
    for col in range(sheet.last_col + 1):
        sheet.ws.write_blank(row, col, None, sheet.styles.total_number)


def _persons(sheet: _Sheet, result: MonthResult) -> None:
    plan, ws, st = result.plan, sheet.ws, sheet.styles
    _top(sheet, result, f"BẢNG TỔNG HỢP ĐĂNG KÝ THI ĐUA CÁ NHÂN NĂM HỌC {upper(plan.school.school_year)}")
    activities = [f"mark:{name}" for name in plan.activity_columns]
    regs = result.persons[result.persons["registration"]]
    first = HEADER_ROW + 1
    activity_col = len(PERSON_COLUMNS)
    table = ws.table(first)
    for i, p in enumerate(rows(regs[[*PERSON_FIELDS, *activities]])):
        cells: list[tuple[object, Format]] = [
            (i + 1, st.number),
            (p.name, st.text),
            (as_date(p.birth_date), st.date),
            (p.position, st.text),
            (p.team, st.text),
            (p.title, st.text),
            (p.reward_form, st.text),
            (p.initiative, st.text),
            (p.initiative_level, st.center),
            (p.teaching_aid, st.text),
        ]
        cells += [(MARK if marked else "", st.center) for marked in p[len(PERSON_FIELDS) :]]
        cells.append((p.registration_note, st.text))
        table.add(cells)
    count = len(regs)
    total, among = first + count, first + count + 1
    _blank_row(sheet, total)
    _blank_row(sheet, among)
    _merge(ws, total, 0, 1, TOTAL, st.total_label)
    _merge(ws, total, 2, 4, "", st(bold=True, border=1, align="center", num_format='0" người"'))
    _merge(ws, among, 0, 4, f"Trong đó: {vocab.CSTDCS}", st.total_label)
    ldtt, cstdcs = _count_if(vocab.LDTT), _count_if(vocab.CSTDCS)
    # Each total is a live formula; its cached value, for readers that do not recalculate, is the same count.
    _write_totals(
        sheet,
        total,
        first,
        count,
        [
            _Total(2, "COUNTA({0})", count, '0" người"', source=1),
            _Total(5, f"{ldtt}+{cstdcs}", result.title_figure(TITLE_LDTT, REGISTERED)),
            _Total(6, 'COUNTA({0})-COUNTIF({0},"Không")', int((~regs["reward_form"].isin(["", "Không"])).sum())),
            _Total(7, "COUNTA({0})", int((regs["initiative"] != "").sum())),
            _Total(9, "COUNTA({0})", int((regs["teaching_aid"] != "").sum())),
            *(_Total(activity_col + j, _count_if(MARK), int(regs[a].sum())) for j, a in enumerate(activities)),
        ],
    )
    among_cstdcs = _Total(5, cstdcs, result.title_figure(TITLE_CSTDCS, REGISTERED))
    _write_totals(sheet, among, first, count, [among_cstdcs])
    _finish(sheet, result, among)


PERSON_FIELDS = (
    "name",
    "birth_date",
    "position",
    "team",
    "title",
    "reward_form",
    "initiative",
    "initiative_level",
    "teaching_aid",
    "registration_note",
)


def _collective(sheet: _Sheet, result: MonthResult) -> None:
    ws, st, collectives = sheet.ws, sheet.styles, result.plan.collectives
    year = upper(result.plan.school.school_year)
    _top(sheet, result, f"BẢNG ĐĂNG KÝ DANH HIỆU THI ĐUA TẬP THỂ NĂM HỌC {year}")
    first = HEADER_ROW + 1
    for i, c in enumerate(collectives):
        row = first + i
        ws.write_number(row, 0, i + 1, st.number)
        write_text(ws, row, 1, c.unit, st.text)
        write_text(ws, row, 2, c.title, st.text)
        write_text(ws, row, 3, "Có" if c.registered else "Không", st.center)
        write_text(ws, row, 4, c.result or "", st.center)
        write_text(ws, row, 5, c.decision, st.center)
        write_date(ws, row, 6, c.date, st.date)
    total = first + len(collectives)
    _blank_row(sheet, total)
    _merge(ws, total, 0, 2, TOTAL, st.total_label)
    _write_totals(
        sheet,
        total,
        first,
        len(collectives),
        [
            _Total(3, _count_if("Có"), sum(c.registered for c in collectives)),
            _Total(4, _count_if("Đạt"), sum(c.result == "Đạt" for c in collectives)),
        ],
    )
    _finish(sheet, result, total)


def _results(sheet: _Sheet, result: MonthResult) -> None:
    ws, st = sheet.ws, sheet.styles
    _top(
        sheet,
        result,
        f"BÁO CÁO KẾT QUẢ THỰC HIỆN CHỈ TIÊU THI ĐUA THÁNG {month_label(result.month)}",
        f"Năm học {result.plan.school.school_year}",
    )
    first = HEADER_ROW + 1
    targets = result.targets
    for i, t in enumerate(rows(targets)):
        row = first + i
        ws.write_number(row, 0, i + 1, st.number)
        write_text(ws, row, 1, t.code, st.text)
        write_text(ws, row, 2, t.name, st.text)
        write_count(ws, row, 3, t.target, st.number)
        write_count(ws, row, 4, t.base, st.number)
        write_count(ws, row, 5, t.registered, st.number)
        write_count(ws, row, 6, t.achieved, st.number)
        write_ratio(ws, row, 7, t.achieved_ratio, st.percent, st.center)
        write_text(ws, row, 8, t.status, st.center)
    total = first + len(targets)
    _blank_row(sheet, total)
    _merge(ws, total, 0, 1, TOTAL, st.total_label)
    reached = int(targets["status"].isin([STATUS_MET, STATUS_EXCEEDED]).sum())
    _write_totals(
        sheet,
        total,
        first,
        len(targets),
        [
            _Total(2, "COUNTA({0})", len(targets), '0" chỉ tiêu"', source=1),
            _Total(8, f"{_count_if(STATUS_MET)}+{_count_if(STATUS_EXCEEDED)}", reached, '0" đạt"'),
        ],
    )
    _finish(sheet, result, total)
