"""The receiving office's roll-up (SPEC 15) through the command line: schools made and run with thidua, what they
send filed under an office workspace's nhan/, and `thidua office run` compared figure by figure with each school's
own summary.json; the cross-unit checks (a person proposed by two units, a CSTĐCS its own board did not elect by
the pack's share, a unit missing or late) found on their rows."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from thidua import api
from thidua.core.calendar import parse_school_year
from thidua.core.text import fold, key
from thidua.office.demo import school_plan
from thidua.workspace.create import starting_plan
from thidua.workspace.default_plan import PLAN
from thidua.workspace.demo import REGISTRATIONS

from .conftest import libreoffice_convert
from .conftest import office_cli as cli

YEAR, VOTE, EARLY = "2026-2027", "2027-05", "2026-11"
A, B, C = "TH-A", "TH-B", "TH-C"
NAME_B, NAME_C = "Trường Tiểu học Kim Đồng", "Trường Tiểu học Hòa Bình"
MOVED = 4  # the seed's roster member 4 (Phạm Thị Hòa) moved from school A to school B: proposed by both
SHORT = 1  # school B's CSTĐCS nominee 1 had 20 of 32 votes
SHARED = 17  # the initiative of roster member 17 is credited in A and, under the same title, in B


def second_school(root: Path) -> dict[str, str]:
    """Turn a copy of the demo school into another school of the commune: its name, and its staff renamed
    everywhere (plan and submissions) except the teacher who moved; a ballot typed lower. Returns the renaming."""
    year_plan = starting_plan(parse_school_year(YEAR), demo=True)
    renamed = {p.stt: p.name for p in school_plan(year_plan, 1, B, NAME_B, "THKĐ").roster}
    names = {}
    for person in PLAN.roster:
        new = renamed[person.stt]
        if person.stt != MOVED:
            names[person.name] = new if new != person.name else f"{person.name} Niê"
    school = year_plan.school.name
    wanted = {key(old): new for old, new in names.items()} | {key(school): NAME_B}
    for stt, registered in REGISTRATIONS.items():  # the school's own initiatives, but one with A's title
        if registered[1] and stt != SHARED:
            wanted[key(registered[1])] = f"{registered[1]} tại {NAME_B}"
    for path in [root / "kehoach.xlsx", *sorted((root / "submissions").rglob("*.xlsx"))]:
        if path.name.startswith("~$"):
            continue
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and key(cell.value) in wanted:
                        cell.value = wanted[key(cell.value)]
        book.save(path)
    short = names[next(p.name for p in PLAN.roster if p.stt == SHORT)]
    vote = root / "submissions" / "binh-xet" / "Ket qua binh xet cuoi nam.xlsx"
    book = openpyxl.load_workbook(vote)
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(min_row=6):
        if row[1].value == short:
            row[7].value = 20
    book.save(vote)
    return names


@pytest.fixture(scope="module")
def schools(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two schools made and run with thidua: A the demo, B another school with one of A's teachers."""
    root = tmp_path_factory.mktemp("office-schools")
    a, b = root / "a", root / "b"
    for ws in (a, b):
        cli("init", "--demo", "--school-year", YEAR, ws)
    second_school(b)
    for ws in (a, b):
        cli("run", "-w", ws, "--month", VOTE, code=(0, 1))
    cli("run", "-w", a, "--month", EARLY, code=(0, 1))
    return {A: a, B: b}


def own_summary(school: Path, month: str = VOTE) -> dict[str, Any]:
    return json.loads((school / "output" / month / "summary.json").read_text(encoding="utf-8"))


def set_received(path: Path, day: dt.date) -> None:
    stamp = dt.datetime.combine(day, dt.time(10, 0)).timestamp()
    os.utime(path, (stamp, stamp))


