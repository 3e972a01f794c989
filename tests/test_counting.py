"""Counting rules of SPEC 3 end to end: a plan edited the way a school edits it, activity reports filled into
the real template, the month run through the CLI, figures read back from summary.json."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from thidua.cli import main
from thidua.core import vocabulary
from thidua.workspace.default_plan import PLAN
from thidua.workspace.folder import Workspace
from thidua.workspace.plan_workbook import COUNTED_RESULTS_HELP, GUIDE_SHEET, SHEET_TARGETS, write_plan

from .conftest import D, Fill, act_row

TEACHERS = [p.name for p in PLAN.roster if p.is_teacher and sum(q.name == p.name for q in PLAN.roster) == 1]


def _add_targets(ws: Workspace, rows: list[list[object]], counted: dict[str, str]) -> None:
    """Edit kehoach.xlsx as the secretary would: new target rows typed under the others, and a "Kết quả được
    tính" typed for some targets."""
    wb = openpyxl.load_workbook(ws.plan_path)
    sheet = wb[SHEET_TARGETS]
    header = [c.value for c in sheet[1]]
    code_col, counted_col = header.index("Mã") + 1, header.index("Kết quả được tính") + 1
    for row in sheet.iter_rows(min_row=2):
        code = row[code_col - 1].value
        if code in counted:
            sheet.cell(row=row[0].row, column=counted_col, value=counted[code])
    for values in rows:
        sheet.append(values)
    wb.save(ws.plan_path)


