"""Table bodies streamed as worksheet XML (thidua.excel.rowstream): the same workbook as xlsxwriter's cell by cell."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from thidua.excel.workbook import new_workbook
from thidua.intake.read import load_sheets
from thidua.workspace.folder import Workspace
from thidua.writers.common import Styles, add_sheet, write_date, write_text

ROWS: list[tuple[Any, ...]] = [
    (1, "Nguyễn Thị Hoa", dt.date(1985, 3, 4), "Tổ 1", 2.5),
    (2, "  khoảng trắng đầu và cuối  ", None, "A & B <c> \"d\" 'e'", 0.125),
    (3, "Một dòng rất dài " * 12, dt.date(2021, 10, 4), "", -7),
    (4, "=1+1 @x +y -z", dt.date(1900, 3, 1), "x", 1e-9),
]


def _write(path: Path, streamed: bool) -> None:
    """Title and header by xlsxwriter, then ROWS (streamed or cell by cell), then a total row under them."""
    with new_workbook(path) as wb:
        styles = Styles(wb, size=12)
        ws = add_sheet(wb, "Bảng")
        write_text(ws, 0, 0, "TIÊU ĐỀ", styles(bold=True))
        for col, width in enumerate((5, 20, 12, 10, 9)):
            ws.set_column(col, col, width)
            write_text(ws, 2, col, f"Cột {col}", styles.header)
        fmts = (styles.number, styles.text, styles.date, styles.center, styles.percent)
        table = ws.table(3) if streamed else None
        for i, values in enumerate(ROWS):
            if table is not None:
                table.add(list(zip(values, fmts, strict=True)))
                continue
            row = 3 + i
            for col, (value, fmt) in enumerate(zip(values, fmts, strict=True)):
                if isinstance(value, str):
                    write_text(ws, row, col, value, fmt)
                elif isinstance(value, dt.date) or value is None:
                    write_date(ws, row, col, value, fmt)
                else:
                    ws.write_number(row, col, value, fmt)
        ws.write_formula(3 + len(ROWS), 0, "=COUNTA(B4:B7)", styles.total_number, len(ROWS))
        ws.fit_rows()
        empty = add_sheet(wb, "Trống")  # a sheet whose whole content is a streamed table
        empty.set_column(0, 0, 10)
        if streamed:
            empty.table(0).add([("chỉ một ô", styles.text)])
        else:
            write_text(empty, 0, 0, "chỉ một ô", styles.text)


def _cells(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    wb = openpyxl.load_workbook(path)
    seen: dict[str, list[tuple[Any, ...]]] = {}
    for ws in wb.worksheets:
        seen[ws.title] = [
            (
                c.coordinate,
                c.value,
                c.data_type,
                c.number_format,
                c.font.name,
                c.font.b,
                c.border.left.style,
                c.alignment.horizontal,
                c.alignment.wrap_text,
                c.fill.fgColor.rgb,
            )
            for row in ws.iter_rows()
            for c in row
        ]
        seen[ws.title + " heights"] = [
            (r, d.height) for r, d in sorted(ws.row_dimensions.items()) if d.height is not None
        ]
        seen[ws.title + " size"] = [(ws.dimensions, ws.max_row, ws.max_column)]
    return seen


def test_a_streamed_table_reads_back_exactly_as_one_written_cell_by_cell(tmp_path: Path) -> None:
    _write(tmp_path / "streamed.xlsx", streamed=True)
    _write(tmp_path / "cells.xlsx", streamed=False)
    streamed, cells = _cells(tmp_path / "streamed.xlsx"), _cells(tmp_path / "cells.xlsx")
    assert streamed == cells
    assert streamed["Bảng heights"], "the long text's row got its height"
    assert load_sheets(tmp_path / "streamed.xlsx").keys() == load_sheets(tmp_path / "cells.xlsx").keys()
    for name, sheet in load_sheets(tmp_path / "streamed.xlsx").items():
        assert sheet.rows == load_sheets(tmp_path / "cells.xlsx")[name].rows


def test_the_streamed_rows_sit_in_row_order_inside_sheet_data(tmp_path: Path) -> None:
    _write(tmp_path / "streamed.xlsx", streamed=True)
    with zipfile.ZipFile(tmp_path / "streamed.xlsx") as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
        assert archive.testzip() is None
    numbers = [int(part.split('"')[0]) for part in xml.split('<row r="')[1:]]
    assert numbers == [1, 3, 4, 5, 6, 7, 8]
    assert '<dimension ref="A1:E8"/>' in xml
    assert "<f>" in xml and 't="inlineStr"' in xml


def test_a_row_written_twice_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="also written by xlsxwriter"), new_workbook(tmp_path / "x.xlsx") as wb:
        styles = Styles(wb)
        ws = add_sheet(wb, "Bảng")
        ws.table(2).add([("a", styles.text)])
        write_text(ws, 2, 3, "b", styles.text)
    assert not list(tmp_path.glob(".x.xlsx.rows-*")), "no temporary package left behind"


def test_a_date_excel_cannot_count_is_shown_as_text(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    with new_workbook(path) as wb:
        styles = Styles(wb)
        add_sheet(wb, "Bảng").table(0).add([(dt.date(1899, 5, 17), styles.date), (dt.date(1985, 3, 4), styles.date)])
    ws = openpyxl.load_workbook(path)["Bảng"]
    assert ws["A1"].value == "17/05/1899"
    assert ws["B1"].value == dt.datetime(1985, 3, 4)


def test_the_private_xlsxwriter_call_the_stream_relies_on_still_means_what_it_did(tmp_path: Path) -> None:
    """The stream gives each cell the style index xlsxwriter would give it, by calling the private
    Format._get_xf_index (what xlsxwriter itself calls when it writes a cell). A new xlsxwriter may rename it or
    change what it returns: this says so plainly, before any streamed workbook goes wrong in silence."""
    from xlsxwriter.format import Format

    why = (
        f"xlsxwriter {xlsxwriter.__version__} changed its private Format._get_xf_index, which "
        "thidua.excel.rowstream calls to style streamed cells (RowStream._style): "
    )
    assert callable(getattr(Format, "_get_xf_index", None)), why + "it is gone"
    path = tmp_path / "x.xlsx"
    with new_workbook(path) as wb:
        bold, red = wb.add_format({"bold": True}), wb.add_format({"font_color": "#FF0000"})
        alike, streamed_only = wb.add_format({"bold": True}), wb.add_format({"italic": True})
        first = bold._get_xf_index()
        assert isinstance(first, int) and first > 0, why + f"it returned {first!r}, not a cell format's index"
        assert bold._get_xf_index() == first, why + "a format's index changed when asked again"
        assert alike._get_xf_index() == first, why + "two formats with the same properties got different indexes"
        assert red._get_xf_index() not in (0, first), why + "two different formats share an index"
        ws = add_sheet(wb, "Bảng")
        ws.write_string(0, 0, "in xlsxwriter's cell", bold)
        ws.write_string(1, 0, "in xlsxwriter's cell", red)
        ws.table(2).add([("streamed", bold), ("streamed", red), ("only streamed", streamed_only)])
        indexes = {"bold": first, "red": red._get_xf_index(), "italic": streamed_only._get_xf_index()}
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    written = dict(re.findall(r'<c r="([A-Z]+\d+)" s="(\d+)"', xml))
    assert (written["A1"], written["A2"]) == (str(indexes["bold"]), str(indexes["red"])), (
        why + f"xlsxwriter wrote its own cells with the formats {written['A1']}, {written['A2']} where the call gave "
        f"{indexes['bold']}, {indexes['red']}"
    )
    cells = openpyxl.load_workbook(path)["Bảng"]
    looks = [(c.font.b, c.font.i, c.font.color is not None and c.font.color.rgb == "FFFF0000") for c in cells[3]]
    assert looks == [(True, False, False), (False, False, True), (False, True, False)], (
        why + f"streamed cells no longer show their formats: {looks}"
    )


# Rows for a table given column by column: repeated values, both NFC and decomposed spellings of one name, text
# that wraps (over a width or at a line break), a control character, blanks with and without a style, ints and
# floats that compare equal in one column, a date Excel cannot count.
COLUMN_ROWS: list[tuple[Any, ...]] = [
    (1, "Nguyễn Thị Hoa", dt.date(1985, 3, 4), "Tổ 1", 1, "dài " * 30, None),
    (2, "Nguye\u0302\u0303n Thi\u0323 Hoa", None, "Tổ 1", 1.0, "", "x"),
    (3, "  khoảng trắng  ", dt.date(1899, 5, 17), "A & B\n<c>", 2.5, "hai\ndòng", None),
    (4, "Một dòng rất dài " * 12, dt.date(1985, 3, 4), "", None, "dài " * 30, ""),
    (5, "chuông\x07", dt.date(2021, 10, 4), "Tổ 1", -7, None, "x"),
]


def _column_table(path: Path, by_columns: bool) -> list[float]:
    """COLUMN_ROWS under one row added on its own, row by row (`add`) or column by column (`add_columns`); returns
    the height the sheet saw for each row."""
    with new_workbook(path) as wb:
        styles = Styles(wb, size=12)
        ws = add_sheet(wb, "Bảng")
        for col, width in enumerate((5, 14, 12, 10, 9, 12, 6)):
            ws.set_column(col, col, width)
        fmts = (styles.number, styles.text, styles.date, styles.center, styles.percent, styles(align="left"), None)
        table = ws.table(1)
        table.add([("đầu", styles.text), ("bảng", styles.text)])
        if by_columns:
            columns = zip(*COLUMN_ROWS, strict=True)
            table.add_columns([(list(values), fmt) for values, fmt in zip(columns, fmts, strict=True)])
        else:
            for values in COLUMN_ROWS:
                table.add(list(zip(values, fmts, strict=True)))
        assert table.last_row == 1 + len(COLUMN_ROWS)
        write_text(ws, table.last_row + 1, 0, "dưới bảng", styles.text)
        ws.fit_rows()
        return [ws.row_height(row, 0.0) for row in range(table.last_row + 2)]


def test_a_table_given_column_by_column_is_the_table_given_row_by_row(tmp_path: Path) -> None:
    """TableRows.add_columns (the dashboard's and the report's per-person sheets) writes the very bytes `add` writes
    row by row: the same cells, styles and row heights in the same XML."""
    by_rows = _column_table(tmp_path / "rows.xlsx", by_columns=False)
    by_columns = _column_table(tmp_path / "columns.xlsx", by_columns=True)
    assert by_columns == by_rows
    assert by_rows[4] > 0 and by_rows[5] > 0, "a two-line text's row and a long name's row are tall"
    assert by_rows[2] == by_rows[6] == 0.0, "a long text in a column that does not wrap gives its row no height"
    with zipfile.ZipFile(tmp_path / "rows.xlsx") as rows, zipfile.ZipFile(tmp_path / "columns.xlsx") as columns:
        assert rows.namelist() == columns.namelist()
        for name in rows.namelist():
            assert rows.read(name) == columns.read(name), name
    sheet = openpyxl.load_workbook(tmp_path / "columns.xlsx")["Bảng"]
    assert sheet["B3"].value == sheet["B4"].value == "Nguyễn Thị Hoa"  # NFC whatever the spelling given
    assert (sheet["E3"].value, sheet["E4"].value, sheet["E7"].value) == (1, 1, -7)
    assert sheet["C5"].value == "17/05/1899" and sheet["A8"].value == "dưới bảng"


def test_columns_of_a_table_must_be_as_long_as_each_other(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="as long as each other"), new_workbook(tmp_path / "x.xlsx") as wb:
        styles = Styles(wb)
        add_sheet(wb, "Bảng").table(0).add_columns([([1, 2], styles.number), (["a"], styles.text)])


def test_the_dashboard_and_the_report_write_their_persons_as_row_by_row(
    demo_template_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo month's dashboard and report workbook, their per-person sheets given column by column, are the very
    bytes written when the same columns go in row by row through `add`."""
    from thidua.excel.layout import TableRows
    from thidua.pipeline.batch import compute
    from thidua.writers.dashboard import write_dashboard
    from thidua.writers.submission import write_submission

    result = compute(demo_template_ws, "2022-05")
    today = dt.date(2022, 6, 3)
    write_dashboard(result, tmp_path / "dashboard.xlsx")
    write_submission(result, tmp_path / "report.xlsx", today)
    given: list[int] = []

    def row_by_row(table: TableRows, columns: list[tuple[list[object], object]]) -> None:
        given.append(len(columns[0][0]))
        for values in zip(*(values for values, _fmt in columns), strict=True):
            table.add(list(zip(values, (fmt for _values, fmt in columns), strict=True)))

    monkeypatch.setattr(TableRows, "add_columns", row_by_row)
    write_dashboard(result, tmp_path / "dashboard-rows.xlsx")
    write_submission(result, tmp_path / "report-rows.xlsx", today)
    assert given == [len(result.persons), int(result.persons["registration"].sum())]
    for name in ("dashboard", "report"):
        with (
            zipfile.ZipFile(tmp_path / f"{name}.xlsx") as columns,
            zipfile.ZipFile(tmp_path / f"{name}-rows.xlsx") as rows,
        ):
            assert columns.namelist() == rows.namelist()
            for part in columns.namelist():
                assert columns.read(part) == rows.read(part), f"{name}: {part}"


