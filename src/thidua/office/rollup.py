"""The office's month (SPEC 15): each unit's report for the month chosen among what it sent, its figures exactly
as the school wrote them, the units missing or late, and at year end the proposals of every unit with who decides
them and the cross-unit findings. Pure frames: nothing is written here."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from thidua.core import vocabulary
from thidua.core.calendar import month_label, parse_month
from thidua.core.text import key
from thidua.counting.dossier import authority_of, decided_by_school
from thidua.counting.rules import choose_pack
from thidua.errors import UsageError
from thidua.forms.report_data import NOMINEE_KEYS
from thidua.issues import Report
from thidua.office.checks import cross_unit
from thidua.office.dossiers import read_dossier
from thidua.office.eligibility import collectives, recheck
from thidua.office.intake import DATA_SHEET, Received, receive, same_year
from thidua.office.issues import OfficeIssues
from thidua.office.lists import LIST_ONLY, chosen_lists, compare, gaps, list_rows
from thidua.office.settings import Office
from thidua.office.units import Unit, read_units

COUNTS = ("target", "base", "registered", "achieved")
RATIOS = ("registered_ratio", "achieved_ratio", "achieved_base_ratio")
TARGET_COLUMNS = ["unit", "unit_name", "code", "name", *COUNTS, *RATIOS, "status", "pace", "file"]
UNIT_COLUMNS = ["code", "name", "kind", "email", "staff", "state", "school", "file", "received", "deadline", "late"]
# A nominee as the school's `_thidua` sheet gives it (forms.report_data), with the unit and where it came from.
NOMINEE_COLUMNS = ["unit", "unit_name", *NOMINEE_KEYS, "authority", "findings", "file", "sheet", "row"]
ISSUE_COLUMNS = ["unit", "unit_name", "code", "severity", "file", "sheet", "cell", "value", "message", "params"]
SENT, LATE, MISSING = "Đã gửi", "Gửi muộn", "Chưa gửi"


@dataclass(frozen=True)
class Rollup:
    """An office's month as frames: `units` one row per unit of donvi.xlsx (state, file, date received,
    deadline), `targets` one row per unit and target (the school's own figures), `nominees` at year end one row
    per proposal going up (who decides, the school's eligibility, the cross-unit findings, the source row),
    `issues` one row per issue with its unit."""

    office: Office
    month: str
    as_of: dt.date
    units: pd.DataFrame
    targets: pd.DataFrame
    nominees: pd.DataFrame
    issues: pd.DataFrame
    year_end: bool  # some unit's report carries the year-end proposals
    counts: dict[str, int]
    collectives: pd.DataFrame = field(default_factory=pd.DataFrame)  # the collective titles proposed, checked


def compute(office: Office, month: str) -> Rollup:
    """Read everything received under nhan/ and roll month `month` up."""
    month, as_of = parse_month(month)
    if not office.school_year.holds_month(month):
        raise UsageError(
            f"Tháng {month_label(month)} không thuộc năm học {office.school_year.label} của thư mục này "
            f"(từ {month_label(office.school_year.first_month)} đến {month_label(office.school_year.last_month)})."
        )
    issues = OfficeIssues()
    listed = Report()
    units = read_units(office.units_path, listed, office.limits)
    issues.extend("", listed)
    received = receive(office.root, office.received, units, office.limits)
    for item in received:
        for code, params in item.issues:
            issues.add(item.unit, code, file=item.rel, **params)
    names = {u.code: u.name for u in units}
    chosen = _choose(office, month, units, received, issues)
    # The year-end month (its reports carry the proposals: a school writes them in its vote's month only) has the
    # dossier's deadline for every unit, senders and the silent alike.
    year_end = any(sent.report is not None and sent.report.nominations is not None for sent in chosen.values())
    lists = chosen_lists(office, month, year_end, received, issues)  # nomination lists, read by their labels
    year_end = year_end or bool(lists)
    deadline = _deadline(office, month, year_end)
    unit_rows, target_rows, nominee_rows = [], [], []
    for unit in units:
        sent, given = chosen.get(unit.code), lists.get(unit.code)
        shown = sent or given
        late = shown is not None and shown.received.date() > deadline
        unit_rows.append(
            {
                "code": unit.code,
                "name": unit.name,
                "kind": unit.kind,
                "email": unit.email,
                "staff": unit.staff,
                "state": MISSING if shown is None else LATE if late else SENT if sent else LIST_ONLY,
                "school": sent.report.head.get("school", "") if sent and sent.report else "",
                "file": shown.rel if shown else "",
                "received": shown.received.date() if shown else None,
                "deadline": deadline,
                "late": late,
            }
        )
        if late and shown is not None:  # a report or, from a unit without thidua, its list
            issues.add(
                unit.code,
                "office-unit-late",
                file=shown.rel,
                month=month_label(month),
                received=f"{shown.received:%d/%m/%Y}",
                deadline=f"{deadline:%d/%m/%Y}",
            )
        if (sent is None or sent.report is None) and given is not None:
            nominee_rows.extend(list_rows(unit.code, unit.name, given, issues))
            continue
        if sent is None or sent.report is None:
            folder = f"{office.received.name}/{unit.code}/"
            issues.add(
                unit.code, "office-unit-missing", file=folder, month=month_label(month), name=unit.name, folder=folder
            )
            continue
        school = sent.report.head.get("school", "")
        if key(school) != key(unit.name):
            issues.add(
                unit.code,
                "office-school-mismatch",
                file=sent.rel,
                sheet=DATA_SHEET,
                value=school,
                unit=unit.code,
                school=school,
                name=unit.name,
            )
        for t in sent.report.targets:
            target_rows.append(
                {
                    "unit": unit.code,
                    "unit_name": unit.name,
                    **{c: t.get(c, "") for c in TARGET_COLUMNS[2:-1]},
                    "file": sent.rel,
                }
            )
        for n in sent.report.nominees:
            nominee_rows.append({"unit": unit.code, "unit_name": unit.name, **n, "file": sent.rel, "sheet": DATA_SHEET})
        if given is not None and sent.report.nominations is not None:
            compare(unit.code, sent.rel, sent.report, given, issues)
    nominees = _nominees(office, nominee_rows)
    pack = choose_pack(office.school_year.label, office.rules, office.root)  # the office's law and settings
    if len(nominees):
        nominees["findings"] = gaps(nominees, cross_unit(nominees, names, issues))
        checked = recheck(nominees, pack, issues)
        nominees["findings"] = (nominees["findings"] + " " + checked).str.strip()
        _dossiers(office, nominees, names, issues)
    proposed = collectives(units, chosen, pack, issues)
    return Rollup(
        office,
        month,
        as_of,
        pd.DataFrame(unit_rows, columns=UNIT_COLUMNS).astype({"staff": "Int64"}),
        _targets(target_rows),
        nominees,
        _issues(issues, names),
        year_end,
        issues.counts(),
        proposed,
    )


def _choose(
    office: Office, month: str, units: Sequence[Unit], received: Sequence[Received], issues: OfficeIssues
) -> dict[str, Received]:
    """Each unit's report for the month: the one received last when it sent several; reports of another school
    year are errors on their file, another month's report is named when the month's own is missing."""
    chosen: dict[str, Received] = {}
    codes = dict.fromkeys(u.code for u in units)  # in donvi.xlsx order: the issues come out in the same order
    sent: dict[str, list[Received]] = {}  # each unit's reports, in one pass (a filter per unit is quadratic)
    for r in received:
        if r.report is not None:
            sent.setdefault(r.unit, []).append(r)
    for code in codes:
        mine = sent.get(code, [])
        this_year = []
        for item in mine:
            found = item.report.head["school_year"] if item.report else ""
            if same_year(found, office.school_year.label):
                this_year.append(item)
            else:
                issues.add(
                    code,
                    "office-wrong-year",
                    file=item.rel,
                    sheet=DATA_SHEET,
                    found=found,
                    expected=office.school_year.label,
                )
        for_month = sorted((r for r in this_year if r.month == month), key=lambda r: (r.received, r.rel))
        if for_month:
            chosen[code] = for_month[-1]
            for older in for_month[:-1]:
                issues.add(code, "office-replaced", file=older.rel, month=month_label(month), newer=for_month[-1].rel)
            continue
        for other in this_year:
            issues.add(
                code,
                "office-wrong-month",
                file=other.rel,
                sheet=DATA_SHEET,
                found=month_label(other.month),
                month=month_label(month),
            )
    return chosen


def _deadline(office: Office, month: str, year_end: bool) -> dt.date:
    """The month's report deadline; the year-end dossier's in the year-end month."""
    if year_end and office.dossier_deadline:
        return office.dossier_deadline
    return office.report_deadline(month)


def _number(value: object) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return None


def _targets(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    for column in COUNTS:
        frame[column] = pd.array([_whole(_number(v)) for v in frame[column]], dtype="Int64")
    for column in RATIOS:
        frame[column] = pd.array([_number(v) for v in frame[column]], dtype="float64")
    for column in ("code", "name", "status", "pace"):
        frame[column] = frame[column].map(lambda v: "" if v is None else str(v))
    return frame


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def _dossiers(office: Office, nominees: pd.DataFrame, names: dict[str, str], issues: OfficeIssues) -> None:
    """Each unit with proposals going up: its dossier under nhan/<code>/ read (office.dossiers), and what it lacks
    (a tờ trình, the minutes of the vote, a CSTĐCS nominee's báo cáo thành tích) an issue on the unit's folder."""
    wanted = key(vocabulary.CSTDCS)
    reported: dict[str, list[str]] = {}  # per unit, in one pass: its CSTĐCS nominees (a group per unit cost 1 s)
    for code, proposal, person in zip(nominees["unit"], nominees["proposal"], nominees["name"], strict=True):
        named = reported.setdefault(str(code), [])
        if key(proposal) == wanted:
            named.append(str(person))
    for unit, cstdcs in reported.items():
        dossier = read_dossier(office.received / unit, office.limits)
        lacking = dossier.lacking(cstdcs)
        if not lacking:
            continue
        unread = (
            f" Có tệp thidua không đọc nội dung ({', '.join(dossier.unread[:5])}): hãy mở xem, có thể đó là phần còn "
            "thiếu."
            if dossier.unread
            else ""
        )
        folder = f"{office.received.name}/{unit}/"
        issues.add(
            unit,
            "office-dossier-incomplete",
            file=folder,
            name=names.get(unit, unit),
            folder=folder,
            missing="; ".join(lacking),
            unread=unread,
        )


def _nominees(office: Office, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The proposals that go up to an authority (a Giấy khen of the school's own head stays with the school),
    with who decides each under the rule pack of the office's year."""
    pack = choose_pack(office.school_year.label, office.rules)
    legal = pack.dossier if pack is not None else {}
    found = []
    for row in rows:
        proposal, kind = str(row.get("proposal", "")), str(row.get("kind", ""))
        authority = authority_of(proposal, kind, legal)
        if decided_by_school(authority):
            continue
        birth = row.get("birth_date")
        found.append(
            {
                **{c: row.get(c, "") for c in NOMINEE_COLUMNS},
                "birth_date": _date(birth),
                "votes_for": _whole(_number(row.get("votes_for"))),
                "votes_total": _whole(_number(row.get("votes_total"))),
                "eligible": _number(row.get("eligible")) == 1,
                "authority": authority,
                "findings": "",
                "row": row.get("_row"),
            }
        )
    frame = pd.DataFrame(found, columns=NOMINEE_COLUMNS)
    return frame.astype({"votes_for": "Int64", "votes_total": "Int64", "row": "Int64", "eligible": bool})


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def with_issue(rollup: Rollup, folder: Path, reason: str) -> Rollup:
    """`rollup` with one more issue of the office's own (no unit): its previous year's workspace, recorded by
    `office init --from`, could not be opened (`reason`), so the month goes without last year's columns."""
    said = OfficeIssues()
    said.add("", "office-previous-unusable", file="thidua.toml", folder=str(folder), reason=reason.rstrip("."))
    counts = dict(rollup.counts)
    for severity, count in said.counts().items():
        counts[severity] = counts.get(severity, 0) + count
    issues = pd.concat([rollup.issues, _issues(said, {})], ignore_index=True)
    return dataclasses.replace(rollup, issues=issues, counts=counts)


def _issues(issues: OfficeIssues, names: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (
                unit,
                names.get(unit, ""),
                i.code,
                i.severity.value,
                i.file,
                i.sheet,
                i.cell,
                i.value,
                i.message,
                dict(i.params),
            )
            for unit, i in issues
        ],
        columns=ISSUE_COLUMNS,
    )


def summary_of(rollup: Rollup) -> dict[str, Any]:
    """The office's summary.json: every unit's state and figures exactly as its report gave them, the totals of
    the counts per target, and at year end the proposals per authority and the cross-unit findings."""
    office, units = rollup.office, rollup.units
    reports = []
    by_unit: dict[str, list[dict[str, Any]]] = {}
    target: dict[str, Any]
    for target in rollup.targets.to_dict("records"):  # type: ignore[assignment]  # each unit's targets, one pass
        by_unit.setdefault(str(target["unit"]), []).append(target)
    unit: Any
    for unit in units.itertuples(index=False):
        entry: dict[str, Any] = {
            "unit": unit.code,
            "name": unit.name,
            "state": unit.state,
            "school": unit.school,
            "file": unit.file,
            "received": unit.received.isoformat() if unit.received else None,
            "deadline": unit.deadline.isoformat(),
            "targets": [_target_json(t) for t in by_unit.get(str(unit.code), [])],
        }
        reports.append(entry)
    totals = []
    targets = rollup.targets
    if len(targets):
        grouped = targets.groupby(["code", "name"], sort=False)
        for (code, name), group in grouped:
            totals.append(
                {
                    "code": code,
                    "name": name,
                    "units": len(group),
                    "registered": _int(group["registered"].sum()),
                    "achieved": _int(group["achieved"].sum()),
                }
            )
    result: dict[str, Any] = {
        "office": office.name,
        "level": office.level,
        "school_year": office.school_year.label,
        "month": rollup.month,
        "as_of": rollup.as_of.isoformat(),
        "units": {
            "expected": len(units),
            "received": int((units["state"] != MISSING).sum()),
            "late": int((units["state"] == LATE).sum()),
            "missing": int((units["state"] == MISSING).sum()),
            "list_only": int((units["state"] == LIST_ONLY).sum()),  # sent a list made without thidua, no report
        },
        "missing": [str(c) for c in units.loc[units["state"] == MISSING, "code"]],
        "late": [str(c) for c in units.loc[units["state"] == LATE, "code"]],
        "reports": reports,
        "totals": totals,
        "issues": rollup.counts,
    }
    if rollup.year_end:
        nominees = rollup.nominees
        proposals: dict[str, dict[str, int]] = {}
        for (authority, proposal), group in nominees.groupby(["authority", "proposal"], sort=False):
            proposals.setdefault(str(authority), {})[str(proposal)] = len(group)
        result["proposals"] = proposals
        issues = rollup.issues
        twice = issues[issues["code"] == "office-person-twice"]
        result["findings"] = {  # people proposed by two units or more; proposals their own unit found short
            "persons_twice": len({(v, p["birth"]) for v, p in zip(twice["value"], twice["params"], strict=True)}),
            "initiatives_twice": int(
                issues.loc[issues["code"] == "office-initiative-twice", "params"].map(lambda p: p["title"]).nunique()
            ),
            "not_eligible": int((issues["code"] == "office-not-eligible").sum()),
            "rule_short": int((issues["code"] == "office-rule-short").sum()),  # the office's own re-check
            "collectives_short": int((issues["code"] == "office-collective-short").sum()),
        }
    return result


def _int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]


def _target_json(t: dict[Any, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {"code": t["code"], "name": t["name"]}
    for column in COUNTS:
        shown[column] = _int(t[column])
    for column in RATIOS:
        value = t[column]
        shown[column] = None if value is None or pd.isna(value) else float(value)
    shown["status"], shown["pace"] = t["status"], t["pace"]
    return shown
