"""Legacy-encoded cells in real files: converted in the repair stage with a note naming the cell."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
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


def test_fonts_are_read_no_further_right_than_the_cells_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openpyxl pads every row it reads to the sheet's <dimension>: a file claiming column XFD made each row of
    legacy text cost 16,384 cells (2,000 rows: 1.2 s). The fonts come back the same, from the wanted columns only."""
    import openpyxl.worksheet._read_only as read_only

    from thidua.intake.repair import cell_fonts

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    for r in range(1, 51):
        ws.cell(r, 2, "Nguyeãn Thò Hoa").font = Font(name="VNI-Times")
    honest = tmp_path / "honest.xlsx"
    wb.save(honest)
    claiming = tmp_path / "claiming.xlsx"
    with zipfile.ZipFile(honest) as zin, zipfile.ZipFile(claiming, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD50000"/>', body)
            zout.writestr(info, body)
    produced = []
    original = read_only.ReadOnlyWorksheet._cells_by_row

    def counting(self: object, *args: object, **kwargs: object) -> object:
        for row in original(self, *args, **kwargs):  # type: ignore[arg-type]
            produced.append(len(row))
            yield row

    monkeypatch.setattr(read_only.ReadOnlyWorksheet, "_cells_by_row", counting)
    wanted = [(r, 1) for r in range(50)]
    expected = {cell: "VNI-Times" for cell in wanted}
    assert cell_fonts(honest, "S", wanted) == expected
    assert cell_fonts(claiming, "S", wanted) == expected
    assert produced and max(produced) <= 2  # columns A and B, never up to XFD
