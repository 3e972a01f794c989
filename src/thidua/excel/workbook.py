"""xlsxwriter helpers shared by every writer: injection-safe options, deterministic metadata, XML-safe text."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import xlsxwriter

from thidua.errors import cannot_write  # re-exported: callers that name it here keep working
from thidua.excel.rowstream import RowStream, splice

# Characters XML 1.0 forbids; a control character in a submitted cell must not corrupt a written workbook.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EXCEL_CELL_LIMIT = 32767
FIXED_CREATED = dt.datetime(2000, 1, 1)


def safe_text(value: object) -> str:
    """Text that can always be stored in a cell: forbidden characters replaced, Excel's length limit kept."""
    text = _XML_ILLEGAL.sub("\ufffd", "" if value is None else str(value))
    return text[:EXCEL_CELL_LIMIT]


class Book(xlsxwriter.Workbook):
    """An xlsxwriter workbook that also holds the large tables of its sheets as row streams, spliced into the
    package when it is saved."""

    def __init__(self, filename: str | io.BytesIO, options: dict[str, Any]) -> None:
        super().__init__(filename, options)
        self.streams: list[RowStream] = []

    def stream(self, sheet: str, first_row: int) -> RowStream:
        rows = RowStream(sheet, first_row)
        self.streams.append(rows)
        return rows


@contextmanager
def new_workbook(path: Path, created: dt.datetime | None = None, shown: str | None = None) -> Iterator[Book]:
    """An xlsxwriter workbook that never turns text into formulas, links or numbers. It is zipped in memory and
    then written to `path`: a zip xlsxwriter left half-written on a full disk would fail again in its destructor
    ("Exception ignored in …" on stderr). `shown`: the name a failure message gives (a temporary file's final
    name)."""
    package = io.BytesIO()
    wb = Book(
        package,
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": "dd/mm/yyyy",
            # Parts kept in memory, not each in a temporary file made, zipped and removed: saving the benchmark
            # month's dashboard 0.009 CPU-s against 0.018, its report 0.017 against 0.030 (forked writer, best of 8,
            # 2026-12-07). The parts are what xlsxwriter holds already; large tables are streamed (RowStream).
            "in_memory": True,
        },
    )
    wb.set_properties({"created": created or FIXED_CREATED, "author": "thidua", "company": ""})
    try:
        yield wb
    finally:
        try:
            wb.close()
            path.write_bytes(package.getbuffer())
            splice(path, wb.streams)
        except (OSError, xlsxwriter.exceptions.XlsxWriterException) as exc:
            raise cannot_write(f"tệp {shown or path.name}", exc) from exc


def as_datetime(value: dt.date) -> dt.datetime:
    return dt.datetime(value.year, value.month, value.day)
