"""Rules of the school year: warnings for the board, never changes to the counts.

What a rule says (figures, legal source) is data in a rule pack (rulepacks/*.toml), chosen by the plan's
school year and overridable in thidua.toml; how each kind of rule is checked is the code below. A later pack
(for instance the 2022 law in force from 2024) reuses these checks with its own figures and sources."""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from thidua import text, vocab
from thidua.errors import ThiduaError
from thidua.issues import Report
from thidua.measure import TITLES_FOR_LDTT, MonthResult
from thidua.model import Person
from thidua.plan import PLAN_FILE, SHEET_TARGETS

Params = dict[str, Any]


@dataclass(frozen=True)
class RulePack:
    """A set of rules with their figures and legal sources, for a span of school years."""

    name: str
    first_year: int
    last_year: int
    rules: dict[str, Params]


def school_year_start(school_year: str) -> int:
    match = re.search(r"(\d{4})", school_year)
    if not match:
        raise ThiduaError(f"Năm học “{school_year}” trong tệp kế hoạch không rõ năm bắt đầu (ví dụ 2021–2022).")
    return int(match.group(1))


PACK_FOLDER = "quy-dinh"  # a workspace's own rule packs (later laws), preferred over the built-in ones


def _pack(name: str, source: str) -> RulePack:
    try:
        data = tomllib.loads(source)
        return RulePack(str(data["name"]), int(data["first_year"]), int(data["last_year"]), dict(data.get("rules", {})))
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ThiduaError(
            f"Bộ quy định {name} viết sai ({exc}); cần name, first_year, last_year và [rules.*]."
        ) from exc


