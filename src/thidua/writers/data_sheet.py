"""The hidden `_thidua` sheet of the report workbook (SPEC 6, 15): the month's figures as data, so the receiving
office's roll-up reads exact figures without parsing the printed layout, whichever program re-saved the file.

Layout (version 1), one table under the other, each opened by its section's name in column A:
- rows 1…: `key | value` pairs: kind (`bao-cao-thi-dua`), version, school, school_year, month, as_of (ISO date),
  recipient, rule_pack;
- `targets`: a header row with summary.json's target keys (code, name, target, base, registered, achieved,
  registered_ratio, achieved_ratio, achieved_base_ratio, status, pace), then one row per target; a figure is a
  number (a fraction as its exact decimal text, e.g. 1.1666666666666667), an empty cell where summary.json has null;
- at year end (a month with year-end vote rows), `nominations`: `proposal | count`, summary.json's `nominations`;
  then `nominees`: one row per nominee and title or form (name, birth_date as ISO text, gender, position, team,
  proposal, kind, rating, discipline, works, votes_for, votes_total, eligible (1/0), reasons, works_data: the
  person's initiatives and research projects as data, forms.report_data.encode_works); then
  `collectives`: the collective titles the school registered for the year (title, members: the staff on its
  roster), which the office checks against the school's share of LĐTT.
The values come from `summary_of` (writers.figures), the dictionary summary.json is written from: the two never
differ."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from thidua.counting.frames import as_date
from thidua.counting.judgements import candidate_works
from thidua.counting.measure import MonthResult
from thidua.forms.report_data import (
    COLLECTIVE_KEYS,
    COLLECTIVES,
    HEAD_KEYS,
    KIND,
    NOMINATION_KEYS,
    NOMINATIONS,
    NOMINEE_KEYS,
    NOMINEES,
    SHEET,
    TARGET_KEYS,
    TARGETS,
    VERSION,
    encode_works,
)
from thidua.writers.common import Workbook, Worksheet, missing, write_text


def write_data_sheet(wb: Workbook, result: MonthResult, summary: dict[str, Any]) -> None:
    """Add the hidden `_thidua` sheet to `wb` (after the printed sheets): `summary` is summary.json's content."""
    ws = wb.add_worksheet(SHEET)
    row = _pairs(ws, 0, [("kind", KIND), ("version", VERSION), *((k, summary.get(k)) for k in HEAD_KEYS)])
    row = _table(ws, row + 1, TARGETS, TARGET_KEYS, [[t.get(k) for k in TARGET_KEYS] for t in summary["targets"]])
    if "nominations" in summary:
        counts = [[proposal, n] for proposal, n in summary["nominations"].items()]
        row = _table(ws, row + 1, NOMINATIONS, NOMINATION_KEYS, counts)
        works = candidate_works(result.records.results)  # what the office judges the qualifying works from
        works_data = [encode_works(works.get(int(p), [])) for p in result.nominations["person"].tolist()]
        nominees = [
            [
                n.name,
                _iso(n.birth_date),
                n.gender,
                n.position,
                n.team,
                n.proposal,
                n.kind,
                n.rating,
                n.discipline,
                n.works,
                n.votes_for,
                n.votes_total,
                int(bool(n.eligible)),
                n.reasons,
                data,
            ]
            for n, data in zip(result.nominations.itertuples(index=False), works_data, strict=True)
        ]
        row = _table(ws, row + 1, NOMINEES, NOMINEE_KEYS, nominees)
        members = len(result.plan.roster)  # the collective's members, whose share of LĐTT its title asks
        collectives = [[c.title, members] for c in result.plan.collectives if c.registered]
        _table(ws, row + 1, COLLECTIVES, COLLECTIVE_KEYS, collectives)
    ws.hide()


def _iso(value: object) -> str:
    day = as_date(value)
    return day.isoformat() if day else ""


def _pairs(ws: Worksheet, row: int, pairs: Sequence[tuple[str, object]]) -> int:
    for key, value in pairs:
        write_text(ws, row, 0, key)
        _cell(ws, row, 1, value)
        row += 1
    return row


def _table(ws: Worksheet, row: int, section: str, keys: Sequence[str], body: Sequence[Sequence[object]]) -> int:
    """The section's name, its header row of keys, its rows; returns the next free row."""
    write_text(ws, row, 0, section)
    for col, key in enumerate(keys):
        write_text(ws, row + 1, col, key)
    row += 2
    for values in body:
        for col, value in enumerate(values):
            _cell(ws, row, col, value)
        row += 1
    return row


def _cell(ws: Worksheet, row: int, col: int, value: object) -> None:
    """A figure as a number, text as text (never a formula), nothing as an empty cell."""
    if missing(value):
        ws.write_blank(row, col, None)
    elif isinstance(value, bool):
        ws.write_number(row, col, int(value))
    elif isinstance(value, float) and not value.is_integer():
        # A ratio as its exact decimal text (Python's shortest round-trip form): xlsxwriter writes a number with 16
        # significant digits, which is not always the same double (1.166666666666667 for 7/6), and a program that
        # re-saves the file may keep 15; text stays as it is, so the office reads summary.json's very number.
        write_text(ws, row, col, repr(value))
    elif isinstance(value, int | float):
        ws.write_number(row, col, value)
    elif hasattr(value, "__int__") and not isinstance(value, str):  # numpy / pandas integers
        ws.write_number(row, col, int(value))
    else:
        write_text(ws, row, col, value)
