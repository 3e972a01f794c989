"""`thidua init`: a new workspace for a school year, from the embedded default or from last year's workspace."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
from pathlib import Path

from thidua.core.calendar import SchoolYear, moved, parse_school_year, school_year_of
from thidua.core.plan import CollectiveTitle, Plan, Round
from thidua.errors import UsageError, cannot_write
from thidua.workspace import default_plan
from thidua.workspace.folder import DEFAULT_SETTINGS, SETTINGS_FILE, Workspace, open_workspace
from thidua.workspace.plan_workbook import PLAN_FILE, write_plan


def year_option(text: str | None) -> SchoolYear | None:
    """--school-year 2026-2027 → the school year; a usage error naming the expected form."""
    if text is None:
        return None
    year = parse_school_year(text)
    if year is None:
        raise UsageError(f"Năm học “{text}” không đúng dạng NĂM-NĂM SAU, ví dụ --school-year 2026-2027.")
    return year


def _move_plan(plan: Plan, years: int, demo: bool) -> Plan:
    """Every date of the plan's year `years` later (rounds, deadline, collective decisions); the year named in
    the texts follows. Birth dates stay; the demo's recruitment dates move with the year they are about."""
    if years == 0:
        return plan
    old, new = plan.school_year, plan.school_year.shifted(years)

    def words(text: str) -> str:
        for before, after in ((old.label, new.label), (f"{old.first}-{old.first + 1}", f"{new.first}-{new.first + 1}")):
            text = text.replace(before, after)
        return text

    school = dataclasses.replace(
        plan.school,
        school_year=new.label,
        registration_deadline=moved(plan.school.registration_deadline, years),
        vote_day=moved(plan.school.vote_day, years) if plan.school.vote_day else None,
        movement=words(plan.school.movement),
    )
    rounds = tuple(Round(r.name, moved(r.start, years), moved(r.end, years), words(r.focus)) for r in plan.rounds)
    collectives = tuple(dataclasses.replace(c, date=moved(c.date, years) if c.date else None) for c in plan.collectives)
    roster = plan.roster
    if demo:
        roster = tuple(
            dataclasses.replace(p, recruited=moved(p.recruited, years))
            if p.recruited and p.recruited >= old.start - dt.timedelta(days=365)
            else p
            for p in plan.roster
        )
    return Plan(school, plan.targets, rounds, collectives, roster)


def _for_commune(plan: Plan) -> Plan:
    """The receiving office and the district-level targets of the seed worded for the commune (SPEC 10)."""
    school = dataclasses.replace(plan.school, **default_plan.COMMUNE_SCHOOL)
    collectives = tuple(
        dataclasses.replace(c, title=c.title.replace("LĐLĐ huyện", "công đoàn cấp trên")) for c in plan.collectives
    )
    targets = tuple(
        dataclasses.replace(t, **default_plan.COMMUNE_TARGETS[t.code]) if t.code in default_plan.COMMUNE_TARGETS else t
        for t in plan.targets
    )
    return dataclasses.replace(plan, school=school, targets=targets, collectives=collectives)


def _without_seed_identity(plan: Plan) -> Plan:
    """The plan with blanks ("…", empty names) where the seed's school was: name, managing body, province, place,
    symbol, recipient lines, signatory and preparer, and the school's own row among the collective titles."""
    school = dataclasses.replace(plan.school, **default_plan.BLANK_SCHOOL)
    seed_name = default_plan.SCHOOL.name
    collectives = tuple(
        dataclasses.replace(c, unit=school.name) if c.unit == seed_name else c for c in plan.collectives
    )
    targets = tuple(
        dataclasses.replace(t, **default_plan.BLANK_TARGETS[t.code]) if t.code in default_plan.BLANK_TARGETS else t
        for t in plan.targets
    )
    return dataclasses.replace(plan, school=school, targets=targets, collectives=collectives)


def _unregistered(collectives: tuple[CollectiveTitle, ...]) -> tuple[CollectiveTitle, ...]:
    return tuple(dataclasses.replace(c, registered=False, result=None, decision="", date=None) for c in collectives)


