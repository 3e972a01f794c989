"""Find a table's header row by its labels, tolerant of renamed, reordered and decorated columns.

Used for the plan workbook and for every submission, so a file re-saved by another client, with columns moved
or pasted into another workbook, is still read when its header can be recognised.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from thidua.text import fold

HEADER_SCAN_ROWS = 40
FUZZY_CUTOFF = 0.86


class Labelled(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...


@dataclass
class HeaderMatch:
    """Where the header is (0-based row) and which column holds each field."""

    row: int
    columns: dict[str, int]
    exact: int
    renamed: list[tuple[str, str, int]] = field(default_factory=list)  # (seen label, expected label, column)

    @property
    def score(self) -> tuple[int, int]:
        return (len(self.columns), self.exact)


def match_row(cells: Sequence[object], fields: Sequence[Labelled]) -> HeaderMatch | None:
    """Match one row's cells against the fields' labels: exact (folded) first, then close spellings."""
    folded = [fold(c) if isinstance(c, str) else "" for c in cells]
    wanted: dict[str, str] = {}
    for f in fields:
        for variant in (f.label, *f.aliases):
            wanted.setdefault(fold(variant), f.key)
    columns: dict[str, int] = {}
    used: set[int] = set()
    # Exact matches on the main label beat alias matches ("Ngày" is an alias of "Ngày đăng ký").
    for prefer_label in (True, False):
        for col, text in enumerate(folded):
            if not text or col in used:
                continue
            for f in fields:
                if f.key in columns:
                    continue
                names = (f.label,) if prefer_label else f.aliases
                if text in {fold(n) for n in names}:
                    columns[f.key] = col
                    used.add(col)
                    break
    exact = len(columns)
    if exact == 0:
        return None
    renamed: list[tuple[str, str, int]] = []
    for f in fields:
        if f.key in columns:
            continue
        candidates = {folded[c]: c for c in range(len(folded)) if folded[c] and c not in used}
        close = difflib.get_close_matches(fold(f.label), list(candidates), n=1, cutoff=FUZZY_CUTOFF)
        if close:
            col = candidates[close[0]]
            columns[f.key] = col
            used.add(col)
            renamed.append((str(cells[col]), f.label, col))
    return HeaderMatch(0, columns, exact, renamed)


def find_header(
    rows: Sequence[Sequence[object]], fields: Sequence[Labelled], required: Sequence[str] = ()
) -> HeaderMatch | None:
    """The best header row among the first rows, or None when no row has the required labels."""
    best: HeaderMatch | None = None
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        found = match_row(cells, fields)
        if found is None or not all(k in found.columns for k in required):
            continue
        found.row = index
        if best is None or found.score > best.score:
            best = found
    return best
