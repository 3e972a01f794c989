"""`thidua collect`: the staff's files e-mailed to the school's mailbox, fetched over IMAP into
submissions/e-mail/ (SPEC 12).

The protocol is IMAPClient's (a maintained client: it parses the server's responses, literals, INTERNALDATE and
folder names, and does STARTTLS, so none of that is written here); messages are parsed with the standard `email`
package. Every message is recorded in the history by its Message-ID, so it is fetched once whatever folder it is
moved to; messages are never deleted. Attachments are untrusted files: the reader's guard checks them at `run`,
and here their size and number are bounded before anything is written."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any

from thidua.core.text import ascii_slug
from thidua.errors import ThiduaError, cannot_write
from thidua.intake.guard import Limits
from thidua.mail import servers
from thidua.pipeline import history
from thidua.workspace.folder import Workspace
from thidua.workspace.settings import IMAP, Settings, read_settings

if TYPE_CHECKING:
    from imapclient import IMAPClient

TABLE = "[imap]"
FOLDER = "e-mail"  # under submissions/
MAX_NAME = 150  # characters of a saved file's name
VIETNAM = dt.timezone(dt.timedelta(hours=7), "UTC+07:00")
SPREADSHEETS = {
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
    ".xlsm": ("application/vnd.ms-excel.sheet.macroenabled.12",),
    ".xls": ("application/vnd.ms-excel", "application/msexcel", "application/x-msexcel"),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet",),
}
SUFFIX_OF_TYPE = {mime: suffix for suffix, types in SPREADSHEETS.items() for mime in types}
NO_SPREADSHEET = "không có bảng tính"
SAVED = "đã lưu"


KIND = IMAP


@dataclass(frozen=True)
class ImapSettings:
    server: servers.Server
    folder: str
    move_to: str
    since: dt.date | None
    max_attachments: int


def imap_settings(settings: Settings | Mapping[str, Any]) -> ImapSettings:
    """The [imap] table (of a workspace's checked settings, or of a whole settings dict as loaded, checked here)
    with the host and the login `collect` needs."""
    checked = settings if isinstance(settings, Settings) else read_settings(settings)
    table = checked.imap
    if table is None:
        raise ThiduaError(
            f"Thiếu mục {TABLE} trong thidua.toml: hãy thêm mục này với host, username, folder (xem README, phần "
            "“Nhận tệp qua e-mail”)."
        )
    server = servers.server_of(table.server, KIND, need_login=True)
    return ImapSettings(server, table.folder, table.move_to, table.since, table.max_attachments)


# --- one message ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    filename: str  # as the sender named it (decoded)
    suffix: str
    data: bytes


@dataclass
class Message:
    """A message as collect sees it."""

    uid: int
    message_id: str
    sender: tuple[str, str]  # (display name, address)
    subject: str
    received: dt.datetime  # the server's INTERNALDATE, in Vietnam's time
    attachments: list[Attachment] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # attachments left alone, and why


def spreadsheet_suffix(filename: str, content_type: str) -> str | None:
    """The spreadsheet kind of an attachment, by its name or else its MIME type; None when it is none."""
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix in SPREADSHEETS:
        return suffix
    return SUFFIX_OF_TYPE.get(content_type.lower())


def read_message(
    uid: int,
    raw: bytes,
    received: dt.datetime,
    limits: Limits,
    most: int,
    kind_of: Callable[[str, str], str | None] = spreadsheet_suffix,
) -> Message:
    """Parse one fetched message and pick its attachments of the kinds wanted (`kind_of`: the suffix of an
    attachment by its name and MIME type, None for one not wanted; default spreadsheets), bounded in size and
    number."""
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(parsed, EmailMessage)
    name, address = parseaddr(str(parsed.get("From", "")))
    message = Message(
        uid,
        message_key(parsed, raw, received),
        (name.strip(), address.strip()),
        " ".join(str(parsed.get("Subject", "")).split()),
        received,
    )
    bound = int(limits.max_file_mb * 1024 * 1024)
    for part in parsed.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename() or ""
        suffix = kind_of(filename, part.get_content_type())
        if suffix is None:
            continue
        shown = filename or f"tệp đính kèm{suffix}"
        if len(message.attachments) >= most:
            message.refused.append(f"“{shown}”: quá {most} tệp trong một thư")
            continue
        encoded = part.get_payload()
        if isinstance(encoded, str) and len(encoded) * 3 // 4 > bound + 4:  # judged before it is decoded
            message.refused.append(f"“{shown}”: lớn hơn {limits.max_file_mb:g} MB")
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            message.refused.append(f"“{shown}”: tệp rỗng")
            continue
        if len(data) > bound:
            message.refused.append(f"“{shown}”: lớn hơn {limits.max_file_mb:g} MB")
            continue
        message.attachments.append(Attachment(shown, suffix, data))
    return message


def message_key(parsed: EmailMessage, raw: bytes, received: dt.datetime) -> str:
    """The message's Message-ID, or for a message without one a stable stand-in from its headers."""
    found = str(parsed.get("Message-ID", "")).strip()
    if found:
        return found
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    return f"<khong-co-message-id.{hashlib.sha256(head + received.isoformat().encode()).hexdigest()[:32]}@thidua>"


def saved_name(message: Message, attachment: Attachment, taken: set[str]) -> str:
    """'20261005-0812_dinh-thi-mai_dang-ky-to-1.xlsx': when it came, from whom, what it was; ASCII, at most
    MAX_NAME characters, never one already taken (case-insensitively, as Windows compares)."""
    who = ascii_slug(message.sender[0] or message.sender[1].split("@")[0])[:40].strip("-") or "khong-ro"
    what = ascii_slug(Path(attachment.filename).stem)[:80].strip("-") or "tep"
    stem = f"{message.received:%Y%m%d-%H%M}_{who}_{what}"[: MAX_NAME - 10]
    name, number = f"{stem}{attachment.suffix}", 1
    while name.casefold() in taken:
        number += 1
        name = f"{stem}-{number}{attachment.suffix}"
    taken.add(name.casefold())
    return name


# --- the mailbox ----------------------------------------------------------------------------------------------


@dataclass
class Collected:
    """What a collect did (or, in a dry run, would do)."""

    saved: list[tuple[str, str]] = field(default_factory=list)  # (saved name, from)
    identical: list[tuple[str, str]] = field(default_factory=list)  # (attachment, from): already saved
    without: list[str] = field(default_factory=list)  # messages without a spreadsheet
    refused: list[str] = field(default_factory=list)  # attachments left alone
    known: int = 0  # messages fetched before
    moved: int = 0
    not_moved: list[str] = field(default_factory=list)  # recorded, but left in the folder (the server refused)
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (saved name, from): a sender no unit has (office)


@contextmanager
def connected(imap: ImapSettings, password: str) -> Iterator[IMAPClient]:
    """A logged-in client; every failure of the connection or the login becomes one Vietnamese sentence."""
    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientError, LoginError

    server = imap.server
    where = server.endpoint
    client: IMAPClient | None = None
    try:
        try:
            client = IMAPClient(
                server.host,
                port=server.port,
                ssl=server.security == "ssl",
                ssl_context=servers.tls_context(server, KIND) if server.security == "ssl" else None,
                timeout=server.timeout,
            )
            if server.security == "starttls":
                client.starttls(servers.tls_context(server, KIND))
            client.login(server.username, password)
        except LoginError as exc:
            raise ThiduaError(
                f"Máy chủ thư {where} không nhận đăng nhập của tài khoản “{server.username}”: hãy kiểm tra tên tài "
                f"khoản và mật khẩu trong biến {server.password_env} (với Gmail cần mật khẩu ứng dụng)."
            ) from exc
        yield client
    except ssl.SSLCertVerificationError as exc:
        raise ThiduaError(
            f"Chứng chỉ của máy chủ thư {where} không được xác thực ({exc.verify_message}); thidua không gửi mật "
            "khẩu tới máy chủ này. Hãy kiểm tra tên máy chủ, hoặc ghi cafile nếu trường dùng chứng chỉ riêng."
        ) from exc
    except (IMAPClientError, OSError, ssl.SSLError) as exc:
        if isinstance(exc, ThiduaError):
            raise
        raise ThiduaError(
            f"Mất kết nối với máy chủ thư {where} ({_reason(exc)}). Các thư đã lưu xong vẫn được giữ; chạy lại "
            "lệnh lấy thư (thidua collect; ở thư mục của cơ quan tổng hợp: thidua office collect) để lấy tiếp."
        ) from exc
    finally:
        if client is not None:
            with suppress(IMAPClientError, OSError, ssl.SSLError):  # the connection may be gone already
                client.logout()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "hết thời gian chờ"
    if isinstance(exc, ConnectionRefusedError):
        return "máy chủ từ chối kết nối"
    text = " ".join(str(exc).split())
    return text[:160] or type(exc).__name__


def collect(
    ws: Workspace,
    environ: Mapping[str, str],
    dry_run: bool = False,
    say: Callable[[str], None] = lambda _text: None,
) -> Collected:
    """Fetch every message since the school year's first day (or `since`) not fetched before; save its
    spreadsheet attachments under submissions/e-mail/; record it; move it when `move_to` says so."""
    from thidua.workspace.plan_workbook import school_year_in

    imap = imap_settings(ws.config)
    limits = ws.config.limits
    password = servers.password_of(imap.server, KIND, environ) or ""
    year = school_year_in(ws.plan_path, limits)
    since = imap.since or (year.start if year else None)
    folder = ws.submissions / FOLDER
    saved_digests = {r.sha256 for r in history.received_files(ws.history_path).values()}
    taken = {p.name.casefold() for p in folder.iterdir()} if folder.is_dir() else set()
    done = Collected()

    def keep(message: Message) -> list[tuple[str, str, str]]:
        return save_attachments(message, folder, taken, saved_digests, done, dry_run)

    def record(message: Message, status: str, files: list[tuple[str, str, str]]) -> None:
        _record(ws, message, imap.folder, status, files)

    def undo(files: list[tuple[str, str, str]]) -> None:
        for name, _digest, _original in files:
            (folder / name).unlink(missing_ok=True)

    known = history.received_ids(ws.history_path)
    return fetch_new(imap, password, since, known, limits, Filing(keep, record, undo), done, dry_run, say)


@dataclass(frozen=True)
class Filing:
    """Where a collect puts what it fetches: `keep` saves a message's attachments (or, in a dry run, only counts
    them) and returns the files saved (path as recorded, sha256, original name); `record` writes the message in
    the history; `undo` removes files saved for a message whose recording failed. The school files into
    submissions/e-mail/; a receiving office into nhan/<unit>/ (office.collect)."""

    keep: Callable[[Message], list[tuple[str, str, str]]]
    record: Callable[[Message, str, list[tuple[str, str, str]]], None]
    undo: Callable[[list[tuple[str, str, str]]], None]
    kind_of: Callable[[str, str], str | None] = spreadsheet_suffix


def fetch_new(
    imap: ImapSettings,
    password: str,
    since: dt.date | None,
    known: set[str],
    limits: Limits,
    filing: Filing,
    done: Collected,
    dry_run: bool = False,
    say: Callable[[str], None] = lambda _text: None,
) -> Collected:
    """Every message of the folder since `since` whose Message-ID is not in `known`: its attachments filed and the
    message recorded (all or nothing for a message), then moved when `move_to` says so. Messages are never
    deleted; one without an attachment wanted is recorded and left alone."""
    from imapclient.exceptions import IMAPClientError

    with connected(imap, password) as client:
        try:
            client.select_folder(imap.folder, readonly=dry_run)
        except IMAPClientError as exc:
            raise ThiduaError(
                f"Hộp thư không có thư mục “{imap.folder}” (mục {TABLE} folder): hãy ghi đúng tên thư mục, ví dụ "
                'folder = "INBOX".'
            ) from exc
        if imap.move_to and not dry_run and not client.folder_exists(imap.move_to):
            try:
                client.create_folder(imap.move_to)
            except IMAPClientError as exc:
                raise ThiduaError(
                    f"Không tạo được thư mục “{imap.move_to}” (mục {TABLE} move_to) trong hộp thư: hãy tạo thư mục "
                    "đó bằng trình đọc thư, hoặc bỏ dòng move_to."
                ) from exc
        uids = sorted(client.search(["SINCE", since] if since else ["ALL"]))
        say(f"Hộp thư {imap.folder}: {len(uids)} thư từ ngày {since:%d/%m/%Y}." if since else f"{len(uids)} thư.")
        heads = client.fetch(uids, ["INTERNALDATE", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]) if uids else {}
        for number, uid in enumerate(uids, start=1):
            head = heads.get(uid, {})
            header = BytesParser(policy=policy.default).parsebytes(head.get(b"BODY[HEADER.FIELDS (MESSAGE-ID)]", b""))
            message_id = str(header.get("Message-ID", "")).strip()
            if message_id and message_id in known:
                done.known += 1
                continue
            raw = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {}).get(b"BODY[]", b"")
            received = _vietnam_time(head.get(b"INTERNALDATE"))
            message = read_message(uid, raw, received, limits, imap.max_attachments, filing.kind_of)
            if message.message_id in known:  # a message without Message-ID seen before
                done.known += 1
                continue
            known.add(message.message_id)
            who = message.sender[0] or message.sender[1]
            say(f"  [{number}/{len(uids)}] {message.received:%d/%m/%Y %H:%M} {who}: {message.subject}")
            done.refused += [f"{who}: {why}" for why in message.refused]
            if not message.attachments:
                if message.refused:
                    continue  # not recorded: a later collect, with other limits, may take its spreadsheets
                done.without.append(f"{message.received:%d/%m/%Y %H:%M} {who}: “{message.subject}”")
                if not dry_run:
                    filing.record(message, NO_SPREADSHEET, [])
                continue
            files = filing.keep(message)
            if dry_run:
                continue
            try:
                filing.record(message, SAVED, files)
            except BaseException:
                filing.undo(files)  # all or nothing for a message
                raise
            if imap.move_to:
                try:
                    client.move([uid], imap.move_to)
                except IMAPClientError as exc:  # e.g. a server without MOVE: the message stays, already recorded
                    done.not_moved.append(f"{who}: “{message.subject}” ({_reason(exc)})")
                else:
                    done.moved += 1
    return done


