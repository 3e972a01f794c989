"""Serving the page: bound to 127.0.0.1 only, on the asked port or the first free one of a few, with a new secret
token at every start."""

from __future__ import annotations

import errno
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, make_server

from thidua.errors import ThiduaError
from thidua.page.app import Keys, create_app

HOST = "127.0.0.1"  # never all interfaces: the page is for the person at this computer
DEFAULT_PORTS = range(8720, 8730)  # tried in turn when no port is asked; then any free port


@dataclass
class Page:
    """A page being served: its address with the token (what the user opens), and the server."""

    server: BaseWSGIServer
    url: str
    keys: Keys

    @property
    def port(self) -> int:
        return self.server.port

    def stop(self) -> None:
        """Stop serving (from another thread than the one serving) and close the socket."""
        self.server.shutdown()
        self.server.server_close()


def _placeholder(_environ: object, start_response: Callable[..., object]) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8")])
    return [b""]


def _listening(port: int) -> socket.socket:
    """A socket listening on 127.0.0.1:`port` (0: any free port). Bound here rather than by werkzeug, which prints
    an English message and exits when the port is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if os.name != "nt":  # a restart right after a stop may reuse the port (on Windows the option means stealing it)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(64)
    except OSError:
        sock.close()
        raise
    return sock


def _bind(port: int | None) -> BaseWSGIServer:
    tried = [port] if port is not None else [*DEFAULT_PORTS, 0]
    last: OSError | None = None
    for candidate in tried:
        try:
            sock = _listening(candidate)
        except OSError as exc:  # in use (or not allowed): the next one
            last = exc
            continue
        with sock:  # werkzeug serves a duplicate of it
            return make_server(HOST, sock.getsockname()[1], _placeholder, threaded=True, fd=sock.fileno())
    in_use = {errno.EADDRINUSE, errno.EACCES, getattr(errno, "WSAEADDRINUSE", errno.EADDRINUSE)}
    if port is not None and last is not None and (last.errno in in_use or getattr(last, "winerror", 0) in in_use):
        raise ThiduaError(f"Cổng {port} đang được chương trình khác dùng. Hãy chọn cổng khác (--port) hoặc bỏ --port.")
    if port is not None and last is not None:
        raise ThiduaError(f"Không mở được trang ở cổng {port} ({last.strerror}). Hãy chọn cổng khác (--port).")
    raise ThiduaError(f"Không mở được trang trên {HOST}: {last.strerror if last else 'không rõ lý do'}.")


def start(workspace: str | Path, port: int | None = None) -> Page:
    """Bind, build the application for the bound port and return the page, not yet serving (call
    `page.server.serve_forever()`)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request log (it would repeat the token)
    server = _bind(port)
    keys = Keys()
    app = create_app(workspace, server.port, keys)
    server.app = app
    return Page(server, f"http://{HOST}:{server.port}/?token={keys.token}", keys)


def wait_for_work(page: Page, say: Callable[[str], None], patience: float = 120.0) -> None:
    """After a stop, let a run or check in progress finish (so its outputs are whole), up to `patience` s."""
    busy = page.server.app.extensions["thidua"]["busy"]  # type: ignore[attr-defined]
    if busy.count:
        say("Đang đợi lượt chạy đang dở xong rồi dừng…")
        deadline = time.monotonic() + patience
        while busy.count and time.monotonic() < deadline:
            time.sleep(0.2)
