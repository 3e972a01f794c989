"""summary.json: the machine-readable result of a month (SPEC 6). Ratios are exact values as floats."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

from thidua.measure import MonthResult


def _number(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def summary_of(result: MonthResult) -> dict[str, Any]:
    counts = result.issues.counts()
    return {
        "school": result.plan.school.name,
        "school_year": result.plan.school.school_year,
        "month": result.month,
        "as_of": result.month_end.isoformat(),
        "targets": [
            {
                "code": t.target.code,
                "name": t.target.name,
                "target": t.target.target,
                "base": t.target.base,
                "registered": t.registered,
                "achieved": t.achieved,
                "registered_ratio": _number(t.registered_ratio),
                "achieved_ratio": _number(t.achieved_ratio),
                "achieved_base_ratio": _number(t.base_ratio),
                "status": t.status,
            }
            for t in result.targets
        ],
        "issues": {"error": counts["error"], "warning": counts["warning"], "note": counts["note"]},
        "files_read": len(result.files_read),
        "staff": len(result.persons),
        "not_submitted": [p.label for p in result.not_submitted],
    }


def write_summary(result: MonthResult, path: Path) -> None:
    path.write_text(json.dumps(summary_of(result), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
