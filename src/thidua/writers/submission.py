"""The report workbook for the receiving office: the month's `MonthResult` in the official layout of Nghị định
30/2020/NĐ-CP (parent body and Quốc hiệu, date line, title, table with totals, signatures), ready to e-mail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_range_abs

from thidua.core import vocabulary
from thidua.core.calendar import month_label
from thidua.counting.frames import rows
from thidua.counting.judgements import difference_text
from thidua.counting.measure import REGISTERED, STATUS_EXCEEDED, STATUS_MET, TITLE_CSTDCS, TITLE_LDTT, MonthResult
from thidua.excel.workbook import new_workbook
from thidua.writers.common import (
    PAGE_SAFETY,
    Format,
    PageFrame,
    Styles,
    add_sheet,
    cell_dates,
    page_setup,
    upper,
    vn,
    write_count,
    write_date,
    write_header,
    write_ratio,
    write_text,
)
from thidua.writers.common import merge_text as _merge
from thidua.writers.data_sheet import write_data_sheet
from thidua.writers.figures import summary_of
from thidua.writers.official import (
    HEADER_HEIGHT,
    HEADER_ROW,
    MARK,
    TOTAL,
    Sheet,
    end_rows,
    finish,
    new_sheet,
    results_date,
    signatures,
    top,
)

SHEET_PERSONS = "Đăng ký cá nhân"
SHEET_COLLECTIVE = "Đăng ký tập thể"
SHEET_RESULTS = "Kết quả tháng"

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
)  # staff notes (Ghi chú) are the school's own: the office is not shown them
COLLECTIVE_COLUMNS: tuple[tuple[str, float], ...] = (
    ("STT", 5),
    ("Tập thể", 26),
    ("Danh hiệu / hình thức", 40),
    ("Đăng ký", 9),
    ("Kết quả", 11),
    ("Số quyết định", 16),
    ("Ngày", 12),
)
RESULT_COLUMNS: tuple[tuple[str, float], ...] = (  # no target codes: the office reads the targets' names
    ("STT", 5),
    ("Chỉ tiêu", 52),
    ("Số chỉ tiêu", 9),
    ("Cơ sở", 8),
    ("Đăng ký", 9),
    ("Đạt được", 9),
    ("Tỷ lệ đạt", 9),
    ("Tình trạng", 13),
)


def write_submission(result: MonthResult, path: Path, today: dt.date | None = None) -> None:
    """Write the submission workbook of `result` to `path` (`today`: the day of the run, which dates the results
    of a month not yet over)."""
    with new_workbook(path) as wb:
        styles = Styles(wb, size=12)
        _persons(new_sheet(add_sheet(wb, SHEET_PERSONS), styles, _person_columns(result)), result)
        _collective(new_sheet(add_sheet(wb, SHEET_COLLECTIVE), styles, COLLECTIVE_COLUMNS), result)
        _results(new_sheet(add_sheet(wb, SHEET_RESULTS), styles, RESULT_COLUMNS), result, today)
        for number, name in rounds_ending(result):
            _round_review(new_sheet(add_sheet(wb, name), styles, REVIEW_COLUMNS), result, number, name, today)
        write_data_sheet(wb, result, summary_of(result))  # the figures as data, for the office's roll-up


def _person_columns(result: MonthResult) -> tuple[tuple[str, float], ...]:
    activities = tuple((name, 11.0) for name in result.plan.activity_columns)
    return (*PERSON_COLUMNS, *activities)


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


def _write_totals(sheet: Sheet, row: int, first: int, rows: int, totals: Sequence[_Total]) -> None:
    for t in totals:
        fmt = sheet.styles(bold=True, border=1, align="center", num_format=t.num_format)
        if not rows:  # a range over no data rows would point at the totals row itself
            sheet.ws.write_number(row, t.col, 0, fmt)
            continue
        col = t.col if t.source is None else t.source
        cells = xl_range_abs(first, col, first + rows - 1, col)
        sheet.ws.write_formula(row, t.col, "=" + t.formula.format(cells), fmt, t.cached)


def _blank_row(sheet: Sheet, row: int) -> None:
    for col in range(sheet.last_col + 1):
        sheet.ws.write_blank(row, col, None, sheet.styles.total_number)


def _persons(sheet: Sheet, result: MonthResult) -> None:
    plan, ws, st = result.plan, sheet.ws, sheet.styles
    deadline = plan.school.registration_deadline
    title = f"BẢNG TỔNG HỢP ĐĂNG KÝ THI ĐUA CÁ NHÂN NĂM HỌC {upper(plan.school.school_year)}"
    top(sheet, result, title, day=deadline)
    activities = list(plan.activity_columns)
    regs = result.persons[result.persons["registration"]]
    first = HEADER_ROW + 1
    activity_col = len(PERSON_COLUMNS)
    ticks = _ticks(regs.index, result.records.marks, activities)

    def values_of(field: str, fmt: Format) -> tuple[list[object], Format]:
        return regs[field].tolist(), fmt

    ws.table(first).add_columns(
        [
            (range(1, len(regs) + 1), st.number),
            values_of("name", st.text),
            (cell_dates(regs["birth_date"]), st.date),
            values_of("position", st.text),
            values_of("team", st.text),
            values_of("title", st.text),
            values_of("reward_form", st.text),
            values_of("initiative", st.text),
            values_of("initiative_level", st.center),
            values_of("teaching_aid", st.text),
            *((column, st.center) for column in ticks),
        ]
    )
    count = len(regs)
    total, among = first + count, first + count + 1
    _blank_row(sheet, total)
    _blank_row(sheet, among)
    _merge(ws, total, 0, 1, TOTAL, st.total_label)
    _merge(ws, total, 2, 4, "", st(bold=True, border=1, align="center", num_format='0" người"'))
    _merge(ws, among, 0, 4, f"Trong đó: {vocabulary.CSTDCS}", st.total_label)
    ldtt, cstdcs = _count_if(vocabulary.LDTT), _count_if(vocabulary.CSTDCS)
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
            *(_Total(activity_col + j, _count_if(MARK), column.count(MARK)) for j, column in enumerate(ticks)),
        ],
    )
    among_cstdcs = _Total(5, cstdcs, result.title_figure(TITLE_CSTDCS, REGISTERED))
    _write_totals(sheet, among, first, count, [among_cstdcs])
    finish(sheet, result, among, _differences(sheet, result, among))


def _ticks(persons: pd.Index, marks: pd.DataFrame, activities: Sequence[str]) -> list[list[str]]:
    """The tick columns of the registration sheet, one per activity: MARK where the person (by roster key, in the
    order of `persons`) marked it, else "". Each column is looked up at once (the benchmark month's 20,000
    persons and 17,792 marks: 0.0045 CPU-s against 0.016 through a set of (person, activity) pairs asked once per
    person and activity; forked writer, best of 8, 2026-12-07)."""
    shown = np.array(["", MARK], dtype=object)
    return [
        shown[persons.isin(marks["person"][marks["activity"] == name]).astype(np.intp)].tolist() for name in activities
    ]


def _collective(sheet: Sheet, result: MonthResult) -> None:
    ws, st, collectives = sheet.ws, sheet.styles, result.plan.collectives
    year = upper(result.plan.school.school_year)
    day = result.plan.school.registration_deadline
    top(sheet, result, f"BẢNG ĐĂNG KÝ DANH HIỆU THI ĐUA TẬP THỂ NĂM HỌC {year}", day=day)
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
    finish(sheet, result, total)


def _results(sheet: Sheet, result: MonthResult, today: dt.date | None) -> None:
    ws, st = sheet.ws, sheet.styles
    top(
        sheet,
        result,
        f"BÁO CÁO KẾT QUẢ THỰC HIỆN CHỈ TIÊU THI ĐUA THÁNG {month_label(result.month)}",
        f"Năm học {result.plan.school.school_year}",
        day=results_date(result, today),
    )
    first = HEADER_ROW + 1
    targets = result.targets
    wrapped = st(border=1, text_wrap=True, valign="top")
    for i, t in enumerate(rows(targets)):
        row = first + i
        ws.write_number(row, 0, i + 1, st.number)
        write_text(ws, row, 1, t.name, wrapped)
        write_count(ws, row, 2, t.target, st.number)
        write_count(ws, row, 3, t.base, st.number)
        write_count(ws, row, 4, t.registered, st.number)
        write_count(ws, row, 5, t.achieved, st.number)
        write_ratio(ws, row, 6, t.achieved_ratio, st.percent, st.center)
        write_text(ws, row, 7, t.status, st.center)
    total = first + len(targets)
    _blank_row(sheet, total)
    _merge(ws, total, 0, 0, TOTAL, st.total_label)
    reached = int(targets["status"].isin([STATUS_MET, STATUS_EXCEEDED]).sum())
    _write_totals(
        sheet,
        total,
        first,
        len(targets),
        [
            _Total(1, "COUNTA({0})", len(targets), '0" chỉ tiêu"'),
            _Total(7, f"{_count_if(STATUS_MET)}+{_count_if(STATUS_EXCEEDED)}", reached, '0" đạt"'),
        ],
    )
    finish(sheet, result, total, _differences(sheet, result, total))


def _differences(sheet: Sheet, result: MonthResult, table_last: int) -> int:
    """Under a table: why the registration sheet's column totals and the targets' registered figures differ (a
    co-authored work counted once, a teachers-only target…), so the two sheets never disagree without a word.
    Returns the last row written."""
    row = table_last + 1  # a blank row between the table and its notes
    notes = [difference_text(d) for d in rows(result.differences)]
    if not notes:
        return table_last
    style = sheet.styles(italic=True, text_wrap=True, valign="top")
    for number, note in enumerate(notes, start=1):
        row += 1
        _merge(sheet.ws, row, 0, sheet.last_col, f"{'Ghi chú: ' if number == 1 else ''}{note}", style)
    return row


# --- round reviews ---------------------------------------------------------------------------------------------

REVIEW_COLUMNS: tuple[tuple[str, float], ...] = (  # the targets' table; the staff's has its own header (PEOPLE_HEAD)
    ("STT", 5),
    ("Chỉ tiêu", 40),
    ("Số chỉ tiêu", 9),
    ("Đạt trong đợt", 9),
    ("Tỷ lệ đạt trong đợt", 10),
    ("Lũy kế năm học", 9),
    ("Tỷ lệ lũy kế", 9),
    ("Tình trạng", 20),
)
PEOPLE_HEAD = ("STT", "Họ và tên", "Tổ", "Số kết quả", "Kết quả trong đợt")  # the last over columns 4 to the end
RESULTS_FROM = 4
TRAVEL = 2  # the table's last rows that go with the signatures to the last page
ROW_DEFAULT = 15.0


def rounds_ending(result: MonthResult) -> list[tuple[int, str]]:
    """(round number, sheet name) of each round whose review the month holds (the result's `review` column)."""
    reviews = result.rounds["review"]
    return [(number, name) for number, name in enumerate(reviews, start=1) if name]


@dataclass(frozen=True)
class _Line:
    """One row of a round review: the table it belongs to ("targets", "people" or "" for a heading), how to write
    it at a row, its height, and how many lines after it must share its page (a heading with its table's head)."""

    table: str
    write: Callable[[int], None]
    height: float
    keep_next: int = 0


def _round_review(sheet: Sheet, result: MonthResult, number: int, name: str, today: dt.date | None) -> None:
    """What the round achieved, target by target, as of the round's last day (the review is dated then: a result
    dated later waits for the month's sheet), and the staff with results in the round under their own header row.
    The sheet is paged here: each page that continues a table starts with that table's own header row."""
    ws, st, plan = sheet.ws, sheet.styles, result.plan
    rnd = plan.rounds[number - 1]
    heading = "TỔNG KẾT NĂM HỌC" if name == "Tổng kết năm học" else f"SƠ KẾT ĐỢT {number}"
    top(
        sheet,
        result,
        f"{heading} PHONG TRÀO THI ĐUA NĂM HỌC {upper(plan.school.school_year)}",
        f"{rnd.name or f'Đợt {number}'}: từ {rnd.start:%d/%m/%Y} đến {rnd.end:%d/%m/%Y}",
        day=min(rnd.end, results_date(result, today)),
    )
    wrapped = st(border=1, text_wrap=True, valign="top")

    def height(*texts: tuple[str, object, int, int]) -> float:
        return max([ROW_DEFAULT, *(ws.text_height(vn(text), fmt, first, last) for text, fmt, first, last in texts)])

    def merged(text: str, fmt: object) -> _Line:
        return _Line(
            "", lambda row: _merge(ws, row, 0, sheet.last_col, text, fmt), height((text, fmt, 0, sheet.last_col))
        )

    lines: list[_Line] = []
    if rnd.focus:
        lines.append(merged(f"Trọng tâm của đợt: {rnd.focus}", st(italic=True, text_wrap=True)))
    lines.append(replace(merged("I. KẾT QUẢ THỰC HIỆN CHỈ TIÊU TRONG ĐỢT", st(bold=True)), keep_next=1))
    figures = result.round_targets[result.round_targets["round"] == number].set_index("code")
    for i, t in enumerate(rows(result.targets)):
        f = figures.loc[t.code]

        def target_row(row: int, i: int = i, t: Any = t, f: Any = f) -> None:
            ws.write_number(row, 0, i + 1, st.number)
            write_text(ws, row, 1, t.name, wrapped)
            write_count(ws, row, 2, t.target, st.number)
            write_count(ws, row, 3, f["achieved"], st.number)
            write_ratio(ws, row, 4, f["ratio"], st.percent, st.center)
            write_count(ws, row, 5, f["to_date"], st.number)
            write_ratio(ws, row, 6, f["to_date_ratio"], st.percent, st.center)
            write_text(ws, row, 7, f["to_date_status"], st.center)

        lines.append(_Line("targets", target_row, height((t.name, wrapped, 1, 1))))
    lines.append(replace(merged("II. CÁ NHÂN CÓ KẾT QUẢ TRONG ĐỢT", st(bold=True)), keep_next=2))
    lines.append(_Line("", lambda row: _people_head(sheet, row), PEOPLE_HEAD_HEIGHT, keep_next=1))
    done_in_round = result.round_results[result.round_results["round"] == number]
    roster = result.plan.roster
    people = [
        (roster[int(key)].label, roster[int(key)].team, list(done))  # type: ignore[arg-type]
        for key, done in done_in_round.groupby("person")["result"]
    ]
    for i, (person, team, done) in enumerate(people):
        shown = "; ".join(done)

        def person_row(row: int, i: int = i, person: str = person, team: str = team, done: list[str] = done) -> None:
            ws.write_number(row, 0, i + 1, st.number)
            write_text(ws, row, 1, person, wrapped)
            write_text(ws, row, 2, team, wrapped)
            write_count(ws, row, 3, len(done), st.number)
            _merge(ws, row, RESULTS_FROM, sheet.last_col, "; ".join(done), wrapped)

        rows_height = height(
            (person, wrapped, 1, 1), (team, wrapped, 2, 2), (shown, wrapped, RESULTS_FROM, sheet.last_col)
        )
        lines.append(_Line("people", person_row, rows_height))
    if not people:
        lines.append(merged("Chưa có cá nhân nào báo cáo kết quả trong đợt.", st(italic=True)))
    last_row, breaks = _lay_out(sheet, result, lines)
    signed = signatures(sheet, result, last_row + 2)
    ws.freeze_panes(HEADER_ROW + 1, 0)
    page_setup(ws, HEADER_ROW, signed, sheet.last_col, landscape=True, repeat=False)
    if breaks:
        ws.set_h_pagebreaks(breaks)


PEOPLE_HEAD_HEIGHT = 18.0


def _people_head(sheet: Sheet, row: int) -> None:
    """The staff table's own header row."""
    for col, label in enumerate(PEOPLE_HEAD[:RESULTS_FROM]):
        write_text(sheet.ws, row, col, label, sheet.styles.header)
    _merge(sheet.ws, row, RESULTS_FROM, sheet.last_col, PEOPLE_HEAD[RESULTS_FROM], sheet.styles.header)
    sheet.ws.set_row(row, PEOPLE_HEAD_HEIGHT)


def _targets_head(sheet: Sheet, row: int) -> None:
    """The targets table's header row, again at the top of a page that continues it."""
    write_header(sheet.ws, row, REVIEW_COLUMNS, sheet.styles.header)
    sheet.ws.set_row(row, HEADER_HEIGHT)


def _lay_out(sheet: Sheet, result: MonthResult, lines: list[_Line]) -> tuple[int, list[int]]:
    """Write `lines` under the sheet's header row, page by page: a page ends where the next line (with the lines
    it keeps) no longer fits, and the page that continues a table starts with that table's header row; the last
    TRAVEL lines go with the signatures and Nơi nhận to the last page. Returns the last row written and the page
    breaks (first row of each new page)."""
    ws = sheet.ws
    frame = PageFrame.of(ws, sheet.last_col, landscape=True)
    capacity = frame.capacity * PAGE_SAFETY
    heads: dict[str, tuple[Callable[[Sheet, int], None], float]] = {
        "targets": (_targets_head, HEADER_HEIGHT),
        "people": (_people_head, PEOPLE_HEAD_HEIGHT),
    }
    used = sum(ws.row_height(row, ROW_DEFAULT) for row in range(HEADER_ROW + 1))
    travel = max(0, len(lines) - TRAVEL)
    tail = sum(line.height for line in lines[travel:]) + end_rows(sheet, result) * ROW_DEFAULT
    row, breaks = HEADER_ROW + 1, []
    for index, line in enumerate(lines):
        if index < travel:
            needed = sum(kept.height for kept in lines[index : index + 1 + line.keep_next])
        else:
            needed = tail if index == travel else 0.0
        if used + needed > capacity and row > HEADER_ROW + 1:
            breaks.append(row)
            used = 0.0
            head = heads.get(line.table)
            if head is not None:
                head[0](sheet, row)
                used += head[1]
                row += 1
        line.write(row)
        used += line.height
        row += 1
    return row - 1, breaks
