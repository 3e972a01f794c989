"""The year-end dossier (SPEC 14) in `output/<YYYY-MM>/ho-so-de-nghi/`, laid out only: a tờ trình per deciding
authority, the list of those proposed (referring to the tờ trình), the biên bản of the board's vote with each
nominee's ballot, and a báo cáo thành tích for each Chiến sĩ thi đua cơ sở nominee. What they say is decided in
`counting.dossier` and `counting.judgements`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from docx.enum.section import WD_ORIENT
from docx.shared import Mm

from thidua.core import vocabulary
from thidua.core.text import ascii_slug
from thidua.counting.dossier import Achiever, Submission, achievers, ballot_share, ballots, submissions
from thidua.counting.frames import as_date
from thidua.counting.judgements import conditions
from thidua.counting.measure import MonthResult
from thidua.writers.word import (
    BLANK,
    addressed,
    body,
    date_line,
    grid,
    letterhead,
    line,
    national_heading,
    signature,
    submit_close,
    title,
    two_signatures,
    unbroken,
    word_document,
)

PROPOSAL = "to-trinh-de-nghi-khen-thuong"
LIST = "danh-sach-de-nghi-khen-thuong.docx"
MINUTES = "bien-ban-binh-xet.docx"
REPORT = "bao-cao-thanh-tich"
PROPOSAL_KIND = "TTr"
BOARD_SEATS = 7
SIGNED = "(Ký, ghi rõ họ tên)"  # lines left for the board's members in the biên bản


def write_dossier(result: MonthResult, folder: Path) -> list[Path]:
    """Write every document of the dossier into `folder` (created); returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    found = submissions(result)
    for i, submission in enumerate(found):
        name = f"{PROPOSAL}.docx" if i == 0 else f"{PROPOSAL}-{ascii_slug(submission.authority)}.docx"
        written.append(_proposal(result, submission, folder / name))
    written.append(_list(result, found, folder / LIST))
    written.append(_minutes(result, folder / MINUTES))
    for achiever in achievers(result):
        path = folder / f"{REPORT}-{ascii_slug(achiever.name)}-{achiever.person + 1}.docx"
        written.append(_achievements(result, achiever, path))
    return written


def _year(result: MonthResult) -> str:
    return unbroken(result.plan.school.school_year)


def _about(submission: Submission) -> str:
    kinds = {r.kind for r in submission.requests}
    parts = []
    if kinds & {"title", "collective"}:
        parts.append("công nhận danh hiệu thi đua")
    if "reward" in kinds:
        parts.append("khen thưởng")
    return "Về việc đề nghị " + " và ".join(parts or ["khen thưởng"])


def _request_line(number: int, request: object) -> str:
    proposal, kind, count = request.proposal, request.kind, request.count  # type: ignore[attr-defined]
    what = f"Danh hiệu “{proposal}”" if kind in ("title", "collective") else proposal
    unit = "tập thể" if kind == "collective" else "cá nhân"
    return f"{number}. {what}: {count} {unit};"


def _proposal(result: MonthResult, submission: Submission, path: Path) -> Path:
    school = result.plan.school
    authority = submission.authority or BLANK
    with word_document(path) as doc:
        letterhead(doc, school, PROPOSAL_KIND, date_line(school.place, None, result.vote_day.year))
        title(doc, "TỜ TRÌNH", f"{_about(submission)} năm học {_year(result)}")
        addressed(doc, [school.recipient])
        for ground in result.legal.get("grounds", ()) or ():
            body(doc, f"Căn cứ {ground};")
        body(doc, f"Căn cứ Kế hoạch thi đua năm học {_year(result)} của {school.name or BLANK};")
        body(
            doc,
            f"Căn cứ kết quả bình xét của Hội đồng Thi đua – Khen thưởng {school.name or BLANK} ngày "
            f"{result.vote_day:%d/%m/%Y} (có biên bản kèm theo),",
        )
        body(doc, f"{school.name or BLANK} kính đề nghị {authority} xem xét, quyết định cho các cá nhân, tập thể sau:")
        for number, request in enumerate(submission.requests, start=1):
            body(doc, _request_line(number, request))
        if submission.collectives:
            units = ", ".join(c.unit for c in submission.collectives)
            body(doc, f"Tập thể được đề nghị: {units}.")
        body(doc, "(Có danh sách kèm theo)", italic=True)
        not_met = sum(r.not_met for r in submission.requests)
        if not_met:
            body(
                doc,
                f"Lưu ý trước khi ký: {not_met} đề nghị chưa đủ điều kiện theo quy định (ghi rõ ở cột “Đủ điều kiện” "
                "của danh sách); Hội đồng cần xem xét lại trước khi trình.",
                italic=True,
            )
        submit_close(doc, school, authority)
    return path


