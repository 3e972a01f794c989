"""Presentation helpers shared by the writers: Times New Roman formats, safe cell writes, percent and date
display, and the A4 page set-up every sheet gets. No figures are computed here."""

from __future__ import annotations

import datetime as dt
import math
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

from thidua.excel.layout import (  # noqa: F401 (the writers' layout helpers, re-exported)
    DEFAULT_WIDTH,
    PLACED_PX_PER_UNIT,
    PRINTED_PX_PER_UNIT,
    FittedSheet,
    TableRows,
    add_sheet,
    printed_px,
    vn,
    wrapped_lines,
)
from thidua.excel.workbook import as_datetime
from thidua.issues import CATALOG, Issue, Severity, title_of

FONT = "Times New Roman"
PERCENT = "0.0%"
DATE = "dd/mm/yyyy"
DASH = "—"
PAPER_A4 = 9
HEADER_BG = "#DDEBF7"
ERROR_BG = "#FFC7CE"
WARNING_BG = "#FFEB9C"
GOOD_BG = "#C6EFCE"
GOOD_FG = "#006100"
WARNING_FG = "#9C5700"
ERROR_FG = "#9C0006"
NO_ISSUES = "Không có lỗi nào."

# xlsxwriter ships no type information
Workbook = Any
Worksheet = Any
Format = Any


class Styles:
    """Cached Times New Roman formats of one workbook: `styles(bold=True, border=1)` returns the same
    Format object for the same properties, so a workbook holds each style once."""

    def __init__(self, workbook: Workbook, size: int = 12) -> None:
        self._workbook = workbook
        self._size = size
        self._cache: dict[tuple[tuple[str, object], ...], Format] = {}

    def __call__(self, **props: object) -> Format:
        merged: dict[str, object] = {"font_name": FONT, "font_size": self._size, "valign": "vcenter"}
        merged.update(props)
        key = tuple(sorted(merged.items()))
        if key not in self._cache:
            self._cache[key] = self._workbook.add_format(merged)
        return self._cache[key]

    # The table formats every writer uses.
    @cached_property
    def header(self) -> Format:
        return self(bold=True, border=1, align="center", text_wrap=True, bg_color=HEADER_BG)

    def cell(self, **props: object) -> Format:
        return self(border=1, text_wrap=True, **props)

    @cached_property
    def text(self) -> Format:
        return self.cell()

    @cached_property
    def center(self) -> Format:
        return self.cell(align="center")

    @cached_property
    def number(self) -> Format:
        return self.cell(align="center", num_format="0")

    @cached_property
    def percent(self) -> Format:
        return self.cell(align="center", num_format=PERCENT)

    @cached_property
    def date(self) -> Format:
        return self.cell(align="center", num_format=DATE)

    @cached_property
    def total_label(self) -> Format:
        return self.cell(bold=True, align="center")

    @cached_property
    def total_number(self) -> Format:
        return self.cell(bold=True, align="center", num_format="0")


def upper(value: object) -> str:
    """Vietnamese capitals (Phòng GD&ĐT → PHÒNG GD&ĐT), kept NFC."""
    return unicodedata.normalize("NFC", vn(value).upper())


def write_text(ws: Worksheet, row: int, col: int, value: object, fmt: Format | None = None) -> None:
    """Write text as text, never as a formula, link or number, whatever it starts with. Empty text is a
    blank cell, so that COUNTA totals do not count it."""
    text = vn(value)
    if text:
        ws.write_string(row, col, text, fmt)
    else:
        ws.write_blank(row, col, None, fmt)


