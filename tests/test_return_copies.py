"""Return copies: the bad cells highlighted and commented in a copy; the original never touched."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from thidua.cli import main
from thidua.workspace.folder import Workspace

from .conftest import D, Fill, act_row, libreoffice_convert, reg_row

RED = "FFFFC7CE"


def run(ws: Workspace, month: str = "2021-11") -> Path:
    result = CliRunner().invoke(main, ["run", "-w", str(ws.root), "--month", month])
    assert result.exit_code in (0, 1), result.output
    assert "sự cố ngoài dự kiến" not in result.stderr  # exit 1 must mean data problems, not a crash
    assert (ws.root / "output" / month / "summary.json").exists()
    return ws.root / "output" / month / "tra-lai"


def test_a_file_with_errors_comes_back_highlighted_and_commented(empty_ws: Workspace, fill: Fill) -> None:
    src = fill(
        "dang-ky",
        "To 1/Đăng ký tổ 1.xlsx",
        [
            reg_row("Đinh Thị Mai", "LĐTT"),
            reg_row("Trần Văn Quy", "LĐTT"),
            reg_row("Y Blưm", "Anh hùng", initiative='=HYPERLINK("http://x","bấm")'),
        ],
    )
    wb = openpyxl.load_workbook(src)
    wb["Đăng ký"]["J6"] = '=HYPERLINK("http://x","bấm")'  # a real formula in the staff's file
    wb["Đăng ký"]["H8"].data_type = "s"  # text that only looks like a formula
    wb.save(src)
    before = src.read_bytes()
    folder = run(empty_ws)
    assert src.read_bytes() == before
    copy = folder / "to-1-dang-ky-to-1.xlsx"
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == "Cần sửa"
    fix = [[c.value for c in row] for row in wb["Cần sửa"].iter_rows(min_row=5)]
    assert [(r[0], r[1], r[2]) for r in fix] == [
        ("Đăng ký", "J6", "cảnh báo"),  # the formula openpyxl saved has no computed value
        ("Đăng ký", "B7", "lỗi"),
        ("Đăng ký", "F8", "lỗi"),
        ("Đăng ký", "I8", "lỗi"),  # an initiative is named (as text), so its level is required
    ]
    sheet = wb["Đăng ký"]
    assert sheet["B7"].fill.fgColor.rgb == RED and "Trần Văn Quý" in sheet["B7"].comment.text
    assert sheet["F8"].fill.fgColor.rgb == RED and "Lao động tiên tiến" in sheet["F8"].comment.text
    assert sheet["B6"].comment is None
    assert sheet["H8"].data_type == "s" and sheet["H8"].value.startswith("=HYPERLINK")
    assert sheet["J6"].data_type == "s" and sheet["J6"].value.startswith("=HYPERLINK")


def test_clean_files_get_no_copy(empty_ws: Workspace, fill: Fill) -> None:
    fill("dang-ky", "tot.xlsx", [reg_row("Đinh Thị Mai", "LĐTT")])
    assert not run(empty_ws).exists()


@pytest.mark.libreoffice
def test_ods_files_are_rebuilt_with_their_values(empty_ws: Workspace, fill: Fill, tmp_path: Path) -> None:
    xlsx = fill(
        "bao-cao", "bc.xlsx", [act_row("Đinh Thị Mai", "SKKN", "Rèn đọc", "", "Được công nhận", D(2021, 11, 5))]
    )
    (ods,) = libreoffice_convert([xlsx], "ods", tmp_path / "lo")
    xlsx.unlink()
    shutil.move(ods, empty_ws.submissions / "bc.ods")
    copy = run(empty_ws) / "bc.xlsx"
    wb = openpyxl.load_workbook(copy)
    sheet = wb["Báo cáo kết quả"]
    assert sheet["F6"].fill.fgColor.rgb == RED and "Cấp" in sheet["F6"].comment.text
    assert sheet["E6"].value == "Rèn đọc"


@pytest.mark.libreoffice
def test_return_copies_open_in_libreoffice(empty_ws: Workspace, fill: Fill, tmp_path: Path) -> None:
    fill("dang-ky", "a.xlsx", [reg_row("Trần Văn Quy", "LĐTT")])
    (pdf,) = libreoffice_convert([run(empty_ws) / "a.xlsx"], "pdf", tmp_path / "pdf")
    assert pdf.stat().st_size > 1000


def test_names_that_read_alike_get_distinct_copies(empty_ws: Workspace, fill: Fill) -> None:
    fill("dang-ky", "Hoà.xlsx", [reg_row("Trần Văn Quy", "LĐTT")])
    fill("dang-ky", "Hoa.xlsx", [reg_row("Người Lạ", "LĐTT")])
    folder = run(empty_ws)
    assert sorted(p.name for p in folder.iterdir()) == ["hoa-2.xlsx", "hoa.xlsx"]
    names = {openpyxl.load_workbook(p)["Đăng ký"]["B6"].value for p in folder.iterdir()}
    assert names == {"Trần Văn Quy", "Người Lạ"}


# --- return copies are inert ----------------------------------------------------------------------------------

_EXTERNAL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _with_live_content(path: Path, formula_in: str | None = None) -> None:
    """Add to a filled template what Excel would act on when the file opens: a link to another workbook, a DDE
    link, a data connection, an outside hyperlink, a defined name calling WEBSERVICE and one reading the linked
    workbook. `formula_in`: a cell given a formula too (the copy is then made with openpyxl)."""
    import re
    import zipfile

    if formula_in is not None:
        wb = openpyxl.load_workbook(path)
        wb["Đăng ký"][formula_in] = "=1+1"
        wb.save(path)
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    book = parts["xl/workbook.xml"].decode()
    first_sheet = re.search(r'<sheet\b[^>]*name="Đăng ký"[^>]*r:id="([^"]+)"', book)
    assert first_sheet is not None
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'Id="{first_sheet.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'Target="([^"]+)"[^>]*Id="{first_sheet.group(1)}"', rels
    )
    assert target is not None
    sheet_part = "xl/" + target.group(1).removeprefix("/xl/").removeprefix("xl/")
    main_ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    parts["xl/externalLinks/externalLink91.xml"] = (
        f'<externalLink xmlns="{main_ns}" xmlns:r="{_EXTERNAL}"><externalBook r:id="rId1">'
        '<sheetNames><sheetName val="Bảng lương"/></sheetNames></externalBook></externalLink>'
    ).encode()
    parts["xl/externalLinks/_rels/externalLink91.xml.rels"] = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_EXTERNAL}/externalLinkPath" Target="file:///C:/luong.xlsx" '
        'TargetMode="External"/></Relationships>'
    ).encode()
    parts["xl/externalLinks/externalLink92.xml"] = (
        f'<externalLink xmlns="{main_ns}"><ddeLink ddeService="cmd" ddeTopic="/c calc"/></externalLink>'
    ).encode()
    parts["xl/connections.xml"] = (
        f'<connections xmlns="{main_ns}"><connection id="1" name="web" type="4" refreshOnLoad="1">'
        '<webPr url="http://example.invalid/q"/></connection></connections>'
    ).encode()
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rId901" Type="{_EXTERNAL}/externalLink" Target="externalLinks/externalLink91.xml"/>'
        f'<Relationship Id="rId902" Type="{_EXTERNAL}/externalLink" Target="externalLinks/externalLink92.xml"/>'
        f'<Relationship Id="rId903" Type="{_EXTERNAL}/connections" Target="connections.xml"/></Relationships>',
    )
    parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    names = (
        '<definedName name="GiaVang">_xlfn.WEBSERVICE("http://example.invalid/gia")</definedName>'
        "<definedName name=\"Luong\">'[1]Bảng lương'!$A$1</definedName>"
    )
    if "<definedNames>" in book:
        book = book.replace("<definedNames>", "<definedNames>" + names, 1)
    else:
        book = book.replace("</sheets>", f"</sheets><definedNames>{names}</definedNames>", 1)
    bind = f' xmlns:r="{_EXTERNAL}"'  # openpyxl with lxml binds r: on each <sheet>, not on the root
    references = f'<externalReferences><externalReference{bind} r:id="rId901"/><externalReference{bind} r:id="rId902"/>'
    book = book.replace("</sheets>", f"</sheets>{references}</externalReferences>", 1)  # before definedNames
    parts["xl/workbook.xml"] = book.encode()
    sheet = parts[sheet_part].decode()
    sheet = sheet.replace("<pageMargins", '<hyperlinks><hyperlink ref="B6" r:id="rId951"/></hyperlinks><pageMargins', 1)
    if 'xmlns:r="' not in sheet.split(">", 2)[1] + sheet.split(">", 2)[0]:
        sheet = sheet.replace("<worksheet ", f'<worksheet xmlns:r="{_EXTERNAL}" ', 1)
    parts[sheet_part] = sheet.encode()
    sheet_rels = sheet_part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    link = (
        f'<Relationship Id="rId951" Type="{_EXTERNAL}/hyperlink" Target="http://example.invalid/phish" '
        'TargetMode="External"/>'
    )
    if sheet_rels in parts:
        parts[sheet_rels] = parts[sheet_rels].decode().replace("</Relationships>", link + "</Relationships>").encode()
    else:
        parts[sheet_rels] = (
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{link}'
            "</Relationships>"
        ).encode()
    types = parts["[Content_Types].xml"].decode()
    types = types.replace(
        "</Types>",
        '<Override PartName="/xl/externalLinks/externalLink91.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
        '<Override PartName="/xl/externalLinks/externalLink92.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
        '<Override PartName="/xl/connections.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml"/></Types>',
    )
    parts["[Content_Types].xml"] = types.encode()
    if 'Extension="rels"' not in types:
        raise AssertionError("the template declares no default for .rels parts")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


def _assert_inert(copy: Path) -> None:
    import zipfile

    with zipfile.ZipFile(copy) as package:
        names = package.namelist()
        everything = b"".join(package.read(name) for name in names)
    assert not any(name.startswith("xl/externalLinks/") or name == "xl/connections.xml" for name in names)
    assert b'TargetMode="External"' not in everything
    assert b"<hyperlink" not in everything and b"example.invalid" not in everything
    assert b"WEBSERVICE" not in everything and b"<externalReference" not in everything
    assert b"ddeLink" not in everything and b"luong.xlsx" not in everything
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == "Cần sửa"
    texts = [cell.value for row in wb["Cần sửa"].iter_rows() for cell in row if isinstance(cell.value, str)]
    removed = next(text for text in texts if text.startswith("Để an toàn"))
    for words in (
        "1 liên kết tới tệp khác",
        "1 liên kết DDE",
        "1 kết nối dữ liệu",
        "1 siêu liên kết",
        "2 tên định nghĩa có hàm hoặc trỏ tới tệp khác",
    ):
        assert words in removed
    assert wb["Đăng ký"]["B7"].comment is not None  # the copy is still annotated
    template = openpyxl.load_workbook(copy.parent.parent.parent.parent / "input_templates" / "mau-dang-ky-thi-dua.xlsx")
    assert wb["Đăng ký"].print_area == template["Đăng ký"].print_area  # the template's harmless names stay
    assert wb["Đăng ký"].print_title_rows == "$5:$5"


def test_return_copies_leave_out_links_connections_and_active_names(empty_ws: Workspace, fill: Fill) -> None:
    package = fill("dang-ky", "song.xlsx", [reg_row("Đinh Thị Mai", "LĐTT"), reg_row("Trần Văn Quy", "LĐTT")])
    _with_live_content(package)
    via_openpyxl = fill("dang-ky", "cong-thuc.xlsx", [reg_row("Đinh Thị Mai", "LĐTT"), reg_row("Trần Văn Quy", "LĐTT")])
    _with_live_content(via_openpyxl, formula_in="K6")
    before = {path: path.read_bytes() for path in (package, via_openpyxl)}
    folder = run(empty_ws)
    assert {path: path.read_bytes() for path in before} == before
    _assert_inert(folder / "song.xlsx")  # made by editing the package
    _assert_inert(folder / "cong-thuc.xlsx")  # made by openpyxl (a formula)


def test_the_package_edits_count_what_they_leave_out(empty_ws: Workspace, fill: Fill) -> None:
    from thidua.excel import package_patch

    package = fill("dang-ky", "song.xlsx", [reg_row("Đinh Thị Mai", "LĐTT")])
    assert package_patch.disarm(package.read_bytes()) == (package.read_bytes(), package_patch.Disarmed())
    _with_live_content(package)
    data, disarmed = package_patch.disarm(package.read_bytes())
    assert disarmed == package_patch.Disarmed(1, 1, 1, 1, 2)
    assert package_patch.disarm(data) == (data, package_patch.Disarmed())  # nothing left to take out
    assert package_patch.active_name("'Sổ (1)'!$A$1") is False  # brackets in a quoted sheet name call nothing
    assert package_patch.active_name('_xlfn.FILTERXML(A1,"//x")') is True


def test_a_macro_enabled_file_comes_back_as_a_plain_xlsx_without_its_macros(empty_ws: Workspace, fill: Fill) -> None:
    import zipfile

    from . import hostile

    for name, formula in (("co-macro", None), ("co-macro-cong-thuc", "K6")):
        good = fill("dang-ky", f"{name}.xlsx", [reg_row("Đinh Thị Mai", "LĐTT"), reg_row("Trần Văn Quy", "LĐTT")])
        if formula:
            wb = openpyxl.load_workbook(good)
            wb["Đăng ký"][formula] = "=1+1"
            wb.save(good)
        hostile.macro_enabled(good.with_suffix(".xlsm"), good)
        good.unlink()
    folder = run(empty_ws)
    for name in ("co-macro", "co-macro-cong-thuc"):
        copy = folder / f"{name}.xlsx"
        assert not (folder / f"{name}.xlsm").exists()
        with zipfile.ZipFile(copy) as package:
            assert not any("vbaProject" in member for member in package.namelist())
            assert b"macroEnabled" not in package.read("[Content_Types].xml")
            assert b"vbaProject" not in package.read("xl/_rels/workbook.xml.rels")
        book = openpyxl.load_workbook(copy)
        texts = [c.value for row in book["Cần sửa"].iter_rows() for c in row if isinstance(c.value, str)]
        assert any("1 bộ macro (VBA)" in text for text in texts), texts  # said on both paths
