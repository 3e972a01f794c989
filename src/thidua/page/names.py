"""Safe names for uploaded files: a staff member's Vietnamese file name is kept (Werkzeug's `secure_filename`
would strip every letter with a diacritic), only what could leave submissions/ or trouble Windows is taken out."""

from __future__ import annotations

import re
import unicodedata

# What the reading stage accepts (intake.read.SPREADSHEET_SUFFIXES); anything else is refused at the door.
UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb")
# Characters Windows forbids in a file name, besides the path separators.
_FORBIDDEN = re.compile(r'[<>:"|?*]')
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{i}" for i in range(10)}
    | {f"LPT{i}" for i in range(10)}
    | {f"COM{c}" for c in "¹²³"}
    | {f"LPT{c}" for c in "¹²³"}
)
MAX_NAME_BYTES = 200  # under the 255 bytes of most file systems, with room for a temporary suffix


def safe_upload_name(raw: str) -> str | None:
    """The name an uploaded file is saved under in submissions/, or None when nothing usable is left or it is
    not a spreadsheet. NFC; only the last part of a path; no control characters, no characters Windows forbids,
    no leading dots or spaces, no trailing dots or spaces; a reserved Windows device name gets a leading "_";
    cut to MAX_NAME_BYTES in UTF-8, keeping the suffix. Vietnamese (any non-ASCII letter) is kept."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]  # a browser sends a base name; a hostile client may send a path
    name = "".join(" " if unicodedata.category(c).startswith("C") else c for c in name)  # controls, formats
    name = _FORBIDDEN.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip().rstrip(". ")
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or f".{suffix.lower()}" not in UPLOAD_SUFFIXES:
        return None
    suffix = f".{suffix.lower()}"
    stem = stem.rstrip(". ")
    if stem.split(".")[0].strip().upper() in _WINDOWS_RESERVED:
        stem = f"_{stem}"
    while len(f"{stem}{suffix}".encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    stem = stem.rstrip(". ")
    return f"{stem}{suffix}" if stem else None
