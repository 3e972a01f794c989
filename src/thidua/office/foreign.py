"""Nomination lists made without thidua (SPEC 15): a school that does not use thidua sends its year-end list as a
plain spreadsheet in the official layout (STT, Họ và tên, Ngày sinh, Chức vụ, Danh hiệu / Hình thức đề nghị,
Thành tích …). It is read here by its header labels, the header row found among the first rows of any sheet
(case, diacritics and spacing do not matter), through the same guard and limits as any file received; each cell
that cannot be read is an issue on that cell (file, sheet, cell), and its row is left out when what it proposes
cannot be told.

The same reader reads a school's thidua-made nomination list (de-nghi-khen-thuong-<M>.xlsx), so that a unit's
list can be set against its own report (`disagreements`).

Such a list carries no monthly figures: a unit that sends only a list has no report figures in the roll-up (it
is shown as having sent a list only) and its rows join the consolidated proposals and the cross-unit checks like
any unit's nominees. A list carries no month either: it is taken in the year-end month."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thidua.core import vocabulary
from thidua.core.calendar import parse_school_year
from thidua.core.text import clean, fold, key
from thidua.counting.dossier import authority_of
from thidua.intake import guard
from thidua.intake.read import caused_by_file, load_sheets

HEADER_ROWS = 20  # the header row is looked for among a sheet's first rows
# Header labels (folded: no case, diacritics or punctuation), per field; a label may also start with one of these.
LABELS: dict[str, tuple[str, ...]] = {
    "stt": ("stt", "tt", "so tt", "so thu tu"),
    "name": ("ho va ten", "ho ten", "ho va ten ca nhan", "ten ca nhan"),
    "birth_date": ("ngay sinh", "ngay thang nam sinh", "ngay thang sinh", "nam sinh", "sinh ngay"),
    "gender": ("gioi tinh", "nam nu"),
    "position": ("chuc vu", "chuc danh", "chuc vu don vi cong tac", "chuc vu chuc danh"),
    "team": ("to", "to chuyen mon"),
    "title": ("danh hieu de nghi", "danh hieu thi dua de nghi", "danh hieu"),
    "reward": ("hinh thuc khen thuong de nghi", "hinh thuc khen thuong", "hinh thuc de nghi"),
    "proposal": (
        "danh hieu hinh thuc de nghi",
        "danh hieu hinh thuc khen thuong de nghi",
        "danh hieu hinh thuc",
        "danh hieu hoac hinh thuc de nghi",
        "de nghi",
        "noi dung de nghi",
    ),
    "rating": ("xep loai", "xep loai danh gia", "ket qua danh gia xep loai", "danh gia xep loai"),
    "discipline": ("ky luat",),
    "works": ("thanh tich", "sang kien", "sang kien de tai", "tom tat thanh tich", "thanh tich dat duoc"),
    "votes": ("ty le phieu", "so phieu dong y", "so phieu"),
    "votes_total": ("tong so phieu",),
}
PROPOSING = ("title", "reward", "proposal")
# Words that begin a form of reward (a title is matched by vocabulary.TITLE_VOTED).
REWARD_WORDS = ("giay khen", "bang khen", "huan chuong", "huy chuong", "ky niem chuong", "co thi dua")
SHORT_REWARDS = {"gk": "Giấy khen", "bk": "Bằng khen"}
ALL_FORMS = tuple(dict.fromkeys(f for era in vocabulary.ERAS for f in era.reward_forms if f != "Không"))
_NUMBERING = re.compile(r"^\s*(?:[0-9]+|[IVXLivxl]+|[a-zđA-Z])\s*[.)/-]\s*")
_COUNT = re.compile(r"\s*:\s*[0-9]+\s*(?:người|ngươi|nguoi)?\s*$", re.IGNORECASE)
_BALLOT = re.compile(r"^\s*([0-9]+)\s*/\s*([0-9]+)")  # ASCII digits only: int() takes '²' and '٣' too
_FIRST_WORD = re.compile(r"[\W_]*[^\W_]+[\W_]*")  # 'GK-UBND', 'GK UBND', '(GK) UBND': the word and what follows it
_SIGNATURE = ("hieu truong", "thu truong don vi", "thu truong co quan", "ke toan", "thu quy")  # a whole cell
_SPLIT = re.compile(r"\s*(?:;|\+|\n|,(?=\s*(?:gk|bk|giấy|bằng|lđtt|cstđ|lao động|chiến sĩ)))\s*", re.IGNORECASE)


@dataclass
class ForeignList:
    """A nomination list read by its header labels: its nominee rows (the `_thidua` sheet's nominee keys, each with
    its 1-based sheet row `_row` and `_col` the name's 0-based column), the sheet, the texts above its header (the
    school's name, the title, the date) and the school year its title names, if any."""

    sheet: str
    nominees: list[dict[str, Any]] = field(default_factory=list)
    heading: list[str] = field(default_factory=list)
    school_year: str = ""
    # The collectives' rows skipped, as (0-based row, 0-based column, name): noted only for a unit that sent no
    # report (a thidua report carries the unit's collective titles itself).
    collectives: list[tuple[int, int, str]] = field(default_factory=list)


Found = list[tuple[str, dict[str, Any]]]  # (issue code, parameters) of a file, as office.intake keeps them


def read_list(path: Path, limits: guard.Limits, issues: Found) -> ForeignList | None:
    """The nomination list in the workbook at `path`, guarded like any input; None when no sheet has a list's
    header row (nothing added to `issues` then). Each unreadable cell is added to `issues`."""
    try:
        guard.check_size(path.stat().st_size, limits)
        data = path.read_bytes()
        seen = guard.inspect(data, path.suffix.lower(), limits)
        sheets = load_sheets(data, seen.unread, limits.max_rows + 1)
    except guard.Refused as refused:
        issues.append((refused.code, refused.params))
        return None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a parser's error or a panic of its Rust code: read_report has said why already
        if not caused_by_file(exc):
            raise
        return None
    for name, sheet in sheets.items():
        if not sheet.visible:
            continue
        found = _header(sheet.rows)
        if found is None:
            continue
        at, columns = found
        listed = ForeignList(name, heading=[t for r in sheet.rows[:at] for t in (clean(v) for v in r) if t])
        listed.school_year = next((y for t in listed.heading if (y := _year_in(t))), "")
        _rows(listed, sheet.rows, at, columns, issues)
        return listed
    return None


def _header(rows: Sequence[Sequence[Any]]) -> tuple[int, dict[str, int]] | None:
    """The header row (0-based) and the column of each field it names; it must name a person and a proposal."""
    for index, row in enumerate(rows[:HEADER_ROWS]):
        columns: dict[str, int] = {}
        for col, value in enumerate(row):
            field_name = _label(value)
            if field_name and field_name not in columns:
                columns[field_name] = col
        if "name" in columns and any(p in columns for p in PROPOSING):
            return index, columns
    return None


def _label(value: object) -> str:
    text = fold(value)
    if not text or len(text) > 80:
        return ""
    for name, labels in LABELS.items():
        if text in labels:
            return name
    best = ("", 0)
    for name, labels in LABELS.items():
        for label in labels:
            if len(label) > 3 and text.startswith(label + " ") and len(label) > best[1]:
                best = (name, len(label))
    return best[0]


def _year_in(text: str) -> str:
    match = re.search(r"năm học\s*([0-9]{4}\s*[-–—]\s*[0-9]{4})", text, re.IGNORECASE)
    found = parse_school_year(match.group(1)) if match else None
    return found.label if found else ""


def proposals_in(value: object) -> tuple[list[tuple[str, str]], list[str]]:
    """The titles and forms of reward a cell proposes, as (proposal, kind) — kind "title" or "reward" — and the
    parts that are neither (to be reported)."""
    found: list[tuple[str, str]] = []
    unread: list[str] = []
    for part in _SPLIT.split(clean(value)):
        part = part.strip(' .:-–“”"')
        if not part or fold(part) in ("khong", "0"):
            continue
        words = fold(part).split()
        if words and words[0] in SHORT_REWARDS:
            first = _FIRST_WORD.match(part)
            rest = part[first.end() :] if first else ""
            part = f"{SHORT_REWARDS[words[0]]} {rest}".strip()
        title = vocabulary.TITLE_VOTED.match(_strip_title(part))
        if title and title != vocabulary.NO_TITLE_VOTE:
            found.append((title, "title"))
            continue
        form = next((f for f in ALL_FORMS if _loose(f) == _loose(part)), None)
        if form is None and fold(part).startswith(REWARD_WORDS):
            form = part[:1].upper() + part[1:]
        if form is None:
            unread.append(part)
        else:
            found.append((form, "reward"))
    return found, unread


_SPELLED = {"uy ban nhan dan": "ubnd", "giao duc va dao tao": "gd dt", "gddt": "gd dt"}
_FILLER = {"cua", "chu", "tich", "truong"}


def _loose(text: str) -> str:
    """A form of reward as people shorten it: 'GK UBND xã' and 'Giấy khen của Chủ tịch UBND xã' compare equal."""
    folded = f" {fold(text)} "
    for long, short in _SPELLED.items():
        folded = folded.replace(f" {long} ", f" {short} ")
    return " ".join(w for w in folded.split() if w not in _FILLER)


def _strip_title(text: str) -> str:
    folded = fold(text)
    return text.split(None, 2)[2] if folded.startswith("danh hieu ") and len(text.split()) > 2 else text


def _section(text: str) -> tuple[str, list[tuple[str, str]]]:
    """What a heading row says: ("stop", []) where the list ends (those not proposed, the signatures),
    ("collectives", []) where the collectives begin (skipped: the office reads a unit's collective title from its
    report), ("persons", []) for "B. CÁ NHÂN", ("title", what it proposes) for a heading naming an individual title,
    ("", what it proposes) for any other heading (nothing for one that names no title or form)."""
    folded = fold(text)
    if (
        any(w in folded for w in ("khong duoc de nghi", "noi nhan", "nguoi lap bieu"))
        or folded in _SIGNATURE
        or folded.startswith("xac nhan")
    ):
        return "stop", []
    if " tap the " in f" {folded} ":
        return "collectives", []
    body = _COUNT.sub("", _NUMBERING.sub("", text))
    found, unread = proposals_in(body)
    if found and not unread:
        return ("title" if any(kind == "title" for _, kind in found) else ""), found
    if " ca nhan " in f" {folded} ":
        return "persons", []
    return "", []


def _rows(
    listed: ForeignList, rows: Sequence[Sequence[Any]], at: int, columns: Mapping[str, int], issues: Found
) -> None:
    """The list's nominees. A row is a person when it has a name and a proposal, a rating or a birth date (or a
    number in the STT column: '1', '1.2'); any other row is a heading. A collectives section is skipped up to
    "Cá nhân" or a heading naming an individual title (its named rows kept in `collectives`); any other named row
    left out is an issue on its cell."""
    group: list[tuple[str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    sheet = listed.sheet
    collectives = False

    def cell(row: Sequence[Any], name: str) -> Any:
        col = columns.get(name)
        return row[col] if col is not None and col < len(row) else None

    def problem(code: str, index: int, column: str, value: object, **params: object) -> None:
        issues.append((code, {"sheet": sheet, "at": (index, columns[column]), "value": clean(value), **params}))

    for index in range(at + 1, len(rows)):
        row = rows[index]
        texts = [clean(v) for v in row if clean(v)]
        if not texts:
            continue
        name = clean(cell(row, "name"))
        data = any(clean(cell(row, c)) for c in (*PROPOSING, "rating", "birth_date"))
        person = bool(name) and (data or "stt" not in columns or _is_number(cell(row, "stt")))
        if collectives or not person:
            kind, proposed = _section(texts[0])
            if not kind and not proposed and name and name != texts[0]:
                kind, proposed = _section(name)  # a heading typed in the name column, its numbering apart
            if kind == "stop":
                return
            if kind == "collectives" or (collectives and kind not in ("persons", "title")):
                collectives = True
                if name and kind != "collectives":
                    listed.collectives.append((index, columns["name"], name))
                continue
            collectives = False
            if kind or proposed or not name:
                group = proposed
            else:
                problem("office-list-skipped", index, "name", name)
            continue
        pairs: list[tuple[str, str]] = []
        unread_at: list[tuple[str, str]] = []
        for column in PROPOSING:
            if column in columns:
                found, unread = proposals_in(cell(row, column))
                pairs += found
                unread_at += [(column, u) for u in unread]
                for form in (p for p, kind in found if kind == "reward" and not authority_of(p, kind, None)):
                    problem("office-list-giver", index, column, cell(row, column), proposal=form)
        for column, part in unread_at:
            problem("office-list-proposal", index, column, cell(row, column), part=part)
        if unread_at:
            continue
        pairs = list(dict.fromkeys([*group, *pairs]))
        if not pairs:
            target = next(c for c in PROPOSING if c in columns)
            problem("office-list-no-proposal", index, target, cell(row, target), name=name)
            continue
        birth = _birth(cell(row, "birth_date"))
        if birth is None and clean(cell(row, "birth_date")):
            problem("office-list-date", index, "birth_date", cell(row, "birth_date"), name=name)
        rating = _vocab(vocabulary.RATING, cell(row, "rating"))
        if rating is None:
            problem("office-list-value", index, "rating", cell(row, "rating"), field="Xếp loại")
        discipline = _vocab(vocabulary.DISCIPLINE, cell(row, "discipline"))
        if discipline is None:
            problem("office-list-value", index, "discipline", cell(row, "discipline"), field="Kỷ luật")
        votes_for, votes_total = _ballot(cell(row, "votes"), cell(row, "votes_total"))
        for column, got in (("votes", votes_for), ("votes_total", votes_total)):
            if got is None and clean(cell(row, column)) and column in columns:
                label = "Tỷ lệ phiếu" if column == "votes" else "Tổng số phiếu"
                problem("office-list-value", index, column, cell(row, column), field=label)
        for proposal, kind in pairs:
            who = (key(name), birth.isoformat() if birth else "", proposal)
            if who in seen:
                continue  # the same person listed again under another heading of the same list
            seen.add(who)
            listed.nominees.append(
                {
                    "name": name,
                    "birth_date": birth.isoformat() if birth else "",
                    "gender": vocabulary.GENDER.match(cell(row, "gender")) or clean(cell(row, "gender")),
                    "position": clean(cell(row, "position")),
                    "team": clean(cell(row, "team")),
                    "proposal": proposal,
                    "kind": kind,
                    "rating": rating or "",
                    "discipline": discipline or "",
                    "works": clean(cell(row, "works")),
                    "votes_for": votes_for,
                    "votes_total": votes_total,
                    "eligible": 1,  # no judgement of the unit's own to carry: the office's checks judge the row
                    "reasons": "",
                    "_row": index + 1,
                    "_col": columns["name"],
                }
            )


def _is_number(value: object) -> bool:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    return bool(re.fullmatch(r"[0-9]+(?:\s*\.\s*[0-9]+)*\s*\.?", clean(value)))  # '3', '3.', '1.2'; ASCII only


def _vocab(words: vocabulary.Vocabulary, value: object) -> str | None:
    """The canonical value; "" for an empty cell; None when it cannot be read."""
    if not clean(value):
        return ""
    return words.match(value)


def _birth(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = clean(value)
    match = re.fullmatch(r"([0-9]{1,2})\s*[/.-]\s*([0-9]{1,2})\s*[/.-]\s*([0-9]{4})", text)
    try:
        if match:
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return dt.date.fromisoformat(text[:10]) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text[:10]) else None
    except ValueError:
        return None


def _ballot(votes: object, total: object) -> tuple[int | None, int | None]:
    """'30/32 (94%)' or two columns of whole numbers; (None, None) when the list does not say."""
    match = _BALLOT.match(clean(votes))
    if match:
        return int(match.group(1)), int(match.group(2))

    def whole(value: object) -> int | None:
        if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
            return int(value)
        text = clean(value)
        return int(text) if re.fullmatch(r"[0-9]+", text) else None  # not str.isdigit(): int('²') fails

    return whole(votes), whole(total)


# --- a unit's list against its own report ----------------------------------------------------------------------


def _pairs(nominees: Iterable[Mapping[str, Any]], dated: bool) -> dict[tuple[str, str, str], Mapping[str, Any]]:
    """(person, proposal) of each nominee (a CSTĐCS counts under LĐTT as well, as in SPEC 3), first row each."""
    found: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    for n in nominees:
        birth = str(n.get("birth_date") or "")[:10] if dated else ""
        proposals = [str(n.get("proposal", ""))]
        if key(proposals[0]) == key(vocabulary.CSTDCS):
            proposals.append(vocabulary.LDTT)
        for proposal in proposals:
            found.setdefault((key(n.get("name")), birth, key(proposal)), {**n, "proposal": proposal})
    return found


def disagreements(
    report: Sequence[Mapping[str, Any]], listed: ForeignList
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """What a unit's list and its own report do not share: the list's rows the report lacks, and the report's
    nominees the list lacks (by name, birth date when the list gives one, and title or form)."""
    dated = any(n.get("birth_date") for n in listed.nominees)
    mine, theirs = _pairs(listed.nominees, dated), _pairs(report, dated)
    return [n for k, n in mine.items() if k not in theirs], [n for k, n in theirs.items() if k not in mine]
