"""Validation: raw rows → typed records (registrations, activity results, votes) put into a `RecordSink`, every
problem an issue with its file, sheet and cell. Rows with errors are left out and their persons remembered."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

from thidua.core import vocabulary
from thidua.core.calendar import parse_school_year
from thidua.core.plan import Person, Plan, namesake_hint
from thidua.core.text import clean, fold, key, looks_undiacritised, team_key
from thidua.forms import template_fields
from thidua.forms.cell_values import cell_text, is_blank, parse_date, parse_int, swapped_date
from thidua.intake.collector import Place, RecordSink
from thidua.intake.read import RawSheet
from thidua.issues import Issue, Report, Severity, cell_ref

FORMULA_STARTS = ("=", "+", "@")


class Roster:
    """Finds roster members by name key; namesakes by birth date, then by team (SPEC 5)."""

    def __init__(self, plan: Plan) -> None:
        self._people = people = plan.roster
        self.by_key: dict[str, list[Person]] = {}
        self.position: dict[int, int] = {}  # id(person) → roster key (position in the plan's roster)
        for i, p in enumerate(people):
            self.by_key.setdefault(p.key, []).append(p)
            self.position[id(p)] = i
        self.teams = {team_key(t): t for t in plan.teams}
        self._comparisons_left = CLOSE_NAME_COMPARISONS
        self._close: dict[tuple[str, int, float], list[str]] = {}

    # What only a name that matches no key needs, built the first time one does (a clean month never pays for it:
    # half a second at a province's 200,000 staff).
    @cached_property
    def _by_fold(self) -> dict[str, list[Person]]:
        """Roster members by the letters of their names, marks left out."""
        found: dict[str, list[Person]] = {}
        for p in self._people:
            found.setdefault(fold(p.name), []).append(p)
        return found

    @cached_property
    def _folded(self) -> dict[str, str]:
        return {folded: found[-1].name for folded, found in self._by_fold.items()}

    @cached_property
    def _bare(self) -> dict[str, list[Person]]:
        """Roster names typed without diacritics (the plan is warned about them): a teacher who types her name
        correctly is matched to them, not told to copy the roster's spelling."""
        return {
            folded: bare
            for folded, found in self._by_fold.items()
            if (bare := [p for p in found if looks_undiacritised(p.name)])
        }

    def close_names(self, folded: str, n: int, cutoff: float) -> list[str]:
        """The roster's folded names closest to `folded` (difflib), once per name and question; none once the
        month has compared CLOSE_NAME_COMPARISONS roster names already."""
        found = self._close.get((folded, n, cutoff))
        if found is None:
            if self._comparisons_left < len(self._folded):
                return []
            self._comparisons_left -= len(self._folded)
            found = self._close[folded, n, cutoff] = difflib.get_close_matches(folded, self._folded, n=n, cutoff=cutoff)
        return found

    def suggestions(self, name: str) -> str:
        close = self.close_names(fold(name), 3, 0.6)
        if close:
            names = ", ".join(f"“{self._folded[c]}”" for c in close)
            return f"Có phải là {names}? Hãy sửa lại họ tên cho đúng danh sách."
        return "Hãy kiểm tra chính tả, hoặc đề nghị Ban thi đua bổ sung người này vào danh sách CBGVNV."

    def candidates(self, name: str) -> list[Person]:
        """The roster members a name may be: by its key; a dropdown entry "Name (Tổ 1)" (or a birth date, an STT
        in the brackets) by its name and what tells namesakes apart; a name the roster holds without diacritics
        by its letters."""
        found = self.by_key.get(key(name))
        if found:
            return found
        base, hint = namesake_hint(name)
        if hint:
            found = self.by_key.get(key(base), [])
            narrowed = [p for p in found if _hinted(p, hint)]
            return narrowed or found
        return self._bare.get(fold(name), [])

    def team_of(self, value: object) -> str:
        """The plan's team a typed Tổ names ("to 4 - 5" → "Tổ 4–5"), or ""."""
        return self.teams.get(team_key(value), "") if not is_blank(value) else ""

    def probable(self, name: str, team: str, meta_person: str) -> list[Person]:
        """Who most likely sent a row whose name matches nobody: the person a per-person file was made for, else
        the roster names spelled with the same letters, else the one clearly closest spelling."""
        if meta_person:
            own = self.by_key.get(key(meta_person), [])
            if len(own) == 1:
                return own
        same = self._by_fold.get(fold(name), [])
        if not same:
            close = self.close_names(fold(name), 2, PROBABLE_CUTOFF)
            if len(close) == 1:
                same = self._by_fold[close[0]]
        in_team = [p for p in same if team and p.team == team]
        return in_team or same


