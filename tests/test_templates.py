"""The blank templates (SPEC 4.3), read back with openpyxl."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from thidua.core import vocabulary
from thidua.core.plan import COUNT_PERSONS, Plan, Target
from thidua.forms import template_fields
from thidua.forms.templates import FRAMED_ROWS, write_templates
from thidua.workspace import default_plan
from thidua.workspace.folder import Workspace

KINDS = (template_fields.REGISTRATION, template_fields.ACTIVITY, template_fields.VOTE)
PLAN = default_plan.PLAN
HEADER = 5  # 1-based row of the header
DATA = 6


def template_path(folder: Path, kind: str) -> Path:
    return folder / f"{template_fields.FILE_NAMES[kind]}.xlsx"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("templates")
    write_templates(PLAN, out)
    return out


def load(folder: Path, kind: str) -> Any:
    return openpyxl.load_workbook(template_path(folder, kind))


def header(ws: Any) -> list[str]:
    return [c.value for c in ws[HEADER] if c.value is not None]


def column_of(ws: Any, label: str) -> str:
    return get_column_letter(header(ws).index(label) + 1)


def validation_at(ws: Any, cell: str) -> Any:
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) == 1, f"{cell}: {found}"
    return found[0]


def list_values(wb: Any, formula: str) -> list[str]:
    """The values a dropdown offers, resolved from its range on the list sheet."""
    match = re.fullmatch(r"'(.+)'!(\$[A-Z]+\$\d+(?::\$[A-Z]+\$\d+)?)", formula)
    assert match, formula
    sheet, cells = match.groups()
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    ws = wb[sheet]
    return [ws.cell(r, c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]


def with_targets(targets: tuple[Target, ...]) -> Plan:
    return dataclasses.replace(PLAN, targets=targets)


def test_writes_the_three_templates_and_nothing_else(tmp_path: Path) -> None:
    paths = write_templates(PLAN, tmp_path)
    assert paths == [template_path(tmp_path, kind) for kind in KINDS]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


@pytest.mark.parametrize("kind", KINDS)
def test_header_row_is_the_schema_labels_under_a_title_block(folder: Path, kind: str) -> None:
    wb = load(folder, kind)
    ws = wb.worksheets[0]
    labels = [f.label for f in template_fields.fields_of(kind, PLAN)]
    assert ws.title == template_fields.SHEET_NAMES[kind]
    assert wb.active.title == template_fields.SHEET_NAMES[kind]
    assert [c.value for c in ws[HEADER]] == labels
    assert ws["A1"].value == PLAN.school.name and ws["A1"].font.b
    assert ws["A2"].value == f"{template_fields.KIND_TITLES[kind].upper()} NĂM HỌC 2021–2022"
    assert ws["A2"].font.b
    assert f"A2:{get_column_letter(len(labels))}2" in {str(r) for r in ws.merged_cells.ranges}
    assert "dòng 6" in ws["A3"].value


@pytest.mark.parametrize(
    ("kind", "rows"), [(template_fields.REGISTRATION, 50), (template_fields.ACTIVITY, 300), (template_fields.VOTE, 50)]
)
def test_open_rows_are_blank_and_unlocked_while_the_header_is_locked(folder: Path, kind: str, rows: int) -> None:
    ws = load(folder, kind).worksheets[0]
    last = DATA + rows - 1
    assert all(c.value is None for row in ws.iter_rows(min_row=DATA) for c in row)
    assert ws.protection.sheet and not ws.protection.password
    # openpyxl reads "this action is protected": False means the user may filter, sort and size rows/columns
    assert not ws.protection.autoFilter and not ws.protection.sort
    assert not ws.protection.formatColumns and not ws.protection.formatRows
    assert not ws["A6"].protection.locked and not ws[f"B{last}"].protection.locked
    assert ws["A5"].protection.locked and ws["B5"].protection.locked and ws["A2"].protection.locked
    assert ws[f"B{last + 1}"].protection.locked
    assert all(d.protection.locked for d in ws.column_dimensions.values())  # cells below the open rows
    assert ws.auto_filter.ref == f"A5:{get_column_letter(ws.max_column)}{last}"
    assert ws.freeze_panes == "A6"


@pytest.mark.parametrize("kind", KINDS)
def test_fonts_header_style_and_widths(folder: Path, kind: str) -> None:
    ws = load(folder, kind).worksheets[0]
    head = ws["B5"]
    assert head.font.name == "Times New Roman" and head.font.b
    assert head.fill.fgColor.rgb.endswith("DDEBF7") and head.border.bottom.style == "thin"
    assert head.alignment.wrap_text
    written = [c for row in ws.iter_rows() for c in row if c.has_style]
    assert len(written) > 5 * ws.max_column
    assert {c.font.name for c in written} == {"Times New Roman"}
    # openpyxl keeps runs of identical columns as one dimension (min..max)
    columns = {c: d for d in ws.column_dimensions.values() for c in range(d.min, d.max + 1)}
    for col, field in enumerate(template_fields.fields_of(kind, PLAN), start=1):
        column = columns[col]
        assert column.width == pytest.approx(field.width, abs=1)
        assert column.font.name == "Times New Roman"  # the style of the cells nobody wrote


def test_registration_has_a_column_per_person_counted_activity(folder: Path) -> None:
    labels = header(load(folder, template_fields.REGISTRATION).worksheets[0])
    marks = ["Tiết học yêu thương", "Bài soạn video trực tuyến", "Thiết kế bài giảng điện tử"]
    start = labels.index("Đồ dùng dạy học dự thi") + 1
    assert labels[start : start + 3] == marks
    assert labels[start + 3 :] == ["Ngày đăng ký", "Ghi chú"]


def test_targets_are_data_a_new_target_adds_a_column_and_a_removed_one_drops_it(tmp_path: Path) -> None:
    extra = Target("THAO_GIANG", "Tham gia thao giảng", "Cá nhân", 10, 26, "GV", "Thao giảng", None, COUNT_PERSONS)
    write_templates(with_targets((*PLAN.targets, extra)), tmp_path / "more")
    labels = header(load(tmp_path / "more", template_fields.REGISTRATION).worksheets[0])
    assert labels.index("Thao giảng") == labels.index("Thiết kế bài giảng điện tử") + 1

    fewer = tuple(t for t in PLAN.targets if t.code != "VIDEO_SO")
    write_templates(with_targets(fewer), tmp_path / "fewer")
    wb = load(tmp_path / "fewer", template_fields.REGISTRATION)
    labels = header(wb.worksheets[0])
    assert "Bài soạn video trực tuyến" not in labels
    assert "Tiết học yêu thương" in labels and "Thao giảng" not in labels
    assert "Bài soạn video trực tuyến" not in [c.value for c in wb[template_fields.LISTS_SHEET][1]]


def test_title_dropdown_is_a_range_on_the_hidden_list_sheet(folder: Path) -> None:
    wb = load(folder, template_fields.REGISTRATION)
    ws = wb.worksheets[0]
    col = column_of(ws, "Danh hiệu đăng ký")
    dv = validation_at(ws, f"{col}6")
    assert dv.type == "list"
    assert dv.formula1.startswith("'Danh mục'!$") and '"' not in dv.formula1
    assert list_values(wb, dv.formula1) == list(vocabulary.TITLE_REGISTERED.choices)
    assert dv.errorStyle in (None, "stop")  # stop is the default style: other values are refused
    assert dv.errorTitle and dv.error and unicodedata.is_normalized("NFC", dv.error)
    assert f"{col}55" in dv.sqref and f"{col}5" not in dv.sqref and f"{col}56" not in dv.sqref


def test_open_vocabularies_only_inform(folder: Path) -> None:
    wb = load(folder, template_fields.REGISTRATION)
    ws = wb.worksheets[0]
    reward = validation_at(ws, f"{column_of(ws, 'Hình thức khen thưởng đăng ký')}6")
    assert reward.errorStyle == "information"
    assert list_values(wb, reward.formula1) == list(vocabulary.REWARD_FORMS)
    mark = validation_at(ws, f"{column_of(ws, 'Tiết học yêu thương')}6")
    assert list_values(wb, mark.formula1) == ["x"]
    name = validation_at(ws, "B6")
    assert name.errorStyle == "information"
    assert list_values(wb, name.formula1) == list(PLAN.name_choices)
    assert "Nguyễn Thị Hoa (Tổ 1)" in PLAN.name_choices and "Nguyễn Thị Hoa (Tổ 2–3)" in PLAN.name_choices
    team = validation_at(ws, f"{column_of(ws, 'Tổ')}6")
    assert sorted(list_values(wb, team.formula1)) == sorted(PLAN.teams)


@pytest.mark.parametrize("kind", KINDS)
def test_every_closed_field_has_a_range_dropdown_and_every_date_field_a_date_rule(folder: Path, kind: str) -> None:
    wb = load(folder, kind)
    ws = wb.worksheets[0]
    for col, field in enumerate(template_fields.fields_of(kind, PLAN), start=1):
        cell = f"{get_column_letter(col)}7"
        if field.kind in ("choice", "mark", "person"):
            dv = validation_at(ws, cell)
            assert dv.type == "list" and dv.formula1.startswith("'Danh mục'!"), field.label
            assert list_values(wb, dv.formula1), field.label
            assert wb[template_fields.LISTS_SHEET].cell(1, list_values_column(dv.formula1)).value == field.label
        elif field.kind == "date":
            dv = validation_at(ws, cell)
            assert dv.type == "date" and dv.operator in (None, "between")
            assert (int(dv.formula1), int(dv.formula2)) == (1, 73415)  # 01/01/1900 .. 31/12/2100
            assert "ngày/tháng/năm" in dv.error and "ngày/tháng/năm" in dv.prompt
            assert ws[cell].number_format == "dd/mm/yyyy"
        else:
            assert not [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref], field.label


def list_values_column(formula: str) -> int:
    min_col, *_ = range_boundaries(formula.split("!")[1].replace("$", ""))
    assert min_col is not None
    return min_col


@pytest.mark.parametrize("kind", KINDS)
def test_hidden_sheets_carry_lists_and_metadata(folder: Path, kind: str) -> None:
    wb = load(folder, kind)
    assert wb.sheetnames == [
        template_fields.SHEET_NAMES[kind],
        template_fields.HELP_SHEET,
        template_fields.LISTS_SHEET,
        template_fields.META_SHEET,
    ]
    assert wb[template_fields.LISTS_SHEET].sheet_state == "hidden"
    assert wb[template_fields.META_SHEET].sheet_state == "hidden"
    assert wb[template_fields.HELP_SHEET].sheet_state == "visible"
    meta = {k: v for k, v in wb[template_fields.META_SHEET].iter_rows(values_only=True)}
    assert meta == {
        "kind": kind,
        "version": template_fields.TEMPLATE_VERSION,
        "school": "Trường Tiểu học Măng Đen",
        "school_year": "2021–2022",
    }
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props == {
        "thidua_kind": kind,
        "thidua_version": template_fields.TEMPLATE_VERSION,
        "thidua_school": "Trường Tiểu học Măng Đen",
        "thidua_school_year": "2021–2022",
    }


@pytest.mark.parametrize("kind", KINDS)
def test_print_setup_is_a4_one_page_wide_with_repeated_header(folder: Path, kind: str) -> None:
    wb = load(folder, kind)
    ws = wb.worksheets[0]
    assert ws.page_setup.paperSize == 9
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$5:$5"
    assert ws.oddFooter.center.text == "Trang &P/&N"
    assert ws.page_margins.left < 0.7
    assert wb[template_fields.HELP_SHEET].page_setup.paperSize == 9


def help_text(wb: Any) -> str:
    return "\n".join(
        " ".join(str(v) for v in row if v) for row in wb[template_fields.HELP_SHEET].iter_rows(values_only=True)
    )


@pytest.mark.parametrize("kind", KINDS)
def test_help_sheet_explains_every_column(folder: Path, kind: str) -> None:
    wb = load(folder, kind)
    text = help_text(wb)
    for col, field in enumerate(template_fields.fields_of(kind, PLAN), start=1):
        letter = get_column_letter(col)
        line = next(line for line in text.splitlines() if line.startswith(f"{letter}. {field.label}"))
        assert ("(bắt buộc)" in line) == field.required, line
        for choice in field.choices if field.kind == "choice" else ():
            assert choice in line
    assert "Gửi lại tệp cho Ban thi đua; có thể đổi tên tệp." in text
    assert "ngày/tháng/năm" in text
    assert template_fields.KIND_TITLES[kind].upper() in text


def test_registration_help_gives_deadline_and_marks(folder: Path) -> None:
    text = help_text(load(folder, template_fields.REGISTRATION))
    assert "04/10/2021" in text
    assert "Tiết học yêu thương”: đánh dấu x" in text
    assert "Tổ 1; Tổ 2–3; Tổ 4–5; Tổ văn phòng" in text


@pytest.mark.parametrize("kind", KINDS)
def test_all_text_is_nfc(folder: Path, kind: str) -> None:
    wb = load(folder, kind)
    texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert len(texts) > 20
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)


def test_a_province_sized_roster_gets_a_framed_table_over_open_columns(tmp_path: Path) -> None:
    """Past FRAMED_ROWS the template writes no more blank cells (a 20,000-person roster would put 300,000 in
    every file): the columns below the frame are open and validated, the title rows stay locked."""
    people = tuple(dataclasses.replace(person, name=f"{person.name} {n}") for n in range(15) for person in PLAN.roster)
    plan = dataclasses.replace(PLAN, roster=people)
    write_templates(plan, tmp_path)
    ws = load(tmp_path, template_fields.REGISTRATION).worksheets[0]
    framed = DATA + FRAMED_ROWS - 1
    wanted = DATA + len(people) + 10 - 1
    assert len(people) + 10 > FRAMED_ROWS
    assert ws.max_row == framed and ws[f"B{framed}"].border.left.style == "thin"
    assert not ws[f"B{framed}"].protection.locked
    assert not ws.column_dimensions["B"].protection.locked  # typing goes on below the frame
    assert ws.column_dimensions["N"].number_format == "dd/mm/yyyy"
    assert all(ws[f"{c}{r}"].protection.locked for r in (1, 3, 4) for c in "ABCO") and ws["C5"].protection.locked
    assert str(validation_at(ws, "B6").sqref) == f"B6:B{wanted}"
    assert not ws.print_area  # a capped sheet prints what is filled, not thousands of empty rows
    help_texts = [c.value for row in load(tmp_path, template_fields.REGISTRATION)["Hướng dẫn"].iter_rows() for c in row]
    assert any(isinstance(t, str) and f"kẻ sẵn {FRAMED_ROWS} dòng" in t for t in help_texts)
    assert template_path(tmp_path, template_fields.REGISTRATION).stat().st_size < 60_000


def test_rows_typed_below_the_frame_are_read_and_counted(demo_ws: Workspace) -> None:
    from thidua.pipeline.batch import compute
    from thidua.workspace.plan_workbook import write_plan

    people = tuple(dataclasses.replace(person, name=f"{person.name} {n}") for n in range(15) for person in PLAN.roster)
    plan = dataclasses.replace(PLAN, roster=people)
    ws = demo_ws
    write_plan(plan, ws.plan_path)
    write_templates(plan, ws.templates)
    wb = load(ws.templates, template_fields.REGISTRATION)
    sheet = wb.worksheets[0]
    below = DATA + FRAMED_ROWS + 20
    for row, person in ((DATA, people[0]), (below, people[-1])):
        sheet[f"B{row}"], sheet[f"F{row}"], sheet[f"N{row}"] = person.name, "Lao động tiên tiến", dt.date(2021, 9, 30)
    wb.save(ws.submissions / "dk.xlsx")
    result = compute(ws, "2021-10")
    registered = set(result.persons.loc[result.persons["submitted"], "name"])
    assert registered == {people[0].name, people[-1].name}


def test_per_person_files_are_prefilled_from_the_roster(tmp_path: Path) -> None:
    paths = write_templates(PLAN, tmp_path, per_person=True)
    personal = sorted((tmp_path / "ca-nhan").iterdir())
    assert len(personal) == 32 and len(paths) == 35
    assert sorted(paths[3:]) == personal
    assert all(re.fullmatch(r"dang-ky-\d\d-[a-z0-9-]+\.xlsx", p.name) for p in personal)

    person = PLAN.roster[2]
    path = tmp_path / "ca-nhan" / "dang-ky-03-le-thi-thu-ha.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert header(ws) == [f.label for f in template_fields.fields_of(template_fields.REGISTRATION, PLAN)]
    row = [c.value for c in ws[DATA]]
    assert row[:5] == [3, "Lê Thị Thu Hà", dt.datetime(1983, 11, 20), "Phó hiệu trưởng", "Tổ 4–5"]
    assert ws["C6"].number_format == "dd/mm/yyyy"
    assert all(v is None for v in row[5:])
    assert all(c.value is None for r in ws.iter_rows(min_row=DATA + 1) for c in r)
    assert not ws["B6"].protection.locked and not ws["B10"].protection.locked and ws["B11"].protection.locked
    assert ws.auto_filter.ref == f"A5:{get_column_letter(ws.max_column)}10"
    meta = {k: v for k, v in wb[template_fields.META_SHEET].iter_rows(values_only=True)}
    assert meta["person"] == person.name and meta["kind"] == template_fields.REGISTRATION
    # namesakes (two "Nguyễn Thị Hoa") get two files
    assert {p.name for p in personal} >= {"dang-ky-05-nguyen-thi-hoa.xlsx", "dang-ky-12-nguyen-thi-hoa.xlsx"}


def cell_contents(path: Path) -> list[tuple[str, str, Any]]:
    wb = openpyxl.load_workbook(path)
    return [(ws.title, c.coordinate, c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def test_same_plan_gives_same_contents_and_replaces_files(tmp_path: Path) -> None:
    first = [cell_contents(p) for p in write_templates(PLAN, tmp_path / "a")]
    second = [cell_contents(p) for p in write_templates(PLAN, tmp_path / "a")]
    assert first == second
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(
        f"{template_fields.FILE_NAMES[k]}.xlsx" for k in KINDS
    )


def test_a_failed_write_leaves_the_previous_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_templates(PLAN, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real = template_fields.fields_of

    def broken(kind: str, plan: Plan) -> tuple[template_fields.Field, ...]:
        if kind == template_fields.ACTIVITY:
            raise RuntimeError("disk full")
        return real(kind, plan)

    monkeypatch.setattr(template_fields, "fields_of", broken)
    with pytest.raises(RuntimeError):
        write_templates(PLAN, tmp_path)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after.keys() == before.keys()
    assert (
        after[template_path(tmp_path, template_fields.ACTIVITY).name]
        == before[template_path(tmp_path, template_fields.ACTIVITY).name]
    )


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_and_prints_every_template(tmp_path: Path) -> None:
    paths = write_templates(PLAN, tmp_path / "in")
    soffice = shutil.which("soffice")
    assert soffice is not None
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for path in paths:
        pdf = tmp_path / "pdf" / f"{path.stem}.pdf"
        assert pdf.exists() and pdf.stat().st_size > 1000, result.stdout + result.stderr