def _vietnam_time(internal: object) -> dt.datetime:
    """The server's INTERNALDATE in Vietnam's time (IMAPClient gives it naive in local time, or aware)."""
    if not isinstance(internal, dt.datetime):
        return dt.datetime.now(VIETNAM).replace(microsecond=0)
    aware = internal if internal.tzinfo else internal.astimezone()
    return aware.astimezone(VIETNAM)


def save_attachments(
    message: Message,
    folder: Path,
    taken: set[str],
    digests: set[str],
    done: Collected,
    dry_run: bool,
) -> list[tuple[str, str, str]]:
    """Write each new attachment under its own name, dated as received; identical ones once."""
    files: list[tuple[str, str, str]] = []
    who = message.sender[0] or message.sender[1]
    for attachment in message.attachments:
        digest = hashlib.sha256(attachment.data).hexdigest()
        if digest in digests:
            done.identical.append((attachment.filename, who))
            continue
        digests.add(digest)
        name = saved_name(message, attachment, taken)
        done.saved.append((name, who))
        if dry_run:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        try:
            with open(target, "xb") as out:  # exclusive: never over an existing file, even one made meanwhile
                try:
                    out.write(attachment.data)
                except BaseException:
                    out.close()
                    target.unlink(missing_ok=True)
                    raise
            stamp = message.received.timestamp()
            os.utime(target, (stamp, stamp))  # the submission's date is the day it was received
        except FileExistsError:
            for saved, _d, _o in files:  # all or nothing for a message
                (folder / saved).unlink(missing_ok=True)
            raise ThiduaError(f"Tệp {target.name} vừa xuất hiện trong {folder}; hãy chạy lại thidua collect.") from None
        except OSError as exc:
            for saved, _d, _o in files:
                (folder / saved).unlink(missing_ok=True)
            raise cannot_write(f"tệp {name}", exc) from exc
        files.append((name, digest, attachment.filename))
    return files


def _record(ws: Workspace, message: Message, folder: str, status: str, files: list[tuple[str, str, str]]) -> None:
    history.record_received(
        ws.history_path,
        message.message_id,
        message.sender,
        message.subject,
        message.received.isoformat(),
        folder,
        status,
        [(f"{FOLDER}/{name}", digest, original) for name, digest, original in files],
    )
