"""Library API (SPEC 13), the one door into the pipeline: the command line calls these functions, and so can a
notebook, a receiving office's own script or the local page. `month` computes a month of a workspace as pandas
DataFrames the way `thidua run` computes it (read, repair, validate, merge, measure, rules) without writing
anything; `run`, `check`, `templates`, `init`, `send`, `collect`, `reply` and `history` do what the commands of the
same names do and return what they did, as data.

    >>> from thidua import api
    >>> may = api.month("thidua-2026-2027", "2026-10")
    >>> may.targets[["code", "registered", "achieved", "achieved_ratio", "status", "pace"]]

Heavy modules (pandas, the writers, the mail) load inside the functions that need them, so that the command
line starts fast and reads the files while pandas loads.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from thidua.core.calendar import month_label, parse_month  # also re-exported for the faces
from thidua.pipeline.batch import Progress

if TYPE_CHECKING:
    import pandas as pd

    from thidua.counting.measure import MonthResult
    from thidua.issues import Report
    from thidua.mail.mailbox import Collected
    from thidua.mail.outbox import Outcome
    from thidua.mail.replies import Replied
    from thidua.pipeline.batch import Outputs
    from thidua.pipeline.history import MonthRecord, SendRecord
    from thidua.pipeline.proposals import Proposed
    from thidua.workspace.folder import Workspace

ISSUE_COLUMNS = [
    "code",
    "severity",
    "file",
    "sheet",
    "cell",
    "value",
    "message",
    "person",
    "team",
    "row",
    "col",
    "topic",
    "person_key",
    "params",
]


@dataclass(frozen=True)
class Month:
    """A month's result as frames. `targets` carries summary.json's figures (ratios as floats, NaN where
    summary.json has null) and more columns after them, `pace` among them (the dashboard's colours: on-pace,
    behind, far-behind, not-due); `persons` one row per roster member, with what their own records register and
    achieve for each target ("registered:<code>", "achieved:<code>"); `teams` one row per team; `rounds` one row
    per round and target: the round's state, whether the month holds its review (`ends_in_month`, `review`)
    and what was achieved within it, counted as of its last day or the month's end; `registrations`, `results`
    and `votes` one row per accepted record with its file, sheet and row, in roster order (the newest
    registration and vote per person, rows dated after the month left out); `nominations` one row per nominee and
    title or form of reward (what the nomination list prints: rating, discipline, qualifying works, ballot,
    `eligible` and `reasons`); `issues` one row per issue, with its `topic`, the roster key of the person it
    concerns (`person_key`) and its parameters as data (`params`, a dict)."""

    school: str
    school_year: str
    month: str
    as_of: dt.date
    targets: pd.DataFrame
    persons: pd.DataFrame
    teams: pd.DataFrame
    rounds: pd.DataFrame
    nominations: pd.DataFrame
    registrations: pd.DataFrame
    results: pd.DataFrame
    votes: pd.DataFrame
    issues: pd.DataFrame
    # the month's results that call for a timely reward (SPEC 14): person, name, team, activity, product,
    # level, result, date, decision
    timely: pd.DataFrame
    result: MonthResult  # everything the writers receive, for whoever needs more


def month(workspace: str | Path, month: str | None) -> Month:
    """Compute `month` ("2022-05"; None: the current month when it lies in the school year, else the year's last)
    of the workspace folder `workspace`; nothing is written, not even history."""
    from thidua.pipeline.batch import compute
    from thidua.workspace.folder import open_workspace

    ws = open_workspace(Path(workspace))
    result = compute(ws, month)
    return Month(
        result.plan.school.name,
        result.plan.school.school_year,
        result.month,
        result.month_end,
        _targets(result),
        result.persons.join(result.person_targets()),
        result.teams.copy(),
        _rounds(result),
        result.nominations.copy(),
        _records(result, result.records.registrations),
        _records(result, result.records.results),
        _records(result, result.records.votes),
        issues_frame(result),
        timely_rewards(result),
        result,
    )


def timely_rewards(result: MonthResult) -> pd.DataFrame:
    """The month's results that call for a timely reward (SPEC 14)."""
    from thidua.counting.dossier import timely_rewards as listed

    return listed(result)


def propose(workspace: str | Path, month: str, picks: Sequence[str] = (), form: str = "") -> Proposed:
    """`thidua propose`: the ad-hoc tờ trình and list for the timely results the board names (`picks`: "Họ tên"
    or "Họ tên / sản phẩm"; none: all listed), proposing `form` (default the Giấy khen of whoever confers the
    school's titles), under output/<YYYY-MM>/de-nghi-dot-xuat/."""
    from thidua.pipeline.proposals import propose_month
    from thidua.workspace.folder import locked

    ws = _open(workspace)
    with locked(ws):
        return propose_month(ws, month, picks, form)


def _targets(result: MonthResult) -> pd.DataFrame:
    from thidua.writers.summary_json import TARGET_KEYS

    # SPEC 13's columns first, then the others: base_ratio (summary.json's achieved_base_ratio), pace, projection
    # and the change since the last month the history recorded (as the dashboard prints it; NA without history).
    first = [key for key in TARGET_KEYS if key != "base_ratio"]
    rest = [c for c in result.targets.columns if c not in first]
    return result.targets[first + rest].reset_index(drop=True)


def _rounds(result: MonthResult) -> pd.DataFrame:
    """What was achieved within each round, long form: one row per round and target (round number, name, dates,
    state, whether the month holds the round's review and which, code, achieved and its ratio to the target), and
    as of the round's last day (`as_of`) the year's total, ratio and status, as the round's review prints them."""

    rounds = result.rounds.assign(round=range(1, len(result.rounds) + 1), ends_in_month=result.rounds["review"] != "")
    return rounds.merge(result.round_targets, on="round", validate="one_to_many")[
        [
            *("round", "name", "start", "end", "state", "ends_in_month", "review", "code", "achieved"),
            *("ratio", "as_of", "to_date", "to_date_ratio", "to_date_status"),  # the review's figures as of its day
        ]
    ]


def _records(result: MonthResult, frame: pd.DataFrame) -> pd.DataFrame:
    """Accepted records with the person's name beside their roster key; provenance kept, layout numbers dropped."""
    from thidua.counting.frames import PROVENANCE

    names = result.persons["name"]
    shown = frame.drop(columns=["layout"]).reset_index(drop=True)
    shown.insert(1, "name", shown["person"].map(names))
    return shown[[c for c in shown.columns if c not in PROVENANCE] + ["file", "sheet", "row"]]


def issues_frame(result: MonthResult) -> pd.DataFrame:
    """Every issue of the month, in the order found."""
    import pandas as pd

    return pd.DataFrame(
        [
            (
                i.code,
                i.severity.value,
                i.file,
                i.sheet,
                i.cell,
                i.value,
                i.message,
                i.person,
                i.team,
                i.row,
                i.col,
                i.topic,
                i.person_key,
                dict(i.params),
            )
            for i in result.issues
        ],
        columns=ISSUE_COLUMNS,
    ).astype({"row": "Int64", "col": "Int64", "person_key": "Int64"})


# --- what the commands do ------------------------------------------------------------------------------------
def _open(workspace: str | Path) -> Workspace:
    from thidua.workspace.folder import open_workspace

    return open_workspace(Path(workspace))


def workspace(directory: str | Path) -> Workspace:
    """The workspace folder `directory` opened (its settings read): where its submissions and outputs are, its
    limits; a folder without a plan is a usage error."""
    return _open(directory)


@dataclass(frozen=True)
class Created:
    """A new workspace, and what the board must look at again when it was started from last year's."""

    workspace: Workspace
    review: list[str]
    school_year: str = ""  # the year the plan was written for ("2026–2027")


def init(
    directory: str | Path, *, school_year: str | None = None, source: str | Path | None = None, demo: bool = False
) -> Created:
    """`thidua init`: a workspace for a school year (`school_year` "2026-2027"), from the embedded default (with
    the demo's people and files when `demo`) or from last year's workspace `source`."""
    from thidua.workspace.create import create_workspace, year_option
    from thidua.workspace.plan_workbook import school_year_in

    ws, review = create_workspace(
        Path(directory), demo=demo, year=year_option(school_year), source=Path(source) if source else None
    )
    written = school_year_in(ws.plan_path)
    return Created(ws, list(review), written.label if written else "")


def demo(directory: str | Path) -> tuple[Workspace, bool]:
    """The demo workspace at `directory`, made when it does not exist yet; (workspace, whether it was made)."""
    from thidua.workspace.folder import SETTINGS_FILE

    if (Path(directory) / SETTINGS_FILE).exists():
        return _open(directory), False
    return init(directory, demo=True).workspace, True


def demo_month() -> str:
    from thidua.workspace.default_plan import DEMO_MONTH

    return DEMO_MONTH


@dataclass(frozen=True)
class Templates:
    written: list[Path]
    folder: Path
    plan_issues: Report
    staff: int = 0  # people on the plan's roster (none yet: the name lists of the templates are empty)


def templates(workspace: str | Path, *, per_person: bool = False) -> Templates:
    """`thidua templates`: the blank templates written from the plan into input_templates/."""
    from thidua.forms.templates import write_templates
    from thidua.issues import Report
    from thidua.workspace.folder import locked
    from thidua.workspace.plan_workbook import read_plan

    ws = _open(workspace)
    report = Report()
    with locked(ws):
        plan = read_plan(ws.plan_path, report, limits=ws.config.limits, need_roster=False)
        written = write_templates(plan, ws.templates, per_person=per_person)
    return Templates(written, ws.templates, report, len(plan.roster))


@dataclass(frozen=True)
class Checked:
    result: MonthResult
    report_path: Path  # the issue report


def check(workspace: str | Path, month: str | None = None, progress: Progress | None = None) -> Checked:
    """`thidua check`: read and check the submissions of `month` (None: the current month, or the year's last)
    and write the issue report only."""
    from thidua.pipeline.batch import compute, write_check
    from thidua.workspace.folder import locked

    ws = _open(workspace)
    with locked(ws):
        result = compute(ws, month, progress)
        path = write_check(ws, result)
    return Checked(result, path)


def return_copy(workspace: str | Path, checked: Checked, rel: str) -> Path | None:
    """After `check`, the return copy of one submitted file (`rel`, as its issues name it: "dang-ky/To 1.xlsx"),
    its cells marked as the month's run marks them, written beside the check's issue report (tra-lai/); None when
    the file needs none (no error or warning) or cannot be copied. The local page offers it for each file sent."""
    from thidua.workspace.folder import locked
    from thidua.writers.return_copies import FOLDER, copies_to_write, write_copies

    ws = _open(workspace)
    with locked(ws):
        copies = [c for c in copies_to_write(checked.result, ws.submissions) if c.rel == rel]
        written = write_copies(copies, ws.submissions, checked.report_path.parent / FOLDER) if copies else []
    return written[0] if written else None


@dataclass(frozen=True)
class Ran:
    """A month run: its result, and either its outputs or (when the plan's dates make counting meaningless) only
    the issue report."""

    result: MonthResult
    outputs: Outputs | None
    report_path: Path | None = None


def run(workspace: str | Path, month: str, progress: Progress | None = None) -> Ran:
    """`thidua run`: the month computed, every output written and the month recorded in the history, as one
    state."""
    from thidua.pipeline.batch import run_month, write_check
    from thidua.workspace.folder import locked

    ws = _open(workspace)
    with locked(ws):
        result, outputs = run_month(ws, month, progress)
        checked = write_check(ws, result) if outputs is None else None
    return Ran(result, outputs, checked)


def summary(result: MonthResult) -> dict[str, Any]:
    """summary.json of a month's result, as a dict."""
    from thidua.writers.summary_json import summary_of

    return summary_of(result)


def send(workspace: str | Path, month: str, *, dry_run: bool = False, force: bool = False) -> Outcome:
    """`thidua send`: the month's report e-mailed to the receiving office (kept as .eml either way)."""
    from thidua.mail.outbox import send_month
    from thidua.workspace.folder import locked

    ws = _open(workspace)
    with locked(ws):
        return send_month(ws, month, dry_run=dry_run, force=force)


@dataclass(frozen=True)
class Letter:
    """The month's e-mail as a dry run wrote it (SPEC 8): what a person checks before sending."""

    outcome: Outcome
    subject: str
    to: str
    cc: str
    body: str
    attachments: list[str]


def preview_send(workspace: str | Path, month: str) -> Letter:
    """`thidua send --dry-run`, read back: the letter's subject, recipients, body and attachments (and, in the
    outcome's message, whether a real send would be refused and why)."""
    from email import policy
    from email.parser import BytesParser

    outcome = send(workspace, month, dry_run=True)
    assert outcome.eml is not None, "a dry run always writes its letter"
    message = BytesParser(policy=policy.default).parsebytes(outcome.eml.read_bytes())
    text = message.get_body(("plain",))
    return Letter(
        outcome,
        str(message["Subject"] or ""),
        str(message["To"] or ""),
        str(message["Cc"] or ""),
        text.get_content() if text is not None else "",
        [str(part.get_filename()) for part in message.iter_attachments()],
    )


def mailbox_folder(workspace: str | Path) -> str:
    """Where `collect` saves what it fetches, as the secretary finds it ("submissions/e-mail")."""
    from thidua.mail.mailbox import FOLDER

    return f"{_open(workspace).submissions.name}/{FOLDER}"


def collect(
    workspace: str | Path,
    *,
    dry_run: bool = False,
    environ: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> Collected:
    """`thidua collect`: staff spreadsheets fetched from the school's mailbox into submissions/e-mail/ (the
    password from `environ`, by default the process's environment)."""
    from thidua.mail.mailbox import collect as fetch
    from thidua.workspace.folder import locked

    ws = _open(workspace)
    say = (progress or Progress()).say
    with locked(ws):
        return fetch(ws, environ if environ is not None else os.environ, dry_run=dry_run, say=say)


def reply(
    workspace: str | Path, month: str, *, dry_run: bool = False, environ: Mapping[str, str] | None = None
) -> Replied:
    """`thidua reply`: each sender whose file was read in the month's run answered once per file version."""
    from thidua.mail.replies import reply_month
    from thidua.workspace.folder import locked

    ws = _open(workspace)
    with locked(ws):
        return reply_month(ws, month, environ if environ is not None else os.environ, dry_run=dry_run)


@dataclass(frozen=True)
class History:
    months: list[MonthRecord]
    sends: list[SendRecord]


def history(workspace: str | Path) -> History:
    """`thidua history`: the months recorded and the reports sent."""
    from thidua.pipeline import history as store

    ws = _open(workspace)
    return History(store.months(ws.history_path), store.sends(ws.history_path))


def forget_month(workspace: str | Path, month: str) -> tuple[str, bool]:
    """`thidua history --remove`: a month's record taken out of the history; ('YYYY-MM', whether it was there)."""
    from thidua.pipeline import history as store
    from thidua.workspace.folder import locked

    ws = _open(workspace)
    month, _end = parse_month(month)
    with locked(ws):
        return month, store.remove_month(ws.history_path, month)


# --- for the local page (SPEC 16) ----------------------------------------------------------------------------
def workspace_kind(directory: str | Path) -> str:
    """Which kind of workspace the folder `directory` is: "office" (a receiving office's, SPEC 15: its
    thidua.toml has an [office] table) or "school" (anything else, opened and judged as a school's)."""
    import tomllib

    from thidua.workspace.folder import SETTINGS_FILE

    try:
        raw = tomllib.loads((Path(directory) / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "school"  # opening it as a school's says what is wrong with it
    return "office" if isinstance(raw.get("office"), dict) else "school"


@dataclass(frozen=True)
class MailLogin:
    """The login a mail command would use, for a face that asks for the password itself when its environment
    variable is not set: the server ("host:port"), the account ("" when the server needs none), the variable the
    commands read the password from, and whether it is set in `environ`."""

    server: str
    username: str
    password_env: str
    password_set: bool


def mail_login(workspace: str | Path, kind: str, environ: Mapping[str, str] | None = None) -> MailLogin:
    """The login of `collect` (kind "imap", thidua.toml's [imap]) or of `send` and `reply` ("email", [email]); a
    table missing or incomplete raises its Vietnamese message, as the command would."""
    from thidua.mail.mailbox import imap_settings
    from thidua.mail.mailer import mail_settings

    ws = _open(workspace)
    environ = os.environ if environ is None else environ
    if kind == "imap":
        server = imap_settings(ws.config).server
        where, username, variable = f"{server.host}:{server.port}", server.username, server.password_env
    else:
        mail = mail_settings(ws.config)
        where, username, variable = f"{mail.host}:{mail.port}", mail.username, mail.password_env
    return MailLogin(where, username or "", variable, bool(environ.get(variable)))


@dataclass(frozen=True)
class WrittenLetter:
    """A letter thidua wrote as .eml (a reply's dry run), read back for a person to check."""

    path: Path
    to: str
    subject: str
    body: str
    attachments: list[str]


def written_letter(path: str | Path) -> WrittenLetter:
    """The .eml at `path` (as `reply(..., dry_run=True)` lists them in `written`) read back: to, subject, plain
    body, attachments' names."""
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(Path(path).read_bytes())
    text = message.get_body(("plain",))
    return WrittenLetter(
        Path(path),
        str(message["To"] or ""),
        str(message["Subject"] or ""),
        text.get_content() if text is not None else "",
        [str(part.get_filename()) for part in message.iter_attachments()],
    )


@dataclass(frozen=True)
class OfficeYear:
    """An office workspace's school year for choosing a month: its name, the year ("2026–2027"), its months
    ("YYYY-MM"), the month to show first (the latest one some unit's report was received for, else the current
    month when it lies in the year, else the year's last), and where its outputs are."""

    office: str
    school_year: str
    months: list[str]
    shown: str
    output: Path


def office_year(workspace: str | Path) -> OfficeYear:
    """The office workspace `workspace`'s year and the month a face shows first (see OfficeYear); a folder that is
    not an office's raises its Vietnamese message."""
    import re

    from thidua.office.settings import open_office

    office = open_office(Path(workspace))
    year = office.school_year
    months: list[str] = []
    y, m = int(year.first_month[:4]), int(year.first_month[5:])
    while f"{y:04d}-{m:02d}" <= year.last_month:
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    named = re.compile(r"bao-cao-thi-dua-(\d{4}-\d{2})")  # a school's month report, as thidua names it
    files = office.received.rglob("*.xlsx") if office.received.is_dir() else iter(())
    sent = {found.group(1) for path in files if (found := named.search(path.name))}
    in_year = sorted(sent & set(months))
    now = f"{dt.date.today():%Y-%m}"
    shown = in_year[-1] if in_year else (now if now in months else months[-1])
    return OfficeYear(office.name, year.label, months, shown, office.output)


# --- the receiving office's roll-up (SPEC 15) ------------------------------------------------------------------
@dataclass(frozen=True)
class OfficeMonth:
    """An office's month as frames (SPEC 13, 15): `units` one row per unit of donvi.xlsx (code, name, kind, email,
    staff, state: Đã gửi / Gửi muộn / Chưa gửi, the school named in its report, file, date received, deadline,
    late); `targets` one row per unit and target with the school's own figures (the columns of its summary.json's
    targets, counts as Int64, ratios as floats, NaN where it has null); `nominees` at year end one row per
    proposal going up to an authority (the school's nominee row, `authority` who decides it, `findings` what the
    cross-unit checks found, and its source: file, sheet, row); `issues` one row per issue with its unit; `summary`
    the office's summary.json as a dict."""

    office: str
    school_year: str
    month: str
    as_of: dt.date
    year_end: bool
    units: pd.DataFrame
    targets: pd.DataFrame
    nominees: pd.DataFrame
    issues: pd.DataFrame
    summary: dict[str, Any]
    # the collective titles the units registered, each checked against its unit's share of LĐTT (unit, unit_name,
    # title, members, findings, file, sheet, row)
    collectives: pd.DataFrame


def _office_month(rollup: Any) -> OfficeMonth:
    from thidua.office.rollup import summary_of

    return OfficeMonth(
        rollup.office.name,
        rollup.office.school_year.label,
        rollup.month,
        rollup.as_of,
        rollup.year_end,
        rollup.units,
        rollup.targets,
        rollup.nominees,
        rollup.issues,
        summary_of(rollup),
        rollup.collectives,
    )


def office(workspace: str | Path, month: str) -> OfficeMonth:
    """Roll up `month` of the office workspace `workspace` from what its units sent; nothing is written."""
    from thidua.office.rollup import compute
    from thidua.office.settings import open_office

    return _office_month(compute(open_office(Path(workspace)), month))


@dataclass(frozen=True)
class OfficeCreated:
    root: Path
    school_year: str
    units: int  # units listed in donvi.xlsx
    units_file: Path
    received: Path


def office_init(
    directory: str | Path,
    *,
    school_year: str | None = None,
    demo: bool = False,
    progress: Progress | None = None,
    source: str | Path | None = None,
) -> OfficeCreated:
    """`thidua office init`: an office workspace for a school year (default the current one, or the year after
    `source`'s); with `demo`, a commune's fictitious schools and what they sent; with `source` (last year's office
    workspace), its units and settings carried over and remembered for the same month last year."""
    from thidua.office.create import create_office
    from thidua.office.units import read_units
    from thidua.workspace.create import year_option

    say = (progress or Progress()).say
    made = create_office(
        Path(directory), year_option(school_year), demo=demo, say=say, source=Path(source) if source else None
    )
    from thidua.issues import Report

    units = read_units(made.units_path, Report(), made.limits)
    return OfficeCreated(made.root, made.school_year.label, len(units), made.units_path, made.received)


def office_collect(
    workspace: str | Path,
    *,
    month: str | None = None,
    dry_run: bool = False,
    environ: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> Collected:
    """`thidua office collect`: the units' e-mails fetched from the office's mailbox ([imap] of its thidua.toml),
    each attachment filed under nhan/<unit code>/ by the address that sent it (donvi.xlsx's E-mail), unknown
    senders under nhan/khong-ro/ and listed in `unknown`; with `month`, only messages received since its first
    day."""
    from thidua.errors import UsageError
    from thidua.office.collect import collect_office
    from thidua.office.settings import open_office
    from thidua.workspace.folder import locked

    office_ws = open_office(Path(workspace))
    chosen = parse_month(month)[0] if month is not None else None
    if chosen is not None and not office_ws.school_year.holds_month(chosen):
        year = office_ws.school_year
        raise UsageError(
            f"Tháng {month_label(chosen)} không thuộc năm học {year.label} của thư mục này (từ "
            f"{month_label(year.first_month)} đến {month_label(year.last_month)}). Hãy chọn một tháng trong năm học."
        )
    say = (progress or Progress()).say
    with locked(office_ws):  # one command at a time: a run never reads a workbook half filed, two collects never race
        return collect_office(
            office_ws, environ if environ is not None else os.environ, dry_run=dry_run, say=say, month=chosen
        )


@dataclass(frozen=True)
class OfficeRan:
    month: OfficeMonth
    folder: Path
    files: tuple[Path, ...]


def office_run(workspace: str | Path, month: str, *, previous: str | Path | None = None) -> OfficeRan:
    """`thidua office run`: the office's month rolled up and written under output/<M>/; the same month last year
    beside each unit's figures from `previous` (else the workspace `office init --from` named), when there is one.
    `month.targets` then carries last_registered, last_achieved and last_achieved_ratio."""
    from thidua.office.run import run_office
    from thidua.office.settings import open_office
    from thidua.workspace.folder import locked

    office = open_office(Path(workspace))
    with locked(office):  # two runs at once: the second is told another is running (the school's lock)
        rollup, outputs = run_office(office, month, Path(previous) if previous else None)
    return OfficeRan(_office_month(rollup), outputs.folder, outputs.files)


def office_demo_month(workspace: str | Path) -> str:
    """The month of the year-end vote in the office demo's school year (its schools' last round ends then)."""
    from thidua.office.settings import open_office
    from thidua.workspace.create import starting_plan

    year = open_office(Path(workspace)).school_year
    return f"{starting_plan(year, demo=True).rounds[-1].end:%Y-%m}"


def day_label(day: object) -> str:
    """A date as Vietnam writes it (dd/mm/yyyy), "—" for none."""
    return f"{day:%d/%m/%Y}" if isinstance(day, dt.date) else "—"
