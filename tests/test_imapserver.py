"""The real IMAP server the `thidua collect` tests run against (tests/imapserver.py): Dovecot on 127.0.0.1."""

from __future__ import annotations

import imaplib
import os
import shutil
import socket
import ssl
import tempfile
import time
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Literal

import pytest

from .imapserver import (
    XLSX,
    Account,
    ImapServer,
    _running_in_group,
    _unavailable,
    connect,
    deliver,
    folders,
    imap_account,
    imap_server,
    messages_in,
    read_message,
    running_dovecot,
    staff_message,
)

__all__ = ["imap_account", "imap_server"]  # fixtures of tests/imapserver, used here

VIETNAM = timezone(timedelta(hours=7))
REGISTRATION = "Đăng ký thi đua năm học 2021–2022 – tổ Toán (bản sửa).xlsx"
WORKBOOK = b"PK\x03\x04 not really a workbook \x00\xff"


def hoa_message(
    message_id: str | None = None, filename_style: Literal["rfc2231", "rfc2047"] = "rfc2231"
) -> EmailMessage:
    return staff_message(
        "Nguyễn Thị Hoà",
        "hoa.nt@mangden.example.edu.vn",
        "Đăng ký thi đua – tổ Toán",
        [(REGISTRATION, WORKBOOK, XLSX)],
        message_id=message_id,
        filename_style=filename_style,
    )


# --- logging in ---------------------------------------------------------------------------------------------------


def test_starttls_login_verifies_the_certificate(imap_server: ImapServer, imap_account: Account) -> None:
    with connect(imap_server, imap_account, "starttls") as client:
        assert "STARTTLS" not in client.capabilities  # asked again after TLS: no second STARTTLS on offer
        assert isinstance(client.sock, ssl.SSLSocket)
        peer = client.sock.getpeercert()
        assert peer and ("IP Address", "127.0.0.1") in peer["subjectAltName"]
        assert client.noop()[0] == "OK"


def test_implicit_tls_login(imap_server: ImapServer, imap_account: Account) -> None:
    with connect(imap_server, imap_account, "ssl") as client:
        assert isinstance(client.sock, ssl.SSLSocket)
        assert client.select("INBOX") == ("OK", [b"0"])


def test_plain_login_is_allowed_from_this_machine(imap_server: ImapServer, imap_account: Account) -> None:
    """security = "none" (SPEC 12): Dovecot counts a client on its own address as secure."""
    with connect(imap_server, imap_account, "none") as client:
        assert not isinstance(client.sock, ssl.SSLSocket)
        assert "STARTTLS" in client.capabilities
        assert client.noop()[0] == "OK"


def test_a_wrong_password_is_refused_and_does_not_slow_later_logins(
    imap_server: ImapServer, imap_account: Account
) -> None:
    for wrong in (Account(imap_account.user, imap_account.password + "x"), Account("khong-co-ai", "mat-khau")):
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"), connect(imap_server, wrong):
            pass
    started = time.monotonic()
    with connect(imap_server, imap_account):
        pass
    assert time.monotonic() - started < 1.5, "anvil's auth penalty is on: every later test would wait"


