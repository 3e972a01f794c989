"""E-mail (SPEC 8): the last stage of the flow. Builds the month's letter with the workbook attached, saves it as
.eml, and sends it over SMTP (STARTTLS, implicit TLS, or plain only to a server on this machine).

The password lives only in an environment variable: it is never stored, written into a message or an error.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import smtplib
import socket
import ssl
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from thidua.errors import ThiduaError
from thidua.workspace import month_label

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_PASSWORD_ENV = "THIDUA_SMTP_PASSWORD"
DEFAULT_TIMEOUT = 30.0

_TABLE = "[email]"
# Plain ASCII addresses only: an accented address needs SMTPUTF8, which school mail servers rarely offer.
_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HOST = re.compile(r"[A-Za-z0-9._:-]+")


@dataclass(frozen=True)
class MailSettings:
    """The [email] table of thidua.toml, checked. Addresses are kept as written ("Tên <dia.chi@...>" or bare)."""

    to: tuple[str, ...]
    cc: tuple[str, ...]
    sender: str
    host: str
    port: int
    security: str  # "starttls" | "ssl" | "none"
    username: str
    password_env: str
    cafile: str  # CA bundle for a server with its own certificate; "" = the system store
    timeout: float = DEFAULT_TIMEOUT

    @property
    def endpoint(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


# --- settings -----------------------------------------------------------------------------------------------------


PREVIEW_SENDER = "thidua@chua-cau-hinh.invalid"  # From of a preview when no sender is set (RFC 2606 .invalid)


def mail_settings(settings: dict[str, Any], server: bool = True) -> MailSettings:
    """Read and check the [email] table of the whole settings dict (thidua.toml as loaded). Without `server` (a
    dry run writes the letter only) the recipients are all it needs: sender, host and port are not required."""
    table = settings.get("email")
    if not isinstance(table, dict):
        raise ThiduaError(f"Thiếu mục {_TABLE} trong thidua.toml; hãy thêm mục này với to, from, host, port, security.")
    if "password" in table:
        # Never echo the value: it is most likely the real password.
        raise ThiduaError(
            f"Không ghi mật khẩu vào thidua.toml: hãy xóa dòng password trong mục {_TABLE}, đặt mật khẩu vào biến môi "
            f"trường và ghi tên biến đó vào password_env."
        )

    to = _addresses(table, "to", required=True)
    cc = _addresses(table, "cc", required=False)
    sender_list = list(_addresses(table, "from", required=server)) or [PREVIEW_SENDER]
    if len(sender_list) != 1:
        raise ThiduaError(f'Mục {_TABLE} from chỉ được ghi một địa chỉ gửi, ví dụ from = "truong@example.edu.vn".')

    security = _text(table, "security", "starttls").lower()
    if security not in SECURITY_MODES:
        raise ThiduaError(
            f'Mục {_TABLE} security phải là "starttls" (thường dùng cổng 587), "ssl" (cổng 465) hoặc "none".'
        )

    host = _text(table, "host", "")
    if not host and not server:
        host = "localhost"  # never connected to: a preview is only written
    if not host:
        raise ThiduaError(f'Chưa ghi máy chủ gửi thư: hãy điền host trong mục {_TABLE}, ví dụ host = "smtp.gmail.com".')
    if not _HOST.fullmatch(host):
        raise ThiduaError(
            f'Mục {_TABLE} host chỉ ghi tên máy chủ (ví dụ "smtp.gmail.com"), không có khoảng trắng, dấu hay “smtp://”.'
        )
    if security == "none" and not _is_loopback(host):
        raise ThiduaError(
            f'Mục {_TABLE} security = "none" (không mã hóa) chỉ dùng được với máy chủ trên chính máy này '
            f'(127.0.0.1 hoặc localhost); với máy chủ “{host}” hãy đặt security = "starttls" hoặc "ssl".'
        )

    port = table.get("port", DEFAULT_PORTS[security])
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ThiduaError(
            f"Mục {_TABLE} port phải là một số nguyên từ 1 đến 65535, viết không có ngoặc kép, ví dụ port = 587."
        )

    username = _text(table, "username", "")
    password_env = _text(table, "password_env", DEFAULT_PASSWORD_ENV)
    if username and not _ENV_NAME.fullmatch(password_env):
        # Never echo the value: people paste the password itself here.
        raise ThiduaError(
            f"Mục {_TABLE} password_env phải là tên một biến môi trường (chữ không dấu, số, dấu gạch dưới), ví dụ "
            f'password_env = "{DEFAULT_PASSWORD_ENV}", không phải mật khẩu.'
        )

    cafile = _text(table, "cafile", "")
    timeout = table.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 600:
        raise ThiduaError(
            f"Mục {_TABLE} timeout là số giây chờ máy chủ, lớn hơn 0 và không quá 600, ví dụ timeout = 30."
        )

    return MailSettings(
        to=to,
        cc=cc,
        sender=sender_list[0],
        host=host,
        port=port,
        security=security,
        username=username,
        password_env=password_env,
        cafile=cafile,
        timeout=float(timeout),
    )


def _text(table: dict[str, Any], key: str, default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ThiduaError(f'Mục {_TABLE} {key} phải là chữ đặt trong ngoặc kép, ví dụ {key} = "...".')
    return value.strip()


def _addresses(table: dict[str, Any], key: str, *, required: bool) -> tuple[str, ...]:
    value = table.get(key, [])
    items: list[Any] = [value] if isinstance(value, str) else value if isinstance(value, list) else [None]
    if not all(isinstance(item, str) for item in items):
        raise ThiduaError(
            f'Mục {_TABLE} {key} phải là một địa chỉ hoặc danh sách địa chỉ, ví dụ {key} = ["thidua@pgd.example.vn"].'
        )
    addresses = tuple(item.strip() for item in items if item.strip())
    if required and not addresses:
        raise ThiduaError(
            f"Chưa ghi địa chỉ {_KEY_ROLE[key]}: hãy điền {key} trong mục {_TABLE}, "
            f'ví dụ {key} = "{_KEY_EXAMPLE[key]}".'
        )
    for address in addresses:
        if _addr_spec(address) is None:
            raise ThiduaError(
                f"“{address}” trong mục {_TABLE} {key} không phải địa chỉ e-mail; hãy viết dạng ten@ten-mien.vn, "
                f"chữ không dấu, mỗi địa chỉ một mục trong danh sách."
            )
    return addresses


_KEY_ROLE = {"to": "người nhận", "cc": "đồng gửi", "from": "gửi đi"}
_KEY_EXAMPLE = {"to": "thidua@pgd.example.vn", "cc": "hieutruong@example.edu.vn", "from": "truong@example.edu.vn"}


def _addr_spec(address: str) -> str | None:
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


def _is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def password_for(mail: MailSettings, environ: Mapping[str, str]) -> str | None:
    """The SMTP password from the environment; None when the server needs no login."""
    if not mail.username:
        return None
    password = environ.get(mail.password_env)
    if not password:
        raise ThiduaError(
            f"Chưa có mật khẩu gửi thư: hãy đặt biến môi trường {mail.password_env} chứa mật khẩu của tài khoản "
            f"“{mail.username}” rồi chạy lại (ví dụ trên Windows: set {mail.password_env}=...)."
        )
    return password


# --- the message --------------------------------------------------------------------------------------------------


def _nfc(value: Any) -> str:
    return unicodedata.normalize("NFC", str(value))


def header_text(value: Any) -> str:
    """Text fit for a mail header: NFC, every Unicode line break (str.splitlines' whole set: CR, LF, VT, FF, the
    file/group/record separators, NEL, U+2028, U+2029) and other control character made a space, runs of spaces
    made one. A school name typed with Alt+Enter in Excel must not break the message."""
    text = "".join(" " if unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029" else ch for ch in _nfc(value))
    return " ".join(text.split())


def _header_address(address: str, display_name: str = "") -> Address:
    name, addr = parseaddr(address)
    local, _, domain = addr.rpartition("@")
    return Address(display_name=header_text(name or display_name), username=local, domain=domain)


def subject_of(summary: dict[str, Any]) -> str:
    """'Báo cáo phong trào thi đua tháng 05/2022 – Trường Tiểu học Măng Đen'."""
    return header_text(f"Báo cáo phong trào thi đua tháng {month_label(str(summary['month']))} – {summary['school']}")


def body_of(summary: dict[str, Any], recipient_name: str, attachment_name: str) -> str:
    """The letter: greeting, the month's key figures and issue counts, closing."""
    school = summary["school"]
    month = month_label(str(summary["month"]))
    as_of = str(summary.get("as_of") or "")
    as_of_text = ""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of):
        as_of_text = f" (tính đến ngày {as_of[8:10]}/{as_of[5:7]}/{as_of[0:4]})"
    lines = [
        f"Kính gửi: {recipient_name}",
        "",
        f"{school} xin gửi báo cáo kết quả phong trào thi đua năm học {summary.get('school_year', '')}, "
        f"số liệu tháng {month}{as_of_text}.",
        "",
        "Kết quả chính:",
    ]
    for t in summary.get("targets", []):
        target = "—" if t.get("target") is None else t["target"]
        lines.append(f"- {t['name']}: đạt {t['achieved']}/{target} (đăng ký {t['registered']}) – {t['status']}")
    issues = summary.get("issues", {})
    lines += [
        "",
        f"Kiểm tra dữ liệu: {issues.get('error', 0)} lỗi, {issues.get('warning', 0)} cảnh báo, "
        f"{issues.get('note', 0)} ghi chú.",
    ]
    if "files_read" in summary and "not_submitted" in summary:
        lines.append(f"Số tệp đã đọc: {summary['files_read']}; số CBGVNV chưa nộp: {len(summary['not_submitted'])}.")
    lines += [
        "",
        f"Chi tiết xin xem tệp đính kèm “{attachment_name}”.",
        "",
        "Trân trọng.",
        str(school),
        "",
    ]
    return _nfc("\n".join(lines))


