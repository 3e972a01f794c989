"""Closed vocabularies of the templates, matched leniently and stored canonically.

Each `Vocabulary` lists canonical values (exactly as the templates' dropdowns show them) with the
abbreviations and variants people type. Matching ignores case, spacing, NFC/NFD, tone placement and accents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from thidua.core.text import fold


@dataclass(frozen=True)
class Vocabulary:
    """A closed list of choices with the aliases accepted for each."""

    name: str
    choices: tuple[str, ...]
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        index: dict[str, str] = {}
        for choice in self.choices:
            for variant in (choice, *self.aliases.get(choice, ())):
                index[fold(variant)] = choice
        object.__setattr__(self, "_index", index)

    def match(self, value: object) -> str | None:
        """Canonical choice for `value`, or None when it is not one of the choices."""
        index: dict[str, str] = object.__getattribute__(self, "_index")
        return index.get(fold(value))

    def extended(self, extra: Iterable[str]) -> Vocabulary:
        """A copy with more choices appended (new activity types named by the plan)."""
        added = tuple(dict.fromkeys(c for c in extra if self.match(c) is None))  # once each, in order
        return Vocabulary(self.name, self.choices + added, self.aliases)


LDTT = "Lao động tiên tiến"
CSTDCS = "Chiến sĩ thi đua cơ sở"
NO_TITLE = "Không đăng ký"
NO_TITLE_VOTE = "Không"

_TITLE_ALIASES = {
    LDTT: ("LĐTT", "LDTT", "Lao động TT", "Danh hiệu lao động tiên tiến"),
    CSTDCS: (
        "CSTĐCS",
        "CSTDCS",
        "CSTĐ cơ sở",
        "CSTĐ",
        "Chiến sĩ thi đua cấp cơ sở",
        "Chiến sỹ thi đua cơ sở",
        "Chiến sỹ thi đua cấp cơ sở",
        "Danh hiệu chiến sĩ thi đua cơ sở",
    ),
}

TITLE_REGISTERED = Vocabulary(
    "Danh hiệu đăng ký",
    (LDTT, CSTDCS, NO_TITLE),
    {**_TITLE_ALIASES, NO_TITLE: ("Không", "KĐK", "Không ĐK", "Chưa đăng ký")},
)
TITLE_VOTED = Vocabulary(
    "Danh hiệu đạt",
    (LDTT, CSTDCS, NO_TITLE_VOTE),
    {**_TITLE_ALIASES, NO_TITLE_VOTE: ("Không đạt", "Không có", "-", "Không đạt danh hiệu")},
)

LEVELS = ("Trường", "Xã", "Huyện", "Tỉnh", "Bộ")
# Since 07/2025 the commune (xã/phường) recognises what the district did: Xã ranks with Huyện (SPEC 4.3).
LEVEL_RANKS = {"Trường": 0, "Xã": 1, "Huyện": 1, "Tỉnh": 2, "Bộ": 3}
LEVEL = Vocabulary(
    "Cấp",
    LEVELS,
    {
        "Trường": ("Cấp trường", "Cơ sở", "Cấp cơ sở"),
        "Xã": ("Cấp xã", "Phường", "Cấp phường", "Xã/phường", "Cấp xã/phường", "Đặc khu", "UBND xã", "UBND phường"),
        "Huyện": ("Cấp huyện", "Quận", "Cấp quận", "Thị xã", "Thành phố thuộc tỉnh", "Phòng"),
        "Tỉnh": ("Cấp tỉnh", "Thành phố", "Sở", "Cấp thành phố"),
        "Bộ": ("Cấp bộ", "Toàn quốc", "Quốc gia", "Cấp toàn quốc", "Trung ương"),
    },
)
LEVEL_INITIATIVE = Vocabulary("Cấp sáng kiến", ("Trường", "Xã", "Huyện", "Tỉnh"), LEVEL.aliases)


def level_rank(level: str | None) -> int:
    """Order of recognition levels: Trường < Xã = Huyện < Tỉnh < Bộ; unknown or empty is -1."""
    return LEVEL_RANKS.get(level, -1) if level else -1


SKKN = "Sáng kiến kinh nghiệm"
DDDH = "Đồ dùng dạy học"
RESEARCH = "Đề tài nghiên cứu"  # an accepted research project opens CSTĐCS under the 2022 law (SPEC 4.3)
ACTIVITY = Vocabulary(
    "Nội dung",
    (
        SKKN,
        DDDH,
        "Tiết học yêu thương",
        "Bài soạn video trực tuyến",
        "Thiết kế bài giảng điện tử",
        "Thao giảng",
        "Dự giờ",
        "Bài viết",
        RESEARCH,
        "Khác",
    ),
    {
        SKKN: ("SKKN", "Sáng kiến", "Sáng kiến kinh nghiệm (SKKN)", "Giải pháp", "Sáng kiến, giải pháp"),
        DDDH: ("ĐDDH", "DDDH", "Đồ dùng", "Đồ dùng dạy học tự làm", "Làm đồ dùng dạy học"),
        "Tiết học yêu thương": ("Tiết dạy yêu thương",),
        "Bài soạn video trực tuyến": ("Video", "Bài giảng video", "Bài soạn video", "Video trực tuyến"),
        "Thiết kế bài giảng điện tử": ("Bài giảng điện tử", "BGĐT", "BGDT", "E-learning"),
        RESEARCH: ("Đề tài", "Đề tài khoa học", "Nghiên cứu khoa học", "Đề tài NCKH"),
    },
)

RESULT_DONE = "Đã thực hiện"
RESULT_SUBMITTED = "Đã nộp"
RESULT_ENTERED = "Đã dự thi"
RESULT_RECOGNISED = "Được công nhận"
RESULT_PASSED = "Đạt"
RESULT_PRIZE = "Đạt giải"
RESULT_FAILED = "Không đạt"
RESULT = Vocabulary(
    "Kết quả",
    (RESULT_DONE, RESULT_SUBMITTED, RESULT_ENTERED, RESULT_RECOGNISED, RESULT_PASSED, RESULT_PRIZE, RESULT_FAILED),
    {
        RESULT_DONE: ("Hoàn thành", "Đã tham gia", "Tham gia", "Đã dạy", "Xong"),
        RESULT_SUBMITTED: ("Nộp", "Đã gửi"),
        RESULT_ENTERED: ("Dự thi", "Đã thi"),
        RESULT_RECOGNISED: ("Công nhận", "Đã được công nhận", "Đã công nhận"),
        RESULT_PRIZE: (
            "Giải nhất",
            "Giải nhì",
            "Giải ba",
            "Giải khuyến khích",
            "Đạt giải nhất",
            "Đạt giải nhì",
            "Đạt giải ba",
            "Đạt giải khuyến khích",
            "Giải A",
            "Giải B",
            "Giải C",
        ),
        RESULT_FAILED: ("Không được công nhận", "Trượt", "Chưa đạt"),
    },
)
# What "achieved" means for a work, unless the plan says otherwise (SPEC 4.3).
RECOGNISED_RESULTS = frozenset({RESULT_RECOGNISED, RESULT_PASSED, RESULT_PRIZE})
ENTERED_RESULTS = frozenset({RESULT_ENTERED, RESULT_RECOGNISED, RESULT_PASSED, RESULT_PRIZE})

RATINGS = (
    "Hoàn thành xuất sắc nhiệm vụ",
    "Hoàn thành tốt nhiệm vụ",
    "Hoàn thành nhiệm vụ",
    "Không hoàn thành nhiệm vụ",
)
RATING = Vocabulary(
    "Xếp loại",
    RATINGS,
    {
        RATINGS[0]: ("HTXSNV", "HTXS", "Hoàn thành xuất sắc", "Xuất sắc"),
        RATINGS[1]: ("HTTNV", "HTT", "Hoàn thành tốt", "Tốt"),
        RATINGS[2]: ("HTNV", "HT", "Hoàn thành"),
        RATINGS[3]: ("KHTNV", "KHT", "Không hoàn thành"),
    },
)

DISCIPLINES = ("Không", "Khiển trách", "Cảnh cáo", "Cách chức", "Buộc thôi việc")
DISCIPLINE = Vocabulary("Kỷ luật", DISCIPLINES, {"Không": ("Không có", "-", "Không bị kỷ luật", "0")})

TEACHER = "Giáo viên"
POSITIONS = ("Hiệu trưởng", "Phó hiệu trưởng", TEACHER, "Tổng phụ trách Đội", "Nhân viên")
POSITION = Vocabulary(
    "Chức vụ",
    POSITIONS,
    {
        "Hiệu trưởng": ("HT",),
        "Phó hiệu trưởng": ("PHT", "Phó HT"),
        TEACHER: ("GV", "Giáo viên chủ nhiệm", "GVCN", "Giáo viên bộ môn", "GVBM"),
        "Tổng phụ trách Đội": ("TPT Đội", "TPT", "Tổng phụ trách", "TPTĐ"),
        "Nhân viên": ("NV", "Kế toán", "Văn thư", "Thủ quỹ", "Y tế", "Thư viện", "Thiết bị", "Bảo vệ", "Phục vụ"),
    },
)
TEACHING_POSITIONS = frozenset({TEACHER, "Tổng phụ trách Đội"})

GENDER = Vocabulary("Giới tính", ("Nam", "Nữ"), {"Nữ": ("Nu", "F", "Female"), "Nam": ("M", "Male")})

YES_NO = Vocabulary("Có/Không", ("Có", "Không"), {"Có": ("x", "yes", "1", "C"), "Không": ("no", "0", "K", "-")})
COLLECTIVE_RESULT = Vocabulary("Kết quả", ("Đạt", "Không đạt"), {"Không đạt": ("Chưa đạt", "Trượt")})

# A mark in an activity column of the registration: these mean "yes"; empty or these "no" mean "no".
_YES_SYMBOLS = frozenset("✓✔√☑✅xX")
_YES_WORDS = frozenset({"x", "co", "v", "1", "yes", "y", "dang ky", "dk", "tham gia", "c", "ok", "true"})
_NO_WORDS = frozenset({"", "khong", "0", "no", "k", "false"})


def read_mark(value: object) -> bool | None:
    """True for a yes-mark (x, X, có, ✓ …), False for empty or "không", None for anything else."""
    if isinstance(value, bool):
        return value
    raw = str(value).strip() if value is not None else ""
    if raw and all(ch in _YES_SYMBOLS or ch in "\ufe0f " for ch in raw):
        return True
    folded = fold(raw)
    if folded in _YES_WORDS:
        return True
    if folded in _NO_WORDS or raw in ("-", "–"):
        return False
    return None


REWARD_FORMS = (  # the district era's forms (the seed's year), offered for school years before 2025–2026
    "Giấy khen của Chủ tịch UBND huyện",
    "Giấy khen của Trưởng phòng GD&ĐT",
    "Bằng khen của Chủ tịch UBND tỉnh",
    "Bằng khen của Bộ trưởng Bộ GD&ĐT",
    "Không",
)
COMMUNE_REWARD_FORMS = (  # the forms that exist since 07/2025 (SPEC 4.3)
    "Giấy khen của Hiệu trưởng",
    "Giấy khen của Chủ tịch UBND xã",
    "Bằng khen của Chủ tịch UBND tỉnh",
    "Bằng khen của Bộ trưởng Bộ GD&ĐT",
    "Không",
)


@dataclass(frozen=True)
class Era:
    """The closed lists a school year's templates offer, by the local government and the law in force when its
    year-end vote takes place (SPEC 4.3, 10). Data, with its source; values of an earlier era are still read."""

    name: str
    first_year: int  # the first school year of the era, by the calendar year it starts in
    reward_forms: tuple[str, ...]
    levels: tuple[str, ...]  # Cấp of an activity result
    initiative_levels: tuple[str, ...]  # Cấp sáng kiến of a registration
    source: str

    def outdated(self, reward: str) -> bool:
        """Whether `reward` is a form of an earlier era that this era no longer has (typed in any spelling)."""
        ours = {fold(form) for form in self.reward_forms}
        earlier = (form for era in ERAS if era.first_year < self.first_year for form in era.reward_forms)
        return fold(reward) not in ours and fold(reward) in {fold(form) for form in earlier}


ERAS = (
    Era(
        "Chính quyền địa phương ba cấp (trước 07/2025)",
        0,
        REWARD_FORMS,
        LEVELS,
        ("Trường", "Xã", "Huyện", "Tỉnh"),
        "Luật Thi đua, khen thưởng 2003 (sửa đổi 2013) và số 06/2022/QH15; cấp huyện còn tồn tại đến 30/6/2025",
    ),
    Era(
        "Chính quyền địa phương hai cấp (từ 01/7/2025)",
        2025,  # the first school year whose vote falls after 1 July 2025: 2025–2026
        COMMUNE_REWARD_FORMS,
        ("Trường", "Xã", "Tỉnh", "Bộ"),
        ("Trường", "Xã", "Tỉnh"),
        "Luật Tổ chức chính quyền địa phương 2025 (không còn cấp huyện từ 01/7/2025: Ủy ban nhân dân xã nhận các "
        "việc của cấp huyện); Luật Thi đua, khen thưởng số 06/2022/QH15 và Nghị định 152/2025/NĐ-CP (Giấy khen của "
        "Chủ tịch Ủy ban nhân dân cấp xã, của người đứng đầu đơn vị; chưa đối chiếu được số điều)",
    ),
)


def era_of(first_year: int) -> Era:
    """The era of the school year starting in `first_year` (2026 for 2026–2027)."""
    return [era for era in ERAS if era.first_year <= first_year][-1]
