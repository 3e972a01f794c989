"""The local page (SPEC 16) through Flask's test client: its safety rules (token → cookie, Host, CSRF, files only
from the outputs, bounded uploads with safe Vietnamese names, one run at a time) and what its pages show. The
same page in a real browser: tests/test_page_browser.py."""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from thidua import api
from thidua.cli import main
from thidua.page.app import COOKIE, Keys, create_app
from thidua.page.names import safe_upload_name
from thidua.page.server import start
from thidua.workspace import folder
from thidua.workspace.demo import _fill
from thidua.workspace.folder import Workspace

from .conftest import reg_row
from .imapserver import Account, ImapServer, imap_account, imap_server
from .smtpserver import Serve, send_through
from .test_collect import PASSWORD_ENV, fill_mailbox, school

__all__ = ["imap_account", "imap_server", "school"]  # fixtures of tests/imapserver and tests/test_collect, used here

PORT = 8799
BASE = f"http://127.0.0.1:{PORT}"


@pytest.fixture
def keys() -> Keys:
    return Keys()


@pytest.fixture
def app(demo_ws: Workspace, keys: Keys) -> Flask:
    return create_app(demo_ws.root, PORT, keys)


@pytest.fixture
def client(app: Flask, keys: Keys) -> FlaskClient:
    """A client that opened the printed address once: it holds the session cookie."""
    client = app.test_client()
    opened = client.get(f"/lich-su?token={keys.token}", base_url=BASE)
    assert opened.status_code == 303
    return client


def get(client: FlaskClient, path: str, **kwargs: object) -> object:
    return client.get(path, base_url=BASE, **kwargs)  # type: ignore[arg-type]


def download(client: FlaskClient, path: str) -> tuple[int, bytes, str]:
    """Status, body and Content-Disposition of a download, its file closed."""
    with client.get(path, base_url=BASE, follow_redirects=True) as answer:
        return answer.status_code, answer.get_data(), answer.headers.get("Content-Disposition", "")


def staff_file(ws: Workspace, target: Path, name: str) -> bytes:
    """A registration filled into the workspace's template for someone who is not on the roster (an error at the
    name's cell)."""
    _fill(ws.templates / "mau-dang-ky-thi-dua.xlsx", target, [reg_row(name, "LĐTT")])
    return target.read_bytes()


def test_the_printed_token_becomes_a_strict_httponly_cookie_and_leaves_the_address(app: Flask, keys: Keys) -> None:
    client = app.test_client()
    assert client.get("/lich-su", base_url=BASE).status_code == 403  # no cookie yet
    wrong = client.get("/lich-su?token=doan-bua", base_url=BASE)
    assert wrong.status_code == 403 and "Set-Cookie" not in wrong.headers
    opened = client.get(f"/lich-su?token={keys.token}&x=1", base_url=BASE)
    assert opened.status_code == 303 and opened.headers["Location"] == "/lich-su?x=1"  # the token is gone
    cookie = opened.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}={keys.session};") and keys.token not in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/lich-su", base_url=BASE)
    assert page.status_code == 200 and "Lịch sử" in page.get_data(as_text=True)
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    # A cookie of another start (another token) opens nothing.
    other = create_app(app.extensions["thidua"]["workspace"], PORT, Keys()).test_client()
    other.set_cookie(COOKIE, keys.session, domain="127.0.0.1")
    assert other.get("/lich-su", base_url=BASE).status_code == 403


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1:8000", "127.0.0.1", "0.0.0.0"])
def test_a_foreign_host_is_refused_even_with_the_cookie_and_token(client: FlaskClient, keys: Keys, host: str) -> None:
    for path in ("/lich-su", f"/lich-su?token={keys.token}"):
        refused = client.get(path, base_url=BASE, headers={"Host": host})
        assert refused.status_code == 403 and "Set-Cookie" not in refused.headers
    local = f"http://localhost:{PORT}"  # the other local name opens with the token (a cookie is per host name)
    assert client.get(f"/lich-su?token={keys.token}", base_url=local).status_code == 303
    assert client.get("/lich-su", base_url=local).status_code == 200


