"""Office roll-up benchmark (SPEC 15): `thidua office run` over N units' reports generated from real thidua
outputs, reporting units per second, peak memory and whether the rolled-up totals equal what was generated.

    .venv/bin/python benchmarks/office_bench.py --units 20 1500 45000 --out office-results.json
    .venv/bin/python benchmarks/office_bench.py --quick

The real outputs come from `thidua office init base --demo` (thidua run for each demo school, its real report
workbooks). Each generated unit's report is one of those workbooks with its hidden `_thidua` sheet rewritten (its
school, figures, nominees' birth dates and initiative titles varied) at the zip level: the other parts are copied
as they are, so every generated file is a real thidua report workbook. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
SCHOOL_YEAR = "2026-2027"  # the office demo's school year
YEAR_END = "2027-05"  # the month of its schools' year-end vote: the reports carry every proposal
ORDINARY = "2026-11"
GENERATOR_VERSION = 2  # bump when the generated files change, to invalidate cached workspaces
MARKER = "bench-complete.json"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FAMILIES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
    "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Lương", "Mai",
)  # fmt: skip


def thidua() -> str:
    return str(Path(sys.executable).with_name("thidua"))


# --- the real outputs ---------------------------------------------------------------------------------------
def base_outputs(work: Path) -> Path:
    """The office demo made by thidua itself (kept and reused): its schools' real report workbooks."""
    base = work / "base"
    if (base / MARKER).is_file():
        return base
    shutil.rmtree(base, ignore_errors=True)
    say(f"real outputs: thidua office init {base} --demo (thidua run for each demo school)")
    subprocess.run(
        [thidua(), "office", "init", str(base), "--demo", "--school-year", SCHOOL_YEAR],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (base / MARKER).write_text("{}", encoding="utf-8")
    return base


class Template:
    """One real report workbook: its zip members as bytes, which member is the `_thidua` sheet, and that sheet's
    rows as thidua's office reads them."""

    def __init__(self, path: Path) -> None:
        import python_calamine as calamine

        with zipfile.ZipFile(path) as archive:
            self.members = [(info, archive.read(info)) for info in archive.infolist()]
        parts = dict((info.filename, data) for info, data in self.members)
        sheet_id = re.search(rb'<sheet name="_thidua"[^>]*r:id="(rId\d+)"', parts["xl/workbook.xml"])
        if sheet_id is None:
            raise SystemExit(f"{path}: no _thidua sheet")
        target = re.search(
            rb'Id="' + sheet_id.group(1) + rb'"[^>]*Target="([^"]+)"', parts["xl/_rels/workbook.xml.rels"]
        )
        if target is None:
            raise SystemExit(f"{path}: the _thidua sheet's part is not found")
        self.part = "xl/" + target.group(1).decode().lstrip("/").removeprefix("xl/")
        workbook = calamine.CalamineWorkbook.from_path(str(path))
        self.rows = [list(r) for r in workbook.get_sheet_by_name("_thidua").to_python(skip_empty_area=False)]
        self.school = next(str(r[1]) for r in self.rows if r and r[0] == "school")
        self.mtime = path.stat().st_mtime


def templates(base: Path, month: str) -> list[Template]:
    found = sorted(base.glob(f"nhan/*/bao-cao-thi-dua-{month}.xlsx"))
    if not found:
        raise SystemExit(f"no report of {month} under {base}/nhan")
    return [Template(p) for p in found]


# --- one generated unit -------------------------------------------------------------------------------------
def vary(template: Template, index: int, name: str) -> tuple[list[list[Any]], dict[str, tuple[int, int]], int]:
    """The template's `_thidua` rows for unit `index`: its school, the targets' registered/achieved figures moved
    by a little, nominees born on other days with another family name and their works titled after this school.
    Returns the rows, the generated figures per target code and the number of nominees."""
    rng = random.Random(index)
    rows = [list(r) for r in template.rows]
    figures: dict[str, tuple[int, int]] = {}
    section = ""
    header: list[str] = []
    nominees = 0
    for row in rows:
        first = row[0] if row else ""
        if first == "school":
            row[1] = name
        elif first in ("targets", "nominations", "nominees") and all(v == "" for v in row[1:]):
            section, header = str(first), []
            continue
        if all(v == "" for v in row):
            section = ""
            continue
        if section and not header:
            header = [str(v) for v in row]
            continue
        if section == "targets":
            record = dict(zip(header, row, strict=False))
            registered = _int(record["registered"])
            achieved = _int(record["achieved"])
            if registered is not None:
                registered = max(0, registered + rng.randint(-1, 2))
                row[header.index("registered")] = float(registered)
            if achieved is not None:
                achieved = max(0, min(achieved + rng.randint(-1, 1), registered if registered is not None else 10**6))
                row[header.index("achieved")] = float(achieved)
            figures[str(record["code"])] = (registered or 0, achieved or 0)
        elif section == "nominees":
            nominees += 1
            at = header.index("name")
            parts = str(row[at]).split(" ", 1)
            if len(parts) == 2:  # the person's family name changes with the unit (a different person)
                row[at] = f"{FAMILIES[(index + zlib.crc32(parts[1].encode())) % len(FAMILIES)]} {parts[1]}"
            birth = str(row[header.index("birth_date")])
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", birth):
                row[header.index("birth_date")] = (
                    f"{1965 + rng.randrange(35)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                )
            works = header.index("works")
            # each unit's works its own (a title credited in two units is a finding, not the common case)
            row[works] = "; ".join(
                _own_work(part, template.school, name) for part in str(row[works]).split("; ") if part
            )
    return rows, figures, nominees


def _own_work(work: str, school: str, name: str) -> str:
    """A work as this unit lists it: "Title, cấp X, QĐ …" with the unit's name in its title."""
    if school in work:
        return work.replace(school, name)
    title, sep, rest = work.partition(", cấp ")
    return f"{title} – {name}{sep}{rest}"


def _int(value: object) -> int | None:
    return None if value in ("", None) else round(float(value))  # type: ignore[arg-type]


def sheet_xml(rows: Sequence[Sequence[Any]]) -> bytes:
    """A worksheet part with the rows: numbers as numbers, text as inline strings (what any reader reads)."""
    out = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}"><sheetData>']
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            if value == "" or value is None:
                continue
            ref = f"{_column(c)}{r}"
            if isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            else:
                cells.append(
                    f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'
                )
        if cells:
            out.append(f'<row r="{r}">{"".join(cells)}</row>')
    out.append("</sheetData></worksheet>")
    return "".join(out).encode("utf-8")


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def write_unit(template: Template, path: Path, rows: Sequence[Sequence[Any]]) -> None:
    """The template workbook with its `_thidua` sheet replaced; its file time the template's (sent in time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info, data in template.members:
            archive.writestr(info, sheet_xml(rows) if info.filename == template.part else data)
    os.utime(path, (template.mtime, template.mtime))


_TEMPLATES: list[Template] = []


def _init(base: str, month: str) -> None:
    _TEMPLATES[:] = templates(Path(base), month)


def _make(job: tuple[str, int, str]) -> tuple[str, str, dict[str, tuple[int, int]], int]:
    folder, index, month = job
    code, name = unit_code(index), f"Trường Tiểu học Số {index + 1}"
    template = _TEMPLATES[index % len(_TEMPLATES)]
    rows, figures, nominees = vary(template, index, name)
    write_unit(template, Path(folder) / "nhan" / code / f"bao-cao-thi-dua-{month}.xlsx", rows)
    return code, name, figures, nominees


def unit_code(index: int) -> str:
    return f"DV{index + 1:05d}"


def generate(work: Path, n: int, month: str, jobs: int, base: Path | None = None) -> Path:
    """An office workspace with N units, each having sent its month's report (kept and reused). `base`: a folder
    whose nhan/*/ hold real reports of `month` (default: the office demo made by thidua)."""
    ws = work / f"office-{n}-{month}"
    marker = ws / MARKER
    if marker.is_file() and json.loads(marker.read_text())["version"] == GENERATOR_VERSION:
        return ws
    base = base or base_outputs(work)
    shutil.rmtree(ws, ignore_errors=True)
    subprocess.run(
        [thidua(), "office", "init", str(ws), "--school-year", SCHOOL_YEAR], check=True, stdout=subprocess.DEVNULL
    )
    say(f"generating {n} units under {ws}/nhan")
    started = time.perf_counter()
    tasks = [(str(ws), i, month) for i in range(n)]
    if jobs > 1 and n > 50:
        with ProcessPoolExecutor(jobs, initializer=_init, initargs=(str(base), month)) as pool:
            made = list(pool.map(_make, tasks, chunksize=64))
    else:
        _init(str(base), month)
        made = [_make(t) for t in tasks]
    from thidua.office.units import Unit, write_units

    write_units(ws / "donvi.xlsx", [Unit(code, name, "Tiểu học", "", 32) for code, name, _f, _n in made])
    totals: dict[str, list[int]] = {}
    for _code, _name, figures, _n in made:
        for code, (registered, achieved) in figures.items():
            found = totals.setdefault(code, [0, 0])
            found[0] += registered
            found[1] += achieved
    expected = {"units": n, "nominees": sum(m[3] for m in made), "totals": totals, "version": GENERATOR_VERSION}
    marker.write_text(json.dumps(expected), encoding="utf-8")
    say(f"  {n} units generated in {time.perf_counter() - started:.1f} s")
    return ws


# --- measuring ----------------------------------------------------------------------------------------------
def measure(ws: Path, month: str) -> dict[str, Any]:
    """`thidua office run` as a subprocess of a fresh interpreter (this script with --stage), so that the peak
    memory (ru_maxrss of RUSAGE_CHILDREN: the largest of thidua and its reading workers) is the run's alone."""
    done = subprocess.run(
        [sys.executable, __file__, "--stage", str(ws), month], check=True, capture_output=True, text=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def stage(ws: Path, month: str) -> None:
    started = time.perf_counter()
    done = subprocess.run(
        [thidua(), "office", "run", "--month", month, "-w", str(ws)], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {"seconds": seconds, "peak_mb": peak, "rc": done.returncode, "stderr": done.stderr[-2000:]}
    print(json.dumps(result))


def figure_check(ws: Path, month: str) -> tuple[bool, str]:
    """The rolled-up totals (the office's summary.json) against the sums of what was generated."""
    expected = json.loads((ws / MARKER).read_text())
    summary = json.loads((ws / "output" / month / "summary.json").read_text(encoding="utf-8"))
    wrong = []
    if summary["units"]["received"] != expected["units"]:
        wrong.append(f"received {summary['units']['received']} of {expected['units']}")
    got = {t["code"]: [t["registered"] or 0, t["achieved"] or 0] for t in summary["totals"]}
    for code, figures in expected["totals"].items():
        if got.get(code) != figures:
            wrong.append(f"{code}: {got.get(code)} != {figures}")
    if "proposals" in summary:
        proposed = sum(sum(p.values()) for p in summary["proposals"].values())
        schools_own = proposed <= expected["nominees"]
        if not schools_own:
            wrong.append(f"proposals {proposed} > nominees generated {expected['nominees']}")
    return not wrong, "; ".join(wrong) or "OK"


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    info = Path("/proc/cpuinfo")
    lines = info.read_text().splitlines() if info.is_file() else []
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "commit": commit.stdout.strip(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, nargs="+", default=[20, 1500])
    parser.add_argument("--month", choices=(YEAR_END, ORDINARY), default=YEAR_END)
    parser.add_argument("--quick", action="store_true", help="20 units only")
    parser.add_argument("--work", type=Path, default=ROOT / "bench-work")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--stage", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stage:
        stage(Path(args.stage[0]), args.stage[1])
        return 0
    work = args.work.resolve()
    if work.is_relative_to(ROOT / "src") or work.is_relative_to(ROOT / "tests"):
        raise SystemExit("--work must not be under src/ or tests/")
    sizes = [20] if args.quick else args.units
    results = []
    ok = True
    for n in sizes:
        ws = generate(work, n, args.month, args.jobs)
        say(f"thidua office run --month {args.month}: {n} units")
        run = measure(ws, args.month)
        if run["rc"] != 0:
            say(run["stderr"])
            raise SystemExit(f"thidua office run failed at {n} units (exit {run['rc']})")
        good, detail = figure_check(ws, args.month)
        ok = ok and good
        results.append({"units": n, "month": args.month, **run, "units_per_s": n / run["seconds"], "check": detail})
    print("| units | month | seconds | units/s | peak MB | figure check |\n|---:|---|---:|---:|---:|---|")
    for r in results:
        print(
            f"| {r['units']:,} | {r['month']} | {r['seconds']:.1f} | {r['units_per_s']:,.0f} | {r['peak_mb']:.0f} | "
            f"{r['check']} |"
        )
    facts = machine()
    print(f"\n{facts['cpus']} × {facts['cpu']}, Python {facts['python']}, commit {facts['commit']}, {facts['date']}")
    if args.out:
        args.out.write_text(json.dumps({"machine": facts, "results": results}, indent=2), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
