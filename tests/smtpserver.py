"""A real SMTP server for the tests of e-mail (SPEC 8): aiosmtpd on 127.0.0.1, started per test by the `serve`
fixture, with an optional self-signed certificate (`certificate`, `server_tls`) for STARTTLS and implicit TLS and
one login it accepts (`USER`, `PASSWORD`, checked by `authenticator`).

conftest.py makes the fixtures available to every test module; the helpers are imported by name. A test that uses
`serve` is marked `network` by conftest.py.
"""

from __future__ import annotations

import email
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

LOOPBACK = "127.0.0.1"
USER = "truong.mangden"
PASSWORD = "Zq7-secret-Pw-41x"


class Inbox:
    """aiosmtpd handler that keeps every accepted envelope and refuses one address at RCPT."""

    refused = "khong.co@pgd.example.vn"

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address == self.refused:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    def only(self) -> tuple[Envelope, EmailMessage]:
        assert len(self.envelopes) == 1
        envelope = self.envelopes[0]
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return envelope, parsed


Serve = Callable[..., tuple[Inbox, int]]


def authenticator(server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd itself answers 535 on failure


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def serve() -> Iterator[Serve]:
    """serve(**controller options) → (inbox, port): an aiosmtpd server on 127.0.0.1, stopped after the test."""
    controllers: list[Controller] = []

    def start(**options: Any) -> tuple[Inbox, int]:
        inbox, port = Inbox(), free_port()
        controller = Controller(inbox, hostname=LOOPBACK, port=port, server_hostname="mail.test", **options)
        controllers.append(controller)
        controller.start()
        return inbox, port

    try:
        yield start
    finally:
        for controller in controllers:
            controller.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: (cert.pem, key.pem)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        cwd=folder, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def send_through(settings: Path, port: int) -> None:
    """Point a workspace's thidua.toml [email] table at the loopback server on `port` (plain SMTP, the demo's
    addresses), keeping every other table as it is; [email] must come just before [imap]."""
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text[: text.index("[email]")]
        + f'[email]\nto = ["vhxh@xa.example.vn"]\nfrom = "thuky@mangden.example.edu.vn"\nhost = "{LOOPBACK}"\n'
        f'port = {port}\nsecurity = "none"\ntimeout = 5\n\n' + text[text.rindex("[imap]") :],
        encoding="utf-8",
    )
