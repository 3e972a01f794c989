"""The commands, end to end through click on real workspaces: exact figures, exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from thidua.cli import main
from thidua.pipeline.batch import compute
from thidua.workspace.folder import Workspace
from thidua.writers.summary_json import summary_of

from .conftest import Fill, reg_row
from .demo_figures import EXPECTED_2021_10, EXPECTED_2022_05


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.output
    assert "sự cố ngoài dự kiến" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(("month", "expected"), [("2022-05", EXPECTED_2022_05), ("2021-10", EXPECTED_2021_10)])
def test_run_json_gives_exact_figures(demo_ws: Workspace, month: str, expected: dict[str, tuple[int, int]]) -> None:
    code, out, _err = invoke("run", "-w", str(demo_ws.root), "--month", month, "--json")
    assert code == 0
    summary = json.loads(out)
    assert {t["code"]: (t["registered"], t["achieved"]) for t in summary["targets"]} == expected
    assert summary["school"] == "Trường Tiểu học Măng Đen" and summary["school_year"] == "2021–2022"
    assert summary["month"] == month and summary["issues"]["error"] == 0
    assert json.loads((demo_ws.root / "output" / month / "summary.json").read_text(encoding="utf-8")) == summary


def test_json_output_equals_the_library_result(demo_ws: Workspace) -> None:
    _code, out, _err = invoke("run", "-w", str(demo_ws.root), "--month", "2022-05", "--json")
    assert json.loads(out) == json.loads(json.dumps(summary_of(compute(demo_ws, "2022-05")), ensure_ascii=False))


def test_run_prints_a_table_and_writes_every_output(demo_ws: Workspace) -> None:
    code, out, _err = invoke("run", "-w", str(demo_ws.root), "--month", "2022-05")
    assert code == 0
    assert "Vượt" in out and "0 lỗi" in out
    # targets by their names (a long one cut at a word), never by the plan's codes
    assert "Lao động tiên tiến" in out and "SKKN cấp huyện" in out and "Tham gia bài soạn video trực tuyến của…" in out
    assert not {"LDTT", "SKKN_HUYEN", "VIDEO_SO"} & set(out.split())
    folder = demo_ws.root / "output" / "2022-05"
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "bao-cao-thi-dua-2022-05.xlsx",
        "danh-sach-loi-2022-05.xlsx",
        "de-nghi-khen-thuong-2022-05.xlsx",  # the month holds the year-end vote
        "ho-so-de-nghi",  # and so its dossier (SPEC 14)
        "summary.json",
        "tong-hop-thi-dua-2022-05.xlsx",
        "tra-lai",
    ]
    # the late registration of Lê Thị Kim Thoa comes back to her with the date cell marked
    assert [p.name for p in (folder / "tra-lai").iterdir()] == ["dang-ky-to-van-phong-dk-thi-dua-30.xlsx"]
    assert all(name.isascii() for name in names)


def _cells(path: Path) -> dict[str, list[list[object]]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def test_same_inputs_give_the_same_cell_contents(demo_ws: Workspace) -> None:
    invoke("run", "-w", str(demo_ws.root), "--month", "2022-05")
    folder = demo_ws.root / "output" / "2022-05"
    first = {p.name: _cells(p) for p in folder.glob("*.xlsx")}
    invoke("run", "-w", str(demo_ws.root), "--month", "2022-05")
    assert {p.name: _cells(p) for p in folder.glob("*.xlsx")} == first


def test_errors_give_exit_1_with_outputs_still_written(empty_ws: Workspace, fill: Fill) -> None:
    fill("dang-ky", "a.xlsx", [reg_row("Trần Văn Quy", "LĐTT"), reg_row("Phạm Thị Hoà", "LĐTT")])
    code, out, _err = invoke("run", "-w", str(empty_ws.root), "--month", "2021-10", "--json")
    assert code == 1
    summary = json.loads(out)
    assert summary["issues"]["error"] == 1
    assert {t["code"]: t["registered"] for t in summary["targets"]}["LDTT"] == 1
    assert (empty_ws.root / "output" / "2021-10" / "bao-cao-thi-dua-2021-10.xlsx").exists()


def test_check_reports_errors_with_exit_1(empty_ws: Workspace, fill: Fill) -> None:
    fill("dang-ky", "a.xlsx", [reg_row("Phạm Thị Hoà", "Anh hùng lao động")])
    code, out, _err = invoke("check", "-w", str(empty_ws.root), "--month", "2021-10")
    assert code == 1
    assert "1 lỗi" in out
    assert (empty_ws.root / "output" / "kiem-tra-2021-10" / "danh-sach-loi-2021-10.xlsx").exists()
    assert not (empty_ws.root / "output" / "2021-10").exists()


def test_check_on_clean_demo_exits_0(demo_ws: Workspace) -> None:
    code, out, _err = invoke("check", "-w", str(demo_ws.root), "--month", "2022-05")
    assert code == 0 and "0 lỗi" in out


def test_missing_workspace_is_a_usage_error_in_vietnamese(tmp_path: Path) -> None:
    code, _out, err = invoke("run", "-w", str(tmp_path), "--month", "2021-10")
    assert code == 2
    assert "chưa có tệp kế hoạch" in err and "thidua init" in err and "Traceback" not in err


def test_bad_month_is_a_usage_error(demo_ws: Workspace) -> None:
    for written in ("2021/10", "13/2021", "2021-13", "tháng 10"):
        code, _out, err = invoke("run", "-w", str(demo_ws.root), "--month", written)
        assert code == 2 and "NĂM-THÁNG hoặc THÁNG/NĂM" in err, (written, err)
    assert not (demo_ws.root / "output").exists() or not any((demo_ws.root / "output").iterdir())


def test_months_outside_the_school_year_are_refused_and_any_spelling_is_read(demo_ws: Workspace) -> None:
    for written in ("2022-08", "07/2021", "2023-1"):
        code, _out, err = invoke("run", "-w", str(demo_ws.root), "--month", written)
        assert code == 2 and "ngoài năm học 2021–2022" in err and "08/2021" in err and "07/2022" in err, err
    assert not (demo_ws.root / "thidua-lich-su.sqlite").exists()  # nothing recorded, nothing written
    code, _out, err = invoke("run", "-w", str(demo_ws.root), "--month", "10/2021")
    assert code in (0, 1) and (demo_ws.root / "output" / "2021-10" / "summary.json").exists(), err
    code, out, _err = invoke("check", "-w", str(demo_ws.root))  # today is not in 2021–2022: its last month
    assert "Kiểm tra số liệu đến hết tháng 07/2022" in out
    code, out, _err = invoke("check", "-w", str(demo_ws.root), "--month", "2022-3")
    assert (demo_ws.root / "output" / "kiem-tra-2022-03").is_dir()


def test_init_refuses_to_overwrite_a_plan(demo_ws: Workspace) -> None:
    code, _out, err = invoke("init", str(demo_ws.root))
    assert code == 2 and "không ghi đè" in err


@pytest.mark.slow
def test_demo_command_runs_the_whole_path_twice(tmp_path: Path) -> None:
    target = tmp_path / "thu-nghiem"
    code, out, _err = invoke("demo", str(target))
    assert code == 0, out
    assert (target / "output" / "2022-05" / "summary.json").exists()
    assert "Vượt" in out
    code, out, _err = invoke("demo", str(target))
    assert code == 0 and "Dùng lại" in out


@pytest.mark.parametrize("command", ["init", "templates", "check", "run", "send", "history", "demo"])
def test_every_command_has_vietnamese_help_with_an_example(command: str) -> None:
    code, out, _err = invoke(command, "--help")
    assert code == 0
    assert "Ví dụ" in out and f"thidua {command}" in out
    assert "Cách dùng:" in out and "Tùy chọn:" in out and "Xem hướng dẫn này rồi thoát." in out
    for english in ("Usage:", "Options:", "Show this message", "[default:", "[required]", "DIRECTORY"):
        assert english not in out


def test_usage_errors_are_vietnamese_with_exit_2() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "thidua", "run"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "Lỗi cách gõ lệnh: Thiếu tùy chọn '--month'" in done.stderr
    assert "Xem hướng dẫn: thidua run --help" in done.stderr and "Traceback" not in done.stderr


def test_extra_arguments_are_named_in_vietnamese(tmp_path: Path) -> None:
    code, _out, err = invoke("init", str(tmp_path / "a"), "b", "c")
    assert code == 2 and "Thừa các tham số" in err and "sốs" not in err
