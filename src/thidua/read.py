"""Reading: find the submitted spreadsheets, open each once with python-calamine, recognise each sheet's
template kind by its header labels and hand the raw rows on. Reading validates nothing."""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as calamine

from thidua import schema
from thidua.issues import Report
from thidua.model import Plan
from thidua.tables import HeaderMatch, find_header
from thidua.text import key
from thidua.values import cell_text, is_blank

SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"})
_SKIPPED_SHEETS = frozenset(key(n) for n in (schema.META_SHEET, schema.LISTS_SHEET, schema.HELP_SHEET))


@dataclass
class RawSheet:
    """One recognised sheet of one submitted file: its kind, header and the non-blank rows below it."""

    file: str  # path relative to the submissions folder, with forward slashes
    sheet: str
    kind: str
    header: HeaderMatch
    rows: list[tuple[int, list[Any]]]  # (0-based row index in the sheet, cells)
    meta: dict[str, str] = field(default_factory=dict)
    mtime: float = 0.0
    date1904: bool = False


def discover(folder: Path, report: Report) -> list[Path]:
    """Every spreadsheet under `folder` (any depth, sorted); lock files and other files noted and skipped."""
    found: list[Path] = []
    for path in sorted(_walk(folder)):
        rel = path.relative_to(folder).as_posix()
        if path.name.startswith("~$") or path.name.startswith(".~lock"):
            report.add("file-skipped-lock", file=rel)
        elif path.suffix.lower() in SPREADSHEET_SUFFIXES:
            found.append(path)
        elif not path.name.startswith("."):
            report.add("file-skipped-type", file=rel, ext=path.suffix or "không có đuôi")
    return found


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            path = Path(root) / name
            if path.is_file():
                yield path


def open_workbook_rows(source: Path | bytes) -> dict[str, list[list[Any]]]:
    """All sheets of a workbook (a path, or its bytes already read) as rows of Python values, with absolute
    coordinates (row 0 is row 1)."""
    try:
        if isinstance(source, bytes):
            workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(source))
        else:
            workbook = calamine.CalamineWorkbook.from_path(str(source))
    except calamine.CalamineError as exc:
        raise ValueError(_reason(exc)) from exc
    try:
        return {
            name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in workbook.sheet_names
        }
    except calamine.CalamineError as exc:
        raise ValueError(_reason(exc)) from exc
    finally:
        workbook.close()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, calamine.PasswordError):
        return "tệp được đặt mật khẩu; hãy gỡ mật khẩu rồi gửi lại"
    if isinstance(exc, calamine.ZipError):
        return "tệp bị hỏng hoặc không phải tệp Excel thật"
    if isinstance(exc, calamine.XmlError):
        return "nội dung tệp bị hỏng"
    return "định dạng không đọc được"


_DATE1904 = re.compile(rb"<(?:\w+:)?workbookPr\b[^>]*\bdate1904=\"(?:1|true)\"")


def uses_1904_dates(data: bytes) -> bool:
    """True when an xlsx/xlsm workbook counts dates from 1904 (read from xl/workbook.xml, bounded)."""
    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("xl/workbook.xml") as part:
            return bool(_DATE1904.search(part.read(1 << 16)))
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def read_meta(rows: list[list[Any]]) -> dict[str, str]:
    """Key/value metadata written by `thidua templates` on the hidden _thidua sheet."""
    return {cell_text(r[0]): cell_text(r[1]) for r in rows if len(r) >= 2 and not is_blank(r[0])}


def recognise(rows: list[list[Any]], plan: Plan, hint: str | None = None) -> tuple[str, HeaderMatch] | None:
    """The template kind and header of a sheet, judged by its header labels (the metadata only breaks ties)."""
    best: tuple[tuple[int, int, int], str, HeaderMatch] | None = None
    for kind in (schema.REGISTRATION, schema.ACTIVITY, schema.VOTE):
        header = find_header(rows, schema.fields_of(kind, plan), schema.IDENTIFYING[kind])
        if header is None:
            continue
        score = (*header.score, int(kind == hint))
        if best is None or score > best[0]:
            best = (score, kind, header)
    return (best[1], best[2]) if best else None


def read_submission(path: Path, rel: str, plan: Plan, report: Report) -> tuple[list[RawSheet], str]:
    """Read one file once (its bytes, hashed for the history) and return its recognised sheets and its SHA-256;
    problems become issues, never exceptions."""
    digest = ""
    try:
        mtime = path.stat().st_mtime
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        sheets = open_workbook_rows(data)
    except ValueError as exc:
        report.add("file-unreadable", file=rel, reason=str(exc))
        return [], digest
    except OSError as exc:
        report.add("file-unreadable", file=rel, reason=exc.strerror or "không đọc được tệp")
        return [], digest
    meta: dict[str, str] = {}
    date1904 = uses_1904_dates(data)
    for name, rows in sheets.items():
        if key(name) == key(schema.META_SHEET):
            meta = read_meta(rows)
    found: list[RawSheet] = []
    for name, rows in sheets.items():
        if key(name) in _SKIPPED_SHEETS:
            continue
        recognised = recognise(rows, plan, meta.get("kind"))
        if recognised is None:
            continue
        kind, header = recognised
        stt_col = header.columns.get("stt")
        body = [
            (index, row)
            for index, row in enumerate(rows)
            if index > header.row and any(not is_blank(v) for c, v in enumerate(row) if c != stt_col)
        ]
        found.append(RawSheet(rel, name, kind, header, body, meta, mtime, date1904))
    if not found:
        report.add("file-not-template", file=rel)
    return found, digest


def read_all(
    folder: Path, plan: Plan, report: Report, progress: Callable[[int, int], None] | None = None
) -> tuple[list[RawSheet], dict[str, str]]:
    """Read every submission under `folder`: the recognised sheets, and each file read with its SHA-256.
    `progress(done, total)` is called after each file."""
    sheets: list[RawSheet] = []
    files: dict[str, str] = {}
    paths = discover(folder, report)
    for done, path in enumerate(paths, start=1):
        rel = path.relative_to(folder).as_posix()
        found, files[rel] = read_submission(path, rel, plan, report)
        sheets.extend(found)
        if progress is not None:
            progress(done, len(paths))
    return sheets, files
