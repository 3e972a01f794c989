"""Batch benchmark: thidua's monthly run over N generated registration files, stage by stage, against the naive
per-file `pandas.read_excel` (openpyxl) baseline and the raw python-calamine read floor.

    .venv/bin/python benchmarks/bench.py --files 100 1000 10000 --out results.json
    .venv/bin/python benchmarks/bench.py --quick

Every measured part runs in its own subprocess (this script re-invoked with --stage) so that each peak memory
figure (ru_maxrss) belongs to that part alone. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from thidua.core.plan import Person, Plan

# thidua is imported inside functions only, so that the baseline subprocesses carry none of it in their peak.
MONTH = "2021-10"
STAFF_PER_FILE = 20
GENERATOR_VERSION = 1  # bump when the generated files change, to invalidate cached workspaces
MARKER = "bench-complete.json"
MEASURED = ("batch", "read", "cli", "calamine", "naive")
SHEET = "Đăng ký"  # template_fields.SHEET_NAMES[template_fields.REGISTRATION], checked when generating
D = dt.date

SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trịnh Lương Mai Đoàn Lâm Châu Hà Kiều"
)
MIDDLE = {
    "Nữ": "Thị Thu Ngọc Thanh Kim Mỹ Hồng Phương Thùy Bích Minh Diệu Hoài Khánh Như",
    "Nam": "Văn Minh Quốc Đức Hữu Công Đình Thanh Xuân Trung Anh Bảo Quang Tuấn Ngọc",
}
GIVEN = {
    "Nữ": "Hoa Mai Lan Hương Hà Hạnh Hòa Thủy Trang Linh Ngân Duyên Yến Oanh Thảo Tâm Nhung Loan Phượng Vân "
    "Huyền Trinh Giang Hằng Thúy Nga Dung Liên Hiền Quyên Châu Diệp Xuân Thắm Ly Nhi Uyên Tuyết Bình Thoa",
    "Nam": "Hùng Dũng Thắng Long Tuấn Khánh Quý Sơn Hải Nam Phúc Lộc Thịnh Toàn Trung Hiếu Nghĩa Tài Đạt "
    "Vinh Hưng Cường Minh Quang Tín Bảo Khoa Lâm Phong Huy Tú Thành Kiên Định Hòa Thái Nhân Trí Việt An",
}
TEAMS = ("Tổ 1", "Tổ 2–3", "Tổ 4–5", "Tổ văn phòng")
TOPICS = (
    "Một số biện pháp rèn kỹ năng đọc",
    "Sử dụng trò chơi học tập trong môn Toán",
    "Rèn chữ viết đẹp",
    "Ứng dụng công nghệ thông tin trong dạy học Tiếng Việt",
    "Giáo dục kỹ năng sống qua hoạt động ngoài giờ",
    "Nâng cao chất lượng sinh hoạt chuyên môn theo nghiên cứu bài học",
)
AIDS = ("Bộ thẻ chữ cái và vần", "Mô hình đồng hồ và lịch", "Bộ đồ dùng học Toán hình học", "Sa bàn địa lý")
# Spellings people type: the canonical labels of vocab.TITLE_REGISTERED and abbreviations it accepts.
LDTT, CSTDCS, NO_TITLE, TEACHER = "Lao động tiên tiến", "Chiến sĩ thi đua cơ sở", "Không đăng ký", "Giáo viên"
LDTT_SPELLINGS = (LDTT, LDTT, LDTT, "LĐTT", "LĐTT", "lđtt")
CSTDCS_SPELLINGS = (CSTDCS, CSTDCS, "CSTĐCS")
NO_TITLE_SPELLINGS = (NO_TITLE, NO_TITLE, "Không")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def peak_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


# --- generation --------------------------------------------------------------------------------------------------


def make_roster(count: int, rng: random.Random) -> list[Person]:
    """`count` fictitious staff with distinct name keys, birth dates, positions and teams (file by file)."""
    from thidua.core.plan import Person
    from thidua.core.text import key

    people: list[Person] = []
    seen: set[str] = set()
    while len(people) < count:
        gender = rng.choice(("Nữ", "Nam"))
        middles = MIDDLE[gender].split()
        middle = rng.sample(middles, rng.choice((1, 2)))
        name = " ".join([rng.choice(SURNAMES.split()), *middle, rng.choice(GIVEN[gender].split())])
        if key(name) in seen:
            continue
        seen.add(key(name))
        file_no, slot = divmod(len(people), STAFF_PER_FILE)
        position = TEACHER
        if slot == 0 and file_no % 15 == 0:
            position = "Phó hiệu trưởng"
        elif slot == STAFF_PER_FILE - 2 and file_no % 7 == 0:
            position = "Tổng phụ trách Đội"
        elif slot == STAFF_PER_FILE - 1 and file_no % 3 == 0:
            position = "Nhân viên"
        team = TEAMS[-1] if position == "Nhân viên" else TEAMS[file_no % (len(TEAMS) - 1)]
        born = D(1965, 1, 1) + dt.timedelta(days=rng.randrange(36 * 365))
        recruited = D(min(born.year + rng.randint(21, 26), 2020), 9, 1)
        people.append(Person(len(people) + 1, name, born, gender, position, team, recruited))
    return people


def registration_row(person: Person, plan: Plan, late: bool, rng: random.Random) -> dict[str, Any]:
    """One realistic registration row, by template field key."""
    draw = rng.random()
    if draw < 0.10:
        title = rng.choice(CSTDCS_SPELLINGS)
    elif draw < 0.85:
        title = rng.choice(LDTT_SPELLINGS)
    else:
        title = rng.choice(NO_TITLE_SPELLINGS)
    is_cstdcs = title in CSTDCS_SPELLINGS
    row: dict[str, Any] = {
        "stt": 0,
        "name": person.name,
        "birth_date": person.birth_date,
        "position": person.position,
        "team": person.team,
        "title": title,
    }
    if is_cstdcs:  # the rule pack wants an initiative behind every CSTĐCS registration
        row["reward_form"] = "Giấy khen của Chủ tịch UBND huyện"
        row["initiative"] = f"{rng.choice(TOPICS)} cho học sinh lớp {rng.randint(1, 5)}"
        row["initiative_level"] = rng.choice(("Huyện", "Tỉnh", "cấp huyện"))
    elif title in LDTT_SPELLINGS and rng.random() < 0.15:
        row["initiative"] = f"{rng.choice(TOPICS)} cho học sinh lớp {rng.randint(1, 5)}"
        row["initiative_level"] = rng.choice(("Trường", "Huyện"))
    if person.is_teacher:
        if rng.random() < 0.05:
            row["teaching_aid"] = f"{rng.choice(AIDS)} lớp {rng.randint(1, 5)}"
        for activity in plan.activity_columns:
            if rng.random() < 0.3:
                row[f"activity:{activity}"] = rng.choice(("x", "x", "X"))
    start = D(2021, 10, 6) if late else D(2021, 9, 20)  # the plan's deadline is 04/10/2021
    row["date"] = start + dt.timedelta(days=rng.randrange(10 if late else 15))
    return row


def file_plan(plan: Plan, people: list[Person]) -> Plan:
    """The plan as one team's template sees it: same school and targets, so the same layout and labels."""
    return dataclasses.replace(plan, roster=tuple(people))


