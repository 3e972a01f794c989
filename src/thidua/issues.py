"""Problems are data: one `Issue` model and one `Report` collected across every stage of a run.

Every kind of problem has a stable code, a severity and a Vietnamese message template that tells a
non-technical user what to do. Stages call `report.add(code, ...)`; nothing stops at the first problem.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell


class Severity(StrEnum):
    """Severity as the secretary reads it."""

    ERROR = "lỗi"
    WARNING = "cảnh báo"
    NOTE = "ghi chú"


E, W, N = Severity.ERROR, Severity.WARNING, Severity.NOTE
RULE = TOPIC_RULE = "rule"  # the rule pack's findings (and the plan's sanity), listed on their own sheet


@dataclass(frozen=True)
class Kind:
    """One kind of problem: its severity, the title a list shows, the Vietnamese message template (placeholders
    filled from `Report.add`'s parameters), the part of the work that finds it (`topic`: "rule", or "" for the
    reading of a submission) and the parameters a caller may leave out, with their defaults."""

    severity: Severity
    title: str
    message: str
    topic: str = ""
    optional: Mapping[str, object] = field(default_factory=dict)

    def render(self, params: Mapping[str, object]) -> str:
        return self.message.format(**{**self.optional, **params})


# One record per kind of problem. Placeholders come from `Report.add(**params)`.
CATALOG: dict[str, Kind] = {
    # files and sheets
    "file-skipped-lock": Kind(N, "Tệp khóa của Excel", "Bỏ qua tệp khóa tạm của Excel (tệp bắt đầu bằng ~$)."),
    "file-skipped-type": Kind(
        N,
        "Không phải bảng tính",
        "Bỏ qua tệp không phải bảng tính ({ext}). Nếu đây là phiếu thi đua, hãy lưu lại dưới dạng .xlsx.",
    ),
    "file-unreadable": Kind(
        E,
        "Không mở được tệp",
        "Không mở được tệp ({reason}). Hãy mở tệp bằng Excel, lưu lại dưới dạng .xlsx rồi gửi lại.",
    ),
    "file-internal-error": Kind(
        E,
        "Lỗi của thidua khi đọc tệp",
        "thidua gặp lỗi của chính chương trình khi đọc tệp này nên chưa tính số liệu của tệp; tệp có lẽ không có "
        "lỗi, người gửi không cần sửa hay gửi lại. Ban thi đua hãy gửi tệp nhật ký {log} cho người hỗ trợ thidua.",
    ),
    "file-empty-bytes": Kind(E, "Tệp rỗng", "Tệp rỗng (0 byte), không có nội dung. Hãy gửi lại tệp đã điền."),
    "file-too-large": Kind(
        E,
        "Tệp quá lớn",
        "Tệp nặng {size} MB, vượt giới hạn {limit} MB nên không được đọc. Hãy xóa hình ảnh hoặc trang thừa rồi "
        "gửi lại (giới hạn chỉnh ở mục [limits] của thidua.toml).",
    ),
    "file-zip-bomb": Kind(
        E,
        "Tệp nén bất thường",
        "Tệp khai báo giải nén ra {inflated} MB (tỷ lệ nén {ratio}:1), vượt giới hạn an toàn nên không được mở. "
        "Hãy nhờ người gửi mở bằng Excel, lưu lại rồi gửi lại.",
    ),
    "file-xml-entity": Kind(
        E,
        "Tệp chứa khai báo XML nguy hiểm",
        "Tệp chứa khai báo DOCTYPE/ENTITY không có trong tệp Excel thông thường nên không được mở. Hãy nhờ người "
        "gửi mở bằng Excel, lưu lại rồi gửi lại.",
    ),
    "file-encrypted": Kind(
        E,
        "Tệp có mật khẩu",
        "Tệp được đặt mật khẩu nên không đọc được (thidua không dò mật khẩu). Hãy nhờ người gửi gỡ mật khẩu "
        "(Tệp › Thông tin › Bảo vệ sổ làm việc) rồi gửi lại.",
    ),
    "file-renamed-text": Kind(
        E,
        "Không phải tệp Excel thật",
        "Tệp thật ra là {what} được đổi đuôi thành {ext}. Hãy mở bằng Excel rồi lưu lại dạng Sổ làm việc Excel "
        "(.xlsx) và gửi lại.",
    ),
    "file-macro": Kind(N, "Tệp có macro", "Tệp có macro (VBA); thidua chỉ đọc giá trị các ô, không chạy macro."),
    "folder-named-like-file": Kind(
        N,
        "Thư mục có tên giống tệp",
        "Đây là một thư mục có tên giống tệp bảng tính; thidua đọc các tệp bên trong thư mục.",
    ),
    "folder-link-skipped": Kind(
        N,
        "Lối tắt tới thư mục",
        "Đây là lối tắt (liên kết) tới một thư mục khác nên không được đọc. Nếu cần, hãy chép các tệp vào hẳn "
        "thư mục submissions.",
    ),
    "file-skipped-special": Kind(
        N,
        "Không phải tệp thường",
        "Đây không phải tệp thường (ví dụ ống dẫn hay thiết bị) nên được bỏ qua.",
    ),
    "folder-unreadable": Kind(
        W,
        "Không mở được thư mục",
        "Không mở được thư mục này ({reason}) nên các tệp bên trong chưa được đọc. Hãy kiểm tra quyền truy cập "
        "rồi chạy lại.",
    ),
    "sheet-too-many-rows": Kind(
        E,
        "Trang tính quá nhiều dòng",
        "Trang tính có {rows} dòng, vượt giới hạn {limit} dòng nên không được đọc. Hãy xóa các dòng thừa rồi gửi lại.",
    ),
    "sheet-too-large": Kind(
        E,
        "Trang tính trải quá rộng",
        "Trang tính có ô ở tận {corner}, xa vùng số liệu, nên không được đọc (đọc sẽ tốn quá nhiều bộ nhớ). Hãy "
        "xóa các dòng, cột thừa ở xa (chọn chúng rồi bấm Xóa) hoặc chép số liệu sang mẫu mới, rồi gửi lại.",
    ),
    "sheet-hidden": Kind(
        W,
        "Trang tính bị ẩn",
        "Trang tính này đang bị ẩn nhưng có số liệu theo mẫu; số liệu vẫn được tính. Nếu là bản cũ, hãy xóa trang.",
    ),
    "rows-hidden": Kind(
        W,
        "Dòng bị ẩn",
        "Các dòng {rows} đang bị ẩn nhưng vẫn được đọc và tính. Hãy hiện các dòng đó để kiểm tra lại.",
    ),
    "cells-merged": Kind(
        N,
        "Ô gộp trong vùng số liệu",
        "Các vùng ô gộp {ranges}: giá trị của ô đầu tiên được dùng cho cả vùng. Nên bỏ gộp ô trong vùng số liệu.",
    ),
    "formula-uncalculated": Kind(
        W,
        "Công thức chưa được tính",
        "Ô có công thức nhưng chưa có giá trị đã tính nên được coi là trống. Hãy mở tệp bằng Excel, lưu lại rồi "
        "gửi lại.",
    ),
    "formula-cached": Kind(
        N,
        "Có ô công thức",
        "Trang tính có {count} ô công thức; thidua dùng giá trị Excel đã tính, không chạy công thức.",
    ),
    "file-not-template": Kind(
        E,
        "Không phải mẫu thi đua",
        "Không tìm thấy dòng tiêu đề của mẫu thi đua trong tệp. Hãy nhập số liệu vào mẫu do Ban thi đua phát "
        "(thư mục input_templates) và gửi lại.",
    ),
    "file-is-report": Kind(
        W,
        "Tệp là báo cáo thidua đã lập",
        "Tệp này là báo cáo tháng do thidua lập (gửi cơ quan nhận báo cáo), không phải phiếu của CBGVNV, nên không "
        "được đọc. Hãy chuyển tệp ra khỏi thư mục submissions/; báo cáo các tháng nằm ở thư mục output/.",
    ),
    "file-empty": Kind(W, "Tệp chưa có số liệu", "Tệp đúng mẫu nhưng chưa có dòng số liệu nào. Hãy điền rồi gửi lại."),
    "sheet-missing-column": Kind(
        E,
        "Thiếu cột bắt buộc",
        "Trang tính thiếu cột bắt buộc “{column}”. Hãy dùng lại mẫu gốc, không xóa hoặc đổi tên cột này.",
    ),
    "template-other-school": Kind(
        W,
        "Mẫu của trường khác",
        "Mẫu ghi trường “{seen}”, không phải “{expected}”. Hãy kiểm tra người gửi có dùng đúng mẫu của trường.",
    ),
    "template-other-year": Kind(
        E,
        "Mẫu của năm học khác",
        "Tệp làm từ mẫu của năm học {seen}, không phải năm học {expected}, nên không được tính (có thể là tệp năm "
        "trước chép nhầm vào). Nếu là số liệu năm nay, hãy chép sang mẫu của năm học này rồi gửi lại.",
    ),
    "template-kind-mismatch": Kind(
        W,
        "Loại mẫu không khớp",
        "Thông tin mẫu ghi loại “{seen}” nhưng các cột là của “{expected}”; đã đọc theo các cột.",
    ),
    "header-renamed": Kind(N, "Tiêu đề cột bị đổi", "Cột “{seen}” được hiểu là “{expected}”."),
    # rows and cells
    "required-missing": Kind(E, "Thiếu thông tin bắt buộc", "Ô “{column}” không được để trống. Hãy điền {hint}."),
    "choice-invalid": Kind(
        E,
        "Giá trị không có trong danh sách",
        "“{value}” không phải giá trị hợp lệ của cột “{column}”. Hãy chọn một trong: {choices}.",
    ),
    "mark-invalid": Kind(
        E,
        "Đánh dấu không rõ",
        "Cột “{column}” chỉ đánh dấu x khi có đăng ký, hoặc để trống khi không. Giá trị “{value}” không rõ nghĩa.",
    ),
    "number-invalid": Kind(
        E,
        "Số không hợp lệ",
        "Cột “{column}” cần một số nguyên (ví dụ 25), không phải “{value}”. Hãy sửa rồi gửi lại.",
    ),
    "votes-over-total": Kind(
        E,
        "Số phiếu đồng ý lớn hơn tổng số phiếu",
        "Số phiếu đồng ý ({value}) lớn hơn tổng số phiếu ({total}). Hãy kiểm tra lại biên bản bình xét.",
    ),
    "date-invalid": Kind(
        E,
        "Ngày không hợp lệ",
        "“{value}” ở cột “{column}” không phải ngày hợp lệ.{swap} Hãy nhập theo dạng ngày/tháng/năm, ví dụ 04/10/2021.",
        optional={"swap": ""},
    ),
    "date-outside-year": Kind(
        E,
        "Ngày ngoài năm học",
        "Ngày {value} ở cột “{column}” nằm ngoài năm học ({start} – {end}) nên cả dòng này bị bỏ, không được tính "
        "vào số liệu nào.{swap} Nếu là số liệu năm khác, hãy xóa dòng đó; nếu gõ nhầm, hãy sửa ngày rồi gửi lại.",
    ),
    "text-legacy-converted": Kind(
        N,
        "Chữ gõ bằng bảng mã cũ",
        "Ô này gõ bằng bảng mã {encoding} (nhận ra từ {evidence}); đã chuyển sang Unicode thành “{converted}”. "
        "Lần sau hãy gõ bằng bảng mã Unicode (phông Times New Roman).",
    ),
    "person-unknown": Kind(
        E,
        "Không có trong danh sách cán bộ",
        "Không tìm thấy “{value}” trong danh sách CBGVNV của kế hoạch. {suggestion}",
    ),
    "person-ambiguous": Kind(
        E,
        "Trùng tên, cần ngày sinh",
        "Có {count} người tên “{value}” trong danh sách{teams}. Hãy điền đúng ngày sinh (hoặc tổ), hoặc chọn họ "
        "tên có ghi kèm tổ trong danh sách chọn, để phân biệt.",
        optional={"teams": ""},
    ),
    "person-birthdate-mismatch": Kind(
        W,
        "Ngày sinh không khớp",
        "Ngày sinh {seen} khác với danh sách CBGVNV ({expected}) của “{name}”. Hãy kiểm tra lại.",
    ),
    "person-not-teacher": Kind(
        W,
        "Không phải giáo viên",
        "“{name}” ({position}) không phải giáo viên nên không được tính vào chỉ tiêu “{target}”.",
    ),
    "registration-replaced": Kind(
        N,
        "Đã có bản mới hơn",
        "Dòng của “{name}” ở đây không được tính vì đã có bản mới hơn trong tệp “{winner}”.",
    ),
    "row-corrected": Kind(
        N,
        "Đã sửa ở tệp gửi sau",
        "Dòng này có lỗi ({problem}) nhưng đã được gửi lại đúng trong tệp “{later}” (dòng {row}); dòng đó được "
        "tính, dòng này thì không. Không cần sửa thêm.",
    ),
    "result-duplicate": Kind(
        N, "Kết quả trùng", "Dòng này trùng với dòng đã báo cáo trong “{first}”; chỉ tính một lần."
    ),
    "row-after-month": Kind(
        N,
        "Ngày sau tháng báo cáo",
        "Ngày {value} sau tháng {month}: dòng này chưa được tính trong tháng này.",
    ),
    "vote-before-day": Kind(
        N,
        "Kết quả bình xét chưa đến ngày bình xét",
        "Kết quả bình xét trong tệp này ({count} dòng) chỉ được tính từ ngày bình xét {vote} (mục “Ngày bình xét” "
        "trong kehoach.xlsx); tháng {month} chưa đến ngày đó nên chưa tính danh hiệu nào. Nếu Hội đồng đã họp "
        "bình xét sớm hơn, hãy sửa ngày bình xét trong kế hoạch.",
    ),
    "text-formula-like": Kind(
        N, "Văn bản giống công thức", "Nội dung bắt đầu bằng “{start}” được ghi lại dưới dạng chữ."
    ),
    # the plan workbook
    "plan-sheet-missing": Kind(
        E,
        "Kế hoạch thiếu trang tính",
        "Tệp kế hoạch thiếu trang “{sheet_name}”. Hãy tạo lại bằng lệnh thidua init hoặc thêm trang đó.",
    ),
    "plan-value-invalid": Kind(E, "Giá trị kế hoạch không hợp lệ", "Ô này không hợp lệ: {detail}."),
    "plan-blank": Kind(
        W,
        "Thông tin chung còn chỗ trống",
        "Mục “{item}” còn chỗ trống (…): “{value}”. Hãy điền cho đủ (ví dụ tên xã, tên tỉnh) trong trang Thông tin "
        "chung của kehoach.xlsx: mục này được in lên báo cáo và thư gửi đi.",
    ),
    "reward-form-outdated": Kind(
        W,
        "Hình thức khen thưởng không còn",
        "“{value}” là hình thức khen thưởng của thời còn cấp huyện; từ 07/2025 không còn cấp huyện nên năm học "
        "{year} không có hình thức này. Hãy chọn lại một trong: {forms} (danh sách chọn trong mẫu năm nay).",
    ),
    "plan-identity-empty": Kind(
        W,
        "Thông tin chung còn để trống",
        "Mục “{item}” còn để trống{where}. Mục này được in lên báo cáo gửi cơ quan nhận báo cáo ({printed}): hãy "
        "điền vào cột Giá trị của mục này trong trang Thông tin chung của kehoach.xlsx rồi chạy lại.",
    ),
    "plan-collective-blank": Kind(
        W,
        "Tên tập thể còn chỗ trống",
        "Tên tập thể còn chỗ trống (…): “{value}”. Hãy điền tên đơn vị (ví dụ tên trường) trong trang Tập thể của "
        "kehoach.xlsx: tên này được in lên bảng đăng ký tập thể gửi cơ quan nhận báo cáo.",
    ),
    "plan-outside-year": Kind(
        E,
        "Ngày kế hoạch ngoài năm học",
        "{what} ({value}) nằm ngoài năm học {year} ({start} – {end}), nên chưa tính được số liệu tháng nào. Có "
        "thể năm học đã được sửa mà các đợt và hạn nộp đăng ký thì chưa: hãy sửa ngày này trong kehoach.xlsx rồi "
        "chạy lại.",
    ),
    "plan-vote-day-early": Kind(
        E,
        "Ngày bình xét trước đợt cuối",
        "Ngày bình xét {value} trước ngày bắt đầu của {round} ({start}): bình xét cuối năm diễn ra sau khi đợt "
        "thi đua cuối đã bắt đầu. Hãy sửa mục “Ngày bình xét” trong kehoach.xlsx (để trống: ngày kết thúc đợt "
        "cuối) rồi chạy lại.",
    ),
    "plan-rounds-order": Kind(
        E,
        "Các đợt thi đua không theo thứ tự",
        "{round} bắt đầu ngày {value}, trước {previous} ghi ở dòng trên. Hãy xếp các đợt theo thứ tự thời gian "
        "(đợt 1 trước, đợt 2 sau) trong kehoach.xlsx rồi chạy lại.",
    ),
    "plan-rounds-overlap": Kind(
        E,
        "Các đợt thi đua chồng nhau",
        "{round} bắt đầu ngày {value}, trước khi {previous} kết thúc ({previous_end}). Các đợt phải nối tiếp nhau, "
        "không chồng lên nhau: hãy sửa ngày trong kehoach.xlsx rồi chạy lại.",
    ),
    "plan-target-duplicate": Kind(
        E,
        "Mã chỉ tiêu trùng",
        "Mã chỉ tiêu “{value}” xuất hiện hai lần. Mỗi mã chỉ dùng một lần.",
    ),
    "plan-person-duplicate": Kind(
        W,
        "Trùng tên trong danh sách",
        "Danh sách có hai người tên “{value}”; hãy điền ngày sinh khác nhau để phân biệt.",
    ),
    "plan-name-undiacritised": Kind(
        W,
        "Họ tên trong danh sách không có dấu",
        "Họ tên “{value}” trong danh sách CBGVNV được gõ không dấu. Hãy gõ lại cho đúng, có dấu, trong trang Danh "
        "sách CBGVNV của kehoach.xlsx: họ tên này được in lên các báo cáo, danh sách đề nghị.",
    ),
    "plan-person-no-team": Kind(
        W,
        "Chưa ghi tổ",
        "“{value}” chưa có tổ trong danh sách CBGVNV. Hãy ghi tổ (ví dụ Tổ 1, Tổ văn phòng) trong kehoach.xlsx: "
        "tổ dùng để phân biệt người trùng tên và để gửi lỗi cho tổ trưởng.",
    ),
    "plan-base-roster": Kind(
        W,
        "Cơ sở chỉ tiêu khác danh sách",
        "Chỉ tiêu “{target}” lấy cơ sở {base} {unit}, nhưng danh sách CBGVNV có {actual}. Hãy kiểm tra kế hoạch "
        "({source}).",
        topic=RULE,
    ),
    # rules of the school year: warnings for the board, the counts are unchanged
    "rule-cstdcs-initiative": Kind(
        W,
        "CSTĐCS chưa có sáng kiến",
        "Ở bước {stage}, “{name}” là Chiến sĩ thi đua cơ sở nhưng {missing}; danh hiệu này cần đạt Lao động tiên "
        "tiến và {needed} ({source}). Hãy bổ sung hoặc xem lại danh hiệu.",
        topic=RULE,
    ),
    "rule-cstdcs-share": Kind(
        W,
        "Quá tỷ lệ CSTĐCS",
        "Theo {stage}: {cstdcs} Chiến sĩ thi đua cơ sở trên {ldtt} Lao động tiên tiến, vượt mức tối đa {share} "
        "(được {allowed} người) theo {source}. Hãy xem lại số đăng ký hoặc đề nghị.",
        topic=RULE,
    ),
    "rule-collective-share": Kind(
        W,
        "Tập thể chưa đủ tỷ lệ LĐTT",
        "“{title}” cần {above} {share} cá nhân đạt Lao động tiên tiến ({source}); theo {stage} hiện có "
        "{ldtt}/{members} người.",
        topic=RULE,
    ),
    "rule-collective-incomplete": Kind(
        W,
        "Tập thể có người chưa hoàn thành nhiệm vụ",
        "“{title}” cần mọi cá nhân hoàn thành nhiệm vụ ({source}); theo bình xét có {count} người xếp loại "
        "“Không hoàn thành nhiệm vụ”: {names}.",
        topic=RULE,
    ),
    "rule-collective-cstdcs": Kind(
        W,
        "Tập thể chưa có CSTĐCS",
        "“{title}” cần ít nhất {needed} cá nhân đạt Chiến sĩ thi đua cơ sở ({source}); theo {stage} hiện có {cstdcs}.",
        topic=RULE,
    ),
    "rule-override-unknown": Kind(
        W,
        "Cài đặt quy định không dùng được",
        "Mục {value} trong thidua.toml không thuộc bộ quy định đang áp dụng ({pack}) nên không được dùng. Nếu đó "
        "là cài đặt của năm học trước, hãy xóa mục này.",
        topic=RULE,
    ),
    "rule-not-checked": Kind(
        N,
        "Quy định chưa kiểm tra được",
        "Quy định “{rule}” ({source}) chưa được kiểm tra vì các mẫu chưa có số liệu cho việc này: {why}. Hội đồng "
        "thi đua cần tự xem xét.",
        topic=RULE,
    ),
    "rule-collective-discipline": Kind(
        W,
        "Tập thể có người bị kỷ luật",
        "“{title}” không được có cá nhân bị kỷ luật từ cảnh cáo trở lên ({source}); hiện có: {names}.",
        topic=RULE,
    ),
    "rule-ldtt-discipline": Kind(
        W,
        "Bị kỷ luật, không đủ điều kiện LĐTT",
        "“{name}” bị kỷ luật “{discipline}” nên không đủ điều kiện Lao động tiên tiến ({source}). "
        "Hãy xem lại kết quả bình xét.",
        topic=RULE,
    ),
    "rule-cstdcs-ballot": Kind(
        W,
        "Tỷ lệ phiếu bầu chưa đủ cho CSTĐCS",
        "“{name}” được {ballot} phiếu đồng ý ({share}), dưới mức {minimum} số phiếu cần có để đề nghị Chiến sĩ thi "
        "đua cơ sở ({source}).",
        topic=RULE,
    ),
    "rule-discipline": Kind(
        W,
        "Bị kỷ luật, cần xem xét khi đề nghị",
        "“{name}” bị kỷ luật “{discipline}” mà vẫn được đề nghị {proposal}: không khen thưởng khi đang thi hành kỷ "
        "luật, và sau kỷ luật chỉ tính thành tích từ khi chấp hành xong ({source}). Hội đồng thi đua cần xem lại "
        "đề nghị này.",
        topic=RULE,
    ),
    "rule-ldtt-rating": Kind(
        W,
        "Xếp loại chưa đủ cho LĐTT",
        "“{name}” xếp loại “{rating}”, thấp hơn mức “{minimum}” cần có để đạt Lao động tiên tiến ({source}).",
        topic=RULE,
    ),
    "rule-ldtt-recruited": Kind(
        W,
        "Chưa đủ thời gian công tác cho LĐTT",
        "“{name}” tuyển dụng ngày {recruited}, đến {when} chưa đủ {months} tháng công tác nên chưa được xét Lao "
        "động tiên tiến ({source}; bước {stage}).",
        topic=RULE,
    ),
    "rule-late-registration": Kind(
        W,
        "Đăng ký sau hạn",
        "Đăng ký ngày {value}{how}, sau hạn nộp {deadline} ({source}). Ban thi đua quyết định có nhận hay không.",
        topic=RULE,
        optional={"how": ""},
    ),
    "rule-pack-missing": Kind(
        W,
        "Chưa có bộ quy định cho năm học",
        "thidua chưa có bộ quy định thi đua cho năm học {value} (ngày bình xét {vote}); các quy định không được "
        "kiểm tra. Có thể thêm bộ quy định vào thư mục quy-dinh/ của thư mục làm việc.",
        topic=RULE,
    ),
    # the receiving office's roll-up (SPEC 15): what each unit sent, and what no one checks by hand across units
    "office-units-invalid": Kind(E, "Danh sách đơn vị chưa đúng", "Danh sách đơn vị donvi.xlsx: {detail}."),
    "office-previous-unusable": Kind(
        W,
        "Không đọc được thư mục năm trước",
        "Không đặt được số liệu cùng kỳ năm trước: thư mục năm trước {folder} (ghi ở mục [office] previous của "
        "thidua.toml khi tạo bằng office init --from) {reason}. Hãy sửa đường dẫn đó cho đúng, hoặc xóa dòng previous "
        "nếu không cần so sánh với năm trước.",
    ),
    "office-dossier-incomplete": Kind(
        W,
        "Hồ sơ đề nghị chưa đủ",
        "Hồ sơ đề nghị khen thưởng của {name} trong thư mục {folder} chưa có: {missing}.{unread} Hãy nhắc đơn vị "
        "gửi bổ sung trước khi trình Hội đồng (hồ sơ đã nhận nhưng nằm ở thư mục khác trong nhan/ thì chép vào "
        "{folder}).",
    ),
    "office-unit-missing": Kind(
        W,
        "Đơn vị chưa gửi báo cáo",
        "Chưa nhận được báo cáo tháng {month} của {name} (thư mục {folder} không có báo cáo tháng này). Hãy "
        "nhắc đơn vị gửi.",
    ),
    "office-unit-late": Kind(
        W,
        "Đơn vị gửi muộn",
        "Báo cáo tháng {month} nhận ngày {received}, sau hạn {deadline}.",
    ),
    "office-not-report": Kind(
        W,
        "Không phải báo cáo của thidua",
        "Tệp không có trang _thidua của báo cáo do thidua lập, cũng không có dòng tiêu đề của một danh sách đề "
        "nghị (Họ và tên, Danh hiệu / Hình thức đề nghị) nên chưa được đọc. Hãy nhờ đơn vị gửi tệp báo cáo "
        "bao-cao-thi-dua-THÁNG.xlsx do thidua ghi, hoặc danh sách đề nghị có dòng tiêu đề đó.",
    ),
    "office-report-damaged": Kind(
        E,
        "Trang _thidua không đọc được",
        "Trang _thidua của báo cáo không đúng cấu trúc ({detail}) nên số liệu của tệp chưa được tính. Hãy nhờ "
        "đơn vị chạy lại thidua run và gửi lại tệp báo cáo, không sửa tay trang này.",
    ),
    "office-wrong-year": Kind(
        E,
        "Báo cáo của năm học khác",
        "Báo cáo ghi năm học {found}, không phải năm học {expected} của cơ quan nên không được tính.",
    ),
    "office-wrong-month": Kind(
        W,
        "Báo cáo của tháng khác",
        "Tệp là báo cáo tháng {found}; đơn vị chưa gửi báo cáo tháng {month}.",
    ),
    "office-unknown-unit": Kind(
        W,
        "Không rõ đơn vị gửi",
        "Không biết tệp này của đơn vị nào: thư mục chứa tệp không trùng mã đơn vị nào trong donvi.xlsx và tên "
        "trường “{school}” không trùng tên đơn vị nào. Hãy chép tệp vào nhan/<mã đơn vị>/ hoặc thêm đơn vị vào "
        "donvi.xlsx.",
    ),
    "office-school-mismatch": Kind(
        W,
        "Tên trường khác tên đơn vị",
        "Báo cáo trong thư mục của đơn vị {unit} ghi tên trường “{school}”, khác tên “{name}” trong donvi.xlsx. Hãy "
        "xem tệp có bị chép nhầm thư mục không, hoặc sửa tên đơn vị trong donvi.xlsx.",
    ),
    "office-replaced": Kind(
        N,
        "Báo cáo đã được gửi lại",
        "Đơn vị đã gửi nhiều báo cáo tháng {month}; số liệu lấy từ tệp nhận sau cùng ({newer}).",
    ),
    "office-person-twice": Kind(
        W,
        "Một người được hai đơn vị đề nghị",
        "{value} (sinh ngày {birth}) được đề nghị ở cả {units}. Hãy hỏi các đơn vị người này thuộc đơn vị nào "
        "trong năm học và chỉ giữ một đề nghị.",
    ),
    "office-initiative-twice": Kind(
        W,
        "Một sáng kiến được tính ở hai đơn vị",
        "Sáng kiến “{title}” của {value} cũng được tính cho {others}. Hãy hỏi các đơn vị sáng kiến này của ai "
        "(đồng tác giả cùng đơn vị thì không sao).",
    ),
    "office-list-only": Kind(
        N,
        "Đơn vị chỉ gửi danh sách đề nghị",
        "Đơn vị không dùng thidua: danh sách đề nghị được đọc theo dòng tiêu đề ({count} đề nghị). Đơn vị không có "
        "số liệu báo cáo tháng trong bảng tổng hợp (chỉ gửi danh sách); các đề nghị được tổng hợp và kiểm tra như "
        "của mọi đơn vị.",
    ),
    "office-list-proposal": Kind(
        E,
        "Không đọc được danh hiệu / hình thức đề nghị",
        "“{part}” không phải danh hiệu thi đua (Lao động tiên tiến, Chiến sĩ thi đua cơ sở…) hay hình thức khen "
        "thưởng (Giấy khen của…, Bằng khen của…) nên dòng này chưa được tổng hợp. Hãy nhờ đơn vị ghi rõ.",
    ),
    "office-list-no-proposal": Kind(
        E,
        "Dòng không ghi đề nghị gì",
        "{name}: dòng không ghi danh hiệu hay hình thức khen thưởng đề nghị (cũng không nằm dưới một đề mục danh "
        "hiệu) nên chưa được tổng hợp. Hãy nhờ đơn vị ghi rõ.",
    ),
    "office-list-date": Kind(
        W,
        "Ngày sinh không đọc được",
        "Ngày sinh của {name} ghi “{value}”, không phải một ngày; không có ngày sinh thì không phân biệt được người "
        "trùng tên giữa các đơn vị. Hãy nhờ đơn vị ghi dạng ngày/tháng/năm, ví dụ 12/03/1985.",
    ),
    "office-list-value": Kind(
        W,
        "Ô không đọc được",
        "Cột {field}: “{value}” không phải giá trị thidua nhận ra nên được để trống khi tổng hợp. Hãy xem lại.",
    ),
    "office-list-giver": Kind(
        W,
        "Hình thức khen thưởng không ghi cấp khen",
        "“{value}” được đọc là “{proposal}” nhưng không ghi ai khen (Giấy khen của Chủ tịch UBND xã, của Hiệu "
        "trưởng…) nên chưa biết trình cấp nào; văn bản trình để trống chỗ này. Hãy nhờ đơn vị ghi rõ.",
    ),
    "office-list-collective": Kind(
        N,
        "Dòng tập thể trong danh sách không được tổng hợp",
        "“{value}” thuộc phần tập thể của danh sách: từ danh sách lập ngoài thidua chỉ các đề nghị cá nhân được "
        "tổng hợp. Hãy xem đề nghị của tập thể này trong hồ sơ của đơn vị.",
    ),
    "office-list-skipped": Kind(
        W,
        "Dòng có tên nhưng không được đọc",
        "“{value}”: dòng có tên nhưng không có số thứ tự, ngày sinh, xếp loại hay đề nghị nào, cũng không phải một "
        "đề mục danh hiệu, nên không được tổng hợp. Nếu đây là một người được đề nghị, hãy nhờ đơn vị ghi rõ đề "
        "nghị của người này.",
    ),
    "office-list-empty": Kind(
        W,
        "Danh sách không có đề nghị nào đọc được",
        "Tệp có dòng tiêu đề của danh sách đề nghị nhưng không đọc được đề nghị nào, nên đơn vị chưa được tính là "
        "đã gửi danh sách. Hãy xem các ô được báo của tệp này, hoặc nhờ đơn vị gửi lại danh sách (mỗi người một "
        "dòng: họ và tên, ngày sinh, danh hiệu / hình thức đề nghị).",
    ),
    "office-list-not-taken": Kind(
        N,
        "Danh sách đề nghị chưa được đọc tháng này",
        "Danh sách đề nghị khen thưởng chỉ được đọc trong tháng xét khen cuối năm học: tháng có báo cáo đề nghị "
        "khen thưởng, hoặc tháng của hạn nộp hồ sơ và tháng trước đó ({deadline}). Tháng {month} không phải tháng "
        "đó nên danh sách này chưa được tổng hợp.",
    ),
    "office-list-extra": Kind(
        W,
        "Danh sách khác báo cáo của đơn vị",
        "{value}: danh sách đề nghị của đơn vị ghi “{proposal}” nhưng báo cáo (trang _thidua) cùng tháng của "
        "đơn vị ({report}) không có đề nghị này. Hãy hỏi đơn vị bản nào đúng; bảng tổng hợp theo báo cáo.",
    ),
    "office-list-missing": Kind(
        W,
        "Danh sách thiếu đề nghị có trong báo cáo",
        "{value}: báo cáo cùng tháng của đơn vị ({report}) đề nghị “{proposal}” nhưng danh sách đề nghị đơn vị gửi "
        "không có. Hãy hỏi đơn vị bản nào đúng; bảng tổng hợp theo báo cáo.",
    ),
    "office-not-eligible": Kind(
        W,
        "Đề nghị chưa đủ điều kiện",
        "{value}: đơn vị đề nghị “{proposal}” nhưng chính đơn vị ghi chưa đủ điều kiện: {reasons}.",
    ),
    "office-rule-short": Kind(
        W,
        "Đề nghị chưa đủ điều kiện theo quy định",
        "{value}: đề nghị “{proposal}” chưa đủ điều kiện theo quy định cơ quan áp dụng: {reason} ({source}). Hãy "
        "xem lại hồ sơ của đơn vị trước khi trình.",
    ),
    "office-collective-short": Kind(
        W,
        "Danh hiệu tập thể chưa đủ điều kiện",
        "Đơn vị đăng ký danh hiệu “{title}” nhưng {reason} ({source}). Hãy xem lại trước khi trình.",
    ),
}


@dataclass(frozen=True)
class Issue:
    """One problem found in one place: stable code, severity, where, what was seen, what to do.

    `row` and `col` (0-based) place a cell problem in its sheet as data; `cell` is the same place as the
    user reads it ("D12"), or a whole row ("12:12"). `topic` says which part of the work found it: "rule" for
    the rule pack's findings, which the dashboard lists on their own sheet. `person_key` is the roster key of
    the person it concerns (None: nobody, or nobody matched) and `params` every parameter the message was made
    of, as data (dates as dates), so that no consumer re-parses the message."""

    code: str
    severity: Severity
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    value: str = ""
    person: str = ""
    team: str = ""
    row: int | None = None
    col: int | None = None
    topic: str = ""
    person_key: int | None = None
    params: Mapping[str, object] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.row is None and self.cell:  # placed by its reference: the place is kept as data too
            row, col = parse_cell(self.cell)
            object.__setattr__(self, "row", row)
            object.__setattr__(self, "col", col)


_CELL = re.compile(r"([A-Z]{1,3})([1-9]\d{0,6})\Z")


def parse_cell(cell: str) -> tuple[int | None, int | None]:
    """0-based (row, col) of a cell reference such as "D12"; (None, None) for anything else."""
    if _CELL.match(cell) is None:
        return None, None
    return xl_cell_to_rowcol(cell)


class Report:
    """Every issue of a run, in the order found."""

    def __init__(self) -> None:
        self._issues: list[Issue] = []

    def add(
        self,
        code: str,
        *,
        file: str = "",
        sheet: str = "",
        cell: str = "",
        at: tuple[int, int | None] | None = None,
        value: object = "",
        person: str = "",
        team: str = "",
        person_key: int | None = None,
        severity: Severity | None = None,
        **params: object,
    ) -> Issue:
        """Record one issue. Its place is `at` = (row, col), 0-based (col None: the whole row), or a `cell`
        reference as the user reads it."""
        kind = CATALOG[code]
        shown = "" if value is None else str(value)
        message = kind.render({"value": shown, **params})
        row: int | None = None
        col: int | None = None
        if at is not None:
            row, col = at
            cell = cell_ref(row, col) if col is not None else f"{row + 1}:{row + 1}"
        issue = Issue(
            code,
            severity or kind.severity,
            message,
            file,
            sheet,
            cell,
            shown[:200],
            person,
            team,
            row,
            col,
            kind.topic,
            person_key,
            {**kind.optional, **params},
        )
        self._issues.append(issue)
        return issue

    def replace(self, changed: Mapping[int, Issue]) -> None:
        """Issues replaced in place, by their position in the report (an error a later file corrected becomes a
        note)."""
        for position, issue in changed.items():
            self._issues[position] = issue

    def extend(self, issues: Iterable[Issue]) -> None:
        self._issues.extend(issues)

    def __iter__(self) -> Iterator[Issue]:
        return iter(self._issues)

    def __len__(self) -> int:
        return len(self._issues)

    def counts(self) -> dict[str, int]:
        tally = Counter(issue.severity for issue in self._issues)
        return {"error": tally[E], "warning": tally[W], "note": tally[N]}

    @property
    def has_errors(self) -> bool:
        return any(issue.severity is E for issue in self._issues)

    def flatten(self, *fields: str) -> list[list[str]]:
        """Issues as rows of the named fields, handy for assertions: `flatten("code", "cell")`."""
        return [[getattr(issue, f) if f != "severity" else issue.severity.value for f in fields] for issue in self]


def title_of(code: str) -> str:
    return CATALOG[code].title


def cell_ref(row: int, col: int) -> str:
    """Excel reference from 0-based row and column: (11, 3) → 'D12'."""
    return xl_rowcol_to_cell(row, col)
