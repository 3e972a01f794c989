"""The closed lists follow the school year's era (SPEC 4.3, 10): a 2026–2027 workspace offers the commune's forms
of reward and levels, the seed's 2021–2022 keeps its own, and a district form typed in a current-year file is
read with a warning on its cell."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils import range_boundaries

from thidua.cli import main
from thidua.forms import template_fields
from thidua.workspace.demo import _fill

from .conftest import reg_row

KINDS = (template_fields.REGISTRATION, template_fields.ACTIVITY, template_fields.VOTE)
COMMUNE_FORMS = [
    "Giấy khen của Hiệu trưởng",
    "Giấy khen của Chủ tịch UBND xã",
    "Bằng khen của Chủ tịch UBND tỉnh",
    "Bằng khen của Bộ trưởng Bộ GD&ĐT",
    "Không",
]


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.stderr, result.stderr
    return result.exit_code, result.stdout, result.stderr


def offered(path: Path, label: str) -> list[str]:
    """The values the dropdown of the column headed `label` offers, from its range on the hidden list sheet."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    col = next(c.column_letter for c in sheet[5] if c.value == label)
    (rule,) = [dv for dv in sheet.data_validations.dataValidation if f"{col}6" in dv.sqref]
    found = re.fullmatch(r"'(.+)'!(\$[A-Z]+\$\d+(?::\$[A-Z]+\$\d+)?)", rule.formula1)
    assert found, rule.formula1
    min_col, min_row, max_col, max_row = range_boundaries(found.group(2).replace("$", ""))
    lists = book[found.group(1)]
    return [lists.cell(r, c).value for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)]


def template(root: Path, kind: str) -> Path:
    return root / "input_templates" / f"{template_fields.FILE_NAMES[kind]}.xlsx"


@pytest.fixture(scope="module")
def current(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("era") / "thidua-2026-2027"
    assert invoke("init", str(root), "--school-year", "2026-2027")[0] == 0
    return root


def test_a_current_year_offers_the_communes_forms_and_levels(current: Path) -> None:
    registration = template(current, template_fields.REGISTRATION)
    assert offered(registration, "Hình thức khen thưởng đăng ký") == COMMUNE_FORMS
    assert offered(registration, "Cấp sáng kiến") == ["Trường", "Xã", "Tỉnh"]
    assert offered(template(current, template_fields.ACTIVITY), "Cấp") == ["Trường", "Xã", "Tỉnh", "Bộ"]
    assert offered(template(current, template_fields.VOTE), "Hình thức khen thưởng đề nghị") == COMMUNE_FORMS
    for kind in KINDS:  # not a word of the district's forms anywhere in the year's templates
        book = openpyxl.load_workbook(template(current, kind))
        shown = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value)
        assert "UBND huyện" not in shown and "Trưởng phòng GD&ĐT" not in shown and "Huyện" not in shown, kind


def test_the_seeds_year_keeps_its_own_lists(demo_template_ws: Any) -> None:
    registration = template(demo_template_ws.root, template_fields.REGISTRATION)
    forms = offered(registration, "Hình thức khen thưởng đăng ký")
    assert "Giấy khen của Chủ tịch UBND huyện" in forms and "Giấy khen của Trưởng phòng GD&ĐT" in forms
    assert offered(registration, "Cấp sáng kiến") == ["Trường", "Xã", "Huyện", "Tỉnh"]
    assert "Huyện" in offered(template(demo_template_ws.root, template_fields.ACTIVITY), "Cấp")


@pytest.mark.parametrize("kind", KINDS)
def test_the_guide_explains_every_column(current: Path, kind: str) -> None:
    book = openpyxl.load_workbook(template(current, kind))
    guide = {
        str(row[0]): str(row[1] or "")
        for row in book[template_fields.HELP_SHEET].iter_rows(values_only=True)
        if row[0] and re.match(r"^[A-Z]+\. ", str(row[0]))
    }
    labels = [c.value for c in book.worksheets[0][5] if c.value]
    assert len(guide) == len(labels)
    for heading, text in guide.items():
        assert len(text) > 15, f"{kind}: {heading} is not explained"


def test_a_district_form_in_a_current_year_file_is_read_with_a_warning(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    assert invoke("init", str(root), "--school-year", "2026-2027")[0] == 0
    book = openpyxl.load_workbook(root / "kehoach.xlsx")
    book["Danh sách CBGVNV"].append([1, "Nguyễn Thị Lan", None, "Nữ", "Giáo viên", "Tổ 1"])
    book["Danh sách CBGVNV"].append([2, "Trần Văn Bình", None, "Nam", "Giáo viên", "Tổ 1"])
    book.save(root / "kehoach.xlsx")
    old = reg_row("Nguyễn Thị Lan", "Lao động tiên tiến", date=dt.date(2026, 9, 30))
    old[6] = "giấy khen của chủ tịch UBND huyện"  # typed over the list, in any case
    new = reg_row("Trần Văn Bình", "Lao động tiên tiến", date=dt.date(2026, 9, 30))
    new[6] = "Giấy khen của Chủ tịch UBND xã"
    _fill(template(root, template_fields.REGISTRATION), root / "submissions" / "to1.xlsx", [old, new])
    code, out, err = invoke("run", "-w", str(root), "--month", "2026-10", "--json")
    assert code == 0, err
    assert [t["registered"] for t in json.loads(out)["targets"] if t["code"] == "LDTT"] == [2]
    report = openpyxl.load_workbook(root / "output" / "2026-10" / "danh-sach-loi-2026-10.xlsx")
    found = [r for r in report.worksheets[1].iter_rows(min_row=4, values_only=True) if r[10] == "reward-form-outdated"]
    assert [(r[1], r[3], r[4]) for r in found] == [("to1.xlsx", "G6", "Nguyễn Thị Lan")]
    assert "Giấy khen của Chủ tịch UBND xã" in str(found[0][8]) and "2026–2027" in str(found[0][8])
