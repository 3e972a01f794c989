"""Excel 97-2003 workbooks (.xls) measured before python-calamine opens them: calamine expands every sheet of an
.xls when it opens the file, so its sheets are bounded here first, from the same bytes it reads.

An .xls is a compound file (MS-CFB: a header, a sector allocation table, a directory of streams) whose
"Workbook" stream (or "Book", Excel 5/95) holds BIFF records (MS-XLS 2.1.4: a 2-byte type, a 2-byte size, the
data). calamine (src/cfb.rs, src/xls.rs) follows each sector chain to its end, sizes its buffers by the lengths
the header and the directory declare, reserves a sheet's cells by its DIMENSIONS record and then lays every
sheet out as a dense range from its first to its last cell. Measured on python-calamine 0.9.1 (2026-12-07): a
5.6 KB .xls holding two cells, A1 and IV65536, took 1.0 GiB to open. So, before calamine sees the bytes:

- every chain it would follow (the DIFAT, the directory, the root's mini stream, the mini allocation table, the
  workbook stream) must stay within the file and never loop, and every length it sizes a buffer by must be
  within the file: a file that breaks either is damaged, refused;
- each sheet's far corner, from its cell records (any record that places a value, a formula or a blank cell,
  more than calamine keeps) and from its DIMENSIONS record as calamine computes the reservation, is returned
  to the guard, which bounds it like any sheet's;
- the shared-string count, by which calamine sizes that table, must fit the bytes that hold the strings.

Pure functions of the file's bytes; the guard (`intake.guard`) turns their findings into refusals."""

from __future__ import annotations

import struct
from dataclasses import dataclass

_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN, _FREE = 0xFFFFFFFE, 0xFFFFFFFF
_MINI_SECTOR = 64
_MINI_CUTOFF = 4096  # calamine reads a stream shorter than this from the mini stream, whatever the header says
_DIRECTORY_ENTRY = 128
_HEADER_DIFAT = 109
_STREAM, _ROOT = 2, 5
_BOOK_STREAMS = ("workbook", "book")

# BIFF records (MS-XLS 2.3): the workbook's globals end at the first EOF; BoundSheet8 gives each sheet's name and
# where its records start in the stream.
_EOF, _BOF, _CONTINUE, _BOUND_SHEET, _SST, _DIMENSIONS = 0x000A, 0x0809, 0x003C, 0x0085, 0x00FC, 0x0200
# Records whose data starts with the cell's row and column (2 bytes each): Blank, Number, Label, BoolErr, RK,
# LabelSst, RString, Formula; MulRk and MulBlank end with their last column.
_CELL_RECORDS = frozenset({0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6, 0x0006})
_MULTIPLE_CELLS = frozenset({0x00BD, 0x00BE})
_SMALLEST_STRING = 3  # an XLUnicodeRichExtendedString's character count and flags, before any character


class Damaged(ValueError):
    """The compound file or its records cannot be measured: calamine might loop or size a buffer past the file."""


@dataclass(frozen=True)
class SheetExtent:
    """A sheet as calamine would lay it out: its name, its last row and column (1-based) over every cell record,
    and the rows and columns its DIMENSIONS record makes calamine reserve."""

    name: str
    last_row: int
    last_col: int
    reserved_rows: int = 0
    reserved_cols: int = 0


def measure(data: bytes) -> list[SheetExtent]:
    """Each sheet of every workbook stream of an .xls (a compound file starting with its signature); raises
    Damaged when the file cannot be measured as calamine would read it."""
    compound = _Compound(data)
    return [extent for stream in compound.book_streams() for extent in _sheets(stream)]


