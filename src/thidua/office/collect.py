"""`thidua office collect`: what the units e-mailed to the office's mailbox, filed under nhan/<unit code>/ by the
address that sent it (donvi.xlsx's E-mail), SPEC 15. The fetching is the school's (mail.mailbox.fetch_new: the
[imap] settings, TLS, the history of Message-IDs so a message is filed once, never deleted, moved when `move_to`
says so); only where each attachment goes differs. A sender no unit has goes to nhan/khong-ro/ and is listed:
the run still matches a report there by the school it names. Nothing is overwritten: each attachment gets its own
name (when it came, from whom, what it was), and one identical to a file already filed is not filed again."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path

from thidua.core.text import clean
from thidua.errors import SETTINGS_FILE, ThiduaError
from thidua.issues import Report
from thidua.mail import servers
from thidua.mail.mailbox import (
    KIND,
    SPREADSHEETS,
    Collected,
    Filing,
    Message,
    fetch_new,
    imap_settings,
    save_attachments,
    spreadsheet_suffix,
)
from thidua.office.settings import Office
from thidua.office.units import read_units
from thidua.pipeline import history
from thidua.workspace.folder import DB_FILE  # the same history file as a school's: here only its mail tables

UNKNOWN = "khong-ro"  # nhan/khong-ro/: what came from an address no unit has
# What a unit sends beside its workbooks: the dossier's documents (tờ trình, biên bản, báo cáo thành tích) and scans.
DOCUMENTS = {".docx": "docx", ".doc": "doc", ".odt": "odt", ".pdf": "pdf"}
DOCUMENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/msword": ".doc",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/pdf": ".pdf",
}


def attachment_kind(filename: str, content_type: str) -> str | None:
    """A workbook or a document a unit sends (by name, else MIME type); None for anything else."""
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix in DOCUMENTS:
        return suffix
    if suffix not in SPREADSHEETS and content_type.lower() in DOCUMENT_TYPES:
        return DOCUMENT_TYPES[content_type.lower()]
    return spreadsheet_suffix(filename, content_type)


def addresses(units_email: Mapping[str, str]) -> dict[str, str]:
    """Address (lower case) → unit code; a cell may hold several addresses separated by ; , or spaces."""
    found: dict[str, str] = {}
    for code, cell in units_email.items():
        for part in clean(cell).replace(";", " ").replace(",", " ").split():
            if "@" in part:
                found.setdefault(part.strip("<>").lower(), code)
    return found


def collect_office(
    office: Office,
    environ: Mapping[str, str],
    dry_run: bool = False,
    say: Callable[[str], None] = lambda _text: None,
    month: str | None = None,
) -> Collected:
    """Fetch every message not fetched before and file its attachments under the unit that sent it; with `month`
    (YYYY-MM) only those received since that month's first day (the others wait for a later collect)."""
    path = office.root / SETTINGS_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ThiduaError(f"Không đọc được {path} ({exc}). Hãy sửa tệp rồi chạy lại.") from exc
    imap = imap_settings(raw)
    password = servers.password_of(imap.server, KIND, environ) or ""
    units = read_units(office.units_path, Report(), office.limits)
    owner = addresses({u.code: u.email for u in units})
    db = office.root / DB_FILE
    filed = history.received_files(db)
    digests = {r.sha256 for r in filed.values()}
    taken: dict[Path, set[str]] = {}
    done = Collected()

    def folder_of(message: Message) -> Path:
        return office.received / owner.get(message.sender[1].lower(), UNKNOWN)

    def keep(message: Message) -> list[tuple[str, str, str]]:
        folder = folder_of(message)
        if folder not in taken:
            taken[folder] = {p.name.casefold() for p in folder.iterdir()} if folder.is_dir() else set()
        before = len(done.saved)
        files = save_attachments(message, folder, taken[folder], digests, done, dry_run)
        rel = folder.relative_to(office.root).as_posix()
        done.saved[before:] = [(f"{rel}/{name}", who) for name, who in done.saved[before:]]
        if folder.name == UNKNOWN and folder.parent == office.received:
            done.unknown += [(name, f"{who} <{message.sender[1]}>") for name, who in done.saved[before:]]
        return [(f"{rel}/{name}", digest, original) for name, digest, original in files]

    def record(message: Message, status: str, files: list[tuple[str, str, str]]) -> None:
        history.record_received(
            db,
            message.message_id,
            message.sender,
            message.subject,
            message.received.isoformat(),
            imap.folder,
            status,
            files,
        )

    def undo(files: list[tuple[str, str, str]]) -> None:
        for rel, _digest, _original in files:
            (office.root / rel).unlink(missing_ok=True)

    since = imap.since or office.school_year.start
    if month is not None:
        since = max(since, dt.date.fromisoformat(f"{month}-01"))
    known = history.received_ids(db)
    return fetch_new(imap, password, since, known, office.limits, Filing(keep, record, undo, attachment_kind), done,
                     dry_run, say)  # fmt: skip