LIST_COLUMNS = (  # 262 mm: a landscape A4 page's text
    ("STT", 13),
    ("Họ và tên", 44),
    ("Ngày sinh", 23),
    ("Chức vụ, tổ", 40),
    ("Xếp loại", 32),
    ("Sáng kiến, đề tài (tên, cấp, số quyết định)", 60),
    ("Phiếu đồng ý", 20),
    ("Đủ điều kiện theo quy định", 30),
)
LANDSCAPE_TEXT = Mm(262)


def _list(result: MonthResult, found: list[Submission], path: Path) -> Path:
    """The list of those proposed, grouped by deciding authority and title, landscape A4, referring to the tờ
    trình it goes with."""
    school = result.plan.school
    with word_document(path) as doc:
        section = doc.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.left_margin, section.right_margin = Mm(20), Mm(15)
        letterhead(doc, school, "DS", date_line(school.place, None, result.vote_day.year))
        title(
            doc,
            "DANH SÁCH ĐỀ NGHỊ CÔNG NHẬN DANH HIỆU THI ĐUA VÀ KHEN THƯỞNG",
            f"Năm học {_year(result)}",
            LANDSCAPE_TEXT,
        )
        line(
            doc,
            f"(Kèm theo Tờ trình số        /{PROPOSAL_KIND}-{school.symbol or BLANK} ngày      tháng      năm "
            f"{result.vote_day.year} của {school.name or BLANK})",
            align="center",
            italic=True,
            after=8,
        )
        for part, submission in enumerate(found, start=1):
            line(doc, f"{_roman(part)}. ĐỀ NGHỊ {submission.authority.upper() or BLANK}", bold=True, before=6)
            for number, request in enumerate(submission.requests, start=1):
                line(doc, _request_line(number, request).rstrip(";"), bold=True, italic=True, before=4, after=2)
                rows: list[tuple[str, ...]]
                if request.kind == "collective":
                    units = [c for c in submission.collectives if c.title == request.proposal]
                    rows = [(str(i), c.unit, "", "", "", "", "", "") for i, c in enumerate(units, start=1)]
                else:
                    members = submission.nominees[
                        (submission.nominees["proposal"] == request.proposal)
                        & (submission.nominees["kind"] == request.kind)
                    ]
                    rows = [_list_row(i, n) for i, n in enumerate(members.itertuples(index=False), start=1)]
                grid(doc, LIST_COLUMNS, rows, size=11, centred=frozenset({0, 2, 6}))
        signature(doc, school, ("Như trên", "Lưu: VT"))
    return path


def _list_row(i: int, n: object) -> tuple[str, ...]:
    born = as_date(n.birth_date)  # type: ignore[attr-defined]
    position = ", ".join(v for v in (str(n.position or ""), str(n.team or "")) if v)  # type: ignore[attr-defined]
    return (
        str(i),
        str(n.name),  # type: ignore[attr-defined]
        f"{born:%d/%m/%Y}" if born else "",
        position,
        str(n.rating or ""),  # type: ignore[attr-defined]
        str(n.works or ""),  # type: ignore[attr-defined]
        _ballot(n.votes_for, n.votes_total, n.vote_share),  # type: ignore[attr-defined]
        conditions(bool(n.eligible), str(n.reasons)),  # type: ignore[attr-defined]
    )


