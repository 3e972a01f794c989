"""The office's demo (SPEC 15): a commune's fictitious schools, each made by thidua itself (its own plan, staff
and filled submissions, run for an ordinary month and for the month of the year-end vote) in a temporary folder,
and what each would send copied into nhan/<unit code>/. Planted for the office to find: one school sends nothing,
one sends its year-end report late, one's report was re-saved by LibreOffice (when it is installed), one teacher
moved school and is proposed by both, one school proposes a Chiến sĩ thi đua cơ sở its own board did not
give the votes the rule pack asks, and one school that does not use thidua sends only its year-end list, typed in
a spreadsheet of its own layout (read by its header labels; one birth date it typed cannot be read)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl

from thidua.core.plan import Person, Plan
from thidua.core.text import key
from thidua.errors import SETTINGS_FILE
from thidua.office.settings import Office
from thidua.office.units import Unit
from thidua.pipeline.batch import output_names, run_month
from thidua.workspace.create import starting_plan
from thidua.workspace.demo import write_demo_submissions
from thidua.workspace.folder import DEFAULT_SETTINGS, open_workspace
from thidua.workspace.plan_workbook import PLAN_FILE, write_plan

DEMO_OFFICE = {
    "name": "Phòng Văn hóa – Xã hội",
    "parent_body": "Ủy ban nhân dân xã Măng Đen",
    "symbol": "VHXH",
    "place": "Măng Đen",
}
# (code, name, kind, e-mail, symbol): the last one sends nothing
UNITS: tuple[tuple[str, str, str, str, str], ...] = (
    ("TH-MANGDEN", "Trường Tiểu học Măng Đen", "Tiểu học", "thmangden@example.edu.vn", "THMĐ"),
    ("TH-KIMDONG", "Trường Tiểu học Kim Đồng", "Tiểu học", "thkimdong@example.edu.vn", "THKĐ"),
    ("TH-LEVANTAM", "Trường Tiểu học Lê Văn Tám", "Tiểu học", "thlevantam@example.edu.vn", "THLVT"),
    ("TH-VOTHISAU", "Trường Tiểu học Võ Thị Sáu", "Tiểu học", "thvothisau@example.edu.vn", "THVTS"),
    ("TH-HOABINH", "Trường Tiểu học Hòa Bình", "Tiểu học", "thhoabinh@example.edu.vn", "THHB"),
)
# a school that does not use thidua: it sends only its year-end nomination list, in a layout of its own
HAND_MADE = ("TH-NGUYENDU", "Trường Tiểu học Nguyễn Du", "Tiểu học", "thnguyendu@example.edu.vn", "THND")
# (name, birth date as typed, position, proposals as typed, rating, ballot, achievements): the list's people, by
# group heading. Planted: a birth date that is no date (an issue on its cell), a rating left blank (the row is not
# shown as meeting the conditions).
HAND_MADE_LIST: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    (
        "I. Danh hiệu Chiến sĩ thi đua cơ sở",
        (
            (
                "Lò Thị Hồng Nhung", "14/03/1984", "Giáo viên", "", "HTXSNV", "17/18 (94%)",
                "SKKN “Dạy đọc cho học sinh lớp 1”, cấp Xã, QĐ 52/QĐ-UBND",
            ),
        ),
    ),
    (
        "II. Danh hiệu Lao động tiên tiến",
        (
            ("Lò Thị Hồng Nhung", "14/03/1984", "Giáo viên", "", "HTXSNV", "17/18 (94%)", ""),
            ("Nông Văn Đức", "02/09/1979", "Hiệu trưởng", "LĐTT; GK UBND xã", "Hoàn thành tốt", "18/18", ""),
            ("Sầm Thị Thu", "21/11/1990", "Giáo viên", "", "", "16/18", ""),
            ("Vi Thị Lan", "30/02/1992", "Giáo viên", "", "HTTNV", "15/18", ""),
        ),
    ),
)  # fmt: skip
SILENT = "TH-HOABINH"  # sends nothing
LATE = "TH-LEVANTAM"  # sends its year-end report three days after the deadline
RESAVED = "TH-VOTHISAU"  # its reports re-saved by LibreOffice
MOVED = ("TH-KIMDONG", 4)  # this school's roster member 4 is the first school's (same name and birth date)
SHORT_BALLOT = ("TH-LEVANTAM", 1, 20)  # this school's CSTĐCS nominee 1 had 20 of 32 votes
SHARED = ("TH-VOTHISAU", 20)  # this school's initiative of roster member 20 has the first school's title
# removed from a school's submissions so that the schools' figures differ
LEFT_OUT = {
    "TH-KIMDONG": ("bao-cao/Bao cao ket qua to-4-5.xlsx",),
    "TH-LEVANTAM": ("dang-ky/DK thi dua To 2-3.xlsx",),
    "TH-VOTHISAU": ("bao-cao/Bao cao ket qua to-1.xlsx", "bao-cao/Bo sung thang 3 - Pham Thi Le Thuy.xlsx"),
}
FAMILIES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
    "Dương", "Lý", "Đinh", "Lương", "Trịnh", "Mai", "Lâm", "Hà", "Kiều", "Đào", "Cao", "Tạ", "Lưu", "Thái",
)  # fmt: skip


def _renamed(plan: Plan, index: int) -> dict[int, Person]:
    """The seed's staff as school `index` names them: family names moved along a fixed list (a one-to-one
    change, so no two people of a school share a name), birth dates `index` × 41 days later."""
    pool = list(FAMILIES) + sorted({p.name.split()[0] for p in plan.roster} - set(FAMILIES) - {"A", "Y"})

    def name(text: str) -> str:
        first, _, rest = text.partition(" ")
        if index == 0 or first not in pool:
            return text
        return f"{pool[(pool.index(first) + 5 * index) % len(pool)]} {rest}"

    shift = dt.timedelta(days=41 * index)
    return {
        p.stt: dataclasses.replace(p, name=name(p.name), birth_date=p.birth_date + shift if p.birth_date else None)
        for p in plan.roster
    }


def school_plan(year_plan: Plan, index: int, code: str, name: str, symbol: str) -> Plan:
    """The seed's demo school turned into school `index` of the commune: its name, symbol and staff."""
    seed = year_plan.school
    people = _renamed(year_plan, index)
    if code == MOVED[0]:
        people[MOVED[1]] = _renamed(year_plan, 0)[MOVED[1]]
    by_name = {p.name: people[p.stt].name for p in year_plan.roster}
    school = dataclasses.replace(
        seed,
        name=name,
        symbol=symbol,
        signatory_name=by_name.get(seed.signatory_name, seed.signatory_name),
        preparer_name=by_name.get(seed.preparer_name, seed.preparer_name),
    )
    collectives = tuple(dataclasses.replace(c, unit=name) if c.unit == seed.name else c for c in year_plan.collectives)
    return dataclasses.replace(
        year_plan, school=school, collectives=collectives, roster=tuple(people[p.stt] for p in year_plan.roster)
    )


