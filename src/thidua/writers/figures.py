"""The month's figures as plain data (SPEC 6): the one dictionary that summary.json and the report workbook's
hidden `_thidua` sheet are both written from, so the two never differ. Ratios are floats, None where there is no
ratio."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from thidua.counting.frames import rows
from thidua.counting.judgements import nomination_counts
from thidua.counting.measure import MonthResult


def _number(value: Any) -> float | int | None:
    """A frame's figure as JSON: None for a missing value (NaN, NA), else a plain int or float."""
    if value is None or pd.isna(value):
        return None
    if isinstance(value, float | np.floating):
        return float(value)
    return int(value)


TARGET_KEYS = (
    "code",
    "name",
    "target",
    "base",
    "registered",
    "achieved",
    "registered_ratio",
    "achieved_ratio",
    "base_ratio",
    "status",
)


def targets_of(result: MonthResult) -> list[dict[str, Any]]:
    """summary.json's targets: the targets frame, row by row (the base ratio keeps its older key)."""
    shown = []
    for t in rows(result.targets[[*TARGET_KEYS, "pace"]]):
        row = t._asdict()
        figures = {k: _number(row[k]) for k in TARGET_KEYS if k not in ("code", "name", "status")}
        shown.append(
            {
                "code": row["code"],
                "name": row["name"],
                **{k: v for k, v in figures.items() if k != "base_ratio"},
                "achieved_base_ratio": figures["base_ratio"],
                "status": row["status"],
                "pace": row["pace"],  # the dashboard's colour: on-pace, behind, far-behind, not-due
            }
        )
    return shown


def summary_of(result: MonthResult) -> dict[str, Any]:
    counts = result.issues.counts()
    extra = {"nominations": nomination_counts(result.nominations)} if result.holds_vote else {}
    return {
        "school": result.plan.school.name,
        "school_year": result.plan.school.school_year,
        "recipient": result.plan.school.recipient,
        "rule_pack": result.rule_pack,
        "month": result.month,
        "as_of": result.month_end.isoformat(),
        "vote_day": result.vote_day.isoformat(),  # the year-end vote's day (Ngày bình xét)
        "targets": targets_of(result),
        "issues": {"error": counts["error"], "warning": counts["warning"], "note": counts["note"]},
        "files_read": len(result.files_read),
        "staff": len(result.persons),
        "not_submitted": [result.plan.roster[key].label for key in result.not_submitted.index],
        **extra,
    }
