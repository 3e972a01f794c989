"""Untrusted files, checked before any parser sees them: size, what the bytes really are (a renamed CSV or
web page, an encrypted workbook), the zip archive's declared sizes and compression ratios (a zip bomb is
refused from its central directory, without inflating it), XML DOCTYPE/ENTITY declarations, macros, formulas
without a computed value, hidden rows and over-long sheets. Guarding reads; it never writes or executes.

The archive's central directory is read with the standard library's zipfile; its members are inflated with zlib
straight from the file's bytes (`_Package`), with the checks zipfile makes of each member and never past their
declared sizes (themselves within the limits). A reader of our own was dropped once for saving only 0.2 ms of the
2 ms that a file took; with the rest of the guard made faster it is a third of the saving. Guarding one
registration file of the benchmark workspace (1,000 files of 20 staff, in one process, best of 5 to 7 rounds,
2026-12-07, Python 3.11, two shared cores): 1.31 ms before, 0.82 ms now; of it, inflating and checking the 14
parts 0.31 → 0.16 ms, bounding the data sheet 0.56 → 0.32 ms; parsing the workbook and its relationships stays
with defusedxml (0.09 ms; expat driven by hand saved 0.04 ms and was not kept, see `excel.ooxml._parse`).
python-calamine then reads the two sheets thidua needs in about 0.5 ms, and reading, hashing, guarding and
parsing a file (`intake.read.load_submission`) went from 1.93 to about 1.45 ms."""

from __future__ import annotations

import bisect
import collections
import functools
import io
import itertools
import math
import operator
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from thidua.errors import not_a_table, settings_problems
from thidua.excel.ooxml import map_sheets, office_document, relationships_part, worksheet_targets, xml_unescape
from thidua.intake import legacy_xls

MB = 1 << 20
LIMIT_CEILING = 10_000_000  # no limit of [limits] is sensibly larger (and inf or nan never)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_PROLOG = 4096  # a DOCTYPE can only stand before the root element
_SPACE = re.compile(rb"[ \t\r\n\xef\xbb\xbf]*")
_CLOSING = {b"<?": b"?>", b"<!--": b"-->"}
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_TAG_BOUND = re.compile(rb"[<>]")  # where a tag ends at the latest: its ">", or the next tag's "<"
_CELL_OPENING = re.compile(rb"[<:]c ")  # a cell's opening tag, prefixed or not (its "<" or its prefix's ":")
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")  # a computed value, not an empty <v></v>
_REF = re.compile(rb'\br="([A-Z]+\d+)"')
# The far corner of a sheet, as the parser reaches it. python-calamine matches elements by their local name (any
# namespace prefix) and takes a cell's or a row's position from its attribute `r` (either quote, spaces around
# "="); a cell without `r` follows the previous one in its row, a row without `r` follows the previous row. Two
# readings of the same bytes, one result:
# - the exact one parses every row and cell tag by the XML attribute grammar (a quoted value may hold ">", "/>"
#   or " r=", and is skipped whole): about 0.7 ms for a template's data sheet, 0.33 s for a 20,000-person roster;
# - the usual one, for sheets whose tags are all written the way spreadsheet programs write them (no prefixes, `r`
#   first, double quotes, one space between attributes, no "<" in a value), in one pass: 0.3 ms and 0.12 s. It is
#   taken only when every row and cell tag of the sheet matched its canonical pattern, so both readings agree
#   wherever it is taken.
_PREFIX = rb"(?:[^\s<>/:=\"']++:)?"
_ATTRIBUTE = rb"""[^\s=/>]++\s*+=\s*+(?:"[^"]*+"|'[^']*+')"""
_ANY_CELL = re.compile(
    rb"<" + _PREFIX + rb"""c(?=[\s/>])(?:\s++(?:r\s*+=\s*+["']([A-Za-z]++\d++)["']|""" + _ATTRIBUTE + rb"))*+\s*+(/?)>"
)
_ANY_ROW = re.compile(
    rb"<" + _PREFIX + rb"""row(?=[\s/>])(?:\s++(?:r\s*+=\s*+["'](\d++)["']|""" + _ATTRIBUTE + rb"))*+\s*+/?>"
)
_ANY_TAG = re.compile(rb"<" + _PREFIX + rb"(?:c|row)[\s/>]")
_PREFIXED = rb"[^\s<>/:=\"'!?]++:"  # a namespace prefix, as any tag may carry one
_CANONICAL_NAME = rb"(?!r=)[A-Za-z_][\w:.-]*+"
_CANONICAL_ATTRIBUTES = rb"(?: " + _CANONICAL_NAME + rb'="[^"<]*+")*+'
# One pass over a sheet: each canonical row (its number), empty cell, filled cell (its column and row), and, in
# the last group, what makes the usual reading unsafe (a row or cell tag written otherwise, a prefixed tag) or a
# formula tag. An attribute value holds no "<", so every "<" of the sheet either opens one of these matches or was
# tried by the last alternative: a match that is not in this list is a tag that cannot be.
_CANONICAL_TAG = re.compile(
    rb'<row r="(\d++)"' + _CANONICAL_ATTRIBUTES + rb"/?>"
    rb'|<c r="[A-Z]++\d++"' + _CANONICAL_ATTRIBUTES + rb"/>"
    rb'|<c r="([A-Z]++)(\d++)"' + _CANONICAL_ATTRIBUTES + rb">"
    rb"|<((?:c|row)[\s/>]|" + _PREFIXED + rb"|f[\s>/])"
)
_MATCH_COLUMNS = tuple(operator.itemgetter(group) for group in range(4))  # the groups of _CANONICAL_TAG's matches
_REFERENCE_PARTS = re.compile(rb"([A-Za-z]+)(\d+)")
CELLS_PER_ROW = 64  # a sheet may span max_rows × 64 cells (a template has 15 columns): 3.2 million by default


