"""Sending a month's submission workbook to the receiving office: build the message, always keep it as .eml
under output/thu-gui/<YYYY-MM>/, refuse a month with errors unless forced, send, and record every attempt in the
history."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from thidua.errors import ThiduaError, month_not_run
from thidua.mail import mailer
from thidua.pipeline import history
from thidua.pipeline.batch import Outputs, output_names
from thidua.workspace.folder import Workspace, parse_month


@dataclass(frozen=True)
class Outcome:
    message: str
    exit_code: int
    eml: Path | None = None  # the letter as written (kept whether sent or not)


SENT_FOLDER = "thu-gui"  # output/thu-gui/<YYYY-MM>/: outside the month's folder, which a re-run replaces


def sent_folder(ws: Workspace, month: str) -> Path:
    return ws.output / SENT_FOLDER / month


def send_month(ws: Workspace, month: str, *, dry_run: bool = False, force: bool = False) -> Outcome:
    month, _end = parse_month(month)
    outputs = output_names(ws.month_dir(month), month)
    if not outputs.submission.exists() or not outputs.summary.exists():
        raise month_not_run(month, "báo cáo")
    summary = json.loads(outputs.summary.read_text(encoding="utf-8"))
    mail = mailer.mail_settings(ws.config, server=not dry_run)
    # The office the month's workbook was written to (Kính gửi of the plan, SPEC 10): letter and workbook agree.
    recipient = str(summary.get("recipient") or ws.config.recipient or "")
    message = mailer.build_message(summary, outputs.submission, mail, recipient, year_end_files(outputs, summary))
    eml = sent_folder(ws, month) / f"{outputs.submission.stem}.eml"
    mailer.write_eml(message, eml)
    recipients = ", ".join((*mail.to, *mail.cc))
    message_id = str(message["Message-ID"])
    errors = int(summary["issues"]["error"])
    if dry_run:
        said = f"Đã ghi thư xem trước {eml} (chưa gửi). Người nhận: {recipients}."
        refusals = _refusals(ws, month, errors, force)
        if refusals:
            said += " Khi gửi thật (bỏ --dry-run), thidua sẽ KHÔNG gửi: " + "; ".join(refusals) + "."
        return Outcome(said, 0, eml)
    if errors and not force:
        history.record_send(ws.history_path, month, recipients, message_id, "không gửi", f"số liệu còn {errors} lỗi")
        return Outcome(
            f"Không gửi: số liệu tháng {month} còn {errors} lỗi. Hãy sửa theo danh sách lỗi rồi chạy lại "
            f"thidua run, hoặc gửi dù còn lỗi bằng --force. Thư xem trước: {eml}",
            1,
            eml,
        )
    password = mailer.password_for(mail, os.environ)
    try:
        sent_id = mailer.send(message, mail, password)
    except ThiduaError as exc:
        history.record_send(ws.history_path, month, recipients, message_id, history.FAILED, exc.message)
        raise
    history.record_send(ws.history_path, month, recipients, sent_id, history.SENT, "")
    return Outcome(f"Đã gửi báo cáo tháng {month} đến {recipients} (Message-ID {sent_id}).", 0, eml)


def year_end_files(outputs: Outputs, summary: dict[str, object]) -> list[Path]:
    """What goes with the report in the month of the vote day (SPEC 8, 14): the nomination list and, when the run
    wrote it, the year-end dossier; nothing in any other month (a summary written before the vote day was kept in
    it: the nomination list's presence decides)."""
    vote = str(summary.get("vote_day") or "")
    if (vote and vote[:7] != str(summary.get("month"))) or not outputs.nominations.exists():
        return []
    return [outputs.nominations, *outputs.dossier_files()]


def _refusals(ws: Workspace, month: str, errors: int, force: bool) -> list[str]:
    """Why the real send of a month previewed by a dry run would be refused, each with what to do."""
    found = []
    if errors and not force:
        found.append(
            f"số liệu tháng {month} còn {errors} lỗi (hãy sửa theo danh sách lỗi rồi chạy lại thidua run, hoặc gửi "
            "dù còn lỗi bằng --force)"
        )
    try:
        mailer.mail_settings(ws.config, server=True)
    except ThiduaError as exc:
        found.append(exc.message.rstrip("."))
    return found
