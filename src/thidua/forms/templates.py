"""The blank templates staff fill (SPEC 4.3), generated from the plan by `thidua templates`.

Staff fill them and drop them into submissions/, where the reader recognises them by header and metadata.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_range_abs

from thidua.core.plan import Person, Plan
from thidua.core.text import ascii_slug
from thidua.core.text import key as text_key
from thidua.excel.layout import FittedSheet, drawn_px, line_capacity, lines_height, printed_px, vn, wrapped_lines
from thidua.excel.workbook import as_datetime, new_workbook
from thidua.forms import template_fields
from thidua.forms.template_fields import Field

KINDS = (template_fields.REGISTRATION, template_fields.ACTIVITY, template_fields.VOTE)
FONT = "Times New Roman"
HEADER_ROW = 4  # 0-based: the header is row 5 of the sheet, data starts on row 6
FIRST_DATA_ROW = HEADER_ROW + 1
PER_PERSON_DIR = "ca-nhan"
PER_PERSON_ROWS = 5  # the pre-filled row and four blank ones
ACTIVITY_ROWS = 300
MIN_PERSON_ROWS = 50
# Bordered blank rows written cell by cell. A plan with a province-sized roster would otherwise give every file
# hundreds of thousands of blank cells (9 MB of sheet XML at 20,000 people) that every reader must parse; past
# this many rows the columns themselves are left open, so typing goes on below the frame, validated the same.
FRAMED_ROWS = 300
# What a blank template's print area holds (printed_rows): the estimate of a landscape A4 page in Excel's
# terms (margins 0.3 in left and right, 0.5 in top, 0.6 in bottom; 96 px and 72 pt an inch) and of its rows.
LANDSCAPE_PX = (11.69 - 0.6) * 96
PAGE_HEIGHT_PT = (8.27 - 1.1) * 72
TITLE_ROWS_PT = 15.75 + 21 + 15.75 + 15.75  # school, title, hint and the blank row above the header
HEADER_HEIGHT = 48
ROW_PT = 15.75  # a row of 12 pt Times New Roman
PAGE_FILL = 0.97  # room for rounding: a page ends a row early rather than a row over
SPARE_ROWS = 3  # rows past the roster a list of people prints (the template offers ten)
ESTIMATE_SLACK = 1.2  # LibreOffice fits up to a fifth more rows on a page than the estimate below (measured)
# A per-person registration prints as a portrait form the teacher signs: its columns are narrower than the
# shared templates' so that the whole row fits one page width at about 9 pt, every text wrapping.
FORM_WIDTHS = {"stt": 4.5, "name": 10, "position": 8.5, "team": 6, "initiative": 10, "initiative_level": 7, "note": 6.5}
FORM_WIDTHS_BY_KIND = {"date": 11, "mark": 7, "int": 4.5}  # a date needs 11 to show whole; "thương" needs 7
FORM_WIDTH = 9
FORM_ROW_HEIGHT = 80  # the pre-filled row: five lines of 12 pt for what the teacher types or writes by hand
FORM_BLANK_HEIGHT = 20
SIGNATURE_ROWS = 9  # rows below the open rows that hold the signature block
CLOSED_KINDS = frozenset({"choice", "mark", "person"})
# dates, not datetimes: xlsxwriter reads datetime(1900, 1, 1) as a bare time and writes 0
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
HINT = "Điền từ dòng 6; không sửa dòng tiêu đề. Xem trang Hướng dẫn."
SEND_BACK = "Gửi lại tệp cho Ban thi đua; có thể đổi tên tệp."
PROTECT_OPTIONS = {
    "select_locked_cells": True,
    "select_unlocked_cells": True,
    "format_columns": True,
    "format_rows": True,
    "autofilter": True,
    "sort": True,
}

PURPOSE = {
    template_fields.REGISTRATION: "Đăng ký danh hiệu thi đua, hình thức khen thưởng, sáng kiến kinh nghiệm, "
    "đồ dùng dạy học và các hoạt động thi đua cá nhân của năm học {year}.",
    template_fields.ACTIVITY: "Báo cáo kết quả các hoạt động thi đua (sáng kiến kinh nghiệm, đồ dùng dạy học, "
    "tiết dạy, bài giảng, hội thi…) trong năm học {year}.",
    template_fields.VOTE: "Ghi kết quả bình xét thi đua cuối năm học {year}: xếp loại, kỷ luật và danh hiệu đạt "
    "của từng người.",
}
WHO = {
    template_fields.REGISTRATION: "Mỗi cán bộ, giáo viên, nhân viên tự điền phiếu của mình (mỗi người một dòng), "
    "hoặc tổ trưởng điền chung cho cả tổ.",
    template_fields.ACTIVITY: "Cán bộ, giáo viên, nhân viên có kết quả trong tháng, hoặc tổ trưởng tổng hợp cho "
    "cả tổ; mỗi kết quả một dòng.",
    template_fields.VOTE: "Thư ký Hội đồng thi đua (hoặc tổ trưởng) điền sau cuộc họp bình xét; mỗi người một dòng.",
}
DEADLINE = {
    template_fields.REGISTRATION: "Trước ngày {deadline}.",
    template_fields.ACTIVITY: "Hằng tháng, trước khi Ban thi đua tổng hợp vào cuối tháng; gửi lại nhiều lần cũng "
    "được, dòng trùng chỉ tính một lần.",
    template_fields.VOTE: "Ngay sau cuộc họp bình xét cuối năm học.",
}
# What to enter in each column, by (kind, field key) first, then by field key alone.
COLUMN_HELP = {
    "stt": "Số thứ tự; có thể để trống.",
    "name": "Họ và tên đầy đủ, có dấu, đúng như danh sách cán bộ, giáo viên, nhân viên của trường.",
    "birth_date": "Ngày sinh (ngày/tháng/năm); cần để phân biệt người trùng họ tên.",
    "position": "Chức vụ; để trống thì lấy theo danh sách của trường.",
    "team": "Tổ chuyên môn; để trống thì lấy theo danh sách của trường.",
    (
        template_fields.REGISTRATION,
        "title",
    ): "Danh hiệu thi đua đăng ký; chọn “Không đăng ký” nếu không đăng ký danh hiệu.",
    "reward_form": "Hình thức khen thưởng đăng ký (nếu có).",
    "initiative": "Tên sáng kiến kinh nghiệm đăng ký (nếu có).",
    "initiative_level": "Cấp công nhận sáng kiến đăng ký; bắt buộc khi có tên sáng kiến.",
    "teaching_aid": "Tên bộ đồ dùng dạy học dự thi (nếu có).",
    (template_fields.REGISTRATION, "date"): "Ngày ghi phiếu đăng ký (ngày/tháng/năm).",
    "note": "Ghi chú thêm (nếu có).",
    "activity": "Loại hoạt động thi đua của kết quả.",
    "product": "Tên sáng kiến, bộ đồ dùng dạy học, bài dạy hoặc sản phẩm.",
    "level": "Cấp công nhận hoặc cấp dự thi; bắt buộc với Sáng kiến kinh nghiệm và Đồ dùng dạy học.",
    "result": "Kết quả đạt được.",
    (template_fields.ACTIVITY, "date"): "Ngày thực hiện hoặc ngày quyết định công nhận (ngày/tháng/năm).",
    "decision": "Số quyết định công nhận (nếu có), ví dụ 215/QĐ-UBND.",
    "rating": "Xếp loại cuối năm.",
    "discipline": "Hình thức kỷ luật trong năm học; chọn “Không” nếu không bị kỷ luật.",
    (template_fields.VOTE, "title"): "Danh hiệu thi đua được bình xét; chọn “Không” nếu không đạt danh hiệu.",
    "reward": "Hình thức khen thưởng Hội đồng thi đua đề nghị cho người này (nếu có); để trống nếu không đề nghị.",
    "votes_for": "Số phiếu đồng ý của Hội đồng thi đua khi bình xét người này (số nguyên; nếu có).",
    "votes_total": "Tổng số phiếu (số thành viên Hội đồng bỏ phiếu); cùng với số phiếu đồng ý cho ra tỷ lệ phiếu.",
    (template_fields.VOTE, "decision_date"): "Ngày của quyết định công nhận (ngày/tháng/năm), nếu đã có; để trống "
    "cũng được. Kết quả bình xét được tính từ ngày bình xét ghi trong kế hoạch, không theo ngày này.",
}


@dataclass(frozen=True)
class _Formats:
    school: Any
    title: Any
    hint: Any
    header: Any
    column: Any  # locked default of the used columns, so cells outside the data rows are Times New Roman too
    open_columns: dict[str, Any]  # unlocked, unbordered defaults by field kind: the rows below a capped frame
    text: Any
    mark: Any
    number: Any
    date: Any
    help_label: Any
    help_text: Any

    def for_field(self, field: Field) -> Any:
        return {"date": self.date, "int": self.number, "mark": self.mark}.get(field.kind, self.text)


def _formats(wb: Any) -> _Formats:
    def fmt(**props: Any) -> Any:
        return wb.add_format({"font_name": FONT, "font_size": 12, **props})

    # Open cells: unlocked (the only ones), bordered for printing; text columns stored as text ('@') so Excel
    # does not turn a decision number or a name into a date or a number.
    def cell(**props: Any) -> Any:
        return fmt(locked=False, border=1, valign="top", **props)

    return _Formats(
        school=fmt(bold=True),
        title=fmt(bold=True, font_size=14, align="center", valign="vcenter"),
        hint=fmt(italic=True, font_color="#595959", text_wrap=True, valign="top"),
        header=fmt(bold=True, bg_color="#DDEBF7", border=1, text_wrap=True, align="center", valign="vcenter"),
        column=fmt(),
        open_columns={
            "text": fmt(locked=False, valign="top", num_format="@", text_wrap=True),
            "mark": fmt(locked=False, valign="top", num_format="@", align="center"),
            "int": fmt(locked=False, valign="top", align="center"),
            "date": fmt(locked=False, valign="top", num_format="dd/mm/yyyy", align="center"),
        },
        text=cell(num_format="@", text_wrap=True),
        mark=cell(num_format="@", align="center"),
        number=cell(align="center"),
        date=cell(num_format="dd/mm/yyyy", align="center"),
        help_label=fmt(bold=True, valign="top", text_wrap=True),
        help_text=fmt(valign="top", text_wrap=True),
    )


def write_templates(plan: Plan, folder: Path, per_person: bool = False) -> list[Path]:
    """Write the three blank templates into `folder` (and, with `per_person`, one pre-filled registration per
    roster member into `folder/ca-nhan/`); return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for kind in KINDS:
        path = folder / f"{template_fields.FILE_NAMES[kind]}.xlsx"
        _write_atomically(path, plan, kind, open_rows(kind, plan), None)
        written.append(path)
    if per_person:
        personal = folder / PER_PERSON_DIR
        personal.mkdir(exist_ok=True)
        for person in plan.roster:
            path = personal / f"dang-ky-{person.stt:02d}-{ascii_slug(person.name)}.xlsx"
            # Two roster rows with the same STT and name must not overwrite each other's file.
            serial = 2
            while path in written:
                path = personal / f"dang-ky-{person.stt:02d}-{ascii_slug(person.name)}-{serial}.xlsx"
                serial += 1
            _write_atomically(path, plan, template_fields.REGISTRATION, PER_PERSON_ROWS, person)
            written.append(path)
    return written


