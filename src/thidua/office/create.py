"""`thidua office init DIR`: an office workspace (SPEC 15): donvi.xlsx, thidua.toml with its [office] table, an
empty nhan/ for what the units send and output/. With `demo`, fictitious schools and what they sent."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

from thidua.core.calendar import SchoolYear, school_year_of
from thidua.errors import SETTINGS_FILE, UsageError, cannot_write
from thidua.office.last_year import carried_settings, carry_units, open_previous
from thidua.office.settings import OUTPUT, RECEIVED, UNITS_FILE, Office, open_office, settings_text
from thidua.office.units import write_units


def create_office(
    directory: Path,
    year: SchoolYear | None = None,
    demo: bool = False,
    today: dt.date | None = None,
    say: Callable[[str], None] | None = None,
    source: Path | None = None,
) -> Office:
    """Create the office workspace at `directory` for `year` (default: the school year holding `today`, or the
    year after `source`'s); refuse to overwrite one. With `source` (last year's office workspace) its units and
    settings are carried over (office.last_year). All or nothing: a failure removes what was created."""
    if (directory / SETTINGS_FILE).exists() or (directory / UNITS_FILE).exists():
        raise UsageError(f"Thư mục {directory} đã có cấu hình thidua; thidua không ghi đè. Hãy chọn thư mục khác.")
    old = open_previous(source) if source is not None else None
    if old is not None and demo:
        raise UsageError("Chỉ dùng một trong hai: --from (chuyển từ năm trước) hoặc --demo (các trường mẫu).")
    if old is not None and year is None:
        year = SchoolYear(old.school_year.first + 1)
    year = year or school_year_of(today or dt.date.today())
    if old is not None and year.first <= old.school_year.first:
        raise UsageError(f"Năm học mới ({year.label}) phải sau năm học {old.school_year.label} của thư mục {old.root}.")
    existed = directory.exists()
    before = set(directory.iterdir()) if existed and directory.is_dir() else set()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        values = {}
        if demo:
            from thidua.office.demo import DEMO_OFFICE

            values = dict(DEMO_OFFICE)
        text = carried_settings(old, year) if old is not None else settings_text(year, **values)
        (directory / SETTINGS_FILE).write_text(text, encoding="utf-8")
        (directory / RECEIVED).mkdir(exist_ok=True)
        (directory / OUTPUT).mkdir(exist_ok=True)
        office = open_office(directory)
        if demo:
            from thidua.office.demo import write_demo

            units = write_demo(office, say or (lambda _message: None))
            write_units(office.units_path, units)
        elif old is not None:
            carry_units(old, directory)
        else:
            write_units(office.units_path, [])
    except BaseException as exc:
        _remove_created(directory, existed, before)
        if isinstance(exc, OSError):
            raise cannot_write(f"thư mục {directory}", exc) from exc
        raise
    return office


def _remove_created(directory: Path, existed: bool, before: set[Path]) -> None:
    if not existed:
        shutil.rmtree(directory, ignore_errors=True)
        return
    for path in set(directory.iterdir()) - before:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
