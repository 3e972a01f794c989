"""Workspaces by year: `init` for a school year, with or without the demo, and `--from` last year's workspace."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from thidua.cli import main
from thidua.issues import Report
from thidua.workspace.plan_workbook import read_plan

from .demo_figures import EXPECTED_2022_05


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.stderr and "ngoài dự kiến" not in result.stderr, result.stderr
    return result.exit_code, result.stdout, result.stderr


def current_school_year() -> str:
    """Written here from SPEC 10 (a school year runs from August to July), not from thidua's calendar."""
    today = dt.date.today()
    first = today.year if today.month >= 8 else today.year - 1
    return f"{first}–{first + 1}"


def plan_issues(root: Path, month: str) -> list[tuple[object, ...]]:
    """(sheet, cell, code, message) of the plan's issues that `check` lists for `month`."""
    import openpyxl

    code, _out, err = invoke("check", "-w", str(root), "--month", month)
    assert code in (0, 1), err
    book = openpyxl.load_workbook(root / "output" / f"kiem-tra-{month}" / f"danh-sach-loi-{month}.xlsx")
    found = book.worksheets[1].iter_rows(min_row=4, values_only=True)
    return [(r[2], r[3], r[10], r[8]) for r in found if r[1] == "kehoach.xlsx"]


def test_init_gives_a_school_its_own_blank_roster_and_signatures(tmp_path: Path) -> None:
    code, out, _err = invoke("init", str(tmp_path / "ws"))
    year = current_school_year()
    assert code == 0 and "danh sách CBGVNV" in out and f"năm học {year}" in out
    plan_path = tmp_path / "ws" / "kehoach.xlsx"
    first = int(year[:4])
    code, _out, err = invoke("run", "-w", str(tmp_path / "ws"), "--month", f"{first}-10")
    assert code == 1 and "chưa có danh sách CBGVNV" in err  # nothing of the demo's people is handed out
    import openpyxl

    wb = openpyxl.load_workbook(plan_path)
    info = {row[0].value: row[1].value for row in wb["Thông tin chung"].iter_rows(min_row=2)}
    assert info["Người ký"] is None and info["Người lập biểu"] is None
    assert info["Năm học"] == year  # the current year, not the seed's
    assert wb["Danh sách CBGVNV"].max_row == 1
    collective = [[cell.value for cell in row] for row in wb["Tập thể"].iter_rows(min_row=2)]
    assert collective and all(row[3] == "Không" and row[4] is None and row[5] is None for row in collective)
    # Nothing of the seed's school: its name, place, symbol, province, office, nor its row among the collectives.
    shown = " ".join(str(c.value) for sheet in wb for row in sheet.iter_rows() for c in row if c.value)
    for seed in ("Măng Đen", "THMĐ", "KonPLông", "Kon Tum", "Võ Thị Thanh Hương", "Trần Thị Mỹ Linh"):
        assert seed not in shown, seed
    assert info["Tên trường"] == "Trường Tiểu học …" and info["Ký hiệu"] == "…"
    assert info["Địa danh ghi ngày tháng"] == "…" and info["Tỉnh"] == "…"
    assert collective[0][1] == "Trường Tiểu học …"


def test_every_blank_of_a_new_school_is_warned_at_its_cell(tmp_path: Path) -> None:
    import openpyxl

    root = tmp_path / "ws"
    assert invoke("init", str(root), "--school-year", "2026-2027")[0] == 0
    book = openpyxl.load_workbook(root / "kehoach.xlsx")
    book["Danh sách CBGVNV"].append([1, "Nguyễn Thị Lan", None, "Nữ", "Giáo viên", "Tổ 1"])
    book.save(root / "kehoach.xlsx")
    found = plan_issues(root, "2026-10")
    blanks = {cell for sheet, cell, code, _m in found if sheet == "Thông tin chung" and code == "plan-blank"}
    assert blanks == {"B2", "B3", "B4", "B5", "B12", "B13", "B14"}  # name, body, province, place, Kính gửi, symbol…
    empty = {cell: message for sheet, cell, code, message in found if code == "plan-identity-empty"}
    assert set(empty) == {"B9", "B10"}  # the signatory's and the preparer's names
    assert "Người ký" in empty["B9"] and "kehoach.xlsx" in empty["B9"] and "NGƯỜI LẬP BIỂU" in empty["B10"]
    assert [(s, c) for s, c, code, _m in found if code == "plan-collective-blank"] == [("Tập thể", "B2")]
    # Filled in as a school does: the warnings are gone.
    book = openpyxl.load_workbook(root / "kehoach.xlsx")
    filled = {
        "Tên trường": "Trường Tiểu học Hòa Bình",
        "Cơ quan chủ quản": "UBND XÃ HÒA BÌNH",
        "Tỉnh": "Quảng Ngãi",
        "Địa danh ghi ngày tháng": "Hòa Bình",
        "Người ký": "Lê Văn An",
        "Người lập biểu": "Phạm Thị Bình",
        "Kính gửi": "Ủy ban nhân dân xã Hòa Bình (qua Phòng Văn hóa – Xã hội)",
        "Ký hiệu": "THHB",
        "Nơi nhận": "UBND xã Hòa Bình (báo cáo)\nLưu: VT",
    }
    for row in book["Thông tin chung"].iter_rows(min_row=2):
        if row[0].value in filled:
            row[1].value = filled[str(row[0].value)]
    book["Tập thể"]["B2"] = "Trường Tiểu học Hòa Bình"
    book.save(root / "kehoach.xlsx")
    codes = {code for _s, _c, code, _m in plan_issues(root, "2026-10")}
    assert not codes & {"plan-blank", "plan-identity-empty", "plan-collective-blank"}


