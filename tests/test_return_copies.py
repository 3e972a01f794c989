"""Return copies: the bad cells highlighted and commented in a copy; the original never touched."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from thidua.cli import main
from thidua.workspace import Workspace

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
