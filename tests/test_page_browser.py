"""The local page in a real browser: `thidua serve` started as the secretary starts it (a subprocess on a free port
of 127.0.0.1), driven by Debian's Chromium through Playwright's Python package at 1366 × 768. Plain fixtures, not
pytest-playwright's plugin (its warning would fail this project's `-W error`). Skips, saying why, where Chromium or
Playwright is absent. THIDUA_SCREENSHOTS=DIR keeps a screenshot of each page (and the overview printed to A4)."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from thidua import api
from thidua.workspace.demo import _fill
from thidua.workspace.folder import Workspace

from . import hostile
from .conftest import pdf_pages, reg_row
from .imapserver import Account, ImapServer, imap_account, imap_server
from .smtpserver import Serve, send_through
from .test_collect import PASSWORD_ENV, fill_mailbox, school

__all__ = ["imap_account", "imap_server", "school"]  # fixtures of tests/imapserver and tests/test_collect, used here

CHROMIUM = Path("/usr/bin/chromium")
MONTH = "2022-05"
pytestmark = [pytest.mark.network, pytest.mark.browser]


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str  # the printed address, with its token
    base: str
    root: Path
    stderr: list[str] = field(default_factory=list)

    def stop(self) -> tuple[int, str]:
        """Ctrl+C, as in the console window: the exit code and what it said."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        _out, err = self.process.communicate(timeout=30)
        return self.process.returncode, err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} không có (apt-get install chromium): bỏ qua các bài thử trong trình duyệt")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("chưa cài gói playwright (pip install -e '.[test]'): bỏ qua các bài thử trong trình duyệt")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def served(demo_template_ws: Workspace, tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Served]:
    """`thidua serve --no-browser` on a copy of the demo workspace, its address read from what it prints."""
    root = tmp_path_factory.mktemp("page") / "Thi đua 2021-2022"
    shutil.copytree(demo_template_ws.root, root)
    served = start_serving(root)
    yield served
    if served.process.poll() is None:
        served.stop()


def open_tab(browser: Any, base: str) -> tuple[Any, Any]:
    """A context and tab at the common school laptop's size that log every request, and stop (and log) any not
    going to `base`: the page must load nothing from elsewhere."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="vi-VN")
    tab = context.new_page()
    tab.requested = []
    tab.foreign = []

    def gate(route: Any) -> None:
        if route.request.url.startswith(f"{base}/"):
            route.continue_()
        else:
            tab.foreign.append(route.request.url)
            route.abort()

    context.route("**/*", gate)
    tab.on("request", lambda request: tab.requested.append(request.url))
    tab.set_default_timeout(60_000)
    return context, tab


@pytest.fixture(scope="module")
def page(browser: Any, served: Served) -> Iterator[Any]:
    """One tab for the module, recording every request it makes, opened once at the printed address (its cookie
    set, so that each test also runs alone)."""
    context, tab = open_tab(browser, served.base)
    tab.goto(served.url)
    yield tab
    context.close()


def shot(page: Any, name: str, full_page: bool = True) -> None:
    folder = os.environ.get("THIDUA_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


def start_serving(root: Path) -> Served:
    """`thidua serve --no-browser` on `root`, its address read from what it prints."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "thidua", "serve", "-w", str(root), "--port", str(port), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONUTF8": "1"},
    )
    assert process.stdout is not None
    url = ""
    deadline = time.monotonic() + 30
    while not url and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if found := re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", line):
            url = found.group(0)
    if not url:
        process.kill()
        pytest.fail(f"thidua serve không in địa chỉ: {process.communicate()[1]}")
    return Served(process, url, f"http://127.0.0.1:{port}", root)


def test_the_printed_address_opens_the_month_and_nothing_leaves_the_machine(
    page: Any, served: Served, browser: Any
) -> None:
    page.goto(served.url)
    assert page.url == f"{served.base}/"  # the token was exchanged for the cookie and left the address
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "thidua_phien"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["domain"] == "127.0.0.1"
    page.goto(f"{served.base}/?thang={MONTH}")
    assert page.locator("h1").inner_text().startswith("Tổng quan tháng 05/2022")
    assert page.locator("svg.bieu-do rect.thanh").count() >= 1
    figures = api.summary(api.month(served.root, MONTH).result)
    rows = page.locator("#chi-tieu tbody tr")
    assert rows.count() == len(figures["targets"])
    assert [rows.nth(i).get_attribute("data-code") for i in range(rows.count())] == [
        t["code"] for t in figures["targets"]
    ]
    assert page.locator("#chua-nop li").all_inner_texts() == figures["not_submitted"]
    assert page.locator("#so-canh-bao").inner_text() == str(figures["issues"]["warning"])
    shot(page, "1-tong-quan")
    # Another browser (no cookie) is refused without the token.
    stranger = browser.new_context()
    try:
        answer = stranger.new_page().goto(f"{served.base}/")
        assert answer is not None and answer.status == 403
    finally:
        stranger.close()
    assert page.requested and all(url.startswith(f"{served.base}/") for url in page.requested)


