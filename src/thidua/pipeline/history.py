"""Monthly history in an embedded SQLite database of the workspace: one snapshot per month (targets, persons,
issue counts, the files read with their content hashes) and every e-mail attempt. Re-running a month replaces
its snapshot in one transaction. No ORM: a handful of tables, a schema version in PRAGMA user_version."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from thidua.core.calendar import local_time
from thidua.errors import ThiduaError, history_busy, history_disk_full, write_failed

if TYPE_CHECKING:  # pandas is imported only by the commands that count
    from thidua.counting.measure import MonthResult

# Version 3 adds what `collect` fetched (messages and the files saved from them) and the replies to staff.
RECEIVED_TABLES = """
CREATE TABLE IF NOT EXISTS received (
    message_id TEXT PRIMARY KEY, sender TEXT NOT NULL, sender_name TEXT NOT NULL, subject TEXT NOT NULL,
    received_at TEXT NOT NULL, folder TEXT NOT NULL, fetched_at TEXT NOT NULL, status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS received_files (
    path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, original_name TEXT NOT NULL,
    message_id TEXT NOT NULL REFERENCES received(message_id)
);
CREATE TABLE IF NOT EXISTS replies (
    id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL, sha256 TEXT NOT NULL, month TEXT NOT NULL,
    attempted_at TEXT NOT NULL, recipient TEXT NOT NULL, message_id TEXT NOT NULL, status TEXT NOT NULL,
    detail TEXT NOT NULL
);
"""
SCHEMA_VERSION = 3
RECEIVED_SINCE = 3  # the version that has the mailbox's tables
SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS months (
    month TEXT PRIMARY KEY, school TEXT NOT NULL, school_year TEXT NOT NULL, as_of TEXT NOT NULL,
    recorded_at TEXT NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL, notes INTEGER NOT NULL,
    files INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS targets (
    month TEXT NOT NULL REFERENCES months(month) ON DELETE CASCADE, position INTEGER NOT NULL,
    code TEXT NOT NULL, name TEXT NOT NULL, target INTEGER, base INTEGER, registered INTEGER NOT NULL,
    achieved INTEGER NOT NULL, status TEXT NOT NULL, PRIMARY KEY (month, code)
);
CREATE TABLE IF NOT EXISTS persons (
    month TEXT NOT NULL REFERENCES months(month) ON DELETE CASCADE, position INTEGER NOT NULL,
    stt INTEGER NOT NULL, name TEXT NOT NULL, birth_date TEXT, team TEXT, registered_title TEXT, initiative TEXT,
    results INTEGER NOT NULL, voted_title TEXT, submitted INTEGER NOT NULL, PRIMARY KEY (month, position)
);
CREATE TABLE IF NOT EXISTS files (
    month TEXT NOT NULL REFERENCES months(month) ON DELETE CASCADE, path TEXT NOT NULL, sha256 TEXT NOT NULL,
    PRIMARY KEY (month, path)
);
CREATE TABLE IF NOT EXISTS sends (
    id INTEGER PRIMARY KEY AUTOINCREMENT, month TEXT NOT NULL, attempted_at TEXT NOT NULL,
    recipients TEXT NOT NULL, message_id TEXT NOT NULL, status TEXT NOT NULL, detail TEXT NOT NULL
);
"""
    + RECEIVED_TABLES
)
# Version 1 keyed persons by STT, which a roster may repeat; version 2 keys them by roster position.
MIGRATIONS = {
    1: """
ALTER TABLE persons RENAME TO persons_v1;
CREATE TABLE persons (
    month TEXT NOT NULL REFERENCES months(month) ON DELETE CASCADE, position INTEGER NOT NULL,
    stt INTEGER NOT NULL, name TEXT NOT NULL, birth_date TEXT, team TEXT, registered_title TEXT, initiative TEXT,
    results INTEGER NOT NULL, voted_title TEXT, submitted INTEGER NOT NULL, PRIMARY KEY (month, position)
);
INSERT INTO persons SELECT month, ROW_NUMBER() OVER (PARTITION BY month ORDER BY stt) - 1, stt, name, birth_date,
    team, registered_title, initiative, results, voted_title, submitted FROM persons_v1;
DROP TABLE persons_v1;
""",
    2: RECEIVED_TABLES,
}
SENT = "đã gửi"
FAILED = "thất bại"


