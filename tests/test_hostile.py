"""Hostile input (SPEC §9): corrupt, truncated, encrypted, zip-bomb and XML-bomb files, wrong formats, formulas,
injection strings and huge sheets, each named after what is wrong with it. Every one must get a clear Vietnamese
issue, without a traceback, without moving the counts of the good files, without touching the inputs and without
a submitted string ever becoming a formula in what we write.

The corpus is generated once per session (tests/hostile.py) and copied into each workspace."""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
import tracemalloc
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import python_calamine as calamine
from click.testing import CliRunner, Result
from defusedxml import EntitiesForbidden
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from thidua.cli import main
from thidua.forms import template_fields
from thidua.intake import guard
from thidua.issues import CATALOG, Severity
from thidua.pipeline.batch import Progress, compute
from thidua.workspace.folder import Workspace, open_workspace

from . import hostile
from .conftest import Fill, reg_row
from .frames import figures, target

MONTH = "2022-05"
HOSTILE = "hostile"  # the corpus's folder inside submissions/
UNEXPECTED = "sự cố ngoài dự kiến"  # the CLI's last-resort sentence: an exception nobody handled
VIETNAMESE = re.compile("[ăâđêôơưáàảãạéèẻẽẹíìỉĩịóòỏõọúùủũụýỳỷỹỵ]", re.IGNORECASE)

# What each hostile file must be reported as (at least one issue on the file with each of these codes).
EXPECTED: dict[str, set[str]] = {
    "empty.xlsx": {"file-empty-bytes"},
    "random-bytes.xlsx": {"file-unreadable"},
    "truncated.xlsx": {"file-unreadable"},
    "csv-renamed.xlsx": {"file-renamed-text"},
    "html-renamed.xls": {"file-renamed-text"},
    "password-protected.xlsx": {"file-encrypted"},
    "macro-enabled.xlsm": {"file-macro"},
    "not-a-template.xlsx": {"file-not-template"},
    "missing-required-column.xlsx": {"sheet-missing-column"},
    "uncalculated-formulas.xlsx": {"formula-uncalculated"},
    "merged-cells-over-data.xlsx": {"cells-merged"},
    "hidden-sheet.xlsx": {"sheet-hidden"},
    "hidden-rows.xlsx": {"rows-hidden"},
    "huge-sheet.xlsx": {"sheet-too-many-rows"},
    "huge-sheet-wrong-dimension.xlsx": {"sheet-too-many-rows"},
    "control-characters.xlsx": {"person-unknown"},
    "injection.xlsx": {"person-unknown", "choice-invalid", "text-formula-like"},
    "folder-named.xlsx": {"folder-named-like-file"},
    "zip-bomb.xlsx": {"file-zip-bomb"},
    "xml-entity-bomb.xlsx": {"file-xml-entity"},
}
BOMBS = {"zip-bomb.xlsx", "xml-entity-bomb.xlsx", "huge-sheet.xlsx", "huge-sheet-wrong-dimension.xlsx"}

# The huge sheets are left out of the shared `run` only to keep it quick: `check`, `compute` and their own tests
# cover them.
SLOW_RUN = {"huge-sheet.xlsx", "huge-sheet-wrong-dimension.xlsx"}
RUNNABLE = sorted(set(EXPECTED) - SLOW_RUN)


# --- the corpus ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sources:
    """Real files of the demo workspace the hostile files are built from."""

    template: Path  # blank registration template
    person: Path  # one person's registration
    team: Path  # a team's registrations
    report: Path  # a monthly activity report


def sources_of(ws: Workspace) -> Sources:
    return Sources(
        ws.templates / f"{template_fields.FILE_NAMES[template_fields.REGISTRATION]}.xlsx",
        ws.submissions / "dang-ky" / "to-1" / "DK thi dua - 05.xlsx",
        ws.submissions / "dang-ky" / "DK thi dua To 2-3.xlsx",
        ws.submissions / "bao-cao" / "Bao cao ket qua to-1.xlsx",
    )


