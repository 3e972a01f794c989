"""Helpers for reading a month's frames in assertions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd

from thidua.core.plan import Person, Plan
from thidua.counting.frames import Records, records_of
from thidua.counting.measure import MonthResult, measure
from thidua.counting.merge import merge
from thidua.intake.collector import NO_LAYOUT, Place, RecordSink
from thidua.issues import Report
from thidua.workspace.default_plan import PLAN


def figures(result: MonthResult) -> dict[str, tuple[int, int]]:
    """Target code → (registered, achieved)."""
    return {t.code: (int(t.registered), int(t.achieved)) for t in result.targets.itertuples(index=False)}


def target(result: MonthResult, code: str) -> Any:
    """One target's row of the targets frame (attributes: registered, achieved, ratios, status…)."""
    return next(t for t in result.targets.itertuples(index=False) if t.code == code)


def registered(result: MonthResult) -> pd.DataFrame:
    """The persons frame's rows of those with a registration that counts, indexed by name."""
    persons = result.persons
    return persons[persons["registration"]].set_index("name")


# ----- records built by hand, the way validation builds them (RecordSink), for tests of counting and writing

Add = Callable[[RecordSink, Plan], None]
ORIGIN = ("x.xlsx", "Đăng ký", 5)


def key(plan: Plan, person: Person) -> int:
    """A roster member's key: their position in the plan's roster."""
    return next(i for i, p in enumerate(plan.roster) if p is person or p == person)


def registration(person: Person, title: str, origin: tuple[str, str, int] = ORIGIN, **fields: Any) -> Add:
    place = Place(*origin, layout=fields.pop("layout", NO_LAYOUT))
    return lambda sink, plan: sink.registration(key(plan, person), title, place=place, **fields)


def result_row(
    person: Person,
    activity: str,
    result: str,
    date: dt.date,
    origin: tuple[str, str, int] = ORIGIN,
    **fields: Any,
) -> Add:
    place = Place(*origin, layout=fields.pop("layout", NO_LAYOUT))
    return lambda sink, plan: sink.result(key(plan, person), activity, result, date, place=place, **fields)


def vote_row(person: Person, title: str, origin: tuple[str, str, int] = ORIGIN, **fields: Any) -> Add:
    place = Place(*origin, layout=fields.pop("layout", NO_LAYOUT))
    return lambda sink, plan: sink.vote(key(plan, person), title, place=place, **fields)


def records(
    registrations: Sequence[Add] = (),
    results: Sequence[Add] = (),
    votes: Sequence[Add] = (),
    files: Sequence[str] = (),
    submitted: Iterable[Person] = (),
    with_errors: Iterable[Person] = (),
    plan: Plan = PLAN,
    layouts: Sequence[dict[str, int]] = (),
) -> Records:
    """Records as validation would hand them on; `layouts` are sheet headers (field → column) that records
    name by position with `layout=`."""
    sink = RecordSink(plan)
    for columns in layouts:
        sink.layout(columns)
    for add in (*registrations, *results, *votes):
        add(sink, plan)
    sink.submitted.update(key(plan, p) for p in submitted)
    sink.with_errors.update(key(plan, p) for p in with_errors)
    return records_of(sink.take({name: "" for name in files}))


def month_of(
    records: Records, month: str, end: dt.date, report: Report | None = None, plan: Plan = PLAN
) -> MonthResult:
    """Merge and measure, as the batch does."""
    report = report if report is not None else Report()
    return measure(plan, merge(records, plan, report, end), month, end, report)
