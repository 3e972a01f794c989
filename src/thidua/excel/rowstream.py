"""Large tables written as worksheet XML rows, straight to a temporary file, and put into their sheet when the
workbook has been saved.

xlsxwriter spends about 7 µs on each cell (checks, the shared-string table, then the XML at close), which is
most of the month at province scale: two 20,000-person sheets are 600,000 cells. A table's body is the simplest
part of a sheet (one row after another: numbers, dates, text, blanks, each with a style), so it is written here
in the form xlsxwriter's own constant-memory mode uses (inline strings, rows in order) at a fraction of the
cost, and in constant memory: rows go to disk as they come. Everything else in the sheet (title, header,
merged cells, totals under the table, filters, print set-up) stays with xlsxwriter.

The rows are spliced into the saved package: the sheet's part is found from xl/workbook.xml and its
relationships, the rows go into <sheetData> in row order, and <dimension> is widened to cover them.

It writes every table body the writers lay out (`FittedSheet.table`: the per-person sheets of the dashboard and
of the report, the issue tables), whatever its size: one way of writing them, read back against xlsxwriter's
cell by cell in tests/test_rowstream.py. Measured (2026-12, two shared cores, xlsxwriter 3.3.1) on a sheet laid
out like the dashboard's persons (14 columns, its widths and formats, rows as tall as their text), the whole
workbook written, each run in its own process (median of 5 to 10 runs): 20,000 persons 0.62 s against 2.24 s
cell by cell through xlsxwriter (the same cells and heights), peak 93 against 123 MiB; 1,000 persons 0.04
against 0.09 s; a school's 32 persons about 10 ms either way. It depends on one private call of xlsxwriter,
Format._get_xf_index; a test of tests/test_rowstream.py says plainly when a new xlsxwriter changes it.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import IO, Any, cast

from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name

from thidua.excel.ooxml import sheet_parts

Format = Any  # xlsxwriter ships no type information
Cell = tuple[object, Format]  # (value, format): str, int, float, date, or None / "" for a blank cell

_EPOCH = dt.date(1899, 12, 30)  # serial 0 in the 1900 date system, for dates from 1 March 1900
_FIRST_SERIAL_DATE = dt.date(1900, 3, 1)
_FLUSH_ROWS = 512
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"/>')
_ROW_NUMBER = re.compile(rb'<row r="(\d+)"')


@lru_cache(maxsize=1024)
def column_letters(col: int) -> str:
    """0 → A, 25 → Z, 26 → AA (xlsxwriter's own conversion, so there is one in the project)."""
    return xl_col_to_name(col)


_KNOWN_COLUMNS = 64
_LETTERS = [column_letters(col) for col in range(_KNOWN_COLUMNS)]


def column_index(letters: str) -> int:
    """A → 0, Z → 25, AA → 26."""
    return xl_cell_to_rowcol(f"{letters}1")[1]


def _letters_to_col(letters: bytes) -> int:
    return column_index(letters.decode("ascii"))


def _inline(text: str) -> str:
    """An inline string element (text already cell-safe: no characters XML forbids)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text[0].isspace() or text[-1].isspace():
        return f'<is><t xml:space="preserve">{escaped}</t></is>'
    return f"<is><t>{escaped}</t></is>"


_inline_cached = lru_cache(maxsize=1 << 14)(_inline)  # titles, positions and teams repeat on every row (`add`)

ROW = "\x00"  # a row number still to come, in a cell's XML: XML forbids the character, so no text holds it
_ROW = ROW.encode()


class RowStream:
    """The body of one table in one sheet: rows added in order from `first_row` (0-based), kept on disk."""

    def __init__(self, sheet: str, first_row: int) -> None:
        self.sheet = sheet
        self.first_row = first_row
        self.last_row = first_row - 1
        self.last_col = -1
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115  # closed by splice()
        self._pending: list[bytes] = []
        self._styles: dict[int, tuple[Format, str]] = {}  # id(format) → (format, its s attribute)
        self._heads: dict[float | None, bytes] = {}  # a row's height → its attributes
        self._openings: dict[tuple[int, int], tuple[str, str, str]] = {}  # (column, id(format)) → a cell's openings

    def _style(self, fmt: Format | None) -> str:
        if fmt is None:
            return ""
        found = self._styles.get(id(fmt))
        if found is None:
            # The format's index in the workbook's style table, assigned now as a cell written by xlsxwriter
            # would have it assigned at close (the same call); the format then goes into styles.xml.
            index = fmt._get_xf_index()
            found = self._styles[id(fmt)] = (fmt, f' s="{index}"' if index else "")
        return found[1]

    def cells(self, col: int, values: Sequence[object], fmt: Format | None) -> list[bytes]:
        """The XML of a cell of column `col` in format `fmt` for each of `values`, in UTF-8, its row number left as
        ROW (filled in when its row is added); empty for a blank cell without a style.

        Each cell is what `_made` makes. A column of one common kind (texts, whole numbers, dates Excel can count,
        with blank cells among them) is made in a few passes over the column joined into one text rather than
        value by value (`_in_one_pass`; tests/test_rowstream.py holds it to `_made` on tricky values). Measured
        2026-12-07 on the benchmark month (20,000 persons, two shared cores, forked writer, best of 8): the cells of
        either persons sheet (the dashboard's, the report's) 0.016-0.017 CPU-s against 0.040 value by value."""
        if not values:
            return []
        found = self._openings.get((col, id(fmt))) or self._opening(col, fmt)
        present: Sequence[object] = values
        blanks: list[int] = []
        if None in values or "" in values:
            blanks = [i for i, value in enumerate(values) if value is None or (value.__class__ is str and not value)]
            gone = set(blanks)
            present = [value for i, value in enumerate(values) if i not in gone]
        made = _in_one_pass(present, found[0]) if present else []
        if made is None:  # another kind, or text to keep as typed: value by value
            made = _encoded(self._made(zip(repeat(col), present, repeat(fmt)), repeated=False))
        blank = found[2].encode()
        for i in blanks:  # in increasing order: each goes back where it was
            made.insert(i, blank)
        return made

    def _made(self, cells: Iterable[tuple[int, object, Format | None]], repeated: bool) -> list[str]:
        """The XML of each (column, value, format), its row number left as ROW; `repeated`: short texts recur
        (row by row: titles, positions, teams), and are escaped through a cache."""
        short = _inline_cached if repeated else _inline
        openings = self._openings
        made: list[str] = []
        for col, value, fmt in cells:  # the hottest loop of a table written row by row: kept flat
            found = openings.get((col, id(fmt)))
            if found is None:
                found = self._opening(col, fmt)
            kind = value.__class__
            if kind is str and value:
                text = cast(str, value)
                if ROW in text:  # cell-safe text never holds it (XML forbids it)
                    raise ValueError(f"sheet {self.sheet}: text not made cell-safe: {text!r}")
                made.append(f"{found[1]}{short(text) if len(text) <= 40 else _inline(text)}</c>")
            elif value is None or value == "":
                made.append(found[2])
            elif kind is int:
                made.append(f"{found[0]}><v>{value}</v></c>")
            else:
                made.append(self._other(found[0], value))
        return made

    def _opening(self, col: int, fmt: Format | None) -> tuple[str, str, str]:
        """A cell of column `col` in `fmt`: its opening up to its type, the opening of a text cell, a blank cell."""
        style = self._style(fmt)  # which keeps the format, and so its id
        opening = f'<c r="{_LETTERS[col] if col < _KNOWN_COLUMNS else column_letters(col)}{ROW}"{style}'
        found = self._openings[(col, id(fmt))] = (opening, f'{opening} t="inlineStr">', f"{opening}/>" if style else "")
        return found

    def add(self, cells: Sequence[Cell], height: float | None = None) -> int:
        """Write the next row (cells from column 0); returns its 0-based row number."""
        row = "".join(self._made(((col, value, fmt) for col, (value, fmt) in enumerate(cells)), repeated=True))
        self.add_rows([(row.encode(),)], [height], len(cells))
        return self.last_row

    def add_rows(self, bodies: Iterable[Sequence[bytes]], heights: Iterable[float | None], width: int) -> None:
        """Write the next rows, each given as its cells' XML (`cells`, columns 0 to `width` - 1) and its height
        (points, None or 0: the default height).

        A table's cells are made once per distinct value of a column (TableRows.add_columns, which says what it
        saves) and put into each row here with one join and one replace. They are UTF-8 already: the rows are
        joined as bytes, a byte a character, and never encoded again (the dashboard's 20,000 persons: add_columns
        0.10-0.11 CPU-s against 0.13-0.15 with rows kept as text and encoded when flushed; measured 2026-12-07, two
        shared cores, best of 4 in three alternating sessions)."""
        heads = self._heads
        pending = self._pending
        row = self.last_row
        for body, height in zip(bodies, heights, strict=True):
            row += 1
            number = b"%d" % (row + 1)
            head = heads.get(height)
            if head is None:
                head = heads[height] = self._head(height)
            pending.append(b"".join((b'<row r="', number, head, b"".join(body).replace(_ROW, number), b"</row>")))
            if len(pending) >= _FLUSH_ROWS:
                self._flush()
        self.last_row = row
        if width > self.last_col + 1:
            self.last_col = width - 1

    @staticmethod
    def _head(height: float | None) -> bytes:
        """The row element's attributes for `height`, and the end of its opening tag."""
        if not height:
            return b'">'
        shown = int(height * 4.0 / 3.0 + 0.5) * 0.75  # whole pixels, as xlsxwriter's set_row stores it
        return f'" ht="{shown:g}" customHeight="1">'.encode()

    @staticmethod
    def _other(opening: str, value: object) -> str:
        """A cell of any other kind (`opening`: the cell element up to its type): text subclasses, dates, whole
        and decimal numbers."""
        if isinstance(value, str):
            return f'{opening} t="inlineStr">{_inline(value)}</c>'
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            if value < _FIRST_SERIAL_DATE:  # no serial number in Excel's 1900 system: shown as text
                return f'{opening} t="inlineStr">{_inline(f"{value:%d/%m/%Y}")}</c>'
            return f"{opening}><v>{(value - _EPOCH).days}</v></c>"
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{opening}><v>{value}</v></c>"
        if isinstance(value, float):
            return f"{opening}><v>{value:.16G}</v></c>"
        raise TypeError(f"unsupported cell value {type(value).__name__}")

    def _flush(self) -> None:
        if self._pending:
            self._file.write(b"".join(self._pending))
            self._pending.clear()

    def close(self) -> None:
        self._file.close()

    def splice(self, xml: bytes, out: IO[bytes]) -> None:
        """Write the sheet part `xml` (as xlsxwriter saved it) to `out` with these rows in place."""
        self._flush()
        if self.last_row < self.first_row:
            out.write(xml)
            return
        xml = _DIMENSION.sub(self._dimension, xml, count=1)
        empty = xml.find(b"<sheetData/>")
        if empty != -1:
            head, tail = xml[:empty] + b"<sheetData>", b"</sheetData>" + xml[empty + len(b"<sheetData/>") :]
        else:
            start = xml.index(b"<sheetData>")
            end = xml.index(b"</sheetData>", start)
            cut = end
            for found in _ROW_NUMBER.finditer(xml, start, end):
                if int(found.group(1)) - 1 > self.last_row:
                    cut = found.start()
                    break
                if int(found.group(1)) - 1 >= self.first_row:
                    raise ValueError(f"sheet {self.sheet}: row {int(found.group(1))} was also written by xlsxwriter")
            head, tail = xml[:cut], xml[cut:]
        out.write(head)
        self._file.seek(0)
        shutil.copyfileobj(self._file, out, 1 << 20)
        out.write(tail)

    def _dimension(self, found: re.Match[bytes]) -> bytes:
        first_col, first_row = found.group(1), int(found.group(2))
        last_col = found.group(3) or first_col
        last_row = int(found.group(4) or first_row)
        top = min(first_row, self.first_row + 1)
        left = 0  # the table starts in column A
        bottom = max(last_row, self.last_row + 1)
        right = max(_letters_to_col(last_col), self.last_col)
        return f'<dimension ref="{column_letters(left)}{top}:{column_letters(right)}{bottom}"/>'.encode()

    @property
    def size(self) -> int:
        self._flush()
        return self._file.tell()


