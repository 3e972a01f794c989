"""`thidua init`: a new workspace from the embedded default, optionally with the demo submissions."""

from __future__ import annotations

import os
from pathlib import Path

from thidua.default import PLAN
from thidua.errors import UsageError
from thidua.plan import PLAN_FILE, write_plan
from thidua.workspace import DEFAULT_SETTINGS, SETTINGS_FILE, Workspace, open_workspace


def create_workspace(directory: Path, demo: bool = False) -> Workspace:
    """Create settings, the plan workbook, templates and empty folders; refuse to overwrite a plan."""
    from thidua.templates import write_templates

    if (directory / PLAN_FILE).exists() or (directory / SETTINGS_FILE).exists():
        raise UsageError(f"Thư mục {directory} đã có kế hoạch; thidua không ghi đè. Hãy chọn thư mục khác.")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        settings = directory / SETTINGS_FILE
        tmp = settings.with_suffix(".tmp")
        tmp.write_text(DEFAULT_SETTINGS, encoding="utf-8")
        os.replace(tmp, settings)
        write_plan(PLAN, directory / PLAN_FILE)
    except OSError as exc:
        raise UsageError(f"Không tạo được thư mục {directory}: {exc.strerror or exc}.") from exc
    ws = open_workspace(directory)
    write_templates(PLAN, ws.templates)
    ws.submissions.mkdir(exist_ok=True)
    ws.output.mkdir(exist_ok=True)
    if demo:
        from thidua.demo import write_demo_submissions

        write_demo_submissions(ws.submissions)
    return ws