def as_cells(plan: Plan, rows: list[dict[str, Any]]) -> list[list[Any]]:
    from thidua.forms import template_fields

    fields = template_fields.fields_of(template_fields.REGISTRATION, plan)
    return [[i if f.key == "stt" else row.get(f.key, "") for f in fields] for i, row in enumerate(rows, 1)]


def write_filled(path: Path, plan: Plan, cells: list[list[Any]]) -> None:
    """A filled registration file: the real template built by thidua's own template builder (xlsxwriter),
    then the data cells written over the template's blank rows from row 6."""
    from thidua.excel.workbook import new_workbook
    from thidua.forms import template_fields, templates

    fields = template_fields.fields_of(template_fields.REGISTRATION, plan)
    with new_workbook(path) as wb:
        templates._build(
            wb, plan, template_fields.REGISTRATION, templates.open_rows(template_fields.REGISTRATION, plan), None
        )
        base = {"font_name": templates.FONT, "font_size": 12, "locked": False, "border": 1, "valign": "top"}
        text = wb.add_format({**base, "num_format": "@", "text_wrap": True})
        date = wb.add_format({**base, "num_format": "dd/mm/yyyy", "align": "center"})
        number = wb.add_format({**base, "align": "center"})
        mark = wb.add_format({**base, "num_format": "@", "align": "center"})
        ws = wb.get_worksheet_by_name(SHEET)
        for r, values in enumerate(cells, start=templates.FIRST_DATA_ROW):
            for c, (field, value) in enumerate(zip(fields, values, strict=True)):
                if isinstance(value, dt.date):
                    ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date)
                elif isinstance(value, int):
                    ws.write_number(r, c, value, number)
                elif value:
                    ws.write_string(r, c, value, mark if field.kind == "mark" else text)


