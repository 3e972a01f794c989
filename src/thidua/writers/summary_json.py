"""summary.json: the machine-readable result of a month (SPEC 6), a view of the targets frame. Ratios are
floats, null where there is no ratio. Its dictionary is built in writers.figures, which the report workbook's
data sheet shares."""

from __future__ import annotations

import json
from pathlib import Path

from thidua.counting.measure import MonthResult
from thidua.writers.figures import TARGET_KEYS, summary_of, targets_of

__all__ = ["TARGET_KEYS", "summary_of", "targets_of", "write_summary"]


def write_summary(result: MonthResult, path: Path) -> None:
    path.write_text(json.dumps(summary_of(result), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