def available_packs(workspace: Path | None = None) -> list[RulePack]:
    """The workspace's packs (folder quy-dinh/) first, then the built-in ones."""
    packs = []
    if workspace is not None and (workspace / PACK_FOLDER).is_dir():
        for path in sorted((workspace / PACK_FOLDER).glob("*.toml")):
            packs.append(_pack(path.name, path.read_text(encoding="utf-8")))
    for entry in sorted(resources.files("thidua.rulepacks").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            packs.append(_pack(entry.name, entry.read_text(encoding="utf-8")))
    return packs


def choose_pack(
    school_year: str, overrides: dict[str, Any] | None = None, workspace: Path | None = None
) -> RulePack | None:
    """The pack covering the plan's school year, with the workspace's overrides merged in; None if none does."""
    start = school_year_start(school_year)
    pack = next((p for p in available_packs(workspace) if p.first_year <= start <= p.last_year), None)
    if pack is None:
        return None
    merged = {name: dict(params) for name, params in pack.rules.items()}
    for name, params in (overrides or {}).items():
        if isinstance(params, dict):
            if name not in merged:
                raise ThiduaError(f"Mục [rules.{name}] trong thidua.toml không phải quy định nào của bộ “{pack.name}”.")
            merged[name].update(params)
    return RulePack(pack.name, pack.first_year, pack.last_year, merged)


def capped(share: float, total: int, rounding: str) -> int:
    """How many laureates a share of `total` allows, rounded as the rule says."""
    exact = share * total
    if rounding == "floor":
        return math.floor(exact + 1e-9)
    if rounding == "ceil":
        return math.ceil(exact - 1e-9)
    if rounding == "round":
        return math.floor(exact + 0.5)
    raise ThiduaError(f"Cách làm tròn “{rounding}” không hợp lệ; hãy dùng floor, round hoặc ceil.")


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end` (10 months from 16/08/2021 is 16/06/2022)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def _rank(values: tuple[str, ...], value: str) -> int:
    return values.index(value) if value in values else -1


class _Checker:
    def __init__(self, result: MonthResult, report: Report) -> None:
        self.result, self.report, self.plan = result, report, result.plan
        self.votes = [row.vote for row in result.persons if row.vote]
        self.regs = [row.registration for row in result.persons if row.registration]

    def person_issue(self, code: str, person: Person, origin: Any, field: str, value: object, **params: Any) -> None:
        self.report.add(
            code,
            file=origin.file,
            sheet=origin.sheet,
            cell=origin.cell(field),
            value=value,
            person=person.label,
            team=person.team,
            name=person.label,
            **params,
        )

    def plan_issue(self, code: str, value: object = "", **params: Any) -> None:
        self.report.add(code, file=PLAN_FILE, sheet=SHEET_TARGETS, value=value, **params)

    # --- the kinds of rule -----------------------------------------------------------------------------------
    def cstdcs_conditions(self, p: Params) -> None:
        min_level = vocab.level_rank(p.get("min_initiative_level", "Trường"))
        for reg in self.regs:
            if reg.title == vocab.CSTDCS and not reg.initiative:
                self.person_issue(
                    "rule-cstdcs-initiative",
                    reg.person,
                    reg.origin,
                    "initiative",
                    reg.title,
                    stage="đăng ký",
                    missing="chưa ghi tên sáng kiến",
                    source=p["source"],
                )
        recognised = {
            row.person
            for row in self.result.persons
            for r in row.results
            if r.activity == vocab.SKKN
            and r.result in vocab.RECOGNISED_RESULTS
            and vocab.level_rank(r.level) >= min_level
        }
        for vote in self.votes:
            if vote.title == vocab.CSTDCS and vote.person not in recognised:
                self.person_issue(
                    "rule-cstdcs-initiative",
                    vote.person,
                    vote.origin,
                    "title",
                    vote.title,
                    stage="bình xét",
                    missing="báo cáo kết quả chưa có sáng kiến nào được công nhận",
                    source=p["source"],
                )

    def cstdcs_share(self, p: Params) -> None:
        share, rounding = float(p["max_share"]), str(p.get("rounding", "floor"))
        targets = {t.target.kind: t.target.target for t in self.result.targets if t.target.kind in ("ldtt", "cstdcs")}
        counts: list[tuple[str, int, int]] = []
        planned_cstdcs, planned_ldtt = targets.get("cstdcs"), targets.get("ldtt")
        if planned_cstdcs is not None and planned_ldtt is not None:
            counts.append(("chỉ tiêu kế hoạch", planned_cstdcs, planned_ldtt))
        if self.regs:
            counts.append(
                (
                    "đăng ký",
                    sum(r.title == vocab.CSTDCS for r in self.regs),
                    sum(r.title in TITLES_FOR_LDTT for r in self.regs),
                )
            )
        if self.votes:
            counts.append(
                (
                    "bình xét",
                    sum(v.title == vocab.CSTDCS for v in self.votes),
                    sum(v.title in TITLES_FOR_LDTT for v in self.votes),
                )
            )
        for stage, cstdcs, ldtt in counts:
            allowed = capped(share, ldtt, rounding)
            if cstdcs > allowed:
                self.plan_issue(
                    "rule-cstdcs-share",
                    f"{cstdcs}/{ldtt}",
                    stage=stage,
                    cstdcs=cstdcs,
                    ldtt=ldtt,
                    share=f"{share:.0%}",
                    allowed=allowed,
                    source=p["source"],
                )

    def collective_ldtt(self, p: Params) -> None:
        wanted = text.key(p.get("title", "Tập thể lao động tiên tiến"))
        titles = [c for c in self.plan.collectives if c.registered and wanted in text.key(c.title)]
        if not titles:
            return
        members = len(self.plan.roster)
        worst = _rank(vocab.DISCIPLINES, str(p.get("worst_discipline", "Khiển trách")))
        if self.votes:
            stage, ldtt = "bình xét", sum(v.title in TITLES_FOR_LDTT for v in self.votes)
            disciplined = [v.person.label for v in self.votes if _rank(vocab.DISCIPLINES, v.discipline) > worst]
        else:
            stage, ldtt, disciplined = "đăng ký", sum(r.title in TITLES_FOR_LDTT for r in self.regs), []
        share = float(p["min_share"])
        if members and ldtt / members <= share:
            self.plan_issue(
                "rule-collective-share",
                f"{ldtt}/{members}",
                stage=stage,
                title=titles[0].title,
                ldtt=ldtt,
                members=members,
                share=f"{share:.0%}",
                source=p["source"],
            )
        if disciplined:
            self.plan_issue(
                "rule-collective-discipline",
                ", ".join(disciplined),
                title=titles[0].title,
                names=", ".join(disciplined),
                source=p["source"],
            )

    def ldtt_conditions(self, p: Params) -> None:
        worst = _rank(vocab.DISCIPLINES, str(p.get("worst_discipline", "Không")))
        min_rating = _rank(vocab.RATINGS, str(p.get("min_rating", vocab.RATINGS[1])))
        months = int(p.get("min_months", 10))
        for vote in self.votes:
            if vote.title not in TITLES_FOR_LDTT:
                continue
            if _rank(vocab.DISCIPLINES, vote.discipline) > worst:
                self.person_issue(
                    "rule-ldtt-discipline",
                    vote.person,
                    vote.origin,
                    "discipline",
                    vote.discipline,
                    discipline=vote.discipline,
                    source=p["source"],
                )
            if vote.rating and _rank(vocab.RATINGS, vote.rating) > min_rating:
                self.person_issue(
                    "rule-ldtt-rating",
                    vote.person,
                    vote.origin,
                    "rating",
                    vote.rating,
                    rating=vote.rating,
                    minimum=vocab.RATINGS[min_rating],
                    source=p["source"],
                )
            self._recruited(vote.person, vote.origin, vote.date or self.plan.year_end, months, "bình xét", p)
        voted = {v.person for v in self.votes}
        for reg in self.regs:
            if reg.title in TITLES_FOR_LDTT and reg.person not in voted:
                self._recruited(reg.person, reg.origin, self.plan.year_end, months, "đăng ký", p)

    def _recruited(self, person: Person, origin: Any, when: dt.date, months: int, stage: str, p: Params) -> None:
        if person.recruited and months_between(person.recruited, when) < months:
            self.person_issue(
                "rule-ldtt-recruited",
                person,
                origin,
                "name",
                f"{person.recruited:%d/%m/%Y}",
                recruited=f"{person.recruited:%d/%m/%Y}",
                months=months,
                when=f"{when:%d/%m/%Y}",
                stage=stage,
                source=p["source"],
            )

    def late_registration(self, p: Params) -> None:
        deadline = self.plan.school.registration_deadline
        for reg in self.regs:
            if reg.date and reg.date > deadline:
                self.person_issue(
                    "rule-late-registration",
                    reg.person,
                    reg.origin,
                    "date",
                    f"{reg.date:%d/%m/%Y}",
                    deadline=f"{deadline:%d/%m/%Y}",
                    source=p["source"],
                )

    def plan_base(self, p: Params) -> None:
        teachers = sum(person.is_teacher for person in self.plan.roster)
        for t in self.plan.targets:
            if t.base is None:
                continue
            actual, unit = (teachers, "giáo viên") if t.teachers_only else (len(self.plan.roster), "người")
            if t.base != actual:
                self.plan_issue(
                    "plan-base-roster",
                    t.base,
                    target=f"{t.code} – {t.name}",
                    base=t.base,
                    unit=t.unit,
                    actual=f"{actual} {unit}",
                    source=p["source"],
                )


CHECKS: dict[str, Callable[[_Checker, Params], None]] = {
    "cstdcs_conditions": _Checker.cstdcs_conditions,
    "cstdcs_share": _Checker.cstdcs_share,
    "collective_ldtt": _Checker.collective_ldtt,
    "ldtt_conditions": _Checker.ldtt_conditions,
    "late_registration": _Checker.late_registration,
    "plan_base": _Checker.plan_base,
}


def apply_rules(result: MonthResult, pack: RulePack, report: Report) -> None:
    """Check the month against the pack; each finding is a warning naming its figures and legal source."""
    checker = _Checker(result, report)
    for name, params in pack.rules.items():
        check = CHECKS.get(name)
        if check is None:
            raise ThiduaError(f"Bộ quy định “{pack.name}” có quy định “{name}” mà thidua chưa biết cách kiểm tra.")
        if params.get("enabled", True):
            check(checker, params)
