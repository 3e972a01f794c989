"""The three templates staff fill (SPEC 4.3): their fields, header labels and closed vocabularies.

Both the template generator and the reader use these definitions, so a header label lives in one place.
Activity mark columns of the registration come from the plan's targets (targets are data).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from thidua.core import vocabulary
from thidua.core.plan import Plan

TEMPLATE_VERSION = "1"
REGISTRATION = "dang-ky"
ACTIVITY = "bao-cao"
VOTE = "binh-xet"
KIND_TITLES = {
    REGISTRATION: "Phiếu đăng ký thi đua",
    ACTIVITY: "Báo cáo kết quả thi đua",
    VOTE: "Kết quả bình xét cuối năm",
}
SHEET_NAMES = {REGISTRATION: "Đăng ký", ACTIVITY: "Báo cáo kết quả", VOTE: "Bình xét"}
FILE_NAMES = {REGISTRATION: "mau-dang-ky-thi-dua", ACTIVITY: "mau-bao-cao-ket-qua", VOTE: "mau-binh-xet-cuoi-nam"}
META_SHEET = "_thidua"
LISTS_SHEET = "Danh mục"
HELP_SHEET = "Hướng dẫn"


@dataclass(frozen=True)
class Field:
    """One column of a template."""

    key: str
    label: str
    kind: str = "text"  # text | date | choice | mark | int | person
    choices: tuple[str, ...] = ()
    required: bool = False
    strict: bool = True  # dropdown refuses other values (False: suggestions only)
    width: float = 14
    aliases: tuple[str, ...] = ()
    prefill: bool = False  # filled from the roster in --per-person files


STT = Field("stt", "STT", "int", width=5, aliases=("Số TT", "TT", "Số thứ tự"))
NAME = Field(
    "name",
    "Họ và tên",
    "person",
    required=True,
    width=20,
    aliases=("Họ tên", "Tên", "Họ và tên CBGVNV"),
    prefill=True,
    strict=False,
)
BIRTH = Field(
    "birth_date", "Ngày sinh", "date", width=11, aliases=("Ngày tháng năm sinh", "Sinh ngày", "NS"), prefill=True
)
POSITION = Field(
    "position", "Chức vụ", "choice", vocabulary.POSITIONS, width=12, aliases=("Chức vụ/Công việc",), prefill=True
)
TEAM = Field("team", "Tổ", "choice", width=9, aliases=("Tổ chuyên môn", "Tổ CM", "Bộ phận"), prefill=True)
NOTE = Field("note", "Ghi chú", width=10)
DECISION = Field("decision", "Số quyết định", width=13, aliases=("Số QĐ", "Quyết định", "QĐ số"))
DATE = Field("date", "Ngày", "date", width=11, aliases=("Ngày quyết định", "Thời gian", "Ngày thực hiện"))
# The vote sheet's only date is the recognition decision's: the vote's own day is the plan's (SPEC 4.3). An older
# vote sheet headed "Ngày" is read the same way.
DECISION_DATE = Field(
    "decision_date", "Ngày quyết định", "date", width=12, aliases=("Ngày", "Ngày QĐ", "Ngày ký quyết định")
)


def registration_fields(plan: Plan) -> tuple[Field, ...]:
    era = vocabulary.era_of(plan.school_year.first)  # the lists of the year's era (SPEC 4.3)
    marks = tuple(
        Field(f"activity:{name}", name, "mark", ("x",), width=7, strict=False) for name in plan.activity_columns
    )
    return (
        STT,
        NAME,
        BIRTH,
        POSITION,
        TEAM,
        Field(
            "title",
            "Danh hiệu đăng ký",
            "choice",
            vocabulary.TITLE_REGISTERED.choices,
            required=True,
            width=15,
            aliases=("Đăng ký danh hiệu", "Danh hiệu thi đua đăng ký", "Danh hiệu"),
        ),
        Field(
            "reward_form",
            "Hình thức khen thưởng đăng ký",
            "choice",
            era.reward_forms,
            width=14,
            strict=False,
            aliases=("Hình thức khen thưởng", "Khen thưởng đăng ký"),
        ),
        Field(
            "initiative",
            "Tên sáng kiến kinh nghiệm",
            width=20,
            aliases=("Tên sáng kiến", "Tên SKKN", "Sáng kiến kinh nghiệm", "SKKN"),
        ),
        Field(
            "initiative_level",
            "Cấp sáng kiến",
            "choice",
            era.initiative_levels,
            width=8,
            aliases=("Cấp SKKN", "Cấp công nhận"),
        ),
        Field(
            "teaching_aid",
            "Đồ dùng dạy học dự thi",
            width=14,
            aliases=("Đồ dùng dạy học", "ĐDDH dự thi", "ĐDDH", "Tên đồ dùng dạy học"),
        ),
        *marks,
        Field("date", "Ngày đăng ký", "date", width=11, aliases=("Ngày ĐK", "Ngày")),
        NOTE,
    )


def activity_fields(plan: Plan) -> tuple[Field, ...]:
    era = vocabulary.era_of(plan.school_year.first)
    return (
        STT,
        NAME,
        BIRTH,
        Field(
            "activity",
            "Nội dung",
            "choice",
            plan.activity_vocabulary.choices,
            required=True,
            width=26,
            aliases=("Nội dung thi đua", "Hoạt động", "Loại"),
        ),
        Field("product", "Tên sản phẩm", width=34, aliases=("Tên sáng kiến/sản phẩm", "Sản phẩm", "Tên bài")),
        Field("level", "Cấp", "choice", era.levels, width=9, aliases=("Cấp công nhận", "Cấp độ")),
        Field(
            "result",
            "Kết quả",
            "choice",
            vocabulary.RESULT.choices,
            required=True,
            width=16,
            aliases=("Kết quả đạt được",),
        ),
        Field("date", "Ngày", "date", required=True, width=12, aliases=DATE.aliases),
        DECISION,
        NOTE,
    )


def vote_fields(plan: Plan) -> tuple[Field, ...]:
    era = vocabulary.era_of(plan.school_year.first)  # the vote sheet does not depend on the targets
    return (
        STT,
        NAME,
        BIRTH,
        Field("rating", "Xếp loại", "choice", vocabulary.RATINGS, width=20, aliases=("Xếp loại cuối năm", "Đánh giá")),
        Field("discipline", "Kỷ luật", "choice", vocabulary.DISCIPLINES, width=11, aliases=("Hình thức kỷ luật",)),
        Field(
            "title",
            "Danh hiệu đạt",
            "choice",
            vocabulary.TITLE_VOTED.choices,
            required=True,
            width=15,
            aliases=("Danh hiệu được công nhận", "Danh hiệu thi đua đạt", "Kết quả bình xét"),
        ),
        Field(
            "reward",
            "Hình thức khen thưởng đề nghị",
            "choice",
            era.reward_forms,
            strict=False,
            width=22,
            aliases=("Hình thức khen thưởng", "Khen thưởng đề nghị", "Đề nghị khen thưởng"),
        ),
        Field("votes_for", "Số phiếu đồng ý", "int", width=9, aliases=("Phiếu đồng ý", "Số phiếu")),
        Field("votes_total", "Tổng số phiếu", "int", width=9, aliases=("Tổng phiếu", "Số người bỏ phiếu")),
        DECISION,
        DECISION_DATE,
        NOTE,
    )


def fields_of(kind: str, plan: Plan) -> tuple[Field, ...]:
    """A kind's columns for `plan`, kept for the last plan asked of each kind (weakly: a plan is let go as
    before). The batch asks five times a file: 20 µs for the registration kind, 12 for the others; 1,000 files
    of the benchmark 0.085 CPU-s before (2026-12-07)."""
    kept = _KEPT.get(kind)
    if kept is not None and kept[0]() is plan:
        return kept[1]
    fields = {REGISTRATION: registration_fields, ACTIVITY: activity_fields, VOTE: vote_fields}[kind](plan)
    _KEPT[kind] = (weakref.ref(plan), fields)
    return fields


_KEPT: dict[str, tuple[weakref.ref[Plan], tuple[Field, ...]]] = {}


# Columns whose presence identifies the kind of a sheet when its header is recognised.
IDENTIFYING = {REGISTRATION: ("name", "title"), ACTIVITY: ("name", "activity", "result"), VOTE: ("name", "title")}