def _run(ws: Workspace, month: str) -> dict[str, tuple[int, int]]:
    result = CliRunner().invoke(main, ["run", "-w", str(ws.root), "--month", month, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    return {t["code"]: (t["registered"], t["achieved"]) for t in summary["targets"]}


def test_failed_results_count_only_where_the_plan_says_so(empty_ws: Workspace, fill: Fill) -> None:
    a, b, c, d, e = TEACHERS[:5]
    _add_targets(
        empty_ws,
        [["BAI_VIET", "Bài viết cấp huyện trở lên", "Cá nhân", 2, None, "bài", "Bài viết", "Huyện", "Sản phẩm", ""]],
        {"DDDH_HUYEN": "Đã dự thi, Không đạt"},
    )
    fill(
        "bao-cao",
        "bao-cao-thang-3.xlsx",
        [
            act_row(a, "Bài viết", "Đổi mới sinh hoạt chuyên môn", "Tỉnh", "Không đạt", D(2022, 3, 2)),
            act_row(b, "Bài viết", "Dạy học theo nhóm", "Xã", "Đạt", D(2022, 3, 3)),
            act_row(c, "Đồ dùng dạy học", "Bộ que tính", "Huyện", "Không đạt", D(2022, 3, 4)),
            act_row(d, "Đồ dùng dạy học", "Bảng chữ cái", "Huyện", "Đã nộp", D(2022, 3, 5)),
            act_row(e, "Sáng kiến kinh nghiệm", "Rèn chữ đẹp", "Xã", "Được công nhận", D(2022, 3, 6)),
            act_row(a, "Bài soạn video trực tuyến", "Bài 3", "", "Không đạt", D(2022, 3, 7)),
        ],
    )
    figures = _run(empty_ws, "2022-03")
    # A failed article at Tỉnh level does not count for "cấp huyện trở lên"; one recognised at Xã does.
    assert figures["BAI_VIET"] == (0, 1)
    # The plan counts a teaching aid entered but failed; a set merely handed in still does not count.
    assert figures["DDDH_HUYEN"] == (0, 1)
    # Xã ranks with Huyện: an initiative recognised by the commune counts for the district-level target only.
    assert figures["SKKN_HUYEN"] == (0, 1) and figures["SKKN_TINH"] == (0, 0)
    # A participation target ("Tham gia …") counts every reported row, whatever the result.
    assert figures["VIDEO_SO"] == (0, 1)


def test_the_same_reports_without_the_plan_override_count_the_default_way(empty_ws: Workspace, fill: Fill) -> None:
    fill(
        "bao-cao",
        "ddđh.xlsx",
        [act_row(TEACHERS[2], "Đồ dùng dạy học", "Bộ que tính", "Huyện", "Không đạt", D(2022, 3, 4))],
    )
    assert _run(empty_ws, "2022-03")["DDDH_HUYEN"] == (0, 0)


def test_a_commune_level_initiative_is_accepted_on_the_registration(empty_ws: Workspace, fill: Fill) -> None:
    from .conftest import reg_row

    fill("dang-ky", "dk.xlsx", [reg_row(TEACHERS[0], "LĐTT", initiative="Rèn đọc", level="cấp xã")])
    assert _run(empty_ws, "2021-10")["SKKN_HUYEN"] == (1, 0)


def test_the_plan_workbook_explains_the_counted_results_column(tmp_path: Path) -> None:
    path = tmp_path / "kehoach.xlsx"
    write_plan(PLAN, path)
    wb = openpyxl.load_workbook(path)
    targets = wb[SHEET_TARGETS]
    header = {c.value: c for c in targets[1]}
    counted = header["Kết quả được tính"]
    assert counted.comment is not None and counted.comment.text == COUNTED_RESULTS_HELP
    assert "Tham gia" in counted.comment.text and "Không đạt" in counted.comment.text
    (validation,) = [v for v in targets.data_validations.dataValidation if counted.column_letter in str(v.sqref)]
    assert validation.type == "list" and validation.errorStyle == "information"  # several may be typed
    assert all(result in validation.formula1 for result in vocabulary.RESULT.choices)
    guide = wb[GUIDE_SHEET]
    topics = [row[0].value for row in guide.iter_rows()]
    assert "Kết quả được tính" in topics and SHEET_TARGETS in topics
    long_rows = [row[0].row for row in guide.iter_rows() if len(row[1].value or "") > 95]
    assert long_rows  # wrapped text gets a height that shows every line
    assert all(guide.row_dimensions[r].height >= 30 for r in long_rows)


def test_two_targets_on_a_new_activity_type_and_odd_plan_rows(empty_ws: Workspace, fill: Fill) -> None:
    """A plan edited as schools edit it: a new activity type ("Hội giảng") with two level targets, a collective
    row typed under a person target's code, LĐTT limited to teachers, two rounds with the same name."""
    from thidua.workspace.plan_workbook import SHEET_COLLECTIVE, SHEET_ROUNDS

    _add_targets(
        empty_ws,
        [
            ["HG_TRUONG", "Hội giảng cấp trường", "Cá nhân", 5, None, "GV", "Hội giảng", "Trường", "Người", ""],
            ["HG_HUYEN", "Hội giảng cấp huyện trở lên", "Cá nhân", 2, None, "GV", "Hội giảng", "Huyện", "Người", ""],
        ],
        {},
    )
    wb = openpyxl.load_workbook(empty_ws.plan_path)
    targets = wb[SHEET_TARGETS]
    header = [c.value for c in targets[1]]
    for row in targets.iter_rows(min_row=2):
        if row[header.index("Mã")].value == "LDTT":
            row[header.index("Đơn vị")].value = "GV"  # "GV" limits activities, not the titles of the vote
    wb[SHEET_COLLECTIVE].append(["LDTT", "Tổ 1", "Tổ lao động tiên tiến", "Có", "Đạt", "12/QĐ", D(2022, 5, 20)])
    rounds = wb[SHEET_ROUNDS]
    rounds["A3"] = rounds["A2"].value  # both rounds called "Đợt 1"
    wb.save(empty_ws.plan_path)
    office = next(p.name for p in PLAN.roster if not p.is_teacher and p.position == "Nhân viên")
    from .conftest import reg_row

    fill("dang-ky", "dk.xlsx", [reg_row(office, "LĐTT"), reg_row(TEACHERS[0], "LĐTT")])
    fill(
        "bao-cao",
        "hg.xlsx",
        [
            act_row(TEACHERS[1], "Hội giảng", "Bài 1", "Trường", "Đạt", D(2021, 11, 10)),
            act_row(TEACHERS[2], "Hội giảng", "Bài 2", "Xã", "Đạt giải", D(2021, 11, 12)),
        ],
    )
    figures = _run(empty_ws, "2021-11")
    assert figures["HG_TRUONG"] == (0, 2) and figures["HG_HUYEN"] == (0, 1)
    assert figures["LDTT"] == (2, 0)  # the office worker's registration counts: no collective row adds to it
    # the dashboard's round sheet lines up with its header although the rounds share a name
    sheet = openpyxl.load_workbook(empty_ws.root / "output" / "2021-11" / "tong-hop-thi-dua-2021-11.xlsx")["Theo đợt"]
    found = [[c.value for c in row] for row in sheet.iter_rows() if row[1].value == "Hội giảng cấp trường"]
    assert found and found[0][3:6] == [2, 0, 2]
