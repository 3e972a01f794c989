"""A real IMAP server for the tests of `thidua collect` (SPEC 12): a private Dovecot on 127.0.0.1, started once per
session, with one fresh mailbox per test and helpers that put staff messages in and read a folder back.

Import the fixtures `imap_server` and `imap_account` by name (listing them in the test module's `__all__` keeps
ruff content) and the helpers below, which are test set-up over plain imaplib, not the product's code. The server's
certificate is signed by a private authority (`ImapServer.cafile`): trust it with
`ssl.create_default_context(cafile=...)` or `SSL_CERT_FILE`. Plain LOGIN without TLS is accepted on `starttls_port`
too, because Dovecot treats a client on its own address as secure: the `security = "none"` case of SPEC 12.
"""

from __future__ import annotations

import base64
import ctypes
import imaplib
import itertools
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Literal, NamedTuple, cast

import pytest

try:
    import pwd  # POSIX only: on Windows the real-IMAP tests skip (no Dovecot there)
except ImportError:  # pragma: no cover - Windows
    pwd = None  # type: ignore[assignment]

LOOPBACK = "127.0.0.1"
SCHOOL_MAILBOX = Address("Trường Tiểu học Măng Đen", addr_spec="thidua@mangden.example.edu.vn")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
START_TIMEOUT = 15.0  # seconds; Dovecot is usually listening within 0.2 s
_SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")


# --- what the tests get ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """One mailbox on the test server; `user` is also the IMAP login name."""

    user: str
    password: str


@dataclass(frozen=True)
class ImapServer:
    """A running Dovecot: IMAP with STARTTLS (or plain, from this machine) on `starttls_port`, IMAPS on `ssl_port`."""

    host: str
    starttls_port: int
    ssl_port: int
    cafile: Path  # the authority that signed the server's certificate (CN and IP SAN 127.0.0.1)
    log: Path  # Dovecot's log: logins, failures and TLS errors, useful in a failing assertion
    users: Path = field(repr=False)  # one passwd-file per account
    _serial: Iterator[int] = field(default_factory=itertools.count, init=False, repr=False, compare=False)

    def new_account(self, password: str | None = None) -> Account:
        """A mailbox no other test has used, ready at once (no restart); the password is random unless given."""
        password = secrets.token_urlsafe(12) if password is None else password
        if not password.isascii() or not password.isprintable() or ":" in password:
            raise ValueError("the test server takes printable ASCII passwords without ':'")
        user = f"truong{next(self._serial)}-{secrets.token_hex(3)}"
        # A file of its own, not a line appended to a shared file: Dovecot looks at a passwd-file's mtime at most
        # once a second, so an account added in the same second as a login would be unknown for up to a second.
        passwd = self.users / user
        passwd.write_text(f"{user}:{{PLAIN}}{password}::::::\n", encoding="utf-8")
        passwd.chmod(0o640)
        os.chown(passwd, 0, self.users.stat().st_gid)
        return Account(user, password)

    def tls_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's certificate, with the usual host name checks."""
        return ssl.create_default_context(cafile=str(self.cafile))


class Stored(NamedTuple):
    """A message as the server holds it."""

    uid: int
    message_id: str | None
    received: datetime  # INTERNALDATE, timezone-aware
    flags: frozenset[str]  # without \\Recent, which depends on which session looked first


# --- the server -----------------------------------------------------------------------------------------------------


def _dovecot() -> str | None:
    path = os.pathsep.join([os.environ.get("PATH", ""), *_SBIN])
    return shutil.which("dovecot", path=path)


