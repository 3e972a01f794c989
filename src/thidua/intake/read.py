"""Reading: find the submitted spreadsheets, open each once with python-calamine, recognise each sheet's
template kind by its header labels and hand the raw rows on. Reading validates nothing."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import traceback
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import python_calamine as calamine

from thidua.core.plan import Plan
from thidua.core.text import key
from thidua.forms import report_data, template_fields
from thidua.forms.cell_values import cell_text, is_blank
from thidua.forms.headers import FoldedRows, HeaderMatch, best_possible, find_header
from thidua.intake import guard
from thidua.issues import Issue, Report, cell_ref
from thidua.system.log import FailureLog, native_output_to_log
from thidua.system.processes import worker_initializer

SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"})
_SKIPPED_SHEETS = frozenset(
    key(n) for n in (template_fields.META_SHEET, template_fields.LISTS_SHEET, template_fields.HELP_SHEET)
)
_NOT_DATA = frozenset(key(n) for n in (template_fields.LISTS_SHEET, template_fields.HELP_SHEET))  # never parsed


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
    for path in sorted(_walk(folder, report)):
        rel = path.relative_to(folder).as_posix()
        if path.name.startswith("~$") or path.name.startswith(".~lock"):
            report.add("file-skipped-lock", file=rel)
        elif path.suffix.lower() in SPREADSHEET_SUFFIXES:
            found.append(path)
        elif not path.name.startswith("."):
            report.add("file-skipped-type", file=rel, ext=path.suffix or "không có đuôi")
    return found


def _walk(folder: Path, report: Report | None = None) -> Iterator[Path]:
    """Every file below `folder`, with a stack rather than recursion (folders nested thousands deep are walked);
    links to folders and special files (pipes, devices: opening one could wait forever) noted and skipped."""

    def note(code: str, path: Path, **params: Any) -> None:
        if report is not None:
            report.add(code, file=path.relative_to(folder).as_posix(), **params)

    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as found:
                entries = sorted(found, key=lambda e: e.name)
        except OSError as exc:
            if current == folder and not folder.exists():
                return  # no submissions folder yet: nothing was submitted
            note("folder-unreadable", current, reason=_os_reason(exc))
            continue
        below: list[Path] = []
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_symlink():
                    if path.is_dir():
                        note("folder-link-skipped", path)
                    elif path.is_file() or not path.exists():
                        yield path  # a link to a file is read; a broken one is reported as a file that vanished
                    else:
                        note("file-skipped-special", path)
                elif entry.is_dir(follow_symlinks=False):
                    if not entry.name.startswith("."):
                        if path.suffix.lower() in SPREADSHEET_SUFFIXES:
                            note("folder-named-like-file", path)
                        below.append(path)
                elif entry.is_file(follow_symlinks=False):
                    yield path
                else:
                    note("file-skipped-special", path)
            except OSError as exc:
                note("folder-unreadable", path, reason=_os_reason(exc))
        pending.extend(reversed(below))  # depth first, in name order, as os.walk went


@dataclass
class SheetData:
    """One sheet as calamine read it: rows with absolute coordinates, merged ranges, visibility."""

    rows: list[list[Any]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    visible: bool = True


def load_sheets(
    source: Path | bytes,
    skip: frozenset[str] = frozenset(),
    nrows: int | None = None,
    skip_keys: frozenset[str] = frozenset(),
) -> dict[str, SheetData]:
    """Every sheet of a workbook (a path, or its bytes already read), except those named in `skip` or whose
    name's key is in `skip_keys`; at most `nrows` rows each."""
    with native_output_to_log():  # a panic of calamine's Rust code is raised here, its message logged
        return _load_sheets(source, skip, nrows, skip_keys)