def _wrong_dimension(path: Path, honest: Path) -> None:
    """The huge sheet claiming to be ten rows long: only reading it can tell."""
    path.write_bytes(
        hostile.rewrite_zip(
            honest.read_bytes(),
            lambda name, data: (
                re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:F10"/>', data, count=1)
                if name.startswith("xl/worksheets/")
                else data
            ),
        )
    )


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory, demo_template_ws: Workspace) -> Path:
    """Every hostile file of EXPECTED, generated once; the zip bomb deflates in a thread meanwhile."""
    folder = tmp_path_factory.mktemp("corpus") / HOSTILE
    folder.mkdir()
    src = sources_of(demo_template_ws)
    with ThreadPoolExecutor(1) as pool:
        bomb = pool.submit(hostile.zip_bomb, folder / "zip-bomb.xlsx", src.template)  # zlib releases the GIL
        hostile.huge_sheet(folder / "huge-sheet.xlsx")
        _wrong_dimension(folder / "huge-sheet-wrong-dimension.xlsx", folder / "huge-sheet.xlsx")
        hostile.empty(folder / "empty.xlsx")
        hostile.random_bytes(folder / "random-bytes.xlsx")
        hostile.truncated(folder / "truncated.xlsx", src.person)
        hostile.csv_renamed(folder / "csv-renamed.xlsx")
        hostile.html_renamed(folder / "html-renamed.xls")
        hostile.password_protected(folder / "password-protected.xlsx")
        hostile.macro_enabled(folder / "macro-enabled.xlsm", src.person)
        hostile.not_a_template(folder / "not-a-template.xlsx")
        hostile.missing_required_column(folder / "missing-required-column.xlsx", src.report)
        hostile.uncalculated_formulas(folder / "uncalculated-formulas.xlsx", src.template, ["Người Lạ Một"])
        hostile.merged_cells_over_data(folder / "merged-cells-over-data.xlsx", src.team)
        hostile.hidden_sheet(folder / "hidden-sheet.xlsx", src.person)
        hostile.hidden_rows(folder / "hidden-rows.xlsx", src.team)
        hostile.control_characters(folder / "control-characters.xlsx", src.template)
        hostile.injection(folder / "injection.xlsx", src.template)
        hostile.folder_named(folder / "folder-named.xlsx", src.person)
        hostile.xml_entity_bomb(folder / "xml-entity-bomb.xlsx", src.person)
        bomb.result()
    assert sorted(p.name for p in folder.iterdir()) == sorted(EXPECTED)
    return folder


def add_corpus(ws: Workspace, corpus: Path, names: Iterable[str]) -> Path:
    """Copy the named hostile files (or the folder) into submissions/hostile/."""
    target = ws.submissions / HOSTILE
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = corpus / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    return target


def copy_ws(source: Workspace, target: Path, submissions: bool = True) -> Workspace:
    ignore = None if submissions else shutil.ignore_patterns("submissions")
    shutil.copytree(source.root, target, ignore=ignore)
    (target / "submissions").mkdir(exist_ok=True)
    return open_workspace(target)


# --- helpers ---------------------------------------------------------------------------------------------------------


def cli(*args: str) -> Result:
    """Run a command in-process. A workbook openpyxl fails to load (in the return copies) stays open until it is
    collected: collect it now, so the ResourceWarning does not land in whichever test runs next."""
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


def invoke(*args: str) -> Result:
    result = cli(*args)
    assert_handled(result)
    return result


def assert_handled(result: Result) -> None:
    """Exit 0 or 1 through sys.exit, no traceback, no 'unexpected failure' sentence."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    assert UNEXPECTED not in result.output, result.output


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under `folder`: files by content hash and mtime, links by target, folders by name."""
    seen: dict[str, str] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                seen[rel] = f"link → {os.readlink(path)}"
            elif path.is_file():
                seen[rel] = f"{hashlib.sha256(path.read_bytes()).hexdigest()} {path.stat().st_mtime_ns}"
            else:
                seen[rel] = "folder"
    return seen