def _write_chunk(jobs: list[tuple[str, Plan, list[list[Any]]]]) -> int:
    for path, plan, cells in jobs:
        write_filled(Path(path), plan, cells)
    return len(jobs)


def check_layout(plan: Plan, cells: list[list[Any]], generated: Path) -> None:
    """The generated file must read exactly like the real template filled with openpyxl (as demo.py does)."""
    from thidua.forms import template_fields, templates
    from thidua.intake.read import load_sheets
    from thidua.workspace.demo import _fill

    with tempfile.TemporaryDirectory() as tmp:
        blank = templates.write_templates(plan, Path(tmp))[0]
        reference = Path(tmp) / "reference.xlsx"
        _fill(blank, reference, cells)
        want, got = load_sheets(reference), load_sheets(generated)
    if list(want) != list(got) or template_fields.META_SHEET not in want:
        raise SystemExit(f"generated sheets {list(got)} differ from the template's {list(want)}")
    for name, sheet in want.items():
        same_merged = sorted(sheet.merged) == sorted(got[name].merged)  # openpyxl keeps merged ranges in a set
        if sheet.rows != got[name].rows or not same_merged or sheet.visible != got[name].visible:
            raise SystemExit(f"generated sheet {name!r} differs from the openpyxl-filled template")


def prepare(work: Path, files: int, jobs: int, late_every: int = 25) -> tuple[Path, dict[str, Any]]:
    """The workspace of `files` generated files (cached in work/ws-<files>), and what it holds. One file in
    `late_every` registers its first person after the deadline (a warning, so a return copy); with
    `late_every=1` every file comes back (work/ws-<files>-returned)."""
    from thidua.forms import template_fields, templates
    from thidua.workspace import default_plan
    from thidua.workspace.folder import DEFAULT_SETTINGS
    from thidua.workspace.plan_workbook import write_plan

    if template_fields.SHEET_NAMES[template_fields.REGISTRATION] != SHEET:
        raise SystemExit(
            f"the registration sheet is now {template_fields.SHEET_NAMES[template_fields.REGISTRATION]!r}; update SHEET"
        )

    root = work / (f"ws-{files}" if late_every == 25 else f"ws-{files}-returned")
    marker = root / MARKER
    if marker.exists():
        facts = json.loads(marker.read_text(encoding="utf-8"))
        if facts.get("version") == GENERATOR_VERSION:
            log(f"N={files}: reusing {root}")
            return root, facts
    log(f"N={files}: generating {files} files × {STAFF_PER_FILE} staff into {root}")
    started = time.perf_counter()
    if root.exists():
        shutil.rmtree(root)
    (root / "submissions").mkdir(parents=True)
    (root / "thidua.toml").write_text(DEFAULT_SETTINGS, encoding="utf-8")
    rng = random.Random(f"thidua-bench-{files}")
    roster = make_roster(files * STAFF_PER_FILE, rng)
    plan = dataclasses.replace(default_plan.PLAN, roster=tuple(roster))
    write_plan(plan, root / "kehoach.xlsx")
    work_items: list[tuple[str, Plan, list[list[Any]]]] = []
    ldtt = 0
    for i in range(files):
        people = roster[i * STAFF_PER_FILE : (i + 1) * STAFF_PER_FILE]
        team_plan = file_plan(plan, people)
        rows = [registration_row(p, plan, late=(i % late_every == 0 and n == 0), rng=rng) for n, p in enumerate(people)]
        ldtt += sum(r["title"] in LDTT_SPELLINGS or r["title"] in CSTDCS_SPELLINGS for r in rows)
        path = root / "submissions" / "dang-ky" / f"nhom-{i // 1000:02d}" / f"DK thi dua {i + 1:05d}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        work_items.append((str(path), team_plan, as_cells(team_plan, rows)))
    templates.write_templates(file_plan(plan, roster[:STAFF_PER_FILE]), root / "input_templates")
    size = max(1, len(work_items) // (jobs * 8))
    chunks = [work_items[i : i + size] for i in range(0, len(work_items), size)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_write_chunk, chunks))
    first_path, first_plan, first_cells = work_items[0]
    check_layout(first_plan, first_cells, Path(first_path))
    facts = {
        "version": GENERATOR_VERSION,
        "files": files,
        "rows": files * STAFF_PER_FILE,
        "ldtt_rows": ldtt,
        "late_rows": len(range(0, files, late_every)),
        "bytes": sum(Path(p).stat().st_size for p, _, _ in work_items),
        "generated_in_s": round(time.perf_counter() - started, 1),
    }
    marker.write_text(json.dumps(facts, indent=2), encoding="utf-8")
    log(f"N={files}: generated in {facts['generated_in_s']} s (layout checked against the openpyxl-filled template)")
    return root, facts


