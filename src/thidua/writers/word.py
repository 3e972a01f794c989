"""Official documents in Word (python-docx), laid out as Nghị định 30/2020/NĐ-CP, Phụ lục I asks: A4 portrait,
margins top and bottom 20 mm, left 30 mm, right 15 mm; Times New Roman, body 14 pt; the managing body and the
issuing unit (left) beside the Quốc hiệu and tiêu ngữ (right), each with its rule line; "Số: …/<kind>-<Ký hiệu>"
and the place and date; the title; "Kính gửi"; the body; the signature block beside "Nơi nhận". The year-end
dossier's documents are written with these functions, and the receiving office's documents will be too.

python-docx wraps neither a paragraph's border nor a table's repeated header row: a rule line is the bottom border
of an empty paragraph indented to the line's length (`_rule`) and a header row is flagged to repeat (`grid`), the
two elements added through python-docx's element API, in the schema's order; everything else is python-docx's API."""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from copy import deepcopy
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import nsmap, qn
from docx.shared import Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from lxml import etree

from thidua.core.plan import School
from thidua.writers.common import upper
from thidua.writers.official import NATIONAL_MOTTO, NATIONAL_TITLE, copies_lines

FONT = "Times New Roman"
BODY_PT = 14
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(20), Mm(20), Mm(30), Mm(15)
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT  # 165 mm
LEFT_BLOCK, RIGHT_BLOCK = Mm(72), Mm(100)  # the unit's block and the Quốc hiệu's (wider than the text: 172 mm)
BLANK = "…"  # what only a person can write is left visible, never invented
SIGNATORY_HINT = "(Ký, ghi rõ họ tên và đóng dấu)"


def new_document() -> DocumentType:
    """An empty A4 portrait document with NĐ 30's margins and Times New Roman 14 pt."""
    return Document(io.BytesIO(_base_document()))


