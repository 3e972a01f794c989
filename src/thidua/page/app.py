"""The Flask application of the local page (SPEC 16). Everything it shows or does goes through `thidua.api`.

Safety by construction: the server listens on 127.0.0.1 only (server.py); `create_app` refuses every request whose
Host is not this server's own address (DNS rebinding), every request without the session cookie that the printed
address's secret token is exchanged for, every POST without the page's CSRF token, and every file outside the
workspace's output folder."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, g, make_response, redirect, render_template, request, send_file
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge
from werkzeug.security import safe_join
from werkzeug.wrappers import Response as WerkzeugResponse

from thidua import api
from thidua.errors import ThiduaError, unexpected_failure
from thidua.page.charts import achieved_bars
from thidua.page.jobs import CHECK_STAGES, RUN_STAGES, Job, JobProgress, Jobs, elapsed
from thidua.page.names import UPLOAD_SUFFIXES, safe_upload_name
from thidua.system import log

COOKIE = "thidua_phien"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
MB = 1024 * 1024
MAX_FILES = 20  # files in one upload
PACE_LABEL = {"on-pace": "Đúng tiến độ", "behind": "Chậm", "far-behind": "Chậm nhiều", "not-due": "Chưa đến hạn"}
PACE_CLASS = {"on-pace": "tot", "behind": "cham", "far-behind": "rat-cham", "not-due": "chua"}
SEVERITY_CLASS = {"lỗi": "loi", "cảnh báo": "canh-bao", "ghi chú": "ghi-chu"}
# Nothing is loaded from elsewhere: scripts, styles, images and requests stay on this server.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@dataclass
class Keys:
    """The start's secrets: the token printed in the address, the cookie's value it is exchanged for, and the CSRF
    token every POST carries. New at every start."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    session: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))


class Busy:
    """How many changing requests (upload, check, run) are in progress."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __enter__(self) -> Busy:
        with self._lock:
            self.count += 1
        return self

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self.count -= 1


class Cache:
    """The months computed for the page, each kept while the submissions, plan and settings stay as they were."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.lock = threading.Lock()
        self.months: dict[str | None, tuple[tuple[Any, ...], api.Month]] = {}

    def fingerprint(self) -> tuple[Any, ...]:
        ws = api.workspace(self.workspace)
        seen: list[tuple[str, int, int]] = []
        for path in (ws.plan_path, ws.root / "thidua.toml"):
            if path.is_file():
                stat = path.stat()
                seen.append((str(path), stat.st_mtime_ns, stat.st_size))
        for root, dirs, files in os.walk(ws.submissions):
            dirs.sort()
            for name in sorted(files):
                stat = os.stat(os.path.join(root, name))
                seen.append((os.path.join(root, name), stat.st_mtime_ns, stat.st_size))
        return tuple(seen)

    def month(self, month: str | None) -> api.Month:
        with self.lock:
            now = self.fingerprint()
            kept = self.months.get(month)
            if kept is not None and kept[0] == now:
                return kept[1]
            computed = api.month(self.workspace, month)
            self.months[month] = self.months[computed.month] = (now, computed)
            return computed


