"""What the two mail servers thidua talks to share: the [email] table (SMTP, sending) and the [imap] table
(collecting) each name a host, a security mode, a port, a login whose password lives only in an environment
variable, a certificate authority and a timeout. Each table is checked when the workspace opens
(workspace.settings); here a command asks for what it needs on top (a host, a login), and the TLS context and the
password are taken."""

from __future__ import annotations

import dataclasses
import ssl
from collections.abc import Mapping

from thidua.errors import ThiduaError
from thidua.workspace.settings import Kind, Server

__all__ = ["Kind", "Server", "password_of", "server_of", "tls_context"]


def server_of(server: Server, kind: Kind, *, need_host: bool = True, need_login: bool = False) -> Server:
    """The table's server (checked when the workspace opened) with what this command needs: a host to connect to,
    a login. Without `need_host` (a preview that is only written) an empty host is allowed."""
    if not server.host:
        if need_host:
            raise ThiduaError(
                f"Chưa ghi máy chủ {kind.role}: hãy điền host trong mục {kind.table}, ví dụ "
                f'host = "{kind.host_example}".'
            )
        server = dataclasses.replace(server, host="localhost")  # never connected to
    if need_login and not server.username:
        raise ThiduaError(f'Mục {kind.table} username: hãy ghi tài khoản, ví dụ username = "truong@example.edu.vn".')
    return server


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
