"""Command line: a thin shell over the library. Each command parses options, calls one function, prints."""

from __future__ import annotations

import functools
import json
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from thidua import __version__
from thidua.errors import ThiduaError, UsageError

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def workspace_option(func: F) -> F:
    return click.option(
        "-w",
        "--workspace",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default="thư mục hiện tại",
        help="Thư mục làm việc (có tệp kehoach.xlsx).",
    )(func)


def friendly(func: F) -> F:
    """Turn program failures into one Vietnamese sentence and an exit code; never show a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ThiduaError as exc:
            click.secho(f"Lỗi: {exc.message}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Đã dừng theo yêu cầu; kết quả cũ vẫn được giữ nguyên.", err=True)
            sys.exit(130)
        except Exception:  # the last guard: log the details, show one sentence
            log = Path(tempfile.gettempdir()) / "thidua-loi.log"
            log.write_text(traceback.format_exc(), encoding="utf-8")
            click.secho(
                "Lỗi: thidua gặp sự cố ngoài dự kiến; kết quả cũ vẫn được giữ nguyên. Hãy gửi tệp "
                f"nhật ký {log} cho người hỗ trợ kỹ thuật.",
                fg="red",
                err=True,
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _progress(json_mode: bool = False) -> Callable[[str], None]:
    """Progress lines on a terminal, silence otherwise (and always off stdout when printing JSON)."""
    if not sys.stderr.isatty():
        return lambda _msg: None
    return lambda msg: click.echo(msg, err=True)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", message="thidua %(version)s")
def main() -> None:
    """thidua — tổng hợp phong trào thi đua của nhà trường từ các tệp Excel.

    \b
    Quy trình hằng tháng:
      1. thidua templates          phát mẫu cho CBGVNV
      2. chép các tệp nhận được vào thư mục submissions/
      3. thidua run --month 2021-10
      4. mở thư mục output/2021-10/

    Thử ngay với số liệu mẫu: thidua demo
    """


@main.command(context_settings=CONTEXT)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--demo", is_flag=True, help="Thêm các tệp đã điền mẫu (hư cấu) vào submissions/.")
@friendly
def init(directory: Path, demo: bool) -> None:
    """Tạo thư mục làm việc từ kế hoạch mặc định (Trường TH Măng Đen, năm học 2021–2022).

    \b
    Ví dụ:
      thidua init thidua-2021-2022
      thidua init thu-nghiem --demo
    """
    from thidua.scaffold import create_workspace

    ws = create_workspace(directory, demo=demo)
    click.echo(f"Đã tạo thư mục làm việc {directory}.")
    click.echo(f"  Kế hoạch: {ws.plan_path.name} — sửa chỉ tiêu, đợt và danh sách CBGVNV tại đây.")
    click.echo(f"  Mẫu phát cho CBGVNV: {ws.templates.name}/")
    click.echo(f"  Chép tệp nhận về vào: {ws.submissions.name}/")


@main.command(context_settings=CONTEXT)
@workspace_option
@click.option("--per-person", is_flag=True, help="Thêm một phiếu đăng ký cho từng người, điền sẵn họ tên.")
@friendly
def templates(workspace: Path, per_person: bool) -> None:
    """Tạo lại các mẫu từ tệp kế hoạch vào thư mục input_templates/.

    \b
    Ví dụ:
      thidua templates
      thidua templates --per-person -w thidua-2021-2022
    """
    from thidua.issues import Report
    from thidua.plan import read_plan
    from thidua.templates import write_templates
    from thidua.workspace import open_workspace

    ws = open_workspace(workspace)
    report = Report()
    plan = read_plan(ws.plan_path, report)
    _print_plan_issues(report)
    written = write_templates(plan, ws.templates, per_person=per_person)
    click.echo(f"Đã ghi {len(written)} mẫu vào {ws.templates}.")


@main.command(context_settings=CONTEXT)
@workspace_option
@click.option("--month", "-m", metavar="YYYY-MM", help="Tháng tính số liệu (mặc định: tháng hiện tại).")
@friendly
def check(workspace: Path, month: str | None) -> None:
    """Chỉ đọc và kiểm tra các tệp đã nộp; ghi danh sách lỗi. Thoát với mã 1 khi có lỗi.

    \b
    Ví dụ:
      thidua check
      thidua check --month 2021-10 -w thidua-2021-2022
    """
    import datetime as dt

    from thidua.batch import compute, write_check
    from thidua.workspace import open_workspace

    ws = open_workspace(workspace)
    result = compute(ws, month or f"{dt.date.today():%Y-%m}", _progress())
    path = write_check(ws, result)
    _print_issue_counts(result.issues.counts(), len(result.files_read))
    click.echo(f"Danh sách lỗi: {path}")
    sys.exit(1 if result.issues.has_errors else 0)


@main.command(context_settings=CONTEXT)
@workspace_option
@click.option("--month", "-m", metavar="YYYY-MM", required=True, help="Tháng báo cáo, ví dụ 2021-10.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả (summary.json) ra màn hình thay cho bảng.")
@friendly
def run(workspace: Path, month: str, as_json: bool) -> None:
    """Chạy tổng hợp tháng: ghi bảng tổng hợp, báo cáo gửi PGD, danh sách lỗi và summary.json.

    Thoát với mã 1 khi có lỗi trong số liệu (các tệp kết quả vẫn được ghi).

    \b
    Ví dụ:
      thidua run --month 2021-10
      thidua run --month 2022-05 --json -w thidua-2021-2022
    """
    from thidua.workspace import open_workspace

    ws = open_workspace(workspace)
    sys.exit(_run_month(ws, month, as_json))


@main.command(context_settings=CONTEXT)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=Path("thidua-demo"))
@friendly
def demo(directory: Path) -> None:
    """Chạy thử toàn bộ quy trình với kế hoạch mặc định và các tệp mẫu đã điền (hư cấu).

    \b
    Ví dụ:
      thidua demo
      thidua demo thu-nghiem
    """
    from thidua.default import DEMO_MONTH
    from thidua.scaffold import create_workspace
    from thidua.workspace import SETTINGS_FILE, open_workspace

    if (directory / SETTINGS_FILE).exists():
        ws = open_workspace(directory)
        click.echo(f"Dùng lại thư mục thử nghiệm {directory}.")
    else:
        ws = create_workspace(directory, demo=True)
        click.echo(f"Đã tạo thư mục thử nghiệm {directory} với số liệu mẫu.")
    sys.exit(_run_month(ws, DEMO_MONTH, as_json=False))


def _run_month(ws: Any, month: str, as_json: bool) -> int:
    from thidua.batch import compute, write_month
    from thidua.summary import summary_of

    progress = _progress(as_json)
    result = compute(ws, month, progress)
    progress("Đang ghi kết quả…")
    outputs = write_month(ws, result)
    if as_json:
        click.echo(json.dumps(summary_of(result), ensure_ascii=False, indent=2))
    else:
        _print_targets(result)
        _print_issue_counts(result.issues.counts(), len(result.files_read))
        click.echo(f"Kết quả tháng {result.month}: {outputs.folder}")
        for path in (outputs.dashboard, outputs.submission, outputs.issues):
            click.echo(f"  {path.name}")
    return 1 if result.issues.has_errors else 0


def _print_targets(result: Any) -> None:
    rows = [("Mã", "Chỉ tiêu", "Đăng ký", "Đạt", "Tỷ lệ đạt", "Tình trạng")]
    for t in result.targets:
        shown = "—" if t.achieved_ratio is None else f"{float(t.achieved_ratio):.0%}"
        number = "—" if t.target.target is None else str(t.target.target)
        rows.append((t.target.code, number, str(t.registered), str(t.achieved), shown, t.status))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        click.echo(
            "  ".join(
                cell.ljust(w) if c in (0, 5) else cell.rjust(w)
                for c, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if i == 0:
            click.echo("  ".join("-" * w for w in widths))


def _print_issue_counts(counts: dict[str, int], files: int) -> None:
    click.echo(f"Đã đọc {files} tệp: {counts['error']} lỗi, {counts['warning']} cảnh báo, {counts['note']} ghi chú.")


def _print_plan_issues(report: Any) -> None:
    for issue in report:
        click.echo(f"{issue.severity.value}: {issue.file} {issue.sheet} {issue.cell}: {issue.message}", err=True)


__all__ = ["UsageError", "main"]