def column_number(letters: bytes) -> int:
    """b"A" → 1, b"XFD" → 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


_DATE1904 = re.compile(rb"<(?:\w+:)?workbookPr\b[^<>]*\bdate1904=\"(?:1|true)\"")  # within its tag: linear
# OpenDocument (ODF 1.2 Part 1, 9.1: table:table, table:table-row, table:table-cell with their repeat counts).
_ODS_TAG = re.compile(
    rb"<table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])((?:[^<>\"'/]|/(?!>)|\"[^\"<]*\"|'[^'<]*')*+)(/?)>"
    rb"|</table:(table|table-row)>"
)
# Counts as the parser reads a number: a "+" and any zeros before the digits (more digits than 12: far too many).
_ODS_ROWS_REPEATED = re.compile(rb"""\btable:number-rows-repeated\s*=\s*["']\+?0*(\d{1,12})(\d*)["']""")
_ODS_COLUMNS_REPEATED = re.compile(rb"""\btable:number-columns-repeated\s*=\s*["']\+?0*(\d{1,12})(\d*)["']""")
_ODS_SPACES = re.compile(rb"""\btext:c\s*=\s*["']\+?0*(\d{1,12})(\d*)["']""")
_ODS_NAME = re.compile(rb"""\btable:name\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROW_OPENING = re.compile(rb"<(?:\w+:)?row\b")
_HIDDEN = re.compile(rb"""\bhidden\s*=\s*["'](?:1|true)["']""")
_ROW_NUMBER = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")


@dataclass(frozen=True)
class Limits:
    """Resource bounds, configurable in the [limits] table of thidua.toml."""

    max_file_mb: float = 50
    max_inflated_mb: float = 512
    max_ratio: float = 100
    max_rows: int = 50_000

    @classmethod
    def from_table(cls, table: Mapping[str, Any], say: Callable[[str], None]) -> Limits:
        """The [limits] table of thidua.toml: each value that makes no sense is told to `say` (naming its key) and
        keeps its default, so that every mistake of the file can be reported at once."""
        values: dict[str, Any] = {}
        for name, default in cls().__dict__.items():
            raw = table.get(name, default)
            whole = name == "max_rows"  # rows are counted; sizes and ratios may have decimals
            usable = (
                not isinstance(raw, bool)
                and isinstance(raw, int | float)
                and math.isfinite(raw)  # inf and nan are numbers to TOML, not limits
                and 0 < raw <= LIMIT_CEILING
                and (not whole or float(raw).is_integer())
            )
            if not usable:
                kind = "một số nguyên dương" if whole else "một số dương"
                say(
                    f"Mục [limits] {name} trong thidua.toml phải là {kind} không quá {LIMIT_CEILING:,} "
                    f"(đang là {raw!r}; mặc định {default}). Hãy sửa rồi chạy lại."
                )
                continue
            values[name] = int(raw) if whole else float(raw)
        return cls(**values)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Limits:
        """The limits of a whole settings dict (thidua.toml as loaded); a workspace has them checked already, as
        `Workspace.config.limits`."""
        table = settings.get("limits", {})
        if not isinstance(table, dict):
            raise not_a_table("limits", "[limits] rồi max_rows = 50000")
        problems: list[str] = []
        limits = cls.from_table(table, problems.append)
        if problems:
            raise settings_problems(problems)
        return limits


class Refused(Exception):
    """A file that must not be parsed: the issue code and its message parameters."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params: dict[str, Any] = params


@dataclass
class Inspection:
    """What the guard learned about a file that may be parsed."""

    macros: bool = False
    date1904: bool = False  # serial dates count from 1904 (old Mac Excel)
    formulas: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)  # sheet → (cell, has value)
    hidden_rows: dict[str, list[int]] = field(default_factory=dict)  # sheet → 1-based rows
    too_long: dict[str, int] = field(default_factory=dict)  # sheet → declared rows, over the limit
    too_wide: dict[str, str] = field(default_factory=dict)  # sheet → its farthest cell, an area over the bound

    @property
    def unread(self) -> frozenset[str]:
        """Sheets the reader must not parse: their rows or their area are over the limits."""
        return frozenset(self.too_long) | frozenset(self.too_wide)


def check_size(size: int, limits: Limits) -> None:
    if size == 0:
        raise Refused("file-empty-bytes")
    if size > limits.max_file_mb * MB:
        raise Refused("file-too-large", size=f"{size / MB:.0f}", limit=f"{limits.max_file_mb:g}")


def inspect(data: bytes, suffix: str, limits: Limits, unparsed: Callable[[str], bool] | None = None) -> Inspection:
    """Refuse what must not be parsed; describe the rest. Sheets for which `unparsed(name)` is true are never
    read afterwards: they are checked for XML declarations only."""
    check_size(len(data), limits)
    if data.startswith(_OLE):
        if _ENCRYPTED in data:
            raise Refused("file-encrypted")
        legacy = _inspect_legacy(data, limits)  # calamine reports a password-protected .xls itself
        if not _holds_zip(data):
            return legacy
    if data.startswith(b"PK") or _holds_zip(data):
        # calamine reads as a zip whatever ends with a zip's directory, after an .xls's header or any bytes
        # (an .xls header before a hostile .xlsx got the .xlsx past the guard: an abort at 2.9 GB, 2026-12-07)
        return _inspect_zip(data, limits, unparsed or _parsed_all)
    what = _text_kind(data[:2048])
    if what:
        raise Refused("file-renamed-text", what=what, ext=suffix or "không đuôi")
    return Inspection()  # unknown bytes: the reader's own error names the file


def _inspect_legacy(data: bytes, limits: Limits) -> Inspection:
    """An Excel 97-2003 workbook (.xls): calamine lays out all its sheets when it opens it, so the workbook is
    bounded here as a whole (`legacy_xls`): each sheet and their sum by the limits' area, the text its cells copy
    from the shared strings and the work of its formulas' space tokens by fixed bounds. One sheet over refuses the
    whole file (an .xls sheet cannot be skipped)."""
    try:
        measured = legacy_xls.measure(data)
    except (legacy_xls.Damaged, struct.error) as damage:  # struct.error: a structure cut short by the file's end
        raise Refused("file-unreadable", reason=_DAMAGED_XLS) from damage
    laid_out = 0
    for sheet in measured.sheets:
        if sheet.reserved_rows > _BIFF_ROWS or sheet.reserved_cols > _BIFF_COLUMNS:  # past the grid of the format
            raise Refused("file-unreadable", reason=_DAMAGED_XLS)
        _bound_area(sheet.name, sheet.last_row, sheet.last_col, limits)
        laid_out += sheet.last_row * sheet.last_col
        if laid_out > limits.max_rows * CELLS_PER_ROW:  # calamine keeps every sheet laid out at once
            raise Refused("sheet-too-large", sheet=sheet.name, corner=_corner(sheet.last_row, sheet.last_col))
    if measured.shared_text + measured.formula_text > SHARED_TEXT or measured.formula_work > FORMULA_WORK:
        raise Refused("file-unreadable", reason=_DAMAGED_XLS)
    if measured.merged_ranges > MERGED_RANGES:
        raise Refused("file-unreadable", reason=_MERGED_OVER)
    return Inspection()


_BIFF_ROWS, _BIFF_COLUMNS = 65_536, 256  # an Excel 97-2003 sheet's grid (MS-XLS 2.2.1: rows 0-65535, columns 0-255)
# The characters the cells of a workbook may copy from its shared strings (each cell holds its own copy, in the
# parser and again in Python: up to 7 bytes a character): 16 million, about 110 MB at most (for an .xlsx, that many
# beyond what its short strings account for). A workbook of 50,000 cells of 300 characters stays under it; 4,000
# .xls cells repeating one 65,535-character string (190 KB) took 2 GB, 200 .xlsx cells repeating one of 5 million
# 1.9 GB (2026-12-07).
SHARED_TEXT = 16_000_000
# Characters calamine moves rewriting an .xls's formulas into text, at most (`legacy_xls._formula_cost`): 200
# million, about 0.1 s. Ten thousand formulas of a few parentheses and functions each stay far under it; one 8 KB
# formula of space tokens took 1.5 s, 1 MB of parentheses around sheet names 24 s (2026-12-07).
FORMULA_WORK = 200_000_000
_DAMAGED_XLS = "tệp Excel 97-2003 bị hỏng hoặc có cấu trúc bất thường"


def _holds_zip(data: bytes) -> bool:
    """Whether the bytes end with a zip archive's directory (what a zip reader looks for first)."""
    try:
        return zipfile.is_zipfile(io.BytesIO(data))
    except (OSError, ValueError, struct.error):
        return False


def _text_kind(head: bytes) -> str:
    sample = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if sample.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head", b"<body")):
        return "trang web (HTML)"
    if sample.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        return "bảng tính XML 2003"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = head.decode("cp1258")
        except UnicodeDecodeError:
            return ""
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    if text and printable / len(text) > 0.97 and any(sep in text for sep in (",", ";", "\t")):
        return "tệp văn bản CSV"
    return ""


def _parsed_all(name: str) -> bool:
    del name
    return False


def _inspect_zip(data: bytes, limits: Limits, unparsed: Callable[[str], bool]) -> Inspection:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))  # the central directory only: nothing inflated
    except (zipfile.BadZipFile, OSError, ValueError, struct.error) as exc:
        raise Refused("file-unreadable", reason="tệp bị hỏng hoặc bị cắt cụt (không phải tệp nén hợp lệ)") from exc
    try:
        with archive:
            return _inspect_members(_Package(data, archive), limits, unparsed)
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError, OSError, NotImplementedError, ValueError) as exc:
        # A member that does not inflate, that inflates to another size than it declares, whose checksum is wrong
        # or whose local header is missing or cut short (past the end of the file): the archive is damaged.
        raise Refused("file-unreadable", reason="tệp bị hỏng (một phần nội dung không giải nén được)") from exc