@dataclass(frozen=True)
class MonthRecord:
    month: str
    recorded_at: str  # UTC, ISO 8601
    errors: int
    warnings: int
    files: int

    @property
    def recorded_local(self) -> str:
        """When it was recorded, in Vietnam's time ('01/11/2026 00:05')."""
        return local_time(self.recorded_at)


@dataclass(frozen=True)
class SendRecord:
    month: str
    attempted_at: str  # UTC, ISO 8601
    recipients: str
    message_id: str
    status: str
    detail: str

    @property
    def attempted_local(self) -> str:
        """When it was tried, in Vietnam's time."""
        return local_time(self.attempted_at)


BUSY_WAIT = 5.0  # seconds SQLite waits for another program to let go of the history


def _failure(path: Path, error: sqlite3.DatabaseError) -> ThiduaError:
    """Damage only when SQLite says the file is damaged or not a database; anything else (a full disk, a
    read-only folder, a journal held by an antivirus) is a write that failed, and the file is fine."""
    code = (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return ThiduaError(f"Sổ lịch sử {path.name} bị hỏng. Hãy đổi tên tệp đó (thidua sẽ tạo sổ mới) rồi chạy lại.")
    if code == sqlite3.SQLITE_FULL:
        return history_disk_full(path.name)
    return write_failed(f"sổ lịch sử {path.name}", reason=str(error), folder="làm việc")


def busy(error: sqlite3.OperationalError) -> bool:
    """Whether SQLite gave up waiting for another connection (locked / busy), rather than found damage."""
    code = getattr(error, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(error) or "busy" in str(error)


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    """Open (creating if needed) the history database and check its schema version. `read_only`: an existing
    database opened for reading only, never created or brought up to date (a month's computation and the library
    API change nothing)."""
    try:
        if read_only:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_WAIT)
        else:
            conn = sqlite3.connect(path, timeout=BUSY_WAIT)
    except sqlite3.Error as exc:
        raise ThiduaError(f"Không mở được sổ lịch sử {path.name}. Hãy kiểm tra thư mục làm việc cho phép ghi.") from exc
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ThiduaError(
                f"Sổ lịch sử {path.name} được tạo bởi phiên bản thidua mới hơn (lược đồ {version}). "
                "Hãy cập nhật thidua."
            )
        if not read_only:  # a reader takes the database as it is and asks for the version it needs
            if version == 0:
                conn.executescript(f"BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
            while 0 < version < SCHEMA_VERSION:
                # Each step and its new version number land together or not at all.
                conn.executescript(f"BEGIN; {MIGRATIONS[version]} PRAGMA user_version = {version + 1}; COMMIT;")
                version += 1
        yield conn
    except sqlite3.IntegrityError as exc:
        raise ThiduaError(f"Không ghi được sổ lịch sử {path.name}: số liệu trùng lặp. Hãy báo người hỗ trợ.") from exc
    except sqlite3.OperationalError as exc:
        if busy(exc):  # another program has it open and writing: busy, not damaged
            raise history_busy(path.name) from exc
        raise _failure(path, exc) from exc
    except sqlite3.DatabaseError as exc:
        raise _failure(path, exc) from exc
    finally:
        conn.close()


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def record_month(path: Path, result: MonthResult) -> None:
    """Replace the month's snapshot in one transaction."""
    with pending_month(path, result) as commit:
        commit()


@contextmanager
def pending_month(path: Path, result: MonthResult) -> Iterator[Callable[[], None]]:
    """The month's snapshot written in an open transaction (the history is held for writing from here, so a busy
    history is found before anything else changes); the caller commits with the function given, and nothing is
    recorded if it does not."""
    with connect(path) as conn:
        try:
            conn.execute("BEGIN IMMEDIATE")
            _write_month(conn, result)
            yield conn.commit
        finally:
            if conn.in_transaction:  # not committed: nothing of this month is recorded
                conn.rollback()


def _write_month(conn: sqlite3.Connection, result: MonthResult) -> None:
    """The month's rows, replacing any earlier snapshot of that month (inside the caller's transaction)."""
    from thidua.counting.frames import rows

    counts = result.issues.counts()
    conn.execute("DELETE FROM months WHERE month = ?", (result.month,))
    conn.execute(
        "INSERT INTO months VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            result.month,
            result.plan.school.name,
            result.plan.school.school_year,
            result.month_end.isoformat(),
            now(),
            counts["error"],
            counts["warning"],
            counts["note"],
            len(result.files_read),
        ),
    )
    targets = result.targets
    conn.executemany(
        "INSERT INTO targets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                result.month,
                i,
                t.code,
                t.name,
                _int(t.target),
                _int(t.base),
                int(t.registered),
                int(t.achieved),
                t.status,
            )
            for i, t in enumerate(rows(targets))
        ],
    )
    persons = result.persons  # what the snapshot keeps of each person, taken column by column
    registered = persons["registration"].to_numpy()
    conn.executemany(
        "INSERT INTO persons VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        zip(
            [result.month] * len(persons),
            persons.index.tolist(),
            persons["stt"].tolist(),
            persons["name"].tolist(),
            [None if day != day else day for day in persons["birth_date"].dt.strftime("%Y-%m-%d").tolist()],
            persons["team"].tolist(),
            [title if has else None for title, has in zip(persons["title"].tolist(), registered, strict=True)],
            [text if has else None for text, has in zip(persons["initiative"].tolist(), registered, strict=True)],
            persons["results"].tolist(),
            [title or None for title in persons["voted_title"].tolist()],
            persons["submitted"].astype(int).tolist(),
            strict=True,
        ),
    )
    conn.executemany(
        "INSERT INTO files VALUES (?, ?, ?)",
        [(result.month, readable(name), digest) for name, digest in sorted(result.file_digests.items())],
    )


