"""The year-end nomination list: what the vote proposes, the rule pack's conditions, the collectives, what was
registered and not proposed; summary.json's `nominations`; the vote template's optional columns."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from thidua.cli import main
from thidua.workspace.demo import _fill
from thidua.workspace.folder import Workspace

VOTE_FILE = "binh-xet/Ket qua binh xet cuoi nam.xlsx"


def run(ws: Workspace, month: str) -> dict[str, object]:
    result = CliRunner().invoke(main, ["run", "-w", str(ws.root), "--month", month, "--json"])
    assert result.exit_code in (0, 1) and "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def _vote_sheet(ws: Workspace) -> list[tuple[object, ...]]:
    sheet = openpyxl.load_workbook(ws.submissions / VOTE_FILE).worksheets[0]
    return [row for row in sheet.iter_rows(min_row=6, values_only=True) if row[1]]


def test_the_list_follows_the_vote_and_summary_counts_it(demo_ws: Workspace) -> None:
    summary = run(demo_ws, "2022-05")
    votes = _vote_sheet(demo_ws)  # read independently of thidua: title in F, reward in G
    titles = Counter(row[5] for row in votes)
    rewards = Counter(row[6] for row in votes if row[6])
    expected = {"Chiến sĩ thi đua cơ sở": titles["Chiến sĩ thi đua cơ sở"]}
    expected["Lao động tiên tiến"] = titles["Lao động tiên tiến"] + titles["Chiến sĩ thi đua cơ sở"]
    expected.update(rewards)
    assert summary["nominations"] == expected
    book = openpyxl.load_workbook(demo_ws.month_dir("2022-05") / "de-nghi-khen-thuong-2022-05.xlsx")
    sheet = book.worksheets[0]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "DANH SÁCH ĐỀ NGHỊ CÔNG NHẬN DANH HIỆU THI ĐUA VÀ KHEN THƯỞNG NĂM HỌC 2021–2022" in texts
    assert f"1. Danh hiệu “Chiến sĩ thi đua cơ sở”: {expected['Chiến sĩ thi đua cơ sở']} người" in texts
    assert f"2. Danh hiệu “Lao động tiên tiến”: {expected['Lao động tiên tiến']} người" in texts
    assert "II. TẬP THỂ" in texts and "Tập thể lao động tiên tiến" in texts
    assert any(t.startswith("30/32 (94%)") or t.startswith("32/32 (100%)") for t in texts)  # the ballot
    # Registered in September, not proposed: Ngô Văn Hùng registered CSTĐCS and the Giấy khen, voted LĐTT.
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    hung = next(r for r in rows if r[1] == "Ngô Văn Hùng" and any("Đăng ký:" in str(v) for v in r if v))
    assert any("Chiến sĩ thi đua cơ sở" in str(v) for v in hung) and any(
        v == "Bình xét: Lao động tiên tiến" for v in hung
    )


def test_conditions_not_met_are_named_on_the_list(demo_ws: Workspace) -> None:
    _fill(  # Y Nhung voted CSTĐCS without any recognised initiative: the 2003 law's condition is not met
        demo_ws.templates / "mau-binh-xet-cuoi-nam.xlsx",
        demo_ws.submissions / "binh-xet" / "bo-sung.xlsx",
        [
            [
                1,
                "Y Nhung",
                dt.date(1995, 4, 19),
                "HTTNV",
                "Không",
                "Chiến sĩ thi đua cơ sở",
                "",
                29,
                32,
                "98/QĐ-THMĐ",
                dt.date(2022, 5, 26),
                "",
            ]
        ],
    )
    run(demo_ws, "2022-05")
    sheet = openpyxl.load_workbook(demo_ws.month_dir("2022-05") / "de-nghi-khen-thuong-2022-05.xlsx").worksheets[0]
    nhung = [[c.value for c in row] for row in sheet.iter_rows() if row[1].value == "Y Nhung"]
    # barred from CSTĐCS, and still eligible for LĐTT (a missing initiative bars only CSTĐCS)
    # (listed under CSTĐCS first, then under LĐTT, with the title voted in both rows)
    assert len(nhung) == 2 and all(r[6] == "Chiến sĩ thi đua cơ sở" for r in nhung)
    assert str(nhung[0][11]).startswith("Cần xem xét: CSTĐCS chưa có sáng kiến")
    assert nhung[1][11] == "Đủ"
    assert any(r[10] == "29/32 (91%)" for r in nhung)


def test_a_month_without_a_vote_has_no_list(demo_ws: Workspace) -> None:
    summary = run(demo_ws, "2021-10")  # the vote is dated 25/05/2022: after October it is not counted yet
    assert "nominations" not in summary
    assert not (demo_ws.month_dir("2021-10") / "de-nghi-khen-thuong-2021-10.xlsx").exists()


def test_ballot_figures_are_checked_at_their_cells(demo_ws: Workspace, tmp_path: Path) -> None:
    _fill(
        demo_ws.templates / "mau-binh-xet-cuoi-nam.xlsx",
        demo_ws.submissions / "binh-xet" / "sai.xlsx",
        [
            [1, "Y Nhung", dt.date(1995, 4, 19), "HTTNV", "Không", "Lao động tiên tiến", "", 33, 32, "", None, ""],
            [2, "A Sơn", dt.date(1993, 9, 9), "HTTNV", "Không", "Lao động tiên tiến", "", "ba mươi", 32, "", None, ""],
        ],
    )
    run(demo_ws, "2022-05")
    book = openpyxl.load_workbook(demo_ws.month_dir("2022-05") / "danh-sach-loi-2022-05.xlsx")
    found = {
        (r[3], r[10]) for r in book.worksheets[1].iter_rows(min_row=4, values_only=True) if r[1] == "binh-xet/sai.xlsx"
    }
    assert found == {("H6", "votes-over-total"), ("H7", "number-invalid")}