D = dt.date


class _Text(str):
    """Text of a subclass of str: written as text, value by value."""


# Columns for the one-pass cells (RowStream.cells, TableRows.add_columns), eight rows each: texts that need
# escaping, a combining mark first, a percent sign, inner spaces and a line break (made in one pass); texts that
# start or end with a space of any kind, a decomposed name, a control character, a text over Excel's limit, a
# text subclass (made value by value); whole numbers, dates Excel can count with blanks among them (one pass);
# a date before 1 March 1900, a datetime-free mix of ints and floats, floats (value by value).
ONE_PASS_COLUMNS: list[list[Any]] = [
    list(range(-3, 5)),
    [
        "A & B <c> \"d\" 'e'",
        "\u0301dấu đầu",
        "100% %d %s %%",
        "giữa  hai\tdấu",
        "dòng\nhai",
        "x",
        "x",
        "Nguyễn Thị Hoa",
    ],
    ["ổn", " đầu", "ổn", "ổn", "ổn", "ổn", "ổn", "ổn"],
    ["cuối\u00a0", "ổn", "\u3000", "ổn", "ổn", "ổn", "ổn", "ổn"],
    ["ổn", "Nguye\u0302\u0303n", "ổn", "ổn", "ổn", "ổn", "ổn", "ổn"],
    ["ổn", "ổn", "chuông\x07", "ổn", "ổn", "ổn", "ổn", "ổn"],
    ["ổn", "ổn", "ổn", "x" * 33000, "ổn", "ổn", "ổn", "ổn"],
    ["ổn", "ổn", "ổn", "ổn", "ổn", "ổn", "", None],
    [_Text("lớp con"), "ổn", _Text("lớp con"), "ổn", "ổn", "ổn", "ổn", "ổn"],
    [D(1900, 3, 1), None, D(2021, 10, 4), "", D(1985, 3, 4), D(1985, 3, 4), None, D(9999, 12, 31)],
    [D(1900, 2, 28), D(1985, 3, 4), None, D(1899, 12, 30), D(1985, 3, 4), None, None, None],
    [1, 1.0, 2.5, -7, 0, 10**20, 3, 3],
    [0.1, 1e-9, -2.5, 1 / 3, 2.0, 1e22, 0.5, 0.5],
    ["dài " * 30, "dài " * 30, "ngắn", "rất " * 40, "", None, "ngắn", "dòng\nhai"],
]


