"""thidua.toml, read once when the workspace opens: every table is checked then and every mistake is reported in
one message (the file, the table and key, what is wrong, what to write), whichever command runs. What a command
needs on top of that (a recipient for `send`, a login for `collect`) is asked for by that command.

The tables (SPEC 4.1, 8, 12; README): [paths], [text], [limits], [email], [imap], an older workspace's
[recipient], and [rules.<name>] overrides, whose figures counting/rules.py checks against the pack in force.
"""

from __future__ import annotations

import datetime as dt
import difflib
import ipaddress
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from email.utils import parseaddr
from typing import Any

from thidua import errors
from thidua.errors import SETTINGS_FILE
from thidua.intake.guard import Limits

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
HOST = re.compile(r"[A-Za-z0-9._:-]+")
# Plain ASCII addresses only: an accented address needs SMTPUTF8, which school mail servers rarely offer.
_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
)


# --- the two mail servers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """What differs between the [email] (SMTP, sending) and [imap] (collecting) tables."""

    table: str  # "[email]"
    ports: Mapping[str, int]  # security mode → its usual port, in the order the message names them
    password_env: str  # the default variable
    timeout: float
    host_example: str  # "smtp.gmail.com"
    scheme: str  # "smtp", as people paste it before the host
    role: str  # "gửi thư": which server a message speaks of


EMAIL = Kind(
    "[email]",
    {"starttls": 587, "ssl": 465, "none": 25},
    "THIDUA_SMTP_PASSWORD",
    30.0,
    "smtp.gmail.com",
    "smtp",
    "gửi thư",
)
IMAP = Kind(
    "[imap]",
    {"ssl": 993, "starttls": 143, "none": 143},
    "THIDUA_IMAP_PASSWORD",
    60.0,
    "imap.gmail.com",
    "imap",
    "hộp thư",
)


