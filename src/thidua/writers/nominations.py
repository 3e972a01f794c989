"""The year-end nomination list (de-nghi-khen-thuong-<YYYY-MM>.xlsx, SPEC 6): from the year-end vote, the
individuals proposed for each title and form of reward, whether the rule pack's conditions are met (and why not),
then the collectives, and what staff registered in September that is not proposed. Official layout as the
submission workbook (Nghị định 30/2020/NĐ-CP)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from thidua.core import vocabulary
from thidua.core.plan import Person
from thidua.counting.frames import as_date, rows
from thidua.counting.measure import MonthResult
from thidua.excel.workbook import new_workbook
from thidua.issues import TOPIC_RULE, title_of
from thidua.writers.common import Styles, add_sheet, upper, write_date, write_text
from thidua.writers.common import merge_text as _merge
from thidua.writers.official import HEADER_ROW, finish, new_sheet, top

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
MET = "Đủ"


@dataclass(frozen=True)
class Nominee:
    """One person proposed, as the list shows them."""

    person: Person
    title: str  # the title proposed ("" when only a reward is)
    reward: str
    rating: str
    initiatives: str
    ballot: str
    conditions: str  # "Đủ", or "Chưa đủ: …" naming the rule findings


def has_votes(result: MonthResult) -> bool:
    return not result.records.votes.empty


def nominations(result: MonthResult) -> dict[str, int]:
    """summary.json's `nominations`: how many are proposed for each title and form of reward (a CSTĐCS nominee
    counts under LĐTT as well, SPEC 3)."""
    counts: dict[str, int] = {}
    for nominee in nominees(result):
        if nominee.title == vocabulary.CSTDCS:
            counts[vocabulary.CSTDCS] = counts.get(vocabulary.CSTDCS, 0) + 1
        if nominee.title in (vocabulary.CSTDCS, vocabulary.LDTT):
            counts[vocabulary.LDTT] = counts.get(vocabulary.LDTT, 0) + 1
        if nominee.reward:
            counts[nominee.reward] = counts.get(nominee.reward, 0) + 1
    return counts


def nominees(result: MonthResult) -> list[Nominee]:
    """Everyone the vote proposes for a title or a reward, in roster order."""
    plan, votes = result.plan, result.records.votes
    proposed = votes[(votes["title"] != vocabulary.NO_TITLE_VOTE) | (votes["reward"].fillna("") != "")]
    works = _initiatives(result)
    findings = _findings(result)
    found = []
    for vote in rows(proposed.sort_values("person", kind="stable")):
        person = plan.roster[int(vote.person)]
        title = "" if vote.title == vocabulary.NO_TITLE_VOTE else str(vote.title)
        reasons = findings.get(person.label, [])
        found.append(
            Nominee(
                person,
                title,
                str(vote.reward or ""),
                str(vote.rating) if isinstance(vote.rating, str) else "",
                works.get(int(vote.person), ""),
                _ballot(vote.votes_for, vote.votes_total),
                f"Chưa đủ: {'; '.join(reasons)}" if reasons else MET,
            )
        )
    return found


def _ballot(votes_for: object, total: object) -> str:
    if pd.isna(votes_for):  # type: ignore[call-overload]
        return ""
    if pd.isna(total) or not total:  # type: ignore[call-overload]
        return f"{votes_for}"
    return f"{votes_for}/{total} ({int(votes_for) / int(total):.0%})"  # type: ignore[call-overload]


def _initiatives(result: MonthResult) -> dict[int, str]:
    """Per person: the initiatives (SKKN) and research projects recognised, with level and decision."""
    results = result.records.results
    recognised = results[
        results["activity"].isin([vocabulary.SKKN, vocabulary.RESEARCH])
        & results["result"].isin(vocabulary.RECOGNISED_RESULTS)
    ]
    found: dict[int, list[str]] = {}
    for r in rows(recognised):
        level = f", cấp {r.level}" if isinstance(r.level, str) and r.level else ""
        decision = f", QĐ {r.decision}" if r.decision else ""
        found.setdefault(int(r.person), []).append(f"{r.product or r.activity}{level}{decision}")
    return {person: "; ".join(works) for person, works in found.items()}


def _findings(result: MonthResult) -> dict[str, list[str]]:
    """The rule pack's findings about each person (by the label the issues carry), as short reasons."""
    found: dict[str, list[str]] = {}
    for issue in result.issues:
        if issue.topic == TOPIC_RULE and issue.person and issue.code != "rule-late-registration":
            reasons = found.setdefault(issue.person, [])
            if title_of(issue.code) not in reasons:
                reasons.append(title_of(issue.code))
    return found


