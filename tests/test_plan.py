"""The plan workbook is the source of truth: round trip, cell-precise checks, targets as data end to end."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from thidua.cli import main
from thidua.errors import PlanError
from thidua.forms.cell_values import cell_text
from thidua.issues import Report
from thidua.workspace.default_plan import PLAN
from thidua.workspace.folder import Workspace
from thidua.workspace.plan_workbook import SHEET_ROSTER, SHEET_TARGETS, read_plan, write_plan

from .conftest import D, Fill, act_row, reg_row


def test_plan_round_trips_exactly(tmp_path: Path) -> None:
    write_plan(PLAN, tmp_path / "kehoach.xlsx")
    report = Report()
    assert read_plan(tmp_path / "kehoach.xlsx", report) == PLAN
    assert list(report) == []


def test_bad_plan_cells_are_reported_with_sheet_and_cell(tmp_path: Path) -> None:
    path = tmp_path / "kehoach.xlsx"
    write_plan(PLAN, path)
    wb = openpyxl.load_workbook(path)
    wb[SHEET_TARGETS]["D5"] = "sáu"  # target of SKKN_HUYEN
    wb[SHEET_TARGETS]["A11"] = "LDTT"  # CSTDCS renamed: the original LDTT in A12 is now the duplicate
    wb[SHEET_ROSTER]["C4"] = "30/02/1980"
    wb[SHEET_ROSTER]["E6"] = "Bảo mẫu"
    wb.save(path)
    report = Report()
    plan = read_plan(path, report)
    assert report.flatten("code", "sheet", "cell") == [
        ["plan-value-invalid", SHEET_TARGETS, "D5"],
        ["plan-target-duplicate", SHEET_TARGETS, "A12"],
        ["plan-value-invalid", SHEET_ROSTER, "C4"],
        ["plan-value-invalid", SHEET_ROSTER, "E6"],
    ]
    assert next(t for t in plan.targets if t.code == "SKKN_HUYEN").target is None
    assert len(plan.roster) == 32


def test_repeated_roster_values_are_read_and_reported_at_every_cell(tmp_path: Path) -> None:
    """The roster's team, position, gender and note are converted once per distinct value: a wrong value that
    repeats is still reported at each of its cells, a blank gender stays blank, and 1, 1.0 and TRUE stay three
    values (equal as Python numbers, written differently)."""
    path = tmp_path / "kehoach.xlsx"
    write_plan(PLAN, path)
    wb = openpyxl.load_workbook(path)
    roster = wb[SHEET_ROSTER]
    roster["D3"] = roster["D5"] = "Không rõ"
    roster["D4"] = None
    roster["E6"] = roster["E7"] = "Bảo mẫu"
    roster["H2"], roster["H3"], roster["H4"] = 1, 1.5, True
    roster["F8"], roster["F9"] = "  Tổ   1 ", "Tổ 1"
    wb.save(path)
    report = Report()
    plan = read_plan(path, report)
    assert report.flatten("code", "cell") == [["plan-value-invalid", cell] for cell in ("D3", "D5", "E6", "E7")]
    people = plan.roster
    assert [p.gender for p in people[1:4]] == ["", "", ""]
    assert [p.position for p in people[4:6]] == ["Bảo mẫu", "Bảo mẫu"]
    assert [p.note for p in people[:3]] == ["1", "1.5", cell_text(True)]
    assert people[6].team == people[7].team == "Tổ 1"
    assert people[0].note != people[2].note


def test_a_plan_without_its_roster_sheet_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "kehoach.xlsx"
    write_plan(PLAN, path)
    wb = openpyxl.load_workbook(path)
    del wb[SHEET_ROSTER]
    wb.save(path)
    with pytest.raises(PlanError, match="thiếu trang “Danh sách CBGVNV”"):
        read_plan(path, Report())


def test_targets_added_and_removed_in_the_sheet_change_templates_counts_and_outputs(
    empty_ws: Workspace, fill: Fill
) -> None:
    wb = openpyxl.load_workbook(empty_ws.plan_path)
    ws = wb[SHEET_TARGETS]
    ws.append(["THAO_GIANG", "Tham gia thao giảng cấp trường", "Cá nhân", 10, 26, "GV", "Thao giảng", "", "Người"])
    ws.delete_rows(10)  # BGDT_BO
    wb.save(empty_ws.plan_path)
    runner = CliRunner()
    assert runner.invoke(main, ["templates", "-w", str(empty_ws.root)]).exit_code == 0
    header = [c.value for c in openpyxl.load_workbook(empty_ws.templates / "mau-dang-ky-thi-dua.xlsx").worksheets[0][5]]
    assert "Thao giảng" in header and "Thiết kế bài giảng điện tử" not in header

    row = reg_row("Phạm Thị Hoà", "LĐTT")
    row[10:13] = ["", "", "x"]  # the new layout: Tiết học yêu thương, Bài soạn video, Thao giảng
    fill("dang-ky", "a.xlsx", [row])
    fill("bao-cao", "b.xlsx", [act_row("Phạm Thị Hoà", "Thao giảng", "Tiết Toán 4", "Trường", "Đạt", D(2021, 11, 12))])
    result = runner.invoke(main, ["run", "-w", str(empty_ws.root), "--month", "2021-11", "--json"])
    assert result.exit_code == 0, result.output
    targets = {t["code"]: t for t in json.loads(result.stdout)["targets"]}
    assert "BGDT_BO" not in targets
    assert (targets["THAO_GIANG"]["registered"], targets["THAO_GIANG"]["achieved"]) == (1, 1)
    assert targets["THAO_GIANG"]["achieved_base_ratio"] == pytest.approx(1 / 26)


def test_templates_per_person_through_the_cli(empty_ws: Workspace) -> None:
    result = CliRunner().invoke(main, ["templates", "--per-person", "-w", str(empty_ws.root)])
    assert result.exit_code == 0
    assert "35 mẫu" in result.stdout
    files = sorted((empty_ws.templates / "ca-nhan").glob("*.xlsx"))
    assert len(files) == 32 and all(f.name.isascii() for f in files)
    first = openpyxl.load_workbook(files[0]).worksheets[0]
    assert first["B6"].value == PLAN.roster[0].name
    assert first["C6"].value.date() == D(1975, 3, 12)