def prepare_school(work: Path) -> Path:
    """The 32-staff demo workspace of `thidua init --demo`, created once."""
    from thidua.workspace.create import create_workspace

    root = work / "school-demo"
    if not (root / "thidua.toml").exists():
        log(f"creating the school-sized demo workspace {root}")
        create_workspace(root, demo=True)
    return root


# --- measured parts (each in its own subprocess) ---------------------------------------------------------------


def submitted(root: Path) -> list[Path]:
    return sorted(p for p in (root / "submissions").rglob("*.xlsx") if not p.name.startswith("~$"))


def stage_batch(root: Path) -> dict[str, Any]:
    """The monthly batch in-process, exactly as `thidua run` does it (batch.run_month), timed stage by stage
    through the batch's own stage hook."""
    from thidua.pipeline.batch import Progress, run_month
    from thidua.workspace.folder import open_workspace

    stages: dict[str, dict[str, float]] = {}
    workers: list[float] = []

    class Timing(Progress):
        def __init__(self) -> None:
            self.clock = time.perf_counter()

        def stage(self, name: str) -> None:
            # the peak is the process's so far (cumulative): a stage's own peak would need a process per stage
            stages[name] = {"seconds": time.perf_counter() - self.clock, "peak_mib": peak_mib()}
            if name.startswith("read"):
                workers.append(peak_mib(resource.RUSAGE_CHILDREN))  # read_all may use a pool: its largest worker
            self.clock = time.perf_counter()

    result, _outputs = run_month(open_workspace(root), MONTH, Timing())
    report = result.issues
    targets = result.targets.set_index("code")
    ldtt = int(targets.loc["LDTT", "registered"])
    return {
        "stages": stages,
        "read_workers_peak_mib": workers[0] if workers else 0.0,
        "files_read": len(result.files_read),
        "ldtt_registered": ldtt,
        **report.counts(),
    }


