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


def test_init_gives_a_school_its_own_blank_roster_and_signatures(tmp_path: Path) -> None:
    code, out, _err = invoke("init", str(tmp_path / "ws"))
    assert code == 0 and "điền danh sách CBGVNV" in out
    plan_path = tmp_path / "ws" / "kehoach.xlsx"
    code, _out, err = invoke("run", "-w", str(tmp_path / "ws"), "--month", "2021-10")
    assert code == 1 and "chưa có danh sách CBGVNV" in err  # nothing of the demo's people is handed out
    import openpyxl

    wb = openpyxl.load_workbook(plan_path)
    info = {row[0].value: row[1].value for row in wb["Thông tin chung"].iter_rows(min_row=2)}
    assert info["Người ký"] is None and info["Người lập biểu"] is None
    assert info["Năm học"] == "2021–2022" and info["Kính gửi"] == "Phòng GD&ĐT huyện KonPLông"
    assert wb["Danh sách CBGVNV"].max_row == 1
    collective = [[cell.value for cell in row] for row in wb["Tập thể"].iter_rows(min_row=2)]
    assert collective and all(row[3] == "Không" and row[4] is None and row[5] is None for row in collective)


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
