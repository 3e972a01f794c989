"""`thidua office init DIR`: an office workspace (SPEC 15): donvi.xlsx, thidua.toml with its [office] table, an
empty nhan/ for what the units send and output/. With `demo`, fictitious schools and what they sent."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

from thidua.core.calendar import SchoolYear, school_year_of
from thidua.errors import SETTINGS_FILE, UsageError, cannot_write
from thidua.office.settings import OUTPUT, RECEIVED, UNITS_FILE, Office, open_office, settings_text
from thidua.office.units import write_units


def create_office(
    directory: Path,
    year: SchoolYear | None = None,
    demo: bool = False,
    today: dt.date | None = None,
    say: Callable[[str], None] | None = None,
) -> Office:
    """Create the office workspace at `directory` for `year` (default: the school year holding `today`); refuse
    to overwrite one. All or nothing: a failure removes what was created."""
    if (directory / SETTINGS_FILE).exists() or (directory / UNITS_FILE).exists():
        raise UsageError(f"Thư mục {directory} đã có cấu hình thidua; thidua không ghi đè. Hãy chọn thư mục khác.")
    year = year or school_year_of(today or dt.date.today())
    existed = directory.exists()
    before = set(directory.iterdir()) if existed and directory.is_dir() else set()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        values = {}
        if demo:
            from thidua.office.demo import DEMO_OFFICE

            values = dict(DEMO_OFFICE)
        (directory / SETTINGS_FILE).write_text(settings_text(year, **values), encoding="utf-8")
        (directory / RECEIVED).mkdir(exist_ok=True)
        (directory / OUTPUT).mkdir(exist_ok=True)
        office = open_office(directory)
        if demo:
            from thidua.office.demo import write_demo

            units = write_demo(office, say or (lambda _message: None))
        else:
            units = []
        write_units(office.units_path, units)
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
