"""A return copy of an .xlsx/.xlsm file made by editing its package, not by loading it into openpyxl.

Loading a workbook into openpyxl and saving it again costs about 40 ms for a 20-row template and drops what
openpyxl does not model; a province office may return hundreds of files a month. A copy needs only a few
edits, so they are made on the package's XML text, and every other part is kept as it came:
- styles.xml gets the two warning fills, a clone of each flagged cell's cell format with that fill, and the
  fonts of the fix sheet;
- each flagged worksheet gets its cells' style index changed (a missing cell or row is added), a comments part,
  the VML drawing that shows the comments, and a <legacyDrawing> pointing at it;
- a new first sheet lists what to fix; the workbook's sheet list, local defined names and active tab follow;
- what could act when the copy is opened is taken out (`Disarmed`): links to other workbooks and DDE links
  (externalLink parts), data connections, hyperlinks, and defined names that call a function or point into
  another workbook.

Anything outside what these edits are sure to handle (formulas, which a copy turns into text; comments already
there; a calculation chain; query tables; any other relationship to an outside target; prefixed or
strict-namespace XML; parts not in UTF-8) raises `Unsupported`, and the
caller makes the copy with openpyxl instead. Part names and XML structure follow ECMA-376 Part 1 (SpreadsheetML:
worksheet child order, comments, legacy VML drawing) and Part 2 (Open Packaging Conventions: content types,
relationships).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from posixpath import dirname, normpath
from posixpath import join as join_path

from thidua.excel.fix_sheet import FixSheet, FixSheetLayout, Font, lay_out
from thidua.excel.ooxml import xml_unescape
from thidua.excel.rowstream import column_index, column_letters

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL_WORKSHEET = f"{OFFICE_REL}/worksheet"
_REL_STYLES = f"{OFFICE_REL}/styles"
_REL_COMMENTS = f"{OFFICE_REL}/comments"
_REL_VML = f"{OFFICE_REL}/vmlDrawing"
_REL_EXTERNAL_LINK = f"{OFFICE_REL}/externalLink"
_REL_CONNECTIONS = f"{OFFICE_REL}/connections"
_REL_HYPERLINK = f"{OFFICE_REL}/hyperlink"
_REL_QUERY_TABLE = f"{OFFICE_REL}/queryTable"
_REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
_CT_MACRO_BOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_CT_BOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
_CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
_TYPES = "[Content_Types].xml"
_BOOK = "xl/workbook.xml"
_BOOK_RELS = "xl/_rels/workbook.xml.rels"

# Worksheet children that must come after <legacyDrawing> (ECMA-376 Part 1, CT_Worksheet sequence).
_AFTER_LEGACY_DRAWING = frozenset(
    {"legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst"}
)
_FORMULA = re.compile(rb"<f[\s>/]")
_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?\bencoding\s*=\s*["']([^"']+)["']""")
_TAG = re.compile(r"""<(/?)([\w.:-]+)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>|<!--.*?-->|<\?.*?\?>""", re.S)
_SHEET_DATA_OPEN = re.compile(r"<sheetData\b[^>]*>")
_ROW = re.compile(r"<row\b[^>]*?(?:/>|>.*?</row>)", re.S)
_CELL = re.compile(r"<c\b[^>]*?(?:/>|>.*?</c>)", re.S)
_REF = re.compile(r"""\sr\s*=\s*["']([A-Z]{1,3})(\d+)["']""")
_ROW_NUMBER = re.compile(r"""\sr\s*=\s*["'](\d+)["']""")
_STYLE = re.compile(r"""\ss\s*=\s*["'](\d+)["']""")
_CUSTOM_FORMAT = re.compile(r"""\scustomFormat\s*=\s*["'](?:1|true)["']""")
_SPANS = re.compile(r"""\sspans\s*=\s*(?:"[^"]*"|'[^']*')""")
_XF = re.compile(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", re.S)
_COL = re.compile(r"<col\b[^>]*>")
_MERGE = re.compile(r'<mergeCell\b[^>]*?\bref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')
_OVERRIDE = re.compile(r'<Override\b[^>]*?\bPartName="([^"]*)"')
_RELATIONSHIP = re.compile(r"<Relationship\b[^>]*>")
_RID = re.compile(r'\bId="rId(\d+)"')
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_DEFINED_NAME = re.compile(r"<definedName\b[^>]*?(?:/>|>(.*?)</definedName>)", re.S)
_EXTERNAL_INDEX = re.compile(r"\[\d+\]")  # '[1]Sheet1'!A1: a cell of the first linked workbook
_CALL = re.compile(r"[A-Za-z_][\w.]*\s*\(")  # WEBSERVICE(…), _xlfn.FILTERXML(…)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_EXTERNAL_MODE = re.compile(r"""\sTargetMode\s*=\s*["']External["']""")


class Unsupported(Exception):
    """The package holds something these edits do not handle; the copy is made another way."""


@dataclass
class Mark:
    """What one flagged cell gets: a fill (error wins over warning) and its comment's text."""

    error: bool
    text: str


@dataclass(frozen=True)
class Look:
    """The fills a flagged cell gets (ARGB colours) and the author of the comments."""

    error_fill: str
    warning_fill: str
    author: str


Cell = tuple[int, int]  # (row, column), 0-based


@dataclass(frozen=True)
class Disarmed:
    """How many of each live thing a copy leaves out."""

    external_links: int = 0  # links to other workbooks (and OLE links)
    dde_links: int = 0
    connections: int = 0  # data connections (connections.xml)
    hyperlinks: int = 0
    defined_names: int = 0  # defined names that call a function or read another workbook
    macros: int = 0  # a VBA project (the copy is a plain .xlsx)

    def __bool__(self) -> bool:
        return any(vars(self).values())


def active_name(formula: str) -> bool:
    """Whether a defined name's formula (as stored) calls a function or reads another workbook."""
    text = xml_unescape(formula)
    return bool(_EXTERNAL_INDEX.search(text) or _CALL.search(_QUOTED.sub("", text)))


_READ_ERRORS = (zipfile.BadZipFile, zlib.error, KeyError, ValueError, EOFError, UnicodeDecodeError, struct.error)


def annotate(data: bytes, marks: dict[str, dict[Cell, Mark]], fix: Callable[[Disarmed], FixSheet], look: Look) -> bytes:
    """The package `data` with `marks` (sheet → (row, column), 0-based → mark) applied, what could act on opening
    taken out, and the sheet `fix` makes (told what was taken out) added as its first, active sheet. Raises
    Unsupported when the package is outside what these edits handle."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            return _Package(source).annotate(marks, fix, look)
    except _READ_ERRORS as error:
        raise Unsupported(str(error)) from error


def disarm(data: bytes) -> tuple[bytes, Disarmed]:
    """The package without what could act when it opens, and what was left out, for a copy made another way
    (openpyxl): query tables and other outside relationships are left to that way. The package as it came when
    it cannot be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            package = _Package(source)
            if not {_TYPES, _BOOK, _BOOK_RELS} <= package.names:
                return data, Disarmed()
            disarmed = package.disarm(_Rels(_BOOK_RELS, package.text(_BOOK_RELS)), strict=False)
            return (package._write(), disarmed) if disarmed else (data, disarmed)
    except (*_READ_ERRORS, Unsupported):
        return data, Disarmed()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _root_tag(xml: str, name: str) -> str:
    """The root element's start tag, which must be `name` without a namespace prefix."""
    first = re.search(r"<[A-Za-z_]", xml)
    match = re.compile(rf"<{name}[\s>/][^>]*>").match(xml, first.start()) if first else None
    if match is None:
        raise Unsupported(f"the root element is not <{name}>")
    return match.group(0)


def _declares(tag: str, prefix: str, uri: str) -> bool:
    attr = "xmlns" if not prefix else f"xmlns:{prefix}"
    found = re.search(rf"""\s{attr}\s*=\s*(?:"([^"]*)"|'([^']*)')""", tag)
    if found is None:
        return False
    bound = found.group(1) if found.group(1) is not None else found.group(2)
    if bound != uri:
        raise Unsupported(f"{attr} is bound to {bound}")
    return True


@lru_cache(maxsize=32)
def _attr_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"""\s{name}\s*=\s*(?:"[^"]*"|'[^']*')""")


