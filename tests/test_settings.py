"""thidua.toml is read once, when the workspace opens: every table is checked then, and every mistake is reported in
one message naming the file, the table and key, what is wrong and what to write, whichever command runs."""

from __future__ import annotations

import datetime as dt
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from thidua.cli import main
from thidua.errors import ThiduaError
from thidua.intake.guard import Limits
from thidua.workspace.folder import DEFAULT_SETTINGS, Workspace, open_workspace
from thidua.workspace.settings import Paths, Settings, Text, read_settings

THREE_MISTAKES = {  # one in each of three tables: a typo'd key, a wrong type, a value not in the list
    "max_rows = 50000": "max_row = 50000",
    "port = 587": 'port = "587"',
    'tone_style = "old"': 'tone_style = "cũ"',
}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "sự cố ngoài dự kiến" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def school(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    assert invoke("init", str(root), "--demo")[0] == 0
    return root


def write_settings(root: Path, changes: dict[str, str], extra: str = "") -> None:
    settings = root / "thidua.toml"
    text = settings.read_text(encoding="utf-8")
    for before, after in changes.items():
        assert before in text
        text = text.replace(before, after, 1)
    settings.write_text(text + extra, encoding="utf-8")


@pytest.mark.parametrize(
    "command",
    [["check", "--month", "2022-05"], ["run", "--month", "2022-05"], ["history"], ["templates"]],
    ids=lambda command: command[0],
)
def test_three_mistakes_in_three_tables_are_told_at_once(school: Path, command: list[str]) -> None:
    write_settings(school, THREE_MISTAKES)
    before = sorted(p.relative_to(school).as_posix() for p in school.rglob("*"))
    code, out, err = invoke(*command, "-w", str(school))
    assert code == 1 and not out  # a program failure, as a bad setting always was: nothing was done
    message = err.removeprefix("Lỗi: ").strip()
    assert message.startswith("Tệp cấu hình thidua.toml có 3 chỗ cần sửa")
    lines = message.splitlines()[1:]
    assert len(lines) == 3 and all(line.startswith("- ") for line in lines), message
    text, limits, email = lines
    assert text == '- Mục [text] tone_style trong thidua.toml phải là "old", "new" hoặc "keep".'
    assert "[limits]" in limits and "“max_row”" in limits and "có phải là max_rows?" in limits
    assert "[email] port" in email and "số nguyên từ 1 đến 65535" in email and "port = 587" in email
    assert message == unicodedata.normalize("NFC", message)
    assert sorted(p.relative_to(school).as_posix() for p in school.rglob("*")) == before  # nothing written


def test_one_mistake_is_said_as_before(school: Path) -> None:
    write_settings(school, {"max_rows = 50000": "max_rows = 2.5"})
    code, _out, err = invoke("check", "--month", "2022-05", "-w", str(school))
    assert code == 1
    assert err.strip() == (
        "Lỗi: Mục [limits] max_rows trong thidua.toml phải là một số nguyên dương không quá 10,000,000 (đang là 2.5; "
        "mặc định 50000). Hãy sửa rồi chạy lại."
    )


def test_a_mistake_in_the_mailbox_table_stops_a_run_too(school: Path) -> None:
    write_settings(school, {}, '\n[imap]\nhost = "imap.gmail.com"\nmax_attachments = 0\n')
    code, _out, err = invoke("run", "--month", "2022-05", "-w", str(school))
    assert code == 1 and "Mục [imap] max_attachments là số tệp đính kèm tối đa một thư (1 đến 1000)." in err


def test_what_a_command_needs_is_asked_by_that_command_only(school: Path) -> None:
    """The default settings leave [email] to and host empty: a run needs neither, a send asks for them."""
    assert invoke("run", "--month", "2022-05", "-w", str(school))[0] == 0
    code, _out, err = invoke("send", "--month", "2022-05", "--dry-run", "-w", str(school))
    assert code == 1 and "hãy điền to trong mục [email]" in err


def test_the_written_settings_are_typed(school: Path) -> None:
    write_settings(
        school,
        {
            "max_file_mb = 50": "max_file_mb = 2.5",
            'tone_style = "old"': 'tone_style = "new"',
            'output = "output"': 'output = "ket-qua"',
            "to = []  ": 'to = ["thidua@pgd.example.vn"]  ',
        },
        '\n[imap]\nhost = "imap.gmail.com"\nusername = "truong"\nsince = 2026-08-01\n\n'
        '[rules.cstdcs_share]\nrounding = "round"\n',
    )
    ws = open_workspace(school)
    config = ws.config
    assert config.limits == Limits(max_file_mb=2.5)
    assert config.text == Text("new") and ws.tone_style == "new"
    assert config.paths == Paths(output="ket-qua") and ws.output == (school / "ket-qua").resolve()
    assert config.email is not None and config.email.to == ("thidua@pgd.example.vn",) and config.email.sender == ""
    assert config.email.server.port == 587 and config.email.server.security == "starttls"
    assert config.imap is not None and config.imap.server.port == 993 and config.imap.since == dt.date(2026, 8, 1)
    assert config.rules == {"cstdcs_share": {"rounding": "round"}}
    assert ws.settings["limits"]["max_file_mb"] == 2.5  # the file as loaded stays for whoever reads it raw


def test_the_default_settings_are_the_defaults() -> None:
    settings = read_settings(tomllib.loads(DEFAULT_SETTINGS))
    assert settings.paths == Paths() and settings.text == Text() and settings.limits == Limits()
    assert settings.imap is None and settings.recipient == "" and settings.rules == {}
    assert settings.email is not None and settings.email.to == () and settings.email.server.host == ""
    assert read_settings({}) == Settings()
    assert Workspace(Path("ws")).config == Settings()


def problems(raw: dict[str, Any]) -> str:
    with pytest.raises(ThiduaError) as caught:
        read_settings(raw)
    message = caught.value.message
    assert message == unicodedata.normalize("NFC", message)
    return message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"limits": 5}, "Mục [limits] trong thidua.toml phải là một bảng, ví dụ: [limits] rồi max_rows = 50000."),
        ({"emial": {"to": []}}, "có mục [emial] mà thidua không dùng: có phải là [email]?"),
        ({"Limits": {"max_rows": 1}}, "có phải là [limits]?"),
        (
            {"max_rows": 100},
            "Dòng max_rows trong thidua.toml không nằm dưới mục nào: hãy chuyển dòng đó xuống dưới [limits].",
        ),
        ({"host": "x"}, "xuống dưới [email] hoặc [imap]."),
        ({"tone_stlye": "new"}, "có phải là tone_style?"),
        (
            {"text": {"tone_styles": "new"}},
            "Mục [text] trong thidua.toml có tên “tone_styles” mà thidua không dùng: có phải là tone_style?",
        ),
        ({"paths": {"output": ""}}, "Mục [paths] output trong thidua.toml phải là tên tệp hoặc thư mục"),
        ({"paths": {"plan": 3}}, 'ví dụ plan = "kehoach.xlsx"'),
        ({"rules": {"cstdcs_share": 0.2}}, "“cstdcs_share” không phải một mục như vậy"),
        ({"recipient": {"name": 5}}, "Mục [recipient] name"),
        ({"email": {"to": ["thidua@pgd"]}}, "“thidua@pgd” trong mục [email] to không phải địa chỉ e-mail"),
        ({"email": {"security": "none", "host": "smtp.gmail.com"}}, "chỉ dùng được với máy chủ trên chính máy này"),
        ({"imap": {"since": "2026-08-01"}}, "Mục [imap] since phải là một ngày"),
    ],
)
def test_each_mistake_names_its_table_and_key(raw: dict[str, Any], expected: str) -> None:
    assert expected in problems(raw)


def test_a_schools_own_notes_are_left_alone() -> None:
    """A table of the school's own (carried into the next year by init --from) is no mistake; nor is the receiving
    office's table, or an older workspace's [recipient] with its unused address."""
    raw = {"ghi_chu": {"rieng": "của trường"}, "office": {"name": "x"}, "recipient": {"name": "PGD", "address": ""}}
    assert read_settings(raw).recipient == "PGD"


def test_a_password_is_never_echoed() -> None:
    message = problems({"email": {"password": "Zq7-secret", "passwrd": "Zq7-secret"}})
    assert "password_env" in message and "Zq7-secret" not in message and "“passwrd”" in message


def test_a_key_typed_in_nfd_is_shown_in_nfc() -> None:
    message = problems({"text": {unicodedata.normalize("NFD", "kiểu"): "new"}})
    assert "“kiểu”" in message