@dataclass(frozen=True)
class Server:
    """Host, port, security, login, certificate authority and timeout of a table. As read from thidua.toml the host
    and the username may still be empty: the command that connects asks for them (mail.servers)."""

    host: str
    port: int
    security: str  # one of Kind.ports
    username: str
    password_env: str
    cafile: str  # CA bundle for a server with its own certificate; "" = the system store (and SSL_CERT_FILE)
    timeout: float

    @property
    def endpoint(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def address_spec(address: str) -> str | None:
    """The bare address of "Tên <a@b.vn>" or "a@b.vn"; None when it is not a plain e-mail address."""
    if any(unicodedata.category(ch) == "Cc" for ch in address):
        return None
    _, addr = parseaddr(address)
    if not _ADDRESS.fullmatch(addr):
        return None
    # parseaddr forgives a lot ("a@b.vn c@d.vn", stray text): accept only what it reads back whole.
    if address not in (addr, f"<{addr}>") and not address.endswith(f"<{addr}>"):
        return None
    return addr


# --- the typed settings -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paths:
    """[paths]: where the plan, the templates, the submissions and the outputs are, relative to the workspace."""

    plan: str = "kehoach.xlsx"
    templates: str = "input_templates"
    submissions: str = "submissions"
    output: str = "output"


TONE_STYLES = ("old", "new", "keep")


@dataclass(frozen=True)
class Text:
    """[text]: how tone marks are placed in names and titles: "old" (hòa, thúy — as in official documents), "new"
    (hoà, thuý) or "keep"."""

    tone_style: str = "old"


@dataclass(frozen=True)
class Email:
    """[email] as written: every address checked, none required yet (`send` asks for `to` and `from`)."""

    to: tuple[str, ...]
    cc: tuple[str, ...]
    sender: str  # "" when `from` is not written
    server: Server


@dataclass(frozen=True)
class Imap:
    """[imap] as written (SPEC 12)."""

    server: Server
    folder: str = "INBOX"
    move_to: str = ""
    since: dt.date | None = None
    max_attachments: int = 20


@dataclass(frozen=True)
class Settings:
    """thidua.toml, checked. `email` and `imap` are None when the table is not written; `recipient` is an older
    workspace's [recipient] name ("" when none); `rules` the [rules.<name>] tables as written."""

    paths: Paths = field(default_factory=Paths)
    text: Text = field(default_factory=Text)
    limits: Limits = field(default_factory=Limits)
    email: Email | None = None
    imap: Imap | None = None
    recipient: str = ""
    rules: Mapping[str, Any] = field(default_factory=dict)


# --- reading ------------------------------------------------------------------------------------------------------

_PATHS = tuple(f.name for f in fields(Paths))
_LIMITS = tuple(f.name for f in fields(Limits))
_SERVER = ("host", "port", "security", "username", "password_env", "cafile", "timeout")
KEYS: dict[str, tuple[str, ...]] = {
    "paths": _PATHS,
    "text": ("tone_style",),
    "limits": _LIMITS,
    "email": ("to", "cc", "from", *_SERVER),
    "imap": (*_SERVER, "folder", "move_to", "since", "max_attachments"),
    "recipient": ("name", "address"),  # an older workspace's; `address` was never used
}
_EXAMPLES = {  # how each table is written, for a name written as a single value
    "paths": '[paths] rồi output = "output"',
    "text": '[text] rồi tone_style = "old"',
    "limits": "[limits] rồi max_rows = 50000",
    "email": '[email] rồi to = ["vhxh@xa.example.vn"]',
    "imap": '[imap] rồi host = "imap.gmail.com"',
    "recipient": '[recipient] rồi name = "Ủy ban nhân dân xã …"',
    "rules": '[rules.cstdcs_share] rồi rounding = "round"',
}
RULES = "rules"  # [rules.<name>]: a table of tables, each checked by counting.rules against the pack in force
OFFICE = "office"  # a receiving office's workspace (SPEC 15): its table is its roll-up's to read
SHOWN_TABLES = "[paths], [text], [limits], [email], [imap], [rules.<tên quy định>]"
NEAR_MISS = 0.8  # how alike a name outside thidua's tables must be to one of theirs to be taken for a typo of it


def read_settings(raw: Mapping[str, Any]) -> Settings:
    """thidua.toml as loaded (`tomllib`), checked: every mistake of every table is reported together, in one
    `ThiduaError`, table by table in the order the file is described (README), names thidua does not read last."""
    found: dict[str, list[str]] = {name: [] for name in (*KEYS, RULES)}
    tables: dict[str, Mapping[str, Any]] = {}
    for name in found:
        value = raw.get(name)
        if value is not None and not isinstance(value, dict):
            found[name].append(errors.not_a_table(name, _EXAMPLES[name]).message)
        tables[name] = value if isinstance(value, dict) else {}
    settings = Settings(
        paths=_paths(tables["paths"], found["paths"].append),
        text=_text(tables["text"], found["text"].append),
        limits=Limits.from_table(tables["limits"], found["limits"].append),
        email=_email(tables["email"], found["email"].append) if isinstance(raw.get("email"), dict) else None,
        imap=_imap(tables["imap"], found["imap"].append) if isinstance(raw.get("imap"), dict) else None,
        recipient=_recipient(tables["recipient"], found["recipient"].append),
        rules=dict(tables[RULES]),
    )
    for name, value in tables[RULES].items():
        if not isinstance(value, dict):
            found[RULES].append(errors.rules_not_a_table(str(name)).message)
    for table, keys in KEYS.items():
        for key in tables[table]:
            if key not in keys and key != "password":  # a password written here has its own sentence
                found[table].append(_unknown_key(table, key).message)
    problems = [problem for said in found.values() for problem in said]
    for name, value in raw.items():
        unknown = _unknown_top_level(name, value) if name not in found and name != OFFICE else None
        if unknown is not None:
            problems.append(unknown.message)
    if problems:
        raise errors.settings_problems(problems)
    return settings


Say = Callable[[str], None]


def _unknown_top_level(name: str, value: object) -> errors.ThiduaError | None:
    """A name outside the tables thidua reads. A school may keep its own notes in thidua.toml (a table of its own,
    carried into the next year by `init --from`): only what is surely a mistake is one, a key of a thidua table
    written above every table header, or a name spelt almost as one of thidua's."""
    if isinstance(value, dict):
        guess = _closest(name, (*KEYS, RULES), cutoff=NEAR_MISS)
        return errors.unknown_table(name, guess, SHOWN_TABLES) if guess else None
    belongs = [f"[{table}]" for table, keys in KEYS.items() if name in keys and table != "recipient"]
    if belongs:
        return errors.key_outside_tables(name, " hoặc ".join(belongs))
    everywhere = tuple(dict.fromkeys(key for table, keys in KEYS.items() if table != "recipient" for key in keys))
    guess = _closest(name, everywhere, cutoff=NEAR_MISS)
    return errors.unknown_setting(name, guess, SHOWN_TABLES) if guess else None


def _unknown_key(table: str, key: str) -> errors.ThiduaError:
    shown = tuple(k for k in KEYS[table] if not (table == "recipient" and k == "address"))
    return errors.unknown_key(f"[{table}]", key, _closest(key, shown), ", ".join(shown))


def _closest(name: str, choices: tuple[str, ...], cutoff: float = 0.6) -> str:
    lowered = {choice.lower(): choice for choice in choices}
    found = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[found[0]] if found else ""


def _text_of(table: Mapping[str, Any], key: str, default: str, where: str, say: Say) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        say(f'Mục {where} {key} phải là chữ đặt trong ngoặc kép, ví dụ {key} = "...".')
        return default
    return value.strip()


def _paths(table: Mapping[str, Any], say: Say) -> Paths:
    found: dict[str, str] = {}
    for name in _PATHS:
        default = getattr(Paths, name)
        value = table.get(name, default)
        if not isinstance(value, str) or not value.strip():
            say(
                f"Mục [paths] {name} trong {SETTINGS_FILE} phải là tên tệp hoặc thư mục đặt trong ngoặc kép, ví dụ "
                f'{name} = "{default}".'
            )
            continue
        found[name] = value.strip()
    return Paths(**found)


def _text(table: Mapping[str, Any], say: Say) -> Text:
    style = table.get("tone_style", Text.tone_style)
    if style not in TONE_STYLES:
        say(f'Mục [text] tone_style trong {SETTINGS_FILE} phải là "old", "new" hoặc "keep".')
        return Text()
    return Text(str(style))


def _recipient(table: Mapping[str, Any], say: Say) -> str:
    name = table.get("name", "")
    if not isinstance(name, str):
        say(
            f"Mục [recipient] name trong {SETTINGS_FILE} phải là chữ đặt trong ngoặc kép; cơ quan nhận báo cáo nay "
            "ghi ở ô Kính gửi, trang “Thông tin chung” của kehoach.xlsx, nên có thể xóa cả mục [recipient]."
        )
        return ""
    return name.strip()


def server_table(table: Mapping[str, Any], kind: Kind, say: Say) -> Server:
    """Host, security, port, login, certificate authority and timeout of a table, each checked with a message
    naming its table and key; a key in error keeps its default. An empty host or username is not a mistake here."""
    if "password" in table:  # never echo the value: it is most likely the real password
        say(
            f"Không ghi mật khẩu vào thidua.toml: hãy xóa dòng password trong mục {kind.table}, đặt mật khẩu vào biến "
            "môi trường và ghi tên biến đó vào password_env."
        )
    modes = tuple(kind.ports)
    security = _text_of(table, "security", modes[0], kind.table, say).lower()
    if security not in kind.ports:
        named = [f'"{mode}" (cổng {port})' if mode != "none" else '"none"' for mode, port in kind.ports.items()]
        say(f"Mục {kind.table} security phải là {', '.join(named[:-1])} hoặc {named[-1]}.")
        security = modes[0]
    host = _text_of(table, "host", "", kind.table, say)
    if host and not HOST.fullmatch(host):
        say(
            f'Mục {kind.table} host chỉ ghi tên máy chủ (ví dụ "{kind.host_example}"), không có khoảng trắng, dấu hay '
            f"“{kind.scheme}://”."
        )
        host = ""
    elif host and security == "none" and not is_loopback(host):
        say(
            f'Mục {kind.table} security = "none" (không mã hóa) chỉ dùng được với máy chủ trên chính máy này '
            f'(127.0.0.1 hoặc localhost); với máy chủ “{host}” hãy đặt security = "{modes[0]}" hoặc "{modes[1]}".'
        )
    port = table.get("port", kind.ports[security])
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        say(
            f"Mục {kind.table} port phải là một số nguyên từ 1 đến 65535, viết không có ngoặc kép, ví dụ "
            f"port = {kind.ports[modes[0]]}."
        )
        port = kind.ports[security]
    username = _text_of(table, "username", "", kind.table, say)
    password_env = _text_of(table, "password_env", kind.password_env, kind.table, say)
    if username and not ENV_NAME.fullmatch(password_env):  # never echo it: people paste the password itself here
        say(
            f"Mục {kind.table} password_env phải là tên một biến môi trường (chữ không dấu, số, dấu gạch dưới), ví dụ "
            f'password_env = "{kind.password_env}", không phải mật khẩu.'
        )
        password_env = kind.password_env
    timeout = table.get("timeout", kind.timeout)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 600:
        say(f"Mục {kind.table} timeout là số giây chờ máy chủ, lớn hơn 0 và không quá 600, ví dụ timeout = 30.")
        timeout = kind.timeout
    cafile = _text_of(table, "cafile", "", kind.table, say)
    return Server(host, port, security, username, password_env, cafile, float(timeout))


def _addresses(table: Mapping[str, Any], key: str, say: Say) -> tuple[str, ...]:
    value = table.get(key, [])
    items: list[Any] = [value] if isinstance(value, str) else value if isinstance(value, list) else [None]
    if not all(isinstance(item, str) for item in items):
        say(f'Mục [email] {key} phải là một địa chỉ hoặc danh sách địa chỉ, ví dụ {key} = ["vhxh@xa.example.vn"].')
        return ()
    addresses = tuple(item.strip() for item in items if item.strip())
    wrong = [address for address in addresses if address_spec(address) is None]
    for address in wrong:
        say(
            f"“{address}” trong mục [email] {key} không phải địa chỉ e-mail; hãy viết dạng ten@ten-mien.vn, "
            f"chữ không dấu, mỗi địa chỉ một mục trong danh sách."
        )
    return () if wrong else addresses


def _email(table: Mapping[str, Any], say: Say) -> Email:
    to = _addresses(table, "to", say)
    cc = _addresses(table, "cc", say)
    senders = _addresses(table, "from", say)
    if len(senders) > 1:
        say('Mục [email] from chỉ được ghi một địa chỉ gửi, ví dụ from = "truong@example.edu.vn".')
    return Email(to, cc, senders[0] if len(senders) == 1 else "", server_table(table, EMAIL, say))


def _imap(table: Mapping[str, Any], say: Say) -> Imap:
    server = server_table(table, IMAP, say)
    since = table.get("since")
    if since is not None and (not isinstance(since, dt.date) or isinstance(since, dt.datetime)):
        say("Mục [imap] since phải là một ngày viết không có ngoặc kép, ví dụ since = 2026-08-01.")
        since = None
    most = table.get("max_attachments", Imap.max_attachments)
    if isinstance(most, bool) or not isinstance(most, int) or not 1 <= most <= 1000:
        say("Mục [imap] max_attachments là số tệp đính kèm tối đa một thư (1 đến 1000).")
        most = Imap.max_attachments
    folder = _text_of(table, "folder", "INBOX", IMAP.table, say) or "INBOX"
    return Imap(server, folder, _text_of(table, "move_to", "", IMAP.table, say), since, most)
