"""Every judgement the documents print is made once, in the month's result, and read the same everywhere: the
rule check, the nomination list, summary.json and the API (SPEC 13; issue #19). The case that showed the leak: under
the 2025 pack a CSTĐCS whose only work is a research project that won a prize."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from thidua import api
from thidua.cli import main
from thidua.counting.judgements import PACE_FAR_BEHIND, PACE_NOT_DUE, PACE_ON_PACE
from thidua.workspace.demo import _fill
from thidua.workspace.folder import Workspace

MONTH = "2027-05"
RESEARCH = "Đề tài nghiên cứu"
REWARD = "Giấy khen của Hiệu trưởng"


@pytest.fixture(scope="module")
def commune_year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace for 2026–2027 (the 2025 rule pack: the research route is open)."""
    root = tmp_path_factory.mktemp("commune") / "ws"
    done = CliRunner().invoke(main, ["init", "--demo", "--school-year", "2026-2027", str(root)])
    assert done.exit_code == 0, done.output
    return root


def _vote(root: Path, file: str, name: str, birth: dt.date, title: str, discipline: str = "Không") -> None:
    """A supplementary vote file: `name` voted `title` with the Hiệu trưởng's Giấy khen, 30 of 32 votes, dated
    the day after the demo's vote so that it is the newest."""
    _fill(
        root / "input_templates" / "mau-binh-xet-cuoi-nam.xlsx",
        root / "submissions" / "binh-xet" / file,
        [[1, name, birth, "HTTNV", discipline, title, REWARD, 30, 32, "", dt.date(2027, 5, 26), ""]],
    )


def _with_research(base: Path, tmp_path: Path, result: str) -> tuple[Path, str]:
    """A copy of the workspace in which an LĐTT nominee without any initiative is voted CSTĐCS, and whose only
    work is a research project with `result`; returns the copy and the person's name."""
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(base, root)
    may = api.month(root, MONTH)
    with_works = set(may.results.loc[may.results["activity"].isin(["Sáng kiến kinh nghiệm", RESEARCH]), "person"])
    plain = may.votes[(may.votes["title"] == "Lao động tiên tiến") & ~may.votes["person"].isin(with_works)]
    person = plain.iloc[0]
    birth = may.persons.loc[person["person"], "birth_date"].date()
    _vote(root, "zz-bo-sung.xlsx", person["name"], birth, "Chiến sĩ thi đua cơ sở")
    _fill(
        root / "input_templates" / "mau-bao-cao-ket-qua.xlsx",
        root / "submissions" / "bao-cao" / "de-tai.xlsx",
        [[1, person["name"], birth, RESEARCH, "Dạy đọc hiểu lớp 3", "Tỉnh", result, dt.date(2027, 3, 2), "7/QĐ-S", ""]],
    )
    return root, str(person["name"])


