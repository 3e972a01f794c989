"""The receiving office's own documents at year end (SPEC 15), in Word with the dossier's layer (`writers.word`):
for each deciding authority a tờ trình from the office and a draft decision (marked DỰ THẢO) with its list, and a
report of the movement across the units. Layout only: the proposals, their authority and whether they stand come
from the office's roll-up (`office.rollup`, `office.checks`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from thidua.core.calendar import month_label
from thidua.core.plan import School
from thidua.core.text import ascii_slug
from thidua.counting.frames import as_date
from thidua.writers.common import upper
from thidua.writers.word import (
    BLANK,
    addressed,
    body,
    date_line,
    grid,
    letterhead,
    line,
    signature,
    submit_close,
    title,
    unbroken,
    word_document,
)

PROPOSAL = "to-trinh"
DECISION = "du-thao-quyet-dinh"
REPORT = "bao-cao-tong-hop"
DECISION_COLUMNS = (("STT", 14), ("Họ và tên", 45), ("Chức vụ", 30), ("Đơn vị", 52), ("Ghi chú", 24))
TARGET_COLUMNS = (("STT", 14), ("Chỉ tiêu", 75), ("Số đơn vị báo cáo", 25), ("Đăng ký", 25), ("Đạt", 26))


def stands(nominees: pd.DataFrame) -> pd.Series:
    """The proposals that go into a draft decision: eligible at their school and with no finding of the office."""
    return nominees["eligible"].astype(bool) & (nominees["findings"].fillna("") == "")


def write_office_documents(
    folder: Path,
    office: School,
    month: str,
    nominees: pd.DataFrame,
    units: pd.DataFrame,
    targets: pd.DataFrame,
    grounds: Sequence[str],
) -> list[Path]:
    """Every document of the office's year end into `folder` (created); returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for authority, group in nominees.groupby("authority", sort=False):
        if not authority:
            continue  # a form naming no giver: listed for the office to settle, no document addressed to nobody
        slug = ascii_slug(str(authority))
        written.append(_proposal(folder / f"{PROPOSAL}-{slug}.docx", office, str(authority), group, units, grounds))
        written.append(_decision(folder / f"{DECISION}-{slug}.docx", office, str(authority), group, grounds))
    written.append(_report(folder / f"{REPORT}-{month}.docx", office, month, nominees, units, targets))
    return written


def _year(office: School) -> str:
    return unbroken(office.school_year)


def _year_number(office: School) -> int:
    return int(office.school_year[-4:]) if office.school_year[-4:].isdigit() else 0


def _requests(group: pd.DataFrame) -> list[tuple[str, int, int]]:
    """(proposal, people, units) in the list's order."""
    return [
        (str(proposal), len(members), int(members["unit"].nunique()))
        for proposal, members in group.groupby("proposal", sort=False)
    ]


def _proposal(
    path: Path, office: School, authority: str, group: pd.DataFrame, units: pd.DataFrame, grounds: Sequence[str]
) -> Path:
    sent = int((units["state"] != "Chưa gửi").sum()) if len(units) else 0
    with word_document(path) as doc:
        letterhead(doc, office, "TTr", date_line(office.place, None, _year_number(office)))
        title(doc, "TỜ TRÌNH", f"Về việc đề nghị công nhận danh hiệu thi đua và khen thưởng năm học {_year(office)}")
        addressed(doc, [authority])
        for ground in grounds:
            body(doc, f"Căn cứ {ground};")
        body(doc, f"Căn cứ báo cáo và hồ sơ đề nghị của {sent} đơn vị trường học gửi về {office.name or BLANK},")
        body(doc, f"{office.name or BLANK} kính trình {authority} xem xét, quyết định cho các cá nhân sau:")
        for number, (proposal, people, from_units) in enumerate(_requests(group), start=1):
            body(doc, f"{number}. {proposal}: {people} cá nhân của {from_units} đơn vị;")
        body(doc, "(Có danh sách tổng hợp và dự thảo quyết định kèm theo)", italic=True)
        review = int((~stands(group)).sum())
        if review:
            body(
                doc,
                f"Lưu ý trước khi ký: {review} đề nghị cần xem xét (ghi rõ lý do ở cột “Điều kiện” của danh sách tổng "
                "hợp) và chưa được đưa vào dự thảo quyết định.",
                italic=True,
            )
        submit_close(doc, office, authority)
    return path


