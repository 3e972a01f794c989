"""`thidua office run --month M`: the office's month computed and written under output/<M>/ as one state (the
folder is built beside the old one and swapped in, as a school's month): the units × targets workbook, at year end
the consolidated list of proposals, and the office's summary.json."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from thidua.counting.rules import choose_pack
from thidua.errors import cannot_write
from thidua.office.last_year import PreviousUnusable, beside, last_year, month_before
from thidua.office.rollup import MISSING, Rollup, compute, summary_of, with_issue
from thidua.office.settings import Office
from thidua.pipeline.batch import staged
from thidua.writers.office_documents import write_office_documents
from thidua.writers.office_report import write_proposals, write_units_report

SUMMARY = "summary.json"


def units_report_name(month: str) -> str:
    return f"tong-hop-don-vi-{month}.xlsx"


def proposals_name(month: str) -> str:
    return f"danh-sach-de-nghi-{month}.xlsx"


DOCUMENTS = "van-ban-trinh"  # the office's own Word documents at year end: tờ trình, draft decisions, report


def grounds(office: Office) -> list[str]:
    """The legal grounds the office's documents cite: the rule pack in force for its school year's vote."""
    pack = choose_pack(office.school_year.label, dict(office.rules), office.root)
    return [str(g) for g in (pack.dossier.get("grounds", ()) if pack is not None else ())]


@dataclass(frozen=True)
class OfficeOutputs:
    folder: Path
    files: tuple[Path, ...]


def run_office(office: Office, month: str, previous: Path | None = None) -> tuple[Rollup, OfficeOutputs]:
    """The month computed and written; the same month last year set beside each unit's figures when the previous
    year's workspace is known (`previous`, else [office] previous written by `office init --from`)."""
    rollup = compute(office, month)
    try:
        last, source = last_year(office, rollup.month, previous)
    except PreviousUnusable as unusable:  # the month is rolled up without last year's columns, and says why
        rollup, last, source = with_issue(rollup, unusable.folder, unusable.reason), pd.DataFrame(), ""
    if source:
        rollup = dataclasses.replace(rollup, targets=beside(rollup.targets, last))
    final = office.output / rollup.month
    names = [units_report_name(rollup.month), *([proposals_name(rollup.month)] if rollup.year_end else []), SUMMARY]
    identity = office.identity()
    with staged(final) as tmp:
        try:
            write_units_report(
                tmp / names[0],
                identity,
                rollup.month,
                rollup.units,
                rollup.targets,
                rollup.issues,
                last_year=month_before(rollup.month) if source else "",
            )
            if rollup.year_end:
                missing = rollup.units[rollup.units["state"] == MISSING]
                write_proposals(
                    tmp / names[1], identity, rollup.month, rollup.as_of, rollup.nominees, missing, rollup.collectives
                )
                documents = write_office_documents(
                    tmp / DOCUMENTS,
                    identity,
                    rollup.month,
                    rollup.nominees,
                    rollup.units,
                    rollup.targets,
                    grounds(office),
                )
                names.extend(f"{DOCUMENTS}/{path.name}" for path in documents)
            text = json.dumps(summary_of(rollup), ensure_ascii=False, indent=2) + "\n"
            (tmp / SUMMARY).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise cannot_write(f"kết quả tháng {rollup.month}", exc) from exc
    return rollup, OfficeOutputs(final, tuple(final / n for n in names))