def write_demo(office: Office, say: Callable[[str], None]) -> list[Unit]:
    """Make the demo schools, run them, and file what each sent under nhan/; returns the units of donvi.xlsx."""
    year_plan = starting_plan(office.school_year, demo=True)
    vote_month = f"{year_plan.rounds[-1].end:%Y-%m}"
    ordinary = f"{office.school_year.first}-11"
    units = []
    with tempfile.TemporaryDirectory(prefix="thidua-office-demo-") as tmp:
        for index, (code, name, kind, email, symbol) in enumerate(UNITS):
            plan = school_plan(year_plan, index, code, name, symbol)
            units.append(Unit(code, name, kind, email, len(plan.roster)))
            if code == SILENT:
                continue
            say(f"Đang lập số liệu mẫu của {name}…")
            root = Path(tmp) / code
            _school(root, plan, code, first=index == 0)
            target = office.received / code
            target.mkdir(parents=True, exist_ok=True)
            for month in (ordinary, vote_month):
                run_month(open_workspace(root), month)
                files = _what_is_sent(root / "output" / month, month)
                if code == RESAVED:
                    files = _resaved(files, Path(tmp) / f"{code}-resaved-{month}") or files
                late = code == LATE and month == vote_month
                deadline = office.dossier_deadline if month == vote_month and office.dossier_deadline else None
                deadline = deadline or office.report_deadline(month)
                day = deadline + dt.timedelta(days=3 if late else -2)
                for path in files:
                    copied = target / (
                        path.relative_to(root / "output" / month) if path.is_relative_to(root) else path.name
                    )
                    copied.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, copied)
                    stamp = dt.datetime.combine(day, dt.time(9, 30)).timestamp()
                    os.utime(copied, (stamp, stamp))
    code, name, kind, email, _symbol = HAND_MADE
    say(f"Đang lập danh sách tự làm của {name}…")
    path = office.received / code / "Danh sach de nghi khen thuong.xlsx"
    write_hand_made_list(path, name, office.school_year.label)
    deadline = office.dossier_deadline or office.report_deadline(vote_month)
    stamp = dt.datetime.combine(deadline - dt.timedelta(days=1), dt.time(15, 0)).timestamp()
    os.utime(path, (stamp, stamp))
    units.append(Unit(code, name, kind, email, 18))
    return units


