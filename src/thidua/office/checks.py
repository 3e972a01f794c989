"""What no one checks by hand across units (SPEC 15), decided here only: the same person (name and birth date)
proposed by two units, one initiative (by its title) credited to people of different units, and a proposal its own
unit judged short of the rule pack's conditions (the school's `eligible` and `reasons`, never judged again here).
Each finding is an issue on the nominee's row of the unit's `_thidua` sheet, and a line in the consolidated list's
conditions column."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from thidua.core.text import key
from thidua.counting.judgements import NAMES_SHOWN
from thidua.office.issues import OfficeIssues


def cross_unit(nominees: pd.DataFrame, names: dict[str, str], issues: OfficeIssues) -> pd.Series:
    """Add each finding to `issues` and return, per nominee row, the findings as text ("" when none)."""
    findings = pd.Series("", index=nominees.index, dtype=object)
    if not len(nominees):
        return findings
    person = nominees["name"].map(key) + "|" + nominees["birth_date"].astype(str)
    # Without a birth date two namesakes cannot be told from one person: they are not called one.
    dated = nominees["birth_date"].notna() & (nominees["birth_date"].astype(str).str.strip() != "")
    spread = nominees.groupby(person, sort=False)["unit"].transform("nunique")
    twice = nominees[(spread > 1) & dated]
    for _who, rows in twice.groupby(person[twice.index], sort=False):
        shown = ", ".join(names.get(c, c) for c in rows["unit"].unique())
        first: Any
        for first in rows.drop_duplicates("unit").itertuples(index=False):  # one issue per unit, on its first row
            issues.add(
                first.unit,
                "office-person-twice",
                file=first.file,
                sheet=first.sheet,
                at=(int(first.row) - 1, None),
                value=first.name,
                birth=_day(first.birth_date),
                units=shown,
            )
        findings.loc[rows.index] += f"Cùng người được đề nghị ở: {shown}. "
    _initiatives(nominees, person, names, issues, findings)
    short = nominees[~nominees["eligible"].astype(bool)]
    index: Any
    for index, row in short.iterrows():
        issues.add(
            row["unit"],
            "office-not-eligible",
            file=row["file"],
            sheet=row["sheet"],
            at=(int(row["row"]) - 1, None),
            value=row["name"],
            proposal=row["proposal"],
            reasons=row["reasons"] or "không ghi lý do",
        )
        findings.loc[index] += f"Đơn vị ghi chưa đủ điều kiện: {row['reasons'] or 'không ghi lý do'}. "
    return findings.str.strip()


# A qualifying work as the nomination list prints it: "Tên, cấp Xã, QĐ 12/QĐ-…", works joined by "; "
# (counting.judgements.works_text); the title is what stands before the level and the decision.
_WORK = re.compile(r"^(?P<title>.*?)(?:, cấp [^,]*)?(?:, QĐ .*)?$")


def work_titles(works: object) -> list[str]:
    """The titles of a nominee's qualifying works."""
    found = []
    for part in str(works or "").split("; "):
        match = _WORK.match(part.strip())
        if match and match.group("title").strip():
            found.append(match.group("title").strip())
    return found


def _initiatives(
    nominees: pd.DataFrame, person: pd.Series, names: dict[str, str], issues: OfficeIssues, findings: pd.Series
) -> None:
    """One issue per unit and person whose qualifying work (by title) is credited to someone of another unit."""
    credited: dict[str, list[tuple[str, str, int]]] = {}  # title key → (unit, person key, nominee row index)
    shown: dict[str, str] = {}
    for index, unit, works, who in zip(nominees.index, nominees["unit"], nominees["works"], person, strict=True):
        for title in work_titles(works):
            credited.setdefault(key(title), []).append((str(unit), str(who), index))
            shown.setdefault(key(title), title)
    for title_key, holders in credited.items():
        units = {u for u, _w, _i in holders}
        if len(units) < 2 or len({w for _u, w, _i in holders}) < 2:
            continue  # one unit (co-authors), or one person proposed by two units (found above)
        told: set[tuple[str, str]] = set()
        every = sorted(units)
        for unit, who, index in holders:
            others = _few(sorted(names.get(u, u) for u in every if u != unit))  # once per holder, not per pair
            text = f"Sáng kiến “{shown[title_key]}” cũng được tính ở: {others}. "
            if text not in str(findings[index]):
                findings[index] += text
            if (unit, who) in told:
                continue
            row: Any = nominees.loc[index]
            told.add((unit, who))
            issues.add(
                unit,
                "office-initiative-twice",
                file=row["file"],
                sheet=row["sheet"],
                at=(int(row["row"]) - 1, None),
                value=row["name"],
                title=shown[title_key],
                others=others,
            )


def _few(names: list[str]) -> str:
    """Units named in a finding: at most NAMES_SHOWN, then how many more (a title shared by hundreds of units
    would otherwise repeat every name on every row)."""
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown + (f" và {len(names) - NAMES_SHOWN} đơn vị khác" if len(names) > NAMES_SHOWN else "")


def _day(value: object) -> str:
    return f"{value:%d/%m/%Y}" if hasattr(value, "strftime") else str(value)
