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


def workbook_stream(
    sheets: list[tuple[str, list[bytes]]], strings: int | None = None, shared: bytes = b"", same_start: bool = False
) -> bytes:
    """BIFF8 globals (BOF, an optional SST declaring `strings` strings or the records `shared` of
    `shared_strings`, one BoundSheet8 a sheet, EOF), then each sheet's records between its own BOF and EOF;
    `same_start`: every BoundSheet8 points at the first sheet's records."""
    eof = record(0x000A, b"")
    sst = shared or (record(0x00FC, struct.pack("<ii", strings, strings)) if strings is not None else b"")

    def bound(position: int, name: str) -> bytes:
        return record(0x0085, struct.pack("<IBBBB", position, 0, 0, len(name), 1) + name.encode("utf-16-le"))

    head = _bof(0x0005) + sst
    globals_size = len(head) + sum(len(bound(0, name)) for name, _ in sheets) + len(eof)
    bodies = [_bof(0x0010) + b"".join(records) + eof for _, records in sheets]
    positions, at = [], globals_size
    for body in bodies:
        positions.append(at)
        at += len(body)
    if same_start:
        positions = [positions[0]] * len(positions)
    listed = b"".join(bound(position, name) for position, (name, _) in zip(positions, sheets, strict=True))
    return head + listed + eof + b"".join(bodies)


def _entry(name: str, kind: int, start: int, size: int, child: int = NO_STREAM, raw: bytes | None = None) -> bytes:
    encoded = raw if raw is not None else (name + "\0").encode("utf-16-le")
    return struct.pack(
        "<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, NO_STREAM, NO_STREAM, child, b"", 0, 0, 0, start, size
    )


def compound(
    stream: bytes,
    *,
    loop: bool = False,
    declared_size: int | None = None,
    entries: list[tuple[str, int, bytes | None, int]] | None = None,
    second: bytes = b"",
    shift: int = 9,
    cut: int = 0,
) -> bytes:
    """A version-3 compound file: sector 0 the FAT, sector 1 the directory, the Workbook stream from sector 2
    (padded to at least 4096 bytes, so it is read from the FAT, not the mini stream), then `second` if given.
    `loop`: the first stream's last sector points back to its first; `declared_size`: the length the entries claim;
    `entries`: the directory entries after the root, as (name, type, raw name bytes or None, 0 for the stream or 1
    for `second`), the default one stream named Workbook; `shift`: 12 for 4096-byte sectors; `cut`: bytes left off
    the file's end."""
    size = 1 << shift
    streams = [stream, *([second] if second else [])]
    padded = []
    for body in streams:
        body = body + b"\0" * max(0, 4096 - len(body))
        padded.append(body + b"\0" * (-len(body) % size))
    fat, starts = [FAT_SECTOR, END], []
    for body in padded:
        starts.append(len(fat))
        fat += [*range(len(fat) + 1, len(fat) + len(body) // size), END]
    if loop:
        fat[starts[0] + len(padded[0]) // size - 1] = starts[0]
    assert len(fat) <= size // 4, "one FAT sector maps the whole file"
    fat += [FREE] * (size // 4 - len(fat))
    listed = entries or [("Workbook", 2, None, 0)]
    directory = _entry("Root Entry", 5, END, 0, child=1) + b"".join(
        _entry(name, kind, starts[which], declared_size or len(padded[which]), raw=raw)
        for name, kind, raw, which in listed
    )
    assert len(directory) <= size, "one directory sector"
    directory += b"\0" * (size - len(directory))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        SIGNATURE,
        b"",
        0x3E,
        3,
        0xFFFE,
        shift,
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
    header += b"\0" * (size - len(header))
    data = header + struct.pack(f"<{size // 4}I", *fat) + directory + b"".join(padded)
    return data[: len(data) - cut]


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


def shared_strings(texts: list[str], part: int = 8000) -> bytes:
    """An SST record and its CONTINUE records holding `texts` (UTF-16, no formatting runs), its data cut every
    `part` bytes; a string cut there goes on in the next record after a flags byte (MS-XLS 2.4.265, 2.5.293)."""
    body = struct.pack("<ii", len(texts), len(texts))
    pieces: list[bytes] = []
    for text in texts:
        encoded = text.encode("utf-16-le")
        head = struct.pack("<HB", len(text), 1)
        if len(body) + len(head) > part:
            pieces.append(body)
            body = b""
        body += head
        while len(body) + len(encoded) > part:
            room = (part - len(body)) // 2 * 2
            body += encoded[:room]
            encoded = encoded[room:]
            pieces.append(body)
            body = b"\x01"  # the next record's flags: still UTF-16
        body += encoded
    pieces.append(body)
    return record(0x00FC, pieces[0]) + b"".join(record(0x003C, piece) for piece in pieces[1:])


def label_sst(row: int, col: int, index: int) -> bytes:
    return record(0x00FD, struct.pack("<HHHI", row, col, 0, index))


def spaced_formula(row: int, col: int, tokens: int, spaces: int = 255) -> bytes:
    """A Formula record: the number 7, then `tokens` PtgAttrSpace tokens of `spaces` spaces each (calamine puts
    each space at the front of the formula's text, one at a time)."""
    expression = struct.pack("<BH", 0x1E, 7) + struct.pack("<BBBB", 0x19, 0x40, 0x00, spaces) * tokens
    head = struct.pack("<HHH8sHI", row, col, 0, struct.pack("<d", 7.0), 0, 0)
    return record(0x0006, head + struct.pack("<H", len(expression)) + expression)
