"""Charts drawn on the server as SVG, so they print sharp and need no script: the achieved share of each target."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

PACE_CLASS = {"on-pace": "tot", "behind": "cham", "far-behind": "rat-cham", "not-due": "chua"}
WIDTH, LABEL, ROW, TOP = 880, 330, 24, 22
SCALE_MAX = 1.2  # bars beyond 120% are drawn to the edge; the label says the true share


def _short(name: str, width: int = 48) -> str:
    if len(name) <= width:
        return name
    cut = name[: width - 1]
    return (cut[: cut.rindex(" ")] if " " in cut else cut).rstrip(" ,;:–-") + "…"


def achieved_bars(targets: Sequence[Mapping[str, Any]]) -> str:
    """A horizontal bar per target: its achieved ratio against a 100% line, coloured by pace; targets without a
    ratio (no number set) show a dash."""
    plot = WIDTH - LABEL - 60
    height = TOP + ROW * len(targets) + 8
    x100 = LABEL + plot / SCALE_MAX
    parts = [
        f'<svg class="bieu-do" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="bieu-do-tieu-de">',
        '<title id="bieu-do-tieu-de">Tỷ lệ đạt của từng chỉ tiêu</title>',
    ]
    for tick in (0.0, 0.5, 1.0):
        x = LABEL + plot * tick / SCALE_MAX
        parts.append(f'<line class="luoi" x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{height - 6}"/>')
        parts.append(f'<text class="nhan-truc" x="{x:.1f}" y="{TOP - 8}" text-anchor="middle">{tick:.0%}</text>')
    for i, target in enumerate(targets):
        y = TOP + i * ROW
        name = str(target.get("name") or target.get("code") or "")
        ratio = target.get("achieved_ratio")
        parts.append(
            f'<text class="nhan" x="{LABEL - 8}" y="{y + ROW / 2 + 4:.1f}" text-anchor="end">'
            f"<title>{escape(name)}</title>{escape(_short(name))}</text>"
        )
        if ratio is None or (isinstance(ratio, float) and math.isnan(ratio)):
            parts.append(f'<text class="gia-tri" x="{LABEL + 4}" y="{y + ROW / 2 + 4:.1f}">—</text>')
            continue
        width = plot * min(float(ratio), SCALE_MAX) / SCALE_MAX
        kind = PACE_CLASS.get(str(target.get("pace", "")), "chua")
        parts.append(
            f'<rect class="thanh {kind}" x="{LABEL}" y="{y + 4}" width="{max(width, 1.5):.1f}" height="{ROW - 8}"/>'
        )
        parts.append(
            f'<text class="gia-tri" x="{LABEL + width + 4:.1f}" y="{y + ROW / 2 + 4:.1f}">{float(ratio):.0%}</text>'
        )
    parts.append(f'<line class="muc" x1="{x100:.1f}" y1="{TOP - 4}" x2="{x100:.1f}" y2="{height - 6}"/>')
    parts.append("</svg>")
    return "".join(parts)


PACE_ORDER = ("on-pace", "behind", "far-behind", "not-due")


def _ticks(units: int, most: int = 10) -> list[int]:
    """Round grid lines from 0 to `units`, at most about `most` + 1 (a province's 1,500 units drew 1,501 lines): a
    step of 1, 2 or 5 times a power of ten, the last line on `units` (it replaces a round line too close to it)."""
    step = next(s for s in (m * 10**e for e in range(12) for m in (1, 2, 5)) if units <= most * s)
    ticks = list(range(0, units + 1, step))
    if ticks[-1] != units:
        ticks = [*ticks[:-1], units] if ticks[-1] and units - ticks[-1] <= step / 2 else [*ticks, units]
    return ticks


def units_by_pace(targets: Sequence[Mapping[str, Any]], units: int) -> str:
    """For an office: a bar per target split by how many of the `units` that reported are at each pace (the
    schools' own judgement, as their reports say it); the count is written in each part."""
    plot = WIDTH - LABEL - 60
    height = TOP + ROW * len(targets) + 8
    parts = [
        f'<svg class="bieu-do" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="bieu-do-don-vi">',
        '<title id="bieu-do-don-vi">Số đơn vị theo tiến độ của từng chỉ tiêu</title>',
    ]
    for tick in _ticks(units):
        x = LABEL + plot * tick / max(units, 1)
        parts.append(f'<line class="luoi" x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{height - 6}"/>')
        parts.append(f'<text class="nhan-truc" x="{x:.1f}" y="{TOP - 8}" text-anchor="middle">{tick}</text>')
    for i, target in enumerate(targets):
        y = TOP + i * ROW
        name = str(target.get("name") or target.get("code") or "")
        parts.append(
            f'<text class="nhan" x="{LABEL - 8}" y="{y + ROW / 2 + 4:.1f}" text-anchor="end">'
            f"<title>{escape(name)}</title>{escape(_short(name))}</text>"
        )
        x = float(LABEL)
        counts = target.get("counts") or {}
        for pace in PACE_ORDER:
            count = int(counts.get(pace, 0))
            if not count:
                continue
            width = plot * count / max(units, 1)
            parts.append(
                f'<rect class="thanh {PACE_CLASS[pace]}" x="{x:.1f}" y="{y + 4}" width="{width:.1f}" '
                f'height="{ROW - 8}"><title>{count}</title></rect>'
            )
            parts.append(
                f'<text class="so-trong" x="{x + width / 2:.1f}" y="{y + ROW / 2 + 4:.1f}" '
                f'text-anchor="middle">{count}</text>'
            )
            x += width
    parts.append("</svg>")
    return "".join(parts)
