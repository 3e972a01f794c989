"""What the units sent (SPEC 15): every file under nhan/, matched to its unit by the folder it lies in (nhan/<mã
đơn vị>/…, any depth) or by the school named in its `_thidua` sheet, and each thidua report read through that
sheet only, whichever program re-saved it. Every file passes the intake guard first (size, zip bombs, XML
declarations, far sheets) and only the `_thidua` sheet is parsed; nothing received is modified. A problem is an
issue naming the file and the sheet, never an exception."""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as calamine

from thidua.core.calendar import VIETNAM, parse_school_year
from thidua.core.text import clean, fold, key
from thidua.forms.report_data import COLLECTIVES, KIND, NOMINATIONS, NOMINEES, READABLE_VERSIONS, SHEET, TARGETS
from thidua.intake import guard
from thidua.intake.read import caused_by_file
from thidua.office.foreign import ForeignList, read_list
from thidua.office.reading import pooled
from thidua.office.units import Unit
from thidua.system.log import FailureLog, native_output_to_log

DATA_SHEET = SHEET  # the report's hidden figures (forms.report_data: the one statement of their format)
NOT_REPORT = "office-not-report"
SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
# thidua's own outputs a school may send beside its report: their figures are in the report's `_thidua` sheet,
# so they are kept and not read again. Its nomination list is read (office.foreign): it is set against the report.
COMPANIONS = ("tong-hop-thi-dua-", "danh-sach-loi-")


@dataclass(frozen=True)
class UnitReport:
    """One report's `_thidua` sheet, read: its head (school, school_year, month, as_of, recipient, rule_pack) and
    its sections as records (targets; at year end nominations and nominees), each record with its sheet row."""

    head: dict[str, str]
    targets: list[dict[str, Any]]
    nominations: dict[str, int] | None
    nominees: list[dict[str, Any]]
    collectives: list[dict[str, Any]] = field(default_factory=list)  # the collective titles proposed


@dataclass
class Received:
    """One file under nhan/: where it is, whose it is, when it came, and its report when it is one."""

    path: Path
    rel: str  # relative to the office workspace, as issues name it
    unit: str  # the unit's code ("" while unknown)
    received: dt.datetime  # the file's time, in Vietnam's time (the date it was saved into nhan/)
    report: UnitReport | None = None
    listed: ForeignList | None = None  # a nomination list read by its header labels (office.foreign)
    issues: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (code, parameters) of this file

    @property
    def month(self) -> str:
        return self.report.head.get("month", "") if self.report else ""


def walk(folder: Path) -> Iterator[Path]:
    """Every regular file under `folder`, in a stable order; links and Excel's lock files are left alone."""
    if not folder.is_dir():
        return
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not (Path(root) / d).is_symlink())
        for name in sorted(files):
            path = Path(root) / name
            if name.startswith("~$") or path.is_symlink() or not path.is_file():
                continue
            yield path


def receive(office_root: Path, folder: Path, units: Sequence[Unit], limits: guard.Limits) -> list[Received]:
    """Every spreadsheet received, read, and matched to its unit (by folder, else by the school's name)."""
    by_code = {key(u.code): u.code for u in units}
    by_name = {key(u.name): u.code for u in units}
    found = []
    failures = FailureLog()
    # a dossier's Word files, a scanned PDF, thidua's other outputs: kept, not read
    paths = [p for p in walk(folder) if p.suffix.lower() in SPREADSHEETS and not p.name.lower().startswith(COMPANIONS)]
    with pooled(_read_one, [(p, limits) for p in paths]) as reports:  # in parallel, in file order
        for path, (report, listed, issues) in zip(paths, reports, strict=True):
            parts = path.relative_to(folder).parts
            unit = next((by_code[key(p)] for p in parts[:-1] if key(p) in by_code), "")
            moment = dt.datetime.fromtimestamp(path.stat().st_mtime, VIETNAM)
            rel = path.relative_to(office_root).as_posix()
            issues = [_logged(rel, code, params, failures) for code, params in issues]
            item = Received(path, rel, unit, moment, report, listed, issues)
            found.append(_matched(item, by_name))
    return found


def _matched(item: Received, by_name: dict[str, str]) -> Received:
    """A file not under a unit's folder is matched by the school its report (or its list's heading) names."""
    if not item.unit and item.listed is not None:
        item.unit = next((by_name[key(t)] for t in item.listed.heading if key(t) in by_name), "")
    if not item.unit and item.report is not None:
        item.unit = by_name.get(key(item.report.head.get("school", "")), "")
    if not item.unit and (not item.issues or item.listed is not None):
        school = item.report.head.get("school", "") if item.report else ""
        heading = item.listed.heading if item.listed else []
        school = school or next((t for t in heading if fold(t).startswith("truong ")), "")
        item.issues.append(("office-unknown-unit", {"school": school or "—"}))
    return item


INTERNAL_ERROR = "file-internal-error"


def _logged(rel: str, code: str, params: dict[str, Any], failures: FailureLog) -> tuple[str, dict[str, Any]]:
    """A failure of thidua's own code on a file (its traceback, formatted where it happened) written to the log
    and said as the school's intake says it: the file is probably fine, the run goes on."""
    if code != INTERNAL_ERROR or "trace" not in params:
        return code, params
    log = failures.record(f"thidua gặp lỗi khi đọc tệp {rel} (tổng hợp của cơ quan)", str(params["trace"]))
    return code, {"log": str(log)}


