"""E-mail (SPEC 8) against a real SMTP server (aiosmtpd) on 127.0.0.1: plain, STARTTLS + AUTH, implicit TLS."""

from __future__ import annotations

import base64
import email
import io
import shutil
import socket
import ssl
import time
import unicodedata
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from thidua.errors import ThiduaError
from thidua.mail.mailer import (
    MailSettings,
    build_message,
    mail_settings,
    password_for,
    send,
    write_eml,
)

from .smtpserver import LOOPBACK, PASSWORD, USER, Inbox, Serve, authenticator

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RECIPIENT = "Phòng GD&ĐT huyện KonPLông"
SUBJECT = "Báo cáo phong trào thi đua tháng 05/2022 – Trường Tiểu học Măng Đen"
PASSWORD_ENV = "THIDUA_TEST_SMTP_PASSWORD"

SUMMARY: dict[str, Any] = {
    "school": "Trường Tiểu học Măng Đen",
    "school_year": "2021–2022",
    "month": "2022-05",
    "as_of": "2022-05-31",
    "targets": [
        {
            "code": "LDTT",
            "name": "Lao động tiên tiến",
            "target": 12,
            "base": 14,
            "registered": 12,
            "achieved": 10,
            "registered_ratio": 1.0,
            "achieved_ratio": 10 / 12,
            "achieved_base_ratio": 10 / 14,
            "status": "Không đạt",
        },
        {
            "code": "SKKN",
            "name": "Sáng kiến kinh nghiệm",
            "target": None,
            "base": None,
            "registered": 3,
            "achieved": 2,
            "registered_ratio": None,
            "achieved_ratio": None,
            "achieved_base_ratio": None,
            "status": "—",
        },
    ],
    "issues": {"error": 1, "warning": 4, "note": 2},
    "files_read": 15,
    "staff": 14,
    "not_submitted": ["A Lăng Thị Hoa (tổ 1)"],
}


# --- helpers and fixtures -----------------------------------------------------------------------------------------


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "bao-cao-thi-dua-2022-05.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Tổng hợp"
    ws["A1"] = "Lao động tiên tiến"
    ws["B1"] = 10
    wb.save(path)
    return path


def settings(server_port: int, **email_table: Any) -> MailSettings:
    table: dict[str, Any] = {
        "to": ["thidua@pgd.example.vn"],
        "cc": ["hieutruong@mangden.example.edu.vn", "Tổ trưởng <totruong@mangden.example.edu.vn>"],
        "from": "truong@mangden.example.edu.vn",
        "host": LOOPBACK,
        "port": server_port,
        "security": "none",
        "timeout": 5,
    }
    table.update(email_table)
    return mail_settings({"paths": {}, "email": table})


def texts_of(exc: BaseException) -> str:
    """Every exception text in the chain, as the CLI or a traceback could show it."""
    seen: list[str] = []
    current: BaseException | None = exc
    while current is not None:
        seen.append(f"{current!s} {current!r}")
        current = current.__cause__ or current.__context__
    return "\n".join(seen)


def assert_no_password(text: str | bytes, password: str = PASSWORD) -> None:
    raw = password.encode()
    hay = text if isinstance(text, bytes) else text.encode()
    assert raw not in hay
    assert base64.b64encode(raw) not in hay
    assert base64.b64encode(b"\0" + USER.encode() + b"\0" + raw) not in hay


# --- sending ------------------------------------------------------------------------------------------------------