def open_rows(kind: str, plan: Plan) -> int:
    """How many blank data rows a template offers."""
    if kind == template_fields.ACTIVITY:
        return ACTIVITY_ROWS
    return max(len(plan.roster) + 10, MIN_PERSON_ROWS)


def _write_atomically(path: Path, plan: Plan, kind: str, rows: int, person: Person | None) -> None:
    """Write to a temporary name beside `path`, then rename: a failed run leaves the previous file intact."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with new_workbook(tmp, shown=path.name) as wb:
            _build(wb, plan, kind, rows, person)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _build(wb: Any, plan: Plan, kind: str, rows: int, person: Person | None) -> None:
    fields = template_fields.fields_of(kind, plan)
    fmt = _formats(wb)
    # FittedSheet gives rows of wrapped text the height they need: LibreOffice does not grow them when it prints.
    data = FittedSheet(wb.add_worksheet(template_fields.SHEET_NAMES[kind]))
    guide = FittedSheet(wb.add_worksheet(template_fields.HELP_SHEET))
    lists = wb.add_worksheet(template_fields.LISTS_SHEET)
    meta = wb.add_worksheet(template_fields.META_SHEET)
    sources = _write_lists(lists, fields, plan, fmt)
    _write_data(data, fields, plan, kind, rows, person, sources, fmt)
    _write_help(guide, fields, plan, kind, person, fmt)
    _write_meta(wb, meta, plan, kind, person, fmt)
    data.activate()
    lists.hide()
    meta.hide()


def choices_of(field: Field, plan: Plan) -> tuple[str, ...]:
    """The dropdown values of a closed field: its vocabulary, the roster names or the plan's teams."""
    if field.kind == "person":  # namesakes listed apart: "Nguyễn Thị Hương (Tổ 1)", "Nguyễn Thị Hương (Tổ 4–5)"
        return tuple(dict.fromkeys(name for name in plan.name_choices if name))
    if field.kind not in CLOSED_KINDS:
        return ()
    if field.key == template_fields.TEAM.key and not field.choices:
        return tuple(sorted(plan.teams, key=text_key))
    return field.choices


