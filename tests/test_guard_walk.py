"""The guard cannot be walked around (issue #20): whatever prefixes, namespaces, part lists, attribute orders or
binary format a package uses, every sheet a parser could read is bounded before it is read, a file whose sheets
cannot be told is refused, and an honest file written that way is still read and counted. Through the public
path (`guard.inspect`) and through the CLI with the run's memory measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from thidua.intake import guard
from thidua.workspace.folder import Workspace

from . import guard_walk as gw
from . import xls_files

SOURCE = "dang-ky/DK thi dua To 2-3.xlsx"  # a demo registration file: 7 rows of Tổ 2–3
MEMORY_MIB = 400


@pytest.fixture(scope="module")
def source(demo_template_ws: Workspace) -> bytes:
    return (demo_template_ws.submissions / SOURCE).read_bytes()


def hostile(source: bytes) -> dict[str, bytes]:
    return {
        "prefixed-far.xlsx": gw.prefixed_package(source, far=True),
        "strict-far.xlsx": gw.strict_package(source),
        "unlisted-part.xlsx": gw.unlisted_part(source),
        "lying-dimension.xlsx": gw.lying_dimension(source),
        "binary-far.xlsb": gw.xlsb_package(far=True),
        "decoy-workbook.xlsx": gw.decoy_office_document(source),
        **gw.far_cell_written_otherwise(source),
        "far-cell.xls": xls_files.far_cell(),
        "far-columns.xls": xls_files.far_columns(),
        "lying-dimensions.xls": xls_files.lying_dimensions(),
    }


def test_every_far_sheet_is_bounded_or_the_file_refused(source: bytes) -> None:
    for name, data in hostile(source).items():
        try:
            seen = guard.inspect(data, Path(name).suffix, guard.Limits())
        except guard.Refused as refused:
            assert refused.code in ("sheet-too-large", "sheet-too-many-rows", "file-unreadable"), name
            continue
        assert seen.unread, f"{name}: a far sheet would be read"  # the far sheet is named and never parsed


def test_honest_files_written_another_way_pass(source: bytes) -> None:
    for data in (
        gw.prefixed_package(source, far=False),
        gw.reordered_relationships(source),
        gw.honest_lying_dimension(source),
        gw.unreferenced_honest(source),  # 2,000 × 10 cells without references: not 2,000 × 20,000
    ):
        assert not guard.inspect(data, ".xlsx", guard.Limits()).unread
    assert not guard.inspect(gw.xlsb_package(far=False), ".xlsb", guard.Limits()).unread
    honest_xls = xls_files.honest([["STT", "Họ và tên"], [1, "Đinh Thị Mai"], [2, "Y Blưm"]])
    assert guard.inspect(honest_xls, ".xls", guard.Limits()) == guard.Inspection()


def test_a_workbook_whose_sheets_cannot_be_told_is_refused(source: bytes) -> None:
    found = gw.parts(source)
    broken_rels = gw.rebuild(source, {"xl/_rels/workbook.xml.rels": b"<Relationships"})  # not XML
    missing_part = gw.rebuild(source, {"xl/worksheets/sheet1.xml": None})  # listed, not in the package
    no_book = gw.rebuild(source, {"xl/workbook.xml": None})
    for data in (broken_rels, missing_part, no_book):
        with pytest.raises(guard.Refused) as refused:
            guard.inspect(data, ".xlsx", guard.Limits())
        assert refused.value.code == "file-unreadable"
    assert found["xl/workbook.xml"]  # the source itself maps


def _run_measured(root: Path, month: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """`thidua run` in a child process; the peak resident memory of it and its workers, in MiB."""
    probe = (
        "import resource, subprocess, sys; "
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "sys.stdout.write(done.stdout); sys.stderr.write(done.stderr); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
        "sys.exit(done.returncode)"
    )
    command = [sys.executable, "-c", probe, sys.executable, "-m", "thidua", "run", "-w", str(root)]
    done = subprocess.run([*command, "--month", month, "--json"], capture_output=True, text=True, timeout=300)
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    return done, peak_kib / 1024


@pytest.mark.slow
def test_the_cli_stays_bounded_and_counts_the_other_files(empty_ws: Workspace, source: bytes) -> None:
    """Each guard-walking file in a month with an honest prefixed file and an ordinary one: the run stays under
    400 MiB, says what is wrong with each hostile file, and counts the honest files' rows."""
    folder = empty_ws.submissions / "dang-ky"
    folder.mkdir(parents=True)
    (folder / "ordinary.xlsx").write_bytes(source)
    ordinary = json.loads(_run_measured(empty_ws.root, "2021-10")[0].stdout)
    (folder / "ordinary.xlsx").unlink()
    (folder / "honest-prefixed.xlsx").write_bytes(gw.prefixed_package(source, far=False))
    prefixed = json.loads(_run_measured(empty_ws.root, "2021-10")[0].stdout)
    assert prefixed["targets"] == ordinary["targets"]  # the prefixed file is read and counted like the other
    (folder / "honest-prefixed.xlsx").unlink()
    (folder / "honest-dimension.xlsx").write_bytes(gw.honest_lying_dimension(source))
    claimed = json.loads(_run_measured(empty_ws.root, "2021-10")[0].stdout)
    assert claimed["targets"] == ordinary["targets"]  # a dimension claiming the whole grid refuses nothing
    (folder / "honest-dimension.xlsx").unlink()
    (folder / "honest-prefixed.xlsx").write_bytes(gw.prefixed_package(source, far=False))
    assert any(t["registered"] for t in prefixed["targets"])
    for name, data in hostile(source).items():
        (folder / name).write_bytes(data)
    done, peak = _run_measured(empty_ws.root, "2021-10")
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert peak < MEMORY_MIB, f"peak {peak:.0f} MiB"
    summary = json.loads(done.stdout)
    assert summary["targets"] == prefixed["targets"]  # the honest rows still counted, exactly
    report = empty_ws.month_dir("2021-10") / "danh-sach-loi-2021-10.xlsx"
    assert report.exists()
    import openpyxl

    issues = openpyxl.load_workbook(report).worksheets[1]
    named = {str(r[1]): str(r[10]) for r in issues.iter_rows(min_row=4, values_only=True) if r[1]}
    for name in hostile(source):
        assert any(name in file for file in named), f"{name} has no issue"


def test_sheets_together_are_bounded_as_each_is() -> None:
    """The reader keeps every sheet it reads: four sheets each at the limit (A1 and BL50000) are four times what
    one may be (ten of them took 1.3 GB). The first is read, the others are named over the limit."""
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    for i in range(4):
        sheet = book.add_worksheet(f"S{i}")
        sheet.write(0, 0, 1)
        sheet.write(49_999, 63, 2)
    book.close()
    seen = guard.inspect(buffer.getvalue(), ".xlsx", guard.Limits())
    assert seen.unread == {"S1", "S2", "S3"} and seen.too_wide["S3"] == "BL50000"