class _Compound:
    """A compound file's structure, checked at each step calamine would take on it."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(_SIGNATURE):
            raise Damaged("không phải tệp Excel 97-2003 hợp lệ")
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise Damaged("phần đầu tệp khai báo kích thước khối sai")
        self.data = data
        self.size = 1 << shift
        self.sectors = (len(data) - self.size) // self.size  # whole sectors after the header
        self.wide = struct.unpack_from("<H", data, 26)[0] == 4  # version 4: 64-bit stream sizes
        dir_sectors, fat_sectors, self.dir_start = struct.unpack_from("<III", data, 40)
        self.mini_fat_start, mini_fat_sectors, difat_start = struct.unpack_from("<III", data, 60)
        for count in (dir_sectors, fat_sectors, mini_fat_sectors):  # each sizes a buffer of calamine's
            if count > self.sectors:
                raise Damaged("phần đầu tệp khai báo nhiều khối hơn tệp có")
        self.fat = self._allocation_table(list(struct.unpack_from(f"<{_HEADER_DIFAT}I", data, 76)), difat_start)
        self.entries = self._directory()
        root = self.entries[0] if self.entries else None
        if root is None or root[1] != _ROOT:
            raise Damaged("không đọc được danh mục của tệp")
        self.mini = self._stream(root[2], root[3])  # the mini stream lives in the root entry's chain
        self.mini_fat: list[int] = []
        if self.mini_fat_start != _END_OF_CHAIN:
            table = self._chain(self.mini_fat_start, self.fat, self.sectors)
            self.mini_fat = list(struct.unpack(f"<{len(table) * self.size // 4}I", self._read(table)))

    def _sector(self, number: int) -> bytes:
        start = (number + 1) * self.size
        return self.data[start : start + self.size]

    def _read(self, chain: list[int]) -> bytes:
        return b"".join(self._sector(number) for number in chain)

    def _allocation_table(self, difat: list[int], next_sector: int) -> list[int]:
        """The FAT, from the header's 109 DIFAT entries and the DIFAT sectors' chain (each sector's last entry
        points to the next)."""
        seen: set[int] = set()
        per_sector = self.size // 4
        while next_sector not in (_FREE, _END_OF_CHAIN):
            if next_sector >= self.sectors or next_sector in seen:
                raise Damaged("bảng cấp phát của tệp bị hỏng (trỏ vòng hoặc ra ngoài tệp)")
            seen.add(next_sector)
            entries = struct.unpack(f"<{per_sector}I", self._sector(next_sector))
            difat.extend(entries[:-1])
            next_sector = entries[-1]
        fat: list[int] = []
        for number in difat:
            if number == _FREE:
                continue
            if number >= self.sectors:
                raise Damaged("bảng cấp phát của tệp trỏ ra ngoài tệp")
            fat.extend(struct.unpack(f"<{per_sector}I", self._sector(number)))
        return fat

    def _chain(self, start: int, table: list[int], count: int) -> list[int]:
        """A chain of sectors (or mini sectors) from `start` to its end, each within the `count` there are and
        none twice: calamine follows a chain until ENDOFCHAIN, so a loop would grow its buffer without end."""
        chain: list[int] = []
        seen: set[int] = set()
        number = start
        while number != _END_OF_CHAIN:
            if number >= count or number in seen or number >= len(table):
                raise Damaged("chuỗi khối dữ liệu trong tệp bị hỏng (trỏ vòng hoặc ra ngoài tệp)")
            seen.add(number)
            chain.append(number)
            number = table[number]
        return chain

    def _directory(self) -> list[tuple[str, int, int, int]]:
        """(name, type, first sector, length) of every directory entry, lengths within the file."""
        raw = self._read(self._chain(self.dir_start, self.fat, self.sectors))
        entries = []
        for at in range(0, len(raw) - _DIRECTORY_ENTRY + 1, _DIRECTORY_ENTRY):
            name = raw[at : at + 64].decode("utf-16-le", "replace").split("\0", 1)[0]
            kind = raw[at + 66]
            start = struct.unpack_from("<I", raw, at + 116)[0]
            length = struct.unpack_from("<Q" if self.wide else "<I", raw, at + 120)[0]
            if kind in (_STREAM, _ROOT) and length > len(self.data):
                raise Damaged("danh mục của tệp khai báo một phần dài hơn cả tệp")
            entries.append((name, kind, start, length))
        return entries

    def _stream(self, start: int, length: int) -> bytes:
        return self._read(self._chain(start, self.fat, self.sectors))[:length]

    def book_streams(self) -> list[bytes]:
        """Every stream named Workbook or Book, in any case (calamine takes the first named exactly so)."""
        found = []
        for name, kind, start, length in self.entries:
            if kind != _STREAM or name.casefold() not in _BOOK_STREAMS:
                continue
            if length >= _MINI_CUTOFF:
                found.append(self._stream(start, length))
                continue
            chain = self._chain(start, self.mini_fat, len(self.mini) // _MINI_SECTOR)
            found.append(b"".join(self.mini[n * _MINI_SECTOR : (n + 1) * _MINI_SECTOR] for n in chain)[:length])
        return found


def _records(stream: bytes, start: int) -> list[tuple[int, int, int]]:
    """(type, data start, data end) of the records from `start` to the first EOF, as calamine's RecordIter
    takes them: a record running past the stream ends the list (calamine fails there)."""
    found = []
    pos = start
    while pos + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, pos)
        if pos + 4 + size > len(stream):
            break
        found.append((kind, pos + 4, pos + 4 + size))
        pos += 4 + size
        if kind == _EOF:
            break
    return found


def _sheets(stream: bytes) -> list[SheetExtent]:
    bound: list[tuple[int, str]] = []
    strings_bytes, declared_strings = 0, 0
    wide_names = True
    for kind, start, end in _records(stream, 0):
        data = stream[start:end]
        if kind == _BOF and len(data) >= 2:
            wide_names = struct.unpack_from("<H", data)[0] in (0x0600, 0)  # BIFF8 names may be UTF-16
        elif kind == _BOUND_SHEET and len(data) >= 8:
            bound.append((struct.unpack_from("<I", data)[0], _sheet_name(data, wide_names)))
        elif kind == _SST and len(data) >= 8:
            declared_strings = max(declared_strings, struct.unpack_from("<i", data, 4)[0])
            strings_bytes = len(stream) - start
    if declared_strings * _SMALLEST_STRING > strings_bytes:
        raise Damaged("bảng chuỗi của tệp khai báo nhiều chuỗi hơn tệp chứa")
    if any(start > len(stream) for start, _name in bound):  # calamine would slice past the stream and panic
        raise Damaged("danh sách trang tính trỏ ra ngoài dữ liệu của tệp")
    return [_extent(stream, start, name) for start, name in bound]


def _sheet_name(data: bytes, wide: bool) -> str:
    """BoundSheet8's name (a ShortXLUnicodeString after 6 bytes), for messages only."""
    count = data[6]
    if wide and len(data) > 7:
        raw = data[8 : 8 + count * (2 if data[7] & 1 else 1)]
        return raw.decode("utf-16-le" if data[7] & 1 else "latin-1", "replace")
    return data[7 : 7 + count].decode("cp1252", "replace")