def _write_lists(ws: Any, fields: tuple[Field, ...], plan: Plan, fmt: _Formats) -> dict[str, str]:
    """One column per closed field on the hidden list sheet; returns each field's dropdown source range."""
    sources: dict[str, str] = {}
    col = 0
    for field in fields:
        values = choices_of(field, plan)
        if not values:  # an empty range would be an invalid validation
            continue
        ws.set_column(col, col, max(field.width, 20), fmt.column)
        ws.write_string(0, col, vn(field.label), fmt.column)
        for row, value in enumerate(values, start=1):
            ws.write_string(row, col, vn(value), fmt.column)
        cells = xl_range_abs(1, col, len(values), col)
        sources[field.key] = f"={quote_sheetname(template_fields.LISTS_SHEET)}!{cells}"
        col += 1
    ws.protect("", PROTECT_OPTIONS)
    return sources


def _validation(field: Field, source: str | None, example: str) -> dict[str, Any] | None:
    if field.kind == "date":
        return {
            "validate": "date",
            "criteria": "between",
            "minimum": DATE_MIN,
            "maximum": DATE_MAX,
            "input_title": "Ngày tháng",
            "input_message": f"Nhập ngày theo ngày/tháng/năm, ví dụ {example}.",
            "error_title": "Ngày không hợp lệ",
            "error_message": f"Hãy nhập một ngày có thật theo ngày/tháng/năm, ví dụ {example}.",
        }
    if source is None:
        return None
    label = vn(field.label)
    if field.strict:
        return {
            "validate": "list",
            "source": source,
            "error_type": "stop",
            "error_title": "Giá trị không hợp lệ",
            "error_message": f"Cột “{label}” chỉ nhận giá trị trong danh sách. Hãy bấm mũi tên để chọn.",
        }
    return {
        "validate": "list",
        "source": source,
        "error_type": "information",
        "error_title": "Giá trị ngoài danh sách",
        "error_message": f"Giá trị này không có trong danh sách của cột “{label}”. Bấm OK để giữ giá trị đã gõ.",
    }


