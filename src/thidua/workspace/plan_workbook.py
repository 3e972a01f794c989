"""The plan workbook (kehoach.xlsx): written from a `Plan`, read back into one with cell-precise checks.

It is the source of truth: targets, rounds, collective titles and the roster are edited there, and every
template, count and dashboard row follows from it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

from thidua.core import vocabulary
from thidua.core.calendar import SchoolYear, parse_school_year
from thidua.core.plan import (
    COUNT_BY,
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
from thidua.core.text import clean, key, looks_undiacritised, tidy
from thidua.errors import PlanError
from thidua.forms.cell_values import cell_text, is_blank, parse_date, parse_int
from thidua.forms.headers import find_header
from thidua.forms.plan_sheets import (
    PLAN_FILE,
    SHEET_COLLECTIVE,
    SHEET_INFO,
    SHEET_ROSTER,
    SHEET_ROUNDS,
    SHEET_TARGETS,
)
from thidua.forms.template_fields import Field
from thidua.intake.guard import Limits
from thidua.issues import Report, cell_ref

PLAN_MAX_ROWS = 1_000_000  # rows a plan sheet may hold (a submission's bound is [limits] max_rows)

INFO_FIELDS = (Field("item", "Mục"), Field("value", "Giá trị", width=70))
# Mục label → (School attribute, kind)
INFO_ITEMS: dict[str, tuple[str, str]] = {
    "Tên trường": ("name", "text"),
    "Cơ quan chủ quản": ("parent_body", "text"),
    "Tỉnh": ("province", "text"),
    "Địa danh ghi ngày tháng": ("place", "text"),
    "Năm học": ("school_year", "text"),
    "Hạn nộp đăng ký": ("registration_deadline", "date"),
    "Chức danh người ký": ("signatory_title", "text"),
    "Người ký": ("signatory_name", "text"),
    "Người lập biểu": ("preparer_name", "text"),
    "Tên phong trào": ("movement", "text"),
    "Kính gửi": ("recipient", "text"),
    "Ký hiệu": ("symbol", "text"),
    "Nơi nhận": ("copies_to", "lines"),
    "Ngày bình xét": (
        "vote_day",
        "date",
    ),  # empty: the last round's end (SPEC 4.2); last, so the rows above keep their place
}
BLANKS = ("…", "...")  # what a value still to be filled in holds (the commune's name, the province…)
TARGET_FIELDS = (
    Field("code", "Mã", required=True, width=14),
    Field("name", "Nội dung", required=True, width=60),
    Field("subject", "Đối tượng", "choice", (SUBJECT_COLLECTIVE, SUBJECT_PERSON), width=11),
    Field("target", "Chỉ tiêu", "int", width=9),
    Field("base", "Cơ sở", "int", width=8),
    Field("unit", "Đơn vị", width=9),
    Field("source", "Nguồn", "choice", required=True, width=28, strict=False),
    Field("level", "Cấp", "choice", vocabulary.LEVELS, width=9),
    Field("count_by", "Đếm theo", "choice", COUNT_BY, width=11),
    Field("counted_results", "Kết quả được tính", width=30),
)
ROUND_FIELDS = (
    Field("name", "Đợt", required=True, width=10),
    Field("start", "Từ ngày", "date", required=True, width=12),
    Field("end", "Đến ngày", "date", required=True, width=12),
    Field("focus", "Trọng tâm", width=90),
)
COLLECTIVE_FIELDS = (
    Field("target_code", "Mã chỉ tiêu", required=True, width=14),
    Field("unit", "Tập thể", width=28),
    Field("title", "Danh hiệu / hình thức", width=48),
    Field("registered", "Đăng ký", "choice", vocabulary.YES_NO.choices, width=9),
    Field("result", "Kết quả", "choice", vocabulary.COLLECTIVE_RESULT.choices, width=11),
    Field("decision", "Số quyết định", width=16),
    Field("date", "Ngày", "date", width=12),
)
ROSTER_FIELDS = (
    Field("stt", "STT", "int", width=5),
    Field("name", "Họ và tên", required=True, width=26),
    Field("birth_date", "Ngày sinh", "date", width=12),
    Field("gender", "Giới tính", "choice", vocabulary.GENDER.choices, width=9),
    Field("position", "Chức vụ", "choice", vocabulary.POSITIONS, width=20),
    Field("team", "Tổ", width=14),
    Field("recruited", "Ngày tuyển dụng", "date", width=14),
    Field("note", "Ghi chú", width=30),
)
SHEETS: dict[str, tuple[Field, ...]] = {
    SHEET_INFO: INFO_FIELDS,
    SHEET_TARGETS: TARGET_FIELDS,
    SHEET_ROUNDS: ROUND_FIELDS,
    SHEET_COLLECTIVE: COLLECTIVE_FIELDS,
    SHEET_ROSTER: ROSTER_FIELDS,
}
SOURCES = (SOURCE_LDTT, SOURCE_CSTDCS, SOURCE_COLLECTIVE, *vocabulary.ACTIVITY.choices)


def plan_rows(plan: Plan) -> dict[str, list[list[Any]]]:
    """The plan as rows per sheet (header excluded), in the order of the sheet's fields."""
    s = plan.school
    return {
        SHEET_INFO: [[label, getattr(s, attr)] for label, (attr, _k) in INFO_ITEMS.items()],
        SHEET_TARGETS: [
            [
                t.code,
                t.name,
                t.subject,
                t.target,
                t.base,
                t.unit,
                t.source,
                t.level or "",
                t.count_by,
                ", ".join(sorted(t.counted_results)) if t.counted_results else "",
            ]
            for t in plan.targets
        ],
        SHEET_ROUNDS: [[r.name, r.start, r.end, r.focus] for r in plan.rounds],
        SHEET_COLLECTIVE: [
            [c.target_code, c.unit, c.title, "Có" if c.registered else "Không", c.result or "", c.decision, c.date]
            for c in plan.collectives
        ],
        SHEET_ROSTER: [
            [p.stt, p.name, p.birth_date, p.gender, p.position, p.team, p.recruited, p.note] for p in plan.roster
        ],
    }