_EPOCH_ORDINAL = _EPOCH.toordinal()
_SEPARATOR = "\x01"  # between the cells of a column joined into one text: XML forbids it, so no cell-safe text holds it


def _encoded(cells: list[str]) -> list[bytes]:
    """Each cell's XML in UTF-8, encoded in one call when no cell holds the separator."""
    encoded = _SEPARATOR.join(cells).encode().split(_SEPARATOR.encode())
    return encoded if len(encoded) == len(cells) else [cell.encode() for cell in cells]


def _in_one_pass(values: Sequence[object], opening: str) -> list[bytes] | None:
    """`RowStream.cells` of a column of non-blank values of one common kind (`opening`: a cell of the column up to
    its type) made without running Python code per value: whole numbers and dates Excel can count through one
    bytes template mapped over them, texts (none holding the separator or ROW, none starting or ending with a
    space, which `_made` keeps with xml:space) escaped and wrapped joined into one text; None for any other
    column."""
    kinds = set(map(type, values))
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    if kind is int or kind is dt.date:
        numbers = cast(Sequence[int], values)
        if kind is dt.date:
            days = cast(Sequence[dt.date], values)
            if min(days) < _FIRST_SERIAL_DATE:
                return None  # shown as text
            numbers = list(map(operator.sub, map(dt.date.toordinal, days), repeat(_EPOCH_ORDINAL)))
        template = f"{opening.replace('%', '%%')}><v>%d</v></c>".encode()
        return list(map(template.__mod__, numbers))
    if kind is not str:
        return None
    texts = cast(Sequence[str], values)
    joined = _SEPARATOR.join(texts)
    if ROW in joined or joined.count(_SEPARATOR) != len(texts) - 1 or joined != _SEPARATOR.join(map(str.strip, texts)):
        return None
    joined = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    start, end = f'{opening} t="inlineStr"><is><t>', "</t></is></c>"
    first, last, between = start.encode(), end.encode(), f"{end}{_SEPARATOR}{start}".encode()
    return b"".join((first, joined.encode().replace(_SEPARATOR.encode(), between), last)).split(_SEPARATOR.encode())