def _decision(path: Path, office: School, authority: str, group: pd.DataFrame, grounds: Sequence[str]) -> Path:
    """A draft decision of `authority`, issued by the office's managing body, with the proposals that stand."""
    standing = group[stands(group)]
    issuer = dataclasses.replace(office, name=office.parent_body or BLANK, parent_body="", symbol="UBND")
    with word_document(path) as doc:
        line(doc, "DỰ THẢO", align="right", bold=True, italic=True, size=12)
        letterhead(doc, issuer, "QĐ", date_line(office.place, None, _year_number(office)), managed=False)
        title(doc, "QUYẾT ĐỊNH", f"Về việc công nhận danh hiệu thi đua và khen thưởng năm học {_year(office)}")
        line(doc, upper(authority), align="center", bold=True, before=6, after=6)
        for ground in grounds:
            body(doc, f"Căn cứ {ground};", italic=True)
        body(
            doc,
            f"Xét đề nghị của {office.name or BLANK} tại Tờ trình số      /TTr-{office.symbol or BLANK},",
            italic=True,
        )
        line(doc, "QUYẾT ĐỊNH:", align="center", bold=True, before=6, after=6)
        requests = _requests(standing)
        parts = [f"{proposal} cho {people} cá nhân" for proposal, people, _u in requests] or [f"{BLANK}"]
        body(doc, f"Điều 1. Công nhận, tặng: {'; '.join(parts)} (có danh sách kèm theo).")
        body(doc, "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.")
        body(
            doc,
            f"Điều 3. {office.name or BLANK}, thủ trưởng các đơn vị có liên quan và các cá nhân có tên tại Điều 1 "
            "chịu trách nhiệm thi hành Quyết định này./.",
        )
        signature(doc, issuer, ("Như Điều 3", "Lưu: VT"), signatory_title="CHỦ TỊCH")
        line(doc, "DANH SÁCH KÈM THEO QUYẾT ĐỊNH", align="center", bold=True, before=18)
        line(doc, f"(Kèm theo Quyết định số      /QĐ-UBND của {authority})", align="center", italic=True, after=6)
        for number, (proposal, members) in enumerate(standing.groupby("proposal", sort=False), start=1):
            line(doc, f"{number}. {proposal}: {len(members)} cá nhân", bold=True, italic=True, before=4, after=2)
            rows = [_decision_row(i, n) for i, n in enumerate(members.itertuples(index=False), start=1)]
            grid(doc, DECISION_COLUMNS, rows, size=12, centred=frozenset({0}))
        if not len(standing):
            body(doc, "Chưa có đề nghị nào đủ điều kiện.", italic=True)
    return path


def _decision_row(i: int, n: Any) -> tuple[str, ...]:
    born = as_date(n.birth_date)
    note = f"Sinh ngày {born:%d/%m/%Y}" if born else ""
    return (str(i), str(n.name), str(n.position or ""), str(n.unit_name), note)


def _report(
    path: Path, office: School, month: str, nominees: pd.DataFrame, units: pd.DataFrame, targets: pd.DataFrame
) -> Path:
    """The report of the movement across the units: who sent, the targets' totals, the proposals."""
    total = len(units)
    sent = int((units["state"] != "Chưa gửi").sum()) if total else 0
    late = int((units["state"] == "Gửi muộn").sum()) if total else 0
    silent = [str(u) for u in units.loc[units["state"] == "Chưa gửi", "name"]] if total else []
    with word_document(path) as doc:
        letterhead(doc, office, "BC", date_line(office.place, None, _year_number(office)))
        title(doc, "BÁO CÁO", f"Kết quả phong trào thi đua năm học {_year(office)} của các trường")
        addressed(doc, [office.recipient or office.parent_body])
        line(doc, "I. TÌNH HÌNH BÁO CÁO CỦA CÁC ĐƠN VỊ", bold=True, before=6, after=4)
        body(doc, f"Tháng {month_label(month)}: {sent}/{total} đơn vị đã gửi báo cáo, trong đó {late} đơn vị gửi muộn.")
        if silent:
            body(doc, f"Đơn vị chưa gửi: {', '.join(silent)}.")
        line(doc, "II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", bold=True, before=6, after=4)
        body(doc, "Tổng hợp theo báo cáo của các đơn vị (cộng các số liệu cùng tên chỉ tiêu):")
        grid(doc, TARGET_COLUMNS, _target_rows(targets), size=12, centred=frozenset({0, 2, 3, 4}))
        line(doc, "III. ĐỀ NGHỊ KHEN THƯỞNG", bold=True, before=6, after=4)
        if len(nominees):
            for proposal, people, from_units in _requests(nominees):
                body(doc, f"- {proposal}: {people} cá nhân của {from_units} đơn vị;")
            review = int((~stands(nominees)).sum())
            body(doc, f"Trong đó {review} đề nghị cần xem xét (danh sách tổng hợp ghi rõ lý do).")
        else:
            body(doc, "Chưa có đơn vị nào gửi đề nghị.", italic=True)
        line(doc, "IV. KIẾN NGHỊ", bold=True, before=6, after=4)
        body(doc, BLANK)
        signature(doc, office, ("Như trên", "Lưu: VT"))
    return path


def _target_rows(targets: pd.DataFrame) -> list[tuple[str, ...]]:
    if not len(targets):
        return [("", "Chưa có đơn vị nào báo cáo.", "", "", "")]
    rows: list[tuple[str, ...]] = []
    for i, (name, group) in enumerate(targets.groupby("name", sort=False), start=1):
        registered = pd.to_numeric(group["registered"], errors="coerce").sum(min_count=1)
        achieved = pd.to_numeric(group["achieved"], errors="coerce").sum(min_count=1)
        rows.append(
            (
                str(i),
                str(name),
                str(int(group["unit"].nunique())),
                "" if pd.isna(registered) else f"{int(registered)}",
                "" if pd.isna(achieved) else f"{int(achieved)}",
            )
        )
    return rows