def test_a_change_without_the_csrf_token_is_refused(client: FlaskClient, keys: Keys, demo_ws: Workspace) -> None:
    for data, headers in (
        ({}, {}),
        ({"csrf": "sai"}, {}),
        ({"csrf": keys.csrf}, {"Origin": "http://evil.example"}),  # right token from another site's page
        ({"csrf": keys.token}, {}),  # the address's token is not the CSRF token
    ):
        refused = client.post("/chay", base_url=BASE, data={"thang": "2022-05", **data}, headers=headers)
        assert refused.status_code == 403
        assert "CSRF" in refused.get_data(as_text=True) or "trang khác" in refused.get_data(as_text=True)
    assert not (demo_ws.output / "2022-05").exists()  # nothing ran
    sent = client.post(
        "/nop", base_url=BASE, data={"tep": (io.BytesIO(b"x"), "a.xlsx")}, content_type="multipart/form-data"
    )
    assert sent.status_code == 403 and not (demo_ws.submissions / "a.xlsx").exists()
    assert client.get("/chay", base_url=BASE).status_code == 405  # a change is never a GET


def test_files_are_served_only_from_the_outputs(client: FlaskClient, demo_ws: Workspace, tmp_path: Path) -> None:
    month = demo_ws.output / "2022-05"
    month.mkdir(parents=True)
    (month / "tổng hợp.txt").write_bytes(b"ket qua")
    secret = tmp_path / "bi-mat.txt"
    secret.write_text("BI MAT", encoding="utf-8")
    (demo_ws.root / "thidua.toml").write_text("# BI MAT\n" + (demo_ws.root / "thidua.toml").read_text("utf-8"), "utf-8")
    (month / "loi-ra.txt").symlink_to(secret)
    status, body, disposition = download(client, "/tai/2022-05/t%E1%BB%95ng%20h%E1%BB%A3p.txt")
    assert status == 200 and body == b"ket qua" and "attachment" in disposition
    for path in (
        "/tai/../thidua.toml",
        "/tai/2022-05/../../thidua.toml",
        "/tai/%2e%2e%2fthidua.toml",
        "/tai/%2E%2E/thidua.toml",
        "/tai/..%2fthidua.toml",
        "/tai/2022-05/%2e%2e%2f%2e%2e%2fthidua.toml",
        "/tai/..%5cthidua.toml",
        "/tai/%2Fetc%2Fpasswd",
        f"/tai/{secret}",
        f"/tai/{str(secret).replace('/', '%2f')}",
        "/tai/2022-05/loi-ra.txt",  # a link inside output/ pointing out of it
        "/tai/2022-05",  # a folder
        "/tai/C:%5cWindows%5cwin.ini",
    ):
        status, body, _ = download(client, path)
        assert status in (400, 404), path
        assert b"BI MAT" not in body and b"root:" not in body, path


