"""Cell value conversion shared by the plan and submission readers: dates, integers, text."""

from __future__ import annotations

import datetime as dt
import re

from thidua.core.text import clean, fold

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)
_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]00:00(?::00)?)?$")
_WORDS = re.compile(r"^(?:ngay\s*)?(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{2}|\d{4})$")


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and clean(value) == "")


def parse_date(value: object, date1904: bool = False) -> dt.date | None:
    """A date from a cell: real dates, Excel serials, dd/mm/yyyy, d/m/yy, yyyy-mm-dd, "ngày 4 tháng 10 năm 2021".

    `date1904`: the workbook counts serial numbers from 1904 (old Mac Excel); calamine already converts cells
    formatted as dates, so this matters only for serials in unformatted cells.
    Returns None for a blank cell; raises ValueError for anything that is not a possible date.
    """
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        # An Excel serial number in a cell without a date format (1900 date system).
        if 1 <= value < 2958466 and float(value).is_integer():
            return (_EXCEL_EPOCH_1904 if date1904 else _EXCEL_EPOCH) + dt.timedelta(days=int(value))
        raise ValueError(value)
    text = clean(value)
    order = "ymd" if _YMD.match(text) else "dmy"
    m = _DMY.match(text) or _YMD.match(text) or _WORDS.match(fold(text))
    if not m:
        raise ValueError(value)
    a, b, c = (int(g) for g in m.groups())
    day, month, year = (a, b, c) if order == "dmy" else (c, b, a)
    if year < 100:
        year += 2000 if year < 70 else 1900
    return dt.date(year, month, day)  # raises ValueError for 31/02 and friends


def swapped_date(value: object) -> dt.date | None:
    """The date a text such as "10/25/2026" means when its month and day were typed the American way round
    (no 25th month), or None when it is not such a text."""
    found = _DMY.match(clean(value)) if isinstance(value, str) else None
    if found is None:
        return None
    month, day, year = (int(g) for g in found.groups())
    if year < 100:
        year += 2000 if year < 70 else 1900
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_int(value: object) -> int | None:
    """A whole number from a cell; None when blank; ValueError otherwise."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = clean(value)
    if re.fullmatch(r"\d+", text):
        return int(text)
    raise ValueError(value)


def cell_text(value: object) -> str:
    """Display text of a cell value: numbers without a spurious .0, dates as dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%d/%m/%Y}"
    return clean(value)