def _set_attr(tag: str, name: str, value: str) -> str:
    """A start tag with attribute `name` set to `value` (replaced or added before the closing bracket)."""
    pattern = _attr_pattern(name)
    if pattern.search(tag):
        return pattern.sub(f' {name}="{value}"', tag, count=1)
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f'{tag[:end]} {name}="{value}"{tag[end:]}'


class _Package:
    def __init__(self, source: zipfile.ZipFile) -> None:
        self.source = source
        self.infos = source.infolist()
        self.by_name = {info.filename: info for info in self.infos}
        self.names = set(self.by_name)
        self.inflated: dict[str, bytes] = {}
        if len(self.names) != len(self.infos):
            raise Unsupported("duplicate part names")
        self.changed: dict[str, str] = {}
        self.added: dict[str, str] = {}
        self.dropped: set[str] = set()

    def text(self, name: str) -> str:
        if name in self.changed:
            return self.changed[name]
        data = self.content(name)
        declared = _ENCODING.match(data)
        if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
            raise Unsupported(f"{name} is not in UTF-8")
        return data.decode("utf-8")

    def content(self, name: str) -> bytes:
        """A part as it came, inflated once (zipfile stops at its declared size and checks its CRC-32)."""
        found = self.inflated.get(name)
        if found is None:
            info = self.by_name[name]
            if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise Unsupported("an encrypted or unusually compressed part")
            with self.source.open(info) as part:
                found = part.read(info.file_size + 1)  # never read() without a size: that inflates without end
            if len(found) != info.file_size:
                raise Unsupported(f"{name} does not inflate to its declared size")
            self.inflated[name] = found
        return found

    def fresh(self, pattern: str) -> tuple[int, str]:
        """The first part name of `pattern` ('xl/comments{}.xml') that no part, added part or content-type
        override uses (part names compare without case), and its number."""
        taken = {name.casefold() for name in (*self.names, *self.added)}
        taken |= {name.lstrip("/").casefold() for name in _OVERRIDE.findall(self.text(_TYPES))}
        number = 1
        while pattern.format(number).casefold() in taken:
            number += 1
        return number, pattern.format(number)

    # --- the whole copy -------------------------------------------------------------------------------------

    def annotate(self, marks: dict[str, dict[Cell, Mark]], fix: Callable[[Disarmed], FixSheet], look: Look) -> bytes:
        if not {_TYPES, _BOOK, _BOOK_RELS} <= self.names:
            raise Unsupported("not a plain SpreadsheetML package")
        if any(name.startswith("xl/calcChain") for name in self.names):
            raise Unsupported("a calculation chain")
        book_rels = _Rels(_BOOK_RELS, self.text(_BOOK_RELS))
        sheets = self._sheets(book_rels)
        for part in sheets.values():
            if _FORMULA.search(self.content(part)):
                raise Unsupported("formulas")  # a copy shows every formula as text: openpyxl does that
        disarmed = self.disarm(book_rels, strict=True)
        styles_part = book_rels.target_of_type(_REL_STYLES)
        if styles_part is None or styles_part not in self.names:
            raise Unsupported("no styles part")
        styles = _Styles(self.text(styles_part), look)
        types = self.text(_TYPES)
        _root_tag(types, "Types")
        for sheet, cells in marks.items():
            flagged = sheets.get(sheet)
            if flagged is not None and cells:
                types = self._mark_sheet(flagged, cells, styles, types, look)
        for part in self._sheet_parts(book_rels):  # the fix sheet is the one selected when the copy opens
            if part not in self.changed and b"tabSelected" not in self.content(part):
                continue
            xml = self.text(part)
            unselected = re.sub(r"""(<sheetView\b[^>]*?)\stabSelected\s*=\s*["'](?:1|true)["']""", r"\1", xml)
            if unselected != xml:
                self.changed[part] = unselected
        _, fix_part = self.fresh("xl/worksheets/sheet{}.xml")
        fix_sheet = lay_out(fix(disarmed))
        self.added[fix_part] = _fix_sheet_xml(fix_sheet, styles)
        types = _add_override(types, fix_part, _CT_WORKSHEET)
        rid = book_rels.add(_REL_WORKSHEET, fix_part)
        self.changed[_BOOK_RELS] = book_rels.xml
        self.changed[_BOOK] = _book_with_first_sheet(self.text(_BOOK), fix_sheet.name, rid, fix_sheet.title_row)
        self.changed[styles_part] = styles.xml()
        self.changed[_TYPES] = types
        return self._write()

    # --- what could act when the copy opens ---------------------------------------------------------------------

    def disarm(self, book_rels: _Rels, strict: bool) -> Disarmed:
        """Take out external and DDE links, data connections, hyperlinks and active defined names, and count
        them. `strict`: raise Unsupported for what these edits do not take out (query tables, any other
        relationship to an outside target); otherwise only count."""
        links = dde = connections = hyperlinks = macros = 0
        for rid, (target, kind) in list(book_rels.targets.items()):
            if kind == _REL_VBA:
                macros = 1
                self._drop(target)
                book_rels.remove(rid)
            elif kind == _REL_EXTERNAL_LINK:
                if target in self.names and b"<ddeLink" in self.content(target):
                    dde += 1
                else:
                    links += 1
                self._drop(target)
                book_rels.remove(rid)
            elif kind == _REL_CONNECTIONS:
                connections += max(1, self.content(target).count(b"<connection ")) if target in self.names else 1
                self._drop(target)
                book_rels.remove(rid)
        book = self.text(_BOOK)
        if links or dde:
            book = re.sub(r"<externalReferences\b[^>]*?(?:/>|>.*?</externalReferences>)", "", book, flags=re.S)
        names = 0

        def keep_name(match: re.Match[str]) -> str:
            nonlocal names
            if match.group(1) is None or not active_name(match.group(1)):
                return match.group(0)
            names += 1
            return ""

        if "<definedName" in book:
            book = _DEFINED_NAME.sub(keep_name, book)
            book = re.sub(r"<definedNames\b[^>]*?(?:/>|>\s*</definedNames>)", "", book)
        if book != self.text(_BOOK):
            self.changed[_BOOK] = book
        if links or dde or connections or macros:
            self.changed[_BOOK_RELS] = book_rels.xml
        for part in self._sheet_parts(book_rels):
            rels_part = join_path(dirname(part), "_rels", part.rsplit("/", 1)[-1] + ".rels")
            rels = _Rels(rels_part, self.text(rels_part)) if rels_part in self.names else None
            if strict and rels is not None and rels.target_of_type(_REL_QUERY_TABLE):
                raise Unsupported("a query table")
            if b"<hyperlink" not in self.content(part):
                continue
            xml = self.text(part)
            hyperlinks += len(re.findall(r"<hyperlink\b", xml))
            self.changed[part] = re.sub(r"<hyperlinks\b[^>]*?(?:/>|>.*?</hyperlinks>)", "", xml, flags=re.S)
            if rels is not None:
                for rid, (_target, kind) in list(rels.targets.items()):
                    if kind == _REL_HYPERLINK:
                        rels.remove(rid)
                self.changed[rels_part] = rels.xml
        if self.dropped or macros:
            types = self.text(_TYPES).replace(f'ContentType="{_CT_MACRO_BOOK}"', f'ContentType="{_CT_BOOK}"')
            for part in self.dropped:
                types = re.sub(rf'<Override\b[^>]*?\bPartName="/{re.escape(part)}"[^>]*>', "", types, flags=re.I)
            self.changed[_TYPES] = types
        if strict:
            for name in self.names - self.dropped:
                if name.endswith(".rels") and _EXTERNAL_MODE.search(self.text(name)):
                    raise Unsupported(f"{name} points outside the package")
        return Disarmed(links, dde, connections, hyperlinks, names, macros)

    def _drop(self, part: str) -> None:
        """Leave a part and its own relationships out of the copy."""
        self.dropped.add(part)
        self.dropped.add(join_path(dirname(part), "_rels", part.rsplit("/", 1)[-1] + ".rels"))

    def _sheet_parts(self, book_rels: _Rels) -> list[str]:
        """Every sheet's part, worksheets and chart sheets alike."""
        found = []
        for element in re.finditer(r"<sheet\b[^>]*>", self.text(_BOOK)):
            rid = re.search(r'\sr:id="([^"]*)"', element.group(0))
            target = book_rels.targets.get(rid.group(1), ("", ""))[0] if rid else ""
            if target in self.names:
                found.append(target)
        return found

    def _sheets(self, book_rels: _Rels) -> dict[str, str]:
        """Sheet name → worksheet part (chart sheets and the like are left out)."""
        book = self.text(_BOOK)
        tag = _root_tag(book, "workbook")
        # openpyxl saving with lxml installed binds the r: prefix on each <sheet> rather than on the root
        bound_at_root = _declares(tag, "r", OFFICE_REL)
        if not _declares(tag, "", MAIN):
            raise Unsupported("workbook.xml does not use the usual namespaces")
        sheets: dict[str, str] = {}
        for element in re.finditer(r"<sheet\b[^>]*>", book):
            if not bound_at_root and not _declares(element.group(0), "r", OFFICE_REL):
                raise Unsupported("a sheet's r: prefix is not bound to the relationships namespace")
            name = re.search(r'\sname="([^"]*)"', element.group(0))
            rid = re.search(r'\sr:id="([^"]*)"', element.group(0))
            if name is None or rid is None:
                raise Unsupported("a sheet without name or r:id")
            target, kind = book_rels.targets.get(rid.group(1), ("", ""))
            if kind == _REL_WORKSHEET and target in self.names:
                sheets[xml_unescape(name.group(1))] = target
        return sheets

    # --- one flagged worksheet ------------------------------------------------------------------------------

    def _mark_sheet(self, part: str, cells: dict[Cell, Mark], styles: _Styles, types: str, look: Look) -> str:
        xml = self.text(part)
        root = _root_tag(xml, "worksheet")
        if not _declares(root, "", MAIN):
            raise Unsupported("worksheet not in the main namespace")
        rels_part = join_path(dirname(part), "_rels", part.rsplit("/", 1)[-1] + ".rels")
        rels = _Rels(rels_part, self.text(rels_part)) if rels_part in self.names else _Rels.empty(rels_part)
        if "<legacyDrawing" in xml or rels.target_of_type(_REL_COMMENTS) or rels.target_of_type(_REL_VML):
            raise Unsupported("the sheet already has comments or VML drawings")
        hidden = _merged_hidden(xml)
        shown = {cell: mark for cell, mark in cells.items() if cell not in hidden}
        if not shown:
            return types
        xml = _restyle_cells(xml, shown, styles, _column_styles(xml))
        number, comments_part = self.fresh("xl/comments{}.xml")
        _, vml_part = self.fresh("xl/drawings/vmlDrawing{}.vml")
        self.added[comments_part] = _comments_xml(shown, look.author)
        self.added[vml_part] = _vml_xml(shown, number)
        rels.add(_REL_COMMENTS, comments_part)
        vml_id = rels.add(_REL_VML, vml_part)
        (self.changed if rels_part in self.names else self.added)[rels_part] = rels.xml
        if not _declares(root, "r", OFFICE_REL):
            xml = xml.replace(root, _set_attr(root, "xmlns:r", OFFICE_REL), 1)
        self.changed[part] = _insert_legacy_drawing(xml, vml_id)
        types = _add_override(types, comments_part, _CT_COMMENTS)
        if not re.search(r'<Default\b[^>]*\bExtension="vml"', types, re.I):
            types = _add_default(types, "vml", _CT_VML)
        if rels_part not in self.names and not re.search(r'<Default\b[^>]*\bExtension="rels"', types, re.I):
            types = _add_default(types, "rels", _CT_RELS)
        return types

    # --- the new package ------------------------------------------------------------------------------------

    def _write(self) -> bytes:
        """The new package: every part deflated at level 1 (0.4 ms a copy faster than zipfile's default level, the
        copy a tenth larger), a part the original stores uncompressed stored again.

        The standard library cannot copy a member still compressed; a zip writer of our own that did (every
        unchanged part copied as it came, never inflated and deflated again) was measured against this and did not
        earn its place at the sizes that matter. The 200 registration files of `benchmarks/bench.py`, one warning
        and one fix sheet each (2026-12, two shared cores, median of 12 runs): 1.98 ms a copy here, 1.24 ms with
        it; 0.7 ms a copy is a fifth of a second for the few hundred copies of a month, and a whole run returning
        those 200 files (this and the guard's zipfile together) took 2.26 s against 2.03 s, its runs ranging over
        1.8 to 2.9 s."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as package:
            for info in self.infos:
                if info.filename in self.dropped:
                    continue
                text = self.changed.get(info.filename)
                if text is None:
                    self._put(package, info.filename, self.content(info.filename), info.date_time, info.compress_type)
                else:
                    self._put(package, info.filename, text.encode("utf-8"), info.date_time)
            for name, text in self.added.items():
                self._put(package, name, text.encode("utf-8"), _NOW)
        return out.getvalue()

    @staticmethod
    def _put(
        package: zipfile.ZipFile,
        name: str,
        data: bytes,
        date_time: tuple[int, int, int, int, int, int],
        method: int = zipfile.ZIP_DEFLATED,
    ) -> None:
        member = zipfile.ZipInfo(name, date_time if date_time[0] >= 1980 else _NOW)  # zip dates start in 1980
        package.writestr(member, data, compress_type=method, compresslevel=1)  # a level means nothing to a stored part


_NOW = (1980, 1, 1, 0, 0, 0)  # the date of the parts a copy adds (zip's earliest, as xlsxwriter dates its parts)


@lru_cache(maxsize=64)  # files made from one template share their relationship parts
def _parse_rels(base: str, xml: str) -> tuple[dict[str, tuple[str, str]], frozenset[int]]:
    """Id → (target part, type) of a relationships part whose targets are relative to `base`, and the
    numbers of its rId… ids."""
    _root_tag(xml, "Relationships")
    targets: dict[str, tuple[str, str]] = {}
    numbers = {0}
    for tag in _RELATIONSHIP.findall(xml):
        attrs = dict(_ATTR.findall(tag))
        rid, target, kind = attrs.get("Id"), attrs.get("Target"), attrs.get("Type")
        if rid is None or target is None or kind is None:
            raise Unsupported("a relationship without Id, Type or Target")
        targets[rid] = ("" if attrs.get("TargetMode") == "External" else _resolve(base, target), kind)
        number = _RID.search(tag)
        if number:
            numbers.add(int(number.group(1)))
    return targets, frozenset(numbers)


def _resolve(base: str, target: str) -> str:
    target = xml_unescape(target)
    if target.startswith("/"):
        return target[1:]
    return normpath(join_path(base, target))


class _Rels:
    """A relationships part: Id → (resolved target part, type), and new relationships appended."""

    def __init__(self, part: str, xml: str) -> None:
        self.part = part
        self.xml = xml
        self.base = dirname(dirname(part))  # xl/_rels/workbook.xml.rels → targets relative to xl/
        targets, numbers = _parse_rels(self.base, xml)
        self.targets = dict(targets)
        self.numbers = set(numbers)

    @classmethod
    def empty(cls, part: str) -> _Rels:
        return cls(
            part,
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>',
        )

    def remove(self, rid: str) -> None:
        found = re.search(rf"""<Relationship\b[^>]*?\bId\s*=\s*["']{re.escape(rid)}["'][^>]*>""", self.xml)
        if found is None:
            raise Unsupported(f"relationship {rid} not found")
        end = found.end()
        if not found.group(0).endswith("/>"):  # <Relationship …></Relationship>
            closing = self.xml.find("</Relationship>", end)
            if closing == -1:
                raise Unsupported(f"relationship {rid} does not end")
            end = closing + len("</Relationship>")
        self.xml = self.xml[: found.start()] + self.xml[end:]
        del self.targets[rid]

    def target_of_type(self, kind: str) -> str | None:
        return next((target for target, found in self.targets.values() if found == kind), None)

    def add(self, kind: str, target_part: str) -> str:
        rid = f"rId{max(self.numbers) + 1}"
        self.numbers.add(max(self.numbers) + 1)
        relative = _relative(self.base, target_part)
        element = f'<Relationship Id="{rid}" Type="{kind}" Target="{_escape(relative)}"/>'
        if "</Relationships>" not in self.xml:  # <Relationships .../> with no children
            self.xml = re.sub(
                r"<Relationships\b([^>]*?)\s*/>", rf"<Relationships\1>{element}</Relationships>", self.xml
            )
        else:
            self.xml = self.xml.replace("</Relationships>", element + "</Relationships>", 1)
        self.targets[rid] = (target_part, kind)
        return rid


def _relative(base: str, part: str) -> str:
    """The path of `part` relative to the folder `base` ('xl/worksheets', 'xl/comments1.xml' → '../comments1.xml')."""
    base_parts = [p for p in base.split("/") if p]
    target_parts = part.split("/")
    common = 0
    while common < min(len(base_parts), len(target_parts) - 1) and base_parts[common] == target_parts[common]:
        common += 1
    return "/".join([".."] * (len(base_parts) - common) + target_parts[common:])


def _add_override(types: str, part: str, content_type: str) -> str:
    return types.replace("</Types>", f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>', 1)


def _add_default(types: str, extension: str, content_type: str) -> str:
    root = _root_tag(types, "Types")
    return types.replace(root, f'{root}<Default Extension="{extension}" ContentType="{content_type}"/>', 1)


# --- styles -------------------------------------------------------------------------------------------------


class _Styles:
    """styles.xml with the copy's fills, fonts and cell formats appended; clones are made once per format."""

    def __init__(self, xml: str, look: Look) -> None:
        _root_tag(xml, "styleSheet")
        self.source = xml
        self.fonts = self._block("fonts", "font")
        self.fills = self._block("fills", "fill")
        self.xfs = self._block("cellXfs", "xf")
        self.xf_elements = _XF.findall(self.xfs[1])
        if not self.xf_elements:
            raise Unsupported("no cell formats")
        if self.fills[2] < 2:  # the first two fills are reserved (none, gray125): ours would land on them
            raise Unsupported("fewer than the two reserved fills")
        self.new_fonts: list[str] = []
        self.new_fills: list[str] = []
        self.new_xfs: list[str] = []
        self.clones: dict[tuple[int, bool], int] = {}
        error_fill = self._add_fill(look.error_fill)
        warning_fill = self._add_fill(look.warning_fill)
        self.fill_of = {True: error_fill, False: warning_fill}

    def _block(self, name: str, child: str) -> tuple[re.Match[str], str, int]:
        match = re.search(rf"<{name}\b[^>]*?(?:/>|>(.*?)</{name}>)", self.source, re.S)
        if match is None:
            raise Unsupported(f"styles.xml has no <{name}>")
        inner = match.group(1) or ""
        count = len(re.findall(rf"<{child}[\s>/]", inner))
        return match, inner, count

    def _add_fill(self, argb: str) -> int:
        self.new_fills.append(
            f'<fill><patternFill patternType="solid"><fgColor rgb="{argb}"/><bgColor rgb="{argb}"/>'
            "</patternFill></fill>"
        )
        return self.fills[2] + len(self.new_fills) - 1

    def wrapping(self, font: Font) -> int:
        """A cell format for the fix sheet: the workbook's default one with `font`, wrapping at the top of the cell."""
        bold = "<b/>" if font.bold else ""
        self.new_fonts.append(f'<font>{bold}<sz val="{font.size:g}"/><name val="{_escape(font.name)}"/></font>')
        start = re.match(r"<xf\b[^>]*?/?>", self.xf_elements[0])
        assert start is not None
        tag = start.group(0).removesuffix("/>").removesuffix(">").rstrip() + ">"
        font_id = str(self.fonts[2] + len(self.new_fonts) - 1)
        for name, value in (("fontId", font_id), ("applyFont", "1"), ("applyAlignment", "1")):
            tag = _set_attr(tag, name, value)
        self.new_xfs.append(f'{tag}<alignment vertical="top" wrapText="1"/></xf>')
        return len(self.xf_elements) + len(self.new_xfs) - 1

    def flagged(self, style: int, error: bool) -> int:
        """The cell format `style` with the error or warning fill."""
        key = (style, error)
        if key not in self.clones:
            if style >= len(self.xf_elements):
                raise Unsupported(f"a cell uses format {style}, which styles.xml does not have")
            base = self.xf_elements[style]
            start = re.match(r"<xf\b[^>]*?/?>", base)
            assert start is not None
            tag = _set_attr(_set_attr(start.group(0), "fillId", str(self.fill_of[error])), "applyFill", "1")
            self.new_xfs.append(tag + base[start.end() :])
            self.clones[key] = len(self.xf_elements) + len(self.new_xfs) - 1
        return self.clones[key]

    def xml(self) -> str:
        # Later blocks first, so the earlier match positions stay valid.
        blocks = sorted(
            [
                (self.fonts, self.new_fonts, "fonts"),
                (self.fills, self.new_fills, "fills"),
                (self.xfs, self.new_xfs, "cellXfs"),
            ],
            key=lambda item: item[0][0].start(),
            reverse=True,
        )
        xml = self.source
        for (match, inner, count), added, name in blocks:
            start_tag = re.match(rf"<{name}\b[^>]*?/?>", match.group(0))
            assert start_tag is not None
            tag = start_tag.group(0).removesuffix("/>").removesuffix(">")
            tag = _set_attr(tag + ">", "count", str(count + len(added)))
            xml = xml[: match.start()] + tag + inner + "".join(added) + f"</{name}>" + xml[match.end() :]
        return xml


# --- worksheet edits ----------------------------------------------------------------------------------------


def _merged_hidden(xml: str) -> set[Cell]:
    """Cells covered by a merged range other than its first: they cannot carry a comment or a fill of their own."""
    hidden: set[Cell] = set()
    for first_col, first_row, last_col, last_row in _MERGE.findall(xml):
        c1, c2, r1, r2 = column_index(first_col), column_index(last_col), int(first_row) - 1, int(last_row) - 1
        if (c2 - c1 + 1) * (r2 - r1 + 1) > 100_000:
            raise Unsupported("a very large merged range")
        hidden.update((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) != (r1, c1))
    return hidden


def _column_styles(xml: str) -> Callable[[int], int]:
    """The default format of each column (0-based), from <cols>: a cell added to an empty spot takes it, as in
    Excel. <cols> is read only when a cell has to be added."""

    @lru_cache(maxsize=1)
    def ranges() -> list[tuple[int, int, int]]:
        found = []
        for tag in _COL.findall(xml):
            attrs = dict(_ATTR.findall(tag))
            if {"min", "max", "style"} <= attrs.keys():
                found.append((int(attrs["min"]) - 1, int(attrs["max"]) - 1, int(attrs["style"])))
        return found

    def style_of(col: int) -> int:
        return next((style for low, high, style in ranges() if low <= col <= high), 0)

    return style_of


def _sheet_data(xml: str) -> tuple[int, int, int, int]:
    """Where <sheetData> opens, where its rows begin and end, and where it closes."""
    opened = _SHEET_DATA_OPEN.search(xml)
    if opened is None:
        raise Unsupported("no <sheetData>")
    if opened.group(0).endswith("/>"):
        return opened.start(), opened.end(), opened.end(), opened.end()
    closed = xml.find("</sheetData>", opened.end())
    if closed == -1:
        raise Unsupported("<sheetData> does not end")
    return opened.start(), opened.end(), closed, closed + len("</sheetData>")


def _restyle_cells(xml: str, marks: dict[Cell, Mark], styles: _Styles, column_style: Callable[[int], int]) -> str:
    start, body_start, body_end, end = _sheet_data(xml)
    wanted: dict[int, dict[int, Mark]] = {}  # row number as the sheet writes it (1-based) → column → mark
    for (row, col), mark in marks.items():
        wanted.setdefault(row + 1, {})[col] = mark
    # Usually every flagged row is there, its number the first attribute (as every client writes it): each row
    # is found directly, so a sheet with thousands of blank template rows costs no more than a short one.
    edits: list[tuple[int, int, str]] = []
    for row, cells in sorted(wanted.items()):
        found = xml.find(f'<row r="{row}"', body_start, body_end)
        if found == -1:
            break
        tag_end = xml.find(">", found) + 1
        row_end = tag_end if xml[tag_end - 2] == "/" else xml.find("</row>", tag_end) + len("</row>")
        edits.append((found, row_end, _restyle_row(xml[found:row_end], cells, styles, column_style)))
    else:
        kept: list[str] = []
        pos = 0
        for found, row_end, replacement in sorted(edits):  # rows need not be stored in number order
            kept += (xml[pos:found], replacement)
            pos = row_end
        return "".join(kept) + xml[pos:]
    body = xml[body_start:body_end]  # a row to add: every row is read to find its place
    pos = 0
    pieces: list[str] = []
    for match in _ROW.finditer(body):
        number = _ROW_NUMBER.search(match.group(0)[: match.group(0).find(">")])
        if number is None:
            raise Unsupported("a row without its number")
        row = int(number.group(1))
        for missing in sorted(r for r in wanted if r < row):
            pieces.append(body[pos : match.start()])
            pos = match.start()
            pieces.append(_new_row(missing, wanted.pop(missing), styles, column_style))
        pieces.append(body[pos : match.start()])
        pos = match.end()
        here = wanted.pop(row, None)
        pieces.append(match.group(0) if here is None else _restyle_row(match.group(0), here, styles, column_style))
    pieces.append(body[pos:])
    for missing in sorted(wanted):
        pieces.append(_new_row(missing, wanted[missing], styles, column_style))
    return xml[:start] + "<sheetData>" + "".join(pieces) + "</sheetData>" + xml[end:]


def _new_row(row: int, cells: dict[int, Mark], styles: _Styles, column_style: Callable[[int], int]) -> str:
    inner = "".join(_new_cell(col, str(row), mark, styles, column_style) for col, mark in sorted(cells.items()))
    return f'<row r="{row}">{inner}</row>'


def _restyle_row(row_xml: str, cells: dict[int, Mark], styles: _Styles, column_style: Callable[[int], int]) -> str:
    number = _ROW_NUMBER.search(row_xml[: row_xml.find(">")])
    if number is None:
        raise Unsupported("a row without its number")
    places = [(row_xml.find(f'<c r="{column_letters(col)}{number.group(1)}"'), mark) for col, mark in cells.items()]
    if all(found != -1 for found, _mark in places):  # every flagged cell is there: restyle them in place
        for found, mark in sorted(places, key=lambda place: place[0], reverse=True):
            tag_end = row_xml.find(">", found) + 1
            row_xml = row_xml[:found] + _restyled(row_xml[found:tag_end], mark, styles) + row_xml[tag_end:]
        return row_xml
    start_tag = row_xml[: row_xml.find(">") + 1]
    if start_tag.endswith("/>"):
        open_tag, body, closing = start_tag[:-2] + ">", "", "</row>"
    else:
        open_tag, body, closing = start_tag, row_xml[len(start_tag) : -len("</row>")], "</row>"
    row_style = _STYLE.search(open_tag)
    if row_style is not None and _CUSTOM_FORMAT.search(open_tag):  # a formatted row: its cells take its format
        styled = int(row_style.group(1))

        def column_style(_col: int) -> int:
            return styled

    pieces: list[str] = []
    pos = 0
    pending = dict(cells)
    added = False
    for match in _CELL.finditer(body):
        cell = match.group(0)
        tag_end = cell.find(">") + 1
        tag = cell[:tag_end]
        ref = _REF.search(tag)
        if ref is None:
            raise Unsupported("a cell without its reference")
        col = column_index(ref.group(1))
        for missing in sorted(c for c in pending if c < col):
            pieces.append(body[pos : match.start()])
            pos = match.start()
            pieces.append(_new_cell(missing, ref.group(2), pending.pop(missing), styles, column_style))
            added = True
        flagged = pending.pop(col, None)
        if flagged is not None:
            pieces.append(body[pos : match.start()])
            pieces.append(_restyled(tag, flagged, styles) + cell[tag_end:])
            pos = match.end()
    pieces.append(body[pos:])
    row_number = _ROW_NUMBER.search(open_tag)
    assert row_number is not None
    for missing in sorted(pending):
        pieces.append(_new_cell(missing, row_number.group(1), pending[missing], styles, column_style))
        added = True
    if added:
        open_tag = _SPANS.sub("", open_tag)  # spans are an optional hint; a stale one is worse than none
    return open_tag + "".join(pieces) + closing


def _restyled(tag: str, mark: Mark, styles: _Styles) -> str:
    """A cell's start tag with its format swapped for that format with the mark's fill."""
    current = _STYLE.search(tag)
    return _set_attr(tag, "s", str(styles.flagged(int(current.group(1)) if current else 0, mark.error)))


def _new_cell(col: int, row: str, mark: Mark, styles: _Styles, column_style: Callable[[int], int]) -> str:
    return f'<c r="{column_letters(col)}{row}" s="{styles.flagged(column_style(col), mark.error)}"/>'


def _insert_legacy_drawing(xml: str, rid: str) -> str:
    """<legacyDrawing r:id=…/> placed where the worksheet's child sequence wants it."""
    element = f'<legacyDrawing r:id="{rid}"/>'
    depth = 1
    for tag in _TAG.finditer(xml, _sheet_data(xml)[3]):
        name = tag.group(2)
        if name is None:
            continue  # comment or processing instruction
        if tag.group(1):  # closing tag
            depth -= 1
            if depth == 0:
                return xml[: tag.start()] + element + xml[tag.start() :]
            continue
        if depth == 1 and name in _AFTER_LEGACY_DRAWING:
            return xml[: tag.start()] + element + xml[tag.start() :]
        if not tag.group(4):
            depth += 1
    raise Unsupported("the worksheet does not end")


# --- new parts ----------------------------------------------------------------------------------------------


def _text_element(text: str) -> str:
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f"<t{space}>{_escape(text)}</t>"


def _comments_xml(marks: dict[Cell, Mark], author: str) -> str:
    comments = "".join(
        f'<comment ref="{column_letters(col)}{row + 1}" authorId="0"><text>{_text_element(mark.text)}</text></comment>'
        for (row, col), mark in marks.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<comments xmlns="{MAIN}"><authors><author>{_escape(author)}</author></authors>'
        f"<commentList>{comments}</commentList></comments>"
    )


def _vml_xml(marks: dict[Cell, Mark], number: int) -> str:
    shapes = []
    for index, (row, col) in enumerate(marks):
        shapes.append(
            f'<v:shape id="_x0000_s{number * 1024 + index + 1}" type="#_x0000_t202" '
            'style="position:absolute;margin-left:80pt;margin-top:2pt;width:240pt;height:120pt;'
            f'z-index:{index + 1};visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
            '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{col + 1}, 15, {row}, 2, {col + 4}, 15, {row + 7}, 16</x:Anchor>"
            f"<x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData>"
            "</v:shape>"
        )
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{number}"/></o:shapelayout>'
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        + "".join(shapes)
        + "</xml>"
    )


def _fix_sheet_xml(sheet: FixSheetLayout, styles: _Styles) -> str:
    """The fix sheet, laid out by `fix_sheet.lay_out` (as the openpyxl copy's is), as worksheet XML."""
    formats: dict[Font, int] = {}  # a cell format added to `styles` for each font the sheet uses
    rows = []
    last_col = 0
    for row in sheet.rows:
        style = formats.get(row.font)
        if style is None:
            style = formats[row.font] = styles.wrapping(row.font)
        cells = []
        for col, text in enumerate(row.texts):
            if not text:
                continue
            last_col = max(last_col, col)
            cells.append(
                f'<c r="{column_letters(col)}{row.number}" s="{style}" t="inlineStr"><is>{_text_element(text)}</is></c>'
            )
        if row.span is not None:
            last_col = max(last_col, row.span)
        rows.append(f'<row r="{row.number}" ht="{row.height:g}" customHeight="1">{"".join(cells)}</row>')
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{width:g}" customWidth="1"/>' for i, width in enumerate(sheet.widths, start=1)
    )
    merged = "".join(
        f'<mergeCell ref="{column_letters(first)}{number}:{column_letters(last)}{number}"/>'
        for number, first, last in sheet.merges
    )
    merge_cells = f'<mergeCells count="{len(sheet.merges)}">{merged}</mergeCells>' if merged else ""
    page = sheet.page
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{OFFICE_REL}">'
        f'<sheetPr><tabColor rgb="{sheet.tab_color}"/><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{column_letters(last_col)}{max(sheet.extent, 1)}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{"".join(rows)}</sheetData>'
        f"{merge_cells}"
        f'<pageMargins left="{page.left:g}" right="{page.right:g}" top="{page.top:g}" bottom="{page.bottom:g}" '
        f'header="{page.header:g}" footer="{page.footer:g}"/>'
        f'<pageSetup paperSize="{page.paper}" orientation="{"landscape" if page.landscape else "portrait"}" '
        f'fitToWidth="{page.fit_width}" fitToHeight="{page.fit_height}"/>'
        f"<headerFooter><oddFooter>{_escape('&C' + page.footer_text)}</oddFooter></headerFooter>"
        "</worksheet>"
    )