def create_app(workspace: str | Path, port: int, keys: Keys | None = None) -> Flask:
    """The page for `workspace`, answering only as http://127.0.0.1:`port` or http://localhost:`port`."""
    root = Path(workspace).resolve()
    office = api.workspace_kind(root) == "office"  # a receiving office's workspace gets its units' page
    # A folder that is no workspace is refused before the server starts.
    year = api.office_year(root) if office else None
    ws = None if office else api.workspace(root)
    output = year.output if year is not None else api.workspace(root).output
    keys = keys or Keys()
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=int(ws.config.limits.max_file_mb * MB * MAX_FILES + MB) if ws is not None else MB,
        MAX_FORM_MEMORY_SIZE=MB,
        SECRET_KEY=secrets.token_bytes(32),
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.jinja_env.autoescape = True
    app.url_map.merge_slashes = False  # "/tai//etc/passwd" is refused, not redirected to "/tai/etc/passwd"
    hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
    cache = Cache(root)
    busy = Busy()
    jobs = Jobs(busy)
    app.extensions["thidua"] = {"keys": keys, "workspace": root, "cache": cache, "busy": busy, "jobs": jobs}
    app.extensions["thidua"]["kind"] = "office" if office else "school"

    @app.before_request
    def guard() -> WerkzeugResponse | None:
        if request.host not in hosts:  # DNS rebinding: a foreign name pointing at 127.0.0.1
            return _refuse("Địa chỉ không hợp lệ: trang này chỉ mở được tại máy này (127.0.0.1).", 403)
        token = request.args.get("token")
        if token is not None:
            if not hmac.compare_digest(token.encode(), keys.token.encode()):
                return _refuse("Mã truy cập không đúng. Hãy mở đúng địa chỉ in trong cửa sổ thidua serve.", 403)
            kept = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
            clean = request.path + (f"?{urlencode(kept)}" if kept else "")
            response = redirect(clean, code=303)
            response.set_cookie(COOKIE, keys.session, httponly=True, samesite="Strict", path="/")
            return response
        cookie = request.cookies.get(COOKIE, "")
        if not hmac.compare_digest(cookie.encode(), keys.session.encode()):
            return _refuse(
                "Chưa mở trang bằng địa chỉ có mã truy cập. Hãy mở đúng địa chỉ in trong cửa sổ thidua serve "
                "(mỗi lần chạy thidua serve có một mã mới).",
                403,
            )
        if request.method not in ("GET", "HEAD"):
            sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
            origin = request.headers.get("Origin")
            if origin is not None and origin not in {f"http://{h}" for h in hosts}:
                return _refuse("Yêu cầu từ trang khác bị từ chối.", 403)
            if not hmac.compare_digest(sent.encode(), keys.csrf.encode()):
                return _refuse("Yêu cầu thiếu mã bảo vệ (CSRF). Hãy tải lại trang rồi làm lại.", 403)
        g.months = None
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(ThiduaError)
    def thidua_error(exc: ThiduaError) -> Response:
        """What the workspace's state does not allow yet (a plan without a roster, a month outside the year, a busy
        workspace): its Vietnamese message inside the page, with the menu."""
        status = 400 if exc.exit_code == 2 else 409
        if request.headers.get("HX-Request"):
            return _refuse(exc.message, status)
        page = render_template("problem.html", page="", m=None, months=[], message=exc.message)
        return make_response(page, status)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_exc: RequestEntityTooLarge) -> Response:
        limit = ws.config.limits.max_file_mb if ws is not None else 1
        return _refuse(f"Tệp gửi lên quá lớn: mỗi tệp tối đa {limit:g} MB, mỗi lần tối đa {MAX_FILES} tệp.", 413)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        if isinstance(exc, InternalServerError):  # a fault of thidua itself: logged, said in Vietnamese, as the CLI
            failed = exc.original_exception
            trace = "".join(traceback.format_exception(failed)) if failed is not None else repr(exc)
            return _refuse(unexpected_failure(log.append(trace)).message, 500)
        words = {404: "Không có trang hoặc tệp này.", 405: "Thao tác không được phép."}
        return _refuse(words.get(exc.code or 0, exc.description or "Yêu cầu không hợp lệ."), exc.code or 400)

    @app.context_processor
    def common() -> dict[str, Any]:
        return {
            "csrf": keys.csrf,
            "pace_label": PACE_LABEL,
            "pace_class": PACE_CLASS,
            "sev_class": SEVERITY_CLASS,
            "office": office,
        }

    @app.get("/tai/<path:rel>")
    def download(rel: str) -> Response:
        target = _inside_output(output, rel)
        if target is None:
            return _refuse("Chỉ tải được các tệp kết quả trong thư mục output của thư mục làm việc.", 404)
        return send_file(target, as_attachment=True, download_name=target.name, max_age=0)

    if office:
        from thidua.page.office import add_office_pages

        add_office_pages(app, root, jobs)
        return app

    @app.get("/")
    def overview() -> str:
        month = cache.month(_asked_month())
        summary = api.summary(month.result)
        return render_template(
            "overview.html",
            page="tong-quan",
            m=month,
            s=summary,
            months=_months(month),
            chart=Markup(achieved_bars(summary["targets"])),  # built from escaped parts
            output_exists=(api.workspace(root).output / month.month / "summary.json").is_file(),
        )

    @app.get("/nop")
    def upload_form() -> str:
        month = cache.month(_asked_month())
        return render_template(
            "upload.html",
            page="nop",
            m=month,
            months=_months(month),
            received=_received(root, month.result),
            checked=None,
        )

    @app.post("/nop")
    def upload() -> str:
        month = _asked_month() or cache.month(None).month
        checked: list[dict[str, Any]] = []
        received = None
        with busy:
            saved, refused = _save_uploads(root)
            try:
                done = api.check(root, month) if saved else None
            except ThiduaError as exc:  # another run holds the workspace, a month outside the year…
                done = None
                refused.append(f"Đã lưu {len(saved)} tệp nhưng chưa kiểm tra được: {exc.message}")
            if done is not None:
                output = api.workspace(root).output
                for name, replaced in saved:
                    own = [i for i in done.result.issues if i.file == name]
                    read = name in done.result.files_read
                    copy = api.return_copy(root, done, name) if own else None
                    link = copy.relative_to(output).as_posix() if copy is not None else None
                    checked.append(
                        {"name": name, "replaced": replaced, "issues": own, "read": read, "return_copy": link}
                    )
                received = _received(root, done.result)
        context = {"checked": checked, "refused": refused, "month": month}
        if request.headers.get("HX-Request"):  # the list of files received is refreshed beside the results
            return render_template("_checked.html", received=received, oob=True, **context)
        shown = cache.month(month)
        return render_template(
            "upload.html", page="nop", m=shown, months=_months(shown), received=_received(root, shown.result), **context
        )

    @app.get("/ket-qua")
    def outputs() -> str:
        month = cache.month(_asked_month())
        running = jobs.running()  # a run going on (started here or before a reload) shows its progress
        context = _job_context(output, running, None, month.month)
        return render_template("outputs.html", page="ket-qua", m=month, months=_months(month), **context)

    @app.post("/chay")
    def run() -> str | Response:
        """Start the month's run (or, with viec=kiem-tra, its check only) in the background; htmx then polls
        /chay/tinh-trang for its stages. A request without htmx waits for the end and gets the whole page."""
        month = _asked_month() or cache.month(None).month
        check_only = request.form.get("viec") == "kiem-tra"
        job = Job("kiem-tra" if check_only else "chay", month, CHECK_STAGES if check_only else RUN_STAGES)
        started = jobs.start(job, _checking(root, month) if check_only else _running(root, month))
        refused = None
        if started is None:  # one run at a time: say so, and keep showing the one going on
            job = jobs.running() or job
            refused = job.busy
        elif not request.headers.get("HX-Request"):
            started.wait()
        context = _job_context(output, job, refused)
        if request.headers.get("HX-Request"):
            return make_response(render_template("_ran.html", **context), 409 if refused else 200)
        shown = cache.month(month)
        page = render_template("outputs.html", page="ket-qua", m=shown, months=_months(shown), **context)
        return make_response(page, 409 if refused or job.error else 200)

    @app.get("/chay/tinh-trang")
    def run_status() -> str:
        """Where the background run has got to (htmx polls it while it goes), then how it ended and the outputs."""
        job = jobs.current
        month = job.month if job is not None else (_asked_month() or cache.month(None).month)
        return render_template("_ran.html", **_job_context(output, job, None, month))

    @app.get("/gui")
    def send_form() -> str:
        month = cache.month(_asked_month())
        return render_template("send.html", page="gui", m=month, months=_months(month), letter=None, sent=None)

    @app.post("/gui/xem-truoc")
    def send_preview() -> Response:
        """The letter a dry run writes (`thidua send --dry-run`), shown for checking before it is sent."""
        month = cache.month(_asked_month())
        with busy:
            try:
                letter = api.preview_send(root, month.month)
            except ThiduaError as exc:  # the month not run yet, [email] not filled in…: what to do, in place
                page = render_template(
                    "send.html", page="gui", m=month, months=_months(month), letter=None, sent=None, problem=exc.message
                )
                return make_response(page, 400 if exc.exit_code == 2 else 409)
        return make_response(
            render_template("send.html", page="gui", m=month, months=_months(month), letter=letter, sent=None)
        )

    @app.post("/gui/gui")
    def send_now() -> Response:
        """The real send (`thidua send`), refused as the command refuses it (errors without the box ticked)."""
        month = cache.month(_asked_month())
        with busy:
            try:
                sent = api.send(root, month.month, force=request.form.get("force") == "1")
            except ThiduaError as exc:
                page = render_template(
                    "send.html", page="gui", m=month, months=_months(month), letter=None, sent=None, problem=exc.message
                )
                return make_response(page, 400 if exc.exit_code == 2 else 409)
        page = render_template("send.html", page="gui", m=month, months=_months(month), letter=None, sent=sent)
        return make_response(page, 200 if sent.exit_code == 0 else 409)

    from thidua.page.mail import add_mail_pages

    add_mail_pages(app, root, cache, busy)

    @app.get("/lich-su")
    def history() -> str:
        return render_template("history.html", page="lich-su", h=api.history(root), m=None, months=[])

    return app


