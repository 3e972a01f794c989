"""Library API (SPEC 13): one month of a workspace as pandas DataFrames, computed the way `thidua run` computes
it (read, repair, validate, merge, measure, rules) without writing anything, for a notebook or a receiving
office's own script.

    >>> from thidua import api
    >>> may = api.month("thidua-2021-2022", "2022-05")
    >>> may.targets[["code", "registered", "achieved", "achieved_ratio", "status"]]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from thidua.counting.frames import PROVENANCE
from thidua.counting.measure import MonthResult
from thidua.pipeline.batch import compute
from thidua.workspace.folder import open_workspace
from thidua.writers.summary_json import TARGET_KEYS

ISSUE_COLUMNS = [
    "code",
    "severity",
    "file",
    "sheet",
    "cell",
    "value",
    "message",
    "person",
    "team",
    "row",
    "col",
    "topic",
    "person_key",
    "params",
]


@dataclass(frozen=True)
class Month:
    """A month's result as frames. `targets` carries summary.json's figures (ratios as floats, NaN where
    summary.json has null) and more columns after them, `pace` among them (the dashboard's colours: on-pace,
    behind, far-behind, not-due); `persons` one row per roster member, with what their own records register and
    achieve for each target ("registered:<code>", "achieved:<code>"); `teams` one row per team; `rounds` one row
    per round and target: the round's state, whether the month holds its review (`ends_in_month`, `review`)
    and what was achieved within it, counted as of its last day or the month's end; `registrations`, `results`
    and `votes` one row per accepted record with its file, sheet and row, in roster order (the newest
    registration and vote per person, rows dated after the month left out); `nominations` one row per nominee and
    title or form of reward (what the nomination list prints: rating, discipline, qualifying works, ballot,
    `eligible` and `reasons`); `issues` one row per issue, with its `topic`, the roster key of the person it
    concerns (`person_key`) and its parameters as data (`params`, a dict)."""

    school: str
    school_year: str
    month: str
    as_of: dt.date
    targets: pd.DataFrame
    persons: pd.DataFrame
    teams: pd.DataFrame
    rounds: pd.DataFrame
    nominations: pd.DataFrame
    registrations: pd.DataFrame
    results: pd.DataFrame
    votes: pd.DataFrame
    issues: pd.DataFrame
    result: MonthResult  # everything the writers receive, for whoever needs more


def month(workspace: str | Path, month: str) -> Month:
    """Compute `month` ("2022-05") of the workspace folder `workspace`; nothing is written, not even history."""
    ws = open_workspace(Path(workspace))
    result = compute(ws, month)
    return Month(
        result.plan.school.name,
        result.plan.school.school_year,
        result.month,
        result.month_end,
        _targets(result),
        result.persons.join(result.person_targets()),
        result.teams.copy(),
        _rounds(result),
        result.nominations.copy(),
        _records(result, result.records.registrations),
        _records(result, result.records.results),
        _records(result, result.records.votes),
        issues_frame(result),
        result,
    )


def _targets(result: MonthResult) -> pd.DataFrame:
    # SPEC 13's columns first, then the others (base_ratio is summary.json's achieved_base_ratio); the change
    # since last month is left out: it comes from the history, which the API does not read.
    first = [key for key in TARGET_KEYS if key != "base_ratio"]
    rest = [c for c in result.targets.columns if c not in first and c != "change"]
    return result.targets[first + rest].reset_index(drop=True)


def _rounds(result: MonthResult) -> pd.DataFrame:
    """What was achieved within each round, long form: one row per round and target (round number, name, dates,
    state, whether the month holds the round's review and which, code, achieved)."""
    rounds = result.rounds.assign(round=range(1, len(result.rounds) + 1), ends_in_month=result.rounds["review"] != "")
    within = result.round_targets.drop(columns="year").melt(id_vars="code", var_name="round", value_name="achieved")
    within["round"] = within["round"].str.removeprefix("round:").astype("int64")
    return rounds.merge(within, on="round", validate="one_to_many")[
        ["round", "name", "start", "end", "state", "ends_in_month", "review", "code", "achieved"]
    ]


def _records(result: MonthResult, frame: pd.DataFrame) -> pd.DataFrame:
    """Accepted records with the person's name beside their roster key; provenance kept, layout numbers dropped."""
    names = result.persons["name"]
    shown = frame.drop(columns=["layout"]).reset_index(drop=True)
    shown.insert(1, "name", shown["person"].map(names))
    return shown[[c for c in shown.columns if c not in PROVENANCE] + ["file", "sheet", "row"]]


def issues_frame(result: MonthResult) -> pd.DataFrame:
    """Every issue of the month, in the order found."""
    return pd.DataFrame(
        [
            (
                i.code,
                i.severity.value,
                i.file,
                i.sheet,
                i.cell,
                i.value,
                i.message,
                i.person,
                i.team,
                i.row,
                i.col,
                i.topic,
                i.person_key,
                dict(i.params),
            )
            for i in result.issues
        ],
        columns=ISSUE_COLUMNS,
    ).astype({"row": "Int64", "col": "Int64", "person_key": "Int64"})
