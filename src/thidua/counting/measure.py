"""Measuring: one counting function evaluates a table of targets against the record frames, for any window (the
year so far, a round) and any grouping (the school, a team, a person); around it, the month's figures, ratios and
status, and the display-ready views the writers lay out. Pure: takes the plan and the merged records, returns a
`MonthResult`; writes nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from thidua.core import text, vocabulary
from thidua.core.plan import (
    COUNT_PERSONS,
    COUNT_WORKS,
    SOURCE_CSTDCS,
    SOURCE_LDTT,
    SUBJECT_COLLECTIVE,
    SUBJECT_PERSON,
    Plan,
    Target,
)
from thidua.counting import judgements
from thidua.counting.frames import Records, dates, roster_frame, rows
from thidua.counting.judgements import (  # noqa: F401 (re-exported: the figures' names)
    ACHIEVED,
    INITIATIVES,
    REGISTERED,
    TITLE_CSTDCS,
    TITLE_KINDS,
    TITLE_LDTT,
    titles_counted_as,
)
from thidua.counting.rules import RulePack, check_rules
from thidua.issues import Report

STATUS_EXCEEDED = "Vượt"
STATUS_MET = "Đạt"
STATUS_ON_TRACK = "Đủ đăng ký"
STATUS_SHORT = "Thiếu đăng ký"
STATUS_MISSED = "Không đạt"
STATUS_NONE = "—"

# Figures of the school's titles whatever the plan's targets (the rules and the team view read them).
VIEW_TARGETS = (
    Target(TITLE_LDTT, "LĐTT (gồm CSTĐCS)", SUBJECT_PERSON, None, None, "", SOURCE_LDTT, None, COUNT_PERSONS),
    Target(TITLE_CSTDCS, "CSTĐCS", SUBJECT_PERSON, None, None, "", SOURCE_CSTDCS, None, COUNT_PERSONS),
    Target(INITIATIVES, "Sáng kiến", SUBJECT_PERSON, None, None, "", vocabulary.SKKN, None, COUNT_PERSONS),
)
VIEW_CODES = frozenset(t.code for t in VIEW_TARGETS)
PARTICIPATION = "tham gia"  # a target named "Tham gia …" counts every reported row, whatever the result


@dataclass(frozen=True)
class Window:
    """Which dated records count: results and votes dated from `start` (None: any date) to `end`; `undated`
    says whether undated votes and collective results count (they belong to the year-end vote)."""

    start: dt.date | None
    end: dt.date
    undated: bool = True


def counted_results(target: Target) -> frozenset[str] | None:
    """Results that make an activity row count for `target`; None means any result (SPEC 3): the plan's own
    list when it gives one, any result for a participation target ("Tham gia …"), a recognised initiative, an
    entered teaching aid, and otherwise anything but a failure."""
    if target.counted_results:
        return target.counted_results
    if text.fold(target.name).startswith(PARTICIPATION):
        return None
    if target.source == vocabulary.SKKN:
        return vocabulary.RECOGNISED_RESULTS
    if target.source == vocabulary.DDDH:
        return vocabulary.ENTERED_RESULTS
    return frozenset(vocabulary.RESULT.choices) - {vocabulary.RESULT_FAILED}


def targets_table(targets: Iterable[Target]) -> pd.DataFrame:
    """The targets as a frame in the plan's order: what counting joins the records against."""
    rows = list(targets)
    return pd.DataFrame(
        {
            "code": pd.Series([t.code for t in rows], dtype=object),
            "name": pd.Series([t.name for t in rows], dtype=object),
            "subject": pd.Series([t.subject for t in rows], dtype=object),
            "target": pd.array([t.target for t in rows], dtype="Int64"),
            "base": pd.array([t.base for t in rows], dtype="Int64"),
            "unit": pd.Series([t.unit for t in rows], dtype=object),
            "source": pd.Series([t.source for t in rows], dtype=object),
            "level": pd.Series([t.level for t in rows], dtype=object),
            "count_by": pd.Series([t.count_by for t in rows], dtype=object),
            "kind": pd.Series([t.kind for t in rows], dtype=object),
            "teachers_only": pd.Series([t.teachers_only for t in rows], dtype=bool),
            "level_rank": pd.Series([vocabulary.level_rank(t.level) for t in rows], dtype="int64"),
        }
    )


def _counted_pairs(targets: Iterable[Target]) -> tuple[frozenset[str], pd.MultiIndex]:
    """Codes whose results are restricted, and the (code, result) pairs that count for them."""
    restricted = {t.code: counted_results(t) for t in targets if t.kind == "activity"}
    pairs = [(code, result) for code, allowed in restricted.items() if allowed is not None for result in allowed]
    codes = frozenset(code for code, allowed in restricted.items() if allowed is not None)
    return codes, pd.MultiIndex.from_tuples(pairs or [("", "")], names=["code", "result"])  # ("", ""): matches none