def _read_one(
    job: tuple[Path, guard.Limits],
) -> tuple[UnitReport | None, ForeignList | None, list[tuple[str, dict[str, Any]]]]:
    """One received file's report, or the nomination list it is when it is no thidua report (a list made without
    thidua, read by its header labels), and its issues (in a reading worker when there are many files). What a file
    can make its reading raise is an issue already; anything else is a fault of thidua's code on this file: it
    becomes an issue on the file (with the traceback for the log) and the other files are read."""
    try:
        return _read_received(*job)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:
        return None, None, [(INTERNAL_ERROR, {"trace": traceback.format_exc()})]


def _read_received(
    path: Path, limits: guard.Limits
) -> tuple[UnitReport | None, ForeignList | None, list[tuple[str, dict[str, Any]]]]:
    issues: list[tuple[str, dict[str, Any]]] = []
    report = read_report(path, limits, issues)
    if report is None and issues == [(NOT_REPORT, {})]:
        cells: list[tuple[str, dict[str, Any]]] = []
        listed = read_list(path, limits, cells)
        if listed is not None:
            return None, listed, cells
    return report, None, issues


def read_report(path: Path, limits: guard.Limits, issues: list[tuple[str, dict[str, Any]]]) -> UnitReport | None:
    """The `_thidua` sheet of a received workbook, guarded; None (and an issue) when it is not a readable report."""
    try:
        guard.check_size(path.stat().st_size, limits)
        data = path.read_bytes()
        seen = guard.inspect(data, path.suffix.lower(), limits, lambda sheet: key(sheet) != key(DATA_SHEET))
        if seen.unread & {DATA_SHEET}:
            too_long = seen.too_long.get(DATA_SHEET)
            if too_long is not None:
                issues.append(
                    (
                        "sheet-too-many-rows",
                        {"sheet": DATA_SHEET, "rows": f"{too_long:,}", "limit": f"{limits.max_rows:,}"},
                    )
                )
            else:
                issues.append(("sheet-too-large", {"sheet": DATA_SHEET, "corner": seen.too_wide.get(DATA_SHEET, "")}))
            return None
        rows = _data_rows(data, limits.max_rows + 1)
    except guard.Refused as refused:
        issues.append((refused.code, refused.params))
        return None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a parser's error or a panic of its Rust code; a fault of ours goes on up
        if not caused_by_file(exc):
            raise
        issues.append(("file-unreadable", {"reason": _reason(exc)}))
        return None
    if rows is None:
        issues.append((NOT_REPORT, {}))
        return None
    try:
        return parse(rows)
    except ValueError as exc:
        issues.append(("office-report-damaged", {"sheet": DATA_SHEET, "detail": str(exc)}))
        return None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return "không mở được tệp trên đĩa"
    if isinstance(exc, calamine.PasswordError):
        return "tệp có mật khẩu"
    return "tệp bị hỏng hoặc không phải tệp bảng tính thật"


def _data_rows(data: bytes, nrows: int) -> list[list[Any]] | None:
    """The `_thidua` sheet's rows (None: the workbook has no such sheet)."""
    with native_output_to_log():  # a panic of calamine's Rust code is raised here, its message logged
        workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            name = next((n for n in workbook.sheet_names if key(n) == key(DATA_SHEET)), None)
            if name is None:
                return None
            rows: list[list[Any]] = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=nrows)
            return rows
        finally:
            workbook.close()


def _blank(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _text(value: object) -> str:
    """A head value as text: a version or count re-saved as a number (1.0) reads as "1"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    return clean(value)


def parse(rows: list[list[Any]]) -> UnitReport:
    """Version 1 of the sheet (writers.data_sheet): key/value pairs, a blank row, then each section: its name in
    column A, a header row of keys, its records until a blank row. A record keeps its 1-based sheet row."""
    rows = [["" if _blank(v) else v for v in r] for r in rows]
    head: dict[str, str] = {}
    i = 0
    while i < len(rows) and any(v != "" for v in rows[i]):
        row = rows[i]
        head[_text(row[0])] = _text(row[1]) if len(row) > 1 else ""
        i += 1
    if head.get("kind") != KIND:
        raise ValueError(f"ô A1 phải là kind, B1 là {KIND}")
    if head.get("version") not in READABLE_VERSIONS:
        raise ValueError(f"phiên bản {head.get('version') or 'trống'} chưa được hỗ trợ")
    for needed in ("school", "school_year", "month"):
        if not head.get(needed):
            raise ValueError(f"thiếu {needed}")
    sections: dict[str, list[dict[str, Any]]] = {}
    while i < len(rows):
        if not any(v != "" for v in rows[i]):
            i += 1
            continue
        name = _text(rows[i][0])
        if i + 1 >= len(rows):
            raise ValueError(f"mục {name} ở dòng {i + 1} không có dòng tiêu đề")
        keys = [_text(k) for k in rows[i + 1]]
        i += 2
        records = []
        while i < len(rows) and any(v != "" for v in rows[i]):
            record: dict[str, Any] = {k: (rows[i][j] if j < len(rows[i]) else "") for j, k in enumerate(keys) if k}
            record["_row"] = i + 1
            records.append(record)
            i += 1
        sections[name] = records
    if TARGETS not in sections:
        raise ValueError("không có mục targets")
    for record in sections[TARGETS]:
        if not _text(record.get("code")):
            raise ValueError(f"chỉ tiêu ở dòng {record['_row']} không có mã")
    counts = None
    if NOMINATIONS in sections:
        counts = {_text(r.get("proposal")): _count(r.get("count"), r["_row"]) for r in sections[NOMINATIONS]}
    return UnitReport(head, sections[TARGETS], counts, sections.get(NOMINEES, []), sections.get(COLLECTIVES, []))


def _count(value: object, row: int) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"số ở dòng {row} không phải số nguyên") from None


def same_year(text: str, label: str) -> bool:
    found = parse_school_year(text)
    return found is not None and found.label == label
