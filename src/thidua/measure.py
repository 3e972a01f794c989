"""Measuring: registered and achieved counts per target, ratios and status, and the per-person and per-team
views of the month. Pure: takes the plan and the merged records, returns a `MonthResult`; writes nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from thidua import text, vocab
from thidua.issues import Report
from thidua.model import (
    COUNT_ENTRIES,
    COUNT_PERSONS,
    COUNT_WORKS,
    ActivityResult,
    Person,
    Plan,
    Registration,
    Round,
    Submissions,
    Target,
    Vote,
)

STATUS_EXCEEDED = "Vượt"
STATUS_MET = "Đạt"
STATUS_ON_TRACK = "Đủ đăng ký"
STATUS_SHORT = "Thiếu đăng ký"
STATUS_MISSED = "Không đạt"
STATUS_NONE = "—"
TITLES_FOR_LDTT = frozenset({vocab.LDTT, vocab.CSTDCS})  # CSTĐCS implies LĐTT


@dataclass(frozen=True)
class TargetResult:
    """One target's figures for the month. Ratios are exact fractions; None means no ratio ("—")."""

    target: Target
    registered: int
    achieved: int
    registered_ratio: Fraction | None
    achieved_ratio: Fraction | None
    base_ratio: Fraction | None
    status: str
    projection: str = ""
    change: int | None = None  # achieved minus the previous recorded month's achieved


@dataclass(frozen=True)
class RoundResult:
    """What was achieved within one round (đợt): results dated inside it, up to the end of the month."""

    round: Round
    state: str  # Chưa bắt đầu | Đang diễn ra | Đã kết thúc
    achieved: dict[str, int]


@dataclass(frozen=True)
class TrendPoint:
    """One recorded month of one target, for the per-month sheet and its chart."""

    month: str
    code: str
    achieved: int
    target: int | None
    achieved_ratio: Fraction | None


@dataclass(frozen=True)
class PersonRow:
    """What one roster member registered and achieved."""

    person: Person
    registration: Registration | None
    results: tuple[ActivityResult, ...]
    vote: Vote | None
    submitted: bool  # sent at least one registration row, valid or not
    has_errors: bool


@dataclass(frozen=True)
class TeamRow:
    """Figures of one team (tổ)."""

    team: str
    members: int
    registered: int
    registered_ldtt: int  # LĐTT or CSTĐCS
    registered_cstdcs: int
    initiatives: int
    results: int
    voted_ldtt: int
    not_submitted: int


@dataclass
class MonthResult:
    """Everything the writers need for one month; they compute nothing themselves."""

    plan: Plan
    month: str
    month_end: dt.date
    targets: list[TargetResult]
    persons: list[PersonRow]
    teams: list[TeamRow]
    issues: Report
    files_read: list[str] = field(default_factory=list)
    file_digests: dict[str, str] = field(default_factory=dict)
    rounds: list[RoundResult] = field(default_factory=list)
    # from the history: the last month recorded before this one, and every recorded month up to this one
    previous_month: str | None = None
    previous: dict[str, tuple[int, int]] = field(default_factory=dict)  # code → (registered, achieved)
    trend: list[TrendPoint] = field(default_factory=list)

    @property
    def not_submitted(self) -> list[Person]:
        return [row.person for row in self.persons if not row.submitted]

    @property
    def report_date(self) -> dt.date:
        """Date of the submission's date line: the registration deadline in its month, else the month's end."""
        deadline = self.plan.school.registration_deadline
        if f"{deadline:%Y-%m}" == self.month:
            return deadline
        return self.month_end


def ratio(numerator: int, denominator: int | None) -> Fraction | None:
    """Exact ratio; a zero or missing denominator gives no ratio rather than an error."""
    if not denominator:
        return None
    return Fraction(numerator, denominator)


def status_of(target: int | None, registered: int, achieved: int, final: bool) -> str:
    if target is None:
        return STATUS_NONE
    if achieved >= target:
        return STATUS_EXCEEDED if achieved > target else STATUS_MET
    if final:
        return STATUS_MISSED
    return STATUS_ON_TRACK if registered >= target else STATUS_SHORT


def projection_of(target: int | None, registered: int, achieved: int, final: bool) -> str:
    """Whether the registrations made can still reach the target."""
    if target is None:
        return STATUS_NONE
    if achieved >= target:
        return "Đã đạt"
    if final:
        return "Không đạt"
    if registered >= target:
        return "Có thể đạt nếu thực hiện đủ như đăng ký"
    return f"Không thể đạt với số đăng ký hiện có (thiếu {target - registered})"