def _load_sheets(
    source: Path | bytes, skip: frozenset[str], nrows: int | None, skip_keys: frozenset[str]
) -> dict[str, SheetData]:
    try:
        if isinstance(source, bytes):
            workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(source))
        else:
            workbook = calamine.CalamineWorkbook.from_path(str(source))
    except calamine.CalamineError as exc:
        raise ValueError(_reason(exc)) from exc
    try:
        visible = {m.name: m.visible == calamine.SheetVisibleEnum.Visible for m in workbook.sheets_metadata}
        sheets: dict[str, SheetData] = {}
        for name in workbook.sheet_names:
            if name in skip or (skip_keys and key(name) in skip_keys):
                continue
            sheet = workbook.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False, nrows=nrows)
            sheets[name] = SheetData(rows, list(sheet.merged_cell_ranges or []), visible.get(name, True))
        return sheets
    except calamine.CalamineError as exc:
        raise ValueError(_reason(exc)) from exc
    finally:
        workbook.close()


def open_workbook_rows(source: Path | bytes) -> dict[str, list[list[Any]]]:
    """All sheets of a workbook as rows of Python values, with absolute coordinates (row 0 is row 1)."""
    return {name: sheet.rows for name, sheet in load_sheets(source).items()}


def _fill_merged(sheet: SheetData) -> None:
    """Give every cell of a merged range the value of its first cell, as the reader of the sheet sees it.

    The ranges of a workbook saved by Excel or LibreOffice never overlap, so they fill at most every cell of the
    sheet once: that is the budget. A file whose ranges overlap past it (3,000 copies of one range over a sheet of
    50,000 × 64 cells, a 15 KB file, kept `thidua run` busy for hours) has the rest of its ranges left unfilled."""
    budget = sum(map(len, sheet.rows))
    for (r1, c1), (r2, c2) in sheet.merged:
        if r1 >= len(sheet.rows) or c1 >= len(sheet.rows[r1]):
            continue
        last_row = min(r2, len(sheet.rows) - 1)
        budget -= max(0, last_row - r1 + 1) * max(0, min(c2, len(sheet.rows[r1]) - 1) - c1 + 1)  # reversed: none
        if budget < 0:
            return
        value = sheet.rows[r1][c1]
        for r in range(r1, last_row + 1):
            row = sheet.rows[r]
            for c in range(c1, min(c2, len(row) - 1) + 1):
                row[c] = value


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "tệp đã bị xóa hoặc chuyển đi trong lúc đang đọc"
    if isinstance(exc, PermissionError):
        return "không có quyền đọc tệp (có thể tệp đang mở ở máy khác)"
    if isinstance(exc, IsADirectoryError):
        return "đây là thư mục, không phải tệp"
    return "lỗi đọc đĩa"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, calamine.PasswordError):
        return "tệp được đặt mật khẩu; hãy gỡ mật khẩu rồi gửi lại"
    if isinstance(exc, calamine.ZipError):
        return "tệp bị hỏng hoặc không phải tệp Excel thật"
    if isinstance(exc, calamine.XmlError):
        return "nội dung tệp bị hỏng"
    if "cell limit" in str(exc).lower():  # calamine's own bound on a sheet's extent (.ods, .xls)
        return (
            "trang tính có ô ở quá xa vùng số liệu nên không đọc được (đọc sẽ tốn quá nhiều bộ nhớ); hãy xóa các "
            "dòng, cột thừa ở xa"
        )
    return "định dạng không đọc được"


def _never_parsed(sheet: str) -> bool:
    return key(sheet) in _NOT_DATA


def read_meta(rows: list[list[Any]]) -> dict[str, str]:
    """Key/value metadata written by `thidua templates` on the hidden _thidua sheet."""
    return {cell_text(r[0]): cell_text(r[1]) for r in rows if len(r) >= 2 and not is_blank(r[0])}