def _unavailable() -> str | None:
    """Why this machine cannot run the private Dovecot, or None when it can."""
    if _dovecot() is None:
        return "Dovecot is not installed (Debian: apt-get install dovecot-imapd); the real-IMAP tests are skipped"
    if shutil.which("openssl") is None:
        return "openssl is not installed; the real-IMAP tests need it for the server's certificate"
    if pwd is None or not hasattr(os, "geteuid"):
        return "the private Dovecot runs on POSIX systems only; the real-IMAP tests are skipped here"
    if os.geteuid() != 0:
        return (
            "the private Dovecot needs root (it switches to the dovecot user for mailboxes); "
            "the real-IMAP tests are skipped when not running as root"
        )
    try:
        pwd.getpwnam("dovecot")
    except KeyError:
        return "Dovecot is installed but the 'dovecot' system user is missing; the real-IMAP tests are skipped"
    return None


def _openssl(folder: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=60)


def _certificates(folder: Path) -> Path:
    """A private authority and a server certificate for 127.0.0.1 signed by it; returns the authority's file."""
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")  # EC: key generation is instant
    _openssl(folder, "req", "-x509", *ec, "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "2",
             "-subj", "/O=thidua tests/CN=thidua test authority",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    _openssl(folder, "req", "-new", *ec, "-keyout", "key.pem", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (folder / "server.ext").write_text(
        "basicConstraints = critical, CA:FALSE\n"
        "keyUsage = critical, digitalSignature\n"
        "extendedKeyUsage = serverAuth\n"
        "subjectAltName = IP:127.0.0.1\n"
        "subjectKeyIdentifier = hash\n"
        "authorityKeyIdentifier = keyid\n"
    )
    _openssl(folder, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-days", "2",
             "-set_serial", str(secrets.randbits(63)), "-extfile", "server.ext", "-out", "cert.pem")  # fmt: skip
    (folder / "ca-key.pem").unlink()  # nothing else is ever signed with it
    return folder / "ca.pem"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        port: int = s.getsockname()[1]
        return port


def _config(root: Path, starttls_port: int, ssl_port: int) -> str:
    mail_uid = pwd.getpwnam("dovecot").pw_uid
    return f"""\
# A private Dovecot for thidua's tests; nothing here reads /etc/dovecot.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = {LOOPBACK}
login_greeting = thidua test IMAP ready.

ssl = yes
ssl_cert = <{root}/tls/cert.pem
ssl_key = <{root}/tls/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_verbose = yes
# A wrong password is answered within 0.5 s, not after 2 s (see also anvil below).
auth_failure_delay = 0

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/home/%u
}}
mail_location = maildir:~/Maildir
first_valid_uid = {mail_uid}

service imap-login {{
  chroot =
  inet_listener imap {{
    address = {LOOPBACK}
    port = {starttls_port}
  }}
  inet_listener imaps {{
    address = {LOOPBACK}
    port = {ssl_port}
  }}
}}
service anvil {{
  chroot =
  # Every test logs in from 127.0.0.1: without this, one refused login would make anvil delay every later login
  # from that address (2 s, 4 s, ... 15 s, for an hour). login_trusted_networks does not exempt it in 2.3.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def _ended_with_this_process() -> Callable[[], None] | None:
    """On Linux, have the kernel send SIGTERM to Dovecot's master if the test process is killed before its teardown
    (a CI timeout, kill -9), so that no server is left running. Elsewhere nothing."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def set_parent_death_signal() -> None:
        libc.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG, kept across exec

    return set_parent_death_signal


def _tail(*paths: Path, lines: int = 30) -> str:
    parts = []
    for path in paths:
        text = path.read_text(errors="replace") if path.exists() else "(missing)"
        parts.append(f"--- {path.name} ---\n" + "\n".join(text.splitlines()[-lines:]))
    return "\n".join(parts)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5):
            return True
    except OSError:
        return False


def _stop(conf: Path, process: subprocess.Popen[bytes]) -> None:
    """`dovecot stop`, then make sure the master and every child it left are gone."""
    if process.poll() is None:
        # `dovecot stop` polls until the master's PID is free, and an unreaped child still holds it: reap it meanwhile.
        stopper = subprocess.Popen([_dovecot() or "dovecot", "-c", str(conf), "stop"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        try:
            stopper.wait(timeout=10)
        except subprocess.TimeoutExpired:
            stopper.kill()
            stopper.wait()
    # The master ran in a session of its own, so its process group is exactly what it started. Children notice the
    # master's end and exit by themselves; whatever still runs after half a second is killed.
    started = time.monotonic()
    while survivors := _running_in_group(process.pid):
        waited = time.monotonic() - started
        if waited > 5:
            raise RuntimeError(f"Dovecot processes {survivors} did not end")
        if waited > 0.5:
            for pid in survivors:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)


def _running_in_group(pgid: int) -> list[int]:
    """Processes of the group that have not ended; zombies (ended, waiting for init to reap them) do not count."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended while we looked
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@contextmanager
def running_dovecot(root: Path) -> Iterator[ImapServer]:
    """Run Dovecot from `root` (a fresh directory that the dovecot user can traverse) until the block ends."""
    tls = root / "tls"
    tls.mkdir()
    cafile = _certificates(tls)
    home = root / "home"
    home.mkdir()
    mail = pwd.getpwnam("dovecot")
    os.chown(home, mail.pw_uid, mail.pw_gid)
    users = root / "users"
    users.mkdir(mode=0o750)
    os.chown(users, 0, mail.pw_gid)  # the auth process runs as the dovecot user
    conf, log, stderr = root / "dovecot.conf", root / "dovecot.log", root / "dovecot.stderr"

    for attempt in itertools.count(1):
        starttls_port, ssl_port = _free_port(), _free_port()
        while ssl_port == starttls_port:
            ssl_port = _free_port()
        conf.write_text(_config(root, starttls_port, ssl_port))
        with stderr.open("ab") as err:
            process = subprocess.Popen(
                [_dovecot() or "dovecot", "-F", "-c", str(conf)],
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                start_new_session=True,  # Ctrl-C reaches pytest only, whose teardown then stops Dovecot in order
                preexec_fn=_ended_with_this_process(),
            )
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while process.poll() is None and time.monotonic() < deadline:
                if _listening(starttls_port) and _listening(ssl_port):
                    break
                time.sleep(0.02)
            else:
                exited = process.poll() is not None
                _stop(conf, process)
                report = _tail(stderr, log)
                if exited and "Address already in use" in report and attempt < 3:
                    continue  # another program took a port between our probe and Dovecot's bind
                state = f"exited with {process.returncode}" if exited else f"not listening after {START_TIMEOUT} s"
                pytest.fail(f"Dovecot {state} ({conf}).\n{report}", pytrace=False)
            server = ImapServer(LOOPBACK, starttls_port, ssl_port, cafile, log, users)
            yield server
            return
        finally:
            _stop(conf, process)


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    """One Dovecot for the whole session; take a fresh `new_account()` (or `imap_account`) in each test."""
    reason = _unavailable()
    if reason is not None:
        pytest.skip(reason)
    # Not under pytest's basetemp: that is private to root (0700) and the dovecot user must reach the mailboxes;
    # a short path also keeps Dovecot's sockets under the 108-byte limit of a Unix socket name.
    root = Path(tempfile.mkdtemp(prefix="thidua-dovecot-"))
    try:
        root.chmod(0o755)
        with running_dovecot(root) as server:
            yield server
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_account(imap_server: ImapServer) -> Account:
    """A mailbox of its own for one test."""
    return imap_server.new_account()


# --- putting messages in and reading them back (test set-up over imaplib) -------------------------------------------


def staff_message(
    sender_name: str,
    sender_addr: str,
    subject: str,
    attachments: Sequence[tuple[str, bytes, str]] = (),
    *,
    message_id: str | None = None,
    body: str = "Kính gửi thầy cô,\nEm gửi file đăng ký thi đua.\nTrân trọng.",
    to: Address | str = SCHOOL_MAILBOX,
    date: datetime | None = None,
    filename_style: Literal["rfc2231", "rfc2047"] = "rfc2231",
) -> EmailMessage:
    """A staff member's message with attachments (file name, content, MIME type), encoded as mail clients do.

    Display names go out as RFC 2047 encoded words; file names as RFC 2231 parameters (`filename*=utf-8''...`), as
    the email package and Thunderbird write them, or with `filename_style="rfc2047"` as an encoded word inside
    the quotes, which Gmail and Outlook send although the standard does not allow it there.
    """
    message = EmailMessage(policy=policy.default)
    message["From"] = Address(sender_name, addr_spec=sender_addr)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date or datetime.now().astimezone())
    message["Message-ID"] = message_id or make_msgid(domain=sender_addr.rpartition("@")[2] or "staff.example")
    message.set_content(body)
    for filename, content, mime_type in attachments:
        maintype, _, subtype = mime_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
        if filename_style == "rfc2047" and not filename.isascii():
            part = list(message.iter_attachments())[-1]
            del part["Content-Disposition"]
            # Raw, already folded: the email package would turn a parsed encoded word back into RFC 2231.
            words = "\n ".join(_encoded_words(filename))
            part.set_raw("Content-Disposition", f'attachment;\n filename="{words}"')
    return message


def _encoded_words(text: str, limit: int = 36) -> list[str]:
    """RFC 2047 B-encoded words of at most `limit` UTF-8 bytes each, split between characters, as Gmail folds them."""
    chunks: list[str] = [""]
    for ch in text:
        if len((chunks[-1] + ch).encode()) > limit:
            chunks.append("")
        chunks[-1] += ch
    return ["=?UTF-8?B?" + base64.b64encode(chunk.encode()).decode() + "?=" for chunk in chunks]


@contextmanager
def connect(
    server: ImapServer, account: Account, security: Literal["starttls", "ssl", "none"] = "starttls"
) -> Iterator[imaplib.IMAP4]:
    """A logged-in imaplib session (the [imap] `security` choices), logged out at the end."""
    client: imaplib.IMAP4
    if security == "ssl":
        client = imaplib.IMAP4_SSL(server.host, server.ssl_port, ssl_context=server.tls_context(), timeout=10)
    else:
        client = imaplib.IMAP4(server.host, server.starttls_port, timeout=10)
    try:
        if security == "starttls":
            client.starttls(server.tls_context())
        client.login(account.user, account.password)
        yield client
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            with suppress(OSError):
                client.shutdown()


def deliver(
    server: ImapServer,
    account: Account,
    message: EmailMessage,
    received: datetime,
    folder: str = "INBOX",
    flags: Iterable[str] = (),
) -> int:
    """APPEND `message` to `folder` (created when missing) with INTERNALDATE `received`; returns its UID."""
    if received.tzinfo is None:
        raise ValueError("received must carry its timezone, e.g. datetime(..., tzinfo=VIETNAM)")
    name = _mailbox(folder)
    with connect(server, account) as client:
        status, data = client.create(name)
        if status != "OK" and b"ALREADYEXISTS" not in b" ".join(d for d in data if isinstance(d, bytes)):
            raise AssertionError(f"CREATE {folder!r}: {status} {data!r}")
        flag_list = "(" + " ".join(flags) + ")" if (flags := tuple(flags)) else None
        status, data = client.append(name, flag_list, _internaldate(received), message.as_bytes())
        assert status == "OK", f"APPEND to {folder!r}: {status} {data!r}"
        found = re.search(rb"\[APPENDUID \d+ (\d+)\]", data[0] or b"")
        assert found, f"no APPENDUID in {data!r}"
        return int(found.group(1))


def messages_in(server: ImapServer, account: Account, folder: str = "INBOX") -> list[Stored]:
    """Every message in `folder`, by UID, read without changing anything (EXAMINE, BODY.PEEK)."""
    with connect(server, account) as client:
        status, data = client.select(_mailbox(folder), readonly=True)
        assert status == "OK", f"EXAMINE {folder!r}: {status} {data!r}"
        status, data = client.uid("SEARCH", "ALL")
        assert status == "OK", f"UID SEARCH: {status} {data!r}"
        uids = (data[0] or b"").split()
        if not uids:
            return []
        status, data = client.uid("FETCH", b",".join(uids).decode(), "(UID FLAGS INTERNALDATE BODY.PEEK[HEADER])")
        assert status == "OK", f"UID FETCH: {status} {data!r}"
    stored: list[Stored] = []
    for item in cast(list[Any], data):
        if not isinstance(item, tuple):
            continue  # the closing ")" after each literal
        meta, header = item
        uid = re.search(rb"UID (\d+)", meta)
        flags = re.search(rb"FLAGS \(([^)]*)\)", meta)
        date = re.search(rb'INTERNALDATE "([^"]+)"', meta)
        assert uid and flags and date, f"unexpected FETCH response {meta!r}"
        message_id = message_from_bytes(header, policy=policy.default)["Message-ID"]
        stored.append(
            Stored(
                uid=int(uid.group(1)),
                message_id=str(message_id).strip() if message_id is not None else None,
                received=_parse_internaldate(date.group(1).decode()),
                flags=frozenset(flags.group(1).decode().split()) - {"\\Recent"},
            )
        )
    return sorted(stored)


def read_message(server: ImapServer, account: Account, uid: int, folder: str = "INBOX") -> EmailMessage:
    """The whole message with this UID, parsed, read without setting \\Seen."""
    with connect(server, account) as client:
        status, data = client.select(_mailbox(folder), readonly=True)
        assert status == "OK", f"EXAMINE {folder!r}: {status} {data!r}"
        status, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
        assert status == "OK", f"UID FETCH {uid}: {status} {data!r}"
    literals = [item[1] for item in cast(list[Any], data) if isinstance(item, tuple)]
    assert len(literals) == 1, f"no message with UID {uid} in {folder!r}"
    message = message_from_bytes(literals[0], policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def folders(server: ImapServer, account: Account) -> list[str]:
    """The account's folder names, decoded from IMAP's modified UTF-7, sorted."""
    with connect(server, account) as client:
        status, data = client.list()
        assert status == "OK", f"LIST: {status} {data!r}"
    names = []
    for item in cast(list[Any], data):
        if isinstance(item, tuple):  # a name sent as a literal
            names.append(item[1].decode())
            continue
        found = re.match(rb'\((?P<flags>[^)]*)\) (?:"(?:[^"\\]|\\.)*"|NIL) (?P<name>.+)$', item or b"")
        assert found, f"unexpected LIST line {item!r}"
        name = found.group("name").decode()
        if name.startswith('"'):
            name = re.sub(r"\\(.)", r"\1", name[1:-1])
        names.append(name)
    return sorted(_from_mutf7(n) for n in names)


# --- IMAP details ---------------------------------------------------------------------------------------------------

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _internaldate(moment: datetime) -> str:
    # Not strftime("%b"): that follows the process locale, IMAP wants English month names.
    offset = moment.strftime("%z")
    return f'"{moment.day:02d}-{_MONTHS[moment.month - 1]}-{moment.year} {moment:%H:%M:%S} {offset}"'


def _parse_internaldate(text: str) -> datetime:
    day, month, rest = text.strip().split("-", 2)
    moment = datetime.strptime(f"{day}-{_MONTHS.index(month) + 1}-{rest}", "%d-%m-%Y %H:%M:%S %z")
    return moment


def _mailbox(name: str) -> str:
    """A folder name as an IMAP argument: modified UTF-7, quoted (imaplib quotes nothing itself)."""
    encoded = _to_mutf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _to_mutf7(name: str) -> str:
    """RFC 3501 5.1.3: printable ASCII as is ('&' as '&-'), anything else as '&' modified-base64 UTF-16 '-'."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if " " <= ch <= "~":
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def _from_mutf7(name: str) -> str:
    def decode(found: re.Match[str]) -> str:
        chunk = found.group(1)
        if not chunk:
            return "&"
        raw = base64.b64decode(chunk.replace(",", "/") + "=" * (-len(chunk) % 4))
        return raw.decode("utf-16-be")

    return re.sub(r"&([^-]*)-", decode, name)
