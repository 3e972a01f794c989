"""Collecting by e-mail (SPEC 12), end to end through the CLI against a real Dovecot on 127.0.0.1 (tests/imapserver)
and a real SMTP server (aiosmtpd): `collect` saves each spreadsheet once under an ASCII name, records every message,
never deletes one; the received date orders resubmissions; `reply` answers each sender once with the return copy."""

from __future__ import annotations

import datetime as dt
import email
import json
import sqlite3
from contextlib import closing
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from thidua.cli import main
from thidua.core.calendar import SchoolYear
from thidua.workspace.create import create_workspace
from thidua.workspace.folder import Workspace

from . import hostile
from .imapserver import Account, ImapServer, deliver, folders, imap_account, imap_server, messages_in, staff_message
from .smtpserver import Serve, send_through

VIETNAM = dt.timezone(dt.timedelta(hours=7))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
PASSWORD_ENV = "THIDUA_TEST_IMAP_PASSWORD"
__all__ = ["imap_account", "imap_server"]  # fixtures of tests/imapserver, used here


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


@pytest.fixture
def school(tmp_path: Path, imap_server: ImapServer, imap_account: Account) -> Workspace:
    """A 2026–2027 demo workspace without submissions, reading the test mailbox."""
    ws, _review = create_workspace(tmp_path / "ws", demo=True, year=SchoolYear(2026))
    demo_files = tmp_path / "demo-files"
    ws.submissions.rename(demo_files)  # the staff's files arrive by e-mail instead
    ws.submissions.mkdir()
    settings = ws.root / "thidua.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8")
        + f'\n[imap]\nhost = "{imap_server.host}"\nport = {imap_server.starttls_port}\nsecurity = "starttls"\n'
        f'username = "{imap_account.user}"\npassword_env = "{PASSWORD_ENV}"\n'
        f'cafile = "{imap_server.cafile.as_posix()}"\n'
        'move_to = "Da xu ly"\n',
        encoding="utf-8",
    )
    return ws


def cli(ws: Workspace, *args: str, password: str | None = None, **env: str) -> tuple[int, str, str]:
    if password is not None:
        env[PASSWORD_ENV] = password
    result = CliRunner(env=env).invoke(main, [*args, "-w", str(ws.root)])
    assert "Traceback" not in result.stderr and "ngoài dự kiến" not in result.stderr, result.stderr
    return result.exit_code, result.stdout, result.stderr


def demo_file(ws: Workspace, rel: str) -> bytes:
    return (ws.root.parent / "demo-files" / rel).read_bytes()