def recognise(rows: list[list[Any]], plan: Plan, hint: str | None = None) -> tuple[str, HeaderMatch] | None:
    """The template kind and header of a sheet, judged by its header labels (the metadata only breaks ties)."""
    best: tuple[tuple[int, int, int], str, HeaderMatch] | None = None
    folded = FoldedRows(rows)
    kinds = sorted(
        (template_fields.REGISTRATION, template_fields.ACTIVITY, template_fields.VOTE), key=lambda k: k != hint
    )  # hint first
    for kind in kinds:
        fields = template_fields.fields_of(kind, plan)
        if best is not None and (*best_possible(fields), int(kind == hint)) <= best[0]:
            continue  # even a perfect header of this kind would not win
        header = find_header(rows, fields, template_fields.IDENTIFYING[kind], folded)
        if header is None:
            continue
        score = (*header.score, int(kind == hint))
        if best is None or score > best[0]:
            best = (score, kind, header)
    return (best[1], best[2]) if best else None


@dataclass
class Loaded:
    """One submitted file as the guard and calamine left it: every data sheet, what the guard saw, its mtime."""

    sheets: dict[str, SheetData]
    seen: guard.Inspection
    mtime: float


def load_submission(
    path: Path, rel: str, report: Report, limits: guard.Limits | None = None
) -> tuple[Loaded | None, str]:
    """Read one file once (its bytes, hashed for the history), guard it and parse its sheets; returns None when
    it was refused or cannot be read (the issue says why), and its SHA-256. Needs no plan, so files can be
    loaded while the plan is still being read."""
    limits = limits or guard.Limits()
    digest = ""
    try:
        stat = path.stat()
        guard.check_size(stat.st_size, limits)  # before reading a byte
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        seen = guard.inspect(data, path.suffix.lower(), limits, _never_parsed)
        sheets = load_sheets(data, seen.unread, limits.max_rows + 1, _NOT_DATA)
    except guard.Refused as refused:
        report.add(refused.code, file=rel, **refused.params)
        return None, digest
    except ValueError as exc:
        report.add("file-unreadable", file=rel, reason=str(exc))
        return None, digest
    except OSError as exc:
        report.add("file-unreadable", file=rel, reason=_os_reason(exc))
        return None, digest
    return Loaded(sheets, seen, stat.st_mtime), digest


def recognise_sheets(
    loaded: Loaded, rel: str, plan: Plan, report: Report, limits: guard.Limits | None = None
) -> list[RawSheet]:
    """The sheets of a loaded file that match a template of `plan`, with the issues of how they are built."""
    limits = limits or guard.Limits()
    seen, sheets = loaded.seen, loaded.sheets
    if seen.macros:
        report.add("file-macro", file=rel)
    for name, declared in seen.too_long.items():
        report.add("sheet-too-many-rows", file=rel, sheet=name, rows=f"{declared:,}", limit=f"{limits.max_rows:,}")
    for name, corner in seen.too_wide.items():
        report.add("sheet-too-large", file=rel, sheet=name, corner=corner)
    meta: dict[str, str] = {}
    for name, sheet in sheets.items():
        if key(name) == key(template_fields.META_SHEET):
            meta = read_meta(sheet.rows)
    if meta.get("kind") == report_data.KIND:  # a month's report put back among the staff's files: not a form
        report.add("file-is-report", file=rel)
        return []
    found: list[RawSheet] = []
    for name, sheet in sheets.items():
        if key(name) in _SKIPPED_SHEETS:
            continue
        if len(sheet.rows) > limits.max_rows:
            report.add(
                "sheet-too-many-rows", file=rel, sheet=name, rows=f"> {limits.max_rows:,}", limit=f"{limits.max_rows:,}"
            )
            continue
        recognised = recognise(sheet.rows, plan, meta.get("kind"))
        if recognised is None:
            continue
        kind, header = recognised
        _note_sheet(rel, name, sheet, header.row, seen, report)
        stt_col = header.columns.get("stt")
        body = [(index, row) for index, row in enumerate(sheet.rows) if index > header.row and _filled(row, stt_col)]
        found.append(RawSheet(rel, name, kind, header, body, meta, loaded.mtime, seen.date1904))
    if not found:
        report.add("file-not-template", file=rel)
    return found