def _write_data(
    ws: Any,
    fields: tuple[Field, ...],
    plan: Plan,
    kind: str,
    rows: int,
    person: Person | None,
    sources: dict[str, str],
    fmt: _Formats,
) -> None:
    last_col = len(fields) - 1
    last_row = FIRST_DATA_ROW + rows - 1
    example = f"{plan.school.registration_deadline:%d/%m/%Y}"
    title = f"{template_fields.KIND_TITLES[kind].upper()} NĂM HỌC {plan.school.school_year}"
    if person is not None:  # noqa: SIM108 - two sentences read better than one long ternary
        hint = f"Dòng 6 đã điền sẵn cho {person.name}; kiểm tra rồi điền tiếp. {HINT}"
    else:
        hint = HINT

    framed_last = FIRST_DATA_ROW + min(rows, FRAMED_ROWS) - 1
    capped = framed_last < last_row
    for col, field in enumerate(fields):
        column = fmt.open_columns.get(field.kind, fmt.open_columns["text"]) if capped else fmt.column
        ws.set_column(col, col, field.width if person is None else form_width(field), column)
    if capped:  # the columns are open: the title rows' empty cells stay locked
        for row in range(HEADER_ROW):
            for col in range(last_col + 1):
                ws.write_blank(row, col, None, fmt.column)
    ws.write_string(0, 0, vn(plan.school.name), fmt.school)
    if last_col > 0:
        ws.merge_range(1, 0, 1, last_col, "", fmt.title)
        ws.merge_range(2, 0, 2, last_col, "", fmt.hint)  # the hint wraps over the table's width, not column A's
    ws.write_string(1, 0, vn(title), fmt.title)
    ws.set_row(1, 21)
    ws.write_string(2, 0, vn(hint), fmt.hint)
    ws.set_row(HEADER_ROW, 48)  # a minimum: a label longer than its column's two lines raises it

    for col, field in enumerate(fields):
        ws.write_string(HEADER_ROW, col, vn(field.label), fmt.header)
        cell_format = fmt.for_field(field)
        for row in range(FIRST_DATA_ROW, framed_last + 1):
            ws.write_blank(row, col, None, cell_format)
        rule = _validation(field, sources.get(field.key), example)
        if rule is not None:
            ws.data_validation(FIRST_DATA_ROW, col, last_row, col, rule)
    if person is not None:
        _prefill(ws, fields, person, fmt)

    ws.freeze_panes(FIRST_DATA_ROW, 0)
    ws.autofilter(HEADER_ROW, 0, last_row, last_col)
    ws.protect("", PROTECT_OPTIONS)
    ws.set_paper(9)
    ws.repeat_rows(HEADER_ROW)
    if person is not None:
        _form_page(ws, fields, plan, person, last_row)
    else:
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        if not capped:  # a capped sheet prints what is filled, not thousands of empty rows
            ws.print_area(0, 0, FIRST_DATA_ROW + printed_rows(kind, plan) - 1, last_col)
        ws.set_margins(left=0.3, right=0.3, top=0.5, bottom=0.6)
        ws.set_footer("&CTrang &P/&N")
    ws.fit_rows()