def fill_mailbox(ws: Workspace, server: ImapServer, account: Account) -> None:
    """The secretary's inbox in October: team files, a resubmission, a duplicate, a PDF, a hostile file,
    Vietnamese names, and last year's message."""
    team23 = demo_file(ws, "dang-ky/DK thi dua To 2-3.xlsx")
    team45 = demo_file(ws, "dang-ky/DK thi dua To 4-5.xlsx")
    report = demo_file(ws, "bao-cao/Bao cao ket qua to-1.xlsx")
    anh = ("Đặng Thị Ngọc Ánh", "anh.dtn@mangden.example.edu.vn")
    deliver(
        server,
        account,
        staff_message(
            *anh,
            "Đăng ký thi đua tổ 2–3",
            [("Đăng ký tổ 2–3.xlsx", team23, XLSX)],
            message_id="<dk-23@mangden.example.edu.vn>",
        ),
        at(9, 28, 8, 12),
    )
    deliver(
        server,
        account,
        staff_message(
            *anh,
            "Gửi lại + tổ 4–5",
            [("Đăng ký tổ 2–3.xlsx", team23, XLSX), ("Tổ 4–5 – bản cuối.xlsx", team45, XLSX)],
            message_id="<dk-45@mangden.example.edu.vn>",
        ),
        at(9, 30, 16, 40),
    )
    deliver(
        server,
        account,
        staff_message(
            "Phạm Thị Hòa",
            "hoa.pt@mangden.example.edu.vn",
            "Báo cáo tháng 10",
            [("Báo cáo tổ 1.xlsx", report, XLSX), ("ảnh.pdf", b"%PDF-1.4\n", "application/pdf")],
            message_id="<bc-1@mangden.example.edu.vn>",
            filename_style="rfc2047",
        ),
        at(10, 20),
    )
    deliver(
        server,
        account,
        staff_message(
            "Y Nhung",
            "nhung.y@mangden.example.edu.vn",
            "Chỉ có ảnh",
            [("minh-chung.pdf", b"%PDF-1.4\n", "application/pdf")],
            message_id="<pdf@mangden.example.edu.vn>",
        ),
        at(10, 21),
    )
    bomb_path = ws.root.parent / "bomb.xlsx"
    hostile.zip_bomb(bomb_path, ws.templates / "mau-dang-ky-thi-dua.xlsx")
    bomb = bomb_path.read_bytes()
    deliver(
        server,
        account,
        staff_message(
            "Người lạ", "la@example.invalid", "file", [("hong.xlsx", bomb, XLSX)], message_id="<la@example.invalid>"
        ),
        at(10, 22),
    )
    deliver(
        server,
        account,
        staff_message(
            "Năm trước",
            "cu@mangden.example.edu.vn",
            "Phiếu năm ngoái",
            [("cu.xlsx", team45, XLSX)],
            message_id="<cu@mangden.example.edu.vn>",
        ),
        at(5, 20, year=2026),
    )  # before the school year's first day: not fetched


def test_collect_saves_each_spreadsheet_once_and_never_fetches_twice(
    school: Workspace, imap_server: ImapServer, imap_account: Account
) -> None:
    fill_mailbox(school, imap_server, imap_account)
    code, out, err = cli(school, "collect", "--dry-run", password=imap_account.password)
    assert code == 0, err
    assert not (school.submissions / "e-mail").exists() and "Chạy thử" in out  # a dry run saves nothing
    code, out, err = cli(school, "collect", password=imap_account.password)
    assert code == 0, err
    saved = sorted(p.name for p in (school.submissions / "e-mail").iterdir())
    assert saved == [
        "20260928-0812_dang-thi-ngoc-anh_dang-ky-to-2-3.xlsx",
        "20260930-1640_dang-thi-ngoc-anh_to-4-5-ban-cuoi.xlsx",
        "20261020-0900_pham-thi-hoa_bao-cao-to-1.xlsx",
        "20261022-0900_nguoi-la_hong.xlsx",
    ]  # the second copy of tổ 2–3 is identical: saved once; the PDF-only message left alone
    assert all(name.isascii() and len(name) <= 150 for name in saved)
    assert (school.submissions / "e-mail" / saved[0]).read_bytes() == demo_file(
        school, "dang-ky/DK thi dua To 2-3.xlsx"
    )
    assert "Chỉ có ảnh" in out and "giống hệt" in out
    assert imap_account.password not in out + err
    # Nothing deleted: every message is in the inbox or the folder it was moved to.
    inbox, moved = messages_in(imap_server, imap_account), messages_in(imap_server, imap_account, "Da xu ly")
    assert len(inbox) + len(moved) == 6 and "Da xu ly" in folders(imap_server, imap_account)
    # last year's message and the one without a spreadsheet are left where they were
    assert {m.message_id for m in inbox} == {"<cu@mangden.example.edu.vn>", "<pdf@mangden.example.edu.vn>"}
    # Fetched once: a second collect saves nothing, even though the messages were moved.
    code, out, _err = cli(school, "collect", password=imap_account.password)
    assert code == 0 and "Đã lưu 0 tệp" in out
    assert sorted(p.name for p in (school.submissions / "e-mail").iterdir()) == saved
    with closing(sqlite3.connect(school.history_path)) as db:
        rows = db.execute(
            "SELECT message_id, sender, received_at, status FROM received ORDER BY received_at"
        ).fetchall()
    assert [r[0] for r in rows] == [
        "<dk-23@mangden.example.edu.vn>",
        "<dk-45@mangden.example.edu.vn>",
        "<bc-1@mangden.example.edu.vn>",
        "<pdf@mangden.example.edu.vn>",
        "<la@example.invalid>",
    ]
    assert rows[0][1:3] == ("anh.dtn@mangden.example.edu.vn", "2026-09-28T08:12:00+07:00")
    # The files are dated as received: the run orders resubmissions by it.
    stamp = (school.submissions / "e-mail" / saved[0]).stat().st_mtime
    assert dt.datetime.fromtimestamp(stamp, VIETNAM) == at(9, 28, 8, 12)


