"""The counting function against a per-row oracle, on generated records (Hypothesis).

The oracle is the per-row counting thidua had before its records became DataFrames (one loop per target over
dataclass-like rows), kept here as plain Python with the counting rules of SPEC 3, including the rule fixed with
the tables: a failed result counts only for a participation target ("Tham gia …") or where the plan lists it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thidua.core import text, vocabulary
from thidua.core.plan import COUNT_ENTRIES, COUNT_PERSONS, COUNT_WORKS, Plan, Target
from thidua.workspace.default_plan import PLAN

from . import frames

pytestmark = pytest.mark.slow  # 150 generated months against the oracle: about 10 s

D = dt.date
ROSTER = PLAN.roster
EXTRA_TARGETS = (
    Target("BAI_VIET", "Bài viết cấp huyện trở lên", "Cá nhân", 3, None, "bài", "Bài viết", "Huyện", COUNT_WORKS),
    Target("THAO_GIANG", "Thao giảng", "Cá nhân", 10, None, "lượt", "Thao giảng", None, COUNT_ENTRIES),
    Target("TG_THAO_GIANG", "Tham gia thao giảng", "Cá nhân", 5, 26, "GV", "Thao giảng", None, COUNT_PERSONS),
    Target(
        "DDDH_DU_THI",
        "Đồ dùng dạy học dự thi (kể cả không đạt)",
        "Cá nhân",
        3,
        None,
        "bộ",
        vocabulary.DDDH,
        "Xã",
        COUNT_WORKS,
        frozenset({vocabulary.RESULT_ENTERED, vocabulary.RESULT_FAILED}),
    ),
)
PLAN_WITH_EXTRAS = dataclasses.replace(PLAN, targets=(*PLAN.targets, *EXTRA_TARGETS))
MARK_ACTIVITIES = PLAN.activity_columns
ACTIVITIES = (vocabulary.SKKN, vocabulary.DDDH, *MARK_ACTIVITIES, "Bài viết", "Thao giảng")
PRODUCTS = ("Bộ chữ cái", "  bộ chữ CÁI ", "Giải pháp A", "")
LEVELS = (None, *vocabulary.LEVELS)
DATES = (D(2021, 9, 20), D(2021, 10, 4), D(2021, 11, 20), D(2022, 1, 10), D(2022, 3, 31), D(2022, 5, 25))
persons = st.integers(min_value=0, max_value=len(ROSTER) - 1)
maybe_date = st.one_of(st.none(), st.sampled_from(DATES))

registrations = st.lists(
    st.fixed_dictionaries(
        {
            "person": persons,
            "title": st.sampled_from(vocabulary.TITLE_REGISTERED.choices),
            "initiative": st.sampled_from(PRODUCTS),
            "level": st.sampled_from(("Trường", "Xã", "Huyện", "Tỉnh")),
            "aid": st.sampled_from(PRODUCTS),
            "marks": st.sets(st.sampled_from(MARK_ACTIVITIES)),
            "date": maybe_date,
        }
    ),
    max_size=25,
)
results = st.lists(
    st.fixed_dictionaries(
        {
            "person": persons,
            "activity": st.sampled_from(ACTIVITIES),
            "product": st.sampled_from(PRODUCTS),
            "level": st.sampled_from(LEVELS),
            "result": st.sampled_from(vocabulary.RESULT.choices),
            "date": st.sampled_from(DATES),
        }
    ),
    max_size=30,
)
votes = st.lists(
    st.fixed_dictionaries(
        {"person": persons, "title": st.sampled_from(vocabulary.TITLE_VOTED.choices), "date": maybe_date}
    ),
    max_size=15,
)


# ----- the oracle ---------------------------------------------------------------------------------------------


def _newest(rows: list[dict[str, Any]], end: dt.date) -> list[dict[str, Any]]:
    """Rows dated after `end` wait; then per person the later date wins (undated oldest), then the later row."""
    best: dict[int, tuple[tuple[dt.date, int], dict[str, Any]]] = {}
    for i, row in enumerate(rows):
        if row["date"] is not None and row["date"] > end:
            continue
        rank = (row["date"] or dt.date.min, i)
        if row["person"] not in best or rank > best[row["person"]][0]:
            best[row["person"]] = (rank, row)
    return [row for _rank, row in best.values()]


def _accepted(t: Target) -> frozenset[str] | None:
    if t.counted_results:
        return t.counted_results
    if text.fold(t.name).startswith("tham gia"):
        return None
    if t.source == vocabulary.SKKN:
        return frozenset({"Được công nhận", "Đạt", "Đạt giải"})
    if t.source == vocabulary.DDDH:
        return frozenset({"Đã dự thi", "Được công nhận", "Đạt", "Đạt giải"})
    return frozenset(vocabulary.RESULT.choices) - {"Không đạt"}


def _rank(level: str | None) -> int:
    return {"Trường": 0, "Xã": 1, "Huyện": 1, "Tỉnh": 2, "Bộ": 3}[level] if level else -1


def _tally(t: Target, items: list[tuple[int, str]]) -> int:
    if t.count_by == COUNT_PERSONS:
        return len({p for p, _ in items})
    if t.count_by == COUNT_WORKS:
        return len({text.key(title) or f"person {p}" for p, title in items})
    return len(items)


def oracle(plan: Plan, regs: list[dict[str, Any]], res: list[dict[str, Any]], vts: list[dict[str, Any]], end: dt.date):
    # A vote row counts from the vote's day (the plan's, else the last round's end) and only from it; its own date
    # is the decision's, which orders two votes of one person and never moves a vote (SPEC 3).
    vote_day = plan.school.vote_day or max(r.end for r in plan.rounds)
    regs, vts = _newest(regs, end), (_newest(vts, dt.date.max) if end >= vote_day else [])
    seen, distinct = set(), []
    for r in res:
        identity = (r["person"], r["activity"], text.key(r["product"]), r["level"], r["result"], r["date"])
        if r["date"] <= end and identity not in seen:
            seen.add(identity)
            distinct.append(r)
    figures = {}
    for t in plan.targets:
        if t.kind == "collective":
            mine = [c for c in plan.collectives if c.target_code == t.code]
            done = [c for c in mine if c.result == "Đạt" and (c.date is None or c.date <= end)]
            figures[t.code] = (sum(c.registered for c in mine), len(done))
            continue
        if t.kind in ("ldtt", "cstdcs"):
            titles = {vocabulary.LDTT, vocabulary.CSTDCS} if t.kind == "ldtt" else {vocabulary.CSTDCS}
            figures[t.code] = (
                _tally(t, [(r["person"], "") for r in regs if r["title"] in titles]),
                _tally(t, [(v["person"], "") for v in vts if v["title"] in titles]),
            )
            continue

        def counts(person: int, level: str | None, t: Target = t) -> bool:
            level_ok = t.level is None or level is None or _rank(level) >= _rank(t.level)
            return level_ok and (not t.teachers_only or ROSTER[person].is_teacher)

        promised = []
        for r in regs:
            promised += [(r["person"], a, "", None) for a in r["marks"]]
            if r["initiative"]:
                promised.append((r["person"], vocabulary.SKKN, r["initiative"], r["level"]))
            if r["aid"]:
                promised.append((r["person"], vocabulary.DDDH, r["aid"], None))
        accepted = _accepted(t)
        registered = [(p, title) for p, a, title, level in promised if a == t.source and counts(p, level)]
        achieved = [
            (r["person"], r["product"])
            for r in distinct
            if r["activity"] == t.source
            and counts(r["person"], r["level"])
            and (accepted is None or r["result"] in accepted)
        ]
        figures[t.code] = (_tally(t, registered), _tally(t, achieved))
    return figures


# ----- the property ----------------------------------------------------------------------------------------------


def _records(regs: list[dict[str, Any]], res: list[dict[str, Any]], vts: list[dict[str, Any]]):
    origin = ("x.xlsx", "Đăng ký")
    return frames.records(
        [
            frames.registration(
                ROSTER[r["person"]],
                r["title"],
                (*origin, i),
                initiative=r["initiative"],
                initiative_level=r["level"] if r["initiative"] else None,
                teaching_aid=r["aid"],
                activities=sorted(r["marks"]),
                date=r["date"],
            )
            for i, r in enumerate(regs)
        ],
        [
            frames.result_row(
                ROSTER[r["person"]],
                r["activity"],
                r["result"],
                r["date"],
                (*origin, i),
                product=r["product"],
                level=r["level"],
            )
            for i, r in enumerate(res)
        ],
        [
            frames.vote_row(ROSTER[v["person"]], v["title"], (*origin, i), decision_date=v["date"])
            for i, v in enumerate(vts)
        ],
        plan=PLAN_WITH_EXTRAS,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registrations, results, votes, st.sampled_from(((("2021-10", D(2021, 10, 31))), ("2022-05", D(2022, 5, 31)))))
def test_counting_equals_the_per_row_oracle(
    regs: list[dict[str, Any]], res: list[dict[str, Any]], vts: list[dict[str, Any]], month: tuple[str, dt.date]
) -> None:
    result = frames.month_of(_records(regs, res, vts), *month, plan=PLAN_WITH_EXTRAS)
    assert frames.figures(result) == oracle(PLAN_WITH_EXTRAS, regs, res, vts, month[1])