def files_bytes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def counts(summary: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {t["code"]: (t["registered"], t["achieved"]) for t in summary["targets"]}


@dataclass(frozen=True)
class Row:
    """One line of the issue report's 'Chi tiết' sheet."""

    file: str
    cell: str
    severity: str
    code: str
    title: str
    message: str
    value: str


def issue_rows(path: Path) -> list[Row]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(wb["Chi tiết"].iter_rows(min_row=4, values_only=True))
    finally:
        wb.close()
    return [
        Row(*(str(r[i] or "") for i in (1, 3, 6, 10, 7, 8, 9)))
        for r in rows
        if r and r[0] is not None and r[10] is not None
    ]


def assert_named(rows: Sequence[Row], names: Iterable[str]) -> None:
    """Each hostile file has its expected codes, with the catalogue's severity and title and a Vietnamese message."""
    for name in names:
        mine = [r for r in rows if r.file == f"{HOSTILE}/{name}"]
        assert EXPECTED[name] <= {r.code for r in mine}, (name, [(r.code, r.message) for r in mine])
        for r in mine:
            severity, title = CATALOG[r.code].severity, CATALOG[r.code].title
            assert (r.severity, r.title) == (severity.value, title), r
            assert VIETNAMESE.search(r.message) and "Traceback" not in r.message, r


def workbooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.xls*") if p.is_file())


# Our own live totals, and nothing else: SUM/COUNTA/COUNTIF over an A1 range, criteria our own words.
_RANGE = r"\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?"
_TERM = rf'(?:SUM|COUNTA)\({_RANGE}\)|COUNTIF\({_RANGE},"[^"=+@|()<>&!]*"\)'
OUR_FORMULA = re.compile(rf"=(?:{_TERM})(?:[+-](?:{_TERM}))*")


def assert_no_foreign_formulas(paths: Iterable[Path]) -> int:
    """No cell of any workbook is a formula other than our totals, none holds an injection string as a formula,
    none is a hyperlink. Returns how many cells hold an injection string as text."""
    fragments = ("HYPERLINK", "cmd|", "@SUM", "WEBSERVICE", "-2+3", "=1+1")
    as_text = 0
    for path in paths:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl: extensions it does not read
            wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    value = cell.value
                    if cell.data_type == "f":
                        assert isinstance(value, str) and OUR_FORMULA.fullmatch(value), (path.name, cell.coordinate)
                        assert not any(f in value for f in fragments), (path.name, cell.coordinate, value)
                    elif isinstance(value, str) and any(v in value for v in hostile.INJECTIONS):
                        as_text += 1
                    assert cell.hyperlink is None, (path.name, cell.coordinate)
    return as_text


# --- the whole corpus through `run` and `check` ---------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    ws: Workspace
    clean: dict[str, Any]  # summary of the clean demo run
    result: Result  # the hostile run (or check)
    before: dict[str, str]  # snapshot of submissions/ before the hostile run
    after: dict[str, str]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory, demo_template_ws: Workspace, corpus: Path) -> Outcome:
    """`run --json` on the demo workspace, clean first, then with every hostile file `run` survives today."""
    ws = copy_ws(demo_template_ws, tmp_path_factory.mktemp("run") / "ws")
    clean = invoke("run", "--month", MONTH, "--json", "-w", str(ws.root))
    assert clean.exit_code == 0
    add_corpus(ws, corpus, RUNNABLE)
    before = snapshot(ws.submissions)
    result = invoke("run", "--month", MONTH, "--json", "-w", str(ws.root))
    return Outcome(ws, json.loads(clean.stdout), result, before, snapshot(ws.submissions))


@pytest.fixture(scope="module")
def hostile_check(tmp_path_factory: pytest.TempPathFactory, demo_template_ws: Workspace, corpus: Path) -> Outcome:
    """`check` on the demo workspace with the whole corpus."""
    ws = copy_ws(demo_template_ws, tmp_path_factory.mktemp("check") / "ws")
    add_corpus(ws, corpus, EXPECTED)
    before = snapshot(ws.submissions)
    result = invoke("check", "--month", MONTH, "-w", str(ws.root))
    return Outcome(ws, {}, result, before, snapshot(ws.submissions))


def test_run_keeps_the_good_counts_and_names_every_hostile_file(hostile_run: Outcome) -> None:
    summary = json.loads(hostile_run.result.stdout)
    assert counts(summary) == counts(hostile_run.clean)
    assert summary["issues"]["error"] > 0 and hostile_run.result.exit_code == 1
    rows = issue_rows(hostile_run.ws.month_dir(MONTH) / f"danh-sach-loi-{MONTH}.xlsx")
    assert_named(rows, RUNNABLE)


def test_run_leaves_every_input_byte_identical(hostile_run: Outcome) -> None:
    assert hostile_run.after == hostile_run.before
    assert {k for k in hostile_run.before if k.startswith(HOSTILE)} >= {f"{HOSTILE}/{n}" for n in RUNNABLE}


def test_no_submitted_text_is_ever_written_as_a_formula(hostile_run: Outcome, hostile_check: Outcome) -> None:
    month = hostile_run.ws.month_dir(MONTH)
    written = workbooks(month) + workbooks(hostile_check.ws.output / f"kiem-tra-{MONTH}")
    names = {p.relative_to(month).as_posix() for p in written if month in p.parents}
    expected = {f"tong-hop-thi-dua-{MONTH}.xlsx", f"bao-cao-thi-dua-{MONTH}.xlsx", f"danh-sach-loi-{MONTH}.xlsx"}
    assert expected | {"tra-lai/hostile-injection.xlsx", "tra-lai/hostile-control-characters.xlsx"} <= names
    assert assert_no_foreign_formulas(written) > 0  # the injection strings did reach the writers, as text
    copy = openpyxl.load_workbook(month / "tra-lai" / "hostile-injection.xlsx")["Đăng ký"]
    assert [(copy[f"B{r}"].value, copy[f"B{r}"].data_type) for r in range(6, 6 + len(hostile.INJECTIONS))] == [
        (text, "s") for text in hostile.INJECTIONS
    ]


def test_our_own_totals_are_the_only_formulas_and_they_are_there(hostile_run: Outcome) -> None:
    """The formula check above is not vacuous: the writers do put live totals in the two official workbooks."""
    month = hostile_run.ws.month_dir(MONTH)
    for name in (f"tong-hop-thi-dua-{MONTH}.xlsx", f"bao-cao-thi-dua-{MONTH}.xlsx"):
        wb = openpyxl.load_workbook(month / name)
        formulas = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
        assert formulas and all(OUR_FORMULA.fullmatch(f) for f in formulas), name


