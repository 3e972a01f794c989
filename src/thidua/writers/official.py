"""The layout of an official document on a sheet (Nghị định 30/2020/NĐ-CP, Phụ lục I): the managing body and
the school beside the Quốc hiệu and tiêu ngữ with their short rule lines, "Số: …/BC-<Ký hiệu>", place and date, the
title, "Kính gửi", then after the table the preparer and signatory blocks and "Nơi nhận". Every sheet the receiving
office reads (the submission workbook, the round reviews, the nomination list) is laid out by these functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from thidua.core.plan import School
from thidua.counting.measure import MonthResult
from thidua.excel.layout import drawn_px, text_px
from thidua.writers.common import (
    Styles,
    Worksheet,
    keep_end_together,
    page_setup,
    printed_px,
    upper,
    write_header,
)
from thidua.writers.common import merge_text as _merge

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
PREPARER = "NGƯỜI LẬP BIỂU"
PREPARER_HINT = "(Ký, ghi rõ họ tên)"
SIGNATORY_HINT = "(Ký tên, đóng dấu)"
TOTAL = "Tổng cộng"
MARK = "x"
REPORT = "BC"  # Báo cáo: the document type's abbreviation in its number (Nghị định 30/2020/NĐ-CP, Phụ lục III)
LIST = "DS"  # Danh sách
HEADER_HEIGHT = 48  # the table's header row: labels of up to three lines
HEADER_ROW = 8  # rows 0–7: managing body / Quốc hiệu, rule lines, Số and date line, title, Kính gửi
SIGNING_SPACE = 4  # empty rows left for the signature and stamp
BLOCK_WIDTH = 46  # about the width of "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in 12 pt bold


@dataclass(frozen=True)
class Sheet:
    """Where the top and signature blocks go on one sheet."""

    ws: Worksheet
    styles: Styles
    last_col: int
    left_end: int  # the parent body / preparer block spans columns 0..left_end
    right_start: int  # the Quốc hiệu / signatory block spans right_start..last_col
    widths: tuple[float, ...]


def results_date(result: MonthResult, today: dt.date | None = None) -> dt.date:
    """The day the month's results are reported: its last day, or the day of the run while the month is not over
    (the one date that depends on the day of the run)."""
    today = today or dt.date.today()
    return min(result.month_end, today) if today >= result.month_end.replace(day=1) else result.month_end


def date_line(place: str, day: dt.date) -> str:
    """'Măng Đen, ngày 04 tháng 10 năm 2021'."""
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def new_sheet(ws: Worksheet, styles: Styles, columns: Sequence[tuple[str, float]]) -> Sheet:
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
    ws.set_row(HEADER_ROW, HEADER_HEIGHT)
    return Sheet(ws, styles, len(widths) - 1, left_end, right_start, tuple(widths))


def top(
    sheet: Sheet,
    result: MonthResult,
    title: str,
    subtitle: str = "",
    day: dt.date | None = None,
    kind: str = REPORT,
) -> None:
    """Nghị định 30/2020/NĐ-CP, Phụ lục I: managing body and school (left) with a short rule line under the
    school's name, Quốc hiệu and tiêu ngữ (right) with its rule line, the document's number (`kind`: the
    abbreviation of the document's type, BC a report, DS a list) and the place and date, the title, Kính gửi."""
    top_of(sheet, result.plan.school, title, subtitle, day or result.month_end, kind)


def top_of(sheet: Sheet, school: School, title: str, subtitle: str, day: dt.date, kind: str = REPORT) -> None:
    """`top` for any issuing body (a school, or the receiving office of the roll-up, SPEC 15)."""
    ws, st = sheet.ws, sheet.styles
    left, right = (0, sheet.left_end), (sheet.right_start, sheet.last_col)
    _merge(ws, 0, *left, upper(school.parent_body), st(align="center"))
    _merge(ws, 1, *left, upper(school.name), st(bold=True, align="center"))
    _merge(ws, 0, *right, NATIONAL_TITLE, st(bold=True, align="center"))
    _merge(ws, 1, *right, NATIONAL_MOTTO, st(bold=True, font_size=13, align="center"))
    ws.set_row(2, 4)  # the rule lines' row
    name_px = text_px(upper(school.name), 12, bold=True)
    _rule_line(ws, 2, sheet.widths, *left, name_px * 0.42)  # 1/3 to 1/2 of the name above it
    _rule_line(ws, 2, sheet.widths, *right, text_px(NATIONAL_MOTTO, 13, bold=True))  # as long as the tiêu ngữ
    _merge(ws, 3, *left, document_number(school.symbol, kind), st(align="center"))
    dated = date_line(school.place, day)
    _merge(ws, 3, *right, dated, st(italic=True, font_size=13, align="center"))
    _merge(ws, 4, 0, sheet.last_col, title, st(bold=True, font_size=14, align="center"))
    if subtitle:
        _merge(ws, 5, 0, sheet.last_col, subtitle, st(bold=True, align="center"))
    if school.recipient:
        _merge(ws, 6, 0, sheet.last_col, f"Kính gửi: {school.recipient}", st(align="center"))


def _rule_line(ws: Worksheet, row: int, widths: Sequence[float], first: int, last: int, length: float) -> None:
    """A short rule line about `length` px long as printed, centred under the block first..last (Nghị định
    30/2020/NĐ-CP, Phụ lục I: the line under the issuing body's name and the one under the tiêu ngữ), drawn as a
    line-only text box. A drawing is anchored to a column plus an offset in px: the columns stretch when printed,
    the offsets do not, so each end is anchored in the column it falls in as printed."""
    cols = range(first, last + 1)
    printed = [printed_px(widths[col]) for col in cols]
    placed = [drawn_px(widths[col]) for col in cols]
    centre = sum(printed) / 2

    def anchor(x: float) -> tuple[int, float]:  # (column index in the block, offset within it, in px)
        index, start = 0, 0.0
        while index < len(printed) - 1 and start + printed[index] <= x:
            start += printed[index]
            index += 1
        return index, min(x - start, placed[index] - 1)

    (a, a_off), (b, b_off) = anchor(centre - length / 2), anchor(centre + length / 2)
    col = first + a
    offset = a_off
    size = sum(placed[a:b]) + b_off - a_off
    ws.insert_textbox(
        row,
        col,
        "",
        {
            "x_offset": round(offset),
            "y_offset": 1,
            "width": round(size),
            "height": 1,
            "line": {"color": "black", "width": 0.75},
            "fill": {"none": True},
            "object_position": 3,
            "description": "Đường kẻ",
        },
    )


# The end laid out in three blocks side by side, Nơi nhận at the left as the decree places it beside the signature,
# when the table is wide enough for them (widths in characters: Nơi nhận's lines are 10 pt).
RECIPIENTS_WIDTH, PREPARER_WIDTH, SIGNATORY_WIDTH = 40, 18, 28


def _three_blocks(widths: Sequence[float]) -> tuple[int, int] | None:
    """(last column of the Nơi nhận block, first column of the signatory's) when Nơi nhận, the preparer and the
    signatory fit side by side, else None."""
    left, span = 0, widths[0]
    while span < RECIPIENTS_WIDTH and left < len(widths) - 1:
        left += 1
        span += widths[left]
    right, span = len(widths) - 1, widths[-1]
    while span < SIGNATORY_WIDTH and right > 0:
        right -= 1
        span += widths[right]
    if right - left < 2 or sum(widths[left + 1 : right]) < PREPARER_WIDTH:
        return None
    return left, right


def signatures(sheet: Sheet, result: MonthResult, first_row: int) -> int:
    """NGƯỜI LẬP BIỂU and the signatory, and Nơi nhận: side by side (Nơi nhận at the left, the preparer in the
    middle, the signatory at the right) when the table is wide enough, else the two signatures above Nơi nhận;
    returns the last row written."""
    return signatures_of(sheet, result.plan.school, first_row)


def signatures_of(sheet: Sheet, school: School, first_row: int) -> int:
    """`signatures` for any issuing body."""
    ws, st = sheet.ws, sheet.styles
    bold, hint = st(bold=True, align="center"), st(italic=True, align="center")
    lines = copies_lines(school.copies or (f"{school.recipient or school.parent_body} (báo cáo)", "Lưu: VT"))
    blocks = _three_blocks(sheet.widths)
    if blocks is not None:
        left_end, right_start = blocks
        preparer, right = (left_end + 1, right_start - 1), (right_start, sheet.last_col)
        recipients, names = first_row, first_row + 2 + SIGNING_SPACE
    else:
        preparer, right = (0, sheet.left_end), (sheet.right_start, sheet.last_col)
        left_end = sheet.left_end
        names = first_row + 2 + SIGNING_SPACE
        recipients = names + 2
    _merge(ws, first_row, *preparer, PREPARER, bold)
    _merge(ws, first_row + 1, *preparer, PREPARER_HINT, hint)
    _merge(ws, first_row, *right, upper(school.signatory_title), bold)
    _merge(ws, first_row + 1, *right, SIGNATORY_HINT, hint)
    _merge(ws, names, *preparer, school.preparer_name, bold)
    _merge(ws, names, *right, school.signatory_name, bold)
    _merge(ws, recipients, 0, left_end, "Nơi nhận:", st(bold=True, italic=True, font_size=11))
    for offset, line in enumerate(lines, start=1):
        _merge(ws, recipients + offset, 0, left_end, line, st(font_size=10))
    return max(names, recipients + len(lines))


def end_rows(sheet: Sheet, result: MonthResult) -> int:
    """How many rows `finish` writes after the table's last row: a blank row, then the signatures and Nơi nhận."""
    school = result.plan.school
    copies = len(school.copies or ("", ""))
    if _three_blocks(sheet.widths) is not None:
        return 1 + max(2 + SIGNING_SPACE + 1, 1 + copies)
    return 1 + 2 + SIGNING_SPACE + 1 + 1 + 1 + copies


def document_number(symbol: str, kind: str = REPORT) -> str:
    """'Số:      /BC-THMĐ' ('/DS-…' for a list): the number is left for the clerk to write (Nghị định
    30/2020/NĐ-CP, Phụ lục I and III: the abbreviations of the types of document)."""
    return f"Số:        /{kind}-{symbol}" if symbol else f"Số:        /{kind}"


def copies_lines(copies: Sequence[str]) -> list[str]:
    """Nơi nhận as the decree writes it: '- …;' for each recipient, the last ending with '.'."""
    return [f"- {line}{'.' if i == len(copies) - 1 else ';'}" for i, line in enumerate(copies)]


def finish(sheet: Sheet, result: MonthResult, total_row: int, notes_last: int | None = None) -> None:
    """The signatures and Nơi nhận under the table (and the notes under it, up to `notes_last`), and the pages:
    the table's last rows go with the notes and the end."""
    finish_of(sheet, result.plan.school, total_row, notes_last)


def finish_of(sheet: Sheet, school: School, total_row: int, notes_last: int | None = None) -> None:
    """`finish` for any issuing body."""
    last = signatures_of(sheet, school, (notes_last or total_row) + 2)
    sheet.ws.freeze_panes(HEADER_ROW + 1, 0)
    page_setup(sheet.ws, HEADER_ROW, last, sheet.last_col, landscape=True)
    keep_end_together(sheet.ws, HEADER_ROW, total_row, last, sheet.last_col, landscape=True)
