"""Records: the rows validation accepted, as tidy pandas DataFrames (one row per record, the person as a roster
key, provenance in `file`, `sheet`, `row`). Validation fills an `intake.collector.RecordSink`; `records_of`
makes the frames of what it collected; merging, measuring, the rules, the writers and the library API all read them."""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from thidua.core import vocabulary
from thidua.core.plan import Plan
from thidua.intake.collector import Collected
from thidua.issues import Report

PROVENANCE = ("file", "sheet", "row", "layout")
REGISTRATION_COLUMNS = (
    "person",
    "title",
    "reward_form",
    "initiative",
    "initiative_level",
    "teaching_aid",
    "date",
    "note",
    *PROVENANCE,
)
MARK_COLUMNS = ("registration", "person", "activity")
RESULT_COLUMNS = (
    "person",
    "activity",
    "product",
    "work",
    "level",
    "result",
    "date",
    "decision",
    "note",
    *PROVENANCE,
)
VOTE_COLUMNS = (
    "person",
    "rating",
    "discipline",
    "title",
    "decision",
    "decision_date",  # the recognition decision's date; the vote counts from the plan's vote day (merge)
    "note",
    "reward",
    "votes_for",
    "votes_total",
    *PROVENANCE,
)
# A row left out for its errors (intake.collector.RecordSink.rejected): template kind, person, activity, product.
REJECTED_COLUMNS = ("kind", "person", "activity_name", "work", *PROVENANCE)

# Closed vocabularies become Categoricals in the vocabulary's order, so sorting and grouping follow the domain.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "title": (*vocabulary.TITLE_REGISTERED.choices, vocabulary.NO_TITLE_VOTE),
    "initiative_level": vocabulary.LEVELS,
    "level": vocabulary.LEVELS,
    "result": vocabulary.RESULT.choices,
    "rating": vocabulary.RATINGS,
    "discipline": vocabulary.DISCIPLINES,
}


_EPOCH = dt.date(1970, 1, 1).toordinal()
_NAT = np.iinfo(np.int64).min  # NaT's bit pattern


def dates(values: Iterable[dt.date | None]) -> pd.Series:
    """Dates as datetime64 (NaT for none); any year fits, unlike nanosecond timestamps. Converted through day
    numbers: numpy's own conversion of date objects costs a second at 200,000 staff."""
    days = np.fromiter((_NAT if d is None else d.toordinal() - _EPOCH for d in values), dtype=np.int64)
    return pd.Series(days.view("datetime64[D]")).astype("datetime64[s]")


@lru_cache(maxsize=64)
def _row_type(columns: tuple[str, ...]) -> Any:
    return namedtuple("Row", columns, rename=True)  # a column that is not a name is reached by position


def rows(frame: pd.DataFrame) -> Iterator[Any]:
    """A frame's rows as named tuples (attribute per column), for the code that turns rows into cells or issues;
    like `itertuples(index=False)`, without making a tuple type per call."""
    make = _row_type(tuple(str(c) for c in frame.columns))._make
    return map(make, zip(*(frame[c].tolist() for c in frame.columns), strict=True))


def as_date(value: object) -> dt.date | None:
    """A frame's date cell back as a plain date (None for NaT), for writers and messages."""
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _column(name: str, values: tuple[object, ...], activities: tuple[str, ...]) -> Any:
    """One column of a record frame, typed: numbers, dates, closed vocabularies as Categoricals, text as objects."""
    if name in ("date", "decision_date"):
        return dates(values).to_numpy()  # type: ignore[arg-type]
    if name in ("person", "row", "layout", "registration"):
        return np.fromiter(values, dtype=np.int64, count=len(values))
    if name in ("votes_for", "votes_total"):
        return pd.Series(list(values), dtype="Int64").array
    if name in CATEGORIES or name == "activity":
        categories = activities if name == "activity" else CATEGORIES[name]
        codes: dict[object, int] = {value: i for i, value in enumerate(categories)}
        found = np.fromiter((codes.get(v, -1) for v in values), dtype=np.int32, count=len(values))
        missing = np.flatnonzero(found < 0)
        unknown = {values[i] for i in missing.tolist()} - {None}
        if unknown:  # validation stores canonical values only: anything else is a bug, not data to drop
            raise ValueError(f"{name}: {sorted(map(str, unknown))} not among {list(categories)}")
        return pd.Categorical.from_codes(found, categories=pd.Index(categories))
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return pd.Series(column, dtype=object, copy=False)  # kept as objects: no string-type inference


