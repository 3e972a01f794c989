"""The report workbook's hidden `_thidua` sheet (SPEC 6): the format a school's run writes
(`writers.data_sheet`) and a receiving office reads (`office.intake`), named once. Key/value rows (`kind`,
`version`, then HEAD_KEYS), then tables, each under its name and a header row of keys: `targets` (TARGET_KEYS),
`nominations` (NOMINATION_KEYS, in a month with year-end votes), `nominees` (NOMINEE_KEYS) and `collectives`
(COLLECTIVE_KEYS: the collective titles registered for the year, with the unit's number of members; a reader of an
older sheet finds none)."""

from __future__ import annotations

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
)