def promises(records: Records) -> pd.DataFrame:
    """What the registrations promise, long form: person, activity, work (normalised title), level."""
    regs = records.registrations
    marks = records.marks
    initiatives = regs[regs["initiative"] != ""]
    aids = regs[regs["teaching_aid"] != ""]
    return pd.concat(
        [
            pd.DataFrame(
                {"person": marks["person"], "activity": marks["activity"].astype(object), "work": "", "level": None}
            ),
            pd.DataFrame(
                {
                    "person": initiatives["person"],
                    "activity": vocabulary.SKKN,
                    "work": initiatives["initiative"].map(text.key),
                    "level": initiatives["initiative_level"].astype(object),
                }
            ),
            # A named set counts as registered for the ĐDDH contest whatever level it aims at (SPEC 3).
            pd.DataFrame(
                {
                    "person": aids["person"],
                    "activity": vocabulary.DDDH,
                    "work": aids["teaching_aid"].map(text.key),
                    "level": None,
                }
            ),
        ],
        ignore_index=True,
    ).astype({"person": "int64", "activity": object, "work": object, "level": object})


def collectives_frame(plan: Plan) -> pd.DataFrame:
    """The plan's collective titles: target code, registered, result, date."""
    return pd.DataFrame(
        {
            "code": pd.Series([c.target_code for c in plan.collectives], dtype=object),
            "registered": pd.Series([c.registered for c in plan.collectives], dtype=bool),
            "achieved": pd.Series([c.result == "Đạt" for c in plan.collectives], dtype=bool),
            "date": dates(c.date for c in plan.collectives),
        }
    )


STAGES = (REGISTERED, ACHIEVED)  # an item's stage is its position here
ITEM_COLUMNS = ["code", "stage", "person", "work", "date", "record"]
UNIT_KINDS = 3  # what one counted unit is: a person, a work or an entry


