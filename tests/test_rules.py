"""Rules of the year: warnings with their figures and legal source; the counts never change."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest

from thidua.core import vocabulary
from thidua.core.plan import Person, Plan
from thidua.counting.frames import Records
from thidua.counting.judgements import vote_day
from thidua.counting.measure import MonthResult
from thidua.counting.rules import apply_rules, capped, choose_pack, months_between
from thidua.issues import Report
from thidua.workspace.default_plan import PLAN

from . import frames
from .frames import Add, month_of

D = dt.date
P = {p.stt: p for p in PLAN.roster}
ORIGIN = ("dk.xlsx", "Đăng ký", 7)
COLUMNS = {"name": 1, "title": 5, "initiative": 7, "date": 13, "discipline": 4, "rating": 3}


def reg(p: Person, title: str = vocabulary.LDTT, initiative: str = "", date: dt.date = D(2021, 9, 30)) -> Add:
    level = "Huyện" if initiative else None
    return frames.registration(p, title, ORIGIN, initiative=initiative, initiative_level=level, date=date, layout=0)


def vote(
    p: Person, title: str = vocabulary.LDTT, rating: str = vocabulary.RATINGS[1], discipline: str = "Không"
) -> Add:
    return frames.vote_row(
        p, title, ORIGIN, rating=rating, discipline=discipline, decision_date=D(2022, 5, 25), layout=0
    )


def skkn(p: Person, result: str = vocabulary.RESULT_RECOGNISED) -> Add:
    return frames.result_row(p, vocabulary.SKKN, result, D(2022, 3, 1), ORIGIN, product="SK", level="Huyện", layout=0)


def records_of(
    registrations: Sequence[Add] = (), results: Sequence[Add] = (), votes: Sequence[Add] = (), plan: Plan = PLAN
) -> Records:
    """The records of a test, built as validation builds them, on the sheet layout COLUMNS."""
    return frames.records(registrations, results, votes, plan=plan, layouts=[COLUMNS])


def checked(subs: Records, overrides: dict[str, object] | None = None) -> tuple[MonthResult, Report]:
    report = Report()
    result = month_of(subs, "2022-05", D(2022, 5, 31), report)
    pack = choose_pack(PLAN.school.school_year, overrides)  # type: ignore[arg-type]
    assert pack is not None
    apply_rules(result, pack, report)
    return result, report


def codes(report: Report, prefix: str = "rule-") -> list[str]:
    return [i.code for i in report if i.code.startswith(prefix)]


def test_the_plan_itself_is_over_the_cstdcs_cap() -> None:
    _result, report = checked(records_of())
    (issue,) = [i for i in report if i.code == "rule-cstdcs-share"]
    assert "4 Chiến sĩ thi đua cơ sở trên 24 Lao động tiên tiến" in issue.message
    assert "15%" in issue.message and "được 3 người" in issue.message and "Nghị định 91/2017/NĐ-CP" in issue.message
    assert issue.file == "kehoach.xlsx"


def test_cap_rounding_is_configurable() -> None:
    _result, report = checked(records_of(), {"cstdcs_share": {"rounding": "round"}})
    assert "rule-cstdcs-share" not in codes(report)
    assert capped(0.15, 24, "floor") == 3 and capped(0.15, 24, "round") == 4 and capped(0.15, 20, "floor") == 3


def test_cstdcs_needs_an_initiative_at_registration_and_at_the_vote() -> None:
    subs = records_of(
        registrations=[reg(P[1], vocabulary.CSTDCS, "Chỉ đạo dạy học trực tuyến"), reg(P[4], vocabulary.CSTDCS)],
        results=[skkn(P[1]), skkn(P[11], vocabulary.RESULT_FAILED)],
        votes=[vote(P[1], vocabulary.CSTDCS), vote(P[11], vocabulary.CSTDCS)],
    )
    _result, report = checked(subs, {"cstdcs_share": {"enabled": False}})
    found = [(i.code, i.person, i.cell) for i in report if i.code == "rule-cstdcs-initiative"]
    assert found == [("rule-cstdcs-initiative", P[4].label, "H8"), ("rule-cstdcs-initiative", P[11].label, "F8")]
    assert all("Điều 23" in i.message for i in report if i.code == "rule-cstdcs-initiative")


def test_ldtt_conditions_at_the_vote_warn_but_do_not_change_the_counts() -> None:
    subs = records_of(
        votes=[
            vote(P[2], discipline="Khiển trách"),
            vote(P[3], rating="Hoàn thành nhiệm vụ"),
            vote(P[27]),  # recruited 16/08/2021: 9 months at the vote of 25/05/2022
            vote(P[5]),
        ]
    )
    result, report = checked(subs)
    assert codes(report) == [
        "rule-cstdcs-share",
        "rule-collective-share",
        "rule-ldtt-discipline",
        "rule-ldtt-rating",
        "rule-ldtt-recruited",
    ]
    recruited = next(i for i in report if i.code == "rule-ldtt-recruited")
    assert "16/08/2021" in recruited.message and "10 tháng" in recruited.message
    assert frames.target(result, "LDTT").achieved == 4


def test_collective_needs_more_than_half_ldtt_and_no_serious_discipline() -> None:
    votes = [vote(P[i]) for i in range(1, 17)] + [vote(P[17], "Không", discipline="Cảnh cáo")]
    _result, report = checked(records_of(votes=votes), {"cstdcs_share": {"enabled": False}})
    share = next(i for i in report if i.code == "rule-collective-share")
    assert "16/32" in share.message and "trên 50%" in share.message and "Điều 28" in share.message
    assert P[17].label in next(i for i in report if i.code == "rule-collective-discipline").message
    votes.append(vote(P[18]))
    _result, report = checked(records_of(votes=votes), {"cstdcs_share": {"enabled": False}})
    assert "rule-collective-share" not in codes(report)


def test_late_registrations_are_warnings_naming_the_deadline() -> None:
    subs = records_of(registrations=[reg(P[21], date=D(2021, 10, 6)), reg(P[22], date=D(2021, 10, 4))])
    result, report = checked(subs, {"cstdcs_share": {"enabled": False}})
    (late,) = [i for i in report if i.code == "rule-late-registration"]
    assert late.cell == "N8" and "04/10/2021" in late.message and late.team == "Tổ 4–5"
    assert frames.target(result, "LDTT").registered == 2


def test_a_plan_base_that_disagrees_with_the_roster_is_a_warning() -> None:
    _result, report = checked(records_of())
    (base,) = [i for i in report if i.code == "plan-base-roster"]
    assert "BGDT_BO" in base.message and "9 GV" in base.message and "26 giáo viên" in base.message


def test_packs_are_chosen_by_the_date_of_the_vote_and_overrides_are_checked() -> None:
    pack = choose_pack("2021–2022")
    assert pack is not None and pack.rules["cstdcs_share"]["max_share"] == pytest.approx(0.15)
    assert choose_pack("2015–2016") is None
    assert choose_pack(D(2023, 12, 31)).name.endswith("Nghị định 91/2017/NĐ-CP")  # type: ignore[union-attr]
    law_2022 = choose_pack(D(2024, 5, 31))  # the vote of 2023–2024: the 2022 law is in force
    assert law_2022 is not None and "06/2022/QH15" in law_2022.name and "98/2023" in law_2022.name
    assert "cstdcs_share" not in law_2022.rules  # no 15% cap any more
    later = choose_pack(D(2026, 5, 31))
    assert later is not None and "152/2025" in later.name
    assert later.rules["collective_ldxs"]["min_share"] == pytest.approx(0.7)
    assert later.rules["cstdcs_conditions"]["htxsnv_route"] is False
    kept = choose_pack("2025–2026", {"cstdcs_share": {"rounding": "round"}, "ldtt_conditions": {"min_rating": "HTNV"}})
    assert kept is not None and kept.ignored == ("cstdcs_share",)  # last year's cap: the 2022 law has none
    assert kept.rules["ldtt_conditions"]["min_rating"] == "Hoàn thành nhiệm vụ"  # an abbreviation is read


def test_months_between() -> None:
    assert months_between(D(2021, 8, 16), D(2022, 5, 25)) == 9
    assert months_between(D(2021, 8, 16), D(2022, 6, 16)) == 10
    assert months_between(D(2021, 7, 31), D(2022, 5, 31)) == 10


def test_a_later_pack_in_the_workspace_applies_without_code_changes(tmp_path: Path) -> None:
    folder = tmp_path / "quy-dinh"
    folder.mkdir()
    (folder / "2024.toml").write_text(
        'name = "Luật Thi đua, khen thưởng 2022"\nfirst_year = 2024\nlast_year = 2030\n\n'
        '[rules.ldtt_conditions]\nsource = "Thông tư 01/2024/TT-BNV"\nmin_months = 6\n',
        encoding="utf-8",
    )
    assert choose_pack("2021–2022", workspace=tmp_path).name.startswith("Luật Thi đua, khen thưởng 2003")  # type: ignore[union-attr]
    pack = choose_pack("2024–2025", workspace=tmp_path)
    assert pack is not None and pack.rules == {
        "ldtt_conditions": {"source": "Thông tư 01/2024/TT-BNV", "min_months": 6}
    }
    report = Report()
    recruited = dataclasses.replace(P[27], recruited=D(2021, 11, 1))
    plan = dataclasses.replace(
        PLAN,
        school=dataclasses.replace(PLAN.school, school_year="2024–2025"),
        roster=tuple(recruited if p is P[27] else p for p in PLAN.roster),
    )
    result = month_of(records_of(votes=[vote(recruited)], plan=plan), "2022-05", D(2022, 5, 31), report, plan)
    apply_rules(result, pack, report)
    assert [i.code for i in report] == []  # 6 months are enough under the later pack


def test_an_excellent_collective_needs_70_percent_one_cstdcs_and_everyone_completing() -> None:
    import dataclasses

    from thidua.core.plan import CollectiveTitle

    excellent = CollectiveTitle("TT_LDTT", "Trường", "Tập thể lao động xuất sắc", True, None, "", None)
    plan = dataclasses.replace(PLAN, collectives=(excellent,))
    roster = list(PLAN.roster)
    votes = [vote(p) for p in roster[:20]] + [vote(roster[20], rating=vocabulary.RATINGS[-1], title="Không")]
    report = Report()
    records = frames.records(votes=votes, plan=plan, layouts=[COLUMNS])
    result = month_of(records, "2022-05", D(2022, 5, 31), report, plan)
    pack = choose_pack(D(2026, 5, 31))
    assert pack is not None
    apply_rules(result, pack, report)
    found = {i.code: i.message for i in report if i.code.startswith("rule-collective")}
    assert set(found) == {"rule-collective-share", "rule-collective-cstdcs", "rule-collective-incomplete"}
    assert "ít nhất 70%" in found["rule-collective-share"] and "20/32" in found["rule-collective-share"]
    assert roster[20].label in found["rule-collective-incomplete"]


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"collective_ldtt": {"min_share": "abc"}}, "min_share phải là một tỷ lệ"),
        ({"collective_ldtt": {"min_share": 1.5}}, "min_share phải là một tỷ lệ"),
        ({"cstdcs_conditions": {"min_initiative_level": 5}}, "min_initiative_level phải là một trong"),
        ({"ldtt_conditions": {"min_rating": "Tuyệt vời"}}, "min_rating phải là một trong"),
        ({"cstdcs_conditions": {"htxsnv_route": "có"}}, "htxsnv_route chỉ nhận true hoặc false"),
        ({"ldtt_conditions": {"min_months": -1}}, "min_months phải là một số nguyên"),
    ],
)
def test_a_rule_figure_that_makes_no_sense_is_named(override: dict[str, object], named: str) -> None:
    from thidua.errors import ThiduaError

    with pytest.raises(ThiduaError, match=named):
        choose_pack(D(2026, 5, 31), override)


def test_the_htxsnv_route_is_a_setting() -> None:
    votes = [vote(P[5], vocabulary.CSTDCS, rating=vocabulary.RATINGS[0])]  # no initiative, rated HTXSNV
    report = Report()
    result = month_of(records_of(votes=votes), "2022-05", D(2022, 5, 31), report)
    for route, expected in ((False, 1), (True, 0)):
        pack = choose_pack(D(2026, 5, 31), {"cstdcs_conditions": {"htxsnv_route": route}})
        assert pack is not None
        found = Report()
        apply_rules(result, pack, found)
        assert len([i for i in found if i.code == "rule-cstdcs-initiative"]) == expected, route


@pytest.mark.parametrize("min_months", [1, 6, 9, 10, 12, 24])
def test_recent_recruits_registered_for_ldtt_are_exactly_those_the_months_rule_names(min_months: int) -> None:
    """The registrations of recent recruits (`min_months` since recruitment at the vote), judged after a filter on
    month numbers (issue 20): every registration of the roster, none voted, gives one warning per person whose
    whole months since recruitment (`months_between`, the rule's own definition) fall short, in roster order (the
    merged registrations' order), and no other."""
    school = dataclasses.replace(PLAN.school, vote_day=D(2022, 5, 20))  # recruits on the 19th, 20th and 21st
    day = vote_day(dataclasses.replace(PLAN, school=school))

    def recruited(i: int) -> dt.date | None:  # 0 to 13 months before the vote, the day before, of or after it
        if i % 7 == 6:
            return None
        month = day.year * 12 + day.month - 1 - i // 3 % 14
        return D(month // 12, month % 12 + 1, day.day + i % 3 - 1)

    roster = [dataclasses.replace(p, recruited=recruited(i)) for i, p in enumerate(PLAN.roster)]
    plan = dataclasses.replace(PLAN, roster=tuple(roster), school=school)
    report = Report()
    result = month_of(
        records_of([reg(p) for p in reversed(roster)], plan=plan), "2022-05", D(2022, 5, 31), report, plan
    )
    pack = choose_pack(plan.school.school_year, {"ldtt_conditions": {"min_months": min_months}})
    assert pack is not None
    apply_rules(result, pack, report)
    expected = [p.label for p in roster if p.recruited and months_between(p.recruited, day) < min_months]
    found = [i.person for i in report if i.code == "rule-ldtt-recruited"]
    assert found == expected
    assert all("đăng ký" in i.message for i in report if i.code == "rule-ldtt-recruited")
    if min_months in (6, 9, 10, 12):  # some recruits on either side of the line
        assert 0 < len(found) < len(roster)