def attach_history(result: MonthResult, past: dict[str, dict[str, tuple[int, int]]]) -> MonthResult:
    """The month with its history: the previous recorded month and the trend up to this month."""
    earlier = sorted(m for m in past if m < result.month)
    result.previous_month = earlier[-1] if earlier else None
    result.previous = past[earlier[-1]] if earlier else {}
    result.targets = [
        dataclasses.replace(t, change=t.achieved - result.previous[t.target.code][1])
        if t.target.code in result.previous
        else t
        for t in result.targets
    ]
    goals = {t.target.code: t.target.target for t in result.targets}
    result.trend = [
        TrendPoint(month, code, achieved, goals[code], ratio(achieved, goals[code]))
        for month in earlier
        for code, (_registered, achieved) in past[month].items()
        if code in goals
    ] + [TrendPoint(result.month, t.target.code, t.achieved, t.target.target, t.achieved_ratio) for t in result.targets]
    return result


def counted_results(target: Target) -> frozenset[str] | None:
    """Results that make an activity row count; None means any result (participation)."""
    if target.counted_results:
        return target.counted_results
    if target.source == vocab.SKKN:
        return vocab.RECOGNISED_RESULTS
    if target.source == vocab.DDDH:
        return vocab.ENTERED_RESULTS
    return None


def _level_ok(target: Target, level: str | None) -> bool:
    if target.level is None or level is None:
        return True
    return vocab.level_rank(level) >= vocab.level_rank(target.level)


def promises(reg: Registration) -> Iterable[tuple[str, str, str | None]]:
    """What a registration promises, as (activity type, work title, level)."""
    for activity in sorted(reg.activities):
        yield activity, "", None
    if reg.initiative:
        yield vocab.SKKN, reg.initiative, reg.initiative_level
    if reg.teaching_aid:
        # A named set counts as registered for the ĐDDH contest whatever level it aims at (SPEC 3).
        yield vocab.DDDH, reg.teaching_aid, None


Promised = dict[str, list[tuple[Person, str, str | None]]]


def promised_by_activity(regs: list[Registration]) -> Promised:
    """What `regs` promise, grouped by activity type: (person, work title, level); built once per month, asked
    by every target in every round."""
    grouped: Promised = {}
    for r in regs:
        for activity, title, level in promises(r):
            grouped.setdefault(activity, []).append((r.person, title, level))
    return grouped


def _tally(target: Target, items: Iterable[tuple[Person, str]]) -> int:
    """Count (person, work title) items the way the target says: persons, distinct works or entries."""
    items = list(items)
    if target.count_by == COUNT_PERSONS:
        return len({p for p, _ in items})
    if target.count_by == COUNT_WORKS:
        # Works count once per normalised title, whoever registered them; an untitled work is its author's.
        return len({text.key(title) or f"\x00{p.key}|{p.birth_date}" for p, title in items})
    if target.count_by == COUNT_ENTRIES:
        return len(items)
    raise ValueError(target.count_by)


def _eligible(target: Target, person: Person, report: Report, warned: set[tuple[str, Person]]) -> bool:
    if not target.teachers_only or person.is_teacher:
        return True
    if (target.code, person) not in warned:
        warned.add((target.code, person))
        report.add(
            "person-not-teacher",
            person=person.label,
            team=person.team,
            name=person.label,
            position=person.position,
            target=target.name,
        )
    return False


def measure(plan: Plan, subs: Submissions, month: str, month_end: dt.date, report: Report) -> MonthResult:
    """Count every target as of `month_end` and build the month's views."""
    regs = [r for r in subs.registrations if r.date is None or r.date <= month_end]
    results = [r for r in subs.results if r.date <= month_end]
    votes = [v for v in subs.votes if v.date is None or v.date <= month_end]
    dated: list[Registration | ActivityResult | Vote] = [*subs.registrations, *subs.results, *subs.votes]
    for later in dated:
        if later.date is not None and later.date > month_end:
            report.add(
                "row-after-month",
                file=later.origin.file,
                sheet=later.origin.sheet,
                cell=later.origin.cell("date"),
                value=f"{later.date:%d/%m/%Y}",
                person=later.person.label,
                team=later.person.team,
                month=f"{month_end:%m/%Y}",
            )
    final = month_end >= plan.year_end
    warned: set[tuple[str, Person]] = set()
    promised = promised_by_activity(regs)
    figures: list[TargetResult] = []
    for t in plan.targets:
        registered, achieved = _count(t, plan, regs, promised, results, votes, (dt.date.min, month_end), report, warned)
        figures.append(
            TargetResult(
                t,
                registered,
                achieved,
                ratio(registered, t.target),
                ratio(achieved, t.target),
                ratio(achieved, t.base) if t.is_share else None,
                status_of(t.target, registered, achieved, final),
                projection_of(t.target, registered, achieved, final),
            )
        )
    rounds = [_round(plan, r, regs, promised, results, votes, month_end, report, warned) for r in plan.rounds]
    persons = _person_rows(plan, regs, results, votes, subs)
    return MonthResult(
        plan,
        month,
        month_end,
        figures,
        persons,
        _team_rows(plan, persons),
        report,
        sorted(subs.files_read),
        dict(subs.file_digests),
        rounds,
    )


