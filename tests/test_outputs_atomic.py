"""Outputs are swapped in only when complete; template metadata from another school or year is flagged."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner

from thidua.cli import main
from thidua.forms import template_fields
from thidua.forms.templates import write_templates
from thidua.pipeline.batch import compute
from thidua.workspace.default_plan import PLAN
from thidua.workspace.demo import _fill
from thidua.workspace.folder import Workspace

from .conftest import libreoffice_convert, reg_row
from .frames import figures, target


def test_a_failed_run_leaves_the_previous_outputs_intact(demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["run", "-w", str(demo_ws.root), "--month", "2022-05"]).exit_code == 0
    folder = demo_ws.root / "output" / "2022-05"
    before = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("thidua.writers.issue_report.write_issue_report", disk_full)
    result = runner.invoke(main, ["run", "-w", str(demo_ws.root), "--month", "2022-05"])
    assert result.exit_code == 1
    assert "kết quả cũ vẫn được giữ nguyên" in result.stderr and "Traceback" not in result.stderr
    assert {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []


def test_inputs_are_never_modified_by_a_run(demo_ws: Workspace) -> None:
    files = sorted(p for p in demo_ws.submissions.rglob("*") if p.is_file())
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    assert CliRunner().invoke(main, ["run", "-w", str(demo_ws.root), "--month", "2022-05"]).exit_code == 0
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before


def test_a_template_of_another_school_and_year_is_flagged(empty_ws: Workspace, tmp_path: Path) -> None:
    other = dataclasses.replace(
        PLAN, school=dataclasses.replace(PLAN.school, name="Trường Tiểu học Đăk Long", school_year="2022–2023")
    )
    write_templates(other, tmp_path / "other")
    template = tmp_path / "other" / f"{template_fields.FILE_NAMES[template_fields.REGISTRATION]}.xlsx"
    _fill(template, empty_ws.submissions / "mau-cu.xlsx", [reg_row("Đinh Thị Mai", "LĐTT")])
    result = compute(empty_ws, "2021-10")
    assert [row for row in result.issues.flatten("code", "file", "severity") if row[1] != "kehoach.xlsx"] == [
        ["template-other-school", "mau-cu.xlsx", "cảnh báo"],
        ["template-other-year", "mau-cu.xlsx", "lỗi"],
    ]
    assert target(result, "LDTT").registered == 0  # another year's file: none of its rows count


@pytest.mark.libreoffice
def test_macro_enabled_workbooks_are_read(demo_ws: Workspace, tmp_path: Path) -> None:
    src = demo_ws.submissions / "dang-ky" / "DK thi dua To 2-3.xlsx"
    (converted,) = libreoffice_convert([src], "xlsm:Calc MS Excel 2007 VBA XML", tmp_path / "lo")
    before = figures(compute(demo_ws, "2022-05"))
    src.unlink()
    converted.rename(src.with_suffix(".xlsm"))
    after = compute(demo_ws, "2022-05")
    assert figures(after) == before
    assert "dang-ky/DK thi dua To 2-3.xlsm" in after.files_read


def test_outputs_left_between_the_two_renames_of_a_killed_run_come_back(tmp_path: Path) -> None:
    from thidua.pipeline.batch import staged

    final = tmp_path / "2022-05"
    previous = tmp_path / ".2022-05.old-999999999"  # a pid that cannot be alive
    previous.mkdir()
    (previous / "summary.json").write_text("{}", encoding="utf-8")
    (tmp_path / ".2022-05.tmp-999999999").mkdir()  # the killed run's half-written folder
    with pytest.raises(RuntimeError), staged(final):
        raise RuntimeError("this run fails too")
    assert (final / "summary.json").read_text(encoding="utf-8") == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2022-05"]


def _cells(path: Path) -> dict[str, list[list[object]]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def test_big_workbooks_written_in_parallel_are_the_same(demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    import thidua.pipeline.batch
    from thidua.forms import template_fields
    from thidua.workspace import default_plan
    from thidua.workspace.demo import _fill

    from .conftest import D, reg_row

    template = demo_ws.templates / f"{template_fields.FILE_NAMES[template_fields.REGISTRATION]}.xlsx"
    for i, person in enumerate(default_plan.PLAN.roster[-2:]):  # two more files to return: a date out of the year
        rows = [reg_row(person.name, "Lao động tiên tiến", birth=person.birth_date, date=D(2019, 9, 30))]
        _fill(template, demo_ws.submissions / f"them-{i}.xlsx", rows)
    runner = CliRunner()
    assert runner.invoke(main, ["run", "-w", str(demo_ws.root), "--month", "2022-05"]).exit_code == 1  # the dates
    folder = demo_ws.root / "output" / "2022-05"
    alone = {p.relative_to(folder).as_posix(): _cells(p) for p in folder.rglob("*.xlsx")}
    assert sum(name.startswith("tra-lai/") for name in alone) >= 2, "the demo month has return copies to split"
    monkeypatch.setattr(thidua.pipeline.batch, "PARALLEL_WRITE_FROM", 1)
    monkeypatch.setattr(thidua.pipeline.batch, "PARALLEL_COPIES_FROM", 1)  # the copies split over the cores too
    assert runner.invoke(main, ["run", "-w", str(demo_ws.root), "--month", "2022-05"]).exit_code == 1
    assert {p.relative_to(folder).as_posix(): _cells(p) for p in folder.rglob("*.xlsx")} == alone

    def broken(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    _mark_recorded(demo_ws)  # a snapshot committed by the failed run would replace the marked time
    recorded = _recorded(demo_ws)
    monkeypatch.setattr("thidua.writers.submission.write_submission", broken)
    result = runner.invoke(main, ["run", "-w", str(demo_ws.root), "--month", "2022-05"])
    assert result.exit_code == 1 and "Không ghi được bao-cao-thi-dua-2022-05.xlsx" in result.stderr
    assert {p.relative_to(folder).as_posix(): _cells(p) for p in folder.rglob("*.xlsx")} == alone
    assert _recorded(demo_ws) == recorded  # the snapshot written meanwhile was rolled back with the outputs


def _recorded(ws: Workspace) -> list[tuple[object, ...]]:
    import sqlite3

    with sqlite3.connect(ws.history_path) as db:
        return db.execute("SELECT month, recorded_at FROM months ORDER BY month").fetchall()


def _mark_recorded(ws: Workspace) -> None:
    """Every recorded month's time set to one no run writes (runs a second apart have the same time)."""
    import sqlite3

    db = sqlite3.connect(ws.history_path)
    with db:
        db.execute("UPDATE months SET recorded_at = '2000-01-01T00:00:00+00:00'")
    db.close()


