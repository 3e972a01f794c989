"""The year-end nomination list (de-nghi-khen-thuong-<YYYY-MM>.xlsx, SPEC 6): from the year-end vote, the
individuals proposed for each title and form of reward, whether the rule pack's conditions are met (and why not),
then the collectives, and what staff registered in September that is not proposed. Official layout as the
submission workbook (Nghị định 30/2020/NĐ-CP)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from thidua.core import vocabulary
from thidua.counting.frames import as_date
from thidua.counting.judgements import conditions
from thidua.counting.measure import MonthResult
from thidua.excel.workbook import new_workbook
from thidua.writers.common import Styles, add_sheet, upper, write_date, write_text
from thidua.writers.common import merge_text as _merge
from thidua.writers.official import HEADER_ROW, LIST, finish, new_sheet, top

SHEET = "Đề nghị khen thưởng"
COLUMNS: tuple[tuple[str, float], ...] = (
    ("STT", 5),
    ("Họ và tên", 22),
    ("Ngày sinh", 11),
    ("Giới tính", 7),
    ("Chức vụ", 12),
    ("Tổ", 10),
    ("Danh hiệu đề nghị", 14),
    ("Hình thức khen thưởng đề nghị", 18),
    ("Xếp loại", 15),
    ("Sáng kiến (tên, cấp, số quyết định)", 28),
    ("Số phiếu đồng ý / tỷ lệ", 13),
    ("Đủ điều kiện theo quy định", 26),
)


def _ballot(votes_for: object, total: object, share: Any) -> str:
    if pd.isna(votes_for):  # type: ignore[call-overload]
        return ""
    if pd.isna(share):
        return f"{votes_for}"
    return f"{votes_for}/{total} ({share:.0%})"


def write_nominations(result: MonthResult, path: Path) -> None:
    """Write the nomination list of the month's year-end vote to `path`."""
    plan = result.plan
    with new_workbook(path) as wb:
        styles = Styles(wb, size=12)
        sheet = new_sheet(add_sheet(wb, SHEET), styles, COLUMNS)
        ws, st = sheet.ws, sheet.styles
        vote_day = result.vote_day
        top(
            sheet,
            result,
            f"DANH SÁCH ĐỀ NGHỊ CÔNG NHẬN DANH HIỆU THI ĐUA VÀ KHEN THƯỞNG NĂM HỌC {upper(plan.school.school_year)}",
            f"(Theo kết quả bình xét của Hội đồng thi đua, khen thưởng ngày {vote_day:%d/%m/%Y}; kèm theo Tờ trình số"
            f"      /TTr-{plan.school.symbol or '…'} của {plan.school.name or '…'})",
            day=vote_day,
            kind=LIST,
        )
        wrapped = st(border=1, text_wrap=True, valign="top")
        centre = st(border=1, text_wrap=True, valign="top", align="center")
        row = HEADER_ROW + 1
        nominated = result.nominations
        found = {key: members for key, members in nominated.groupby(["proposal", "kind"], sort=False)}
        groups = (
            [  # both titles are listed, even when nobody is proposed; then each form of reward
                (f"Danh hiệu “{title}”", found.get((title, "title"), nominated.iloc[0:0]))
                for title in (vocabulary.CSTDCS, vocabulary.LDTT)
            ]
            + [(proposal, members) for (proposal, kind), members in found.items() if kind == "reward"]
        )
        _merge(ws, row, 0, sheet.last_col, "I. CÁ NHÂN", st(bold=True))
        row += 1
        for number, (heading, members) in enumerate(groups, start=1):
            _merge(ws, row, 0, sheet.last_col, f"{number}. {heading}: {len(members)} người", st(bold=True, italic=True))
            row += 1
            for i, n in enumerate(members.itertuples(index=False), start=1):
                ws.write_number(row, 0, i, st.number)
                cells = (n.name, None, n.gender, n.position, n.team, n.title, n.reward, n.rating, n.works)
                for col, value in enumerate(cells, start=1):
                    if col == 2:
                        write_date(ws, row, col, as_date(n.birth_date), st.date)
                    else:
                        write_text(ws, row, col, value or "", wrapped if col in (1, 9) else centre)
                write_text(ws, row, 10, _ballot(n.votes_for, n.votes_total, n.vote_share), centre)
                write_text(ws, row, 11, conditions(bool(n.eligible), str(n.reasons)), wrapped)
                row += 1
            if not len(members):
                _merge(ws, row, 0, sheet.last_col, "Không có.", st(italic=True))
                row += 1
        _merge(ws, row, 0, sheet.last_col, "II. TẬP THỂ", st(bold=True))
        row += 1
        registered = [c for c in plan.collectives if c.registered]
        for i, c in enumerate(registered, start=1):
            ws.write_number(row, 0, i, st.number)
            _merge(ws, row, 1, 5, c.unit, wrapped)
            _merge(ws, row, 6, 8, c.title, wrapped)
            shown = f"Đã đạt, QĐ {c.decision}" if c.result == "Đạt" and c.decision else (c.result or "Đề nghị")
            _merge(ws, row, 9, sheet.last_col, shown, wrapped)
            row += 1
        if not registered:
            _merge(ws, row, 0, sheet.last_col, "Không có tập thể nào đăng ký.", st(italic=True))
            row += 1
        _merge(ws, row, 0, sheet.last_col, "III. ĐÃ ĐĂNG KÝ ĐẦU NĂM NHƯNG KHÔNG ĐƯỢC ĐỀ NGHỊ", st(bold=True))
        row += 1
        missing = [
            (result.plan.roster[k], what, shown) for k, what, shown in result.not_proposed.itertuples(index=False)
        ]
        for i, (person, what, shown) in enumerate(missing, start=1):
            ws.write_number(row, 0, i, st.number)
            write_text(ws, row, 1, person.name, wrapped)
            write_date(ws, row, 2, person.birth_date, st.date)
            _merge(ws, row, 3, 5, person.team, wrapped)
            _merge(ws, row, 6, 8, f"Đăng ký: {what}", wrapped)
            _merge(ws, row, 9, sheet.last_col, f"Bình xét: {shown}", wrapped)
            row += 1
        if not missing:
            _merge(ws, row, 0, sheet.last_col, "Không có.", st(italic=True))
            row += 1
        finish(sheet, result, row - 1)