def _ballot(votes_for: object, total: object, share: object) -> str:
    if pd.isna(votes_for):  # type: ignore[call-overload]
        return ""
    if pd.isna(share) or pd.isna(total):  # type: ignore[call-overload]
        return f"{votes_for}"
    return f"{votes_for}/{total} ({float(share):.0%})"  # type: ignore[arg-type]


def _roman(number: int) -> str:
    return ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")[number - 1] if number <= 10 else str(number)


MINUTES_COLUMNS = (  # 165 mm: a portrait A4 page's text
    ("STT", 13),
    ("Họ và tên", 44),
    ("Đề nghị", 50),
    ("Phiếu đồng ý / phiếu bầu", 28),
    ("Tỷ lệ", 15),
    ("Ghi chú", 15),
)


def _minutes(result: MonthResult, path: Path) -> Path:
    """The biên bản of the board's vote on the vote day: who sat (to complete), each nominee's ballot (blanks when
    the vote sheet has none) with a CSTĐCS under the pack's share flagged, and the signatures."""
    school = result.plan.school
    found = ballots(result)
    share = ballot_share(result)
    with word_document(path) as doc:
        letterhead(doc, school, "BB", date_line(school.place, result.vote_day, result.vote_day.year))
        title(
            doc,
            "BIÊN BẢN",
            f"Họp Hội đồng Thi đua – Khen thưởng bình xét danh hiệu thi đua và khen thưởng năm học {_year(result)}",
        )
        body(
            doc,
            f"Vào lúc      giờ      ngày {result.vote_day:%d/%m/%Y}, tại {school.name or BLANK}, Hội đồng Thi đua – "
            "Khen thưởng của trường họp bình xét danh hiệu thi đua và hình thức khen thưởng năm học "
            f"{_year(result)}.",
        )
        line(doc, "I. THÀNH PHẦN", bold=True, before=6, after=4)
        body(doc, f"Chủ trì: {school.signatory_name or BLANK}, {school.signatory_title.lower() or BLANK};")
        body(doc, f"Thư ký: {school.preparer_name or BLANK};")
        body(doc, "Thành viên Hội đồng có mặt:      /      người, gồm:")
        for seat in range(1, BOARD_SEATS + 1):
            line(doc, f"{seat}. ………………………………………, chức vụ: ……………………", indent=True, after=2)
        line(doc, "II. NỘI DUNG", bold=True, before=6, after=4)
        body(
            doc,
            "Hội đồng đã nghe báo cáo kết quả thực hiện phong trào thi đua, xem xét bản đăng ký và kết quả của từng "
            "cá nhân, tập thể, rồi bỏ phiếu kín. Kết quả bỏ phiếu:",
        )
        rows: list[tuple[str, ...]] = []
        b: Any
        for i, b in enumerate(found.itertuples(index=False), start=1):
            known = not pd.isna(b.votes_for) and not pd.isna(b.votes_total)
            ballot = f"{int(b.votes_for)}/{int(b.votes_total)}" if known else "……/……"
            ratio = f"{float(b.share):.0%}" if known and not pd.isna(b.share) else "……%"
            note = f"Dưới {share:.0%}" if b.under and share is not None else ""
            rows.append((str(i), str(b.name), str(b.proposals), ballot, ratio, note))
        if not rows:
            rows.append(("", "Không có đề nghị nào.", "", "", "", ""))
        grid(doc, MINUTES_COLUMNS, rows, size=12, centred=frozenset({0, 3, 4}))
        if share is not None:
            under = int(found["under"].sum()) if len(found) else 0
            body(
                doc,
                f"Danh hiệu Chiến sĩ thi đua cơ sở cần đạt từ {share:.0%} số phiếu đồng ý trở lên"
                + (f"; {under} trường hợp chưa đạt tỷ lệ này (ghi ở cột Ghi chú)." if under else "."),
                italic=True,
            )
        line(doc, "III. KẾT LUẬN", bold=True, before=6, after=4)
        body(
            doc,
            "Hội đồng thống nhất đề nghị công nhận danh hiệu thi đua và khen thưởng cho các cá nhân, tập thể có tên "
            "trong danh sách kèm theo tờ trình của trường.",
        )
        body(doc, "Cuộc họp kết thúc lúc      giờ      cùng ngày./.")
        two_signatures(
            doc,
            ("THƯ KÝ", SIGNED, school.preparer_name),
            ("CHỦ TỊCH HỘI ĐỒNG", SIGNED, school.signatory_name),
        )
    return path


