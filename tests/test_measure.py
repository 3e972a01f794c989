"""Counting rules of SPEC 3, on hand-built records so each rule is checked on its own."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from thidua.core import vocabulary
from thidua.core.plan import Person, Target
from thidua.counting.frames import Records
from thidua.counting.measure import MonthResult, ratio, status_of
from thidua.workspace.default_plan import PLAN

from . import frames
from .frames import Add, month_of

D = dt.date
P = {p.stt: p for p in PLAN.roster}


def reg(
    p: Person,
    title: str = vocabulary.LDTT,
    *,
    initiative: str = "",
    level: str | None = None,
    aid: str = "",
    marks: frozenset[str] = frozenset(),
    date: dt.date | None = D(2021, 9, 30),
) -> Add:
    return frames.registration(
        p, title, initiative=initiative, initiative_level=level, teaching_aid=aid, activities=sorted(marks), date=date
    )


def res(p: Person, activity: str, product: str, level: str | None, result: str, date: dt.date) -> Add:
    return frames.result_row(p, activity, result, date, product=product, level=level)


def vote(p: Person, title: str, decided: dt.date | None = D(2022, 5, 25)) -> Add:
    return frames.vote_row(p, title, rating="Hoàn thành tốt nhiệm vụ", decision_date=decided)


def run(subs: Records, month: str = "2022-05", end: dt.date = D(2022, 5, 31)) -> MonthResult:
    return month_of(subs, month, end)


def fig(result: MonthResult, code: str) -> tuple[int, int]:
    return frames.figures(result)[code]


def test_level_target_counts_items_at_that_level_or_higher() -> None:
    subs = frames.records(
        results=[
            res(P[4], vocabulary.SKKN, "A", "Tỉnh", "Được công nhận", D(2022, 3, 1)),
            res(P[5], vocabulary.SKKN, "B", "Huyện", "Đạt giải", D(2022, 3, 1)),
            res(P[6], vocabulary.SKKN, "C", "Trường", "Được công nhận", D(2022, 3, 1)),
        ]
    )
    result = run(subs)
    assert fig(result, "SKKN_HUYEN")[1] == 2
    assert fig(result, "SKKN_TINH")[1] == 1


def test_works_count_once_per_normalised_title_whatever_the_coauthors() -> None:
    subs = frames.records(
        registrations=[
            reg(P[20], initiative="Ứng dụng CNTT trong dạy học", level="Huyện"),
            reg(P[21], initiative="  ứng dụng  cntt trong dạy học ", level="Huyện"),
        ],
        results=[
            res(P[20], vocabulary.SKKN, "Ứng dụng CNTT trong dạy học", "Huyện", "Được công nhận", D(2022, 3, 1)),
            res(P[21], vocabulary.SKKN, "ỨNG DỤNG CNTT TRONG DẠY HỌC", "Huyện", "Được công nhận", D(2022, 3, 1)),
        ],
    )
    assert fig(run(subs), "SKKN_HUYEN") == (1, 1)


def test_failed_initiative_and_merely_submitted_teaching_aid_do_not_count() -> None:
    subs = frames.records(
        results=[
            res(P[2], vocabulary.SKKN, "A", "Huyện", "Không đạt", D(2022, 3, 1)),
            res(P[6], vocabulary.DDDH, "Bộ 1", "Huyện", "Đã nộp", D(2021, 12, 1)),
            res(P[9], vocabulary.DDDH, "Bộ 2", "Huyện", "Đã dự thi", D(2021, 12, 1)),
            res(P[16], vocabulary.DDDH, "Bộ 3", "Huyện", "Không đạt", D(2021, 12, 1)),
        ]
    )
    result = run(subs)
    assert fig(result, "SKKN_HUYEN")[1] == 0
    assert fig(result, "DDDH_HUYEN")[1] == 1


def test_named_teaching_aid_counts_as_registered_for_the_contest() -> None:
    subs = frames.records(registrations=[reg(P[6], aid="Bộ thẻ chữ"), reg(P[9], aid="Mô hình đồng hồ")])
    assert fig(run(subs), "DDDH_HUYEN") == (2, 0)


def test_cstdcs_counts_for_ldtt_too() -> None:
    subs = frames.records(
        registrations=[reg(P[1], vocabulary.CSTDCS), reg(P[2]), reg(P[3], vocabulary.NO_TITLE)],
        votes=[vote(P[1], vocabulary.CSTDCS), vote(P[2], vocabulary.LDTT), vote(P[3], "Không")],
    )
    result = run(subs)
    assert fig(result, "CSTDCS") == (1, 1)
    assert fig(result, "LDTT") == (2, 2)


def test_rows_dated_after_the_month_do_not_count_yet() -> None:
    subs = frames.records(
        registrations=[reg(P[5], marks=frozenset({"Tiết học yêu thương"}), date=D(2021, 11, 2))],
        results=[res(P[5], "Tiết học yêu thương", "T", None, "Đã thực hiện", D(2021, 11, 16))],
    )
    assert fig(run(subs, "2021-10", D(2021, 10, 31)), "TIET_HOC_YT") == (0, 0)
    assert fig(run(subs, "2021-11", D(2021, 11, 30)), "TIET_HOC_YT") == (1, 1)


def test_participation_counts_every_teacher_with_a_row_whatever_the_result() -> None:
    subs = frames.records(
        results=[
            res(P[4], "Bài soạn video trực tuyến", "V1", "Tỉnh", "Đã nộp", D(2021, 10, 1)),
            res(P[4], "Bài soạn video trực tuyến", "V2", "Tỉnh", "Không đạt", D(2021, 11, 1)),
            res(P[8], "Bài soạn video trực tuyến", "V3", None, "Không đạt", D(2021, 11, 1)),
            res(P[30], "Bài soạn video trực tuyến", "V4", None, "Đã thực hiện", D(2021, 11, 1)),  # not a teacher
        ]
    )
    result = run(subs)
    assert fig(result, "VIDEO_SO")[1] == 2
    assert [i.code for i in result.issues] == ["person-not-teacher"]


def test_ratios_are_exact_and_status_follows_the_year() -> None:
    subs = frames.records(
        registrations=[reg(P[i]) for i in range(2, 26)],
        votes=[vote(P[i], vocabulary.LDTT, D(2022, 3, 1)) for i in range(2, 18)],
    )
    before = run(subs, "2022-03", D(2022, 3, 31))
    ldtt = frames.target(before, "LDTT")
    # the votes (whatever their decision's date) wait for the vote's day, 31/05/2022
    assert (ldtt.registered, ldtt.achieved) == (24, 0)
    assert ldtt.status == "Đủ đăng ký"
    after = run(subs)
    ldtt = frames.target(after, "LDTT")
    assert (ldtt.registered, ldtt.achieved) == (24, 16)
    # the float nearest the exact ratio (rounded only for display)
    assert ldtt.registered_ratio == float(Fraction(1)) and ldtt.achieved_ratio == float(Fraction(2, 3))
    assert ldtt.base_ratio == float(Fraction(16, 32))
    assert ldtt.status == "Không đạt"
    assert frames.target(after, "CSTDCS").status == "Không đạt"


def test_a_zero_or_missing_target_gives_no_ratio() -> None:
    zero = dataclasses.replace(PLAN.targets[-1], code="Z", target=0, base=0)
    missing = dataclasses.replace(PLAN.targets[-1], code="M", target=None, base=None)
    plan = dataclasses.replace(PLAN, targets=(zero, missing))
    result = month_of(frames.records(registrations=[reg(P[2])], plan=plan), "2022-05", D(2022, 5, 31), plan=plan)
    z, m = result.targets.itertuples()
    assert all(math.isnan(r) for r in (z.registered_ratio, z.achieved_ratio, z.base_ratio))  # no ratio
    assert z.status == "Đạt"
    assert math.isnan(m.achieved_ratio) and m.status == "—"


def test_counting_follows_targets_added_to_the_plan() -> None:
    extra = Target("THAO_GIANG", "Thao giảng", "Cá nhân", 10, None, "lượt", "Thao giảng", None, "Lượt")
    plan = dataclasses.replace(PLAN, targets=(*PLAN.targets, extra))
    subs = frames.records(
        results=[
            res(P[3], "Thao giảng", "T1", None, "Đạt", D(2021, 11, 1)),
            res(P[3], "Thao giảng", "T2", None, "Đạt", D(2021, 11, 2)),
            res(P[5], "Thao giảng", "T3", None, "Đạt", D(2021, 11, 3)),
        ]
    )
    result = month_of(subs, "2021-11", D(2021, 11, 30), plan=plan)
    assert fig(result, "THAO_GIANG") == (0, 3)


@given(st.integers(min_value=0, max_value=10_000), st.one_of(st.none(), st.integers(min_value=0, max_value=500)))
def test_ratio_never_divides_by_zero(numerator: int, denominator: int | None) -> None:
    (value,) = ratio(pd.Series([numerator]), pd.Series([denominator], dtype="Int64"))
    assert math.isnan(value) if not denominator else value == float(Fraction(numerator, denominator))


@pytest.mark.parametrize(
    ("target", "registered", "achieved", "final", "status"),
    [
        (6, 0, 7, False, "Vượt"),
        (6, 0, 6, True, "Đạt"),
        (6, 6, 2, False, "Đủ đăng ký"),
        (6, 5, 2, False, "Thiếu đăng ký"),
        (6, 9, 2, True, "Không đạt"),
        (None, 3, 3, False, "—"),
    ],
)
def test_status(target: int | None, registered: int, achieved: int, final: bool, status: str) -> None:
    shown = status_of(pd.Series([target], dtype="Int64"), pd.Series([registered]), pd.Series([achieved]), final)
    assert shown.tolist() == [status]
