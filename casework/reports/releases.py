"""Releases: a published year frozen as a snapshot; a correction is a new release, audited
against the one before.

A correction must not let a reader subtract the two releases into a small group. So release n
is protected with everything release n−1 hid still hidden (and its withheld tables withheld),
and refused when:

1. a figure published in both differs by 1 … k−1 — the difference is a count of the women the
   correction added, removed or moved ("one more woman aged 65 or over");
2. the union of both releases' published figures gives a hidden figure away: a figure release
   n−1 published and release n hides is known to the reader anyway, so the audit is run again
   with it known (and it must not be a small count itself).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.service import record
from casework.clock import now, today
from casework.errors import AuditOnRefusal, DomainError
from casework.reports.cache import Publication, PublishedTable
from casework.reports.release_models import ReportRelease
from casework.reports.suppression.audit import Auditor, AuditRecord
from casework.reports.suppression.complementary import Lines, complete_lines, widening_choice
from casework.reports.suppression.primary import primary_hidden, small, withheld_tables
from casework.reports.suppression.protect import ProtectedTable, Protection, TableAudit
from casework.reports.suppression.tables import Problem

EARLIER = "withheld in the earlier release"  # casework.reports.cache.reason_code knows it


class ReleaseRefused(DomainError):
    """The year cannot be released (as it is now): the message says why."""

    status = 409


def latest(session: Session, year: int) -> Optional[ReportRelease]:
    return session.scalars(select(ReportRelease).where(ReportRelease.year == year)
                           .order_by(ReportRelease.number.desc()).limit(1)).first()


def releases_of(session: Session, year: int) -> list[ReportRelease]:
    return list(session.scalars(select(ReportRelease).where(ReportRelease.year == year)
                                .order_by(ReportRelease.number)))


def released_years(session: Session) -> dict[int, int]:
    """year → number of its latest release."""
    found: dict[int, int] = {}
    for year, number in session.execute(select(ReportRelease.year, ReportRelease.number)):
        found[year] = max(number, found.get(year, 0))
    return found


# --- snapshots ---------------------------------------------------------------------------------

def snapshot(publication: Publication) -> str:
    """The JSON of a year's published tables (hidden figures are null; codes, never labels)."""
    tables = {}
    for table_id, table in publication.tables.items():
        data = asdict(table)
        data["cells"] = [[r, c, v] for (r, c), v in table.cells.items()]
        tables[table_id] = data
    return json.dumps({"tables": tables, "empty": publication.empty}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"))


def publication_of(release: ReportRelease) -> Publication:
    data = json.loads(release.snapshot)
    tables = {}
    for table_id, fields in data["tables"].items():
        fields["cells"] = {(r, c): v for r, c, v in fields["cells"]}
        tables[table_id] = PublishedTable(**fields)
    return Publication(tables, release.stats_version, release.k, release.k_sensitive,
                       empty=data.get("empty", False))


# --- a correction ------------------------------------------------------------------------------

@dataclass
class Correction:
    protection: Protection
    problems: list[tuple[str, str]]  # (what, table id) that refuse it as a release


def protect_correction(problem: Problem, earlier: Publication) -> Correction:
    """Protect the year as a correction of `earlier`, and audit it against it."""
    started = time.perf_counter()
    withheld = withheld_tables(problem)
    for table_id, table in earlier.tables.items():
        if table.withheld and table_id in problem.tables:
            withheld.setdefault(table_id, EARLIER)
    free = set(problem.internal) | {n for n in problem.values if problem.owners[n] in withheld}
    hidden = primary_hidden(problem) - free
    # Hidden then, hidden now: unknown to the reader, and not a figure that needs protecting.
    kept = {n for t in earlier.tables.values() for n, v in t.keys.items()
            if v is None and n in problem.values} - free - hidden
    free |= kept
    rounds, auditor = _protect(problem, hidden, free, withheld)
    records = auditor.records(hidden, free)
    for rec in records:
        if not rec.passed and rec.table not in withheld:
            _withhold(problem, rec.table, "the audit failed", withheld, hidden, free)
    protection = Protection(_tables(problem, hidden | kept, withheld, records),
                            time.perf_counter() - started, rounds, auditor.solves)
    return Correction(protection, _against(problem, protection, earlier, hidden, free))


def _protect(problem: Problem, hidden: set[str], free: set[str],
             withheld: dict[str, str]) -> tuple[int, Auditor]:
    """The library's loop (casework.reports.suppression.protect.protect_problem), from a given
    start: hide around each figure pinned too narrowly, or withhold its table."""
    lines, auditor, rounds = Lines(problem), Auditor(problem), 0
    while True:
        complete_lines(problem, lines, hidden, free)
        failures = auditor.failures(hidden, free)
        if not failures:
            return rounds, auditor
        rounds += 1
        for number, target in enumerate(failures):
            if target.table in withheld:
                continue
            if number and not auditor.failures(hidden, free, only={target.name}):
                continue
            choice = widening_choice(problem, lines, hidden, free, [n for n, _c in target.terms])
            if choice is None:
                _withhold(problem, target.table,
                          "no pattern of hidden figures protects its small counts",
                          withheld, hidden, free)
            else:
                hidden.add(choice)
                complete_lines(problem, lines, hidden, free)


def _withhold(problem: Problem, table_id: str, reason: str, withheld: dict[str, str],
              hidden: set[str], free: set[str]) -> None:
    withheld[table_id] = reason
    names = set(problem.keys_of(table_id))
    free.update(names)
    hidden.difference_update(names)


def _tables(problem: Problem, hidden: set[str], withheld: dict[str, str],
            records: list[AuditRecord]) -> dict[str, ProtectedTable]:
    result = {}
    for table_id, info in problem.tables.items():
        names = [n for n in problem.keys_of(table_id) if n not in problem.internal]
        shown = {} if table_id in withheld else \
            {n: problem.values[n] for n in names if n not in hidden}
        mine = tuple(r for r in records if r.table == table_id and table_id not in withheld)
        result[table_id] = ProtectedTable(
            table_id, shown, frozenset(n for n in names if n not in shown),
            table_id in withheld, withheld.get(table_id), TableAudit(info.k, mine))
    return result


def _against(problem: Problem, protection: Protection, earlier: Publication,
             hidden: set[str], free: set[str]) -> list[tuple[str, str]]:
    """What refuses the correction as a release: small differences, and hidden figures the two
    releases together give away."""
    found: list[tuple[str, str]] = []
    before = {n: v for t in earlier.tables.values() for n, v in t.keys.items()}
    for table_id, table in protection.tables.items():
        if any(before.get(n) is not None and small(abs(v - before[n]), problem.thresholds[n])
               for n, v in table.published.items()):
            found.append(("small_difference", table_id))
    # Hidden now but published before: the reader knows them (`free` ones were hidden before).
    known = {n for n in hidden if before.get(n) is not None}
    for name in sorted(known):
        if small(problem.values[name], problem.thresholds[name]):
            found.append(("published_before", problem.owners[name]))
    if known:
        for target in Auditor(problem).failures(hidden - known, free):
            found.append(("union_audit", target.table))
    return sorted(set(found))


# --- freezing a year -----------------------------------------------------------------------------

REFUSALS = {
    "small_difference": lambda t: _("In table “%(table)s”, a figure differs from the earlier "
                                     "release by fewer than k: the difference would describe a "
                                     "small group of women.", table=t),
    "published_before": lambda t: _("In table “%(table)s”, a figure the earlier release published "
                                     "is now a small number.", table=t),
    "union_audit": lambda t: _("In table “%(table)s”, a hidden figure could be worked out from "
                               "the two releases together.", table=t),
}


def freeze(stats_session: Session, audit_session: Session, year: int, publication: Publication,
           problems: list[tuple[str, str]], previous: Optional[ReportRelease], *,
           actor: object, titles: dict[str, str]) -> ReportRelease:
    """Store the year's next release, audited (in the case store's audit log); ReleaseRefused
    with the reasons when the year has not ended, has no data, or fails the audit against the
    release before."""
    reasons: list[str] = []
    if year >= today().year:
        reasons.append(_("A year can be released once it has ended."))
    if publication.empty:
        reasons.append(_("Nothing was counted in this year."))
    reasons += [REFUSALS[what](titles.get(table_id, table_id)) for what, table_id in problems]
    frozen = snapshot(publication)
    if previous is not None and frozen == previous.snapshot:
        reasons.append(_("Nothing has changed since release %(number)d.", number=previous.number))
    if reasons:  # the error handler writes the refusal's audit entry once this is rolled back
        raise ReleaseRefused(" ".join(reasons), audit=AuditOnRefusal(
            "report.release_refused", "report", str(year), {"reasons": len(reasons)}))
    release = ReportRelease(year=year, number=(previous.number + 1) if previous else 1,
                            created_at=now(), stats_version=publication.stats_version,
                            k=publication.k, k_sensitive=publication.k_sensitive,
                            audited_against=previous.number if previous else None,
                            snapshot=frozen)
    stats_session.add(release)
    stats_session.flush()
    record(audit_session, "report.released", actor=actor, target_type="report",
           target_id=str(year), details={"release": release.number,
                                         "stats_version": publication.stats_version})
    return release