def missing(value: object) -> bool:
    """No figure: None, NaN or pandas' NA (looked up only once pandas is loaded: the templates, which never
    hold a frame, do without it)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    pandas = sys.modules.get("pandas")
    return pandas is not None and value is pandas.NA


def write_count(ws: Worksheet, row: int, col: int, value: object, fmt: Format | None = None) -> None:
    """A whole number, or an empty bordered cell when there is none."""
    if missing(value):
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_number(row, col, int(value), fmt)  # type: ignore[call-overload]


def write_ratio(ws: Worksheet, row: int, col: int, ratio: object, fmt: Format, dash_fmt: Format) -> None:
    """A ratio shown as a percent (rounded by the format only), or "—" when there is no ratio."""
    if missing(ratio):
        ws.write_string(row, col, DASH, dash_fmt)
    else:
        ws.write_number(row, col, float(ratio), fmt)  # type: ignore[arg-type]


def write_date(ws: Worksheet, row: int, col: int, value: dt.date | None, fmt: Format) -> None:
    """A real date (dd/mm/yyyy), or an empty bordered cell."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_datetime(row, col, as_datetime(value), fmt)


def cell_dates(column: Any) -> list[dt.date | None]:
    """A frame's date column as the dates its cells show (None for none): `frames.as_date` of each value, a
    datetime64 column converted whole (20,000 birth dates: 2 ms against 37 ms one by one, measured 2026-12-07)."""
    from thidua.counting.frames import as_date  # pandas: not loaded for the templates, which use this module

    values = column.to_numpy()
    if values.dtype.kind == "M":
        return cast(list[dt.date | None], values.astype("datetime64[D]").tolist())
    return [as_date(value) for value in column.tolist()]


def merge_text(ws: Worksheet, row: int, first_col: int, last_col: int, value: object, fmt: Format) -> None:
    """Merge one row over columns and put text in it (merge_range alone would guess the type)."""
    if last_col > first_col:
        ws.merge_range(row, first_col, row, last_col, "", fmt)
    write_text(ws, row, first_col, value, fmt)


def write_header(ws: Worksheet, row: int, columns: Sequence[tuple[str, float]], fmt: Format) -> None:
    """Header labels in `row` and each column's width."""
    for col, (label, width) in enumerate(columns):
        write_text(ws, row, col, label, fmt)
        ws.set_column(col, col, width)


