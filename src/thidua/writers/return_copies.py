"""Return copies (tra-lai/): for each submitted file with errors or warnings, a copy with the bad cells
filled in a warning colour and a Vietnamese comment on each, plus a first sheet listing what to fix.
The original is only ever read; a workbook openpyxl cannot edit (.xls, .ods) is rebuilt from its values."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.workbook import Workbook

from thidua.issues import Issue, Severity, title_of
from thidua.measure import MonthResult
from thidua.text import ascii_slug
from thidua.xlsx import safe_text

FOLDER = "tra-lai"
FIX_SHEET = "Cần sửa"
_CELL = re.compile(r"^[A-Z]{1,3}[1-9]\d*$")
FILLS = {
    Severity.ERROR: PatternFill("solid", start_color="FFFFC7CE", end_color="FFFFC7CE"),
    Severity.WARNING: PatternFill("solid", start_color="FFFFEB9C", end_color="FFFFEB9C"),
}
EDITABLE = frozenset({".xlsx", ".xlsm"})


def copy_name(rel: str) -> str:
    """ASCII file name of a return copy: 'dang-ky/Tổ 1/Hoà.xls' → 'dang-ky-to-1-hoa.xlsx'."""
    path = Path(rel)
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    return ascii_slug(path.with_suffix("").as_posix().replace("/", " ")) + suffix


# Files the reader refused or could not open: there is nothing to annotate, and opening them again with another
# parser would undo the guard (a zip bomb inflated, a huge sheet loaded). The issue report names them.
NOT_COPIED = frozenset(
    {
        "file-unreadable",
        "file-empty-bytes",
        "file-too-large",
        "file-zip-bomb",
        "file-xml-entity",
        "file-encrypted",
        "file-renamed-text",
        "file-not-template",
        "sheet-too-many-rows",
    }
)
# What openpyxl may raise on a damaged workbook that calamine still read.
_OPEN_ERRORS = (
    OSError,
    ValueError,
    KeyError,
    TypeError,
    EOFError,
    IndexError,
    SyntaxError,
    zipfile.BadZipFile,
    zlib.error,
)


def _unique(name: str, taken: set[str]) -> str:
    """'hoa.xlsx', then 'hoa-2.xlsx' …: two submitted names that read alike never share a copy."""
    stem, dot, suffix = name.rpartition(".")
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem}-{number}{dot}{suffix}"
    taken.add(candidate)
    return candidate


def files_to_return(issues: Iterable[Issue]) -> dict[str, list[Issue]]:
    """Errors and warnings grouped by the submitted file they point into (notes need no action); files the
    reader refused are left out."""
    grouped: dict[str, list[Issue]] = {}
    refused: set[str] = set()
    for issue in issues:
        if issue.code in NOT_COPIED:
            refused.add(issue.file)
        if issue.file and issue.severity in FILLS:
            grouped.setdefault(issue.file, []).append(issue)
    return {file: found for file, found in grouped.items() if file not in refused}


@dataclass(frozen=True)
class ReturnCopy:
    """One copy to write: the submitted file (relative path), its issues and the copy's file name."""

    rel: str
    issues: list[Issue]
    name: str


def copies_to_write(result: MonthResult, submissions: Path) -> list[ReturnCopy]:
    """The return copies of a month, each with its own ASCII name, in the order of the submitted paths."""
    planned: list[ReturnCopy] = []
    taken: set[str] = set()
    for rel, issues in sorted(files_to_return(result.issues).items()):
        if (submissions / rel).is_file():  # else plan-level findings or a file that vanished: issue report only
            planned.append(ReturnCopy(rel, issues, _unique(copy_name(rel), taken)))
    return planned


