"""The guard's own zip reader and parsers (issue #20, the reading's speed): members inflated with zlib from the
bytes already read, sheets bounded in one pass, the workbook's parts parsed by expat. Each refuses what zipfile,
the five-pass scan and defusedxml refused, through the public path (`guard.inspect`, `ooxml`): lies about sizes,
checksums, encrypted or bzip2/LZMA members, local headers that disagree with the directory, overlapping members,
document type declarations; and an honest package stored without compression, or written as zip64, still
passes with what the deflated one gives."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from thidua.excel import ooxml
from thidua.intake import guard
from thidua.workspace.folder import Workspace

from . import guard_walk as gw

SOURCE = "dang-ky/DK thi dua To 2-3.xlsx"  # a demo registration file: 7 rows of Tổ 2–3
SHEET = "xl/worksheets/sheet1.xml"
# Central directory entry (APPNOTE 4.3.12) and local header (4.3.7): where each field is, from the signature.
CENTRAL = {"flags": (8, "H"), "method": (10, "H"), "crc": (16, "I"), "packed": (20, "I"), "size": (24, "I")}
LOCAL = {"flags": (6, "H"), "method": (8, "H"), "crc": (14, "I"), "packed": (18, "I"), "size": (22, "I")}


@pytest.fixture(scope="module")
def source(demo_template_ws: Workspace) -> bytes:
    return (demo_template_ws.submissions / SOURCE).read_bytes()


def _patched(data: bytes, member: str, local: bool = True, **fields: int | Callable[[int], int]) -> bytes:
    """The package with fields of one member's central directory entry (and, with `local`, of its local header)
    set to a value or changed by a function of the old one."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
        central = archive.start_dir
    while out[central : central + 4] == b"PK\x01\x02":  # the member's entry in the central directory
        name_size, extra_size, comment_size = struct.unpack_from("<HHH", out, central + 28)
        if out[central + 46 : central + 46 + name_size] == member.encode():
            break
        central += 46 + name_size + extra_size + comment_size
    places = [(central, CENTRAL)] + ([(info.header_offset, LOCAL)] if local else [])
    for start, layout in places:
        for field, value in fields.items():
            offset, kind = layout[field]
            old = struct.unpack_from("<" + kind, out, start + offset)[0]
            struct.pack_into("<" + kind, out, start + offset, value(old) if callable(value) else value)
    return bytes(out)


def _refused(data: bytes) -> str:
    with pytest.raises(guard.Refused) as refused:
        guard.inspect(data, ".xlsx", guard.Limits())
    return refused.value.code


def test_lies_about_a_members_size_are_refused(source: bytes) -> None:
    for member in (SHEET, "xl/styles.xml", "[Content_Types].xml"):  # a bounded sheet and parts only checked
        assert _refused(_patched(source, member, size=lambda old: old - 1)) == "file-unreadable"  # inflates to more
        assert _refused(_patched(source, member, size=lambda old: old + 1)) == "file-unreadable"  # to less
    # A part declared past 256 KiB, of which only the head is read for its declarations, whose data ends within
    # that head: its size lies however right its checksum is.
    assert _refused(_patched(source, "docProps/app.xml", size=300_000)) == "file-unreadable"


def test_a_wrong_checksum_is_refused_in_a_deflated_member(source: bytes) -> None:
    for member in (SHEET, "xl/theme/theme1.xml"):
        assert _refused(_patched(source, member, crc=lambda old: old ^ 1)) == "file-unreadable"


def test_members_that_cannot_be_inflated_safely_are_refused(source: bytes) -> None:
    assert _refused(_patched(source, SHEET, flags=lambda old: old | 0x1)) == "file-unreadable"  # encrypted
    assert _refused(_patched(source, SHEET, flags=lambda old: old | 0x20)) == "file-unreadable"  # patched data
    assert _refused(_patched(source, SHEET, flags=lambda old: old | 0x40)) == "file-unreadable"  # strong encryption
    for method in (12, 14, 99):  # bzip2, LZMA, AES: never inflated a chunk at a time
        assert _refused(_patched(source, SHEET, method=method)) == "file-unreadable"


