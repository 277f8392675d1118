"""`casework stats rebuild` and `verify`: the statistics store recomputed from the case store,
or compared with it.

Both walk the cases in batches (keyset order by id, the case session emptied after each batch,
so memory stays flat) and project each one with the same functions the outbox sync uses. The
cases of erased clients cannot be projected any more (their sealed documents are shredded):
rebuild keeps their rows as they are, and verify leaves them out of the comparison.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterator, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.clients.models import Client
from casework.clock import now
from casework.stats.keys import row_key
from casework.stats.models import CASE_TABLES
from casework.stats.projection import (CaseYearFacts, facts_for_case, insert_facts,
                                       load_facts_many, stored_keys)
from casework.stats.sync import (REBUILT_AT, bump_version, centre_counts, load_centre_counts,
                                 set_meta, write_centre_counts)

BATCH_SIZE = 200


@dataclass
class RebuildResult:
    cases: int = 0
    kept: int = 0  # cases of erased clients, whose rows were kept
    case_years: int = 0
    seconds: float = 0.0

    @property
    def cases_per_second(self) -> float:
        return self.cases / self.seconds if self.seconds else float(self.cases)


@dataclass
class Disagreement:
    """One difference between the stores: a key, perhaps a year, and what differs (no values)."""

    key: str
    year: Optional[int]
    what: str


@dataclass
class VerifyResult:
    cases: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)


def case_batches(case_session: Session, size: int = BATCH_SIZE) -> Iterator[list[Case]]:
    """All cases, `size` at a time, in id order; the session is emptied between batches."""
    last = ""
    while True:
        batch = list(case_session.scalars(select(Case).where(Case.id > last)
                                          .order_by(Case.id).limit(size)))
        if not batch:
            return
        last = batch[-1].id
        yield batch
        case_session.expunge_all()


def erased_case_keys(case_session: Session) -> set[str]:
    ids = case_session.scalars(select(Case.id).join(Client, Client.id == Case.client_id)
                               .where(Client.erased_at.is_not(None)))
    return {row_key(case_id) for case_id in ids}


def rebuild(case_session: Session, stats_session: Session, *, batch_size: int = BATCH_SIZE) -> RebuildResult:
    """Wipe and refill the statistics store in one transaction of the statistics store (readers
    see the old store or the new one, never half of it); the caller commits."""
    started = time.monotonic()
    result = RebuildResult()
    kept_keys = erased_case_keys(case_session)
    kept = load_facts_many(stats_session, sorted(kept_keys)) if kept_keys else {}
    for table in CASE_TABLES:
        stats_session.execute(delete(table))
    result.case_years += insert_facts(stats_session, kept)
    result.kept = len(kept_keys)
    for batch in case_batches(case_session, batch_size):
        projected: dict[str, list[CaseYearFacts]] = {}
        for case in batch:
            facts = facts_for_case(case_session, case)
            if facts is not None:
                projected[row_key(case.id)] = facts
                result.cases += 1
        result.case_years += insert_facts(stats_session, projected)
        stats_session.flush()
    write_centre_counts(stats_session, centre_counts(case_session))
    bump_version(stats_session)
    set_meta(stats_session, REBUILT_AT, now().isoformat(timespec="seconds"))
    result.seconds = time.monotonic() - started
    return result


def verify(case_session: Session, stats_session: Session, *, batch_size: int = BATCH_SIZE) -> VerifyResult:
    """Compare the store with what a rebuild would write; every difference, without content."""
    result = VerifyResult()
    expected_keys = erased_case_keys(case_session)
    for batch in case_batches(case_session, batch_size):
        expected = {row_key(case.id): facts_for_case(case_session, case) for case in batch}
        expected_keys.update(expected)
        stored = load_facts_many(stats_session, list(expected))
        for key, facts in expected.items():
            if facts is not None:
                result.cases += 1
                result.disagreements += compare(key, facts, stored.get(key, []))
    for key in sorted(stored_keys(stats_session) - expected_keys):
        result.disagreements.append(Disagreement(key, None, "rows of no case in the case store"))
    if load_centre_counts(stats_session) != centre_counts(case_session):
        result.disagreements.append(Disagreement("-", None, "enquiry or activity counts differ"))
    return result


def compare(key: str, expected: list[CaseYearFacts], stored: list[CaseYearFacts]) -> list[Disagreement]:
    found = []
    expected_years = {fact.year: fact for fact in expected}
    stored_years = {fact.year: fact for fact in stored}
    for year in sorted(expected_years.keys() | stored_years.keys()):
        want, have = expected_years.get(year), stored_years.get(year)
        if have is None:
            found.append(Disagreement(key, year, "missing from the statistics store"))
        elif want is None:
            found.append(Disagreement(key, year, "in the statistics store but not expected"))
        elif want != have:
            found.append(Disagreement(key, year, "differs in " + ", ".join(want.differences(have))))
    return found
