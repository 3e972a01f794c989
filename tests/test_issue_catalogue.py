"""The catalogue of problems: one record per code, and every message renders as a secretary reads it."""

from __future__ import annotations

import string
import unicodedata

from thidua.issues import CATALOG, RULE, Kind, Report, Severity


def _placeholders(template: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}


def test_every_message_renders_in_vietnamese_with_every_placeholder_filled() -> None:
    problems = []
    for code, kind in CATALOG.items():
        assert isinstance(kind, Kind) and isinstance(kind.severity, Severity), code
        assert kind.topic in ("", RULE), code
        assert kind.title and unicodedata.is_normalized("NFC", kind.title + kind.message), code
        needed = _placeholders(kind.message) - set(kind.optional) - {"value"}
        report = Report()
        issue = report.add(code, value="Nguyễn Văn A", **{name: f"«{name}»" for name in needed})
        if "{" in issue.message or "}" in issue.message:
            problems.append(f"{code}: {issue.message}")
        for name in needed:
            if f"«{name}»" not in issue.message:
                problems.append(f"{code}: {name} not shown")
        assert issue.params.keys() >= needed, code  # the parameters are kept as data
        assert issue.topic == kind.topic and issue.severity is kind.severity, code
    assert not problems, "\n".join(problems)


def test_an_optional_parameter_has_its_default() -> None:
    issue = Report().add("rule-late-registration", value="05/10/2021", deadline="04/10/2021", source="Điều 1")
    assert issue.params["how"] == "" and "05/10/2021" in issue.message
