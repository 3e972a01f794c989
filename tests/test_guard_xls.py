"""Excel 97-2003 workbooks (.xls) are bounded before python-calamine opens them (SPEC 9): calamine lays out every
sheet of an .xls when it opens the file, so a 5 KB file with two far cells costs a gigabyte, and a DIMENSIONS
record claiming four billion rows aborts the process. The guard measures the compound file and its records
first (`intake.legacy_xls`); honest files pass and are read."""

from __future__ import annotations

import io
import os
import random
import struct
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from thidua.intake import guard, legacy_xls
from thidua.intake.read import load_sheets
from thidua.workspace.folder import Workspace

from . import xls_files as xf

ROWS = [["STT", "Họ và tên", "Ngày sinh"], [1, "Đinh Thị Mai", 30000], [2, "Y Blưm", None]]


def refusal(data: bytes) -> guard.Refused:
    with pytest.raises(guard.Refused) as refused:
        guard.inspect(data, ".xls", guard.Limits())
    return refused.value


def test_an_honest_xls_is_measured_and_read() -> None:
    data = xf.honest(ROWS)
    assert legacy_xls.measure(data).sheets == [legacy_xls.SheetExtent("Đăng ký", 3, 3, 3, 3)]
    assert guard.inspect(data, ".xls", guard.Limits()) == guard.Inspection()
    rows = load_sheets(data)["Đăng ký"].rows
    assert rows == [["STT", "Họ và tên", "Ngày sinh"], [1.0, "Đinh Thị Mai", 30000.0], [2.0, "Y Blưm", ""]]


def test_sheet_names_of_the_workbook_name_the_sheet_in_the_refusal() -> None:
    assert refusal(xf.far_cell()).params == {"sheet": "Đăng ký", "rows": "65,536", "limit": "50,000"}
    wide = refusal(xf.far_columns())
    assert wide.code == "sheet-too-large" and wide.params == {"sheet": "Đăng ký", "corner": "IV20000"}


def test_the_rows_limit_of_the_settings_applies() -> None:
    rows = [[n] for n in range(1, 301)]
    with pytest.raises(guard.Refused) as refused:
        guard.inspect(xf.honest(rows), ".xls", guard.Limits(max_rows=200))
    assert refused.value.code == "sheet-too-many-rows"
    assert guard.inspect(xf.honest(rows), ".xls", guard.Limits(max_rows=300)) == guard.Inspection()


def test_a_dimensions_record_past_the_grid_is_refused_before_calamine_aborts_on_it() -> None:
    refused = refusal(xf.lying_dimensions())
    assert refused.code == "file-unreadable" and "Excel 97-2003" in refused.params["reason"]
    # A record claiming the whole grid reserves room only (no memory is written): the file is read.
    grid = xf.compound(xf.workbook_stream([("S", [xf.dimensions(0, 65536, 0, 256), xf.number(0, 0, 7)])]))
    assert guard.inspect(grid, ".xls", guard.Limits()) == guard.Inspection()
    assert load_sheets(grid)["S"].rows == [[7.0]]


def test_the_lying_dimensions_really_abort_calamine() -> None:
    """What the guard prevents, shown on the parser itself in a child process (it must not take this one)."""
    code = "import io, sys, python_calamine as c; c.CalamineWorkbook.from_filelike(io.BytesIO(sys.stdin.buffer.read()))"
    done = subprocess.run([sys.executable, "-c", code], input=xf.lying_dimensions(), capture_output=True, timeout=60)
    assert done.returncode not in (0, 1), "calamine read it: the guard's refusal may be relaxed, with a test"


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        (
            "a sector chain that loops",
            xf.compound(xf.workbook_stream([("S", [xf.number(0, 0, 1)])]), loop=True),
            "chuỗi khối",
        ),
        (
            "a stream longer than the file",
            xf.compound(xf.workbook_stream([("S", [xf.number(0, 0, 1)])]), declared_size=0xFFFFFF00),
            "dài hơn cả tệp",
        ),
        (
            "more shared strings than bytes",
            xf.compound(xf.workbook_stream([("S", [xf.number(0, 0, 1)])], strings=0x7FFFFFF0)),
            "nhiều chuỗi",
        ),
    ],
)
def test_a_compound_file_calamine_could_loop_on_or_oversize_is_refused(name: str, data: bytes, said: str) -> None:
    refused = refusal(data)
    assert refused.code == "file-unreadable" and said in str(refused.__cause__), name  # the cause, for the log