PROBABLE_CUTOFF = 0.88  # a name this close to one roster name (and no other) was most likely meant for it
# Roster names compared with names that match nobody, in one month at most: difflib compares two names in about
# 3 µs, so a province's roster of 20,000 cost 0.12 s for each such name, and a file of 10,000 of them would have
# taken 20 minutes (2026-12-07). Past this the issue still names the row, without a closest spelling: a school's
# roster of 40 allows 25,000 such names, a roster of 20,000 fifty.
CLOSE_NAME_COMPARISONS = 1_000_000


def _hinted(person: Person, hint: str) -> bool:
    """Whether the bracketed part of a chosen name ("Tổ 1", "12/03/1985", "STT 7") fits `person`."""
    try:
        day = parse_date(hint)
    except ValueError:
        day = None
    if day is not None:
        return person.birth_date == day
    words = fold(hint).split()
    if len(words) == 2 and words[0] == "stt" and words[1].isdigit():
        return person.stt == int(words[1])
    return bool(person.team) and team_key(person.team) == team_key(hint)


def path_team(rel: str, teams: dict[str, str]) -> str:
    """The team a file's folder or name names ("To 4-5/bao cao.xlsx", "DK thi dua To 2-3.xlsx"), or "": the
    longest team name found as whole words in one part of the path, when only one team is that long."""
    found: dict[str, int] = {}
    wanted = {team: fold(team).split() for team in teams.values()}
    for part in PurePosixPath(rel.replace("\\", "/")).with_suffix("").parts:
        words = fold(part).split()
        for team, name in wanted.items():
            size = len(name)
            if size and any(words[i : i + size] == name for i in range(len(words) - size + 1)):
                found[team] = max(found.get(team, 0), size)
    if not found:
        return ""
    longest = max(found.values())
    best = [team for team, size in found.items() if size == longest]
    return best[0] if len(best) == 1 else ""


class _Row:
    """One data row being validated: reads cells by field key and records issues at their cells. Slotted, and
    given its sheet's columns and the year's bounds rather than finding them per cell: 20,000 rows are made at the
    benchmark's scale (validating them 0.43 -> 0.36 CPU-s, best of 5, 2026-12-07)."""

    __slots__ = (
        "cells",
        "columns",
        "errors",
        "index",
        "key",
        "labels",
        "layout",
        "person",
        "report",
        "sheet",
        "team",
        "unmatched",
        "year",
    )

    def __init__(
        self,
        sheet: RawSheet,
        index: int,
        cells: list[Any],
        report: Report,
        labels: dict[str, str],
        year: tuple[dt.date, dt.date],
        layout: int,
    ):
        self.sheet, self.index, self.cells, self.report, self.labels = sheet, index, cells, report, labels
        self.columns = sheet.header.columns
        self.year = year
        self.errors = 0
        self.person: Person | None = None
        self.key = -1  # the person's roster key once identified
        self.layout = layout
        self.team = ""  # the team of a row whose person is not identified: its Tổ, else its file's
        self.unmatched: list[Person] = []  # who most likely wrote a row whose name matched nobody

    def at(self, field_key: str) -> tuple[int, int | None]:
        return self.index, self.columns.get(field_key)

    @property
    def place(self) -> Place:
        return Place(self.sheet.file, self.sheet.sheet, self.index, self.layout)

    def raw(self, field_key: str) -> Any:
        col = self.columns.get(field_key)
        return self.cells[col] if col is not None and col < len(self.cells) else None

    def add(self, code: str, field_key: str, value: Any = "", **params: Any) -> Issue:
        issue = self.report.add(
            code,
            file=self.sheet.file,
            sheet=self.sheet.sheet,
            at=self.at(field_key),
            value=cell_text(value),
            person=self.person.label if self.person else "",
            team=self.person.team if self.person else self.team,
            person_key=self.key if self.key >= 0 else None,
            **params,
        )
        if issue.severity is Severity.ERROR:
            self.errors += 1
        return issue

    def text(self, field_key: str) -> str:
        value = self.raw(field_key)
        shown = cell_text(value)
        if shown.startswith(FORMULA_STARTS) and len(shown) > 1 and not shown[1:].strip().isdigit():
            self.add("text-formula-like", field_key, shown, start=shown[0])
        return shown

    def required(self, field_key: str, hint: str) -> bool:
        if is_blank(self.raw(field_key)):
            self.add("required-missing", field_key, column=self.labels[field_key], hint=hint)
            return False
        return True

    def choice(self, field_key: str, voc: vocabulary.Vocabulary, hint: str = "") -> str | None:
        value = self.raw(field_key)
        if is_blank(value):
            if hint:
                self.add("required-missing", field_key, column=self.labels[field_key], hint=hint)
            return None
        found = voc.match(value)
        if found is None:
            self.add(
                "choice-invalid",
                field_key,
                value,
                column=self.labels[field_key],
                choices=", ".join(c for c in voc.choices if c),
            )
        return found

    def whole(self, field_key: str) -> int | None:
        """A whole number (0 or more), None when blank; anything else is an error at the cell."""
        value = self.raw(field_key)
        try:
            return parse_int(value)
        except ValueError:
            self.add("number-invalid", field_key, value, column=self.labels[field_key])
            return None

    def date(self, field_key: str, hint: str = "", in_year: bool = True) -> dt.date | None:
        value = self.raw(field_key)
        if is_blank(value):
            if hint:
                self.add("required-missing", field_key, column=self.labels[field_key], hint=hint)
            return None
        try:
            found = parse_date(value, self.sheet.date1904)
        except ValueError:
            swapped = swapped_date(value)
            swap = (
                f" Ngày và tháng bị đảo? Nếu là ngày {swapped.day} tháng {swapped.month} năm {swapped.year}, hãy gõ "
                f"{swapped:%d/%m/%Y}."
                if swapped
                else ""
            )
            self.add("date-invalid", field_key, value, column=self.labels[field_key], swap=swap)
            return None
        if found is not None and in_year:
            self._check_year(field_key, found)
        return found

    def _check_year(self, field_key: str, found: dt.date) -> None:
        start, end = self.year
        if start <= found <= end:
            return
        swap = ""
        if found.day <= 12 and found.day != found.month:
            swapped = dt.date(found.year, found.day, found.month)
            if start <= swapped <= end:
                swap = (
                    f" Có thể Excel kiểu Mỹ đã đảo ngày và tháng: nếu đúng là {swapped:%d/%m/%Y}, "
                    "hãy nhập lại theo dạng ngày/tháng/năm."
                )
        self.add(
            "date-outside-year",
            field_key,
            f"{found:%d/%m/%Y}",
            column=self.labels[field_key],
            start=f"{start:%d/%m/%Y}",
            end=f"{end:%d/%m/%Y}",
            swap=swap,
        )