def _frame(columns: tuple[str, ...], rows: list[tuple[object, ...]], activities: tuple[str, ...] = ()) -> pd.DataFrame:
    data = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    return pd.DataFrame(
        {name: _column(name, values, activities) for name, values in zip(columns, data, strict=True)}, copy=False
    )


def records_of(collected: Collected) -> Records:
    """The record frames of the rows the intake collected (see `intake.collector.RecordSink` for each row's
    fields)."""
    return Records(
        _frame(REGISTRATION_COLUMNS, collected.registrations),
        _frame(MARK_COLUMNS, collected.marks, collected.activities),
        _frame(RESULT_COLUMNS, collected.results, collected.activities),
        _frame(VOTE_COLUMNS, collected.votes),
        submitted=collected.submitted,
        with_errors=collected.with_errors,
        mtimes=collected.mtimes,
        layouts=collected.layouts,
        files=collected.files,
        unmatched=collected.unmatched,
        rejected=_frame(REJECTED_COLUMNS, list(collected.rejected)),
    )


@dataclass
class Records:
    """Accepted records of a month's submissions, and who sent what (SPEC 13: one row per record, with its file,
    sheet and row; `person` is the position in the plan's roster)."""

    registrations: pd.DataFrame
    marks: pd.DataFrame  # activity marks of registrations, long form: registration (index), person, activity
    results: pd.DataFrame
    votes: pd.DataFrame
    submitted: frozenset[int] = frozenset()  # sent at least one registration row, valid or not
    with_errors: frozenset[int] = frozenset()  # at least one row left out for an error
    mtimes: dict[str, float] = field(default_factory=dict)
    layouts: tuple[dict[str, int], ...] = ()  # header columns of each sheet read: field key → 0-based column
    files: dict[str, str] = field(default_factory=dict)  # file read → SHA-256, for the history
    # who most likely sent a registration row whose name matched nobody: they sent a file (never "Chưa nộp")
    unmatched: frozenset[int] = frozenset()
    # rows left out for their errors, of a known (or most likely) person: what a later correction would repeat
    rejected: pd.DataFrame = field(default_factory=lambda: _frame(REJECTED_COLUMNS, []))

    def at(self, layout: int, row: int, field_key: str) -> tuple[int, int | None]:
        """Where a record's field sits: (row, column), 0-based; column None when the sheet's header is unknown."""
        columns = self.layouts[layout] if 0 <= layout < len(self.layouts) else {}
        return row, columns.get(field_key)

    def report(self, report: Report, code: str, plan: Plan, record: Any, field_key: str, **params: Any) -> None:
        """An issue about one record (a row of a frame from `rows`), placed at its field's cell and naming its
        person."""
        person = plan.roster[record.person]
        report.add(
            code,
            file=record.file,
            sheet=record.sheet,
            at=self.at(record.layout, record.row, field_key),
            person=person.label,
            team=person.team,
            person_key=int(record.person),
            **params,
        )


def roster_frame(plan: Plan) -> pd.DataFrame:
    """The roster as a frame indexed by roster key (position): what every per-person view joins on."""
    roster = plan.roster
    frame = pd.DataFrame(
        {
            "stt": pd.Series([p.stt for p in roster], dtype="int64"),
            "name": pd.Series([p.name for p in roster], dtype=object),
            "birth_date": dates(p.birth_date for p in roster),
            "gender": pd.Series([p.gender for p in roster], dtype=object),
            "position": pd.Series([p.position for p in roster], dtype=object),
            "team": pd.Series([p.team for p in roster], dtype=object),
            "recruited": dates(p.recruited for p in roster),
            "teacher": pd.Series([p.is_teacher for p in roster], dtype=bool),
        }
    )
    frame.index.name = "person"
    return frame
