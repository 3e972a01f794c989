"""The counting code's fast paths against their plain definitions, on generated data (Hypothesis): each fast path
was written to save CPU on the 1,000-file benchmark (issue 20) and must give exactly what the code it replaced
gave, frames compared with their dtypes, index and column names."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from thidua.core.plan import (
    COUNT_ENTRIES,
    COUNT_PERSONS,
    COUNT_WORKS,
    SOURCE_COLLECTIVE,
    SUBJECT_COLLECTIVE,
    Target,
)
from thidua.counting.measure import ACHIEVED, REGISTERED, STAGES, Counting, Window, targets_table
from thidua.counting.rules import _Checker, months_between

D = dt.date
TABLE = targets_table(
    [
        Target("P", "Theo người", "Cá nhân", 3, None, "người", "Thao giảng", None, COUNT_PERSONS),
        Target("W", "Theo sản phẩm", "Cá nhân", 2, None, "bài", "Bài viết", None, COUNT_WORKS),
        Target("E", "Theo lượt", "Cá nhân", 5, None, "lượt", "Thao giảng", None, COUNT_ENTRIES),
        Target("C", "Tập thể", SUBJECT_COLLECTIVE, 1, None, "", SOURCE_COLLECTIVE, None, COUNT_PERSONS),
    ]
)
DAYS = (None, D(2021, 9, 5), D(2021, 10, 31), D(2021, 11, 1), D(2022, 5, 25))


def count_with_frames(counting: Counting, window: Window, by: tuple[str, np.ndarray] | None = None) -> pd.DataFrame:
    """`Counting.count` as it was written before it counted on whole numbers (a frame's drop_duplicates and
    groupby): the definition the fast version must equal."""
    items = counting.items
    day = items["date"]
    inside = day <= pd.Timestamp(window.end)
    if window.start is not None:
        inside &= day >= pd.Timestamp(window.start)
    inside |= day.isna() & window.undated
    keep = (items["eligible"] & ((items["stage"] == 0) | inside)).to_numpy()
    kept = items.loc[keep, ["code", "stage", "person", "work"]]
    how = counting.table["count_by"].to_numpy()[kept["code"].cat.codes.to_numpy()]
    person, work = kept["person"].to_numpy(), kept["work"].to_numpy()
    by_person = (person >= 0) & ((how == COUNT_PERSONS) | ((how == COUNT_WORKS) & (work < 0)))
    by_work = (person >= 0) & (how == COUNT_WORKS) & (work >= 0)
    units = pd.DataFrame(
        {
            "code": kept["code"].to_numpy(),
            "group": by[1][keep].astype("int64") if by is not None else np.zeros(len(kept), dtype="int64"),
            "stage": kept["stage"].to_numpy(),
            "kind": np.select([by_person, by_work], [0, 1], 2).astype("int8"),
            "unit": np.select([by_person, by_work], [person, work], np.arange(len(kept))),
        }
    )
    counted = (
        units.drop_duplicates()
        .groupby(["code", "group", "stage"], observed=True, sort=True)
        .size()
        .unstack("stage", fill_value=0)
        .reindex(columns=range(len(STAGES)), fill_value=0)
        .rename(columns=dict(enumerate(STAGES)))
        .reset_index()
    )
    if by is None:
        figures = counted.set_index("code")[list(STAGES)].reindex(counting.table["code"], fill_value=0)
        return figures.reset_index().astype({REGISTERED: "int64", ACHIEVED: "int64"})
    counted = counted.rename(columns={"group": by[0]})
    return counted.assign(code=counted["code"].astype(object)).astype({REGISTERED: "int64", ACHIEVED: "int64"})[
        ["code", by[0], REGISTERED, ACHIEVED]
    ]


item = st.tuples(
    st.integers(0, len(TABLE) - 1),  # code
    st.integers(0, 1),  # stage
    st.integers(-1, 6),  # person (-1: a collective's row)
    st.integers(-1, 4),  # work (-1: untitled)
    st.sampled_from(DAYS),
    st.booleans(),  # eligible
    st.integers(-1, 3),  # group (-1: none)
)


def items_frame(rows: list[tuple[int, int, int, int, dt.date | None, bool, int]]) -> tuple[pd.DataFrame, np.ndarray]:
    code, stage, person, work, day, eligible, group = zip(*rows, strict=True) if rows else ((),) * 7
    frame = pd.DataFrame(
        {
            "code": pd.Categorical.from_codes(np.array(code, dtype="int8"), categories=TABLE["code"]),
            "stage": np.array(stage, dtype="int8"),
            "person": np.array(person, dtype="int64"),
            "work": np.array(work, dtype="int64"),
            "date": pd.Series(pd.to_datetime(list(day)), dtype="datetime64[s]"),
            "record": -1,
            "eligible": np.array(eligible, dtype=bool),
        }
    )
    return frame, np.array(group, dtype="int64")


@settings(max_examples=100, deadline=None)
@given(
    st.lists(item, max_size=40),
    st.sampled_from(DAYS[1:]),
    st.one_of(st.none(), st.sampled_from(DAYS[1:])),
    st.booleans(),
    st.booleans(),
)
def test_count_equals_the_frame_definition(
    rows: list[tuple[int, int, int, int, dt.date | None, bool, int]],
    end: dt.date,
    start: dt.date | None,
    undated: bool,
    grouped: bool,
) -> None:
    items, groups = items_frame(rows)
    counting = Counting(TABLE, items)
    window = Window(start, end, undated)
    by = ("team", groups) if grouped else None
    pd.testing.assert_frame_equal(counting.count(window, by), count_with_frames(counting, window, by), check_exact=True)


def test_count_equals_the_frame_definition_on_a_benchmark_sized_table() -> None:
    """Large numbers in every column (persons, works and entries in the hundred thousands): the whole-number keys
    must not collide."""
    rng = np.random.default_rng(20)
    n = 60_000
    rows = list(
        zip(
            rng.integers(0, len(TABLE), n).tolist(),
            rng.integers(0, 2, n).tolist(),
            rng.integers(-1, 200_000, n).tolist(),
            rng.integers(-1, 300_000, n).tolist(),
            [DAYS[i] for i in rng.integers(0, len(DAYS), n)],
            (rng.random(n) < 0.9).tolist(),
            rng.integers(-1, 200_000, n).tolist(),
            strict=True,
        )
    )
    items, groups = items_frame(rows)
    counting = Counting(TABLE, items)
    for window in (Window(None, D(2022, 5, 25)), Window(D(2021, 9, 6), D(2021, 11, 1), undated=False)):
        for by in (None, ("person", groups)):
            found = counting.count(window, by)
            pd.testing.assert_frame_equal(found, count_with_frames(counting, window, by), check_exact=True)
    assert found[REGISTERED].sum() > 0 and found[ACHIEVED].sum() > 0  # the comparison saw counts, not zeros


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.dates(D(2015, 1, 1), D(2023, 12, 31))), min_size=1, max_size=30),
    st.dates(D(2020, 1, 1), D(2023, 12, 31)),
    st.integers(1, 36),
)
def test_recent_recruits_filter_keeps_every_row_the_rule_judges_recent(
    recruited: list[dt.date | None], when: dt.date, months: int
) -> None:
    """`_Checker._maybe_recent` only narrows what `_recruited` judges: it never drops a row whose person was
    recruited fewer than `months` whole months before `when`."""
    roster = [SimpleNamespace(recruited=day) for day in recruited]
    checker = SimpleNamespace(plan=SimpleNamespace(roster=roster))
    frame = pd.DataFrame({"person": np.arange(len(roster), dtype="int64")})
    kept = set(_Checker._maybe_recent(checker, frame, when, months)["person"])  # type: ignore[arg-type]
    recent = {i for i, day in enumerate(recruited) if day and months_between(day, when) < months}
    assert recent <= kept