def build_message(summary: dict[str, Any], attachment: Path, mail: MailSettings, recipient_name: str) -> EmailMessage:
    """The month's letter to the recipient with the workbook attached (xlsx MIME type, file name intact)."""
    try:
        data = attachment.read_bytes()
    except OSError as exc:
        raise ThiduaError(f"Không đọc được tệp đính kèm {attachment.name}: {exc.strerror or exc}.") from exc
    school = _nfc(summary["school"])
    sender = _header_address(mail.sender, display_name=school)

    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = [_header_address(a) for a in mail.to]
    if mail.cc:
        message["Cc"] = [_header_address(a) for a in mail.cc]
    message["Subject"] = subject_of(summary)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.domain)
    # Quoted-printable keeps the body 7-bit: it passes any server, 8BITMIME or not.
    message.set_content(
        body_of(summary, _nfc(recipient_name), attachment.name), charset="utf-8", cte="quoted-printable"
    )
    # The email package writes a non-ASCII file name as RFC 2231 (filename*=utf-8''...) by itself.
    message.add_attachment(data, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=attachment.name)
    return message


def write_eml(message: EmailMessage, path: Path) -> None:
    """Save the message as it would go on the wire; a failed write leaves any previous file intact."""
    data = message.as_bytes(policy=policy.SMTP)
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False) as f:
            tmp = Path(f.name)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise ThiduaError(
            f"Không ghi được tệp thư {path.name}: {exc.strerror or exc}. Hãy kiểm tra ổ đĩa còn chỗ trống."
        ) from exc
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise


