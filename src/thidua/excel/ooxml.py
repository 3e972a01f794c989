"""Reading the structure of an Office Open XML package (ECMA-376 Part 1 SpreadsheetML, Part 2 Open Packaging
Conventions), with no domain knowledge: which worksheet part holds which sheet, and XML text unescaped.

The workbook part and its relationships are parsed as XML (defusedxml: no entity expansion, no DTD), matched by
local name, so a namespace prefix (`<x:sheet>`, as .NET writers produce) or the strict-OOXML namespaces map the
same sheets as the usual unprefixed transitional form.
"""

from __future__ import annotations

import functools
import posixpath
import re
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

_R_ID = "id"  # r:id, in the transitional or the strict relationships namespace
_UNNORMAL = re.compile(r"(?:^|/)\.{1,2}(?:/|$)|//|\\")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# A workbook part or a relationships part parsed into a tree: at most 4 MB and 100,000 tags (a real workbook's are a
# few KB; 20 million elements took the guard 34 s and 1.8 GB, a million nested ones 315 MiB; 2026-12-07).
PARSED_PART, PARSED_ELEMENTS = 4 << 20, 100_000


@functools.lru_cache(maxsize=8)
def _parse(xml: bytes) -> Element | None:
    """The parsed part (never modified by its callers), kept for the next question about the same bytes: the
    guard asks three about one workbook's relationships. A part declaring a document type is not parsed: no
    part of a workbook needs one (parsing by expat directly saved 0.04 ms a file and was not kept: defusedxml's
    hardening is not ours to rewrite)."""
    if len(xml) > PARSED_PART or xml.count(b"<") > PARSED_ELEMENTS:  # a tree of millions of elements: GBs
        return None
    try:
        return ElementTree.fromstring(xml, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return None


def sheet_parts(names: set[str], book: bytes, rels: bytes, book_part: str = "xl/workbook.xml") -> dict[str, str]:
    """Sheet name → worksheet part, from the workbook part (`book`) and its relationships (`rels`), for the parts
    that exist in the package (`names`); {} when either cannot be parsed."""
    book_root, rels_root = _parse(book) if book else None, _parse(rels) if rels else None
    if book_root is None or rels_root is None:
        return {}
    return _mapped(names, book_root, rels_root, book_part)


def _mapped(names: set[str], book_root: Element, rels_root: Element, book_part: str) -> dict[str, str]:
    folder = posixpath.dirname(book_part)
    targets: dict[str, str] = {}
    for rel in rels_root.iter():
        if _local(rel.tag) == "Relationship" and rel.get("Id") and rel.get("Target"):
            target = str(rel.get("Target"))
            if _UNNORMAL.search(target):  # "..", ".", "//" or "\\": a reader may open another member than the guard
                continue
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            # Some writers give the target from the package's root without the leading slash.
            targets[str(rel.get("Id"))] = path if path in names or target not in names else target
    parts: dict[str, str] = {}
    for sheet in book_root.iter():
        if _local(sheet.tag) != "sheet":
            continue
        # Any attribute called id, prefixed or not: a reader may take another than r:id (calamine takes the last).
        ids = [value for attr, value in sheet.attrib.items() if _local(attr) == _R_ID]
        rid = ids[0] if len(ids) == 1 else None  # two relationship ids: which one a reader takes is its own choice
        name = sheet.get("name")
        path = targets.get(rid or "", "")
        if name is not None and path in names:
            parts[name] = str(path)
    return parts


_REFERENCE = re.compile(r"&(?:#(\d+)|#x([0-9A-Fa-f]+)|(lt|gt|quot|apos|amp));")
_NAMED = {"lt": "<", "gt": ">", "quot": '"', "apos": "'", "amp": "&"}


def _referenced(match: re.Match[str]) -> str:
    decimal, hexadecimal, name = match.groups()
    if name:
        return _NAMED[name]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    return chr(code) if code <= 0x10FFFF else match.group(0)


def xml_unescape(text: str) -> str:
    """An attribute value's text: XML's five named entities and numeric character references decoded."""
    return _REFERENCE.sub(_referenced, text) if "&" in text else text


def office_document(root_rels: bytes) -> str | None:
    """The workbook part the package's root relationships (_rels/.rels) name as its office document, whatever
    their prefixes or namespace (transitional or strict); None when they cannot be parsed or name none."""
    root = _parse(root_rels) if root_rels else None
    if root is None:
        return None
    for rel in root.iter():
        if _local(rel.tag) == "Relationship" and str(rel.get("Type", "")).endswith("/officeDocument"):
            target = str(rel.get("Target", ""))
            return posixpath.normpath(target.lstrip("/")) if target else None
    return None


def relationships_part(part: str) -> str:
    """Where a part's relationships are kept (OPC: its folder's _rels/<name>.rels)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def map_sheets(names: set[str], book: bytes, rels: bytes, book_part: str) -> dict[str, str] | None:
    """Every sheet the workbook part lists → its worksheet part, or None when that cannot be told for each of
    them: the workbook or its relationships do not parse, or a listed sheet's part is not in the package. A
    guard must not read such a file at all: what it would inspect and what a parser reads could differ."""
    book_root = _parse(book) if book else None
    if book_root is None:
        return None
    listed = [element for element in book_root.iter() if _local(element.tag) == "sheet"]
    if not listed:
        return {}
    rels_root = _parse(rels) if rels else None
    if rels_root is None:
        return None
    parts = _mapped(names, book_root, rels_root, book_part)
    # Two sheets of one name: a parser reads the first, the mapping keeps the last; Excel never writes it.
    # Two sheets on one part: read as often as it is listed (1,000 sheets on one part of a million cells: 48 s).
    distinct = {element.get("name") for element in listed}
    return parts if len(parts) == len(distinct) == len(listed) == len(set(parts.values())) else None


_SHEET_TYPES = ("/worksheet", "/dialogsheet", "/chartsheet", "/xlMacrosheet", "/xlIntlMacrosheet")


def worksheet_targets(rels: bytes, rels_part: str) -> set[str]:
    """The parts a relationships part (`rels_part`, e.g. xl/_rels/workbook.xml.rels) names as worksheets (or
    dialog and macro sheets, which hold cells too), resolved from the folder of the part they belong to."""
    root = _parse(rels) if rels else None
    if root is None:
        return set()
    folder = posixpath.dirname(posixpath.dirname(rels_part))  # xl/_rels/workbook.xml.rels belongs to xl/…
    found = set()
    for rel in root.iter():
        if _local(rel.tag) == "Relationship" and str(rel.get("Type", "")).endswith(_SHEET_TYPES):
            target = str(rel.get("Target", ""))
            if target:
                found.add(
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                )
    return found
