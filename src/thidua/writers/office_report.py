"""The receiving office's workbooks (SPEC 15), laid out only: every figure, state and finding is a column of the
frames the office's roll-up computed (thidua.office.rollup), written as it is.

- `tong-hop-don-vi-<M>.xlsx`: the units and what each sent (state, date received, deadline), every unit × target
  (the school's own figures), achieved ratios as a units × targets grid with a native chart, the issues per unit;
- `danh-sach-de-nghi-<M>.xlsx`: at year end, every proposal going up, grouped by deciding authority and by title
  or form of reward, in the official layout (Nghị định 30/2020/NĐ-CP), with the columns of SPEC 15, then the units
  that sent nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from thidua.core.calendar import month_label
from thidua.core.plan import School
from thidua.counting.frames import as_date
from thidua.excel.workbook import new_workbook
from thidua.writers.common import (
    ERROR_BG,
    GOOD_BG,
    WARNING_BG,
    Styles,
    add_sheet,
    merge_text,
    missing,
    page_setup,
    upper,
    write_count,
    write_date,
    write_header,
    write_ratio,
    write_text,
)
from thidua.writers.official import HEADER_ROW, LIST, finish_of, new_sheet, top_of

STATE_FILL = {"Đã gửi": GOOD_BG, "Gửi muộn": WARNING_BG, "Chưa gửi": ERROR_BG}
SEVERITY_FILL = {"lỗi": ERROR_BG, "cảnh báo": WARNING_BG}
UNIT_COLUMNS: tuple[tuple[str, float], ...] = (
    ("STT", 5),
    ("Mã đơn vị", 14),
    ("Tên đơn vị", 34),
    ("Loại", 10),
    ("Tình trạng", 11),
    ("Ngày nhận", 11),
    ("Hạn nộp", 11),
    ("Tệp nhận", 40),
    ("Lỗi", 6),
    ("Cảnh báo", 8),
)
TARGET_COLUMNS: tuple[tuple[str, float], ...] = (
    ("STT", 5),
    ("Đơn vị", 28),
    ("Chỉ tiêu", 40),
    ("Kế hoạch", 9),
    ("Cơ sở", 7),
    ("Đăng ký", 8),
    ("Đạt", 7),
    ("Tỷ lệ đăng ký", 9),
    ("Tỷ lệ đạt", 8),
    ("Tình trạng", 11),
)
ISSUE_COLUMNS: tuple[tuple[str, float], ...] = (
    ("STT", 5),
    ("Đơn vị", 24),
    ("Mức độ", 9),
    ("Tệp", 34),
    ("Trang", 9),
    ("Ô", 7),
    ("Nội dung", 70),
    ("Mã", 20),
)
PROPOSAL_COLUMNS: tuple[tuple[str, float], ...] = (
    ("STT", 5),
    ("Đơn vị", 18),
    ("Họ và tên", 20),
    ("Ngày sinh", 11),
    ("Giới tính", 6),
    ("Chức vụ", 11),
    ("Danh hiệu / hình thức", 16),
    ("Xếp loại", 14),
    ("Kỷ luật", 8),
    ("Sáng kiến / đề tài (tên, cấp, quyết định)", 28),
    ("Tỷ lệ phiếu", 9),
    ("Điều kiện", 24),
    ("Nguồn (tệp, dòng)", 22),
)
MET, REVIEW = "Đủ", "Cần xem xét"
CHART_UNITS = 20  # a commune's schools, one series each; a province's hundreds are read from the grid


def _title(ws: Any, st: Styles, last_col: int, title: str, subtitle: str) -> None:
    merge_text(ws, 0, 0, last_col, title, st(bold=True, font_size=14, align="center"))
    merge_text(ws, 1, 0, last_col, subtitle, st(italic=True, align="center"))


def write_units_report(
    path: Path,
    office: School,
    month: str,
    units: pd.DataFrame,
    targets: pd.DataFrame,
    issues: pd.DataFrame,
    last_year: str = "",
) -> None:
    """The units × targets workbook of an office's month; with `last_year` (the month a year before, YYYY-MM) the
    targets frame's last_* columns are set beside each unit's figures."""
    label = month_label(month)
    subtitle = f"{office.name} — năm học {office.school_year}"
    with new_workbook(path) as wb:
        st = Styles(wb, size=11)
        _units_sheet(wb, st, units, issues, f"TÌNH HÌNH GỬI BÁO CÁO THI ĐUA THÁNG {label}", subtitle)
        _targets_sheet(wb, st, targets, f"KẾT QUẢ THI ĐUA CÁC ĐƠN VỊ THÁNG {label}", subtitle, last_year)
        _ratio_sheet(wb, st, units, targets, f"TỶ LỆ ĐẠT CHỈ TIÊU THEO ĐƠN VỊ THÁNG {label}", subtitle)
        _issues_sheet(wb, st, issues, f"CÁC VẤN ĐỀ CỦA TỪNG ĐƠN VỊ THÁNG {label}", subtitle)


def _units_sheet(wb: Any, st: Styles, units: pd.DataFrame, issues: pd.DataFrame, title: str, subtitle: str) -> None:
    ws = add_sheet(wb, "Đơn vị")
    header = 3
    last_col = len(UNIT_COLUMNS) - 1
    _title(ws, st, last_col, title, subtitle)
    write_header(ws, header, UNIT_COLUMNS, st.header)
    counted = issues.groupby(["unit", "severity"]).size() if len(issues) else pd.Series(dtype="int64")
    row = header + 1
    u: Any
    for i, u in enumerate(units.itertuples(index=False), start=1):
        fill = STATE_FILL.get(str(u.state))
        look = st.cell(bg_color=fill, align="center") if fill else st.center
        ws.write_number(row, 0, i, st.center)
        write_text(ws, row, 1, u.code, st.text)
        write_text(ws, row, 2, u.name, st.text)
        write_text(ws, row, 3, u.kind, st.center)
        write_text(ws, row, 4, u.state, look)
        write_date(ws, row, 5, u.received, st.cell(align="center", num_format="dd/mm/yyyy"))
        write_date(ws, row, 6, u.deadline, st.cell(align="center", num_format="dd/mm/yyyy"))
        write_text(ws, row, 7, u.file, st.text)
        write_count(ws, row, 8, int(counted.get((u.code, "lỗi"), 0)), st.center)
        write_count(ws, row, 9, int(counted.get((u.code, "cảnh báo"), 0)), st.center)
        row += 1
    sent = int((units["state"] != "Chưa gửi").sum())
    merge_text(ws, row, 0, 3, "Tổng cộng", st.cell(bold=True, align="center"))
    write_text(ws, row, 4, f"{sent}/{len(units)}", st.cell(bold=True, align="center"))
    for col in range(5, last_col + 1):
        ws.write_blank(row, col, None, st.text)
    ws.freeze_panes(header + 1, 0)
    page_setup(ws, header, row, last_col, landscape=True)


def _targets_sheet(wb: Any, st: Styles, targets: pd.DataFrame, title: str, subtitle: str, last_year: str = "") -> None:
    ws = add_sheet(wb, "Chỉ tiêu")
    header = 3
    before = f" {month_label(last_year)}" if last_year else ""
    columns = TARGET_COLUMNS + (
        ((f"Đăng ký{before}", 9), (f"Đạt{before}", 9), (f"Tỷ lệ đạt{before}", 9)) if last_year else ()
    )
    last_col = len(columns) - 1
    _title(ws, st, last_col, title, subtitle)
    write_header(ws, header, columns, st.header)
    percent, dash = st.cell(num_format="0%", align="center"), st.center
    row = header + 1
    for i, t in enumerate(targets.itertuples(index=False), start=1):
        ws.write_number(row, 0, i, st.center)
        write_text(ws, row, 1, t.unit_name, st.text)
        write_text(ws, row, 2, t.name, st.text)
        for col, value in zip((3, 4, 5, 6), (t.target, t.base, t.registered, t.achieved), strict=True):
            write_count(ws, row, col, None if missing(value) else value, st.center)
        write_ratio(ws, row, 7, t.registered_ratio, percent, dash)
        write_ratio(ws, row, 8, t.achieved_ratio, percent, dash)
        write_text(ws, row, 9, t.status, st.center)
        if last_year:  # the same unit and target a year before (blank: nothing then)
            for col, value in ((10, t.last_registered), (11, t.last_achieved)):
                write_count(ws, row, col, None if missing(value) else value, st.center)
            write_ratio(ws, row, 12, t.last_achieved_ratio, percent, dash)
        row += 1
    if not len(targets):
        merge_text(ws, row, 0, last_col, "Chưa có đơn vị nào gửi báo cáo tháng này.", st.cell(italic=True))
        row += 1
    ws.autofilter(header, 0, max(row - 1, header), last_col)
    ws.freeze_panes(header + 1, 0)
    page_setup(ws, header, row - 1, last_col, landscape=True)


def _ratio_sheet(wb: Any, st: Styles, units: pd.DataFrame, targets: pd.DataFrame, title: str, subtitle: str) -> None:
    """Units down, targets across: the achieved ratio, and a native column chart of it per target (one series per
    unit, up to CHART_UNITS units)."""
    ws = add_sheet(wb, "Tỷ lệ đạt")
    header = 3
    codes = list(dict.fromkeys(targets["code"])) if len(targets) else []
    names = dict(zip(targets["code"], targets["name"], strict=False)) if len(targets) else {}
    columns = [("STT", 5.0), ("Đơn vị", 28.0), *((str(names[c]), 12.0) for c in codes)]
    last_col = len(columns) - 1
    _title(ws, st, last_col, title, subtitle)
    write_header(ws, header, columns, st.header)
    ws.set_row(header, 75)
    percent, dash = st.cell(num_format="0%", align="center"), st.center
    ratios = targets.set_index(["unit", "code"])["achieved_ratio"] if len(targets) else pd.Series(dtype=float)
    sent = units[units["state"] != "Chưa gửi"]
    row = header + 1
    for i, u in enumerate(sent.itertuples(index=False), start=1):
        ws.write_number(row, 0, i, st.center)
        write_text(ws, row, 1, u.name, st.text)
        for col, code in enumerate(codes, start=2):
            value = ratios.get((u.code, code))
            write_ratio(ws, row, col, value, percent, dash)
        row += 1
    ws.freeze_panes(header + 1, 2)
    if codes and 0 < len(sent) <= CHART_UNITS:
        chart = wb.add_chart({"type": "column"})
        for r in range(header + 1, row):
            chart.add_series(
                {
                    "name": [ws.name, r, 1],
                    "categories": [ws.name, header, 2, header, last_col],
                    "values": [ws.name, r, 2, r, last_col],
                }
            )
        chart.set_title({"name": "Tỷ lệ đạt theo chỉ tiêu", "name_font": {"name": "Times New Roman", "size": 12}})
        chart.set_y_axis({"num_format": "0%", "num_font": {"name": "Times New Roman"}})
        chart.set_x_axis({"num_font": {"name": "Times New Roman", "size": 8}})
        chart.set_legend({"position": "bottom", "font": {"name": "Times New Roman"}})
        chart.set_size({"width": 960, "height": 420})
        ws.insert_chart(row + 1, 1, chart)
    page_setup(ws, header, row + 22, last_col, landscape=True)


def _issues_sheet(wb: Any, st: Styles, issues: pd.DataFrame, title: str, subtitle: str) -> None:
    ws = add_sheet(wb, "Vấn đề")
    header = 3
    last_col = len(ISSUE_COLUMNS) - 1
    _title(ws, st, last_col, title, subtitle)
    write_header(ws, header, ISSUE_COLUMNS, st.header)
    row = header + 1
    for i, issue in enumerate(issues.itertuples(index=False), start=1):
        fill = SEVERITY_FILL.get(str(issue.severity))

        def look(**props: object) -> Any:
            return st.cell(bg_color=fill, **props) if fill else st.cell(**props)  # noqa: B023

        ws.write_number(row, 0, i, look(align="center"))
        cells = (issue.unit_name or issue.unit or "—", issue.severity, issue.file, issue.sheet, issue.cell)
        for col, value in enumerate(cells, start=1):
            write_text(ws, row, col, value, look(align="center") if col in (2, 4, 5) else look())
        write_text(ws, row, 6, issue.message, look())
        write_text(ws, row, 7, issue.code, look())
        row += 1
    if not len(issues):
        merge_text(ws, row, 0, last_col, "Không có vấn đề nào.", st.cell(italic=True, align="center"))
        row += 1
    ws.autofilter(header, 0, max(row - 1, header), last_col)
    ws.freeze_panes(header + 1, 0)
    page_setup(ws, header, row - 1, last_col, landscape=True)


def _ballot(votes_for: object, total: object) -> str:
    if missing(votes_for):
        return ""
    if missing(total) or not total:
        return f"{votes_for}"
    return f"{votes_for}/{total} ({int(votes_for) / int(total):.0%})"  # type: ignore[call-overload]


def write_proposals(
    path: Path,
    office: School,
    month: str,
    day: dt.date,
    nominees: pd.DataFrame,
    missing_units: pd.DataFrame,
    collectives: pd.DataFrame | None = None,
) -> None:
    """The consolidated list of proposals at year end: per deciding authority (I, II, …), per title or form
    (1, 2, …), one row per proposal with its unit, conditions and source; then the collective titles proposed
    (office.eligibility), then the units that sent nothing."""
    with new_workbook(path) as wb:
        styles = Styles(wb, size=11)
        sheet = new_sheet(add_sheet(wb, "Danh sách đề nghị"), styles, PROPOSAL_COLUMNS)
        ws, st = sheet.ws, sheet.styles
        top_of(
            sheet,
            office,
            f"DANH SÁCH TỔNG HỢP ĐỀ NGHỊ KHEN THƯỞNG NĂM HỌC {upper(office.school_year)}",
            f"(Tổng hợp từ báo cáo của các đơn vị, tháng {month_label(month)})",
            day,
            kind=LIST,
        )
        wrapped = st(border=1, text_wrap=True, valign="top")
        centre = st(border=1, text_wrap=True, valign="top", align="center")
        review = st(border=1, text_wrap=True, valign="top", bg_color=WARNING_BG)
        row = HEADER_ROW + 1
        numerals = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
        section = 0
        for section, (authority, group) in enumerate(nominees.groupby("authority", sort=False), start=1):
            numeral = numerals[section - 1] if section <= len(numerals) else str(section)
            shown = authority or "Cấp có thẩm quyền (bộ quy định không ghi)"
            merge_text(ws, row, 0, sheet.last_col, f"{numeral}. ĐỀ NGHỊ {upper(shown)} QUYẾT ĐỊNH", st(bold=True))
            row += 1
            for number, (proposal, members) in enumerate(group.groupby("proposal", sort=False), start=1):
                merge_text(
                    ws,
                    row,
                    0,
                    sheet.last_col,
                    f"{number}. {proposal}: {len(members)} người",
                    st(bold=True, italic=True),
                )
                row += 1
                for i, n in enumerate(members.itertuples(index=False), start=1):
                    ws.write_number(row, 0, i, centre)
                    write_text(ws, row, 1, n.unit_name, wrapped)
                    write_text(ws, row, 2, n.name, wrapped)
                    write_date(
                        ws,
                        row,
                        3,
                        as_date(n.birth_date),
                        st(border=1, valign="top", align="center", num_format="dd/mm/yyyy"),
                    )
                    for col, value in (
                        (4, n.gender),
                        (5, n.position),
                        (6, n.proposal),
                        (7, n.rating),
                        (8, n.discipline),
                    ):
                        write_text(ws, row, col, value, centre if col in (4, 8) else wrapped)
                    write_text(ws, row, 9, n.works, wrapped)
                    write_text(ws, row, 10, _ballot(n.votes_for, n.votes_total), centre)
                    met = bool(n.eligible) and not n.findings
                    write_text(ws, row, 11, MET if met else f"{REVIEW}: {n.findings}", wrapped if met else review)
                    write_text(ws, row, 12, f"{n.file}, {n.sheet} dòng {n.row}", wrapped)
                    row += 1
        if not section:
            merge_text(ws, row, 0, sheet.last_col, "Chưa có đơn vị nào gửi đề nghị.", st(italic=True))
            row += 1
        if collectives is not None and len(collectives):
            merge_text(ws, row, 0, sheet.last_col, "DANH HIỆU TẬP THỂ", st(bold=True))
            row += 1
            for i, c in enumerate(collectives.itertuples(index=False), start=1):
                ws.write_number(row, 0, i, centre)
                write_text(ws, row, 1, c.unit_name, wrapped)
                merge_text(ws, row, 2, 5, f"Tập thể {c.unit_name}", wrapped)
                merge_text(ws, row, 6, 10, c.title, wrapped)
                met = not c.findings
                write_text(ws, row, 11, MET if met else f"{REVIEW}: {c.findings}", wrapped if met else review)
                write_text(ws, row, 12, f"{c.file}, {c.sheet} dòng {c.row}", wrapped)
                row += 1
        merge_text(ws, row, 0, sheet.last_col, "ĐƠN VỊ CHƯA GỬI BÁO CÁO, HỒ SƠ", st(bold=True))
        row += 1
        for i, u in enumerate(missing_units.itertuples(index=False), start=1):
            ws.write_number(row, 0, i, centre)
            write_text(ws, row, 1, u.code, wrapped)
            merge_text(ws, row, 2, 5, u.name, wrapped)
            merge_text(ws, row, 6, sheet.last_col, f"Chưa gửi (hạn {u.deadline:%d/%m/%Y})", review)
            row += 1
        if not len(missing_units):
            merge_text(ws, row, 0, sheet.last_col, "Không có.", st(italic=True))
            row += 1
        finish_of(sheet, office, row - 1)
