"""What the year-end dossier says (SPEC 14), decided here only: who decides each proposal, what each tờ trình asks
for and how many, the board's ballot for each nominee with the pack's share for a Chiến sĩ thi đua cơ sở, and what
thidua knows of each CSTĐCS nominee for the báo cáo thành tích. Everything is read from the month's result (its
nominations, works, findings and the rule pack's [dossier] table), so the documents, the nomination list,
summary.json and the dashboard cannot disagree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from thidua.core import vocabulary
from thidua.core.plan import CollectiveTitle
from thidua.core.text import key
from thidua.counting.measure import MonthResult

BALLOT_FINDING = "rule-cstdcs-ballot"  # the rule pack's finding: a CSTĐCS ballot under its share
OF = " của "  # a form of reward names who gives it: "Giấy khen của Chủ tịch UBND xã"


@dataclass(frozen=True)
class Request:
    """One line of a tờ trình: a title or form of reward and how many are proposed for it."""

    proposal: str
    kind: str  # "title", "reward" (individuals) or "collective"
    count: int
    not_met: int  # of them, how many the rule pack's findings bar


@dataclass(frozen=True)
class Submission:
    """One tờ trình: the authority that decides, what is asked of it, and the proposals behind it."""

    authority: str
    requests: tuple[Request, ...]
    nominees: pd.DataFrame  # the nomination rows (result.nominations) this authority decides
    collectives: tuple[CollectiveTitle, ...]


def authority_of(proposal: str, kind: str, legal: Mapping[str, Any] | None) -> str:
    """Who decides a proposal: a form of reward "… của <X>" is given by X; a title by the pack's
    `titles_decided_by` (the commune's chairman since 07/2025); "" when that cannot be told (a form that names no
    giver, a pack that says nothing): the documents then leave "…" for the board to fill."""
    legal = legal or {}
    if kind == "reward":
        if OF not in proposal:
            return ""
        giver = _spelled_out(proposal.split(OF, 1)[1].strip())
        return giver[:1].upper() + giver[1:]
    return str(legal.get("titles_decided_by", ""))


SELF = "hiệu trưởng"  # a Giấy khen của Hiệu trưởng is the school's own: no tờ trình goes up for it
ABBREVIATIONS = {"UBND": "Ủy ban nhân dân", "HĐND": "Hội đồng nhân dân"}


def _spelled_out(authority: str) -> str:
    """'Chủ tịch UBND xã' → 'Chủ tịch Ủy ban nhân dân xã': one authority however the form's name abbreviates it."""
    words = [ABBREVIATIONS.get(word, word) for word in authority.split()]
    return " ".join(words)


def decided_by_school(authority: str) -> bool:
    """Whether the school's own head decides (a Giấy khen của Hiệu trưởng): nothing goes up for it."""
    return key(authority) == key(SELF)


def proposed_collectives(result: MonthResult) -> tuple[CollectiveTitle, ...]:
    """The collective titles the school registered and that are not already conferred with a decision."""
    return tuple(c for c in result.plan.collectives if c.registered and not (c.result == "Đạt" and c.decision))


def submissions(result: MonthResult) -> list[Submission]:
    """One tờ trình per deciding authority, the commune's (or the pack's title authority) first; each request in
    the nomination list's order (CSTĐCS, LĐTT, then each form of reward), its count the nominations' count. A form
    the principal gives (Giấy khen của Hiệu trưởng) is the school's own decision: it goes up in no tờ trình."""
    nominated, legal = result.nominations, dict(result.legal)
    order: dict[str, list[tuple[str, str]]] = {}
    for proposal, kind in nominated[["proposal", "kind"]].drop_duplicates().itertuples(index=False):
        order.setdefault(authority_of(str(proposal), str(kind), legal), []).append((str(proposal), str(kind)))
    collectives: dict[str, list[CollectiveTitle]] = {}
    for collective in proposed_collectives(result):
        collectives.setdefault(authority_of(collective.title, "collective", legal), []).append(collective)
    first = str(legal.get("titles_decided_by", ""))
    authorities = sorted(
        (a for a in set(order) | set(collectives) if not decided_by_school(a)), key=lambda a: (a != first, a)
    )
    found = []
    for authority in authorities:
        wanted = order.get(authority, [])
        rows = nominated[
            pd.Series(
                [(str(p), str(k)) in wanted for p, k in nominated[["proposal", "kind"]].itertuples(index=False)],
                index=nominated.index,
                dtype=bool,
            )
        ]
        requests = [
            Request(p, k, int(((rows["proposal"] == p) & (rows["kind"] == k)).sum()), _not_met(rows, p, k))
            for p, k in wanted
        ]
        units = collectives.get(authority, [])
        for title in dict.fromkeys(c.title for c in units):
            requests.append(Request(title, "collective", sum(c.title == title for c in units), 0))
        found.append(Submission(authority, tuple(requests), rows, tuple(units)))
    return found