@pytest.fixture(scope="module")
def office(schools: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An office with three units: A sent its year-end report and dossier on time, B's report came by e-mail (not
    filed under its code) after the deadline, C sent only November's report; a stray workbook and a damaged one."""
    root = tmp_path_factory.mktemp("office") / "xa"
    cli("office", "init", root, "--school-year", YEAR)
    units = openpyxl.load_workbook(root / "donvi.xlsx")
    sheet = units.worksheets[0]
    school_a = own_summary(schools[A])["school"]
    for row in (
        (A, school_a, "Tiểu học", "a@example.vn", 32),
        (B, NAME_B, "Tiểu học", "", 32),
        (C, NAME_C, "", "", None),
    ):
        sheet.append(row)
    units.save(root / "donvi.xlsx")
    a_out, b_out = schools[A] / "output" / VOTE, schools[B] / "output" / VOTE
    (root / "nhan" / A).mkdir(parents=True)
    for name in (f"bao-cao-thi-dua-{VOTE}.xlsx", f"de-nghi-khen-thuong-{VOTE}.xlsx"):
        shutil.copy(a_out / name, root / "nhan" / A / name)
        set_received(root / "nhan" / A / name, dt.date(2027, 6, 8))
    shutil.copytree(a_out / "ho-so-de-nghi", root / "nhan" / A / "ho-so-de-nghi")
    (root / "nhan" / "e-mail").mkdir()
    late = root / "nhan" / "e-mail" / "Bao cao TH Kim Dong.xlsx"
    shutil.copy(b_out / f"bao-cao-thi-dua-{VOTE}.xlsx", late)
    set_received(late, dt.date(2027, 6, 15))
    (root / "nhan" / C).mkdir()
    shutil.copy(schools[A] / "output" / EARLY / f"bao-cao-thi-dua-{EARLY}.xlsx", root / "nhan" / C / "bao-cao.xlsx")
    stray = openpyxl.Workbook()
    stray.active.append(["Danh sách", "tự lập"])  # type: ignore[union-attr]
    stray.save(root / "nhan" / A / "ghi-chu.xlsx")
    (root / "nhan" / A / "hong.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    edited(a_out / f"bao-cao-thi-dua-{VOTE}.xlsx", root / "nhan" / A / "nam-truoc.xlsx", "school_year", "2025–2026")
    edited(a_out / f"bao-cao-thi-dua-{VOTE}.xlsx", root / "nhan" / A / "sua-tay.xlsx", "kind", "bang-tay")
    cli("office", "run", "-w", root, "--month", VOTE, code=1)
    return root


def edited(source: Path, target: Path, field: str, value: str) -> None:
    """A copy of a report whose `_thidua` sheet has `field` typed over by hand."""
    book = openpyxl.load_workbook(source)
    sheet = book["_thidua"]
    for row in sheet.iter_rows(max_row=10):
        if row[0].value == field:
            row[1].value = value
    book.save(target)


def close(a: Any, b: Any) -> bool:
    """The office's figure is the school's own: exactly the same number (a ratio's every digit), 3 == 3.0."""
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return float(a) == float(b)
    return a == b


def office_summary(office: Path) -> dict[str, Any]:
    return json.loads((office / "output" / VOTE / "summary.json").read_text(encoding="utf-8"))


def test_every_figure_is_the_schools_own(office: Path, schools: dict[str, Path]) -> None:
    summary = office_summary(office)
    reports = {r["unit"]: r for r in summary["reports"]}
    for unit, school in schools.items():
        own = own_summary(school)
        assert reports[unit]["school"] == own["school"]
        got = reports[unit]["targets"]
        assert [t["code"] for t in got] == [t["code"] for t in own["targets"]]
        for written, expected in zip(got, own["targets"], strict=True):
            for field, value in expected.items():
                assert close(written[field], value), (unit, expected["code"], field, written[field], value)
    assert reports[C]["targets"] == []
    # the totals are the schools' sums
    by_code = {t["code"]: t for t in summary["totals"]}
    for code in by_code:
        for field in ("registered", "achieved"):
            expected = sum(
                next(t[field] for t in own_summary(s)["targets"] if t["code"] == code) for s in schools.values()
            )
            assert by_code[code][field] == expected and by_code[code]["units"] == 2
    # the units × targets sheet prints the same figures
    book = openpyxl.load_workbook(office / "output" / VOTE / f"tong-hop-don-vi-{VOTE}.xlsx")
    sheet = book["Chỉ tiêu"]
    header = [c.value for c in sheet[4]]
    assert header[:7] == ["STT", "Đơn vị", "Chỉ tiêu", "Kế hoạch", "Cơ sở", "Đăng ký", "Đạt"]
    printed = {(r[1], r[2]): r for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]}
    names = {A: own_summary(schools[A])["school"], B: NAME_B}
    for unit, school in schools.items():
        for t in own_summary(school)["targets"]:
            row = printed[(names[unit], t["name"])]
            assert (row[5], row[6]) == (t["registered"], t["achieved"])
            shown = row[8] == "—" if t["achieved_ratio"] is None else math.isclose(row[8], t["achieved_ratio"])
            assert shown  # a printed cell: 16 significant digits
    # and the API's frames are the same figures
    month = api.office(office, VOTE)
    frame = month.targets.set_index(["unit", "code"])
    for unit, school in schools.items():
        for t in own_summary(school)["targets"]:
            assert frame.loc[(unit, t["code"]), "achieved"] == t["achieved"]
            assert frame.loc[(unit, t["code"]), "status"] == t["status"]