def _identify(row: _Row, roster: Roster, file_team: Callable[[], str]) -> Person | None:
    """The roster member a row names (SPEC 5): by name key; namesakes by birth date, else by the row's Tổ, else
    by the team its file belongs to (`file_team`, asked only when needed). A row left unidentified keeps its
    team and who most likely wrote it."""
    name_hint = "họ và tên đầy đủ, đúng như danh sách CBGVNV"
    own_team = roster.team_of(row.raw("team"))
    if is_blank(row.raw("name")):
        row.team = own_team or file_team()
        row.required("name", name_hint)
        return None
    name = clean(row.raw("name"))
    birth = row.date("birth_date", in_year=False)
    candidates = roster.candidates(name)
    if not candidates:
        row.team = own_team or file_team()
        row.add("person-unknown", "name", name, suggestion=roster.suggestions(name))
        row.unmatched = roster.probable(name, row.team, row.sheet.meta.get("person", ""))
        return None
    if len(candidates) == 1:
        return _checked_birth(row, candidates[0], birth)
    same_birth = [p for p in candidates if birth and p.birth_date == birth]
    if len(same_birth) == 1:
        return same_birth[0]
    for team in (own_team, file_team()):
        in_team = [p for p in candidates if team and p.team == team]
        if len(in_team) == 1:
            return _checked_birth(row, in_team[0], birth)
    teams = tuple(dict.fromkeys(p.team for p in candidates if p.team))
    # The row's team: its Tổ, else its file's, else the namesakes' own when they share one. When they do not,
    # the issue report lists the row on each of their teams' sheets (`candidate_teams`).
    row.team = own_team or file_team() or (teams[0] if len(teams) == 1 else "")
    shown = f" ({', '.join(teams)})" if teams else ""
    row.add(
        "person-ambiguous",
        "birth_date" if birth else "name",
        name,
        count=len(candidates),
        teams=shown,
        candidate_teams=teams,
    )
    row.unmatched = [p for p in candidates if row.team and p.team == row.team] or candidates
    return None