def starting_plan(year: SchoolYear | None, demo: bool) -> Plan:
    """The embedded default for a school year: the seed's targets and rounds; with --demo the seed's fictitious
    school, its people and results; without it nothing of the seed's school (blanks to fill in), an empty
    roster, no signatory or preparer and the collective titles without registrations, results or decisions."""
    plan = default_plan.PLAN
    if year is not None:
        plan = _move_plan(plan, year.first - default_plan.SEED_YEAR, demo)
    if not demo:
        plan = _without_seed_identity(plan)
    if plan.school_year.first >= default_plan.COMMUNE_FROM_YEAR:
        plan = _for_commune(plan)
    if not demo:
        plan = Plan(plan.school, plan.targets, plan.rounds, _unregistered(plan.collectives), ())
    return plan


def next_year_plan(old: Plan, year: SchoolYear | None) -> tuple[Plan, list[str]]:
    """Last year's plan carried into the next school year (or `year`): identity, targets, teams and roster kept,
    dates moved, collective results and decisions dropped. Also what the board must look at again."""
    target = year or old.school_year.shifted(1)
    years = target.first - old.school_year.first
    if years <= 0:
        raise UsageError(
            f"Năm học mới ({target.label}) phải sau năm học của thư mục cũ ({old.school_year.label}). Hãy chọn "
            "--school-year cho đúng."
        )
    plan = _move_plan(old, years, demo=False)
    plan = dataclasses.replace(plan, collectives=_unregistered(plan.collectives))
    review = [
        f"Năm học {target.label}: các đợt thi đua và hạn nộp đăng ký đã lùi {years} năm "
        f"(hạn nộp {plan.school.registration_deadline:%d/%m/%Y}); hãy xem lại cho khớp kế hoạch năm nay.",
        "Chỉ tiêu và cơ sở chỉ tiêu: giữ như năm trước, hãy cập nhật theo kế hoạch năm nay.",
        f"Danh sách CBGVNV: giữ {len(plan.roster)} người; hãy thêm người mới, bỏ người đã chuyển đi.",
        "Danh hiệu tập thể: đã bỏ đăng ký, kết quả và số quyết định của năm trước; hãy đăng ký lại.",
    ]
    if old.school_year.first < default_plan.COMMUNE_FROM_YEAR <= target.first:
        plan = _for_commune(plan)
        review.insert(
            0,
            "NƠI NHẬN BÁO CÁO: từ 07/2025 không còn cấp huyện; cơ quan chủ quản, “Kính gửi”, “Nơi nhận” và tỉnh đã "
            "đổi sang cấp xã với chỗ trống (…): hãy điền tên xã, tên tỉnh trong trang Thông tin chung.",
        )
    else:
        review.insert(0, f"Nơi nhận báo cáo: giữ “{plan.school.recipient or plan.school.parent_body}”; hãy kiểm tra.")
    review.append("Người ký và người lập biểu: giữ như năm trước; hãy kiểm tra.")
    return plan, review


def create_workspace(
    directory: Path,
    demo: bool = False,
    year: SchoolYear | None = None,
    source: Path | None = None,
    today: dt.date | None = None,
) -> tuple[Workspace, list[str]]:
    """Create settings, the plan workbook, templates and empty folders; refuse to overwrite a plan. From the
    embedded default (for `year`, with the demo's people and files when `demo`), or from last year's workspace
    `source`. Without a year, a new school's workspace is for the school year holding `today` (default: the
    day of the run); the demo's is the seed's. All or nothing: when anything fails (a full disk, Ctrl+C), what
    was created is removed, so the next `init` of the same folder is not refused because of a half-made plan.
    Returns the workspace and what the board must look at again."""
    from thidua.forms.templates import write_templates

    if (directory / PLAN_FILE).exists() or (directory / SETTINGS_FILE).exists():
        raise UsageError(f"Thư mục {directory} đã có kế hoạch; thidua không ghi đè. Hãy chọn thư mục khác.")
    review: list[str] = []
    settings = DEFAULT_SETTINGS
    if source is not None:
        if demo:
            raise UsageError("Không dùng --demo cùng --from: năm mới bắt đầu từ dữ liệu thật của năm trước.")
        plan, review, settings = _from_workspace(source, year)
    else:
        # A real school's workspace is for the current school year unless told otherwise; the demo stays on the
        # seed's year, which its figures are about.
        plan = starting_plan(year or (None if demo else school_year_of(today or dt.date.today())), demo)
    existed = directory.exists()
    before = set(directory.iterdir()) if existed and directory.is_dir() else set()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / SETTINGS_FILE
        tmp = target.with_suffix(".tmp")
        tmp.write_text(settings, encoding="utf-8")
        os.replace(tmp, target)
        write_plan(plan, directory / PLAN_FILE)
        ws = open_workspace(directory)
        write_templates(plan, ws.templates)
        ws.submissions.mkdir(exist_ok=True)
        ws.output.mkdir(exist_ok=True)
        write_launcher(directory)
        if demo:
            from thidua.workspace.demo import write_demo_submissions

            write_demo_submissions(ws.submissions, plan)
    except BaseException as exc:
        _remove_created(directory, existed, before)
        if isinstance(exc, OSError):
            raise cannot_write(f"thư mục làm việc {directory}", exc) from exc
        raise
    return ws, review