def not_proposed(result: MonthResult) -> list[tuple[Person, str, str]]:
    """What staff registered in September and the vote does not propose: (person, registered, proposed)."""
    plan, regs, votes = result.plan, result.records.registrations, result.records.votes
    voted = {int(v.person): v for v in rows(votes)}
    found = []
    for reg in rows(regs.sort_values("person", kind="stable")):
        person = plan.roster[int(reg.person)]
        vote = voted.get(int(reg.person))
        title = "" if vote is None or vote.title == vocabulary.NO_TITLE_VOTE else str(vote.title)
        reward = "" if vote is None else str(vote.reward or "")
        registered_title = str(reg.title) if reg.title in (vocabulary.LDTT, vocabulary.CSTDCS) else ""
        registered_reward = str(reg.reward_form or "")
        missing = []
        if registered_title and registered_title != title and not (registered_title == vocabulary.LDTT and title):
            missing.append(registered_title)
        if registered_reward and registered_reward not in ("Không", reward):
            missing.append(registered_reward)
        if missing:
            shown = ", ".join(x for x in (title, reward) if x) or (
                "không đề nghị" if vote else "chưa có kết quả bình xét"
            )
            found.append((person, "; ".join(missing), shown))
    return found


def write_nominations(result: MonthResult, path: Path) -> None:
    """Write the nomination list of the month's year-end vote to `path`."""
    plan = result.plan
    with new_workbook(path) as wb:
        styles = Styles(wb, size=12)
        sheet = new_sheet(add_sheet(wb, SHEET), styles, COLUMNS)
        ws, st = sheet.ws, sheet.styles
        vote_day = _vote_day(result)
        top(
            sheet,
            result,
            f"DANH SÁCH ĐỀ NGHỊ CÔNG NHẬN DANH HIỆU THI ĐUA VÀ KHEN THƯỞNG NĂM HỌC {upper(plan.school.school_year)}",
            f"(Theo kết quả bình xét của Hội đồng thi đua, khen thưởng ngày {vote_day:%d/%m/%Y})",
            day=vote_day,
        )
        wrapped = st(border=1, text_wrap=True, valign="top")
        centre = st(border=1, text_wrap=True, valign="top", align="center")
        row = HEADER_ROW + 1
        people = nominees(result)
        groups: list[tuple[str, Sequence[Nominee]]] = [
            (f"Danh hiệu “{vocabulary.CSTDCS}”", [n for n in people if n.title == vocabulary.CSTDCS]),
            (f"Danh hiệu “{vocabulary.LDTT}”", [n for n in people if n.title in (vocabulary.LDTT, vocabulary.CSTDCS)]),
        ]
        for reward in dict.fromkeys(n.reward for n in people if n.reward):
            groups.append((reward, [n for n in people if n.reward == reward]))
        _merge(ws, row, 0, sheet.last_col, "I. CÁ NHÂN", st(bold=True))
        row += 1
        for number, (heading, members) in enumerate(groups, start=1):
            _merge(ws, row, 0, sheet.last_col, f"{number}. {heading}: {len(members)} người", st(bold=True, italic=True))
            row += 1
            for i, n in enumerate(members, start=1):
                p = n.person
                ws.write_number(row, 0, i, st.number)
                cells = (p.name, None, p.gender, p.position, p.team, n.title, n.reward, n.rating, n.initiatives)
                for col, value in enumerate(cells, start=1):
                    if col == 2:
                        write_date(ws, row, col, p.birth_date, st.date)
                    else:
                        write_text(ws, row, col, value or "", wrapped if col in (1, 9) else centre)
                write_text(ws, row, 10, n.ballot, centre)
                write_text(ws, row, 11, n.conditions, wrapped)
                row += 1
            if not members:
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
        missing = not_proposed(result)
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


def _vote_day(result: MonthResult) -> dt.date:
    """The day of the year-end vote: the latest date the vote rows carry, else the last round's end."""
    dates = [as_date(d) for d in result.records.votes["date"]]
    known = [d for d in dates if d is not None]
    return max(known) if known else result.plan.year_end
