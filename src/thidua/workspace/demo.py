"""Fictitious filled submissions for the demo month (2022-05): every target exercised, the way a school's
folder really looks (per-person files, team files, resubmissions, an Excel lock file, a stray document).

The files are filled into the real generated templates with openpyxl, as a staff member's client would."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

from thidua.core.calendar import moved
from thidua.core.plan import Person, Plan
from thidua.core.text import ascii_slug
from thidua.forms import template_fields
from thidua.workspace.default_plan import COMMUNE_FROM_YEAR, PLAN, SEED_YEAR

D = dt.date
HEADER_ROW = 5  # 1-based row of the template's header
P = _SEED_PEOPLE = {p.stt: p for p in PLAN.roster}

# stt → (title, initiative, level, teaching aid, activities marked, registration date)
_LDTT, _CS, _NO = "Lao động tiên tiến", "Chiến sĩ thi đua cơ sở", "Không đăng ký"
_YT, _VID, _BG = "Tiết học yêu thương", "Bài soạn video trực tuyến", "Thiết kế bài giảng điện tử"
REGISTRATIONS: dict[int, tuple[str, str, str, str, tuple[str, ...], dt.date]] = {
    1: (_CS, "Một số biện pháp chỉ đạo dạy học trực tuyến ở trường tiểu học", "Huyện", "", (), D(2021, 9, 27)),
    2: (_LDTT, "Nâng cao chất lượng sinh hoạt chuyên môn theo nghiên cứu bài học", "Huyện", "", (), D(2021, 9, 27)),
    3: (_LDTT, "", "", "", (), D(2021, 9, 28)),
    4: (_CS, "Một số biện pháp rèn kỹ năng đọc cho học sinh lớp 1", "Tỉnh", "", (_VID,), D(2021, 9, 29)),
    5: (_LDTT, "", "", "", (_YT,), D(2021, 9, 29)),
    6: (_LDTT, "", "", "Bộ thẻ chữ cái và vần lớp 1", (_YT,), D(2021, 9, 30)),
    7: (_LDTT, "", "", "", (_YT,), D(2021, 9, 30)),
    8: (_LDTT, "", "", "", (_VID,), D(2021, 10, 2)),
    9: (_LDTT, "", "", "Mô hình đồng hồ và lịch", (_VID,), D(2021, 9, 30)),
    10: (_LDTT, "", "", "", (), D(2021, 10, 1)),
    11: (_CS, "Sử dụng trò chơi học tập trong môn Toán lớp 2", "Huyện", "", (_VID,), D(2021, 9, 28)),
    12: (_LDTT, "", "", "", (_YT,), D(2021, 9, 28)),
    13: (
        _LDTT,
        "Giáo dục kỹ năng sống cho học sinh dân tộc thiểu số qua hoạt động ngoài giờ",
        "Trường",
        "",
        (_VID,),
        D(2021, 9, 28),
    ),
    14: (_LDTT, "", "", "", (_YT,), D(2021, 9, 28)),
    16: (_LDTT, "", "", "Bộ đồ dùng học Toán hình học lớp 3", (), D(2021, 9, 28)),
    17: (_LDTT, "Dạy học Tin học lớp 3 theo định hướng phát triển năng lực", "Huyện", "", (_VID, _BG), D(2021, 9, 28)),
    18: (_LDTT, "", "", "Bộ đồ dùng học toán  hình học lớp 3", (_VID,), D(2021, 9, 28)),
    19: (_LDTT, "", "", "", (_YT,), D(2021, 9, 28)),
    20: (_CS, "Ứng dụng công nghệ thông tin trong dạy học Tiếng Việt lớp 4", "Tỉnh", "", (_BG,), D(2021, 10, 1)),
    21: (_CS, "ứng dụng  công nghệ thông tin trong dạy học tiếng Việt lớp 4", "Tỉnh", "", (), D(2021, 10, 1)),
    22: (_LDTT, "Rèn chữ viết đẹp cho học sinh lớp 5", "Huyện", "", (_VID,), D(2021, 10, 1)),
    23: (_LDTT, "", "", "", (_VID, _BG), D(2021, 10, 1)),
    24: (_LDTT, "", "", "", (_YT,), D(2021, 10, 1)),
    25: (_LDTT, "", "", "", (), D(2021, 10, 1)),
    26: (_LDTT, "", "", "Sa bàn địa lý tỉnh Kon Tum", (), D(2021, 10, 1)),
    27: (_NO, "", "", "", (), D(2021, 10, 1)),
    28: (_LDTT, "", "", "", (_VID,), D(2021, 10, 1)),
    29: (_LDTT, "", "", "", (), D(2021, 9, 30)),
    30: (_LDTT, "", "", "", (), D(2021, 10, 6)),  # after the deadline of 04/10: a late registration
    32: (_NO, "", "", "", (), D(2021, 9, 30)),
}
# (stt, activity, product, level, result, date, decision)
_SK, _DD = "Sáng kiến kinh nghiệm", "Đồ dùng dạy học"
RESULTS: tuple[tuple[int, str, str, str, str, dt.date, str], ...] = (
    (6, _DD, "Bộ thẻ chữ cái và vần lớp 1", "Huyện", "Đã dự thi", D(2021, 12, 10), ""),
    (9, _DD, "Mô hình đồng hồ và lịch", "Huyện", "Giải ba", D(2021, 12, 10), "512/QĐ-PGDĐT"),
    (16, _DD, "Bộ đồ dùng học Toán hình học lớp 3", "Huyện", "Đã dự thi", D(2021, 12, 10), ""),
    (18, _DD, "Bộ đồ dùng học Toán hình học lớp 3", "Huyện", "Đã dự thi", D(2021, 12, 10), ""),
    (26, _DD, "Sa bàn địa lý tỉnh Kon Tum", "Trường", "Đã dự thi", D(2021, 11, 25), ""),
    (5, _YT, "Tiết Tiếng Việt lớp 1: Bài Gia đình em", "", "Đã thực hiện", D(2021, 11, 16), ""),
    (6, _YT, "Tiết Toán lớp 1: Phép cộng trong phạm vi 10", "", "Đã thực hiện", D(2021, 11, 18), ""),
    (7, _YT, "Tiết Đạo đức lớp 1", "", "Đã thực hiện", D(2021, 11, 19), ""),
    (12, _YT, "Tiết Tự nhiên và Xã hội lớp 2", "", "Đã thực hiện", D(2021, 12, 2), ""),
    (14, _YT, "Tiết Tiếng Việt lớp 3", "", "Đã thực hiện", D(2022, 3, 8), ""),
    (19, _YT, "Tiết Toán lớp 2", "", "Đã thực hiện", D(2022, 3, 10), ""),
    (24, _YT, "Tiết Khoa học lớp 4", "", "Đã thực hiện", D(2022, 6, 3), ""),
    (4, _VID, "Video bài Âm a – lớp 1", "Tỉnh", "Đã nộp", D(2021, 10, 20), ""),
    (8, _VID, "Video bài Tiết kiệm nước – lớp 3", "Tỉnh", "Đã nộp", D(2021, 10, 25), ""),
    (9, _VID, "Video bài Xem đồng hồ – lớp 2", "Tỉnh", "Được công nhận", D(2021, 11, 5), ""),
    (11, _VID, "Video bài Bảng nhân 2", "Tỉnh", "Đã nộp", D(2021, 11, 8), ""),
    (13, _VID, "Video bài Cây xanh quanh em", "Tỉnh", "Đã nộp", D(2022, 2, 14), ""),
    (17, _VID, "Video bài Làm quen với máy tính", "Tỉnh", "Được công nhận", D(2022, 2, 21), ""),
    (18, _VID, "Video bài Hình tam giác", "Tỉnh", "Đã nộp", D(2022, 3, 2), ""),
    (22, _VID, "Video bài Luyện viết chữ hoa", "Tỉnh", "Đã nộp", D(2022, 3, 15), ""),
    (17, _BG, "Bài giảng điện tử Tin học 3: Thư mục", "Bộ", "Đã nộp", D(2022, 2, 25), ""),
    (20, _BG, "Bài giảng điện tử Tiếng Việt 4: Mở rộng vốn từ", "Bộ", "Đạt giải", D(2022, 4, 28), ""),
    (23, _BG, "Bài giảng điện tử Tiếng Anh 5: Unit 7", "Bộ", "Đã nộp", D(2022, 2, 25), ""),
    (1, _SK, REGISTRATIONS[1][1], "Huyện", "Được công nhận", D(2022, 3, 15), "145/QĐ-PGDĐT"),
    (2, _SK, REGISTRATIONS[2][1], "Huyện", "Không đạt", D(2022, 3, 15), ""),
    (4, _SK, REGISTRATIONS[4][1], "Tỉnh", "Được công nhận", D(2022, 4, 20), "312/QĐ-SGDĐT"),
    (11, _SK, REGISTRATIONS[11][1], "Huyện", "Được công nhận", D(2022, 3, 15), "145/QĐ-PGDĐT"),
    (13, _SK, REGISTRATIONS[13][1], "Trường", "Được công nhận", D(2022, 1, 10), "05/QĐ-THMĐ"),
    (17, _SK, REGISTRATIONS[17][1], "Huyện", "Được công nhận", D(2022, 3, 15), "145/QĐ-PGDĐT"),
    (20, _SK, REGISTRATIONS[20][1], "Tỉnh", "Đạt giải", D(2022, 4, 20), "312/QĐ-SGDĐT"),
    (21, _SK, REGISTRATIONS[20][1], "Tỉnh", "Đạt giải", D(2022, 4, 20), "312/QĐ-SGDĐT"),
    (22, _SK, REGISTRATIONS[22][1], "Huyện", "Đạt", D(2022, 3, 15), "145/QĐ-PGDĐT"),
    (3, "Thao giảng", "Tiết Toán lớp 4 chào mừng 20/11", "Trường", "Đạt", D(2021, 11, 12), ""),
    (10, "Dự giờ", "Dự giờ tổ 1 (8 tiết)", "", "Đã thực hiện", D(2021, 11, 30), ""),
    (28, "Bài viết", "Bài viết trên trang thông tin điện tử của trường", "", "Đã thực hiện", D(2022, 3, 8), ""),
)
_CS_WON = {1, 4, 11, 20}
_NO_TITLE = {15, 27, 30, 31, 32}


VOTERS = 32  # the staff who voted at the year-end meeting
_REWARD = "Giấy khen của Chủ tịch UBND huyện"


def _vote_rows(roster: Sequence[Person] = PLAN.roster) -> list[list[Any]]:
    rows = []
    for p in roster:
        title = _CS if p.stt in _CS_WON else "Không" if p.stt in _NO_TITLE else _LDTT
        rating = "HTXSNV" if p.stt in _CS_WON else "HTNV" if p.stt == 30 else "HTTNV"
        decision = "" if title == "Không" else "98/QĐ-THMĐ"
        # The reward proposed: the registered Giấy khen for the CSTĐCS; one teacher proposed for the principal's.
        reward = _REWARD if p.stt in _CS_WON else "Giấy khen của Hiệu trưởng" if p.stt == 9 else ""
        ballot = (VOTERS - p.stt % 3, VOTERS) if title != "Không" else (None, None)
        rows.append(
            [p.stt, p.name, p.birth_date, rating, "Không", title, reward, *ballot, decision, D(2022, 5, 25), ""]
        )
    return rows


def _fill(template: Path, target: Path, rows: Sequence[Sequence[Any]], first_row: int = HEADER_ROW + 1) -> None:
    """Write rows under the header of a template, as a staff member would, and save to `target`."""
    wb = openpyxl.load_workbook(template)
    ws = wb.worksheets[0]
    for r, values in enumerate(rows, start=first_row):
        for c, value in enumerate(values, start=1):
            if value not in ("", None):
                ws.cell(row=r, column=c, value=value)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)


def _registration_row(
    p: Person, stt: int, *, name: str | None = None, title: str | None = None, date: object = None
) -> list[Any]:
    t, initiative, level, aid, marks, when = REGISTRATIONS[p.stt]
    reward = _REWARD if t == _CS else ""
    return [
        stt,
        name or p.name,
        p.birth_date,
        p.position,
        p.team,
        title or t,
        reward,
        initiative,
        level,
        aid,
        *("x" if m in marks else "" for m in PLAN.activity_columns),
        date or when,
        "",
    ]


def _in_year(years: int) -> Callable[[Any], Any]:
    """A cell value of the seed's year moved `years` on (dates typed as dates or as text); birth dates stay.
    From 2025–2026 on the district's rewards and level are the commune's."""
    seed_start = dt.date(SEED_YEAR, 1, 1)
    commune = SEED_YEAR + years >= COMMUNE_FROM_YEAR

    def move(value: Any) -> Any:
        if isinstance(value, dt.date) and value >= seed_start:
            return moved(value, years)
        if isinstance(value, str) and commune:
            value = "Xã" if value == "Huyện" else value.replace("UBND huyện", "UBND xã")  # the era's lists
        if isinstance(value, str):
            found = re.fullmatch(r"(\d{2}/\d{2}/)(\d{4})", value)
            if found and int(found.group(2)) >= SEED_YEAR:
                return f"{found.group(1)}{int(found.group(2)) + years}"
        return value

    return move


def write_demo_submissions(folder: Path, plan: Plan = PLAN) -> list[Path]:
    """Fill the templates of `plan` (the embedded default, perhaps moved to another school year) as the school's
    staff would and return the files written; every date follows the plan's year."""
    from thidua.forms.templates import write_templates

    move = _in_year(plan.school_year.first - SEED_YEAR)
    people = {p.stt: p for p in plan.roster}  # the plan's people (another demo school may name them otherwise)
    P = {stt: people.get(stt, p) for stt, p in _SEED_PEOPLE.items()}
    roster = [P[p.stt] for p in PLAN.roster]
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        blanks = Path(tmp)
        write_templates(plan, blanks)
        reg = blanks / f"{template_fields.FILE_NAMES[template_fields.REGISTRATION]}.xlsx"
        act = blanks / f"{template_fields.FILE_NAMES[template_fields.ACTIVITY]}.xlsx"
        vote = blanks / f"{template_fields.FILE_NAMES[template_fields.VOTE]}.xlsx"

        def fill(template: Path, rel: str, rows: Sequence[Sequence[Any]]) -> None:
            _fill(template, folder / rel, [[move(value) for value in row] for row in rows])
            written.append(folder / rel)

        # Tổ 1 and the office: one file per person, named as people do.
        for p in roster:
            if p.team in ("Tổ 1", "Tổ văn phòng") and p.stt in REGISTRATIONS:
                fill(reg, f"dang-ky/{ascii_slug(p.team)}/DK thi dua - {p.stt:02d}.xlsx", [_registration_row(p, 1)])
        # Trần Văn Quý first sent "Không đăng ký", then a newer LĐTT registration: the newer one wins.
        fill(
            reg,
            "dang-ky/to-1/DK thi dua - 08 (ban dau).xlsx",
            [_registration_row(P[8], 1, title=_NO, date=D(2021, 9, 25))],
        )
        # Tổ 2–3: one team file; Y Nhung (15) has not registered.
        team23 = [p for p in roster if p.team == "Tổ 2–3" and p.stt in REGISTRATIONS]
        fill(reg, "dang-ky/DK thi dua To 2-3.xlsx", [_registration_row(p, i) for i, p in enumerate(team23, 1)])
        # Tổ 4–5: a team file typed by hand: capitals, abbreviations, a date typed as text, NFD text.
        team45 = [p for p in roster if p.team == "Tổ 4–5" and p.stt in REGISTRATIONS]
        rows45 = {p.stt: _registration_row(p, i) for i, p in enumerate(team45, 1)}
        rows45[21][1] = P[21].name.upper()
        rows45[22][5] = "lđtt"
        rows45[23][-2] = "01/10/2021"
        rows45[25][1] = "  " + P[25].name.replace(" ", "  ") + " "
        rows45[26][1] = unicodedata.normalize("NFD", P[26].name)
        rows45[28][5] = "LĐTT"
        fill(reg, "dang-ky/DK thi dua To 4-5.xlsx", list(rows45.values()))
        # Monthly activity reports by team leaders, and a row sent twice.
        by_team: dict[str, list[list[Any]]] = {}
        for stt, activity, product, level, result, date, decision in RESULTS:
            p = P[stt]
            by_team.setdefault(p.team, []).append(
                [0, p.name, p.birth_date, activity, product, level, result, date, decision, ""]
            )
        for team, rows in by_team.items():
            for i, row in enumerate(rows, 1):
                row[0] = i
            fill(act, f"bao-cao/Bao cao ket qua {ascii_slug(team)}.xlsx", rows)
        fill(
            act, "bao-cao/Bo sung thang 3 - Pham Thi Le Thuy.xlsx", [r for r in by_team["Tổ 2–3"] if r[1] == P[14].name]
        )
        # The year-end vote, entered by the secretary after the board's meeting.
        fill(vote, "binh-xet/Ket qua binh xet cuoi nam.xlsx", _vote_rows(roster))
    # What else lands in the folder: Excel's lock file of an open workbook and a note from a team.
    lock = folder / "dang-ky" / "~$DK thi dua To 2-3.xlsx"
    lock.write_bytes(b"\x0bthidua\x00" * 20)
    (folder / "dang-ky" / "ghi chu cua to 4-5.txt").write_text("Tổ 4–5 đã nộp đủ.\n", encoding="utf-8")
    return written
