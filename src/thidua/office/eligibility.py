"""Every proposal a unit sends, checked again by the office against the rule pack of its own school year with its
own [rules] settings (SPEC 15): the rating and discipline for a title, the qualifying work and the ballot's share
for Chiến sĩ thi đua cơ sở, any discipline for any proposal, and each collective title against the unit's own
share of Lao động tiên tiến. The judgements are counting.judgements' (the ones a school's run makes); only what
they are applied to differs: the proposals as the units' lists give them. A unit's own verdict (`eligible`,
`reasons`) is kept apart (office.checks); a list made without thidua has none, and is judged here all the same.

A CSTĐCS's qualifying work is judged from data, never from the text a list prints: a thidua report carries each
nominee's initiatives and research projects (`works_data`, forms.report_data) and `work_qualifies` judges them;
a report written before that key lists in `works` only the works its school's own judgement qualified. A list
made without thidua has only its text: a work counts when the text names an initiative or a research project
and a known level, else the row waits for the dossier ("thiếu sáng kiến hoặc đề tài").

Each finding is an issue on the proposal's row of what the unit sent and a line of the consolidated list's
conditions column ("Cần xem xét: …")."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from thidua.core import vocabulary
from thidua.core.text import fold, key
from thidua.counting.judgements import (
    SERVED,
    ballot_short,
    collective_short,
    disciplined,
    rating_short,
    titles_counted_as,
    work_qualifies,
)
from thidua.counting.rules import RulePack
from thidua.forms.report_data import decode_works
from thidua.office.intake import DATA_SHEET, Received
from thidua.office.issues import OfficeIssues
from thidua.office.units import Unit

Params = Mapping[str, Any]
COLLECTIVE_RULES = ("collective_ldtt", "collective_ldxs")  # the packs' rules for a collective title
# A list made without thidua names its works in words: an initiative ("sáng kiến", "SKKN") or a research project
# ("đề tài", "nghiên cứu"), each with its level ("cấp huyện"); matched on folded text, whole words.
_INITIATIVE = re.compile(r"\b(?:sang kien|skkn)\b")
_RESEARCH = re.compile(r"\b(?:de tai|nghien cuu|nckh)\b")
_LEVEL_AT = re.compile(r"\bcap ((?:\w+ ?){1,3})")
_PARTS = re.compile(r"\s*(?:;|\n|\+)\s*")
UNREAD_WORKS = "thiếu sáng kiến hoặc đề tài: cần đối chiếu hồ sơ"


def _rule(pack: RulePack | None, name: str) -> Params | None:
    params = pack.rules.get(name) if pack is not None else None
    return params if params is not None and params.get("enabled", True) else None


def listed_works(text: object) -> list[tuple[str, str]]:
    """The works a list made without thidua names, as (activity, level): each part of the text (split at ";",
    "+" or a line break) that names an initiative or a research project and a known level ("cấp huyện", "cấp
    cơ sở"…); a part naming neither, or no level ("Giáo viên dạy giỏi cấp huyện", "Sáng kiến về …"), is none."""
    found = []
    for part in _PARTS.split(str(text or "")):
        words = fold(part)
        kinds = [(m.start(), vocabulary.SKKN) for m in _INITIATIVE.finditer(words)]
        kinds += [(m.start(), vocabulary.RESEARCH) for m in _RESEARCH.finditer(words)]
        level = next((lv for m in _LEVEL_AT.finditer(words) if (lv := _level(m.group(1).split()))), "")
        if kinds and level:
            found.append((min(kinds)[1], level))  # the kind the text names first
    return found


def _level(words: list[str]) -> str:
    """The level "cấp <words>" names (the longest match: "cấp cơ sở", "cấp thành phố"), else ""."""
    for n in range(len(words), 0, -1):
        phrase = " ".join(words[:n])
        found = vocabulary.LEVEL.match(f"cap {phrase}") or vocabulary.LEVEL.match(phrase)
        if found:
            return found
    return ""


def proposal_findings(row: Any, pack: RulePack | None) -> list[tuple[str, str]]:
    """What the pack finds short in one proposal (a row of the roll-up's nominees): (reason, source) each."""
    found: list[tuple[str, str]] = []
    proposal, rating, discipline = str(row.proposal), row.rating, row.discipline
    is_title = proposal in titles_counted_as("ldtt")  # LĐTT and CSTĐCS (which counts as LĐTT)
    ldtt = _rule(pack, "ldtt_conditions")
    if is_title and ldtt is not None:
        minimum = str(ldtt.get("min_rating", vocabulary.RATINGS[1]))
        if rating_short(rating, minimum):
            found.append((f"xếp loại {rating}, cần từ {minimum} trở lên", str(ldtt["source"])))
        if "worst_discipline" in ldtt and disciplined(discipline, str(ldtt["worst_discipline"])):
            found.append((f"bị kỷ luật {discipline}", str(ldtt["source"])))
    if proposal == vocabulary.CSTDCS:
        conditions = _rule(pack, "cstdcs_conditions")
        if conditions is not None and _qualified(row, conditions) is False:
            level = str(conditions.get("min_initiative_level", "Trường"))
            needed = f"sáng kiến được công nhận từ cấp {level} trở lên"
            needed += " hoặc đề tài nghiên cứu được nghiệm thu" if conditions.get("research_route") else ""
            needed += " hoặc xếp loại Hoàn thành xuất sắc nhiệm vụ" if conditions.get("htxsnv_route") else ""
            found.append((f"chưa có {needed}", str(conditions["source"])))
        ballot = _rule(pack, "cstdcs_ballot")
        if ballot is not None:
            minimum_share = float(ballot["min_share"])
            share = ballot_short(row.votes_for, row.votes_total, minimum_share)
            if share is not None:
                found.append(
                    (
                        f"được {int(row.votes_for)}/{int(row.votes_total)} phiếu ({share:.0%}), cần từ "
                        f"{minimum_share:.0%}",
                        str(ballot["source"]),
                    )
                )
    rule = _rule(pack, "discipline")
    if rule is not None and disciplined(discipline, str(rule.get("worst_discipline", vocabulary.DISCIPLINES[0]))):
        found.append((f"bị kỷ luật {discipline}; {SERVED}", str(rule["source"])))
    return found


def _qualified(row: Any, conditions: Params) -> bool | None:
    """Whether a CSTĐCS has a qualifying work under `conditions` (or the rating route); None when a list made
    without thidua states a work that names no initiative or research project with its level (the dossier says)."""
    if conditions.get("htxsnv_route") and row.rating == vocabulary.RATINGS[0]:
        return True
    works = str(row.works or "").strip() if not pd.isna(row.works) else ""
    if row.sheet != DATA_SHEET:  # a list made without thidua: only its text
        named = listed_works(works)
        if not named:
            return None if works else False
        # a list names the works its proposal rests on: taken as recognised, the dossier shows the decision
        return any(work_qualifies(a, level, vocabulary.RESULT_RECOGNISED, conditions) for a, level in named)
    data = decode_works(getattr(row, "works_data", ""))
    if data is None:  # a report written before `works_data`: `works` lists what its school's judgement qualified
        return bool(works)
    return any(work_qualifies(activity, level, result, conditions) for activity, level, result in data)


def works_unread(row: Any, pack: RulePack | None) -> str:
    """What the conditions column says of a CSTĐCS of a list made without thidua whose stated work names no
    initiative or research project with its level ("" otherwise): the row is not shown as meeting the conditions
    and stays out of the draft decision until the office has looked at the dossier (as office.lists.gaps)."""
    conditions = _rule(pack, "cstdcs_conditions")
    if str(row.proposal) != vocabulary.CSTDCS or conditions is None or _qualified(row, conditions) is not None:
        return ""
    stated = str(row.works).strip()
    return f"Danh sách lập ngoài thidua {UNREAD_WORKS} (ghi “{stated}”, không nêu sáng kiến hay đề tài kèm cấp)."


def recheck(nominees: pd.DataFrame, pack: RulePack | None, issues: OfficeIssues) -> pd.Series:
    """Every proposal checked against `pack`: each finding an issue on its row; per row, the findings as the
    conditions column says them ("" when none), and what a list made without thidua leaves unread
    (`works_unread`)."""
    said = pd.Series("", index=nominees.index, dtype=object)
    row: Any
    for index, row in zip(nominees.index, nominees.itertuples(index=False), strict=True):
        unread = works_unread(row, pack)
        if unread:
            said[index] = unread
        found = proposal_findings(row, pack)
        for reason, source in found:
            issues.add(
                str(row.unit),
                "office-rule-short",
                file=row.file,
                sheet=row.sheet,
                at=(int(row.row) - 1, None) if not pd.isna(row.row) else None,
                value=row.name,
                proposal=row.proposal,
                reason=reason,
                source=source,
            )
        if found:
            text = "Theo quy định: " + "; ".join(reason for reason, _source in found) + "."
            said[index] = f"{text} {said[index]}".strip()
    return said


def collective_findings(
    title: str, members: int | None, nominees: Sequence[Mapping[str, Any]], pack: RulePack | None
) -> list[tuple[str, str]]:
    """What the pack finds short in a unit's collective title, from the unit's own proposals: its share of
    members proposed for LĐTT (a CSTĐCS counts there too), its CSTĐCS and, when the pack says so, nobody proposed
    who is disciplined. `members`: the unit's staff (None: the share cannot be judged)."""
    found: list[tuple[str, str]] = []
    for name in COLLECTIVE_RULES:
        p = _rule(pack, name)
        if p is None or key(str(p.get("title", ""))) not in key(title):
            continue
        people: dict[str, set[str]] = {"ldtt": set(), "cstdcs": set()}
        for n in nominees:
            who = f"{key(str(n.get('name', '')))}|{n.get('birth_date', '')}"
            for kind in people:
                if str(n.get("proposal", "")) in titles_counted_as(kind):
                    people[kind].add(who)
        ldtt, cstdcs = len(people["ldtt"]), len(people["cstdcs"])
        share, at_least = float(p["min_share"]), bool(p.get("at_least", False))
        if members and collective_short(ldtt, members, share, at_least):
            above = "ít nhất" if at_least else "trên"
            found.append(
                (
                    f"chỉ {ldtt}/{members} người được đề nghị Lao động tiên tiến ({ldtt / members:.0%}), cần "
                    f"{above} {share:.0%}",
                    str(p["source"]),
                )
            )
        needed = int(p.get("min_cstdcs", 0))
        if cstdcs < needed:
            found.append((f"chỉ {cstdcs} người được đề nghị Chiến sĩ thi đua cơ sở, cần ít nhất {needed}", p["source"]))
        if "worst_discipline" in p:
            punished = sorted(
                {str(n.get("name", "")) for n in nominees if disciplined(n.get("discipline"), p["worst_discipline"])}
            )
            if punished:
                found.append((f"có người bị kỷ luật: {', '.join(punished)}", str(p["source"])))
    return found


COLLECTIVE_COLUMNS = ["unit", "unit_name", "title", "members", "findings", "file", "sheet", "row"]


def collectives(
    units: Sequence[Unit], chosen: Mapping[str, Received], pack: RulePack | None, issues: OfficeIssues
) -> pd.DataFrame:
    """The collective titles the units registered that the pack has a rule for (Tập thể lao động tiên tiến /
    xuất sắc; their reports' `collectives`), each checked by `collective_findings` with the unit's members as its
    report gives them (else donvi.xlsx's Số CBGVNV)."""
    found = []
    for unit in units:
        sent = chosen.get(unit.code)
        if sent is None or sent.report is None:
            continue
        for record in sent.report.collectives:
            title = str(record.get("title", "")).strip()
            if not title or not _covered(title, pack):
                continue  # a union's or the youth's title: not the pack's, not judged here
            members = _members(record.get("members"), unit.staff)
            reasons = collective_findings(title, members, sent.report.nominees, pack)
            for reason, source in reasons:
                issues.add(
                    unit.code,
                    "office-collective-short",
                    file=sent.rel,
                    sheet=DATA_SHEET,
                    at=(int(record["_row"]) - 1, None),
                    value=title,
                    title=title,
                    reason=reason,
                    source=source,
                )
            said = "; ".join(reason for reason, _source in reasons)
            found.append(
                {
                    "unit": unit.code,
                    "unit_name": unit.name,
                    "title": title,
                    "members": members,
                    "findings": f"Theo quy định: {said}." if said else "",
                    "file": sent.rel,
                    "sheet": DATA_SHEET,
                    "row": record["_row"],
                }
            )
    return pd.DataFrame(found, columns=COLLECTIVE_COLUMNS).astype({"members": "Int64", "row": "Int64"})


def _covered(title: str, pack: RulePack | None) -> bool:
    """Whether a collective rule of the pack (collective_ldtt, collective_ldxs) names this title."""
    rules = [_rule(pack, name) for name in COLLECTIVE_RULES]
    return any(p is not None and key(str(p.get("title", ""))) in key(title) for p in rules)


def _members(value: object, staff: int | None) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value == value and value > 0:
        return int(value)
    return staff