def test_the_overview_prints_on_a4_without_the_menu_its_chart_sharp_and_tables_whole(
    page: Any, served: Served, tmp_path: Path
) -> None:
    """Printed from the browser (Chromium's page.pdf, A4): no menu, buttons or footer; the chart stays vector (no
    image in the PDF); each pace label whole on its line; nothing wider than A4's printable width."""
    page.goto(f"{served.base}/?thang={MONTH}")
    figures = api.summary(api.month(served.root, MONTH).result)
    pdf = tmp_path / "tong-quan.pdf"
    pdf.write_bytes(page.pdf(format="A4", print_background=True))
    if folder := os.environ.get("THIDUA_SCREENSHOTS"):
        shutil.copy(pdf, Path(folder) / "1-tong-quan-A4.pdf")
    pages = pdf_pages(pdf)
    # A4 in points (Chromium writes 595.92 × 842.88: whole CSS pixels at 96 dpi)
    assert pages and all(abs(width - 595.3) < 1 and abs(height - 841.9) < 1.5 for width, height, _text in pages)
    text = "\n".join(page_text for *_size, page_text in pages)
    assert "Tổng quan tháng 05/2022" in text and "Tỷ lệ đạt theo chỉ tiêu" in text
    for shown_on_screen_only in ("Nộp tệp", "Chạy tháng và kết quả", "Gửi báo cáo", "Việc tiếp theo", "Ctrl+C"):
        assert shown_on_screen_only not in text
    on_pace = sum(1 for t in figures["targets"] if t["pace"] == "on-pace")
    assert text.count("Đúng tiến độ") == on_pace + 1  # each row's label and the legend's, none cut in two
    for who in figures["not_submitted"]:
        assert who in text
    if shutil.which("pdfimages"):
        images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
        assert len(images.stdout.strip().splitlines()) == 2  # the header lines only: the chart is drawn, not a picture
    # Laid out at A4's printable width (186 mm at 96 dpi): no table or chart runs past it.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 703, "height": 1000})
    try:
        wider = page.evaluate(
            "Array.from(document.querySelectorAll('table, svg, section, h1'))"
            ".filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).length"
        )
        assert wider == 0
        assert page.locator("nav").is_hidden() and page.locator("button").first.is_hidden()
    finally:
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1366, "height": 768})