def _filled(row: list[Any], stt_col: int | None) -> bool:
    """Whether a row has a non-blank cell besides its STT. A template's empty rows (30 of 50 in a file of 20
    staff, their STT filled in) are cells of "" as calamine gives them: counted in C first, each cell asked only
    when that does not settle it (the 1,000 files of the benchmark: recognising them 0.16 -> 0.12 CPU-s, best of 7)."""
    stt = row[stt_col] if stt_col is not None and stt_col < len(row) else ""
    empty = row.count("") + row.count(None)
    if empty == len(row) - (stt != "" and stt is not None):
        return False
    return any(not is_blank(v) for c, v in enumerate(row) if c != stt_col)


def _note_sheet(rel: str, name: str, sheet: SheetData, header_row: int, seen: guard.Inspection, report: Report) -> None:
    """Issues about how a recognised sheet is built: hidden, merged cells over data, hidden rows, formulas."""
    if not sheet.visible:
        report.add("sheet-hidden", file=rel, sheet=name)
    over_data = [m for m in sheet.merged if m[1][0] > header_row]
    if over_data:
        _fill_merged(sheet)
        shown = ", ".join(f"{cell_ref(*a)}:{cell_ref(*b)}" for a, b in over_data[:5])
        report.add("cells-merged", file=rel, sheet=name, cell=cell_ref(*over_data[0][0]), ranges=shown)
    hidden = [r for r in seen.hidden_rows.get(name, []) if r - 1 > header_row]
    if hidden:
        shown = ", ".join(map(str, hidden[:10])) + ("…" if len(hidden) > 10 else "")
        report.add("rows-hidden", file=rel, sheet=name, cell=f"{hidden[0]}:{hidden[0]}", rows=shown)
    formulas = seen.formulas.get(name, [])
    for cell, has_value in formulas:
        if not has_value:
            report.add("formula-uncalculated", file=rel, sheet=name, cell=cell)
    computed = sum(has_value for _cell, has_value in formulas)
    if computed:
        report.add("formula-cached", file=rel, sheet=name, count=computed)


def read_all(
    folder: Path,
    plan: Plan,
    report: Report,
    progress: Callable[[int, int], None] | None = None,
    limits: guard.Limits | None = None,
) -> tuple[list[RawSheet], dict[str, str]]:
    """Read every submission under `folder`: the recognised sheets, and each file read with its SHA-256.
    `progress(done, total)` is called after each file."""
    with Reading(folder, limits) as reading:
        return reading.finish(plan, report, progress)


PARALLEL_FROM = 48  # files; below this a process pool costs more than it saves
AHEAD = 1024  # files read ahead of the batch at most (`Reading._ahead`)
_UNKNOWN_DAMAGE = "tệp bị hỏng theo cách thidua chưa nhận ra"
_READER_DIED = "tệp bị hỏng đến mức chương trình đọc tệp phải dừng"
INTERNAL_ERROR = "file-internal-error"  # thidua's own code failed on a file: the file is probably fine
# What a file itself can make its reading raise, beyond what `load_submission` tells already (the guard's Refused,
# ValueError, OSError): its parser's errors (python_calamine's, and a panic of its Rust code, which pyo3 raises as
# a BaseException), a damaged zip or stream met by the guard, a file cut short, a number out of range, memory run
# out by its size. Anything else is a fault of thidua's code: logged with its traceback, the sender not blamed.
FILE_FAULTS: tuple[type[BaseException], ...] = (
    guard.Refused,
    calamine.CalamineError,
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    EOFError,
    ValueError,
    OverflowError,
    MemoryError,
    OSError,
)
_WORKER_LIMITS: guard.Limits | None = None
Job = tuple[Path, str]