def _extent(stream: bytes, start: int, name: str) -> SheetExtent:
    last_row = last_col = reserved_rows = reserved_cols = 0
    for kind, begin, end in _records(stream, start):
        size = end - begin
        if kind in _CELL_RECORDS and size >= 4:
            row, col = struct.unpack_from("<HH", stream, begin)
            last_row, last_col = max(last_row, row + 1), max(last_col, col + 1)
        elif kind in _MULTIPLE_CELLS and size >= 6:
            row = struct.unpack_from("<H", stream, begin)[0]
            col = struct.unpack_from("<H", stream, end - 2)[0]
            last_row, last_col = max(last_row, row + 1), max(last_col, col + 1)
        elif kind == _DIMENSIONS and size in (10, 14):
            rows, cols = _reserved(stream[begin:end])
            reserved_rows, reserved_cols = max(reserved_rows, rows), max(reserved_cols, cols)
    return SheetExtent(name, last_row, last_col, reserved_rows, reserved_cols)


def _reserved(data: bytes) -> tuple[int, int]:
    """The rows and columns calamine reserves room for by a DIMENSIONS record: its last row and column are one
    past the used area, and the subtraction wraps in 32 bits as calamine's does."""
    if len(data) == 14:
        first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", data)
    else:
        first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", data)
    if last_row < 1 or last_col < 1:
        return 1, 1
    mask = 0xFFFFFFFF  # (last - 1) - first + 1, in calamine's unsigned 32-bit arithmetic
    return (last_row - first_row) & mask, (last_col - first_col) & mask
