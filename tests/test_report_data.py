"""The report workbook for the receiving office (`bao-cao-thi-dua-<M>.xlsx`, SPEC 6): its hidden `_thidua` sheet
carries the month's figures as data, equal to summary.json's, whichever reader opens it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from thidua.cli import main
from thidua.workspace.folder import Workspace


def run(ws: Workspace, month: str) -> Path:
    result = CliRunner().invoke(main, ["run", "-w", str(ws.root), "--month", month])
    assert result.exit_code in (0, 1), result.stderr
    return ws.root / "output" / month


def sections(rows: list[list[Any]]) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The sheet's key/value head, and each section (a name in column A, a header row of keys, rows) as records."""
    rows = [[None if v == "" else v for v in r] for r in rows]
    head: dict[str, Any] = {}
    found: dict[str, list[dict[str, Any]]] = {}
    i = 0
    while i < len(rows) and any(v is not None for v in rows[i]):
        head[str(rows[i][0])] = rows[i][1] if len(rows[i]) > 1 else None
        i += 1
    while i < len(rows):
        if not any(v is not None for v in rows[i]):
            i += 1
            continue
        name, keys = str(rows[i][0]), [k for k in rows[i + 1] if k is not None]
        i += 2
        records = []
        while i < len(rows) and any(v is not None for v in rows[i]):
            records.append({k: (rows[i][j] if j < len(rows[i]) else None) for j, k in enumerate(keys)})
            i += 1
        found[name] = records
    return head, found


def same(a: Any, b: Any) -> bool:
    """The sheet's value is summary.json's exactly: a fraction is its exact decimal text (7/6 as 1.1666666666666667:
    a number cell keeps 16 significant digits), whole numbers are numbers."""
    if isinstance(a, str) and isinstance(b, float) and not b.is_integer():
        return float(a) == b
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


def read_calamine(path: Path) -> list[list[Any]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("_thidua").to_python()


def read_openpyxl(path: Path) -> list[list[Any]]:
    book = openpyxl.load_workbook(path, data_only=True)
    sheet = book["_thidua"]
    assert sheet.sheet_state == "hidden" and book.sheetnames[-1] == "_thidua"
    assert book.active is not None and book.active.sheet_state == "visible"
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("month", ["2021-10", "2022-05"])
def test_the_hidden_data_sheet_equals_summary_json(demo_ws: Workspace, month: str) -> None:
    folder = run(demo_ws, month)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    report = folder / f"bao-cao-thi-dua-{month}.xlsx"
    assert not (folder / f"bao-cao-pgd-{month}.xlsx").exists()
    for reader in (read_calamine, read_openpyxl):
        head, found = sections(reader(report))
        assert head["kind"] == "bao-cao-thi-dua" and str(head["version"]) == "1"
        for key in ("school", "school_year", "month", "as_of", "recipient", "rule_pack"):
            assert head[key] == summary[key], (reader.__name__, key)
        targets = found["targets"]
        assert [t["code"] for t in targets] == [t["code"] for t in summary["targets"]]
        for written, expected in zip(targets, summary["targets"], strict=True):
            for key, value in expected.items():
                assert same(written[key], value), (reader.__name__, expected["code"], key, written[key], value)
        if month == "2022-05":  # the year-end month: the nominations, as summary.json counts them
            counts = {r["proposal"]: r["count"] for r in found["nominations"]}
            assert counts == summary["nominations"] and summary["nominations"]
            nominees = found["nominees"]
            assert len(nominees) == sum(summary["nominations"].values())
            assert {n["proposal"] for n in nominees} == set(summary["nominations"])
            assert all(str(n["birth_date"])[:4].isdigit() for n in nominees)  # ISO text, whatever re-saves it
        else:
            assert "nominations" not in summary and "nominations" not in found


def test_the_nomination_list_carries_the_number_of_a_list(demo_ws: Workspace) -> None:
    folder = run(demo_ws, "2022-05")
    book = openpyxl.load_workbook(folder / "de-nghi-khen-thuong-2022-05.xlsx")
    shown = {str(c.value) for ws in book.worksheets for row in ws.iter_rows(max_row=8) for c in row if c.value}
    assert "Số:        /DS-THMĐ" in shown and not any("/BC-" in text for text in shown)
    report = openpyxl.load_workbook(folder / "bao-cao-thi-dua-2022-05.xlsx")
    assert "Số:        /BC-THMĐ" in {str(c.value) for row in report.worksheets[0].iter_rows(max_row=8) for c in row}


def test_a_report_put_back_among_the_submissions_is_named_and_not_read(demo_ws: Workspace) -> None:
    """A month's report copied into submissions/ (a secretary's slip) is recognised by its `_thidua` kind: one
    warning on the file, nothing read from it, the figures unchanged."""
    import shutil

    month = "2021-10"
    folder = run(demo_ws, month)
    before = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    shutil.copy(folder / f"bao-cao-thi-dua-{month}.xlsx", demo_ws.submissions / "bao-cao-thang-10.xlsx")
    folder = run(demo_ws, month)
    after = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert after["targets"] == before["targets"] and after["files_read"] == before["files_read"] + 1
    book = openpyxl.load_workbook(folder / f"danh-sach-loi-{month}.xlsx")
    found = [r for r in book.worksheets[1].iter_rows(min_row=4, values_only=True) if r[1] == "bao-cao-thang-10.xlsx"]
    assert [r[10] for r in found] == ["file-is-report"], found
