"""Shared fixtures: real workspaces built by `thidua init`, and submissions filled into the real templates."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from thidua import schema
from thidua.demo import _fill
from thidua.scaffold import create_workspace
from thidua.workspace import Workspace

from .test_mailer import certificate, serve, server_tls  # noqa: F401 - SMTP fixtures shared with test_send

D = dt.date


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
        template = empty_ws.templates / f"{schema.FILE_NAMES[kind]}.xlsx"
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