# APPNOTE 4.3.7: the local file header's signature, flags, name and extra field lengths (the rest skipped).
_LOCAL_HEADER = struct.Struct("<4s2xH18xHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_ENCRYPTED_MEMBER, _PATCHED, _STRONG_ENCRYPTION, _UTF8_NAME = 0x1, 0x20, 0x40, 0x800


class _Package:
    """A zip archive's members, inflated with zlib straight from the bytes already read, as zipfile.ZipFile.open
    and ZipExtFile.read would give them and with the same refusals: the local header checked against the central
    directory (signature, name, patched data, strong or any encryption), stored or deflated members only (zipfile
    inflates a bzip2 or LZMA member a whole chunk at a time: 4 KiB of bzip2 can be gigabytes), never more than one
    byte past the declared size, the checksum verified. A member whose data runs into the next member's local
    header or the central directory is refused (zipfile does so from Python 3.12 on: "overlapped entries"), so no
    member's data runs past the file's end either. The central directory itself is still read by zipfile (zip64
    records, data before the archive, the end record searched for): 0.04 ms a file.

    Saves, against a ZipFile.open and ZipExtFile.read per member (a ZipInfo copied, file objects around every
    member): 0.15 ms of the 0.31 ms that inflating and checking a template's 14 parts took (1,000 registration
    files of the benchmark workspace, best of 7, 2026-12-07, Python 3.11, two shared cores)."""

    def __init__(self, data: bytes, archive: zipfile.ZipFile) -> None:
        self.data = data
        self._view = memoryview(data)
        self.infos = {info.filename: info for info in archive.infolist()}
        # Where each member's data must end: the next local header, or the central directory.
        self._ends: dict[int, int] = {}
        end = archive.start_dir
        for offset in sorted({info.header_offset for info in archive.infolist()}, reverse=True):
            self._ends[offset] = end
            end = offset
        self._whole: dict[str, bytes] = {}

    def _packed(self, info: zipfile.ZipInfo) -> memoryview:
        """A member's compressed bytes, after the checks zipfile.ZipFile.open makes of its local header (one cut
        short past the file's end is struct.error, damage as well)."""
        if info.flag_bits & (_ENCRYPTED_MEMBER | _PATCHED | _STRONG_ENCRYPTION):
            raise NotImplementedError("encrypted member or patched data")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise NotImplementedError(f"compression method {info.compress_type}")
        offset = info.header_offset
        signature, flags, name_size, extra_size = _LOCAL_HEADER.unpack_from(self.data, offset)
        if signature != _LOCAL_SIGNATURE:
            raise zipfile.BadZipFile("Bad magic number for file header")
        name_start = offset + _LOCAL_HEADER.size
        raw_name = self.data[name_start : name_start + name_size]
        name = raw_name.decode("utf-8" if flags & _UTF8_NAME else "cp437")
        if name != info.orig_filename:
            raise zipfile.BadZipFile(f"File name in directory {info.orig_filename!r} and header {raw_name!r} differ.")
        start = name_start + name_size + extra_size
        if start + info.compress_size > self._ends[offset]:
            raise zipfile.BadZipFile(f"Overlapped entries: {info.orig_filename!r}")
        return self._view[start : start + info.compress_size]

    def _inflate(self, info: zipfile.ZipInfo, most: int) -> tuple[bytes, bool]:
        """Up to `most` inflated bytes of a member, and whether its data ended within them (zipfile would then
        have checked it)."""
        packed = self._packed(info)
        if info.compress_type == zipfile.ZIP_STORED:
            body = bytes(packed[:most])
            return body, len(body) < most
        inflater = zlib.decompressobj(-15)
        body = inflater.decompress(packed, most)
        if len(body) < most and not inflater.eof:  # all its data given and no end of stream: what is left
            body = (body + inflater.flush())[:most]
        return body, inflater.eof or len(body) < most

    def whole(self, name: str) -> bytes:
        """A whole member with its checksum verified, never inflated past one byte more than its declared size
        (the declared sizes are within the limits): a member that inflates to more, or to less, than it says is
        damaged, not a bomb let through. Each member is inflated once, however many checks read it."""
        body = self._whole.get(name)
        if body is None:
            info = self.infos[name]
            body, _ended = self._inflate(info, info.file_size + 1)
            if len(body) != info.file_size:
                raise zipfile.BadZipFile(f"{name} does not inflate to its declared size")
            if zlib.crc32(body) != info.CRC:
                raise zipfile.BadZipFile(f"Bad CRC-32 for file {name!r}")
            self._whole[name] = body
        return body

    def head(self, name: str) -> bytes:
        """The first _PROLOG inflated bytes of a member; a part of up to _SMALL_PART is inflated whole at once
        (every part of a template is): its declarations are checked on it and the same bytes parsed or bounded
        afterwards. A large part whose data ends within its head is checked whole: its declared size lies."""
        info = self.infos[name]
        if info.file_size <= _SMALL_PART:
            return self.whole(name)
        body, ended = self._inflate(info, _PROLOG)
        if ended:
            return self.whole(name)
        return body


# The parts a parser opens by their name, written as Excel and LibreOffice write them: calamine finds some whatever
# their case, so another spelling (XL/workbook.xml beside a decoy) would be read while the guard looked elsewhere.
_NAMED_PARTS = {
    name.lower(): name
    for name in (
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/workbook.bin",
        "xl/_rels/workbook.xml.rels",
        "xl/_rels/workbook.bin.rels",
        "xl/sharedStrings.xml",
        "xl/sharedStrings.bin",
        "xl/styles.xml",
        "content.xml",
    )
}


def _check_part_names(names: set[str]) -> None:
    """Refuse two members whose names differ only by case, and a part a parser opens by name spelt otherwise."""
    seen: set[str] = set()
    for name in names:
        lowered = name.lower()
        if lowered in seen or _NAMED_PARTS.get(lowered, name) != name:
            raise Refused("file-unreadable", reason=_UNMAPPED)
        seen.add(lowered)


def _inspect_members(package: _Package, limits: Limits, unparsed: Callable[[str], bool]) -> Inspection:
    infos = package.infos
    inflated = sum(info.file_size for info in infos.values())
    packed = max(1, sum(info.compress_size for info in infos.values()))
    worst = max((info.file_size / max(1, info.compress_size) for info in infos.values()), default=0.0)
    if inflated > limits.max_inflated_mb * MB or (inflated > 10 * MB and worst > limits.max_ratio):
        raise Refused("file-zip-bomb", inflated=f"{inflated / MB:,.0f}", ratio=f"{max(worst, inflated / packed):,.0f}")
    whole, head = package.whole, package.head
    names = set(infos)
    _check_part_names(names)
    if "content.xml" in names and "xl/workbook.xml" not in names:  # OpenDocument
        if _declares_doctype(head("content.xml"), functools.partial(whole, "content.xml")):
            raise Refused("file-xml-entity")
        _inspect_ods(whole("content.xml"), limits)
        return Inspection()
    for name in sorted(names):  # every XML part, before any is parsed
        if name.endswith((".xml", ".rels", ".vml")) and _declares_doctype(head(name), functools.partial(whole, name)):
            raise Refused("file-xml-entity")
    found = Inspection(macros=any(n.lower().endswith("vbaproject.bin") for n in names))
    root_rels = whole(_ROOT_RELS) if _ROOT_RELS in names else b""
    named = office_document(root_rels)
    if named is not None and named not in names:
        raise Refused("file-unreadable", reason=_UNMAPPED)
    # The workbook the package names and the one a parser may open by its usual name: both are mapped and their
    # sheets bounded, so a decoy named in _rels/.rels hides nothing.
    books = [part for part in dict.fromkeys((named, *_BOOK_PARTS)) if part and part in names]
    bounded: set[str] = set()
    laid_out = 0  # cells of the sheets read, together (ten sheets each at the limit took 1.3 GB; 2026-12-07)
    read_sheets: list[bytes] = []
    for book_part in books:
        rels_part = relationships_part(book_part)
        rels = whole(rels_part) if rels_part in names else b""
        if book_part.endswith(".bin"):  # Excel's binary workbook (.xlsb): every worksheet's records bounded
            strings = _inspect_binary_book(package, book_part)
            copied = 0
            for name in sorted((worksheet_targets(rels, rels_part) & names) - bounded):
                copied += _inspect_binary_sheet(whole(name), name, limits, strings)
                bounded.add(name)
            if copied > SHARED_TEXT:
                raise Refused("file-unreadable", reason=_SHARED_TEXT_OVER)
            continue
        book = whole(book_part)
        sheets = map_sheets(names, book, rels, book_part)
        if sheets is None:  # what the guard would inspect and what the parser reads could differ: read nothing
            raise Refused("file-unreadable", reason=_UNMAPPED)
        found.date1904 = found.date1904 or bool(_DATE1904.search(book))
        for sheet, member in sheets.items():
            if not unparsed(sheet):  # a sheet thidua never parses was only checked for declarations
                corner = _inspect_sheet(whole(member), sheet, limits, found)
                laid_out += corner[0] * corner[1]
                if laid_out > limits.max_rows * CELLS_PER_ROW:  # the reader keeps every sheet it reads at once
                    found.too_wide[sheet] = _corner(*corner)
                    laid_out -= corner[0] * corner[1]
                elif corner[0]:
                    read_sheets.append(whole(member))
            bounded.add(member)
    _bound_shared_text(package, read_sheets)
    # A sheet part no workbook lists, or that any relationship names as a sheet, is bounded all the same.
    targeted = set().union(*(worksheet_targets(whole(n), n) for n in names if n.endswith(".rels"))) & names
    stray_copies = 0
    stray_strings: list[int] | None = None  # the .xlsb shared strings' lengths, read once if a stray part needs them
    for name in sorted((targeted | {n for n in names if _WORKSHEET_PART.search(n)}) - bounded):
        if name.endswith(".bin"):
            stray_strings = _binary_strings(package) if stray_strings is None else stray_strings
            stray_copies += _inspect_binary_sheet(whole(name), name, limits, stray_strings)
            if stray_copies > SHARED_TEXT:
                raise Refused("file-unreadable", reason=_SHARED_TEXT_OVER)
            continue
        stray = Inspection()
        _inspect_sheet(whole(name), name, limits, stray)
        if stray.unread:
            raise Refused("file-unreadable", reason=_HIDDEN_SHEET)
    return found


def _bound_shared_text(package: _Package, sheets: list[bytes]) -> None:
    """Refuse a workbook whose cells would copy too much text from its shared strings: the parser gives every
    cell its own copy, so one string of 5 million characters in 200 cells of a 7 KB file took 1.9 GB (and 9
    million in 1,000 cells aborted the process; 2026-12-07). Every value tag may name a shared string: when the
    shared-string parts times the value tags are within SHARED_TEXT, nothing more is looked at (a registration
    file: 7 KB × 200 values). Else each value is read as the parser reads an index (digits, anything else 0) and
    the named long strings' lengths (their <si>'s bytes) added up (numbers count as if they were indexes: the
    bound only grows)."""
    parts = [name for name in package.infos if name.lower().endswith("sharedstrings.xml")]
    cells = sum(xml.count(b"<v") + xml.count(b":v") for xml in sheets)  # <v>, <v a="1">, <x:v>: over, not under
    if not parts or not cells or sum(package.infos[n].file_size for n in parts) * cells <= SHARED_TEXT:
        return
    lengths: list[int] = []
    for name in parts:
        table = package.whole(name)
        if b"<!" in table:
            table = _NOT_ELEMENTS.sub(b"", table)
        starts = [match.start() for match in _SHARED_STRING.finditer(table)] + [len(table)]
        for index, (start, end) in enumerate(itertools.pairwise(starts)):
            if index < len(lengths):
                lengths[index] = max(lengths[index], end - start)
            else:
                lengths.append(end - start)
    # The strings no longer than SHARED_TEXT / cells copy at most SHARED_TEXT in all, wherever they are named; the
    # longer ones are counted where a value names them, values counted once each by Counter (a plan's 140,000
    # values in about 50 ms), anything not read as an index naming string 0 as it does for the parser.
    small = SHARED_TEXT // cells
    long = {index: size for index, size in enumerate(lengths) if size > small}
    copied = 0
    if long:
        named = collections.Counter(value for xml in sheets for value in _VALUE_TEXT.findall(xml))
        copied = sum(size * named.get(b"%d" % index, 0) for index, size in long.items())  # "7" names string 7
        for value in [v for v in named if not v.isdigit() or v[:1] == b"0" or len(v) > 18]:  # "007", "x", "00"
            index = int(value) if value.isdigit() and len(value) < 19 else 0  # as the parser reads an index
            copied += long.get(index, 0) * named[value] if value != b"0" else 0
    if copied > SHARED_TEXT:
        raise Refused("file-unreadable", reason=_SHARED_TEXT_OVER)


_VALUE_TEXT = re.compile(rb"<(?:\w+:)?v(?:\s[^<>]*)?>([^<]*)<")  # a value tag's text, however the tag is written
_SHARED_STRING = re.compile(rb"<(?:[^\s<>/:=\"'!?]++:)?si[\s/>]")  # <si>, <x:si>, <a-b:si …>; not <si.x/>
_NOT_ELEMENTS = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>", re.DOTALL)  # what a parser reads as no element
# Merged ranges a sheet may list: each becomes Python objects when the sheet is read (4 million ranges in a 3 MB
# .xlsx took 939 MiB; 2026-12-07); a real sheet has a few hundred.
MERGED_RANGES = 100_000
_MERGED_OVER = "một trang tính có quá nhiều vùng ô gộp (đọc sẽ tốn quá nhiều bộ nhớ); hãy chép số liệu sang mẫu mới"
_SHARED_TEXT_OVER = (
    "tệp lặp lại một đoạn chữ rất dài trong rất nhiều ô (đọc sẽ tốn quá nhiều bộ nhớ); hãy chép số liệu sang mẫu mới"
)
_SMALL_PART = 1 << 18
_ROOT_RELS = "_rels/.rels"
_BOOK_PARTS = ("xl/workbook.xml", "xl/workbook.bin")
_WORKSHEET_PART = re.compile(r"(?:^|/)(?:worksheets|dialogsheets|macrosheets)/[^/]+\.(?:xml|bin)\Z", re.IGNORECASE)
_HIDDEN_SHEET = (
    "tệp chứa một trang tính không có trong danh sách trang (không thấy khi mở bằng Excel) trải quá xa, nên tệp "
    "không được đọc; hãy chép số liệu sang mẫu mới rồi gửi lại"
)
_MALFORMED_SHEET = (
    "một trang tính trong tệp có thẻ XML sai cú pháp, không xác định được ô xa nhất của nó, nên tệp không được đọc; "
    "hãy mở tệp bằng Excel, lưu lại rồi gửi lại"
)
_UNMAPPED = (
    "không xác định được các trang tính trong tệp (danh sách trang tính hỏng hoặc trỏ tới phần không có), nên "
    "tệp không được đọc"
)
# Excel's binary format (MS-XLSB 2.1.4): records of a variable-length type and size; a row header (type 0) gives
# the row (0-based, 4 bytes), a cell (types 1 to 18) starts with its column (0-based, 4 bytes).
_ROW_HEADER, _CELLS = 0, range(1, 19)


def _varint(data: bytes, pos: int, most: int) -> tuple[int, int]:
    value = shift = 0
    for _ in range(most):
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return value, pos


def _records_of(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(type, data start, size) of each record of an .xlsb part (MS-XLSB 2.1.4); a record cut short is damage."""
    pos, end = 0, len(data)
    try:
        while pos < end:
            kind, pos = _varint(data, pos, 2)
            size, pos = _varint(data, pos, 4)
            if pos + size > end:
                raise IndexError(pos)
            yield kind, pos, size
            pos += size
    except IndexError as exc:
        raise Refused("file-unreadable", reason="tệp .xlsb bị hỏng (một bản ghi bị cắt cụt)") from exc


def _inspect_binary_book(package: _Package, book_part: str) -> list[int]:
    """An .xlsb's workbook and shared strings, bounded where the parser copies their text: the workbook part
    holds the sheet names, which each reference to another sheet writes out again (a 4.8 KB file with a
    30,000-character sheet name referenced 200,000 times, or a 1-million-character name listed 300,000 times,
    aborted the parser; 2026-12-07): the part may be 512 KB and a sheet's record 600 bytes (a name of 255
    characters). The shared strings' lengths are returned, for the cells that name them."""
    book = package.whole(book_part)
    if len(book) > _BINARY_BOOK:
        raise Refused("file-unreadable", reason=_BINARY_UNBOUNDED)
    for kind, _start, size in _records_of(book):
        if kind == _BUNDLE_SHEET and size > _SHEET_RECORD:
            raise Refused("file-unreadable", reason=_BINARY_UNBOUNDED)
    return _binary_strings(package)


def _binary_strings(package: _Package) -> list[int]:
    """The lengths of an .xlsb's shared strings (BrtSSTItem: flags, then the character count), [] without any."""
    lengths: list[int] = []
    for part in (name for name in package.infos if name.lower() == "xl/sharedstrings.bin"):  # any case: the longest
        table = package.whole(part)
        found = [
            int.from_bytes(table[start + 1 : start + 5], "little") if size >= 5 else 0
            for kind, start, size in _records_of(table)
            if kind == _SST_ITEM
        ]
        lengths = [max(pair) for pair in itertools.zip_longest(lengths, found, fillvalue=0)]
    return lengths


_BINARY_BOOK, _SHEET_RECORD = 512 * 1024, 600
_BUNDLE_SHEET, _SST_ITEM, _CELL_ISST = 0x009C, 0x0013, 0x0007  # BrtBundleSh, BrtSSTItem, BrtCellIsst
_BINARY_UNBOUNDED = (
    "tệp .xlsb có danh sách trang tính hoặc tên quá dài, đọc sẽ tốn quá nhiều bộ nhớ"
)


def _inspect_binary_sheet(data: bytes, part: str, limits: Limits, strings: list[int]) -> int:
    """Bound an .xlsb worksheet by its own records (the rows and cells the parser would allocate), whatever its
    dimension record says; the whole file is refused when a sheet is over (an .xlsb sheet cannot be skipped by
    name). Returns the characters its cells copy from the shared strings (`strings`: their lengths)."""
    last_row = last_col = copied = 0
    for kind, start, size in _records_of(data):
        if kind == _ROW_HEADER and size >= 4:
            last_row = max(last_row, int.from_bytes(data[start : start + 4], "little") + 1)
        elif kind in _CELLS and size >= 4:
            last_col = max(last_col, int.from_bytes(data[start : start + 4], "little") + 1)
            if kind == _CELL_ISST and size >= 12:
                index = int.from_bytes(data[start + 8 : start + 12], "little")
                copied += strings[index] if index < len(strings) else 0
    _bound_area(part, last_row, last_col, limits)
    return copied


def _declares_doctype(head: bytes, whole: Callable[[], bytes]) -> bool:
    """Whether an XML part declares a DOCTYPE (or entities) before its root element, however long the
    comments and processing instructions that precede it. `head` is the part's beginning; `whole()` gives all
    of it, asked for only when a comment or instruction runs past the head."""
    buffer = head
    pos = 0
    complete = False
    while True:
        pos = _SPACE.match(buffer, pos).end()  # type: ignore[union-attr]  # matches the empty string too
        if pos >= len(buffer) and complete:
            return False
        if buffer.startswith((b"<!DOCTYPE", b"<!ENTITY"), pos):
            return True
        opener = b"<?" if buffer.startswith(b"<?", pos) else b"<!--" if buffer.startswith(b"<!--", pos) else None
        if opener is None and pos < len(buffer):
            return buffer.find(b"<!DOCTYPE", pos) != -1 or buffer.find(b"<!ENTITY", pos) != -1  # the root begins here
        closing = _CLOSING.get(opener or b"", b"")
        end = buffer.find(closing, pos + len(opener)) if opener is not None else -1
        if end == -1:
            if complete:
                return False
            buffer, complete = whole(), True  # the prolog runs past the head: look at the whole part
            continue
        pos = end + len(closing)


def _inspect_ods(content: bytes, limits: Limits) -> None:
    """Refuse an OpenDocument file whose sheet reaches far beyond its data: rows and cells are counted with their
    repeat counts, as the reader expands them (empty repeated rows and cells, which LibreOffice writes to the
    sheet's end, reach nothing). The reader opens every sheet of such a file at once, so the whole file is refused;
    the sheets' areas together are bounded as one sheet's, and so is the text the cells hold, a repeated cell's
    in every cell it stands for, its attributes' and its space runs' included (a 965-byte file repeating a
    100,000-character cell 64,000 times aborted the process; <text:s text:c="200000000"/> took 788 MiB)."""
    sheet, row, last_row, last_col = "", 0, 0, 0
    repeat, col, row_col = 1, 0, 0
    laid_out = copied = 0
    text_from, copies = 0, 0  # a non-empty repeated cell's content runs from its tag to the next tag
    spaces = b"text:c" in content  # <text:s text:c="N"/>: N spaces, written out by the parser
    inside = False
    for tag in _ODS_TAG.finditer(content):
        if copies:  # what the file holds once is bounded by its size: the copies and the space runs are counted
            text = (tag.start() - text_from) if copies > 1 else 0
            if spaces:
                text += sum(_ods_count(found) for found in _ODS_SPACES.finditer(content, text_from, tag.start()))
            copied += text * copies
            if copied > SHARED_TEXT:
                raise Refused("file-unreadable", reason=_SHARED_TEXT_OVER)
            copies = 0
        kind, attrs, empty, closing = tag.group(1), tag.group(2), tag.group(3), tag.group(4)
        if closing == b"table-row":
            if row_col:
                last_row, last_col = row + repeat, max(last_col, row_col)
            row += repeat
        elif closing == b"table":
            _bound_area(sheet, last_row, last_col, limits)
            laid_out += last_row * last_col
            if laid_out > limits.max_rows * CELLS_PER_ROW:
                raise Refused("sheet-too-large", sheet=sheet, corner=_corner(last_row, last_col))
            sheet, row, last_row, last_col = "", 0, 0, 0
            inside = False
        elif kind == b"table":
            if inside:  # a table in a cell: what the parser makes of the outer one is not what is counted here
                raise Refused("file-unreadable", reason=_UNMAPPED)
            inside = True
            name = _ODS_NAME.search(attrs)
            sheet, row, last_row, last_col = (
                (xml_unescape((name.group(1) or name.group(2) or b"").decode("utf-8", "replace")) if name else ""),
                0,
                0,
                0,
            )
        elif kind == b"table-row":
            found = _ODS_ROWS_REPEATED.search(attrs)
            repeat, col, row_col = _ods_count(found) if found else 1, 0, 0
            if empty:
                row += repeat
        else:  # a cell, covered or not
            found = _ODS_COLUMNS_REPEATED.search(attrs)
            width = _ods_count(found) if found else 1
            held = b"office:" in attrs or b"table:formula" in attrs  # a value, a formula: a cell kept
            if not empty or held:
                row_col = col + width
            if not empty:
                text_from, copies = tag.end(), width * repeat
            if held and width * repeat > 1:  # a string value or a formula in the tag, in every cell it stands for
                copied += len(attrs) * width * repeat
                if copied > SHARED_TEXT:
                    raise Refused("file-unreadable", reason=_SHARED_TEXT_OVER)
            col += width
    _bound_area(sheet, last_row, last_col, limits)
    if laid_out + last_row * last_col > limits.max_rows * CELLS_PER_ROW:
        raise Refused("sheet-too-large", sheet=sheet, corner=_corner(last_row, last_col))


def _corner(last_row: int, last_col: int) -> str:
    """A sheet's far corner as Excel names it ("BL50000")."""
    return f"{xl_col_to_name(max(1, min(last_col, 16_384)) - 1)}{last_row}"


def _ods_count(found: re.Match[bytes]) -> int:
    """A repeat or space count as the parser reads it; more than 12 digits after the zeros: far past any limit."""
    return int(found.group(1)) if not found.group(2) else LIMIT_CEILING**2


def _bound_area(sheet: str, last_row: int, last_col: int, limits: Limits) -> None:
    if last_row > limits.max_rows:
        raise Refused("sheet-too-many-rows", sheet=sheet, rows=f"{last_row:,}", limit=f"{limits.max_rows:,}")
    if last_row * last_col > limits.max_rows * CELLS_PER_ROW:
        corner = f"{xl_col_to_name(min(last_col, 16_384) - 1)}{last_row}"
        raise Refused("sheet-too-large", sheet=sheet, corner=corner)


_CHUNK = 1 << 22  # a sheet is scanned 4 MiB at a time: the tags of one chunk are a list, not the sheet's


def _chunks(xml: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of consecutive pieces of about _CHUNK bytes, each cut just before a "<" (no tag is cut)."""
    pos = 0
    while pos < len(xml):
        end = len(xml) if pos + _CHUNK >= len(xml) else xml.find(b"<", pos + _CHUNK)
        end = len(xml) if end == -1 else end
        yield pos, end
        pos = end


def _far_corner(xml: bytes) -> tuple[int, int, bool]:
    """The last row and column a parser would allocate for a sheet: rows by their numbers (a row without a number
    follows the last, so it counts as one more), filled cells by their references (a self-closing <c …/> is an
    empty formatted cell the parser skips), and a cell without a reference where it falls: after the previous
    cell of its row. Last, whether the sheet may hold formulas (false only when no formula tag was seen)."""
    canonical = _canonical_corner(xml)
    if canonical is not None:
        return canonical
    exact = _exact_corner(xml)
    if exact is None:  # a row or cell tag that is not well-formed XML: the parser's reading cannot be foreseen
        raise Refused("file-unreadable", reason=_MALFORMED_SHEET)
    return (*exact, True)


def _canonical_corner(xml: bytes) -> tuple[int, int, bool] | None:
    """_far_corner when every row and cell tag is canonical and no tag is prefixed, else None: one pass of
    _CANONICAL_TAG, each of its groups reduced to a set (a roster's row numbers and columns repeat).
    Saves, against the five passes it replaced (a search for prefixed tags, then canonical rows, canonical cells,
    filled cells and all row and cell tags counted): 0.07 of 0.39 ms for a template's data sheet of 55 rows × 15
    columns, and with it the search for formula tags (0.06 ms) on a sheet that has none; a 20,000-person roster's
    sheet 0.14 s before, 0.12 s now (1,000 registration files of the benchmark workspace and its plan, best of 7,
    2026-12-07, Python 3.11, two shared cores)."""
    corner, formulas = _Corner(), False
    for start, end in _chunks(xml):
        found = _CANONICAL_TAG.findall(xml, start, end)
        rows, letters, digits, others = (set(map(column, found)) for column in _MATCH_COLUMNS)
        others.discard(b"")
        if others:
            if any(not other.startswith(b"f") or other.endswith(b":") for other in others):
                return None
            formulas = True
        rows.discard(b"")
        corner.rows(list(rows))
        letters.discard(b"")
        digits.discard(b"")
        corner.by_cells = max(corner.by_cells, max(map(int, digits), default=0))
        corner.last_col = max(corner.last_col, max(map(column_number, letters), default=0))
    return (*corner.far(), formulas)


def _exact_corner(xml: bytes) -> tuple[int, int] | None:
    """_far_corner by the XML attribute grammar; None when some row or cell tag does not follow it."""
    corner = _Corner()
    for start, end in _chunks(xml):
        rows = _ANY_ROW.findall(xml, start, end)
        cells = _ANY_CELL.findall(xml, start, end)
        if len(rows) + len(cells) != len(_ANY_TAG.findall(xml, start, end)):
            return None
        corner.rows(rows)
        references = {reference for reference, closed in cells if not closed}
        if b"" in {reference for reference, _closed in cells}:
            corner.walk(xml, start, end)
        references.discard(b"")
        corner.cells(_REFERENCE_PARTS.findall(b" ".join(references)))
    return corner.far()


@dataclass
class _Corner:
    """The far corner so far, one chunk's rows and filled cells at a time."""

    numbered: int = 0
    unnumbered: int = 0
    by_cells: int = 0
    last_col: int = 0
    column: int = 0  # the column of the last cell walked, carried from one chunk to the next within a row

    def rows(self, numbers: list[bytes]) -> None:
        found = set(numbers)
        if b"" in found:
            self.unnumbered += numbers.count(b"")
            found.discard(b"")
        if found:
            self.numbered = max(self.numbered, max(map(int, found)))

    def cells(self, references: list[tuple[bytes, bytes]]) -> None:
        if references:
            self.by_cells = max(self.by_cells, max(map(int, {digits for _letters, digits in references})))
            letters = {letters.upper() for letters, _digits in references}
            self.last_col = max(self.last_col, max(map(column_number, letters)))

    def walk(self, xml: bytes, start: int, end: int) -> None:
        """Each cell's column as the parser places it, for a sheet with cells without a reference: such a cell
        follows the previous cell of its row (the first of a row is in column A), a referenced one is where it
        says; every row tag starts over. Only sheets that have such cells pay for this walk, one step a tag."""
        for tag in _ANY_TAG.finditer(xml, start, end):
            cell = _ANY_CELL.match(xml, tag.start())
            if cell is None:  # a row
                self.column = 0
                continue
            reference = _REFERENCE_PARTS.fullmatch(cell.group(1)) if cell.group(1) else None
            self.column = column_number(reference.group(1).upper()) if reference else self.column + 1
            self.last_col = max(self.last_col, self.column)

    def far(self) -> tuple[int, int]:
        # An unnumbered row follows the last: at most one more each.
        return max(self.numbered + self.unnumbered, self.by_cells), self.last_col


def _hidden_rows(xml: bytes) -> list[int]:
    """The numbers of the rows whose tag says hidden="1" (or "true"), their attributes in any order. Each row tag
    is looked at once, from the first hidden attribute after its opening: one pattern running from every row tag
    to its end and back was quadratic in a tag's length (a 15 KB file with 16,000 r attributes in one row tag:
    8 s; 2026-12-07), and missed a row whose hidden attribute came before its number."""
    starts = [match.start() for match in _ROW_OPENING.finditer(xml)]
    rows: list[int] = []
    looked: set[int] = set()
    for match in _HIDDEN.finditer(xml):
        before = bisect.bisect_right(starts, match.start()) - 1
        if before < 0 or starts[before] in looked:
            continue
        start = starts[before]
        looked.add(start)
        if _TAG_BOUND.search(xml, start + 1, match.start()):  # the attribute lies past this row's tag
            continue
        end = _TAG_BOUND.search(xml, match.end())
        number = _ROW_NUMBER.search(xml, start, end.start() if end else len(xml))  # wherever it stands in the tag
        if number:
            rows.append(int(number.group(1)))
    return rows


def _formula_cells(xml: bytes) -> list[tuple[str, bool]]:
    """Each cell holding a formula (its reference) and whether the formula has a computed value. Every cell's
    opening and closing tag is found once and each formula placed between them by bisection, each cell taken
    once: a search from every formula back to its opening tag and on to its closing one was quadratic when they
    lay far apart (a 15 KB file with 32,000 formula tags after its last cell: 22 s, hours at 500,000; 2026-12-07)."""
    openings = [match.start() for match in _CELL_OPENING.finditer(xml)]
    ends = [match.start() for match in _CELL_END.finditer(xml)]
    cells: list[tuple[str, bool]] = []
    taken: set[int] = set()
    for match in _FORMULA.finditer(xml):
        before = bisect.bisect_right(openings, match.start()) - 1
        after = bisect.bisect_left(ends, match.start())
        if before < 0 or after == len(ends) or openings[before] in taken:
            continue
        start = openings[before]
        taken.add(start)
        tag_end = _TAG_BOUND.search(xml, start + 1)
        ref = _REF.search(xml, start, tag_end.start() if tag_end else len(xml))
        if ref:  # its value lies before its closing tag, and before the next cell's opening
            stop = min(ends[after], openings[before + 1]) if before + 1 < len(openings) else ends[after]
            value = _VALUE.search(xml, match.start(), max(stop, match.start()))
            cells.append((ref.group(1).decode(), value is not None))
    return cells


def _inspect_sheet(xml: bytes, sheet: str, limits: Limits, found: Inspection) -> tuple[int, int]:
    """Bound a sheet and note what it holds; its far corner (last row, last column) when it may be read, (0, 0)
    when it is over the limits and noted so."""
    # <dimension> is only what the file says (the parser allocates what the cells reach, measured: a sheet
    # declaring A1:XFD1048576 over two cells is read in 10 MiB): the cells themselves are bounded.
    last_row, last_col, formulas = _far_corner(xml)
    if xml.count(b"mergeCell") > MERGED_RANGES:  # <mergeCell ref=…/> however written (and its container, twice)
        raise Refused("file-unreadable", reason=_MERGED_OVER)
    if last_row > limits.max_rows:
        found.too_long[sheet] = last_row
        return 0, 0
    if last_row * last_col > limits.max_rows * CELLS_PER_ROW:
        found.too_wide[sheet] = f"{xl_col_to_name(last_col - 1)}{last_row}"
        return 0, 0
    # Searched only in a sheet that holds the word: 0.01 ms instead of 0.08 for a template's data sheet (2026-12-07).
    hidden = _hidden_rows(xml) if b"hidden" in xml else []
    if hidden:
        found.hidden_rows[sheet] = hidden
    cells = _formula_cells(xml) if formulas else []
    if cells:
        found.formulas[sheet] = cells
    return last_row, last_col
