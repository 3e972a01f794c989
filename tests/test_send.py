"""`thidua send` end to end: a real SMTP server on 127.0.0.1 receives the month's workbook; refusals,
failures and the history of sends."""

from __future__ import annotations

import email
import io
import sqlite3
import ssl
from email import policy
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from thidua.cli import main
from thidua.workspace.folder import Workspace

from .conftest import Fill, reg_row
from .smtpserver import LOOPBACK, PASSWORD, USER, Serve, authenticator, free_port


def configure(ws: Workspace, port: int, cafile: Path | None = None) -> None:
    security = "starttls" if cafile else "none"
    extra = (
        f'cafile = "{cafile.as_posix()}"\nusername = "{USER}"\npassword_env = "THIDUA_TEST_PASSWORD"\n'
        if cafile
        else ""
    )
    settings = ws.root / "thidua.toml"
    text = settings.read_text(encoding="utf-8")
    text = text[: text.index("[email]")] + (
        '[email]\nto = ["thidua@pgd.example.vn"]\ncc = ["hieutruong@thmangden.example.vn"]\n'
        f'from = "thuky@thmangden.example.vn"\nhost = "{LOOPBACK}"\nport = {port}\nsecurity = "{security}"\n'
        f"timeout = 5\n{extra}"
    )
    settings.write_text(text, encoding="utf-8")


def invoke(ws: Workspace, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [*args, "-w", str(ws.root)])
    return result.exit_code, result.stdout, result.stderr


def sends(ws: Workspace) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(ws.root / "thidua-lich-su.sqlite")
    return db.execute("SELECT month, status, message_id FROM sends ORDER BY id").fetchall()


def test_the_month_is_sent_over_starttls_with_login(
    demo_ws: Workspace,
    serve: Serve,
    server_tls: ssl.SSLContext,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = serve(
        tls_context=server_tls, require_starttls=True, authenticator=authenticator, auth_require_tls=True
    )
    configure(demo_ws, port, cafile=certificate[0])
    monkeypatch.setenv("THIDUA_TEST_PASSWORD", PASSWORD)
    assert invoke(demo_ws, "run", "--month", "2022-05")[0] == 0
    code, out, err = invoke(demo_ws, "send", "--month", "2022-05")
    assert code == 0, err
    envelope, message = inbox.only()
    assert sorted(envelope.rcpt_tos) == ["hieutruong@thmangden.example.vn", "thidua@pgd.example.vn"]
    assert "05/2022" in message["Subject"] and "Trường Tiểu học Măng Đen" in message["Subject"]
    body = message.get_body(("plain",))
    assert body is not None and body.get_content().startswith("Kính gửi: Phòng GD&ĐT huyện KonPLông")
    # the vote day's month: the list goes too, and the dossier's Word documents, tờ trình first (SPEC 8, 14)
    attachment, nominations, *dossier = list(message.iter_attachments())
    assert attachment.get_filename() == "bao-cao-thi-dua-2022-05.xlsx"
    sent = sorted(p.get_filename() for p in dossier)
    written = sorted(p.name for p in (demo_ws.root / "output" / "2022-05" / "ho-so-de-nghi").glob("*.docx"))
    assert sent == written and dossier[0].get_filename() == "to-trinh-de-nghi-khen-thuong.docx"
    assert all(
        p.get_content_type() == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        for p in dossier
    )
    assert "to-trinh-de-nghi-khen-thuong.docx" in body.get_content()  # the body lists what is attached
    assert nominations.get_filename() == "de-nghi-khen-thuong-2022-05.xlsx"
    assert nominations.get_content_type() == attachment.get_content_type()
    listed = openpyxl.load_workbook(io.BytesIO(nominations.get_content()))
    assert "Đề nghị khen thưởng" in listed.sheetnames
    text = body.get_content()
    assert "de-nghi-khen-thuong-2022-05.xlsx: danh sách đề nghị" in text and "ngày 31/05/2022" in text
    assert "Kiểm tra dữ liệu" not in text and "cảnh báo" not in text and "chưa nộp" not in text
    assert attachment.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(attachment.get_content()))
    assert "Kết quả tháng" in workbook.sheetnames
    eml = demo_ws.root / "output" / "thu-gui" / "2022-05" / "bao-cao-thi-dua-2022-05.eml"
    assert email.message_from_bytes(eml.read_bytes(), policy=policy.default)["Message-ID"] == message["Message-ID"]
    assert sends(demo_ws) == [("2022-05", "đã gửi", message["Message-ID"])]
    for text in (
        eml.read_bytes().decode("ascii", "replace"),
        out,
        err,
        (demo_ws.root / "thidua-lich-su.sqlite").read_bytes().decode("latin-1"),
    ):
        assert PASSWORD not in text
    assert "2022-05" in invoke(demo_ws, "history")[1] and "đã gửi" in invoke(demo_ws, "history")[1]


