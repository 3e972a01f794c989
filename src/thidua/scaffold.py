"""`thidua init`: a new workspace from the embedded default, optionally with the demo submissions."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from thidua.default import PLAN
from thidua.errors import UsageError
from thidua.plan import PLAN_FILE, write_plan
from thidua.workspace import DEFAULT_SETTINGS, SETTINGS_FILE, Workspace, open_workspace


def create_workspace(directory: Path, demo: bool = False) -> Workspace:
    """Create settings, the plan workbook, templates and empty folders; refuse to overwrite a plan. All or
    nothing: when anything fails (a full disk, Ctrl+C), what was created is removed, so the next `init` of the
    same folder is not refused because of a half-made plan."""
    from thidua.templates import write_templates
    from thidua.xlsx import cannot_write

    if (directory / PLAN_FILE).exists() or (directory / SETTINGS_FILE).exists():
        raise UsageError(f"Thư mục {directory} đã có kế hoạch; thidua không ghi đè. Hãy chọn thư mục khác.")
    existed = directory.exists()
    before = set(directory.iterdir()) if existed and directory.is_dir() else set()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        settings = directory / SETTINGS_FILE
        tmp = settings.with_suffix(".tmp")
        tmp.write_text(DEFAULT_SETTINGS, encoding="utf-8")
        os.replace(tmp, settings)
        write_plan(PLAN, directory / PLAN_FILE)
        ws = open_workspace(directory)
        write_templates(PLAN, ws.templates)
        ws.submissions.mkdir(exist_ok=True)
        ws.output.mkdir(exist_ok=True)
        if demo:
            from thidua.demo import write_demo_submissions

            write_demo_submissions(ws.submissions)
    except BaseException as exc:
        _remove_created(directory, existed, before)
        if isinstance(exc, OSError):
            raise cannot_write(f"thư mục làm việc {directory}", exc) from exc
        raise
    return ws


def _remove_created(directory: Path, existed: bool, before: set[Path]) -> None:
    """Undo a failed `init`: the folder if it made it, else only what it added to the folder."""
    if not existed:
        shutil.rmtree(directory, ignore_errors=True)
        return
    for path in set(directory.iterdir()) - before if directory.is_dir() else ():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
