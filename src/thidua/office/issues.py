"""The office's issues: the catalogue's issues (issues.CATALOG), each with the unit it concerns."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from thidua.issues import Issue, Report


class OfficeIssues:
    """Every issue of an office run, in the order found, each with its unit's code ("" when the unit is unknown)."""

    def __init__(self) -> None:
        self.report = Report()
        self._units: list[str] = []

    def add(self, unit: str, code: str, /, **where: Any) -> Issue:
        issue = self.report.add(code, **where)
        self._units.append(unit)
        return issue

    def extend(self, unit: str, issues: Iterable[Issue]) -> None:
        for issue in issues:
            self.report.extend([issue])
            self._units.append(unit)

    def __iter__(self) -> Iterator[tuple[str, Issue]]:
        return iter(zip(self._units, self.report, strict=True))

    def __len__(self) -> int:
        return len(self._units)

    def counts(self) -> dict[str, int]:
        return self.report.counts()
