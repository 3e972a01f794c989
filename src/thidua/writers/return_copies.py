"""Return copies (tra-lai/): for each submitted file with errors or warnings, a copy with the bad cells
filled in a warning colour and a Vietnamese comment on each, plus a first sheet listing what to fix.
The original is only ever read. An .xlsx/.xlsm copy is made by editing the package (package_patch: fast, keeps
everything the file holds); what those edits do not handle goes through openpyxl, and a workbook openpyxl
cannot edit (.xls, .ods) is rebuilt from its values."""

from __future__ import annotations

import io
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from thidua.core.text import ascii_slug
from thidua.counting.measure import MonthResult
from thidua.excel import package_patch
from thidua.excel.fix_sheet import FixSheet, FixSheetLayout, lay_out
from thidua.excel.workbook import safe_text
from thidua.issues import Issue, Severity, title_of

if TYPE_CHECKING:  # openpyxl is imported only when a copy needs it (a school's month rarely does)
    from openpyxl.cell.cell import Cell
    from openpyxl.workbook.workbook import Workbook

FOLDER = "tra-lai"
FIX_SHEET = "Cần sửa"
FILLS = {Severity.ERROR: "FFFFC7CE", Severity.WARNING: "FFFFEB9C"}  # ARGB of a flagged cell's fill
EDITABLE = frozenset({".xlsx", ".xlsm"})
FIX_HEAD = ("Trang tính", "Ô", "Mức độ", "Vấn đề", "Cần làm gì")
# 131 characters: the fix sheet fits an A4 landscape page at 100 %, its 11 pt text wrapping in "Vấn đề" and
# "Cần làm gì" (excel.fix_sheet lays it out once for both ways of making a copy).
FIX_WIDTHS = (14, 7, 10, 30, 70)
TAB_COLOR = "FFFF0000"
TITLE_FONT = ("Times New Roman", 12)
HEAD_FONT = ("Times New Roman", 11)
LOOK = package_patch.Look(error_fill=FILLS[Severity.ERROR], warning_fill=FILLS[Severity.WARNING], author="Ban thi đua")


# Names Windows keeps for devices, whatever the extension (CON.xlsx cannot be created there).
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
)
MAX_STEM = 80  # characters of a copy's name before its extension: output/YYYY-MM/tra-lai/ stays far below 260


def copy_name(rel: str) -> str:
    """ASCII file name of a return copy: 'dang-ky/Tổ 1/Hoà.xls' → 'dang-ky-to-1-hoa.xlsx'; bounded in length
    (the end of a long path is kept: it names the file) and never a name Windows reserves. Always .xlsx: a copy
    carries no macros."""
    path = Path(rel)
    suffix = ".xlsx"
    stem = ascii_slug(path.with_suffix("").as_posix().replace("/", " "))[-MAX_STEM:].strip("-") or "tep"
    if stem in WINDOWS_RESERVED:
        stem = f"tep-{stem}"
    return stem + suffix