def stage_read(root: Path) -> dict[str, Any]:
    """The read stage alone: the plan is read first (untimed), then read_all reads every file. In the batch
    the files are opened while the plan is read, so its read stage shows only what is left after the plan."""
    from thidua.intake.guard import Limits
    from thidua.intake.read import read_all
    from thidua.issues import Report
    from thidua.workspace.folder import open_workspace
    from thidua.workspace.plan_workbook import read_plan

    ws = open_workspace(root)
    report = Report()
    plan = read_plan(ws.plan_path, report, ws.tone_style)
    started = time.perf_counter()
    sheets, files = read_all(ws.submissions, plan, report, None, Limits.from_settings(ws.settings))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mib": peak_mib(), "files": len(files), "sheets": len(sheets)}


def stage_calamine(root: Path) -> dict[str, Any]:
    import python_calamine

    started, rows = time.perf_counter(), 0
    for path in submitted(root):
        rows += len(python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python())
    return {"seconds": time.perf_counter() - started, "cells_rows": rows}


def stage_naive(root: Path) -> dict[str, Any]:
    import pandas as pd

    started = time.perf_counter()
    frames = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about data validation extensions
        for path in submitted(root):
            frames.append(pd.read_excel(path, sheet_name=None, engine="openpyxl")[SHEET])
    table = pd.concat(frames, ignore_index=True)
    return {"seconds": time.perf_counter() - started, "frame_rows": len(table)}


def stage_cli(root: Path) -> dict[str, Any]:
    script = Path(sys.executable).with_name("thidua")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "thidua"]
    started = time.perf_counter()
    run = subprocess.run([*command, "run", "--month", MONTH, "-w", str(root)], capture_output=True, check=False)
    seconds = time.perf_counter() - started
    summary = json.loads((root / "output" / MONTH / "summary.json").read_text(encoding="utf-8"))
    ldtt = next(t["registered"] for t in summary["targets"] if t["code"] == "LDTT")
    return {
        "seconds": seconds,
        "peak_mib": peak_mib(resource.RUSAGE_CHILDREN),  # the only child: the thidua process
        "exit_code": run.returncode,
        "files_read": summary["files_read"],
        "ldtt_registered": ldtt,
        "return_copies": len(list((root / "output" / MONTH / "tra-lai").glob("*.xlsx"))),
    }


STAGES: dict[str, Callable[[Path], dict[str, Any]]] = {
    "batch": stage_batch,
    "read": stage_read,
    "calamine": stage_calamine,
    "naive": stage_naive,
    "cli": stage_cli,
    "school": lambda work: {"root": str(prepare_school(work))},
}


def in_subprocess(stage: str, path: Path, *extra: str) -> dict[str, Any]:
    """Run one part in a fresh interpreter and return what it reported. The parent imports no thidua and
    builds nothing itself: Linux carries a parent's RSS at spawn time into the child's ru_maxrss."""
    if stage in MEASURED:
        log(f"{path.name}: {stage}…")
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    try:
        command = [sys.executable, __file__, "--stage", stage, "--ws", str(path), "--result", str(out), *extra]
        subprocess.run(command, check=True)
        return dict(json.loads(out.read_text(encoding="utf-8")))
    finally:
        out.unlink(missing_ok=True)


# --- report --------------------------------------------------------------------------------------------------------


def row(stage: str, seconds: float, files: int, rows: int | None, peak: float) -> dict[str, Any]:
    return {
        "stage": stage,
        "seconds": round(seconds, 3),
        "files_per_s": round(files / seconds, 1) if seconds else None,
        "rows_per_s": round(rows / seconds, 1) if rows and seconds else None,
        "peak_mib": round(peak, 1),
    }