def write_copies(copies: Iterable[ReturnCopy], submissions: Path, folder: Path) -> list[Path]:
    """Write the given return copies into `folder`; return those written (openpyxl cannot open every file)."""
    written: list[Path] = []
    for copy in copies:
        folder.mkdir(exist_ok=True)  # inside the batch's staging folder, never re-created once removed
        target = folder / copy.name
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about workbook extensions it does not keep
            try:
                workbook = _open_copy(submissions / copy.rel)
            except _OPEN_ERRORS:
                workbook = None  # unreadable by openpyxl: the issue report alone must do
            if workbook is None:
                continue
            _formulas_as_text(workbook)
            _annotate(workbook, copy.issues)
            _add_fix_sheet(workbook, copy.rel, copy.issues)
            workbook.save(target)
        written.append(target)
    return written


def _open_copy(source: Path) -> Workbook | None:
    suffix = source.suffix.lower()
    if suffix in EDITABLE:
        with source.open("rb") as handle:  # closed even when openpyxl fails half way
            return openpyxl.load_workbook(io.BytesIO(handle.read()), keep_vba=suffix == ".xlsm", rich_text=False)
    from thidua.read import open_workbook_rows

    try:
        sheets = open_workbook_rows(source)
    except ValueError:
        return None
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        ws = workbook.create_sheet(name[:31])
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values, start=1):
                if value not in ("", None):
                    _set_value(ws.cell(row=r, column=c), value)
    return workbook


def _set_value(cell: Cell, value: Any) -> None:
    """Put a value in a cell; text is always text, never a formula, whatever it starts with."""
    if isinstance(value, str):
        cell.value = safe_text(value)
        cell.data_type = "s"
    else:
        cell.value = value


def _formulas_as_text(workbook: Workbook) -> None:
    """Nothing a submission carried runs in our copy: every formula becomes its text."""
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell, Cell) and cell.data_type == "f":
                    _set_value(cell, str(cell.value))


def _annotate(workbook: Workbook, issues: list[Issue]) -> None:
    for issue in issues:
        if not issue.sheet or issue.sheet not in workbook.sheetnames or not _CELL.match(issue.cell):
            continue
        cell = workbook[issue.sheet][issue.cell]
        if not isinstance(cell, Cell):
            continue  # a merged cell's hidden part cannot carry a comment
        if cell.fill is None or cell.fill.fgColor.rgb != FILLS[Severity.ERROR].fgColor.rgb:
            cell.fill = FILLS[issue.severity]
        note = f"{title_of(issue.code)}: {issue.message}"
        previous = cell.comment.text + "\n\n" if cell.comment is not None else ""
        comment = Comment(safe_text(previous + note), "Ban thi đua")
        comment.width, comment.height = 320, 160
        cell.comment = comment


def _add_fix_sheet(workbook: Workbook, rel: str, issues: list[Issue]) -> None:
    ws = workbook.create_sheet(FIX_SHEET, 0)
    ws.sheet_properties.tabColor = "FF0000"
    _set_value(ws.cell(row=1, column=1), f"Tệp “{rel}” cần sửa các chỗ sau rồi gửi lại cho Ban thi đua.")
    ws.cell(row=1, column=1).font = Font(bold=True, name="Times New Roman", size=12)
    _set_value(ws.cell(row=2, column=1), "Ô tô màu đỏ là lỗi (chưa được tính), màu vàng là cảnh báo.")
    for col, label in enumerate(("Trang tính", "Ô", "Mức độ", "Vấn đề", "Cần làm gì"), start=1):
        cell = ws.cell(row=4, column=col)
        _set_value(cell, label)
        cell.font = Font(bold=True, name="Times New Roman")
    for r, issue in enumerate(issues, start=5):
        for col, value in enumerate(
            (issue.sheet, issue.cell, issue.severity.value, title_of(issue.code), issue.message), start=1
        ):
            _set_value(ws.cell(row=r, column=col), value)
    for letter, width in zip("ABCDE", (16, 8, 10, 28, 90), strict=True):
        ws.column_dimensions[letter].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    workbook.active = 0