@pytest.mark.parametrize(("result", "qualifies"), [("Đạt giải", True), ("Đã nộp", False)])
def test_a_research_project_reads_the_same_in_the_rules_the_list_and_the_api(
    commune_year: Path, tmp_path: Path, result: str, qualifies: bool
) -> None:
    root, name = _with_research(commune_year, tmp_path, result)
    run = CliRunner().invoke(main, ["run", "-w", str(root), "--month", MONTH, "--json"])
    assert run.exit_code in (0, 1), run.output
    summary = json.loads(run.stdout)
    may = api.month(root, MONTH)
    assert summary["rule_pack"] == "Luật Thi đua, khen thưởng số 06/2022/QH15 và Nghị định 152/2025/NĐ-CP"
    # the rule check
    findings = may.issues[
        (may.issues["code"] == "rule-cstdcs-initiative") & (may.issues["person"].str.startswith(name))
    ]
    assert findings.empty is qualifies
    # the API's nominations: one row per title, the CSTĐCS one eligible exactly when the work qualifies
    rows = may.nominations[may.nominations["name"] == name].set_index("proposal")
    assert set(rows.index) == {"Chiến sĩ thi đua cơ sở", "Lao động tiên tiến", REWARD}
    assert bool(rows.loc["Chiến sĩ thi đua cơ sở", "eligible"]) is qualifies
    assert bool(rows.loc["Lao động tiên tiến", "eligible"])  # the missing work bars CSTĐCS only,
    assert bool(rows.loc[REWARD, "eligible"])  # not the form of reward either
    assert ("Dạy đọc hiểu lớp 3" in rows.loc["Chiến sĩ thi đua cơ sở", "works"]) is qualifies
    # the printed list says the same, row for row
    sheet = openpyxl.load_workbook(root / "output" / MONTH / f"de-nghi-khen-thuong-{MONTH}.xlsx").worksheets[0]
    printed = [[c.value for c in row] for row in sheet.iter_rows() if row[1].value == name]
    assert len(printed) == 3
    cstdcs = next(r for r in printed if r[6] == "Chiến sĩ thi đua cơ sở")
    assert (cstdcs[11] == "Đủ") is qualifies
    assert ("Dạy đọc hiểu lớp 3" in str(cstdcs[9] or "")) is qualifies
    # summary.json counts what the API lists
    assert summary["nominations"] == may.nominations.groupby("proposal", sort=False).size().to_dict()


def test_pace_and_rounds_come_from_the_result(commune_year: Path) -> None:
    """The dashboard's colours are the API's `pace`; in October nothing of the year-end vote is due yet."""
    october = api.month(commune_year, "2026-10")
    pace = october.targets.set_index("code")["pace"]
    assert pace["LDTT"] == PACE_NOT_DUE and pace["CSTDCS"] == PACE_NOT_DUE
    assert set(pace) <= {PACE_ON_PACE, PACE_NOT_DUE, "behind", PACE_FAR_BEHIND}
    assert not october.rounds["ends_in_month"].any()
    may = api.month(commune_year, MONTH)
    assert may.result.final and may.result.elapsed == 1.0
    assert may.targets.set_index("code").loc["LDTT", "pace"] == PACE_ON_PACE  # reached by the vote


def test_issues_keep_their_data(commune_year: Path) -> None:
    """No consumer re-parses a message: the roster key and the parameters are columns of the issues frame."""
    may = api.month(commune_year, MONTH)
    issues = may.issues
    personal = issues[issues["person"] != ""]
    assert len(personal) and personal["person_key"].notna().all()
    names = may.persons["name"]
    for row in personal.itertuples():
        assert str(row.person).startswith(names[int(row.person_key)])
    rules = issues[issues["topic"] == "rule"]
    assert len(rules) and all(isinstance(p, dict) and "source" in p for p in rules["params"])
    later = issues[issues["code"] == "row-after-month"]
    assert all(isinstance(p["date"], dt.date) for p in later["params"])


