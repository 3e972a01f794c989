"""Merging, on the record frames: the month's cut (rows dated after it wait, with a note), one registration and
one vote per person (the newest wins), result rows reported twice counted once. The losers stay listed in the
issue report with the file that won."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from thidua.core.plan import Plan
from thidua.counting.frames import Records, as_date, rows
from thidua.counting.judgements import vote_day
from thidua.forms import template_fields
from thidua.issues import Issue, Report, Severity, title_of

# What makes two result rows the same report (a row reported twice counts once); namesakes stay apart.
RESULT_IDENTITY = ["person", "activity", "work", "level", "result", "date"]


def merge(records: Records, plan: Plan, report: Report, month_end: dt.date) -> Records:
    """The records that count as of `month_end`: rows dated later are noted and set aside, then each person's
    newest registration and vote win, and duplicate result rows are dropped. A vote row is dated by the vote's
    day (`judgements.vote_day`), whatever the file says: before it the votes count nowhere (one note per file),
    and the recognition decision's date never moves them (SPEC 3). Errors a later file corrected are settled
    first (`settle_corrections`)."""
    settle_corrections(records, report)
    end = pd.Timestamp(month_end)
    current: dict[str, pd.DataFrame] = {}
    for name in ("registrations", "results"):
        frame: pd.DataFrame = getattr(records, name)
        later = frame["date"].notna() & (frame["date"] > end)
        _note_later(frame[later], records, plan, report, month_end)
        current[name] = frame[~later]
    vote = vote_day(plan)
    votes = records.votes.assign(date=pd.Series(pd.Timestamp(vote), index=records.votes.index, dtype="datetime64[s]"))
    if vote > month_end:
        per_sheet = votes.groupby(["file", "sheet"], sort=True).size().reset_index(name="count")
        for file, sheet, count in rows(per_sheet):
            report.add(
                "vote-before-day",
                file=file,
                sheet=sheet,
                count=int(count),
                vote=f"{vote:%d/%m/%Y}",
                month=f"{month_end:%m/%Y}",
            )
        votes = votes.iloc[:0]
    registrations = _newest_per_person(current["registrations"], records, plan, report)
    # Of two votes for one person the later decision wins (an undated one is the older), then the later file.
    votes = _newest_per_person(votes, records, plan, report, by="decision_date")
    results = _distinct_results(current["results"], records, plan, report)
    marks = records.marks[records.marks["registration"].isin(registrations.index)]
    return dataclasses.replace(records, registrations=registrations, marks=marks, results=results, votes=votes)


def _note_later(later: pd.DataFrame, records: Records, plan: Plan, report: Report, month_end: dt.date) -> None:
    for row in rows(later):
        day = as_date(row.date)
        records.report(
            report, "row-after-month", plan, row, "date", value=f"{day:%d/%m/%Y}", month=f"{month_end:%m/%Y}", date=day
        )


def _newest_per_person(
    frame: pd.DataFrame, records: Records, plan: Plan, report: Report, by: str = "date"
) -> pd.DataFrame:
    """The newest row wins: the later date (an undated row is the oldest), then the later file (modification time,
    then name), then the later row; the winners in roster order."""
    # Persons in the order they were first read, so the report lists replacements as the files came in.
    first_read = pd.Series(np.arange(len(frame)), index=frame.index).groupby(frame["person"]).transform("min")
    ordered = frame.assign(
        _first=first_read,
        _mtime=frame["file"].map(records.mtimes).fillna(0.0),
    ).sort_values(["_first", by, "_mtime", "file", "row"], kind="stable", na_position="first")
    losers = ordered.duplicated("person", keep="last")
    winners = ordered[~losers].sort_values("person", kind="stable")
    winner_of = winners.set_index("person")
    for row in rows(ordered[losers]):
        person, winner = plan.roster[row.person], winner_of.loc[row.person]
        won = f"{winner['file']} (dòng {winner['row'] + 1})"
        records.report(
            report, "registration-replaced", plan, row, "name", value=person.name, name=person.label, winner=won
        )
    return winners.drop(columns=["_first", "_mtime"])


def _distinct_results(frame: pd.DataFrame, records: Records, plan: Plan, report: Report) -> pd.DataFrame:
    """The first of identical result rows (in reading order) counts; the others are noted."""
    group = frame.groupby(RESULT_IDENTITY, dropna=False, sort=False, observed=True).ngroup().to_numpy()
    position = np.arange(len(frame))
    first = pd.Series(position).groupby(group).transform("min").to_numpy()
    repeated = first != position
    again, kept = rows(frame.iloc[position[repeated]]), rows(frame.iloc[first[repeated]])
    for row, first_row in zip(again, kept, strict=True):
        first_seen = f"{first_row.file} (dòng {first_row.row + 1})"
        value = row.product or row.activity
        records.report(report, "result-duplicate", plan, row, "activity", value=value, first=first_seen)
    return frame[~repeated].sort_values("person", kind="stable")  # roster order, each person's in reading order


def settle_corrections(records: Records, report: Report) -> None:
    """SPEC 5: an error row that a later file repeats corrected (the same person's registration or vote; the same
    person, activity and product for a result) is no open error: each of its errors becomes a note naming the
    later file, whatever that file is called. A later file is one saved (or received) later; an error row that
    is itself the latest stays an error."""
    rejected = records.rejected
    if rejected.empty:
        return
    when = records.mtimes
    found: list[pd.DataFrame] = []
    accepted = {
        template_fields.REGISTRATION: records.registrations,
        template_fields.VOTE: records.votes,
        template_fields.ACTIVITY: records.results,
    }
    for kind, frame in accepted.items():
        mine = rejected[rejected["kind"] == kind]
        if mine.empty or frame.empty:
            continue
        later = frame[
            ["person", "file", "row", "work", "activity"]
            if kind == template_fields.ACTIVITY
            else ["person", "file", "row"]
        ]
        if kind == template_fields.ACTIVITY:
            mine = mine[(mine["work"] != "") | (mine["activity_name"] != "")]
            later = later.assign(activity=later["activity"].astype(object))
            pairs = mine.merge(later, on=["person", "work"], suffixes=("", "_later"))
            pairs = pairs[(pairs["activity_name"] == "") | (pairs["activity_name"] == pairs["activity"])]
        else:
            pairs = mine.merge(later, on="person", suffixes=("", "_later"))
        found.append(pairs[["file", "sheet", "row", "file_later", "row_later"]])
    if not found:
        return
    pairs = pd.concat(found, ignore_index=True)
    mine_at, theirs_at = pairs["file"].map(when).fillna(0.0), pairs["file_later"].map(when).fillna(0.0)
    newer = (theirs_at > mine_at) | ((theirs_at == mine_at) & (pairs["file_later"] > pairs["file"]))
    pairs = pairs[newer].assign(_at=theirs_at[newer])
    pairs = pairs.sort_values(["_at", "file_later", "row_later"], kind="stable").drop_duplicates(
        ["file", "sheet", "row"], keep="last"
    )
    settled = {(r.file, r.sheet, r.row): (r.file_later, r.row_later) for r in rows(pairs)}
    changed: dict[int, Issue] = {}
    for position, issue in enumerate(report):
        corrected = settled.get((issue.file, issue.sheet, issue.row)) if issue.severity is Severity.ERROR else None
        if corrected is None:
            continue
        file, row = corrected
        note = Report()
        changed[position] = note.add(
            "row-corrected",
            file=issue.file,
            sheet=issue.sheet,
            at=(issue.row, issue.col) if issue.row is not None else None,
            cell=issue.cell,
            value=issue.value,
            person=issue.person,
            team=issue.team,
            person_key=issue.person_key,
            problem=title_of(issue.code),
            later=file,
            row=int(row) + 1,
            original=issue.code,
        )
    report.replace(changed)
