"""A round review ("Sơ kết đợt N", "Tổng kết năm học") as of its own day, and the submission workbook's pages as
printed (SPEC 6; issue #21 item 7)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from thidua import api
from thidua.cli import main
from thidua.workspace.demo import _fill

from .conftest import libreoffice_convert, pdf_pages, reg_row

JANUARY, MAY = "2027-01", "2027-05"
LESSON = "Tiết học yêu thương"


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("review") / "ws"
    done = CliRunner().invoke(main, ["init", "--demo", "--school-year", "2026-2027", str(root)])
    assert done.exit_code == 0, done.output
    return root


def _run(root: Path, month: str) -> None:
    done = CliRunner().invoke(main, ["run", "-w", str(root), "--month", month])
    assert done.exit_code in (0, 1), done.output
    assert "Traceback" not in done.stderr


def _report(root: Path, month: str) -> Path:
    (found,) = (root / "output" / month).glob(f"bao-cao-*-{month}.xlsx")
    return found


def test_a_round_review_counts_as_of_its_own_day(year: Path, tmp_path: Path) -> None:
    """Đợt 1 ends on 15/01/2027: a lesson of 20/01 counts in January's results sheet, not in the review of
    Đợt 1, whose ratio is the round's own (achieved within the round over the target)."""
    root = tmp_path / "ws"
    shutil.copytree(year, root)
    before = api.month(root, JANUARY)
    lessons = before.results[before.results["activity"] == LESSON]
    teachers = before.persons[
        (before.persons["position"] == "Giáo viên") & ~before.persons.index.isin(lessons["person"])
    ]
    new = teachers.iloc[0]
    _fill(
        root / "input_templates" / "mau-bao-cao-ket-qua.xlsx",
        root / "submissions" / "bao-cao" / "tiet-hoc-20-01.xlsx",
        [
            [
                1,
                new["name"],
                new["birth_date"].date(),
                LESSON,
                "Tiết Toán lớp 3",
                "",
                "Đã thực hiện",
                dt.date(2027, 1, 20),
            ]
        ],
    )
    _run(root, JANUARY)
    after = api.month(root, JANUARY)
    code = "TIET_HOC_YT"
    month_before = int(before.targets.set_index("code").loc[code, "achieved"])
    assert int(after.targets.set_index("code").loc[code, "achieved"]) == month_before + 1  # the month counts it
    rounds = after.result.round_targets.set_index(["round", "code"])
    first = rounds.loc[(1, code)]
    earlier = before.result.round_targets.set_index(["round", "code"]).loc[(1, code)]
    assert int(first["to_date"]) == int(earlier["to_date"]) == month_before  # the review, dated 15/01, does not
    assert int(first["achieved"]) == int(earlier["achieved"])
    target = int(after.targets.set_index("code").loc[code, "target"])
    assert first["ratio"] == pytest.approx(int(first["achieved"]) / target)
    assert first["as_of"] == dt.datetime(2027, 1, 15)
    # the printed review says the same, and lists nobody for the lesson of 20/01
    sheet = openpyxl.load_workbook(_report(root, JANUARY))["Sơ kết đợt 1"]
    name = after.targets.set_index("code").loc[code, "name"]
    (row,) = [r for r in sheet.iter_rows(values_only=True) if r[1] == name]
    assert row[2:7] == (target, int(first["achieved"]), first["ratio"], int(first["to_date"]), first["to_date_ratio"])
    shown = " ".join(str(c) for r in sheet.iter_rows(values_only=True) for c in r if c)
    assert "Tiết Toán lớp 3" not in shown
    assert any("ngày 15 tháng 01 năm 2027" in str(c) for r in sheet.iter_rows(max_row=6, values_only=True) for c in r)


def _add_target(root: Path) -> None:
    """A twelfth target, as a school adds one to its plan."""
    path = root / "kehoach.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Chỉ tiêu"]
    ws.append(["THAO_GIANG", "Thao giảng chào mừng 20/11", "Cá nhân", 10, None, "lượt", "Thao giảng", None, "Lượt"])
    wb.save(path)


def _fill_of(pdf: Path, page: int, height: float) -> float:
    """How far down the page its text goes (the page number at the foot aside), as a share of the page."""
    boxes = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words = re.findall(r'yMax="([\d.]+)">([^<]*)<', boxes)
    bottoms = [float(y) for y, word in words if word.strip() and not re.fullmatch(r"Trang|\d+/\d+", word.strip())]
    return max(bottoms) / height


