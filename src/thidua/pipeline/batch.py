"""The monthly batch: plan → read → validate → merge → measure → write, outputs moved into place atomically.
From validation on, the records are pandas DataFrames (counting/frames.py)."""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from thidua import errors
from thidua.errors import ThiduaError, UsageError
from thidua.intake.read import RawSheet, Reading
from thidua.intake.repair import repair_sheets
from thidua.intake.validate import Validator
from thidua.issues import Report
from thidua.system.processes import die_with_parent, uninterrupted
from thidua.workspace.folder import Workspace, month_label, parse_month
from thidua.workspace.plan_workbook import PLAN_FILE, YEAR_CODES, read_plan

if TYPE_CHECKING:  # the counting modules (pandas) load in the background while the files are read
    from thidua.core.calendar import SchoolYear
    from thidua.core.plan import Plan
    from thidua.counting.measure import MonthResult

COUNTING = "thidua.counting.measure"  # imports the counting modules and pandas
STOPPING_IMPORT_WAIT = 2.0  # seconds a stopping batch lets the background import finish


class Progress:
    """Where a batch reports what it is doing; the default says nothing (for tests and pipes)."""

    def say(self, message: str) -> None:
        del message

    def files(self, done: int, total: int) -> None:
        del done, total

    def stage(self, name: str) -> None:
        """A stage of the batch has just finished (the benchmark times them)."""
        del name


@dataclass(frozen=True)
class Outputs:
    """Where a month's outputs live."""

    folder: Path
    dashboard: Path
    submission: Path
    issues: Path
    summary: Path
    nominations: Path  # written only for a month with year-end vote rows
    dossier: Path  # the year-end dossier's folder (SPEC 14), written with the nominations

    def written(self) -> list[Path]:
        """The workbooks the month has, in the order a user reads them."""
        found = [self.dashboard, self.submission, self.nominations, self.issues]
        return [path for path in found if path.exists()]

    def dossier_files(self) -> list[Path]:
        """The dossier's Word documents, tờ trình first, when the month has them."""
        if not self.dossier.is_dir():
            return []
        return sorted(self.dossier.glob("*.docx"), key=lambda p: (not p.name.startswith("to-trinh"), p.name))


def output_names(folder: Path, month: str) -> Outputs:
    return Outputs(
        folder,
        folder / f"tong-hop-thi-dua-{month}.xlsx",
        folder / f"bao-cao-thi-dua-{month}.xlsx",
        folder / f"danh-sach-loi-{month}.xlsx",
        folder / "summary.json",
        folder / f"de-nghi-khen-thuong-{month}.xlsx",
        folder / DOSSIER_FOLDER,
    )


DOSSIER_FOLDER = "ho-so-de-nghi"
TIMELY_FOLDER = "de-nghi-dot-xuat"  # written by `thidua propose` (pipeline.proposals), never by the run


@contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """The batch builds millions of long-lived objects and no cycles worth collecting: pausing the cyclic
    collector saves it from walking them again and again (about a third of validating at province scale)."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compute(ws: Workspace, month: str | None, progress: Progress | None = None) -> MonthResult:
    """Read, validate, merge and measure a month (None: the current month when it lies in the school year, else
    the year's last month); nothing is written. A month outside the plan's school year is a usage error."""
    with _no_gc_pauses():
        return _compute(ws, month, progress)


def with_recipient(plan: Plan, named: str) -> Plan:
    """The plan with its receiving office: Kính gửi of Thông tin chung; while that is empty, an older workspace's
    `[recipient] name` of thidua.toml (`named`, as the typed settings read it); else the managing body (SPEC 10)."""
    import dataclasses

    if plan.school.recipient:
        return plan
    school = dataclasses.replace(plan.school, recipient=named.strip() or plan.school.parent_body)
    return dataclasses.replace(plan, school=school)


def month_in_year(month: str | None, plan: Plan, today: dt.date | None = None) -> tuple[str, dt.date]:
    """The month to count ('YYYY-MM' and its last day), which must lie in the plan's school year."""
    year = plan.school_year
    if month is None:
        current = f"{today or dt.date.today():%Y-%m}"
        month = current if year.holds_month(current) else year.last_month
    month, month_end = parse_month(month)
    check_month(month, year)
    return month, month_end


def check_month(month: str, year: SchoolYear) -> None:
    """A 'YYYY-MM' month outside the school year is a usage error naming the year's first and last month."""
    if not year.holds_month(month):
        raise UsageError(
            f"Tháng {month_label(month)} nằm ngoài năm học {year.label} của tệp kế hoạch (từ tháng "
            f"{month_label(year.first_month)} đến tháng {month_label(year.last_month)}). Hãy chọn một tháng trong "
            "năm học, hoặc dùng thư mục làm việc của năm học khác (-w)."
        )


def _compute(ws: Workspace, month: str | None, progress: Progress | None = None) -> MonthResult:
    progress = progress or Progress()
    if month is not None:
        parse_month(month)  # a month written wrongly is said before any file is read
    report = Report()
    limits = ws.config.limits
    progress.say("Đang đọc các tệp đã nộp…")
    repaired, checked = Report(), Report()  # kept apart: the report lists them as if the stages ran one by one
    submissions, style = ws.submissions, ws.tone_style  # each resolves a path: asked once, not once a file
    with Reading(submissions, limits) as reading:  # files are opened on every core while the plan is read
        loading = _load_in_background(COUNTING)  # after the readers are forked: no fork while a thread imports
        try:
            plan = with_recipient(read_plan(ws.plan_path, report, style, limits), ws.config.recipient)
            month, month_end = month_in_year(month, plan)
            progress.stage("plan (read_plan)")
            validator = Validator(plan, checked)

            def check(found: list[RawSheet]) -> None:  # each file repaired and validated as soon as it is read
                for sheet in repair_sheets(found, submissions, repaired, style):
                    validator.add(sheet)

            _none, files = reading.finish(plan, report, progress.files, check)
        except BaseException:
            # Stopping (a refused plan, Ctrl+C): give the import a moment to end, never wait on it. A Ctrl+C that
            # lands inside the main thread's own import can leave an import lock held, and the thread waits on it
            # forever (seen in a test); it is a daemon, so the process ends anyway.
            loading.join(timeout=STOPPING_IMPORT_WAIT)
            raise
    loading.join()
    report.extend(repaired)
    report.extend(checked)
    from thidua.counting.frames import records_of
    from thidua.counting.judgements import vote_day
    from thidua.counting.measure import measure
    from thidua.counting.merge import merge
    from thidua.counting.rules import choose_pack
    from thidua.pipeline.history import target_history

    records = records_of(validator.sink.take(files))
    received = _received(ws, records.mtimes)
    progress.say(f"Đã đọc {len(files)} tệp; đang tổng hợp…")
    progress.stage("read + repair + validate")
    vote = vote_day(plan)
    pack = choose_pack(vote, dict(ws.config.rules), ws.root)  # the law in force on the vote's day
    if pack is None:
        report.add("rule-pack-missing", file=PLAN_FILE, value=plan.school.school_year, vote=f"{vote:%d/%m/%Y}")
    else:
        for name in pack.ignored:
            report.add("rule-override-unknown", file="thidua.toml", value=f"[rules.{name}]", pack=pack.name)
    history = target_history(ws.history_path, month, plan.school_year.first_month) if ws.history_path.exists() else {}
    merged = merge(records, plan, report, month_end)
    result = measure(plan, merged, month, month_end, report, pack=pack, history=history, received=received)
    progress.stage("merge + measure + rules")
    return result


def _received(ws: Workspace, mtimes: dict[str, float]) -> dict[str, dt.date]:
    """Files that came by e-mail (thidua collect) → the day they were received, in Vietnam's time; their receipt
    also orders resubmissions, whatever a copy of the folder did to the files' times."""
    from thidua.pipeline import history

    found: dict[str, dt.date] = {}
    for rel, came in history.received_files(ws.history_path).items() if ws.history_path.exists() else ():
        if rel in mtimes:
            when = came.received_at
            mtimes[rel] = when.timestamp()
            found[rel] = when.date()
    return found


def _load_in_background(module: str) -> threading.Thread:
    """Import `module` on a thread: pandas takes a third of a second to load, which the reading workers' time
    hides. A failure there is not lost: the batch imports the module again when it needs it, and raises then."""

    def load() -> None:
        # An import that fails here is not reported from the thread (that would print a traceback): the batch
        # imports the module again once reading is over and meets the same error in its own thread.
        with suppress(ImportError):
            importlib.import_module(module)

    thread = threading.Thread(target=load, name="thidua-import", daemon=True)
    thread.start()
    return thread


class Staging:
    """A month's output folder built beside the final one, then swapped in by two renames; until `done`, the
    previous outputs are kept aside so that `undo` can put them back (the history could not be committed)."""

    def __init__(self, final: Path) -> None:
        self.final = final
        self.folder = final.parent / f".{final.name}.tmp-{os.getpid()}"
        self.old = final.parent / f".{final.name}.old-{os.getpid()}"
        self.swapped = False
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            # The command holds the workspace lock (workspace.locked): whatever is left is a dead run's.
            for stale in sorted(final.parent.glob(f".{final.name}.*")):
                if ".old-" in stale.name and not final.exists():
                    stale.rename(final)  # killed between the two renames: the previous outputs come back
                else:
                    shutil.rmtree(stale, ignore_errors=True)
            self.folder.mkdir()
        except OSError as exc:
            raise _cannot_write(final.parent, exc) from exc

    def swap(self) -> None:
        """The new outputs in, the previous ones aside; a file of the previous ones open in another program
        (Excel on Windows refuses to let it move) stops the swap before anything changed."""
        _check_not_open(self.final)
        try:
            if self.final.exists():
                self.final.rename(self.old)
            try:
                self.folder.rename(self.final)
            except BaseException:
                if self.old.exists() and not self.final.exists():
                    self.old.rename(self.final)
                raise
        except OSError as exc:
            raise _cannot_write(self.final, exc) from exc
        self.swapped = True

    def undo(self) -> None:
        """The previous outputs back in place of the new ones."""
        if not self.swapped:
            return
        try:
            self.final.rename(self.folder)
            if self.old.exists():
                self.old.rename(self.final)
        except OSError as exc:  # e.g. Windows holding a folder just renamed: say where the previous outputs are
            raise errors.previous_outputs_not_restored(str(exc.strerror or exc), self.old) from exc
        self.swapped = False

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def done(self) -> None:
        shutil.rmtree(self.old, ignore_errors=True)


def _check_not_open(folder: Path) -> None:
    """Name the first output file that another program holds (Windows will not move a folder around it)."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            try:
                with path.open("r+b"):
                    pass
            except PermissionError as exc:
                raise errors.open_elsewhere(str(path.relative_to(folder.parent))) from exc


def _cannot_write(where: Path, error: OSError) -> ThiduaError:
    if getattr(error, "winerror", None) == 32 or isinstance(error, PermissionError):
        return errors.output_folder_held(where.name)
    return errors.write_failed(f"vào {where}", reason=str(error.strerror or error))


@contextmanager
def staged(final: Path) -> Iterator[Path]:
    """Build a folder beside `final` and swap it in only when complete; on failure the old one stays."""
    staging = Staging(final)
    try:
        yield staging.folder
        staging.swap()
    except BaseException:
        staging.discard()
        raise
    staging.done()


def write_month(
    ws: Workspace, result: MonthResult, tmp: Path, meanwhile: Callable[[], object] | None = None
) -> Outputs:
    """Write the month's dashboard, submission workbook, issue report, summary.json and return copies into the
    staging folder `tmp`; at province scale the big workbooks and the return copies are written on every core.
    `meanwhile()` is called once this process has written its share, while the other processes still write.
    Returns where they will be once swapped in."""
    from thidua.writers.dashboard import write_dashboard
    from thidua.writers.issue_report import write_issue_report
    from thidua.writers.nominations import write_nominations
    from thidua.writers.return_copies import FOLDER, copies_to_write, write_copies
    from thidua.writers.submission import write_submission
    from thidua.writers.summary_json import write_summary

    final = ws.month_dir(result.month)
    with _no_gc_pauses():
        staging = output_names(tmp, result.month)
        kept = final / TIMELY_FOLDER  # the board's ad-hoc proposals of the month stay when it is run again
        if kept.is_dir():
            shutil.copytree(kept, tmp / TIMELY_FOLDER)
        copies = copies_to_write(result, ws.submissions)
        parts = max(1, min(os.cpu_count() or 1, len(copies) // PARALLEL_COPIES_FROM))
        jobs: list[tuple[str, Callable[[], object]]] = [
            (staging.dashboard.name, lambda: write_dashboard(result, staging.dashboard)),
            (staging.submission.name, lambda: write_submission(result, staging.submission)),
            *(
                (FOLDER, functools.partial(write_copies, copies[i::parts], ws.submissions, tmp / FOLDER))
                for i in range(parts)
            ),
        ]
        parallel = len(result.persons) >= PARALLEL_WRITE_FROM or parts > 1
        with _in_parallel(jobs, parallel):
            write_issue_report(result, staging.issues)
            if result.holds_vote:  # the vote's month: its proposals go up with this month's report
                from thidua.writers.dossier import write_dossier  # python-docx and lxml: 0.1 s of imports

                write_nominations(result, staging.nominations)
                write_dossier(result, staging.dossier)
            write_summary(result, staging.summary)
            if meanwhile is not None:
                meanwhile()
    return output_names(final, result.month)


PARALLEL_WRITE_FROM = 2000  # persons; a school's month is written in one process
PARALLEL_COPIES_FROM = 8  # return copies per process


@contextmanager
def _in_parallel(jobs: list[tuple[str, Callable[[], object]]], parallel: bool = True) -> Iterator[None]:
    """Run `jobs` in forked processes (they see the month's result without copying it) while the caller writes
    the rest; any failure fails the whole write, so nothing half-written is ever swapped in. When not `parallel`,
    without fork or with one core, the jobs run here, one after another."""
    import multiprocessing

    forkable = "fork" in multiprocessing.get_all_start_methods()
    if not parallel or (os.cpu_count() or 1) < 2 or not forkable:
        for _name, job in jobs:
            job()
        yield
        return
    import gc

    gc.freeze()  # the month's objects are never collected in a child: it does not touch (and copy) their pages
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_run_in_child, args=(job, os.getpid())) for _name, job in jobs]
    for worker in workers:
        worker.start()
    try:
        yield
    except BaseException:  # stopped or failed here: the writers' work is lost anyway, do not wait for it
        for worker in workers:
            worker.terminate()
        raise
    finally:
        for worker in workers:
            worker.join()
        gc.unfreeze()
    failed = sorted({name for (name, _job), worker in zip(jobs, workers, strict=True) if worker.exitcode != 0})
    if failed:
        raise errors.outputs_not_written(failed)


def _run_in_child(job: Callable[[], object], parent: int) -> None:
    try:
        die_with_parent(parent)
        job()
    except BaseException:
        import traceback

        from thidua.system import log

        log.append(traceback.format_exc())  # appended; no room for it either: the parent's message must do
        os._exit(1)


def plan_blocks_counting(result: MonthResult) -> bool:
    """Whether the plan has errors that make the month's counts meaningless (dates outside its school year)."""
    return any(issue.code in YEAR_CODES for issue in result.issues)


def run_month(ws: Workspace, month: str, progress: Progress | None = None) -> tuple[MonthResult, Outputs | None]:
    """The monthly batch: compute, compare with the history, write every output, then record the month. When
    the plan's dates make counting meaningless, nothing is written here (None): the caller writes the check."""
    from thidua.excel.workbook import cannot_write
    from thidua.pipeline.history import pending_month

    progress = progress or Progress()
    result = compute(ws, month, progress)
    if plan_blocks_counting(result):  # SPEC 7: the issue report only, no summary, no history snapshot
        return result, None
    progress.say("Đang ghi kết quả…")
    # One month, one state: the outputs are staged and the snapshot written in an open transaction; then the
    # outputs are swapped in and the snapshot committed; if the commit fails, the previous outputs come back.
    # The snapshot's rows are written while the forked writers still write (this process waits for them
    # otherwise): at province scale their 0.07-0.09 CPU-s overlap the writing (write + history, median of 8:
    # 0.63 -> 0.58 s; 2026-12-07).
    staging = Staging(ws.month_dir(result.month))
    try:
        with ExitStack() as history:
            commits: list[Callable[[], None]] = []

            def hold_history() -> None:
                commits.append(history.enter_context(pending_month(ws.history_path, result)))

            try:
                outputs = write_month(ws, result, staging.folder, meanwhile=hold_history)
            except OSError as exc:  # a return copy or summary.json on a full disk or a folder turned read-only
                what = f"tệp {Path(exc.filename).name}" if exc.filename else f"kết quả tháng {result.month}"
                raise cannot_write(what, exc) from exc
            progress.stage("write (write_month)")
            with uninterrupted():
                staging.swap()
                try:
                    commits[0]()
                except BaseException:
                    staging.undo()
                    raise
        progress.stage("history (record_month)")
    except BaseException:
        staging.discard()
        raise
    staging.done()
    return result, outputs


def write_check(ws: Workspace, result: MonthResult) -> Path:
    """Write only the issue report of a check, in its own folder so the month's outputs stay as they were."""
    from thidua.excel.workbook import cannot_write
    from thidua.writers.issue_report import write_issue_report

    final = ws.output / f"kiem-tra-{result.month}"
    with staged(final) as tmp:
        try:
            write_issue_report(result, tmp / f"danh-sach-loi-{result.month}.xlsx")
        except OSError as exc:
            raise cannot_write(f"tệp danh-sach-loi-{result.month}.xlsx", exc) from exc
    return final / f"danh-sach-loi-{result.month}.xlsx"