def test_the_history_is_written_while_the_forked_writers_write(
    demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At province scale this process would only wait for the writers it forked: the month's snapshot is written
    in the meantime (still in a transaction committed only once the outputs are swapped in)."""
    import multiprocessing
    import time

    import thidua.pipeline.batch
    import thidua.pipeline.history
    import thidua.writers.dashboard
    from thidua.pipeline.batch import run_month

    write_dashboard, pending_month = thidua.writers.dashboard.write_dashboard, thidua.pipeline.history.pending_month
    writers_alive: list[int] = []

    def slow_dashboard(*args: object) -> None:  # runs in the forked writer
        time.sleep(3.0)
        write_dashboard(*args)  # type: ignore[arg-type]

    def watched(*args: object) -> object:
        writers_alive.append(len(multiprocessing.active_children()))
        return pending_month(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(thidua.pipeline.batch, "PARALLEL_WRITE_FROM", 1)
    monkeypatch.setattr(thidua.writers.dashboard, "write_dashboard", slow_dashboard)
    monkeypatch.setattr(thidua.pipeline.history, "pending_month", watched)
    _result, outputs = run_month(demo_ws, "2022-01")  # not the vote's month: this process's share is small
    assert writers_alive and writers_alive[0] >= 1
    assert outputs is not None and outputs.dashboard.exists()
    assert [month for month, _at in _recorded(demo_ws)] == ["2022-01"]


def test_the_batch_reports_each_stage_in_order(demo_ws: Workspace) -> None:
    from thidua.pipeline.batch import Progress, run_month

    seen: list[str] = []

    class Record(Progress):
        def stage(self, name: str) -> None:
            seen.append(name)

    result, _outputs = run_month(demo_ws, "2022-05", Record())
    assert seen == [
        "plan (read_plan)",
        "read + repair + validate",
        "merge + measure + rules",
        "write (write_month)",
        "history (record_month)",
    ]
    assert target(result, "LDTT").registered == 28
