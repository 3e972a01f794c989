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
from thidua.pipeline.batch import output_names
from thidua.workspace.folder import Workspace, parse_month


@dataclass(frozen=True)
class Outcome:
    message: str
    exit_code: int


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
    recipient = str(summary.get("recipient") or ws.config.recipient or "Phòng GD&ĐT")
    message = mailer.build_message(summary, outputs.submission, mail, recipient)
    eml = sent_folder(ws, month) / f"bao-cao-pgd-{month}.eml"
    mailer.write_eml(message, eml)
    recipients = ", ".join((*mail.to, *mail.cc))
    message_id = str(message["Message-ID"])
    errors = int(summary["issues"]["error"])
    if dry_run:
        return Outcome(f"Đã ghi thư xem trước {eml} (chưa gửi). Người nhận: {recipients}.", 0)
    if errors and not force:
        history.record_send(ws.history_path, month, recipients, message_id, "không gửi", f"số liệu còn {errors} lỗi")
        return Outcome(
            f"Không gửi: số liệu tháng {month} còn {errors} lỗi. Hãy sửa theo danh sách lỗi rồi chạy lại "
            f"thidua run, hoặc gửi dù còn lỗi bằng --force. Thư xem trước: {eml}",
            1,
        )
    password = mailer.password_for(mail, os.environ)
    try:
        sent_id = mailer.send(message, mail, password)
    except ThiduaError as exc:
        history.record_send(ws.history_path, month, recipients, message_id, history.FAILED, exc.message)
        raise
    history.record_send(ws.history_path, month, recipients, sent_id, history.SENT, "")
    return Outcome(f"Đã gửi báo cáo tháng {month} đến {recipients} (Message-ID {sent_id}).", 0)