@pytest.mark.libreoffice
def test_the_report_prints_without_half_empty_pages_and_with_each_tables_own_header(year: Path, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(year, root)
    _add_target(root)
    _run(root, MAY)
    (pdf,) = libreoffice_convert([_report(root, MAY)], "pdf", tmp_path / "pdf")
    pages = pdf_pages(pdf)
    texts = [text for _w, _h, text in pages]
    # the results sheet's twelve rows, its totals, the signatures and Nơi nhận on one page
    (results,) = [i for i, text in enumerate(texts) if "BÁO CÁO KẾT QUẢ THỰC HIỆN CHỈ TIÊU" in text]
    for words in ("Thao giảng chào mừng 20/11", "Nhà trường đạt", "12 chỉ tiêu", "HIỆU TRƯỞNG", "Nơi nhận:"):
        assert words in texts[results], words
    # the year's review: every page that continues a table starts with that table's header row
    (review,) = [i for i, text in enumerate(texts) if "TỔNG KẾT NĂM HỌC PHONG TRÀO" in text]
    assert review == len(pages) - 1 or "TỔNG KẾT" not in texts[-1]
    for text in texts[review + 1 :]:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        head = " ".join(lines[:3])
        people = re.search(r"\(\d{2}/\d{2}/\d{4}\)", lines[3] if len(lines) > 3 else "")
        if people:  # the staff table continues: its own header, not the targets'
            assert "Họ và tên" in head and "Chỉ tiêu" not in head, lines[:4]
    # no page but a sheet's last is left mostly empty to keep rows together
    starts = [i for i, text in enumerate(texts) if "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text] + [len(pages)]
    for first, following in itertools.pairwise(starts):
        for number in range(first, following - 1):  # every page of the sheet but its last
            assert _fill_of(pdf, number + 1, pages[number][1]) > 0.55, (number + 1, texts[number][:200])


def test_totals_that_differ_between_sheets_say_why(year: Path, tmp_path: Path) -> None:
    """Issue #21 item 9: the registration sheet lists 9 initiatives and the results sheet counts 7 registered for
    "SKKN cấp xã" (one co-authored, one at Trường level); a vice-principal marks the lesson of love, which a "GV"
    target does not count. A note under each table says so (SPEC 6)."""
    root = tmp_path / "ws"
    shutil.copytree(year, root)
    before = api.month(root, MAY)
    vice = before.persons[before.persons["position"] == "Phó hiệu trưởng"].iloc[0]
    _fill(
        root / "input_templates" / "mau-dang-ky-thi-dua.xlsx",
        root / "submissions" / "dang-ky" / "zz-dang-ky-lai.xlsx",
        [
            reg_row(
                vice["name"],
                "Lao động tiên tiến",
                birth=vice["birth_date"].date(),
                marks=[LESSON],
                date=dt.date(2026, 10, 1),
            )
        ],
    )
    _run(root, MAY)
    may = api.month(root, MAY)
    registered = may.targets.set_index("code")["registered"]
    book = openpyxl.load_workbook(_report(root, MAY), data_only=True)  # the totals as their cached values
    persons, results = book["Đăng ký cá nhân"], book["Kết quả tháng"]
    header = next(r for r in persons.iter_rows(values_only=True) if r[0] == "STT")
    totals = next(r for r in persons.iter_rows(values_only=True) if r[0] == "Tổng cộng")
    listed_lessons = totals[header.index(LESSON)]
    listed_initiatives = totals[header.index("Tên sáng kiến kinh nghiệm")]
    assert listed_lessons == registered["TIET_HOC_YT"] + 1  # the vice-principal's mark
    assert listed_initiatives > registered["SKKN_HUYEN"]
    for sheet in (persons, results):
        notes = [
            str(r[0]) for r in sheet.iter_rows(values_only=True) if r[0] and "bảng đăng ký cá nhân có" in str(r[0])
        ]
        assert str(notes[0]).startswith("Ghi chú: ")
        lesson = next(n for n in notes if "Tham gia tiết học yêu thương" in n)
        assert f"tính {registered['TIET_HOC_YT']} đăng ký" in lesson and f"có {listed_lessons}:" in lesson
        assert f"{vice['name']} (Phó hiệu trưởng)" in lesson and "giáo viên" in lesson
        initiative = next(n for n in notes if "SKKN cấp xã" in n)
        assert f"tính {registered['SKKN_HUYEN']} đăng ký" in initiative and f"có {listed_initiatives}:" in initiative
        assert "cùng đăng ký, tính một lần" in initiative
    # the API says the same, as data
    lesson_row = may.result.differences.set_index("code").loc["TIET_HOC_YT"]
    assert (lesson_row["listed"], lesson_row["registered"]) == (listed_lessons, registered["TIET_HOC_YT"])