# The deflate level of a sheet holding a streamed table: zlib's fastest. Its default (6) spent more CPU on the
# dashboard's 20,000 persons (12.8 MB of sheet XML) than laying out their rows: 0.18 CPU-s against 0.05 at level
# 1, for 1.89 MB zipped instead of 1.42 (level 3: 0.07 s, 1.65 MB; best of 7, measured 2026-12-07, two shared
# cores). The other parts keep the default; what the package holds is the same at any level.
TABLE_COMPRESSION = 1


def splice(path: Path, streams: Sequence[RowStream]) -> None:
    """Put each stream's rows into its sheet of the workbook saved at `path` (replaced whole, atomically);
    the streams are closed."""
    if all(s.last_row < s.first_row for s in streams):
        for empty in streams:
            empty.close()
        return
    tmp = path.with_name(f".{path.name}.rows-{os.getpid()}")
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            names = set(src.namelist())
            parts = sheet_parts(names, src.read("xl/workbook.xml"), src.read("xl/_rels/workbook.xml.rels"))
            by_part: dict[str, RowStream] = {parts[s.sheet]: s for s in streams}
            for info in src.infolist():
                stream = by_part.get(info.filename)
                if stream is None:
                    dst.writestr(info, src.read(info), compress_type=info.compress_type)
                    continue
                xml = src.read(info)
                target = zipfile.ZipInfo(info.filename, info.date_time)
                target.compress_type = zipfile.ZIP_DEFLATED
                # The member's own level: public as compress_level from Python 3.13, _compresslevel before.
                level = "compress_level" if hasattr(target, "compress_level") else "_compresslevel"
                setattr(target, level, TABLE_COMPRESSION)
                with dst.open(target, "w", force_zip64=stream.size > 1 << 30) as out:
                    stream.splice(xml, out)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        for done in streams:
            done.close()
