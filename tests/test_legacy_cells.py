"""Legacy-encoded cells in real files: converted in the repair stage with a note naming the cell."""

from __future__ import annotations

import openpyxl
from openpyxl.styles import Font

from thidua.pipeline.batch import compute
from thidua.workspace.folder import Workspace

from .conftest import Fill, reg_row
from .frames import registered
from .legacy_encoders import tcvn3, vni


def test_names_typed_with_legacy_fonts_are_converted_and_counted(empty_ws: Workspace, fill: Fill) -> None:
    path = fill(
        "dang-ky",
        "phong-cu.xlsx",
        [
            reg_row(tcvn3("Phan Thị Lệ Thủy"), "LĐTT"),
            reg_row(tcvn3("lâm thị thùy dương"), "LĐTT"),  # typed in lower case with the capitals font
            reg_row(vni("Đặng Thị Ngọc Ánh"), "LĐTT", initiative=vni("Sử dụng trò chơi học tập"), level="Huyện"),
            reg_row(tcvn3("Huỳnh Thị Kim Oanh"), "LĐTT"),  # no legacy font: the characters decide
        ],
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["Đăng ký"]
    ws["B6"].font = Font(name=".VnTime")
    ws["B7"].font = Font(name=".VnTimeH")
    ws["B8"].font = Font(name="VNI-Times")
    ws["H8"].font = Font(name="VNI-Times")
    wb.save(path)

    result = compute(empty_ws, "2021-10")
    notes = [(i.cell, i.message) for i in result.issues if i.code == "text-legacy-converted"]
    assert [cell for cell, _m in notes] == ["B6", "B7", "B8", "H8", "B9"]
    assert "TCVN3" in notes[0][1] and "phông .VnTime" in notes[0][1] and "Phan Thị Lệ Thủy" in notes[0][1]
    assert "LÂM THỊ THÙY DƯƠNG" in notes[1][1]
    assert "VNI-Windows" in notes[2][1] and "phông VNI-Times" in notes[2][1]
    assert "các ký tự trong ô" in notes[4][1]
    assert [i for i in result.issues if i.severity.value == "lỗi"] == []
    regs = registered(result)
    assert set(regs.index) == {"Phan Thị Lệ Thủy", "Lâm Thị Thùy Dương", "Đặng Thị Ngọc Ánh", "Huỳnh Thị Kim Oanh"}
    assert regs.loc["Đặng Thị Ngọc Ánh", "initiative"] == "Sử dụng trò chơi học tập"