def page_setup(
    ws: Worksheet,
    header_row: int,
    last_row: int,
    last_col: int,
    *,
    landscape: bool = False,
    header_rows: int = 1,
    repeat: bool = True,
) -> None:
    """A4, one page wide, header rows repeated on every page (unless the sheet writes its own on each page:
    `repeat` False), print area over what was written; rows with wrapped text get their height (`ws` is a
    FittedSheet)."""
    ws.fit_rows()
    ws.set_paper(PAPER_A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=0.6, right=0.6, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.fit_to_pages(1, 0)
    if repeat:
        ws.repeat_rows(header_row, header_row + header_rows - 1)
    ws.print_area(0, 0, max(last_row, header_row), last_col)
    ws.set_footer(f'&C&"{FONT},Regular"&10Trang &P/&N')


# A4 in points, less the margins page_setup sets (0.6 in each side) and room for the page-number footer.
A4_LONG, A4_SHORT, MARGINS, FOOTER = 841.9, 595.3, 2 * 0.6 * 72, 24.0


ONE_PAGE_SHRINK = 1.2  # a sheet over one page by at most this much prints on one page, slightly smaller
PAGE_SAFETY = 0.95  # of a page: what the estimate of the rows' heights may fill, for its error
# LibreOffice fits these sheets to the page about 10 % smaller than the columns' printed widths say (measured on
# its PDF of the report: 15-point rows print 13.5 points high on a sheet estimated at 100 %).
FIT_WIDTH_FACTOR = 1.11


@dataclass(frozen=True)
class PageFrame:
    """How much of an A4 page, in the sheet's own (unscaled) points, its rows may fill once printed one page wide."""

    capacity: float
    scale: float

    @classmethod
    def of(cls, ws: FittedSheet, last_col: int, *, landscape: bool) -> PageFrame:
        width, height = (A4_LONG, A4_SHORT) if landscape else (A4_SHORT, A4_LONG)
        scale = min(1.0, (width - MARGINS) / max(1.0, ws.width_of(0, last_col) * FIT_WIDTH_FACTOR))
        return cls((height - MARGINS - FOOTER) / scale, scale)


def keep_end_together(
    ws: FittedSheet,
    header_row: int,
    table_last: int,
    last_row: int,
    last_col: int,
    *,
    landscape: bool,
    with_rows: int = 3,
    row_default: float = 15.0,
) -> None:
    """Pages for a sheet with a table and an end (totals, signatures, Nơi nhận): a sheet a little over one page is
    printed on one page, slightly smaller; a longer one gets a manual break at every page end, the table's last
    `with_rows` rows going with the end to the last page only when the end would not fit beside them (so no page
    holds only the recipients or only the repeated header, and none is left mostly empty for the end's sake).
    The pages are estimated from the row heights and the fit-to-width scale, with a margin (PAGE_SAFETY)."""
    frame = PageFrame.of(ws, last_col, landscape=landscape)
    heights = ws.row_heights(last_row + 1, row_default)
    needed = sum(heights)
    if needed <= frame.capacity * PAGE_SAFETY:
        return  # one page
    if needed <= frame.capacity * PAGE_SAFETY * ONE_PAGE_SHRINK:
        ws.fit_to_pages(1, 1)
        return
    travel = max(header_row + 2, table_last - with_rows + 1)  # the first row that goes with the end
    breaks = page_breaks(heights, header_row, frame.capacity * PAGE_SAFETY, keep_from=travel)
    ws.set_h_pagebreaks(breaks)


def page_breaks(heights: Sequence[float], header_row: int, capacity: float, keep_from: int) -> list[int]:
    """Where pages end (the first row of each next page) when rows of `heights` flow onto pages of `capacity`
    points, every page after the first starting with the repeated header row; the rows from `keep_from` to the end
    stay on one page."""
    repeat = heights[header_row]
    tail = sum(heights[keep_from:])
    breaks: list[int] = []
    used = 0.0
    for row, height in enumerate(heights):
        if row <= header_row + 1:
            overflow = False  # the first page holds the top, the header and at least one row
        elif row < keep_from:
            overflow = used + height > capacity
        elif row == keep_from:
            overflow = used + tail > capacity  # the end and the rows going with it, together
        else:
            overflow = used + height > capacity and tail > capacity - repeat  # an end taller than a page flows on
        if overflow:
            breaks.append(row)
            used = repeat
        used += height
    return breaks


def severity_style(styles: Styles, severity: Severity, **props: object) -> Format:
    """Issue rows: errors light red, warnings light yellow, notes plain."""
    fill = {Severity.ERROR: ERROR_BG, Severity.WARNING: WARNING_BG}.get(severity)
    if fill is None:
        return styles.cell(**props)
    return styles.cell(bg_color=fill, **props)


def issue_field(issue: Issue, name: str) -> str:
    """What an issue table shows in a column: an Issue attribute, its severity in words, or its problem title."""
    if name == "severity":
        return issue.severity.value
    if name == "problem":
        return title_of(issue.code) if issue.code in CATALOG else issue.code
    return str(getattr(issue, name))


def write_issue_table(
    ws: Worksheet,
    styles: Styles,
    header: int,
    issues: Sequence[Issue],
    fields: Sequence[str],
    centered: frozenset[str],
    empty: str,
) -> None:
    """Rows of issues under a header already written at `header`: STT, then `fields`; rows coloured by severity,
    a line saying `empty` when there is none; filter, frozen header and A4 set-up."""
    last_col = len(fields)
    table = ws.table(header + 1)
    looks = {  # per severity: the number's format, then each field's
        severity: (
            severity_style(styles, severity, align="center", num_format="0"),
            [
                severity_style(styles, severity, align="center") if n in centered else severity_style(styles, severity)
                for n in fields
            ],
        )
        for severity in Severity
    }
    for i, issue in enumerate(issues):
        number, formats = looks[issue.severity]
        table.add([(i + 1, number), *zip([issue_field(issue, n) for n in fields], formats, strict=True)])
    if not issues:
        merge_text(ws, header + 1, 0, last_col, empty, styles.cell(italic=True, align="center"))
    last = header + max(len(issues), 1)
    ws.autofilter(header, 0, last, last_col)
    ws.freeze_panes(header + 1, 0)
    page_setup(ws, header, last, last_col, landscape=True)