def _checked_birth(row: _Row, person: Person, birth: dt.date | None) -> Person:
    if birth and person.birth_date and birth != person.birth_date:
        row.person = person
        row.add(
            "person-birthdate-mismatch",
            "birth_date",
            birth,
            seen=f"{birth:%d/%m/%Y}",
            expected=f"{person.birth_date:%d/%m/%Y}",
            name=person.name,
        )
    return person


def _other_year(written: str, plan: Plan) -> bool:
    """Whether a template's school-year metadata names another year than the plan's."""
    year = parse_school_year(written)
    return year != plan.school_year if year is not None else fold(written) != fold(plan.school.school_year)


def _check_sheet(sheet: RawSheet, plan: Plan, report: Report) -> bool:
    """Sheet-level checks: metadata, renamed headers, required columns. False when the sheet cannot be used."""
    meta = sheet.meta
    file, name = sheet.file, sheet.sheet
    if meta.get("school") and key(meta["school"]) != key(plan.school.name):
        report.add("template-other-school", file=file, sheet=name, seen=meta["school"], expected=plan.school.name)
    if meta.get("school_year") and _other_year(meta["school_year"], plan):
        report.add(
            "template-other-year", file=file, sheet=name, seen=meta["school_year"], expected=plan.school_year.label
        )
        return False  # last year's file dropped in by mistake: none of its rows count
    if meta.get("kind") and meta["kind"] != sheet.kind and meta["kind"] in template_fields.KIND_TITLES:
        report.add(
            "template-kind-mismatch",
            file=file,
            sheet=name,
            seen=template_fields.KIND_TITLES[meta["kind"]],
            expected=template_fields.KIND_TITLES[sheet.kind],
        )
    for seen, expected, col in sheet.header.renamed:
        report.add(
            "header-renamed", file=file, sheet=name, cell=cell_ref(sheet.header.row, col), seen=seen, expected=expected
        )
    usable = True
    for f in template_fields.fields_of(sheet.kind, plan):
        if f.required and f.key not in sheet.header.columns:
            report.add(
                "sheet-missing-column", file=file, sheet=name, cell=cell_ref(sheet.header.row, 0), column=f.label
            )
            usable = False
    if usable and not sheet.rows:
        report.add("file-empty", file=file, sheet=name)
    return usable


class Validator:
    """Sheets turned into records one at a time, as their files are read; `sink` holds all of them."""

    def __init__(self, plan: Plan, report: Report) -> None:
        self._plan, self._report = plan, report
        self._roster = Roster(plan)
        self.sink = RecordSink(plan)
        self._handlers: dict[str, Callable[[_Row, Plan, RecordSink], None]] = {
            template_fields.REGISTRATION: _registration,
            template_fields.ACTIVITY: _activity,
            template_fields.VOTE: _vote,
        }

    def add(self, sheet: RawSheet) -> None:
        plan, report, out = self._plan, self._report, self.sink
        out.mtimes[sheet.file] = sheet.mtime
        if not _check_sheet(sheet, plan, report):
            return
        labels = {f.key: f.label for f in template_fields.fields_of(sheet.kind, plan)}
        handler = self._handlers[sheet.kind]
        year = (plan.school_year.start, plan.school_year.end)
        layout = out.layout(sheet.header.columns)
        roster = self._roster
        team: list[str] = []  # the file's team, found when a row first needs it

        def file_team() -> str:
            if not team:
                team.append(path_team(sheet.file, roster.teams) or _rows_team(sheet, roster))
            return team[0]

        for index, cells in sheet.rows:
            row = _Row(sheet, index, cells, report, labels, year, layout)
            row.person = _identify(row, roster, file_team)
            if row.person is not None:
                row.key = roster.position[id(row.person)]
                if sheet.kind == template_fields.REGISTRATION:
                    out.submitted.add(row.key)
            elif sheet.kind == template_fields.REGISTRATION:
                out.unmatched.update(roster.position[id(p)] for p in row.unmatched)
            handler(row, plan, out)
            if row.errors and row.person is not None:
                out.with_errors.add(row.key)
            if row.errors:
                self._rejected(row, sheet.kind)

    def _rejected(self, row: _Row, kind: str) -> None:
        """A row left out for its errors, remembered with what a later correction of it would repeat."""
        person = row.key if row.person is not None else -1
        if person < 0 and len(row.unmatched) == 1:
            person = self._roster.position[id(row.unmatched[0])]
        if person < 0:
            return
        activity = product = ""
        if kind == template_fields.ACTIVITY:
            activity = self._plan.activity_vocabulary.match(row.raw("activity")) or ""
            product = key(cell_text(row.raw("product")))
        self.sink.rejected(kind, person, activity, product, row.place)


