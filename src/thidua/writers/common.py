"""Presentation helpers shared by the writers: Times New Roman formats, safe cell writes, percent and date
display, and the A4 page set-up every sheet gets. No figures are computed here."""

from __future__ import annotations

import datetime as dt
import math
import sys
import unicodedata
from collections.abc import Sequence
from functools import cached_property, lru_cache
from typing import Any

from thidua.issues import CATALOG, Issue, Severity, title_of
from thidua.rowstream import RowStream
from thidua.xlsx import Book, as_datetime, safe_text

FONT = "Times New Roman"
PERCENT = "0.0%"
DATE = "dd/mm/yyyy"
DASH = "—"
PAPER_A4 = 9
DEFAULT_WIDTH = 8.43
# LibreOffice prints a column of width w (characters of the default font) about w × 8.5 + 5 px wide in these Times
# New Roman workbooks, measured on its PDF; Excel, and xlsxwriter placing a drawing, count w × 7 + 5 px.
PRINTED_PX_PER_UNIT, PLACED_PX_PER_UNIT = 8.5, 7.0
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


def printed_px(width: float) -> float:
    """How wide LibreOffice prints a column of `width` characters, in px."""
    return width * PRINTED_PX_PER_UNIT + 5


class FittedSheet:
    """An xlsxwriter worksheet that gives rows holding wrapped text the height they need. Excel grows such
    rows when it opens a file, LibreOffice does not, and a printed form must show every line.

    Everything else is passed through to the worksheet; `fit_rows` applies the heights (page_setup calls it).
    """

    def __init__(self, worksheet: Worksheet, book: Book | None = None) -> None:
        self._ws = worksheet
        self._book = book
        self._widths: dict[int, float] = {}
        self._spans: dict[tuple[int, int], int] = {}  # (row, first column) of a one-row merge → last column
        self._heights: dict[int, float] = {}  # heights set explicitly: a minimum
        self._texts: list[tuple[int, int, str, Format]] = []
        self._capacity: dict[tuple[int, int, int], int] = {}  # (id(format), first, last column) → line length

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ws, name)

    def set_column(self, first_col: int, last_col: int, width: float | None = None, *args: Any) -> Any:
        for col in range(first_col, last_col + 1):
            self._widths[col] = DEFAULT_WIDTH if width is None else width
        self._capacity.clear()
        return self._ws.set_column(first_col, last_col, width, *args)

    def set_row(self, row: int, height: float | None = None, *args: Any) -> Any:
        if height is not None:
            self._heights[row] = height
        return self._ws.set_row(row, height, *args)

    def merge_range(
        self, first_row: int, first_col: int, last_row: int, last_col: int, data: Any, cell_format: Format | None = None
    ) -> Any:
        if first_row == last_row:
            self._spans[(first_row, first_col)] = last_col
        return self._ws.merge_range(first_row, first_col, last_row, last_col, data, cell_format)

    def write_string(self, row: int, col: int, string: str, cell_format: Format | None = None) -> Any:
        if cell_format is not None and cell_format.text_wrap:
            self._texts.append((row, col, string, cell_format))
        return self._ws.write_string(row, col, string, cell_format)

    def fit_rows(self) -> None:
        needed: dict[int, float] = {}
        for row, col, text, fmt in self._texts:
            last = self._spans.get((row, col), col)
            height = self.text_height(text, fmt, col, last)
            if height:
                needed[row] = max(needed.get(row, 0.0), height)
        for row, height in sorted(needed.items()):
            if height > self._heights.get(row, 0.0):
                self._ws.set_row(row, round(height, 2))
                self._heights[row] = round(height, 2)

    def set_height_seen(self, row: int, height: float) -> None:
        """A height a table body wrote on its own (see TableRows)."""
        self._heights[row] = height

    def row_height(self, row: int, default: float) -> float:
        """The height a row was given (points), else `default`."""
        return self._heights.get(row, default)

    def width_of(self, first: int, last: int) -> float:
        """Columns first..last in points as LibreOffice prints them (1 px = 0.75 pt)."""
        return sum(printed_px(self._widths.get(col, DEFAULT_WIDTH)) * 0.75 for col in range(first, last + 1))

    def text_height(self, text: str, fmt: Format, col: int, last: int | None = None) -> float:
        """The row height wrapped `text` needs in columns col..last, or 0 when it fits on one line (a one-line
        row keeps the height the application gives it)."""
        per_line = self._per_line(fmt, col, col if last is None else last)
        if len(text) <= per_line and "\n" not in text:
            return 0.0
        lines = wrapped_lines(text, per_line)
        return lines * float(fmt.font_size) * 1.2 + 3 if lines > 1 else 0.0

    def _per_line(self, fmt: Format, col: int, last: int) -> int:
        """How many characters of `fmt` fit on one line of columns col..last."""
        found = self._capacity.get((id(fmt), col, last))
        if found is None:
            width = sum(self._widths.get(c, DEFAULT_WIDTH) for c in range(col, last + 1))
            # Column width is in characters of the default font (7 px each, plus 5 px of padding); Vietnamese
            # text in Times New Roman averages about 0.55 px per point of font size per character, bold more.
            found = max(1, int((width * 7 + 5) / (float(fmt.font_size) * (0.62 if fmt.bold else 0.56))))
            self._capacity[(id(fmt), col, last)] = found
        return found

    def table(self, first_row: int) -> TableRows:
        """The body of a table starting at `first_row`, written row by row in order (see `TableRows`)."""
        if self._book is None:
            raise ValueError("a table body needs the sheet's workbook")
        return TableRows(self, self._book.stream(self._ws.name, first_row))


