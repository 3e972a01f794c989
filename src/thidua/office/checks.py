"""What no one checks by hand across units (SPEC 15), decided here only: the same person (name and birth date)
proposed by two units, and a proposal its own unit judged short of the rule pack's conditions (the school's
`eligible` and `reasons`, never judged again here). Each finding is an issue on the nominee's row of the unit's
`_thidua` sheet, and a line in the consolidated list's conditions column."""

from __future__ import annotations

from typing import Any

import pandas as pd

from thidua.core.text import key
from thidua.office.issues import OfficeIssues


def cross_unit(nominees: pd.DataFrame, names: dict[str, str], issues: OfficeIssues) -> pd.Series:
    """Add each finding to `issues` and return, per nominee row, the findings as text ("" when none)."""
    findings = pd.Series("", index=nominees.index, dtype=object)
    if not len(nominees):
        return findings
    person = nominees["name"].map(key) + "|" + nominees["birth_date"].astype(str)
    units = nominees.groupby(person, sort=False)["unit"].unique()
    twice = units[units.map(len) > 1]
    for who, codes in twice.items():
        rows = nominees[person == who]
        shown = ", ".join(names.get(c, c) for c in codes)
        for code in codes:
            mine = rows[rows["unit"] == code]
            first = mine.iloc[0]
            issues.add(
                code,
                "office-person-twice",
                file=first["file"],
                sheet=first["sheet"],
                at=(int(first["row"]) - 1, None),
                value=first["name"],
                birth=_day(first["birth_date"]),
                units=shown,
            )
        findings[rows.index] += f"Cùng người được đề nghị ở: {shown}. "
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


def _day(value: object) -> str:
    return f"{value:%d/%m/%Y}" if hasattr(value, "strftime") else str(value)