def test_control_characters_and_long_text_are_written_safely(hostile_run: Outcome) -> None:
    rows = issue_rows(hostile_run.ws.month_dir(MONTH) / f"danh-sach-loi-{MONTH}.xlsx")
    mine = [r for r in rows if r.file == f"{HOSTILE}/control-characters.xlsx" and r.code == "person-unknown"]
    assert mine[0].value == hostile.CONTROL_TEXT.replace("\x01", "\ufffd").replace("\x07", "\ufffd")
    assert len(mine) == 2 and all(len(r.message) <= 32767 for r in mine)
    assert "Đ" * 1000 in mine[1].message


def test_check_names_every_hostile_file(hostile_check: Outcome) -> None:
    assert hostile_check.result.exit_code == 1
    rows = issue_rows(hostile_check.ws.output / f"kiem-tra-{MONTH}" / f"danh-sach-loi-{MONTH}.xlsx")
    assert_named(rows, EXPECTED)
    assert hostile_check.after == hostile_check.before
    assert not hostile_check.ws.month_dir(MONTH).exists()  # a check writes no month outputs


def test_compute_keeps_the_good_counts_with_the_whole_corpus(hostile_check: Outcome, hostile_run: Outcome) -> None:
    result = compute(hostile_check.ws, MONTH)
    assert figures(result) == counts(hostile_run.clean)
    assert result.issues.has_errors


# Hostile files that must still be read, and the demo file each was made from.
READ_LIKE = {
    "macro-enabled.xlsm": "person",
    "hidden-sheet.xlsx": "person",
    "folder-named.xlsx": "person",
    "hidden-rows.xlsx": "team",
    "merged-cells-over-data.xlsx": "team",
}


def target_counts(ws: Workspace) -> dict[str, tuple[int, int]]:
    return figures(compute(ws, MONTH))


@pytest.mark.parametrize("name", sorted(READ_LIKE))
def test_flagged_files_are_counted_exactly_like_their_original(
    name: str, corpus: Path, empty_ws: Workspace, demo_template_ws: Workspace
) -> None:
    original = getattr(sources_of(demo_template_ws), READ_LIKE[name])
    copy = shutil.copy2(original, empty_ws.submissions / original.name)
    expected = target_counts(empty_ws)
    assert any(registered for registered, _achieved in expected.values())
    Path(copy).unlink()
    add_corpus(empty_ws, corpus, [name])
    assert target_counts(empty_ws) == expected


@pytest.mark.slow  # one whole run per hostile file: about 1 s each, 16 s in all
@pytest.mark.parametrize("name", sorted(set(EXPECTED) - SLOW_RUN))
def test_each_hostile_file_alone_gets_a_complete_run(name: str, corpus: Path, empty_ws: Workspace) -> None:
    add_corpus(empty_ws, corpus, [name])
    before = snapshot(empty_ws.submissions)
    result = cli("run", "--month", MONTH, "--json", "-w", str(empty_ws.root))
    assert_handled(result)
    folder = empty_ws.month_dir(MONTH)
    for written in (f"tong-hop-thi-dua-{MONTH}.xlsx", f"bao-cao-thi-dua-{MONTH}.xlsx", f"danh-sach-loi-{MONTH}.xlsx"):
        assert (folder / written).is_file()
    rows = issue_rows(folder / f"danh-sach-loi-{MONTH}.xlsx")
    assert_named(rows, [name])
    assert result.exit_code == (1 if any(r.severity == Severity.ERROR.value for r in rows) else 0)
    assert snapshot(empty_ws.submissions) == before
    assert_no_foreign_formulas(workbooks(folder))