def _rows_team(sheet: RawSheet, roster: Roster) -> str:
    """The one team of every row of `sheet` whose name matches one roster member, or "" (none, or several)."""
    name_col = sheet.header.columns.get("name")
    teams: set[str] = set()
    for _index, cells in sheet.rows:
        value = cells[name_col] if name_col is not None and name_col < len(cells) else None
        found = roster.candidates(clean(value)) if not is_blank(value) else []
        if len(found) == 1 and found[0].team:
            teams.add(found[0].team)
            if len(teams) > 1:
                return ""
    return teams.pop() if teams else ""


def _registration(row: _Row, plan: Plan, out: RecordSink) -> None:
    title = row.choice(
        "title",
        vocabulary.TITLE_REGISTERED,
        "danh hiệu đăng ký (Lao động tiên tiến, Chiến sĩ thi đua cơ sở hoặc Không đăng ký)",
    )
    reward = row.text("reward_form")
    _check_era(row, plan, "reward_form", reward)
    initiative = row.text("initiative")
    level = row.choice(
        "initiative_level",
        vocabulary.LEVEL_INITIATIVE,
        "cấp sáng kiến (Trường, Xã, Huyện hoặc Tỉnh)" if initiative else "",
    )
    teaching_aid = row.text("teaching_aid")
    activities: list[str] = []
    for name in plan.activity_columns:
        field_key = f"activity:{name}"
        mark = vocabulary.read_mark(row.raw(field_key))
        if mark is None:
            row.add("mark-invalid", field_key, row.raw(field_key), column=name)
        elif mark:
            activities.append(name)
    date = row.date("date")
    note = row.text("note")
    if row.errors or row.person is None or title is None:
        return
    out.registration(
        row.key,
        title,
        reward_form=reward,
        initiative=initiative,
        initiative_level=level,
        teaching_aid=teaching_aid,
        activities=activities,
        date=date,
        note=note,
        place=row.place,
    )


def _activity(row: _Row, plan: Plan, out: RecordSink) -> None:
    activity = row.choice("activity", plan.activity_vocabulary, "loại hoạt động (ví dụ Sáng kiến kinh nghiệm)")
    product = row.text("product")
    needs_level = activity in (vocabulary.SKKN, vocabulary.DDDH)
    level = row.choice("level", vocabulary.LEVEL, "cấp (Trường, Xã, Huyện, Tỉnh hoặc Bộ)" if needs_level else "")
    result = row.choice("result", vocabulary.RESULT, "kết quả (ví dụ Được công nhận, Đã thực hiện)")
    date = row.date("date", "ngày đạt kết quả, dạng ngày/tháng/năm")
    decision, note = row.text("decision"), row.text("note")
    if row.errors or row.person is None or activity is None or result is None or date is None:
        return
    out.result(
        row.key,
        activity,
        result,
        date,
        product=product,
        level=level,
        decision=decision,
        note=note,
        place=row.place,
    )


def _check_era(row: _Row, plan: Plan, key: str, reward: str) -> None:
    """A form of reward that no longer exists in the school year's era (a district's Giấy khen in 2026–2027) is
    read as written, with a warning on its cell (SPEC 4.3)."""
    era = vocabulary.era_of(plan.school_year.first)
    if reward and era.outdated(reward):
        row.add("reward-form-outdated", key, reward, year=plan.school.school_year, forms="; ".join(era.reward_forms))


def _vote(row: _Row, plan: Plan, out: RecordSink) -> None:
    rating = row.choice("rating", vocabulary.RATING) or ""
    discipline = row.choice("discipline", vocabulary.DISCIPLINE) or "Không"
    title = row.choice(
        "title", vocabulary.TITLE_VOTED, "danh hiệu đạt (Lao động tiên tiến, Chiến sĩ thi đua cơ sở hoặc Không)"
    )
    # The decision may come after the school year: its date is kept as written and never dates the vote.
    decision, note = row.text("decision"), row.text("note")
    decision_date = row.date("decision_date", in_year=False)
    reward, votes_for, votes_total = row.text("reward"), row.whole("votes_for"), row.whole("votes_total")
    _check_era(row, plan, "reward", reward)
    if votes_for is not None and votes_total is not None and votes_for > votes_total:
        row.add("votes-over-total", "votes_for", votes_for, total=votes_total)
    if row.errors or row.person is None or title is None:
        return
    out.vote(
        row.key,
        title,
        rating=rating,
        discipline=discipline,
        decision=decision,
        decision_date=decision_date,
        note=note,
        reward=reward,
        votes_for=votes_for,
        votes_total=votes_total,
        place=row.place,
    )
