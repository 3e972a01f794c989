"""Rules of the school year: warnings for the board, never changes to the counts.

What a rule says (figures, legal source) is data in a rule pack (rulepacks/*.toml), chosen by the date of the
year-end vote (the last round's end) and overridable in thidua.toml; how each kind of rule is checked is the code
below. The packs of the 2022 law reuse these checks with their own figures and sources; a rule whose data the
templates do not carry is listed as not checked."""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from thidua.core import text, vocabulary
from thidua.core.calendar import parse_school_year
from thidua.core.plan import Plan
from thidua.counting.frames import Records, as_date, rows
from thidua.counting.judgements import (
    ACHIEVED,
    REGISTERED,
    TITLE_CSTDCS,
    TITLE_LDTT,
    ballot_short,
    collective_short,
    disciplined,
    proposed_votes,
    qualifying_works,
    rating_short,
    titles_counted_as,
    vote_day,
)
from thidua.errors import ThiduaError
from thidua.forms.plan_sheets import PLAN_FILE, SHEET_TARGETS
from thidua.issues import Report

Params = dict[str, Any]


@dataclass(frozen=True)
class RulePack:
    """A set of rules with their figures and legal sources, for the year-end votes held from `votes_from` to
    `votes_until`."""

    name: str
    votes_from: dt.date
    votes_until: dt.date
    rules: dict[str, Params]
    ignored: tuple[str, ...] = ()  # the workspace's overrides for rules this pack does not have
    dossier: Params = field(default_factory=dict)  # [dossier]: the legal grounds and who decides (SPEC 14)


def school_year_start(school_year: str) -> int:
    """The calendar year a school year's name starts in ("2021–2022" → 2021), read by `core.calendar`."""
    found = parse_school_year(school_year)
    if found is None:
        raise ThiduaError(f"Năm học “{school_year}” trong tệp kế hoạch không rõ năm bắt đầu (ví dụ 2021–2022).")
    return found.first


PACK_FOLDER = "quy-dinh"  # a workspace's own rule packs (later laws), preferred over the built-in ones


def _pack(name: str, source: str) -> RulePack:
    """A pack from its TOML: `votes_from` / `votes_until` (dates of the year-end vote), or the older
    `first_year` / `last_year` (school years starting in those calendar years)."""
    try:
        data = tomllib.loads(source)
        if "votes_from" in data or "votes_until" in data:
            start, end = data.get("votes_from", dt.date.min), data.get("votes_until", dt.date.max)
            if not isinstance(start, dt.date) or not isinstance(end, dt.date):
                raise ValueError("votes_from và votes_until phải là ngày dạng 2024-01-01")
        else:
            start = dt.date(int(data["first_year"]), 8, 1)
            end = dt.date(int(data["last_year"]) + 1, 7, 31)
        dossier = data.get("dossier", {})
        if not isinstance(dossier, dict):
            raise ValueError("[dossier] phải là một bảng")
        return RulePack(str(data["name"]), start, end, dict(data.get("rules", {})), dossier=dict(dossier))
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ThiduaError(
            f"Bộ quy định {name} viết sai ({exc}); cần name, votes_from, votes_until (hoặc first_year, last_year) và "
            "[rules.*]."
        ) from exc


