"""Laying out xlsxwriter sheets for print, with no domain knowledge: rows as tall as their wrapped text (Excel
grows them on opening, LibreOffice does not), column widths as LibreOffice prints them, and large table bodies
written in constant memory. One width estimate (`line_capacity`, `lines_height`) serves every writer, the
templates and the return copies' fix sheet."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import compress, count, repeat
from operator import itemgetter
from typing import Any, cast

from thidua.excel.rowstream import RowStream
from thidua.excel.workbook import _XML_ILLEGAL, EXCEL_CELL_LIMIT, Book, safe_text

Workbook = Any
Worksheet = Any
Format = Any

DEFAULT_WIDTH = 8.43
# LibreOffice prints a column of width w (characters of the default font) about w × 8.5 + 5 px wide in these Times
# New Roman workbooks, measured on its PDF; Excel, and xlsxwriter placing a drawing, count w × 7 + 5 px.
PRINTED_PX_PER_UNIT, PLACED_PX_PER_UNIT = 8.5, 7.0


def printed_px(width: float) -> float:
    """How wide LibreOffice prints a column of `width` characters, in px."""
    return width * PRINTED_PX_PER_UNIT + 5


# A column's width counts characters of the default font. xlsxwriter's set_column takes it without the cell's
# padding, which Excel draws w × 7 + 5 px wide; the width a file stores (what openpyxl reads and writes, and a
# <col width> holds) has the padding in it already: w × 7 px.
def drawn_px(width: float) -> float:
    """How wide Excel draws a column of `width` characters as set_column takes them (padding apart), in px."""
    return width * PLACED_PX_PER_UNIT + 5


def stored_px(width: float) -> float:
    """How wide Excel draws a column whose width is stored in the file as `width`, in px."""
    return width * PLACED_PX_PER_UNIT


def line_capacity(px: float, size: float, bold: bool = False) -> int:
    """How many characters of `size`-point text fit on one line `px` wide: Vietnamese text in Times New Roman
    averages about 0.56 px per point of font size per character, bold 0.62."""
    return max(1, int(px / (size * (0.62 if bold else 0.56))))


def text_px(text: str, size: float, bold: bool = False) -> float:
    """About how wide `text` prints in Times New Roman (px at 96 dpi): capitals wider than small letters
    (measured: bold capitals 0.75 em, mixed text 0.53 em)."""
    em = size * 96 / 72
    widths = {" ": 0.28}
    total = sum(widths.get(ch, 0.75 if ch.isupper() else 0.5) for ch in text)
    return total * em * (1.04 if bold else 1.0)


def lines_height(lines: int, size: float) -> float:
    """The row height in points that `lines` lines of `size`-point text need (line spacing 1.2, 3 pt padding)."""
    return lines * size * 1.2 + 3


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

    def set_heights_seen(self, first: int, heights: Iterable[float]) -> None:
        """The heights a table body wrote from row `first` on (0: the row kept the default height)."""
        self._heights.update(filter(itemgetter(1), zip(count(first), heights)))

    def row_heights(self, rows: int, default: float) -> list[float]:
        """The heights of the first `rows` rows (points): as given, else `default`."""
        return list(map(self._heights.get, range(rows), repeat(default)))

    def row_height(self, row: int, default: float) -> float:
        """The height a row was given (points), else `default`."""
        return self._heights.get(row, default)

    def width_of(self, first: int, last: int) -> float:
        """Columns first..last in points as LibreOffice prints them (1 px = 0.75 pt)."""
        return sum(printed_px(self._widths.get(col, DEFAULT_WIDTH)) * 0.75 for col in range(first, last + 1))

    def text_height(self, text: str, fmt: Format, col: int, last: int | None = None) -> float:
        """The row height wrapped `text` needs in columns col..last, or 0 when it fits on one line (a one-line
        row keeps the height the application gives it)."""
        per_line = self.line_length(fmt, col, col if last is None else last)
        if len(text) <= per_line and "\n" not in text:
            return 0.0
        lines = wrapped_lines(text, per_line)
        return lines_height(lines, float(fmt.font_size)) if lines > 1 else 0.0

    def line_length(self, fmt: Format, col: int, last: int) -> int:
        """How many characters of `fmt` fit on one line of columns col..last."""
        found = self._capacity.get((id(fmt), col, last))
        if found is None:
            width = sum(self._widths.get(c, DEFAULT_WIDTH) for c in range(col, last + 1))
            found = line_capacity(drawn_px(width), float(fmt.font_size), bool(fmt.bold))  # one padding a span
            self._capacity[(id(fmt), col, last)] = found
        return found

    def table(self, first_row: int) -> TableRows:
        """The body of a table starting at `first_row`, written row by row in order (see `TableRows`)."""
        if self._book is None:
            raise ValueError("a table body needs the sheet's workbook")
        return TableRows(self, self._book.stream(self._ws.name, first_row))


class TableRows:
    """The rows of a large table, written in order and in constant memory (`thidua.excel.rowstream`), each row given
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

    def add_columns(self, columns: Sequence[tuple[Sequence[object], Format]]) -> None:
        """Write the next rows given column by column from A: each column's values (one per row, all columns as
        long) and its format; the rows are the ones `add` would write, row by row.

        Each column's distinct values are made cell-safe, measured for height and turned into XML once, and every
        row is then put together from them (`RowStream.add_rows`). Measured 2026-12-07 on the benchmark
        workspace's month (20,000 persons, two shared cores, CPU of a forked writer, best of 4 in three alternating
        sessions): the dashboard's persons sheet 0.13-0.14 CPU-s against 0.44-0.48 row by row through `add`, the
        report's 0.16-0.17 against 0.51; its 20,000 names are distinct, its other text columns hold a few dozen
        values. A school's 32 persons: a few ms either way.

        A column whose values are all distinct (numbers, names) is not looked up value by value again, only texts
        longer than a line are measured, and heights are rounded once per distinct value (rounding commutes with a
        row's max): 0.083 CPU-s for either persons sheet against 0.092-0.096 (cells and cell-safe text as now;
        forked writer, best of 8, 2026-12-07)."""
        if not columns:
            return
        count = len(columns[0][0])
        if any(len(values) != count for values, _fmt in columns):
            raise ValueError("the columns of a table body must be as long as each other")
        cells: list[list[bytes]] = []
        heights: list[list[float]] = []
        for col, (values, fmt) in enumerate(columns):
            made, tall = self._column(col, values, fmt)
            cells.append(made)
            if tall is not None:
                heights.append(tall)
        if not heights:
            needed: Sequence[float] = [0.0] * count
        elif len(heights) == 1:
            needed = heights[0]
        else:
            needed = list(map(max, *heights))
        first = self._stream.last_row + 1
        self._stream.add_rows(zip(*cells, strict=True), needed, len(columns))
        if heights:
            self._sheet.set_heights_seen(first, needed)

    def _column(self, col: int, values: Sequence[object], fmt: Format) -> tuple[list[bytes], list[float] | None]:
        """A column's cells as XML (`RowStream.cells`), and the height each row's text needs, rounded as a row's
        height is (None when no value of the column needs more than the default height)."""
        kinds = set(map(type, values))
        kinds.discard(type(None))  # None equals no value of another kind
        plain = len(kinds) <= 1  # no 1 == 1.0 == True between kinds: the values can be dictionary keys as they are
        keys: list[Any] = list(values) if plain else [(value.__class__, value) for value in values]
        distinct = list(dict.fromkeys(keys))
        shown = _cell_safe(distinct if plain else [k[1] for k in distinct])
        made = self._stream.cells(col, shown, fmt)
        every = len(distinct) == len(keys)  # each value once (numbers, names): the rows are the distinct values
        cells = made if every else list(map(dict(zip(distinct, made, strict=True)).__getitem__, keys))
        if fmt is None or not fmt.text_wrap:
            return cells, None
        per_line = self._sheet.line_length(fmt, col, col)
        candidates: Iterable[tuple[Any, object]] = zip(distinct, shown, strict=True)
        texts = cast(list[str], shown)
        if kinds == {str} and None not in texts and not any(map(str.__contains__, texts, repeat("\n"))):
            candidates = compress(candidates, map(per_line.__lt__, map(len, texts)))  # only the long ones
        tall = {
            key: round(self._sheet.text_height(text, fmt, col), 2)  # rounding commutes with the row's max
            for key, text in candidates
            if text.__class__ is str and (len(text) > per_line or "\n" in text)  # else one line: no height
        }
        if not any(tall.values()):
            return cells, None
        return cells, list(map(tall.get, keys, repeat(0.0)))

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
    return _vn_fresh(value)


def _cell_safe(values: list[object]) -> list[object]:
    """`values` with each text made cell-safe NFC text (`_vn_fresh`), other values as they are. A column of texts
    that are all cell-safe NFC already is checked joined into one text (a line break apart: normalisation never
    joins a line break to a neighbour, so the whole is NFC exactly when each text is) and given back as it is: the
    texts of either persons sheet of the benchmark month (its 20,000 names) 0.0036 CPU-s against 0.0084-0.0088 one
    by one (forked writer, best of 8, 2026-12-07)."""
    kinds = set(map(type, values))
    if not any(issubclass(kind, str) for kind in kinds):
        return values
    if kinds == {str}:
        texts = cast(list[str], values)
        joined = "\n".join(texts)
        if (
            max(map(len, texts)) <= EXCEL_CELL_LIMIT
            and _XML_ILLEGAL.search(joined) is None
            and unicodedata.is_normalized("NFC", joined)
        ):
            return values
    return [_vn_fresh(v) if isinstance(v, str) else v for v in values]


def _vn_fresh(value: object) -> str:
    """`vn` without its cache, for text already made distinct (TableRows.add_columns)."""
    return unicodedata.normalize("NFC", safe_text(value))