@functools.cache
def _base_document() -> bytes:
    """The empty document every document starts from, made once a process. python-docx's default template holds
    about 160 defined styles (styles.xml, 350 KB) and Word 2010's stylesWithEffects.xml (438 KB), which every
    document parsed, serialised, deflated and, for a table, deflated again (`_splice`); the base keeps the styles
    our documents name (Normal, Table Grid), the defaults, those its numbering names and what they rest on; Word's
    built-in styles stay listed (latentStyles). Opening and saving a document: 14.5 -> 2.6 ms; the demo's year-end
    dossier (seven documents) 0.28 -> 0.20-0.24 s, and 38 KB a document -> 14 KB (best of 20 and of 4, 2026-12-07,
    two shared cores; the documents print the same, pixel for pixel, through LibreOffice)."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    doc.core_properties.language = "vi-VN"
    _keep_styles(doc, NAMED_STYLES)
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(rid)
    saved = io.BytesIO()
    doc.save(saved)
    return saved.getvalue()


NAMED_STYLES = ("Normal", "Table Grid")  # the styles the documents ask for by name (`doc.styles[...]`)


def _keep_styles(doc: DocumentType, names: Iterable[str]) -> None:
    """Remove every defined style but the named ones, the defaults (w:default), those the numbering definitions
    name, and the styles they are based on, followed by or linked to."""
    root = doc.styles.element
    by_id = {style.get(qn("w:styleId")): style for style in root.findall(qn("w:style"))}
    wanted: set[str] = set()
    todo = [doc.styles[name].style_id for name in names]
    todo += [sid for sid, style in by_id.items() if style.get(qn("w:default")) in ("1", "true", "on")]
    # the template's numbering definitions name styles too (List Bullet, List Number): they are kept with them
    todo += [element.get(qn("w:val")) for element in doc.part.numbering_part.element.iter(qn("w:pStyle"))]
    while todo:
        sid = todo.pop()
        if sid in wanted or sid not in by_id:
            continue
        wanted.add(sid)
        for tag in ("w:basedOn", "w:next", "w:link"):
            reference = by_id[sid].find(qn(tag))
            if reference is not None:
                todo.append(reference.get(qn("w:val")))
    for sid, style in by_id.items():
        if sid not in wanted:
            root.remove(style)


class _Spill:
    """A document's table rows written out as XML while it is built (`grid`), spliced into the saved package in
    place of a marker row: a list of tens of thousands of rows costs a file, not a tree of millions of elements
    (about 1 GB for a province's 50,000 proposals)."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115  # closed by word_document, whatever happens
        self.tables: list[tuple[str, int, int]] = []  # (marker, start, end) in the file


_SPILLS: dict[int, _Spill] = {}  # the documents being written by `word_document`, by id
_MARKER = "thidua-rows-{}"
_NS_W = f' xmlns:w="{nsmap["w"]}"'


@contextmanager
def word_document(path: Path) -> Iterator[DocumentType]:
    """A new document, saved to `path` when the block ends without an error."""
    doc = new_document()
    spill = _SPILLS[id(doc)] = _Spill()
    try:
        yield doc
        doc.save(str(path))
        if spill.tables:
            _splice(path, spill)
    finally:
        del _SPILLS[id(doc)]
        spill.file.close()


def _splice(path: Path, spill: _Spill) -> None:
    """Replace each marker row of the saved document by its spilled rows, streaming them into the package."""
    with zipfile.ZipFile(path) as package:
        members = [(info, package.read(info)) for info in package.infolist()]
    staged = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in members:
            if info.filename != "word/document.xml":
                out.writestr(info, data)
                continue
            text = data.decode("utf-8")
            entry = zipfile.ZipInfo(info.filename, info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with out.open(entry, "w", force_zip64=True) as part:
                at = 0
                for marker, start, end in spill.tables:
                    found = text.index(marker, at)
                    row_start = max(text.rfind("<w:tr>", at, found), text.rfind("<w:tr ", at, found))
                    row_end = text.index("</w:tr>", found) + len("</w:tr>")
                    part.write(text[at:row_start].encode("utf-8"))
                    spill.file.seek(start)
                    left = end - start
                    while left:
                        chunk = spill.file.read(min(left, 1 << 20))
                        part.write(chunk)
                        left -= len(chunk)
                    at = row_end
                part.write(text[at:].encode("utf-8"))
    os.replace(staged, path)


def text(
    paragraph: Paragraph,
    value: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
) -> Paragraph:
    """Append a run of text with its emphasis to `paragraph`."""
    run = paragraph.add_run(value)
    run.bold, run.italic = bold or None, italic or None
    if size is not None:
        run.font.size = Pt(size)
    return paragraph


def line(
    where: DocumentType | _Cell,
    value: str = "",
    *,
    align: str = "left",
    bold: bool = False,
    italic: bool = False,
    size: float | None = None,
    indent: bool = False,
    after: float = 0,
    before: float = 0,
    keep_with_next: bool = False,
) -> Paragraph:
    """A paragraph of one run. `align`: left, center, right or justify; `indent`: the body's first-line indent
    (1 cm); `after`/`before`: spacing in points."""
    paragraph = where.add_paragraph()
    paragraph.alignment = _ALIGN[align]
    fmt = paragraph.paragraph_format
    fmt.space_after, fmt.space_before = Pt(after), Pt(before)
    if indent:
        fmt.first_line_indent = Mm(10)
    if keep_with_next:
        fmt.keep_with_next = True
    if value:
        text(paragraph, value, bold=bold, italic=italic, size=size)
    return paragraph


_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def body(doc: DocumentType, value: str, *, bold: bool = False, italic: bool = False) -> Paragraph:
    """A paragraph of the body: justified, first line indented, 6 pt after."""
    return line(doc, value, align="justify", indent=True, after=6, bold=bold, italic=italic)


def _rule(where: DocumentType | _Cell, width: Any, length: Any) -> None:
    """A rule line `length` long, centred in a block `width` wide: an empty 2 pt paragraph indented on both sides,
    with a single bottom border (NĐ 30, Phụ lục I: under the unit's name, 1/3 to 1/2 of it; under the tiêu ngữ, as
    long as it; under a title)."""
    paragraph = line(where, size=2)
    side = max(0, int((width - length) / 2))
    paragraph.paragraph_format.left_indent = side
    paragraph.paragraph_format.right_indent = side
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(name), value)
    borders.append(bottom)
    properties = paragraph._p.get_or_add_pPr()
    properties.insert_element_before(borders, *_AFTER_BORDERS)  # in the schema's order: Word refuses it elsewhere
    text(paragraph, "", size=2)


# What may follow w:pBdr in a paragraph's properties (ECMA-376 Part 1, 17.3.1.26 pPr: CT_PPrBase's sequence).
_AFTER_BORDERS = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def _layout_table(doc: DocumentType, widths: Sequence[Any]) -> Any:
    """A borderless table of fixed column widths, for the blocks that stand side by side."""
    table = doc.add_table(rows=1, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for cell, width in zip(table.rows[0].cells, widths, strict=True):
        cell.width = width
    return table


def keep_whole(row: Any) -> None:
    """A table row is never split across two pages (a nominee's row, a signature block)."""
    flag = OxmlElement("w:cantSplit")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _first(cell: _Cell) -> _Cell:
    """A new cell's one empty paragraph is removed, so that `line` adds the first."""
    for paragraph in list(cell.paragraphs):
        paragraph._p.getparent().remove(paragraph._p)
    return cell


def unbroken(value: str) -> str:
    """Text whose dashes do not end a line ("2021–2022" stays whole): a word joiner on each side of each dash."""
    return value.replace("–", "\u2060–\u2060")


def document_number(kind: str, symbol: str) -> str:
    """'Số:        /TTr-THMĐ': the number is left for the clerk to write (NĐ 30, Phụ lục I)."""
    return f"Số:        /{kind}-{symbol}" if symbol else f"Số:        /{kind}"


def date_line(place: str, day: dt.date | None, year: int) -> str:
    """'Măng Đen, ngày 04 tháng 06 năm 2022', or with the day and month left blank when only the signatory knows
    them ('Măng Đen, ngày     tháng     năm 2022')."""
    where = place or BLANK
    if day is None:
        return f"{where}, ngày    tháng    năm {year}"
    return f"{where}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def letterhead(doc: DocumentType, school: School, kind: str, dated: str, managed: bool = True) -> None:
    """The managing body and the school with the rule line under its name, "Số: …", beside the Quốc hiệu and the
    tiêu ngữ with its rule line, and the place and date. Not `managed`: a body with no managing body above it (an
    Ủy ban nhân dân issuing a decision) prints its name alone."""
    left, right = (_first(c) for c in _layout_table(doc, (LEFT_BLOCK, RIGHT_BLOCK)).rows[0].cells)
    if managed:
        line(left, upper(school.parent_body) or BLANK, align="center", size=12)
    name = upper(school.name) or BLANK
    line(left, name, align="center", bold=True, size=12)
    _rule(left, LEFT_BLOCK, Mm(min(66, max(18, 1.0 * len(name)))))  # about 1/3 of the name's printed length
    line(left, document_number(kind, school.symbol), align="center", size=13, before=4)
    line(right, NATIONAL_TITLE, align="center", bold=True, size=12)  # NĐ 30: 12–13 pt
    line(right, NATIONAL_MOTTO, align="center", bold=True, size=13)  # 13–14 pt
    _rule(right, RIGHT_BLOCK, Mm(58))  # "Độc lập - Tự do - Hạnh phúc" in 13 pt bold is about 58 mm long
    line(right, dated, align="center", italic=True, size=14, before=4)


def title(doc: DocumentType, heading: str, about: str = "", width: Any = TEXT_WIDTH) -> None:
    """The document's name in capitals, what it is about under it, and a short rule line centred in the text's
    `width` (a landscape page's is wider)."""
    line(doc, heading, align="center", bold=True, size=14, before=18)
    if about:
        line(doc, about, align="center", bold=True, size=14)
    _rule(doc, width, Mm(35))


def addressed(doc: DocumentType, recipients: Iterable[str]) -> None:
    """'Kính gửi: …', one recipient per line, centred."""
    found = [r for r in recipients if r]
    if not found:
        found = [BLANK]
    if len(found) == 1:
        line(doc, f"Kính gửi: {found[0]}.", align="center", before=12, after=12)
        return
    line(doc, "Kính gửi:", align="center", before=12)
    for i, recipient in enumerate(found):
        line(
            doc,
            f"- {recipient}{'.' if i == len(found) - 1 else ';'}",
            align="center",
            after=12 if i == len(found) - 1 else 0,
        )


def submit_close(doc: DocumentType, sender: School, authority: str) -> None:
    """A tờ trình's last sentence and its signature (Nghị định 30/2020 layout): the sender submits to `authority`
    for its decision; the copies go to the addressee and the archive."""
    body(doc, f"{sender.name or BLANK} kính trình {authority or BLANK} xem xét, quyết định./.")
    signature(doc, sender, ("Như trên", "Lưu: VT"))


def signature(doc: DocumentType, school: School, copies: Sequence[str], signatory_title: str = "") -> None:
    """'Nơi nhận:' (left, 12 pt bold italic, each recipient 11 pt) beside the signatory's title, the hint, the space
    for the signature and stamp, and the name (left blank when the plan has none)."""
    table = _layout_table(doc, (Mm(75), Mm(90)))
    keep_whole(table.rows[0])
    left, right = (_first(c) for c in table.rows[0].cells)
    line(left, "Nơi nhận:", bold=True, italic=True, size=12, before=12)
    for entry in copies_lines(copies):
        line(left, entry, size=11)
    line(right, upper(signatory_title or school.signatory_title) or BLANK, align="center", bold=True, before=12)
    line(right, SIGNATORY_HINT, align="center", italic=True)
    for _ in range(4):
        line(right)
    line(right, school.signatory_name or BLANK, align="center", bold=True)


def two_signatures(doc: DocumentType, left: tuple[str, str, str], right: tuple[str, str, str]) -> None:
    """Two signature blocks side by side, each (title, hint, name): the title in bold, the hint in italics, the
    space for the signature, the name (left visible "…" when not known); kept on one page."""
    table = _layout_table(doc, (LEFT_BLOCK, RIGHT_BLOCK))
    keep_whole(table.rows[0])
    for cell, (heading, hint, name) in zip(table.rows[0].cells, (left, right), strict=True):
        cell = _first(cell)
        line(cell, heading, align="center", bold=True, before=12)
        line(cell, hint, align="center", italic=True)
        for _ in range(4):
            line(cell)
        line(cell, name or BLANK, align="center", bold=True)


def national_heading(doc: DocumentType, dated: str) -> None:
    """The Quốc hiệu and tiêu ngữ centred with the rule line under it, then the place and date at the right: the
    head of a document a person writes in their own name (a báo cáo thành tích)."""
    line(doc, NATIONAL_TITLE, align="center", bold=True, size=12)
    line(doc, NATIONAL_MOTTO, align="center", bold=True, size=13)
    _rule(doc, TEXT_WIDTH, Mm(58))
    line(doc, dated, align="right", italic=True, before=6)


def grid(
    doc: DocumentType,
    columns: Sequence[tuple[str, float]],
    rows: Iterable[Sequence[str]],
    *,
    size: float = 12,
    centred: frozenset[int] = frozenset(),
) -> None:
    """A bordered table: the header row in bold (repeated on every page), then `rows`; widths in millimetres."""
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [Mm(width) for _label, width in columns]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    header = table.rows[0]
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(flag)
    for cell, (label, _width), width in zip(header.cells, columns, widths, strict=True):
        cell.width = width
        _first(cell)
        line(cell, label, align="center", bold=True, size=size)
    # The first row is laid out through python-docx with a placeholder in each cell; every row is a copy of it with
    # its texts set (python-docx's add_row looks the table's grid up among all the rows already there: quadratic,
    # minutes for a province's tens of thousands of proposals).
    prototype: Any = None
    spill: _Spill | None = None
    marker, start = "", 0
    for values in rows:
        if prototype is None:
            row = table.add_row()
            keep_whole(row)
            for i, (cell, width) in enumerate(zip(row.cells, widths, strict=True)):
                cell.width = width
                _first(cell)
                line(cell, "·", align="center" if i in centred else "left", size=size)
            prototype = row._tr
            prototype.getparent().remove(prototype)
            spill = _SPILLS.get(id(doc))
            if spill is not None:  # the rows go to the document's spill file, a marker row stands for them
                marker = _MARKER.format(len(spill.tables))
                placeholder = deepcopy(prototype)
                _fill(_Cell(placeholder.find(qn("w:tc")), table), marker, size)
                table._tbl.append(placeholder)
                start = spill.file.seek(0, os.SEEK_END)
        tr = deepcopy(prototype)
        for tc, value in zip(tr.iterchildren(qn("w:tc")), values, strict=True):
            _fill(_Cell(tc, table), value, size)
        if spill is None:
            table._tbl.append(tr)
        else:
            spill.file.write(etree.tostring(tr, encoding="unicode").replace(_NS_W, "", 1).encode("utf-8"))
    if prototype is not None and spill is not None:
        spill.tables.append((marker, start, spill.file.tell()))


def _fill(cell: _Cell, value: str, size: float) -> None:
    """A copied cell's placeholder run given `value`: plain text set in place, text with a tab or a line break
    through python-docx (`text`), no run for an empty value, as `line` leaves each."""
    paragraph = cell._tc.find(qn("w:p"))
    run = paragraph.find(qn("w:r"))
    if value and not _SPECIAL.intersection(value):
        shown = run.find(qn("w:t"))
        shown.text = value
        if value != value.strip():
            shown.set(qn("xml:space"), "preserve")
        return
    run.getparent().remove(run)
    if value:
        text(Paragraph(paragraph, cell), value, size=size)


_SPECIAL = frozenset("\t\n\r")  # what python-docx writes as its own elements (w:tab, w:br)
