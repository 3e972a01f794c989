"""The embedded default: the 2021–2022 emulation plan of Trường Tiểu học Măng Đen (the seed), faithfully,
with a fictitious but realistic roster of 32 staff (staff names are not in the seed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from thidua.core.plan import (
    COUNT_ENTRIES,
    COUNT_PERSONS,
    COUNT_WORKS,
    SOURCE_COLLECTIVE,
    SOURCE_CSTDCS,
    SOURCE_LDTT,
    SUBJECT_COLLECTIVE,
    SUBJECT_PERSON,
    CollectiveTitle,
    Person,
    Plan,
    Round,
    School,
    Target,
)
from thidua.core.vocabulary import DDDH, SKKN

D = dt.date
DEMO_MONTH = "2022-05"

SCHOOL = School(
    name="Trường Tiểu học Măng Đen",
    parent_body="Phòng GD&ĐT huyện KonPLông",
    province="Kon Tum",
    place="Măng Đen",
    school_year="2021–2022",
    registration_deadline=D(2021, 10, 4),
    vote_day=D(2022, 5, 31),  # the seed votes at the end of its last round
    signatory_title="HIỆU TRƯỞNG",
    signatory_name="Võ Thị Thanh Hương",
    preparer_name="Trần Thị Mỹ Linh",
    movement="Phong trào thi đua năm học 2021–2022",
    recipient="Phòng GD&ĐT huyện KonPLông",
    symbol="THMĐ",  # the seed's own plan is "Số 09A/KH-THMĐ"
    copies_to="Phòng GD&ĐT (báo cáo)\nBGH trường (thực hiện)\nTổ CM (thực hiện)\nWebsite trường\nLưu: VT",
)
SEED_YEAR = 2021  # the school year the seed's plan is for starts in this calendar year

# From 1 July 2025 districts no longer exist (the two-level local government of the Luật Tổ chức chính quyền địa
# phương 2025; the provinces merged by the National Assembly's resolution of June 2025, Kon Tum into Quảng Ngãi):
# a primary school reports to its commune's People's Committee through the Phòng Văn hóa – Xã hội (SPEC 10). A
# workspace for a year from 2025–2026 on gets this wording, with blanks ("…") for the school to fill in; `run`
# warns while one remains.
COMMUNE_FROM_YEAR = 2025
COMMUNE_SCHOOL: dict[str, Any] = {
    "parent_body": "UBND XÃ …",
    "province": "…",
    "recipient": "Ủy ban nhân dân xã … (qua Phòng Văn hóa – Xã hội)",
    "copies_to": "UBND xã … (qua Phòng Văn hóa – Xã hội) (báo cáo)\nBGH trường (thực hiện)\nTổ CM (thực hiện)"
    "\nWebsite trường\nLưu: VT",
}
# A real school's new workspace gets nothing of the seed's identity (SPEC 10): blanks to fill in, warned about by
# every check and run until they are. The district's wording is for a year before 2025–2026; the commune's above.
BLANK = "…"
BLANK_SCHOOL: dict[str, Any] = {
    "name": f"Trường Tiểu học {BLANK}",
    "parent_body": f"PHÒNG GD&ĐT HUYỆN {BLANK}",
    "province": BLANK,
    "place": BLANK,
    "symbol": BLANK,
    "recipient": f"Phòng Giáo dục và Đào tạo huyện {BLANK}",
    "copies_to": f"Phòng GD&ĐT huyện {BLANK} (báo cáo)\nBGH trường (thực hiện)\nTổ CM (thực hiện)\nWebsite trường"
    "\nLưu: VT",
    "signatory_name": "",
    "preparer_name": "",
}
BLANK_TARGETS: dict[str, dict[str, Any]] = {  # the seed's province named in a target's wording
    "VIDEO_SO": {"name": "Tham gia bài soạn video trực tuyến của Sở GD&ĐT tỉnh"},
}

# The seed's district-level targets, worded and levelled for the commune (codes unchanged).
COMMUNE_TARGETS: dict[str, dict[str, Any]] = {
    "CD_VMXS": {"name": "Công đoàn vững mạnh xuất sắc, được công đoàn cấp trên tặng giấy khen"},
    "SKKN_HUYEN": {"name": "SKKN cấp xã", "level": "Xã"},
    "DDDH_HUYEN": {"name": "ĐDDH tham gia dự thi cấp xã", "level": "Xã"},
    "VIDEO_SO": {"name": "Tham gia bài soạn video trực tuyến của Sở GD&ĐT tỉnh"},
}

TARGETS = (
    Target(
        "TT_LDTT",
        "Nhà trường đạt “Tập thể lao động tiên tiến”",
        SUBJECT_COLLECTIVE,
        1,
        None,
        "tập thể",
        SOURCE_COLLECTIVE,
        None,
        COUNT_ENTRIES,
    ),
    Target(
        "CD_VMXS",
        "Công đoàn vững mạnh xuất sắc, được LĐLĐ huyện tặng giấy khen",
        SUBJECT_COLLECTIVE,
        1,
        None,
        "tập thể",
        SOURCE_COLLECTIVE,
        None,
        COUNT_ENTRIES,
    ),
    Target(
        "DD_GK",
        "Đoàn, Đội được Đoàn xã, Hội đồng Đội tặng giấy khen",
        SUBJECT_COLLECTIVE,
        1,
        None,
        "tập thể",
        SOURCE_COLLECTIVE,
        None,
        COUNT_ENTRIES,
    ),
    Target("SKKN_HUYEN", "SKKN cấp huyện", SUBJECT_PERSON, 6, None, "SKKN", SKKN, "Huyện", COUNT_WORKS),
    Target("SKKN_TINH", "SKKN cấp tỉnh", SUBJECT_PERSON, 1, None, "SKKN", SKKN, "Tỉnh", COUNT_WORKS),
    Target("DDDH_HUYEN", "ĐDDH tham gia dự thi cấp huyện", SUBJECT_PERSON, 3, None, "bộ", DDDH, "Huyện", COUNT_WORKS),
    Target(
        "TIET_HOC_YT",
        "Tham gia tiết học yêu thương",
        SUBJECT_PERSON,
        6,
        26,
        "GV",
        "Tiết học yêu thương",
        None,
        COUNT_PERSONS,
    ),
    Target(
        "VIDEO_SO",
        "Tham gia bài soạn video trực tuyến của Sở GD-ĐT tỉnh Kon Tum",
        SUBJECT_PERSON,
        9,
        26,
        "GV",
        "Bài soạn video trực tuyến",
        None,
        COUNT_PERSONS,
    ),
    Target(
        "BGDT_BO",
        "Tham gia Hội thi thiết kế bài giảng điện tử cấp Bộ",
        SUBJECT_PERSON,
        3,
        9,
        "GV",
        "Thiết kế bài giảng điện tử",
        None,
        COUNT_PERSONS,
    ),
    Target("CSTDCS", "Chiến sĩ thi đua cấp cơ sở", SUBJECT_PERSON, 4, None, "đ/c", SOURCE_CSTDCS, None, COUNT_PERSONS),
    Target("LDTT", "Lao động tiên tiến", SUBJECT_PERSON, 24, 32, "đ/c", SOURCE_LDTT, None, COUNT_PERSONS),
)

ROUNDS = (
    Round(
        "Đợt 1",
        D(2021, 9, 1),
        D(2022, 1, 15),
        "Từ đầu năm học đến kết thúc học kỳ I; lập thành tích chào mừng ngày Nhà giáo Việt Nam 20/11.",
    ),
    Round(
        "Đợt 2",
        D(2022, 1, 16),
        D(2022, 5, 31),
        "Từ đầu học kỳ II đến hết năm; lập thành tích kỷ niệm ngày thành lập Đảng Cộng sản Việt Nam (03/02), "
        "ngày giải phóng miền Nam thống nhất đất nước 30/4, ngày Quốc tế lao động 1/5, ngày sinh Chủ tịch "
        "Hồ Chí Minh (19/5) và phấn đấu hoàn thành xuất sắc nhiệm vụ năm học 2021–2022.",
    ),
)

# The collective titles of the seed (3.1); results are the fictitious demo outcome of the year.
COLLECTIVES = (
    CollectiveTitle(
        "TT_LDTT", "Trường Tiểu học Măng Đen", "Tập thể lao động tiên tiến", True, "Đạt", "215/QĐ-UBND", D(2022, 5, 20)
    ),
    CollectiveTitle(
        "CD_VMXS",
        "Công đoàn trường",
        "Công đoàn vững mạnh xuất sắc – Giấy khen của LĐLĐ huyện",
        True,
        "Đạt",
        "48/QĐ-LĐLĐ",
        D(2022, 5, 12),
    ),
    CollectiveTitle(
        "DD_GK", "Liên đội trường", "Giấy khen của Đoàn xã, Hội đồng Đội", True, "Đạt", "12/QĐ-HĐĐ", D(2022, 5, 26)
    ),
)

_GV, _TPT, _HT, _PHT, _NV = "Giáo viên", "Tổng phụ trách Đội", "Hiệu trưởng", "Phó hiệu trưởng", "Nhân viên"
_T1, _T23, _T45, _VP = "Tổ 1", "Tổ 2–3", "Tổ 4–5", "Tổ văn phòng"

# (name, birth date, gender, position, team, recruited, note): fictitious people.
_ROSTER = (
    ("Võ Thị Thanh Hương", D(1975, 3, 12), "Nữ", _HT, _VP, D(1997, 9, 1), ""),
    ("Nguyễn Văn Thắng", D(1979, 8, 2), "Nam", _PHT, _T1, D(2001, 9, 1), ""),
    ("Lê Thị Thu Hà", D(1983, 11, 20), "Nữ", _PHT, _T45, D(2005, 9, 1), ""),
    ("Phạm Thị Hòa", D(1985, 4, 5), "Nữ", _GV, _T1, D(2008, 9, 1), "Tổ trưởng"),
    ("Nguyễn Thị Hoa", D(1987, 6, 14), "Nữ", _GV, _T1, D(2010, 9, 1), ""),
    ("Đinh Thị Mai", D(1990, 1, 9), "Nữ", _GV, _T1, D(2013, 9, 1), ""),
    ("Y Blưm", D(1992, 12, 1), "Nữ", _GV, _T1, D(2015, 9, 1), ""),
    ("Trần Văn Quý", D(1988, 10, 30), "Nam", _GV, _T1, D(2011, 9, 1), ""),
    ("Hồ Thị Thúy Kiều", D(1994, 2, 17), "Nữ", _GV, _T1, D(2017, 9, 1), ""),
    ("A Thuận", D(1991, 7, 7), "Nam", _GV, _T1, D(2014, 9, 1), "Giáo viên Thể dục"),
    ("Đặng Thị Ngọc Ánh", D(1986, 9, 23), "Nữ", _GV, _T23, D(2009, 9, 1), "Tổ trưởng"),
    ("Nguyễn Thị Hoa", D(1993, 3, 3), "Nữ", _GV, _T23, D(2016, 9, 1), ""),
    ("Bùi Văn Long", D(1984, 5, 28), "Nam", _GV, _T23, D(2007, 9, 1), ""),
    ("Phan Thị Lệ Thủy", D(1989, 8, 8), "Nữ", _GV, _T23, D(2012, 9, 1), ""),
    ("Y Nhung", D(1995, 4, 19), "Nữ", _GV, _T23, D(2018, 9, 1), ""),
    ("Lương Thị Duyên", D(1990, 10, 10), "Nữ", _GV, _T23, D(2013, 9, 1), ""),
    ("Trịnh Minh Tuấn", D(1987, 12, 25), "Nam", _GV, _T23, D(2010, 9, 1), "Giáo viên Tin học"),
    ("Vũ Thị Hạnh", D(1992, 6, 6), "Nữ", _GV, _T23, D(2015, 9, 1), ""),
    ("Huỳnh Thị Kim Oanh", D(1996, 1, 30), "Nữ", _GV, _T23, D(2019, 9, 1), ""),
    ("Trần Thị Mỹ Linh", D(1985, 2, 14), "Nữ", _GV, _T45, D(2008, 9, 1), "Tổ trưởng; thư ký Hội đồng thi đua"),
    ("Ngô Văn Hùng", D(1982, 9, 15), "Nam", _GV, _T45, D(2004, 9, 1), ""),
    ("Đỗ Thị Thanh Tâm", D(1988, 3, 21), "Nữ", _GV, _T45, D(2011, 9, 1), ""),
    ("Mai Xuân Quí", D(1990, 11, 11), "Nam", _GV, _T45, D(2013, 9, 1), "Giáo viên Tiếng Anh"),
    ("Lâm Thị Thùy Dương", D(1993, 7, 4), "Nữ", _GV, _T45, D(2016, 9, 1), ""),
    ("Y Đoan", D(1994, 5, 16), "Nữ", _GV, _T45, D(2017, 9, 1), ""),
    ("Hà Văn Khánh", D(1986, 1, 1), "Nam", _GV, _T45, D(2009, 9, 1), ""),
    ("Châu Thị Bích Ngọc", D(1997, 10, 2), "Nữ", _GV, _T45, D(2021, 8, 16), "Mới tuyển dụng"),
    ("Kiều Thị Phương", D(1991, 4, 27), "Nữ", _GV, _T45, D(2014, 9, 1), "Giáo viên Âm nhạc"),
    ("A Sơn", D(1993, 9, 9), "Nam", _TPT, _VP, D(2016, 9, 1), ""),
    ("Lê Thị Kim Thoa", D(1984, 12, 5), "Nữ", _NV, _VP, D(2006, 9, 1), "Kế toán"),
    ("Nguyễn Thị Thu Trang", D(1989, 2, 2), "Nữ", _NV, _VP, D(2012, 9, 1), "Văn thư – thủ quỹ"),
    ("Đoàn Thị Yến", D(1990, 6, 18), "Nữ", _NV, _VP, D(2013, 9, 1), "Nhân viên y tế"),
)

ROSTER = tuple(
    Person(i, name, born, gender, position, team, recruited, note)
    for i, (name, born, gender, position, team, recruited, note) in enumerate(_ROSTER, start=1)
)

PLAN = Plan(SCHOOL, TARGETS, ROUNDS, COLLECTIVES, ROSTER)