def test_plain_server_receives_the_report(serve: Serve, workbook: Path) -> None:
    inbox, port = serve()
    mail = settings(port)
    message = build_message(SUMMARY, workbook, mail, RECIPIENT)

    message_id = send(message, mail, None)

    envelope, received = inbox.only()
    assert envelope.mail_from == "truong@mangden.example.edu.vn"
    assert envelope.rcpt_tos == [
        "thidua@pgd.example.vn",
        "hieutruong@mangden.example.edu.vn",
        "totruong@mangden.example.edu.vn",
    ]
    assert received["Subject"] == SUBJECT
    assert received["Message-ID"] == message_id
    assert message_id.endswith("@mangden.example.edu.vn>")
    assert received["Date"] is not None
    assert received["From"].addresses[0].addr_spec == "truong@mangden.example.edu.vn"
    assert received["From"].addresses[0].display_name == "Trường Tiểu học Măng Đen"
    assert [a.addr_spec for a in received["To"].addresses] == ["thidua@pgd.example.vn"]
    assert received["Cc"].addresses[1].display_name == "Tổ trưởng"

    body_part = received.get_body(("plain",))
    assert body_part is not None
    assert body_part.get_content_charset() == "utf-8"
    body = body_part.get_content().replace("\r\n", "\n")  # lines arrive as CRLF, as on any SMTP wire
    assert body.startswith(f"Kính gửi: {RECIPIENT}\n")
    assert body == unicodedata.normalize("NFC", body)
    assert "năm học 2021–2022, số liệu tháng 05/2022 (tính đến ngày 31/05/2022)" in body
    assert "- Lao động tiên tiến: đạt 10/12 (đăng ký 12) – Không đạt\n" in body
    assert "- Sáng kiến kinh nghiệm: đạt 2/— (đăng ký 3) – —\n" in body
    assert "lỗi" not in body and "cảnh báo" not in body and "Kiểm tra dữ liệu" not in body  # the board's own
    assert body.rstrip().endswith("Trân trọng.\nTrường Tiểu học Măng Đen")

    attachments = list(received.iter_attachments())
    assert len(attachments) == 1
    part = attachments[0]
    assert part.get_content_type() == XLSX
    assert part.get_filename() == "bao-cao-thi-dua-2022-05.xlsx"
    data = part.get_content()
    assert data == workbook.read_bytes()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb["Tổng hợp"]["A1"].value == "Lao động tiên tiến"
    assert wb["Tổng hợp"]["B1"].value == 10


def test_starttls_with_login(
    serve: Serve, server_tls: ssl.SSLContext, certificate: tuple[Path, Path], workbook: Path
) -> None:
    inbox, port = serve(
        tls_context=server_tls, require_starttls=True, authenticator=authenticator, auth_require_tls=True
    )
    mail = settings(port, security="starttls", username=USER, password_env=PASSWORD_ENV, cafile=str(certificate[0]))
    password = password_for(mail, {PASSWORD_ENV: PASSWORD})
    assert password == PASSWORD

    message_id = send(build_message(SUMMARY, workbook, mail, RECIPIENT), mail, password)

    envelope, received = inbox.only()
    assert received["Message-ID"] == message_id
    assert received["Subject"] == SUBJECT
    assert len(envelope.rcpt_tos) == 3
    assert_no_password(envelope.content or b"")


def test_wrong_password_names_the_variable_not_the_password(
    serve: Serve, server_tls: ssl.SSLContext, certificate: tuple[Path, Path], workbook: Path
) -> None:
    inbox, port = serve(
        tls_context=server_tls, require_starttls=True, authenticator=authenticator, auth_require_tls=True
    )
    mail = settings(port, security="starttls", username=USER, password_env=PASSWORD_ENV, cafile=str(certificate[0]))
    wrong = "Wr0ng-guess-Pw-77"

    with pytest.raises(ThiduaError) as caught:
        send(build_message(SUMMARY, workbook, mail, RECIPIENT), mail, wrong)

    assert "từ chối đăng nhập" in caught.value.message
    assert PASSWORD_ENV in caught.value.message
    assert f"127.0.0.1:{port}" in caught.value.message
    assert_no_password(texts_of(caught.value), wrong)
    assert inbox.envelopes == []


def test_password_outside_ascii_is_refused_without_echo(
    serve: Serve, server_tls: ssl.SSLContext, certificate: tuple[Path, Path], workbook: Path
) -> None:
    _, port = serve(tls_context=server_tls, require_starttls=True, authenticator=authenticator)
    mail = settings(port, security="starttls", username=USER, password_env=PASSWORD_ENV, cafile=str(certificate[0]))
    accented = "mậtkhẩu-bí-mật"

    with pytest.raises(ThiduaError) as caught:
        send(build_message(SUMMARY, workbook, mail, RECIPIENT), mail, accented)

    assert PASSWORD_ENV in caught.value.message
    text = texts_of(caught.value)
    assert accented not in text
    assert "bí-mật" not in text and "mậtkhẩu" not in text


def test_untrusted_certificate_is_a_tls_error(serve: Serve, server_tls: ssl.SSLContext, workbook: Path) -> None:
    inbox, port = serve(tls_context=server_tls, require_starttls=True)
    mail = settings(port, security="starttls")  # system store: the self-signed certificate is not trusted

    with pytest.raises(ThiduaError) as caught:
        send(build_message(SUMMARY, workbook, mail, RECIPIENT), mail, None)

    assert "chứng chỉ" in caught.value.message
    assert f"127.0.0.1:{port}" in caught.value.message
    assert inbox.envelopes == []


