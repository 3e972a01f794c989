"""The repository's input_templates/ are exactly what `thidua templates` generates for the embedded default."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from thidua.forms.templates import write_templates
from thidua.workspace.default_plan import PLAN

REPO_TEMPLATES = Path(__file__).resolve().parent.parent / "input_templates"


def snapshot(path: Path) -> dict[str, Any]:
    """What a user meets in a workbook: sheets, visibility, cells, merges, dropdowns, protection."""
    wb = openpyxl.load_workbook(path)
    return {
        ws.title: {
            "state": ws.sheet_state,
            "cells": [[c.value for c in row] for row in ws.iter_rows()],
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": sorted((str(dv.sqref), dv.type, dv.formula1) for dv in ws.data_validations.dataValidation),
            "protected": ws.protection.sheet,
        }
        for ws in wb.worksheets
    }


def test_repo_holds_the_three_default_templates() -> None:
    assert sorted(p.name for p in REPO_TEMPLATES.glob("*.xlsx")) == [
        "mau-bao-cao-ket-qua.xlsx",
        "mau-binh-xet-cuoi-nam.xlsx",
        "mau-dang-ky-thi-dua.xlsx",
    ]


@pytest.mark.parametrize("name", ["mau-dang-ky-thi-dua.xlsx", "mau-bao-cao-ket-qua.xlsx", "mau-binh-xet-cuoi-nam.xlsx"])
def test_repo_templates_equal_the_generated_ones(name: str, tmp_path: Path) -> None:
    write_templates(PLAN, tmp_path)
    assert snapshot(REPO_TEMPLATES / name) == snapshot(tmp_path / name), (
        f"input_templates/{name} is stale: regenerate it with "
        "python -c 'from pathlib import Path; from thidua.workspace.default_plan import PLAN; "
        'from thidua.forms.templates import write_templates; write_templates(PLAN, Path("input_templates"))\''
    )