@lru_cache(maxsize=64)
def _book_with_first_sheet(book: str, name: str, rid: str, head: int = 0) -> str:
    """workbook.xml with the fix sheet first: local defined names move one place, the fix sheet is active and,
    when it has a header row (`head`, 1-based), prints it on every page."""
    taken = {xml_unescape(found).casefold() for found in re.findall(r'<sheet\b[^>]*?\sname="([^"]*)"', book)}
    if name.casefold() in taken:
        raise Unsupported("a copy sent back with its fix sheet")
    ids = [int(found) for found in re.findall(r'<sheet\b[^>]*?\ssheetId="(\d+)"', book)]
    bind = "" if _declares(_root_tag(book, "workbook"), "r", OFFICE_REL) else f' xmlns:r="{OFFICE_REL}"'
    element = f'<sheet name="{_escape(name)}" sheetId="{max(ids, default=0) + 1}"{bind} r:id="{rid}"/>'
    opened = re.search(r"<sheets\b[^>]*>", book)
    if opened is None or opened.group(0).endswith("/>"):
        raise Unsupported("no sheet list")
    book = book[: opened.end()] + element + book[opened.end() :]
    book = re.sub(r'(\slocalSheetId=")(\d+)"', lambda m: f'{m.group(1)}{int(m.group(2)) + 1}"', book)
    if head:
        quoted = "'" + _escape(name).replace("'", "''") + "'"
        titles = f'<definedName name="_xlnm.Print_Titles" localSheetId="0">{quoted}!${head}:${head}</definedName>'
        names = re.search(r"<definedNames\b[^>]*?(/?)>", book)
        if names is None:  # CT_Workbook: definedNames follows sheets, functionGroups and externalReferences
            after = max(
                book.find(end) + len(end) for end in ("</sheets>", "</functionGroups>", "</externalReferences>")
            )
            book = f"{book[:after]}<definedNames>{titles}</definedNames>{book[after:]}"
        elif names.group(1):  # <definedNames/>
            book = f"{book[: names.start()]}<definedNames>{titles}</definedNames>{book[names.end() :]}"
        else:
            book = book[: names.end()] + titles + book[names.end() :]

    def first_tab(match: re.Match[str]) -> str:
        tag = re.sub(r'\s(?:activeTab|firstSheet)="\d+"', "", match.group(0))
        return _set_attr(tag, "activeTab", "0")

    return re.sub(r"<workbookView\b[^>]*>", first_tab, book)
