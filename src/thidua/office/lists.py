"""The nomination lists units send beside (or instead of) their report, in the office's month (SPEC 15): which
list counts for each unit, a list-only unit's rows for the consolidated proposals, and a unit's list set against
its own report. The reading is office.foreign's; the month's frames are office.rollup's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from thidua.core import vocabulary
from thidua.core.calendar import month_label
from thidua.core.text import key
from thidua.office.foreign import disagreements
from thidua.office.intake import DATA_SHEET, Received, UnitReport
from thidua.office.issues import OfficeIssues
from thidua.office.settings import Office

LIST_ONLY = "Chỉ gửi danh sách"  # a unit's state when it sent a list made without thidua and no report


def year_end_month(office: Office, month: str, reports_say: bool) -> bool:
    """Whether lists are read in `month`: a list carries no month of its own, so it is taken in the year-end month
    (the month whose reports carry the proposals; when none does, the dossier deadline's month or the one before)."""
    if reports_say:
        return True
    deadline = office.dossier_deadline
    if deadline is None:
        return False
    before = (deadline.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    return month in (f"{deadline:%Y-%m}", before)


def chosen_lists(
    office: Office, month: str, year_end: bool, received: Sequence[Received], issues: OfficeIssues
) -> dict[str, Received]:
    """Each unit's nomination list for the month (the one received last), when the month is the year-end one (in
    any other month a note on each list says why it is not read); a list whose title names another school year is
    an error on its file and not taken, and so is (a warning) a list with no proposal that could be read from a unit
    that sent no report of the month: its unit stays missing."""
    taken = year_end_month(office, month, year_end)
    reported = {r.unit for r in received if r.report is not None and r.report.head.get("month") == month}
    found: dict[str, list[Received]] = {}
    for item in received:
        if item.listed is None or not item.unit:
            continue
        if not taken:  # a list carries no month: said on the file, so that it is not thought lost
            deadline = (
                f"hạn nộp hồ sơ là {office.dossier_deadline:%d/%m/%Y}"
                if office.dossier_deadline
                else "chưa đặt hạn nộp hồ sơ: dossier_deadline trong thidua.toml"
            )
            issues.add(
                item.unit,
                "office-list-not-taken",
                file=item.rel,
                sheet=item.listed.sheet,
                month=month_label(month),
                deadline=deadline,
            )
            continue
        named = item.listed.school_year
        if named and named != office.school_year.label:
            issues.add(
                item.unit,
                "office-wrong-year",
                file=item.rel,
                sheet=item.listed.sheet,
                found=named,
                expected=office.school_year.label,
            )
            continue
        if not item.listed.nominees and item.unit not in reported:
            # Nothing readable and no report of the month: the unit has not sent a list, whatever the file is. (Beside
            # a report, an empty list is still set against it: each proposal the report has is flagged.)
            issues.add(item.unit, "office-list-empty", file=item.rel, sheet=item.listed.sheet)
            continue
        found.setdefault(item.unit, []).append(item)
    chosen = {}
    for unit, items in found.items():
        items.sort(key=lambda r: (r.received, r.rel))
        chosen[unit] = items[-1]
        for older in items[:-1]:
            issues.add(unit, "office-replaced", file=older.rel, month=month_label(month), newer=items[-1].rel)
    return chosen


def list_rows(unit: str, unit_name: str, item: Received, issues: OfficeIssues) -> list[dict[str, Any]]:
    """A list-only unit's proposals as nominee rows (the `_thidua` nominee keys, file, sheet, row), a note saying
    the unit has no report figures, and a note on each collective's row the list's reading skipped."""
    assert item.listed is not None
    issues.add(unit, "office-list-only", file=item.rel, sheet=item.listed.sheet, count=len(item.listed.nominees))
    for row, col, name in item.listed.collectives:
        issues.add(unit, "office-list-collective", file=item.rel, sheet=item.listed.sheet, at=(row, col), value=name)
    return [
        {"unit": unit, "unit_name": unit_name, **n, "file": item.rel, "sheet": item.listed.sheet}
        for n in item.listed.nominees
    ]


def compare(unit: str, report_file: str, report: UnitReport, item: Received, issues: OfficeIssues) -> None:
    """A unit's list against its own report of the same month: each proposal only one of them has, an issue on
    the list's row (or, for what the list lacks, on the list's sheet)."""
    listed = item.listed
    assert listed is not None
    extra, missing = disagreements(report.nominees, listed)
    for n in extra:
        issues.add(
            unit,
            "office-list-extra",
            file=item.rel,
            sheet=listed.sheet,
            at=(int(n["_row"]) - 1, int(n["_col"])),
            value=n["name"],
            proposal=n["proposal"],
            report=report_file,
        )
    for n in missing:
        issues.add(
            unit,
            "office-list-missing",
            file=item.rel,
            sheet=listed.sheet,
            value=n.get("name", ""),
            proposal=n["proposal"],
            report=report_file,
        )


def gaps(nominees: pd.DataFrame, findings: pd.Series) -> pd.Series:
    """`findings` with, for each row of a list made without thidua, what the list lacks for its conditions to be
    checked (a rating; for a Chiến sĩ thi đua cơ sở the ballot and the initiative): such a row is not shown as
    meeting the conditions, and stays out of the draft decision, until the office has looked at the dossier.
    (The rule pack's own judgement is office.checks'; this only says what is missing to make it.)"""
    listed = nominees["sheet"] != DATA_SHEET
    if not listed.any():
        return findings
    cstdcs = nominees["proposal"].map(key) == key(vocabulary.CSTDCS)
    blank = nominees.apply(lambda n: {c: missing(n[c]) for c in ("rating", "votes_for", "works")}, axis=1)
    shown = findings.copy()
    for index in nominees.index[listed]:
        lacking = [LACKS[c] for c, empty in blank[index].items() if empty and (c == "rating" or cstdcs[index])]
        if lacking:
            text = f"Danh sách lập ngoài thidua thiếu {', '.join(lacking)}: cần đối chiếu hồ sơ."
            shown[index] = f"{shown[index]} {text}".strip()
    return shown


LACKS = {"rating": "xếp loại", "votes_for": "tỷ lệ phiếu", "works": "sáng kiến"}


def missing(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or bool(pd.isna(value))  # type: ignore[call-overload]
