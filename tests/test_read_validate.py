"""Reading and validating real files: moved and renamed columns, other clients, messy values, identity."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from thidua.counting.frames import as_date
from thidua.counting.measure import MonthResult
from thidua.issues import Issue
from thidua.pipeline.batch import compute
from thidua.workspace.folder import Workspace
from thidua.workspace.plan_workbook import PLAN_FILE

from . import frames
from .conftest import D, Fill, act_row, libreoffice_convert, reg_row


def figures(result: MonthResult) -> dict[str, tuple[int, int]]:
    return frames.figures(result)


def submission_issues(result: MonthResult) -> list[Issue]:
    """Issues about the submitted files (the default plan's own rule findings are tested elsewhere)."""
    return [i for i in result.issues if i.file != PLAN_FILE]


def issues(result: MonthResult, *fields: str) -> list[list[str]]:
    return [[getattr(i, f) if f != "severity" else i.severity.value for f in fields] for i in submission_issues(result)]


def test_reordered_columns_pasted_into_another_workbook_are_read(empty_ws: Workspace) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Ghi chú"
    ws = wb.create_sheet("Sheet1")
    ws.append(["Danh sách đăng ký của tổ"])
    ws.append([])
    ws.append(
        [
            "Ghi chú",
            "Danh hiệu đăng ký",
            "Ngày sinh",
            "Họ và tên",
            "Tên sáng kiến kinh nghiệm",
            "Cấp sáng kiến",
            "Bài soạn video trực tuyến",
        ]
    )
    ws.append(["", "CSTĐCS", dt.datetime(1985, 4, 5), "Phạm Thị Hoà", "Rèn đọc lớp 1", "Huyện", "x"])
    ws.append(["", "Lao động tiên tiến", None, "Đinh Thị Mai", "", "", ""])
    wb.save(empty_ws.submissions / "to-1 dan vao file khac.xlsx")
    result = compute(empty_ws, "2021-10")
    assert issues(result, "severity") == []
    f = figures(result)
    assert f["CSTDCS"] == (1, 0) and f["LDTT"] == (2, 0) and f["SKKN_HUYEN"] == (1, 0) and f["VIDEO_SO"] == (1, 0)


def test_headers_without_accents_or_slightly_renamed_are_recognised(empty_ws: Workspace) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Ho va ten", "Ngay sinh", "Danh hiệu đăng kí", "Ghi chu"])
    ws.append([1, "Đinh Thị Mai", None, "LĐTT", ""])
    wb.save(empty_ws.submissions / "khong dau.xlsx")
    result = compute(empty_ws, "2021-10")
    assert figures(result)["LDTT"] == (1, 0)
    assert issues(result, "code", "cell") == [["header-renamed", "D1"]]


def test_a_workbook_that_is_not_a_template_is_reported(empty_ws: Workspace) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["Mã hàng", "Số lượng"])
    wb.save(empty_ws.submissions / "hoa-don.xlsx")
    (empty_ws.submissions / "hong.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    result = compute(empty_ws, "2021-10")
    assert issues(result, "code", "file", "severity") == [
        ["file-not-template", "hoa-don.xlsx", "lỗi"],
        ["file-unreadable", "hong.xlsx", "lỗi"],
    ]


def test_lock_files_and_other_files_are_skipped_with_a_note(empty_ws: Workspace, fill: Fill) -> None:
    fill("dang-ky", "sub/dir/a.xlsx", [reg_row("Đinh Thị Mai", "LĐTT")])
    (empty_ws.submissions / "sub" / "~$a.xlsx").write_bytes(b"\x00" * 165)
    (empty_ws.submissions / "sub" / "anh.jpg").write_bytes(b"\xff\xd8\xff")
    result = compute(empty_ws, "2021-10")
    assert issues(result, "code", "file") == [
        ["file-skipped-type", "sub/anh.jpg"],
        ["file-skipped-lock", "sub/~$a.xlsx"],
    ]
    assert figures(result)["LDTT"] == (1, 0)


def test_messy_values_are_matched_leniently_and_stored_canonically(empty_ws: Workspace, fill: Fill) -> None:
    import unicodedata

    fill(
        "dang-ky",
        "messy.xlsx",
        [
            reg_row(
                "  PHẠM  THỊ HÒA ",
                "cstđcs",
                initiative="Rèn đọc",
                level="cấp huyện",
                marks=("Tiết học yêu thương",),
                date="4/10/21",
            ),
            reg_row(
                unicodedata.normalize("NFD", "Đinh Thị Mai"), "lao dong tien tien", date="ngày 3 tháng 10 năm 2021"
            ),
            reg_row("Hồ Thị Thúy Kiều", "LDTT", marks=("Bài soạn video trực tuyến",), date=44470),
        ],
    )
    result = compute(empty_ws, "2021-10")
    assert issues(result, "code") == []
    f = figures(result)
    assert f["LDTT"] == (3, 0) and f["CSTDCS"] == (1, 0) and f["TIET_HOC_YT"] == (1, 0) and f["VIDEO_SO"] == (1, 0)
    regs = frames.registered(result)
    assert regs.loc["Phạm Thị Hòa", "title"] == "Chiến sĩ thi đua cơ sở"
    assert as_date(regs.loc["Phạm Thị Hòa", "registration_date"]) == D(2021, 10, 4)
    assert as_date(regs.loc["Đinh Thị Mai", "registration_date"]) == D(2021, 10, 3)
    assert as_date(regs.loc["Hồ Thị Thúy Kiều", "registration_date"]) == D(2021, 10, 1)  # Excel serial 44470


def test_every_cell_problem_is_named_with_its_cell(empty_ws: Workspace, fill: Fill) -> None:
    fill(
        "dang-ky",
        "loi.xlsx",
        [
            reg_row("Đinh Thị Mai", ""),
            reg_row("Y Blưm", "LĐTT", initiative="Trò chơi học tập"),
            reg_row("Trần Văn Quý", "LĐTT", marks=(), date="31/02/2021"),
            reg_row("Tran Van Quy", "LĐTT"),
            reg_row("A Thuận", "Anh hùng"),
        ],
    )
    result = compute(empty_ws, "2021-10")
    found = issues(result, "code", "cell", "severity")
    assert found == [
        ["required-missing", "F6", "lỗi"],
        ["required-missing", "I7", "lỗi"],
        ["date-invalid", "N8", "lỗi"],
        ["person-unknown", "B9", "lỗi"],
        ["choice-invalid", "F10", "lỗi"],
    ]
    unknown = next(i for i in submission_issues(result) if i.code == "person-unknown")
    assert "Trần Văn Quý" in unknown.message and unknown.file == "loi.xlsx" and unknown.sheet == "Đăng ký"
    assert figures(result)["LDTT"] == (0, 0)  # rows with errors are left out of the counts
    assert set(result.persons.loc[result.persons["has_errors"], "name"]) == {
        "Đinh Thị Mai",
        "Y Blưm",
        "Trần Văn Quý",
        "A Thuận",
    }


def test_namesakes_are_told_apart_by_birth_date(empty_ws: Workspace, fill: Fill) -> None:
    fill(
        "bao-cao",
        "hoa.xlsx",
        [
            act_row("Nguyễn Thị Hoa", "Tiết học yêu thương", "T1", "", "Đã thực hiện", D(2021, 10, 5), D(1993, 3, 3)),
            act_row("Nguyễn Thị Hoa", "Tiết học yêu thương", "T2", "", "Đã thực hiện", D(2021, 10, 6)),
        ],
    )
    result = compute(empty_ws, "2021-10")
    assert issues(result, "code", "cell") == [["person-ambiguous", "B7"]]
    results = result.records.results
    assert [result.plan.roster[key].team for key in results["person"]] == ["Tổ 2–3"]


def test_activity_rows_need_a_level_for_works_only(empty_ws: Workspace, fill: Fill) -> None:
    fill(
        "bao-cao",
        "bc.xlsx",
        [
            act_row("Phạm Thị Hoà", "SKKN", "Rèn đọc", "", "Được công nhận", D(2021, 10, 5)),
            act_row("Đinh Thị Mai", "Video", "Bài 1", "", "Đã nộp", "12/10/2021"),
            act_row("Y Blưm", "ĐDDH", "Bộ thẻ", "huyện", "giải ba", D(2021, 10, 20)),
        ],
    )
    result = compute(empty_ws, "2021-10")
    assert issues(result, "code", "cell") == [["required-missing", "F6"]]
    f = figures(result)
    assert f["VIDEO_SO"] == (0, 1) and f["DDDH_HUYEN"] == (0, 1) and f["SKKN_HUYEN"] == (0, 0)


@pytest.mark.libreoffice
@pytest.mark.parametrize("fmt", ["ods", "xls", "xlsx:Calc MS Excel 2007 XML"])
def test_files_resaved_by_libreoffice_give_the_same_figures(demo_ws: Workspace, fmt: str, tmp_path: Path) -> None:
    before = figures(compute(demo_ws, "2022-05"))
    sources = sorted(p for p in demo_ws.submissions.rglob("*.xlsx") if not p.name.startswith("~$"))
    assert len({p.stem for p in sources}) == len(sources)  # one output folder for all
    for src, converted in zip(sources, libreoffice_convert(sources, fmt, tmp_path / "lo"), strict=True):
        src.unlink()
        shutil.move(converted, src.with_suffix(converted.suffix))
    after = compute(demo_ws, "2022-05")
    assert figures(after) == before
    assert after.issues.counts()["error"] == 0


def test_rows_dated_outside_the_school_year_are_errors_naming_the_us_swap(empty_ws: Workspace, fill: Fill) -> None:
    fill(
        "dang-ky",
        "my.xlsx",
        [
            reg_row("Đinh Thị Mai", "LĐTT", date=D(2021, 4, 10)),  # typed 10/04 in US-locale Excel: 4 October
            reg_row("Y Blưm", "LĐTT", date=D(2019, 9, 30)),
        ],
    )
    result = compute(empty_ws, "2021-10")
    found = [(i.code, i.cell, i.severity.value) for i in submission_issues(result)]
    assert found == [("date-outside-year", "N6", "lỗi"), ("date-outside-year", "N7", "lỗi")]
    first, second = (i.message for i in submission_issues(result))
    assert "04/10/2021" in first and "đảo ngày và tháng" in first
    assert "đảo" not in second
    assert figures(result)["LDTT"] == (0, 0)  # a row of another year is not counted


def test_serial_dates_of_a_1904_workbook(empty_ws: Workspace) -> None:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.append(["Họ và tên", "Danh hiệu đăng ký", "Ngày đăng ký"])
    ws.append(["Đinh Thị Mai", "LĐTT", 43011])  # an unformatted serial: 04/10/2021 counted from 1904
    ws.append(["Y Blưm", "LĐTT", dt.datetime(2021, 10, 3)])
    ws["C3"].number_format = "dd/mm/yyyy"
    wb.save(empty_ws.submissions / "mac.xlsx")
    result = compute(empty_ws, "2021-10")
    dates = {name: as_date(day) for name, day in frames.registered(result)["registration_date"].items()}
    assert dates == {"Đinh Thị Mai": D(2021, 10, 4), "Y Blưm": D(2021, 10, 3)}


def test_i_and_y_spellings_are_suggested_not_merged(empty_ws: Workspace, fill: Fill) -> None:
    fill("dang-ky", "q.xlsx", [reg_row("Mai Xuân Quý", "LĐTT"), reg_row("Trần Văn Quí", "LĐTT")])
    result = compute(empty_ws, "2021-10")
    messages = [i.message for i in result.issues if i.code == "person-unknown"]
    assert len(messages) == 2
    assert "“Mai Xuân Quí”" in messages[0] and "“Trần Văn Quý”" in messages[1]
    assert figures(result)["LDTT"] == (0, 0)


def test_a_newer_registration_replaces_the_older_and_the_report_says_which_won(empty_ws: Workspace, fill: Fill) -> None:
    old = fill("dang-ky", "lan-1.xlsx", [reg_row("Đinh Thị Mai", "CSTĐCS", date=D(2021, 9, 28))])
    fill("dang-ky", "lan-2.xlsx", [reg_row("Đinh Thị Mai", "LĐTT", date=D(2021, 10, 2))])
    same_day = fill("dang-ky", "a-truoc.xlsx", [reg_row("Y Blưm", "LĐTT")])
    fill("dang-ky", "b-sau.xlsx", [reg_row("Y Blưm", "CSTĐCS", initiative="Trò chơi", level="Trường")])
    import os

    os.utime(same_day, (1_600_000_000, 1_600_000_000))  # the same date: the file saved later wins
    del old
    result = compute(empty_ws, "2021-10")
    replaced = [(i.file, i.message) for i in result.issues if i.code == "registration-replaced"]
    assert [f for f, _m in replaced] == ["a-truoc.xlsx", "lan-1.xlsx"]
    assert "lan-2.xlsx" in replaced[1][1] and "b-sau.xlsx" in replaced[0][1]
    f = figures(result)
    assert f["CSTDCS"] == (1, 0) and f["LDTT"] == (2, 0)


def test_reading_on_several_cores_gives_the_same_result(demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    import thidua.intake.read

    monkeypatch.setattr(thidua.intake.read, "PARALLEL_FROM", 10_000)
    alone = compute(demo_ws, "2022-05")
    monkeypatch.setattr(thidua.intake.read, "PARALLEL_FROM", 2)
    monkeypatch.setattr(thidua.intake.read.os, "cpu_count", lambda: 2)
    pooled = compute(demo_ws, "2022-05")
    monkeypatch.setattr(thidua.intake.read, "AHEAD", 1)  # one batch of files in flight at a time, refilled in order
    windowed = compute(demo_ws, "2022-05")
    fields = ("code", "file", "sheet", "cell", "message")
    for other in (pooled, windowed):
        assert figures(other) == figures(alone)
        assert other.issues.flatten(*fields) == alone.issues.flatten(*fields)
        assert other.file_digests == alone.file_digests


def test_a_later_resubmission_does_not_hide_the_registration_of_an_earlier_month(
    empty_ws: Workspace, fill: Fill
) -> None:
    fill("dang-ky", "lan-1.xlsx", [reg_row("Đinh Thị Mai", "LĐTT", date=D(2021, 10, 1))])
    fill(
        "dang-ky",
        "lan-2.xlsx",
        [reg_row("Đinh Thị Mai", "CSTĐCS", initiative="Rèn đọc", level="Huyện", date=D(2021, 11, 5))],
    )
    october = compute(empty_ws, "2021-10")
    assert figures(october)["LDTT"] == (1, 0) and figures(october)["CSTDCS"] == (0, 0)
    assert "registration-replaced" not in {i.code for i in october.issues}
    november = compute(empty_ws, "2021-11")
    assert figures(november)["LDTT"] == (1, 0) and figures(november)["CSTDCS"] == (1, 0)
    assert [i.file for i in november.issues if i.code == "registration-replaced"] == ["lan-1.xlsx"]


def test_namesakes_reporting_the_same_lesson_count_twice(empty_ws: Workspace, fill: Fill) -> None:
    fill(
        "bao-cao",
        "hoa.xlsx",
        [
            act_row(
                "Nguyễn Thị Hoa",
                "Tiết học yêu thương",
                "Tiết Toán",
                "",
                "Đã thực hiện",
                D(2021, 11, 20),
                D(1987, 6, 14),
            ),
            act_row(
                "Nguyễn Thị Hoa", "Tiết học yêu thương", "Tiết Toán", "", "Đã thực hiện", D(2021, 11, 20), D(1993, 3, 3)
            ),
        ],
    )
    result = compute(empty_ws, "2021-11")
    assert figures(result)["TIET_HOC_YT"] == (0, 2)
    assert "result-duplicate" not in {i.code for i in result.issues}


def test_a_style_openpyxl_cannot_read_does_not_stop_the_batch(empty_ws: Workspace, fill: Fill) -> None:
    import zipfile

    from .legacy_encoders import tcvn3

    path = fill("dang-ky", "kieu-la.xlsx", [reg_row(tcvn3("Phan Thị Lệ Thủy"), "LĐTT")])
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/styles.xml"] = parts["xl/styles.xml"].replace(b'<sz val="', b'<sz val="twelve', 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    result = compute(empty_ws, "2021-10")
    assert figures(result)["LDTT"] == (1, 0)
    assert [i.code for i in submission_issues(result)] == ["text-legacy-converted"]


def test_header_matches_are_cached_but_each_sheet_keeps_its_own_spelling() -> None:
    from thidua.forms import template_fields
    from thidua.forms.headers import match_row
    from thidua.workspace import default_plan

    fields = template_fields.registration_fields(default_plan.PLAN)
    written = ["STT", "Họ và tên", "Ngày sinh", "Danh hiệu đăng kí"]
    shouted = ["stt", "HỌ VÀ TÊN", "ngày sinh", "DANH HIỆU ĐĂNG KÍ"]  # folds to the same row: one cache entry
    first, second = match_row(written, fields), match_row(shouted, fields)
    assert first is not None and second is not None
    assert first.columns == second.columns == {"stt": 0, "name": 1, "birth_date": 2, "title": 3}
    assert [r[0] for r in first.renamed] == ["Danh hiệu đăng kí"]
    assert [r[0] for r in second.renamed] == ["DANH HIỆU ĐĂNG KÍ"]
    first.columns["title"] = 99  # a caller changing its match does not change the next sheet's
    again = match_row(written, fields)
    assert again is not None and again.columns["title"] == 3


def test_the_header_search_stops_at_a_perfect_header_and_picks_the_same_row_as_a_full_scan() -> None:
    from thidua.forms import template_fields
    from thidua.forms.headers import HEADER_SCAN_ROWS, FoldedRows, find_header
    from thidua.intake import read
    from thidua.workspace import default_plan

    fields = template_fields.registration_fields(default_plan.PLAN)
    labels = [f.label for f in fields]
    partial = labels[:4]
    rows: list[list[object]] = [["Tiêu đề"], partial, ["Nguyễn Văn A", "x"], labels, ["Trần Thị B"], labels]
    rows += [[f"dòng {i}"] for i in range(HEADER_SCAN_ROWS)]
    found = find_header(rows, fields, template_fields.IDENTIFYING[template_fields.REGISTRATION], FoldedRows(rows))
    assert found is not None and found.row == 3 and len(found.columns) == len(fields)
    recognised = read.recognise(rows, default_plan.PLAN, hint=template_fields.VOTE)  # the hint only breaks ties
    assert recognised is not None and recognised[0] == template_fields.REGISTRATION and recognised[1].row == 3


CELLS = st.sampled_from(["", None, " ", "\u00a0", 0, 0.0, False, "x", 3, dt.datetime(2021, 10, 1), "\u200b"])


@given(st.lists(CELLS, max_size=8), st.one_of(st.none(), st.integers(0, 9)))
def test_a_row_counts_as_filled_exactly_when_a_cell_besides_its_stt_is_not_blank(
    row: list[object], stt: int | None
) -> None:
    """The reader's shortcut for a template's empty rows (cells of "" counted in C) must give what asking every
    cell gives: whitespace-only text and invisible spaces are blank, a 0 or False is a value, the STT never counts."""
    from thidua.forms.cell_values import is_blank
    from thidua.intake.read import _filled

    expected = any(not is_blank(v) for c, v in enumerate(row) if c != stt)
    assert _filled(row, stt) == expected


def test_sheets_handed_on_as_read_are_not_kept_by_the_reader(demo_template_ws: Workspace) -> None:
    """The batch validates each file's sheets as they arrive; the reader must not also keep every file's raw rows
    to the end (at 10,000 files they were a tenth of the run's peak memory), and read_all still returns them."""
    from thidua.intake.read import Reading, read_all
    from thidua.issues import Report
    from thidua.workspace.plan_workbook import read_plan

    ws = demo_template_ws
    plan = read_plan(ws.plan_path, Report())
    handed: list[object] = []
    with Reading(ws.submissions) as reading:
        kept, files = reading.finish(plan, Report(), None, handed.extend)
    assert kept == []
    assert len(files) == 21
    assert len(handed) >= 21  # every file's recognised sheets, once each
    returned, _files = read_all(ws.submissions, plan, Report())
    assert [(s.file, s.sheet) for s in returned] == [(s.file, s.sheet) for s in handed]  # type: ignore[attr-defined]


def test_the_readers_are_forked_and_reading_before_the_plan_is_read(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are read on the pool while the plan is read, and the pool forks its workers before the batch starts
    the thread that imports pandas (no fork while a thread imports). A lazily started pool did neither: its first
    file was submitted only when the batch asked for the first result."""
    import multiprocessing

    import thidua.intake.read
    import thidua.pipeline.batch as batch

    monkeypatch.setattr(thidua.intake.read, "PARALLEL_FROM", 2)
    monkeypatch.setattr(thidua.intake.read.os, "cpu_count", lambda: 2)
    seen: list[int] = []
    start_import = batch._load_in_background

    def import_in_background(module: str) -> object:
        seen.append(len(multiprocessing.active_children()))
        return start_import(module)

    monkeypatch.setattr(batch, "_load_in_background", import_in_background)
    result = compute(demo_ws, "2022-05")
    assert seen == [2]  # both readers forked when the import thread starts
    assert len(result.file_digests) == 21


def test_a_kinds_columns_kept_for_a_plan_are_never_another_plans() -> None:
    """fields_of keeps each kind's columns for the last plan asked: asked for another plan (other activities, an
    other school year's era), it gives that plan's columns, and asked again for the first, the first's."""
    import dataclasses

    from thidua.forms import template_fields
    from thidua.workspace import default_plan

    plan = default_plan.PLAN
    fewer = dataclasses.replace(plan, targets=tuple(t for t in plan.targets if t.kind != "activity"))
    assert plan.activity_columns and not fewer.activity_columns
    for kind, build in (
        (template_fields.REGISTRATION, template_fields.registration_fields),
        (template_fields.ACTIVITY, template_fields.activity_fields),
        (template_fields.VOTE, template_fields.vote_fields),
    ):
        first = template_fields.fields_of(kind, plan)
        assert first == build(plan) and template_fields.fields_of(kind, plan) is first
        assert template_fields.fields_of(kind, fewer) == build(fewer)
        assert template_fields.fields_of(kind, plan) == build(plan)
    registration = template_fields.fields_of(template_fields.REGISTRATION, fewer)
    assert not any(f.key.startswith("activity:") for f in registration)