def test_the_demo_keeps_the_seeds_identity_and_year(tmp_path: Path) -> None:
    code, out, _err = invoke("init", str(tmp_path / "demo"), "--demo")
    assert code == 0 and "năm học 2021–2022" in out
    plan = read_plan(tmp_path / "demo" / "kehoach.xlsx", Report())
    assert plan.school.name == "Trường Tiểu học Măng Đen" and plan.school.symbol == "THMĐ"
    assert plan.collectives[0].unit == "Trường Tiểu học Măng Đen" and plan.school.signatory_name


def test_a_workspace_for_this_year_moves_the_dates_and_reports_to_the_commune(tmp_path: Path) -> None:
    code, _out, _err = invoke("init", str(tmp_path / "ws"), "--school-year", "2026-2027")
    assert code == 0
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "ws" / "kehoach.xlsx")
    book["Danh sách CBGVNV"].append([1, "Nguyễn Thị Lan", None, "Nữ", "Giáo viên", "Tổ 1"])  # the school's own
    book.save(tmp_path / "ws" / "kehoach.xlsx")
    plan = read_plan(tmp_path / "ws" / "kehoach.xlsx", Report())
    assert plan.school.school_year == "2026–2027"
    assert plan.school.registration_deadline == dt.date(2026, 10, 4)
    assert [(r.start, r.end) for r in plan.rounds] == [
        (dt.date(2026, 9, 1), dt.date(2027, 1, 15)),
        (dt.date(2027, 1, 16), dt.date(2027, 5, 31)),
    ]
    assert plan.school.parent_body == "UBND XÃ …" and plan.school.province == "…"
    assert plan.school.recipient == "Ủy ban nhân dân xã … (qua Phòng Văn hóa – Xã hội)"
    assert plan.school.copies[-1] == "Lưu: VT" and "huyện" not in plan.school.copies_to.lower()
    levels = {t.code: (t.name, t.level) for t in plan.targets}
    assert levels["SKKN_HUYEN"] == ("SKKN cấp xã", "Xã") and levels["DDDH_HUYEN"][1] == "Xã"
    assert "2026–2027" in plan.school.movement