def _round(
    plan: Plan,
    rnd: Round,
    regs: list[Registration],
    promised: Promised,
    results: list[ActivityResult],
    votes: list[Vote],
    month_end: dt.date,
    report: Report,
    warned: set[tuple[str, Person]],
) -> RoundResult:
    if month_end < rnd.start:
        return RoundResult(rnd, "Chưa bắt đầu", {t.code: 0 for t in plan.targets})
    end = min(rnd.end, month_end)
    last = rnd.end == plan.year_end
    inside = [r for r in results if rnd.start <= r.date <= end]
    # An undated vote belongs to the year-end vote, hence to the last round.
    voted = [v for v in votes if (v.date is None and last) or (v.date is not None and rnd.start <= v.date <= end)]
    window = (rnd.start, end)
    achieved = {t.code: _count(t, plan, regs, promised, inside, voted, window, report, warned)[1] for t in plan.targets}
    return RoundResult(rnd, "Đang diễn ra" if month_end <= rnd.end else "Đã kết thúc", achieved)


def _count(
    t: Target,
    plan: Plan,
    regs: list[Registration],
    promised: Promised,
    results: list[ActivityResult],
    votes: list[Vote],
    window: tuple[dt.date, dt.date],
    report: Report,
    warned: set[tuple[str, Person]],
) -> tuple[int, int]:
    """(registered, achieved) of one target. Collective results count when dated inside `window`; an undated
    one counts in the whole year and in its last round."""
    if t.kind == "collective":
        start, end = window
        undated_ok = start < plan.year_start or end >= plan.year_end
        mine = [c for c in plan.collectives if c.target_code == t.code]
        achieved = [
            c for c in mine if c.result == "Đạt" and (start <= c.date <= end if c.date is not None else undated_ok)
        ]
        return sum(c.registered for c in mine), len(achieved)
    if t.kind in ("ldtt", "cstdcs"):
        titles = TITLES_FOR_LDTT if t.kind == "ldtt" else frozenset({vocab.CSTDCS})
        reg_items = [(r.person, "") for r in regs if r.title in titles]
        ach_items = [(v.person, "") for v in votes if v.title in titles]
        return _tally(t, reg_items), _tally(t, ach_items)
    accepted = counted_results(t)
    reg_items = [
        (person, title)
        for person, title, level in promised.get(t.source, ())
        if _level_ok(t, level) and _eligible(t, person, report, warned)
    ]
    ach_items = [
        (r.person, r.product)
        for r in results
        if r.activity == t.source
        and _level_ok(t, r.level)
        and (accepted is None or r.result in accepted)
        and _eligible(t, r.person, report, warned)
    ]
    return _tally(t, reg_items), _tally(t, ach_items)


def _person_rows(
    plan: Plan, regs: list[Registration], results: list[ActivityResult], votes: list[Vote], subs: Submissions
) -> list[PersonRow]:
    reg_of = {r.person: r for r in regs}
    vote_of = {v.person: v for v in votes}
    results_of: dict[Person, list[ActivityResult]] = {}
    for r in results:
        results_of.setdefault(r.person, []).append(r)
    return [
        PersonRow(
            p,
            reg_of.get(p),
            tuple(sorted(results_of.get(p, []), key=lambda r: (r.date, r.activity))),
            vote_of.get(p),
            p in subs.registered_by,
            p in subs.with_errors,
        )
        for p in plan.roster
    ]


def _team_rows(plan: Plan, persons: list[PersonRow]) -> list[TeamRow]:
    rows = []
    for team in plan.teams:
        members = [row for row in persons if row.person.team == team]
        regs = [row.registration for row in members if row.registration]
        rows.append(
            TeamRow(
                team,
                len(members),
                len(regs),
                sum(r.title in TITLES_FOR_LDTT for r in regs),
                sum(r.title == vocab.CSTDCS for r in regs),
                sum(bool(r.initiative) for r in regs),
                sum(len(row.results) for row in members),
                sum(bool(row.vote and row.vote.title in TITLES_FOR_LDTT) for row in members),
                sum(not row.submitted for row in members),
            )
        )
    return rows
