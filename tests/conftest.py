"""Shared fixtures: real workspaces built by `thidua init`, and submissions filled into the real templates.

Markers (registered in pyproject.toml): a test that uses a mail server fixture (`serve` of tests/smtpserver.py,
`imap_server` or `imap_account` of tests/imapserver.py) is marked `network` here; `libreoffice` and `slow` are
written on the tests themselves. `pytest -m "not slow and not libreoffice and not network"` is the quick run.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from thidua.forms import template_fields
from thidua.workspace.create import create_workspace
from thidua.workspace.demo import _fill
from thidua.workspace.folder import Workspace

from .smtpserver import certificate, serve, server_tls  # noqa: F401 - the SMTP fixtures, for every test module

D = dt.date

SERVER_FIXTURES = frozenset({"serve", "imap_server", "imap_account"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that starts or logs in to a mail server says so: `network`."""
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.network)


@pytest.fixture(scope="session")
def demo_template_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """One demo workspace built once; tests copy it rather than change it."""
    return create_workspace(tmp_path_factory.mktemp("demo-src") / "ws", demo=True)[0]


@pytest.fixture
def demo_ws(demo_template_ws: Workspace, tmp_path: Path) -> Workspace:
    """A fresh copy of the demo workspace for one test."""
    target = tmp_path / "ws"
    shutil.copytree(demo_template_ws.root, target)
    return Workspace(target)


@pytest.fixture(scope="session")
def office_demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`thidua office init --demo` built once (its five schools are made and run: about 20 s); copy it before
    changing it."""
    from thidua import api

    return api.office_init(tmp_path_factory.mktemp("office-demo") / "xa", demo=True).root


@pytest.fixture
def empty_ws(demo_template_ws: Workspace, tmp_path: Path) -> Workspace:
    """The default plan and templates with an empty submissions folder."""
    target = tmp_path / "ws"
    shutil.copytree(demo_template_ws.root, target, ignore=shutil.ignore_patterns("submissions"))
    (target / "submissions").mkdir()
    return Workspace(target)


Fill = Callable[[str, str, Sequence[Sequence[Any]]], Path]


@pytest.fixture
def fill(empty_ws: Workspace) -> Fill:
    """fill(kind, relative name, rows): a submission filled into the workspace's own blank template."""

    def _do(kind: str, rel: str, rows: Sequence[Sequence[Any]]) -> Path:
        template = empty_ws.templates / f"{template_fields.FILE_NAMES[kind]}.xlsx"
        target = empty_ws.submissions / rel
        _fill(template, target, rows)
        return target

    return _do


def reg_row(
    name: str,
    title: str,
    *,
    birth: object = None,
    initiative: str = "",
    level: str = "",
    aid: str = "",
    marks: Sequence[str] = (),
    date: object = D(2021, 9, 30),
    note: str = "",
) -> list[Any]:
    """A registration row in the default template's column order."""
    activity_cols = ("Tiết học yêu thương", "Bài soạn video trực tuyến", "Thiết kế bài giảng điện tử")
    return [
        1,
        name,
        birth,
        "",
        "",
        title,
        "",
        initiative,
        level,
        aid,
        *("x" if c in marks else "" for c in activity_cols),
        date,
        note,
    ]


def act_row(
    name: str, activity: str, product: str, level: str, result: str, date: object, birth: object = None
) -> list[Any]:
    return [1, name, birth, activity, product, level, result, date, "", ""]


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_convert(sources: Sequence[Path], fmt: str, outdir: Path) -> list[Path]:
    """Re-save files with one LibreOffice headless run, as a staff member's LibreOffice would."""
    exe = soffice()
    if exe is None:
        pytest.skip("LibreOffice is not installed")
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / ".lo-profile"
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    converted = [outdir / f"{src.stem}.{fmt.split(':')[0]}" for src in sources]
    missing = [p.name for p in converted if not p.exists()]
    assert not missing, f"LibreOffice did not write {missing}"
    return converted


def pdf_pages(pdf: Path) -> list[tuple[float, float, str]]:
    """(width, height, text) of each page, from poppler's pdfinfo and pdftotext."""
    if shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed")
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True, check=True)
    sizes = [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info.stdout)]
    pages = []
    for number, (width, height) in enumerate(sizes, start=1):
        text = subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), "-layout", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        pages.append((width, height, text))
    return pages


def is_a4(width: float, height: float) -> bool:
    return {round(width), round(height)} == {595, 842}


def table_at(ws: Any, first_label: str) -> tuple[int, list[str], list[tuple[object, ...]]]:
    """Header row (1-based), labels and data rows of the table whose header starts with `first_label` (the rows
    up to the first empty one)."""
    top = next(c for row in ws.iter_rows() for c in row if c.value == first_label)
    header = [c.value for c in ws[top.row] if c.value is not None]
    rows = []
    for values in ws.iter_rows(min_row=top.row + 1, max_col=len(header), values_only=True):
        if all(v is None for v in values):
            break
        rows.append(values)
    return top.row, header, rows


def office_cli(*args: object, code: int | tuple[int, ...] = 0, **env: str) -> Any:
    """Run a thidua command in-process (the office tests' way): its exit status must be `code` (or one of them),
    and no traceback may reach the user. `env`: environment variables for this call."""
    from click.testing import CliRunner

    from thidua.cli import main

    result = CliRunner(env=env).invoke(main, [str(a) for a in args])
    allowed = code if isinstance(code, tuple) else (code,)
    assert result.exit_code in allowed, (args, result.output, result.stderr)
    assert "Traceback" not in result.output + result.stderr
    return result
