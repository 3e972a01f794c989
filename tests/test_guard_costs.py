"""Small files that cost far more than their size (SPEC 9), found by a second read-only review: the guard's own
scans run once over a part whatever its tags (a comment full of tag-like text made them quadratic), and what a
parser would copy cell by cell is counted before it reads (a shared string or a repeated ODS cell copied into
every cell, millions of merged ranges, formulas rewritten into text). Each file is guarded in a child process
with a timeout where the former code would have run for minutes or hours."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from thidua.forms.headers import HEADER_SCAN_COLUMNS, fold_cells
from thidua.intake import guard, legacy_xls

from . import xls_files as xf

MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsx(sheet_data: bytes, *, shared: bytes = b"", book_extra: bytes = b"", sheet_extra: bytes = b"") -> bytes:
    """A one-sheet .xlsx written part by part: `sheet_data` inside <sheetData>, an optional sharedStrings part."""
    book = (
        b'<?xml version="1.0"?><workbook xmlns="'
        + MAIN
        + b'" xmlns:r="'
        + RELS
        + b'">'
        + book_extra
        + b'<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    rels = (
        b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="'
        + RELS
        + b'/worksheet" Target="worksheets/sheet1.xml"/>'
        + (b'<Relationship Id="rId2" Type="' + RELS + b'/sharedStrings" Target="sharedStrings.xml"/>') * bool(shared)
        + b"</Relationships>"
    )
    root = (
        b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="' + RELS + b'/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    sheet = b'<?xml version="1.0"?><worksheet xmlns="' + MAIN + b'"><sheetData>' + sheet_data + b"</sheetData>"
    sheet += sheet_extra + b"</worksheet>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="x"/>')
        archive.writestr("_rels/.rels", root)
        archive.writestr("xl/workbook.xml", book)
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared:
            archive.writestr("xl/sharedStrings.xml", shared)
    return out.getvalue()


CELL = b'<row r="1"><c r="A1"><v>1</v></c></row>'


def _guarded_in_a_child(data: bytes, suffix: str, tmp_path: Path) -> str:
    """guard.inspect on the file in a child process that must finish within its timeout: "passed" or the code."""
    path = tmp_path / f"file{suffix}"
    path.write_bytes(data)
    code = (
        "import sys; from pathlib import Path; from thidua.intake import guard\n"
        "try:\n    guard.inspect(Path(sys.argv[1]).read_bytes(), sys.argv[2], guard.Limits()); print('passed')\n"
        "except guard.Refused as refused:\n    print(refused.code)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path), suffix], capture_output=True, timeout=60, text=True)
    assert done.returncode == 0, done.stderr[-800:]
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        # 2.4 KB of '<row-x hidden="1" ' in a comment: 31 s before, hours at 80,000
        ("hidden rows", xlsx(b"<!-- " + b'<row-x hidden="1" ' * 80_000 + b"-->" + CELL)),
        # ':c <f ' in a comment: 111 s at 80,000 before
        ("formula cells", xlsx(b"<!-- " + b":c <f " * 80_000 + b"-->" + CELL)),
        # '<workbookPr ' in a comment of workbook.xml: over 150 s before
        ("date1904", xlsx(CELL, book_extra=b"<!-- " + b"<workbookPr " * 80_000 + b"-->")),
    ],
)
def test_the_guards_scans_run_once_whatever_the_tags(name: str, data: bytes, tmp_path: Path) -> None:
    assert _guarded_in_a_child(data, ".xlsx", tmp_path) == "passed", name


def test_an_ods_tag_without_its_end_is_scanned_once(tmp_path: Path) -> None:
    content = ODS_HEAD + b"<table:table-row>" + b"<table:table-cell " * 20_000 + ODS_TAIL  # 38 s at 8,000 before
    assert _guarded_in_a_child(ods(content), ".ods", tmp_path) == "passed"


def test_a_shared_string_copied_into_many_cells_is_refused() -> None:
    long = b"<si><t>" + b"a" * 200_000 + b"</t></si>"
    cells = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>' % (r, r) for r in range(1, 201))
    shared = b'<?xml version="1.0"?><sst xmlns="' + MAIN + b'">' + long + b"<si><t>b</t></si></sst>"
    with pytest.raises(guard.Refused) as refused:  # 200 copies of 200,000 characters: 40 million
        guard.inspect(xlsx(cells, shared=shared), ".xlsx", guard.Limits())
    assert refused.value.code == "file-unreadable"
    few = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>1</v></c></row>' % (r, r) for r in range(1, 201))
    one = b'<row r="201"><c r="A201" t="s"><v>0</v></c></row>'
    assert guard.inspect(xlsx(few + one, shared=shared), ".xlsx", guard.Limits()) == guard.Inspection()


ODS_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><office:document-content'
    b' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    b' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    b' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
    b'<table:table table:name="S">'
)
ODS_TAIL = b"</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"


def ods(content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    return out.getvalue()


def test_a_repeated_ods_cell_copies_its_text_into_every_cell_it_stands_for() -> None:
    def repeated(length: int, rows: int, columns: int) -> bytes:
        cell = b'<table:table-cell office:value-type="string" table:number-columns-repeated="%d">' % columns
        cell += b"<text:p>" + b"a" * length + b"</text:p></table:table-cell>"
        return ods(ODS_HEAD + b'<table:table-row table:number-rows-repeated="%d">' % rows + cell + ODS_TAIL)

    with pytest.raises(guard.Refused):  # 965 bytes whose 64,000 copies of 100,000 characters aborted the parser
        guard.inspect(repeated(100_000, 1000, 64), ".ods", guard.Limits())
    assert guard.inspect(repeated(20, 1000, 64), ".ods", guard.Limits()) == guard.Inspection()


def test_millions_of_merged_ranges_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    merges = b'<mergeCells count="120000">' + b'<mergeCell ref="A1:B1"/>' * 120_000 + b"</mergeCells>"
    with pytest.raises(guard.Refused) as refused:  # 4 million ranges in 3 MB took 939 MiB to read
        guard.inspect(xlsx(CELL, sheet_extra=merges), ".xlsx", guard.Limits())
    assert refused.value.code == "file-unreadable"
    few = b'<mergeCells count="2"><mergeCell ref="A1:B1"/><mergeCell ref="A2:B2"/></mergeCells>'
    assert guard.inspect(xlsx(CELL, sheet_extra=few), ".xlsx", guard.Limits()) == guard.Inspection()
    record = xf.record(0x00E5, struct.pack("<H", 1000) + struct.pack("<HHHH", 0, 0, 0, 1) * 1000)
    many = xf.compound(xf.workbook_stream([("S", [xf.number(0, 0, 1), *([record] * 3)])]))
    assert legacy_xls.measure(many).merged_ranges == 3000
    assert guard.inspect(many, ".xls", guard.Limits()) == guard.Inspection()
    monkeypatch.setattr(guard, "MERGED_RANGES", 2999)
    with pytest.raises(guard.Refused):
        guard.inspect(many, ".xls", guard.Limits())


def test_xls_formulas_rewritten_into_text_are_bounded_and_their_shared_strings_pieces_counted() -> None:
    parentheses = struct.pack("<BH", 0x1E, 7) + b"\x15" * 6000  # (((((7))))) six thousand deep
    head = struct.pack("<HHH8sHI", 0, 0, 0, struct.pack("<d", 7.0), 0, 0)
    deep = xf.record(0x0006, head + struct.pack("<H", len(parentheses)) + parentheses)
    with pytest.raises(guard.Refused):
        guard.inspect(xf.compound(xf.workbook_stream([("S", [deep])])), ".xls", guard.Limits())
    simple = struct.pack("<BH", 0x1E, 7) + b"\x15"  # (7)
    usual = xf.record(0x0006, head + struct.pack("<H", len(simple)) + simple)
    plenty = xf.compound(xf.workbook_stream([("S", [usual] * 2000)]))
    assert guard.inspect(plenty, ".xls", guard.Limits()) == guard.Inspection()
    pieces = xf.record(0x00FC, struct.pack("<ii", 0, 0)) + xf.record(0x003C, b"") * 9000
    split = xf.compound(xf.workbook_stream([("S", [xf.number(0, 0, 1)])], shared=pieces))
    with pytest.raises(guard.Refused):  # calamine takes each piece off the front of a list: quadratic
        guard.inspect(split, ".xls", guard.Limits())


def test_a_header_is_looked_for_in_the_first_columns_only() -> None:
    """A sheet of 16,384 columns of near-labels kept the close-spelling search busy 40 s."""
    row = ["STT", *(f"Họ và tên {i}" for i in range(16_383))]
    assert len(fold_cells(row)) == HEADER_SCAN_COLUMNS
    assert fold_cells(row)[:1] == fold_cells(["STT"])


LONG = b'<?xml version="1.0"?><sst xmlns="' + MAIN + b'"><si><t>' + b"a" * 200_000 + b"</t></si></sst>"


@pytest.mark.parametrize("value", [b'<v a="1">0</v>', b"<v>00</v>", b"<v>x</v>", b"<v>\n0</v>"])
def test_shared_string_copies_are_counted_however_the_value_is_written(value: bytes) -> None:
    """The parser reads an index it cannot parse as 0, and a value tag may carry attributes (third review: 1.9 GB)."""
    cells = b"".join(b'<row r="%d"><c r="A%d" t="s">%s</c></row>' % (r, r, value) for r in range(1, 201))
    with pytest.raises(guard.Refused):
        guard.inspect(xlsx(cells, shared=LONG), ".xlsx", guard.Limits())


def test_an_xlsx_behind_an_xls_header_is_guarded_as_a_zip() -> None:
    """calamine reads as a zip whatever ends with a zip's directory when it is no readable .xls (an abort at 2.9
    GB behind 18 KB)."""
    cells = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>' % (r, r) for r in range(1, 201))
    hostile = xlsx(cells, shared=LONG)
    with pytest.raises(guard.Refused):
        guard.inspect(xf.honest([["STT"]]) + hostile, ".xls", guard.Limits())
    with pytest.raises(guard.Refused):
        guard.inspect(b"anything first" + hostile, ".xlsx", guard.Limits())
    assert guard.inspect(xf.honest([["STT"]]), ".xls", guard.Limits()) == guard.Inspection()


def test_merged_ranges_are_counted_however_their_tag_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "MERGED_RANGES", 100)
    merges = b"<mergeCells>" + b'<mergeCell\nref="A1:B1"/>' * 101 + b"</mergeCells>"
    with pytest.raises(guard.Refused):
        guard.inspect(xlsx(CELL, sheet_extra=merges), ".xlsx", guard.Limits())


def test_two_sheets_of_one_name_cannot_be_mapped() -> None:
    from thidua.excel.ooxml import map_sheets

    book = (
        b'<workbook xmlns="' + MAIN + b'" xmlns:r="' + RELS + b'"><sheets><sheet name="S" sheetId="1" r:id="rId1"/>'
        b'<sheet name="S" sheetId="2" r:id="rId2"/></sheets></workbook>'
    )
    rels = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="' + RELS + b'/worksheet" Target="worksheets/a.xml"/>'
        b'<Relationship Id="rId2" Type="' + RELS + b'/worksheet" Target="worksheets/b.xml"/></Relationships>'
    )
    names = {"xl/worksheets/a.xml", "xl/worksheets/b.xml"}
    assert map_sheets(names, book, rels, "xl/workbook.xml") is None  # the parser reads the first, Excel never writes it
    assert map_sheets(names, book.replace(b'name="S" sheetId="2"', b'name="T" sheetId="2"'), rels, "xl/workbook.xml")


@pytest.mark.parametrize(
    ("name", "cells"),
    [
        # <text:s text:c="N"/> writes N spaces: 788 MiB from 0.8 KB
        (
            "space runs",
            b'<table:table-cell office:value-type="string"><text:p><text:s text:c="200000000"/></text:p>'
            b"</table:table-cell>",
        ),
        # a string value in the tag of a repeated empty-looking cell: 2.9 GB from 1.8 KB
        (
            "attribute text",
            b'<table:table-cell office:value-type="string" office:string-value="'
            + b"a" * 100_000
            + b'" table:number-columns-repeated="1000"/>',
        ),
        # a cell kept for its value, repeated across the sheet's width: an abort
        ("kept values", b'<table:table-cell office:value="1" table:number-columns-repeated="16384"/>'),
    ],
)
def test_ods_cells_the_parser_expands_are_counted(name: str, cells: bytes) -> None:
    rows = b'<table:table-row table:number-rows-repeated="3000">' if name == "kept values" else b"<table:table-row>"
    with pytest.raises(guard.Refused):
        guard.inspect(ods(ODS_HEAD + rows + cells + ODS_TAIL), ".ods", guard.Limits())


def _xlsb(book: bytes, sheet: bytes, shared: bytes = b"") -> bytes:
    from .guard_walk import xlsb_package

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsb_package(far=False))) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            body = {"xl/workbook.bin": book, "xl/worksheets/sheet1.bin": sheet}.get(info.filename, zin.read(info))
            zout.writestr(info.filename, body)
        if shared:
            zout.writestr("xl/sharedStrings.bin", shared)
    return out.getvalue()


def test_xlsb_names_and_shared_strings_the_parser_copies_are_bounded() -> None:
    from .guard_walk import _record

    book = _record(0x0083, b"") + _record(0x0084, b"")
    rows = _record(0x0191, b"") + _record(0, (0).to_bytes(4, "little") + bytes(13))
    isst = b"".join(_record(0x0007, struct.pack("<III", 0, 0, 0)) for _ in range(200))
    sheet = _record(0x0181, b"") + rows + isst + _record(0x0192, b"") + _record(0x0182, b"")
    item = _record(0x0013, b"\x00" + struct.pack("<I", 200_000) + "a".encode("utf-16-le") * 200_000)
    shared = _record(0x009F, struct.pack("<II", 1, 1)) + item + _record(0x00A0, b"")
    with pytest.raises(guard.Refused):  # 200 cells naming one string of 200,000 characters (4.5 million: 1.8 GB)
        guard.inspect(_xlsb(book, sheet, shared), ".xlsb", guard.Limits())
    assert guard.inspect(_xlsb(book, sheet), ".xlsb", guard.Limits()) == guard.Inspection()
    long_name = _record(0x009C, struct.pack("<III", 0, 1, 4) + "rId1".encode("utf-16-le") + bytes(700))
    with pytest.raises(guard.Refused):  # a sheet's name written out for every reference to it: aborts
        guard.inspect(_xlsb(book + long_name, sheet), ".xlsb", guard.Limits())


def _rebuilt(data: bytes, change: dict[str, bytes], rename: dict[str, str] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = change.get(info.filename, zin.read(info))
            zout.writestr((rename or {}).get(info.filename, info.filename), body)
    return out.getvalue()


def test_a_sheet_is_mapped_only_where_every_reader_finds_the_same_part() -> None:
    """The fourth review: a target written with '..', two relationship ids on a sheet, a workbook part spelt in
    capitals, two sheets on one part, a workbook part of millions of elements — each let a reader open a part
    the guard had not bounded, or made the guard itself slow."""
    base = xlsx(CELL)
    rels = zipfile.ZipFile(io.BytesIO(base)).read("xl/_rels/workbook.xml.rels")
    book = zipfile.ZipFile(io.BytesIO(base)).read("xl/workbook.xml")
    cases = {
        "dots": _rebuilt(
            base, {"xl/_rels/workbook.xml.rels": rels.replace(b'"worksheets/', b'"worksheets/../worksheets/')}
        ),
        "two ids": _rebuilt(
            base,
            {"xl/workbook.xml": book.replace(b' r:id="rId1"', b' xmlns:y="' + RELS + b'" y:id="rId9" r:id="rId1"')},
        ),
        "capitals": _rebuilt(base, {}, rename={"xl/workbook.xml": "XL/workbook.xml"}),
        "one part twice": _rebuilt(
            base, {"xl/workbook.xml": book.replace(b"</sheets>", b'<sheet name="T" sheetId="2" r:id="rId1"/></sheets>')}
        ),
        "millions of elements": _rebuilt(
            base, {"xl/workbook.xml": book.replace(b"<sheets>", b"<x/>" * 200_000 + b"<sheets>")}
        ),
    }
    for name, data in cases.items():
        with pytest.raises(guard.Refused) as refused:
            guard.inspect(data, ".xlsx", guard.Limits())
        assert refused.value.code == "file-unreadable", name
    assert guard.inspect(base, ".xlsx", guard.Limits()) == guard.Inspection()


def test_shared_strings_are_numbered_as_the_parser_numbers_them() -> None:
    """A commented-out <si> or an <si.x/> (no string to the parser) shifted the guard's numbering, and a prefix with
    a hyphen hid one: the long string was measured as a short one (1.9 GB)."""
    cells = b"".join(b'<row r="%d"><c r="A%d" t="s"><v>1</v></c></row>' % (r, r) for r in range(1, 201))
    for fake in (b"<!--<si><t>x</t></si>-->", b"<si.x/>"):
        shared = b'<?xml version="1.0"?><sst xmlns="' + MAIN + b'">' + fake + b"<si><t>a</t></si><si><t>"
        shared += b"b" * 200_000 + b"</t></si></sst>"
        with pytest.raises(guard.Refused):
            guard.inspect(xlsx(cells, shared=shared), ".xlsx", guard.Limits())


@pytest.mark.parametrize(
    "cells",
    [
        b'<table:table-cell office:value="1" table:number-columns-repeated="+16384"/>',
        b'<table:table-cell office:value="1" table:number-columns-repeated="0000000000000016384"/>',
    ],
)
def test_ods_counts_are_read_as_the_parser_reads_them(cells: bytes) -> None:
    rows = b'<table:table-row table:number-rows-repeated="3000">'
    with pytest.raises(guard.Refused):
        guard.inspect(ods(ODS_HEAD + rows + cells + ODS_TAIL), ".ods", guard.Limits())


def test_an_ods_table_inside_a_cell_is_refused() -> None:
    nested = b'<table:table-row><table:table-cell><table:table table:name="N"></table:table></table:table-cell>'
    with pytest.raises(guard.Refused):
        guard.inspect(ods(ODS_HEAD + nested + ODS_TAIL), ".ods", guard.Limits())


def test_a_second_id_on_a_sheet_unprefixed_makes_it_unmappable() -> None:
    """The fifth review: with r:id and a bare id on one sheet, calamine opened the bare one's part, which the guard
    had bounded only as a stray part (40 cells copying a 9-million-character string: 729 MiB; 400: an abort)."""
    base = xlsx(CELL)
    book = zipfile.ZipFile(io.BytesIO(base)).read("xl/workbook.xml")
    two = _rebuilt(base, {"xl/workbook.xml": book.replace(b' r:id="rId1"', b' r:id="rId1" id="rId2"')})
    with pytest.raises(guard.Refused) as refused:
        guard.inspect(two, ".xlsx", guard.Limits())
    assert refused.value.code == "file-unreadable"