# --- sending ------------------------------------------------------------------------------------------------------


def send(message: EmailMessage, mail: MailSettings, password: str | None) -> str:
    """Send to every address in to and cc, all or none, and return the Message-ID.

    Every failure is one ThiduaError sentence saying what happened and what to check; the password never appears.
    """
    if mail.username and password is None:
        raise ThiduaError(f"Chưa có mật khẩu gửi thư: hãy đặt biến môi trường {mail.password_env} rồi chạy lại.")
    if message["Message-ID"] is None:
        message["Message-ID"] = make_msgid(domain=_domain_of(mail.sender))
    message_id = str(message["Message-ID"])
    where = mail.endpoint
    if mail.username and not (mail.username.isascii() and (password or "").isascii()):
        # smtplib can only send ASCII credentials, and its codec error would quote the password.
        raise ThiduaError(
            f"Tên đăng nhập và mật khẩu gửi thư chỉ được gồm chữ không dấu, số và ký hiệu; hãy kiểm tra username và "
            f"mật khẩu trong biến môi trường {mail.password_env}."
        )
    codec_failed = False
    try:
        _send(message, mail, password)
    except ThiduaError:
        raise
    except UnicodeError:
        # A codec error quotes the whole string it failed on, which may hold a credential: raise outside this
        # block so it is not even the context.
        codec_failed = True
    except smtplib.SMTPAuthenticationError as exc:
        raise ThiduaError(
            f"Máy chủ {where} từ chối đăng nhập (mã {exc.smtp_code}); hãy kiểm tra username “{mail.username}” và mật "
            f"khẩu trong biến môi trường {mail.password_env}."
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise ThiduaError(
            f'Máy chủ {where} không cho đăng nhập trên kết nối này; hãy kiểm tra security ("starttls" với cổng 587, '
            f'"ssl" với cổng 465) và username.'
        ) from exc
    except smtplib.SMTPSenderRefused as exc:
        raise ThiduaError(
            f"Máy chủ {where} từ chối địa chỉ gửi {_addr_spec(mail.sender)} ({_reply(exc)}); hãy kiểm tra from "
            f"(thường phải trùng tài khoản đăng nhập)."
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(f"{addr} ({_reply_of(*reply)})" for addr, reply in exc.recipients.items())
        raise ThiduaError(
            f"Máy chủ {where} từ chối người nhận {refused}, nên thư chưa gửi cho ai; hãy kiểm tra to và cc."
        ) from exc
    except smtplib.SMTPServerDisconnected as exc:
        if isinstance(exc.__context__, TimeoutError):  # smtplib reports a read timeout as a disconnect
            raise _timeout(mail) from exc
        raise ThiduaError(
            f'Máy chủ {where} ngắt kết nối giữa chừng; hãy kiểm tra port và security ("starttls" với cổng 587, '
            f'"ssl" với cổng 465) rồi thử lại.'
        ) from exc
    except smtplib.SMTPResponseException as exc:
        raise ThiduaError(f"Máy chủ {where} báo lỗi khi gửi thư ({_reply(exc)}); thư chưa được gửi.") from exc
    except smtplib.SMTPException as exc:
        raise ThiduaError(f"Gửi thư qua máy chủ {where} không thành công ({exc}); thư chưa được gửi.") from exc
    except ssl.SSLCertVerificationError as exc:
        raise ThiduaError(
            f"Không xác minh được chứng chỉ của máy chủ {where} ({exc.verify_message}); hãy kiểm tra host đúng tên "
            f"máy chủ, hoặc ghi cafile nếu máy chủ dùng chứng chỉ riêng."
        ) from exc
    except ssl.SSLError as exc:
        raise ThiduaError(
            f"Không thiết lập được kết nối mã hóa TLS với máy chủ {where} ({exc.reason or exc}); hãy kiểm tra "
            f'security và port ("ssl" với cổng 465, "starttls" với cổng 587).'
        ) from exc
    except TimeoutError as exc:
        raise _timeout(mail) from exc
    except ConnectionRefusedError as exc:
        raise ThiduaError(
            f"Máy chủ {where} từ chối kết nối (không có dịch vụ gửi thư ở cổng này); hãy kiểm tra host và port."
        ) from exc
    except socket.gaierror as exc:
        raise ThiduaError(
            f"Không tìm thấy máy chủ {mail.host} (để gửi tới {where}); hãy kiểm tra host và kết nối mạng."
        ) from exc
    except OSError as exc:
        raise ThiduaError(
            f"Không kết nối được tới máy chủ {where} ({exc.strerror or exc}); hãy kiểm tra host, port và kết nối mạng."
        ) from exc
    if codec_failed:
        raise ThiduaError(
            f"Gửi thư qua máy chủ {where} không thành công vì có chữ có dấu ở chỗ máy chủ chỉ nhận chữ không dấu; "
            f"hãy kiểm tra host, các địa chỉ trong mục {_TABLE} và username."
        )
    return message_id


def _timeout(mail: MailSettings) -> ThiduaError:
    return ThiduaError(
        f"Quá {mail.timeout:g} giây mà máy chủ {mail.endpoint} không trả lời; hãy kiểm tra host, port, security "
        f'("starttls" với cổng 587, "ssl" với cổng 465) và kết nối mạng.'
    )


def _send(message: EmailMessage, mail: MailSettings, password: str | None) -> None:
    context = _tls_context(mail) if mail.security != "none" else None
    smtp: smtplib.SMTP
    if mail.security == "ssl":
        smtp = smtplib.SMTP_SSL(mail.host, mail.port, timeout=mail.timeout, context=context)
    else:
        smtp = smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout)
    try:
        smtp.ehlo()
        if mail.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise ThiduaError(
                    f'Máy chủ {mail.endpoint} không hỗ trợ STARTTLS; hãy kiểm tra port, hoặc đặt security = "ssl" '
                    f"nếu máy chủ dùng cổng 465."
                )
            smtp.starttls(context=context)
            smtp.ehlo()
        if mail.username:
            assert password is not None
            smtp.login(mail.username, password)
        _deliver(smtp, message, mail)
        # The server has the message: a failing goodbye does not make the send fail.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
    finally:
        smtp.close()


def _deliver(smtp: smtplib.SMTP, message: EmailMessage, mail: MailSettings) -> None:
    """MAIL, RCPT for everyone, then DATA only when every recipient was accepted: nobody gets a partial send."""
    sender = _addr_spec(mail.sender) or mail.sender
    recipients = list(dict.fromkeys(_addr_spec(a) or a for a in (*mail.to, *mail.cc)))
    data = message.as_bytes(policy=policy.SMTP)
    code, reply = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused: dict[str, tuple[int, bytes]] = {}
    for recipient in recipients:
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
    if refused:
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = smtp.data(data)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPDataError(code, reply)


def _tls_context(mail: MailSettings) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=mail.cafile or None)
    except (OSError, ssl.SSLError) as exc:
        raise ThiduaError(
            f"Không dùng được tệp chứng chỉ cafile “{mail.cafile}” trong mục {_TABLE}: hãy kiểm tra đường dẫn và tệp "
            f'là chứng chỉ dạng PEM, hoặc để cafile = "" để dùng chứng chỉ của hệ thống.'
        ) from exc


def _domain_of(address: str) -> str:
    return (_addr_spec(address) or address).rpartition("@")[2]


def _reply_of(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(text.split())}".strip()


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return _reply_of(exc.smtp_code, exc.smtp_error)
