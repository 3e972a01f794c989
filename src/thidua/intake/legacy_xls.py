"""Excel 97-2003 workbooks (.xls) measured before python-calamine opens them: calamine expands every sheet of an
.xls when it opens the file, so the whole workbook is bounded here first, from the same bytes, read the way
calamine reads them (calamine 0.37, inside python-calamine 0.9.1: src/cfb.rs and src/xls.rs).

An .xls is a compound file (MS-CFB: a header, a sector allocation table, a directory of streams) whose
"Workbook" stream (or "Book", Excel 5/95) holds BIFF records (MS-XLS 2.1.4: a 2-byte type, a 2-byte size, the
data). Measured on python-calamine 0.9.1 (2026-12-07), each of these small files cost more than 400 MiB, hung, or
aborted the process with a failed allocation before this module refused it: two cells at A1 and IV65536 (1.2 GB);
a DIMENSIONS record claiming 4,294,967,295 rows (abort); the book stream's directory entry named with a byte-order
mark, or typed as a storage, or its length read in 64 bits (the guard must find the stream calamine finds); a
MulRk record whose columns wrap past 65,535; ten sheets each at the limit; one long shared string repeated by
thousands of cells; a formula of thousands of space tokens (calamine inserts each at the front: quadratic). So:

- every chain calamine follows stays within the file and never loops, and every length it sizes a buffer by is
  within the file; the book stream is the directory entry calamine picks (its name decoded as calamine decodes it);
- each sheet's far corner comes from its value records as calamine places them, and from its DIMENSIONS record as
  calamine reserves room; the guard bounds each sheet and the workbook's sum (`Measure`);
- the text the cells repeat from the shared-string table, formulas' text and the work of rewriting it, and the
  merged ranges are counted; a shared-string table in more than 8,192 pieces is refused.

A record or a string that runs past its stream is damage (calamine fails there too). Pure functions of the file's
bytes; the guard (`intake.guard`) turns their findings into refusals."""

from __future__ import annotations

import array
import codecs
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN, _FREE = 0xFFFFFFFE, 0xFFFFFFFF
_MINI_SECTOR = 64
_MINI_CUTOFF = 4096  # calamine reads a stream shorter than this from the mini stream, whatever the header says
_DIRECTORY_ENTRY = 128
_HEADER_DIFAT = 109
_BOOK_STREAMS = ("Workbook", "Book")  # calamine's choice, in this order, by exact name, whatever the entry's type

# BIFF records (MS-XLS 2.3): the workbook's globals end at the first EOF; BoundSheet8 gives each sheet's name and
# where its records start in the stream.
_EOF, _BOF, _CONTINUE, _BOUND_SHEET, _SST, _DIMENSIONS = 0x000A, 0x0809, 0x003C, 0x0085, 0x00FC, 0x0200
_LABEL_SST, _FORMULA, _MUL_RK, _MERGE_CELLS = 0x00FD, 0x0006, 0x00BD, 0x00E5
# Records calamine lays out as one cell, their data starting with its row and column (2 bytes each): Number,
# Label, BoolErr, RK, LabelSst, RString, Formula (its String record takes the formula's place). Blank and MulBlank
# are not laid out (measured).
_CELL_RECORDS = frozenset({0x0203, 0x0204, 0x0205, 0x027E, _LABEL_SST, 0x00D6, _FORMULA})
_SPACE_TOKEN = (b"\x19\x40", b"\x19\x41")  # PtgAttrSpace (MS-XLS 2.5.198.38), then its type and count bytes
# Formula tokens (MS-XLS 2.5.198) calamine turns into text: a reference to another sheet or a defined name writes
# that name out (up to 255 characters); parentheses, unary signs, functions and sums rewrite the text so far.
_NAMING = bytes([0x3A, 0x5A, 0x7A, 0x3B, 0x5B, 0x7B, 0x23, 0x43, 0x63])
_REWRITING = bytes([0x12, 0x13, 0x15, 0x21, 0x41, 0x61, 0x22, 0x42, 0x62])
_NOT_NAMING = bytes(b for b in range(256) if b not in _NAMING)
_NOT_REWRITING = bytes(b for b in range(256) if b not in _REWRITING)
_LONGEST_NAME = 255
_CONTINUES = 8192  # CONTINUE records after a shared-string table: calamine takes each off the front of a list


