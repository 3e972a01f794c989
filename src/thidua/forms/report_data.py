"""The report workbook's hidden `_thidua` sheet (SPEC 6): the format a school's run writes
(`writers.data_sheet`) and a receiving office reads (`office.intake`), named once. Key/value rows (`kind`,
`version`, then HEAD_KEYS), then tables, each under its name and a header row of keys: `targets` (TARGET_KEYS),
`nominations` (NOMINATION_KEYS, in a month with year-end votes), `nominees` (NOMINEE_KEYS) and `collectives`
(COLLECTIVE_KEYS: the collective titles registered for the year, with the unit's number of members; a reader of an
older sheet finds none).

A nominee's `works` is the text the lists print; its `works_data` (added within version 1: an office reading an
older sheet finds it blank, an older office ignores it) is the same person's initiatives and research projects as
data, whatever their level and result, so that the office judges them with the school's own judgement
(counting.judgements.work_qualifies) and its own rule pack: a JSON list of objects {"kind": WORK_KINDS' key,
"level": the level's canonical name or "", "result": the result's canonical name or ""}, "[]" for none."""

from __future__ import annotations

import json

from thidua.core import vocabulary

SHEET = "_thidua"
KIND = "bao-cao-thi-dua"
VERSION = "1"
READABLE_VERSIONS = (VERSION,)  # what an office reads: a later version adds its own
HEAD_KEYS = ("school", "school_year", "month", "as_of", "recipient", "rule_pack")
TARGETS, NOMINATIONS, NOMINEES = "targets", "nominations", "nominees"
COLLECTIVES = "collectives"
COLLECTIVE_KEYS = ("title", "members")
TARGET_KEYS = (
    "code",
    "name",
    "target",
    "base",
    "registered",
    "achieved",
    "registered_ratio",
    "achieved_ratio",
    "achieved_base_ratio",
    "status",
    "pace",
)
NOMINATION_KEYS = ("proposal", "count")
NOMINEE_KEYS = (
    "name",
    "birth_date",
    "gender",
    "position",
    "team",
    "proposal",
    "kind",
    "rating",
    "discipline",
    "works",
    "votes_for",
    "votes_total",
    "eligible",
    "reasons",
    "works_data",
)
WORK_KINDS = {"initiative": vocabulary.SKKN, "research": vocabulary.RESEARCH}  # works_data's kinds: the activities
Work = tuple[str, str, str]  # (activity, level, result), as counting.judgements.work_qualifies takes them


def encode_works(works: list[Work]) -> str:
    """A nominee's `works_data`: each work's kind, level and result (activities WORK_KINDS does not name are left
    out)."""
    kinds = {activity: kind for kind, activity in WORK_KINDS.items()}
    records = [
        {"kind": kinds[activity], "level": level, "result": result}
        for activity, level, result in works
        if activity in kinds
    ]
    return json.dumps(records, ensure_ascii=False)


def decode_works(value: object) -> list[Work] | None:
    """The works a nominee's `works_data` gives; None when the cell is blank (a report written before the key) or
    cannot be read. A kind this version does not know is kept with no activity (no judgement accepts it)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        records = json.loads(value)
    except ValueError:
        return None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        return None
    return [
        (WORK_KINDS.get(str(r.get("kind", "")), ""), str(r.get("level") or ""), str(r.get("result") or ""))
        for r in records
    ]