def test_uploads_are_bounded_by_the_workspace_limits(client: FlaskClient, keys: Keys, demo_ws: Workspace) -> None:
    settings = demo_ws.root / "thidua.toml"
    settings.write_text(settings.read_text("utf-8").replace("max_file_mb = 50", "max_file_mb = 0.01"), "utf-8")
    app = create_app(demo_ws.root, PORT, keys)  # the limits are read when the page starts
    client = app.test_client()
    get(client, f"/?token={keys.token}")
    big = io.BytesIO(b"PK" + b"\0" * 20_000)  # 20 KB over a limit of 0.01 MB
    answer = client.post(
        "/nop",
        base_url=BASE,
        data={"csrf": keys.csrf, "thang": "2022-05", "tep": (big, "Lớn.xlsx")},
        content_type="multipart/form-data",
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200 and "lớn hơn 0.01 MB" in answer.get_data(as_text=True)
    assert not (demo_ws.submissions / "Lớn.xlsx").exists()
    body = b"--b\r\nContent-Disposition: form-data; name=tep; filename=x.xlsx\r\n\r\n" + b"\0" * (2 * 1024 * 1024)
    huge = client.post(  # a request beyond every file's bound is cut off before it is read
        f"/nop?csrf={keys.csrf}", base_url=BASE, data=body, content_type="multipart/form-data; boundary=b"
    )
    assert huge.status_code == 413 and "quá lớn" in huge.get_data(as_text=True)
    assert not (demo_ws.submissions / "x.xlsx").exists()
    assert not list(demo_ws.submissions.glob(".tai-len-*"))


def test_an_upload_keeps_its_vietnamese_name_made_safe_and_shows_its_issues_at_once(
    client: FlaskClient, keys: Keys, demo_ws: Workspace, tmp_path: Path
) -> None:
    content = staff_file(demo_ws, tmp_path / "f.xlsx", "Người Không Có Tên")
    sent_name = unicodedata.normalize("NFD", "../../Đăng ký: tổ Văn phòng.xlsx")  # a hostile path, decomposed
    answer = client.post(
        "/nop",
        base_url=BASE,
        data={
            "csrf": keys.csrf,
            "thang": "2022-05",
            "tep": [(io.BytesIO(content), sent_name), (io.BytesIO(b"MZ"), "chuong-trinh.exe")],
        },
        content_type="multipart/form-data",
        headers={"HX-Request": "true"},
    )
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200
    saved = demo_ws.submissions / "Đăng ký_ tổ Văn phòng.xlsx"
    assert saved.read_bytes() == content
    assert [p.name for p in demo_ws.submissions.iterdir() if p.is_file()] == [saved.name]  # NFC, nothing else
    assert not (demo_ws.root / "Đăng ký_ tổ Văn phòng.xlsx").exists()
    assert "chuong-trinh.exe" in text and "chỉ nhận tệp bảng tính" in text
    assert not list(demo_ws.root.rglob("chuong-trinh.exe"))
    # That file's own issues, with sheet and cell: the name is not on the roster.
    checked = api.month(demo_ws.root, "2022-05").issues
    own = checked[checked["file"] == saved.name]
    assert len(own) and all(str(row.message) in text for row in own.itertuples())
    assert f"<td>{own.iloc[0]['sheet']}</td><td>{own.iloc[0]['cell']}</td>" in text
    assert "Người Không Có Tên" in text
    # Its return copy, to send back: the bad cell marked, as the month's run marks it.
    link = re.search(r'href="(/tai/kiem-tra-2022-05/tra-lai/[^"]+\.xlsx)"', text)
    assert link is not None
    status, body, _ = download(client, link.group(1))
    assert status == 200 and body.startswith(b"PK") and body != content
    copy = load_workbook(io.BytesIO(body))
    assert len(copy.sheetnames) > len(load_workbook(io.BytesIO(content)).sheetnames)  # the sheet telling what to fix


@pytest.mark.parametrize(
    ("sent", "saved"),
    [
        ("Báo cáo tổ 1.xlsx", "Báo cáo tổ 1.xlsx"),
        (unicodedata.normalize("NFD", "Trần Thị Mỹ Linh.XLSX"), "Trần Thị Mỹ Linh.xlsx"),
        ("..\\..\\Windows\\đăng ký.xlsx", "đăng ký.xlsx"),
        ("/etc/cron.d/x.xlsx", "x.xlsx"),
        (".bashrc.xlsx", "bashrc.xlsx"),
        ("CON.xlsx", "_CON.xlsx"),
        ("lpt1.tổ 2.xls", "_lpt1.tổ 2.xls"),
        ("a\x00b\r\nc\u202e.xlsx", "a b c.xlsx"),
        ('Hỏi?<"x">|*.ods', "Hỏi___x____.ods"),
        ("tên. . .xlsx", "tên.xlsx"),
        ("virus.exe", None),
        ("bảng.xlsx.exe", None),
        (".xlsx", None),
        ("../..", None),
        ("", None),
    ],
)
def test_safe_upload_names(sent: str, saved: str | None) -> None:
    assert safe_upload_name(sent) == saved
    assert safe_upload_name("ạ" * 300 + ".xlsx").endswith("ạ.xlsx")  # type: ignore[union-attr]
    assert len(safe_upload_name("ạ" * 300 + ".xlsx").encode()) <= 200  # type: ignore[union-attr]


def test_the_month_runs_once_at_a_time_and_its_outputs_download_whole(
    client: FlaskClient, keys: Keys, demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(folder, "LOCK_WAIT", 0.2)
    htmx = {"HX-Request": "true"}
    jobs = client.application.extensions["thidua"]["jobs"]
    with folder.locked(demo_ws):  # another run (thidua run in a console window) holds the workspace
        busy = client.post("/chay", base_url=BASE, data={"csrf": keys.csrf, "thang": "2022-05"})
        monkeypatch.setattr(folder, "LOCK_WAIT", 3.0)  # the page's run waits for the lock meanwhile
        also = client.post("/chay", base_url=BASE, data={"csrf": keys.csrf, "thang": "2022-05"}, headers=htmx)
        again = client.post(
            "/chay", base_url=BASE, data={"csrf": keys.csrf, "thang": "2022-05", "viec": "kiem-tra"}, headers=htmx
        )
        jobs.current.wait()
        ended = get(client, "/chay/tinh-trang", headers=htmx)
        monkeypatch.setattr(folder, "LOCK_WAIT", 0.2)
        sent = client.post(
            "/nop",
            base_url=BASE,
            data={"csrf": keys.csrf, "thang": "2022-05", "tep": (io.BytesIO(b"PK\3\4 moi"), "Tổ 1 mới.xlsx")},
            content_type="multipart/form-data",
            headers=htmx,
        )
    assert busy.status_code == 409 and "Một lệnh thidua khác đang chạy" in busy.get_data(as_text=True)
    started = also.get_data(as_text=True)  # htmx swaps it in place: the run's steps, polled, no whole page
    assert also.status_code == 200 and 'hx-get="/chay/tinh-trang"' in started and "<html" not in started
    assert "đang chạy" in started and "Đọc kế hoạch" in started
    # A second run asked for meanwhile (here a check) is refused in Vietnamese, the first one still shown.
    refused = again.get_data(as_text=True)
    assert again.status_code == 409 and "mỗi lần chỉ chạy một lượt" in refused
    assert "Đang chạy tổng hợp tháng 05/2022" in refused
    fragment = ended.get_data(as_text=True)  # the page's run ended with the other command's message
    assert "Chưa chạy được: Một lệnh thidua khác" in fragment and "hx-get" not in fragment and "<html" not in fragment
    assert sent.status_code == 200 and "Đã lưu 1 tệp nhưng chưa kiểm tra được" in sent.get_data(as_text=True)
    assert (demo_ws.submissions / "Tổ 1 mới.xlsx").exists()
    assert not (demo_ws.output / "2022-05").exists()
    ran = client.post("/chay", base_url=BASE, data={"csrf": keys.csrf, "thang": "2022-05"})
    text = ran.get_data(as_text=True)
    assert ran.status_code == 200 and "Đã chạy xong tháng 05/2022" in text
    summary = demo_ws.output / "2022-05" / "summary.json"
    assert 'href="/tai/2022-05/summary.json"' in text
    assert download(client, "/tai/2022-05/summary.json")[1] == summary.read_bytes()
    dashboard = demo_ws.output / "2022-05" / "tong-hop-thi-dua-2022-05.xlsx"
    assert download(client, "/tai/2022-05/tong-hop-thi-dua-2022-05.xlsx")[1] == dashboard.read_bytes()
    history = get(client, "/lich-su").get_data(as_text=True)
    assert "05/2022" in history


def test_the_overview_shows_the_months_figures_with_an_svg_chart(client: FlaskClient, demo_ws: Workspace) -> None:
    page = get(client, "/?thang=2022-05")
    text = page.get_data(as_text=True)
    summary = api.summary(api.month(demo_ws.root, "2022-05").result)
    assert page.status_code == 200 and "<svg" in text and text.count('class="thanh ') >= 1
    for target in summary["targets"]:
        assert f'data-code="{target["code"]}"' in text
    for who in summary["not_submitted"]:
        assert who in text
    assert f'<span class="so" id="so-canh-bao">{summary["issues"]["warning"]}</span>' in text
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")  # nothing loaded from elsewhere
    outside = get(client, "/?thang=2030-01")
    assert outside.status_code == 400 and "năm học" in outside.get_data(as_text=True)


def test_the_server_listens_on_loopback_only(demo_ws: Workspace) -> None:
    page = start(demo_ws.root)
    try:
        assert page.server.server_address[0] == "127.0.0.1"
        assert page.url.startswith(f"http://127.0.0.1:{page.port}/?token=") and page.keys.token in page.url
    finally:
        page.server.server_close()


def test_serve_says_in_vietnamese_when_its_port_is_taken_or_wrong(demo_ws: Workspace) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "-w", str(demo_ws.root), "--port", str(port), "--no-browser"])
    assert result.exit_code == 1 and f"Cổng {port} đang được chương trình khác dùng" in result.output
    result = CliRunner().invoke(main, ["serve", "-w", str(demo_ws.root), "--port", "0", "--no-browser"])
    assert result.exit_code == 2 and "Cổng phải là một số từ 1 đến 65535" in result.output