def write_plan(plan: Plan, path: Path) -> None:
    """Write the plan workbook (one sheet per table, header in row 1, dropdowns on closed columns)."""
    from thidua.excel.workbook import new_workbook  # writing is only needed by init

    with new_workbook(path) as wb:
        bold = wb.add_format(
            {
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "text_wrap": True,
                "valign": "vcenter",
                "font_name": "Times New Roman",
            }
        )
        body = wb.add_format({"font_name": "Times New Roman", "valign": "top", "text_wrap": True})
        date = wb.add_format({"font_name": "Times New Roman", "num_format": "dd/mm/yyyy", "valign": "top"})
        rows_by_sheet = plan_rows(plan)
        for sheet, fields in SHEETS.items():
            ws = wb.add_worksheet(sheet)
            ws.freeze_panes(1, 0)
            for col, f in enumerate(fields):
                ws.write_string(0, col, f.label, bold)
                ws.set_column(col, col, f.width, date if f.kind == "date" else body)
                if f.kind == "choice" and (f.choices or f.key == "source"):
                    choices = list(f.choices) if f.choices else list(SOURCES)
                    ws.data_validation(
                        1,
                        col,
                        500,
                        col,
                        {
                            "validate": "list",
                            "source": choices,
                            "error_type": "stop" if f.strict else "information",
                        },
                    )
            for r, values in enumerate(rows_by_sheet[sheet], start=1):
                for col, value in enumerate(values):
                    write_plain(ws, r, col, value, date)
            if sheet == SHEET_TARGETS:
                _explain_counted_results(ws, fields.index(COUNTED_RESULTS))
            ws.set_landscape()
            ws.set_paper(9)
            ws.fit_to_pages(1, 0)
            ws.repeat_rows(0)
        _write_guide(wb, bold, body)