@pytest.mark.slow
def test_the_demo_in_another_year_counts_exactly_as_in_the_seeds_year(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    assert invoke("init", str(root), "--school-year", "2025-2026", "--demo")[0] == 0
    code, out, err = invoke("run", "-w", str(root), "--month", "05/2026", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert {t["code"]: (t["registered"], t["achieved"]) for t in summary["targets"]} == EXPECTED_2022_05
    invoke("check", "-w", str(root), "--month", "2026-05")
    import openpyxl

    book = openpyxl.load_workbook(root / "output" / "kiem-tra-2026-05" / "danh-sach-loi-2026-05.xlsx")
    blanks = [row[3] for row in book.worksheets[1].iter_rows(min_row=4, values_only=True) if row[10] == "plan-blank"]
    assert blanks == ["B3", "B4", "B12", "B14"]  # managing body, province, Kính gửi, Nơi nhận


@pytest.mark.slow
def test_a_new_year_starts_from_last_years_workspace(tmp_path: Path) -> None:
    old, new = tmp_path / "2024-2025", tmp_path / "2025-2026"
    assert invoke("init", str(old), "--school-year", "2024-2025", "--demo")[0] == 0
    (old / "thidua.toml").write_text(
        (old / "thidua.toml").read_text(encoding="utf-8")
        + '\n[ghi_chu]\nrieng = "của trường"\n\n[imap]\nhost = "imap.example.vn"\nusername = "truong"\n'
        'since = 2024-08-01\n\n[rules.cstdcs_share]\nrounding = "round"\n',
        encoding="utf-8",
    )
    assert invoke("run", "-w", str(old), "--month", "2025-05")[0] == 0
    code, out, _err = invoke("init", str(new), "--from", str(old))
    assert code == 0, out
    assert "NƠI NHẬN BÁO CÁO" in out and "Không mang sang" in out
    plan = read_plan(new / "kehoach.xlsx", Report())
    old_plan = read_plan(old / "kehoach.xlsx", Report())
    assert plan.school.school_year == "2025–2026" and plan.school.name == old_plan.school.name
    assert plan.roster == old_plan.roster and [t.code for t in plan.targets] == [t.code for t in old_plan.targets]
    assert plan.school.recipient.startswith("Ủy ban nhân dân xã …")
    assert all(not c.registered and c.result is None and not c.decision for c in plan.collectives)
    assert plan.rounds[0].start == dt.date(2025, 9, 1)
    carried = (new / "thidua.toml").read_text(encoding="utf-8")
    assert 'rieng = "của trường"' in carried and 'host = "imap.example.vn"' in carried
    assert "since = 2024-08-01" not in carried and "since" in out  # last year's mail is not fetched again
    assert "[rules.*]" in out
    assert not any((new / "submissions").iterdir()) and not (new / "thidua-lich-su.sqlite").exists()
    # Last year's files dropped in by mistake: named, and none of their rows counted.
    shutil.copytree(old / "submissions", new / "submissions", dirs_exist_ok=True)
    code, out, _err = invoke("run", "-w", str(new), "--month", "2025-10", "--json")
    summary = json.loads(out)
    assert code == 1 and all(
        t["registered"] == 0 and t["achieved"] == 0
        for t in summary["targets"]
        if t["code"] not in ("TT_LDTT", "CD_VMXS", "DD_GK")
    )
    import openpyxl  # last year's rule override (the 15% cap's rounding) is named, not fatal

    book = openpyxl.load_workbook(new / "output" / "2025-10" / "danh-sach-loi-2025-10.xlsx")
    codes = {row[10]: row[8] for row in book.worksheets[1].iter_rows(min_row=4, values_only=True) if row[10]}
    assert "[rules.cstdcs_share]" in str(codes.get("rule-override-unknown"))


def test_init_refuses_a_year_it_cannot_read_and_a_from_that_goes_back(tmp_path: Path) -> None:
    code, _out, err = invoke("init", str(tmp_path / "a"), "--school-year", "2026-2028")
    assert code == 2 and "2026-2027" in err and not (tmp_path / "a").exists()
    assert invoke("init", str(tmp_path / "b"), "--school-year", "2026-2027", "--demo")[0] == 0
    code, _out, err = invoke("init", str(tmp_path / "c"), "--from", str(tmp_path / "b"), "--school-year", "2025-2026")
    assert code == 2 and "phải sau năm học" in err and not (tmp_path / "c").exists()


def test_the_readmes_first_commands_work_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`init --school-year 2026-2027` then `templates -w thidua-2026-2027`, before the roster is typed."""
    monkeypatch.chdir(tmp_path)
    assert invoke("init", "thidua-2026-2027", "--school-year", "2026-2027")[0] == 0
    code, out, err = invoke("templates", "-w", "thidua-2026-2027")
    assert code == 0, err
    assert "Đã ghi 3 mẫu" in out and "Danh sách CBGVNV trong kehoach.xlsx còn trống" in out
    assert "B9" in err and "Người ký" in err  # the blanks are named as the plan is read
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert "thidua init thidua-2026-2027 --school-year 2026-2027" in readme
    assert "thidua templates -w thidua-2026-2027" in readme and "thidua-2021-2022" not in readme


def test_a_year_before_the_commune_gets_the_districts_wording_with_blanks(tmp_path: Path) -> None:
    assert invoke("init", str(tmp_path / "ws"), "--school-year", "2024-2025")[0] == 0
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "ws" / "kehoach.xlsx")
    info = {row[0].value: row[1].value for row in book["Thông tin chung"].iter_rows(min_row=2)}
    assert info["Cơ quan chủ quản"] == "PHÒNG GD&ĐT HUYỆN …"
    assert info["Kính gửi"] == "Phòng Giáo dục và Đào tạo huyện …" and info["Năm học"] == "2024–2025"
    shown = " ".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value)
    assert "KonPLông" not in shown and "Kon Tum" not in shown and "Măng Đen" not in shown


def test_emptied_identity_cells_are_warned_at_their_cells_not_a_crash(tmp_path: Path) -> None:
    """A secretary who clears Cơ quan chủ quản, Tỉnh and Địa danh (rather than filling them) gets a warning at
    each cell and the run goes on, the documents printing their blank."""
    import openpyxl

    root = tmp_path / "ws"
    assert invoke("init", str(root), "--demo", "--school-year", "2026-2027")[0] == 0
    book = openpyxl.load_workbook(root / "kehoach.xlsx")
    info = book["Thông tin chung"]
    cleared = {
        row[0].row
        for row in info.iter_rows(min_row=2)
        if row[0].value in ("Cơ quan chủ quản", "Tỉnh", "Địa danh ghi ngày tháng")
    }
    for row in cleared:
        info.cell(row, 2).value = None
    book.save(root / "kehoach.xlsx")
    code, _out, err = invoke("run", "-w", str(root), "--month", "2027-05")
    assert code in (0, 1) and "ngoài dự kiến" not in err, err
    found = plan_issues(root, "2027-05")
    empty = {cell for sheet, cell, code, _m in found if code == "plan-identity-empty"}
    assert {f"B{row}" for row in cleared} - {"B4"} <= empty  # the managing body and the place (province: no print)
    assert (root / "output" / "2027-05" / "ho-so-de-nghi" / "to-trinh-de-nghi-khen-thuong.docx").exists()
