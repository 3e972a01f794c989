"""Excel 97-2003 workbooks (.xls) built byte by byte for the guard's tests: a compound file (MS-CFB, version 3,
512-byte sectors) holding one Workbook stream of BIFF8 records (MS-XLS), honest or bent the ways a hostile
file could bend them (a far cell, a lying DIMENSIONS record, a looping sector chain, a stream longer than the
file, a shared-string count the file cannot hold)."""

from __future__ import annotations

import struct

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
END, FREE, FAT_SECTOR, NO_STREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR = 512


def record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def number(row: int, col: int, value: float) -> bytes:
    return record(0x0203, struct.pack("<HHHd", row, col, 0, value))


def label(row: int, col: int, text: str) -> bytes:
    raw = text.encode("utf-16-le")
    return record(0x0204, struct.pack("<HHHHB", row, col, 0, len(text), 1) + raw)


def dimensions(first_row: int, last_row: int, first_col: int, last_col: int) -> bytes:
    """MS-XLS 2.4.90: the last row and column are one past the used area."""
    return record(0x0200, struct.pack("<IIHHH", first_row, last_row, first_col, last_col, 0))


def _bof(kind: int) -> bytes:
    return record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0206))


def workbook_stream(sheets: list[tuple[str, list[bytes]]], strings: int | None = None) -> bytes:
    """BIFF8 globals (BOF, an optional SST declaring `strings` strings, one BoundSheet8 a sheet, EOF), then each
    sheet's records between its own BOF and EOF."""
    eof = record(0x000A, b"")
    sst = record(0x00FC, struct.pack("<ii", strings, strings)) if strings is not None else b""

    def bound(position: int, name: str) -> bytes:
        return record(0x0085, struct.pack("<IBBBB", position, 0, 0, len(name), 1) + name.encode("utf-16-le"))

    head = _bof(0x0005) + sst
    globals_size = len(head) + sum(len(bound(0, name)) for name, _ in sheets) + len(eof)
    bodies = [_bof(0x0010) + b"".join(records) + eof for _, records in sheets]
    positions, at = [], globals_size
    for body in bodies:
        positions.append(at)
        at += len(body)
    listed = b"".join(bound(position, name) for position, (name, _) in zip(positions, sheets, strict=True))
    return head + listed + eof + b"".join(bodies)


def _entry(name: str, kind: int, start: int, size: int, child: int = NO_STREAM) -> bytes:
    raw = (name + "\0").encode("utf-16-le")
    return struct.pack(
        "<64sHBBIII16sIQQIQ", raw, len(raw), kind, 1, NO_STREAM, NO_STREAM, child, b"", 0, 0, 0, start, size
    )


def compound(stream: bytes, *, loop: bool = False, declared_size: int | None = None) -> bytes:
    """A version-3 compound file: sector 0 the FAT, sector 1 the directory, the Workbook stream from sector 2
    (padded to at least 4096 bytes, so it is read from the FAT, not the mini stream). `loop`: the stream's last
    sector points back to its first; `declared_size`: the length its directory entry claims."""
    stream = stream + b"\0" * max(0, 4096 - len(stream))
    stream += b"\0" * (-len(stream) % SECTOR)
    count = len(stream) // SECTOR
    assert count + 2 <= SECTOR // 4, "one FAT sector holds 128 entries"
    fat = [FAT_SECTOR, END, *range(3, count + 2), 2 if loop else END]
    fat += [FREE] * (SECTOR // 4 - len(fat))
    directory = _entry("Root Entry", 5, END, 0, child=1) + _entry("Workbook", 2, 2, declared_size or len(stream))
    directory += b"\0" * (SECTOR - len(directory))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        SIGNATURE,
        b"",
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"",
        0,  # directory sectors (0 in version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,
        4096,
        END,  # first mini FAT sector
        0,
        END,  # first DIFAT sector
        0,
    )
    header += struct.pack("<109I", 0, *([FREE] * 108))
    return header + struct.pack(f"<{SECTOR // 4}I", *fat) + directory + stream


def honest(rows: list[list[object]], sheet: str = "Đăng ký") -> bytes:
    """A one-sheet .xls of the given rows (text and numbers), with a true DIMENSIONS record."""
    cells = [
        label(r, c, value) if isinstance(value, str) else number(r, c, float(value))  # type: ignore[arg-type]
        for r, row in enumerate(rows)
        for c, value in enumerate(row)
        if value is not None
    ]
    width = max((len(row) for row in rows), default=0)
    return compound(workbook_stream([(sheet, [dimensions(0, len(rows), 0, width), *cells])]))


def mul_rk(row: int, first_col: int, values: list[int]) -> bytes:
    """MulRk (MS-XLS 2.4.175): whole numbers in consecutive cells of a row, the last column at the end."""
    cells = b"".join(struct.pack("<HI", 0, (value << 2) | 2) for value in values)
    return record(0x00BD, struct.pack("<HH", row, first_col) + cells + struct.pack("<H", first_col + len(values) - 1))


def far_cell() -> bytes:
    """Two cells, A1 and IV65536: calamine lays out the 16.7 million cells between them (1.1 GiB measured)."""
    return compound(workbook_stream([("Đăng ký", [dimensions(0, 1, 0, 1), number(0, 0, 1), number(65535, 255, 2)])]))


def far_columns() -> bytes:
    """Row 20,000 filled to column IV by one MulRk record: 5.1 million cells laid out."""
    return compound(workbook_stream([("Đăng ký", [number(0, 0, 1), mul_rk(19_999, 250, [1, 2, 3, 4, 5, 6])])]))


def lying_dimensions() -> bytes:
    """One cell under a DIMENSIONS record of 4,294,967,295 rows: calamine reserves room for them and the process
    aborts (measured: "memory allocation of 43980465100800 bytes failed", exit 134)."""
    return compound(workbook_stream([("Đăng ký", [dimensions(0, 0xFFFFFFFF, 0, 256), number(0, 0, 1)])]))


def panicking() -> bytes:
    """A workbook whose one BoundSheet8 record holds a single byte: nothing for the guard to bound, and
    calamine's Rust code panics reading the sheet's position from it (measured on python-calamine 0.9.1)."""
    return compound(_bof(0x0005) + record(0x0085, b"\x01") + record(0x000A, b""))
