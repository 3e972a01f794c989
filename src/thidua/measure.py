"""Measuring: one counting function evaluates a table of targets against the record frames, for any window (the
year so far, a round) and any grouping (the school, a team, a person); around it, the month's figures, ratios and
status, and the display-ready views the writers lay out. Pure: takes the plan and the merged records, returns a
`MonthResult`; writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from thidua import text, vocab
from thidua.issues import Report
from thidua.model import (
    COUNT_PERSONS,
    COUNT_WORKS,
    SOURCE_CSTDCS,
    SOURCE_LDTT,
    SUBJECT_PERSON,
    Plan,
    Target,
)
from thidua.records import Records, dates, roster_frame, rows

STATUS_EXCEEDED = "Vượt"
STATUS_MET = "Đạt"
STATUS_ON_TRACK = "Đủ đăng ký"
STATUS_SHORT = "Thiếu đăng ký"
STATUS_MISSED = "Không đạt"
STATUS_NONE = "—"
REGISTERED, ACHIEVED = "registered", "achieved"

# The titles each title target counts. CSTĐCS implies LĐTT: this table is the one place that says so.
TITLE_KINDS = pd.DataFrame(
    {"title": [vocab.LDTT, vocab.CSTDCS, vocab.CSTDCS], "kind": ["ldtt", "ldtt", "cstdcs"]}, dtype=object
)


def titles_counted_as(kind: str) -> frozenset[str]:
    """The titles that count for a title target of `kind` ("ldtt" or "cstdcs")."""
    return frozenset(TITLE_KINDS.loc[TITLE_KINDS["kind"] == kind, "title"])


# Figures of the school's titles whatever the plan's targets (the rules and the team view read them).
TITLE_LDTT, TITLE_CSTDCS, INITIATIVES = "\x00ldtt", "\x00cstdcs", "\x00skkn"
VIEW_TARGETS = (
    Target(TITLE_LDTT, "LĐTT (gồm CSTĐCS)", SUBJECT_PERSON, None, None, "", SOURCE_LDTT, None, COUNT_PERSONS),
    Target(TITLE_CSTDCS, "CSTĐCS", SUBJECT_PERSON, None, None, "", SOURCE_CSTDCS, None, COUNT_PERSONS),
    Target(INITIATIVES, "Sáng kiến", SUBJECT_PERSON, None, None, "", vocab.SKKN, None, COUNT_PERSONS),
)
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
    if target.source == vocab.SKKN:
        return vocab.RECOGNISED_RESULTS
    if target.source == vocab.DDDH:
        return vocab.ENTERED_RESULTS
    return frozenset(vocab.RESULT.choices) - {vocab.RESULT_FAILED}


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
            "level_rank": pd.Series([vocab.level_rank(t.level) for t in rows], dtype="int64"),
        }
    )


def _counted_pairs(targets: Iterable[Target]) -> tuple[frozenset[str], pd.MultiIndex]:
    """Codes whose results are restricted, and the (code, result) pairs that count for them."""
    restricted = {t.code: counted_results(t) for t in targets if t.kind == "activity"}
    pairs = [(code, result) for code, allowed in restricted.items() if allowed is not None for result in allowed]
    codes = frozenset(code for code, allowed in restricted.items() if allowed is not None)
    return codes, pd.MultiIndex.from_tuples(pairs, names=["code", "result"]) if pairs else pd.MultiIndex.from_tuples(
        [("", "")], names=["code", "result"]
    )


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
                    "activity": vocab.SKKN,
                    "work": initiatives["initiative"].map(text.key),
                    "level": initiatives["initiative_level"].astype(object),
                }
            ),
            # A named set counts as registered for the ĐDDH contest whatever level it aims at (SPEC 3).
            pd.DataFrame(
                {
                    "person": aids["person"],
                    "activity": vocab.DDDH,
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


def _in_window(day: pd.Series, window: Window) -> pd.Series:
    inside = day <= pd.Timestamp(window.end)
    if window.start is not None:
        inside &= day >= pd.Timestamp(window.start)
    return inside | (day.isna() & window.undated)


@dataclass(frozen=True)
class Counting:
    """Everything counting needs, built once per month: targets, records, roster flags."""

    table: pd.DataFrame
    counted_codes: frozenset[str]
    counted_pairs: pd.MultiIndex
    records: Records
    promised: pd.DataFrame
    collectives: pd.DataFrame
    teacher: np.ndarray  # roster key → is a teacher

    @classmethod
    def of(cls, plan: Plan, targets: Sequence[Target], records: Records) -> Counting:
        codes, pairs = _counted_pairs(targets)
        teacher = np.array([p.is_teacher for p in plan.roster], dtype=bool)
        return cls(targets_table(targets), codes, pairs, records, promises(records), collectives_frame(plan), teacher)

    def items(self, window: Window) -> pd.DataFrame:
        """The countable items of every target in `window`, long form: code, stage (registered | achieved),
        person (-1 for a collective), work, and whether the person may count for it (teachers only)."""
        table, records = self.table, self.records
        votes = records.votes[_in_window(records.votes["date"], window)]
        results = records.results[_in_window(records.results["date"], window)]
        collectives = self.collectives
        dated = collectives[_in_window(collectives["date"], window) & collectives["achieved"]]
        parts = [
            self._titles(records.registrations, REGISTERED),
            self._titles(votes, ACHIEVED),
            self._activities(self.promised, REGISTERED),
            self._activities(results, ACHIEVED),
            self._collectives(collectives[collectives["registered"]], REGISTERED),
            self._collectives(dated, ACHIEVED),
        ]
        found = pd.concat(parts, ignore_index=True)
        teacher = np.append(self.teacher, True)[found["person"].to_numpy()]  # -1, a collective: no person to judge
        only = found["code"].map(table.set_index("code")["teachers_only"]).to_numpy(dtype=bool)
        return found.assign(eligible=~only | teacher)

    def _titles(self, frame: pd.DataFrame, stage: str) -> pd.DataFrame:
        kinds = self.table.loc[self.table["kind"].isin(["ldtt", "cstdcs"]), ["code", "kind"]]
        titled = pd.DataFrame({"person": frame["person"], "title": frame["title"].astype(object)})
        found = titled.merge(TITLE_KINDS, on="title").merge(kinds, on="kind")
        return pd.DataFrame({"code": found["code"], "stage": stage, "person": found["person"], "work": ""})

    def _activities(self, frame: pd.DataFrame, stage: str) -> pd.DataFrame:
        acts = self.table.loc[self.table["kind"] == "activity", ["code", "source", "level_rank"]]
        columns = ["person", "activity", "work", "level"] + (["result"] if stage == ACHIEVED else [])
        found = (
            frame[columns]
            .astype({"activity": object, "level": object})
            .merge(acts, left_on="activity", right_on="source")
        )
        rank = found["level"].map(vocab.LEVEL_RANKS)
        # A level target counts items at that level or higher; an item or target without a level is not judged.
        keep = (found["level_rank"] < 0) | rank.isna() | (rank >= found["level_rank"])
        if stage == ACHIEVED:
            restricted = found["code"].isin(self.counted_codes)
            pairs = pd.MultiIndex.from_arrays([found["code"], found["result"].astype(object)])
            keep &= ~restricted | pairs.isin(self.counted_pairs)
        found = found[keep]
        return pd.DataFrame({"code": found["code"], "stage": stage, "person": found["person"], "work": found["work"]})

    def _collectives(self, frame: pd.DataFrame, stage: str) -> pd.DataFrame:
        return pd.DataFrame(
            {"code": frame["code"], "stage": stage, "person": -1, "work": [f"\x00{i}" for i in frame.index]}
        )

    def count(self, items: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
        """Registered and achieved per target (and per `by` group) the way each target counts: distinct persons,
        distinct works (an untitled work is its author's) or entries. Targets in the table's order."""
        items = items[items["eligible"]]
        count_by = items["code"].map(self.table.set_index("code")["count_by"]).to_numpy()
        person = "p" + items["person"].astype(str)
        work = np.where(items["work"] != "", "w" + items["work"].astype(str), person)
        entry = "e" + pd.Series(np.arange(len(items)), index=items.index).astype(str)
        unit = np.where(count_by == COUNT_PERSONS, person, np.where(count_by == COUNT_WORKS, work, entry))
        keys = ["code", *by]
        counted = (
            items.assign(unit=unit)
            .groupby([*keys, "stage"], sort=False)["unit"]
            .nunique()
            .unstack("stage", fill_value=0)
            .reindex(columns=[REGISTERED, ACHIEVED], fill_value=0)
            .astype("int64")
        )
        if not by:
            return counted.reindex(pd.Index(self.table["code"], name="code"), fill_value=0).reset_index()
        return counted.reset_index()


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


@dataclass
class MonthResult:
    """Everything the writers, the history and the library API need for one month, as frames; the writers lay
    them out and compute nothing themselves."""

    plan: Plan
    month: str
    month_end: dt.date
    targets: pd.DataFrame  # one row per target: figures, ratios (float, NaN for none), status, projection
    rounds: pd.DataFrame  # one row per round: name, start, end, focus, state
    round_targets: pd.DataFrame  # one row per target: code, then what was achieved within each round
    teams: pd.DataFrame  # one row per team (plan order): the team sheet's figures
    persons: pd.DataFrame  # one row per roster member: what they registered and achieved, display-ready
    titles: pd.DataFrame  # LĐTT (with CSTĐCS) and CSTĐCS registered and achieved, whatever the plan's targets
    records: Records  # the month's records after merging
    issues: Report
    counting: Counting = field(repr=False)  # what counted the month, kept for other groupings
    year_items: pd.DataFrame = field(repr=False)  # the year's countable items
    files_read: list[str] = field(default_factory=list)
    # from the history: the last month recorded before this one, and every recorded month up to this one
    previous_month: str | None = None
    trend: pd.DataFrame = field(default_factory=pd.DataFrame)  # month × target code → achieved ratio

    @property
    def not_submitted(self) -> pd.DataFrame:
        return self.persons[~self.persons["submitted"]]

    @property
    def file_digests(self) -> dict[str, str]:
        return self.records.files

    @property
    def report_date(self) -> dt.date:
        """Date of the submission's date line: the registration deadline in its month, else the month's end."""
        deadline = self.plan.school.registration_deadline
        if f"{deadline:%Y-%m}" == self.month:
            return deadline
        return self.month_end

    def person_targets(self) -> pd.DataFrame:
        """Per roster member (rows, in roster order) and plan target: what their own records register and
        achieve, counted as the target counts (the year's counting function, grouped by person). Columns
        "registered:<code>" and "achieved:<code>"."""
        items = self.year_items[self.year_items["person"] >= 0]
        counted = self.counting.count(items, by=["person"])
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


def measure(plan: Plan, records: Records, month: str, month_end: dt.date, report: Report) -> MonthResult:
    """Count every target as of `month_end` (the records were cut at it by merging) and build the views."""
    counting = Counting.of(plan, (*plan.targets, *VIEW_TARGETS), records)
    year = counting.items(Window(None, month_end))
    _warn_not_teachers(plan, counting, year, report)
    figures = counting.count(year)
    final = month_end >= plan.year_end
    targets = targets_table(plan.targets)[["code", "name", "subject", "target", "base", "unit"]]
    targets = targets.merge(figures, on="code", how="left", validate="one_to_one")
    targets = targets.assign(
        registered_ratio=ratio(targets[REGISTERED], targets["target"]),
        achieved_ratio=ratio(targets[ACHIEVED], targets["target"]),
        base_ratio=ratio(targets[ACHIEVED], targets["base"]),
        status=status_of(targets["target"], targets[REGISTERED], targets[ACHIEVED], final),
        projection=projection_of(targets["target"], targets[REGISTERED], targets[ACHIEVED], final),
        change=pd.array([None] * len(targets), dtype="Int64"),
    )
    titles = figures[figures["code"].isin([t.code for t in VIEW_TARGETS])].reset_index(drop=True)
    rounds, round_targets = _rounds(plan, counting, month_end, targets)
    persons = _persons(plan, records)
    return MonthResult(
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
        year,
        sorted(records.files),
    )


def _warn_not_teachers(plan: Plan, counting: Counting, items: pd.DataFrame, report: Report) -> None:
    """Once per target and person: a record of someone who is not a teacher, for a teachers-only target."""
    names = dict(zip(counting.table["code"], counting.table["name"], strict=True))
    barred = items.loc[~items["eligible"], ["code", "person"]].drop_duplicates()
    for code, person_key in rows(barred):
        person = plan.roster[person_key]
        report.add(
            "person-not-teacher",
            person=person.label,
            team=person.team,
            name=person.label,
            position=person.position,
            target=names[code],
        )


def _rounds(
    plan: Plan, counting: Counting, month_end: dt.date, targets: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each round's state, and what was achieved within it up to the month's end; undated votes and collective
    results belong to the year-end vote, hence to the last round."""
    states, achieved = [], pd.DataFrame({"code": targets["code"]})
    for rnd in plan.rounds:
        if month_end < rnd.start:
            states.append("Chưa bắt đầu")
            achieved[rnd.name] = 0
            continue
        states.append("Đang diễn ra" if month_end <= rnd.end else "Đã kết thúc")
        window = Window(rnd.start, min(rnd.end, month_end), undated=rnd.end == plan.year_end)
        within = counting.count(counting.items(window))
        achieved[rnd.name] = targets[["code"]].merge(within, on="code", how="left")[ACHIEVED].to_numpy()
    achieved["year"] = targets[ACHIEVED].to_numpy()
    rounds = pd.DataFrame(
        {
            "name": [r.name for r in plan.rounds],
            "start": [r.start for r in plan.rounds],
            "end": [r.end for r in plan.rounds],
            "focus": [r.focus for r in plan.rounds],
            "state": states,
        }
    )
    return rounds, achieved


def _teams(plan: Plan, counting: Counting, items: pd.DataFrame, persons: pd.DataFrame) -> pd.DataFrame:
    """One row per team of the plan: members, registrations, title figures counted by team, results reported."""
    teams = pd.Index(plan.teams, name="team")
    team_of = persons["team"].to_numpy()
    items = items[items["person"] >= 0]
    by_team = counting.count(items.assign(team=team_of[items["person"].to_numpy()]), by=["team"])

    def figure(code: str, stage: str) -> pd.Series:
        return by_team[by_team["code"] == code].set_index("team")[stage].reindex(teams, fill_value=0)

    grouped = persons.assign(not_submitted=~persons["submitted"]).groupby("team", sort=False)
    frame = pd.DataFrame(
        {
            "members": grouped.size().reindex(teams, fill_value=0),
            "registered": grouped["registration"].sum().reindex(teams, fill_value=0),
            "registered_ldtt": figure(TITLE_LDTT, REGISTERED),
            "registered_cstdcs": figure(TITLE_CSTDCS, REGISTERED),
            "initiatives": figure(INITIATIVES, REGISTERED),
            "results": grouped["results"].sum().reindex(teams, fill_value=0),
            "voted_ldtt": figure(TITLE_LDTT, ACHIEVED),
            "not_submitted": grouped["not_submitted"].sum().reindex(teams, fill_value=0),
        }
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


def _persons(plan: Plan, records: Records) -> pd.DataFrame:
    """One row per roster member (roster order): who they are, what they registered (title, initiative, aid,
    activities in the plan's column order) and reported, their vote, and whether they submitted."""
    persons = roster_frame(plan)
    keys = persons.index
    regs = records.registrations.set_index("person")
    votes = records.votes.set_index("person")
    results = records.results.sort_values(["person", "date", "activity"], kind="stable")
    described = describe_results(results).groupby(results["person"], sort=False).agg("; ".join)
    submitted = keys.isin(list(records.submitted))
    with_errors = keys.isin(list(records.with_errors))
    title = regs["title"].astype(object).reindex(keys)
    has_reg = title.notna().to_numpy()
    shown = np.where(
        has_reg, title.fillna(""), np.where(~submitted, NOT_SUBMITTED, np.where(with_errors, HAS_ERRORS, ""))
    )
    initiative = regs["initiative"].reindex(keys).fillna("")
    level = regs["initiative_level"].astype(object).reindex(keys).where(initiative != "").fillna("")
    frame = persons.assign(
        submitted=submitted,
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
    # Registered activities in the plan's column order, joined column by column (no per-person Python).
    joined = np.full(len(frame), "", dtype=object)
    for name in plan.activity_columns:
        marked = keys.isin(records.marks.loc[records.marks["activity"] == name, "person"])
        frame[f"mark:{name}"] = marked
        joined = np.where(marked, np.where(joined == "", name, joined + "; " + name), joined)
    frame["activities"] = joined
    return frame


def attach_history(result: MonthResult, past: dict[str, dict[str, tuple[int, int]]]) -> MonthResult:
    """The month with its history: the change since the previous recorded month and the trend up to this month."""
    earlier = sorted(m for m in past if m < result.month)
    result.previous_month = earlier[-1] if earlier else None
    targets = result.targets
    if earlier:
        previous = pd.Series({code: achieved for code, (_registered, achieved) in past[earlier[-1]].items()})
        before = targets["code"].map(previous)
        result.targets = targets.assign(change=(targets[ACHIEVED] - before).astype("Int64"))
    goals = targets.set_index("code")["target"]
    rows = [
        (month, code, achieved)
        for month in earlier
        for code, (_registered, achieved) in past[month].items()
        if code in goals.index
    ] + list(zip([result.month] * len(targets), targets["code"], targets[ACHIEVED], strict=True))
    trend = pd.DataFrame(rows, columns=["month", "code", ACHIEVED])
    trend["achieved_ratio"] = ratio(trend[ACHIEVED], trend["code"].map(goals))
    result.trend = trend
    return result
