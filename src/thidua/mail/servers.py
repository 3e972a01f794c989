"""What the two mail servers thidua talks to share: the [email] table (SMTP, sending) and the [imap] table
(collecting) each name a host, a security mode, a port, a login whose password lives only in an environment
variable, a certificate authority and a timeout. Each is checked here once, with a message naming its table and
key; the TLS context and the password are taken here too."""

from __future__ import annotations

import ipaddress
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from thidua.errors import ThiduaError

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
HOST = re.compile(r"[A-Za-z0-9._:-]+")


@dataclass(frozen=True)
class Kind:
    """What differs between the two tables."""

    table: str  # "[email]"
    ports: Mapping[str, int]  # security mode → its usual port, in the order the message names them
    password_env: str  # the default variable
    timeout: float
    host_example: str  # "smtp.gmail.com"
    scheme: str  # "smtp", as people paste it before the host
    role: str  # "gửi thư": which server a message speaks of


@dataclass(frozen=True)
class Server:
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


def text(table: Mapping[str, Any], key: str, default: str, kind: Kind) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ThiduaError(f'Mục {kind.table} {key} phải là chữ đặt trong ngoặc kép, ví dụ {key} = "...".')
    return value.strip()


def is_loopback(host: str) -> bool:
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def server_of(table: Mapping[str, Any], kind: Kind, *, need_host: bool = True, need_login: bool = False) -> Server:
    """Host, security, port, login, certificate authority and timeout of a table, checked. Without `need_host` (a
    preview that is only written) an empty host is allowed."""
    if "password" in table:  # never echo the value: it is most likely the real password
        raise ThiduaError(
            f"Không ghi mật khẩu vào thidua.toml: hãy xóa dòng password trong mục {kind.table}, đặt mật khẩu vào biến "
            "môi trường và ghi tên biến đó vào password_env."
        )
    modes = tuple(kind.ports)
    security = text(table, "security", modes[0], kind).lower()
    if security not in kind.ports:
        named = [f'"{mode}" (cổng {port})' if mode != "none" else '"none"' for mode, port in kind.ports.items()]
        raise ThiduaError(f"Mục {kind.table} security phải là {', '.join(named[:-1])} hoặc {named[-1]}.")
    host = text(table, "host", "", kind)
    if not host and not need_host:
        host = "localhost"  # never connected to
    if not host:
        raise ThiduaError(
            f'Chưa ghi máy chủ {kind.role}: hãy điền host trong mục {kind.table}, ví dụ host = "{kind.host_example}".'
        )
    if not HOST.fullmatch(host):
        raise ThiduaError(
            f'Mục {kind.table} host chỉ ghi tên máy chủ (ví dụ "{kind.host_example}"), không có khoảng trắng, dấu hay '
            f"“{kind.scheme}://”."
        )
    if security == "none" and not is_loopback(host):
        raise ThiduaError(
            f'Mục {kind.table} security = "none" (không mã hóa) chỉ dùng được với máy chủ trên chính máy này '
            f'(127.0.0.1 hoặc localhost); với máy chủ “{host}” hãy đặt security = "{modes[0]}" hoặc "{modes[1]}".'
        )
    port = table.get("port", kind.ports[security])
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ThiduaError(
            f"Mục {kind.table} port phải là một số nguyên từ 1 đến 65535, viết không có ngoặc kép, ví dụ "
            f"port = {kind.ports[modes[0]]}."
        )
    username = text(table, "username", "", kind)
    if need_login and not username:
        raise ThiduaError(f'Mục {kind.table} username: hãy ghi tài khoản, ví dụ username = "truong@example.edu.vn".')
    password_env = text(table, "password_env", kind.password_env, kind)
    if username and not ENV_NAME.fullmatch(password_env):  # never echo it: people paste the password itself here
        raise ThiduaError(
            f"Mục {kind.table} password_env phải là tên một biến môi trường (chữ không dấu, số, dấu gạch dưới), ví dụ "
            f'password_env = "{kind.password_env}", không phải mật khẩu.'
        )
    timeout = table.get("timeout", kind.timeout)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 600:
        raise ThiduaError(
            f"Mục {kind.table} timeout là số giây chờ máy chủ, lớn hơn 0 và không quá 600, ví dụ timeout = 30."
        )
    return Server(host, port, security, username, password_env, text(table, "cafile", "", kind), float(timeout))


def tls_context(server: Server, kind: Kind) -> ssl.SSLContext:
    """Certificates verified against the system's store (SSL_CERT_FILE / SSL_CERT_DIR add an authority), or the
    table's cafile."""
    try:
        return ssl.create_default_context(cafile=server.cafile or None)
    except (OSError, ssl.SSLError) as exc:
        raise ThiduaError(
            f"Không dùng được tệp chứng chỉ cafile “{server.cafile}” trong mục {kind.table}: hãy kiểm tra đường dẫn và "
            'tệp là chứng chỉ dạng PEM, hoặc để cafile = "" để dùng chứng chỉ của hệ thống.'
        ) from exc


def password_of(server: Server, kind: Kind, environ: Mapping[str, str]) -> str | None:
    """The password from its environment variable; None when the server needs no login."""
    if not server.username:
        return None
    password = environ.get(server.password_env)
    if not password:
        raise ThiduaError(
            f"Chưa có mật khẩu {kind.role}: hãy đặt biến môi trường {server.password_env} chứa mật khẩu của tài khoản "
            f"“{server.username}” rồi chạy lại (ví dụ trên Windows: set {server.password_env}=...)."
        )
    return password