COUNTED_RESULTS = next(f for f in TARGET_FIELDS if f.key == "counted_results")
COUNTED_RESULTS_RULE = (
    "Không bắt buộc. Ghi các kết quả báo cáo được tính là ĐẠT cho chỉ tiêu này, cách nhau bởi dấu phẩy, ví dụ "
    "“Đã dự thi, Không đạt”. Để trống thì thidua tính theo mặc định: sáng kiến khi Được công nhận / Đạt / Đạt "
    "giải; đồ dùng dạy học khi Đã dự thi / Được công nhận / Đạt / Đạt giải; chỉ tiêu “Tham gia …” tính mọi dòng "
    "báo cáo dù kết quả thế nào; các hoạt động khác tính mọi kết quả trừ Không đạt."
)
COUNTED_RESULTS_HELP = f"Kết quả được tính: {COUNTED_RESULTS_RULE}"
GUIDE_SHEET = "Hướng dẫn"
GUIDE: tuple[tuple[str, str], ...] = (
    ("HƯỚNG DẪN ĐIỀN KẾ HOẠCH THI ĐUA", ""),
    (
        SHEET_INFO,
        "Tên trường, cơ quan chủ quản, năm học, hạn nộp đăng ký, người ký… Mỗi mục một dòng; chỉ sửa cột Giá trị. "
        "Ngày bình xét: ngày Hội đồng thi đua họp bình xét danh hiệu cuối năm (để trống: ngày kết thúc đợt cuối); "
        "kết quả bình xét chỉ được tính từ ngày này.",
    ),
    (
        SHEET_TARGETS,
        "Mỗi chỉ tiêu một dòng. Mã: viết liền, không dấu, không trùng (ví dụ SKKN_HUYEN). Chỉ tiêu: số cần đạt; "
        "Cơ sở: tổng số để tính tỷ lệ (ví dụ 26 giáo viên). Nguồn: danh hiệu, tập thể hoặc loại hoạt động. Cấp: "
        "chỉ tiêu theo cấp tính cả cấp cao hơn (cấp Xã ngang cấp Huyện). Đếm theo: Người, Sản phẩm (mỗi tên sản "
        "phẩm một lần) hoặc Lượt.",
    ),
    ("Kết quả được tính", COUNTED_RESULTS_RULE),
    (SHEET_ROUNDS, "Mỗi đợt thi đua một dòng: tên đợt, từ ngày, đến ngày (dạng ngày/tháng/năm) và trọng tâm."),
    (
        SHEET_COLLECTIVE,
        "Danh hiệu tập thể nhà trường đăng ký (Đăng ký: Có/Không); khi có quyết định, ghi Kết quả, số quyết định "
        "và ngày.",
    ),
    (
        SHEET_ROSTER,
        "Mỗi CBGVNV một dòng: họ và tên, ngày sinh, giới tính, chức vụ, tổ, ngày tuyển dụng. Họ tên trong các "
        "phiếu gửi về được đối chiếu với danh sách này.",
    ),
    ("Sau khi sửa", "Lưu tệp rồi chạy lệnh “thidua templates” để tạo lại các mẫu phiếu phát cho CBGVNV."),
)


def _explain_counted_results(ws: Any, col: int) -> None:
    """The optional column "Kết quả được tính": a note on its header and the results offered as a dropdown
    (several may be typed, separated by commas, so a value outside the list is only questioned)."""
    ws.write_comment(0, col, COUNTED_RESULTS_HELP, {"x_scale": 3, "y_scale": 3, "font_name": "Times New Roman"})
    ws.data_validation(
        1,
        col,
        500,
        col,
        {
            "validate": "list",
            "source": list(vocabulary.RESULT.choices),
            "error_type": "information",
            "input_title": "Kết quả được tính",
            "input_message": "Để trống: tính theo mặc định. Nhiều kết quả: cách nhau bởi dấu phẩy.",
        },
    )


