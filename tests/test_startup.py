"""pandas is imported only by the commands that count: `--help`, `init`, `templates` and `history` stay instant."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from thidua.workspace.folder import Workspace

PROBE = (
    "import sys\n"
    "from click.testing import CliRunner\n"
    "from thidua.cli import main\n"
    "result = CliRunner().invoke(main, sys.argv[1:])\n"
    "assert result.exit_code in (0, 1), result.output\n"
    "print('pandas' in sys.modules)\n"
)


def imports_pandas(*args: str) -> bool:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1] == "True"


@pytest.mark.parametrize(
    "command", [["--help"], ["init", "{tmp}/moi"], ["templates", "-w", "{ws}"], ["history", "-w", "{ws}"]]
)
def test_commands_that_do_not_count_do_without_pandas(command: list[str], demo_ws: Workspace, tmp_path: Path) -> None:
    args = [part.format(tmp=tmp_path, ws=demo_ws.root) for part in command]
    assert not imports_pandas(*args)


def test_the_probe_sees_pandas_when_a_month_is_counted(demo_ws: Workspace) -> None:
    assert imports_pandas("check", "-w", str(demo_ws.root), "--month", "2022-05")
