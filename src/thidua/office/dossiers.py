"""The year-end dossiers the units send beside their reports (SPEC 14, 15): each unit's documents under
nhan/<code>/ read for what they are — the tờ trình, the minutes of the vote (biên bản bình xét), each CSTĐCS
nominee's báo cáo thành tích — so that a dossier lacking one is said before the office's council meets, not
found missing by hand.

A Word document (.docx) is known by its title: the first of those names its text holds (a tờ trình cites the
minutes further down; the national header comes first and names none of them). Only the text runs (<w:t>) of
word/document.xml are read, from a member bounded like any input (its declared size within the limits, inflated
no further than it says): nothing is parsed as XML, so no entity or DOCTYPE in it is ever expanded, and nothing
received is modified. Scans and older formats (.pdf, .doc, .odt) are kept as they came; their content is not read,
and the issue says so, for a person to open them."""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import unescape

from thidua.core.text import clean, key
from thidua.intake import guard

DOCUMENTS = (".docx",)
UNREAD = (".pdf", ".doc", ".odt", ".rtf")  # filed and kept by collect; a person opens them
_BODY = "word/document.xml"
_RUN = re.compile(rb"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
PROPOSAL, MINUTES, REPORT = "tờ trình", "biên bản bình xét", "báo cáo thành tích"
# A title is written in capitals (Nghị định 30/2020, Phụ lục I): "(Kèm theo Tờ trình số …)" under a list, or a tờ
# trình citing its "biên bản", does not make the document one.
_TITLES = {"TỜ TRÌNH": PROPOSAL, "BIÊN BẢN": MINUTES, "BÁO CÁO THÀNH TÍCH": REPORT}


@dataclass
class Dossier:
    """What one unit's folder holds of a dossier: how many tờ trình and minutes, the text of each báo cáo thành
    tích (as `key` gives it, to find a nominee's name in), and the files whose content was not read."""

    proposals: int = 0
    minutes: int = 0
    reports: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)

    def lacking(self, nominees: Sequence[str]) -> list[str]:
        """What the dossier lacks for proposals going up, in Vietnamese: a tờ trình, the minutes, and the báo cáo
        thành tích of each of `nominees` (the CSTĐCS proposed) that no report names."""
        missing = [what for what, count in ((PROPOSAL, self.proposals), (MINUTES, self.minutes)) if not count]
        without = [name for name in dict.fromkeys(nominees) if not any(key(name) in text for text in self.reports)]
        if without:
            missing.append(f"{REPORT} của {', '.join(without)}")
        return missing


def read_dossier(folder: Path, limits: guard.Limits) -> Dossier:
    """Every document under `folder` (a unit's nhan/<code>/), sorted by what it is."""
    found = Dossier()
    if not folder.is_dir():
        return found
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        suffix = path.suffix.lower()
        if suffix in UNREAD:
            found.unread.append(path.name)
            continue
        if suffix not in DOCUMENTS or path.name.startswith("~$"):
            continue
        try:
            text = document_text(path, limits)
        except (guard.Refused, zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, KeyError):
            found.unread.append(path.name)
            continue
        kind = title_of(text)
        if kind == PROPOSAL:
            found.proposals += 1
        elif kind == MINUTES:
            found.minutes += 1
        elif kind == REPORT:
            found.reports.append(key(text))
    return found


def document_text(path: Path, limits: guard.Limits) -> str:
    """The text of a .docx's body, its runs joined by spaces; a file or a body over the limits is refused."""
    guard.check_size(path.stat().st_size, limits)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(_BODY)
        if info.file_size > limits.max_inflated_mb * guard.MB:
            raise guard.Refused("file-zip-bomb", inflated=f"{info.file_size / guard.MB:,.0f}", ratio="—")
        with archive.open(info) as body:
            data = body.read(info.file_size + 1)  # one byte more than it declares shows a lie
    if len(data) != info.file_size:
        raise zipfile.BadZipFile(f"{_BODY} does not inflate to its declared size")
    return " ".join(unescape(run.decode("utf-8", "replace")) for run in _RUN.findall(data))


def title_of(text: str) -> str:
    """What a document is by the first of the dossier's titles, in capitals, its text holds ("" when none)."""
    shown = clean(text)
    places = {name: shown.find(words) for words, name in _TITLES.items()}
    named = {name: at for name, at in places.items() if at >= 0}
    return min(named, key=named.__getitem__) if named else ""
