"""Files that try to walk around the guard (issue #20), built from a real filled template: valid packages
whose XML uses a namespace prefix or the strict-OOXML namespaces, worksheet parts the workbook does not list,
relationships with their attributes in another order, a lying <dimension>, and an Excel binary (.xlsb) sheet;
each can carry a far cell that would make a parser allocate gigabytes."""

from __future__ import annotations

import io
import re
import zipfile

MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_MAIN = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_RELS = b"http://purl.oclc.org/ooxml/officeDocument/relationships"
FAR = b'<c r="XFD50000" t="n"><v>1</v></c>'  # 50,000 rows × 16,384 columns: 819 million cells


def rebuild(source: bytes, change: dict[str, bytes | None], add: dict[str, bytes] | None = None) -> bytes:
    """The package with some parts changed (None: removed) and others added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = change.get(info.filename, zin.read(info.filename))
            if body is not None:
                zout.writestr(info.filename, body)
        for name, body in (add or {}).items():
            zout.writestr(name, body)
    return out.getvalue()


def prefixed(xml: bytes, namespace: bytes = MAIN, prefix: bytes = b"x") -> bytes:
    """The same XML with its default namespace given a prefix: every unprefixed element named with it."""
    xml = xml.replace(b'xmlns="' + namespace + b'"', b"xmlns:" + prefix + b'="' + namespace + b'"')
    return re.sub(rb"<(/?)([A-Za-z][\w.-]*)(?=[\s/>])", rb"<\1" + prefix + rb":\2", xml)


def with_far_cell(sheet: bytes, cell: bytes = FAR) -> bytes:
    """A sheet with one more row holding a far cell, the prefix of its rows kept."""
    found = re.search(rb"</(\w+:)?sheetData>", sheet)
    assert found is not None, "a worksheet has sheetData"
    prefix = found.group(1) or b""
    tagged = re.sub(rb"<(/?)c\b", rb"<\1" + prefix + b"c", cell.replace(b"<v>", b"<" + prefix + b"v>"))
    tagged = tagged.replace(b"</v>", b"</" + prefix + b"v>")
    row = b"<" + prefix + b'row r="50000">' + tagged + b"</" + prefix + b"row>"
    return sheet[: found.start()] + row + sheet[found.start() :]


def parts(source: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def prefixed_package(source: bytes, far: bool) -> bytes:
    """The workbook, its relationships and every worksheet written with prefixes, as .NET writers do."""
    found = parts(source)
    change: dict[str, bytes | None] = {"xl/workbook.xml": prefixed(found["xl/workbook.xml"])}
    for name, body in found.items():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            sheet = prefixed(body)
            change[name] = with_far_cell(sheet) if far and name.endswith("sheet1.xml") else sheet
    rels = "xl/_rels/workbook.xml.rels"
    change[rels] = prefixed(found[rels], b"http://schemas.openxmlformats.org/package/2006/relationships", b"p")
    return rebuild(source, change)


def strict_package(source: bytes) -> bytes:
    """The main and relationships namespaces of strict OOXML (ISO/IEC 29500 Strict), with a far cell."""
    found = parts(source)
    change: dict[str, bytes | None] = {}
    for name, body in found.items():
        if name.startswith("xl/") and name.endswith(".xml"):
            body = body.replace(MAIN, STRICT_MAIN).replace(RELS, STRICT_RELS)
            change[name] = with_far_cell(body) if name == "xl/worksheets/sheet1.xml" else body
    return rebuild(source, change)


def unlisted_part(source: bytes) -> bytes:
    """A worksheet part with a far cell that the workbook does not list."""
    sheet = parts(source)["xl/worksheets/sheet1.xml"]
    return rebuild(source, {}, {"xl/worksheets/sheet99.xml": with_far_cell(sheet)})


def reordered_relationships(source: bytes) -> bytes:
    """Relationship and sheet attributes in another order (Target before Id, r:id before name): still honest."""
    found = parts(source)
    rels = re.sub(
        rb'<Relationship Id="([^"]*)" Type="([^"]*)" Target="([^"]*)"/>',
        rb'<Relationship Target="\3" Type="\2" Id="\1"/>',
        found["xl/_rels/workbook.xml.rels"],
    )
    book = re.sub(
        rb'<sheet name="([^"]*)" sheetId="([^"]*)"( state="[^"]*")? r:id="([^"]*)"/>',
        rb'<sheet r:id="\4" sheetId="\2"\3 name="\1"/>',
        found["xl/workbook.xml"],
    )
    return rebuild(source, {"xl/_rels/workbook.xml.rels": rels, "xl/workbook.xml": book})


def lying_dimension(source: bytes) -> bytes:
    """<dimension> says A1:O30 while a cell stands at XFD50000."""
    sheet = parts(source)["xl/worksheets/sheet1.xml"]
    sheet = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:O30"/>', sheet)
    return rebuild(source, {"xl/worksheets/sheet1.xml": with_far_cell(sheet)})


def _record(kind: int, body: bytes) -> bytes:
    def varint(value: int) -> bytes:
        out = bytearray()
        while True:
            byte = value & 0x7F
            value >>= 7
            out.append(byte | (0x80 if value else 0))
            if not value:
                return bytes(out)

    return varint(kind) + varint(len(body)) + body


def xlsb_package(far: bool) -> bytes:
    """A minimal Excel binary workbook: one sheet whose records hold a row header and a number cell (MS-XLSB
    BrtRowHdr, BrtCellReal), the row and column far when `far`."""
    row, col = (49_999, 16_383) if far else (0, 0)
    sheet = (
        _record(0x0181, b"")  # BrtBeginSheet
        + _record(0x0191, b"")  # BrtBeginSheetData
        + _record(0, row.to_bytes(4, "little") + bytes(13))  # BrtRowHdr
        + _record(5, col.to_bytes(4, "little") + bytes(4) + (1.0).hex().encode()[:8])  # BrtCellReal
        + _record(0x0192, b"")  # BrtEndSheetData
        + _record(0x0182, b"")  # BrtEndSheet
    )
    root = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="x"/>')
        archive.writestr("_rels/.rels", root)
        archive.writestr("xl/workbook.bin", _record(0x0083, b"") + _record(0x0084, b""))
        archive.writestr("xl/worksheets/sheet1.bin", sheet)
    return out.getvalue()


def decoy_office_document(source: bytes) -> bytes:
    """_rels/.rels names a small decoy workbook, while xl/workbook.xml (which a parser may open by its usual
    name) lists a sheet kept outside the worksheets folder, with a far cell."""
    found = parts(source)
    decoy_book = (
        b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="' + MAIN + b'" xmlns:r="' + RELS + b'"><sheets>'
        b'<sheet name="Decoy" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    decoy_rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/relationships"><Relationship Id="rId1" Type="' + RELS + b'/worksheet" '
        b'Target="worksheets/sheet2.xml"/></Relationships>'
    )
    root = found["_rels/.rels"].replace(b'Target="xl/workbook.xml"', b'Target="xl/decoy.xml"')
    rels = found["xl/_rels/workbook.xml.rels"].replace(b"worksheets/sheet1.xml", b"data/big.xml")
    return rebuild(
        source,
        {"_rels/.rels": root, "xl/_rels/workbook.xml.rels": rels, "xl/worksheets/sheet1.xml": None},
        {
            "xl/decoy.xml": decoy_book,
            "xl/_rels/decoy.xml.rels": decoy_rels,
            "xl/data/big.xml": with_far_cell(found["xl/worksheets/sheet1.xml"]),
        },
    )


def far_cell_written_otherwise(source: bytes) -> dict[str, bytes]:
    """Far cells a parser reads as the usual ones (XML allows spaces around "=" and either quote), a far cell
    whose tag hides "/>" in an attribute's value before its reference, and a far row of cells without
    references (each follows the previous one: 100 columns × 50,000 rows)."""
    sheet = parts(source)["xl/worksheets/sheet1.xml"]
    unreferenced = b'<row r="50000">' + b"<c><v>1</v></c>" * 100 + b"</row>"
    found = re.search(rb"</sheetData>", sheet)
    assert found is not None
    return {
        name: rebuild(source, {"xl/worksheets/sheet1.xml": body})
        for name, body in {
            "spaced-far.xlsx": with_far_cell(sheet, b'<c r = "XFD50000" t="n"><v>1</v></c>'),
            "quoted-far.xlsx": with_far_cell(sheet, b"<c r='XFD50000' t='n'><v>1</v></c>"),
            "hidden-close-far.xlsx": with_far_cell(sheet, b'<c s="/>" r="XFD50000"><v>1</v></c>'),
            "unreferenced-far.xlsx": sheet[: found.start()] + unreferenced + sheet[found.start() :],
        }.items()
    }


def honest_lying_dimension(source: bytes) -> bytes:
    """<dimension> claims the whole grid (A1:XFD1048576) over the template's few cells: what the parser allocates
    is what the cells reach, so the file is read as it is."""
    sheet = parts(source)["xl/worksheets/sheet1.xml"]
    sheet = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', sheet)
    return rebuild(source, {"xl/worksheets/sheet1.xml": sheet})


def unreferenced_honest(source: bytes, rows: int = 2000, columns: int = 10) -> bytes:
    """A sheet of `rows` × `columns` numbers whose cells carry no reference (valid: `r` is optional, each cell
    follows the previous one of its row), as some generators write it: an ordinary area, read as it is."""
    sheet = parts(source)["xl/worksheets/sheet1.xml"]
    body = b"".join(
        b'<row r="' + str(r).encode() + b'">' + b"<c><v>1</v></c>" * columns + b"</row>" for r in range(1, rows + 1)
    )
    start, end = re.search(rb"<sheetData\b[^>]*>", sheet), re.search(rb"</sheetData>", sheet)
    assert start is not None and end is not None
    return rebuild(source, {"xl/worksheets/sheet1.xml": sheet[: start.end()] + body + sheet[end.start() :]})