def test_an_account_made_after_start_logs_in_at_once(imap_server: ImapServer, imap_account: Account) -> None:
    with connect(imap_server, imap_account):
        pass
    later = imap_server.new_account(password='co "ngoac kep" \\ va dau cach')
    with connect(imap_server, later) as client:
        assert client.state == "AUTH"


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_the_certificate_is_not_trusted_without_the_cafile(
    imap_server: ImapServer, security: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    system_trust = ssl.create_default_context()
    with pytest.raises(ssl.SSLCertVerificationError, match=r"self.signed|unable to get local issuer"):
        if security == "ssl":
            imaplib.IMAP4_SSL(imap_server.host, imap_server.ssl_port, ssl_context=system_trust, timeout=10)
        else:
            client = imaplib.IMAP4(imap_server.host, imap_server.starttls_port, timeout=10)
            try:
                client.starttls(system_trust)
            finally:
                client.file.close()
                client.sock.close()


def test_the_certificate_names_127_0_0_1_only(imap_server: ImapServer) -> None:
    with pytest.raises(ssl.SSLCertVerificationError, match=r"Hostname mismatch|doesn't match"):
        imaplib.IMAP4_SSL("localhost", imap_server.ssl_port, ssl_context=imap_server.tls_context(), timeout=10)


# --- messages -----------------------------------------------------------------------------------------------------


def test_append_keeps_the_internaldate_flags_and_content(imap_server: ImapServer, imap_account: Account) -> None:
    received = datetime(2021, 9, 30, 21, 45, 7, tzinfo=VIETNAM)
    message = hoa_message(message_id="<dang-ky-to-toan@mangden.example.edu.vn>")

    uid = deliver(imap_server, imap_account, message, received, flags=["\\Seen"])

    [stored] = messages_in(imap_server, imap_account)
    assert stored.uid == uid
    assert stored.message_id == "<dang-ky-to-toan@mangden.example.edu.vn>"
    assert stored.received == received
    assert stored.received.astimezone(UTC) == datetime(2021, 9, 30, 14, 45, 7, tzinfo=UTC)
    assert stored.flags == {"\\Seen"}
    back = read_message(imap_server, imap_account, uid)
    [attachment] = back.iter_attachments()
    assert attachment.get_filename() == REGISTRATION
    assert attachment.get_content() == WORKBOOK
    assert back["From"].addresses[0].display_name == "Nguyễn Thị Hoà"


def test_folders_are_created_with_vietnamese_names(imap_server: ImapServer, imap_account: Account) -> None:
    when = datetime(2022, 5, 3, 8, 15, tzinfo=VIETNAM)
    deliver(imap_server, imap_account, hoa_message(), when, folder="Đã xử lý & lưu")
    deliver(imap_server, imap_account, hoa_message(), when, folder="Đã xử lý & lưu")

    assert folders(imap_server, imap_account) == ["INBOX", "Đã xử lý & lưu"]
    assert [s.uid for s in messages_in(imap_server, imap_account, "Đã xử lý & lưu")] == [1, 2]
    assert messages_in(imap_server, imap_account) == []


def test_two_accounts_do_not_see_each_other(imap_server: ImapServer) -> None:
    first, second = imap_server.new_account(), imap_server.new_account()
    when = datetime(2021, 10, 1, 7, 0, tzinfo=VIETNAM)
    deliver(imap_server, first, hoa_message(), when, folder="Lưu trữ")
    deliver(imap_server, first, hoa_message(), when)

    assert len(messages_in(imap_server, first)) == 1
    assert messages_in(imap_server, second) == []
    assert folders(imap_server, second) == ["INBOX"]


def test_gmail_style_file_names_are_encoded_words_in_quotes(imap_server: ImapServer, imap_account: Account) -> None:
    raw = hoa_message(filename_style="rfc2047").as_bytes()
    assert b'filename="=?UTF-8?B?' in raw
    assert b"filename*" not in raw
    disposition = raw[raw.index(b"Content-Disposition") :].split(b"\n\n")[0]
    assert max(len(line) for line in disposition.splitlines()) <= 78, "folded as mail clients fold"

    uid = deliver(imap_server, imap_account, hoa_message(filename_style="rfc2047"), datetime.now(UTC))
    [attachment] = read_message(imap_server, imap_account, uid).iter_attachments()
    assert attachment.get_filename() == REGISTRATION  # the email package decodes them, noting a defect


# --- the fixture itself -------------------------------------------------------------------------------------------


def test_skips_with_a_reason_when_not_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    reason = _unavailable()
    assert reason is not None
    assert "root" in reason or "not installed" in reason


def test_stopping_leaves_no_process_and_frees_the_ports(imap_server: ImapServer) -> None:
    root = Path(tempfile.mkdtemp(prefix="thidua-dovecot-"))
    try:
        root.chmod(0o755)
        with running_dovecot(root) as other:
            pid_file, waited = root / "run" / "master.pid", time.monotonic() + 10
            while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < waited:
                time.sleep(0.02)  # Dovecot listens before it writes its pid file
            master = int(pid_file.read_text())
            assert _running_in_group(master)
            assert other.starttls_port not in (imap_server.starttls_port, imap_server.ssl_port)
        assert _running_in_group(master) == []
        for port in (other.starttls_port, other.ssl_port):
            with pytest.raises(ConnectionRefusedError), socket.create_connection((other.host, port), timeout=2):
                pass
    finally:
        shutil.rmtree(root, ignore_errors=True)