def _one_pass_table(path: Path, by_columns: bool) -> None:
    with new_workbook(path) as wb:
        styles = Styles(wb, size=12)
        ws = add_sheet(wb, "Bảng")
        for col in range(len(ONE_PASS_COLUMNS)):
            ws.set_column(col, col, 12)
        fmts = [styles.number, styles.text, styles.text, styles.center, styles.text, styles.text, styles.text]
        fmts += [styles.text, styles.text, styles.date]
        fmts += [styles.date, styles.percent, styles.percent, styles.text]
        table = ws.table(1)
        if by_columns:
            table.add_columns(list(zip(ONE_PASS_COLUMNS, fmts, strict=True)))
        else:
            for values in zip(*ONE_PASS_COLUMNS, strict=True):
                table.add(list(zip(values, fmts, strict=True)))
        ws.fit_rows()


def test_the_cells_of_a_column_made_in_one_pass_are_the_cells_made_value_by_value(tmp_path: Path) -> None:
    """RowStream.cells makes a column of one kind in a few passes over it joined: each cell is the XML `_made`
    makes for its value alone, whatever the column holds, and a table given column by column is the very bytes of
    one given row by row."""
    from thidua.excel.rowstream import RowStream, _in_one_pass

    with new_workbook(tmp_path / "x.xlsx") as wb:
        styles = Styles(wb, size=12)
        stream = RowStream("Bảng", 0)
        in_one_pass = []
        for col, values in enumerate(ONE_PASS_COLUMNS):
            distinct = list(dict.fromkeys((type(v), v) for v in values))  # as given: not made cell-safe
            shown = [v for _kind, v in distinct]
            for fmt in (styles.text, styles.number, None):
                plain = [made.encode() for made in stream._made(((col, v, fmt) for v in shown), repeated=False)]
                assert stream.cells(col, shown, fmt) == plain, (col, fmt)
            present = [v for v in shown if v is not None and v != ""]
            if _in_one_pass(present, '<c r="A\x00"') is not None:
                in_one_pass.append(col)
        stream.close()
        add_sheet(wb, "Bảng")
    assert in_one_pass == [0, 1, 4, 5, 6, 7, 9], "numbers, texts kept as they are, dates with blanks: one pass"
    _one_pass_table(tmp_path / "rows.xlsx", by_columns=False)
    _one_pass_table(tmp_path / "columns.xlsx", by_columns=True)
    with zipfile.ZipFile(tmp_path / "rows.xlsx") as rows, zipfile.ZipFile(tmp_path / "columns.xlsx") as columns:
        assert rows.namelist() == columns.namelist()
        for name in rows.namelist():
            assert rows.read(name) == columns.read(name), name
    sheet = openpyxl.load_workbook(tmp_path / "columns.xlsx")["Bảng"]
    assert sheet["B2"].value == "A & B <c> \"d\" 'e'" and sheet["C3"].value == " đầu" and sheet["E3"].value == "Nguyễn"
    assert sheet["F4"].value == "chuông\ufffd" and len(sheet["G5"].value) == 32767 and sheet["K2"].value == "28/02/1900"
    assert sheet["J2"].value == dt.datetime(1900, 3, 1) and sheet["A2"].value == -3 and sheet["L7"].value == 10**20
    assert sheet.row_dimensions[2].height and sheet.row_dimensions[5].height, "the long texts' rows are tall"


def test_a_text_holding_the_row_placeholder_is_refused_in_one_pass_as_value_by_value(tmp_path: Path) -> None:
    from thidua.excel.rowstream import RowStream

    with new_workbook(tmp_path / "x.xlsx") as wb:
        styles = Styles(wb)
        stream = RowStream("Bảng", 0)
        with pytest.raises(ValueError, match="not made cell-safe"):
            stream.cells(0, ["a", "b\x00c"], styles.text)
        stream.close()
        add_sheet(wb, "Bảng")