def readable(name: str) -> str:
    """A file name as text SQLite can store: a name that was not UTF-8 on disk (old unzip tools) comes from the
    file system with its raw bytes escaped; they are written as \\xff, which keeps two such names apart."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _int(value: object) -> int | None:
    """A figure of the targets frame, None where the plan gives none (NA)."""
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def target_history(path: Path, before_or_at: str, since: str = "") -> dict[str, dict[str, tuple[int, int]]]:
    """month → code → (registered, achieved), for the recorded months from `since` (the school year's first
    month: a snapshot of another year never enters this year's trend) up to `before_or_at`."""
    if not path.exists():
        return {}
    with connect(path) as conn:
        rows = conn.execute(
            "SELECT month, code, registered, achieved FROM targets WHERE month <= ? AND month >= ? "
            "ORDER BY month, position",
            (before_or_at, since),
        ).fetchall()
    history: dict[str, dict[str, tuple[int, int]]] = {}
    for month, code, registered, achieved in rows:
        history.setdefault(month, {})[code] = (registered, achieved)
    return history


def remove_month(path: Path, month: str) -> bool:
    """Delete a month's snapshot (its targets, persons and files go with it); False when there was none."""
    if not path.exists():
        return False
    with connect(path) as conn:
        try:
            removed = conn.execute("DELETE FROM months WHERE month = ?", (month,)).rowcount
            conn.commit()
        except sqlite3.DatabaseError as exc:
            raise _failure(path, exc) from exc
    return removed > 0


def record_send(path: Path, month: str, recipients: str, message_id: str, status: str, detail: str) -> None:
    with connect(path) as conn, conn:
        conn.execute(
            "INSERT INTO sends (month, attempted_at, recipients, message_id, status, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (month, now(), recipients, message_id, status, detail),
        )


# --- the mailbox: what collect fetched, what reply answered ------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """A file saved from a staff member's e-mail, with the message it came in."""

    path: str  # relative to submissions/
    sha256: str
    original_name: str
    message_id: str
    sender: str
    sender_name: str
    subject: str
    received_at: dt.datetime  # when the server received the message, in Vietnam's time (stored as ISO 8601)


def received_ids(path: Path) -> set[str]:
    """Message-IDs already fetched (whatever folder the messages are in now)."""
    if not path.exists():
        return set()
    with connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT message_id FROM received")}


def received_files(path: Path) -> dict[str, Received]:
    """Saved file (relative to submissions/) → where it came from. Read only: a month's computation (and the
    library API) never changes the history, not even to bring an older one up to date."""
    if not path.exists():
        return {}
    with connect(path, read_only=True) as conn:
        if conn.execute("PRAGMA user_version").fetchone()[0] < RECEIVED_SINCE:
            return {}  # a history from before collect existed: nothing came by e-mail
        rows = conn.execute(
            "SELECT f.path, f.sha256, f.original_name, r.message_id, r.sender, r.sender_name, r.subject, "
            "r.received_at FROM received_files f JOIN received r USING (message_id) ORDER BY f.path"
        ).fetchall()
    return {
        path: Received(path, sha256, name, message_id, sender, sender_name, subject, dt.datetime.fromisoformat(at))
        for path, sha256, name, message_id, sender, sender_name, subject, at in rows
    }


def record_received(
    path: Path,
    message_id: str,
    sender: tuple[str, str],
    subject: str,
    received_at: str,
    folder: str,
    status: str,
    files: list[tuple[str, str, str]],
) -> None:
    """One fetched message and the files saved from it (path, sha256, original name), in one transaction."""
    with connect(path) as conn, conn:
        conn.execute(
            "INSERT INTO received VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (message_id, sender[1], sender[0], subject, received_at, folder, now(), status),
        )
        conn.executemany("INSERT INTO received_files VALUES (?, ?, ?, ?)", [(*file, message_id) for file in files])


SENDING = "đang gửi"  # recorded before a reply goes out; never sent twice, even if the last step failed


def answered(path: Path) -> set[tuple[str, str]]:
    """(file, sha256) of every received file version already answered (or whose answer may have gone out)."""
    if not path.exists():
        return set()
    with connect(path) as conn:
        rows = conn.execute("SELECT path, sha256 FROM replies WHERE status IN (?, ?)", (SENT, SENDING))
        return {(row[0], row[1]) for row in rows}


def begin_reply(path: Path, file: str, sha256: str, month: str, recipient: str, message_id: str) -> int:
    """Record a reply about to be sent; the history must be writable before anything goes out."""
    with connect(path) as conn, conn:
        cursor = conn.execute(
            "INSERT INTO replies (path, sha256, month, attempted_at, recipient, message_id, status, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, '')",
            (file, sha256, month, now(), recipient, message_id, SENDING),
        )
        return int(cursor.lastrowid or 0)


def finish_reply(path: Path, reply: int, status: str, message_id: str, detail: str) -> None:
    with connect(path) as conn, conn:
        conn.execute(
            "UPDATE replies SET status = ?, message_id = ?, detail = ? WHERE id = ?",
            (status, message_id, detail, reply),
        )


def months(path: Path) -> list[MonthRecord]:
    if not path.exists():
        return []
    with connect(path) as conn:
        rows = conn.execute("SELECT month, recorded_at, errors, warnings, files FROM months ORDER BY month")
        return [MonthRecord(*row) for row in rows.fetchall()]


def sends(path: Path) -> list[SendRecord]:
    if not path.exists():
        return []
    with connect(path) as conn:
        rows = conn.execute(
            "SELECT month, attempted_at, recipients, message_id, status, detail FROM sends ORDER BY id"
        ).fetchall()
        return [SendRecord(*row) for row in rows]
