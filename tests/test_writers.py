"""Writers: the dashboard, the submission workbook for PGD and the issue report, read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from thidua.core import vocabulary
from thidua.core.plan import Person
from thidua.core.text import name_sort_key
from thidua.counting.frames import Records
from thidua.counting.measure import MonthResult
from thidua.issues import Report, title_of
from thidua.workspace import default_plan
from thidua.workspace.folder import Workspace
from thidua.writers.dashboard import RULES_ELSEWHERE, rule_findings, team_order, write_dashboard
from thidua.writers.issue_report import in_reading_order, person_order, write_issue_report
from thidua.writers.submission import write_submission

from . import frames
from .conftest import is_a4, pdf_pages, table_at
from .frames import Add, month_of

D = dt.date
PLAN = default_plan.PLAN
ROSTER = PLAN.roster
HT, PHT, HOA, HOA2, MAI, ANH, LINH = ROSTER[0], ROSTER[1], ROSTER[3], ROSTER[4], ROSTER[5], ROSTER[10], ROSTER[19]
LINK = '=HYPERLINK("http://x")'
AT_SUM = "@SUM(A1)"
ORIGIN = ("a.xlsx", "Đăng ký", 5)
TIET, VIDEO, BGDT = "Tiết học yêu thương", "Bài soạn video trực tuyến", "Thiết kế bài giảng điện tử"


def _reg(
    person: Person,
    title: str,
    initiative: str = "",
    level: str | None = None,
    aid: str = "",
    activities: tuple[str, ...] = (),
    reward: str = "",
    note: str = "",
) -> Add:
    return frames.registration(
        person,
        title,
        ORIGIN,
        reward_form=reward,
        initiative=initiative,
        initiative_level=level,
        teaching_aid=aid,
        activities=activities,
        date=D(2021, 10, 1),
        note=note,
    )


def _res(person: Person, activity: str, product: str, level: str | None, result: str, date: dt.date) -> Add:
    return frames.result_row(
        person, activity, result, date, ("b.xlsx", "Báo cáo", 6), product=product, level=level, decision="12/QĐ-PGD"
    )


def _vote(person: Person, rating: str, title: str) -> Add:
    return frames.vote_row(person, title, ORIGIN, rating=rating, decision="20/QĐ", decision_date=D(2022, 5, 25))


def _submissions() -> Records:
    regs = [
        _reg(HOA, vocabulary.CSTDCS, LINK, "Huyện", AT_SUM, (TIET, VIDEO), "Giấy khen của Chủ tịch UBND huyện"),
        _reg(HOA2, vocabulary.LDTT, "Dạy học tích cực môn Toán", "Tỉnh", "", (BGDT, TIET), note="=1+1"),
        _reg(MAI, vocabulary.LDTT, "", None, "Bộ chữ cái ghép vần", (VIDEO,)),
        _reg(PHT, vocabulary.LDTT, "", None, "", (TIET,)),  # not a teacher: a warning from measuring
        _reg(ANH, vocabulary.NO_TITLE),
    ]
    results = [
        _res(HOA, vocabulary.SKKN, LINK, "Huyện", vocabulary.RESULT_RECOGNISED, D(2022, 3, 10)),
        _res(HOA, vocabulary.DDDH, AT_SUM, "Huyện", vocabulary.RESULT_ENTERED, D(2022, 4, 2)),
        _res(HOA, TIET, "", None, vocabulary.RESULT_DONE, D(2021, 11, 18)),
        _res(HOA2, vocabulary.SKKN, "Dạy học tích cực môn Toán", "Tỉnh", vocabulary.RESULT_PRIZE, D(2022, 5, 5)),
        _res(MAI, VIDEO, "Bài 5", None, vocabulary.RESULT_SUBMITTED, D(2022, 2, 1)),
    ]
    votes = [_vote(HOA, vocabulary.RATINGS[0], vocabulary.CSTDCS), _vote(HOA2, vocabulary.RATINGS[1], vocabulary.LDTT)]
    return frames.records(
        regs, results, votes, ["b.xlsx", "a.xlsx", "c.xlsx"], {HOA, HOA2, MAI, PHT, ANH, LINH}, {LINH}
    )


def _report() -> Report:
    report = Report()
    report.add(
        "person-unknown",
        file="c.xlsx",
        sheet="Đăng ký",
        cell="B7",
        value="Nguyễn Văn Ann",
        suggestion="Có phải “Nguyễn Văn Thắng”?",
    )
    report.add(
        "required-missing",
        file="a.xlsx",
        sheet="Đăng ký",
        cell="F9",
        person=LINH.label,
        team=LINH.team,
        column="Danh hiệu đăng ký",
        hint="danh hiệu đăng ký",
    )
    report.add("text-formula-like", file="a.xlsx", sheet="Báo cáo", cell="E3", value=AT_SUM, start="@")
    report.add(
        "rule-late-registration",
        file="r.xlsx",
        sheet="Đăng ký",
        cell="N6",
        person=LINH.label,
        team=LINH.team,
        value="06/10/2021",
        deadline="04/10/2021",
        source="kế hoạch",
    )
    report.add("text-formula-like", file="a.xlsx", sheet="Đăng ký", cell="H6", value=LINK, start="=")
    return report


@pytest.fixture(scope="module")
def result() -> MonthResult:
    return month_of(_submissions(), "2022-05", D(2022, 5, 31), _report())


@pytest.fixture(scope="module")
def october() -> MonthResult:
    """The registration month: the date line carries the registration deadline, not the month's end."""
    return month_of(_submissions(), "2021-10", D(2021, 10, 31))