def bench(root: Path, facts: dict[str, Any]) -> dict[str, Any]:
    files, rows = facts["files"], facts["rows"]
    batch, cli = in_subprocess("batch", root), in_subprocess("cli", root)
    alone = in_subprocess("read", root)
    floor, naive = in_subprocess("calamine", root), in_subprocess("naive", root)
    table = [row(f"thidua: {name}", s["seconds"], files, rows, s["peak_mib"]) for name, s in batch["stages"].items()]
    whole = sum(s["seconds"] for s in batch["stages"].values())
    table.append(row("**thidua: whole batch (in-process)**", whole, files, rows, batch["peak_mib"]))
    table.append(row("thidua run (CLI, end-to-end wall)", cli["seconds"], files, rows, cli["peak_mib"]))
    table.append(row("thidua: read stage alone (read_all)", alone["seconds"], files, rows, alone["peak_mib"]))
    table.append(row("naive: pandas.read_excel(openpyxl) + concat", naive["seconds"], files, rows, naive["peak_mib"]))
    table.append(row("floor: python-calamine raw read", floor["seconds"], files, rows, floor["peak_mib"]))
    read = alone["seconds"]
    counted = {"expected_ldtt_rows": facts["ldtt_rows"], "batch": batch["ldtt_registered"]}
    counted["cli"] = cli["ldtt_registered"]
    ok = counted["batch"] == counted["cli"] == facts["ldtt_rows"] and batch["files_read"] == files
    return {
        "files": files,
        "rows": rows,
        "bytes": facts["bytes"],
        "table": table,
        "ratios": {
            "thidua_read_over_calamine_raw": round(read / floor["seconds"], 2),
            "naive_read_over_thidua_whole_batch": round(naive["seconds"] / whole, 2),
            "naive_read_over_thidua_run_cli": round(naive["seconds"] / cli["seconds"], 2),
        },
        "read_workers_peak_mib": round(batch["read_workers_peak_mib"], 1),
        "issues": {k: batch[k] for k in ("error", "warning", "note")},
        "cli_exit_code": cli["exit_code"],
        "return_copies": cli["return_copies"],
        "ldtt_check": {**counted, "ok": ok},
    }


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines()
    meminfo = Path("/proc/meminfo").read_text(encoding="utf-8").splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    total = next((int(line.split()[1]) for line in meminfo if line.startswith("MemTotal")), 0)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(total / 1024 / 1024, 1),
        "python": platform.python_version(),
        **{name: metadata.version(name) for name in ("pandas", "openpyxl", "python-calamine", "xlsxwriter", "thidua")},
        "commit": commit(),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def commit() -> str:
    """The checked-out commit, read from .git without running git (uncommitted changes are not shown)."""
    git = Path(__file__).resolve().parent.parent / ".git"
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if not head.startswith("ref: "):
            return head[:12]
        ref = head[5:]
        if (git / ref).exists():
            return (git / ref).read_text(encoding="utf-8").strip()[:12]
        packed = (git / "packed-refs").read_text(encoding="utf-8").splitlines()
        return next((line.split()[0][:12] for line in packed if line.endswith(" " + ref)), "?")
    except OSError:
        return "?"