class Damaged(ValueError):
    """The compound file or its records cannot be measured: calamine might loop or size a buffer past the file."""


@dataclass(frozen=True)
class SheetExtent:
    """A sheet as calamine would lay it out: its name, its last row and column (1-based) over every value record,
    and the rows and columns its DIMENSIONS record makes calamine reserve."""

    name: str
    last_row: int
    last_col: int
    reserved_rows: int = 0
    reserved_cols: int = 0


@dataclass
class Measure:
    """What opening the workbook costs calamine: its sheets, the characters its cells copy from the shared
    strings, its formulas' text and the characters moved rewriting it, its merged ranges (upper bounds)."""

    sheets: list[SheetExtent] = field(default_factory=list)
    shared_text: int = 0
    formula_text: int = 0
    formula_work: int = 0
    merged_ranges: int = 0


def measure(data: bytes) -> Measure:
    """The workbook stream calamine would read from an .xls (a compound file starting with its signature), measured;
    raises Damaged when the file cannot be measured as calamine would read it."""
    stream = _Compound(data).book_stream()
    return _workbook(stream) if stream is not None else Measure()


class _Compound:
    """A compound file's structure, checked at each step calamine takes on it."""

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(_SIGNATURE):
            raise Damaged("không phải tệp Excel 97-2003 hợp lệ")
        shift, mini_shift = struct.unpack_from("<HH", data, 30)
        if shift not in (9, 12) or mini_shift != 6:
            raise Damaged("phần đầu tệp khai báo kích thước khối sai")
        self.data = data
        self.size = 1 << shift
        self.sectors = -(-(len(data) - self.size) // self.size)  # a last sector cut short is read as far as it goes
        dir_sectors, fat_sectors, self.dir_start = struct.unpack_from("<III", data, 40)
        self.mini_fat_start, mini_fat_sectors, difat_start = struct.unpack_from("<III", data, 60)
        for count in (dir_sectors, fat_sectors, mini_fat_sectors):  # each sizes a buffer of calamine's
            if count > self.sectors:
                raise Damaged("phần đầu tệp khai báo nhiều khối hơn tệp có")
        self.fat = self._allocation_table(list(struct.unpack_from(f"<{_HEADER_DIFAT}I", data, 76)), difat_start)
        self.entries = self._directory()
        if not self.entries:
            raise Damaged("không đọc được danh mục của tệp")
        _name, root_start, root_length = self.entries[0]  # calamine reads the mini stream from the first entry
        self.mini = self._stream(root_start, root_length)
        self.mini_fat = array.array("I")
        if self.mini_fat_start != _END_OF_CHAIN:
            table = self._read(self._chain(self.mini_fat_start, self.fat, self.sectors))
            self.mini_fat.frombytes(table[: len(table) // 4 * 4])
            if sys.byteorder != "little":
                self.mini_fat.byteswap()

    def _sector(self, number: int) -> bytes:
        start = (number + 1) * self.size
        return self.data[start : start + self.size].ljust(self.size, b"\0")

    def _read(self, chain: list[int]) -> bytes:
        return b"".join(self._sector(number) for number in chain)

    def _allocation_table(self, difat: list[int], next_sector: int) -> array.array[int]:
        """The FAT, from the header's 109 DIFAT entries and the DIFAT sectors' chain (each sector's last entry
        points to the next)."""
        seen: set[int] = set()
        per_sector = self.size // 4
        while next_sector not in (_FREE, _END_OF_CHAIN):
            if next_sector >= self.sectors or next_sector in seen:
                raise Damaged("bảng cấp phát của tệp bị hỏng")
            seen.add(next_sector)
            entries = struct.unpack(f"<{per_sector}I", self._sector(next_sector))
            difat.extend(entries[:-1])
            next_sector = entries[-1]
        fat = array.array("I")  # 4 bytes an entry: a 50 MB file's table as a list of ints would take 500 MB
        for number in difat:
            if number == _FREE:
                continue
            if number >= self.sectors:
                raise Damaged("bảng cấp phát của tệp trỏ ra ngoài tệp")
            fat.frombytes(self._sector(number))
        if sys.byteorder != "little":
            fat.byteswap()
        return fat

    def _chain(self, start: int, table: array.array[int], count: int) -> list[int]:
        """A chain of sectors (or mini sectors) from `start` to its end, each within the `count` there are and
        none twice: calamine follows a chain until ENDOFCHAIN, so a loop would grow its buffer without end."""
        chain: list[int] = []
        seen: set[int] = set()
        number = start
        while number != _END_OF_CHAIN:
            if number >= count or number in seen or number >= len(table):
                raise Damaged("chuỗi khối dữ liệu trong tệp bị hỏng")
            seen.add(number)
            chain.append(number)
            number = table[number]
        return chain

    def _directory(self) -> list[tuple[str, int, int]]:
        """(name, first sector, length) of every directory entry, as calamine reads them: the name decoded with a
        byte-order mark obeyed and dropped, cut at its first NUL; the length in 64 bits when sectors are 4096
        bytes, else 32."""
        raw = self._read(self._chain(self.dir_start, self.fat, self.sectors))
        entries = []
        for at in range(0, len(raw) - _DIRECTORY_ENTRY + 1, _DIRECTORY_ENTRY):
            name = _entry_name(raw[at : at + 64])
            start = struct.unpack_from("<I", raw, at + 116)[0]
            length = struct.unpack_from("<Q" if self.size == 4096 else "<I", raw, at + 120)[0]
            entries.append((name, start, length))
        return entries

    def _stream(self, start: int, length: int) -> bytes:
        if length > len(self.data):  # calamine sizes the stream's buffer by the length the entry declares
            raise Damaged("danh mục của tệp khai báo một phần dài hơn cả tệp")
        return self._read(self._chain(start, self.fat, self.sectors))[:length]

    def book_stream(self) -> bytes | None:
        """The stream calamine reads as the workbook (None: it finds none and fails)."""
        for wanted in _BOOK_STREAMS:
            for name, start, length in self.entries:
                if name != wanted:
                    continue
                if length > len(self.data):
                    raise Damaged("danh mục của tệp khai báo một phần dài hơn cả tệp")
                if length >= _MINI_CUTOFF:
                    return self._stream(start, length)
                chain = self._chain(start, self.mini_fat, -(-len(self.mini) // _MINI_SECTOR))
                mini = b"".join(self.mini[n * _MINI_SECTOR : (n + 1) * _MINI_SECTOR] for n in chain)
                return mini[:length]
        return None


def _entry_name(raw: bytes) -> str:
    """A directory entry's 64 name bytes as encoding_rs decodes them for calamine: a UTF-8, UTF-16LE or UTF-16BE
    byte-order mark chooses the encoding and is dropped, UTF-16LE otherwise; cut at the first NUL."""
    for mark, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if raw.startswith(mark):
            return raw[len(mark) :].decode(encoding, "replace").split("\0", 1)[0]
    return raw.decode("utf-16-le", "replace").split("\0", 1)[0]


def _records(stream: bytes, start: int) -> Iterator[tuple[int, int, int]]:
    """(type, data start, data end) of the records from `start` to the first EOF, as calamine's RecordIter takes
    them; a record running past the stream is damage (calamine fails there)."""
    pos = start
    while pos < len(stream):
        if pos + 4 > len(stream):
            raise Damaged("bản ghi cuối của tệp bị cắt cụt")
        kind, size = struct.unpack_from("<HH", stream, pos)
        if pos + 4 + size > len(stream):
            raise Damaged("một bản ghi của tệp dài quá phần dữ liệu chứa nó")
        yield kind, pos + 4, pos + 4 + size
        pos += 4 + size
        if kind == _EOF:
            return


def _workbook(stream: bytes) -> Measure:
    bound: list[tuple[int, str]] = []
    strings: list[int] = []
    wide_names = True
    for kind, start, end in _records(stream, 0):
        data = stream[start:end]
        if kind == _BOF and len(data) >= 2:
            wide_names = struct.unpack_from("<H", data)[0] in (0x0600, 0)  # BIFF8 names may be UTF-16
        elif kind == _BOUND_SHEET and len(data) >= 8:
            bound.append((struct.unpack_from("<I", data)[0], _sheet_name(data, wide_names)))
        elif kind == _SST and len(data) >= 8:
            strings = _string_lengths(stream, start, end)
    if any(start > len(stream) for start, _name in bound):  # calamine would slice past the stream and panic
        raise Damaged("danh sách trang tính trỏ ra ngoài dữ liệu của tệp")
    found = Measure()
    bytes_left = len(stream)  # the sheets' records of an honest workbook lie apart: calamine reads each byte once
    for start, name in bound:
        extent, bytes_left = _sheet(stream, start, name, strings, found, bytes_left)
        found.sheets.append(extent)
    return found


def _sheet_name(data: bytes, wide: bool) -> str:
    """BoundSheet8's name (a ShortXLUnicodeString after 6 bytes), for messages only."""
    count = data[6]
    if wide and len(data) > 7:
        raw = data[8 : 8 + count * (2 if data[7] & 1 else 1)]
        return raw.decode("utf-16-le" if data[7] & 1 else "latin-1", "replace")
    return data[7 : 7 + count].decode("cp1252", "replace")


def _sheet(
    stream: bytes, start: int, name: str, strings: list[int], found: Measure, bytes_left: int
) -> tuple[SheetExtent, int]:
    last_row = last_col = reserved_rows = reserved_cols = 0
    for kind, begin, end in _records(stream, start):
        bytes_left -= end - begin + 4
        if bytes_left < 0:
            raise Damaged("các trang tính của tệp trỏ chồng lên nhau")
        size = end - begin
        if kind in _CELL_RECORDS and size >= 4:
            row, col = struct.unpack_from("<HH", stream, begin)
            last_row, last_col = max(last_row, row + 1), max(last_col, col + 1)
            if kind == _LABEL_SST and size >= 10:
                index = struct.unpack_from("<I", stream, begin + 6)[0]
                found.shared_text += strings[index] if index < len(strings) else 0
            elif kind == _FORMULA and size > 20:
                text, work = _formula_cost(stream[begin + 20 : end])
                found.formula_text += text
                found.formula_work += work
        elif kind == _MUL_RK and size >= 6:
            # calamine checks the record's length against its columns in 16 bits, then places one cell per
            # 6 bytes from the first column on, in 32 bits: the last column follows from the length.
            row, first = struct.unpack_from("<HH", stream, begin)
            last_row, last_col = max(last_row, row + 1), max(last_col, first + (size - 6) // 6)
        elif kind == _MERGE_CELLS and size >= 2:
            found.merged_ranges += struct.unpack_from("<H", stream, begin)[0]
        elif kind == _DIMENSIONS and size in (10, 14):
            rows, cols = _reserved(stream[begin:end])
            reserved_rows, reserved_cols = max(reserved_rows, rows), max(reserved_cols, cols)
    return SheetExtent(name, last_row, last_col, reserved_rows, reserved_cols), bytes_left


def _formula_cost(tokens: bytes) -> tuple[int, int]:
    """Upper bounds of the text calamine makes of a formula (8 characters a token byte, a whole name for each byte
    that may start a reference to a sheet or a name) and of the characters it moves making it: each space of a
    space token and each rewriting token moves the whole text (one formula of 2,000 space tokens: 1.5 s; 16 MB of
    parentheses around sheet names: 24 s, 670 MB; 2026-12-07). Bytes of other tokens' data counted as tokens only
    make the bounds larger."""
    text = len(tokens) * 8 + len(tokens.translate(None, _NOT_NAMING)) * _LONGEST_NAME
    moves = len(tokens.translate(None, _NOT_REWRITING))
    for mark in _SPACE_TOKEN:
        at = tokens.find(mark)
        while at != -1:
            moves += tokens[at + 3] if at + 3 < len(tokens) else 0
            at = tokens.find(mark, at + 1)
    return text, moves * text


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


def _string_lengths(stream: bytes, start: int, end: int) -> list[int]:
    """The character count of each string of the shared-string table (SST and its CONTINUE records), walked as
    calamine reads XLUnicodeRichExtendedString: characters may go on into the next CONTINUE record, which then
    starts with its own flags byte; formatting runs and phonetic data are skipped. A table that runs short of what
    it declares is damage; so is one declaring more strings than its bytes can hold (3 bytes the smallest)."""
    parts = [stream[start:end]]
    for kind, begin, stop in _records(stream, end):
        if kind != _CONTINUE:
            break
        parts.append(stream[begin:stop])
        if len(parts) > _CONTINUES:  # quadratic for calamine (1,000,000 empty ones: 112 s)
            raise Damaged("bảng chuỗi của tệp bị chia thành quá nhiều phần")
    total = sum(map(len, parts))
    declared = struct.unpack_from("<i", parts[0], 4)[0]
    if declared < 0 or declared * 3 > total:
        raise Damaged("bảng chuỗi của tệp khai báo nhiều chuỗi hơn tệp chứa")
    reader = _Continued(parts, 8)
    lengths = []
    for _ in range(declared):
        count, flags = reader.unpack("<HB")
        runs = reader.unpack("<H")[0] if flags & 0x8 else 0
        extra = reader.unpack("<i")[0] if flags & 0x4 else 0
        left, wide = count, bool(flags & 0x1)
        while True:
            taken = reader.chars(left, wide)
            left -= taken
            if not left:
                break
            wide = bool(reader.next_part()[0] & 0x1)  # a string going on in the next record: its flags first
        reader.skip(runs * 4 + max(extra, 0))
        lengths.append(count)
    return lengths


class _Continued:
    """Bytes of a record and its CONTINUE records, read across their boundaries where calamine reads across."""

    def __init__(self, parts: list[bytes], at: int) -> None:
        self.parts, self.index, self.at = parts, 0, at

    def _ensure(self, size: int) -> bytes:
        part = self.parts[self.index]
        if self.at + size > len(part):
            raise Damaged("bảng chuỗi của tệp bị cắt cụt")
        return part

    def unpack(self, layout: str) -> tuple[int, ...]:
        if self.at == len(self.parts[self.index]):
            self.next_part(flags=False)
        size = struct.calcsize(layout)
        values = struct.unpack_from(layout, self._ensure(size), self.at)
        self.at += size
        return values

    def next_part(self, flags: bool = True) -> bytes:
        self.index += 1
        if self.index >= len(self.parts):
            raise Damaged("bảng chuỗi của tệp bị cắt cụt")
        self.at = 0
        part = self.parts[self.index]
        if flags:
            if not part:
                raise Damaged("bảng chuỗi của tệp bị cắt cụt")
            self.at = 1
        return part

    def chars(self, count: int, wide: bool) -> int:
        """Take up to `count` characters from the current record; how many were there."""
        width = 2 if wide else 1
        available = (len(self.parts[self.index]) - self.at) // width
        taken = min(count, available)
        self.at += taken * width
        return taken

    def skip(self, size: int) -> None:
        while size:
            part = self.parts[self.index]
            if self.at == len(part):
                self.next_part(flags=False)
                continue
            step = min(size, len(part) - self.at)
            self.at += step
            size -= step