def test_init_writes_the_windows_launcher(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "ws")])
    assert result.exit_code == 0 and "mo-thidua.bat" in result.output
    raw = (tmp_path / "ws" / "mo-thidua.bat").read_bytes()
    lines = raw.decode("utf-8").split("\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n") and lines[0] == "@echo off"
    assert lines.index("chcp 65001 >nul") < next(i for i, line in enumerate(lines) if "THIDUA_PY=" in line)
    assert f'set "THIDUA_PY={os.path.realpath(__import__("sys").executable)}"' in lines or any(
        line == f'set "THIDUA_PY={__import__("sys").executable}"' for line in lines
    )
    assert '  "%THIDUA_PY%" -m thidua serve -w "%~dp0."' in lines
    assert '  py -m thidua serve -w "%~dp0."' in lines


def test_a_workspace_not_ready_yet_says_why_inside_the_page(tmp_path: Path) -> None:
    """A school's new workspace (no roster yet): the page opens with its menu and the plan's message, no traceback."""
    fresh = api.init(tmp_path / "moi").workspace
    keys = Keys()
    client = create_app(fresh.root, PORT, keys).test_client()
    get(client, f"/?token={keys.token}")
    answer = get(client, "/")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "chưa có danh sách CBGVNV" in text
    assert 'href="/lich-su"' in text and "Traceback" not in text
    assert get(client, "/lich-su").status_code == 200