class TableRows:
    """The rows of a large table, written in order and in constant memory (`thidua.rowstream`), each row given
    the height its wrapped text needs. Column widths must be set before the first row."""

    def __init__(self, sheet: FittedSheet, stream: RowStream) -> None:
        self._sheet = sheet
        self._stream = stream

    def add(self, cells: Sequence[tuple[object, Format]]) -> int:
        """Write the next row: (value, format) per column from A; text is made cell-safe here, "" and None
        are blank cells. Returns the row's 0-based number."""
        height = 0.0
        shown: list[tuple[object, Format]] = []
        for col, (value, fmt) in enumerate(cells):
            if value.__class__ is str or isinstance(value, str):
                value = vn(value)
                if value and fmt is not None and fmt.text_wrap:
                    height = max(height, self._sheet.text_height(value, fmt, col))
            shown.append((value, fmt))
        row = self._stream.add(shown, round(height, 2) or None)
        if height:
            self._sheet.set_height_seen(row, round(height, 2))
        return row

    @property
    def last_row(self) -> int:
        """The last row written, or the row above the table when none was."""
        return self._stream.last_row


@lru_cache(maxsize=1 << 15)  # the team sheets of the issue report list the same messages again
def wrapped_lines(text: str, per_line: int) -> int:
    """How many lines `text` takes when wrapped at word boundaries into lines of `per_line` characters."""
    lines = 0
    for paragraph in text.split("\n"):
        lines += 1
        used = 0
        for word in paragraph.split():
            if used and used + 1 + len(word) <= per_line:
                used += 1 + len(word)
                continue
            if used:  # the word starts a new line
                lines += 1
            full, rest = divmod(len(word), per_line)  # a word longer than a line breaks over several
            lines += full - (0 if rest else 1) if full else 0
            used = rest or per_line
    return lines


def add_sheet(workbook: Workbook, name: str) -> FittedSheet:
    return FittedSheet(workbook.add_worksheet(name), workbook if isinstance(workbook, Book) else None)


def vn(value: object) -> str:
    """Cell-safe NFC text for anything shown to the user."""
    if isinstance(value, str) and len(value) <= 40:
        return _vn_short(value)
    return unicodedata.normalize("NFC", safe_text(value))


@lru_cache(maxsize=1 << 14)  # titles, positions, teams and marks repeat on every row of a table
def _vn_short(value: str) -> str:
    return unicodedata.normalize("NFC", safe_text(value))


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
) -> None:
    """A4, one page wide, header rows repeated on every page, print area over what was written; rows with
    wrapped text get their height (`ws` is a FittedSheet)."""
    ws.fit_rows()
    ws.set_paper(PAPER_A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=0.6, right=0.6, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row, header_row + header_rows - 1)
    ws.print_area(0, 0, max(last_row, header_row), last_col)
    ws.set_footer(f'&C&"{FONT},Regular"&10Trang &P/&N')


# A4 in points, less the margins page_setup sets (0.6 in each side) and room for the page-number footer.
A4_LONG, A4_SHORT, MARGINS, FOOTER = 841.9, 595.3, 2 * 0.6 * 72, 24.0


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
    """When a sheet runs over one page, a manual page break keeps the table's last `with_rows` rows with what
    follows them (totals, signatures, Nơi nhận): no page then holds only the recipients or only the repeated
    header. The page count is estimated from the row heights and the fit-to-width scale, with a margin."""
    width, height = (A4_LONG, A4_SHORT) if landscape else (A4_SHORT, A4_LONG)
    scale = min(1.0, (width - MARGINS) / max(1.0, ws.width_of(0, last_col)))
    needed = sum(ws.row_height(row, row_default) for row in range(last_row + 1)) * scale
    if needed <= (height - MARGINS - FOOTER) * 0.92:
        return  # one page, with some room for the estimate's error
    first_data = header_row + 1
    ws.set_h_pagebreaks([max(first_data + 1, table_last - with_rows + 1)])


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