def test_collect_says_clearly_what_is_wrong(school: Workspace, imap_server: ImapServer, imap_account: Account) -> None:
    code, _out, err = cli(school, "collect", password="sai-mat-khau")
    assert code == 1 and "không nhận đăng nhập" in err and "sai-mat-khau" not in err
    code, _out, err = cli(school, "collect")
    assert code == 1 and PASSWORD_ENV in err
    settings = school.root / "thidua.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('move_to = "Da xu ly"', 'folder = "Khong Co"'), encoding="utf-8")
    code, _out, err = cli(school, "collect", password=imap_account.password)
    assert code == 1 and "Khong Co" in err
    without_ca = "\n".join(line for line in text.splitlines() if not line.startswith("cafile"))
    settings.write_text(without_ca, encoding="utf-8")
    code, _out, err = cli(school, "collect", password=imap_account.password)
    assert code == 1 and "Chứng chỉ" in err and "không được xác thực" in err
    # The system's trust store decides; SSL_CERT_FILE adds an authority to it (SPEC 12).
    code, _out, err = cli(school, "collect", password=imap_account.password, SSL_CERT_FILE=str(imap_server.cafile))
    assert code == 0, err
    settings.write_text(text.replace(f"port = {imap_server.starttls_port}", "port = 1"), encoding="utf-8")
    code, _out, err = cli(school, "collect", password=imap_account.password)
    assert code == 1 and "kết nối" in err
    settings.write_text(
        text.replace('security = "starttls"', 'security = "ssl"').replace(
            f"port = {imap_server.starttls_port}", f"port = {imap_server.ssl_port}"
        ),
        encoding="utf-8",
    )
    code, _out, err = cli(school, "collect", password=imap_account.password)
    assert code == 0, err  # implicit TLS works as well


def test_the_received_date_judges_a_late_registration_without_a_date(
    school: Workspace, imap_server: ImapServer, imap_account: Account
) -> None:
    import openpyxl

    template = school.templates / "mau-dang-ky-thi-dua.xlsx"
    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    sheet["B6"], sheet["C6"], sheet["F6"] = "Lê Thị Kim Thoa", dt.datetime(1984, 12, 5), "Lao động tiên tiến"
    path = school.root.parent / "thoa.xlsx"
    book.save(path)  # no Ngày đăng ký on the row
    deliver(
        imap_server,
        imap_account,
        staff_message(
            "Lê Thị Kim Thoa", "thoa@mangden.example.edu.vn", "Đăng ký", [("Đăng ký.xlsx", path.read_bytes(), XLSX)]
        ),
        at(10, 9),
    )
    assert cli(school, "collect", password=imap_account.password)[0] == 0
    cli(school, "run", "--month", "10/2026")
    report = openpyxl.load_workbook(school.month_dir("2026-10") / "danh-sach-loi-2026-10.xlsx")
    late = [r for r in report.worksheets[1].iter_rows(min_row=4, values_only=True) if r[10] == "rule-late-registration"]
    assert len(late) == 1 and "09/10/2026 (ngày nhận thư e-mail" in str(late[0][8])


