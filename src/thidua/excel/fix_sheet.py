"""The fix sheet (the first sheet of a return copy, listing what to fix) laid out once, as plain data: its rows
with their fonts and heights, merged ranges, column widths and page set-up. The package edits write it as
worksheet XML (`package_patch`), a copy made through openpyxl writes it with openpyxl
(`thidua.writers.return_copies`); both read the same `FixSheetLayout`, so the two copies cannot drift apart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from thidua.excel.layout import DEFAULT_WIDTH, line_capacity, lines_height, stored_px, wrapped_lines

MAX_ROW_HEIGHT = 409.0  # Excel's tallest row, in points


@dataclass(frozen=True)
class FixSheet:
    """What the sheet says: its name, its rows (None for a blank row; each row a list of texts from column A) with
    the style of each row ('title', 'head' or 'plain'), the column widths as the file stores them, the tab colour,
    and the fonts (name, size): the title's, and the body's (bold in the head row)."""

    name: str
    rows: Sequence[tuple[str, Sequence[str]] | None]
    widths: Sequence[float]
    tab_color: str
    title_font: tuple[str, float] = ("Times New Roman", 12)
    body_font: tuple[str, float] = ("Times New Roman", 11)


@dataclass(frozen=True)
class Font:
    name: str
    size: float
    bold: bool


@dataclass(frozen=True)
class TextRow:
    """One row: its number (1-based), its texts from column A ('' leaves a cell empty), all in `font` and wrapped
    at the top of their cells, its height in points, and the last column (0-based) its single text spans to when
    it is merged over the table (a title or a sentence), else None."""

    number: int
    texts: tuple[str, ...]
    font: Font
    height: float
    span: int | None


@dataclass(frozen=True)
class Page:
    """Print set-up: paper (ECMA-376 paperSize: 9 is A4), orientation, fitted to `fit_width` pages wide and
    `fit_height` tall (0: as many as it takes), margins in inches and the page footer's centre text."""

    paper: int = 9
    landscape: bool = True
    fit_width: int = 1
    fit_height: int = 0
    left: float = 0.5
    right: float = 0.5
    top: float = 0.6
    bottom: float = 0.6
    header: float = 0.3
    footer: float = 0.3
    footer_text: str = "Trang &P/&N"


@dataclass(frozen=True)
class FixSheetLayout:
    """A fix sheet as printed: A4 landscape, one page wide at 100 % when its widths fit; every text wraps at the top
    of its cell; a row with a single text spans the table; each row is as tall as its wrapped text (estimated as
    `thidua.excel.layout` estimates every sheet's); the head row is repeated on every printed page. The sheet is
    the first of its workbook, selected, with its tab coloured."""

    name: str
    tab_color: str
    widths: tuple[float, ...]
    rows: tuple[TextRow, ...]
    extent: int  # rows the sheet spans, blank rows included
    title_row: int  # the head row, printed on every page (1-based); 0 when there is none
    page: Page = field(default_factory=Page)

    @property
    def merges(self) -> tuple[tuple[int, int, int], ...]:
        """(row, first column, last column) of each merged range: 1-based row, 0-based columns."""
        return tuple((row.number, 0, row.span) for row in self.rows if row.span is not None)


def lay_out(sheet: FixSheet) -> FixSheetLayout:
    """The layout of `sheet`, computed once for whichever way the copy is written."""
    (title_name, title_size), (body_name, body_size) = sheet.title_font, sheet.body_font
    fonts = {
        "title": Font(title_name, title_size, True),
        "head": Font(body_name, body_size, True),
        "plain": Font(body_name, body_size, False),  # the head's face and size, not bold
    }
    last = max(len(sheet.widths) - 1, 0)
    rows = []
    for number, row in enumerate(sheet.rows, start=1):
        if row is None:
            continue
        kind, texts = row
        font = fonts[kind]
        spans = len(texts) == 1 and last > 0  # a title or a sentence: over the whole table
        lines = 1
        for col, text in enumerate(texts):
            width = sum(sheet.widths) if spans else (sheet.widths[col] if col < len(sheet.widths) else DEFAULT_WIDTH)
            if text:
                lines = max(lines, wrapped_lines(text, line_capacity(stored_px(width), font.size, font.bold)))
        height = min(MAX_ROW_HEIGHT, round(lines_height(lines, font.size), 2))
        rows.append(TextRow(number, tuple(texts), font, height, last if spans else None))
    head = next((n for n, row in enumerate(sheet.rows, start=1) if row is not None and row[0] == "head"), 0)
    return FixSheetLayout(sheet.name, sheet.tab_color, tuple(sheet.widths), tuple(rows), len(sheet.rows), head)