def test_the_letter_is_previewed_then_sent_from_the_page(
    client: FlaskClient, keys: Keys, demo_ws: Workspace, serve: Serve
) -> None:
    """Gửi báo cáo: before the month is run the page says what to do; then the dry run's letter is shown (to,
    subject, attachments, body) and the real send reaches the SMTP server on 127.0.0.1, recorded in the history.
    The page's changes are POSTs with the CSRF token."""
    from .test_send import configure

    inbox, port = serve()
    configure(demo_ws, port)
    form = {"csrf": keys.csrf, "thang": "2022-05"}
    early = client.post("/gui/xem-truoc", base_url=BASE, data=form)
    assert early.status_code == 400 and "thidua run" in early.get_data(as_text=True)  # not run yet: what to do
    assert client.post("/gui/xem-truoc", base_url=BASE, data={"thang": "2022-05"}).status_code == 403  # no CSRF
    assert client.post("/chay", base_url=BASE, data=form).status_code == 200
    shown = client.post("/gui/xem-truoc", base_url=BASE, data=form)
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "thidua@pgd.example.vn" in page and "bao-cao-thi-dua-2022-05.xlsx" in page
    assert "to-trinh-de-nghi-khen-thuong.docx" in page and "Kính gửi" in page  # the vote month's dossier goes too
    assert not inbox.envelopes  # a preview sends nothing
    sent = client.post("/gui/gui", base_url=BASE, data=form)
    assert sent.status_code == 200 and "Đã gửi báo cáo tháng" in sent.get_data(as_text=True)
    _envelope, letter = inbox.only()
    assert "05/2022" in str(letter["Subject"])
    assert [s.status for s in api.history(demo_ws.root).sends] == ["đã gửi"]