# Files the reader refused or could not open: there is nothing to annotate, and opening them again with another
# parser would undo the guard (a zip bomb inflated, a huge sheet loaded). The issue report names them.
NOT_COPIED = frozenset(
    {
        "file-unreadable",
        "file-internal-error",  # our fault, not the sender's: nothing for them to fix
        "file-empty-bytes",
        "file-too-large",
        "file-zip-bomb",
        "file-xml-entity",
        "file-encrypted",
        "file-renamed-text",
        "file-not-template",
        "sheet-too-many-rows",
        "sheet-too-large",
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
        source = submissions / copy.rel
        try:
            data = source.read_bytes()
        except OSError:
            continue  # gone since it was read: the issue report alone must do
        if source.suffix.lower() in EDITABLE:
            try:
                made = package_patch.annotate(data, _marks(copy.issues), partial(_fix_sheet, copy), LOOK)
                target.write_bytes(made)
            except package_patch.Unsupported:
                pass  # formulas, comments already there, unusual XML: openpyxl makes this copy below
            else:
                written.append(target)
                continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about workbook extensions it does not keep
            disarmed = package_patch.Disarmed()
            if source.suffix.lower() in EDITABLE:
                data, disarmed = package_patch.disarm(data)
            try:
                workbook = _open_copy(source, data)
            except _OPEN_ERRORS:
                workbook = None  # unreadable by openpyxl: the issue report alone must do
            if workbook is None:
                continue
            _formulas_as_text(workbook)
            _disarm(workbook)
            _annotate(workbook, copy.issues)
            _add_fix_sheet(workbook, lay_out(_fix_sheet(copy, disarmed)))
            workbook.save(target)
        written.append(target)
    return written


def _marks(issues: list[Issue]) -> dict[str, dict[package_patch.Cell, package_patch.Mark]]:
    """Sheet → (row, column) → fill (red when any issue there is an error) and comment (each issue's note, one
    blank line apart), for both ways of making a copy; issues that name no single cell are on the fix sheet only."""
    notes: dict[str, dict[package_patch.Cell, list[Issue]]] = {}
    for issue in issues:
        if issue.sheet and issue.row is not None and issue.col is not None:
            notes.setdefault(issue.sheet, {}).setdefault((issue.row, issue.col), []).append(issue)
    return {
        sheet: {
            cell: package_patch.Mark(
                any(found.severity is Severity.ERROR for found in found_here),
                safe_text("\n\n".join(f"{title_of(found.code)}: {found.message}" for found in found_here)),
            )
            for cell, found_here in cells.items()
        }
        for sheet, cells in notes.items()
    }


# What a copy leaves out of the staff's file, as the fix sheet names it (package_patch.Disarmed's fields).
DISARMED_WORDS = {
    "external_links": "liên kết tới tệp khác",
    "dde_links": "liên kết DDE",
    "connections": "kết nối dữ liệu",
    "hyperlinks": "siêu liên kết",
    "defined_names": "tên định nghĩa có hàm hoặc trỏ tới tệp khác",
    "macros": "bộ macro (VBA)",
}


def removed_line(disarmed: package_patch.Disarmed) -> str:
    """One sentence naming what a copy left out; '' when nothing was."""
    parts = [f"{count} {DISARMED_WORDS[field]}" for field, count in vars(disarmed).items() if count]
    if not parts:
        return ""
    return (
        "Để an toàn, bản sao này đã bỏ: " + ", ".join(parts) + ". Tệp gốc của thầy/cô vẫn giữ nguyên; "
        "hãy sửa trên tệp gốc hoặc trên bản sao này rồi gửi lại."
    )


def _fix_rows(copy: ReturnCopy, disarmed: package_patch.Disarmed) -> list[tuple[str, list[str]] | None]:
    """The fix sheet's rows (None for a blank one), each with its style: 'title', 'head' or 'plain'."""
    removed = removed_line(disarmed)
    return [
        ("title", [f"Tệp “{copy.rel}” cần sửa các chỗ sau rồi gửi lại cho Ban thi đua."]),
        ("plain", ["Ô tô màu đỏ là lỗi (chưa được tính), màu vàng là cảnh báo."]),
        *([("plain", [removed])] if removed else []),
        None,
        ("head", list(FIX_HEAD)),
        *(
            ("plain", [issue.sheet, issue.cell, issue.severity.value, title_of(issue.code), issue.message])
            for issue in copy.issues
        ),
    ]


def _fix_sheet(copy: ReturnCopy, disarmed: package_patch.Disarmed) -> FixSheet:
    rows = [
        None if row is None else (row[0], [safe_text(text) for text in row[1]]) for row in _fix_rows(copy, disarmed)
    ]
    return FixSheet(FIX_SHEET, rows, FIX_WIDTHS, TAB_COLOR, TITLE_FONT, HEAD_FONT)


def _open_copy(source: Path, data: bytes) -> Workbook | None:
    import openpyxl

    suffix = source.suffix.lower()
    if suffix in EDITABLE:
        return openpyxl.load_workbook(io.BytesIO(data), keep_vba=False, rich_text=False)
    from thidua.intake.read import open_workbook_rows

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
    from openpyxl.cell.cell import Cell

    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell, Cell) and cell.data_type == "f":
                    _set_value(cell, str(cell.value))


def _disarm(workbook: Workbook) -> None:
    """A second guard after package_patch.disarm, for what openpyxl would write back: links to other workbooks,
    hyperlinks, defined names that call a function or read another workbook (openpyxl keeps no data
    connections or query tables)."""
    workbook._external_links = []
    for names in (workbook.defined_names, *(ws.defined_names for ws in workbook.worksheets)):
        for name in [name for name, defined in names.items() if package_patch.active_name(defined.attr_text or "")]:
            del names[name]
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.hyperlink is not None:
                    cell.hyperlink = None


def _annotate(workbook: Workbook, issues: list[Issue]) -> None:
    from openpyxl.cell.cell import Cell
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    for ws in workbook.worksheets:  # a copy sent back: last time's notes give way to this time's
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == LOOK.author:
                    cell.comment = None
    for sheet, cells in _marks(issues).items():  # the same fills and notes as the package edits give
        if sheet not in workbook.sheetnames:
            continue
        for (row, col), mark in cells.items():
            cell = workbook[sheet].cell(row=row + 1, column=col + 1)
            if not isinstance(cell, Cell):
                continue  # a merged cell's hidden part cannot carry a comment
            colour = FILLS[Severity.ERROR if mark.error else Severity.WARNING]
            cell.fill = PatternFill("solid", start_color=colour, end_color=colour)
            previous = cell.comment.text + "\n\n" if cell.comment is not None else ""  # the staff's own note
            comment = Comment(safe_text(previous + mark.text), LOOK.author)
            comment.width, comment.height = 320, 160
            cell.comment = comment


def _add_fix_sheet(workbook: Workbook, sheet: FixSheetLayout) -> None:
    """The fix sheet as laid out (as the package edits write it), first and active."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    if sheet.name in workbook.sheetnames:  # a copy sent back: its old list goes
        del workbook[sheet.name]
    ws = workbook.create_sheet(sheet.name, 0)
    ws.sheet_properties.tabColor = sheet.tab_color
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.rows:
        font = Font(bold=row.font.bold, name=row.font.name, size=row.font.size)
        for col, text in enumerate(row.texts, start=1):
            cell = ws.cell(row=row.number, column=col)
            _set_value(cell, text)
            cell.font = font
            cell.alignment = wrap
        ws.row_dimensions[row.number].height = row.height
    for number, first, last in sheet.merges:
        ws.merge_cells(start_row=number, start_column=first + 1, end_row=number, end_column=last + 1)
    if sheet.title_row:
        ws.print_title_rows = f"{sheet.title_row}:{sheet.title_row}"
    for col, width in enumerate(sheet.widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    page = sheet.page
    ws.page_setup.paperSize = page.paper
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if page.landscape else ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = page.fit_width
    ws.page_setup.fitToHeight = page.fit_height
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left, ws.page_margins.right = page.left, page.right
    ws.page_margins.top, ws.page_margins.bottom = page.top, page.bottom
    ws.page_margins.header, ws.page_margins.footer = page.header, page.footer
    ws.oddFooter.center.text = page.footer_text
    workbook.active = 0
