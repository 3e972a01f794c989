"""E-mail (SPEC 8): the last stage of the flow. Builds the month's letter with the workbook attached, saves it as
.eml, and sends it over SMTP (STARTTLS, implicit TLS, or plain only to a server on this machine).

The password lives only in an environment variable: it is never stored, written into a message or an error.
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import socket
import ssl
import tempfile
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from thidua.core.calendar import month_label
from thidua.errors import ThiduaError
from thidua.mail import servers
from thidua.workspace.settings import EMAIL, Settings, address_spec, read_settings

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
DEFAULT_TIMEOUT = 30.0

_TABLE = "[email]"
KIND = EMAIL


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
    def server(self) -> servers.Server:
        return servers.Server(
            self.host, self.port, self.security, self.username, self.password_env, self.cafile, self.timeout
        )

    @property
    def endpoint(self) -> str:
        return self.server.endpoint


# --- settings -----------------------------------------------------------------------------------------------------


PREVIEW_SENDER = "thidua@chua-cau-hinh.invalid"  # From of a preview when no sender is set (RFC 2606 .invalid)


def mail_settings(settings: Settings | Mapping[str, Any], server: bool = True) -> MailSettings:
    """The [email] table (of a workspace's checked settings, or of a whole settings dict as loaded, checked here)
    with what this command needs. Without `server` (a dry run writes the letter only) the recipients are all it
    needs: sender, host and port are not required."""
    checked = settings if isinstance(settings, Settings) else read_settings(settings)
    table = checked.email
    if table is None:
        raise ThiduaError(f"Thiếu mục {_TABLE} trong thidua.toml; hãy thêm mục này với to, from, host, port, security.")
    _required(table.to, "to")
    if server:
        _required((table.sender,) if table.sender else (), "from")
    found = servers.server_of(table.server, KIND, need_host=server)
    return MailSettings(
        to=table.to,
        cc=table.cc,
        sender=table.sender or PREVIEW_SENDER,
        host=found.host,
        port=found.port,
        security=found.security,
        username=found.username,
        password_env=found.password_env,
        cafile=found.cafile,
        timeout=found.timeout,
    )


def _required(addresses: tuple[str, ...], key: str) -> None:
    if not addresses:
        raise ThiduaError(
            f"Chưa ghi địa chỉ {_KEY_ROLE[key]}: hãy điền {key} trong mục {_TABLE}, "
            f'ví dụ {key} = "{_KEY_EXAMPLE[key]}".'
        )


_KEY_ROLE = {"to": "người nhận", "cc": "đồng gửi", "from": "gửi đi"}
_KEY_EXAMPLE = {"to": "vhxh@xa.example.vn", "cc": "hieutruong@example.edu.vn", "from": "truong@example.edu.vn"}


def password_for(mail: MailSettings, environ: Mapping[str, str]) -> str | None:
    """The SMTP password from the environment; None when the server needs no login."""
    return servers.password_of(mail.server, KIND, environ)


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


def body_of(summary: dict[str, Any], recipient_name: str, attachment_name: str, extra: Sequence[str] = ()) -> str:
    """The letter, written for the office that reads it (SPEC 8): greeting, the month's headline figures, what is
    attached, closing. The school's own data checks (errors, warnings, files read) are the board's business and
    are not in it."""
    school = summary["school"]
    month = month_label(str(summary["month"]))
    as_of = str(summary.get("as_of") or "")
    as_of_text = ""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of):
        as_of_text = f" (tính đến ngày {_dmy(as_of)})"
    lines = [
        f"Kính gửi: {recipient_name or 'cơ quan nhận báo cáo'}",
        "",
        f"{school} xin gửi báo cáo kết quả phong trào thi đua năm học {summary.get('school_year', '')}, "
        f"số liệu tháng {month}{as_of_text}.",
        "",
        "Kết quả chính:",
    ]
    for t in summary.get("targets", []):
        target = "—" if t.get("target") is None else t["target"]
        lines.append(f"- {t['name']}: đạt {t['achieved']}/{target} (đăng ký {t['registered']}) – {t['status']}")
    lines += ["", "Tệp đính kèm:", f"- {attachment_name}: {REPORT_ATTACHMENT};"]
    for name in extra:
        lines.append(f"- {name}: {_described(name, summary)};")
    lines[-1] = lines[-1][:-1] + "."
    lines += ["", "Trân trọng.", str(school), ""]
    return _nfc("\n".join(lines))


REPORT_ATTACHMENT = "báo cáo kết quả thực hiện chỉ tiêu thi đua của tháng (đăng ký cá nhân, tập thể và kết quả)"
NOMINATIONS_PREFIX = "de-nghi-khen-thuong-"


def _dmy(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"


def _described(name: str, summary: dict[str, Any]) -> str:
    """What an attachment besides the report is, for the letter."""
    if name.startswith(NOMINATIONS_PREFIX):
        vote = str(summary.get("vote_day") or "")
        when = f" ngày {_dmy(vote)}" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", vote) else ""
        return f"danh sách đề nghị công nhận danh hiệu thi đua và khen thưởng theo kết quả bình xét{when}"
    return "hồ sơ đề nghị khen thưởng cuối năm học"


DOCX_TYPE = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


def build_message(
    summary: dict[str, Any],
    attachment: Path,
    mail: MailSettings,
    recipient_name: str,
    extra: Sequence[Path] = (),
) -> EmailMessage:
    """The month's letter to the recipient with the workbook attached (xlsx MIME type, file name intact), and
    `extra` files after it (at year end the nomination list and the dossier)."""
    files = [attachment, *extra]
    data: list[bytes] = []
    for path in files:
        try:
            data.append(path.read_bytes())
        except OSError as exc:
            raise ThiduaError(f"Không đọc được tệp đính kèm {path.name}: {exc.strerror or exc}.") from exc
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
    body = body_of(summary, _nfc(recipient_name), attachment.name, [p.name for p in extra])
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    # The email package writes a non-ASCII file name as RFC 2231 (filename*=utf-8''...) by itself.
    for path, content in zip(files, data, strict=True):
        maintype, subtype = DOCX_TYPE if path.suffix.lower() == ".docx" else XLSX_TYPE
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=path.name)
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
            f"Máy chủ {where} từ chối địa chỉ gửi {address_spec(mail.sender)} ({_reply(exc)}); hãy kiểm tra from "
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
    context = servers.tls_context(mail.server, KIND) if mail.security != "none" else None
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
    sender = address_spec(mail.sender) or mail.sender
    recipients = list(dict.fromkeys(address_spec(a) or a for a in (*mail.to, *mail.cc)))
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


def _domain_of(address: str) -> str:
    return (address_spec(address) or address).rpartition("@")[2]


def _reply_of(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(text.split())}".strip()


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return _reply_of(exc.smtp_code, exc.smtp_error)
