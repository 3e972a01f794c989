"""Timely proposals (SPEC 14): the results the month's run lists as calling for a timely reward, of which the board
names some (by person, and product when one person has several) or takes all, written as an ad-hoc tờ trình and
its list under `output/<YYYY-MM>/de-nghi-dot-xuat/`, kept when the month is run again."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from thidua.core.calendar import month_label
from thidua.core.text import ascii_slug, fold
from thidua.counting.dossier import authority_of, decided_by_school, timely_rewards
from thidua.errors import UsageError, cannot_write
from thidua.pipeline.batch import TIMELY_FOLDER, compute
from thidua.workspace.folder import Workspace

PICK_SEPARATOR = "/"  # "Họ tên / sản phẩm"


@dataclass(frozen=True)
class Proposed:
    """An ad-hoc proposal written: its files, the rows chosen, the form and who decides it."""

    files: list[Path]
    chosen: pd.DataFrame
    form: str
    authority: str


def choose(listed: pd.DataFrame, picks: Sequence[str]) -> pd.DataFrame:
    """The listed rows the board names: "Họ tên" (all of that person's listed results) or "Họ tên / sản phẩm"
    (those whose product contains the words), with or without diacritics; no pick takes all. A pick that names no
    listed row is a usage error saying what is listed."""
    if not picks:
        return listed
    chosen = pd.Series(False, index=listed.index)
    for pick in picks:
        name, _, product = (part.strip() for part in pick.partition(PICK_SEPARATOR))
        hit = listed["name"].map(fold) == fold(name)
        if product:
            hit &= listed["product"].fillna("").map(fold).str.contains(fold(product), regex=False)
        if not hit.any():
            shown = "; ".join(f"{r.name} / {r.product}" for r in listed.itertuples(index=False)) or "không có"
            raise UsageError(f"“{pick}” không có trong danh sách kết quả được đề nghị khen thưởng đột xuất ({shown}).")
        chosen |= hit
    return listed[chosen]


def propose_month(ws: Workspace, month: str, picks: Sequence[str], form: str = "") -> Proposed:
    """Compute `month`, choose from its timely list and write the ad-hoc tờ trình and list (replacing the previous
    ones of that month)."""
    from thidua.writers.dossier import write_timely

    result = compute(ws, month)
    listed = timely_rewards(result)
    if listed.empty:
        raise UsageError(
            f"Tháng {month_label(result.month)} chưa có kết quả nào cần đề nghị khen thưởng đột xuất (đạt giải từ cấp "
            f"{result.legal.get('timely_min_level', 'Tỉnh')} trở lên)."
        )
    chosen = choose(listed, picks)
    decider = str(result.legal.get("titles_decided_by", ""))
    form = form.strip() or (f"Giấy khen của {decider}" if decider else "Giấy khen")
    authority = authority_of(form, "reward", result.legal)
    if decided_by_school(authority):
        raise UsageError(
            f"“{form}” do Hiệu trưởng tự quyết định, không cần tờ trình lên cấp trên: Hội đồng thi đua đề nghị trực "
            "tiếp trong trường. Muốn đề nghị cấp trên khen thưởng, ghi hình thức của cấp đó, ví dụ --hinh-thuc "
            f'"Giấy khen của {decider or "Chủ tịch UBND xã"}".'
        )
    final = ws.month_dir(result.month) / TIMELY_FOLDER
    # Each proposal its own pair of files, named after the first person chosen and numbered when taken: a second
    # proposal in the month never replaces the first. Written aside in the folder, then moved in.
    stem = ascii_slug(str(chosen["name"].iloc[0]))
    number = 1
    while any(final.glob(f"*-{stem}-{number}.docx")):
        number += 1
    try:
        final.mkdir(parents=True, exist_ok=True)
        aside = Path(tempfile.mkdtemp(prefix=".de-nghi-", dir=final))
    except OSError as exc:
        raise cannot_write(TIMELY_FOLDER, exc) from exc
    try:
        written = write_timely(result, chosen, form, authority, aside, f"{stem}-{number}")
        moved = []
        for path in written:
            os.replace(path, final / path.name)
            moved.append(final / path.name)
    except OSError as exc:
        raise cannot_write(TIMELY_FOLDER, exc) from exc
    finally:
        shutil.rmtree(aside, ignore_errors=True)
    return Proposed(moved, chosen, form, authority)