def _write_guide(wb: Any, bold: Any, body: Any) -> None:
    """The plan's instructions, a sheet read by people only (the reader looks up the data sheets by name)."""
    ws = wb.add_worksheet(GUIDE_SHEET)
    ws.set_column(0, 0, 24, bold)
    ws.set_column(1, 1, 90, body)
    (title, _none), *topics = GUIDE
    ws.merge_range(0, 0, 0, 1, title, wb.add_format({"bold": True, "font_size": 13, "font_name": "Times New Roman"}))
    ws.set_row(0, 22)
    for row, (topic, explanation) in enumerate(topics, start=1):
        ws.write_string(row, 0, topic, bold)
        ws.write_string(row, 1, explanation, body)
        # Wrapped text gets the height it needs (about 95 characters a line): LibreOffice does not grow rows.
        ws.set_row(row, 15 * max(1, -(-len(explanation) // 95)) + 3)
    ws.set_portrait()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def write_plain(ws: Any, row: int, col: int, value: Any, date_format: Any) -> None:
    """Write a value with its own type; text is always text (never a formula or link)."""
    if value is None or value == "":
        return
    if isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime(value.year, value.month, value.day), date_format)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value)
    else:
        ws.write_string(row, col, str(value))


# --- reading -----------------------------------------------------------------------------------------------


class _Sheet:
    """One plan sheet's rows, with helpers that record cell-precise issues."""

    def __init__(
        self, name: str, rows: list[list[Any]], fields: Sequence[Field], report: Report, style: str = "old"
    ) -> None:
        self.name, self.report, self.style = name, report, style
        required = [f.key for f in fields if f.required]
        header = find_header(rows, fields, required)
        self.ok = header is not None
        if header is None:
            missing = ", ".join(f"“{f.label}”" for f in fields if f.required)
            report.add(
                "plan-value-invalid",
                file=PLAN_FILE,
                sheet=name,
                cell="A1",
                detail=f"không tìm thấy dòng tiêu đề có các cột {missing}",
            )
            self.columns: dict[str, int] = {}
            self.rows: list[tuple[int, list[Any]]] = []
            return
        self.columns = header.columns
        self.rows = [(i, r) for i, r in enumerate(rows) if i > header.row and any(not is_blank(v) for v in r)]

    def raw(self, row: list[Any], key_: str) -> Any:
        col = self.columns.get(key_)
        return row[col] if col is not None and col < len(row) else None

    def cell(self, index: int, key_: str) -> str:
        return cell_ref(index, self.columns.get(key_, 0))

    def problem(self, index: int, key_: str, value: Any, detail: str) -> None:
        self.report.add(
            "plan-value-invalid",
            file=PLAN_FILE,
            sheet=self.name,
            cell=self.cell(index, key_),
            value=cell_text(value),
            detail=detail,
        )

    def get(self, index: int, row: list[Any], key_: str, convert: Callable[[Any], Any], detail: str) -> Any:
        value = self.raw(row, key_)
        try:
            return convert(value)
        except ValueError:
            self.problem(index, key_, value, detail)
            return None

    def text(self, row: list[Any], key_: str) -> str:
        return tidy(cell_text(self.raw(row, key_)), self.style)

    def choice(self, index: int, row: list[Any], key_: str, voc: vocabulary.Vocabulary) -> str | None:
        value = self.raw(row, key_)
        if is_blank(value):
            return None
        found = voc.match(value)
        if found is None:
            self.problem(index, key_, value, f"hãy chọn một trong: {', '.join(voc.choices)}")
        return found


def read_plan(
    path: Path, report: Report, style: str = "old", limits: Limits | None = None, need_roster: bool = True
) -> Plan:
    """Read and check the plan workbook. Problems go to `report`; only an unusable plan raises PlanError (a plan
    with no roster too, unless not `need_roster`: blank templates can be written before the roster is typed). The
    plan is untrusted input too: it passes the same guard and limits as every submission."""
    from thidua.intake.read import load_submission  # the reader owns the spreadsheet library and the guard

    refused = Report()
    # A plan's roster may be a whole province's (the benchmark's 200,000 staff): rows are bounded higher than a
    # submission's, everything else (size, inflation, XML) as for any file.
    limits = limits or Limits()
    bounded = dataclasses.replace(limits, max_rows=max(limits.max_rows, PLAN_MAX_ROWS))
    loaded, _digest = load_submission(path, path.name, refused, bounded)
    if loaded is None:
        why = next(iter(refused)).message if len(refused) else "không đọc được"
        raise PlanError(f"Không dùng được tệp kế hoạch {path.name}: {why}")
    for name in sorted(loaded.seen.unread):  # a sheet over the limits is not missing: say what is wrong with it
        where = loaded.seen.too_wide.get(name) or f"{loaded.seen.too_long.get(name, 0):,} dòng"
        raise PlanError(
            f"Trang “{name}” của tệp kế hoạch {path.name} quá lớn để đọc ({where}). Hãy xóa các dòng, cột thừa "
            "ở cuối trang rồi chạy lại."
        )
    by_key = {key(name): sheet.rows for name, sheet in loaded.sheets.items()}
    parsed: dict[str, _Sheet] = {}
    for name, fields in SHEETS.items():
        rows = by_key.get(key(name))
        if rows is None:
            report.add("plan-sheet-missing", file=PLAN_FILE, sheet=name, sheet_name=name)
            raise PlanError(
                f"Tệp kế hoạch {path.name} thiếu trang “{name}”. Hãy thêm trang đó hoặc tạo lại bằng lệnh: thidua init"
            )
        parsed[name] = _Sheet(name, rows, fields, report, style)
    del loaded, by_key, rows  # the parsed sheets hold the only rows left: the roster's go as they are read
    school, info_rows = _read_school(parsed[SHEET_INFO])
    targets = _read_targets(parsed[SHEET_TARGETS])
    placed_rounds = _read_rounds(parsed[SHEET_ROUNDS])
    rounds = [found for _index, found in placed_rounds]
    check_year(school, info_rows, placed_rounds, parsed, report)
    collectives = _read_collectives(parsed[SHEET_COLLECTIVE], {t.code for t in targets})
    roster = _read_roster(parsed[SHEET_ROSTER])
    for what, items in (("chỉ tiêu", targets), ("đợt thi đua", rounds), ("danh sách CBGVNV", roster)):
        if not items and (need_roster or what != "danh sách CBGVNV"):
            raise PlanError(f"Tệp kế hoạch {path.name} chưa có {what} hợp lệ nào. Hãy điền rồi chạy lại.")
    return Plan(school, tuple(targets), tuple(rounds), tuple(collectives), tuple(roster))


def school_year_in(path: Path, limits: Limits | None = None) -> SchoolYear | None:
    """Only the school year the plan names (for commands that need no more: a new year's plan may have no
    roster yet). None when the plan cannot be read or names none."""
    from thidua.intake.read import load_submission

    bounded = dataclasses.replace(limits or Limits(), max_rows=PLAN_MAX_ROWS)
    loaded, _digest = load_submission(path, path.name, Report(), bounded)
    if loaded is None:
        return None
    for name, sheet in loaded.sheets.items():
        if key(name) == key(SHEET_INFO):
            for row in sheet.rows:
                if len(row) > 1 and key(cell_text(row[0])) == key("Năm học"):
                    return parse_school_year(cell_text(row[1]))
    return None


def _read_school(sheet: _Sheet) -> tuple[School, dict[str, int]]:
    """The school's facts, and the row each was read from."""
    values: dict[str, Any] = {}
    where: dict[str, int] = {}
    labels = {key(label): (label, spec) for label, spec in INFO_ITEMS.items()}
    for index, row in sheet.rows:
        found = labels.get(key(sheet.raw(row, "item")))
        if found is None:
            continue
        _label, (attr, kind) = found
        where[attr] = index
        if kind == "date":
            values[attr] = sheet.get(index, row, "value", parse_date, "cần một ngày dạng ngày/tháng/năm")
        elif kind == "lines":  # one recipient per line of the cell
            raw = sheet.raw(row, "value")
            lines = ("" if is_blank(raw) else str(raw)).splitlines()
            values[attr] = "\n".join(filter(None, (tidy(line, sheet.style) for line in lines)))
        else:
            values[attr] = sheet.text(row, "value")
        if kind != "date" and any(blank in str(values[attr]) for blank in BLANKS):
            sheet.report.add(
                "plan-blank",
                file=PLAN_FILE,
                sheet=sheet.name,
                cell=sheet.cell(index, "value"),
                value=str(values[attr]),
                item=_label,
            )
    _warn_empty_identity(sheet, values, where)
    needed = ("name", "school_year", "registration_deadline")
    for attr in needed:
        if not values.get(attr):
            label = next(lbl for lbl, (a, _k) in INFO_ITEMS.items() if a == attr)
            placed = where.get(attr)
            sheet.report.add(
                "plan-value-invalid",
                file=PLAN_FILE,
                sheet=sheet.name,
                cell=sheet.cell(placed, "value") if placed is not None else "B1",
                detail=f"thiếu mục “{label}”",
            )
    if not values.get("name") or not values.get("school_year") or not values.get("registration_deadline"):
        raise PlanError(f"Trang “{sheet.name}” của tệp kế hoạch thiếu tên trường, năm học hoặc hạn nộp đăng ký.")
    if parse_school_year(values["school_year"]) is None:
        cell = sheet.cell(where["school_year"], "value")
        raise PlanError(
            f"Năm học “{values['school_year']}” ở ô {cell} trang “{sheet.name}” của tệp kế hoạch không đúng dạng "
            "NĂM–NĂM SAU, ví dụ 2026–2027. Hãy sửa rồi chạy lại."
        )
    # A printed item left empty was warned about above; the documents print their blank ("…") for it.
    blanks = {"parent_body": "", "province": "", "place": ""}
    return School(**{**blanks, **{k: v for k, v in values.items() if v not in (None, "")}}), where


# The identity a printed report carries (SPEC 10): an empty one is warned about, with where it is printed. The
# school's name, the year and the deadline are required (an error); Kính gửi, Nơi nhận and the signatory's title
# have a fallback and are not.
PRINTED_IDENTITY: dict[str, str] = {
    "parent_body": "dòng cơ quan chủ quản ở đầu báo cáo",
    "place": "địa danh trước ngày tháng",
    "symbol": "ký hiệu trong số văn bản “Số: …/BC-…”",
    "signatory_name": "tên người ký dưới chức danh",
    "preparer_name": "tên dưới “NGƯỜI LẬP BIỂU”",
}


def _warn_empty_identity(sheet: _Sheet, values: dict[str, Any], where: dict[str, int]) -> None:
    """A warning for each printed identity item left empty (or missing), naming its cell."""
    for attr, printed in PRINTED_IDENTITY.items():
        if str(values.get(attr) or "").strip():
            continue
        label = next(lbl for lbl, (a, _k) in INFO_ITEMS.items() if a == attr)
        found = where.get(attr)
        sheet.report.add(
            "plan-identity-empty",
            file=PLAN_FILE,
            sheet=sheet.name,
            cell=sheet.cell(found, "value") if found is not None else "",
            item=label,
            printed=printed,
            where=f" (ô {sheet.cell(found, 'value')})" if found is not None else f" (chưa có dòng “{label}”)",
        )


def _read_targets(sheet: _Sheet) -> list[Target]:
    subject_voc = vocabulary.Vocabulary("Đối tượng", (SUBJECT_COLLECTIVE, SUBJECT_PERSON))
    count_voc = vocabulary.Vocabulary(
        "Đếm theo", COUNT_BY, {"Người": ("Người", "Cá nhân"), "Sản phẩm": ("Bộ", "Tác phẩm")}
    )
    source_voc = vocabulary.Vocabulary("Nguồn", SOURCES, {SOURCE_LDTT: ("LĐTT",), SOURCE_CSTDCS: ("CSTĐCS",)})
    targets: list[Target] = []
    seen: set[str] = set()
    for index, row in sheet.rows:
        code = sheet.text(row, "code").upper()
        if not code:
            sheet.problem(index, "code", "", "mỗi chỉ tiêu cần một mã (ví dụ LDTT)")
            continue
        if code in seen:
            sheet.report.add(
                "plan-target-duplicate", file=PLAN_FILE, sheet=sheet.name, cell=sheet.cell(index, "code"), value=code
            )
            continue
        seen.add(code)
        raw_source = sheet.raw(row, "source")
        # A new activity type named by the plan is welcome: it becomes a new choice of "Nội dung".
        source = source_voc.match(raw_source) or vocabulary.ACTIVITY.match(raw_source) or clean(raw_source)
        if not source:
            sheet.problem(index, "source", raw_source, "cần nguồn số liệu (danh hiệu, tập thể hoặc loại hoạt động)")
            continue
        number = sheet.get(index, row, "target", parse_int, "chỉ tiêu phải là số nguyên")
        base = sheet.get(index, row, "base", parse_int, "cơ sở phải là số nguyên")
        level = sheet.choice(index, row, "level", vocabulary.LEVEL)
        subject = sheet.choice(index, row, "subject", subject_voc) or (
            SUBJECT_COLLECTIVE if source == SOURCE_COLLECTIVE else SUBJECT_PERSON
        )
        count_by = sheet.choice(index, row, "count_by", count_voc) or "Người"
        counted = None
        raw_results = sheet.text(row, "counted_results")
        if raw_results:
            matched = [vocabulary.RESULT.match(part) for part in raw_results.replace(";", ",").split(",")]
            if any(m is None for m in matched):
                sheet.problem(
                    index,
                    "counted_results",
                    raw_results,
                    f"mỗi kết quả phải là một trong: {', '.join(vocabulary.RESULT.choices)}",
                )
            counted = frozenset(m for m in matched if m)
        targets.append(
            Target(
                code,
                sheet.text(row, "name"),
                subject,
                number,
                base,
                sheet.text(row, "unit"),
                source,
                level,
                count_by,
                counted,
            )
        )
    return targets


def _read_rounds(sheet: _Sheet) -> list[tuple[int, Round]]:
    """The rounds, each with the row it was read from."""
    rounds = []
    for index, row in sheet.rows:
        start = sheet.get(index, row, "start", parse_date, "cần ngày bắt đầu dạng ngày/tháng/năm")
        end = sheet.get(index, row, "end", parse_date, "cần ngày kết thúc dạng ngày/tháng/năm")
        if start is None or end is None:
            if start is None and sheet.raw(row, "start") in (None, ""):
                sheet.problem(index, "start", "", "cần ngày bắt đầu dạng ngày/tháng/năm")
            if end is None and sheet.raw(row, "end") in (None, ""):
                sheet.problem(index, "end", "", "cần ngày kết thúc dạng ngày/tháng/năm")
            continue
        if end < start:
            sheet.problem(index, "end", end, "ngày kết thúc trước ngày bắt đầu")
            continue
        rounds.append((index, Round(sheet.text(row, "name"), start, end, sheet.text(row, "focus"))))
    return rounds


# Issues that make a month's counts meaningless: `run` then writes the issue report only (SPEC 7).
YEAR_CODES = frozenset({"plan-outside-year", "plan-rounds-overlap", "plan-rounds-order", "plan-vote-day-early"})


def check_year(
    school: School,
    info_rows: dict[str, int],
    rounds: Sequence[tuple[int, Round]],
    sheets: dict[str, _Sheet],
    report: Report,
) -> None:
    """The registration deadline and every round inside the school year the plan names; rounds in order and
    not overlapping. Each violation is an error at its cell of kehoach.xlsx."""
    year = parse_school_year(school.school_year)
    if year is None:
        return
    span: dict[str, Any] = {"year": year.label, "start": f"{year.start:%d/%m/%Y}", "end": f"{year.end:%d/%m/%Y}"}
    info, round_sheet = sheets[SHEET_INFO], sheets[SHEET_ROUNDS]

    def at(sheet: _Sheet, row: int, key_: str, code: str, day: dt.date, **params: Any) -> None:
        report.add(
            code, file=PLAN_FILE, sheet=sheet.name, cell=sheet.cell(row, key_), value=f"{day:%d/%m/%Y}", **params
        )

    deadline = school.registration_deadline
    if not year.contains(deadline):
        at(
            info,
            info_rows["registration_deadline"],
            "value",
            "plan-outside-year",
            deadline,
            what="Hạn nộp đăng ký",
            **span,
        )
    vote = school.vote_day
    if vote is not None and not year.contains(vote):
        at(info, info_rows["vote_day"], "value", "plan-outside-year", vote, what="Ngày bình xét", **span)
    elif vote is not None and rounds and vote < max(found.start for _index, found in rounds):
        last = max((found for _index, found in rounds), key=lambda found: found.start)
        at(
            info,
            info_rows["vote_day"],
            "value",
            "plan-vote-day-early",
            vote,
            round=last.name or "đợt cuối",
            start=f"{last.start:%d/%m/%Y}",
        )
    for index, found in rounds:
        for key_, day in (("start", found.start), ("end", found.end)):
            if not year.contains(day):
                what = f"{'Ngày bắt đầu' if key_ == 'start' else 'Ngày kết thúc'} của {found.name or 'đợt'}"
                at(round_sheet, index, key_, "plan-outside-year", day, what=what, **span)
    for (_before_index, before), (index, after) in pairwise(rounds):  # as listed: Đợt 1 before Đợt 2
        if after.start < before.start:
            at(round_sheet, index, "start", "plan-rounds-order", after.start, **_names(before, after))
    ordered = sorted(rounds, key=lambda placed: placed[1].start)
    for (_before_index, before), (index, after) in pairwise(ordered):
        if after.start <= before.end:
            at(
                round_sheet,
                index,
                "start",
                "plan-rounds-overlap",
                after.start,
                previous_end=f"{before.end:%d/%m/%Y}",
                **_names(before, after),
            )


def _names(before: Round, after: Round) -> dict[str, str]:
    return {"round": after.name or "đợt sau", "previous": before.name or "đợt trước"}


def _read_collectives(sheet: _Sheet, codes: set[str]) -> list[CollectiveTitle]:
    items = []
    for index, row in sheet.rows:
        code = sheet.text(row, "target_code").upper()
        if code not in codes:
            sheet.problem(index, "target_code", code, "mã chỉ tiêu không có trong trang “Chỉ tiêu”")
            continue
        registered = sheet.choice(index, row, "registered", vocabulary.YES_NO)
        result = sheet.choice(index, row, "result", vocabulary.COLLECTIVE_RESULT)
        date = sheet.get(index, row, "date", parse_date, "cần ngày dạng ngày/tháng/năm")
        unit = sheet.text(row, "unit")
        if any(blank in unit for blank in BLANKS):
            sheet.report.add(
                "plan-collective-blank", file=PLAN_FILE, sheet=sheet.name, cell=sheet.cell(index, "unit"), value=unit
            )
        items.append(
            CollectiveTitle(
                code,
                unit,
                sheet.text(row, "title"),
                registered == "Có",
                result,
                sheet.text(row, "decision"),
                date,
            )
        )
    return items


_READ: tuple[int, list[Any]] = (-1, [])  # a roster row already read


def _read_roster(sheet: _Sheet) -> list[Person]:
    people: list[Person] = []
    placed: list[int] = []  # the row each person was read from
    names: dict[str, list[Person]] = {}
    rows = sheet.rows
    style = sheet.style
    # The columns with few values (team, position, gender, note) converted once per distinct value, by type too
    # (1, 1.0 and True read differently): a 20,000-person roster read in 0.17-0.18 -> 0.13 CPU-s (the benchmark's
    # plan, best of 5, 2026-12-07).
    once = functools.lru_cache(maxsize=None, typed=True)
    text_of = once(lambda value: tidy(cell_text(value), style))
    position_of = once(lambda value: vocabulary.POSITION.match(value) if not is_blank(value) else vocabulary.TEACHER)
    gender_of = once(lambda value: None if is_blank(value) else vocabulary.GENDER.match(value))
    for position_, (index, row) in enumerate(rows):
        # Each row let go once read, so that a long roster's rows do not all outlive its people: a 200,000-person
        # roster left 346 MiB resident after the plan read with them, 286 without (the benchmark's 10,000 files).
        rows[position_] = _READ
        name = sheet.text(row, "name")
        if not name:
            sheet.problem(index, "name", "", "thiếu họ và tên")
            continue
        stt = sheet.get(index, row, "stt", parse_int, "STT phải là số nguyên") or len(people) + 1
        birth = sheet.get(index, row, "birth_date", parse_date, "cần ngày sinh dạng ngày/tháng/năm")
        recruited = sheet.get(index, row, "recruited", parse_date, "cần ngày tuyển dụng dạng ngày/tháng/năm")
        raw_position = sheet.raw(row, "position")
        position = position_of(raw_position)
        if position is None:
            sheet.problem(
                index,
                "position",
                raw_position,
                f"chức vụ chưa rõ; hãy chọn một trong: {', '.join(vocabulary.POSITIONS)}",
            )
            position = cell_text(raw_position)
        raw_gender = sheet.raw(row, "gender")
        gender = gender_of(raw_gender)
        if gender is None and not is_blank(raw_gender):
            sheet.problem(index, "gender", raw_gender, f"hãy chọn một trong: {', '.join(vocabulary.GENDER.choices)}")
        team, note = text_of(sheet.raw(row, "team")), text_of(sheet.raw(row, "note"))
        person = Person(stt, name, birth, gender or "", position, team, recruited, note)
        same = names.setdefault(person.key, [])
        if any(p.birth_date == birth for p in same):
            sheet.report.add(
                "plan-person-duplicate",
                file=PLAN_FILE,
                sheet=sheet.name,
                cell=sheet.cell(index, "birth_date"),
                value=name,
            )
        same.append(person)
        people.append(person)
        placed.append(index)
    _check_roster(sheet, people, placed)
    return people


def _check_roster(sheet: _Sheet, people: list[Person], rows: list[int]) -> None:
    """Warnings on the roster's cells (SPEC 5): a name typed without diacritics (it would be printed so; staff
    who type theirs correctly are matched to it meanwhile), and a member without a team
    (namesakes are told apart and errors sent to team leaders by team)."""
    for person, index in zip(people, rows, strict=True):
        if looks_undiacritised(person.name):
            sheet.report.add(
                "plan-name-undiacritised",
                file=PLAN_FILE,
                sheet=sheet.name,
                cell=sheet.cell(index, "name"),
                value=person.name,
            )
        if not person.team:
            sheet.report.add(
                "plan-person-no-team",
                file=PLAN_FILE,
                sheet=sheet.name,
                cell=sheet.cell(index, "team"),
                value=person.name,
            )