def write_hand_made_list(path: Path, school: str, year: str) -> None:
    """The year-end list as a school without thidua types it: written cell by cell with openpyxl, its own heading
    and header labels (not thidua's writers), group rows, a signature block."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Danh sách"
    sheet.append(["UBND XÃ MĂNG ĐEN", None, None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    sheet.append([school.upper(), None, None, None, "Độc lập - Tự do - Hạnh phúc"])
    sheet.append([])
    sheet.append([f"DANH SÁCH CÁ NHÂN ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC {year}"])
    sheet.append([])
    sheet.append(
        ["TT", "Họ và tên", "Ngày tháng năm sinh", "Chức vụ", "Danh hiệu/Hình thức đề nghị", "Xếp loại", "Tỷ lệ phiếu",
         "Thành tích"]
    )  # fmt: skip
    for heading, people in HAND_MADE_LIST:
        sheet.append([heading])
        for number, person in enumerate(people, start=1):
            sheet.append([number, *person])
    sheet.append([])
    sheet.append([None, None, None, None, "HIỆU TRƯỞNG"])
    sheet.append([None, None, None, None, "Nông Văn Đức"])
    for column, width in zip("ABCDEFGH", (5, 24, 14, 14, 26, 14, 10, 40), strict=True):
        sheet.column_dimensions[column].width = width
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def _school(root: Path, plan: Plan, code: str, first: bool = False) -> None:
    """A school's workspace as `thidua init --demo` makes it, for `plan`: its own initiatives' titles (but the
    first school's), some files left out, a ballot changed."""
    from thidua.forms.templates import write_templates

    root.mkdir(parents=True)
    (root / SETTINGS_FILE).write_text(DEFAULT_SETTINGS, encoding="utf-8")
    write_plan(plan, root / PLAN_FILE)
    ws = open_workspace(root)
    write_templates(plan, ws.templates)
    ws.submissions.mkdir(exist_ok=True)
    ws.output.mkdir(exist_ok=True)
    write_demo_submissions(ws.submissions, plan)
    if not first:
        _own_initiatives(ws.submissions, plan.school.name, SHARED[1] if code == SHARED[0] else None)
    for rel in LEFT_OUT.get(code, ()):
        (ws.submissions / rel).unlink(missing_ok=True)
    if code == SHORT_BALLOT[0]:
        person = next(p for p in plan.roster if p.stt == SHORT_BALLOT[1])
        _set_ballot(ws.submissions / "binh-xet" / "Ket qua binh xet cuoi nam.xlsx", person.name, SHORT_BALLOT[2])


def _own_initiatives(folder: Path, school: str, kept: int | None) -> None:
    """The seed's initiative titles made the school's own ("… tại <school>") in every submission, except the one
    of roster member `kept`."""
    from thidua.workspace.demo import REGISTRATIONS

    titles = {key(t[1]) for stt, t in REGISTRATIONS.items() if t[1] and stt != kept}
    titles -= {key(REGISTRATIONS[kept][1])} if kept is not None else set()
    for path in sorted(folder.rglob("*.xlsx")):
        if path.name.startswith("~$"):
            continue
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and key(cell.value) in titles:
                        cell.value = f"{cell.value.strip()} tại {school}"
        wb.save(path)


def _set_ballot(path: Path, name: str, votes: int) -> None:
    """The votes for `name` on the vote sheet, typed over as the secretary would."""
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = next(r for r in ws.iter_rows(max_row=10) if any(c.value == "Số phiếu đồng ý" for c in r))
    col = next(c.column for c in header if c.value == "Số phiếu đồng ý")
    for row in ws.iter_rows(min_row=header[0].row + 1):
        if key(row[1].value) == key(name):
            ws.cell(row=row[1].row, column=col, value=votes)
    wb.save(path)


def _what_is_sent(folder: Path, month: str) -> list[Path]:
    """What a school sends up for the month: the report; at year end also the nomination list and the dossier."""
    outputs = output_names(folder, month)
    files = [outputs.submission]
    if outputs.nominations.exists():
        files.append(outputs.nominations)
        files.extend(outputs.dossier_files())
    return [f for f in files if f.exists()]


def _resaved(files: Sequence[Path], outdir: Path) -> list[Path]:
    """The workbooks re-saved by LibreOffice as a school using it would (none: LibreOffice is not installed)."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    sheets = [f for f in files if f.suffix == ".xlsx"]
    if exe is None or not sheets:
        return []
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / ".lo-profile"
    try:
        subprocess.run(
            [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx", "--outdir",
             str(outdir), *map(str, sheets)],
            check=True,
            capture_output=True,
            timeout=300,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return []
    resaved = [outdir / f.name for f in sheets]
    if not all(p.exists() for p in resaved):
        return []
    return resaved + [f for f in files if f.suffix != ".xlsx"]
