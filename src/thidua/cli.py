"""Command line: a thin shell over the library. Each command parses options, calls one function, prints."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar, NoReturn, TypeVar

import click

from thidua import __version__, errors
from thidua.errors import Stopped, ThiduaError, UsageError
from thidua.system import log
from thidua.system.processes import stop_on_signals

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _folder_option(shown: str) -> Callable[[F], F]:
    """-w/--workspace: the folder a command works in (default the current one), described for its kind."""

    def option(func: F) -> F:
        return click.option(
            "-w",
            "--workspace",
            type=click.Path(file_okay=False, path_type=Path),
            default=Path("."),
            show_default="thư mục hiện tại",
            help=shown,
        )(func)

    return option


workspace_option = _folder_option("Thư mục làm việc (có tệp kehoach.xlsx).")
office_option = _folder_option("Thư mục của cơ quan nhận báo cáo (có tệp donvi.xlsx).")


def _log_unraisable(unraisable: Any) -> None:
    """An error inside a destructor or finaliser (a library's file closed on a full disk…) goes to the log,
    never to the user's screen as "Exception ignored in …"."""
    trace = traceback.format_exception(unraisable.exc_type, unraisable.exc_value, unraisable.exc_traceback)
    log.append(f"{unraisable.err_msg or 'Exception ignored in'}: {unraisable.object!r}\n{''.join(trace)}")


def friendly(func: F) -> F:
    """Turn program failures into one Vietnamese sentence and an exit code; never show a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        sys.unraisablehook = _log_unraisable
        try:
            return func(*args, **kwargs)
        except ThiduaError as exc:
            click.secho(f"Lỗi: {exc.message}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:
            # The reader of our output went away (| head): nothing more to say to it.
            sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - silence the interpreter's flush at exit
            sys.exit(0)
        except KeyboardInterrupt as stop:  # Ctrl+C, or a signal turned into Stopped
            click.echo(errors.STOPPED, err=True)
            _leave_now(128 + stop.signum if isinstance(stop, Stopped) else 130)
        except Exception:  # the last guard: log the details (appended: a read's traceback logged earlier stays)
            _unexpected()
        except BaseException as exc:
            # A panic in a library's Rust code (python-calamine's, raised by pyo3 as a BaseException) on a file
            # read in this process, such as the plan: the same last guard. SystemExit and the rest go on as they are.
            if type(exc).__name__ != "PanicException":
                raise
            _unexpected()

    return wrapper  # type: ignore[return-value]


def _unexpected() -> NoReturn:
    """The failure being handled, logged, and one sentence saying where the log is; exit status 1."""
    where = log.append(traceback.format_exc())  # a full disk may leave no room: the sentence still comes
    click.secho(f"Lỗi: {errors.unexpected_failure(where).message}", fg="red", err=True)
    sys.exit(1)


def _leave_now(code: int) -> NoReturn:
    """End the process at once, its files and locks already released by the unwinding (output flushed first).
    After a stop, the interpreter's own exit would join the reading pool's manager thread (concurrent.futures
    registers that at exit), which a pool whose workers were ended mid-call can leave waiting forever (seen about
    once in eight stops); after a command that ended normally, it would free every object one by one (`entry`)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def entry() -> NoReturn:
    """The `thidua` command (the console script and `python -m thidua`): the command, then the process ends
    without the interpreter's teardown, which spent 0.17–0.33 s after a 1,000-file month's last line freeing its
    objects one by one (measured 2026-12-07, two cores). Every file, lock and process a command opens is closed by
    then (context managers, the reading pool shut down); tests and programs embedding thidua call `main`."""
    try:
        code = main(prog_name="thidua")
    except SystemExit as done:
        code = done.code
    if code is not None and not isinstance(code, int):  # as sys.exit does: a message, then exit status 1
        click.echo(str(code), err=True)
        code = 1
    _leave_now(code or 0)


def _progress() -> Any:
    """Progress on a terminal (on stderr, so --json stays clean); silence when output is not a terminal."""
    from thidua.api import Progress

    class Terminal(Progress):
        def say(self, message: str) -> None:
            click.echo(message, err=True)

        def files(self, done: int, total: int) -> None:
            if total >= 20 and (done % max(1, total // 50) == 0 or done == total):
                end = "\n" if done == total else ""
                click.echo(f"\r  {done}/{total} tệp ({done * 100 // total}%)", err=True, nl=False)
                if end:
                    click.echo("", err=True)

    return Terminal() if sys.stderr.isatty() else Progress()


# click's own usage messages, in the words a school secretary reads (click keeps them English).
_CLICK_PHRASES = (
    ("Missing option", "Thiếu tùy chọn"),
    ("Missing argument", "Thiếu tham số"),
    ("No such option", "Không có tùy chọn"),
    ("No such command", "Không có lệnh"),
    ("Did you mean", "Có phải ý bạn là"),
    ("Invalid value for", "Giá trị không hợp lệ cho"),
    ("Got unexpected extra arguments", "Thừa các tham số"),
    ("Got unexpected extra argument", "Thừa tham số"),
    ("Directory", "Thư mục"),
    ("File", "Tệp"),
    ("requires an argument", "cần một giá trị"),
    ("does not exist", "không tồn tại"),
    ("is a file", "là một tệp, không phải thư mục"),
)


class VietnameseFormatter(click.HelpFormatter):
    """click's help scaffolding (usage line, section headings) in Vietnamese."""

    HEADINGS: ClassVar[dict[str, str]] = {"Options": "Tùy chọn", "Commands": "Lệnh", "Arguments": "Tham số"}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = args.replace("[OPTIONS]", "[TÙY CHỌN]").replace("COMMAND [ARGS]...", "LỆNH [THAM SỐ]...")
        args = args.replace("DIRECTORY", "THƯ_MỤC")
        super().write_usage(prog, args, prefix="Cách dùng: ")

    def write_heading(self, heading: str) -> None:
        super().write_heading(self.HEADINGS.get(heading, heading))

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        words = (("[required]", "[bắt buộc]"), ("DIRECTORY", "THƯ_MỤC"), ("[default: ", "[mặc định: "))
        translated = []
        for term, text in rows:
            for english, vietnamese in words:
                term, text = term.replace(english, vietnamese), text.replace(english, vietnamese)
            translated.append((term, text))
        super().write_dl(translated, col_max, col_spacing)


class VietnameseContext(click.Context):
    formatter_class = VietnameseFormatter


class VietnameseHelp(click.Command):
    """The --help option described in Vietnamese."""

    context_class = VietnameseContext

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "Xem hướng dẫn này rồi thoát."
        return option


class VietnameseGroup(VietnameseHelp, click.Group):
    """Report usage errors in Vietnamese, with the command to get help, and exit with code 2."""

    command_class = VietnameseHelp

    def main(self, *args: Any, **kwargs: Any) -> Any:  # always non-standalone: we report errors ourselves
        kwargs["standalone_mode"] = False
        restore = stop_on_signals() if threading.current_thread() is threading.main_thread() else None
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("Đã dừng.", err=True)
            sys.exit(130)
        except click.UsageError as exc:
            message = exc.format_message()
            for english, vietnamese in _CLICK_PHRASES:
                message = message.replace(english, vietnamese)
            command = exc.ctx.command_path if exc.ctx is not None else "thidua"
            click.secho(f"Lỗi cách gõ lệnh: {message}", fg="red", err=True)
            click.echo(f"Xem hướng dẫn: {command} --help", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            click.secho(f"Lỗi: {exc.format_message()}", fg="red", err=True)
            sys.exit(exc.exit_code)
        finally:
            if restore is not None:
                restore()  # the process's own handlers back (a test runner, a program embedding thidua)


@click.group(cls=VietnameseGroup, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", message="thidua %(version)s", help="Xem phiên bản rồi thoát.")
def main() -> None:
    """thidua — tổng hợp phong trào thi đua của nhà trường từ các tệp Excel.

    \b
    Quy trình hằng tháng:
      1. thidua templates          phát mẫu cho CBGVNV
      2. chép các tệp nhận được vào thư mục submissions/
      3. thidua run --month 2026-10
      4. mở thư mục output/2026-10/
      5. thidua send --month 2026-10   gửi báo cáo cho cơ quan nhận báo cáo (UBND xã)

    Thử ngay với số liệu mẫu: thidua demo

    Cơ quan nhận báo cáo tổng hợp nhiều trường: thidua office --help
    """


@main.command(context_settings=CONTEXT)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--school-year",
    metavar="NĂM-NĂM",
    help="Năm học của thư mục, ví dụ 2026-2027: mọi ngày của kế hoạch (các đợt, hạn nộp) dời vào năm học đó.",
)
@click.option(
    "--from",
    "source",
    metavar="THƯ_MỤC_CŨ",
    type=click.Path(file_okay=False, path_type=Path),
    help="Bắt đầu năm học mới từ thư mục làm việc năm trước (giữ trường, chỉ tiêu, tổ, danh sách CBGVNV, cài đặt).",
)
@click.option("--demo", is_flag=True, help="Thêm danh sách CBGVNV, kết quả và các tệp đã điền mẫu (hư cấu).")
@friendly
def init(directory: Path, school_year: str | None, source: Path | None, demo: bool) -> None:
    """Tạo thư mục làm việc cho một năm học.

    Mặc định: năm học hiện tại (năm học bắt đầu từ tháng 8), chỉ tiêu và các đợt theo kế hoạch mẫu, còn tên
    trường, cơ quan chủ quản, địa danh, ký hiệu, nơi nhận báo cáo là chỗ trống (…), danh sách CBGVNV, người ký,
    người lập biểu để trống: trường tự điền của mình vào kehoach.xlsx. --demo: trường mẫu hư cấu (năm học
    2021–2022 nếu không ghi --school-year).

    \b
    Ví dụ:
      thidua init thidua-2026-2027 --school-year 2026-2027
      thidua init thidua-2027-2028 --from thidua-2026-2027
      thidua init thu-nghiem --demo
    """
    from thidua import api

    created = api.init(directory, school_year=school_year, source=source, demo=demo)
    ws, review = created.workspace, created.review
    click.echo(f"Đã tạo thư mục làm việc {directory} (năm học {created.school_year}).")
    click.echo(f"  Kế hoạch: {ws.plan_path.name} — sửa thông tin chung, chỉ tiêu, đợt và danh sách CBGVNV tại đây.")
    click.echo(f"  Mẫu phát cho CBGVNV: {ws.templates.name}/")
    click.echo(f"  Chép tệp nhận về vào: {ws.submissions.name}/")
    click.echo(f"  Mở trang thidua: nhấp đúp mo-thidua.bat (Windows), hoặc gõ: thidua serve -w {directory}")
    if source is not None:
        click.echo(f"Đã mang sang từ {source}: thông tin trường, chỉ tiêu, tổ, danh sách CBGVNV, cài đặt.")
        click.echo("Không mang sang: kết quả và quyết định tập thể, các tệp đã nộp, sổ lịch sử.")
    if review:
        click.echo("Hội đồng thi đua cần xem lại:")
        for line in review:
            click.echo(f"  - {line}")
    elif not demo:
        click.echo(
            "Việc cần làm trước tiên: trong kehoach.xlsx, điền các chỗ trống (…) của trang "
            "Thông tin chung (tên trường, cơ quan chủ quản, tỉnh, địa danh, ký hiệu, Kính gửi, Nơi nhận), người ký, "
            "người lập biểu, tên trường ở trang Tập thể và danh sách CBGVNV; thidua check sẽ nhắc từng ô còn trống."
        )


@main.command(context_settings=CONTEXT)
@workspace_option
@click.option("--per-person", is_flag=True, help="Thêm một phiếu đăng ký cho từng người, điền sẵn họ tên.")
@friendly
def templates(workspace: Path, per_person: bool) -> None:
    """Tạo lại các mẫu từ tệp kế hoạch vào thư mục input_templates/.

    \b
    Ví dụ:
      thidua templates
      thidua templates --per-person -w thidua-2026-2027
    """
    from thidua import api

    done = api.templates(workspace, per_person=per_person)
    _print_plan_issues(done.plan_issues)
    click.echo(f"Đã ghi {len(done.written)} mẫu vào {done.folder}.")
    if not done.staff:
        click.echo(
            "Danh sách CBGVNV trong kehoach.xlsx còn trống: mẫu chưa có danh sách họ tên để chọn"
            + (", và chưa có phiếu riêng cho ai" if per_person else "")
            + ". Hãy nhập danh sách rồi chạy lại thidua templates trước khi phát mẫu."
        )


@main.command(context_settings=CONTEXT)
@workspace_option
@click.option(
    "--month",
    "-m",
    metavar="THÁNG",
    help="Tháng tính số liệu, ví dụ 2026-10 hoặc 10/2026 (mặc định: tháng hiện tại nếu thuộc năm học, nếu không "
    "thì tháng cuối năm học).",
)
@friendly
def check(workspace: Path, month: str | None) -> None:
    """Chỉ đọc và kiểm tra các tệp đã nộp; ghi danh sách lỗi. Thoát với mã 1 khi có lỗi.

    \b
    Ví dụ:
      thidua check
      thidua check --month 2026-10 -w thidua-2026-2027
    """
    from thidua import api

    checked = api.check(workspace, month, _progress())
    result = checked.result
    if month is None:
        click.echo(f"Kiểm tra số liệu đến hết tháng {api.month_label(result.month)} (không ghi --month).")
    _print_issue_counts(result.issues.counts(), len(result.files_read))
    click.echo(f"Danh sách lỗi: {checked.report_path}")
    sys.exit(1 if result.issues.has_errors else 0)


@main.command(context_settings=CONTEXT)
@workspace_option
@click.option("--month", "-m", metavar="THÁNG", required=True, help="Tháng báo cáo, ví dụ 2026-10 hoặc 10/2026.")
@click.option("--json", "as_json", is_flag=True, help="In kết quả (summary.json) ra màn hình thay cho bảng.")
@friendly
def run(workspace: Path, month: str, as_json: bool) -> None:
    """Chạy tổng hợp tháng: ghi bảng tổng hợp, báo cáo gửi cơ quan nhận báo cáo, danh sách lỗi và summary.json.

    Thoát với mã 1 khi có lỗi trong số liệu (các tệp kết quả vẫn được ghi).

    \b
    Ví dụ:
      thidua run --month 2026-10
      thidua run --month 2027-05 --json -w thidua-2026-2027
    """
    sys.exit(_run_month(workspace, month, as_json))


@main.command(context_settings=CONTEXT)
@workspace_option
@click.option("--month", "-m", metavar="THÁNG", required=True, help="Tháng có báo cáo cần gửi, ví dụ 2026-10.")
@click.option("--dry-run", is_flag=True, help="Chỉ ghi thư ra tệp .eml để xem trước, không gửi.")
@click.option("--force", is_flag=True, help="Vẫn gửi dù số liệu tháng còn lỗi.")
@friendly
def send(workspace: Path, month: str, dry_run: bool, force: bool) -> None:
    """Gửi báo cáo tháng (bao-cao-thi-dua-YYYY-MM.xlsx) cho cơ quan nhận báo cáo qua e-mail.

    Cơ quan nhận là mục “Kính gửi” trong kehoach.xlsx (từ 07/2025: UBND xã, qua Phòng Văn hóa – Xã hội); địa
    chỉ ở mục [email] của thidua.toml; mật khẩu lấy từ biến môi trường ghi ở password_env. Tháng có ngày bình
    xét gửi kèm danh sách đề nghị khen thưởng. Thư luôn được ghi ra tệp .eml trong output/thu-gui/THÁNG/.
    Tháng còn lỗi không được gửi, trừ khi có --force; --dry-run cũng báo trước điều đó.

    \b
    Ví dụ:
      thidua send --month 2026-10 --dry-run
      thidua send --month 2026-10 -w thidua-2026-2027
    """
    from thidua import api

    outcome = api.send(workspace, month, dry_run=dry_run, force=force)
    click.echo(outcome.message)
    sys.exit(outcome.exit_code)


@main.command(context_settings=CONTEXT)
@workspace_option
@click.option("--month", "-m", metavar="THÁNG", required=True, help="Tháng có kết quả, ví dụ 2027-04 hoặc 04/2027.")
@click.option(
    "--chon",
    "picks",
    metavar="HỌ_TÊN[/SẢN_PHẨM]",
    multiple=True,
    help="Người (và sản phẩm) được đề nghị; nhắc lại cho mỗi người. Không ghi: đề nghị tất cả kết quả trong danh sách.",
)
@click.option(
    "--hinh-thuc",
    "form",
    metavar="HÌNH_THỨC",
    default="",
    help="Hình thức khen thưởng đề nghị (mặc định: Giấy khen của người quyết định danh hiệu cho trường theo quy định "
    "đang áp dụng, ví dụ Chủ tịch UBND xã).",
)
@friendly
def propose(workspace: Path, month: str, picks: tuple[str, ...], form: str) -> None:
    """Lập tờ trình đề nghị khen thưởng đột xuất cho các kết quả xuất sắc.

    Danh sách kết quả cần đề nghị kịp thời (mặc định: đạt giải từ cấp Tỉnh trở lên) có ở trang “Đề nghị đột xuất”
    của bảng tổng hợp. Tờ trình và danh sách kèm theo được ghi vào output/THÁNG/de-nghi-dot-xuat/.

    \b
    Ví dụ:
      thidua propose --month 2027-04
      thidua propose --month 2027-04 --chon "Trần Thị Mỹ Linh" --chon "Ngô Văn Hùng / Ứng dụng công nghệ"
    """
    from thidua import api

    proposed = api.propose(workspace, month, picks, form)
    people = proposed.chosen["person"].nunique()
    click.echo(
        f"Đã lập tờ trình đề nghị {proposed.authority or 'cấp có thẩm quyền'} tặng {proposed.form} cho {people} người:"
    )
    for path in proposed.files:
        click.echo(f"  {path}")


@main.command(context_settings=CONTEXT)
@workspace_option
@click.option("--dry-run", is_flag=True, help="Chỉ liệt kê các thư và tệp sẽ lấy, không lưu gì.")
@friendly
def collect(workspace: Path, dry_run: bool) -> None:
    """Lấy các tệp bảng tính CBGVNV gửi qua e-mail từ hộp thư của trường vào submissions/e-mail/.

    Cấu hình ở mục [imap] của thidua.toml; mật khẩu lấy từ biến môi trường ghi ở password_env (mặc định
    THIDUA_IMAP_PASSWORD). Thư đã lấy không bị lấy lại; thư không bao giờ bị xóa.

    \b
    Ví dụ:
      thidua collect --dry-run
      thidua collect -w thidua-2026-2027
    """
    from thidua import api

    done = api.collect(workspace, dry_run=dry_run, progress=_progress())
    _collected(done, f"{api.mailbox_folder(workspace)}/", dry_run)


def _collected(done: Any, where: str, dry_run: bool) -> None:
    """What a collect (a school's or an office's) saved, skipped and left, as the secretary reads it."""
    verb = "Sẽ lưu" if dry_run else "Đã lưu"
    click.echo(f"{verb} {len(done.saved)} tệp vào {where}.")
    for name, who in done.saved:
        click.echo(f"  {name}  (từ {who})")
    if done.identical:
        click.echo(f"Bỏ qua {len(done.identical)} tệp giống hệt tệp đã lưu:")
        for name, who in done.identical:
            click.echo(f"  {name}  (từ {who})")
    if done.without:
        click.echo(f"{len(done.without)} thư không có tệp cần lấy (để nguyên trong hộp thư):")
        for line in done.without:
            click.echo(f"  {line}")
    if done.refused:
        click.echo("Tệp đính kèm không lấy (thư đó sẽ được xem lại ở lần sau nếu chưa lấy được tệp nào):")
        for line in done.refused:
            click.echo(f"  {line}")
    if done.known:
        click.echo(f"{done.known} thư đã lấy từ trước, không lấy lại.")
    if done.moved:
        click.echo(f"Đã chuyển {done.moved} thư sang thư mục đã xử lý.")
    if done.not_moved:
        click.echo("Đã lưu nhưng máy chủ không cho chuyển thư (thư vẫn ở thư mục cũ, sẽ không bị lấy lại):")
        for line in done.not_moved:
            click.echo(f"  {line}")
    if dry_run:
        click.echo("Chạy thử: chưa lưu tệp nào, chưa ghi sổ lịch sử.")


@main.command(context_settings=CONTEXT)
@workspace_option
@click.option("--month", "-m", metavar="THÁNG", required=True, help="Tháng đã tổng hợp, ví dụ 2026-10 hoặc 10/2026.")
@click.option("--dry-run", is_flag=True, help="Chỉ ghi các thư trả lời ra tệp .eml để xem trước, không gửi.")
@friendly
def reply(workspace: Path, month: str, dry_run: bool) -> None:
    """Trả lời từng người đã gửi tệp qua e-mail: số dòng đọc được, được tính, những chỗ cần sửa, kèm bản sao.

    Dùng cấu hình gửi thư ở mục [email]; mỗi phiên bản tệp chỉ được trả lời một lần. Thư được giữ ở
    output/thu-gui/THÁNG/tra-loi/.

    \b
    Ví dụ:
      thidua reply --month 10/2026 --dry-run
      thidua reply --month 2026-10
    """
    from thidua import api

    done = api.reply(workspace, month, dry_run=dry_run)
    if dry_run:
        click.echo(f"Đã ghi {len(done.written)} thư trả lời để xem trước (chưa gửi):")
        for path in done.written:
            click.echo(f"  {path}")
    else:
        click.echo(f"Đã gửi {len(done.sent)} thư trả lời.")
        for rel, why in done.failed:
            click.secho(f"Không gửi được thư trả lời về tệp {rel}: {why}", fg="red", err=True)
    if done.answered_before:
        click.echo(f"{done.answered_before} tệp đã được trả lời từ trước, không gửi lại.")
    sys.exit(1 if done.failed else 0)


@main.command(context_settings=CONTEXT)
@workspace_option
@click.option(
    "--remove", metavar="THÁNG", help="Xóa bản ghi của một tháng khỏi sổ lịch sử (kể cả tháng ngoài năm học)."
)
@friendly
def history(workspace: Path, remove: str | None) -> None:
    """Xem các tháng đã tổng hợp và các lần gửi báo cáo.

    \b
    Ví dụ:
      thidua history
      thidua history --remove 10/2026 -w thidua-2026-2027
    """
    from thidua import api

    month_label = api.month_label
    if remove is not None:
        month, removed = api.forget_month(workspace, remove)
        if not removed:
            click.echo(f"Sổ lịch sử không có tháng {month_label(month)}; không có gì để xóa.")
            sys.exit(1)
        click.echo(
            f"Đã xóa tháng {month_label(month)} khỏi sổ lịch sử (biểu đồ xu hướng không còn tháng này). Thư mục "
            f"kết quả output/{month} (nếu có) vẫn giữ nguyên; hãy tự xóa nếu không cần."
        )
        return
    recorded = api.history(workspace)
    months = recorded.months
    if not months:
        click.echo("Chưa có tháng nào được tổng hợp. Hãy chạy: thidua run --month YYYY-MM")
        return
    _table(
        ("Tháng", "Ghi lúc (giờ Việt Nam)", "Số tệp", "Lỗi", "Cảnh báo"),
        [(m.month, m.recorded_local, str(m.files), str(m.errors), str(m.warnings)) for m in months],
        right=(2, 3, 4),
    )
    sent = recorded.sends
    click.echo("")
    if not sent:
        click.echo("Chưa gửi báo cáo nào.")
        return
    _table(
        ("Tháng", "Lúc (giờ Việt Nam)", "Gửi đến", "Kết quả", "Message-ID"),
        [(s.month, s.attempted_local, s.recipients, s.status, s.message_id) for s in sent],
    )


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
    from thidua import api

    ws, made = api.demo(directory)
    if made:
        click.echo(f"Đã tạo thư mục thử nghiệm {directory} với số liệu mẫu.")
    else:
        click.echo(f"Dùng lại thư mục thử nghiệm {directory}.")
    sys.exit(_run_month(ws.root, api.demo_month(), as_json=False))


class VietnameseSubgroup(VietnameseHelp, click.Group):
    """A group of commands under thidua (thidua office …), with the same Vietnamese help."""

    command_class = VietnameseHelp


@main.group(cls=VietnameseSubgroup, context_settings=CONTEXT)
def office() -> None:
    """Tổng hợp của cơ quan nhận báo cáo (UBND xã, Sở GD&ĐT): báo cáo và hồ sơ của nhiều đơn vị.

    \b
    Quy trình:
      1. thidua office init thidua-xa-2026-2027        tạo thư mục, điền donvi.xlsx
      2. thidua office collect -w thidua-xa-2026-2027  lấy tệp các đơn vị gửi qua e-mail vào nhan/<mã đơn vị>/
         (hoặc chép tay vào đó)
      3. thidua office check --month 2027-05 -w thidua-xa-2026-2027  xem trước đơn vị nào thiếu, tệp nào lỗi
      4. thidua office run --month 2027-05 -w thidua-xa-2026-2027
      5. mở thư mục output/2027-05/

    Thử ngay với các trường mẫu: thidua office init thu-nghiem-xa --demo
    """


@office.command("init", context_settings=CONTEXT)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--school-year", metavar="NĂM-NĂM", help="Năm học tổng hợp, ví dụ 2026-2027 (mặc định: năm học hiện tại)."
)
@click.option(
    "--demo", is_flag=True, help="Thêm các trường mẫu (hư cấu) và các tệp họ đã gửi, để chạy thử thidua office run."
)
@click.option(
    "--from",
    "source",
    metavar="THƯ_MỤC_CŨ",
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục của năm học trước: chép danh sách đơn vị và cấu hình; office run đặt số liệu cùng kỳ năm trước "
    "bên cạnh.",
)
@friendly
def office_init(directory: Path, school_year: str | None, demo: bool, source: Path | None) -> None:
    """Tạo thư mục làm việc của cơ quan tổng hợp cho một năm học.

    Thư mục gồm donvi.xlsx (danh sách đơn vị: mã, tên, loại, e-mail, số CBGVNV), thidua.toml (mục [office]: tên
    cơ quan, cấp Xã hoặc Tỉnh, ký hiệu, người ký, hạn nộp), nhan/ (nơi chép tệp các đơn vị gửi, mỗi đơn vị một
    thư mục con đặt tên bằng mã đơn vị) và output/.

    \b
    Ví dụ:
      thidua office init thidua-xa-2026-2027 --school-year 2026-2027
      thidua office init thu-nghiem-xa --demo
      thidua office init thidua-xa-2027-2028 --from thidua-xa-2026-2027
    """
    from thidua import api

    created = api.office_init(directory, school_year=school_year, demo=demo, progress=_progress(), source=source)
    click.echo(f"Đã tạo thư mục của cơ quan tổng hợp {directory} (năm học {created.school_year}).")
    click.echo(f"  Danh sách đơn vị: {created.units_file.name} ({created.units} đơn vị)")
    click.echo(f"  Chép tệp các đơn vị gửi vào: {created.received.name}/<mã đơn vị>/")
    click.echo("  Cấu hình (tên cơ quan, ký hiệu, người ký, hạn nộp): thidua.toml, mục [office]")
    if demo:
        click.echo(f"Đã chép các tệp mẫu của {created.units} trường vào {created.received.name}/. Chạy thử:")
        click.echo(f"  thidua office run --month {api.office_demo_month(created.root)} -w {directory}")


@office.command("collect", context_settings=CONTEXT)
@office_option
@click.option(
    "--month", "-m", metavar="THÁNG", help="Chỉ lấy thư nhận từ đầu tháng này, ví dụ 2027-05 (mặc định: cả năm học)."
)
@click.option("--dry-run", is_flag=True, help="Chỉ liệt kê các thư và tệp sẽ lấy, không lưu gì.")
@friendly
def office_collect(workspace: Path, month: str | None, dry_run: bool) -> None:
    """Lấy các tệp các đơn vị gửi qua e-mail vào nhan/<mã đơn vị>/, theo địa chỉ e-mail trong donvi.xlsx.

    Cấu hình ở mục [imap] của thidua.toml (như thư mục của trường); mật khẩu lấy từ biến môi trường ghi ở
    password_env (mặc định THIDUA_IMAP_PASSWORD). Tệp từ địa chỉ không có trong donvi.xlsx được lưu vào
    nhan/khong-ro/ và liệt kê ra. Thư đã lấy không bị lấy lại; thư không bao giờ bị xóa; không tệp nào bị ghi đè.

    \b
    Ví dụ:
      thidua office collect -w thidua-xa-2026-2027
      thidua office collect --month 2027-05 --dry-run -w thidua-xa-2026-2027
    """
    from thidua import api

    done = api.office_collect(workspace, month=month, dry_run=dry_run, progress=_progress())
    _collected(done, "nhan/<mã đơn vị>/", dry_run)
    if done.unknown:
        click.echo(f"{len(done.unknown)} tệp từ địa chỉ không có trong donvi.xlsx (đã lưu vào nhan/khong-ro/):")
        for name, who in done.unknown:
            click.echo(f"  {name}  (từ {who})")
        click.echo("Hãy thêm địa chỉ đó vào cột E-mail của đơn vị trong donvi.xlsx, hoặc chép tệp vào đúng thư mục.")


@office.command("run", context_settings=CONTEXT)
@office_option
@click.option("--month", "-m", metavar="THÁNG", required=True, help="Tháng tổng hợp, ví dụ 2027-05 hoặc 05/2027.")
@click.option(
    "--from",
    "previous",
    metavar="THƯ_MỤC_CŨ",
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục của năm học trước, để đặt số liệu cùng kỳ năm trước bên cạnh (mặc định: thư mục ghi khi "
    "office init --from).",
)
@friendly
def office_run(workspace: Path, month: str, previous: Path | None) -> None:
    """Tổng hợp báo cáo tháng của các đơn vị: bảng đơn vị × chỉ tiêu, đơn vị chưa gửi hoặc gửi muộn, các vấn đề.

    Đọc mọi tệp trong nhan/ (báo cáo bao-cao-thi-dua-THÁNG.xlsx do thidua lập, qua trang _thidua, dù đã được
    Excel hay LibreOffice lưu lại; danh sách đề nghị của trường không dùng thidua, theo dòng tiêu đề). Tháng có
    bình xét cuối năm: thêm danh sách tổng hợp đề nghị khen thưởng theo cấp quyết định, đánh dấu người được hai đơn
    vị đề nghị, đề nghị chưa đủ điều kiện và danh sách khác báo cáo của chính đơn vị. Thoát với mã 1 khi có đơn vị
    chưa gửi hoặc có lỗi.

    \b
    Ví dụ:
      thidua office run --month 2027-05 -w thidua-xa-2026-2027
    """
    from thidua import api

    ran = api.office_run(workspace, month, previous=previous)
    failed = _print_office_month(ran.month)
    click.echo(f"Kết quả: {ran.folder}")
    for path in ran.files:
        click.echo(f"  {path.name}")
    sys.exit(1 if failed else 0)


OFFICE_CHECK_SHOWN = 40  # issues printed by office check; the units workbook of office run lists every one


@office.command("check", context_settings=CONTEXT)
@office_option
@click.option("--month", "-m", metavar="THÁNG", required=True, help="Tháng kiểm tra, ví dụ 2027-05 hoặc 05/2027.")
@friendly
def office_check(workspace: Path, month: str) -> None:
    """Chỉ đọc và kiểm tra mọi tệp các đơn vị đã gửi cho một tháng, không ghi tệp nào. Thoát với mã 1 khi có lỗi
    hoặc có đơn vị chưa gửi.

    In tình hình gửi của từng đơn vị và các vấn đề (đơn vị, tệp, trang, ô) để nhắc đơn vị gửi lại trước khi
    tổng hợp; khi đã ổn, chạy thidua office run để ghi kết quả.

    \b
    Ví dụ:
      thidua office check --month 2027-05 -w thidua-xa-2026-2027
    """
    from thidua import api

    done = api.office(workspace, month)
    failed = _print_office_month(done)
    shown = list(done.issues[["unit", "severity", "file", "sheet", "cell", "message"]].itertuples(index=False))
    for unit, severity, file, sheet, cell, message in shown[:OFFICE_CHECK_SHOWN]:
        where = " › ".join(str(part) for part in (file, sheet, cell) if part)
        click.echo(f"  {severity} · {unit or '—'} · {where}: {message}")
    if len(shown) > OFFICE_CHECK_SHOWN:
        click.echo(
            f"  … và {len(shown) - OFFICE_CHECK_SHOWN} vấn đề khác: thidua office run --month {month} ghi đủ danh "
            "sách vào bảng tong-hop-don-vi (trang Vấn đề)."
        )
    click.echo("Chưa ghi tệp nào (chỉ kiểm tra).")
    sys.exit(1 if failed else 0)


def _print_office_month(done: Any) -> bool:
    """What office run and office check print of a month: the units received, late and missing, the issue counts
    and the year-end findings. True when there are errors or units that sent nothing."""
    from thidua import api

    units = done.summary["units"]
    click.echo(
        f"Tháng {api.month_label(done.month)}: đã nhận {units['received']}/{units['expected']} đơn vị "
        f"({units['late']} gửi muộn, {units['missing']} chưa gửi)."
    )
    rows = [
        (str(code), str(name), str(state), api.day_label(received))
        for code, name, state, received in done.units[["code", "name", "state", "received"]].itertuples(index=False)
    ]
    if rows:
        _table(("Mã", "Đơn vị", "Tình trạng", "Ngày nhận"), rows)
    counts = done.summary["issues"]
    click.echo(f"Vấn đề: {counts['error']} lỗi, {counts['warning']} cảnh báo, {counts['note']} ghi chú.")
    if done.year_end:
        findings = done.summary["findings"]
        click.echo(
            f"Đề nghị khen thưởng: {len(done.nominees)} đề nghị; {findings['persons_twice']} người được hai đơn vị "
            f"đề nghị; {findings['initiatives_twice']} sáng kiến được tính ở hai đơn vị; {findings['not_eligible']} đề "
            "nghị chưa đủ điều kiện."
        )
    return bool(counts["error"] or units["missing"])


@main.command(context_settings=CONTEXT)
@workspace_option
@click.option(
    "--port",
    type=int,
    metavar="CỔNG",
    help="Cổng trên máy này, 1–65535 (mặc định: 8720, hoặc cổng trống kế tiếp).",
)
@click.option("--no-browser", is_flag=True, help="Không tự mở trình duyệt; chỉ in địa chỉ của trang.")
@friendly
def serve(workspace: Path, port: int | None, no_browser: bool) -> None:
    """Mở trang thidua của thư mục làm việc trong trình duyệt của máy này (không cần Internet).

    Trang chỉ mở được trên chính máy này, bằng địa chỉ có mã truy cập được in ra (mỗi lần chạy một mã mới). Trên
    trang: tổng quan tháng, nộp và kiểm tra tệp, kiểm tra hoặc chạy tổng hợp tháng, tải kết quả, gửi báo cáo, lấy
    tệp từ hộp thư và trả lời người gửi, lịch sử. Thư mục của cơ quan tổng hợp (thidua office init) có trang các đơn
    vị. Dừng: Ctrl+C.

    \b
    Ví dụ:
      thidua serve
      thidua serve -w "D:\\Thi dua\\2026-2027" --port 8800
    """
    from thidua.page.server import start, wait_for_work

    if port is not None and not 1 <= port <= 65535:
        raise UsageError(f"Cổng phải là một số từ 1 đến 65535 (đang là {port}).")
    page = start(workspace, port)
    click.echo(f"Trang thidua của thư mục {workspace.resolve()} đang chạy tại:")
    click.echo(f"  {page.url}")
    click.echo("Giữ cửa sổ này mở trong khi dùng trang. Dừng: bấm Ctrl+C.")
    if not no_browser:
        import webbrowser

        threading.Thread(target=webbrowser.open, args=(page.url,), daemon=True).start()
    try:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is how the page is stopped: not an error
            page.server.serve_forever()
    finally:
        page.server.server_close()
    wait_for_work(page, lambda line: click.echo(line, err=True))
    click.echo("Đã dừng trang thidua.", err=True)


def _run_month(workspace: Path, month: str, as_json: bool) -> int:
    from thidua import api

    ran = api.run(workspace, month, _progress())
    result, outputs, checked = ran.result, ran.outputs, ran.report_path
    if outputs is None:
        _print_issue_counts(result.issues.counts(), len(result.files_read))
        click.secho(
            "Lỗi: các ngày trong tệp kế hoạch (đợt thi đua, hạn nộp đăng ký) chưa hợp lệ nên chưa tính số liệu tháng "
            f"{api.month_label(result.month)}; chỉ ghi danh sách lỗi: {checked}. Hãy sửa các ô được nêu trong "
            "kehoach.xlsx rồi chạy lại.",
            fg="red",
            err=True,
        )
        return 1
    if as_json:
        click.echo(json.dumps(api.summary(result), ensure_ascii=False, indent=2))
    else:
        _print_targets(result)
        _print_issue_counts(result.issues.counts(), len(result.files_read))
        click.echo(f"Kết quả tháng {result.month}: {outputs.folder}")
        for path in outputs.written():
            click.echo(f"  {path.name}")
        for path in outputs.dossier_files():
            click.echo(f"  {path.parent.name}/{path.name}")
        timely = api.timely_rewards(result)
        if len(timely):
            click.echo(
                f"Có {len(timely)} kết quả đạt giải cần đề nghị khen thưởng kịp thời (trang “Đề nghị đột xuất” của "
                f"bảng tổng hợp); lập tờ trình bằng: thidua propose --month {result.month}"
            )
    return 1 if result.issues.has_errors else 0


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], right: tuple[int, ...] = ()) -> None:
    """A plain text table: header, rule, rows; columns in `right` aligned right."""
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for i, row in enumerate((header, *rows)):
        click.echo(
            "  ".join(
                cell.rjust(w) if c in right else cell.ljust(w)
                for c, (cell, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
        if i == 0:
            click.echo("  ".join("-" * w for w in widths))


NAME_WIDTH = 40  # a target's name in the terminal table, cut at a word: the table fits a 100-column window


def _short(name: str, width: int = NAME_WIDTH) -> str:
    """A target's name as the terminal table shows it: whole when it fits, else cut at a word with "…"."""
    if len(name) <= width:
        return name
    cut = name[: width - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return f"{cut.rstrip(' ,;:–-')}…"


def _print_targets(result: Any) -> None:
    """The month's targets as summary.json shows them (the same view of the same frame), by their names."""
    from thidua import api

    shown_rows = []
    for t in api.summary(result)["targets"]:
        ratio = "—" if t["achieved_ratio"] is None else f"{t['achieved_ratio']:.0%}"
        number = "—" if t["target"] is None else str(t["target"])
        name = _short(t["name"] or t["code"])
        shown_rows.append((name, number, str(t["registered"]), str(t["achieved"]), ratio, t["status"]))
    header = ("Chỉ tiêu", "Số chỉ tiêu", "Đăng ký", "Đạt", "Tỷ lệ đạt", "Tình trạng")
    _table(header, shown_rows, right=(1, 2, 3, 4))


def _print_issue_counts(counts: dict[str, int], files: int) -> None:
    click.echo(f"Đã đọc {files} tệp: {counts['error']} lỗi, {counts['warning']} cảnh báo, {counts['note']} ghi chú.")


def _print_plan_issues(report: Any) -> None:
    for issue in report:
        click.echo(f"{issue.severity.value}: {issue.file} {issue.sheet} {issue.cell}: {issue.message}", err=True)


__all__ = ["UsageError", "main"]