def test_files_the_guard_refused_are_never_parsed_for_return_copies(
    corpus: Path, empty_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_corpus(empty_ws, corpus, sorted(BOMBS))
    opened: list[str] = []
    real = openpyxl.load_workbook

    def spy(filename: Any, *args: Any, **kwargs: Any) -> Any:
        path = Path(filename)
        if empty_ws.submissions not in path.parents:
            return real(filename, *args, **kwargs)
        opened.append(path.name)
        raise ValueError("not parsed in this test")  # handled by the writer: no copy, no cost

    monkeypatch.setattr(openpyxl, "load_workbook", spy)
    result = cli("run", "--month", MONTH, "-w", str(empty_ws.root))
    assert_handled(result)
    assert opened == []


# --- bombs: refused fast, within memory, without inflating -----------------------------------------------------------


def test_the_zip_bomb_is_refused_from_its_directory_without_inflating(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = (corpus / "zip-bomb.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        declared = sum(i.file_size for i in archive.infolist())
    assert declared >= hostile.BOMB_BYTES and len(data) < 8 << 20
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(name if isinstance(name, str) else name.filename)
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(guard.Refused) as refused:
            guard.inspect(data, ".xlsx", guard.Limits())
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.code == "file-zip-bomb"
    assert elapsed < 1.0
    assert peak < 16 << 20
    assert "xl/worksheets/sheet1.xml" not in opened
    assert refused.value.params["inflated"] == "1,024"


BOOK = b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'


def one_member_zip(body: bytes, method: int = zipfile.ZIP_DEFLATED, name: str = "xl/workbook.xml") -> bytearray:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as package:
        package.writestr(name, body)
    return bytearray(buffer.getvalue())


def declare(data: bytearray, size: int, crc: int) -> bytes:
    """The zip's only member made to declare another size and checksum, in its local and its central header
    (APPNOTE 4.3.7, 4.3.12)."""
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, 14, crc)
    struct.pack_into("<I", data, 22, size)
    struct.pack_into("<I", data, central + 16, crc)
    struct.pack_into("<I", data, central + 24, size)
    return bytes(data)


def test_a_member_that_inflates_past_its_declared_size_is_damaged_even_with_a_matching_checksum() -> None:
    """What the guard reads whole is never more than its declared size, and a member that holds more than it
    declares is refused, even when the checksum is that of the declared part (which zipfile alone accepts)."""
    lying = declare(one_member_zip(BOOK + b" " * 100_000), len(BOOK), zlib.crc32(BOOK))
    with zipfile.ZipFile(io.BytesIO(lying)) as archive:
        assert archive.read("xl/workbook.xml") == BOOK  # zipfile stops at the declared size without a word
    with pytest.raises(guard.Refused) as refused:
        guard.inspect(lying, ".xlsx", guard.Limits())
    assert refused.value.code == "file-unreadable"
    short = declare(one_member_zip(BOOK), len(BOOK) + 10, zlib.crc32(BOOK))
    with pytest.raises(guard.Refused) as refused:
        guard.inspect(short, ".xlsx", guard.Limits())
    assert refused.value.code == "file-unreadable"
    assert guard.inspect(bytes(one_member_zip(BOOK)), ".xlsx", guard.Limits()) == guard.Inspection()


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["bzip2", "lzma"])
def test_a_member_compressed_as_no_spreadsheet_writer_does_is_never_inflated(method: int) -> None:
    """zipfile inflates a bzip2 or LZMA member a whole chunk at a time, past any bound: such a member is
    refused as damage (Excel, LibreOffice and every writer store or deflate)."""
    with pytest.raises(guard.Refused) as refused:
        guard.inspect(bytes(one_member_zip(BOOK, method)), ".xlsx", guard.Limits())
    assert refused.value.code == "file-unreadable"


def test_an_encrypted_member_is_damage_not_a_password_prompt() -> None:
    data = one_member_zip(BOOK)
    central = data.find(b"PK\x01\x02")
    data[6] |= 0x1  # the encryption flag, in the local and the central header
    data[central + 8] |= 0x1
    with pytest.raises(guard.Refused) as refused:
        guard.inspect(bytes(data), ".xlsx", guard.Limits())
    assert refused.value.code == "file-unreadable"


_MEASURE = """
import json, resource, sys
from pathlib import Path
from thidua.pipeline.batch import compute
from thidua.workspace.folder import open_workspace
result = compute(open_workspace(Path(sys.argv[1])), sys.argv[2])
print(json.dumps({"rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "issues": sorted({(i.file, i.code) for i in result.issues})}))
"""


@pytest.mark.slow
def test_the_whole_corpus_is_computed_within_memory_and_time(hostile_check: Outcome) -> None:
    """Peak memory of a whole batch over the demo and every hostile file (both bombs, both huge sheets)."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(hostile_check.ws.root), MONTH],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    measured = json.loads(proc.stdout)
    assert measured["rss_kib"] < 400 * 1024, f"peak RSS {measured['rss_kib'] // 1024} MiB"
    assert elapsed < 30
    found = {tuple(pair) for pair in measured["issues"]}
    for name in BOMBS:
        assert all((f"{HOSTILE}/{name}", code) in found for code in EXPECTED[name]), name


def test_the_xml_entity_bomb_is_refused_and_no_parser_expands_it(corpus: Path) -> None:
    path = corpus / "xml-entity-bomb.xlsx"
    with pytest.raises(guard.Refused) as refused:
        guard.inspect(path.read_bytes(), ".xlsx", guard.Limits())
    assert refused.value.code == "file-xml-entity"
    # Were the guard bypassed, python-calamine refuses the entity rather than expanding it…
    started = time.perf_counter()
    with pytest.raises(calamine.CalamineError, match="entity"):
        workbook = calamine.CalamineWorkbook.from_path(str(path))
        workbook.get_sheet_by_index(0).to_python()
    assert time.perf_counter() - started < 1.0
    # …and openpyxl (used for the return copies) parses through defusedxml, which forbids it.
    assert openpyxl.DEFUSEDXML is True
    with path.open("rb") as stream, pytest.raises(ValueError) as failed:
        openpyxl.load_workbook(stream)
    chain = []
    exc: BaseException | None = failed.value
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    assert any(isinstance(e, EntitiesForbidden) for e in chain)


def _entity_bomb_behind_a_comment(ws: Workspace) -> Path:
    """Well-formed XML may put comments of any length before its DOCTYPE: 5,000 bytes of one here."""
    path = ws.submissions / "xml-entity-bomb-behind-comment.xlsx"
    hostile.xml_entity_bomb(path, sources_of(ws).person, padding=5000)
    return path


def test_an_entity_bomb_behind_a_long_comment_is_still_refused_safely(demo_ws: Workspace) -> None:
    path = _entity_bomb_behind_a_comment(demo_ws)
    started = time.perf_counter()
    result = compute(demo_ws, MONTH)
    assert time.perf_counter() - started < 10
    codes = {i.code for i in result.issues if i.file == path.name}
    assert codes & {"file-xml-entity", "file-unreadable"} and all(CATALOG[c].severity is Severity.ERROR for c in codes)


def test_an_entity_bomb_behind_a_long_comment_gets_the_entity_issue(demo_ws: Workspace) -> None:
    path = _entity_bomb_behind_a_comment(demo_ws)
    assert "file-xml-entity" in {i.code for i in compute(demo_ws, MONTH).issues if i.file == path.name}


# --- huge sheets ------------------------------------------------------------------------------------------------------


def test_huge_sheets_are_refused_quickly(corpus: Path, empty_ws: Workspace) -> None:
    add_corpus(empty_ws, corpus, ["huge-sheet.xlsx", "huge-sheet-wrong-dimension.xlsx"])
    started = time.perf_counter()
    result = compute(empty_ws, MONTH)
    assert time.perf_counter() - started < 10
    refused = {(i.file, i.sheet, i.code, i.message) for i in result.issues if i.code == "sheet-too-many-rows"}
    advice = "vượt giới hạn 50,000 dòng nên không được đọc. Hãy xóa các dòng thừa rồi gửi lại."
    assert refused == {
        (f"{HOSTILE}/huge-sheet.xlsx", "Đăng ký", "sheet-too-many-rows", f"Trang tính có 300,001 dòng, {advice}"),
        (
            f"{HOSTILE}/huge-sheet-wrong-dimension.xlsx",
            "Đăng ký",
            "sheet-too-many-rows",
            f"Trang tính có 300,001 dòng, {advice}",  # counted from its rows, whatever <dimension> says
        ),
    }
    assert target(result, "LDTT").registered == 0


def test_the_row_limit_is_configurable(empty_ws: Workspace) -> None:
    path = empty_ws.submissions / "150-rows.xlsx"
    hostile.huge_sheet(path, rows=150)
    assert "sheet-too-many-rows" not in {i.code for i in compute(empty_ws, MONTH).issues}
    settings = empty_ws.root / "thidua.toml"
    text = settings.read_text(encoding="utf-8")
    assert "max_rows = 50000" in text  # the workspace's settings name the limit
    settings.write_text(text.replace("max_rows = 50000", "max_rows = 100"), encoding="utf-8")
    result = invoke("check", "--month", MONTH, "-w", str(empty_ws.root))
    assert result.exit_code == 1
    rows = issue_rows(empty_ws.output / f"kiem-tra-{MONTH}" / f"danh-sach-loi-{MONTH}.xlsx")
    assert [(r.file, r.code, r.message) for r in rows if r.code == "sheet-too-many-rows"] == [
        (
            "150-rows.xlsx",
            "sheet-too-many-rows",
            "Trang tính có 151 dòng, vượt giới hạn 100 dòng nên không được đọc. Hãy xóa các dòng thừa rồi gửi lại.",
        )
    ]


# --- files that are not what they say -------------------------------------------------------------------------------


def test_a_macro_enabled_workbook_is_read_with_a_note(empty_ws: Workspace, tmp_path: Path) -> None:
    from thidua.workspace.demo import _fill

    filled = tmp_path / "filled.xlsx"
    _fill(sources_of(empty_ws).template, filled, [reg_row("Đinh Thị Mai", "LĐTT")])
    hostile.macro_enabled(empty_ws.submissions / "co-macro.xlsm", filled)
    assert guard.inspect((empty_ws.submissions / "co-macro.xlsm").read_bytes(), ".xlsm", guard.Limits()).macros
    result = compute(empty_ws, MONTH)
    assert target(result, "LDTT").registered == 1
    assert [i.code for i in result.issues if i.file == "co-macro.xlsm"] == ["file-macro"]


def test_the_password_protected_file_is_a_real_encrypted_container(corpus: Path) -> None:
    """The minimal compound file is what calamine itself takes for a password-protected workbook."""
    path = corpus / "password-protected.xlsx"
    with pytest.raises(calamine.PasswordError):
        calamine.CalamineWorkbook.from_path(str(path))
    with pytest.raises(guard.Refused) as refused:
        guard.inspect(path.read_bytes(), ".xlsx", guard.Limits())
    assert refused.value.code == "file-encrypted"


class _Vanishing(Progress):
    """Deletes `victim` right after the first file is read: it was listed, then it is gone."""

    def __init__(self, victim: Path) -> None:
        self.victim = victim

    def files(self, done: int, total: int) -> None:
        if done == 1:
            self.victim.unlink()


def test_a_file_that_vanishes_during_the_batch_is_reported(empty_ws: Workspace, tmp_path: Path) -> None:
    from thidua.workspace.demo import _fill

    template = sources_of(empty_ws).template
    _fill(template, empty_ws.submissions / "a.xlsx", [reg_row("Đinh Thị Mai", "LĐTT")])
    _fill(template, empty_ws.submissions / "vanished.xlsx", [reg_row("Trần Văn Quý", "LĐTT")])
    result = compute(empty_ws, MONTH, _Vanishing(empty_ws.submissions / "vanished.xlsx"))
    assert [(i.code, i.message) for i in result.issues if i.file == "vanished.xlsx"] == [
        (
            "file-unreadable",
            "Không mở được tệp (tệp đã bị xóa hoặc chuyển đi trong lúc đang đọc). Hãy mở tệp bằng Excel, lưu lại "
            "dưới dạng .xlsx rồi gửi lại.",
        )
    ]
    assert target(result, "LDTT").registered == 1


def test_a_broken_link_is_named_in_the_issues(empty_ws: Workspace) -> None:
    hostile.broken_symlink(empty_ws.submissions / "vanished.xlsx")
    result = invoke("check", "--month", MONTH, "-w", str(empty_ws.root))
    rows = issue_rows(empty_ws.output / f"kiem-tra-{MONTH}" / f"danh-sach-loi-{MONTH}.xlsx")
    assert "vanished.xlsx" in {r.file for r in rows}
    assert result.exit_code == 1


# --- a killed run -----------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_killed_run_leaves_the_previous_outputs_intact(demo_ws: Workspace) -> None:
    invoke("run", "--month", MONTH, "-w", str(demo_ws.root))
    final = demo_ws.month_dir(MONTH)
    outputs_a = files_bytes(final)
    assert f"danh-sach-loi-{MONTH}.xlsx" in outputs_a
    # Many files with an error each: the writing stage makes one return copy per file, which takes seconds.
    bad = demo_ws.submissions / "nhieu" / "loi-000.xlsx"
    bad.parent.mkdir()
    hostile.filled_strings(bad, sources_of(demo_ws).template, [reg_row("Người Không Có Tên", "LĐTT")])
    for i in range(1, 50):
        shutil.copy2(bad, bad.with_name(f"loi-{i:03d}.xlsx"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "thidua", "run", "--month", MONTH, "-w", str(demo_ws.root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    staging: list[Path] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            staging = list(final.parent.glob(f".{MONTH}.tmp-*"))
            if staging and any((staging[0] / "tra-lai").glob("*.xlsx")):  # partial outputs exist
                break
            time.sleep(0.005)
        assert proc.poll() is None, "the run finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert staging and staging[0].is_dir()  # the killed run's half-written folder is still there
    assert files_bytes(final) == outputs_a
    result = invoke("run", "--month", MONTH, "-w", str(demo_ws.root))
    assert result.exit_code == 1  # the 50 files with an unknown person
    assert [p.name for p in final.parent.iterdir() if p.name.startswith(".")] == []
    assert len(list((final / "tra-lai").glob("nhieu-loi-*.xlsx"))) == 50


@pytest.mark.parametrize("make", [hostile.bad_crc, hostile.corrupt_local_header], ids=lambda f: f.__name__)
def test_a_file_corrupted_inside_an_intact_archive_is_reported(
    make: Any, empty_ws: Workspace, demo_template_ws: Workspace
) -> None:
    name = make.__name__.replace("_", "-") + ".xlsx"
    make(empty_ws.submissions / name, sources_of(demo_template_ws).person)
    result = cli("check", "--month", MONTH, "-w", str(empty_ws.root))
    assert_handled(result)
    rows = issue_rows(empty_ws.output / f"kiem-tra-{MONTH}" / f"danh-sach-loi-{MONTH}.xlsx")
    assert [(r.file, r.code) for r in rows if r.file == name] == [(name, "file-unreadable")]
    assert result.exit_code == 1


# --- random damage (Hypothesis) ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def damage_ws(tmp_path_factory: pytest.TempPathFactory, demo_template_ws: Workspace) -> Workspace:
    """A small workspace: the plan and templates, and one submission slot for the damaged file."""
    return copy_ws(demo_template_ws, tmp_path_factory.mktemp("damage") / "ws", submissions=False)


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    """A real filled template, damaged the ways files really are: members lost, then cut, flipped, padded, zeroed."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [i.filename for i in archive.infolist()]
    dropped = draw(st.lists(st.sampled_from(members), max_size=2, unique=True))
    if dropped:
        data = hostile.rewrite_zip(data, lambda name, body: None if name in dropped else body)
    for _ in range(draw(st.integers(0 if dropped else 1, 3))):
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "zero"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip":
            mask = draw(st.integers(1, 255))
            data = data[:at] + bytes([data[at] ^ mask]) + data[at + 1 :] if data else data
        elif kind == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]
        else:
            length = draw(st.integers(1, 4096))
            data = data[:at] + bytes(min(length, len(data) - at)) + data[at + length :]
    return data


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: keep the run bounded
    suppress_health_check=[HealthCheck.too_slow],
)
@given(draw=st.data())
def test_damaged_files_never_break_check(
    damage_ws: Workspace, demo_template_ws: Workspace, draw: st.DataObject
) -> None:
    """Whatever the damage to a real filled submission, `check` ends with 0 or 1 and writes its issue report."""
    data = draw.draw(damaged(sources_of(demo_template_ws).person.read_bytes()), label="damaged file")
    target = damage_ws.submissions / "hu-hong.xlsx"
    target.write_bytes(data)
    report = damage_ws.output / f"kiem-tra-{MONTH}" / f"danh-sach-loi-{MONTH}.xlsx"
    shutil.rmtree(damage_ws.output, ignore_errors=True)
    result = cli("check", "--month", MONTH, "-w", str(damage_ws.root))
    assert_handled(result)
    assert report.is_file()
    assert target.read_bytes() == data
    rows = issue_rows(report)
    assert result.exit_code == (1 if any(r.severity == Severity.ERROR.value for r in rows) else 0)


