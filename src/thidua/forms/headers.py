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

from thidua.core.text import fold

HEADER_SCAN_ROWS = 40
# A header is looked for in a row's first 128 columns (a template has 15; a plan's activities add a few): a sheet
# of 16,384 columns of near-labels kept the close-spelling search busy 40 s (2026-12-07).
HEADER_SCAN_COLUMNS = 128
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


class _Labels:
    """What a set of fields is matched by: folded main labels → key, folded aliases → key (first field wins),
    (key, folded label) in order, and each key's label. Hashed by identity, so a cache keyed on it is cheap."""

    def __init__(self, fields: tuple[Labelled, ...]) -> None:
        self.main: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        for f in fields:
            self.main.setdefault(fold(f.label), f.key)
            for alias in f.aliases:
                self.aliases.setdefault(fold(alias), f.key)
        self.ordered = tuple((f.key, fold(f.label)) for f in fields)
        self.labels = {f.key: f.label for f in fields}
        self.count = len(fields)


@lru_cache(maxsize=256)
def _labels(fields: tuple[Labelled, ...]) -> _Labels:
    return _Labels(fields)


def fold_cells(cells: Sequence[object]) -> tuple[str, ...]:
    """A row as the header matcher compares it: each text cell of its first HEADER_SCAN_COLUMNS folded, anything
    else empty."""
    return tuple(fold(c) if isinstance(c, str) else "" for c in cells[:HEADER_SCAN_COLUMNS])


def match_row(cells: Sequence[object], fields: Sequence[Labelled]) -> HeaderMatch | None:
    """Match one row's cells against the fields' labels: exact (folded) first, then close spellings."""
    return _match(cells, fold_cells(cells), _labels(tuple(fields)), 0)


def _match(cells: Sequence[object], folded: tuple[str, ...], labels: _Labels, row: int) -> HeaderMatch | None:
    found = _match_folded(folded, labels)
    if found is None:
        return None
    columns, exact, renamed = found
    seen = [(str(cells[col]), label, col) for label, col in renamed]
    return HeaderMatch(row, dict(columns), exact, seen)


@lru_cache(maxsize=4096)
def _match_folded(
    folded: tuple[str, ...], labels: _Labels
) -> tuple[tuple[tuple[str, int], ...], int, tuple[tuple[str, int], ...]] | None:
    """(field key, column) pairs, the number matched exactly, and (expected label, column) of close spellings.
    Cached: the title and header rows of one template repeat in every file sent back."""
    main, aliases, ordered = labels.main, labels.aliases, labels.ordered
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
    renamed: list[tuple[str, int]] = []
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
            renamed.append((labels.labels[field_key], col))
    return tuple(columns.items()), exact, tuple(renamed)


def find_header(
    rows: Sequence[Sequence[object]],
    fields: Sequence[Labelled],
    required: Sequence[str] = (),
    folded: FoldedRows | None = None,
) -> HeaderMatch | None:
    """The best header row among the first rows, or None when no row has the required labels. `folded` holds
    the same rows folded when the caller matches them more than once."""
    best: HeaderMatch | None = None
    labels = _labels(tuple(fields))
    for index, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        folded_cells = folded[index] if folded is not None else fold_cells(cells)
        found = _match(cells, folded_cells, labels, index)
        if found is None or not all(k in found.columns for k in required):
            continue
        if best is None or found.score > best.score:
            best = found
            if best.score == best_possible(fields):
                break  # every label found as written: no later row can beat it
    return best


def best_possible(fields: Sequence[Labelled]) -> tuple[int, int]:
    """The highest score a header can reach for `fields`: every label found as written."""
    return (len(fields), len(fields))


class FoldedRows:
    """The rows a header may stand in, each folded once and only when a search reaches it (one sheet is
    matched against several templates)."""

    def __init__(self, rows: Sequence[Sequence[object]]) -> None:
        self._rows = rows
        self._folded: dict[int, tuple[str, ...]] = {}

    def __getitem__(self, index: int) -> tuple[str, ...]:
        found = self._folded.get(index)
        if found is None:
            found = self._folded[index] = fold_cells(self._rows[index])
        return found
