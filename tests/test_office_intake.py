"""What reaches a receiving office (SPEC 15) through the command line: `thidua office collect` files each e-mailed
attachment under the unit whose address sent it (against a real Dovecot on 127.0.0.1, tests/imapserver); a list
made without thidua is read by its header labels with cell-precise issues and joins the consolidated proposals; a
unit's list that disagrees with its own report is flagged on the row."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from thidua import api

from .conftest import office_cli as cli
from .imapserver import Account, ImapServer, deliver, imap_account, imap_server, messages_in, staff_message

__all__ = ["imap_account", "imap_server"]  # fixtures of tests/imapserver, used here

YEAR, VOTE = "2026-2027", "2027-05"
VIETNAM = dt.timezone(dt.timedelta(hours=7))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PASSWORD_ENV = "THIDUA_TEST_IMAP_PASSWORD"
UNITS = (
    ("TH-A", "Trường Tiểu học Măng Đen", "Tiểu học", "thmangden@example.edu.vn", 32),
    ("TH-F", "Trường Tiểu học Nguyễn Du", "Tiểu học", "HieuTruong.NguyenDu@Example.edu.vn; vt.nguyendu@example.vn", 18),
)


def new_office(root: Path, units: tuple[tuple[object, ...], ...] = UNITS, year: str = YEAR) -> Path:
    cli("office", "init", root, "--school-year", year)
    book = openpyxl.load_workbook(root / "donvi.xlsx")
    for row in units:
        book.worksheets[0].append(list(row))
    book.save(root / "donvi.xlsx")
    return root


HEADER = ["TT", "HỌ  VÀ TÊN", "Ngày, tháng, năm sinh", "Chức vụ", "Danh hiệu / Hình thức đề nghị", "Thành tích"]


def hand_made_list(path: Path, rows: list[list[object]], year: str = "2026 - 2027", header: list[str] = HEADER) -> Path:
    """A school's nomination list typed in a spreadsheet, not by thidua: a heading, a header in capitals on the
    fifth row with labels of its own, group rows, a signature block."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Danh sach"
    sheet.append(["UBND XÃ MĂNG ĐEN", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    sheet.append(["TRƯỜNG TIỂU HỌC NGUYỄN DU"])
    sheet.append([f"DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC {year}"])
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet.append([])
    sheet.append(["Nơi nhận:", None, None, "HIỆU TRƯỞNG"])
    sheet.append([None, None, None, "Nguyễn Văn Ký"])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


FOREIGN_ROWS: list[list[object]] = [
    ["I. Danh hiệu Chiến sĩ thi đua cơ sở"],
    [1, "Phạm Thị Hòa", "05/04/1985", "Giáo viên", "", "SKKN cấp tỉnh"],
    ["II. Danh hiệu Lao động tiên tiến"],
    [1, "Phạm Thị Hòa", "05/04/1985", "Giáo viên", "", ""],
    [2, "Lê Văn Bốn", dt.datetime(1980, 1, 2), "Giáo viên", "LĐTT; GK UBND xã", ""],
    [3, "Trần Văn Sai", "31/02/1990", "Giáo viên", "", ""],
    ["III. Khác"],
    [1, "Đỗ Thị Lạ", "01/01/1990", "Nhân viên", "Khen gì đó", ""],
    ["IV. TẬP THỂ"],
    [1, "Tổ 1", None, None, "Tập thể lao động tiên tiến", ""],
]


def test_a_list_made_without_thidua_is_read_by_its_labels_and_joins_the_proposals(tmp_path: Path) -> None:
    office = new_office(tmp_path / "xa")
    listed = hand_made_list(office / "nhan" / "TH-F" / "DS de nghi.xlsx", FOREIGN_ROWS)
    cli("office", "run", "-w", office, "--month", VOTE, code=1)  # TH-A sent nothing; one row cannot be read
    month = api.office(office, VOTE)
    units = month.units.set_index("code")
    assert units.loc["TH-F", "state"] == "Chỉ gửi danh sách" and units.loc["TH-A", "state"] == "Chưa gửi"
    assert units.loc["TH-F", "file"] == "nhan/TH-F/DS de nghi.xlsx"
    assert not len(month.targets[month.targets["unit"] == "TH-F"])  # a list carries no report figures
    mine = month.nominees[month.nominees["unit"] == "TH-F"]
    got = sorted(zip(mine["name"], mine["proposal"], mine["row"], strict=True))
    assert got == [
        ("Lê Văn Bốn", "Giấy khen của Chủ tịch UBND xã", 10),
        ("Lê Văn Bốn", "Lao động tiên tiến", 10),
        ("Phạm Thị Hòa", "Chiến sĩ thi đua cơ sở", 7),
        ("Phạm Thị Hòa", "Lao động tiên tiến", 9),
        ("Trần Văn Sai", "Lao động tiên tiến", 11),
    ]  # the group rows give the proposal; the collectives and the signature are not people
    assert set(mine["sheet"]) == {"Danh sach"} and set(mine["file"]) == {"nhan/TH-F/DS de nghi.xlsx"}
    # No rating (nor, for the CSTĐCS, a ballot) in the list: no row is shown as meeting the conditions.
    assert mine["findings"].str.contains("thiếu xếp loại").all()
    assert "tỷ lệ phiếu" in mine.loc[mine["proposal"] == "Chiến sĩ thi đua cơ sở", "findings"].iloc[0]
    hoa = mine[mine["name"] == "Phạm Thị Hòa"].iloc[0]
    assert hoa["birth_date"] == dt.date(1985, 4, 5) and hoa["authority"]
    issues = month.issues[month.issues["unit"] == "TH-F"]
    cells = {c: (s, f, sh) for c, s, f, sh in issues[["code", "cell", "file", "sheet"]].itertuples(index=False)}
    assert cells["office-list-proposal"] == ("E13", "nhan/TH-F/DS de nghi.xlsx", "Danh sach")
    assert cells["office-list-date"][0] == "C11"
    assert "office-list-only" in cells and "office-unit-missing" not in cells
    # The summary and the consolidated list carry the list's rows like any unit's.
    summary = json.loads((office / "output" / VOTE / "summary.json").read_text(encoding="utf-8"))
    assert summary["units"]["received"] == 1 and summary["missing"] == ["TH-A"]
    assert sum(sum(p.values()) for p in summary["proposals"].values()) == 5
    book = openpyxl.load_workbook(office / "output" / VOTE / f"danh-sach-de-nghi-{VOTE}.xlsx", read_only=True)
    printed = {str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v}
    assert {"Lê Văn Bốn", "Trần Văn Sai", "Trường Tiểu học Nguyễn Du"} <= printed
    assert listed.exists()


def test_a_hand_made_list_of_another_year_or_without_a_header_is_not_taken(tmp_path: Path) -> None:
    office = new_office(tmp_path / "xa")
    hand_made_list(office / "nhan" / "TH-F" / "nam-ngoai.xlsx", FOREIGN_ROWS[:2], year="2025-2026")
    stray = openpyxl.Workbook()
    stray.active.append(["Ghi chú", "không phải danh sách"])  # type: ignore[union-attr]
    stray.save(office / "nhan" / "TH-F" / "ghi-chu.xlsx")
    month = api.office(office, VOTE)
    codes = dict(zip(month.issues["file"], month.issues["code"], strict=False))
    assert codes["nhan/TH-F/nam-ngoai.xlsx"] == "office-wrong-year"
    assert codes["nhan/TH-F/ghi-chu.xlsx"] == "office-not-report"
    assert month.units.set_index("code").loc["TH-F", "state"] == "Chưa gửi"


def list_issues(month: api.OfficeMonth, unit: str = "TH-F") -> list[tuple[str, str, str]]:
    """(code, cell, value) of a unit's issues, sorted."""
    mine = month.issues[month.issues["unit"] == unit]
    return sorted(zip(mine["code"], mine["cell"], mine["value"], strict=True))


def test_an_odd_cell_in_a_hand_made_list_is_an_issue_on_its_cell_and_the_other_rows_count(tmp_path: Path) -> None:
    office = new_office(tmp_path / "xa")
    header = [*HEADER[:5], "Xếp loại", "Tỷ lệ phiếu", "Thành tích"]
    rows: list[list[object]] = [
        ["I. Danh hiệu Chiến sĩ thi đua cơ sở"],
        [1, "Phạm Thị Hòa", "05/04/1985", "Giáo viên", "", "HTXSNV", "²", "SKKN cấp xã"],  # '²'.isdigit() is true
        ["II. Danh hiệu Lao động tiên tiến"],
        [1, "Lê Văn Bốn", "02/01/1980", "Giáo viên", "GK-UBND", "HTTNV", "17/18", ""],  # no space after GK
        [2, "Trần Thị Ba", "03/03/1990", "Giáo viên", "BK/Tỉnh", "HTTNV", "16/18", ""],
        [3, "Đỗ Văn Năm", "04/04/1991", "Giáo viên", "", "HTTNV", "١٥/18", ""],  # Arabic-Indic digits
    ]
    hand_made_list(office / "nhan" / "TH-F" / "ds.xlsx", rows, header=header)
    cli("office", "run", "-w", office, "--month", VOTE, code=1)  # TH-A sent nothing
    month = api.office(office, VOTE)
    mine = month.nominees[month.nominees["unit"] == "TH-F"]
    assert sorted(zip(mine["name"], mine["proposal"], mine["row"], strict=True)) == [
        ("Lê Văn Bốn", "Giấy khen UBND", 9),
        ("Lê Văn Bốn", "Lao động tiên tiến", 9),
        ("Phạm Thị Hòa", "Chiến sĩ thi đua cơ sở", 7),
        ("Trần Thị Ba", "Bằng khen Tỉnh", 10),
        ("Trần Thị Ba", "Lao động tiên tiến", 10),
        ("Đỗ Văn Năm", "Lao động tiên tiến", 11),
    ]
    ballots = dict(zip(mine["name"], zip(mine["votes_for"], mine["votes_total"], strict=True), strict=False))
    assert ballots["Lê Văn Bốn"] == (17, 18) and all(pd_missing(v) for v in ballots["Phạm Thị Hòa"])
    assert all(pd_missing(v) for v in ballots["Đỗ Văn Năm"])
    found = list_issues(month)
    assert ("office-list-value", "G7", "²") in found and ("office-list-value", "G11", "١٥/18") in found
    assert ("office-list-giver", "E9", "GK-UBND") in found and ("office-list-giver", "E10", "BK/Tỉnh") in found
    messages = month.issues.set_index("cell")["message"]
    assert "Tỷ lệ phiếu" in messages["G7"] and "Giấy khen UBND" in messages["E9"]


def pd_missing(value: object) -> bool:
    return bool(pd.isna(value))  # type: ignore[call-overload]


COLLECTIVES_FIRST: list[list[object]] = [
    ["A. TẬP THỂ"],
    [1, "Tổ 1", None, None, "Tập thể lao động tiên tiến", ""],
    ["B. CÁ NHÂN"],
    ["I. Danh hiệu Chiến sĩ thi đua cơ sở"],
    [1, "Phạm Thị Hòa", "05/04/1985", "Giáo viên", "", "SKKN cấp tỉnh"],
    ["II. Danh hiệu Lao động tiên tiến"],
    [1, "Phạm Thị Hòa", "05/04/1985", "Giáo viên", "", ""],
    [2, "Lê Văn Bốn", dt.datetime(1980, 1, 2), "Giáo viên", "LĐTT; GK UBND xã", ""],
    [3, "Trần Văn Sai", "31/02/1990", "Giáo viên", "", ""],
]
NUMBERED: list[list[object]] = [
    ["A. TẬP THỂ"],
    [1, "Tổ 2", None, None, "Tập thể lao động tiên tiến", ""],
    ["I. Danh hiệu Chiến sĩ thi đua cơ sở"],  # a heading naming a title ends the collectives
    ["1.1", "Phạm Thị Hòa", "05/04/1985", "Giáo viên", "", "SKKN cấp tỉnh"],
    ["II. Danh hiệu Lao động tiên tiến"],
    ["2.1", "Phạm Thị Hòa", "05/04/1985", "Giáo viên", "", ""],
    ["2.2", "Lê Văn Bốn", dt.datetime(1980, 1, 2), "Giáo viên", "LĐTT; GK UBND xã", ""],
    ["2.3", "Trần Văn Sai", "31/02/1990", "Giáo viên", "", ""],
    ["", "Nguyễn Văn Thiếu", None, "Giáo viên", None, ""],  # named, nothing else: not a person, not a heading
]


@pytest.mark.parametrize(("rows", "collective"), [(COLLECTIVES_FIRST, "B7"), (NUMBERED, "B7")])
def test_collectives_first_and_numbered_hand_made_lists_keep_every_person(
    tmp_path: Path, rows: list[list[object]], collective: str
) -> None:
    office = new_office(tmp_path / "xa")
    hand_made_list(office / "nhan" / "TH-F" / "ds.xlsx", rows)
    month = api.office(office, VOTE)
    mine = month.nominees[month.nominees["unit"] == "TH-F"]
    assert sorted(zip(mine["name"], mine["proposal"], strict=True)) == [
        ("Lê Văn Bốn", "Giấy khen của Chủ tịch UBND xã"),
        ("Lê Văn Bốn", "Lao động tiên tiến"),
        ("Phạm Thị Hòa", "Chiến sĩ thi đua cơ sở"),
        ("Phạm Thị Hòa", "Lao động tiên tiến"),
        ("Trần Văn Sai", "Lao động tiên tiến"),
    ]
    assert month.units.set_index("code").loc["TH-F", "state"] == "Chỉ gửi danh sách"
    found = list_issues(month)
    assert ("office-list-collective", collective, rows[1][1]) in found  # the collective's row, noted
    date = month.issues[month.issues["code"] == "office-list-date"]["message"].iloc[0]
    assert "“31/02/1990”, không phải một ngày" in date and "ngày/tháng/năm, ví dụ 12/03/1985" in date
    if rows is NUMBERED:
        assert ("office-list-skipped", "B14", "Nguyễn Văn Thiếu") in found


def test_a_hand_made_list_with_no_readable_proposal_is_a_warning_and_the_unit_stays_missing(tmp_path: Path) -> None:
    office = new_office(tmp_path / "xa")
    hand_made_list(office / "nhan" / "TH-F" / "ds.xlsx", [[1, "Đỗ Thị Lạ", "01/01/1990", "Nhân viên", "Khen gì đó"]])
    cli("office", "run", "-w", office, "--month", VOTE, code=1)
    month = api.office(office, VOTE)
    assert month.units.set_index("code").loc["TH-F", "state"] == "Chưa gửi"
    issues = month.issues[month.issues["unit"] == "TH-F"].set_index("code")
    assert issues.loc["office-list-empty", "severity"] == "cảnh báo"
    assert issues.loc["office-list-empty", "file"] == "nhan/TH-F/ds.xlsx"
    assert {"office-list-proposal", "office-unit-missing"} <= set(issues.index)
    assert "office-list-only" not in issues.index
    summary = json.loads((office / "output" / VOTE / "summary.json").read_text(encoding="utf-8"))
    assert summary["units"]["received"] == 0 and "TH-F" in summary["missing"]


def test_a_hand_made_list_outside_the_year_end_month_is_noted_on_its_file(tmp_path: Path) -> None:
    office = new_office(tmp_path / "xa")
    hand_made_list(office / "nhan" / "TH-F" / "ds.xlsx", FOREIGN_ROWS[:2])
    month = api.office(office, "2026-11")
    notes = month.issues[month.issues["code"] == "office-list-not-taken"]
    assert list(zip(notes["unit"], notes["file"], strict=True)) == [("TH-F", "nhan/TH-F/ds.xlsx")]
    assert "10/06/2027" in notes["message"].iloc[0] and "11/2026" in notes["message"].iloc[0]
    assert month.units.set_index("code").loc["TH-F", "state"] == "Chưa gửi"


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo school, run for the month of its year-end vote."""
    root = tmp_path_factory.mktemp("office-intake") / "a"
    cli("init", "--demo", "--school-year", YEAR, root)
    cli("run", "-w", root, "--month", VOTE, code=(0, 1))
    return root


def test_a_units_list_disagreeing_with_its_own_report_is_flagged_on_the_row(school: Path, tmp_path: Path) -> None:
    office = new_office(tmp_path / "xa", UNITS[:1])
    sent = office / "nhan" / "TH-A"
    sent.mkdir(parents=True)
    out = school / "output" / VOTE
    shutil.copy(out / f"bao-cao-thi-dua-{VOTE}.xlsx", sent)
    shutil.copy(out / f"de-nghi-khen-thuong-{VOTE}.xlsx", sent)
    clean_run = api.office(office, VOTE)
    assert not clean_run.issues["code"].str.startswith("office-list").any()  # thidua's list agrees with its report
    # The principal adds a teacher to the list by hand and takes another out.
    path = sent / f"de-nghi-khen-thuong-{VOTE}.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    added = next(c for row in sheet.iter_rows() for c in row if c.value == "A Sơn")
    added.value = "Người Thêm Tay"
    for row in sheet.iter_rows():
        if row[1].value == "Hồ Thị Thúy Kiều":
            row[1].value = None
            row[0].value = None
    book.save(path)
    month = api.office(office, VOTE)
    found = month.issues[month.issues["code"].isin(["office-list-extra", "office-list-missing"])]
    extra = found[found["code"] == "office-list-extra"]
    assert list(extra["value"]) == ["Người Thêm Tay"] and list(extra["cell"]) == [f"B{added.row}"]
    assert set(extra["file"]) == {f"nhan/TH-A/de-nghi-khen-thuong-{VOTE}.xlsx"}
    missing = found[found["code"] == "office-list-missing"]
    assert sorted(zip(missing["value"], missing["params"].map(lambda p: p["proposal"]), strict=True)) == [
        ("A Sơn", "Lao động tiên tiến"),
        ("Hồ Thị Thúy Kiều", "Giấy khen của Hiệu trưởng"),
        ("Hồ Thị Thúy Kiều", "Lao động tiên tiến"),
    ]
    # The figures stay the report's: the list is checked against it, not added to it.
    assert len(month.nominees) == len(clean_run.nominees)


# --- office collect against a real IMAP server ------------------------------------------------------------------


PAST, PAST_VOTE = "2025-2026", "2026-05"  # a server keeps no arrival date in the future: last year's June


def at(month: int, day: int, hour: int = 9, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=VIETNAM)


@pytest.fixture
def mailed_office(tmp_path: Path, imap_server: ImapServer, imap_account: Account) -> Path:
    office = new_office(tmp_path / "xa", year=PAST)
    settings = office / "thidua.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8")
        + f'\n[imap]\nhost = "{imap_server.host}"\nport = {imap_server.starttls_port}\nsecurity = "starttls"\n'
        f'username = "{imap_account.user}"\npassword_env = "{PASSWORD_ENV}"\n'
        f'cafile = "{imap_server.cafile.as_posix()}"\n',
        encoding="utf-8",
    )
    return office


def test_office_collect_files_each_attachment_under_the_unit_that_sent_it(
    mailed_office: Path, imap_server: ImapServer, imap_account: Account, tmp_path: Path
) -> None:
    listed = hand_made_list(tmp_path / "ds.xlsx", FOREIGN_ROWS[:4], year=PAST).read_bytes()
    first = hand_made_list(tmp_path / "v1.xlsx", FOREIGN_ROWS[:2], year=PAST).read_bytes()
    other = hand_made_list(tmp_path / "v2.xlsx", FOREIGN_ROWS[2:4], year=PAST).read_bytes()
    deliver(
        imap_server,
        imap_account,
        staff_message(
            "Trường TH Nguyễn Du",
            "hieutruong.nguyendu@example.edu.vn",
            "Danh sách đề nghị",
            [("Danh sách đề nghị.xlsx", first, XLSX), ("Tờ trình.docx", b"PK\x03\x04 docx", DOCX)],
            message_id="<ds-1@nguyendu>",
        ),
        at(6, 2),
    )
    deliver(
        imap_server,
        imap_account,
        staff_message(
            "Văn thư Nguyễn Du",
            "VT.NguyenDu@example.vn",
            "Gửi lại danh sách",
            [("Danh sách đề nghị.xlsx", listed, XLSX)],
            message_id="<ds-2@nguyendu>",
        ),
        at(6, 12),
    )
    deliver(
        imap_server,
        imap_account,
        staff_message("Ai đó", "ai.do@gmail.example", "báo cáo", [("bao cao.xlsx", other, XLSX)], message_id="<x@y>"),
        at(6, 3),
    )
    password = {PASSWORD_ENV: imap_account.password}
    out = cli("office", "collect", "-w", mailed_office, "--dry-run", **password).output
    assert not (mailed_office / "nhan" / "TH-F").exists() and "Chạy thử" in out
    out = cli("office", "collect", "-w", mailed_office, **password).output
    filed = sorted(p.relative_to(mailed_office / "nhan").as_posix() for p in (mailed_office / "nhan").rglob("*.*"))
    assert filed == [
        "TH-F/20260602-0900_truong-th-nguyen-du_danh-sach-de-nghi.xlsx",
        "TH-F/20260602-0900_truong-th-nguyen-du_to-trinh.docx",
        "TH-F/20260612-0900_van-thu-nguyen-du_danh-sach-de-nghi.xlsx",
        "khong-ro/20260603-0900_ai-do_bao-cao.xlsx",
    ]  # both same-name lists kept; the unknown sender's file apart, and listed
    assert "nhan/khong-ro/" in out and "ai.do@gmail.example" in out
    assert (mailed_office / "nhan" / filed[2]).read_bytes() == listed
    # Idempotent: nothing filed twice; nothing deleted from the mailbox.
    out = cli("office", "collect", "-w", mailed_office, **password).output
    assert "Đã lưu 0 tệp" in out and "3 thư đã lấy từ trước" in out
    assert len(list((mailed_office / "nhan").rglob("*.*"))) == 4
    assert len(messages_in(imap_server, imap_account)) == 3
    with closing(sqlite3.connect(mailed_office / "thidua-lich-su.sqlite")) as db:
        assert db.execute("SELECT count(*) FROM received_files").fetchone()[0] == 4
    # The run takes the list received last, dated as received: after the deadline of 10/06.
    month = api.office(mailed_office, PAST_VOTE)
    unit = month.units.set_index("code").loc["TH-F"]
    assert unit["state"] == "Gửi muộn" and unit["received"] == dt.date(2026, 6, 12)
    assert unit["file"] == f"nhan/{filed[2]}"
    assert set(month.nominees.loc[month.nominees["unit"] == "TH-F", "name"]) == {"Phạm Thị Hòa"}


# --- the previous year ------------------------------------------------------------------------------------------


def test_office_init_from_last_year_carries_units_and_settings_and_run_shows_the_same_month_last_year(
    tmp_path: Path,
) -> None:
    schools = {}
    for year, month in (("2025-2026", "2025-11"), (YEAR, "2026-11")):
        root = tmp_path / f"truong-{year}"
        cli("init", "--demo", "--school-year", year, root)
        cli("run", "-w", root, "--month", month, code=(0, 1))
        schools[month] = root
    old = new_office(tmp_path / "xa-2025-2026", UNITS, year="2025-2026")
    settings = old / "thidua.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('symbol = "VHXH"', 'symbol = "VHXH-MD"'))
    for root, month, office in ((schools["2025-11"], "2025-11", old),):
        (office / "nhan" / "TH-A").mkdir(parents=True)
        shutil.copy(root / "output" / month / f"bao-cao-thi-dua-{month}.xlsx", office / "nhan" / "TH-A")
    new = tmp_path / "xa-2026-2027"
    out = cli("office", "init", new, "--from", old).output
    assert "2026–2027" in out and "(2 đơn vị)" in out
    assert (new / "donvi.xlsx").read_bytes() == (old / "donvi.xlsx").read_bytes()
    text = (new / "thidua.toml").read_text(encoding="utf-8")
    assert 'symbol = "VHXH-MD"' in text and "dossier_deadline = 2027-06-10" in text and "previous = " in text
    assert not any((new / "nhan").iterdir())  # what last year received stays there
    (new / "nhan" / "TH-A").mkdir()
    shutil.copy(schools["2026-11"] / "output" / "2026-11" / "bao-cao-thi-dua-2026-11.xlsx", new / "nhan" / "TH-A")

    def last_year_columns() -> dict[str, tuple[object, ...]]:
        book = openpyxl.load_workbook(new / "output" / "2026-11" / "tong-hop-don-vi-2026-11.xlsx", read_only=True)
        rows = list(book["Chỉ tiêu"].iter_rows(values_only=True))
        header = next(i for i, r in enumerate(rows) if r[0] == "STT")
        assert rows[header][10:13] == ("Đăng ký 11/2025", "Đạt 11/2025", "Tỷ lệ đạt 11/2025")
        return {str(r[2]): r[10:13] for r in rows[header + 1 :] if r[1] == UNITS[0][1]}

    # Last year's month not run: computed from what the old workspace received.
    cli("office", "run", "-w", new, "--month", "2026-11", code=1)  # TH-F sent nothing
    own = json.loads((schools["2025-11"] / "output" / "2025-11" / "summary.json").read_text(encoding="utf-8"))
    shown = last_year_columns()
    assert shown and {t["name"]: (t["registered"], t["achieved"]) for t in own["targets"]} == {
        name: values[:2] for name, values in shown.items()
    }
    # Run last year's month: its summary.json is what is shown (here typed over, to tell the two apart).
    cli("office", "run", "-w", old, "--month", "2025-11", code=1)
    path = old / "output" / "2025-11" / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    summary["reports"][0]["targets"][0]["achieved"] = 999
    path.write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    cli("office", "run", "-w", new, "--month", "2026-11", code=1)
    assert last_year_columns()[summary["reports"][0]["targets"][0]["name"]][1] == 999
    # Without a previous workspace the columns are not there.
    plain = new_office(tmp_path / "xa-khac")
    (plain / "nhan" / "TH-A").mkdir()
    shutil.copy(new / "nhan" / "TH-A" / "bao-cao-thi-dua-2026-11.xlsx", plain / "nhan" / "TH-A")
    cli("office", "run", "-w", plain, "--month", "2026-11", code=1)
    book = openpyxl.load_workbook(plain / "output" / "2026-11" / "tong-hop-don-vi-2026-11.xlsx", read_only=True)
    assert book["Chỉ tiêu"].max_column == 10