def test_a_local_header_that_disagrees_with_the_directory_is_refused(source: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        offset = archive.getinfo(SHEET).header_offset
    renamed = bytearray(source)
    renamed[offset + 30 : offset + 31] = b"y"  # the name in the local header: "yl/worksheets/sheet1.xml"
    assert _refused(bytes(renamed)) == "file-unreadable"
    unsigned = bytearray(source)
    unsigned[offset : offset + 4] = b"PK\x00\x00"
    assert _refused(bytes(unsigned)) == "file-unreadable"


def test_a_member_whose_data_runs_into_the_next_is_refused(source: bytes) -> None:
    # The directory says the sheet's compressed data is longer than the room before the next member: a parser
    # reading it would inflate the next member's header and data as this one's (a "quoted overlap" zip bomb).
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        infos = sorted(archive.infolist(), key=lambda info: info.header_offset)
    sheet = next(i for i, info in enumerate(infos) if info.filename == SHEET)
    room = infos[sheet + 1].header_offset - infos[sheet].header_offset
    assert _refused(_patched(source, SHEET, local=False, packed=room)) == "file-unreadable"


def _rewritten(source: bytes, compression: int, zip64: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as zin, zipfile.ZipFile(out, "w", compression) as zout:
        for info in zin.infolist():
            with zout.open(info.filename, "w", force_zip64=zip64) as member:
                member.write(zin.read(info))
    return out.getvalue()


def test_an_honest_package_stored_or_zip64_gives_what_the_deflated_one_gives(source: bytes) -> None:
    def seen(data: bytes) -> tuple[object, ...]:
        found = guard.inspect(data, ".xlsx", guard.Limits())
        return found.macros, found.date1904, found.formulas, found.hidden_rows, found.too_long, found.too_wide

    expected = seen(source)
    assert seen(_rewritten(source, zipfile.ZIP_STORED)) == expected
    assert seen(_rewritten(source, zipfile.ZIP_DEFLATED, zip64=True)) == expected
    stored = _rewritten(source, zipfile.ZIP_STORED)  # a stored member whose bytes lie about its size
    assert _refused(_patched(stored, SHEET, size=lambda old: old - 1)) == "file-unreadable"
    assert _refused(_patched(stored, SHEET, crc=lambda old: old ^ 1)) == "file-unreadable"


def test_one_pass_over_a_sheet_finds_what_the_five_found(source: bytes) -> None:
    found = gw.parts(source)
    sheet = found[SHEET]
    # A formula written with a prefix in a sheet otherwise written the usual way is still found and reported.
    formula = sheet.replace(b"</sheetData>", b'<row r="40"><c r="B40"><x:f>1+1</x:f></c></row></sheetData>', 1)
    formula = formula.replace(b"<worksheet ", b'<worksheet xmlns:x="' + gw.MAIN + b'" ', 1)
    seen = guard.inspect(gw.rebuild(source, {SHEET: formula}), ".xlsx", guard.Limits())
    assert seen.formulas == {"Đăng ký": [("B40", False)]}
    usual = sheet.replace(b"</sheetData>", b'<row r="40"><c r="B40"><f>1+1</f><v>2</v></c></row></sheetData>', 1)
    seen = guard.inspect(gw.rebuild(source, {SHEET: usual}), ".xlsx", guard.Limits())
    assert seen.formulas == {"Đăng ký": [("B40", True)]}
    assert not guard.inspect(source, ".xlsx", guard.Limits()).formulas
    # A "<" inside an attribute value hides a far cell from the usual reading: the sheet is refused as before.
    hiding = sheet.replace(b"</sheetData>", b'<row r="40"><c r="B40" s="<c r=&quot;x"><v>1</v></c></row></sheetData>')
    assert _refused(gw.rebuild(source, {SHEET: hiding})) == "file-unreadable"
    hidden = sheet.replace(b"</sheetData>", b'<row r="40" hidden="1"><c r="B40"><v>1</v></c></row></sheetData>', 1)
    assert guard.inspect(gw.rebuild(source, {SHEET: hidden}), ".xlsx", guard.Limits()).hidden_rows["Đăng ký"] == [40]


RELS = (
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
    b' Target="worksheets/sheet1.xml"/></Relationships>'
)
BOOK = b'<workbook xmlns="%s" xmlns:r="%s"><sheets><sheet name="%s" sheetId="1" r:id="rId1"/></sheets></workbook>'


def test_the_workbooks_parts_are_parsed_without_declarations() -> None:
    names = {"xl/worksheets/sheet1.xml"}
    book = BOOK % (gw.MAIN, gw.RELS, b"A")
    assert ooxml.map_sheets(names, book, RELS, "xl/workbook.xml") == {"A": "xl/worksheets/sheet1.xml"}
    strict = gw.prefixed(BOOK % (gw.STRICT_MAIN, gw.STRICT_RELS, b"A"), gw.STRICT_MAIN)
    assert ooxml.map_sheets(names, strict, RELS, "xl/workbook.xml") == {"A": "xl/worksheets/sheet1.xml"}
    declared = [
        b'<!DOCTYPE workbook [<!ENTITY n "A">]>' + BOOK % (gw.MAIN, gw.RELS, b"&n;"),  # an entity
        b'<!DOCTYPE workbook SYSTEM "http://example.invalid/x.dtd">' + BOOK % (gw.MAIN, gw.RELS, b"A"),
        b"<!DOCTYPE workbook []>" + BOOK % (gw.MAIN, gw.RELS, b"&n;"),  # an entity nothing declares
        BOOK % (gw.MAIN, gw.RELS, b"&n;"),
    ]
    for book in declared:
        assert ooxml.map_sheets(names, book, RELS, "xl/workbook.xml") is None, book
        assert ooxml.sheet_parts(names, book, RELS) == {}
    assert ooxml.worksheet_targets(b'<!DOCTYPE r [<!ENTITY t "x">]>' + RELS, "xl/_rels/workbook.xml.rels") == set()


def _seen_in_a_child(data: bytes, found: str, tmp_path: Path) -> bytes:
    """One field of what guard.inspect finds in `data`, printed by a child process that must finish within its
    timeout (the former scans ran for hours on such files)."""
    (tmp_path / "far.xlsx").write_bytes(data)
    code = (
        "import sys; from pathlib import Path; from thidua.intake import guard; "
        "print(getattr(guard.inspect(Path(sys.argv[1]).read_bytes(), '.xlsx', guard.Limits()), sys.argv[2]))"
    )
    command = [sys.executable, "-c", code, str(tmp_path / "far.xlsx"), found]
    done = subprocess.run(command, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    return done.stdout.strip()


def test_formulas_are_found_in_one_pass_each_cell_once(source: bytes, tmp_path: Path) -> None:
    """Each formula cell is reported once, with or without its value, wherever its tags lie; and formula tags
    far from any cell cost one pass, not one search each back to a cell and on to its end (500,000 of them after
    the last cell of a 21 KB file took hours before): the child process must finish well within its timeout."""
    sheet = gw.parts(source)[SHEET]
    two = sheet.replace(b"</sheetData>", b'<row r="40"><c r="B40"><f>1</f><f>2</f><v>3</v></c></row></sheetData>', 1)
    two = two.replace(b"</sheetData>", b'<row r="41"><c r="C41"><f>1</f></c></row></sheetData>', 1)
    seen = guard.inspect(gw.rebuild(source, {SHEET: two}), ".xlsx", guard.Limits())
    assert seen.formulas == {"Đăng ký": [("B40", True), ("C41", False)]}
    far = sheet.replace(b"</worksheet>", b"<extLst>" + b"<f>1</f>" * 500_000 + b"</extLst></worksheet>")
    assert _seen_in_a_child(gw.rebuild(source, {SHEET: far}), "formulas", tmp_path) == b"{}"


def test_hidden_rows_are_found_in_one_pass_whatever_their_attributes_order(source: bytes, tmp_path: Path) -> None:
    sheet = gw.parts(source)[SHEET]
    rows = b'<row hidden="1" r="40"><c r="B40"><v>1</v></c></row><row r="41" hidden="true"/><row r="42"/>'
    hidden = gw.rebuild(source, {SHEET: sheet.replace(b"</sheetData>", rows + b"</sheetData>", 1)})
    seen = guard.inspect(hidden, ".xlsx", guard.Limits())
    assert seen.hidden_rows == {"Đăng ký": [40, 41]}
    # 500,000 r attributes in one row tag, the word "hidden" further on: one pass (16,000 of them took 8 s before).
    bomb = b'<row r="45"' + b' r="1"' * 500_000 + b'><c r="A45"><v>1</v></c></row></sheetData>'
    far = sheet.replace(b"</sheetData>", bomb, 1).replace(b"</worksheet>", b"<!-- hidden --></worksheet>")
    assert _seen_in_a_child(gw.rebuild(source, {SHEET: far}), "hidden_rows", tmp_path) == b"{}"
