"""Find a table's header row by its labels, tolerant of renamed, reordered and decorated columns.

Used for the plan workbook and for every submission, so a file re-saved by another client, with columns moved
or pasted into another workbook, is still read when its header can be recognised.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
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


@lru_cache(maxsize=256)
def _labels(fields: tuple[Labelled, ...]) -> tuple[dict[str, str], dict[str, str], tuple[tuple[str, str], ...]]:
    """Folded main labels → key, folded aliases → key (first field wins), and (key, folded label) in order."""
    main: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for f in fields:
        main.setdefault(fold(f.label), f.key)
        for alias in f.aliases:
            aliases.setdefault(fold(alias), f.key)
    return main, aliases, tuple((f.key, fold(f.label)) for f in fields)


def match_row(cells: Sequence[object], fields: Sequence[Labelled]) -> HeaderMatch | None:
    """Match one row's cells against the fields' labels: exact (folded) first, then close spellings."""
    folded = [fold(c) if isinstance(c, str) else "" for c in cells]
    main, aliases, ordered = _labels(tuple(fields))
    columns: dict[str, int] = {}
    used: set[int] = set()
    # Exact matches on the main label beat alias matches ("Ngày" is an alias of "Ngày đăng ký").
    for table in (main, aliases):
        for col, text in enumerate(folded):
            if not text or col in used:
                continue
            found = table.get(text)
            if found is not None and found not in columns:
                columns[found] = col
                used.add(col)
    exact = len(columns)
    if exact == 0:
        return None
    renamed: list[tuple[str, str, int]] = []
    labels = {f.key: f.label for f in fields}
    for field_key, label in ordered:
        if field_key in columns:
            continue
        candidates = {folded[c]: c for c in range(len(folded)) if folded[c] and c not in used}
        if not candidates:
            break
        close = difflib.get_close_matches(label, list(candidates), n=1, cutoff=FUZZY_CUTOFF)
        if close:
            col = candidates[close[0]]
            columns[field_key] = col
            used.add(col)
            renamed.append((str(cells[col]), labels[field_key], col))
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