def available_packs(workspace: Path | None = None) -> list[RulePack]:
    """The workspace's packs (folder quy-dinh/) first, then the built-in ones."""
    packs = []
    if workspace is not None and (workspace / PACK_FOLDER).is_dir():
        for path in sorted((workspace / PACK_FOLDER).glob("*.toml")):
            packs.append(_pack(path.name, path.read_text(encoding="utf-8")))
    for entry in sorted(resources.files("thidua.counting.rulepacks").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            packs.append(_pack(entry.name, entry.read_text(encoding="utf-8")))
    return packs


def choose_pack(
    vote: dt.date | str, overrides: dict[str, Any] | None = None, workspace: Path | None = None
) -> RulePack | None:
    """The pack in force on the day of the year-end vote (a school year's name stands for its last day), with the
    workspace's overrides merged in; None if none covers it."""
    if isinstance(vote, str):
        vote = dt.date(school_year_start(vote) + 1, 7, 31)
    pack = next((p for p in available_packs(workspace) if p.votes_from <= vote <= p.votes_until), None)
    if pack is None:
        return None
    merged = {name: dict(params) for name, params in pack.rules.items()}
    ignored = []
    for name, params in (overrides or {}).items():
        if isinstance(params, dict):
            if name not in merged:  # e.g. last year's override of a rule the law in force no longer has
                ignored.append(name)
                continue
            merged[name].update(params)
    for name, params in merged.items():
        _check_params(name, params)
    return RulePack(pack.name, pack.votes_from, pack.votes_until, merged, tuple(ignored), pack.dossier)


# What each figure of a rule may be: a share (0–1), a whole number, a yes/no, or one of a closed list.
_SHARES = frozenset({"min_share", "max_share"})
_COUNTS = frozenset({"min_months", "min_cstdcs"})
_SWITCHES = frozenset({"enabled", "research_route", "htxsnv_route", "at_least", "all_complete", "check_registration"})
_CHOICES: dict[str, tuple[str, ...]] = {"rounding": ("floor", "round", "ceil")}
_VOCABULARIES = {
    "min_rating": vocabulary.RATING,
    "worst_discipline": vocabulary.DISCIPLINE,
    "min_initiative_level": vocabulary.LEVEL,
}


def _check_params(rule: str, params: Params) -> None:
    """Every figure of a rule as thidua.toml or a pack may set it, checked before anything is counted."""
    where = f"Mục [rules.{rule}]"
    for key, value in params.items():
        if key in _SHARES and (isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1):
            raise ThiduaError(f"{where} {key} phải là một tỷ lệ từ 0 đến 1, ví dụ {key} = 0.5 (nghĩa là 50%).")
        if key in _COUNTS and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000):
            raise ThiduaError(f"{where} {key} phải là một số nguyên không âm, ví dụ {key} = 10.")
        if key in _SWITCHES and not isinstance(value, bool):
            raise ThiduaError(f"{where} {key} chỉ nhận true hoặc false (viết không có ngoặc kép).")
        words = _VOCABULARIES.get(key)
        if words is not None:  # HTNV, "hoàn thành tốt"… are read as the vocabulary reads them
            found = words.match(value) if isinstance(value, str) else None
            if found is None:
                listed = ", ".join(f"“{choice}”" for choice in words.choices if choice)
                raise ThiduaError(f"{where} {key} phải là một trong: {listed}.")
            params[key] = found
        choices = _CHOICES.get(key)
        if choices is not None and value not in choices:
            listed = ", ".join(f"“{choice}”" for choice in choices)
            raise ThiduaError(f"{where} {key} phải là một trong: {listed}.")
        if key in ("source", "source_status", "title", "rule", "why") and not isinstance(value, str):
            raise ThiduaError(f'{where} {key} phải là chữ đặt trong ngoặc kép, ví dụ {key} = "...".')


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
    """The month's frames, read by each kind of rule; findings go to the report as warnings."""

    def __init__(
        self, plan: Plan, records: Records, titles: pd.DataFrame, received: dict[str, dt.date], report: Report
    ) -> None:
        self.plan, self.records, self.titles, self.received, self.report = plan, records, titles, received, report
        self.votes, self.regs = self.records.votes, self.records.registrations

    def person_issue(self, code: str, record: Any, field: str, value: object, **params: Any) -> None:
        """A finding about one person's record (a row of the registrations or votes frame)."""
        name = self.plan.roster[record.person].label
        self.records.report(self.report, code, self.plan, record, field, value=value, name=name, **params)

    def plan_issue(self, code: str, value: object = "", **params: Any) -> None:
        self.report.add(code, file=PLAN_FILE, sheet=SHEET_TARGETS, value=value, **params)

    def figure(self, code: str, stage: str) -> int:
        return int(self.titles.loc[self.titles["code"] == code, stage].iloc[0])

    # --- the kinds of rule -----------------------------------------------------------------------------------
    def cstdcs_conditions(self, p: Params) -> None:
        """LĐTT and a recognised initiative; under the 2022 law also an accepted research project and, as a
        setting, a rating of Hoàn thành xuất sắc nhiệm vụ."""
        research, excellent = bool(p.get("research_route", False)), bool(p.get("htxsnv_route", False))
        needed = "có sáng kiến được công nhận" + (" hoặc đề tài nghiên cứu được nghiệm thu" if research else "")
        needed += " hoặc được xếp loại Hoàn thành xuất sắc nhiệm vụ" if excellent else ""
        cstdcs = titles_counted_as("cstdcs")
        if p.get("check_registration", True):
            regs = self.regs[self.regs["title"].isin(cstdcs) & (self.regs["initiative"] == "")]
            for reg in rows(regs):
                self.person_issue(
                    "rule-cstdcs-initiative",
                    reg,
                    "initiative",
                    reg.title,
                    stage="đăng ký",
                    missing="chưa ghi tên sáng kiến",
                    needed=needed,
                    source=p["source"],
                )
        qualified = set(qualifying_works(self.records.results, p)["person"])
        if excellent:
            qualified |= set(self.votes.loc[self.votes["rating"] == vocabulary.RATINGS[0], "person"])
        missing = "báo cáo kết quả chưa có sáng kiến nào được công nhận" + (
            " hay đề tài nào được nghiệm thu" if research else ""
        )
        votes = self.votes[self.votes["title"].isin(cstdcs) & ~self.votes["person"].isin(qualified)]
        for vote in rows(votes):
            self.person_issue(
                "rule-cstdcs-initiative",
                vote,
                "title",
                vote.title,
                stage="bình xét",
                missing=missing,
                needed=needed,
                source=p["source"],
            )

    def cstdcs_share(self, p: Params) -> None:
        share, rounding = float(p["max_share"]), str(p.get("rounding", "floor"))
        planned = {t.kind: t.target for t in self.plan.targets if t.kind in ("ldtt", "cstdcs")}
        counts: list[tuple[str, int, int]] = []
        planned_cstdcs, planned_ldtt = planned.get("cstdcs"), planned.get("ldtt")
        if planned_cstdcs is not None and planned_ldtt is not None:
            counts.append(("chỉ tiêu kế hoạch", planned_cstdcs, planned_ldtt))
        if len(self.regs):
            counts.append(("đăng ký", self.figure(TITLE_CSTDCS, REGISTERED), self.figure(TITLE_LDTT, REGISTERED)))
        if len(self.votes):
            counts.append(("bình xét", self.figure(TITLE_CSTDCS, ACHIEVED), self.figure(TITLE_LDTT, ACHIEVED)))
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
        """A collective title's share of LĐTT members (more than `min_share`, or at least it when `at_least`),
        its CSTĐCS (`min_cstdcs`) and, when the pack says so, nobody disciplined above `worst_discipline`."""
        wanted = text.key(p.get("title", "Tập thể lao động tiên tiến"))
        titles = [c for c in self.plan.collectives if c.registered and wanted in text.key(c.title)]
        if not titles:
            return
        members = len(self.plan.roster)
        worst = _rank(vocabulary.DISCIPLINES, str(p["worst_discipline"])) if "worst_discipline" in p else None
        voted = bool(len(self.votes))
        stage = "bình xét" if voted else "đăng ký"
        ldtt = self.figure(TITLE_LDTT, ACHIEVED if voted else REGISTERED)
        cstdcs = self.figure(TITLE_CSTDCS, ACHIEVED if voted else REGISTERED)
        disciplined: list[str] = []
        if voted and worst is not None:
            ranks = self.votes["discipline"].map(lambda d: _rank(vocabulary.DISCIPLINES, str(d))).astype("int64")
            disciplined = [self.plan.roster[k].label for k in self.votes.loc[ranks > worst, "person"]]
        share, at_least = float(p["min_share"]), bool(p.get("at_least", False))
        short = collective_short(ldtt, members, share, at_least)
        if short:
            self.plan_issue(
                "rule-collective-share",
                f"{ldtt}/{members}",
                stage=stage,
                title=titles[0].title,
                above="ít nhất" if at_least else "trên",
                ldtt=ldtt,
                members=members,
                share=f"{share:.0%}",
                source=p["source"],
            )
        if voted and p.get("all_complete"):  # every member completing their tasks (the 2022 law, Điều 27)
            failing = self.votes[self.votes["rating"] == vocabulary.RATINGS[-1]]
            if len(failing):
                names = ", ".join(self.plan.roster[k].label for k in failing["person"])
                self.plan_issue(
                    "rule-collective-incomplete",
                    names,
                    title=titles[0].title,
                    count=len(failing),
                    names=names,
                    source=p["source"],
                )
        needed = int(p.get("min_cstdcs", 0))
        if cstdcs < needed:
            self.plan_issue(
                "rule-collective-cstdcs",
                str(cstdcs),
                title=titles[0].title,
                needed=needed,
                cstdcs=cstdcs,
                stage=stage,
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

    def cstdcs_ballot(self, p: Params) -> None:
        """A CSTĐCS nominee whose ballot, as the vote sheet carries it, is under `min_share` of the votes (a vote
        without its ballot is not judged: the biên bản leaves it to be filled in)."""
        minimum = float(p["min_share"])
        cstdcs = titles_counted_as("cstdcs")
        votes = self.votes[self.votes["title"].isin(cstdcs)]
        for vote in rows(votes):
            cast, total = vote.votes_for, vote.votes_total
            share = ballot_short(cast, total, minimum)
            if share is not None:
                self.person_issue(
                    "rule-cstdcs-ballot",
                    vote,
                    "votes_for",
                    cast,
                    ballot=f"{int(cast)}/{int(total)}",
                    share=f"{share:.0%}",
                    minimum=f"{minimum:.0%}",
                    source=p["source"],
                )

    def ldtt_conditions(self, p: Params) -> None:
        """The rating (`min_rating`, Hoàn thành tốt nhiệm vụ by default); nobody disciplined above
        `worst_discipline` and `min_months` since recruitment only when the pack names them."""
        worst = (
            _rank(vocabulary.DISCIPLINES, str(p["worst_discipline"]))
            if "worst_discipline" in p
            else len(vocabulary.DISCIPLINES)
        )
        min_rating = _rank(vocabulary.RATINGS, str(p.get("min_rating", vocabulary.RATINGS[1])))
        months = int(p.get("min_months", 0))
        ldtt = titles_counted_as("ldtt")
        voted = self.votes[self.votes["title"].isin(ldtt)]
        for vote in rows(voted):
            discipline, rating = str(vote.discipline), vote.rating
            if _rank(vocabulary.DISCIPLINES, discipline) > worst:
                self.person_issue(
                    "rule-ldtt-discipline", vote, "discipline", discipline, discipline=discipline, source=p["source"]
                )
            if rating_short(rating, vocabulary.RATINGS[min_rating]):
                self.person_issue(
                    "rule-ldtt-rating",
                    vote,
                    "rating",
                    rating,
                    rating=rating,
                    minimum=vocabulary.RATINGS[min_rating],
                    source=p["source"],
                )
            if months:
                self._recruited(vote, vote_day(self.plan), months, "bình xét", p)
        if not months:
            return
        regs = self.regs[self.regs["title"].isin(ldtt) & ~self.regs["person"].isin(self.votes["person"])]
        for reg in rows(self._maybe_recent(regs, vote_day(self.plan), months)):
            self._recruited(reg, vote_day(self.plan), months, "đăng ký", p)

    def discipline(self, p: Params) -> None:
        """Every proposal (a title or a form of reward) of someone disciplined above `worst_discipline` (by
        default: any discipline) is to be looked at again: under the 2022 law no reward while a discipline runs,
        and after it only the achievements from the day it was served count."""
        worst = str(p.get("worst_discipline", vocabulary.DISCIPLINES[0]))
        for vote in rows(proposed_votes(self.votes)):
            if not disciplined(vote.discipline, worst):
                continue
            proposal = ", ".join(
                str(part) for part in (vote.title, vote.reward) if part and part != vocabulary.NO_TITLE_VOTE
            )
            self.person_issue(
                "rule-discipline",
                vote,
                "discipline",
                str(vote.discipline),
                discipline=str(vote.discipline),
                proposal=proposal,
                source=p["source"],
            )

    def _maybe_recent(self, frame: pd.DataFrame, when: dt.date, months: int) -> pd.DataFrame:
        """The rows of `frame` whose person may have been recruited fewer than `months` whole months before `when`
        (counted in calendar months, one more than `months_between` may find): a filter on whole numbers ahead of
        `_recruited`, which judges each row it lets through. Judging every registration instead made a Python
        call per row: on the 1,000-file benchmark (17,022 LĐTT registrations, none recent) ldtt_conditions took
        0.04 s of CPU, now 0.006 s (best of eleven)."""
        roster = self.plan.roster
        recruited = [roster[person].recruited for person in frame["person"].tolist()]
        month = np.array([-(2**40) if day is None else day.year * 12 + day.month for day in recruited], dtype=np.int64)
        return frame[(when.year * 12 + when.month - month) <= months]

    def _recruited(self, record: Any, when: dt.date, months: int, stage: str, p: Params) -> None:
        recruited = self.plan.roster[record.person].recruited
        if recruited and months_between(recruited, when) < months:
            self.person_issue(
                "rule-ldtt-recruited",
                record,
                "name",
                f"{recruited:%d/%m/%Y}",
                recruited=f"{recruited:%d/%m/%Y}",
                months=months,
                when=f"{when:%d/%m/%Y}",
                stage=stage,
                source=p["source"],
            )

    def late_registration(self, p: Params) -> None:
        """A registration dated after the deadline; a row with no date of its own that came by e-mail is judged
        by the day the e-mail was received (SPEC 12)."""
        deadline = self.plan.school.registration_deadline
        late = self.regs[self.regs["date"].notna() & (self.regs["date"] > pd.Timestamp(deadline))]
        for reg in rows(late):
            self.person_issue(
                "rule-late-registration",
                reg,
                "date",
                f"{as_date(reg.date):%d/%m/%Y}",
                deadline=f"{deadline:%d/%m/%Y}",
                how="",
                source=p["source"],
            )
        received = self.received
        undated = self.regs[self.regs["date"].isna() & self.regs["file"].isin(list(received))]
        for reg in rows(undated):
            day = received[reg.file]
            if day > deadline:
                self.person_issue(
                    "rule-late-registration",
                    reg,
                    "date",
                    f"{day:%d/%m/%Y}",
                    deadline=f"{deadline:%d/%m/%Y}",
                    how=" (ngày nhận thư e-mail, vì dòng này không ghi ngày đăng ký)",
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

    def not_checked(self, p: Params) -> None:
        """A rule of the pack whose data the templates do not carry: listed, never silently passed."""
        self.report.add(
            "rule-not-checked",
            file=PLAN_FILE,
            value=str(p.get("rule", "")),
            rule=p.get("rule", ""),
            why=p.get("why", ""),
            source=p["source"],
        )


CHECKS: dict[str, Callable[[_Checker, Params], None]] = {
    "cstdcs_conditions": _Checker.cstdcs_conditions,
    "cstdcs_share": _Checker.cstdcs_share,
    "collective_ldtt": _Checker.collective_ldtt,
    "collective_ldxs": _Checker.collective_ldtt,  # the same check with the pack's figures for Lao động xuất sắc
    "ldtt_conditions": _Checker.ldtt_conditions,
    "cstdcs_ballot": _Checker.cstdcs_ballot,
    "discipline": _Checker.discipline,
    "late_registration": _Checker.late_registration,
    "plan_base": _Checker.plan_base,
}


def check_rules(
    plan: Plan,
    records: Records,
    titles: pd.DataFrame,
    received: dict[str, dt.date],
    pack: RulePack,
    report: Report,
) -> None:
    """Check the month's records and title figures (`titles`: code, registered, achieved) against the pack; each
    finding is a warning naming its figures and legal source, and the person it concerns by roster key."""
    checker = _Checker(plan, records, titles, received, report)
    for name, params in pack.rules.items():
        check = _Checker.not_checked if name.startswith("not_checked") else CHECKS.get(name)
        if check is None:
            raise ThiduaError(f"Bộ quy định “{pack.name}” có quy định “{name}” mà thidua chưa biết cách kiểm tra.")
        if params.get("enabled", True):
            check(checker, params)


def apply_rules(result: Any, pack: RulePack, report: Report) -> None:
    """`check_rules` on a month's result (for a check of an already measured month)."""
    check_rules(result.plan, result.records, result.titles, result.received, pack, report)