def test_server_without_starttls(serve: Serve, workbook: Path) -> None:
    inbox, port = serve()
    mail = settings(port, security="starttls")

    with pytest.raises(ThiduaError, match="không hỗ trợ STARTTLS"):
        send(build_message(SUMMARY, workbook, mail, RECIPIENT), mail, None)
    assert inbox.envelopes == []


def test_implicit_tls_with_login(
    serve: Serve, server_tls: ssl.SSLContext, certificate: tuple[Path, Path], workbook: Path
) -> None:
    # With implicit TLS aiosmtpd does not see its own STARTTLS layer, so it offers AUTH only if told TLS is not
    # required; the connection is encrypted from the first byte all the same.
    inbox, port = serve(ssl_context=server_tls, authenticator=authenticator, auth_require_tls=False)
    mail = settings(port, security="ssl", username=USER, password_env=PASSWORD_ENV, cafile=str(certificate[0]))

    message_id = send(build_message(SUMMARY, workbook, mail, RECIPIENT), mail, PASSWORD)

    _, received = inbox.only()
    assert received["Message-ID"] == message_id


def test_refused_recipient_sends_to_nobody(serve: Serve, workbook: Path) -> None:
    inbox, port = serve()
    mail = settings(port, cc=[Inbox.refused])

    with pytest.raises(ThiduaError) as caught:
        send(build_message(SUMMARY, workbook, mail, RECIPIENT), mail, None)

    assert Inbox.refused in caught.value.message
    assert "550" in caught.value.message
    assert inbox.envelopes == []


@pytest.mark.network
def test_dead_server_fails_fast_naming_host_and_port(workbook: Path) -> None:
    # A bound socket that never listens: connecting is refused, and no other process can take the port meanwhile.
    with socket.socket() as holder:
        holder.bind((LOOPBACK, 0))
        port = holder.getsockname()[1]
        mail = replace(settings(port), timeout=2.0)
        started = time.monotonic()
        with pytest.raises(ThiduaError) as caught:
            send(build_message(SUMMARY, workbook, mail, RECIPIENT), mail, None)
    assert time.monotonic() - started < 5
    assert f"127.0.0.1:{port}" in caught.value.message
    assert "từ chối kết nối" in caught.value.message


