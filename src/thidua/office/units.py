"""donvi.xlsx, the units an office receives from (SPEC 15): Mã đơn vị, Tên đơn vị, Loại, E-mail, Số CBGVNV. Written
by `office init`, read (guarded, like any workbook) by every run; a blank or repeated code is an issue on its
cell."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from thidua.core.text import clean, key
from thidua.excel.workbook import new_workbook
from thidua.forms.cell_values import cell_text
from thidua.intake import guard
from thidua.intake.read import load_sheets
from thidua.issues import Report, cell_ref

SHEET = "Đơn vị"
COLUMNS: tuple[tuple[str, float], ...] = (
    ("Mã đơn vị", 14),
    ("Tên đơn vị", 40),
    ("Loại", 14),
    ("E-mail", 30),
    ("Số CBGVNV", 11),
)
KINDS = ("Mầm non", "Tiểu học", "THCS", "TH&THCS", "THPT", "Khác")


@dataclass(frozen=True)
class Unit:
    code: str  # also the name of its folder under nhan/
    name: str
    kind: str = ""
    email: str = ""
    staff: int | None = None


def write_units(path: Path, units: Sequence[Unit]) -> None:
    """donvi.xlsx with its header, the units given (none: an empty list to fill) and a note on how to fill it."""
    with new_workbook(path) as wb:
        ws = wb.add_worksheet(SHEET)
        bold = wb.add_format({"bold": True, "font_name": "Times New Roman", "bg_color": "#DDEBF7", "border": 1})
        body = wb.add_format({"font_name": "Times New Roman", "border": 1})
        for col, (label, width) in enumerate(COLUMNS):
            ws.write_string(0, col, label, bold)
            ws.set_column(col, col, width)
        for row, unit in enumerate(units, start=1):
            for col, value in enumerate((unit.code, unit.name, unit.kind, unit.email)):
                ws.write_string(row, col, value, body)
            if unit.staff is None:
                ws.write_blank(row, 4, None, body)
            else:
                ws.write_number(row, 4, unit.staff, body)
        ws.data_validation(1, 2, 2000, 2, {"validate": "list", "source": list(KINDS), "error_type": "warning"})
        ws.freeze_panes(1, 0)
        note = wb.add_format({"italic": True, "font_name": "Times New Roman"})
        ws.write_string(
            0,
            len(COLUMNS) + 1,
            "Mỗi đơn vị một dòng. Mã đơn vị viết liền không dấu (ví dụ TH-KIMDONG): đơn vị gửi tệp vào nhan/<mã>/.",
            note,
        )


_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def read_units(path: Path, report: Report, limits: guard.Limits) -> list[Unit]:
    """The units of donvi.xlsx in their order; each problem an issue on its cell (the row is then left out)."""
    rel = path.name
    try:
        data = path.read_bytes()
        seen = guard.inspect(data, path.suffix.lower(), limits)
        sheets = load_sheets(data, seen.unread, limits.max_rows + 1)
    except guard.Refused as refused:
        report.add(refused.code, file=rel, **refused.params)
        return []
    except (OSError, ValueError) as exc:
        report.add("file-unreadable", file=rel, reason=str(exc))
        return []
    if not sheets:
        report.add("office-units-invalid", file=rel, detail="không có trang tính nào")
        return []
    name, sheet = next(iter(sheets.items()))
    rows = sheet.rows
    header = [key(v) for v in rows[0]] if rows else []
    wanted = [key(label) for label, _ in COLUMNS]
    columns = {label: header.index(label) for label in wanted if label in header}
    if key("Mã đơn vị") not in columns or key("Tên đơn vị") not in columns:
        report.add(
            "office-units-invalid", file=rel, sheet=name, cell="A1", detail="dòng 1 phải có cột Mã đơn vị và Tên đơn vị"
        )
        return []

    def cell(row: list[object], label: str) -> object:
        col = columns.get(key(label))
        return row[col] if col is not None and col < len(row) else None

    units: list[Unit] = []
    seen_codes: dict[str, int] = {}
    for index, row in enumerate(rows[1:], start=1):
        code, unit_name = cell_text(cell(row, "Mã đơn vị")), clean(cell(row, "Tên đơn vị"))  # 123.0 → "123"
        if not code and not unit_name:
            continue
        where = cell_ref(index, columns[key("Mã đơn vị")])
        if not code:
            wrong = f"“{unit_name}” chưa có mã"
        elif not _CODE.fullmatch(code):  # the code names the unit's folder nhan/<code>/: never a path, always ASCII
            wrong = (
                f"mã “{code}” chỉ được gồm chữ cái không dấu, chữ số, dấu gạch ngang (-) và gạch dưới (_), ví dụ "
                "TH-KIMDONG (mã là tên thư mục nhan/<mã>/ của đơn vị)"
            )
        elif key(code) in seen_codes:
            wrong = f"mã {code} trùng với dòng {seen_codes[key(code)] + 1}"
        else:
            wrong = ""
        if wrong:  # the row is left out, said at the code's cell
            report.add("office-units-invalid", file=rel, sheet=name, cell=where, value=code, detail=wrong)
            continue
        seen_codes[key(code)] = index
        staff = cell(row, "Số CBGVNV")
        units.append(
            Unit(
                code,
                unit_name,
                clean(cell(row, "Loại")),
                clean(cell(row, "E-mail")),
                int(staff) if isinstance(staff, int | float) and not isinstance(staff, bool) else None,
            )
        )
    return units
