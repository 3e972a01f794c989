"""The school year: 1 August of its first calendar year to 31 July of the next (SPEC 10). Its months are the
months a workspace accepts; the plan's rounds and registration deadline must lie inside it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

FIRST_MONTH = 8  # a school year runs from 1 August …
_YEAR = re.compile(r"^\s*(\d{4})\s*(?:[-–—/]\s*(\d{4}))?\s*$")


@dataclass(frozen=True)
class SchoolYear:
    first: int  # the calendar year in which it starts

    @property
    def start(self) -> dt.date:
        return dt.date(self.first, FIRST_MONTH, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.first + 1, FIRST_MONTH, 1) - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.first}–{self.first + 1}"

    @property
    def first_month(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def last_month(self) -> str:
        return f"{self.end:%Y-%m}"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def holds_month(self, month: str) -> bool:
        """Whether a 'YYYY-MM' month lies inside the year."""
        return self.first_month <= month <= self.last_month

    def shifted(self, years: int) -> SchoolYear:
        return SchoolYear(self.first + years)


def parse_school_year(text: object) -> SchoolYear | None:
    """'2025–2026', '2025-2026', '2025 - 2026' or '2025' → the year starting in 2025; None when it is not one
    (two years that do not follow each other included)."""
    found = _YEAR.match(str(text or ""))
    if found is None:
        return None
    first = int(found.group(1))
    if found.group(2) and int(found.group(2)) != first + 1:
        return None
    return SchoolYear(first) if 1900 <= first <= 2200 else None


def moved(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
