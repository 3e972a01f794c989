"""Hộp thư, the local page's mail (SPEC 12, 16): staff files collected from the school's mailbox (`thidua collect`,
or its dry run) and listed with their state, and the replies to their senders previewed then sent (`thidua reply`).
When a password's environment variable is not set, the page asks for it and uses it for that request only."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, make_response, render_template, request
from werkzeug.wrappers import Response

from thidua import api
from thidua.errors import ThiduaError


def add_mail_pages(app: Flask, root: Path, cache: Any, busy: Any) -> None:
    """The mail routes on the school's guarded application (`create_app`: token, Host, CSRF)."""
    from thidua.page.app import _asked_month, _months, _received

    def mail_page(month: api.Month, status: int = 200, **shown: Any) -> Response:
        """Hộp thư: collecting staff files from the school's mailbox and replying to their senders."""
        logins: dict[str, Any] = {}
        for kind in ("imap", "email"):
            try:
                logins[kind] = api.mail_login(root, kind)
            except ThiduaError as exc:  # the table missing or incomplete: what to write in thidua.toml
                logins[kind] = exc.message
        context = {"collected": None, "letters": None, "replied": None, "problem": None, "received": None, **shown}
        page = render_template(
            "mail.html",
            page="thu",
            m=month,
            months=_months(month),
            logins=logins,
            folder=api.mailbox_folder(root),
            **context,
        )
        return make_response(page, status)

    def typed_password(kind: str) -> dict[str, str] | None:
        """The environment for a mail command, with the password typed on the page (used for this request only,
        never kept) when its variable is not set."""
        typed = request.form.get("mat_khau", "")
        if not typed:
            return None
        return {**os.environ, api.mail_login(root, kind).password_env: typed}

    @app.get("/thu")
    def mail_form() -> Response:
        return mail_page(cache.month(_asked_month()))

    @app.post("/thu/lay")
    def collect() -> Response:
        """`thidua collect` (with the box ticked, its dry run): what was filed, each file with its state."""
        month = cache.month(_asked_month())
        dry = request.form.get("chay_thu") == "1"
        with busy:
            try:
                environ = typed_password("imap")
                done = api.collect(root, dry_run=dry, environ=environ)
            except ThiduaError as exc:
                return mail_page(month, 400 if exc.exit_code == 2 else 409, problem=exc.message)
        shown = cache.month(month.month)
        inside = api.mailbox_folder(root).split("/", 1)[1] + "/"  # "e-mail/", where collect files what it fetches
        received = [f for f in _received(root, shown.result) if f["rel"].startswith(inside)]
        return mail_page(shown, collected={"done": done, "dry": dry}, received=received)

    @app.post("/thu/tra-loi")
    def reply() -> Response:
        """`thidua reply`: previewed (its dry run's letters read back) or sent."""
        month = cache.month(_asked_month())
        send = request.form.get("gui") == "1"
        with busy:
            try:
                environ = typed_password("email")
                done = api.reply(root, month.month, dry_run=not send, environ=environ)
            except ThiduaError as exc:
                return mail_page(month, 400 if exc.exit_code == 2 else 409, problem=exc.message)
        if send:
            return mail_page(month, 409 if done.failed else 200, replied=done)
        return mail_page(month, letters=[api.written_letter(path) for path in done.written], replied=done)
