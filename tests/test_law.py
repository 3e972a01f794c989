"""The law in force, chosen by the date of the year-end vote: the same school's vote checked under the 2003 law
(votes before 2024) and under the 2022 law with its decree (votes from 2024)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from thidua.cli import main
from thidua.workspace.demo import _fill

pytestmark = pytest.mark.slow  # each test makes and runs a whole demo year (1.5 to 3 s)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.stderr and "ngoài dự kiến" not in result.stderr, result.stderr
    return result.exit_code, result.stdout, result.stderr


def _rule_rows(root: Path, month: str) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(root / "output" / month / f"danh-sach-loi-{month}.xlsx")
    return [row for row in book.worksheets[1].iter_rows(min_row=4, values_only=True) if str(row[10]).startswith("rule")]


Year = tuple[Path, dict[str, object], list[tuple[object, ...]]]


def _year(tmp_path: Path, school_year: str, vote_month: str) -> Year:
    """A demo workspace of that school year, plus a CSTĐCS whose only achievement is an accepted research project
    (Y Nhung, who has no initiative)."""
    root = tmp_path / school_year
    assert invoke("init", str(root), "--school-year", school_year, "--demo")[0] == 0
    first = int(school_year[:4])
    import datetime as dt

    _fill(
        root / "input_templates" / "mau-bao-cao-ket-qua.xlsx",
        root / "submissions" / "bao-cao" / "de-tai.xlsx",
        [
            [
                1,
                "Y Nhung",
                dt.date(1995, 4, 19),
                "Đề tài nghiên cứu",
                "Dạy đọc cho học sinh dân tộc thiểu số",
                "Trường",
                "Được công nhận",
                dt.date(first + 1, 4, 20),
                "15/QĐ-THMĐ",
                "",
            ]
        ],
    )
    _fill(
        root / "input_templates" / "mau-binh-xet-cuoi-nam.xlsx",
        root / "submissions" / "binh-xet" / "bo-sung.xlsx",
        [
            [
                1,
                "Y Nhung",
                dt.date(1995, 4, 19),
                "HTTNV",
                "Không",
                "Chiến sĩ thi đua cơ sở",
                "",
                30,
                32,
                "98/QĐ-THMĐ",
                dt.date(first + 1, 5, 26),
                "",
            ]
        ],
    )
    code, out, err = invoke("run", "-w", str(root), "--month", vote_month, "--json")
    assert code == 0, err
    return root, json.loads(out), _rule_rows(root, f"{first + 1}-05")


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Year]:
    """year(school_year, vote_month): `_year` made once per school year for the module; the tests only read it."""
    made: dict[tuple[str, str], Year] = {}

    def get(school_year: str, vote_month: str) -> Year:
        if (school_year, vote_month) not in made:
            made[school_year, vote_month] = _year(tmp_path_factory.mktemp("law"), school_year, vote_month)
        return made[school_year, vote_month]

    return get


def test_the_2022_law_replaces_the_cap_and_opens_the_research_route(year: Callable[[str, str], Year]) -> None:
    _root, old, old_rules = year("2021-2022", "2022-05")
    assert old["rule_pack"] == "Luật Thi đua, khen thưởng 2003 (sửa đổi 2005, 2009, 2013) và Nghị định 91/2017/NĐ-CP"
    old_codes = {(row[10], row[4] or "") for row in old_rules}
    assert ("rule-cstdcs-share", "") in old_codes  # the 15% cap of Nghị định 91/2017
    assert any(code == "rule-cstdcs-initiative" and "Y Nhung" in person for code, person in old_codes)

    _root, new, new_rules = year("2025-2026", "2026-05")
    assert new["rule_pack"] == "Luật Thi đua, khen thưởng số 06/2022/QH15 và Nghị định 152/2025/NĐ-CP"
    new_codes = {(row[10], row[4] or "") for row in new_rules}
    assert not any(code == "rule-cstdcs-share" for code, _p in new_codes)  # no cap under the 2022 law
    assert not any(code == "rule-cstdcs-initiative" and "Y Nhung" in person for code, person in new_codes)
    messages = [str(row[8]) for row in new_rules]
    assert any("chưa được kiểm tra" in text and "152/2025" in text for text in messages)  # listed, not passed
    assert old["targets"] == new["targets"] or all(  # the rules never change the counts
        a["registered"] == b["registered"] and a["achieved"] == b["achieved"]
        for a, b in zip(old["targets"], new["targets"], strict=True)
    )


def test_the_law_of_2024_names_its_own_decree(year: Callable[[str, str], Year]) -> None:
    _root, summary, _rules = year("2023-2024", "2024-05")
    assert summary["rule_pack"] == "Luật Thi đua, khen thưởng số 06/2022/QH15 và Nghị định 98/2023/NĐ-CP"


def test_the_rule_sheet_names_the_pack_and_lists_what_it_cannot_check(year: Callable[[str, str], Year]) -> None:
    from thidua.writers.dashboard import SHEET_RULES

    root, _summary, _rules = year("2025-2026", "2026-05")
    book = openpyxl.load_workbook(root / "output" / "2026-05" / "tong-hop-thi-dua-2026-05.xlsx")
    sheet = book[SHEET_RULES]
    assert "Nghị định 152/2025/NĐ-CP" in str(sheet["A2"].value) and "31/05/2026" in str(sheet["A2"].value)
    listed = [str(cell.value) for row in sheet.iter_rows(min_row=4) for cell in row if cell.value]
    assert any("chưa được kiểm tra" in text for text in listed)
