"""The local page in a real browser: `thidua serve` started as the secretary starts it (a subprocess on a free port
of 127.0.0.1), driven by Debian's Chromium through Playwright's Python package at 1366 × 768. Plain fixtures, not
pytest-playwright's plugin (its warning would fail this project's `-W error`). Skips, saying why, where Chromium or
Playwright is absent. THIDUA_SCREENSHOTS=DIR keeps a screenshot of each page (and the overview printed to A4)."""

from __future__ import annotations

import base64
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

import pytest

from thidua import api
from thidua.workspace.demo import _fill
from thidua.workspace.folder import Workspace

from .conftest import reg_row

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
    served = Served(process, url, f"http://127.0.0.1:{port}", root)
    yield served
    if process.poll() is None:
        served.stop()


@pytest.fixture(scope="module")
def page(browser: Any, served: Served) -> Iterator[Any]:
    """One tab for the module, at the common school laptop's size, recording every request it makes."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True, locale="vi-VN")
    tab = context.new_page()
    tab.requested = []
    tab.on("request", lambda request: tab.requested.append(request.url))
    tab.set_default_timeout(60_000)
    yield tab
    context.close()


def shot(page: Any, name: str) -> None:
    folder = os.environ.get("THIDUA_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


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
    printed = page.pdf(format="A4", print_background=True)
    assert printed.startswith(b"%PDF")
    if folder := os.environ.get("THIDUA_SCREENSHOTS"):
        (Path(folder) / "1-tong-quan-A4.pdf").write_bytes(printed)
    # Another browser (no cookie) is refused without the token.
    stranger = browser.new_context()
    try:
        answer = stranger.new_page().goto(f"{served.base}/")
        assert answer is not None and answer.status == 403
    finally:
        stranger.close()
    assert page.requested and all(url.startswith(f"{served.base}/") for url in page.requested)


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


def test_the_month_runs_and_its_outputs_download_byte_identical(page: Any, served: Served) -> None:
    page.goto(f"{served.base}/ket-qua?thang={MONTH}")
    page.locator("#nut-chay").click()
    page.get_by_text("Đã chạy xong tháng 05/2022").wait_for()
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


def test_ctrl_c_stops_the_page_cleanly(served: Served) -> None:
    code, said = served.stop()
    assert code == 0 and "Đã dừng trang thidua." in said and "Traceback" not in said
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", int(served.base.rsplit(":", 1)[1])), 2):
        pass