def test_a_file_cut_short_is_refused_or_left_to_the_parser_never_an_error() -> None:
    data = xf.honest(ROWS)
    for end in (600, 1024, 1536, len(data) - 700):
        try:
            guard.inspect(data[:end], ".xls", guard.Limits())
        except guard.Refused as refused:
            assert refused.code == "file-unreadable"


def test_bytes_changed_at_random_never_raise_anything_but_a_refusal() -> None:
    """Any damage: the guard refuses it or lets it through; when it lets it through, calamine reads it in
    bounded memory or fails with its own error or a panic of its Rust code (the reader reports both; the panic's
    message goes to the log, see test_a_parser_panic_is_told_in_the_issue_list_not_on_screen)."""
    source = xf.compound(
        xf.workbook_stream(
            [("Đăng ký", [xf.dimensions(0, 3, 0, 3), *(xf.number(r, c, r * c) for r in range(3) for c in range(3))])],
            strings=0,
        )
    )
    chance = random.Random(20)
    for _ in range(400):
        data = bytearray(source)
        for _ in range(chance.randint(1, 4)):
            at = chance.randrange(len(data))
            data[at : at + 4] = struct.pack("<I", chance.choice([0, 1, 0xFFFF, 0xFFFFFFFE, chance.getrandbits(32)]))
        try:
            guard.inspect(bytes(data), ".xls", guard.Limits())
        except guard.Refused:
            continue
        try:
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(bytes(data)))
            sheets = [book.get_sheet_by_name(name) for name in book.sheet_names]
        except python_calamine.CalamineError:
            continue
        except BaseException as panic:  # pyo3 raises a Rust panic as a BaseException
            assert type(panic).__name__ == "PanicException", repr(panic)
            continue
        # calamine keeps to no grid of its own (a column past IV is laid out): the limits are the bound
        rows, area = guard.Limits().max_rows, guard.Limits().max_rows * guard.CELLS_PER_ROW
        assert all(sheet.height <= rows and sheet.height * sheet.width <= area for sheet in sheets)


FAR = [xf.number(0, 0, 1), xf.number(65535, 255, 2)]  # A1 and IV65536: 16.7 million cells laid out (1.2 GB)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        # calamine decodes an entry's name with its byte-order mark dropped: the entry is its Workbook
        (
            "a name with a byte-order mark",
            xf.compound(xf.workbook_stream([("S", FAR)]), entries=[("", 2, "\ufeffWorkbook\0".encode("utf-16-le"), 0)]),
        ),
        # calamine takes the first entry named Workbook, whatever its type
        (
            "a Workbook entry typed as a storage",
            xf.compound(
                xf.workbook_stream([("S", FAR)]),
                entries=[("Workbook", 1, None, 0), ("Workbook", 2, None, 1)],
                second=xf.workbook_stream([("S", [xf.number(0, 0, 1)])]),
            ),
        ),
        # calamine places a MulRk's cells from its first column on, one per 6 bytes (columns 65,520 to 65,537)
        (
            "a MulRk whose columns wrap",
            xf.compound(
                xf.workbook_stream(
                    [
                        (
                            "S",
                            [
                                xf.number(0, 0, 1),
                                xf.record(0x00BD, struct.pack("<HH", 99, 0xFFF0) + b"\0" * 108 + b"\x01\0"),
                            ],
                        )
                    ]
                )
            ),
        ),
        # calamine keeps every sheet laid out: four sheets each at the limit are four times over it
        (
            "four sheets at the limit",
            xf.compound(
                xf.workbook_stream([(f"S{i}", [xf.number(0, 0, 1), xf.number(49_999, 63, 2)]) for i in range(4)])
            ),
        ),
    ],
)
def test_hostile_workbooks_found_by_the_review_are_refused(name: str, data: bytes) -> None:
    assert refusal(data).code in ("sheet-too-many-rows", "sheet-too-large"), name