def _not_met(rows: pd.DataFrame, proposal: str, kind: str) -> int:
    return int(((rows["proposal"] == proposal) & (rows["kind"] == kind) & ~rows["eligible"]).sum())


def ballots(result: MonthResult) -> pd.DataFrame:
    """One row per nominee, in the list's order: person, name, what is proposed ("; "-joined), the ballot as the
    vote sheet carries it (votes_for, votes_total, share; missing when it does not) and `under`: a CSTĐCS whose
    share is under the rule pack's (the pack's own finding, so the list says the same)."""
    nominated = result.nominations
    under = {i.person_key for i in result.issues if i.code == BALLOT_FINDING and i.person_key is not None}
    rows = []
    person: Any
    for person, group in nominated.groupby("person", sort=False):
        first = group.iloc[0]
        cstdcs = bool((group["proposal"] == vocabulary.CSTDCS).any())
        rows.append(
            {
                "person": int(person),
                "name": first["name"],
                "proposals": "; ".join(dict.fromkeys(str(p) for p in group["proposal"])),
                "votes_for": first["votes_for"],
                "votes_total": first["votes_total"],
                "share": first["vote_share"],
                "under": cstdcs and int(person) in under,
            }
        )
    columns = ["person", "name", "proposals", "votes_for", "votes_total", "share", "under"]
    return pd.DataFrame(rows, columns=columns)


def ballot_share(result: MonthResult) -> float | None:
    """The share of the votes a CSTĐCS nominee needs under the pack in force (None: the pack sets none)."""
    found = result.legal.get("cstdcs_ballot_share")
    return float(found) if isinstance(found, int | float) else None


@dataclass(frozen=True)
class Achiever:
    """What thidua knows of a CSTĐCS nominee for the báo cáo thành tích."""

    person: int
    name: str
    birth_date: object
    gender: str
    position: str
    team: str
    rating: str
    works: pd.DataFrame  # the qualifying works: activity, product, level, decision, result, date


def achievers(result: MonthResult) -> list[Achiever]:
    """Each CSTĐCS nominee, in the list's order, with their qualifying works."""
    nominated = result.nominations
    cstdcs = nominated[nominated["proposal"] == vocabulary.CSTDCS]
    works = result.works
    found = []
    row: Any
    for row in cstdcs.itertuples(index=False):
        person = int(row.person)
        mine = works[works["person"] == person] if len(works) else works
        found.append(
            Achiever(
                person,
                str(row.name),
                row.birth_date,
                str(row.gender or ""),
                str(row.position or ""),
                str(row.team or ""),
                str(row.rating or ""),
                mine.reset_index(drop=True),
            )
        )
    return found


# --- timely proposals (SPEC 14; the plan's part III: outstanding results reported at once for a timely reward) -----
TIMELY_MIN_LEVEL = "Tỉnh"  # defaults when the pack's [dossier] says nothing
TIMELY_RESULTS = ("Đạt giải",)
TIMELY_COLUMNS = ["person", "name", "team", "activity", "product", "level", "result", "date", "decision"]


def timely_rewards(result: MonthResult) -> pd.DataFrame:
    """The month's results that call for a timely reward, oldest first: by default a prize (Đạt giải) at Tỉnh
    level or above; the pack's [dossier] `timely_min_level` and `timely_results` set what counts."""
    legal = result.legal
    results = result.records.results
    if len(results):  # the month's own results: a timely reward is asked for when the result comes in
        dates = results["date"]
        results = results[
            (dates >= pd.Timestamp(result.month_end.replace(day=1))) & (dates <= pd.Timestamp(result.month_end))
        ]
    if not len(results):
        return pd.DataFrame(columns=TIMELY_COLUMNS)
    minimum = vocabulary.level_rank(str(legal.get("timely_min_level", TIMELY_MIN_LEVEL)))
    wanted = [str(r) for r in legal.get("timely_results", TIMELY_RESULTS) or TIMELY_RESULTS]
    rank = results["level"].map(vocabulary.LEVEL_RANKS).astype("float64")
    found = results[results["result"].astype(object).isin(wanted) & (rank >= minimum)]
    found = found.sort_values(["date", "person"], kind="stable")
    roster = result.plan.roster
    people = [roster[int(p)] for p in found["person"]]
    return pd.DataFrame(
        {
            "person": found["person"].astype("int64").to_numpy(),
            "name": [p.name for p in people],
            "team": [p.team for p in people],
            "activity": found["activity"].astype(object).to_numpy(),
            "product": found["product"].astype(object).to_numpy(),
            "level": found["level"].astype(object).to_numpy(),
            "result": found["result"].astype(object).to_numpy(),
            "date": found["date"].to_numpy(),
            "decision": found["decision"].astype(object).to_numpy(),
        },
        columns=TIMELY_COLUMNS,
    )
