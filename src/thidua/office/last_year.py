"""An office's previous year (SPEC 15): `office init DIR --from OLD` carries the units (donvi.xlsx) and the settings
(thidua.toml: the office, limits, rules, mail) to the new school year and remembers OLD as `previous` in [office];
`office run` then sets the same month last year beside each unit's figures, from OLD's
output/<month a year before>/summary.json, or computed from what OLD received when that month was not run."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from thidua.core.calendar import SchoolYear
from thidua.errors import SETTINGS_FILE, ThiduaError, UsageError
from thidua.office.rollup import compute, summary_of
from thidua.office.settings import UNITS_FILE, Office, open_office

SUMMARY = "summary.json"
LAST_COLUMNS = ("last_registered", "last_achieved", "last_achieved_ratio")


def carried_settings(old: Office, year: SchoolYear) -> str:
    """OLD's thidua.toml for `year`: its school year and dossier deadline moved on, `previous` naming OLD; every
    other line (the office, its limits, rules, [imap], [email], comments) as OLD had it."""
    text = (old.root / SETTINGS_FILE).read_text(encoding="utf-8")
    shift = year.first - old.school_year.first
    lines, section = [], ""
    for line in text.splitlines():
        header = re.match(r"\s*\[([^\]]+)\]", line)
        if header:
            section = header.group(1).strip()
        name = re.match(r"\s*([A-Za-z_]+)\s*=", line)
        if section == "office" and name and name.group(1) == "previous":
            continue
        if section == "office" and name and name.group(1) == "school_year":
            lines.append(f'school_year = "{year.label}"   # năm học tổng hợp')
            lines.append(f"previous = {json.dumps(str(old.root.resolve()), ensure_ascii=False)}   # năm học trước")
            continue
        if section == "office" and name and name.group(1) == "dossier_deadline" and old.dossier_deadline:
            moved = _years_later(old.dossier_deadline, shift)
            lines.append(f"dossier_deadline = {moved.isoformat()}   # hạn nộp hồ sơ đề nghị khen thưởng cuối năm")
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def carry_units(old: Office, directory: Path) -> None:
    shutil.copyfile(old.units_path, directory / UNITS_FILE)


def open_previous(source: Path) -> Office:
    """The previous year's office workspace; a folder that is not one says so."""
    try:
        return open_office(source)
    except UsageError as exc:
        raise UsageError(f"--from: {exc}") from exc


def previous_of(office: Office) -> Path | None:
    """The previous year's workspace recorded by `init --from` ([office] previous), if any."""
    try:
        raw = tomllib.loads((office.root / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # open_office has read it already; a file changed meanwhile is read again at the next run
    table = raw.get("office", {})
    value = table.get("previous") if isinstance(table, dict) else None
    if not isinstance(value, str) or not value.strip():
        return None
    path = Path(value)
    return path if path.is_absolute() else office.root / path


class PreviousUnusable(Exception):
    """The previous year's workspace that `office init --from` recorded can no longer be opened."""

    def __init__(self, folder: Path, reason: str) -> None:
        super().__init__(reason)
        self.folder, self.reason = folder, reason


def month_before(month: str) -> str:
    return f"{int(month[:4]) - 1}{month[4:]}"


def last_year(office: Office, month: str, source: Path | None) -> tuple[pd.DataFrame, str]:
    """Each unit's figures of the same month last year (unit, code and LAST_COLUMNS) and where they came from
    ("" with an empty frame when there is no previous workspace or nothing for that month)."""
    empty = pd.DataFrame(columns=["unit", "code", *LAST_COLUMNS])
    if source is None:
        source = previous_of(office)
        if source is None:
            return empty, ""
        try:  # recorded by init --from, not typed now: a folder moved away must not stop the month
            open_office(source)
        except UsageError as exc:
            reason = (
                "không còn ở đó (đã chuyển, đổi tên hoặc xóa)"
                if not source.is_dir()
                else "không còn là thư mục của cơ quan tổng hợp đọc được (thiếu hoặc hỏng thidua.toml, donvi.xlsx)"
            )
            raise PreviousUnusable(source, reason) from exc
    old = open_previous(source)
    before = month_before(month)
    path = old.output / before / SUMMARY
    summary: dict[str, Any] | None = None
    if path.is_file():
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            summary = None
        if not isinstance(summary, dict):  # valid JSON that is no summary: computed again below
            summary = None
    where = f"{path}"
    if summary is None:
        if not old.school_year.holds_month(before):
            return empty, ""
        try:
            summary = summary_of(compute(old, before))
        except ThiduaError:
            return empty, ""
        where = f"{old.root} (tính lại từ {old.received.name}/)"
    rows = [
        {
            "unit": report.get("unit"),
            "code": t.get("code"),
            "last_registered": t.get("registered"),
            "last_achieved": t.get("achieved"),
            "last_achieved_ratio": t.get("achieved_ratio"),
        }
        for report in _records(summary.get("reports"))
        for t in _records(report.get("targets"))
    ]
    if not rows:
        return empty, where
    return pd.DataFrame(rows), where


def _records(value: object) -> list[dict[str, Any]]:
    """The objects of a summary.json list; anything else (a file edited by hand) gives none."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def beside(targets: pd.DataFrame, last: pd.DataFrame) -> pd.DataFrame:
    """`targets` with last year's figures of the same unit and target (blank where there are none)."""
    joined = targets.merge(last, on=["unit", "code"], how="left")
    for column in ("last_registered", "last_achieved"):
        joined[column] = pd.array(
            [None if pd.isna(v) else int(v) for v in joined[column]],
            dtype="Int64",
        )
    joined["last_achieved_ratio"] = pd.to_numeric(joined["last_achieved_ratio"], errors="coerce").astype("float64")
    return joined
