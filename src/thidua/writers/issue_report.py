"""Issue report workbook for the board's secretary: every issue of the run, counted per severity and per
file, listed file by file and person by person with what to do, then one sheet per team for its leader.
Names are in Vietnamese order (given name, middle names, family name)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from operator import itemgetter
from pathlib import Path

from thidua.core.calendar import month_label
from thidua.core.plan import Person, Plan
from thidua.core.text import name_sort_key
from thidua.counting.measure import MonthResult
from thidua.excel.workbook import new_workbook
from thidua.issues import Issue, Severity
from thidua.writers.common import (
    NO_ISSUES,
    Styles,
    Worksheet,
    add_sheet,
    merge_text,
    page_setup,
    severity_style,
    upper,
    write_header,
    write_issue_table,
    write_text,
)

SHEET_SUMMARY = "Tổng hợp"
SHEET_DETAILS = "Chi tiết"
SHEET_PERSONS = "Theo người"
PERSON_COLUMNS: tuple[tuple[str, float], ...] = (
    ("STT", 5),
    ("Họ và tên", 28),
    ("Tổ", 12),
    ("Lỗi", 8),
    ("Cảnh báo", 10),
    ("Ghi chú", 9),
    ("Các tệp cần xem", 60),
)
NO_FILE = "(Chung, không gắn với tệp nào)"
SEVERITY_LABELS = ((Severity.ERROR, "Lỗi"), (Severity.WARNING, "Cảnh báo"), (Severity.NOTE, "Ghi chú"))

# A team's sheet goes to its leader: problems by their Vietnamese titles, no codes. The detailed sheet keeps the
# issue code as its last column, a reference for whoever looks a problem up (SPEC 6).
TEAM_COLUMNS: tuple[tuple[str, float], ...] = (
    ("STT", 5),
    ("Tệp", 24),
    ("Trang tính", 14),
    ("Ô", 7),
    ("Người", 22),
    ("Tổ", 11),
    ("Mức độ", 10),
    ("Vấn đề", 26),
    ("Cần làm gì", 60),
    ("Giá trị", 22),
)
TEAM_FIELDS = ("file", "sheet", "cell", "person", "team", "severity", "problem", "message", "value")
DETAIL_COLUMNS: tuple[tuple[str, float], ...] = (*TEAM_COLUMNS, ("Mã lỗi", 20))
DETAIL_FIELDS = (*TEAM_FIELDS, "code")
FILE_COLUMNS: tuple[tuple[str, float], ...] = (
    ("Tệp", 40),
    ("Lỗi", 11),
    ("Cảnh báo", 11),
    ("Ghi chú", 11),
    ("Tổng", 11),
)
SEVERITY_HEADER_ROW = 4
DETAIL_HEADER_ROW = 2


def write_issue_report(result: MonthResult, path: Path) -> None:
    """Write the issue report of `result` to `path`."""
    order = person_order(result.plan)
    issues = in_reading_order(list(result.issues), order)
    with new_workbook(path) as wb:
        styles = Styles(wb, size=11)
        _summary(add_sheet(wb, SHEET_SUMMARY), styles, result, issues)
        _details(add_sheet(wb, SHEET_DETAILS), styles, result, issues, SHEET_DETAILS)
        _persons(add_sheet(wb, SHEET_PERSONS), styles, result, issues, order)
        used = {SHEET_SUMMARY.casefold(), SHEET_DETAILS.casefold(), SHEET_PERSONS.casefold()}
        for team in sorted(result.plan.teams, key=name_sort_key):
            mine = [issue for issue in issues if team in teams_of(issue)]
            if mine:
                _details(add_sheet(wb, _sheet_name(team, used)), styles, result, mine, team)


def teams_of(issue: Issue) -> tuple[str, ...]:
    """The teams whose sheets list an issue: its person's (or its row's, or its file's) team; a namesake nothing
    told apart goes to each team one of them belongs to, for its leader to settle."""
    if issue.team:
        return (issue.team,)
    candidates = issue.params.get("candidate_teams", ())
    return tuple(str(team) for team in candidates) if isinstance(candidates, tuple) else ()


def _sheet_name(team: str, used: set[str]) -> str:
    """A valid sheet name for a team, distinct from every name in `used` (Excel forbids some characters,
    allows 31 and ignores case); the name is added to `used`."""
    cleaned = "".join("-" if ch in "[]:*?/\\" else ch for ch in team).strip("'")[:31] or "Tổ"
    name, number = cleaned, 1
    while name.casefold() in used:
        number += 1
        suffix = f" ({number})"
        name = cleaned[: 31 - len(suffix)] + suffix
    used.add(name.casefold())
    return name


def person_order(plan: Plan) -> Callable[[str], tuple[object, ...]]:
    """Sort key for an issue's person label: Vietnamese name order, then birth date; no person comes first.

    A label is a roster member's name, or the name and the birth date in brackets (`Person.label`): the members are
    found by name, and only the labels of those who bear the label's name are made (the last member with the label
    is the one meant, as a label → person table would hold). Measured 2026-12-07 on the benchmark's month (20,000
    members, 41 labels to order; two shared cores, best of 8): the report's ordering 0.014 CPU-s in a forked
    process against 0.040, where a table of all 20,000 labels was made, and made again for the persons' sheet
    (0.064-0.070 while a label's date went through strftime); the whole report, written in the batch's main
    process, 0.025-0.028 against 0.058-0.064."""
    named: dict[str, list[tuple[int, Person]]] = {}
    for position, person in enumerate(plan.roster):
        named.setdefault(person.name, []).append((position, person))
    keys: dict[str, tuple[object, ...]] = {}

    def order(label: str) -> tuple[object, ...]:
        found = keys.get(label)
        if found is None:
            bearers = [
                (position, person)
                for name in dict.fromkeys((label, label.rsplit(" (", 1)[0]))
                for position, person in named.get(name, ())
                if person.label == label
            ]
            if bearers:
                person = max(bearers, key=itemgetter(0))[1]
                found = (name_sort_key(person.name), person.birth_date.isoformat() if person.birth_date else "")
            else:
                found = ((), label)
            keys[label] = found
        return found

    return order


def in_reading_order(issues: list[Issue], order: Callable[[str], tuple[object, ...]] | None = None) -> list[Issue]:
    """Issues by file, then person (Vietnamese order), then sheet; otherwise in the order found (stable sort)."""
    by_person = order or (lambda label: (label,))
    return sorted(issues, key=lambda issue: (issue.file, by_person(issue.person), issue.sheet))


def _title(ws: Worksheet, styles: Styles, result: MonthResult, last_col: int, team: str = "") -> None:
    merge_text(
        ws,
        0,
        0,
        last_col,
        f"BÁO CÁO LỖI VÀ CẢNH BÁO – THÁNG {month_label(result.month)}",
        styles(bold=True, font_size=14, align="center"),
    )
    second = upper(result.plan.school.name) + (f" – {team.upper()}" if team else "")
    merge_text(ws, 1, 0, last_col, second, styles(bold=True, align="center"))


def _summary(ws: Worksheet, styles: Styles, result: MonthResult, issues: list[Issue]) -> None:
    last_col = 4
    _title(ws, styles, result, last_col)
    files_read = f"Số tệp đã đọc: {len(result.files_read)}"
    merge_text(ws, 2, 0, last_col, files_read, styles(italic=True, align="center"))
    by_severity = Counter(issue.severity for issue in issues)
    row = SEVERITY_HEADER_ROW
    write_header(ws, row, (("Mức độ", 40), ("Số lượng", 11)), styles.header)
    for severity, label in SEVERITY_LABELS:
        row += 1
        write_text(ws, row, 0, label, severity_style(styles, severity))
        ws.write_number(row, 1, by_severity[severity], severity_style(styles, severity, align="center"))
    row += 1
    write_text(ws, row, 0, "Tổng cộng", styles.total_label)
    ws.write_number(row, 1, len(issues), styles.total_number)

    files_header = row + 2
    write_header(ws, files_header, FILE_COLUMNS, styles.header)
    by_file: dict[str, Counter[Severity]] = {}
    for issue in issues:
        by_file.setdefault(issue.file, Counter())[issue.severity] += 1
    row = files_header
    for file in sorted(by_file):
        row += 1
        tally = by_file[file]
        write_text(ws, row, 0, file or NO_FILE, styles.text)
        for col, (severity, _label) in enumerate(SEVERITY_LABELS, start=1):
            ws.write_number(row, col, tally[severity], styles.number)
        ws.write_number(row, 4, sum(tally.values()), styles.number)
    if not by_file:
        row += 1
        merge_text(ws, row, 0, last_col, NO_ISSUES, styles.cell(italic=True, align="center"))
    page_setup(ws, files_header, row, last_col, landscape=False)


def _persons(
    ws: Worksheet,
    styles: Styles,
    result: MonthResult,
    issues: list[Issue],
    order: Callable[[str], tuple[object, ...]],
) -> None:
    """One row per person with issues, in Vietnamese name order: what each must look at."""
    last_col = len(PERSON_COLUMNS) - 1
    _title(ws, styles, result, last_col)
    header = DETAIL_HEADER_ROW
    write_header(ws, header, PERSON_COLUMNS, styles.header)
    tallies: dict[str, Counter[Severity]] = {}
    files: dict[str, list[str]] = {}
    teams: dict[str, str] = {}
    for issue in issues:
        if not issue.person:
            continue
        tallies.setdefault(issue.person, Counter())[issue.severity] += 1
        seen = files.setdefault(issue.person, [])
        if issue.file and issue.file not in seen:
            seen.append(issue.file)
        teams[issue.person] = issue.team
    table = ws.table(header + 1)
    for i, label in enumerate(sorted(tallies, key=order)):
        counts = [(tallies[label][severity], styles.number) for severity, _label in SEVERITY_LABELS]
        named = [(i + 1, styles.number), (label, styles.text), (teams[label], styles.text)]
        table.add([*named, *counts, ("; ".join(files[label]), styles.text)])
    if not tallies:
        merge_text(ws, header + 1, 0, last_col, NO_ISSUES, styles.cell(italic=True, align="center"))
    last = header + max(len(tallies), 1)
    ws.freeze_panes(header + 1, 0)
    page_setup(ws, header, last, last_col, landscape=True)


def _details(ws: Worksheet, styles: Styles, result: MonthResult, issues: list[Issue], heading: str) -> None:
    detailed = heading == SHEET_DETAILS
    columns, fields = (DETAIL_COLUMNS, DETAIL_FIELDS) if detailed else (TEAM_COLUMNS, TEAM_FIELDS)
    last_col = len(columns) - 1
    _title(ws, styles, result, last_col, "" if detailed else heading)
    header = DETAIL_HEADER_ROW
    write_header(ws, header, columns, styles.header)
    write_issue_table(ws, styles, header, issues, fields, frozenset({"cell", "severity"}), NO_ISSUES)