def _running(root: Path, month: str) -> Callable[[JobProgress], Any]:
    return lambda progress: api.run(root, month, progress)


def _checking(root: Path, month: str) -> Callable[[JobProgress], Any]:
    def check(progress: JobProgress) -> api.Checked:
        checked = api.check(root, month, progress)
        progress.stage("issue report")
        return checked

    return check


def _job_context(output: Path, job: Job | None, refused: str | None, month: str | None = None) -> dict[str, Any]:
    """What _ran.html shows: the job's steps while it goes; when it has ended, its outcome and the outputs."""
    month = month or (job.month if job is not None else "")
    context: dict[str, Any] = {"job": job, "refused": refused, "month": month, "ran": None, "files": None}
    if job is not None and not job.finished:
        context["elapsed"] = elapsed(job)
        return context
    if job is not None and job.month == month:
        if job.error is not None:
            context["ran"] = {"error": job.error}
        elif job.kind == "co-quan":  # the office's roll-up: its units and issues
            context["ran"] = {"office": True, "summary": job.outcome.month.summary}
        else:
            result = job.outcome.result
            context["ran"] = {
                "check": job.kind == "kiem-tra",
                "ok": job.kind == "kiem-tra" or job.outcome.outputs is not None,
                "counts": result.issues.counts(),
                "files": len(result.files_read),
            }
    context["files"] = _outputs(output, month) if month else []
    return context


