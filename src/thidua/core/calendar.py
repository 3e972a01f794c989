"""The school year: 1 August of its first calendar year to 31 July of the next (SPEC 10). Its months are the
months a workspace accepts; the plan's rounds and registration deadline must lie inside it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from thidua.errors import UsageError

FIRST_MONTH = 8  # a school year runs from 1 August …
VIETNAM = dt.timezone(dt.timedelta(hours=7), "UTC+07:00")  # Asia/Ho_Chi_Minh: no summer time since 1975
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


def school_year_of(day: dt.date) -> SchoolYear:
    """The school year holding `day` (8/2026 … 7/2027 → 2026–2027)."""
    return SchoolYear(day.year if day.month >= FIRST_MONTH else day.year - 1)


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


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_MONTH_WRITTEN = re.compile(r"^(?:(\d{4})\s*-\s*(\d{1,2})|(\d{1,2})\s*/\s*(\d{4}))$")  # 2022-10, 2022-1, 10/2022


def month_label(month: str) -> str:
    """'2022-05' → '05/2022' (anything else is shown as it is)."""
    found = _MONTH.match(month)
    return f"{found.group(2)}/{found.group(1)}" if found else month


def local_time(stamp: str) -> str:
    """A time stored in UTC as ISO 8601 ('2026-10-31T17:05:00+00:00') as Vietnam reads it: '01/11/2026 00:05'.
    Text that is not such a time is shown as it is."""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return f"{moment.astimezone(VIETNAM):%d/%m/%Y %H:%M}"


def parse_month(month: str) -> tuple[str, dt.date]:
    """'2022-05', '2022-5', '05/2022' or '5/2022' → ('2022-05', last day of May 2022)."""
    m = _MONTH_WRITTEN.match(month.strip())
    year, mon = (int(m.group(1) or m.group(4)), int(m.group(2) or m.group(3))) if m else (0, 0)
    if not m or not 1 <= mon <= 12 or year < 1900:
        raise UsageError(f"Tháng “{month}” không đúng dạng NĂM-THÁNG hoặc THÁNG/NĂM, ví dụ 2026-10 hoặc 10/2026.")
    first_next = dt.date(year + mon // 12, mon % 12 + 1, 1)
    return f"{year:04d}-{mon:02d}", first_next - dt.timedelta(days=1)