def _achievements(result: MonthResult, achiever: Achiever, path: Path) -> Path:
    """The báo cáo thành tích of a CSTĐCS nominee: what thidua knows filled in, headed spaces for the rest."""
    a = achiever
    school = result.plan.school
    born = as_date(a.birth_date)
    with word_document(path) as doc:
        national_heading(doc, date_line(school.place, None, result.vote_day.year))
        title(
            doc,
            "BÁO CÁO THÀNH TÍCH",
            f"Đề nghị công nhận danh hiệu “{vocabulary.CSTDCS}” năm học {_year(result)}",
        )
        line(doc, "I. SƠ LƯỢC LÝ LỊCH", bold=True, before=6, after=4)
        facts = (
            ("Họ và tên", a.name),
            ("Ngày, tháng, năm sinh", f"{born:%d/%m/%Y}" if born else BLANK),
            ("Giới tính", a.gender or BLANK),
            ("Quê quán", BLANK),
            ("Trình độ chuyên môn, nghiệp vụ", BLANK),
            ("Chức vụ", a.position or BLANK),
            ("Đơn vị công tác", ", ".join(v for v in (a.team, school.name) if v) or BLANK),
            ("Xếp loại năm học", a.rating or BLANK),
        )
        for label, value in facts:
            body(doc, f"- {label}: {value}")
        line(doc, "II. THÀNH TÍCH ĐẠT ĐƯỢC", bold=True, before=6, after=4)
        line(doc, "1. Quyền hạn, nhiệm vụ được giao", bold=True, italic=True, after=2)
        body(doc, f"{BLANK} (người báo cáo viết: nhiệm vụ được phân công trong năm học)")
        line(doc, "2. Thành tích đạt được", bold=True, italic=True, after=2)
        body(doc, f"{BLANK} (người báo cáo viết: kết quả giảng dạy, giáo dục và các hoạt động)")
        line(doc, "3. Sáng kiến, đề tài nghiên cứu được công nhận", bold=True, italic=True, after=2)
        works = a.works
        rows = []
        for i, w in enumerate(works.itertuples(index=False), start=1):
            decided = as_date(w.date)
            rows.append(
                (
                    str(i),
                    str(w.product or w.activity),
                    str(w.level or ""),
                    str(w.result or ""),
                    " ".join(v for v in (str(w.decision or ""), f"ngày {decided:%d/%m/%Y}" if decided else "") if v),
                )
            )
        if not rows:
            rows.append(("", BLANK, "", "", ""))
        grid(
            doc,
            (("STT", 15), ("Tên sáng kiến, đề tài", 58), ("Cấp", 20), ("Kết quả", 30), ("Quyết định công nhận", 42)),
            rows,
            size=12,
            centred=frozenset({0, 2}),
        )
        line(doc, "III. CÁC DANH HIỆU THI ĐUA, HÌNH THỨC KHEN THƯỞNG ĐÃ ĐƯỢC CÔNG NHẬN", bold=True, before=8, after=4)
        first = result.plan.school_year.first
        earlier = [unbroken(f"{y}–{y + 1}") for y in (first - 2, first - 1)]  # the two years before
        grid(
            doc,
            (("Năm học", 30), ("Danh hiệu thi đua, hình thức khen thưởng", 85), ("Số, ngày quyết định", 50)),
            [(year, BLANK, BLANK) for year in earlier],
            size=12,
            centred=frozenset({0}),
        )
        two_signatures(
            doc,
            ("THỦ TRƯỞNG ĐƠN VỊ", "(Xác nhận, ký tên, đóng dấu)", school.signatory_name),
            ("NGƯỜI BÁO CÁO", SIGNED, a.name),
        )
    return path


