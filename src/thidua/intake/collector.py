"""The row collector: where validation puts the records it accepts, as plain rows kept until the end of reading,
then handed over at once (`RecordSink.take`) for counting to make its frames. No pandas here, so that reading
needs none (it loads meanwhile)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from thidua.core import text
from thidua.core.plan import Plan

NO_LAYOUT = -1  # a record whose sheet header is not known (built by hand): its issues point at the whole row


class Place(NamedTuple):
    """Where a record was read: file (relative to submissions/), sheet, 0-based row, and its sheet's layout (the
    number `RecordSink.layout` gave its header columns)."""

    file: str = ""
    sheet: str = ""
    row: int = 0
    layout: int = NO_LAYOUT


NOWHERE = Place()
Rows = list[tuple[object, ...]]


class Collected(NamedTuple):
    """What validation accepted, as plain rows (see `RecordSink`'s methods for each row's fields), and the facts
    about who sent what."""

    registrations: Rows
    marks: Rows
    results: Rows
    votes: Rows
    activities: tuple[str, ...]
    submitted: frozenset[int]
    with_errors: frozenset[int]
    mtimes: dict[str, float]
    layouts: tuple[dict[str, int], ...]
    files: dict[str, str]
    unmatched: frozenset[int] = frozenset()
    rejected: tuple[tuple[object, ...], ...] = ()  # rows left out for errors (`RecordSink.rejected`)


class RecordSink:
    """Where validation puts each accepted record; `take()` hands them over once at the end."""

    def __init__(self, plan: Plan) -> None:
        self._activities = plan.activity_vocabulary.choices
        self._registrations: list[tuple[object, ...]] = []
        self._marks: list[tuple[object, ...]] = []
        self._results: list[tuple[object, ...]] = []
        self._votes: list[tuple[object, ...]] = []
        self._layouts: list[dict[str, int]] = []
        self.submitted: set[int] = set()
        self.with_errors: set[int] = set()
        self.unmatched: set[int] = set()  # who most likely sent a registration row whose name matched nobody
        self._rejected: list[tuple[object, ...]] = []
        self.mtimes: dict[str, float] = {}

    def layout(self, columns: dict[str, int]) -> int:
        """Remember a sheet's header columns; records of that sheet name it by the number returned."""
        self._layouts.append(columns)
        return len(self._layouts) - 1

    def registration(
        self,
        person: int,
        title: str,
        *,
        reward_form: str = "",
        initiative: str = "",
        initiative_level: str | None = None,
        teaching_aid: str = "",
        activities: Iterable[str] = (),
        date: dt.date | None = None,
        note: str = "",
        place: Place = NOWHERE,
    ) -> None:
        """Registration (phiếu đăng ký thi đua) of one person."""
        number = len(self._registrations)
        self._registrations.append(
            (
                person,
                title,
                reward_form,
                initiative,
                initiative_level,
                teaching_aid,
                date,
                note,
                *place,
            )
        )
        self._marks.extend((number, person, activity) for activity in activities)

    def result(
        self,
        person: int,
        activity: str,
        result: str,
        date: dt.date,
        *,
        product: str = "",
        level: str | None = None,
        decision: str = "",
        note: str = "",
        place: Place = NOWHERE,
    ) -> None:
        """One reported result (báo cáo kết quả)."""
        self._results.append(
            (person, activity, product, text.key(product), level, result, date, decision, note, *place)
        )

    def vote(
        self,
        person: int,
        title: str,
        *,
        rating: str = "",
        discipline: str = "Không",
        decision: str = "",
        decision_date: dt.date | None = None,
        note: str = "",
        reward: str = "",
        votes_for: int | None = None,
        votes_total: int | None = None,
        place: Place = NOWHERE,
    ) -> None:
        """Year-end vote (bình xét) of one person, with the reward proposed and the ballot when the sheet has them;
        `decision_date` is the recognition decision's (the vote's own day is the plan's)."""
        self._votes.append(
            (
                person,
                rating or None,
                discipline or None,
                title,
                decision,
                decision_date,
                note,
                reward,
                votes_for,
                votes_total,
                *place,
            )
        )

    def rejected(self, kind: str, person: int, activity: str, work: str, place: Place) -> None:
        """A row left out for its errors, of `person` (the one it names, or most likely meant): its template kind,
        and for an activity row its activity and normalised product, so that a later file repeating it corrected
        settles its errors (SPEC 5)."""
        self._rejected.append((kind, person, activity, work, *place))

    def take(self, files: dict[str, str] | None = None) -> Collected:
        """Everything collected, handed over once at the end of validation (counting makes the frames of it,
        `counting.frames.records_of`): the collector then lets go of its rows (at province scale they weigh as
        much as the frames), so a second call gives nothing."""
        collected = Collected(
            self._registrations,
            self._marks,
            self._results,
            self._votes,
            self._activities,
            frozenset(self.submitted),
            frozenset(self.with_errors),
            dict(self.mtimes),
            tuple(self._layouts),
            dict(files or {}),
            frozenset(self.unmatched),
            tuple(self._rejected),
        )
        self._registrations, self._marks, self._results, self._votes, self._rejected = [], [], [], [], []
        return collected