def test_a_dropped_file_and_a_chosen_file_are_checked_at_once(page: Any, served: Served, tmp_path: Path) -> None:
    ws = api.workspace(served.root)
    dropped = tmp_path / "dropped.xlsx"
    _fill(ws.templates / "mau-dang-ky-thi-dua.xlsx", dropped, [reg_row("Người Lạ Mặt", "LĐTT")])
    page.goto(f"{served.base}/nop?thang={MONTH}")
    shot(page, "2-nop-tep")
    page.evaluate(
        """([name, data]) => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name));
            const zone = document.getElementById("vung-tha");
            for (const kind of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(kind, {dataTransfer: transfer, bubbles: true, cancelable: true}));
            }
        }""",
        ["Đăng ký của Người Lạ.xlsx", base64.b64encode(dropped.read_bytes()).decode()],
    )
    article = page.locator('article.tep-kiem-tra[data-name="Đăng ký của Người Lạ.xlsx"]')
    article.wait_for()
    assert (ws.submissions / "Đăng ký của Người Lạ.xlsx").read_bytes() == dropped.read_bytes()
    issues = api.month(served.root, MONTH).issues
    own = issues[issues["file"] == "Đăng ký của Người Lạ.xlsx"]
    assert len(own)
    cells = article.locator("tbody tr").all()
    assert [(r.locator("td").nth(1).inner_text(), r.locator("td").nth(2).inner_text()) for r in cells] == list(
        zip(own["sheet"], own["cell"], strict=True)
    )
    assert page.locator("#tep-da-nhan").inner_text().count("Đăng ký của Người Lạ.xlsx") == 1  # the list refreshed
    with page.expect_download() as caught:
        article.get_by_role("link", name="Tải bản trả lại của tệp này").click()
    returned = caught.value
    kept = ws.output / f"kiem-tra-{MONTH}" / "tra-lai" / returned.suggested_filename
    assert Path(returned.path()).read_bytes() == kept.read_bytes()
    shot(page, "3-nop-tep-keo-tha")
    # The plain file input: a file already there under another name is not saved twice; a new one is checked.
    page.set_input_files("#tep", str(ws.submissions / "bao-cao" / "Bao cao ket qua to-1.xlsx"))
    page.get_by_role("button", name="Gửi và kiểm tra").click()
    page.get_by_text("giống hệt tệp đã có bao-cao/Bao cao ket qua to-1.xlsx").wait_for()
    assert not (ws.submissions / "Bao cao ket qua to-1.xlsx").exists()
    chosen = tmp_path / "Tổ 4-5 bổ sung.xlsx"
    _fill(ws.templates / "mau-dang-ky-thi-dua.xlsx", chosen, [reg_row("Người Lạ Khác", "LĐTT")])
    page.set_input_files("#tep", str(chosen))
    page.get_by_role("button", name="Gửi và kiểm tra").click()
    page.locator('article.tep-kiem-tra[data-name="Tổ 4-5 bổ sung.xlsx"] tbody tr').first.wait_for()
    shot(page, "3-nop-tep-da-kiem-tra")


def test_hostile_uploads_are_refused_or_named_with_a_message(page: Any, served: Served, tmp_path: Path) -> None:
    """What no staff file should be: a program, random bytes, a web page and an XML entity bomb named .xlsx. The
    program is refused at the door; the others are kept and each named with its issue; the page keeps answering."""
    ws = api.workspace(served.root)
    template = ws.templates / "mau-dang-ky-thi-dua.xlsx"
    program = tmp_path / "cài đặt.exe"
    program.write_bytes(b"MZ\x90\x00" + bytes(2000))
    noise, web, bomb = tmp_path / "nhiễu.xlsx", tmp_path / "trang web.xlsx", tmp_path / "bom.xlsx"
    hostile.random_bytes(noise)
    hostile.html_renamed(web)
    hostile.xml_entity_bomb(bomb, template)
    page.goto(f"{served.base}/nop?thang={MONTH}")
    page.set_input_files("#tep", [str(program), str(noise), str(web), str(bomb)])
    page.get_by_role("button", name="Gửi và kiểm tra").click()
    page.locator('article.tep-kiem-tra[data-name="bom.xlsx"]').wait_for()
    assert "“cài đặt.exe”: không nhận, chỉ nhận tệp bảng tính" in page.locator("#da-kiem-tra").inner_text()
    assert not list(served.root.rglob("*.exe"))
    for name in ("nhiễu.xlsx", "trang web.xlsx", "bom.xlsx"):
        article = page.locator(f'article.tep-kiem-tra[data-name="{name}"]')
        assert article.locator("tbody tr.loi").count() >= 1, name  # its error, with what to do
    shot(page, "3-nop-tep-doc-hai")
    for name in ("nhiễu.xlsx", "trang web.xlsx", "bom.xlsx"):  # out of the way of the month's run
        (ws.submissions / name).unlink()
    assert page.goto(f"{served.base}/?thang={MONTH}").status == 200  # still answering