class _CountingRow(list[Any]):
    """A row that counts the cells written into it."""

    writes = 0

    def __setitem__(self, index: Any, value: Any) -> None:
        type(self).writes += 1
        super().__setitem__(index, value)


def test_overlapping_merged_ranges_fill_each_cell_at_most_once_in_all() -> None:
    """Merged ranges of a real workbook never overlap; a file repeating one range over its whole sheet (a 15 KB
    .xlsx with 3,000 copies over 50,000 × 64 cells kept `thidua run` busy for hours) fills no more cells than the
    sheet has, and a reversed range gives no room for more."""
    from thidua.intake.read import SheetData, _fill_merged

    _CountingRow.writes = 0
    rows = [_CountingRow(["x", *([""] * 9)]) for _ in range(10)]
    whole = ((0, 0), (9, 9))
    reversed_range = ((9, 9), (0, 0))
    sheet = SheetData(rows, [reversed_range, whole, *([whole] * 1000)])
    _fill_merged(sheet)
    assert _CountingRow.writes <= 100
    assert all(cell == "x" for row in rows for cell in row)  # the first range was filled


def _dies_on(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Readers die (as an abort of calamine's Rust code kills them) on the file called `name`."""
    from thidua.intake import read

    loading = read.load_submission

    def load(path: Path, rel: str, *args: Any) -> Any:
        if path.name == name:
            os.abort()
        return loading(path, rel, *args)

    monkeypatch.setattr(read, "load_submission", load)


def test_a_reader_that_dies_costs_its_file_not_the_month(
    empty_ws: Workspace, fill: Fill, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the pool (a large month), the files read with the dead one are read again and the one it dies on again
    is reported, so the month goes on."""
    from thidua.intake import read

    from . import xls_files

    monkeypatch.setattr(read, "PARALLEL_FROM", 2)
    for name in ("a.xlsx", "b.xlsx", "c.xlsx"):
        fill("dang-ky", name, [reg_row("Đinh Thị Mai", "LĐTT")])
    victim = "chet.xlsx"
    (empty_ws.submissions / victim).write_bytes(xls_files.honest([["STT"], [1]]))
    _dies_on(monkeypatch, victim)
    result = compute(empty_ws, "2021-10")
    dead = [i for i in result.issues if i.file == victim]
    assert [(i.code, "phải dừng" in i.message) for i in dead] == [("file-unreadable", True)]
    assert {i.file for i in result.issues if i.code == "file-not-template"} <= {victim}
    assert figures(result)["LDTT"][0] == 1  # the other files were read and counted
