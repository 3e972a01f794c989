"""Plain data of the domain: the plan (school, targets, rounds, collective titles, roster) and the records
read from submissions (registrations, activity results, year-end votes). No I/O here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from thidua import text, vocab

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
        return self.position in vocab.TEACHING_POSITIONS

    @property
    def label(self) -> str:
        """Name with birth date, to tell namesakes apart in reports."""
        if self.birth_date is None:
            return self.name
        return f"{self.name} ({self.birth_date:%d/%m/%Y})"


@dataclass(frozen=True)
class Plan:
    """The emulation plan of one school year: the source of truth for everything downstream."""

    school: School
    targets: tuple[Target, ...]
    rounds: tuple[Round, ...]
    collectives: tuple[CollectiveTitle, ...]
    roster: tuple[Person, ...]

    @property
    def year_start(self) -> dt.date:
        return min(r.start for r in self.rounds)

    @property
    def year_end(self) -> dt.date:
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
    def activity_vocabulary(self) -> vocab.Vocabulary:
        return vocab.ACTIVITY.extended(t.source for t in self.targets if t.kind == "activity")

    @property
    def teams(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.team for p in self.roster if p.team))


@dataclass(frozen=True)
class Origin:
    """Where a record came from: file (relative to submissions/), sheet and 0-based row."""

    file: str
    sheet: str
    row: int
    columns: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    def cell(self, field_name: str) -> str:
        from thidua.issues import cell_ref

        col = self.columns.get(field_name)
        return cell_ref(self.row, col) if col is not None else f"{self.row + 1}:{self.row + 1}"


@dataclass(frozen=True)
class Registration:
    """One person's registration (phiếu đăng ký thi đua)."""

    person: Person
    title: str
    reward_form: str
    initiative: str
    initiative_level: str | None
    teaching_aid: str
    activities: frozenset[str]
    date: dt.date | None
    note: str
    origin: Origin


@dataclass(frozen=True)
class ActivityResult:
    """One reported result (báo cáo kết quả): an initiative recognised, a lesson taught, a set entered."""

    person: Person
    activity: str
    product: str
    level: str | None
    result: str
    date: dt.date
    decision: str
    note: str
    origin: Origin

    @property
    def identity(self) -> tuple[Person, str, str, str | None, str, dt.date]:
        """What makes two rows the same report (a row reported twice counts once); namesakes stay apart."""
        return (self.person, self.activity, text.key(self.product), self.level, self.result, self.date)


@dataclass(frozen=True)
class Vote:
    """Year-end vote result (bình xét) for one person."""

    person: Person
    rating: str
    discipline: str
    title: str
    decision: str
    date: dt.date | None
    note: str
    origin: Origin


@dataclass
class Submissions:
    """Everything valid read from the submissions folder, after merging."""

    registrations: list[Registration] = field(default_factory=list)
    results: list[ActivityResult] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)
    files_read: list[str] = field(default_factory=list)
    # persons who sent at least one registration row, valid or not (for "who has not submitted")
    registered_by: set[Person] = field(default_factory=set)
    # persons with at least one row left out for an error
    with_errors: set[Person] = field(default_factory=set)
    file_digests: dict[str, str] = field(default_factory=dict)  # SHA-256 of each file read, for the history