def test_reply_answers_each_sender_once_with_the_return_copy(
    school: Workspace, imap_server: ImapServer, imap_account: Account, serve: Serve
) -> None:
    import openpyxl

    fill_mailbox(school, imap_server, imap_account)
    demo = school.root.parent / "demo-files" / "dang-ky"
    book = openpyxl.load_workbook(demo / "to-1" / "DK thi dua - 08.xlsx")
    book.worksheets[0]["B6"] = "Trần Văn Quy"  # a misspelt name: an error, so a return copy goes back
    book.save(school.root.parent / "quy.xlsx")
    deliver(
        imap_server,
        imap_account,
        staff_message(
            "Trần Văn Quý",
            "quy.tv@mangden.example.edu.vn",
            "Phiếu ĐK",
            [("ĐK Quý.xlsx", (school.root.parent / "quy.xlsx").read_bytes(), XLSX)],
            message_id="<quy@mangden.example.edu.vn>",
        ),
        at(10, 1),
    )
    book = openpyxl.load_workbook(demo / "DK thi dua To 2-3.xlsx")
    book.save(school.root.parent / "to23.xlsx")  # the same rows sent again later: the later e-mail wins
    deliver(
        imap_server,
        imap_account,
        staff_message(
            "Đặng Thị Ngọc Ánh",
            "anh.dtn@mangden.example.edu.vn",
            "Gửi lại tổ 2–3",
            [("Tổ 2–3.xlsx", (school.root.parent / "to23.xlsx").read_bytes(), XLSX)],
            message_id="<dk-23b@x>",
        ),
        at(10, 3),
    )
    assert cli(school, "collect", password=imap_account.password)[0] == 0
    inbox, port = serve()
    send_through(school.root / "thidua.toml", port)
    code, _out, err = cli(school, "run", "--month", "2026-10")
    assert code in (0, 1), err
    code, out, err = cli(school, "reply", "--month", "2026-10", "--dry-run")
    assert code == 0 and inbox.envelopes == [], err
    folder = school.root / "output" / "thu-gui" / "2026-10" / "tra-loi"
    assert len(list(folder.glob("*.eml"))) == 6
    code, out, err = cli(school, "reply", "--month", "2026-10")
    assert code == 0, err
    assert sorted(env.rcpt_tos[0] for env in inbox.envelopes) == sorted(
        [
            "anh.dtn@mangden.example.edu.vn",
            "anh.dtn@mangden.example.edu.vn",
            "anh.dtn@mangden.example.edu.vn",
            "hoa.pt@mangden.example.edu.vn",
            "la@example.invalid",
            "quy.tv@mangden.example.edu.vn",
        ]
    )
    letters = [email.message_from_bytes(env.original_content, policy=policy.default) for env in inbox.envelopes]
    hoa = next(m for m in letters if m["To"].addresses[0].addr_spec == "hoa.pt@mangden.example.edu.vn")
    assert hoa["Subject"] == "Re: Báo cáo tháng 10" and hoa["In-Reply-To"] == "<bc-1@mangden.example.edu.vn>"
    assert hoa["References"] == "<bc-1@mangden.example.edu.vn>"
    body = hoa.get_body(preferencelist=("plain",)).get_content()
    assert "Kính gửi thầy/cô Phạm Thị Hòa" in body and "được tính" in body
    stranger = next(m for m in letters if m["To"].addresses[0].addr_spec == "la@example.invalid")
    assert "Cần sửa" in stranger.get_body(preferencelist=("plain",)).get_content()  # the bomb is named
    with_copy = [m for m in letters if any(True for _ in m.iter_attachments())]
    assert [m["To"].addresses[0].addr_spec for m in with_copy] == ["quy.tv@mangden.example.edu.vn"]
    (attachment,) = list(with_copy[0].iter_attachments())
    assert attachment.get_content_type() == XLSX and attachment.get_filename().endswith(".xlsx")
    copy = openpyxl.load_workbook(__import__("io").BytesIO(attachment.get_content()))
    assert copy.sheetnames[0] == "Cần sửa" and "Trần Văn Quý" in copy.worksheets[1]["B6"].comment.text
    quy = with_copy[0].get_body(preferencelist=("plain",)).get_content()
    assert "Cần sửa 1 chỗ" in quy and "B6" in quy
    # The later e-mail won: the first tổ 2–3 file's rows were replaced, and its sender is told so.
    anh = [
        m.get_body(preferencelist=("plain",)).get_content()
        for m in letters
        if m["In-Reply-To"] == "<dk-23@mangden.example.edu.vn>"
    ]
    assert len(anh) == 1 and "được tính 0 dòng" in anh[0] and "đã có bản gửi sau" in anh[0]
    code, out, _err = cli(school, "reply", "--month", "2026-10")
    assert code == 0 and len(inbox.envelopes) == 6 and "từ trước" in out  # answered once per file version
    summary = json.loads((school.month_dir("2026-10") / "summary.json").read_text(encoding="utf-8"))
    assert summary["files_read"] >= 4


