"""`thidua reply --month M`: answer each staff member whose file came by e-mail and was read in month M's run
(SPEC 12): a reply to their message saying what was read and counted and what to fix, with the return copy when
there is one. Sent over the [email] SMTP settings by the existing mailer; every reply kept as .eml under
output/thu-gui/<M>/tra-loi/; each file version answered once; a failure recorded, never as sent."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

from thidua.core.text import ascii_slug
from thidua.counting.measure import MonthResult
from thidua.errors import ThiduaError, UsageError, month_not_run
from thidua.intake.read import INTERNAL_ERROR
from thidua.issues import Issue, Severity, title_of
from thidua.mail import mailer
from thidua.mail.outbox import sent_folder
from thidua.pipeline import history
from thidua.workspace.folder import Workspace, month_label, parse_month

REPLIES = "tra-loi"
SUPERSEDED = frozenset({"registration-replaced", "result-duplicate", "row-corrected"})  # notes: nothing to fix
SHOWN_ISSUES = 30  # issues listed in one reply; the return copy holds them all


@dataclass(frozen=True)
class Replied:
    """What a reply run did: written (.eml), sent, failed (file, why), skipped (already answered)."""

    written: list[Path]
    sent: list[str]
    failed: list[tuple[str, str]]
    answered_before: int


def reply_month(ws: Workspace, month: str, environ: Mapping[str, str], dry_run: bool = False) -> Replied:
    from thidua.pipeline.batch import check_month, compute, output_names
    from thidua.workspace.plan_workbook import school_year_in
    from thidua.writers.return_copies import FOLDER, copies_to_write

    month, _end = parse_month(month)
    year = school_year_in(ws.plan_path, ws.config.limits)
    if year is not None:
        check_month(month, year)
    outputs = output_names(ws.month_dir(month), month)
    if not outputs.summary.exists():
        raise month_not_run(month)
    received = history.received_files(ws.history_path)
    if not received:
        raise UsageError("Chưa có tệp nào nhận qua e-mail. Hãy chạy trước: thidua collect")
    mail = mailer.mail_settings(ws.config, server=not dry_run)
    password = None if dry_run else mailer.password_for(mail, environ)
    result = compute(ws, month)  # the files as the month's run read them
    copies = {copy.rel: copy.name for copy in copies_to_write(result, ws.submissions)}
    done_before = history.answered(ws.history_path)
    written: list[Path] = []
    sent: list[str] = []
    failed: list[tuple[str, str]] = []
    skipped = 0
    # A file thidua's own code failed on is not the sender's to fix: it is answered once thidua reads it.
    ours = {issue.file for issue in result.issues if issue.code == INTERNAL_ERROR}
    for rel in sorted(set(result.files_read) & set(received) - ours):
        came = received[rel]
        try:
            digest = hashlib.sha256((ws.submissions / rel).read_bytes()).hexdigest()
        except OSError:
            continue  # gone since the run: nothing to answer about
        if (rel, digest) in done_before:
            skipped += 1
            continue
        copy = outputs.folder / FOLDER / copies[rel] if rel in copies else None
        message = build_reply(result, rel, came, mail, copy if copy is not None and copy.is_file() else None)
        # The saved file's own name (ASCII, unique in submissions/e-mail/) names its reply.
        eml = sent_folder(ws, month) / REPLIES / f"{ascii_slug(Path(rel).stem) or 'tep'}.eml"
        mailer.write_eml(message, eml)
        written.append(eml)
        if dry_run:
            continue
        to_sender = dataclasses.replace(mail, to=(came.sender,), cc=())
        # Recorded before it goes out: a reply whose last step fails is never sent twice.
        attempt = history.begin_reply(ws.history_path, rel, digest, month, came.sender, str(message["Message-ID"]))
        try:
            message_id = mailer.send(message, to_sender, password)
        except ThiduaError as exc:
            history.finish_reply(ws.history_path, attempt, history.FAILED, str(message["Message-ID"]), exc.message)
            failed.append((rel, exc.message))
            continue
        history.finish_reply(ws.history_path, attempt, history.SENT, message_id, "")
        sent.append(rel)
    return Replied(written, sent, failed, skipped)


def build_reply(
    result: MonthResult, rel: str, came: history.Received, mail: mailer.MailSettings, copy: Path | None
) -> EmailMessage:
    """The Vietnamese answer to the message a file came in: Re: its subject, threaded under it."""
    issues = [issue for issue in result.issues if issue.file == rel]
    fixes = [issue for issue in issues if issue.severity in (Severity.ERROR, Severity.WARNING)]
    read, counted = _rows(result, rel, issues)
    school = result.plan.school.name
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = formataddr((mailer.header_text(f"Ban thi đua – {school}"), mail.sender))
    message["To"] = formataddr((mailer.header_text(came.sender_name), came.sender))
    subject = came.subject or Path(came.original_name).name
    message["Subject"] = mailer.header_text(subject if subject.lower().startswith("re:") else f"Re: {subject}")
    message["In-Reply-To"] = came.message_id
    message["References"] = came.message_id
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2] or None)
    greeting = f"Kính gửi thầy/cô {came.sender_name}," if came.sender_name else "Kính gửi thầy/cô,"
    lines = [
        greeting,
        "",
        f"Ban thi đua {school} đã nhận tệp “{came.original_name}” thầy/cô gửi lúc "
        f"{came.received_at:%H:%M} ngày {came.received_at:%d/%m/%Y}.",
        f"Kết quả đọc khi tổng hợp tháng {month_label(result.month)}: đọc {read} dòng, được tính {counted} dòng.",
    ]
    replaced = [issue for issue in issues if issue.code in SUPERSEDED]
    if replaced:
        lines.append(
            f"{len(replaced)} dòng không được tính vì đã có bản gửi sau hoặc trùng với dòng đã báo cáo (không cần "
            "sửa gì)."
        )
    lines.append("")
    if fixes:
        lines.append(f"Cần sửa {len(fixes)} chỗ:")
        for issue in fixes[:SHOWN_ISSUES]:
            lines.append(f"- {_where(issue)}{title_of(issue.code)}: {issue.message}")
        if len(fixes) > SHOWN_ISSUES:
            lines.append(f"- … và {len(fixes) - SHOWN_ISSUES} chỗ khác (xem tệp đính kèm).")
        lines += [
            "",
            "Tệp đính kèm là bản sao tệp của thầy/cô: ô tô đỏ là lỗi (chưa được tính), ô tô vàng là cảnh báo, mỗi ô "
            "có ghi chú cần sửa gì; trang đầu “Cần sửa” liệt kê tất cả. Xin sửa rồi gửi lại tệp qua thư này."
            if copy is not None
            else "Xin sửa rồi gửi lại tệp qua thư này.",
        ]
    else:
        lines.append("Tệp không có lỗi nào cần sửa. Cảm ơn thầy/cô.")
    lines += ["", "Trân trọng,", f"Ban thi đua {school}", "", "(Thư trả lời tự động của thidua.)"]
    message.set_content("\n".join(lines), charset="utf-8", cte="quoted-printable")
    if copy is not None:
        message.add_attachment(
            copy.read_bytes(), maintype=mailer.XLSX_TYPE[0], subtype=mailer.XLSX_TYPE[1], filename=copy.name
        )
    return message


def _where(issue: Issue) -> str:
    place = ", ".join(part for part in (f"trang “{issue.sheet}”" if issue.sheet else "", issue.cell) if part)
    return f"{place} – " if place else ""


def _rows(result: MonthResult, rel: str, issues: list[Issue]) -> tuple[int, int]:
    """Rows of the file read (counted, or set aside with a reason) and rows counted."""
    counted: set[tuple[str, int]] = set()
    records = result.records
    for frame in (records.registrations, records.results, records.votes):
        mine = frame[frame["file"] == rel]
        counted |= set(zip(mine["sheet"], mine["row"].astype(int), strict=True))
    read = counted | {(issue.sheet, issue.row) for issue in issues if issue.row is not None}
    return len(read), len(counted)
