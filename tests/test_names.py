"""People's names as the year really brings them (issue #21, SPEC 5): namesakes told apart by team, the name
dropdown, a roster typed without diacritics, name errors on their team's sheet for the team leader, senders of
unmatched files never "Chưa nộp", corrections sent under a new file name, day and month swapped in a text date."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from thidua import api
from thidua.cli import main
from thidua.counting.rules import available_packs
from thidua.issues import title_of
from thidua.workspace.folder import Workspace
from thidua.workspace.plan_workbook import PLAN_FILE

from .conftest import D, Fill, act_row, reg_row, table_at

HOA_1, HOA_23 = ("Nguyễn Thị Hoa", "Tổ 1"), ("Nguyễn Thị Hoa", "Tổ 2–3")  # namesakes of the default roster
TEAM_COL = 4  # "Tổ" in the registration template's columns


def with_team(row: list[Any], team: str) -> list[Any]:
    row[TEAM_COL] = team
    return row


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout


def person_of(month: api.Month, person: int) -> tuple[str, str]:
    row = month.persons.loc[person]
    return row["name"], row["team"]


def codes(month: api.Month) -> list[str]:
    return [c for c, f in zip(month.issues["code"], month.issues["file"], strict=True) if f != PLAN_FILE]


def test_namesakes_are_told_apart_by_the_rows_team_or_the_files(empty_ws: Workspace, fill: Fill) -> None:
    # The Tổ column however written; a team file with no Tổ column (the activity report): its folder, or the team
    # of its other rows; a name chosen from the dropdown with the team in brackets.
    fill("dang-ky", "dang-ky.xlsx", [with_team(reg_row("Nguyễn Thị Hoa", "LĐTT"), "to 2 - 3")])
    fill(
        "bao-cao",
        "To 1/bao cao thang 10.xlsx",
        [act_row("Nguyễn Thị Hoa", "Video", "Bài 1", "", "Đã nộp", D(2021, 10, 5))],
    )
    fill(
        "bao-cao",
        "bao cao tong hop.xlsx",
        [
            act_row("Bùi Văn Long", "Video", "Bài 2", "", "Đã nộp", D(2021, 10, 6)),  # Tổ 2–3, the only one of his name
            act_row("Nguyễn Thị Hoa", "Video", "Bài 3", "", "Đã nộp", D(2021, 10, 7)),
        ],
    )
    fill(
        "bao-cao",
        "chon.xlsx",
        [act_row("Nguyễn Thị Hoa (Tổ 1)", "Tiết học yêu thương", "T", "", "Đã thực hiện", D(2021, 10, 8))],
    )
    month = api.month(empty_ws.root, "2021-10")
    assert "person-ambiguous" not in codes(month)
    assert person_of(month, month.registrations["person"].iloc[0]) == HOA_23
    by_product = {r.product: person_of(month, r.person) for r in month.results.itertuples()}
    assert by_product == {"Bài 1": HOA_1, "Bài 2": ("Bùi Văn Long", "Tổ 2–3"), "Bài 3": HOA_23, "T": HOA_1}
    figures = month.targets.set_index("code")
    assert (figures.loc["LDTT", "registered"], figures.loc["VIDEO_SO", "achieved"]) == (1, 3)


def test_namesakes_nothing_tells_apart_stay_ambiguous_and_say_their_teams(empty_ws: Workspace, fill: Fill) -> None:
    fill(
        "bao-cao",
        "hai to.xlsx",  # rows of two teams: the file belongs to none
        [
            act_row("Phạm Thị Hòa", "Video", "Bài 1", "", "Đã nộp", D(2021, 10, 5)),
            act_row("Bùi Văn Long", "Video", "Bài 2", "", "Đã nộp", D(2021, 10, 6)),
            act_row("Nguyễn Thị Hoa", "Video", "Bài 3", "", "Đã nộp", D(2021, 10, 7)),
        ],
    )
    month = api.month(empty_ws.root, "2021-10")
    ambiguous = month.issues[month.issues["code"] == "person-ambiguous"]
    assert list(ambiguous["cell"]) == ["B8"]
    assert "(Tổ 1, Tổ 2–3)" in ambiguous["message"].iloc[0]


def test_name_errors_go_to_their_team_sheet_and_the_senders_are_not_missing(empty_ws: Workspace, fill: Fill) -> None:
    # A team file of Tổ 4–5 with a name mistyped; a registration naming its Tổ with a name nobody has been given
    # yet; and one Nguyễn Thị Hoa that nothing tells apart (both Hoas sent nothing else).
    fill(
        "dang-ky",
        "To 4-5/DK to 4-5.xlsx",
        [reg_row("Trần Thị Mỹ Linh", "LĐTT"), reg_row("Ngô Văn Hùn", "LĐTT")],
    )
    fill("dang-ky", "moi.xlsx", [with_team(reg_row("Lò Văn Mới", "LĐTT"), "Tổ văn phòng")])
    fill("dang-ky", "hoa.xlsx", [reg_row("Nguyễn Thị Hoa", "LĐTT")])
    code, _out = invoke("run", "-w", str(empty_ws.root), "--month", "2021-10")
    assert code == 1  # the name errors are errors
    folder = empty_ws.root / "output" / "2021-10"
    report = openpyxl.load_workbook(folder / "danh-sach-loi-2021-10.xlsx")
    _top, header, rows = table_at(report["Tổ 4–5"], "STT")
    assert "Mã lỗi" not in header
    unknown = [r for r in rows if r[header.index("Vấn đề")] == title_of("person-unknown")]
    assert [(r[header.index("Tệp")], r[header.index("Ô")], r[header.index("Giá trị")]) for r in unknown] == [
        ("To 4-5/DK to 4-5.xlsx", "B7", "Ngô Văn Hùn")
    ]
    assert "Ngô Văn Hùng" in unknown[0][header.index("Cần làm gì")]
    _top, header, rows = table_at(report["Tổ văn phòng"], "STT")
    assert [r[header.index("Giá trị")] for r in rows if r[header.index("Vấn đề")] == title_of("person-unknown")] == [
        "Lò Văn Mới"
    ]
    # a namesake nothing told apart is on the sheet of each team one of them is in, for its leader to settle
    for team in ("Tổ 1", "Tổ 2–3"):
        _top, header, rows = table_at(report[team], "STT")
        ambiguous = [r for r in rows if r[header.index("Vấn đề")] == title_of("person-ambiguous")]
        assert [(r[header.index("Tệp")], r[header.index("Giá trị")]) for r in ambiguous] == [
            ("hoa.xlsx", "Nguyễn Thị Hoa")
        ]
    # who sent those files is judged from the files: never "Chưa nộp"
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    missing = " ".join(summary["not_submitted"])
    assert "Ngô Văn Hùng" not in missing and "Nguyễn Thị Hoa" not in missing
    assert "Trần Thị Mỹ Linh" not in missing and "Y Nhung" in missing
    dashboard = openpyxl.load_workbook(folder / "tong-hop-thi-dua-2021-10.xlsx")
    _top, header, rows = table_at(dashboard["Chưa nộp"], "STT")
    listed = [r[header.index("Họ và tên")] for r in rows]
    assert "Ngô Văn Hùng" not in listed and "Nguyễn Thị Hoa" not in listed and "Y Nhung" in listed
    _top, header, rows = table_at(dashboard["Theo cá nhân"], "STT")
    shown = {r[header.index("Họ và tên")]: r[header.index("Danh hiệu đăng ký")] for r in rows}
    assert shown["Ngô Văn Hùng"] == shown["Nguyễn Thị Hoa"] == "Đã gửi, chưa khớp tên"
    month = api.month(empty_ws.root, "2021-10")
    teams = month.teams.set_index("team")["not_submitted"]
    assert teams["Tổ 4–5"] == 10 - 2  # of ten: Linh registered, Hùng sent a file under a mistyped name


def _edit_roster(ws: Workspace, changes: dict[str, dict[str, object]]) -> dict[str, str]:
    """Change roster cells of kehoach.xlsx by person name; returns each changed person's row's cells by label."""
    wb = openpyxl.load_workbook(ws.plan_path)
    sheet = wb["Danh sách CBGVNV"]
    header = [c.value for c in sheet[1]]
    cells: dict[str, str] = {}
    for row in sheet.iter_rows(min_row=2):
        name = row[header.index("Họ và tên")].value
        for label, value in changes.get(str(name), {}).items():
            cell = row[header.index(label)]
            cell.value = value
            cells[f"{name}:{label}"] = cell.coordinate
    wb.save(ws.plan_path)
    return cells


def test_a_roster_typed_without_diacritics_is_warned_and_the_correct_name_matches(
    empty_ws: Workspace, fill: Fill
) -> None:
    cells = _edit_roster(empty_ws, {"Đinh Thị Mai": {"Họ và tên": "Dinh Thi Mai"}, "Y Nhung": {"Tổ": None}})
    fill("dang-ky", "dk.xlsx", [reg_row("Đinh Thị Mai", "LĐTT"), reg_row("Y Blum", "LĐTT")])
    month = api.month(empty_ws.root, "2021-10")
    plan = month.issues[month.issues["file"] == PLAN_FILE].set_index("code")
    assert plan.loc["plan-name-undiacritised", "cell"] == cells["Đinh Thị Mai:Họ và tên"]
    assert plan.loc["plan-name-undiacritised", "severity"] == "cảnh báo"
    assert plan.loc["plan-person-no-team", "cell"] == cells["Y Nhung:Tổ"]
    assert plan.loc["plan-person-no-team", "value"] == "Y Nhung"
    # the teacher who typed her name right is counted, not told to copy the roster's spelling; a teacher who left
    # the marks out of hers while the roster has them is still told
    unknown = month.issues[month.issues["code"] == "person-unknown"]
    assert list(unknown["value"]) == ["Y Blum"] and "“Y Blưm”" in unknown["message"].iloc[0]
    assert month.targets.set_index("code").loc["LDTT", "registered"] == 1
    assert list(month.registrations["name"]) == ["Dinh Thi Mai"]


def test_a_correction_under_a_new_file_name_settles_the_old_error(empty_ws: Workspace, fill: Fill) -> None:
    first = [
        reg_row("Đinh Thị Mai", "Anh hùng"),  # no such title
        reg_row("Y Blưm", "LĐTT", date="31/02/2021"),  # no such day, never corrected
        reg_row("Ngô Văn Hùn", "LĐTT"),  # a mistyped name, sent again spelled right
    ]
    old = fill("dang-ky", "mai lan 1.xlsx", first)
    old_report = fill(
        "bao-cao", "bao cao.xlsx", [act_row("Phạm Thị Hòa", "SKKN", "Rèn đọc", "Huyện", "", D(2021, 10, 5))]
    )
    new = fill(
        "dang-ky", "sua lai/Mai gui lai.xlsx", [reg_row("Đinh Thị Mai", "LĐTT"), reg_row("Ngô Văn Hùng", "LĐTT")]
    )
    new_report = fill(
        "bao-cao",
        "bao cao (2).xlsx",
        [act_row("Phạm Thị Hòa", "SKKN", "Rèn  đọc", "Huyện", "Được công nhận", D(2021, 10, 5))],
    )
    for earlier, later in ((old, new), (old_report, new_report)):
        os.utime(earlier, (1_630_000_000, 1_630_000_000))
        os.utime(later, (1_633_000_000, 1_633_000_000))
    month = api.month(empty_ws.root, "2021-10")
    found = month.issues[month.issues["file"] != PLAN_FILE]
    errors = found[found["severity"] == "lỗi"]
    assert list(zip(errors["code"], errors["file"], errors["cell"], strict=True)) == [
        ("date-invalid", "mai lan 1.xlsx", "N7")
    ]
    settled = found[found["code"] == "row-corrected"]
    assert list(zip(settled["file"], settled["cell"], strict=True)) == [
        ("bao cao.xlsx", "G6"),
        ("mai lan 1.xlsx", "F6"),
        ("mai lan 1.xlsx", "B8"),
    ]
    assert "“bao cao (2).xlsx” (dòng 6)" in settled["message"].iloc[0]
    assert (
        "“sua lai/Mai gui lai.xlsx”" in settled["message"].iloc[1] and "Giá trị không có" in settled["message"].iloc[1]
    )
    # an error that is the latest word stays open: the same rows the other way round
    os.utime(old, (1_636_000_000, 1_636_000_000))
    again = api.month(empty_ws.root, "2021-10")
    assert ("choice-invalid", "mai lan 1.xlsx") in set(zip(again.issues["code"], again.issues["file"], strict=True))


def test_a_text_date_with_day_and_month_swapped_gets_a_hint(empty_ws: Workspace, fill: Fill) -> None:
    fill(
        "dang-ky",
        "my.xlsx",
        [reg_row("Đinh Thị Mai", "LĐTT", date="10/25/2021"), reg_row("Y Blưm", "LĐTT", date="31/02/2021")],
    )
    month = api.month(empty_ws.root, "2021-10")
    invalid = month.issues[month.issues["code"] == "date-invalid"]
    swapped, impossible = invalid["message"]
    assert "Ngày và tháng bị đảo?" in swapped and "25/10/2021" in swapped
    assert "đảo" not in impossible


def test_out_of_year_dates_say_the_row_is_dropped(empty_ws: Workspace, fill: Fill) -> None:
    fill("dang-ky", "cu.xlsx", [reg_row("Đinh Thị Mai", "LĐTT", date=D(2019, 9, 30))])
    month = api.month(empty_ws.root, "2021-10")
    outside = month.issues[month.issues["code"] == "date-outside-year"]
    assert list(outside["severity"]) == ["lỗi"]
    assert "cả dòng này bị bỏ, không được tính" in outside["message"].iloc[0]
    assert month.targets.set_index("code").loc["LDTT", "registered"] == 0


@pytest.mark.parametrize("pack", [p.name for p in available_packs()])
def test_rule_texts_speak_to_the_board(pack: str) -> None:
    """The legal sources the warnings print say what the board must do ("cần đối chiếu văn bản gốc"), never what
    thidua's authors could not check; that status stays in the pack's data."""
    found = next(p for p in available_packs() if p.name == pack)
    for name, params in found.rules.items():
        source = str(params.get("source", ""))
        for words in ("Công báo", "chưa đối chiếu được", "chưa xác nhận", "đăng lại"):
            assert words not in source, (name, source)
        if "source_status" in params:
            assert "cần đối chiếu" in source, (name, source)


def test_the_name_dropdown_entry_of_a_namesake_reads_back(empty_ws: Workspace, tmp_path: Path) -> None:
    code, _out = invoke("templates", "-w", str(empty_ws.root))
    assert code == 0
    wb = openpyxl.load_workbook(empty_ws.templates / "mau-dang-ky-thi-dua.xlsx")
    listed = [c.value for c in wb["Danh mục"]["A"]][1:]
    assert "Nguyễn Thị Hoa (Tổ 1)" in listed and "Nguyễn Thị Hoa (Tổ 2–3)" in listed
    assert "Nguyễn Thị Hoa" not in listed
    ws = wb.worksheets[0]
    ws["B6"], ws["F6"] = "Nguyễn Thị Hoa (Tổ 2–3)", "Lao động tiên tiến"
    wb.save(empty_ws.submissions / "chon tu danh sach.xlsx")
    month = api.month(empty_ws.root, "2021-10")
    assert codes(month) == []
    assert person_of(month, month.registrations["person"].iloc[0]) == HOA_23


def test_closest_spellings_are_looked_for_within_a_budget_of_comparisons(
    empty_ws: Workspace, fill: Fill, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each unknown name is compared with every roster name (0.12 s a name against a roster of 20,000): past the
    month's budget an unknown name is still reported on its cell, without a closest spelling; a name already
    looked for keeps its answer."""
    from thidua.core.text import fold
    from thidua.intake import validate
    from thidua.issues import Report
    from thidua.workspace.plan_workbook import read_plan

    names = len({fold(p.name) for p in read_plan(empty_ws.plan_path, Report()).roster})  # the names compared with
    monkeypatch.setattr(validate, "CLOSE_NAME_COMPARISONS", 2 * names)  # an unknown name's two questions' worth
    fill("dang-ky", "a.xlsx", [reg_row("Ngô Văn Hùn", "LĐTT"), reg_row("Ngô Văn Hùn", "LĐTT")])
    fill("dang-ky", "b.xlsx", [reg_row("Trần Thị Mỹ Lin", "LĐTT")])
    month = api.month(empty_ws.root, "2021-10")
    unknown = month.issues[month.issues["code"] == "person-unknown"].sort_values(["file", "cell"])
    messages = list(unknown["message"])
    assert len(messages) == 3
    assert "Ngô Văn Hùng" in messages[0] and "Ngô Văn Hùng" in messages[1]  # looked for once, answered twice
    assert "Có phải là" not in messages[2] and "kiểm tra chính tả" in messages[2]  # the budget is spent
