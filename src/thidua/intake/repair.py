"""Text repair, between reading and validating: every text cell made tidy (NFC, odd spaces, Ð, one tone
placement style), and legacy TCVN3 / VNI-Windows text converted to Unicode with a note naming the cell.

The cell's font decides the legacy encoding when the file carries fonts (xlsx, xlsm); otherwise the characters
do, and short ambiguous text is left alone."""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from thidua.core import legacy_fonts
from thidua.core.text import tidy
from thidua.intake.read import RawSheet
from thidua.issues import Report, cell_ref

# Latin-1 letters that Unicode Vietnamese also uses; any other character from U+0080–U+00FF (or cp1252's
# punctuation block) in a cell is a sign of legacy 8-bit text.
_VIETNAMESE_LATIN1 = frozenset("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_CP1252_EXTRA = frozenset("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ")


# Those characters as one class: a search in C instead of a loop over each character of each name (every
# staff name is non-ASCII: repairing the 1,000 files of the benchmark 0.21 -> 0.18 CPU-s, best of 5, 2026-12-07).
_LEGACY_SIGN = re.compile(
    "["
    + re.escape("".join(chr(c) for c in range(0xA1, 0x100) if chr(c) not in _VIETNAMESE_LATIN1))
    + re.escape("".join(sorted(_CP1252_EXTRA - set("–“”’‘…"))))
    + "]"
)


@lru_cache(maxsize=1 << 16)
def _suspicious(text: str) -> bool:
    if text.isascii():
        return False
    if _LEGACY_SIGN.search(text):
        return True
    return legacy_fonts.detect(text) is not None


# What openpyxl may raise on a workbook calamine read without trouble (a style it does not understand…).
_OPENPYXL_ERRORS = (OSError, KeyError, ValueError, TypeError, IndexError, AttributeError, EOFError, SyntaxError)


def cell_fonts(path: Path, sheet: str, cells: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """Font names of some cells of an xlsx/xlsm sheet (0-based row, column); empty for other formats."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return {}
    wanted = set(cells)
    import openpyxl  # only files with legacy-looking text pay for this second, styled read

    fonts: dict[tuple[int, int], str] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not keep
            wb = openpyxl.load_workbook(path, read_only=True)
        try:
            ws = wb[sheet]
            last = max(r for r, _c in wanted) + 1
            # Only as far right as the wanted cells: openpyxl pads every row to the sheet's <dimension>, which a
            # file may set to column XFD (2,000 rows of legacy text under one: 1.2 s, 30 s at 50,000; 2026-12-07).
            width = max(c for _r, c in wanted) + 1
            for r, row in enumerate(ws.iter_rows(min_row=1, max_row=last, max_col=width)):
                for cell in row:
                    col = getattr(cell, "column", None)
                    if col is not None and (r, col - 1) in wanted and cell.font is not None and cell.font.name:
                        fonts[(r, col - 1)] = str(cell.font.name)
        finally:
            wb.close()
    except _OPENPYXL_ERRORS:
        return {}  # font evidence is a bonus: without it the characters decide
    return fonts


def repair_sheets(sheets: list[RawSheet], folder: Path, report: Report, style: str = "old") -> list[RawSheet]:
    """Repaired copies of the sheets; legacy conversions are reported as notes."""
    repaired: list[RawSheet] = []
    for sheet in sheets:
        suspects: dict[tuple[int, int], str] = {}
        rows: list[tuple[int, list[Any]]] = []
        for index, cells in sheet.rows:
            fixed: list[Any] = []
            for col, value in enumerate(cells):
                if isinstance(value, str) and value:
                    if _suspicious(value):
                        suspects[(index, col)] = value
                    fixed.append(tidy(value, style))
                else:
                    fixed.append(value)
            rows.append((index, fixed))
        if suspects:
            _convert_legacy(sheet, folder, suspects, rows, report, style)
        repaired.append(dataclasses.replace(sheet, rows=rows))
    return repaired


def _convert_legacy(
    sheet: RawSheet,
    folder: Path,
    suspects: dict[tuple[int, int], str],
    rows: list[tuple[int, list[Any]]],
    report: Report,
    style: str,
) -> None:
    fonts = cell_fonts(folder / sheet.file, sheet.sheet, suspects)
    by_index = {index: cells for index, cells in rows}
    for (index, col), original in suspects.items():
        font = fonts.get((index, col))
        converted, encoding = legacy_fonts.repair(original, font)
        if encoding is None:
            continue
        by_index[index][col] = tidy(converted, style)
        report.add(
            "text-legacy-converted",
            file=sheet.file,
            sheet=sheet.sheet,
            cell=cell_ref(index, col),
            value=original,
            encoding="TCVN3 (ABC)" if encoding == legacy_fonts.TCVN3 else "VNI-Windows",
            evidence=f"phông {font}" if font and legacy_fonts.encoding_of_font(font) else "các ký tự trong ô",
            converted=by_index[index][col],
        )