def test_check_only_writes_the_issue_report_alone_and_shows_the_batchs_stages(
    client: FlaskClient, keys: Keys, demo_ws: Workspace
) -> None:
    """Chỉ kiểm tra: the month read and checked on a thread, its stages reported through the batch's progress hook
    and shown by the status endpoint; only the issue report written (output/kiem-tra-M/), no month outputs, no
    history."""
    jobs = client.application.extensions["thidua"]["jobs"]
    form = {"csrf": keys.csrf, "thang": "2022-05", "viec": "kiem-tra"}
    started = client.post("/chay", base_url=BASE, data=form, headers={"HX-Request": "true"})
    assert started.status_code == 200 and 'hx-trigger="load delay:700ms"' in started.get_data(as_text=True)
    jobs.current.wait()
    assert jobs.current.done_stages == [
        "plan (read_plan)",
        "read + repair + validate",
        "merge + measure + rules",
        "issue report",
    ]
    ended = get(client, "/chay/tinh-trang", headers={"HX-Request": "true"}).get_data(as_text=True)
    counts = api.month(demo_ws.root, "2022-05").result.issues.counts()
    assert "Đã kiểm tra xong tháng 05/2022" in ended and f"{counts['warning']} cảnh báo" in ended
    assert 'href="/tai/kiem-tra-2022-05/danh-sach-loi-2022-05.xlsx"' in ended and "hx-get" not in ended
    assert ended.count('class="xong"') == 4  # every step ticked
    assert (demo_ws.output / "kiem-tra-2022-05" / "danh-sach-loi-2022-05.xlsx").is_file()
    assert not (demo_ws.output / "2022-05").exists() and api.history(demo_ws.root).months == []
    # The outputs page, opened again, lists the report; no run is going on, so nothing polls.
    page = get(client, "/ket-qua?thang=2022-05").get_data(as_text=True)
    assert "danh-sach-loi-2022-05.xlsx" in page and "/chay/tinh-trang" not in page


