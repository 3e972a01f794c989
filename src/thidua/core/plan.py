"""Plain data of the domain: the plan (school, targets, rounds, collective titles, roster), as small frozen
dataclasses. The records read from submissions are DataFrames (counting/frames.py). No I/O here."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property

from thidua.core import text, vocabulary
from thidua.core.calendar import SchoolYear, parse_school_year

SOURCE_LDTT = "Danh hiệu LĐTT"
SOURCE_CSTDCS = "Danh hiệu CSTĐCS"
SOURCE_COLLECTIVE = "Tập thể"
SUBJECT_COLLECTIVE = "Tập thể"
SUBJECT_PERSON = "Cá nhân"
COUNT_PERSONS = "Người"
COUNT_WORKS = "Sản phẩm"
COUNT_ENTRIES = "Lượt"
COUNT_BY = (COUNT_PERSONS, COUNT_WORKS, COUNT_ENTRIES)
TEACHER_UNITS = frozenset({"gv", "giao vien"})


@dataclass(frozen=True)
class School:
    """School identity and the fixed facts of the plan (Thông tin chung)."""

    name: str
    parent_body: str
    province: str
    place: str
    school_year: str
    registration_deadline: dt.date
    signatory_title: str = "HIỆU TRƯỞNG"
    signatory_name: str = ""
    preparer_name: str = ""
    movement: str = "Phong trào thi đua"
    recipient: str = ""  # Kính gửi: the receiving office
    symbol: str = ""  # Ký hiệu: the unit's abbreviation, printed "Số:      /BC-<symbol>"
    copies_to: str = ""  # Nơi nhận: one recipient per line
    vote_day: dt.date | None = None  # Ngày bình xét: the board's year-end vote; None: the last round's end

    @property
    def copies(self) -> tuple[str, ...]:
        """The Nơi nhận lines, without the leading dash and the trailing ';' or '.' a secretary may type."""
        lines = (line.strip().lstrip("-–").strip().rstrip(";.").strip() for line in self.copies_to.splitlines())
        return tuple(line for line in lines if line)


@dataclass(frozen=True)
class Target:
    """One target (chỉ tiêu) of the plan: what it counts, how, and how many."""

    code: str
    name: str
    subject: str
    target: int | None
    base: int | None
    unit: str
    source: str
    level: str | None
    count_by: str
    counted_results: frozenset[str] | None = None

    @property
    def kind(self) -> str:
        """'ldtt', 'cstdcs', 'collective' or 'activity'."""
        return {SOURCE_LDTT: "ldtt", SOURCE_CSTDCS: "cstdcs", SOURCE_COLLECTIVE: "collective"}.get(
            self.source, "activity"
        )

    @property
    def is_share(self) -> bool:
        return self.base is not None

    @property
    def teachers_only(self) -> bool:
        return text.fold(self.unit) in TEACHER_UNITS


@dataclass(frozen=True)
class Round:
    """A round (đợt) of the movement."""

    name: str
    start: dt.date
    end: dt.date
    focus: str


@dataclass(frozen=True)
class CollectiveTitle:
    """A collective title the school registers (Tập thể), with its result when known."""

    target_code: str
    unit: str
    title: str
    registered: bool
    result: str | None
    decision: str
    date: dt.date | None


@dataclass(frozen=True)
class Person:
    """A roster member (CBGVNV)."""

    stt: int
    name: str
    birth_date: dt.date | None
    gender: str
    position: str
    team: str
    recruited: dt.date | None = None
    note: str = ""

    @property
    def key(self) -> str:
        return text.key(self.name)

    @property
    def is_teacher(self) -> bool:
        return self.position in vocabulary.TEACHING_POSITIONS

    @cached_property
    def label(self) -> str:
        """Name with birth date, to tell namesakes apart in reports (kept: the writers ask for it 40,000 times at
        20,000 persons, 0.24 s of date formatting)."""
        born = self.birth_date
        if born is None:
            return self.name
        # dd/mm/yyyy without strftime (2.9 -> 0.9 µs a label, 2026-12-07), the year in four digits on every
        # platform (strftime's %Y pads it on Windows, not on Linux).
        return f"{self.name} ({born.day:02}/{born.month:02}/{born.year:04})"


@dataclass(frozen=True)
class Plan:
    """The emulation plan of one school year: the source of truth for everything downstream."""

    school: School
    targets: tuple[Target, ...]
    rounds: tuple[Round, ...]
    collectives: tuple[CollectiveTitle, ...]
    roster: tuple[Person, ...]

    @cached_property
    def school_year(self) -> SchoolYear:
        """The school year the plan names (read_plan refuses one it cannot read); else the first round's."""
        named = parse_school_year(self.school.school_year)
        if named is not None:
            return named
        start = self.movement_start
        return SchoolYear(start.year if start.month >= 8 else start.year - 1)

    @property
    def movement_start(self) -> dt.date:
        """The emulation movement's first day: the first round's start (the school year, 1 August to 31 July, is
        `school_year`)."""
        return min(r.start for r in self.rounds)

    @property
    def movement_end(self) -> dt.date:
        """The movement's last day: the last round's end, on which the year-end vote falls unless the plan names
        its own day (`counting.judgements.vote_day` says which)."""
        return max(r.end for r in self.rounds)

    @cached_property
    def activity_columns(self) -> tuple[str, ...]:
        """Activity types counted per person: each becomes a mark column of the registration template."""
        seen: list[str] = []
        for t in self.targets:
            if t.kind == "activity" and t.count_by == COUNT_PERSONS and t.source not in seen:
                seen.append(t.source)
        return tuple(seen)

    @cached_property
    def activity_vocabulary(self) -> vocabulary.Vocabulary:
        return vocabulary.ACTIVITY.extended(t.source for t in self.targets if t.kind == "activity")

    @property
    def teams(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.team for p in self.roster if p.team))

    @cached_property
    def name_choices(self) -> tuple[str, ...]:
        """What the templates' name dropdown offers for each roster member (roster order): the name, and for
        namesakes the name with what tells them apart, their team where it is theirs alone ("Nguyễn Thị Hương
        (Tổ 1)"), else their birth date, else their STT. The reader matches such an entry back by its name and
        what is in brackets (`namesake_hint`)."""
        by_key: dict[str, list[Person]] = {}
        for p in self.roster:
            by_key.setdefault(p.key, []).append(p)
        shown = []
        for p in self.roster:
            same = by_key[p.key]
            if len(same) == 1:
                shown.append(p.name)
                continue
            team = text.team_key(p.team)
            if team and sum(text.team_key(o.team) == team for o in same) == 1:
                shown.append(f"{p.name} ({p.team})")
            elif p.birth_date is not None and sum(o.birth_date == p.birth_date for o in same) == 1:
                shown.append(f"{p.name} ({p.birth_date:%d/%m/%Y})")
            else:
                shown.append(f"{p.name} (STT {p.stt})")
        return tuple(shown)


_HINT = re.compile(r"(.*?)\s*\(([^()]*)\)\s*\Z")


def namesake_hint(name: str) -> tuple[str, str]:
    """A name as typed or chosen, split from what follows it in brackets: "Nguyễn Thị Hương (Tổ 1)" →
    ("Nguyễn Thị Hương", "Tổ 1"); a name without brackets → (name, "")."""
    found = _HINT.match(name)
    if found is None or not found.group(1).strip():
        return name, ""
    return found.group(1).strip(), found.group(2).strip()