# --- timely proposals (SPEC 14) --------------------------------------------------------------------------------
TIMELY_PROPOSAL = "to-trinh-de-nghi-khen-thuong-dot-xuat.docx"
TIMELY_LIST = "danh-sach-de-nghi-khen-thuong-dot-xuat.docx"
TIMELY_COLUMNS_PRINTED = (
    ("STT", 13),
    ("Họ và tên", 40),
    ("Tổ", 22),
    ("Thành tích (hoạt động, sản phẩm)", 50),
    ("Cấp, kết quả", 24),
    ("Quyết định, ngày", 32),
)


def write_timely(
    result: MonthResult, chosen: pd.DataFrame, form: str, authority: str, folder: Path, tag: str
) -> list[Path]:
    """The ad-hoc tờ trình for the results the board chose (`chosen`: rows of `counting.dossier.timely_rewards`)
    and its list, proposing `form` to `authority`; `tag` ends their names (one pair per proposal)."""
    folder.mkdir(parents=True, exist_ok=True)
    school = result.plan.school
    rows: list[tuple[str, ...]] = []
    row: Any
    for i, row in enumerate(chosen.itertuples(index=False), start=1):
        decided = as_date(row.date)
        when = f"ngày {decided:%d/%m/%Y}" if decided else ""
        rows.append(
            (
                str(i),
                str(row.name),
                str(row.team),
                ": ".join(v for v in (str(row.activity), str(row.product or "")) if v),
                ", ".join(v for v in (f"cấp {row.level}" if row.level else "", str(row.result)) if v),
                " ".join(v for v in (str(row.decision or ""), when) if v) or BLANK,
            )
        )
    people = chosen["person"].nunique()
    proposal = folder / TIMELY_PROPOSAL.replace(".docx", f"-{tag}.docx")
    with word_document(proposal) as doc:
        letterhead(doc, school, PROPOSAL_KIND, date_line(school.place, None, result.month_end.year))
        title(doc, "TỜ TRÌNH", f"Về việc đề nghị khen thưởng đột xuất năm học {_year(result)}")
        addressed(doc, [school.recipient])
        for ground in result.legal.get("grounds", ()) or ():
            body(doc, f"Căn cứ {ground};")
        body(doc, f"Căn cứ Kế hoạch thi đua năm học {_year(result)} của {school.name or BLANK};")
        body(doc, f"Căn cứ thành tích đột xuất, xuất sắc của cá nhân trong tháng {result.month_end:%m/%Y},")
        body(
            doc,
            f"{school.name or BLANK} kính đề nghị {authority or BLANK} xem xét, tặng {form or BLANK} cho {people} cá "
            "nhân đã có thành tích đột xuất, xuất sắc sau:",
        )
        for entry in rows:
            body(doc, f"{entry[0]}. {entry[1]} ({entry[2]}): {entry[3]}, {entry[4]}.")
        body(doc, "(Có danh sách kèm theo)", italic=True)
        submit_close(doc, school, authority)
    listed = folder / TIMELY_LIST.replace(".docx", f"-{tag}.docx")
    with word_document(listed) as doc:
        letterhead(doc, school, "DS", date_line(school.place, None, result.month_end.year))
        title(doc, "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG ĐỘT XUẤT", f"Hình thức: {form or BLANK}")
        line(
            doc,
            f"(Kèm theo Tờ trình số        /{PROPOSAL_KIND}-{school.symbol or BLANK} ngày      tháng      năm "
            f"{result.month_end.year} của {school.name or BLANK})",
            align="center",
            italic=True,
            after=8,
        )
        grid(doc, TIMELY_COLUMNS_PRINTED, rows, size=11, centred=frozenset({0}))
        signature(doc, school, ("Như trên", "Lưu: VT"))
    return [proposal, listed]