def test_cli_figures_equal_the_api(commune_year: Path, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(commune_year, root)
    run = CliRunner().invoke(main, ["run", "-w", str(root), "--month", MONTH, "--json"])
    assert run.exit_code in (0, 1), run.output
    summary = json.loads(run.stdout)
    month = api.month(root, MONTH)
    may = month.targets
    shown = pd.DataFrame(summary["targets"])
    for column in ("code", "registered", "achieved", "status", "pace"):
        assert list(shown[column]) == list(may[column]), column
    for column in ("registered_ratio", "achieved_ratio"):  # null in summary.json is NaN in the frame
        assert shown[column].astype("float64").fillna(-1).tolist() == may[column].fillna(-1).tolist(), column
    assert summary["nominations"] == month.nominations.groupby("proposal", sort=False).size().to_dict()
    assert summary["nominations"]  # the vote month has nominees


def test_round_figures_match_a_count_by_hand(demo_template_ws: Workspace) -> None:
    """Each round's figures (one grouping of the one count) against an independent count of the result rows: the
    teachers with a 'Tiết học yêu thương' in the round, and the distinct SKKN recognised at Huyện or above."""
    from thidua.core import text, vocabulary

    may = api.month(demo_template_ws.root, "2022-05")  # reads only
    plan, results = may.result.plan, may.results
    teacher = may.persons["teacher"]
    rounds = may.rounds.set_index(["round", "code"])["achieved"]
    for number, rnd in enumerate(plan.rounds, start=1):
        inside = results[(results["date"] >= pd.Timestamp(rnd.start)) & (results["date"] <= pd.Timestamp(rnd.end))]
        lessons = inside[(inside["activity"] == "Tiết học yêu thương") & inside["person"].map(teacher)]
        assert rounds[(number, "TIET_HOC_YT")] == lessons["person"].nunique(), number
        rank = inside["level"].astype(object).map(vocabulary.LEVEL_RANKS)
        skkn = inside[
            (inside["activity"] == vocabulary.SKKN)
            & inside["result"].isin(vocabulary.RECOGNISED_RESULTS)
            & (rank >= vocabulary.LEVEL_RANKS["Huyện"])
        ]
        assert rounds[(number, "SKKN_HUYEN")] == skkn["product"].map(text.key).nunique(), number
    assert rounds[(1, "TIET_HOC_YT")] > 0 and rounds[(2, "SKKN_HUYEN")] > 0  # the check is not vacuous


def test_a_round_review_lists_only_results_that_count(commune_year: Path, tmp_path: Path) -> None:
    """The staff a round review lists are those with a result that counts for a target: a failed initiative is
    reported but lists nobody, a recognised one does (the review used to list every row dated in the round)."""
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(commune_year, root)
    may = api.month(root, MONTH)
    quiet = may.persons[~may.persons.index.isin(may.results["person"])].iloc[:2]
    rows = [
        [1, name, birth.date(), "Sáng kiến kinh nghiệm", title, "Xã", result, dt.date(2026, 11, 20), "", ""]
        for (name, birth), (title, result) in zip(
            quiet[["name", "birth_date"]].itertuples(index=False),
            [("SK không đạt", "Không đạt"), ("SK được công nhận", "Được công nhận")],
            strict=True,
        )
    ]
    _fill(root / "input_templates" / "mau-bao-cao-ket-qua.xlsx", root / "submissions" / "bao-cao" / "sk.xlsx", rows)
    january = api.month(root, "2027-01").result
    first = january.round_results[january.round_results["round"] == 1]
    failed, recognised = quiet.index
    assert failed not in set(first["person"])
    assert recognised in set(first["person"])
    assert "SK được công nhận" in " ".join(first.loc[first["person"] == recognised, "result"])


def test_discipline_bars_every_proposal_whatever_the_pack(commune_year: Path, tmp_path: Path) -> None:
    """A reprimanded nominee meets the conditions of no title and no form of reward (Nghị định 152/2025 Điều 4),
    though the 2025 pack has no discipline figure of its own; and a finding about the September registration
    (CSTĐCS registered without naming an initiative) does not bar the year-end proposal when the vote's own
    conditions are met."""
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(commune_year, root)
    may = api.month(root, MONTH)
    votes = may.votes.set_index("name")
    ldtt = votes[votes["title"] == "Lao động tiên tiến"].index[0]
    cstdcs = next(
        n
        for n in may.nominations.loc[may.nominations["eligible"], "name"]
        if votes.loc[n, "title"] == "Chiến sĩ thi đua cơ sở"
    )
    birth = {n: may.persons.set_index("name").loc[n, "birth_date"].date() for n in (ldtt, cstdcs)}
    _vote(root, "zz-ky-luat.xlsx", ldtt, birth[ldtt], "Lao động tiên tiến", discipline="Khiển trách")
    _fill(
        root / "input_templates" / "mau-dang-ky-thi-dua.xlsx",
        root / "submissions" / "dang-ky" / "zz-dang-ky-lai.xlsx",
        [
            [
                1,
                cstdcs,
                birth[cstdcs],
                "",
                "",
                "Chiến sĩ thi đua cơ sở",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                dt.date(2026, 9, 30),
                "",
            ]
        ],
    )
    after = api.month(root, MONTH)
    assert "rule-cstdcs-initiative" in set(
        after.issues.loc[after.issues["person"].str.startswith(cstdcs), "code"]
    )  # the registration's finding is still listed for the board
    nominated = after.nominations.set_index(["name", "proposal"])
    disciplined = nominated.loc[ldtt]
    assert set(disciplined.index) == {"Lao động tiên tiến", REWARD}
    assert not disciplined["eligible"].any()
    assert all("Khiển trách" in reason for reason in disciplined["reasons"])
    assert nominated.loc[(cstdcs, "Chiến sĩ thi đua cơ sở"), "eligible"]
    assert nominated.loc[(cstdcs, "Chiến sĩ thi đua cơ sở"), "works"]  # the work it names, and no finding against it


def test_a_reprimanded_nominee_is_warned_about_with_the_decree_and_never_shown_eligible(
    commune_year: Path, tmp_path: Path
) -> None:
    """Issue #21 item 2: a vote row with Kỷ luật "Khiển trách" and LĐTT under the 2025 pack: the rule check warns
    (naming Nghị định 152/2025/NĐ-CP, Điều 4), and the printed list says what to look at, never "Đủ"."""
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(commune_year, root)
    before = api.month(root, MONTH)
    assert "rule-discipline" not in set(before.issues["code"])  # nobody disciplined in the demo's vote
    votes = before.votes.set_index("name")
    name = votes[votes["title"] == "Lao động tiên tiến"].index[-1]
    birth = before.persons.set_index("name").loc[name, "birth_date"].date()
    _vote(root, "zz-khien-trach.xlsx", name, birth, "Lao động tiên tiến", discipline="Khiển trách")
    run = CliRunner().invoke(main, ["run", "-w", str(root), "--month", MONTH])
    assert run.exit_code in (0, 1), run.output
    after = api.month(root, MONTH)
    found = after.issues[(after.issues["code"] == "rule-discipline") & after.issues["person"].str.startswith(name)]
    assert len(found) == 1
    message = found["message"].iloc[0]
    assert "Khiển trách" in message and "Nghị định 152/2025/NĐ-CP, Điều 4" in message
    assert found["severity"].iloc[0] == "cảnh báo" and found["file"].iloc[0].endswith("zz-khien-trach.xlsx")
    sheet = openpyxl.load_workbook(root / "output" / MONTH / f"de-nghi-khen-thuong-{MONTH}.xlsx").worksheets[0]
    printed = [[c.value for c in row] for row in sheet.iter_rows() if row[1].value == name]
    assert len(printed) == 2  # under LĐTT and under the reward
    for row in printed:
        assert row[11] == "Cần xem xét: kỷ luật Khiển trách; chỉ tính thành tích từ khi chấp hành xong"
    # every pack of the 2022 law reads the column, each naming its decree
    from thidua.counting.rules import available_packs

    law_2022 = [pack for pack in available_packs() if "06/2022/QH15" in pack.name]
    assert len(law_2022) == 2
    for pack in law_2022:
        decree = pack.name.rsplit(" và ", 1)[-1]
        assert decree in pack.rules["discipline"]["source"]


def test_nothing_left_unproposed_is_still_a_frame_of_text() -> None:
    """not_proposed with no row to list keeps its text columns as text (an empty frame built from empty lists
    would make them numbers), so a caller may use .str on them whatever the month."""

    from thidua.counting.judgements import not_proposed

    registrations = pd.DataFrame({"person": [0], "title": ["Lao động tiên tiến"], "reward_form": [""]})
    votes = pd.DataFrame({"person": [0], "title": ["Lao động tiên tiến"], "reward": [""]})
    found = not_proposed(registrations, votes)
    assert found.empty
    assert found["registered"].dtype == object and found["voted"].dtype == object
    listed = not_proposed(registrations, votes.iloc[0:0])
    assert listed.to_dict("records") == [
        {"person": 0, "registered": "Lao động tiên tiến", "voted": "chưa có kết quả bình xét"}
    ]