@pytest.fixture(scope="module")
def written(result: MonthResult, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("out")
    paths = {
        "dashboard": folder / "dashboard.xlsx",
        "submission": folder / "bao-cao-thi-dua.xlsx",
        "issues": folder / "loi.xlsx",
    }
    write_dashboard(result, paths["dashboard"])
    write_submission(result, paths["submission"])
    write_issue_report(result, paths["issues"])
    return paths


def _cells(ws: Worksheet) -> Iterator[openpyxl.cell.cell.Cell]:
    for row in ws.iter_rows():
        yield from (c for c in row if c.value is not None)


def _find(ws: Worksheet, value: object) -> openpyxl.cell.cell.Cell:
    for cell in _cells(ws):
        if cell.value == value:
            return cell
    raise AssertionError(f"{value!r} not found on {ws.title}")


def _table(ws: Worksheet, first_label: str) -> tuple[list[str], list[tuple[object, ...]]]:
    """Header labels and data rows of the table whose header starts with `first_label`."""
    _row, header, rows = table_at(ws, first_label)
    return header, rows


def _col(header: list[str], label: str) -> int:
    return header.index(label)


# ----- dashboard


def test_overview_rows_are_the_targets(written: dict[str, Path], result: MonthResult) -> None:
    ws = openpyxl.load_workbook(written["dashboard"])["Tổng quan"]
    header, rows = _table(ws, "STT")
    assert header == [
        "STT",
        "Chỉ tiêu",
        "Đối tượng",
        "Số chỉ tiêu",
        "Cơ sở",
        "Đăng ký",
        "Đạt được",
        "Tỷ lệ đăng ký",
        "Tỷ lệ đạt",
        "Tỷ lệ trên cơ sở",
        "Tình trạng",
        "Thay đổi so với tháng trước",
        "Dự báo",
    ]
    codes = [t.code for t in result.targets.itertuples()]
    assert not set(codes) & {value for r in rows for value in r}  # the principal reads names, not the plan's codes
    assert [r[12] for r in rows] == [t.projection for t in result.targets.itertuples()]
    assert all(r[11] == "—" for r in rows)  # no history: no change to show
    assert [r[1] for r in rows] == [t.name for t in result.targets.itertuples()]
    assert [(r[5], r[6]) for r in rows] == [(t.registered, t.achieved) for t in result.targets.itertuples()]
    assert [r[10] for r in rows] == [t.status for t in result.targets.itertuples()]
    by_code = dict(zip(codes, rows, strict=True))
    # the figures are the month's real ones, not zeros: SKKN at Huyện and above, CSTĐCS implies LĐTT
    assert by_code["SKKN_HUYEN"][5:7] == (2, 2)
    assert by_code["LDTT"][5:7] == (4, 2)
    assert by_code["LDTT"][10] == "Không đạt"  # the year is over in 2022-05
    assert by_code["TT_LDTT"][10] == "Đạt"
    assert by_code["SKKN_TINH"][8] == pytest.approx(1.0)
    assert by_code["LDTT"][9] == pytest.approx(2 / 32)
    assert by_code["SKKN_HUYEN"][9] == "—"  # not a share target: no ratio on the base


def test_overview_title_block_and_formats(written: dict[str, Path], result: MonthResult) -> None:
    ws = openpyxl.load_workbook(written["dashboard"])["Tổng quan"]
    values = [c.value for c in _cells(ws)]
    assert "TRƯỜNG TIỂU HỌC MĂNG ĐEN" in values
    assert "TỔNG HỢP PHONG TRÀO THI ĐUA" in values
    assert "Tháng 05/2022" in values
    assert "2021–2022" in values
    assert ws.cell(_find(ws, "Số tệp đã đọc").row, 3).value == 3
    as_of = ws.cell(_find(ws, "Số liệu tính đến").row, 3)
    assert as_of.value == dt.datetime(2022, 5, 31) and as_of.number_format == "dd/mm/yyyy"
    assert ws.cell(_find(ws, "Số lỗi").row, 3).value == result.issues.counts()["error"] == 2
    assert ws.cell(_find(ws, "Số cảnh báo").row, 3).value == result.issues.counts()["warning"] >= 1
    ratio = ws.cell(_find(ws, result.targets.set_index("code").loc["SKKN_TINH", "name"]).row, 9)
    assert ratio.number_format == "0.0%"
    assert _find(ws, "Chỉ tiêu").font.name == "Times New Roman"


def test_overview_chart_and_conditional_formatting(written: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(written["dashboard"])["Tổng quan"]
    assert len(ws._charts) == 1
    chart = ws._charts[0]
    assert chart.tagname == "barChart" and chart.type == "bar"  # horizontal: the names read along the bars
    assert len(chart.series) == 3
    rules = {str(rng.sqref): [r.type for r in rng.rules] for rng in ws.conditional_formatting}
    status = _find(ws, "Tình trạng").column_letter
    ratio = _find(ws, "Tỷ lệ đạt").column_letter
    assert any(k.startswith(ratio) and "dataBar" in v for k, v in rules.items())
    # status cells are coloured by the target's pace as they are written (tests/test_dashboard_reading.py)
    assert not [r for rng in ws.conditional_formatting if str(rng.sqref).startswith(status) for r in rng.rules]


def test_dashboard_teams_persons_missing_issues(written: dict[str, Path], result: MonthResult) -> None:
    wb = openpyxl.load_workbook(written["dashboard"])
    header, rows = _table(wb["Theo tổ"], "Tổ")
    assert [r[0] for r in rows] == [*team_order(result.teams["team"]), "Tổng cộng"]
    assert rows[-1][1] == f"=SUM(B4:B{3 + len(result.teams)})"
    cached = openpyxl.load_workbook(written["dashboard"], data_only=True)["Theo tổ"]
    _, cached_rows = _table(cached, "Tổ")
    assert cached_rows[-1][1:] == tuple(sum(col) for col in zip(*[r[1:] for r in cached_rows[:-1]], strict=True))
    assert cached_rows[-1][1] == 32

    header, rows = _table(wb["Theo cá nhân"], "STT")
    assert len(rows) == len(result.persons) == 32
    title = {r[1]: r[_col(header, "Danh hiệu đăng ký")] for r in rows}
    assert title[HOA.name] in (vocabulary.CSTDCS, vocabulary.LDTT)
    assert title[LINH.name] == "Có lỗi"
    assert title[HT.name] == "Chưa nộp"
    hoa = next(r for r in rows if r[2] == dt.datetime(1985, 4, 5))
    assert hoa[_col(header, "Hoạt động đăng ký")] == f"{TIET}; {VIDEO}"
    assert hoa[_col(header, "Số kết quả báo cáo")] == 3
    assert hoa[_col(header, "Xếp loại")] == vocabulary.RATINGS[0]
    assert hoa[_col(header, "Danh hiệu đạt")] == vocabulary.CSTDCS
    assert "Sáng kiến kinh nghiệm" in str(hoa[_col(header, "Kết quả nổi bật")])
    # LibreOffice does not grow rows with wrapped text: the writer sets the height the text needs
    persons = wb["Theo cá nhân"]
    hoa_row = _find(persons, AT_SUM).row
    assert persons.row_dimensions[hoa_row].height >= 3 * 11
    assert persons.row_dimensions[hoa_row + 5].height is None  # a one-line row keeps the default

    _, rows = _table(wb["Chưa nộp"], "STT")
    assert [r[1] for r in rows] == list(result.not_submitted["name"])
    assert len(rows) == 32 - 6

    ws = wb["Lỗi và cảnh báo"]
    header, rows = _table(ws, "STT")
    rules = rule_findings(result)
    assert rules  # the rule findings have their own sheet and are not listed twice
    assert [(r[1], r[2], r[3], r[5]) for r in rows] == [
        (i.severity.value, title_of(i.code), i.file or None, i.cell or None) for i in result.issues if i not in rules
    ]
    _, rule_rows = _table(wb["Kiểm tra quy định"], "STT")
    assert [r[2] for r in rule_rows] == [title_of(i.code) for i in rules]
    codes = {i.code for i in result.issues}  # the principal reads titles: no code anywhere on the dashboard
    assert not codes & {c.value for sheet in wb.worksheets for c in _cells(sheet)}
    assert _find(ws, RULES_ELSEWHERE)
    assert ws.auto_filter.ref


def test_dashboard_everyone_submitted_and_no_issues(tmp_path: Path) -> None:
    subs = frames.records(submitted=ROSTER)
    path = tmp_path / "d.xlsx"
    write_dashboard(month_of(subs, "2021-10", D(2021, 10, 31)), path)
    wb = openpyxl.load_workbook(path)
    assert _find(wb["Chưa nộp"], "Tất cả đã nộp đăng ký.")
    assert _find(wb["Lỗi và cảnh báo"], "Không có lỗi nào.")


# ----- injection strings stay text everywhere


@pytest.mark.parametrize("name", ["dashboard", "submission", "issues"])
def test_injection_strings_are_text(written: dict[str, Path], name: str) -> None:
    wb = openpyxl.load_workbook(written[name])
    seen = {LINK: 0, AT_SUM: 0}
    for ws in wb.worksheets:
        for cell in _cells(ws):
            if cell.value in seen:
                assert cell.data_type == "s", (ws.title, cell.coordinate)
                seen[cell.value] += 1
            assert not (isinstance(cell.value, str) and "HYPERLINK" in cell.value and cell.data_type == "f")
        assert not ws._hyperlinks
    assert seen[LINK] and seen[AT_SUM]


# ----- submission workbook


def test_submission_official_layout(written: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(written["submission"])
    printed = ["Đăng ký cá nhân", "Đăng ký tập thể", "Kết quả tháng", "Tổng kết năm học"]
    assert wb.sheetnames == [*printed, "_thidua"] and wb["_thidua"].sheet_state == "hidden"  # the data (SPEC 6)
    for ws in (wb[name] for name in printed):
        merged = {c.coordinate: c.value for row in ws.iter_rows(max_row=8) for c in row if c.value}
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in merged.values()
        assert "Độc lập - Tự do - Hạnh phúc" in merged.values()
        assert "PHÒNG GD&ĐT HUYỆN KONPLÔNG" in merged.values()
        assert "TRƯỜNG TIỂU HỌC MĂNG ĐEN" in merged.values()
        dated = (
            "Măng Đen, ngày 04 tháng 10 năm 2021"
            if ws.title.startswith("Đăng ký")
            else "Măng Đen, ngày 31 tháng 05 năm 2022"
        )
        assert dated in merged.values()  # registrations at the deadline, results at the month's end
        national = _find(ws, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        assert national.font.b and national.font.name == "Times New Roman"
        school = _find(ws, "TRƯỜNG TIỂU HỌC MĂNG ĐEN")
        assert school.font.b and _find(ws, dated).font.i
        assert school.row == 2 and ws.row_dimensions[3].height < 6  # the rule lines' row (drawn: see below)
        stt = _find(ws, "STT")
        assert national.row < stt.row
        assert national.column > _find(ws, "PHÒNG GD&ĐT HUYỆN KONPLÔNG").column
        for cell in ws[stt.row]:
            if cell.value is not None:
                assert cell.font.name == "Times New Roman" and cell.font.b
        assert ws.page_setup.paperSize == 9
        # fitToWidth 1 is the file format's default, so it is written as an absent attribute
        # and the height free (0), or one page (1, also absent) for a sheet a little over one page
        assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight in (0, 1, None)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        if ws.title in ("Tổng kết năm học",) or ws.title.startswith("Sơ kết"):
            assert ws.print_title_rows is None  # a review writes each table's own header on the pages it continues
        else:
            assert ws.print_title_rows == f"${stt.row}:${stt.row}"
        assert ws.print_area
        assert ws.print_options.horizontalCentered
        values = [c.value for c in _cells(ws)]
        for text in (
            "NGƯỜI LẬP BIỂU",
            "HIỆU TRƯỞNG",
            "Trần Thị Mỹ Linh",
            "Võ Thị Thanh Hương",
            "Nơi nhận:",
            "- Phòng GD&ĐT (báo cáo);",  # the seed's own list (SPEC 10)
            "- BGH trường (thực hiện);",
            "- Website trường;",
            "- Lưu: VT.",
            "Số:        /BC-THMĐ",
            "Kính gửi: Phòng GD&ĐT huyện KonPLông",
            "Tổng cộng",
        ):
            assert text in values or (text == "Tổng cộng" and ws.title == "Tổng kết năm học"), (ws.title, text)
        assert _find(ws, "Võ Thị Thanh Hương").row > _find(ws, "STT").row
    assert _find(wb["Đăng ký cá nhân"], "BẢNG TỔNG HỢP ĐĂNG KÝ THI ĐUA CÁ NHÂN NĂM HỌC 2021–2022")
    assert _find(wb["Đăng ký tập thể"], "BẢNG ĐĂNG KÝ DANH HIỆU THI ĐUA TẬP THỂ NĂM HỌC 2021–2022")
    assert _find(wb["Kết quả tháng"], "BÁO CÁO KẾT QUẢ THỰC HIỆN CHỈ TIÊU THI ĐUA THÁNG 05/2022")


def test_submission_individual_rows_and_totals(written: dict[str, Path], result: MonthResult) -> None:
    ws = openpyxl.load_workbook(written["submission"])["Đăng ký cá nhân"]
    header, rows = _table(ws, "STT")
    assert header == [
        "STT",
        "Họ và tên",
        "Ngày sinh",
        "Chức vụ",
        "Tổ",
        "Danh hiệu đăng ký",
        "Hình thức khen thưởng",
        "Tên sáng kiến kinh nghiệm",
        "Cấp",
        "Đồ dùng dạy học",
        TIET,
        VIDEO,
        BGDT,
    ]  # no staff notes: they are the school's own
    data, total, among = rows[:-2], rows[-2], rows[-1]
    registered = list(result.persons[result.persons["registration"]].itertuples())
    assert [r[1] for r in data] == [p.name for p in registered]  # roster order
    assert [r[0] for r in data] == list(range(1, len(registered) + 1))
    hoa = data[[p.name for p in registered].index(HOA.name)]
    assert hoa[5:11] == (vocabulary.CSTDCS, "Giấy khen của Chủ tịch UBND huyện", LINK, "Huyện", AT_SUM, "x")
    assert hoa[11:13] == ("x", None)
    marks = result.records.marks  # every tick is a (person, activity) mark of the records, and only those
    marked = set(zip(marks["person"].tolist(), marks["activity"].astype(object).tolist(), strict=True))
    ticks = [tuple("x" if (p.Index, name) in marked else None for name in (TIET, VIDEO, BGDT)) for p in registered]
    assert [r[10:13] for r in data] == ticks and len(set(ticks)) > 2
    assert total[0] == "Tổng cộng" and among[0] == f"Trong đó: {vocabulary.CSTDCS}"
    first, last = _find(ws, "STT").row + 1, _find(ws, "STT").row + len(data)
    assert total[_col(header, TIET)] == f'=COUNTIF($K${first}:$K${last},"x")'
    cached = openpyxl.load_workbook(written["submission"], data_only=True)["Đăng ký cá nhân"]
    _, rows = _table(cached, "STT")
    total, among = rows[-2], rows[-1]
    assert total[2] == 5  # people registering
    assert total[5] == 4  # LĐTT, CSTĐCS included
    assert among[5] == 1  # CSTĐCS
    assert total[6] == 1 and total[7] == 2 and total[9] == 2
    assert total[10:13] == (3, 2, 1)


def test_submission_collective_and_results(written: dict[str, Path], result: MonthResult) -> None:
    wb = openpyxl.load_workbook(written["submission"], data_only=True)
    header, rows = _table(wb["Đăng ký tập thể"], "STT")
    assert header == ["STT", "Tập thể", "Danh hiệu / hình thức", "Đăng ký", "Kết quả", "Số quyết định", "Ngày"]
    assert [r[1:4] for r in rows[:-1]] == [(c.unit, c.title, "Có") for c in PLAN.collectives]
    assert rows[-1][0] == "Tổng cộng"
    assert rows[-1][3:5] == (
        sum(c.registered for c in PLAN.collectives),
        sum(c.result == "Đạt" for c in PLAN.collectives),
    )
    assert rows[0][6] == dt.datetime(2022, 5, 20)
    assert wb["Đăng ký tập thể"].cell(_find(wb["Đăng ký tập thể"], "STT").row + 1, 7).number_format == "dd/mm/yyyy"

    header, rows = _table(wb["Kết quả tháng"], "STT")
    assert header == ["STT", "Chỉ tiêu", "Số chỉ tiêu", "Cơ sở", "Đăng ký", "Đạt được", "Tỷ lệ đạt", "Tình trạng"]
    data = rows[:-1]
    assert [r[1] for r in data] == [t.name for t in result.targets.itertuples()]  # names, never codes
    assert [(r[4], r[5], r[7]) for r in data] == [
        (t.registered, t.achieved, t.status) for t in result.targets.itertuples()
    ]
    assert rows[-1][1] == len(result.targets)
    assert rows[-1][7] == sum(t.status in ("Đạt", "Vượt") for t in result.targets.itertuples())


def test_submission_dates_registrations_at_the_deadline_and_results_at_the_months_end(
    october: MonthResult, tmp_path: Path
) -> None:
    path = tmp_path / "nop.xlsx"
    write_submission(october, path, today=dt.date(2021, 11, 3))
    wb = openpyxl.load_workbook(path)
    for name in ("Đăng ký cá nhân", "Đăng ký tập thể"):
        assert _find(wb[name], "Măng Đen, ngày 04 tháng 10 năm 2021")
    assert _find(wb["Kết quả tháng"], "Măng Đen, ngày 31 tháng 10 năm 2021")  # the counts run to 31/10
    assert _find(wb["Kết quả tháng"], "BÁO CÁO KẾT QUẢ THỰC HIỆN CHỈ TIÊU THI ĐUA THÁNG 10/2021")
    write_submission(october, path, today=dt.date(2021, 10, 20))  # the month is not over: the day of the run
    assert _find(openpyxl.load_workbook(path)["Kết quả tháng"], "Măng Đen, ngày 20 tháng 10 năm 2021")


def test_writers_are_deterministic(result: MonthResult, tmp_path: Path) -> None:
    for writer in (write_dashboard, write_submission, write_issue_report):
        first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
        writer(result, first)
        writer(result, second)
        assert first.read_bytes() == second.read_bytes()


# ----- issue report


def test_issue_report(written: dict[str, Path], result: MonthResult) -> None:
    wb = openpyxl.load_workbook(written["issues"])
    teams_with_issues = sorted({i.team for i in result.issues if i.team}, key=name_sort_key)
    assert wb.sheetnames == ["Tổng hợp", "Chi tiết", "Theo người", *teams_with_issues]
    ws = wb["Chi tiết"]
    header, rows = _table(ws, "STT")
    assert header == [
        "STT",
        "Tệp",
        "Trang tính",
        "Ô",
        "Người",
        "Tổ",
        "Mức độ",
        "Vấn đề",
        "Cần làm gì",
        "Giá trị",
        "Mã lỗi",  # the code only as the last, reference column of the detailed sheet
    ]
    issues = list(result.issues)
    assert len(rows) == len(issues)
    expected = in_reading_order(issues, person_order(result.plan))
    assert [(r[1], r[2], r[3], r[10], r[8]) for r in rows] == [
        (i.file or None, i.sheet or None, i.cell or None, i.code, i.message) for i in expected
    ]
    unknown = next(r for r in rows if r[10] == "person-unknown")
    assert unknown[7] == "Không có trong danh sách cán bộ"
    assert "Nguyễn Văn Thắng" in str(unknown[8]) and unknown[9] == "Nguyễn Văn Ann"
    missing = next(r for r in rows if r[10] == "required-missing")
    assert missing[4] == LINH.label and missing[5] == LINH.team
    assert "Danh hiệu đăng ký" in str(missing[8])
    # within a file: issues naming no person first, then persons in Vietnamese name order
    assert [r[3] for r in rows if r[1] == "a.xlsx" and r[2] == "Đăng ký"] == ["H6", "F9"]
    # one sheet per team, for its leader, holding exactly that team's issues
    for team in teams_with_issues:
        team_header, team_rows = _table(wb[team], "STT")
        assert "Mã lỗi" not in team_header  # a team leader reads titles, never codes
        assert [(r[4], r[7]) for r in team_rows] == [(i.person, title_of(i.code)) for i in expected if i.team == team]
    # one row per person, in Vietnamese name order
    _h, person_rows = _table(wb["Theo người"], "STT")
    labels = [r[1] for r in person_rows]
    assert labels == sorted({i.person for i in issues if i.person}, key=person_order(result.plan))
    top = _find(ws, "STT").row
    error_row = top + 1 + [r[6] for r in rows].index("lỗi")
    warning_row = top + 1 + [r[6] for r in rows].index("cảnh báo")
    assert ws.cell(error_row, 2).fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.cell(warning_row, 2).fill.fgColor.rgb.endswith("FFEB9C")
    assert ws.auto_filter.ref
    assert ws.freeze_panes == f"A{top + 1}"

    summary = wb["Tổng hợp"]
    counts = result.issues.counts()
    for label, key in (("Lỗi", "error"), ("Cảnh báo", "warning"), ("Ghi chú", "note")):
        assert summary.cell(_find(summary, label).row, 2).value == counts[key]
    _, files = _table(summary, "Tệp")
    assert [r[0] for r in files] == sorted({i.file or "(Chung, không gắn với tệp nào)" for i in issues})
    a_row = next(r for r in files if r[0] == "a.xlsx")
    assert a_row[1:] == (1, 0, 2, 3)


def test_issue_report_without_issues(tmp_path: Path) -> None:
    path = tmp_path / "loi.xlsx"
    write_issue_report(month_of(frames.records(), "2021-10", D(2021, 10, 31)), path)
    _, rows = _table(openpyxl.load_workbook(path)["Chi tiết"], "STT")
    assert rows == [("Không có lỗi nào.", *([None] * 10))]


# ----- real clients


@pytest.mark.libreoffice
def test_libreoffice_converts_every_workbook(written: dict[str, Path], tmp_path: Path) -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = (tmp_path / "profile").as_uri()
    for path in written.values():
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(tmp_path),
                str(path),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        pdf = tmp_path / f"{path.stem}.pdf"
        assert pdf.exists() and pdf.stat().st_size > 1000


def test_team_sheet_names_stay_distinct() -> None:
    from thidua.writers.issue_report import _sheet_name

    used = {"tổng hợp", "chi tiết", "theo người"}
    first = _sheet_name("Tổ chuyên môn khối lớp Hai và Ba", used)
    second = _sheet_name("Tổ chuyên môn khối lớp Hai và Bốn", used)
    clash = _sheet_name("Tổng hợp", used)
    assert len({first.casefold(), second.casefold(), clash.casefold()}) == 3
    assert all(len(n) <= 31 for n in (first, second, clash)) and clash == "Tổng hợp (2)"


def test_submission_draws_the_decrees_rule_lines_and_shows_no_codes(written: dict[str, Path]) -> None:
    import zipfile

    with zipfile.ZipFile(written["submission"]) as package:
        drawings = [package.read(n).decode() for n in package.namelist() if n.startswith("xl/drawings/drawing")]
    assert len(drawings) == 4  # one per sheet
    for xml in drawings:  # under the school's name and under the tiêu ngữ: two line-only boxes at row 3
        assert xml.count('descr="Đường kẻ"') == 2 and xml.count("<a:noFill/>") >= 2
        assert xml.count("<xdr:row>2</xdr:row>") >= 2
    wb = openpyxl.load_workbook(written["submission"])
    printed = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]  # the hidden _thidua data has codes
    shown = {str(c.value) for ws in printed for row in ws.iter_rows() for c in row if c.value is not None}
    assert not any(t.code in text for t in PLAN.targets for text in shown if len(t.code) > 4)  # no TT_LDTT…


def test_a_month_in_which_a_round_ends_gets_its_review(demo_template_ws: Workspace, tmp_path: Path) -> None:
    from thidua.pipeline.batch import compute

    ws = demo_template_ws  # the session's demo workspace: computing a month writes nothing
    january = compute(ws, "2022-01")  # Đợt 1 ends on 15/01/2022
    path = tmp_path / "nop.xlsx"
    write_submission(january, path, today=dt.date(2022, 2, 2))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[-2:] == ["Sơ kết đợt 1", "_thidua"]
    sheet = book["Sơ kết đợt 1"]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "SƠ KẾT ĐỢT 1 PHONG TRÀO THI ĐUA NĂM HỌC 2021–2022" in texts
    assert any(t.startswith("Trọng tâm của đợt:") and "20/11" in t for t in texts)
    assert "Măng Đen, ngày 15 tháng 01 năm 2022" in texts
    rounds = january.round_targets
    within = rounds[rounds["round"] == 1].set_index("code")["achieved"]
    row_of = {str(c.value): c.row for c in sheet["B"] if c.value}
    skkn = next(t for t in january.targets.itertuples() if t.code == "SKKN_HUYEN")
    assert sheet.cell(row_of[skkn.name], 4).value == within["SKKN_HUYEN"]
    section = next(c.row for c in sheet["A"] if c.value == "II. CÁ NHÂN CÓ KẾT QUẢ TRONG ĐỢT")
    assert [c.value for c in sheet[section + 1]][:4] == ["STT", "Họ và tên", "Tổ", "Số kết quả"]
    people = [str(c.value) for c in sheet["B"] if c.value and "(" in str(c.value)]
    assert people and all(any(p.name in shown for p in PLAN.roster) for shown in people)
    december = compute(ws, "2021-12")
    write_submission(december, path)
    assert openpyxl.load_workbook(path).sheetnames == ["Đăng ký cá nhân", "Đăng ký tập thể", "Kết quả tháng", "_thidua"]


@pytest.mark.libreoffice
def test_no_printed_page_holds_only_the_header_row_or_only_the_recipients(
    demo_template_ws: Workspace, tmp_path: Path
) -> None:
    import re

    from thidua.pipeline.batch import compute

    from .conftest import libreoffice_convert

    path = tmp_path / "bao-cao-thi-dua-2022-05.xlsx"  # the demo's 28 registrations run over several pages
    write_submission(compute(demo_template_ws, "2022-05"), path)
    (pdf,) = libreoffice_convert([path], "pdf", tmp_path / "lo")
    for page, (width, height, text) in enumerate(pdf_pages(pdf), start=1):
        assert is_a4(width, height), page
        lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("Trang ")]
        table_rows = [line for line in lines if re.match(r"\d+\s+\S", line) or line.startswith("Tổng cộng")]
        letterhead = any("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in line for line in lines)
        assert table_rows or letterhead, (page, lines[:8])  # never the header row alone, nor the recipients alone
        if any(line.startswith("Nơi nhận") for line in lines):
            assert table_rows, (page, lines[:8])  # the signatures and recipients come with the table's end


def test_the_persons_of_the_issue_report_are_ordered_as_a_table_of_every_label_would_order_them(
    tmp_path: Path,
) -> None:
    """person_order finds a label's member by name (it does not make all the roster's labels): namesakes, a member
    whose name reads like another's label (the later of the two is meant, as a label → member table holds), a
    label no member bears and a name without its birth date order exactly as a table of every label orders them,
    in the report's persons sheet too."""
    import dataclasses

    extra = (
        Person(900, "Trần Văn Bình (04/03/1985)", None, "Nam", "Giáo viên", "Tổ 1"),
        Person(901, "Trần Văn Bình", D(1985, 3, 4), "Nam", "Giáo viên", "Tổ 2"),
        Person(902, "An", None, "Nữ", "Giáo viên", "Tổ 1"),
        Person(903, "Lê Thị Cúc", D(1990, 1, 2), "Nữ", "Giáo viên", "Tổ 1"),
        Person(904, "Lê Thị Cúc", D(1979, 12, 30), "Nữ", "Giáo viên", "Tổ 2"),
    )
    plan = dataclasses.replace(PLAN, roster=(*PLAN.roster, *extra))
    table = {p.label: p for p in plan.roster}

    def by_table(label: str) -> tuple[object, ...]:
        person = table.get(label)
        if person is None:
            return ((), label)
        return (name_sort_key(person.name), person.birth_date.isoformat() if person.birth_date else "")

    labels = [p.label for p in plan.roster] + ["Trần Văn Bình", "Lê Thị Cúc", "Người lạ (01/01/2000)", "", "B"]
    order = person_order(plan)
    assert [order(label) for label in labels] == [by_table(label) for label in labels]
    assert order("Trần Văn Bình (04/03/1985)")[1] == "1985-03-04", "the later member with the label is meant"

    report = Report()
    named = ["Lê Thị Cúc (30/12/1979)", "Trần Văn Bình (04/03/1985)", "An", "Lê Thị Cúc (02/01/1990)", "Người lạ"]
    for row, label in enumerate(named, start=6):
        report.add(
            "rule-late-registration",
            file="r.xlsx",
            sheet="Đăng ký",
            cell=f"N{row}",
            person=label,
            team="Tổ 1",
            value="06/10/2021",
            deadline="04/10/2021",
            source="kế hoạch",
        )
    path = tmp_path / "loi.xlsx"
    write_issue_report(month_of(frames.records(plan=plan), "2021-10", D(2021, 10, 31), report, plan=plan), path)
    _h, rows = _table(openpyxl.load_workbook(path)["Theo người"], "STT")
    assert [r[1] for r in rows] == sorted(named, key=by_table)


def test_the_rounds_sheet_holds_round_targets_as_the_frame_pivoted_would(result: MonthResult, tmp_path: Path) -> None:
    """The dashboard's "Theo đợt" table looks each target's achievement within a round up (no pivot): a target or a
    round the frame does not name shows 0, a pair it does not hold shows an empty cell, as the frame pivoted target
    by round and widened to every target and round would."""
    import dataclasses

    figures = result.round_targets
    codes = list(result.targets["code"])
    kept = figures[~((figures["code"] == codes[0]) & (figures["round"] == 1)) & (figures["code"] != codes[1])]
    kept = kept.assign(achieved=[n + 1 for n in range(len(kept))])  # every figure told apart
    changed = dataclasses.replace(result, round_targets=kept)
    path = tmp_path / "dashboard.xlsx"
    write_dashboard(changed, path)
    rounds = len(result.rounds)
    wide = kept.pivot(index="code", columns="round", values="achieved")
    wide = wide.reindex(index=codes, columns=range(1, rounds + 1), fill_value=0)
    expected = [tuple(None if value != value else int(value) for value in row) for row in wide.itertuples(index=False)]
    _h, rows = _table(openpyxl.load_workbook(path)["Theo đợt"], "STT")
    assert [r[3 : 3 + rounds] for r in rows] == expected
    assert expected[0][0] is None and expected[1] == (0,) * rounds and expected[2][0] > 0
    assert [r[3 + rounds] for r in rows] == list(result.targets["achieved"])