def rate(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def markdown(lines: Iterable[dict[str, Any]]) -> str:
    out = ["| stage | seconds | files/s | rows/s | peak MiB |", "|---|---:|---:|---:|---:|"]
    for r in lines:
        cells = [
            r["stage"],
            f"{r['seconds']:.3f}",
            rate(r["files_per_s"]),
            rate(r["rows_per_s"]),
            f"{r['peak_mib']:.1f}",
        ]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def render(results: dict[str, Any]) -> str:
    parts: list[str] = []
    school = results["school"]
    parts.append(f"### School-sized run (demo workspace, 32 staff, {school['files']} files)\n")
    parts.append(markdown([school["row"]]) + f"\n\nCLI exit code {school['exit_code']}.")
    for run in results["runs"]:
        size = f"{run['bytes'] / 1024 / 1024:.1f} MiB"
        returned = run["return_copies"]
        every = ", every file returned with a late registration" if returned == run["files"] else ""
        parts.append(
            f"### N = {run['files']} files ({run['rows']} registration rows, {size}{every}; {returned} return copies)\n"
        )
        workers = run["read_workers_peak_mib"]
        parts.append(
            markdown(run["table"])
            + "\n\nPeak MiB of the in-process stages is the batch process's peak so far (cumulative). "
            + (f"read_all's worker processes peaked at {workers:.1f} MiB (largest child)." if workers else "")
        )
        check = run["ldtt_check"]
        verdict = "OK" if check["ok"] else "MISMATCH"
        parts.append(
            f"LĐTT registered: batch {check['batch']}, CLI {check['cli']}, generated LĐTT+CSTĐCS rows "
            f"{check['expected_ldtt_rows']} → **{verdict}**. Issues: {run['issues']}; CLI exit code "
            f"{run['cli_exit_code']}.\n\nRatios: thidua read stage alone / calamine raw read = "
            f"**{run['ratios']['thidua_read_over_calamine_raw']}×**; naive read / thidua whole batch = "
            f"**{run['ratios']['naive_read_over_thidua_whole_batch']}×**; naive read / `thidua run` (CLI wall) = "
            f"**{run['ratios']['naive_read_over_thidua_run_cli']}×**."
        )
    m = results["machine"]
    parts.append(
        f"Machine: {m['cpus']} × {m['cpu_model']}, {m['memory_gib']} GiB RAM; Python {m['python']}, pandas "
        f"{m['pandas']}, openpyxl {m['openpyxl']}, python-calamine {m['python-calamine']}, xlsxwriter "
        f"{m['xlsxwriter']}, thidua {m['thidua']} (commit {m['commit']}); {m['date']}."
    )
    return "\n\n".join(parts) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, nargs="+", default=[100, 1000], help="batch sizes (default 100 1000)")
    parser.add_argument("--quick", action="store_true", help="a 10-file smoke run instead of --files")
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    parser.add_argument("--work", type=Path, default=Path("bench-work"), help="work folder (default ./bench-work)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes for file generation")
    parser.add_argument(
        "--returned",
        action="store_true",
        help="also run 1,000 files that each carry a warning, so that every file gets a return copy",
    )
    parser.add_argument("--stage", choices=[*STAGES, "prepare"], help=argparse.SUPPRESS)
    parser.add_argument("--ws", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:  # internal: one part, in this fresh process
        if args.stage == "prepare":
            root, found = prepare(args.ws, args.files[0], args.jobs, 1 if args.returned else 25)
            found["root"] = str(root)
        else:
            found = STAGES[args.stage](args.ws)
        found.setdefault("peak_mib", peak_mib())
        args.result.write_text(json.dumps(found), encoding="utf-8")
        return 0

    work = args.work.resolve()
    for forbidden in ("src", "tests"):
        if (Path(__file__).resolve().parent.parent / forbidden) in (work, *work.parents):
            parser.error(f"--work must not be under {forbidden}/")
    work.mkdir(parents=True, exist_ok=True)
    school_root = Path(in_subprocess("school", work)["root"])
    school = in_subprocess("cli", school_root)
    demo_files = len(submitted(school_root))
    results: dict[str, Any] = {
        "machine": machine(),
        "school": {
            "files": demo_files,
            "exit_code": school["exit_code"],
            "row": row("thidua run (CLI, end-to-end wall)", school["seconds"], demo_files, None, school["peak_mib"]),
        },
        "runs": [],
    }
    for files in [10] if args.quick else args.files:
        facts = in_subprocess("prepare", work, "--files", str(files), "--jobs", str(args.jobs))
        results["runs"].append(bench(Path(facts["root"]), facts))
    if args.returned:
        facts = in_subprocess("prepare", work, "--files", "1000", "--jobs", str(args.jobs), "--returned")
        results["runs"].append(bench(Path(facts["root"]), facts))
    print(render(results))
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    failed = [run["files"] for run in results["runs"] if not run["ldtt_check"]["ok"]]
    if failed:
        print(f"LĐTT count check FAILED for N = {failed}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