@dataclass
class Done:
    """One file as its reader (perhaps a worker process) left it: what was loaded, its SHA-256, its issues, and,
    when thidua's own code failed on it, the traceback, formatted where it happened (a traceback object does not
    cross from a worker to the parent, its text does)."""

    rel: str
    loaded: Loaded | None
    digest: str
    issues: list[Issue]
    failure: str = ""


class Reading:
    """Submissions being read: started at once (on every core when there are many files, each file opened
    exactly once), while the caller reads the plan; `finish(plan, …)` recognises the sheets in file order.

    Use as a context manager: leaving it stops the workers, whatever happened in between."""

    def __init__(self, folder: Path, limits: guard.Limits | None = None) -> None:
        self._report = Report()  # discovery issues, added to the batch's report by finish()
        self._limits = limits
        paths = discover(folder, self._report)
        self._jobs: list[Job] = [(path, path.relative_to(folder).as_posix()) for path in paths]
        self._pool: Any = None
        self._results: Iterator[Done]
        self._failures = FailureLog()
        self._workers = min(os.cpu_count() or 1, 8)
        if len(self._jobs) < PARALLEL_FROM or self._workers < 2:
            _init_worker(limits)
            self._results = map(_load_one, self._jobs)
            return
        self._pool = self._new_pool(self._workers)
        chunk = max(1, min(64, len(self._jobs) // (self._workers * 8)))
        self._results = self._ahead(chunk)

    def _new_pool(self, workers: int) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        methods = multiprocessing.get_all_start_methods()  # fork where there is one: the workers' parent is us
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        start = (_init_worker, os.getpid(), self._limits)
        return ProcessPoolExecutor(workers, mp_context=context, initializer=worker_initializer, initargs=start)

    def _isolated(self, job: Job) -> Done:
        """One file read on a pool of its own; when the reader dies on it, the file is reported unreadable."""
        from concurrent.futures.process import BrokenProcessPool

        pool = self._new_pool(1)
        try:
            return pool.submit(_load_one, job).result()
        except BrokenProcessPool:
            local = Report()
            local.add("file-unreadable", file=job[1], reason=_READER_DIED)
            return Done(job[1], None, "", list(local))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _ahead(self, chunk: int) -> Iterator[Done]:
        """Each file's result in file order, read on the pool at most AHEAD files ahead of the one the caller
        takes. The first AHEAD files are submitted here and now (the pool forks its workers at the first
        submission: before the batch starts its import thread, and so that files are read while the plan is):
        what is read then waits in this process until the plan is ready, and `Executor.map`, which submits every
        file at once, let thousands of files' rows pile up here while a 200,000-person plan (the benchmark's
        10,000 files, about 6 s) was read. A month of up to AHEAD files is all read ahead, as before."""
        batches = iter([self._jobs[i : i + chunk] for i in range(0, len(self._jobs), chunk)])
        window = max(1, AHEAD // chunk)
        pending = deque((self._pool.submit(_load_some, batch), batch) for batch in islice(batches, window))
        return self._in_order(pending, batches)

    def _in_order(self, pending: deque[tuple[Any, list[Job]]], batches: Iterator[list[Job]]) -> Iterator[Done]:
        """The results of the submitted batches in order, each taken one submitting the next. When a reader dies
        (its parser aborted on a file, or the system took its memory), the pool is broken and every batch in
        flight with it: those are read again on a new pool, the dead one file by file on a process each, and the
        file its reader dies on again is reported unreadable; the month goes on."""
        from concurrent.futures.process import BrokenProcessPool

        while pending:
            future, batch = pending.popleft()
            try:
                found = future.result()
            except BrokenProcessPool:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = self._new_pool(self._workers)
                found = [self._isolated(job) for job in batch]
                pending = deque((self._pool.submit(_load_some, again), again) for _future, again in pending)
            following = next(batches, None)
            if following is not None:
                pending.append((self._pool.submit(_load_some, following), following))
            yield from found

    def __enter__(self) -> Reading:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self._pool is None:
            return
        if exc_type is None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            return
        # Stopped or failed: what the workers read is not wanted any more, and waiting on a pool that a Ctrl+C
        # may have caught mid-call can hang. End the workers, then the pool (Python 3.14 has a method for it).
        workers = list(getattr(self._pool, "_processes", {}).values())
        for worker in workers:
            worker.terminate()
        self._pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.join(timeout=10)

    def finish(
        self,
        plan: Plan,
        report: Report,
        progress: Callable[[int, int], None] | None = None,
        each: Callable[[list[RawSheet]], object] | None = None,
    ) -> tuple[list[RawSheet], dict[str, str]]:
        """Every file's recognised sheets, in file order, and each file's SHA-256. `each(sheets)` is called
        with one file's sheets as soon as it is read (the next stages run while the workers go on reading); the
        sheets handed to it are not kept (none are returned): they held every file's raw rows to the end of
        the read (1,000 files: the batch's peak 163 -> 153.5 MiB; 10,000 files: 738 -> 684 MiB, 2026-12-07)."""
        report.extend(self._report)
        sheets: list[RawSheet] = []
        files: dict[str, str] = {}
        for done, outcome in enumerate(self._results, start=1):
            files[outcome.rel] = outcome.digest
            report.extend(outcome.issues)
            if outcome.failure:
                _our_fault(outcome.rel, outcome.failure, report, self._failures)
            elif outcome.loaded is not None:
                found = _recognise_guarded(outcome.loaded, outcome.rel, plan, report, self._limits, self._failures)
                if each is None:
                    sheets.extend(found)
                elif found:
                    each(found)
            if progress is not None:
                progress(done, len(self._jobs))
        return sheets, files


def _init_worker(limits: guard.Limits | None) -> None:
    global _WORKER_LIMITS
    _WORKER_LIMITS = limits


def _load_some(jobs: list[Job]) -> list[Done]:
    return [_load_one(job) for job in jobs]


def caused_by_file(error: BaseException) -> bool:
    """Whether reading a file raised this because of the file (its parser's errors, a panic of calamine's Rust
    code, damage met by the guard), not because of a fault of thidua's own code."""
    return isinstance(error, FILE_FAULTS) or type(error).__name__ == "PanicException"


def _load_one(job: Job) -> Done:
    """Load one file (in a worker process when there are many); whatever fails stops this file only."""
    path, rel = job
    local = Report()
    try:
        loaded, digest = load_submission(path, rel, local, _WORKER_LIMITS)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        if not caused_by_file(exc):  # a fault of ours: the parent logs it and says so
            return Done(rel, None, "", [], traceback.format_exc())
        local = Report()
        local.add("file-unreadable", file=rel, reason=_UNKNOWN_DAMAGE)  # a parser failure nobody foresaw
        return Done(rel, None, "", list(local))
    return Done(rel, loaded, digest, list(local))


def _recognise_guarded(
    loaded: Loaded, rel: str, plan: Plan, report: Report, limits: guard.Limits | None, failures: FailureLog
) -> list[RawSheet]:
    """Recognise a loaded file's sheets. The file was parsed already: a failure here is our code's, whatever the
    file holds; it is logged and said, and the batch goes on."""
    local = Report()
    try:
        found = recognise_sheets(loaded, rel, plan, local, limits)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:
        _our_fault(rel, traceback.format_exc(), report, failures)
        return []
    report.extend(local)
    return found


def _our_fault(rel: str, trace: str, report: Report, failures: FailureLog) -> None:
    """thidua's own code failed on a file: the traceback goes to the log, the issue tells the board the file is
    probably fine and to send the log to whoever supports thidua."""
    log = failures.record(f"thidua gặp lỗi khi đọc tệp {rel}", trace)
    report.add(INTERNAL_ERROR, file=rel, log=str(log))