@pytest.mark.slow  # the office demo is built once per session (about 20 s), shared with the browser test
def test_an_office_workspace_gets_its_units_page(office_demo_template: Path, tmp_path: Path) -> None:
    """`thidua serve -w` on an office workspace (SPEC 15): the kind is told through the API; the units of the month
    with their state, date received and issues, the month rolled up; the roll-up run in the background and its
    outputs downloaded byte for byte; no page of a school's (upload, send)."""
    root = tmp_path / "xa"
    shutil.copytree(office_demo_template, root)
    assert api.workspace_kind(root) == "office"
    keys = Keys()
    client = create_app(root, PORT, keys).test_client()
    get(client, f"/?token={keys.token}")
    month = api.office_year(root).shown
    assert month == "2027-05"  # the latest month its units reported
    page = get(client, "/")
    text = page.get_data(as_text=True)
    rolled = api.office(root, month)
    assert page.status_code == 200 and "Báo cáo các đơn vị tháng 05/2027" in text and 'href="/nop' not in text
    units = rolled.summary["units"]
    assert f'<span class="so" id="so-da-nhan">{units["received"]}/{units["expected"]}</span>' in text
    assert f'<span class="so" id="so-chua-gui">{units["missing"]}</span>' in text
    for row in rolled.units.itertuples(index=False):
        shown = re.search(rf'<tr data-code="{row.code}">(.*?)</tr>', text, re.S)
        assert shown is not None and row.state in shown.group(1) and api.day_label(row.received) in shown.group(1)
    for unit in set(rolled.issues["unit"]):  # the issues of each unit, under its name
        assert f'data-unit="{unit}"' in text
    assert all(str(m) in text for m in rolled.issues["message"])
    for total in rolled.summary["totals"]:
        assert f'<tr data-code="{total["code"]}">' in text
    # The chart: each target's reporting units split by the pace their own reports judged.
    parts = rolled.targets.groupby(["code", "pace"]).size()
    assert text.count('<rect class="thanh ') == len(parts) and "Số đơn vị theo tiến độ" in text
    assert text.count('<rect class="thanh tot"') == len(parts.xs("on-pace", level="pace"))
    axis = [int(t) for t in re.findall(r'<text class="nhan-truc"[^>]*>(\d+)</text>', text)]
    assert axis[-1] == rolled.targets["unit"].nunique() < units["received"]  # a list-only unit has no paces
    # The roll-up runs on a thread, polled; its outputs download whole.
    htmx = {"HX-Request": "true"}
    started = client.post("/chay", base_url=BASE, data={"csrf": keys.csrf, "thang": month}, headers=htmx)
    assert started.status_code == 200 and "/chay/tinh-trang" in started.get_data(as_text=True)
    client.application.extensions["thidua"]["jobs"].current.wait()
    ended = get(client, "/chay/tinh-trang", headers=htmx).get_data(as_text=True)
    assert f"đã nhận {units['received']}/{units['expected']} đơn vị" in ended
    summary = root / "output" / month / "summary.json"
    assert download(client, f"/tai/{month}/summary.json")[1] == summary.read_bytes()
    assert download(client, "/tai/..%2fdonvi.xlsx")[0] == 404
    assert get(client, "/nop").status_code == 404 and get(client, "/gui").status_code == 404
    outside = get(client, "/?thang=2030-01")
    assert outside.status_code == 409 and "ngoài năm học 2026–2027" in outside.get_data(as_text=True)