def test_office_check_reads_everything_received_and_writes_nothing(office: Path) -> None:
    """`office check` says what office run would say of the units and lists the issues at their files, without
    writing: the month's outputs are left as they were and no other month's folder appears."""
    before = {p: p.stat().st_mtime_ns for p in (office / "output").rglob("*")}
    out = cli("office", "check", "-w", office, "--month", VOTE, code=1).output  # C sent nothing
    assert "đã nhận 2/3 đơn vị (1 gửi muộn, 1 chưa gửi)" in out and "Chưa ghi tệp nào (chỉ kiểm tra)." in out
    assert f"{C} · nhan/{C}/: Chưa nhận được báo cáo tháng 05/2027" in out
    assert "nhan/TH-A/hong.xlsx" in out and "1 người được hai đơn vị đề nghị" in out
    early = cli("office", "check", "-w", office, "--month", EARLY, code=1).output
    assert "Tháng 11/2026" in early
    assert {p: p.stat().st_mtime_ns for p in (office / "output").rglob("*")} == before
    assert not (office / "output" / EARLY).exists()


def test_a_fault_of_thidua_on_one_received_file_is_an_issue_on_it_and_the_rest_is_read(
    office: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """thidua's own code failing on one file (a bug, not the file's damage) becomes file-internal-error on that file
    with the log named, as in the school's intake; the other units' reports still count."""
    from thidua.office import intake

    real = intake.read_report
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the log (thidua-loi.log) goes to the temporary folder

    def failing(path: Path, *args: Any) -> Any:
        if path.name == "nam-truoc.xlsx":
            raise RuntimeError("a bug of thidua met on this file")
        return real(path, *args)

    monkeypatch.setattr(intake, "read_report", failing)
    month = api.office(office, VOTE)
    faults = month.issues[month.issues["code"] == "file-internal-error"]
    assert list(faults["file"]) == ["nhan/TH-A/nam-truoc.xlsx"] and list(faults["unit"]) == [A]
    assert "người gửi không cần sửa" in faults["message"].iloc[0]
    assert month.summary["units"]["received"] == 2  # A's and B's reports are read all the same
    logged = (tmp_path / "thidua-loi.log").read_text(encoding="utf-8")
    assert "nhan/TH-A/nam-truoc.xlsx" in logged and "RuntimeError: a bug of thidua met on this file" in logged


def test_units_missing_late_and_each_files_problem_on_its_file(office: Path) -> None:
    summary = office_summary(office)
    assert summary["units"] == {"expected": 3, "received": 2, "late": 1, "missing": 1, "list_only": 0}
    assert summary["missing"] == [C] and summary["late"] == [B]
    month = api.office(office, VOTE)
    units = month.units.set_index("code")
    assert units.loc[B, "received"] == dt.date(2027, 6, 15) and units.loc[B, "state"] == "Gửi muộn"
    assert units.loc[B, "file"] == "nhan/e-mail/Bao cao TH Kim Dong.xlsx"  # matched by the school's name
    issues = month.issues
    found = {(u, c, f, s) for u, c, f, s in issues[["unit", "code", "file", "sheet"]].itertuples(index=False)}
    assert (C, "office-wrong-month", "nhan/TH-C/bao-cao.xlsx", "_thidua") in found
    assert (C, "office-unit-missing", "nhan/TH-C/", "") in found
    assert (B, "office-unit-late", "nhan/e-mail/Bao cao TH Kim Dong.xlsx", "") in found
    assert (A, "office-not-report", "nhan/TH-A/ghi-chu.xlsx", "") in found
    assert any(u == A and c == "file-unreadable" and f == "nhan/TH-A/hong.xlsx" for u, c, f, _s in found)
    assert (A, "office-wrong-year", "nhan/TH-A/nam-truoc.xlsx", "_thidua") in found
    assert (A, "office-report-damaged", "nhan/TH-A/sua-tay.xlsx", "_thidua") in found
    messages = dict(zip(issues["file"], issues["message"], strict=False))
    assert "2025–2026" in messages["nhan/TH-A/nam-truoc.xlsx"] and "kind" in messages["nhan/TH-A/sua-tay.xlsx"]
    assert not any(c == "office-unit-missing" for u, c, _f, _s in found if u != C)
    # the units' sheet shows it
    sheet = openpyxl.load_workbook(office / "output" / VOTE / f"tong-hop-don-vi-{VOTE}.xlsx")["Đơn vị"]
    states = {r[1]: r[4] for r in sheet.iter_rows(min_row=5, values_only=True) if isinstance(r[0], int)}
    assert states == {A: "Đã gửi", B: "Gửi muộn", C: "Chưa gửi"}


def test_a_person_proposed_by_two_units_and_an_unqualified_cstdcs_are_flagged(
    office: Path, schools: dict[str, Path]
) -> None:
    month = api.office(office, VOTE)
    moved = next(p for p in PLAN.roster if p.stt == MOVED)
    twice = month.issues[month.issues["code"] == "office-person-twice"]
    assert sorted(twice["unit"]) == [A, B] and set(twice["value"]) == {moved.name}
    assert all(s == "_thidua" and c for s, c in zip(twice["sheet"], twice["cell"], strict=True))
    assert month.summary["findings"]["persons_twice"] == 1
    flagged = month.nominees[month.nominees["findings"].str.contains("Cùng người")]
    assert set(flagged["name"]) == {moved.name} and set(flagged["unit"]) == {A, B}
    # a proposal is flagged short exactly when its own school judged it so, with the school's reason
    for unit, school in schools.items():
        own = api.month(school, VOTE).nominations
        short = own[~own["eligible"]]
        got = month.issues[(month.issues["code"] == "office-not-eligible") & (month.issues["unit"] == unit)]
        assert sorted(got["value"]) == sorted(short["name"]), unit
        for reason in short["reasons"]:
            assert any(reason in m for m in got["message"])
    assert "Tỷ lệ phiếu" in " ".join(month.issues.loc[month.issues["unit"] == B, "message"])
    # the consolidated list prints both findings in the conditions column
    sheet = openpyxl.load_workbook(office / "output" / VOTE / f"danh-sach-de-nghi-{VOTE}.xlsx").worksheets[0]
    rows = [r for r in sheet.iter_rows(values_only=True)]
    moved_rows = [r for r in rows if r[2] == moved.name]
    assert len(moved_rows) == len(flagged) and all(str(r[11]).startswith("Cần xem xét") for r in moved_rows)


def test_the_consolidated_list_groups_every_proposal_by_deciding_authority(
    office: Path, schools: dict[str, Path]
) -> None:
    sheet = openpyxl.load_workbook(office / "output" / VOTE / f"danh-sach-de-nghi-{VOTE}.xlsx").worksheets[0]
    rows = [r for r in sheet.iter_rows(values_only=True)]
    header = next(r for r in rows if r[0] == "STT")
    assert list(header) == [
        "STT",
        "Đơn vị",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Chức vụ",
        "Danh hiệu / hình thức",
        "Xếp loại",
        "Kỷ luật",
        "Sáng kiến / đề tài (tên, cấp, quyết định)",
        "Tỷ lệ phiếu",
        "Điều kiện",
        "Nguồn (tệp, dòng)",
    ]
    shown = {str(c) for r in rows for c in r if c}
    assert "I. ĐỀ NGHỊ CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ QUYẾT ĐỊNH" in shown
    assert any(text.startswith("Số:") and "/DS-" in text for text in shown)
    expected: dict[str, int] = {}
    for school in schools.values():
        for proposal, n in own_summary(school)["nominations"].items():
            if proposal != "Giấy khen của Hiệu trưởng":  # the principal's own: it goes up nowhere
                expected[proposal] = expected.get(proposal, 0) + n
    assert office_summary(office)["proposals"] == {"Chủ tịch Ủy ban nhân dân xã": expected}
    for proposal, n in expected.items():
        assert f"{proposal}: {n} người" in {text.split(". ", 1)[-1] for text in shown}
    missing = rows[next(i for i, r in enumerate(rows) if r[0] == "ĐƠN VỊ CHƯA GỬI BÁO CÁO, HỒ SƠ") + 1]
    assert missing[1] == C and missing[2] == NAME_C
    sources = [r[12] for r in rows if isinstance(r[0], int) and r[12]]
    assert all("_thidua dòng" in s for s in sources)


def test_an_ordinary_month_has_no_list_and_a_school_folder_is_not_an_office(
    office: Path, schools: dict[str, Path]
) -> None:
    early = api.office(office, EARLY)
    assert not early.year_end and len(early.nominees) == 0
    assert set(early.units.loc[early.units["state"] != "Chưa gửi", "code"]) == {C}  # C's November report
    done = cli("office", "run", "-w", schools[A], "--month", VOTE, code=2)
    assert "[office]" in done.stderr and "thidua office init" in done.stderr
    outside = cli("office", "run", "-w", office, "--month", "2027-09", code=2)
    assert "không thuộc năm học 2026–2027" in outside.stderr


def test_one_initiative_credited_in_two_units_is_flagged(office: Path, schools: dict[str, Path]) -> None:
    month = api.office(office, VOTE)
    title = REGISTRATIONS[SHARED][1]
    found = month.issues[month.issues["code"] == "office-initiative-twice"]
    assert sorted(found["unit"]) == [A, B] and {p["title"] for p in found["params"]} == {title}
    holders = {key(p.name) for p in PLAN.roster if p.stt == SHARED}
    assert key(found.loc[found["unit"] == A, "value"].iloc[0]) in holders  # A's own teacher, and B's renamed one
    assert found.loc[found["unit"] == B, "value"].iloc[0] != found.loc[found["unit"] == A, "value"].iloc[0]
    assert month.summary["findings"]["initiatives_twice"] == 1
    rows = month.nominees[month.nominees["findings"].str.contains("Sáng kiến")]
    assert set(rows["unit"]) == {A, B} and all(title in w for w in rows["works"])


def test_a_report_naming_another_school_than_its_units_is_warned(office: Path, tmp_path: Path) -> None:
    copy = tmp_path / "xa"
    shutil.copytree(office, copy)
    units = openpyxl.load_workbook(copy / "donvi.xlsx")
    units.worksheets[0]["B2"] = "Trường Tiểu học Đăk Long"
    units.save(copy / "donvi.xlsx")
    before, after = api.office(office, VOTE).issues, api.office(copy, VOTE).issues
    assert "office-school-mismatch" not in set(before["code"])
    found = after[after["code"] == "office-school-mismatch"]
    assert list(found["unit"]) == [A] and list(found["file"]) == [f"nhan/{A}/bao-cao-thi-dua-{VOTE}.xlsx"]
    assert "Trường Tiểu học Đăk Long" in found["message"].iloc[0]


@pytest.mark.libreoffice
def test_a_report_resaved_by_libreoffice_reads_the_same(office: Path, schools: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "xa"
    shutil.copytree(office, copy)
    report = copy / "nhan" / A / f"bao-cao-thi-dua-{VOTE}.xlsx"
    (resaved,) = libreoffice_convert([report], "xlsx", tmp_path / "lo")
    shutil.copy(resaved, report)
    before, after = api.office(office, VOTE), api.office(copy, VOTE)
    was, now = before.summary["reports"][0], after.summary["reports"][0]
    assert now["unit"] == A and now["school"] == was["school"] and len(now["targets"]) == len(was["targets"]) > 0
    for old, new in zip(was["targets"], now["targets"], strict=True):
        # LibreOffice keeps 15 significant digits of a ratio: the same figure as the school's to 1e-12
        assert all(close(old[field], new[field]) for field in old), (old, new)
    assert after.nominees.drop(columns="file").equals(before.nominees.drop(columns="file"))


@pytest.mark.slow
def test_the_office_demo_shows_the_whole_path(tmp_path: Path) -> None:
    root = tmp_path / "xa"
    made = cli("office", "init", root, "--demo", "--school-year", YEAR)
    assert f"thidua office run --month {VOTE}" in made.output
    done = cli("office", "run", "-w", root, "--month", VOTE, code=1)
    assert "đã nhận 5/6 đơn vị (1 gửi muộn, 1 chưa gửi)" in done.output
    summary = office_summary(root)
    # The school without thidua: its hand-made list read by its labels, no report figures, one cell unreadable.
    hand = next(r for r in summary["reports"] if r["unit"] == "TH-NGUYENDU")
    assert hand["state"] == "Chỉ gửi danh sách" and hand["targets"] == []
    month = api.office(root, VOTE)
    assert set(month.nominees.loc[month.nominees["unit"] == "TH-NGUYENDU", "name"]) == {
        "Lò Thị Hồng Nhung", "Nông Văn Đức", "Sầm Thị Thu", "Vi Thị Lan"
    }  # fmt: skip
    hand_rows = month.nominees[month.nominees["unit"] == "TH-NGUYENDU"]
    lacking = hand_rows.loc[hand_rows["findings"].str.contains("thiếu xếp loại"), "name"]
    assert set(lacking) == {"Sầm Thị Thu"}  # the one row whose rating the list left blank is not shown as met
    dates = month.issues[month.issues["code"] == "office-list-date"]
    assert list(zip(dates["unit"], dates["cell"], strict=True)) == [("TH-NGUYENDU", "C13")]
    assert summary["missing"] == ["TH-HOABINH"] and summary["late"] == ["TH-LEVANTAM"]
    findings = summary["findings"]
    assert findings["persons_twice"] == 1 and findings["initiatives_twice"] == 1 and findings["not_eligible"] >= 1
    for name in (f"tong-hop-don-vi-{VOTE}.xlsx", f"danh-sach-de-nghi-{VOTE}.xlsx"):
        assert (root / "output" / VOTE / name).is_file()


@pytest.mark.parametrize(
    "command", [("office",), ("office", "init"), ("office", "collect"), ("office", "check"), ("office", "run")]
)
def test_the_office_commands_have_vietnamese_help_with_an_example(command: tuple[str, ...]) -> None:
    out = cli(*command, "--help").output
    assert "Cách dùng:" in out and "Tùy chọn:" in out and "Xem hướng dẫn này rồi thoát." in out
    assert f"thidua {' '.join(command)}" in out and ("Ví dụ" in out or "Quy trình" in out)
    for english in ("Usage:", "Options:", "Commands:", "Show this message", "[required]", "DIRECTORY"):
        assert english not in out


def test_an_office_folder_is_never_overwritten(tmp_path: Path) -> None:
    cli("office", "init", tmp_path / "xa", "--school-year", YEAR)
    units = openpyxl.load_workbook(tmp_path / "xa" / "donvi.xlsx").worksheets[0]
    assert [c.value for c in units[1]][:5] == ["Mã đơn vị", "Tên đơn vị", "Loại", "E-mail", "Số CBGVNV"]
    assert "[office]" in (tmp_path / "xa" / "thidua.toml").read_text(encoding="utf-8")
    assert (tmp_path / "xa" / "nhan").is_dir() and (tmp_path / "xa" / "output").is_dir()
    again = cli("office", "init", tmp_path / "xa", code=2)
    assert "không ghi đè" in again.stderr


def _document_text(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(lines)


def test_the_office_writes_its_own_tờ_trình_draft_decision_and_report(office: Path) -> None:
    """At year end: per deciding authority a tờ trình with the consolidated counts and a draft decision listing
    only the proposals that stand (eligible at their school, no finding of the office); a report across units."""
    rolled = api.office(office, VOTE)
    nominees = rolled.nominees
    folder = office / "output" / VOTE / "van-ban-trinh"
    authorities = [a for a in dict.fromkeys(nominees["authority"]) if a]
    assert len(list(folder.glob("to-trinh-*.docx"))) == len(authorities) >= 1  # one per deciding authority
    for authority in authorities:
        group = nominees[nominees["authority"] == authority]
        (proposal_file,) = [p for p in folder.glob("to-trinh-*.docx") if authority in _document_text(p)]
        text = _document_text(proposal_file)
        for proposal, members in group.groupby("proposal", sort=False):
            assert f"{proposal}: {len(members)} cá nhân của {members['unit'].nunique()} đơn vị" in text
        decision = _document_text(proposal_file.with_name(proposal_file.name.replace("to-trinh", "du-thao-quyet-dinh")))
        assert "DỰ THẢO" in decision and "QUYẾT ĐỊNH:" in decision
        standing = group[group["eligible"].astype(bool) & (group["findings"].fillna("") == "")]
        flagged = group[~group.index.isin(standing.index)]
        assert len(flagged)  # the demo's moved teacher and short ballot are not decided on
        for name in standing["name"]:
            assert name in decision
        for name in set(flagged["name"]) - set(standing["name"]):
            assert name not in decision
    report = _document_text(folder / f"bao-cao-tong-hop-{VOTE}.docx")
    states = rolled.units["state"]
    assert f"{int((states != 'Chưa gửi').sum())}/{len(states)} đơn vị đã gửi báo cáo" in report


def test_office_collect_waits_for_no_other_command_and_refuses_a_month_outside_the_year(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """office collect holds the workspace lock as office run does (a run never reads a workbook half filed, two
    collects never race), and a month outside the office's year is refused before the mailbox is touched."""
    from filelock import FileLock

    from thidua.workspace import folder

    root = tmp_path / "xa"
    cli("office", "init", root, "--school-year", YEAR)
    outside = cli("office", "collect", "-w", root, "--month", "2030-01", code=2)
    assert "Tháng 01/2030 không thuộc năm học 2026–2027" in outside.stderr
    monkeypatch.setattr(folder, "LOCK_WAIT", 0.2)
    held = FileLock(root / folder.LOCK_FILE)
    held.acquire()
    try:
        busy = cli("office", "collect", "-w", root, code=1)
        assert "Một lệnh thidua khác đang chạy trên thư mục làm việc xa" in busy.stderr
    finally:
        held.release()


def test_a_previous_year_folder_moved_away_or_a_hand_edited_summary_does_not_stop_the_month(tmp_path: Path) -> None:
    """The previous year's workspace recorded by `office init --from` is no longer there: the month is rolled up
    without last year's columns and says why on thidua.toml (it stopped the run, advising to create an empty office
    at the old path); a last year's summary.json that is valid JSON but no summary is computed again, not a crash."""
    old, new = tmp_path / "xa-2025-2026", tmp_path / "xa-2026-2027"
    cli("office", "init", old, "--school-year", "2025-2026")
    cli("office", "init", new, "--from", old)
    (old / "output" / "2025-11").mkdir(parents=True)
    (old / "output" / "2025-11" / "summary.json").write_text("[1, 2]", encoding="utf-8")
    cli("office", "run", "-w", new, "--month", "2026-11")
    shutil.rmtree(old)
    ran = cli("office", "run", "-w", new, "--month", "2026-11")
    assert "1 cảnh báo" in ran.output
    summary = json.loads((new / "output" / "2026-11" / "summary.json").read_text(encoding="utf-8"))
    assert summary["issues"]["warning"] == 1
    sheet = openpyxl.load_workbook(new / "output" / "2026-11" / "tong-hop-don-vi-2026-11.xlsx")["Vấn đề"]
    said = [r for r in sheet.iter_rows(values_only=True) if "office-previous-unusable" in r]
    assert len(said) == 1 and "thidua.toml" in said[0] and "không còn ở đó" in " ".join(map(str, said[0]))


def test_a_unit_code_that_is_not_a_plain_folder_name_is_refused_on_its_cell(tmp_path: Path) -> None:
    """A unit's code names its folder nhan/<code>/ (office collect files into it): "../x", "TH KIM/ĐỒNG" are refused
    at their cell, the other units are read; a code typed as a number in Excel is that number."""
    root = tmp_path / "xa"
    cli("office", "init", root, "--school-year", YEAR)
    units = openpyxl.load_workbook(root / "donvi.xlsx")
    sheet = units.worksheets[0]
    for row in (("../../etc", "Trường A"), ("TH KIM/ĐỒNG", "Trường B"), (1234, "Trường C"), ("TH-D", "Trường D")):
        sheet.append(row)
    units.save(root / "donvi.xlsx")
    month = api.office(root, "2026-11")
    assert list(month.units["code"]) == ["1234", "TH-D"]
    refused = month.issues[month.issues["code"] == "office-units-invalid"]
    assert list(refused["cell"]) == ["A2", "A3"] and all("nhan/<mã>/" in m for m in refused["message"])


def test_each_units_dossier_is_read_for_its_tờ_trình_minutes_and_achievement_reports(
    office: Path, tmp_path: Path
) -> None:
    """At year end every unit with proposals going up has its dossier under nhan/<code>/ read by the documents'
    titles: A sent its whole dossier (no issue); B's report came by e-mail with no dossier in nhan/TH-B/; once A's
    minutes and one báo cáo thành tích are gone, A is told exactly those, and a scan (.pdf) is named for a person to
    open. Nothing received is modified."""
    month = api.office(office, VOTE)
    said = month.issues[month.issues["code"] == "office-dossier-incomplete"].set_index("unit")
    assert A not in said.index and B in said.index
    assert "chưa có: tờ trình; biên bản bình xét; báo cáo thành tích của" in said.loc[B, "message"]
    copy = tmp_path / "xa"
    shutil.copytree(office, copy)
    dossier = copy / "nhan" / A / "ho-so-de-nghi"
    reports = sorted(dossier.glob("bao-cao-thanh-tich-*.docx"))
    assert reports and (dossier / "bien-ban-binh-xet.docx").is_file()
    (dossier / "bien-ban-binh-xet.docx").unlink()
    gone = reports[0]
    person = " ".join(w.capitalize() for w in gone.stem.split("-")[4:-1])  # bao-cao-thanh-tich-<name>-<stt>
    gone.unlink()
    (dossier / "bien ban hop (ban scan).pdf").write_bytes(b"%PDF-1.4 scan")
    before = {p: p.read_bytes() for p in (copy / "nhan").rglob("*") if p.is_file()}
    month = api.office(copy, VOTE)
    message = month.issues.loc[
        (month.issues["code"] == "office-dossier-incomplete") & (month.issues["unit"] == A), "message"
    ].iloc[0]
    assert "chưa có: biên bản bình xét; báo cáo thành tích của " in message and "tờ trình;" not in message
    assert fold(person) in fold(message) and "bien ban hop (ban scan).pdf" in message  # the file name is ASCII
    assert {p: p.read_bytes() for p in (copy / "nhan").rglob("*") if p.is_file()} == before
