"""Draining the statistics outbox: how the two stores come to agree.

The case store and the statistics store are separate databases, so no transaction spans both.
Instead, every change to a case writes a `stats_outbox` row (casework.stats.outbox_events) in
the case store's own transaction: the change and the promise to project it are committed
together or not at all. Then, for each outbox row:

    1. project the case from what is committed in the case store,
    2. replace its rows in the statistics store and COMMIT the statistics store,
    3. delete the outbox row — only if it was not enqueued again meanwhile — and COMMIT.

A failure before 3 leaves the row, and the next sync (after the next request that changes
something, `casework stats sync`, or `casework stats verify`) does the case again; the
projection replaces a key's rows whole, so doing it twice is harmless. On PostgreSQL each row
is taken with FOR UPDATE SKIP LOCKED, so workers draining at the same time never project the
same case at once, and a request re-enqueueing it waits for the row, not the other way round.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from flask import Flask
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from casework.cases.models import Case
from casework.cases.outbox import StatsOutbox
from casework.centre.models import Activity, Enquiry
from casework.clock import now
from casework.extensions import db
from casework.stats.keys import row_key
from casework.stats.models import (CENTRE_TABLES, ActivityCount, EnquiryCount, EnquiryTopicCount,
                                   StatsMeta)
from casework.stats.projection import code_or, facts_for_case, valid_codes, write_facts

# The outbox entry that stands for "the enquiries or activities changed" (they have no case).
CENTRE_LOG = "centre-log"
VERSION = "version"
REBUILT_AT = "rebuilt_at"
logger = logging.getLogger(__name__)


@dataclass
class SyncResult:
    synced: int = 0
    failed: int = 0


def sync_pending(app: Flask, *, limit: Optional[int] = None) -> SyncResult:
    """Project the cases waiting in the outbox (the oldest first, at most `limit`), each in
    its own pair of transactions.

    Runs in an application context of its own, so its sessions are fresh: nothing of a
    request's or command's own work is taken along. A failing entry is logged (its kind of
    error only, never content), stays queued and does not stop the others.
    """
    result = SyncResult()
    with app.app_context():
        case_session = db.new_case_session()
        stats_session = db.stats_session
        try:
            pending = list(case_session.scalars(
                select(StatsOutbox.case_id).order_by(StatsOutbox.enqueued_at, StatsOutbox.case_id)
                .limit(limit)))
            case_session.rollback()
            for case_id in pending:
                try:
                    result.synced += _sync_one(case_session, stats_session, case_id)
                except Exception as error:  # noqa: BLE001 - the outbox keeps the work
                    case_session.rollback()
                    stats_session.rollback()
                    result.failed += 1
                    logger.warning("statistics sync: one outbox entry failed (%s); it stays queued",
                                   type(error).__name__)
                finally:
                    case_session.expunge_all()
        finally:
            case_session.close()
    return result


def _sync_one(case_session: Session, stats_session: Session, case_id: str) -> bool:
    """Project one outbox entry; False when another worker has it (or has done it)."""
    entry = case_session.scalars(select(StatsOutbox).where(StatsOutbox.case_id == case_id)
                                 .with_for_update(skip_locked=True)).one_or_none()
    if entry is None:  # done by another worker meanwhile (or being done now)
        case_session.rollback()
        return False
    enqueued_at = entry.enqueued_at
    if case_id == CENTRE_LOG:
        changed = write_centre_counts(stats_session, centre_counts(case_session))
    else:
        changed = project_case(case_session, stats_session, case_id)
    if changed:
        bump_version(stats_session)
    stats_session.commit()
    case_session.execute(delete(StatsOutbox).where(StatsOutbox.case_id == case_id,
                                                   StatsOutbox.enqueued_at == enqueued_at))
    case_session.commit()
    return True


def project_case(case_session: Session, stats_session: Session, case_id: str) -> bool:
    """Bring one case's rows up to date (a deleted case's rows go); whether anything changed."""
    case = case_session.get(Case, case_id)
    facts = [] if case is None else facts_for_case(case_session, case)
    if facts is None:  # her record was erased: keep what the store holds
        return False
    return write_facts(stats_session, row_key(case_id), facts)


def bump_version(stats_session: Session) -> None:
    """Count one more change of the store (the reports key their caches on it)."""
    set_meta(stats_session, VERSION, str(int(get_meta(stats_session, VERSION) or 0) + 1))


def get_meta(stats_session: Session, key: str) -> str | None:
    row = stats_session.get(StatsMeta, key, with_for_update=True, populate_existing=True)
    return None if row is None else row.value


def set_meta(stats_session: Session, key: str, value: str, moment: datetime | None = None) -> None:
    row = stats_session.get(StatsMeta, key)
    if row is None:
        stats_session.add(StatsMeta(key=key, value=value, updated_at=moment or now()))
    else:
        row.value, row.updated_at = value, moment or now()
    stats_session.flush()


# --- the centre's anonymous enquiries and activities -------------------------------------------
# They belong to no case and carry no key: any change enqueues CENTRE_LOG, and their three
# tables are recounted whole from the case store (a GROUP BY's worth of rows per year).

@dataclass
class CentreCounts:
    enquiries: dict[tuple[int, int, str, str, str], int] = field(default_factory=dict)
    topics: dict[tuple[int, str], int] = field(default_factory=dict)
    activities: dict[tuple[int, str, str], tuple[int, int]] = field(default_factory=dict)


def centre_counts(session: Session) -> CentreCounts:
    """Enquiries by (year, month, channel, caller, outcome) and by (year, topic); activities by
    (year, kind, audience) with participants. Titles and partners never leave the case store."""
    enquiries: Counter = Counter()
    topics: Counter = Counter()
    for day, channel, caller, outcome, topic_codes in session.execute(select(
            Enquiry.received_on, Enquiry.channel, Enquiry.caller, Enquiry.outcome, Enquiry.topics)):
        enquiries[(day.year, day.month, code_or("contact_channel", channel, "other"),
                   code_or("enquiry_caller", caller, "other"), code_or("enquiry_outcome", outcome, "other"))] += 1
        for topic in valid_codes("requests", topic_codes or []):
            topics[(day.year, topic)] += 1
    activities: dict[tuple[int, str, str], tuple[int, int]] = {}
    for day, kind, audience, participants in session.execute(select(
            Activity.held_on, Activity.kind, Activity.audience, Activity.participants)):
        at = (day.year, code_or("activity_types", kind, "other"), code_or("activity_audience", audience, "other"))
        count, people = activities.get(at, (0, 0))
        activities[at] = (count + 1, people + (participants or 0))
    return CentreCounts(dict(enquiries), dict(topics), activities)


def load_centre_counts(stats_session: Session) -> CentreCounts:
    counts = CentreCounts()
    for e in stats_session.execute(select(EnquiryCount.__table__)):
        counts.enquiries[(e.year, e.month, e.channel, e.caller, e.outcome)] = e.enquiries
    for t in stats_session.execute(select(EnquiryTopicCount.__table__)):
        counts.topics[(t.year, t.topic)] = t.enquiries
    for a in stats_session.execute(select(ActivityCount.__table__)):
        counts.activities[(a.year, a.kind, a.audience)] = (a.activities, a.participants)
    return counts


def write_centre_counts(stats_session: Session, counts: CentreCounts) -> bool:
    """Replace the enquiry and activity tables; False when nothing changed."""
    if load_centre_counts(stats_session) == counts:
        return False
    for table in CENTRE_TABLES:
        stats_session.execute(delete(table))
    rows = {
        EnquiryCount: [dict(zip(("year", "month", "channel", "caller", "outcome"), at), enquiries=n)
                       for at, n in sorted(counts.enquiries.items())],
        EnquiryTopicCount: [{"year": y, "topic": t, "enquiries": n} for (y, t), n in sorted(counts.topics.items())],
        ActivityCount: [{"year": y, "kind": k, "audience": a, "activities": n, "participants": p}
                        for (y, k, a), (n, p) in sorted(counts.activities.items())],
    }
    for table, values in rows.items():
        if values:
            stats_session.execute(insert(table), values)
    return True
