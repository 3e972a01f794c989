"""Every judgement the documents print, made once: how a target keeps pace with the year, which works qualify a
person for a title, who is nominated for what and whether the rule pack's conditions are met, which round ends in
the month, and the day of the year-end vote. The month's result carries them as columns and frames; the writers,
summary.json, the replies and the API read them and decide nothing themselves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from thidua.core import vocabulary
from thidua.core.plan import Plan
from thidua.core.text import key as text_key
from thidua.issues import RULE, Issue, title_of

REGISTERED, ACHIEVED = "registered", "achieved"
# Figures of the school's titles whatever the plan's targets (the rules and the team view read them).
TITLE_LDTT, TITLE_CSTDCS, INITIATIVES = "\x00ldtt", "\x00cstdcs", "\x00skkn"

# The titles each title target counts, and the title each counts as. CSTĐCS implies LĐTT: this table is the one
# place that says so (counting, the nominations and the rules read it).
TITLE_KINDS = pd.DataFrame(
    {
        "title": [vocabulary.LDTT, vocabulary.CSTDCS, vocabulary.CSTDCS],
        "kind": ["ldtt", "ldtt", "cstdcs"],
        "counts_as": [vocabulary.LDTT, vocabulary.LDTT, vocabulary.CSTDCS],
    },
    dtype=object,
)


@cache  # a constant table, asked for every proposal of a province's roll-up
def titles_counted_as(kind: str) -> frozenset[str]:
    """The titles that count for a title target of `kind` ("ldtt" or "cstdcs")."""
    return frozenset(TITLE_KINDS.loc[TITLE_KINDS["kind"] == kind, "title"])


# --- pace: how a target keeps up with the share of the year gone (SPEC 6, 13) ---------------------------------
PACE_ON_PACE, PACE_NOT_DUE, PACE_BEHIND, PACE_FAR_BEHIND = "on-pace", "not-due", "behind", "far-behind"
PACE_TOLERANCE = 0.02  # of the target: a large target may lag this much (and any target one item) and be on pace
YEAR_END_KINDS = frozenset({"ldtt", "cstdcs", "collective"})  # titles and collectives come with the year-end vote


def is_final(plan: Plan, month_end: dt.date) -> bool:
    """Whether the emulation year is over by `month_end` (the vote's day has come): statuses are then final."""
    return month_end >= vote_day(plan)


def elapsed_share(plan: Plan, month_end: dt.date) -> float:
    """The share of the emulation year gone by `month_end`: from the first round's start to the vote (the last
    round's end), 0 to 1; 1 once the year is final."""
    start, end = plan.movement_start, vote_day(plan)
    if is_final(plan, month_end):
        return 1.0
    span = (end - start).days
    return min(max((month_end - start).days / span, 0.0), 1.0) if span > 0 else 0.0


def pace_text(plan: Plan, month_end: dt.date) -> str:
    share = elapsed_share(plan, month_end)
    if share >= 1.0:
        return f"Đã qua 100% thời gian năm học (bình xét {vote_day(plan):%d/%m/%Y}): kết quả so với cả chỉ tiêu"
    return f"Đã qua {share:.0%} thời gian năm học ({plan.movement_start:%d/%m/%Y} – {vote_day(plan):%d/%m/%Y})"


def _missing(value: object) -> bool:
    found: Any = value
    return found is None or bool(pd.isna(found))


def pace_of(target: object, registered: object, achieved: object, share: float, *, year_end_only: bool) -> str:
    """How a target keeps pace with the year: what is due is the target times the share of the year gone (nothing
    before the vote for a target only the vote achieves; the whole target once the year is final). On pace when
    short of it by less than one item (or PACE_TOLERANCE of the target), far behind when short of half of it by as
    much; a target the registrations cannot reach is behind at best; not due when nothing is achieved and nothing
    is due yet, or when there is no number to reach."""
    if _missing(target) or int(target) <= 0:  # type: ignore[call-overload]
        return PACE_NOT_DUE
    goal = float(target)  # type: ignore[arg-type]
    reached = 0.0 if _missing(achieved) else float(achieved)  # type: ignore[arg-type]
    promised = 0.0 if _missing(registered) else float(registered)  # type: ignore[arg-type]
    if reached >= goal:
        return PACE_ON_PACE
    if share >= 1.0:
        return PACE_BEHIND if reached >= goal / 2 else PACE_FAR_BEHIND
    due = 0.0 if year_end_only else goal * share
    slack = max(1.0, PACE_TOLERANCE * goal)
    if due - reached >= slack:
        return PACE_FAR_BEHIND if due / 2 - reached >= slack else PACE_BEHIND
    if promised < goal:
        return PACE_BEHIND
    return PACE_ON_PACE if reached > 0 else PACE_NOT_DUE


def paces(targets: pd.DataFrame, kinds: Mapping[str, str], share: float) -> pd.Series:
    """The pace of every target of the targets frame (columns code, target, registered, achieved)."""
    return pd.Series(
        [
            pace_of(t, r, a, share, year_end_only=kinds.get(code) in YEAR_END_KINDS)
            for code, t, r, a in zip(
                targets["code"], targets["target"], targets["registered"], targets["achieved"], strict=True
            )
        ],
        index=targets.index,
        dtype=object,
    )


# --- rounds -------------------------------------------------------------------------------------------------
def round_review(plan: Plan, month_end: dt.date) -> list[str]:
    """Per round of the plan: the review the month's report holds when the round ends in the month ("Sơ kết đợt
    N"; after the last round "Tổng kết năm học"), else ""."""
    first_day = month_end.replace(day=1)
    last = last_round(plan)
    return [
        ("Tổng kết năm học" if index == last else f"Sơ kết đợt {index + 1}")
        if first_day <= rnd.end <= month_end
        else ""
        for index, rnd in enumerate(plan.rounds)
    ]


def last_round(plan: Plan) -> int:
    """The position (0-based) of the round that closes the year: the year-end vote and undated collective results
    belong to it."""
    return max(range(len(plan.rounds)), key=lambda index: plan.rounds[index].end)


def round_results(plan: Plan, results: pd.DataFrame, counted: pd.Index, month_end: dt.date) -> pd.DataFrame:
    """The results that count for a target, dated within a round up to the month's end, one row each in roster
    then date order: round (1-based), person, and the result as the round review lists it ("Sáng kiến kinh nghiệm
    “Tên”, cấp Huyện: Được công nhận"). `counted` holds the labels of the result rows some target counted."""
    found = results.loc[results.index.isin(counted)].sort_values(["person", "date"], kind="stable")
    pieces = []
    for number, rnd in enumerate(plan.rounds, start=1):
        end = pd.Timestamp(min(rnd.end, month_end))
        inside = found[found["date"].between(pd.Timestamp(rnd.start), end)]
        level = inside["level"].astype(object).fillna("").map(lambda v: f", cấp {v}" if v else "")
        product = inside["product"].map(lambda v: f" “{v}”" if v else "")
        text = inside["activity"].astype(str) + product + level + ": " + inside["result"].astype(str)
        pieces.append(pd.DataFrame({"round": number, "person": inside["person"].astype("int64"), "result": text}))
    if not pieces:
        return pd.DataFrame({"round": pd.Series(dtype="int64"), "person": pd.Series(dtype="int64"), "result": ""})
    return pd.concat(pieces, ignore_index=True)


def vote_day(plan: Plan) -> dt.date:
    """The day of the year-end vote (bình xét): the plan's `Ngày bình xét`, else the last round's end (SPEC 3,
    4.2). Vote rows count from this day and only from it (merging dates them so); a vote row's own date is the
    recognition decision's, which never moves the vote. The rule pack in force, the dashboard and the nomination
    list all take the vote's day from here."""
    return plan.school.vote_day or plan.movement_end


def holds_vote(month: str, vote: dt.date) -> bool:
    """Whether `month` ("2027-05") is the month of the vote's day: the one month whose run writes the nomination
    list and the dossier and whose figures carry the nominations (SPEC 6, 8, 14). Later months still count the
    titles; the proposals went up with the vote month's report."""
    return month == f"{vote:%Y-%m}"


# --- what qualifies a person for a title ----------------------------------------------------------------------
QUALIFYING_COLUMNS = ["person", "activity", "product", "level", "decision", "result", "date"]


def qualifying_works(results: pd.DataFrame, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The works that qualify their author for Chiến sĩ thi đua cơ sở, one row each: those `work_qualifies`
    accepts. Without a rule pack, both routes at any level. The rule check and the nomination list both read this
    one function."""
    params = params if params is not None else {"research_route": True}
    columns = (results[c].astype(object) for c in ("activity", "level", "result"))
    kept = [work_qualifies(a, level, r, params) for a, level, r in zip(*columns, strict=True)]
    found = results.loc[np.asarray(kept, dtype=bool), QUALIFYING_COLUMNS]
    return found.sort_values(["person", "date"], kind="stable").reset_index(drop=True)


def work_qualifies(activity: object, level: object, result: object, params: Mapping[str, Any]) -> bool:
    """Whether one work qualifies its author for Chiến sĩ thi đua cơ sở: an initiative (SKKN) recognised (được
    công nhận, đạt, đạt giải) at `min_initiative_level` or above, and, when the rule pack opens the route
    (`research_route`, the 2022 law), a research project accepted the same way. The school's check
    (`qualifying_works`) and the receiving office's re-check of each nominee's works both ask this."""
    if not isinstance(result, str) or result not in vocabulary.RECOGNISED_RESULTS:
        return False
    if activity == vocabulary.SKKN:
        return work_level_qualifies(level, params)
    return activity == vocabulary.RESEARCH and bool(params.get("research_route", False))


CANDIDATE_ACTIVITIES = (vocabulary.SKKN, vocabulary.RESEARCH)  # the works `work_qualifies` may accept


def candidate_works(results: pd.DataFrame) -> dict[int, list[tuple[str, str, str]]]:
    """Per person, each of their initiatives and research projects among the results, whatever its level and
    result, as (activity, level, result) ("" where not stated): what `work_qualifies` judges. The report's
    `_thidua` sheet carries them so that a receiving office judges them with its own rule pack."""
    chosen = results[results["activity"].astype(object).isin(CANDIDATE_ACTIVITIES)]
    found: dict[int, list[tuple[str, str, str]]] = {}
    columns = (chosen[c].astype(object) for c in ("person", "activity", "level", "result"))
    for person, activity, level, result in zip(*columns, strict=True):
        found.setdefault(int(person), []).append(
            (str(activity), level if isinstance(level, str) else "", result if isinstance(result, str) else "")
        )
    return found


def describe_works(works: pd.DataFrame) -> pd.Series:
    """Per person: their qualifying works as the list prints them ("Tên, cấp Huyện, QĐ 12/QĐ-…; …")."""
    product = works["product"].where(works["product"] != "", works["activity"].astype(object))
    level = works["level"].astype(object).fillna("").map(lambda v: f", cấp {v}" if v else "")
    decision = works["decision"].fillna("").map(lambda v: f", QĐ {v}" if v else "")
    text = product.astype(str) + level + decision
    return text.groupby(works["person"], sort=False).agg("; ".join)


# --- nominations (SPEC 6, 13, 14) --------------------------------------------------------------------------------
# The titles each finding of the rule pack bars (a finding not listed bars every title and form of its person).
BARS: dict[str, frozenset[str]] = {
    "rule-cstdcs-initiative": frozenset({vocabulary.CSTDCS}),
    "rule-cstdcs-ballot": frozenset({vocabulary.CSTDCS}),
    "rule-ldtt-rating": frozenset({vocabulary.LDTT, vocabulary.CSTDCS}),
    "rule-ldtt-recruited": frozenset({vocabulary.LDTT, vocabulary.CSTDCS}),
}
NOT_BARRING = frozenset({"rule-late-registration"})  # about the registration, not about the proposal
REGISTRATION_STAGE = "đăng ký"  # a finding made of the September registration does not judge the vote
# The packs' own discipline findings (the 2003 law's LĐTT condition; the 2022 law's rule on every proposal): the
# list does not say the reason twice.
DISCIPLINE_FINDINGS = frozenset({"rule-ldtt-discipline", "rule-discipline"})
SERVED = "chỉ tính thành tích từ khi chấp hành xong"  # after a discipline (Nghị định 152/2025/NĐ-CP, Điều 4)


def disciplined(discipline: object, worst: str = vocabulary.DISCIPLINES[0]) -> bool:
    """Whether a vote row's `Kỷ luật` is heavier than `worst` (by default: any discipline at all). The rule packs'
    discipline check and the nomination list both ask this one function."""
    shown = str(discipline) if isinstance(discipline, str) else ""
    if shown not in vocabulary.DISCIPLINES:
        return False  # none recorded
    return vocabulary.DISCIPLINES.index(shown) > vocabulary.DISCIPLINES.index(worst)


def rating_short(rating: object, min_rating: str) -> bool:
    """Whether a rating (Xếp loại) is below `min_rating`; an unrecorded or unknown rating is not judged. The rule
    packs' LĐTT check and the receiving office's re-check both ask this one function."""
    ranks = vocabulary.RATINGS
    if not isinstance(rating, str) or rating not in ranks or min_rating not in ranks:
        return False
    return ranks.index(rating) > ranks.index(min_rating)


def ballot_short(votes_for: object, votes_total: object, min_share: float) -> float | None:
    """The ballot's share when it is under `min_share` (a CSTĐCS's votes, SPEC 14), else None; a ballot not
    filled in is not judged. The rule packs' ballot check and the receiving office's re-check ask this."""
    if _missing(votes_for) or _missing(votes_total) or not float(votes_total):  # type: ignore[arg-type]
        return None
    share = float(votes_for) / float(votes_total)  # type: ignore[arg-type]
    return share if share < min_share else None


def collective_short(ldtt: int, members: int, min_share: float, at_least: bool) -> bool:
    """Whether a collective's LĐTT members fall short of its title's share: more than `min_share` of the
    members, or at least it when `at_least` (SPEC 15; the rule packs' collective_ldtt/collective_ldxs)."""
    if members <= 0:
        return False
    return ldtt / members < min_share if at_least else ldtt / members <= min_share


def work_level_qualifies(level: object, params: Mapping[str, Any]) -> bool:
    """Whether an initiative recognised at `level` qualifies for CSTĐCS under the pack's `min_initiative_level`
    (an unstated or unknown level does not): `work_qualifies` asks this."""
    if not isinstance(level, str) or level not in vocabulary.LEVEL_RANKS:
        return False
    return vocabulary.level_rank(level) >= vocabulary.level_rank(str(params.get("min_initiative_level", "Trường")))


def proposed_votes(votes: pd.DataFrame) -> pd.DataFrame:
    """The vote rows that propose something: a title, or a form of reward."""
    return votes[(votes["title"] != vocabulary.NO_TITLE_VOTE) | (votes["reward"].fillna("") != "")]


def _reason(issue: Issue) -> str:
    """What the nomination list says of a finding that bars a proposal."""
    if issue.code == "rule-discipline":
        return f"kỷ luật {issue.params.get('discipline', '')}; {SERVED}"
    return title_of(issue.code)


NOMINATION_COLUMNS = [
    "person",
    "name",
    "birth_date",
    "gender",
    "position",
    "team",
    "proposal",
    "kind",
    "title",
    "reward",
    "rating",
    "discipline",
    "works",
    "votes_for",
    "votes_total",
    "vote_share",
    "eligible",
    "reasons",
]


def nominations(
    votes: pd.DataFrame,
    roster: pd.DataFrame,
    works: pd.DataFrame,
    findings: Iterable[Issue],
    implied: pd.DataFrame,
) -> pd.DataFrame:
    """One row per nominee and title or form of reward the year-end vote proposes, in order: the CSTĐCS, the
    LĐTT (a CSTĐCS nominee counts there too: `implied` is the one table saying which titles count as which),
    then each form of reward. `eligible` says whether the rule pack's findings leave the proposal standing and
    `reasons` names the findings that bar it. `roster` is the roster frame, `works` the qualifying works."""
    proposed = proposed_votes(votes).sort_values("person", kind="stable")
    barred: dict[int, list[tuple[str, str]]] = {}
    for issue in findings:
        at_registration = issue.params.get("stage") == REGISTRATION_STAGE  # September's, not the vote's
        barring = issue.code not in NOT_BARRING and not at_registration
        if issue.topic == RULE and issue.person_key is not None and barring:
            found = barred.setdefault(issue.person_key, [])
            if (issue.code, _reason(issue)) not in found:
                found.append((issue.code, _reason(issue)))
    described = describe_works(works) if len(works) else pd.Series(dtype=object)
    rows: list[tuple[int, str, str, Any]] = []
    titles = implied.groupby("title", sort=False)["counts_as"].agg(list).to_dict()
    for order, proposal in enumerate((vocabulary.CSTDCS, vocabulary.LDTT)):
        for vote in proposed.itertuples(index=False):
            if proposal in titles.get(vote.title, ()):
                rows.append((order, proposal, "title", vote))
    rewards = list(dict.fromkeys(r for r in proposed["reward"].fillna("") if r))
    for order, reward in enumerate(rewards, start=2):
        for vote in proposed.itertuples(index=False):
            if (vote.reward or "") == reward:
                rows.append((order, reward, "reward", vote))
    records = []
    for _order, proposal, kind, vote in rows:
        person = int(vote.person)
        reasons = [
            title
            for code, title in barred.get(person, [])
            if code not in BARS or proposal in BARS[code]  # a title-specific finding bars that title only
        ]
        said = dict(barred.get(person, []))
        if disciplined(vote.discipline) and not DISCIPLINE_FINDINGS & said.keys():
            reasons.append(f"kỷ luật {vote.discipline}")  # whatever the pack checks (Nghị định 152/2025, Điều 4)
        who: Any = roster.loc[person]
        total = vote.votes_total
        share = (
            float(vote.votes_for) / float(total)
            if not _missing(vote.votes_for) and not _missing(total) and total
            else np.nan
        )
        records.append(
            (
                person,
                who["name"],
                who["birth_date"],
                who["gender"],
                who["position"],
                who["team"],
                proposal,
                kind,
                "" if vote.title == vocabulary.NO_TITLE_VOTE else str(vote.title),
                str(vote.reward or ""),
                str(vote.rating) if isinstance(vote.rating, str) else "",
                str(vote.discipline) if isinstance(vote.discipline, str) else "",
                described.get(person, ""),
                vote.votes_for,
                total,
                share,
                not reasons,
                "; ".join(reasons),
            )
        )
    frame = pd.DataFrame.from_records(records, columns=NOMINATION_COLUMNS)
    return frame.astype(
        {"person": "int64", "eligible": bool, "votes_for": "Int64", "votes_total": "Int64", "vote_share": "float64"}
    )


CONDITIONS_MET = "Đủ"


def conditions(eligible: bool, reasons: str) -> str:
    """Whether a proposal meets the rule pack's conditions, as every list prints it (SPEC 5, 15: "Đủ / Cần xem
    xét: lý do")."""
    return CONDITIONS_MET if eligible else f"Cần xem xét: {reasons}"


def nomination_counts(nominated: pd.DataFrame) -> dict[str, int]:
    """summary.json's `nominations`: how many are proposed for each title and form of reward."""
    return {str(k): int(v) for k, v in nominated.groupby("proposal", sort=False).size().items()}


def not_proposed(registrations: pd.DataFrame, votes: pd.DataFrame) -> pd.DataFrame:
    """What staff registered in September and the vote does not propose, one row per person in roster order:
    person, what was registered and not proposed, and what the vote says instead (a CSTĐCS vote covers an LĐTT
    registration)."""
    regs = registrations[["person", "title", "reward_form"]].sort_values("person", kind="stable")
    vote = votes[["person", "title", "reward"]].drop_duplicates("person", keep="last").set_index("person")
    has_vote = regs["person"].isin(vote.index).to_numpy()
    # Every column as an object array of the frames' own strings: fixed-width numpy text (astype(str)) of 200,000
    # registrations took 4 bytes a character for the longest text of each column, several such arrays alive at
    # once, and every row's texts were joined before most were dropped (the 10,000-file benchmark's peak).
    voted_title = regs["person"].map(vote["title"].astype(object)).astype(object).fillna(vocabulary.NO_TITLE_VOTE)
    title = _texts(voted_title.where(voted_title != vocabulary.NO_TITLE_VOTE, ""))
    reward = _texts(regs["person"].map(vote["reward"]).astype(object))
    registered = regs["title"].astype(object)
    registered_title = _texts(registered.where(registered.isin([vocabulary.LDTT, vocabulary.CSTDCS]), ""))
    registered_reward = _texts(regs["reward_form"].astype(object))
    title_missing = (
        (registered_title != "")
        & (registered_title != title)
        & ~((registered_title == vocabulary.LDTT) & (title != ""))
    )
    reward_missing = (registered_reward != "") & (registered_reward != "Không") & (registered_reward != reward)
    keep = title_missing | reward_missing
    joined: dict[tuple[str, str, str], str] = {}  # few distinct texts, each made once and shared by its rows

    def join(first: str, second: str, between: str) -> str:
        found = joined.get((first, second, between))
        if found is None:
            found = joined[(first, second, between)] = f"{first}{between}{second}"
        return found

    missing = [
        join(was, form, "; ") if lost_title and lost_reward else was if lost_title else form
        for was, form, lost_title, lost_reward in zip(
            registered_title[keep], registered_reward[keep], title_missing[keep], reward_missing[keep], strict=True
        )
    ]
    instead = [
        (join(now, given, ", ") if now and given else now or given)
        or ("không đề nghị" if voted else "chưa có kết quả bình xét")
        for now, given, voted in zip(title[keep], reward[keep], has_vote[keep], strict=True)
    ]
    return pd.DataFrame(
        {
            "person": regs["person"].to_numpy()[keep].astype("int64"),
            "registered": np.asarray(missing, dtype=object),  # object arrays, as before: text even when empty
            "voted": np.asarray(instead, dtype=object),
        }
    )


def _texts(values: pd.Series) -> np.ndarray:
    """A column's values as an object array of text, "" where missing."""
    return values.fillna("").to_numpy(dtype=object)


# --- totals that differ between sheets (SPEC 6) ----------------------------------------------------------------
DIFFERENCE_COLUMNS = ["code", "name", "column", "listed", "registered", "reason"]
COLUMN_LABELS = {vocabulary.SKKN: "Tên sáng kiến kinh nghiệm", vocabulary.DDDH: "Đồ dùng dạy học"}
NAMES_SHOWN = 5  # a note names at most this many people or works, then says how many more


def registration_differences(
    targets: Iterable[Any],
    registrations: pd.DataFrame,
    marks: pd.DataFrame,
    roster: pd.DataFrame,
    counted: Mapping[str, int],
) -> pd.DataFrame:
    """Where the registration sheet's column total (initiatives named, teaching aids named, marks of an activity)
    and a target's registered figure (`counted`: code → registered) differ, and why, one row per target: a work
    co-authored by several is counted once, an initiative below the target's level does not count for it, a
    teachers-only ("GV") target does not count who is not a teacher. Only the lowest-level target of a source is
    compared (a higher level's target counts fewer by design). `roster` is the roster frame (its `teacher`)."""
    found = []
    lowest: dict[str, int] = {}
    person_targets = [t for t in targets if t.kind == "activity"]
    # The marks' activities as text once, not once per target (on the 1,000-file benchmark's 17,792 marks and
    # its eleven targets: 0.016 s → 0.014 s of CPU for the whole function, best of nine).
    marked = marks["activity"].astype(object)
    activities = set(marked)
    for t in person_targets:
        rank = vocabulary.level_rank(t.level)
        lowest[t.source] = min(lowest.get(t.source, rank), rank)
    for t in person_targets:
        if vocabulary.level_rank(t.level) != lowest[t.source] or t.code not in counted:
            continue
        reasons: list[str] = []
        if t.source in (vocabulary.SKKN, vocabulary.DDDH):
            column = "initiative" if t.source == vocabulary.SKKN else "teaching_aid"
            named = registrations[registrations[column] != ""]
            listed = len(named)
            if t.source == vocabulary.SKKN and t.level:
                ranks = named["initiative_level"].astype(object).map(vocabulary.LEVEL_RANKS).astype("float64")
                below = (ranks < vocabulary.level_rank(t.level)).to_numpy()
                if below.any():
                    reasons.append(f"{int(below.sum())} sáng kiến đăng ký ở cấp thấp hơn cấp {t.level}, không tính")
                named = named[~below]
            titles = named[column].astype(str)
            keys = titles.map(text_key)
            sizes = keys.groupby(keys, sort=False).size()
            shared = sizes[sizes > 1]
            for work_key, size in shared.iloc[:NAMES_SHOWN].items():
                title = titles[keys == work_key].iloc[0]
                reasons.append(f"“{title}” do {size} người cùng đăng ký, tính một lần")
            if len(shared) > NAMES_SHOWN:
                reasons.append(f"và {len(shared) - NAMES_SHOWN} sản phẩm khác có nhiều người cùng đăng ký")
        elif t.source in activities:
            chosen = marks[marked == t.source]
            listed = len(chosen)
            if t.teachers_only:
                others = chosen[~chosen["person"].map(roster["teacher"]).astype(bool)]
                if len(others):
                    shown = others["person"].iloc[:NAMES_SHOWN]
                    names = ", ".join(f"{roster.loc[k, 'name']} ({roster.loc[k, 'position']})" for k in shown)
                    more = f" và {len(others) - NAMES_SHOWN} người khác" if len(others) > NAMES_SHOWN else ""
                    reasons.append(f"chỉ tiêu tính giáo viên, không tính {names}{more}")
        else:
            continue
        if listed != counted[t.code] and reasons:
            column_label = COLUMN_LABELS.get(t.source, t.source)
            found.append((t.code, t.name, column_label, listed, counted[t.code], "; ".join(reasons)))
    frame = pd.DataFrame.from_records(found, columns=DIFFERENCE_COLUMNS)
    return frame.astype({"listed": "int64", "registered": "int64"})


def difference_text(row: Any) -> str:
    """A difference as a note under a table says it (a row of `registration_differences`)."""
    return (
        f"Chỉ tiêu “{row.name}” tính {row.registered} đăng ký, cột “{row.column}” của bảng đăng ký cá nhân có "
        f"{row.listed}: {row.reason}."
    )