@dataclass(frozen=True)
class Counting:
    """The month's targets, and every countable item of the year in one long table (code, stage, person, work
    number, date, eligible). Counting is one function over that table: a window (the year, a round) is a filter on the
    items' dates, a grouping (a team, a person) a column to group by."""

    table: pd.DataFrame
    items: pd.DataFrame

    @classmethod
    def of(cls, plan: Plan, targets: Sequence[Target], records: Records, teacher: np.ndarray) -> Counting:
        """`teacher`: for each roster key, whether that person is a teacher (the roster frame's column)."""
        table = targets_table(targets)
        return cls(table, _items(table, targets, records, collectives_frame(plan), teacher))

    def count(self, window: Window, by: tuple[str, np.ndarray] | None = None) -> pd.DataFrame:
        """Registered and achieved per target in `window`, and per group when `by` = (name, a whole number per
        item, -1 for none: a team, a person), the way each target counts: distinct persons, distinct works (an
        untitled work is its author's) or entries; a collective title counts each of its rows. Without a grouping,
        every target in the table's order; with one, the targets and groups counted, by code (as text), then by
        group number.

        Counted on whole numbers (each counted unit one int64 key, distinct keys by `pd.unique`, counts by
        `np.bincount`) rather than a frame's drop_duplicates and groupby: measuring the 1,000-file benchmark's
        month calls it four times, 0.106 s → 0.035 s of CPU (best of seven); tests/test_counting_fast.py keeps
        the frame version it must equal."""
        items = self.items
        day = items["date"].to_numpy()
        inside = day <= np.datetime64(window.end, "s")
        if window.start is not None:
            inside &= day >= np.datetime64(window.start, "s")
        if window.undated:
            inside |= np.isnat(day)
        stage = items["stage"].to_numpy()
        keep = items["eligible"].to_numpy() & ((stage == 0) | inside)
        code = items["code"].cat.codes.to_numpy()[keep].astype("int64")
        stage, person, work = (
            stage[keep].astype("int64"),
            items["person"].to_numpy()[keep],
            items["work"].to_numpy()[keep],
        )
        how = self.table["count_by"].to_numpy()[code]
        # What one counted unit is: a person, a work (an untitled work is its author's) or the entry itself; a
        # collective's row (no person) is always an entry.
        by_person = (person >= 0) & ((how == COUNT_PERSONS) | ((how == COUNT_WORKS) & (work < 0)))
        by_work = (person >= 0) & (how == COUNT_WORKS) & (work >= 0)
        kind = np.select([by_person, by_work], [0, 1], 2).astype("int64")
        unit = np.select([by_person, by_work], [person, work], np.arange(len(code))).astype("int64")
        group, groups = _numbered(by[1][keep] if by is not None else np.zeros(len(code), "int64"))
        # One cell per (code, group, stage), numbered in that order (codes as text, as a groupby sorts them);
        # within a cell, one key per distinct unit.
        names = self.table["code"].to_numpy()
        alphabetical = np.argsort(names, kind="stable")
        rank = np.empty(len(names), dtype="int64")
        rank[alphabetical] = np.arange(len(names))
        cell, cells = _numbered((rank[code] * len(groups) + group) * len(STAGES) + stage)
        units = int(unit.max()) + 1 if len(unit) else 1
        span = UNIT_KINDS * units  # keys of one cell: kind, then unit
        distinct = pd.unique(cell * span + kind * units + unit)  # hashed: numpy's unique sorts (5× slower)
        sizes = np.bincount(distinct // span, minlength=len(cells))
        pair, pairs = _numbered(cells // len(STAGES))
        figures = np.zeros((len(pairs), len(STAGES)), dtype="int64")
        figures[pair, cells % len(STAGES)] = sizes
        columns = pd.Index(list(STAGES), name="stage")
        target = alphabetical[pairs // len(groups)]  # each (code, group) pair's row in the table
        if by is None:  # every target, in the table's order
            total = np.zeros((len(self.table), len(STAGES)), dtype="int64")
            total[target] = figures
            found = pd.DataFrame(total, columns=columns)
            found.insert(0, "code", pd.Index(names))
            return found
        found = pd.DataFrame(figures, columns=columns)
        found.insert(0, by[0], groups[pairs % len(groups)])
        found.insert(0, "code", pd.Series(names[target], dtype=object))
        return found


def _numbered(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each value's number among the distinct values (int64), and the distinct values in ascending order; like
    `np.unique(values, return_inverse=True)`, by hashing (a tenth of numpy's time on small sets)."""
    number, distinct = pd.factorize(values.astype("int64"), sort=True)
    return number.astype("int64"), np.asarray(distinct, dtype="int64")


def _items(
    table: pd.DataFrame,
    targets: Sequence[Target],
    records: Records,
    collectives: pd.DataFrame,
    teacher: np.ndarray,
) -> pd.DataFrame:
    """Every record that could count for a target, long form (see `Counting`); registrations are undated (they
    count in every window), results, votes and collective results keep their dates."""
    titles = table.loc[table["kind"].isin(["ldtt", "cstdcs"]), ["code", "kind"]]
    activities = table.loc[table["kind"] == "activity", ["code", "source", "level_rank"]]
    codes, pairs = _counted_pairs(targets)

    def titled(frame: pd.DataFrame, stage: int, date: pd.Series) -> pd.DataFrame:
        found = (
            pd.DataFrame({"person": frame["person"], "title": frame["title"].astype(object), "date": date})
            .merge(TITLE_KINDS[["title", "kind"]], on="title")
            .merge(titles, on="kind")
        )
        return found.assign(stage=stage, work="", record=-1)[ITEM_COLUMNS]

    def active(frame: pd.DataFrame, stage: int) -> pd.DataFrame:
        columns = ["person", "activity", "work", "level", "date"] + (["result"] if stage else [])
        found = frame[columns].astype({"activity": object, "level": object})
        found["record"] = frame.index if stage else -1  # the result row an achieved item comes from
        found = found.merge(activities, left_on="activity", right_on="source")
        rank = found["level"].map(vocabulary.LEVEL_RANKS)
        # A level target counts items at that level or higher; an item or target without a level is not judged.
        keep = (found["level_rank"] < 0) | rank.isna() | (rank >= found["level_rank"])
        if stage:
            restricted = found["code"].isin(codes)
            counted = pd.MultiIndex.from_arrays([found["code"], found["result"].astype(object)]).isin(pairs)
            keep &= ~restricted | counted
        return found[keep].assign(stage=stage)[ITEM_COLUMNS]

    def collective(frame: pd.DataFrame, stage: int) -> pd.DataFrame:
        # Only a collective target counts collective rows (a row under another code, or under a target the plan
        # no longer has, counts nowhere).
        frame = frame[frame["code"].isin(table.loc[table["kind"] == "collective", "code"])]
        date = frame["date"] if stage else _no_dates(frame.index)
        return pd.DataFrame(
            {"code": frame["code"], "stage": stage, "person": -1, "work": "", "date": date, "record": -1}
        )

    regs = records.registrations
    promised = promises(records)
    found = pd.concat(
        [
            titled(regs, 0, _no_dates(regs.index)),
            titled(records.votes, 1, records.votes["date"]),
            active(promised.assign(date=_no_dates(promised.index)), 0),
            active(records.results, 1),
            collective(collectives[collectives["registered"]], 0),
            collective(collectives[collectives["achieved"]], 1),
        ],
        ignore_index=True,
    )
    found["code"] = pd.Categorical(found["code"], categories=table["code"])
    found["stage"] = found["stage"].astype("int8")
    # Works as numbers (one per normalised title; -1 untitled): counting distinct works needs no strings.
    named = found["work"].to_numpy() != ""
    found["work"] = np.where(named, pd.factorize(found["work"])[0], -1)
    found["person"] = found["person"].astype("int64")
    # "GV" limits an activity target to teachers; titles are counted for whoever the vote names (SPEC 3).
    only = (table["teachers_only"] & (table["kind"] == "activity")).to_numpy()[found["code"].cat.codes.to_numpy()]
    found["eligible"] = ~only | np.append(teacher, True)[found["person"].to_numpy()]  # -1: a collective, no person
    return found


def _no_dates(index: pd.Index) -> pd.Series:
    return pd.Series(pd.NaT, index=index, dtype="datetime64[s]")


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """Ratios as floats; a zero or missing denominator gives no ratio (NaN) rather than an error."""
    denominator = denominator.astype("Float64")
    shown = numerator.astype("Float64") / denominator.where(denominator != 0)
    return shown.astype("float64")


def status_of(target: pd.Series, registered: pd.Series, achieved: pd.Series, final: bool) -> pd.Series:
    """Đạt / Vượt when achieved; otherwise Đủ / Thiếu đăng ký before the year ends, Không đạt after it."""
    goal = target.astype("float64").to_numpy()
    reached, done = achieved.to_numpy(), registered.to_numpy()
    return pd.Series(
        np.select(
            [np.isnan(goal), reached > goal, reached >= goal, np.full(len(goal), final), done >= goal],
            [STATUS_NONE, STATUS_EXCEEDED, STATUS_MET, STATUS_MISSED, STATUS_ON_TRACK],
            STATUS_SHORT,
        ),
        index=target.index,
        dtype=object,
    )


def projection_of(target: pd.Series, registered: pd.Series, achieved: pd.Series, final: bool) -> pd.Series:
    """Whether the registrations made can still reach the target."""
    goal = target.astype("float64").to_numpy()
    reached, done = achieved.to_numpy(), registered.to_numpy()
    short = [
        f"Không thể đạt với số đăng ký hiện có (thiếu {int(g - d)})" if not np.isnan(g) else ""
        for g, d in zip(goal, done, strict=True)
    ]
    return pd.Series(
        np.select(
            [np.isnan(goal), reached >= goal, np.full(len(goal), final), done >= goal],
            [STATUS_NONE, "Đã đạt", "Không đạt", "Có thể đạt nếu thực hiện đủ như đăng ký"],
            np.array(short, dtype=object),
        ),
        index=target.index,
        dtype=object,
    )


@dataclass(frozen=True)
class MonthResult:
    """Everything the writers, the history and the library API need for one month, as frames, built once by
    `measure` and never changed after: the writers lay them out and compute nothing themselves."""

    plan: Plan
    month: str
    month_end: dt.date
    targets: pd.DataFrame  # one row per target: figures, ratios (float, NaN for none), status, pace, projection
    rounds: pd.DataFrame  # one row per round: name, start, end, focus, state, review (the month's review sheet)
    # one row per round and target: round (1-based), code, achieved within the round and its ratio to the target,
    # and as of the round's last day (`as_of`): the year's total, its ratio and status (the round review's figures)
    round_targets: pd.DataFrame
    teams: pd.DataFrame  # one row per team (plan order): the team sheet's figures
    persons: pd.DataFrame  # one row per roster member: what they registered and achieved, display-ready
    titles: pd.DataFrame  # LĐTT (with CSTĐCS) and CSTĐCS registered and achieved, whatever the plan's targets
    records: Records  # the month's records after merging
    issues: Report
    counting: Counting = field(repr=False)  # what counted the month, kept for other groupings
    files_read: list[str] = field(default_factory=list)
    # from the history: the last month recorded before this one, and the achieved ratios month by month
    previous_month: str | None = None
    # month (rows, in order) × charted target code → achieved ratio (NaN: none)
    trend: pd.DataFrame = field(default_factory=pd.DataFrame)
    rule_pack: str | None = None  # the name of the rule pack applied (it names the law and the decree)
    received: Mapping[str, dt.date] = field(default_factory=dict)  # file → the day its e-mail was received
    final: bool = False  # the year is over: statuses are final
    elapsed: float = 0.0  # the share of the emulation year gone by the month's end
    pace_text: str = ""  # how much of the year is gone, as the dashboard says it
    vote_day: dt.date = dt.date.min  # the day of the year-end vote
    works: pd.DataFrame = field(default_factory=pd.DataFrame)  # the works qualifying their authors for CSTĐCS
    nominations: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per nominee and title or form
    round_results: pd.DataFrame = field(default_factory=pd.DataFrame)  # counted results by round: round, person
    not_proposed: pd.DataFrame = field(default_factory=pd.DataFrame)  # registered, not proposed: person, what
    legal: Mapping[str, Any] = field(default_factory=dict)  # the pack's [dossier]: grounds, who decides (SPEC 14)
    # where the registration sheet's column total and a target's registered figure differ, and why (SPEC 6)
    differences: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def holds_vote(self) -> bool:
        """The month of the vote's day, with vote rows: the nominations, their list and the dossier are its own."""
        return judgements.holds_vote(self.month, self.vote_day) and len(self.records.votes) > 0

    @property
    def not_submitted(self) -> pd.DataFrame:
        return self.persons[~self.persons["submitted"]]

    @property
    def file_digests(self) -> dict[str, str]:
        return self.records.files

    def person_targets(self) -> pd.DataFrame:
        """Per roster member (rows, in roster order) and plan target: what their own records register and
        achieve, counted as the target counts (the year's counting function, grouped by person). Columns
        "registered:<code>" and "achieved:<code>"."""
        counted = self.counting.count(
            Window(None, self.month_end), by=("person", self.counting.items["person"].to_numpy())
        )
        counted = counted[counted["person"] >= 0]
        codes = [t.code for t in self.plan.targets]
        counted = counted[counted["code"].isin(codes)]
        wide = counted.pivot_table(index="person", columns="code", values=[REGISTERED, ACHIEVED], aggfunc="sum")
        columns = [(stage, code) for code in codes for stage in (REGISTERED, ACHIEVED)]
        wide = wide.reindex(index=self.persons.index, columns=pd.MultiIndex.from_tuples(columns), fill_value=0)
        wide = wide.fillna(0).astype("int64")
        wide.columns = [f"{stage}:{code}" for stage, code in columns]
        return wide

    def title_figure(self, code: str, stage: str) -> int:
        return int(self.titles.loc[self.titles["code"] == code, stage].iloc[0])


def measure(
    plan: Plan,
    records: Records,
    month: str,
    month_end: dt.date,
    report: Report,
    *,
    pack: RulePack | None = None,
    history: Mapping[str, Mapping[str, tuple[int, int]]] | None = None,
    received: Mapping[str, dt.date] | None = None,
) -> MonthResult:
    """The month's result, built once: every target counted as of `month_end` (the records were cut at it by
    merging), the rule pack's checks (`pack`: their findings go to `report`), the judgements the documents print
    (status, pace, round reviews, qualifying works, nominations) and, from `history` (month → code →
    (registered, achieved), as the history database keeps them), the change since the last month and the trend."""
    roster = roster_frame(plan)
    counting = Counting.of(plan, (*plan.targets, *VIEW_TARGETS), records, roster["teacher"].to_numpy())
    year = Window(None, month_end)
    _warn_not_teachers(plan, counting, report)
    figures = counting.count(year)
    final = judgements.is_final(plan, month_end)
    elapsed = judgements.elapsed_share(plan, month_end)
    plan_rows = counting.table[~counting.table["code"].isin(VIEW_CODES)]  # the view targets are the titles' own
    targets = plan_rows[["code", "name", "subject", "target", "base", "unit"]]
    targets = targets.merge(figures, on="code", how="left", validate="one_to_one")
    targets = targets.assign(
        registered_ratio=ratio(targets[REGISTERED], targets["target"]),
        achieved_ratio=ratio(targets[ACHIEVED], targets["target"]),
        base_ratio=ratio(targets[ACHIEVED], targets["base"]),
        status=status_of(targets["target"], targets[REGISTERED], targets[ACHIEVED], final),
        pace=judgements.paces(targets, {t.code: t.kind for t in plan.targets}, elapsed),
        projection=projection_of(targets["target"], targets[REGISTERED], targets[ACHIEVED], final),
        change=pd.array([None] * len(targets), dtype="Int64"),
    )
    titles = figures[figures["code"].isin(VIEW_CODES)].reset_index(drop=True)
    received = dict(received or {})
    rule_pack = None
    params: Mapping[str, object] | None = None
    if pack is not None:
        check_rules(plan, records, titles, received, pack, report)
        rule_pack = pack.name
        params = pack.rules.get("cstdcs_conditions")
    works = judgements.qualifying_works(records.results, params)
    listed_results = _counted_results(counting, records.results)
    rounds, round_targets = _rounds(plan, counting, month_end, targets)
    persons = _persons(plan, records, roster)
    result = MonthResult(
        plan,
        month,
        month_end,
        targets,
        rounds,
        round_targets,
        _teams(plan, counting, year, persons),
        persons,
        titles,
        records,
        report,
        counting,
        sorted(records.files),
        rule_pack=rule_pack,
        received=received,
        final=final,
        elapsed=elapsed,
        pace_text=judgements.pace_text(plan, month_end),
        vote_day=judgements.vote_day(plan),
        works=works,
        nominations=judgements.nominations(records.votes, roster, works, report, TITLE_KINDS),
        round_results=judgements.round_results(plan, records.results, listed_results, month_end),
        not_proposed=judgements.not_proposed(records.registrations, records.votes),
        legal=_legal(pack),
        differences=judgements.registration_differences(
            plan.targets,
            records.registrations,
            records.marks,
            roster,
            dict(zip(targets["code"], targets[REGISTERED], strict=True)),
        ),
    )
    return attach_history(result, history) if history is not None else result


def _legal(pack: RulePack | None) -> dict[str, Any]:
    """The pack's [dossier] (the grounds a tờ trình cites, who decides) and the ballot share a CSTĐCS needs."""
    if pack is None:
        return {}
    ballot = pack.rules.get("cstdcs_ballot", {})
    share = ballot.get("min_share") if ballot.get("enabled", True) else None
    return {**pack.dossier, "cstdcs_ballot_share": share}


def _counted_results(counting: Counting, results: pd.DataFrame) -> pd.Index:
    """The labels of the result rows a round review lists: those some target counts (for someone it may count),
    and, of activities no target counts (a research project, a demonstration lesson), those that did not fail."""
    items = counting.items
    counted = items.loc[(items["stage"] == 1) & (items["record"] >= 0) & items["eligible"], "record"].unique()
    targeted = set(counting.table.loc[counting.table["kind"] == "activity", "source"])
    untargeted = ~results["activity"].astype(object).isin(targeted) & (results["result"] != vocabulary.RESULT_FAILED)
    return pd.Index(counted).union(results.index[untargeted.to_numpy()])


def _warn_not_teachers(plan: Plan, counting: Counting, report: Report) -> None:
    """Once per target and person: a record of someone who is not a teacher, for a teachers-only target."""
    names = dict(zip(counting.table["code"], counting.table["name"], strict=True))
    items = counting.items
    barred = items.loc[~items["eligible"], ["code", "person"]].drop_duplicates()
    for code, person_key in rows(barred):
        person = plan.roster[person_key]
        report.add(
            "person-not-teacher",
            person_key=int(person_key),
            person=person.label,
            team=person.team,
            name=person.label,
            position=person.position,
            target=names[code],
        )


def _rounds(
    plan: Plan, counting: Counting, month_end: dt.date, targets: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each round's state, and what was achieved within it up to the month's end, long form (round by its
    position in the plan, 1-based: names are the school's text and may repeat; code; achieved); the votes (dated
    by the vote's day) and undated collective results belong to the year-end vote, hence to the last round."""
    # Each item's round (-1: none, or not begun): the rounds are one grouping of one count, not a count each.
    day = counting.items["date"]
    round_of = np.full(len(day), -1, dtype="int64")
    states = []
    for number, rnd in enumerate(plan.rounds):
        if month_end < rnd.start:
            states.append("Chưa bắt đầu")
            continue
        states.append("Đang diễn ra" if month_end <= rnd.end else "Đã kết thúc")
        inside = (day >= pd.Timestamp(rnd.start)) & (day <= pd.Timestamp(min(rnd.end, month_end)))
        if number == judgements.last_round(plan):  # the vote (on its day) and undated collective results
            vote = pd.Timestamp(judgements.vote_day(plan))
            inside |= day.isna() | ((day == vote) & (vote <= pd.Timestamp(month_end)))
        round_of[inside.to_numpy()] = number
    within = counting.count(Window(None, month_end), by=("round", round_of))
    per_round = within[within["round"] >= 0].pivot_table(
        index="code", columns="round", values=ACHIEVED, aggfunc="sum", fill_value=0
    )
    per_round = per_round.reindex(index=targets["code"], columns=range(len(plan.rounds)), fill_value=0)
    wide = per_round.set_axis(range(1, len(plan.rounds) + 1), axis="columns").reset_index()
    achieved = wide.melt(id_vars="code", var_name="round", value_name=ACHIEVED)  # round by round, targets in order
    achieved = achieved.astype({"round": "int64", ACHIEVED: "int64"})[["round", "code", ACHIEVED]]
    achieved = achieved.assign(
        ratio=ratio(achieved[ACHIEVED], achieved["code"].map(targets.set_index("code")["target"]))
    )
    achieved = achieved.merge(_as_of_rounds(plan, counting, month_end, targets), on=["round", "code"], how="left")
    achieved["to_date"] = achieved["to_date"].astype("Int64")  # none for a round not begun
    rounds = pd.DataFrame(
        {
            "name": [r.name for r in plan.rounds],
            "start": [r.start for r in plan.rounds],
            "end": [r.end for r in plan.rounds],
            "focus": [r.focus for r in plan.rounds],
            "state": states,
            "review": judgements.round_review(plan, month_end),
        }
    )
    return rounds, achieved


def _as_of_rounds(plan: Plan, counting: Counting, month_end: dt.date, targets: pd.DataFrame) -> pd.DataFrame:
    """Per round begun and target, the round review's figures as of the round's last day (or the month's end while
    the round runs): the round's own ratio (achieved within it / target), the year's total then (`to_date`, a
    result dated after the review's day waits for the month's sheet), its ratio and status (SPEC 6)."""
    goals = targets.set_index("code")["target"]
    pieces = []
    last = judgements.last_round(plan)
    for number, rnd in enumerate(plan.rounds):
        if month_end < rnd.start:
            continue
        day = min(rnd.end, month_end)
        # Undated collective results belong to the year-end vote, hence to the last round only.
        counted = counting.count(Window(None, day, undated=number == last)).set_index("code")
        figures = counted.reindex(targets["code"])
        target = goals.reindex(figures.index)
        final = judgements.is_final(plan, day)
        pieces.append(
            pd.DataFrame(
                {
                    "round": number + 1,
                    "code": figures.index.to_numpy(),
                    "as_of": pd.Timestamp(day),
                    "to_date": figures[ACHIEVED].to_numpy(),
                    "to_date_ratio": ratio(figures[ACHIEVED], target).to_numpy(),
                    "to_date_status": status_of(target, figures[REGISTERED], figures[ACHIEVED], final).to_numpy(),
                }
            )
        )
    columns = ["round", "code", "as_of", "to_date", "to_date_ratio", "to_date_status"]
    if not pieces:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("round", "to_date") else object) for c in columns})
    return pd.concat(pieces, ignore_index=True)[columns]


def _teams(plan: Plan, counting: Counting, year: Window, persons: pd.DataFrame) -> pd.DataFrame:
    """One row per team of the plan: members, registrations, title figures counted by team, results reported."""
    teams = pd.Index(plan.teams, name="team")
    # Small numbers, not 200,000 strings; a member without a team (the plan is warned) is in none: -1.
    team_of = pd.Categorical(persons["team"].where(persons["team"] != ""), categories=teams).codes
    person = counting.items["person"].to_numpy()
    by_team = counting.count(year, by=("team", np.where(person >= 0, np.append(team_of, -1)[person], -1)))

    def figure(code: str, stage: str) -> np.ndarray:  # a view target's figure per team
        found = by_team[(by_team["code"] == code) & (by_team["team"] >= 0)]
        counts = np.zeros(len(teams), dtype="int64")
        counts[found["team"].to_numpy()] = found[stage].to_numpy()
        return counts

    def total(values: np.ndarray) -> np.ndarray:  # a person column summed per team (people without a team aside)
        inside = team_of >= 0
        return np.bincount(team_of[inside], weights=values[inside], minlength=len(teams)).astype("int64")

    frame = pd.DataFrame(
        {
            "members": total(np.ones(len(persons))),
            "registered": total(persons["registration"].to_numpy()),
            "registered_ldtt": figure(TITLE_LDTT, REGISTERED),
            "registered_cstdcs": figure(TITLE_CSTDCS, REGISTERED),
            "initiatives": figure(INITIATIVES, REGISTERED),
            "results": total(persons["results"].to_numpy()),
            "voted_ldtt": figure(TITLE_LDTT, ACHIEVED),
            "not_submitted": total(~persons["submitted"].to_numpy()),
        },
        index=teams,
    ).astype("int64")
    return frame.reset_index()


def describe_results(results: pd.DataFrame) -> pd.Series:
    """'Sáng kiến kinh nghiệm “Tên” – Huyện – Được công nhận', one per result row."""
    activity = results["activity"].astype(object).astype(str)
    head = np.where(results["product"] != "", activity + " “" + results["product"].astype(str) + "”", activity)
    level = results["level"].astype(object).fillna("").astype(str)
    result = results["result"].astype(object).astype(str)
    return pd.Series(
        [" – ".join(part for part in parts if part) for parts in zip(head, level, result, strict=True)],
        index=results.index,
        dtype=object,
    )


NOT_SUBMITTED = "Chưa nộp"
HAS_ERRORS = "Có lỗi"
NAME_UNMATCHED = "Đã gửi, chưa khớp tên"  # sent a registration whose name matched nobody (SPEC 5)


def _persons(plan: Plan, records: Records, persons: pd.DataFrame) -> pd.DataFrame:
    """One row per roster member (roster order, from the roster frame `persons`): who they are, what they
    registered (title, initiative, aid, activities in the plan's column order) and reported, their vote, and
    whether they submitted: who has submitted is judged from the files, so a person who most likely sent a
    registration whose name could not be matched (mistyped, or a namesake nothing told apart) is shown as having
    sent it, never as "Chưa nộp"."""
    keys = persons.index
    regs = records.registrations.set_index("person")
    votes = records.votes.set_index("person")
    results = records.results.sort_values(["person", "date", "activity"], kind="stable")
    described = describe_results(results).groupby(results["person"], sort=False).agg("; ".join)
    matched = keys.isin(list(records.submitted))
    unmatched = keys.isin(list(records.unmatched)) & ~matched
    submitted = matched | unmatched
    with_errors = keys.isin(list(records.with_errors))
    title = regs["title"].astype(object).reindex(keys)
    has_reg = title.notna().to_numpy()
    shown = np.select(
        [has_reg, ~submitted, unmatched, with_errors],
        [title.fillna("").to_numpy(), NOT_SUBMITTED, NAME_UNMATCHED, HAS_ERRORS],
        "",
    )
    initiative = regs["initiative"].reindex(keys).fillna("")
    level = regs["initiative_level"].astype(object).reindex(keys).where(initiative != "").fillna("")
    frame = persons.assign(
        submitted=submitted,
        name_unmatched=unmatched,
        has_errors=with_errors,
        registration=has_reg,
        title=title.fillna(""),
        title_shown=shown,
        reward_form=regs["reward_form"].reindex(keys).fillna(""),
        initiative=initiative,
        initiative_level=level,
        teaching_aid=regs["teaching_aid"].reindex(keys).fillna(""),
        registration_date=regs["date"].reindex(keys),
        registration_note=regs["note"].reindex(keys).fillna(""),
        results=records.results.groupby("person").size().reindex(keys, fill_value=0).astype("int64"),
        results_text=described.reindex(keys).fillna(""),
        rating=votes["rating"].astype(object).reindex(keys).fillna(""),
        voted_title=votes["title"].astype(object).reindex(keys).fillna(""),
    )
    frame["activities"] = _activities_texts(plan.activity_columns, keys, records.marks)
    return frame


def _activities_texts(names: Sequence[str], keys: pd.Index, marks: pd.DataFrame) -> np.ndarray:
    """Registered activities in the plan's column order, one text per person ("Tiết học yêu thương; …"). Each
    person's marks are one bit per activity; each distinct combination's text is joined once and shared by its
    persons. Vectorised over the roster (a groupby joining each person's marks ran Python per person: 0.13 s at
    20,000 persons); and where joining column by column made a new string per person and activity, 200,000
    persons (the 10,000-file benchmark) now hold a few texts, not 200,000 of them."""
    combination = np.zeros(len(keys), dtype=object if len(names) > 62 else "int64")  # Python ints past 62 bits
    for bit, name in enumerate(names):
        marked = keys.isin(marks.loc[marks["activity"] == name, "person"])
        combination[marked] += 1 << bit
    texts = {
        found: "; ".join(name for bit, name in enumerate(names) if int(found) >> bit & 1)
        for found in pd.unique(combination)
    }
    return pd.Series(combination).map(texts).to_numpy(dtype=object)


def attach_history(result: MonthResult, past: Mapping[str, Mapping[str, tuple[int, int]]]) -> MonthResult:
    """The month with its history: the change since the previous recorded month and the trend up to this month
    (a new result; `result` is left as it was)."""
    earlier = sorted(m for m in past if m < result.month)
    targets = result.targets
    if earlier:
        previous = pd.Series({code: achieved for code, (_registered, achieved) in past[earlier[-1]].items()})
        before = targets["code"].map(previous)
        targets = targets.assign(change=(targets[ACHIEVED] - before).astype("Int64"))
    goals = targets.set_index("code")["target"]
    rows = [
        (month, code, achieved)
        for month in earlier
        for code, (_registered, achieved) in past[month].items()
        if code in goals.index
    ] + list(zip([result.month] * len(targets), targets["code"], targets[ACHIEVED], strict=True))
    trend = pd.DataFrame(rows, columns=["month", "code", ACHIEVED])
    trend["achieved_ratio"] = ratio(trend[ACHIEVED], trend["code"].map(goals))
    # Charted month by month: the individual targets with a number to reach, one column each.
    charted = targets.loc[(targets["subject"] != SUBJECT_COLLECTIVE) & (targets["target"].fillna(0) > 0), "code"]
    return dataclasses.replace(
        result,
        targets=targets,
        previous_month=earlier[-1] if earlier else None,
        trend=trend.pivot_table(index="month", columns="code", values="achieved_ratio", aggfunc="last", dropna=False)
        .reindex(columns=list(charted))
        .rename_axis(index="month", columns=None),
    )