def test_a_refused_spreadsheet_is_fetched_again_once_the_limit_allows(
    school: Workspace, imap_server: ImapServer, imap_account: Account
) -> None:
    settings = school.root / "thidua.toml"
    text = settings.read_text(encoding="utf-8")
    big = demo_file(school, "dang-ky/DK thi dua To 2-3.xlsx") + b"\0" * 1_200_000  # 1.2 MB
    deliver(
        imap_server,
        imap_account,
        staff_message(
            "Bùi Văn Long", "long@mangden.example.edu.vn", "Tệp lớn", [("lon.xlsx", big, XLSX)], message_id="<lon@x>"
        ),
        at(10, 2),
    )
    settings.write_text(text.replace("max_file_mb = 50", "max_file_mb = 1"), encoding="utf-8")
    code, out, _err = cli(school, "collect", password=imap_account.password)
    assert code == 0 and "lớn hơn 1 MB" in out and "không có tệp bảng tính" not in out
    assert not (school.submissions / "e-mail").exists()
    settings.write_text(text, encoding="utf-8")  # the secretary raises the limit: the message is looked at again
    code, out, _err = cli(school, "collect", password=imap_account.password)
    assert code == 0 and "Đã lưu 1 tệp" in out


def test_two_attachments_with_long_names_get_two_replies(
    school: Workspace, imap_server: ImapServer, imap_account: Account, serve: Serve
) -> None:
    long_name = "Phiếu đăng ký thi đua năm học 2026–2027 của tổ chuyên môn " * 3
    team23 = demo_file(school, "dang-ky/DK thi dua To 2-3.xlsx")
    team45 = demo_file(school, "dang-ky/DK thi dua To 4-5.xlsx")
    deliver(
        imap_server,
        imap_account,
        staff_message(
            "Ngô Văn Hùng",
            "hung@mangden.example.edu.vn",
            "Hai tổ",
            [(f"{long_name}.xlsx", team23, XLSX), (f"{long_name}.xlsx", team45, XLSX)],
        ),
        at(9, 29),
    )
    assert cli(school, "collect", password=imap_account.password)[0] == 0
    assert len(list((school.submissions / "e-mail").iterdir())) == 2
    settings = school.root / "thidua.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("to = []", 'to = ["vhxh@xa.example.vn"]'), encoding="utf-8")
    cli(school, "run", "--month", "2026-10")
    code, _out, err = cli(school, "reply", "--month", "2026-10", "--dry-run")
    assert code == 0, err
    assert len(list((school.root / "output" / "thu-gui" / "2026-10" / "tra-loi").glob("*.eml"))) == 2
    code, _out, err = cli(school, "reply", "--month", "10/2030", "--dry-run")
    assert code == 2 and "ngoài năm học 2026–2027" in err
