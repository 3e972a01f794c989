"""Pages people read (issue #14): the templates, the per-person registration form and a return copy's fix sheet
print on A4 at a legible size, with rows as tall as their wrapped text and no page of empty grid."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import statistics
import subprocess
import zipfile
from functools import partial
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from thidua.excel import package_patch
from thidua.forms import template_fields
from thidua.forms.templates import FORM_ROW_HEIGHT, printed_rows, write_templates
from thidua.issues import Issue, Severity
from thidua.workspace import default_plan
from thidua.workspace.folder import Workspace
from thidua.writers import return_copies
from thidua.writers.common import wrapped_lines
from thidua.writers.return_copies import FIX_SHEET, FIX_WIDTHS, ReturnCopy, write_copies

from .conftest import is_a4, libreoffice_convert, pdf_pages
from .packages import check_package

PLAN = default_plan.PLAN
KINDS = (template_fields.REGISTRATION, template_fields.ACTIVITY, template_fields.VOTE)
HEADER, DATA = 5, 6
PERSON = PLAN.roster[0]  # Võ Thị Thanh Hương, the longest name of the demo's first rows
# The width one A4 page prints, in Excel's pixels (96 an inch), inside the margins the sheet declares.
A4_INCHES = (8.27, 11.69)


def template(folder: Path, kind: str) -> Path:
    return folder / f"{template_fields.FILE_NAMES[kind]}.xlsx"


def form_path(folder: Path) -> Path:
    return next((folder / "ca-nhan").glob("dang-ky-01-*.xlsx"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("printing")
    write_templates(PLAN, out, per_person=True)
    return out


def column_widths(ws: Any, count: int) -> list[float]:
    dims = {c: d.width for d in ws.column_dimensions.values() for c in range(d.min, d.max + 1)}
    return [dims[col] for col in range(1, count + 1)]


def printed_size(ws: Any, count: int, font_size: float) -> float:
    """The size `font_size` prints at when the first `count` columns are fitted to the page width, as Excel
    computes it: 7 px a character of the width stored in the file (which counts the cell's padding), never
    enlarged."""
    portrait = ws.page_setup.orientation != "landscape"
    paper = A4_INCHES[0] if portrait else A4_INCHES[1]
    page_px = (paper - ws.page_margins.left - ws.page_margins.right) * 96
    sheet_px = sum(width * 7 for width in column_widths(ws, count))
    return font_size * min(1.0, page_px / sheet_px)


def lines_in(text: str, width: float, size: float, bold: bool = False) -> int:
    """How many lines `text` wraps to in a column `width` characters wide as the file stores it (FittedSheet's
    estimate)."""
    return wrapped_lines(text, max(1, int(width * 7 / (size * (0.62 if bold else 0.56)))))


# --- the blank templates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_instruction_rows_are_as_tall_as_their_wrapped_text(folder: Path, kind: str) -> None:
    ws = openpyxl.load_workbook(template(folder, kind))[template_fields.HELP_SHEET]
    widths = column_widths(ws, 2)
    assert printed_size(ws, 2, 12) >= 9.5  # portrait, one page wide
    assert ws.page_setup.orientation == "portrait" and ws.page_setup.fitToWidth in (None, 1)
    several = 0
    for row in ws.iter_rows(min_row=4):
        label, text = row[0], row[1]
        if not isinstance(text.value, str):
            continue
        assert text.alignment.wrap_text and label.alignment.wrap_text
        lines = max(lines_in(text.value, widths[1], 12), lines_in(str(label.value), widths[0], 12, bold=True))
        height = ws.row_dimensions[text.row].height
        if lines > 1:
            several += 1
            assert height is not None and height >= lines * 12 * 1.2, (text.row, text.value, height)
    assert several >= 5  # the column help wraps: the check above must have met rows of two lines and more


def test_a_blank_activity_report_prints_one_page_of_rows_and_keeps_all_for_typing(folder: Path) -> None:
    wb = openpyxl.load_workbook(template(folder, template_fields.ACTIVITY))
    ws = wb.worksheets[0]
    last = DATA + printed_rows(template_fields.ACTIVITY, PLAN) - 1
    assert 25 <= printed_rows(template_fields.ACTIVITY, PLAN) <= 40
    assert ws.print_area == f"'{ws.title}'!$A$1:$J${last}"
    assert ws.print_title_rows == "$5:$5"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert printed_size(ws, 10, 12) >= 9.5  # ten columns on a landscape page
    assert not ws["B305"].protection.locked and ws["B305"].border.left.style == "thin"  # 300 rows to type in
    help_text = " ".join(str(c.value) for row in wb[template_fields.HELP_SHEET].iter_rows() for c in row if c.value)
    assert f"Bản in gồm {printed_rows(template_fields.ACTIVITY, PLAN)} dòng đầu" in help_text


@pytest.mark.parametrize("kind", [template_fields.REGISTRATION, template_fields.VOTE])
def test_a_list_of_people_prints_every_roster_row(folder: Path, kind: str) -> None:
    ws = openpyxl.load_workbook(template(folder, kind)).worksheets[0]
    rows = printed_rows(kind, PLAN)
    assert len(PLAN.roster) < rows <= max(len(PLAN.roster) + 10, 50)
    assert ws.print_area == f"'{ws.title}'!$A$1:${get_column_letter(ws.max_column)}${DATA + rows - 1}"
    assert ws.print_title_rows == "$5:$5" and ws.page_setup.fitToHeight == 0


def test_a_larger_roster_prints_on_more_pages_every_row_still() -> None:
    people = tuple(dataclasses.replace(p, name=f"{p.name} {n}") for n in range(3) for p in PLAN.roster)
    rows = printed_rows(template_fields.VOTE, dataclasses.replace(PLAN, roster=people))
    assert len(people) < rows <= len(people) + 10


# --- the per-person registration form ----------------------------------------------------------------------


def test_a_per_person_registration_is_a_portrait_form_on_one_page(folder: Path) -> None:
    wb = openpyxl.load_workbook(form_path(folder))
    ws = wb.worksheets[0]
    fields = template_fields.fields_of(template_fields.REGISTRATION, PLAN)
    count = len(fields)
    assert [c.value for c in ws[HEADER]][:count] == [f.label for f in fields]  # what the reader looks for
    assert ws.page_setup.orientation == "portrait" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight in (None, 1)  # None: the default, 1
    assert printed_size(ws, count, 12) >= 9.0  # sixteen columns on a portrait page
    match = re.fullmatch(rf"'{ws.title}'!\$A\$1:\$([A-Z]+)\$(\d+)", ws.print_area or "")
    assert match and match.group(1) == get_column_letter(count) and int(match.group(2)) >= DATA + 4 + 8
    widths = column_widths(ws, count)
    head_lines = max(lines_in(f.label, w, 12, bold=True) for f, w in zip(fields, widths, strict=True))
    assert head_lines >= 3  # narrow columns: the labels wrap …
    assert ws.row_dimensions[HEADER].height >= head_lines * 12 * 1.2  # … and the header row holds them
    assert all(c.alignment.wrap_text for c in ws[HEADER][:count])
    assert ws.row_dimensions[DATA].height == pytest.approx(FORM_ROW_HEIGHT, abs=1)  # rounded to pixels
    assert ws["A3"].alignment.wrap_text and f"A3:{get_column_letter(count)}3" in {str(r) for r in ws.merged_cells}


def test_the_form_has_a_signature_block_that_is_not_a_row_of_data(folder: Path) -> None:
    ws = openpyxl.load_workbook(form_path(folder)).worksheets[0]
    assert all(c.value is None for row in ws.iter_rows(min_row=DATA + 1) for c in row)  # nothing the reader reads
    with zipfile.ZipFile(form_path(folder)) as package:
        drawings = [n for n in package.namelist() if re.fullmatch(r"xl/drawings/drawing\d+\.xml", n)]
        shapes = "".join(package.read(n).decode() for n in drawings)
    texts = re.findall(r"<a:t>([^<]*)</a:t>", shapes)
    assert texts == [
        f"{PLAN.school.place}, ngày …… tháng …… năm 20……",
        "NGƯỜI ĐĂNG KÝ",
        "(Ký, ghi rõ họ tên)",
        PERSON.name,
    ]


def test_a_filled_form_is_read_and_counted(empty_ws: Workspace) -> None:
    from thidua.pipeline.batch import compute

    ws = empty_ws  # the demo workspace without its submissions
    write_templates(PLAN, ws.templates, per_person=True)
    form = form_path(ws.templates)
    wb = openpyxl.load_workbook(form)
    sheet = wb.worksheets[0]
    sheet["F6"], sheet["K6"], sheet["N6"] = "Lao động tiên tiến", "x", dt.datetime(2021, 9, 30)
    wb.save(ws.submissions / form.name)
    result = compute(ws, "2021-10")
    registered = result.persons.loc[result.persons["submitted"], "name"]
    assert list(registered) == [PERSON.name]
    assert not [i for i in result.issues if i.severity is Severity.ERROR]


def test_a_form_comes_back_with_its_signature_block(folder: Path) -> None:
    """The package edits keep the form's drawing: a return copy of a form still prints the block."""
    fix = partial(return_copies._fix_sheet, ReturnCopy("dk.xlsx", [], "dk.xlsx"))
    marks = {
        template_fields.SHEET_NAMES[template_fields.REGISTRATION]: {
            (5, 5): package_patch.Mark(True, "Thiếu danh hiệu.")
        }
    }
    data = package_patch.annotate(form_path(folder).read_bytes(), marks, fix, return_copies.LOOK)
    check_package(data)
    with zipfile.ZipFile(form_path(folder)) as before, zipfile.ZipFile(io.BytesIO(data)) as after:
        drawing = [n for n in before.namelist() if n.startswith("xl/drawings/drawing")]
        assert drawing and all(after.read(n) == before.read(n) for n in drawing)


# --- the fix sheet of a return copy --------------------------------------------------------------------------

LONG = " ".join(
    ["Đăng ký ngày 06/10/2021, sau hạn nộp 04/10/2021 (Kế hoạch thi đua của trường (hạn nộp bản đăng ký))."] * 3
    + ["Ban thi đua quyết định có nhận hay không."]
)
FIX_ISSUES = [
    Issue("person-unknown", Severity.ERROR, "Không có “Trần Văn Quy” trong danh sách.", "f.xlsx", "Đăng ký", "B7"),
    Issue("rule-late-registration", Severity.WARNING, LONG, "f.xlsx", "Đăng ký", "N6"),
    *(
        Issue(
            "choice-invalid",
            Severity.ERROR,
            f"“Anh hùng” ở dòng {r} không phải giá trị hợp lệ.",
            "f.xlsx",
            "Đăng ký",
            f"F{r}",
        )
        for r in range(8, 20)
    ),
]


def both_fix_sheets(tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The same return copy made by the package edits and by openpyxl."""
    submissions = tmp_path / "in"
    submissions.mkdir()
    shutil.copy(template(folder, template_fields.REGISTRATION), submissions / "f.xlsx")
    (patched,) = write_copies([ReturnCopy("f.xlsx", FIX_ISSUES, "patched.xlsx")], submissions, tmp_path / "out")

    def refuse(*_args: object) -> bytes:
        raise package_patch.Unsupported("forced")

    with monkeypatch.context() as patch:
        patch.setattr(package_patch, "annotate", refuse)
        (through_openpyxl,) = write_copies(
            [ReturnCopy("f.xlsx", FIX_ISSUES, "openpyxl.xlsx")], submissions, tmp_path / "out"
        )
    return patched, through_openpyxl


def fix_layout(path: Path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path)[FIX_SHEET]
    return {
        "widths": column_widths(ws, 5),
        "heights": {r: ws.row_dimensions[r].height for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value},
        "wrapped": sorted(c.coordinate for row in ws.iter_rows() for c in row if c.value and c.alignment.wrap_text),
        "top": {c.alignment.vertical for row in ws.iter_rows() for c in row if c.value},
        "fonts": {
            (c.coordinate, c.font.name, c.font.sz, bool(c.font.b)) for row in ws.iter_rows() for c in row if c.value
        },
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "page": (
            ws.page_setup.paperSize,
            ws.page_setup.orientation,
            ws.page_setup.fitToWidth,
            ws.page_setup.fitToHeight,
        ),
        "fit": ws.sheet_properties.pageSetUpPr.fitToPage,
        "margins": (ws.page_margins.left, ws.page_margins.right, ws.page_margins.top, ws.page_margins.bottom),
        "footer": ws.oddFooter.center.text,
        "printed size": printed_size(ws, 5, 11),
    }


def test_the_fix_sheet_wraps_and_fits_a_landscape_page_the_same_both_ways(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    patched, through_openpyxl = both_fix_sheets(tmp_path, folder, monkeypatch)
    got, want = fix_layout(patched), fix_layout(through_openpyxl)
    assert got == want
    assert got["widths"] == list(FIX_WIDTHS)
    assert got["printed size"] == 11  # the table fits the page at 100 %
    assert got["page"] == (9, "landscape", 1, 0) and got["fit"]
    assert got["top"] == {"top"} and got["footer"] == "Trang &P/&N"
    assert got["merged"] == ["A1:E1", "A2:E2"]  # the title and the explanation span the table
    ws = openpyxl.load_workbook(patched)[FIX_SHEET]
    head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Trang tính")
    assert [ws.cell(head, c).value for c in range(1, 6)] == list(return_copies.FIX_HEAD)
    wrapped = got["wrapped"]
    assert isinstance(wrapped, list) and {f"D{head + 1}", f"E{head + 1}", "A1", "A2"} <= set(wrapped)
    long_row = next(r for r in range(head, ws.max_row + 1) if ws.cell(r, 5).value == LONG)
    lines = lines_in(LONG, FIX_WIDTHS[4], 11)
    assert lines >= 4 and ws.row_dimensions[long_row].height >= lines * 11 * 1.2
    assert ws.row_dimensions[head + 1].height < 2 * 11 * 1.2  # a one-line issue stays one line tall
    assert openpyxl.load_workbook(through_openpyxl)[FIX_SHEET].print_title_rows == f"${head}:${head}"


# --- what LibreOffice prints --------------------------------------------------------------------------------


def word_size(pdf: Path, page: int) -> float:
    """The median printed size of a page's words in points (poppler's word boxes are 1.3 em tall)."""
    boxes = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    heights = [float(b) - float(a) for a, b in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', boxes)]
    return statistics.median(heights) / 1.3


@pytest.fixture(scope="module")
def printed(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """PDFs of the blank templates, one per-person form and a return copy, from one LibreOffice run."""
    work = tmp_path_factory.mktemp("pdf")
    submissions = work / "in"
    submissions.mkdir()
    shutil.copy(template(folder, template_fields.REGISTRATION), submissions / "f.xlsx")
    (copy,) = write_copies([ReturnCopy("f.xlsx", FIX_ISSUES, "tra-lai.xlsx")], submissions, work / "out")
    names = [*KINDS, "form", "copy"]
    sources = [*(template(folder, kind) for kind in KINDS), form_path(folder), copy]
    return dict(zip(names, libreoffice_convert(sources, "pdf", work / "pdf"), strict=True))


def sheet_pages(pages: list[tuple[float, float, str]], next_title: str) -> list[tuple[float, float, str]]:
    """The pages before the first that shows `next_title` (the next sheet's title)."""
    found = next(i for i, page in enumerate(pages) if next_title in page[2])
    return pages[:found]


@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", KINDS)
def test_a_blank_template_prints_on_a4_with_one_page_of_table(printed: dict[str, Path], kind: str) -> None:
    pages = pdf_pages(printed[kind])
    assert all(is_a4(w, h) for w, h, _ in pages)
    table = sheet_pages(pages, "HƯỚNG DẪN ĐIỀN")
    assert len(table) == 1 and table[0][0] > table[0][1]  # landscape
    assert len(pages) <= 3
    if kind == template_fields.ACTIVITY:
        assert len(pages) <= 2  # was 7 pages of empty grid and the instructions


@pytest.mark.libreoffice
def test_a_per_person_form_prints_on_one_portrait_page_with_the_signature_block(printed: dict[str, Path]) -> None:
    pages = pdf_pages(printed["form"])
    form = sheet_pages(pages, "HƯỚNG DẪN ĐIỀN")
    assert len(form) == 1
    width, height, text = form[0]
    assert is_a4(width, height) and height > width
    for words in ("PHIẾU ĐĂNG KÝ THI ĐUA", "NGƯỜI ĐĂNG KÝ", "(Ký, ghi rõ họ tên)", "ngày …… tháng", PERSON.name):
        assert words in text
    assert text.index("Họ và tên") < text.index("NGƯỜI ĐĂNG KÝ")  # the block is below the table


@pytest.mark.libreoffice
def test_the_fix_sheet_prints_legibly_on_one_landscape_page(printed: dict[str, Path]) -> None:
    pdf = printed["copy"]
    pages = pdf_pages(pdf)
    fix = sheet_pages(pages, "PHIẾU ĐĂNG KÝ THI ĐUA NĂM HỌC")
    assert len(fix) == 1 and is_a4(*fix[0][:2]) and fix[0][0] > fix[0][1]
    assert "Cần làm gì" in fix[0][2] and "“Anh hùng” ở dòng 19" in fix[0][2]  # every issue on the page
    assert word_size(pdf, 1) >= 8.5  # 11 pt text at 100 % (the old sheet printed at 5 to 7 pt)