LAUNCHER = "mo-thidua.bat"


def launcher_text(python: str) -> str:
    """The Windows batch file that opens the page (`thidua serve`) of the workspace it lies in, with a double click:
    the folder is the batch file's own (%~dp0), so the workspace may be moved; thidua is the Python `python` that
    created it (the program folder's .venv), or `py -m thidua` when that one is gone. The lines before `chcp 65001`
    are ASCII (cmd.exe reads a batch file line by line in the console's code page, UTF-8 once switched), so a
    Vietnamese user folder in the path survives; CRLF line ends."""
    lines = [
        "@echo off",
        "rem thidua: mo trang cua thu muc lam viec nay (nhap dup de chay; dung: Ctrl+C hoac dong cua so).",
        "chcp 65001 >nul",
        f'set "THIDUA_PY={python}"',
        'if exist "%THIDUA_PY%" (',
        '  "%THIDUA_PY%" -m thidua serve -w "%~dp0."',
        ") else (",
        '  py -m thidua serve -w "%~dp0."',
        ")",
        "if errorlevel 1 pause",
    ]
    return "\r\n".join(lines) + "\r\n"


def write_launcher(directory: Path) -> Path:
    """mo-thidua.bat in the workspace (written on every system: harmless where there is no cmd.exe)."""
    import sys

    path = directory / LAUNCHER
    path.write_bytes(launcher_text(sys.executable).encode("utf-8"))
    return path


def _from_workspace(source: Path, year: SchoolYear | None) -> tuple[Plan, list[str], str]:
    """Last year's plan (read with every check a run makes) and settings, carried into the new year."""
    from thidua.errors import PlanError
    from thidua.issues import Report
    from thidua.workspace.plan_workbook import read_plan

    old = open_workspace(source)
    report = Report()
    try:
        plan = read_plan(old.plan_path, report, old.tone_style, old.config.limits)
    except PlanError as exc:
        raise UsageError(f"Không đọc được kế hoạch năm trước ({source}): {exc.message}") from exc
    new_plan, review = next_year_plan(plan, year)
    settings_path = source / SETTINGS_FILE
    try:
        settings = settings_path.read_text(encoding="utf-8") if settings_path.is_file() else DEFAULT_SETTINGS
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"Không đọc được {settings_path}: {exc}") from exc
    settings, dropped = _settings_for_new_year(settings)
    review.append(f"Cài đặt ({SETTINGS_FILE}): chép từ năm trước (địa chỉ e-mail, hộp thư, giới hạn…).")
    if dropped:
        review.append(
            "Đã bỏ dòng since của mục [imap]: năm mới lấy thư từ ngày đầu năm học (sổ lịch sử năm mới còn trống, "
            "giữ since cũ sẽ lấy lại thư năm trước)."
        )
    if "[rules." in settings:
        review.append(
            "Các mục [rules.*] được giữ; năm mới có thể theo bộ quy định khác (luật 2022): mục nào không còn dùng "
            "được sẽ được cảnh báo khi chạy."
        )
    return new_plan, review, settings


def _settings_for_new_year(text: str) -> tuple[str, bool]:
    """Last year's thidua.toml without the [imap] table's `since` (a date of last year)."""
    lines, table, dropped = [], "", False
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            table = stripped.split("]", 1)[0] + "]"
        if table == "[imap]" and re.match(r"since\s*=", stripped):
            dropped = True
            continue
        lines.append(line)
    return "".join(lines), dropped


def _remove_created(directory: Path, existed: bool, before: set[Path]) -> None:
    """Undo a failed `init`: the folder if it made it, else only what it added to the folder."""
    if not existed:
        shutil.rmtree(directory, ignore_errors=True)
        return
    for path in set(directory.iterdir()) - before if directory.is_dir() else ():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