def test_a_month_with_errors_is_refused_unless_forced(empty_ws: Workspace, fill: Fill, serve: Serve) -> None:
    inbox, port = serve()
    configure(empty_ws, port)
    fill("dang-ky", "a.xlsx", [reg_row("Người Lạ", "LĐTT")])
    assert invoke(empty_ws, "run", "--month", "2021-10")[0] == 1
    code, out, _err = invoke(empty_ws, "send", "--month", "2021-10", "--dry-run")
    assert code == 0 and "chưa gửi" in out  # the preview says the real send would be refused, and why
    assert "Khi gửi thật (bỏ --dry-run), thidua sẽ KHÔNG gửi: số liệu tháng 2021-10 còn 1 lỗi" in out
    assert "--force" in out and inbox.envelopes == [] and sends(empty_ws) == []
    letter = email.message_from_bytes(
        (empty_ws.root / "output" / "thu-gui" / "2021-10" / "bao-cao-thi-dua-2021-10.eml").read_bytes(),
        policy=policy.default,
    )
    body = letter.get_body(("plain",))
    assert body is not None and "lỗi" not in body.get_content()  # the school's data checks stay at the school
    assert [a.get_filename() for a in letter.iter_attachments()] == ["bao-cao-thi-dua-2021-10.xlsx"]
    code, out, _err = invoke(empty_ws, "send", "--month", "2021-10")
    assert code == 1 and "còn 1 lỗi" in out and "--force" in out
    assert inbox.envelopes == []
    assert (empty_ws.root / "output" / "thu-gui" / "2021-10" / "bao-cao-thi-dua-2021-10.eml").exists()
    code, _out, _err = invoke(empty_ws, "send", "--month", "2021-10", "--force")
    assert code == 0 and len(inbox.envelopes) == 1
    assert [status for _m, status, _id in sends(empty_ws)] == ["không gửi", "đã gửi"]


def test_dry_run_writes_the_eml_and_sends_nothing(demo_ws: Workspace, serve: Serve) -> None:
    inbox, port = serve()
    configure(demo_ws, port)
    invoke(demo_ws, "run", "--month", "2021-10")
    code, out, _err = invoke(demo_ws, "send", "--month", "2021-10", "--dry-run")
    assert code == 0 and "chưa gửi" in out and "KHÔNG gửi" not in out  # a clean month would go
    assert inbox.envelopes == [] and sends(demo_ws) == []
    assert (demo_ws.root / "output" / "thu-gui" / "2021-10" / "bao-cao-thi-dua-2021-10.eml").stat().st_size > 5000


@pytest.mark.network
def test_a_dead_server_is_a_clear_failure_never_recorded_as_sent(demo_ws: Workspace) -> None:
    configure(demo_ws, free_port())  # nothing listens there
    invoke(demo_ws, "run", "--month", "2021-10")
    code, _out, err = invoke(demo_ws, "send", "--month", "2021-10")
    assert code == 1 and err.startswith("Lỗi: ") and f"{LOOPBACK}:" in err and "Traceback" not in err
    assert [status for _m, status, _id in sends(demo_ws)] == ["thất bại"]


def test_sending_a_month_never_run_says_what_to_do(demo_ws: Workspace) -> None:
    code, _out, err = invoke(demo_ws, "send", "--month", "2021-11")
    assert code == 2 and "thidua run --month 2021-11" in err


def test_line_breaks_of_every_kind_in_the_school_name_never_reach_a_header(demo_ws: Workspace, serve: Serve) -> None:
    """A name typed with Alt+Enter in Excel, or pasted with Unicode separators, is one line in the subject."""
    from thidua.workspace.plan_workbook import SHEET_INFO

    _inbox, port = serve()
    configure(demo_ws, port)
    wb = openpyxl.load_workbook(demo_ws.plan_path)
    info = wb[SHEET_INFO]
    row = next(r for r in info.iter_rows() if r[0].value == "Tên trường")
    row[1].value = "Trường Tiểu học\u2028Măng Đen\nKon\u2029Tum\r\nX"  # what a cell can hold
    wb.save(demo_ws.plan_path)
    assert invoke(demo_ws, "run", "--month", "2021-10")[0] == 0
    code, _out, err = invoke(demo_ws, "send", "--month", "2021-10", "--dry-run")
    assert code == 0, err
    eml = demo_ws.root / "output" / "thu-gui" / "2021-10" / "bao-cao-thi-dua-2021-10.eml"
    subject = email.message_from_bytes(eml.read_bytes(), policy=policy.default)["Subject"]
    assert subject.endswith("Trường Tiểu học Măng Đen Kon Tum X")
    assert not any(ch in subject for ch in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


@pytest.mark.slow
def test_the_letter_names_the_office_of_the_plan_and_a_dry_run_needs_only_the_recipient(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(root), "--school-year", "2025-2026", "--demo"]).exit_code == 0
    wb = openpyxl.load_workbook(root / "kehoach.xlsx")
    office = "Ủy ban nhân dân xã Măng Đen (qua Phòng Văn hóa – Xã hội)"
    for row in wb["Thông tin chung"].iter_rows():
        if row[0].value == "Kính gửi":
            row[1].value = office
    wb.save(root / "kehoach.xlsx")
    settings = root / "thidua.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace("to = []", 'to = ["vhxh@xa.example.vn"]'), encoding="utf-8"
    )
    ws = Workspace(root, {})
    assert invoke(ws, "run", "--month", "2026-05")[0] == 0
    code, out, err = invoke(ws, "send", "--month", "05/2026", "--dry-run")  # no host, no sender: still a preview
    assert code == 0 and "chưa gửi" in out, err
    eml = root / "output" / "thu-gui" / "2026-05" / "bao-cao-thi-dua-2026-05.eml"
    letter = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    body = letter.get_body(preferencelist=("plain",))
    assert body is not None and f"Kính gửi: {office}" in body.get_content()
    book = openpyxl.load_workbook(root / "output" / "2026-05" / "bao-cao-thi-dua-2026-05.xlsx")
    shown = {cell.value for sheet in book for row in sheet.iter_rows() for cell in row if cell.value}
    assert f"Kính gửi: {office}" in shown  # the workbook and the letter name the same office
    assert invoke(ws, "run", "--month", "2026-05")[0] == 0
    assert eml.exists()  # a re-run of the month keeps the record of what was written
    assert "KHÔNG gửi" in out and "from" in out  # the preview already says what the real send lacks
    code, _out, err = invoke(ws, "send", "--month", "2026-05")  # a real send needs the server
    assert code == 1 and "from" in err