def test_two_runs_at_once_then_a_byte_identical_download(page: Any, served: Served) -> None:
    """Chạy tổng hợp shows the batch's steps while it runs on the server; a second run asked for meanwhile, from
    the page or from a console window (thidua run), is told in Vietnamese that one is going on (or waits its turn),
    never a traceback; then the outputs download byte for byte."""
    page.goto(f"{served.base}/ket-qua?thang={MONTH}")
    shot(page, "4-ket-qua-truoc", full_page=False)
    page.locator("#nut-chay").click()
    page.locator("#tien-trinh").wait_for()
    command = subprocess.Popen(  # the same month run from a console window meanwhile
        [sys.executable, "-m", "thidua", "run", "--month", MONTH, "-w", str(served.root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONUTF8": "1"},
    )
    with page.expect_response(lambda r: r.url == f"{served.base}/chay" and r.request.method == "POST") as second:
        page.locator("#nut-kiem-tra").click()
    if second.value.status == 409:  # the run was still going when the second click arrived (it normally is)
        assert "mỗi lần chỉ chạy một lượt" in page.locator("#da-co-luot-chay").inner_text()
        shot(page, "4-ket-qua-dang-chay", full_page=False)
    page.locator("#ket-qua-chay:not([hx-get])").wait_for()  # the page's run (or check) has ended
    _out, err = command.communicate(timeout=120)
    assert "Traceback" not in err and command.returncode in (0, 1), err  # it waited its turn, or was told
    ended = page.locator("#ket-qua-chay").inner_text()
    if "Đã chạy xong" not in ended:  # the check ran after a quick run, or the console's run held the workspace
        assert "Đã kiểm tra xong" in ended or "Chưa chạy được: Một lệnh thidua khác đang chạy" in ended, ended
        page.locator("#nut-chay").click()
        page.locator("#da-chay-xong").wait_for()
    assert "Đã chạy xong tháng 05/2022" in page.locator("#ket-qua-chay").inner_text()
    assert page.locator("#cac-buoc li.xong").count() == 5  # every step of the run ticked
    shot(page, "4-ket-qua")
    output = api.workspace(served.root).output / MONTH
    for name in ("summary.json", f"tong-hop-thi-dua-{MONTH}.xlsx"):
        with page.expect_download() as caught:
            page.get_by_role("link", name=name, exact=True).click()
        download = caught.value
        assert download.suggested_filename == name
        assert Path(download.path()).read_bytes() == (output / name).read_bytes()
    page.goto(f"{served.base}/lich-su")
    assert "05/2022" in page.locator("#cac-thang").inner_text()
    shot(page, "5-lich-su")


def test_no_path_leaves_the_outputs_encoded_or_not(page: Any, served: Served) -> None:
    secret = served.root / "thidua.toml"
    assert secret.is_file()
    for path in (
        "/tai/../thidua.toml",
        "/tai/%2e%2e/thidua.toml",
        "/tai/%2e%2e%2fthidua.toml",
        "/tai/..%2fthidua.toml",
        "/tai/..%5cthidua.toml",
        "/tai/%252e%252e%252fthidua.toml",
        f"/tai/{MONTH}/%2e%2e%2f%2e%2e%2fthidua.toml",
        "/tai/%2Fetc%2Fpasswd",
        "/tai//etc/passwd",
        f"/tai/{quote(str(secret), safe='')}",
        "/tai/C:%5cWindows%5cwin.ini",
        "/tai/%c0%ae%c0%ae/thidua.toml",
    ):
        answer = page.request.get(f"{served.base}{path}", max_redirects=0)
        assert answer.status in (400, 403, 404), path
        body = answer.body()
        assert b"[email]" not in body and b"root:" not in body, path


def test_every_page_reads_at_1366x768_and_nothing_leaves_the_machine(page: Any, served: Served) -> None:
    for path, name in (
        (f"/?thang={MONTH}", "6-tong-quan-1366"),
        (f"/nop?thang={MONTH}", "6-nop-tep-1366"),
        (f"/ket-qua?thang={MONTH}", "6-ket-qua-1366"),
        (f"/gui?thang={MONTH}", "6-gui-1366"),
        (f"/thu?thang={MONTH}", "6-thu-1366"),
        ("/lich-su", "6-lich-su-1366"),
    ):
        answer = page.goto(f"{served.base}{path}")
        assert answer is not None and answer.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1366, path  # no sideways scrolling at the school laptop's width
        shot(page, name, full_page=False)
    assert page.requested and not page.foreign
    assert all(url.startswith(f"{served.base}/") for url in page.requested)


def test_ctrl_c_stops_the_page_cleanly_even_during_a_run(page: Any, served: Served) -> None:
    """Ctrl+C while a run is going: the page waits for the run (its outputs whole), then stops: exit code 0, no
    traceback, the port free."""
    page.goto(f"{served.base}/ket-qua?thang={MONTH}")
    page.locator("#nut-chay").click()
    page.locator("#tien-trinh").wait_for()
    code, said = served.stop()
    assert code == 0 and "Đã dừng trang thidua." in said and "Traceback" not in said, said
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", int(served.base.rsplit(":", 1)[1])), 2):
        pass
    summary = api.workspace(served.root).output / MONTH / "summary.json"
    assert json.loads(summary.read_text(encoding="utf-8"))["month"] == MONTH


@pytest.fixture(scope="module")
def office_served(
    office_demo_template: Path, tmp_path_factory: pytest.TempPathFactory, browser: Any
) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("page-office") / "Xã Măng Đen"
    shutil.copytree(office_demo_template, root)
    served = start_serving(root)
    yield served
    if served.process.poll() is None:
        served.stop()


def test_the_office_page_shows_its_units_and_rolls_the_month_up(browser: Any, office_served: Served) -> None:
    context, tab = open_tab(browser, office_served.base)
    try:
        tab.goto(office_served.url)
        month = api.office_year(office_served.root).shown
        rolled = api.office(office_served.root, month)
        rows = tab.locator("#don-vi tbody tr")
        assert [rows.nth(i).get_attribute("data-code") for i in range(rows.count())] == list(rolled.units["code"])
        states = [rows.nth(i).locator("td").nth(2).inner_text() for i in range(rows.count())]
        assert states == list(rolled.units["state"])
        assert tab.locator("#so-chua-gui").inner_text() == str(rolled.summary["units"]["missing"])
        assert tab.locator("article[data-unit]").count() == rolled.issues["unit"].nunique()
        assert tab.locator("svg.bieu-do rect.thanh").count() == len(rolled.targets.groupby(["code", "pace"]).size())
        shot(tab, "7-co-quan-don-vi")
        shot(tab, "7-co-quan-don-vi-1366", full_page=False)
        tab.get_by_role("link", name="Tổng hợp và kết quả").click()
        tab.locator("#nut-chay").click()
        tab.locator("#da-chay-xong").wait_for()
        shot(tab, "7-co-quan-ket-qua")
        with tab.expect_download() as caught:
            tab.get_by_role("link", name="summary.json", exact=True).click()
        written = office_served.root / "output" / month / "summary.json"
        assert Path(caught.value.path()).read_bytes() == written.read_bytes()
        assert not tab.foreign and all(url.startswith(f"{office_served.base}/") for url in tab.requested)
    finally:
        context.close()
    code, said = office_served.stop()
    assert code == 0 and "Traceback" not in said


def test_collect_and_reply_in_the_browser(
    browser: Any,
    school: Workspace,
    imap_server: ImapServer,
    imap_account: Account,
    serve: Serve,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hộp thư in the browser: the mailbox's password typed into the page (its variable not set for thidua
    serve), the files filed and listed with their state; after the run, the replies previewed then sent to the SMTP
    server on 127.0.0.1."""
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    fill_mailbox(school, imap_server, imap_account)
    inbox, port = serve()
    send_through(school.root / "thidua.toml", port)
    served = start_serving(school.root)
    context, tab = open_tab(browser, served.base)
    try:
        tab.goto(served.url)
        tab.goto(f"{served.base}/thu?thang=2026-10")
        tab.locator('input[name="mat_khau"]').fill(imap_account.password)
        tab.locator("#nut-lay-thu").click()
        tab.locator("#da-lay").wait_for()
        saved = sorted(p.name for p in (school.submissions / "e-mail").iterdir())
        assert len(saved) == 4 and "Đã lưu 4 tệp" in tab.locator("#da-lay").inner_text()
        assert tab.locator("#tep-qua-thu tbody tr").count() == 4
        shot(tab, "8-hop-thu-da-lay")
        tab.goto(f"{served.base}/ket-qua?thang=2026-10")
        tab.locator("#nut-chay").click()
        tab.locator("#da-chay-xong").wait_for()
        tab.goto(f"{served.base}/thu?thang=2026-10")
        tab.locator("#nut-xem-tra-loi").click()
        tab.locator("#thu-tra-loi").wait_for()
        letters = tab.locator("details.thu").count()
        assert letters >= 4 and inbox.envelopes == []
        tab.locator("details.thu").first.locator("summary").click()
        shot(tab, "8-hop-thu-xem-tra-loi")
        tab.locator("#nut-gui-tra-loi").click()
        tab.locator("#da-tra-loi").wait_for()
        assert f"Đã gửi {letters} thư trả lời" in tab.locator("#da-tra-loi").inner_text()
        assert len(inbox.envelopes) == letters
        assert not tab.foreign
    finally:
        context.close()
        code, said = served.stop()
    assert code == 0 and "Traceback" not in said and imap_account.password not in said