def test_lengths_are_read_as_calamine_reads_them_and_overlapping_sheets_refused() -> None:
    # 4096-byte sectors: calamine reads the length in 64 bits, so 4096 + 2**32 is longer than the file
    wide = xf.compound(xf.workbook_stream([("S", [xf.number(0, 0, 1)])]), shift=12, declared_size=4096 + (1 << 32))
    assert refusal(wide).code == "file-unreadable"
    # twenty sheets listed at the same records: calamine would read them twenty times
    sheets = [(f"S{i}", [xf.number(0, 0, 1)] * 100 if i == 0 else []) for i in range(20)]
    overlapping = xf.workbook_stream(sheets, same_start=True)
    assert refusal(xf.compound(overlapping)).code == "file-unreadable"
    # a record running past its stream is damage, calamine fails there too
    cut = xf.workbook_stream([("S", [xf.number(0, 0, 1)])])[:-4] + b"\x0a\x00\x40\x00"  # EOF claiming 64 bytes
    assert refusal(xf.compound(cut, declared_size=len(cut))).code == "file-unreadable"


def test_a_last_sector_cut_short_is_read_as_calamine_reads_it() -> None:
    data = xf.compound(xf.workbook_stream([("S", [xf.number(0, 0, 5)])]), cut=300)
    assert guard.inspect(data, ".xls", guard.Limits()) == guard.Inspection()
    assert load_sheets(data)["S"].rows == [[5.0]]


def test_shared_text_the_cells_copy_is_counted_across_continue_records(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["Đinh Thị Mai", "x" * 5000, "Y Blưm"]
    cells = [xf.label_sst(0, 0, 0), xf.label_sst(1, 0, 1), xf.label_sst(2, 0, 1), xf.label_sst(3, 0, 2)]
    data = xf.compound(xf.workbook_stream([("S", cells)], shared=xf.shared_strings(texts, part=3000)))
    assert legacy_xls.measure(data).shared_text == 12 + 5000 + 5000 + 6  # what calamine lays out
    assert [len(row[0]) for row in load_sheets(data)["S"].rows] == [12, 5000, 5000, 6]
    monkeypatch.setattr(guard, "SHARED_TEXT", 10_017)
    assert refusal(data).code == "file-unreadable"
    monkeypatch.setattr(guard, "SHARED_TEXT", 10_018)
    assert guard.inspect(data, ".xls", guard.Limits()) == guard.Inspection()


def test_formula_space_tokens_are_bounded() -> None:
    """One formula of 2,000 tokens of 255 spaces kept calamine busy 79 s in fifty records; a formula of a few
    spaces passes."""
    assert refusal(xf.compound(xf.workbook_stream([("S", [xf.spaced_formula(0, 0, 2000)])]))).code == (
        "file-unreadable"
    )
    few = xf.compound(xf.workbook_stream([("S", [xf.spaced_formula(r, 0, 2, spaces=1) for r in range(100)])]))
    assert guard.inspect(few, ".xls", guard.Limits()) == guard.Inspection()


def test_a_parser_panic_is_told_in_the_issue_list_not_on_screen(empty_ws: Workspace, tmp_path: Path) -> None:
    """A damaged .xls the guard has nothing to bound in makes calamine's Rust code panic: the panic's message
    goes to the log, the screen shows thidua's own words only, and the file is listed as unreadable."""
    (empty_ws.submissions / "hong.xls").write_bytes(xf.panicking())
    logs = tmp_path / "logs"
    logs.mkdir()
    env = {**os.environ, "TMPDIR": str(logs), "RUST_BACKTRACE": "1"}
    command = [sys.executable, "-m", "thidua", "run", "--month", "2021-10", "-w", str(empty_ws.root)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    screen = done.stdout + done.stderr
    assert "panicked" not in screen and "Traceback" not in screen and "rust" not in screen.lower(), screen[-2000:]
    assert "panicked" in (logs / "thidua-loi.log").read_text(encoding="utf-8")
    report = openpyxl.load_workbook(empty_ws.month_dir("2021-10") / "danh-sach-loi-2021-10.xlsx", read_only=True)
    found = [(row[1], row[10]) for row in report.worksheets[1].iter_rows(min_row=4, values_only=True) if row[1]]
    assert ("hong.xls", "file-unreadable") in found