@pytest.mark.network
def test_silent_server_times_out(workbook: Path) -> None:
    # Listens but never greets: the client must give up after its timeout.
    with socket.socket() as silent:
        silent.bind((LOOPBACK, 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        mail = replace(settings(port), timeout=0.5)
        started = time.monotonic()
        with pytest.raises(ThiduaError) as caught:
            send(build_message(SUMMARY, workbook, mail, RECIPIENT), mail, None)
    assert time.monotonic() - started < 5
    assert f"127.0.0.1:{port}" in caught.value.message
    assert "0.5 giây" in caught.value.message


# --- settings -----------------------------------------------------------------------------------------------------


def test_settings_read_the_email_table() -> None:
    mail = mail_settings(
        {
            "email": {
                "to": "thidua@pgd.example.vn",
                "cc": "hieutruong@mangden.example.edu.vn",
                "from": "truong@mangden.example.edu.vn",
                "host": "smtp.gmail.com",
                "username": USER,
            }
        }
    )
    assert mail == MailSettings(
        to=("thidua@pgd.example.vn",),
        cc=("hieutruong@mangden.example.edu.vn",),
        sender="truong@mangden.example.edu.vn",
        host="smtp.gmail.com",
        port=587,
        security="starttls",
        username=USER,
        password_env="THIDUA_SMTP_PASSWORD",
        cafile="",
        timeout=30.0,
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "localhost", "LOCALHOST"])
def test_security_none_allowed_on_this_machine(host: str) -> None:
    assert settings(25, host=host).security == "none"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"security": "none", "host": "smtp.gmail.com"}, "chỉ dùng được với máy chủ trên chính máy này"),
        ({"security": "none", "host": "10.0.0.5"}, "security"),
        ({"security": "tls"}, '"starttls"'),
        ({"port": "587"}, "port phải là một số nguyên"),
        ({"port": 70000}, "port"),
        ({"port": True}, "port"),
        ({"to": []}, "hãy điền to"),
        ({"to": None}, "to"),
        ({"from": ""}, "hãy điền from"),
        ({"from": ["a@mangden.example.edu.vn", "b@mangden.example.edu.vn"]}, "from chỉ được ghi một địa chỉ"),
        ({"host": ""}, "hãy điền host"),
        ({"host": "smtp://smtp.gmail.com"}, "host"),
        ({"to": ["thidua@pgd"]}, "“thidua@pgd” trong mục [email] to không phải địa chỉ e-mail"),
        ({"cc": ["a@b.vn, c@d.vn"]}, "cc không phải địa chỉ e-mail"),
        ({"cc": ["hiệutrưởng@mangden.example.edu.vn"]}, "không phải địa chỉ e-mail"),
        ({"to": ["thidua@pgd.example.vn\r\nBcc: x@y.vn"]}, "không phải địa chỉ e-mail"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_settings_refused_with_the_key_and_what_to_write(change: dict[str, Any], expected: str) -> None:
    with pytest.raises(ThiduaError) as caught:
        settings(25, **change)
    assert expected in caught.value.message
    assert caught.value.message == unicodedata.normalize("NFC", caught.value.message)


def test_missing_email_table() -> None:
    with pytest.raises(ThiduaError, match=r"\[email\]"):
        mail_settings({"paths": {}})


def test_password_in_settings_is_refused_without_echo() -> None:
    with pytest.raises(ThiduaError) as caught:
        settings(25, password=PASSWORD)
    assert "password_env" in caught.value.message
    assert_no_password(texts_of(caught.value))


def test_password_pasted_into_password_env_is_not_echoed() -> None:
    pasted = "my pass: Zq7!"
    with pytest.raises(ThiduaError) as caught:
        settings(25, username=USER, password_env=pasted)
    assert pasted not in texts_of(caught.value)


def test_password_from_the_environment() -> None:
    assert password_for(settings(25), {PASSWORD_ENV: PASSWORD}) is None  # no username, no login
    mail = settings(25, username=USER, password_env=PASSWORD_ENV)
    assert password_for(mail, {PASSWORD_ENV: PASSWORD}) == PASSWORD
    for environ in ({}, {PASSWORD_ENV: ""}, {"OTHER": PASSWORD}):
        with pytest.raises(ThiduaError) as caught:
            password_for(mail, environ)
        assert f"biến môi trường {PASSWORD_ENV}" in caught.value.message
        assert_no_password(texts_of(caught.value))


# --- the message and the .eml -------------------------------------------------------------------------------------


def test_write_eml_round_trips_without_the_password(tmp_path: Path, workbook: Path) -> None:
    mail = settings(25, username=USER, password_env=PASSWORD_ENV)
    message = build_message(SUMMARY, workbook, mail, RECIPIENT)
    out = tmp_path / "eml"
    out.mkdir()
    path = out / "2022-05.eml"
    path.write_bytes(b"old")

    write_eml(message, path)

    data = path.read_bytes()
    assert_no_password(data)
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == SUBJECT
    assert parsed["Message-ID"] == message["Message-ID"]
    assert [p.get_filename() for p in parsed.iter_attachments()] == [workbook.name]
    assert sorted(p.name for p in out.iterdir()) == ["2022-05.eml"]  # no temporary file left behind


def test_accented_file_name_survives(tmp_path: Path, workbook: Path) -> None:
    accented = tmp_path / "Báo cáo thi đua tháng 05.xlsx"
    shutil.copy(workbook, accented)
    message = build_message(SUMMARY, accented, settings(25), RECIPIENT)
    data = message.as_bytes(policy=policy.SMTP)
    assert data.isascii()  # RFC 2231 / RFC 2047 encoded, safe on any server
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert [p.get_filename() for p in parsed.iter_attachments()] == [accented.name]


def test_text_is_nfc_even_from_decomposed_names(workbook: Path) -> None:
    decomposed = dict(SUMMARY, school=unicodedata.normalize("NFD", SUMMARY["school"]))
    message = build_message(decomposed, workbook, settings(25), unicodedata.normalize("NFD", RECIPIENT))
    assert message["Subject"] == SUBJECT
    body_part = message.get_body(("plain",))
    assert body_part is not None
    assert body_part.get_content().startswith(f"Kính gửi: {RECIPIENT}\n")


def test_missing_attachment_is_a_program_failure(tmp_path: Path) -> None:
    with pytest.raises(ThiduaError, match=r"khong-co\.xlsx"):
        build_message(SUMMARY, tmp_path / "khong-co.xlsx", settings(25), RECIPIENT)
