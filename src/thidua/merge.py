"""Merging: one registration and one vote per person (the newest wins), result rows reported twice counted
once. The losers stay listed in the issue report with the file that won."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from thidua.issues import Report
from thidua.model import ActivityResult, Person, Registration, Submissions, Vote
from thidua.validate import Validated

R = TypeVar("R", Registration, Vote)


def _newest_key(date: dt.date | None, file: str, row: int, mtimes: dict[str, float]) -> tuple[dt.date, float, str, int]:
    """Later date first, then the later file (modification time, then name), then the lower row."""
    return (date or dt.date.min, mtimes.get(file, 0.0), file, row)


def merge(
    valid: Validated, files_read: dict[str, str], report: Report, month_end: dt.date | None = None
) -> Submissions:
    """One registration and one vote per person as of `month_end`: the newest dated within the month wins; rows
    dated later are kept aside (measuring notes them and does not count them yet)."""
    registrations = _as_of(valid.registrations, month_end, valid.mtimes, report)
    votes = _as_of(valid.votes, month_end, valid.mtimes, report)
    return Submissions(
        registrations=registrations,
        results=_distinct_results(valid.results, report),
        votes=votes,
        files_read=sorted(files_read),
        file_digests=files_read,
        registered_by=valid.registered_by,
        with_errors=valid.with_errors,
    )


def _as_of(records: list[R], month_end: dt.date | None, mtimes: dict[str, float], report: Report) -> list[R]:
    if month_end is None:
        return _newest_per_person(records, mtimes, report)
    current = [r for r in records if r.date is None or r.date <= month_end]
    later = [r for r in records if r.date is not None and r.date > month_end]
    return _newest_per_person(current, mtimes, report) + later


def _newest_per_person(records: list[R], mtimes: dict[str, float], report: Report) -> list[R]:
    by_person: dict[Person, list[R]] = {}
    for record in records:
        by_person.setdefault(record.person, []).append(record)
    winners: list[R] = []
    for person, mine in by_person.items():
        mine.sort(key=lambda r: _newest_key(r.date, r.origin.file, r.origin.row, mtimes))
        winner = mine[-1]
        winners.append(winner)
        for loser in mine[:-1]:
            report.add(
                "registration-replaced",
                file=loser.origin.file,
                sheet=loser.origin.sheet,
                cell=loser.origin.cell("name"),
                value=person.name,
                person=person.label,
                team=person.team,
                name=person.label,
                winner=f"{winner.origin.file} (dòng {winner.origin.row + 1})",
            )
    return sorted(winners, key=lambda r: r.person.stt)


def _distinct_results(results: list[ActivityResult], report: Report) -> list[ActivityResult]:
    seen: dict[tuple[object, ...], ActivityResult] = {}
    for r in results:
        first = seen.get(r.identity)
        if first is None:
            seen[r.identity] = r
            continue
        report.add(
            "result-duplicate",
            file=r.origin.file,
            sheet=r.origin.sheet,
            cell=r.origin.cell("activity"),
            value=r.product or r.activity,
            person=r.person.label,
            team=r.person.team,
            first=f"{first.origin.file} (dòng {first.origin.row + 1})",
        )
    return list(seen.values())