def _refuse(message: str, status: int) -> Response:
    """A refusal in Vietnamese: a whole page, or only the message for a request of htmx (swapped in place)."""
    template = "_refused.html" if request.headers.get("HX-Request") else "refused.html"
    response = make_response(render_template(template, message=message, status=status), status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    return response


def _asked_month() -> str | None:
    asked = request.values.get("thang", "").strip()
    return asked or None


def _months(month: api.Month) -> list[str]:
    """The months of the workspace's school year, 'YYYY-MM'."""
    year = month.result.plan.school_year
    first, last = year.first_month, year.last_month
    y, m = int(first[:4]), int(first[5:])
    found = []
    while f"{y:04d}-{m:02d}" <= last:
        found.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return found


def _inside_output(folder: Path, rel: str) -> Path | None:
    """The file `rel` names inside the workspace's output folder, or None when it would leave it (.., an absolute
    path, a drive, a link pointing out) or is no file."""
    output = folder.resolve()
    if "\\" in rel or "\x00" in rel:
        return None
    joined = safe_join(str(output), rel)
    if joined is None:
        return None
    target = Path(joined).resolve()
    if not target.is_relative_to(output) or not target.is_file():
        return None
    return target


def _outputs(output: Path, month: str) -> list[dict[str, Any]]:
    """The month's output files (and the check's issue report), as links relative to output/."""
    found = []
    for folder in (output / month, output / f"kiem-tra-{month}"):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*"), key=lambda p: (len(p.relative_to(folder).parts), str(p))):
            if path.is_file() and not path.name.startswith("."):
                found.append(
                    {
                        "rel": path.relative_to(output).as_posix(),
                        "name": path.relative_to(folder).as_posix(),
                        "folder": folder.name,
                        "kb": max(1, round(path.stat().st_size / 1024)),
                    }
                )
    return found


def _received(root: Path, result: Any) -> list[dict[str, Any]]:
    """The files in submissions/, with what the month's check (`result`, an api.Month's result) found in each."""
    submissions = api.workspace(root).submissions
    counts: dict[str, dict[str, int]] = {}
    for issue in result.issues:
        per = counts.setdefault(issue.file, {})
        per[issue.severity.value] = per.get(issue.severity.value, 0) + 1
    found = []
    for path in sorted(submissions.rglob("*")):
        if path.is_file():
            rel = path.relative_to(submissions).as_posix()
            found.append({"rel": rel, "read": rel in result.files_read, "counts": counts.get(rel, {})})
    return found


def _save_uploads(root: Path) -> tuple[list[tuple[str, bool]], list[str]]:
    """Save each uploaded spreadsheet under submissions/ by its safe name: [(name, replaced an older file)] and
    the refusals, one sentence each."""
    ws = api.workspace(root)
    limit = ws.config.limits.max_file_mb * MB
    saved: list[tuple[str, bool]] = []
    refused: list[str] = []
    ws.submissions.mkdir(parents=True, exist_ok=True)
    uploads = request.files.getlist("tep")
    if len(uploads) > MAX_FILES:
        refused.append(
            f"Mỗi lần gửi tối đa {MAX_FILES} tệp: {len(uploads) - MAX_FILES} tệp cuối chưa được nhận, hãy gửi lại."
        )
    for upload in uploads[:MAX_FILES]:
        shown = upload.filename or "(không tên)"
        name = safe_upload_name(upload.filename or "")
        if name is None:
            kinds = ", ".join(UPLOAD_SUFFIXES)
            refused.append(f"“{shown}”: không nhận, chỉ nhận tệp bảng tính ({kinds}).")
            continue
        stream = upload.stream
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        if size > limit:
            refused.append(f"“{shown}”: lớn hơn {ws.config.limits.max_file_mb:g} MB, không nhận.")
            continue
        if size == 0:
            refused.append(f"“{shown}”: tệp rỗng, không nhận.")
            continue
        twin = _same_file(ws.submissions, stream, size)
        if twin is not None:
            refused.append(f"“{shown}”: giống hệt tệp đã có {twin}, không lưu thêm (mỗi dòng chỉ được tính một lần).")
            continue
        target = ws.submissions / name
        replaced = target.exists()
        handle, tmp = tempfile.mkstemp(prefix=".tai-len-", dir=ws.submissions)
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in _chunks(stream):
                    out.write(chunk)
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            refused.append(f"“{shown}”: không ghi được vào {ws.submissions.name}/ ({exc.strerror or exc}).")
            continue
        saved.append((name, replaced))
    return saved, refused


def _same_file(submissions: Path, stream: Any, size: int) -> str | None:
    """The submissions/ file (relative, "/") with exactly the uploaded bytes, if one is there already."""
    digest = None
    for path in sorted(submissions.rglob("*")):
        if not path.is_file() or path.stat().st_size != size:
            continue
        if digest is None:
            digest = hashlib.sha256(b"".join(_chunks(stream))).digest()
            stream.seek(0)
        if hashlib.sha256(path.read_bytes()).digest() == digest:
            return path.relative_to(submissions).as_posix()
    return None


def _chunks(stream: Any, size: int = MB) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk
