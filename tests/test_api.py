"""The library API (SPEC 13): a month as DataFrames, equal to what `thidua run` writes, with nothing written."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from thidua import api
from thidua.cli import main
from thidua.workspace.folder import Workspace

SUMMARY_KEYS = ["code", "name", "target", "base", "registered", "achieved", "registered_ratio", "achieved_ratio"]


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


def test_month_writes_nothing(demo_ws: Workspace) -> None:
    before = _tree(demo_ws.root)
    month = api.month(demo_ws.root, "2022-05")
    assert _tree(demo_ws.root) == before  # no output folder, no history database, no submissions folder made
    assert not demo_ws.history_path.exists()
    assert month.school == "Trường Tiểu học Măng Đen" and month.month == "2022-05"


def test_targets_frame_equals_summary_json(demo_ws: Workspace) -> None:
    month = api.month(str(demo_ws.root), "2022-05")  # a folder given as text works too
    result = CliRunner().invoke(main, ["run", "-w", str(demo_ws.root), "--month", "2022-05"])
    assert result.exit_code == 0, result.output
    summary = json.loads((demo_ws.root / "output" / "2022-05" / "summary.json").read_text(encoding="utf-8"))
    frame = month.targets
    assert list(frame.columns[: len(SUMMARY_KEYS) + 1]) == [*SUMMARY_KEYS, "status"]  # SPEC 13's columns first
    assert len(frame) == len(summary["targets"])
    for row, expected in zip(frame.to_dict("records"), summary["targets"], strict=True):
        for key in [*SUMMARY_KEYS, "status"]:
            seen, wanted = row[key], expected[key]
            if wanted is None:  # null in summary.json: NaN (ratios) or NA (a missing base)
                assert pd.isna(seen), key
            elif isinstance(wanted, float):
                assert math.isclose(seen, wanted, rel_tol=0, abs_tol=0), key
            else:
                assert seen == wanted, key
    assert frame["achieved_ratio"].dtype == "float64"
    counts = month.issues["severity"].value_counts().to_dict()
    assert (counts.get("lỗi", 0), counts.get("cảnh báo", 0), counts.get("ghi chú", 0)) == tuple(
        summary["issues"][k] for k in ("error", "warning", "note")
    )


def test_record_frames_carry_provenance_and_persons_cover_the_roster(demo_ws: Workspace) -> None:
    month = api.month(demo_ws.root, "2022-05")
    plan = month.result.plan
    assert len(month.persons) == len(plan.roster) and list(month.persons.index) == list(range(len(plan.roster)))
    for frame in (month.registrations, month.results, month.votes):
        assert {"person", "name", "file", "sheet", "row"} <= set(frame.columns)
        assert frame["person"].map(lambda k: plan.roster[k].name).equals(frame["name"])
        assert frame["file"].str.len().min() > 0
    # one registration per person: the newest won
    assert month.registrations["person"].is_unique
    # per-person counts come from the same counting: for a target counted by persons they add up to the total
    ldtt = month.targets.set_index("code").loc["LDTT"]
    assert month.persons["achieved:LDTT"].sum() == ldtt["achieved"]
    assert month.persons["registered:LDTT"].sum() == ldtt["registered"]
    # a target counted by distinct works counts each co-author once per person: never less than the total
    skkn = month.targets.set_index("code").loc["SKKN_HUYEN"]
    assert month.persons["achieved:SKKN_HUYEN"].sum() >= skkn["achieved"]
    assert month.teams["members"].sum() == len(plan.roster)
    # rounds in long form: one row per round and target, the round's figures never above the year's
    rounds = month.rounds
    assert list(rounds.columns) == [
        "round", "name", "start", "end", "state", "ends_in_month", "review", "code", "achieved",
        "ratio", "as_of", "to_date", "to_date_ratio", "to_date_status",
    ]  # fmt: skip
    begun = rounds[rounds["state"] != "Chưa bắt đầu"]
    assert (begun["to_date"] >= begun["achieved"]).all()  # the year's total as of the round's day holds the round's
    # May 2022 holds the last round's end: its review is the year's, and no other round ends in May
    ending = rounds.drop_duplicates("round").set_index("round")
    assert list(ending["review"]) == ["", "Tổng kết năm học"] and list(ending["ends_in_month"]) == [False, True]
    assert len(rounds) == len(plan.rounds) * len(plan.targets)
    year = month.targets.set_index("code")["achieved"]
    assert (rounds["achieved"] <= rounds["code"].map(year)).all()
    assert rounds.groupby("code")["achieved"].max().loc["LDTT"] == year["LDTT"]  # the vote is in the last round


def test_schools_concatenate_into_one_table(demo_ws: Workspace, tmp_path: Path) -> None:
    """The receiving office's roll-up, as the README shows it (the second school has received nothing yet)."""
    other = tmp_path / "other"
    shutil.copytree(demo_ws.root, other, ignore=shutil.ignore_patterns("submissions"))
    months = [api.month(root, "2022-05") for root in (demo_ws.root, other)]
    table = pd.concat([m.targets.assign(school=m.school) for m in months], ignore_index=True)
    rollup = table.groupby("code", sort=False)[["registered", "achieved"]].sum()
    assert rollup.loc["LDTT", "registered"] == months[0].targets.set_index("code").loc["LDTT", "registered"]
    assert len(table) == 2 * len(months[0].targets)
