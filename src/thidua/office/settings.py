"""An office workspace's folder and settings: thidua.toml's [office] table (name, level, symbol, signatory,
deadlines), [limits] as a school's, [rules] overrides of the rule pack in force."""

from __future__ import annotations

import calendar
import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from thidua.core.calendar import SchoolYear, parse_school_year
from thidua.core.plan import School
from thidua.errors import SETTINGS_FILE, ThiduaError, UsageError
from thidua.intake.guard import Limits

UNITS_FILE = "donvi.xlsx"
RECEIVED = "nhan"
OUTPUT = "output"
LEVELS = ("Xã", "Tỉnh")
REPORT_DAY = 5  # the monthly report of month M is due by this day of the month after M, unless set

SETTINGS_TEMPLATE = """\
# Cấu hình thidua cho cơ quan nhận báo cáo (tổng hợp các đơn vị). Sửa bằng Notepad rồi lưu lại (mã hóa UTF-8).
# Danh sách đơn vị (mã, tên, loại, e-mail, số CBGVNV) nằm trong donvi.xlsx; các đơn vị gửi tệp vào nhan/<mã đơn vị>/.

[office]
name = "{name}"                 # tên cơ quan, in ở góc trái các văn bản
parent_body = "{parent_body}"   # cơ quan chủ quản (dòng trên tên cơ quan)
level = "{level}"               # Xã | Tỉnh
symbol = "{symbol}"             # ký hiệu trong số văn bản, ví dụ Số: …/DS-{symbol}
place = "{place}"               # địa danh ở dòng ngày tháng
school_year = "{school_year}"   # năm học tổng hợp
signatory_title = "{signatory_title}"
signatory_name = ""
preparer_name = ""
report_day = {report_day}       # báo cáo tháng M nộp chậm nhất ngày này của tháng sau
dossier_deadline = {dossier_deadline}   # hạn nộp hồ sơ đề nghị khen thưởng cuối năm

[limits]                        # giới hạn an toàn khi đọc tệp nhận được
max_file_mb = 50
max_inflated_mb = 512
max_ratio = 100
max_rows = 50000

# [rules.cstdcs_ballot]         # điều chỉnh quy định thi đua như ở thư mục của trường, ví dụ:
# min_share = 0.8

# Nhận tệp qua e-mail (thidua office collect): mục [imap] như thư mục của trường; tệp được lưu vào
# nhan/<mã đơn vị>/ theo địa chỉ gửi (cột E-mail của donvi.xlsx), địa chỉ lạ vào nhan/khong-ro/. Ví dụ:
# [imap]
# host = "imap.gmail.com"
# username = "phongvhxh@gmail.com"   # mật khẩu đặt trong biến môi trường THIDUA_IMAP_PASSWORD
"""


@dataclass(frozen=True)
class Office:
    """An office workspace: its folders and its checked settings."""

    root: Path
    name: str
    parent_body: str
    level: str
    symbol: str
    place: str
    school_year: SchoolYear
    signatory_title: str
    signatory_name: str
    preparer_name: str
    report_day: int
    dossier_deadline: dt.date | None
    limits: Limits
    rules: dict[str, Any]

    @property
    def units_path(self) -> Path:
        return self.root / UNITS_FILE

    @property
    def received(self) -> Path:
        return self.root / RECEIVED

    @property
    def output(self) -> Path:
        return self.root / OUTPUT

    def identity(self) -> School:
        """The office as the issuing body of its documents, in the shape the official layout prints."""
        return School(
            name=self.name,
            parent_body=self.parent_body,
            province="",
            place=self.place or "…",
            school_year=self.school_year.label,
            registration_deadline=self.school_year.start,
            signatory_title=self.signatory_title,
            signatory_name=self.signatory_name,
            preparer_name=self.preparer_name,
            symbol=self.symbol,
            copies_to="Lưu: VT",
        )

    def report_deadline(self, month: str) -> dt.date:
        """The day month M's report is due: `report_day` of the month after (the month's last day at most)."""
        year, mon = int(month[:4]), int(month[5:7])
        after = dt.date(year + mon // 12, mon % 12 + 1, 1)
        return after.replace(day=min(self.report_day, calendar.monthrange(after.year, after.month)[1]))


def settings_text(school_year: SchoolYear, **values: object) -> str:
    defaults: dict[str, object] = {
        "name": "Phòng Văn hóa – Xã hội",
        "parent_body": "Ủy ban nhân dân xã …",
        "level": "Xã",
        "symbol": "VHXH",
        "place": "…",
        "school_year": school_year.label,
        "signatory_title": "Trưởng phòng",
        "report_day": REPORT_DAY,
        "dossier_deadline": f"{school_year.first + 1}-06-10",
    }
    defaults.update(values)
    return SETTINGS_TEMPLATE.format(**defaults)


def open_office(root: Path) -> Office:
    """The office workspace at `root`; a folder that is not one is a usage error saying how to make one."""
    path = root / SETTINGS_FILE
    if not path.is_file():
        raise UsageError(
            f"Thư mục {root} chưa phải thư mục của cơ quan tổng hợp (không có {SETTINGS_FILE}). Hãy tạo bằng: "
            f"thidua office init {root}"
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ThiduaError(f"Không đọc được {path} ({exc}). Hãy sửa tệp rồi chạy lại.") from exc
    table = raw.get("office")
    if not isinstance(table, dict):
        raise UsageError(
            f"{path} không có mục [office]: đây là thư mục của một trường, không phải của cơ quan tổng hợp. Hãy "
            f"tạo thư mục cơ quan bằng: thidua office init THƯ_MỤC"
        )
    year = parse_school_year(table.get("school_year", ""))
    if year is None:
        raise ThiduaError(f'Mục [office] school_year trong {path} phải là năm học, ví dụ "2026–2027".')
    level = str(table.get("level", "Xã"))
    if level not in LEVELS:
        raise ThiduaError(f'Mục [office] level trong {path} phải là "Xã" hoặc "Tỉnh" (đang là “{level}”).')
    day = table.get("report_day", REPORT_DAY)
    if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
        raise ThiduaError(f"Mục [office] report_day trong {path} phải là một ngày từ 1 đến 31 (đang là {day!r}).")
    deadline = table.get("dossier_deadline")
    if deadline is not None and not isinstance(deadline, dt.date):
        raise ThiduaError(f"Mục [office] dossier_deadline trong {path} phải là ngày dạng 2027-06-10.")
    rules = raw.get("rules", {})
    return Office(
        root=root,
        name=str(table.get("name", "")),
        parent_body=str(table.get("parent_body", "")),
        level=level,
        symbol=str(table.get("symbol", "")),
        place=str(table.get("place", "")),
        school_year=year,
        signatory_title=str(table.get("signatory_title", "")),
        signatory_name=str(table.get("signatory_name", "")),
        preparer_name=str(table.get("preparer_name", "")),
        report_day=day,
        dossier_deadline=deadline,
        limits=Limits.from_settings(raw),
        rules=rules if isinstance(rules, dict) else {},
    )