def printed_rows(kind: str, plan: Plan) -> int:
    """How many of a blank template's rows its print area holds: the rows staff are expected to fill (a few
    more than the roster on a list of people, one page on the activity report), rounded up to whole pages, so
    that no page holds only a header and a few empty rows; never more than the template offers."""
    fields = template_fields.fields_of(kind, plan)
    # As LibreOffice prints them: Excel's narrower columns would overestimate the scale, and the rows a page
    # holds would spill onto a near-empty page.
    width_px = sum(printed_px(field.width) for field in fields)
    scale = min(1.0, LANDSCAPE_PX / width_px)
    page = PAGE_HEIGHT_PT / scale  # sheet points one page holds
    header = max(HEADER_HEIGHT, *(_label_height(field.label, field.width) for field in fields))
    first = int((page - TITLE_ROWS_PT - header) / ROW_PT * PAGE_FILL)
    following = int((page - header) / ROW_PT * PAGE_FILL)  # the header row repeats on every page
    wanted = len(plan.roster) + SPARE_ROWS if kind != template_fields.ACTIVITY else 1
    if wanted <= first * ESTIMATE_SLACK:  # about one page: the estimate is no finer than that, so no second page
        return min(open_rows(kind, plan), FRAMED_ROWS, max(wanted, first))
    pages = 1 + max(0, -(-(wanted - first) // following))
    return min(open_rows(kind, plan), FRAMED_ROWS, first + (pages - 1) * following)


def _label_height(label: str, width: float) -> float:
    """The height a header label needs wrapped in a column `width` characters wide (bold 12 pt)."""
    return lines_height(wrapped_lines(label, line_capacity(drawn_px(width), 12, bold=True)), 12)


def form_width(field: Field) -> float:
    """A column's width on the per-person form (FORM_WIDTHS)."""
    return FORM_WIDTHS.get(field.key, FORM_WIDTHS_BY_KIND.get(field.kind, FORM_WIDTH))


def _form_page(ws: Any, fields: tuple[Field, ...], plan: Plan, person: Person, last_row: int) -> None:
    """A per-person registration on one portrait page: the table, then the signature block. The block is
    drawn in text boxes, not cells: every non-blank row under the header is read as a registration."""
    ws.set_row(FIRST_DATA_ROW, FORM_ROW_HEIGHT)
    for row in range(FIRST_DATA_ROW + 1, last_row + 1):
        ws.set_row(row, FORM_BLANK_HEIGHT)
    pixels = [drawn_px(form_width(field)) for field in fields]  # the column widths as Excel draws them
    half = next(col for col in range(len(fields)) if sum(pixels[:col]) >= sum(pixels) / 2)
    box_width = int(sum(pixels[half:]))
    place = plan.school.place or "………………"
    lines = [
        (f"{place}, ngày …… tháng …… năm 20……", {"italic": True}, 0),
        ("NGƯỜI ĐĂNG KÝ", {"bold": True}, 24),
        ("(Ký, ghi rõ họ tên)", {"italic": True}, 46),
        (person.name, {"bold": True}, 150),
    ]
    top = last_row + 2
    for row in range(top, top + SIGNATURE_ROWS):
        ws.set_row(row, 15)  # 20 px each: the block's 174 px lie within the print area
    for text, font, offset in lines:
        ws.insert_textbox(
            top,
            half,
            vn(text),
            {
                "y_offset": offset,
                "width": box_width,
                "height": 24,
                "font": {"name": FONT, "size": 12, **font},
                "align": {"horizontal": "center", "vertical": "middle"},
                "line": {"none": True},
                "fill": {"none": True},
                "object_position": 2,  # moves down when a row above grows, keeps its size
                "description": text,
            },
        )
    ws.set_portrait()
    ws.fit_to_pages(1, 1)
    ws.print_area(0, 0, top + SIGNATURE_ROWS - 1, len(fields) - 1)
    ws.set_margins(left=0.25, right=0.25, top=0.5, bottom=0.5)


def _prefill(ws: Any, fields: tuple[Field, ...], person: Person, fmt: _Formats) -> None:
    """Write the person's roster facts into the first data row of a per-person registration."""
    for col, field in enumerate(fields):
        if not (field.prefill or field.key == template_fields.STT.key):
            continue
        value = getattr(person, field.key, None)
        if isinstance(value, dt.date):
            ws.write_datetime(FIRST_DATA_ROW, col, as_datetime(value), fmt.date)
        elif isinstance(value, int):
            ws.write_number(FIRST_DATA_ROW, col, value, fmt.number)
        elif value:
            ws.write_string(FIRST_DATA_ROW, col, vn(value), fmt.for_field(field))


def help_lines(fields: tuple[Field, ...], plan: Plan, kind: str, person: Person | None = None) -> list[tuple[str, str]]:
    """The instructions sheet as (heading, text) lines, in Vietnamese."""
    school = plan.school
    sheet = template_fields.SHEET_NAMES[kind]
    example = f"{school.registration_deadline:%d/%m/%Y}"
    lines = [
        ("Mẫu này dùng để", PURPOSE[kind].format(year=school.school_year)),
        ("Người điền", WHO[kind]),
        ("Hạn nộp", DEADLINE[kind].format(deadline=example)),
        (
            "Cách điền",
            f"Điền từ dòng 6 của trang “{sheet}”. Không sửa dòng tiêu đề (dòng 5), không thêm, xóa "
            "hay đổi tên cột. Ô có mũi tên: bấm để chọn trong danh sách.",
        ),
        ("Ngày tháng", f"Nhập ngày theo ngày/tháng/năm, ví dụ {example}."),
    ]
    if person is None and open_rows(kind, plan) > FRAMED_ROWS:
        more = (
            f"Bảng kẻ sẵn {FRAMED_ROWS} dòng; nếu cần thêm, cứ điền tiếp vào các dòng ngay bên dưới "
            "(vẫn có danh sách chọn), không để trống dòng xen giữa."
        )
        lines.append(("Nhiều người", more))
    if person is None and open_rows(kind, plan) <= FRAMED_ROWS:
        printed = (
            f"Bản in gồm {printed_rows(kind, plan)} dòng đầu của bảng. Nếu điền nhiều hơn, hãy xóa vùng in trước "
            "khi in (Excel: Bố trí trang → Vùng in → Xóa vùng in) để in đủ các dòng."
        )
        lines.append(("In", printed))
    if person is not None:
        own = (
            f"Phiếu này dành riêng cho {person.name}: dòng 6 đã điền sẵn họ tên, ngày sinh, chức vụ, tổ; "
            "hãy kiểm tra và điền tiếp các cột còn lại. Phiếu in trên một trang A4 dọc; ký và ghi rõ họ tên "
            "ở phần NGƯỜI ĐĂNG KÝ."
        )
        lines.append(("Phiếu cá nhân", own))
    lines.append(("Các cột", "Ý nghĩa và cách điền từng cột:"))
    for col, field in enumerate(fields):
        heading = f"{xl_col_to_name(col)}. {field.label}" + (" (bắt buộc)" if field.required else "")
        lines.append((heading, _column_help(field, plan, kind)))
    lines.append(("Gửi lại", SEND_BACK))
    return lines


def _column_help(field: Field, plan: Plan, kind: str) -> str:
    if field.kind == "mark":
        return f"Đăng ký tham gia “{field.label}”: đánh dấu x; để trống nếu không tham gia."
    text = COLUMN_HELP.get((kind, field.key)) or COLUMN_HELP.get(field.key) or ""
    values = choices_of(field, plan)
    if field.kind == "person":
        text += " Chọn trong danh sách hoặc gõ đủ họ tên."
        if any(shown != p.name for shown, p in zip(plan.name_choices, plan.roster, strict=True)):
            text += " Người trùng họ tên có ghi kèm tổ (hoặc ngày sinh) trong ngoặc: hãy chọn đúng dòng của mình."
    elif values and field.strict:
        text += " Chọn một trong các giá trị: " + "; ".join(values) + "."
    elif values:
        text += " Chọn trong danh sách (" + "; ".join(values) + ") hoặc ghi khác."
    return text.strip()


def _write_help(
    ws: Any, fields: tuple[Field, ...], plan: Plan, kind: str, person: Person | None, fmt: _Formats
) -> None:
    # 110 characters of width print at about 10 pt on a portrait page; each row is as tall as its wrapped text.
    ws.set_column(0, 0, 32, fmt.column)
    ws.set_column(1, 1, 78, fmt.column)
    ws.merge_range(0, 0, 0, 1, "", fmt.title)
    ws.write_string(0, 0, vn(f"HƯỚNG DẪN ĐIỀN {template_fields.KIND_TITLES[kind].upper()}"), fmt.title)
    ws.write_string(1, 0, vn(f"{plan.school.name} – năm học {plan.school.school_year}"), fmt.school)
    row = 3
    for heading, text in help_lines(fields, plan, kind, person):
        ws.write_string(row, 0, vn(heading), fmt.help_label)
        ws.write_string(row, 1, vn(text), fmt.help_text)
        row += 1
    ws.set_paper(9)
    ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.set_footer("&CTrang &P/&N")
    ws.fit_rows()


def _write_meta(wb: Any, ws: Any, plan: Plan, kind: str, person: Person | None, fmt: _Formats) -> None:
    """Kind, version, school and school year, on a hidden sheet and as custom properties, for the reader."""
    pairs = [
        ("kind", kind),
        ("version", template_fields.TEMPLATE_VERSION),
        ("school", plan.school.name),
        ("school_year", plan.school.school_year),
    ]
    if person is not None:
        pairs.append(("person", person.name))
    for row, (key, value) in enumerate(pairs):
        ws.write_string(row, 0, key, fmt.column)
        ws.write_string(row, 1, vn(value), fmt.column)
    ws.protect("", PROTECT_OPTIONS)
    for key, value in pairs[:4]:
        wb.set_custom_property(f"thidua_{key}", vn(value))