def test_collect_and_reply_from_the_page(
    school: Workspace,
    imap_server: ImapServer,
    imap_account: Account,
    serve: Serve,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hộp thư: the mailbox's password typed on the page (its variable not set) is used for that request only; a
    dry run files nothing; the collect files each spreadsheet once and lists it with its state; after the month's
    run the replies are previewed (nothing sent) and then sent to each sender through the SMTP server on 127.0.0.1,
    once per file version."""
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    fill_mailbox(school, imap_server, imap_account)
    keys = Keys()
    client = create_app(school.root, PORT, keys).test_client()
    get(client, f"/?token={keys.token}")
    month = "2026-10"
    page = get(client, f"/thu?thang={month}").get_data(as_text=True)
    assert imap_account.user in page and 'name="mat_khau"' in page and PASSWORD_ENV in page
    form = {"csrf": keys.csrf, "thang": month}
    without = client.post("/thu/lay", base_url=BASE, data=form)
    assert without.status_code == 409 and PASSWORD_ENV in without.get_data(as_text=True)
    dry = client.post("/thu/lay", base_url=BASE, data={**form, "mat_khau": imap_account.password, "chay_thu": "1"})
    assert dry.status_code == 200 and "Sẽ lưu 4 tệp" in dry.get_data(as_text=True)
    assert not (school.submissions / "e-mail").exists()
    done = client.post("/thu/lay", base_url=BASE, data={**form, "mat_khau": imap_account.password})
    text = done.get_data(as_text=True)
    saved = sorted(p.name for p in (school.submissions / "e-mail").iterdir())
    assert done.status_code == 200 and "Đã lưu 4 tệp vào submissions/e-mail/" in text and len(saved) == 4
    assert all(f"<code>{name}</code>" in text for name in saved) and "(từ Đặng Thị Ngọc Ánh)" in text
    listed = re.search(r'<table class="bang" id="tep-qua-thu">(.*?)</table>', text, re.S)
    assert listed is not None and all(f"e-mail/{name}" in listed.group(1) for name in saved)
    assert "Cần sửa" in listed.group(1)  # the hostile file among them is named
    assert imap_account.password not in text
    assert "Đã lưu 0 tệp" in client.post(
        "/thu/lay", base_url=BASE, data={**form, "mat_khau": imap_account.password}
    ).get_data(as_text=True)
    # Replies: the month run first, then previewed, then sent.
    inbox, port = serve()
    send_through(school.root / "thidua.toml", port)
    early = client.post("/thu/tra-loi", base_url=BASE, data=form)
    assert early.status_code == 400 and "thidua run" in early.get_data(as_text=True)
    assert client.post("/chay", base_url=BASE, data=form).status_code == 200  # a plain POST waits for the run
    preview = client.post("/thu/tra-loi", base_url=BASE, data=form)
    shown = preview.get_data(as_text=True)
    written = sorted((school.root / "output" / "thu-gui" / month / "tra-loi").glob("*.eml"))
    assert preview.status_code == 200 and f"{len(written)} thư trả lời sẽ được gửi" in shown and written
    assert shown.count('<details class="thu">') == len(written) and "Kính gửi thầy/cô Phạm Thị Hòa" in shown
    assert inbox.envelopes == []  # a preview sends nothing
    sent = client.post("/thu/tra-loi", base_url=BASE, data={**form, "gui": "1"})
    assert sent.status_code == 200 and f"Đã gửi {len(written)} thư trả lời" in sent.get_data(as_text=True)
    assert len(inbox.envelopes) == len(written)
    again = client.post("/thu/tra-loi", base_url=BASE, data={**form, "gui": "1"}).get_data(as_text=True)
    assert "Đã gửi 0 thư trả lời" in again and "từ trước" in again and len(inbox.envelopes) == len(written)


def test_a_fault_of_thidua_behind_a_page_is_said_in_vietnamese_and_logged(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A bug met while a page is made (here the history look-up failing) gives the Vietnamese 'sự cố ngoài dự
    kiến' with the log named, as the CLI says it, never Werkzeug's English 500; the traceback is in the log."""
    import tempfile

    from thidua import api

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("a bug of thidua behind the history page")

    monkeypatch.setattr(api, "history", broken)
    answer = get(client, "/lich-su")
    text = answer.get_data(as_text=True)  # type: ignore[attr-defined]
    assert answer.status_code == 500  # type: ignore[attr-defined]
    assert "thidua gặp sự cố ngoài dự kiến" in text and "thidua-loi.log" in text
    assert "Internal Server Error" not in text and "The server encountered" not in text
    assert "RuntimeError: a bug of thidua behind the history page" in (tmp_path / "thidua-loi.log").read_text("utf-8")


@pytest.mark.parametrize("units", [3, 20, 1500, 45000])
def test_the_office_chart_draws_a_few_round_grid_lines_whatever_the_number_of_units(units: int) -> None:
    """The units-by-pace chart of an office's page: about ten grid lines, 0 and the number of units among them (it
    drew a line and a label per unit: 90,000 elements at 45,000 units); each target's bar still splits all units."""
    import re

    from thidua.page.charts import units_by_pace

    half = units // 2
    svg = units_by_pace([{"name": "LĐTT", "counts": {"on-pace": half, "behind": units - half}}], units)
    labels = [int(t) for t in re.findall(r'<text class="nhan-truc"[^>]*>(\d+)</text>', svg)]
    assert labels[0] == 0 and labels[-1] == units and len(labels) <= 12 and labels == sorted(set(labels))
    assert svg.count('class="luoi"') == len(labels)
    counts = [int(c) for c in re.findall(r'<rect class="thanh[^"]*"[^>]*><title>(\d+)</title>', svg)]
    assert sum(counts) == units
