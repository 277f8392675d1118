"""Writing the statistics outbox with every change, and draining it after each request.

A `before_flush` listener looks at what a case-store session is about to write. For each new,
changed or deleted case, session, statistics consent, referral (or its status history) or
client (her age, origin and discrimination factors are facts of all her cases), it upserts
one `stats_outbox` row per case in the same flush — so in the same transaction as the change. Enquiries and activities,
which belong to no case, enqueue the single entry CENTRE_LOG (their tables are recounted
whole). Only the columns that feed the statistics count as a change: a new follow-up date
or risk level does not re-project a case. A StatsOutbox object a service adds itself (the
referrals service merges one) is folded into the same upsert, so the two never collide.

`init_app(app)` registers the listener (once per process: it listens on SQLAlchemy's Session
class and ignores every object that is not one of the models below) and a teardown hook that
drains the outbox after a request that enqueued something, once its response is ready.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from casework.cases.models import Case, CaseSession, Consent
from casework.cases.outbox import StatsOutbox
from casework.centre.models import Activity, Enquiry
from casework.clients.models import Client
from casework.crypto.models import new_uuid
from casework.extensions import db
from casework.referrals.models import Referral, ReferralEvent
from casework.stats.sync import CENTRE_LOG, sync_pending

PENDING_FLAG = "_casework_stats_enqueued"
# A request drains at most this many entries, the oldest first: a backlog
# left by an outage is worked off over the next requests or by `casework stats sync`, never by
# making one person wait for all of it.
REQUEST_SYNC_LIMIT = 50
STATISTICS_CONSENT = "statistics"
logger = logging.getLogger(__name__)

# The columns whose change alters a model's statistics facts.
WATCHED_COLUMNS: dict[type, tuple[str, ...]] = {
    Case: ("status", "opened_on", "closed_on", "intake_sealed", "perpetrators_sealed",
           "closure_sealed", "client_id"),
    CaseSession: ("case_id", "held_on", "details_sealed"),
    Consent: ("kind", "case_id", "client_id", "given_on", "withdrawn_on"),
    Client: ("identity_sealed", "profile_sealed", "discrimination_sealed", "erased_at"),
    Enquiry: ("received_on", "channel", "caller", "topics", "outcome"),
    Activity: ("held_on", "kind", "audience", "participants"),
    Referral: ("case_id", "partner_type", "status", "sent_at"),
    ReferralEvent: ("referral_id", "status", "reason"),
}


def init_app(app: Flask) -> None:
    """Listen for changes (once per process) and drain the outbox after requests (once per app)."""
    listen_for_changes()
    if not app.extensions.get("casework.stats_outbox"):
        app.extensions["casework.stats_outbox"] = True
        app.teardown_request(_sync_after_request)


def listen_for_changes() -> None:
    """Register the listeners, once per process (every command and app needs them)."""
    if not event.contains(Session, "before_flush", enqueue_changes):
        event.listen(Session, "before_flush", enqueue_changes)
        event.listen(Session, "after_commit", _forget_enqueued)
        event.listen(Session, "after_soft_rollback", _forget_enqueued_after_rollback)


ENQUEUED = "casework_stats_enqueued"


def _forget_enqueued(session: Session) -> None:
    session.info.pop(ENQUEUED, None)


def _forget_enqueued_after_rollback(session: Session, _previous_transaction: Any) -> None:
    # The rows written so far may be gone with the rollback: enqueue them again if needed.
    session.info.pop(ENQUEUED, None)


def enqueue_changes(session: Session, _flush_context: Any, _instances: Any) -> None:
    """before_flush: one outbox row per case whose facts this flush changes."""
    case_ids: set[str] = set()
    for obj in list(session.new):
        if isinstance(obj, StatsOutbox):  # a service's own outbox row: upserted with the others
            case_ids.add(obj.case_id)
            session.expunge(obj)
    for obj in session.new:
        case_ids.update(_affected(session, obj, changed_only=False))
    for obj in session.dirty:
        case_ids.update(_affected(session, obj, changed_only=True))
    for obj in session.deleted:
        case_ids.update(_affected(session, obj, changed_only=False))
    # A case is written to the outbox once per transaction, however many flushes touch it.
    already = session.info.setdefault(ENQUEUED, set())
    case_ids -= already
    if not case_ids:
        return
    enqueue(session, case_ids)
    already.update(case_ids)
    if has_app_context():
        setattr(g, PENDING_FLAG, True)


def _affected(session: Session, obj: Any, *, changed_only: bool) -> Iterable[str]:
    finder = _FINDERS.get(type(obj))
    if finder is None:
        return ()
    if changed_only and not any(inspect(obj).attrs[name].history.has_changes()
                                for name in WATCHED_COLUMNS[type(obj)]):
        return ()
    return finder(session, obj)


def _before_and_after(obj: Any, name: str) -> set[Any]:
    """The attribute's value now and, if it changes in this flush, its value before."""
    history = inspect(obj).attrs[name].history
    return {value for value in (*history.added, *history.unchanged, *history.deleted)
            if value is not None}


def _case_ids_of(session: Session, obj: Case) -> Iterable[str]:
    if obj.id is None:  # a new case: give it its id now (the model's default would, at insert)
        obj.id = new_uuid()
    return {obj.id}


def _session_case_ids(_session: Session, obj: CaseSession) -> Iterable[str]:
    return _before_and_after(obj, "case_id")


def _consent_case_ids(session: Session, obj: Consent) -> Iterable[str]:
    if STATISTICS_CONSENT not in _before_and_after(obj, "kind"):
        return ()
    cases = _before_and_after(obj, "case_id")
    if cases:
        return cases
    return _cases_of_clients(session, _before_and_after(obj, "client_id"))  # a consent with no case


def _client_case_ids(session: Session, obj: Client) -> Iterable[str]:
    return _cases_of_clients(session, {obj.id} if obj.id else set())


def _cases_of_clients(session: Session, client_ids: set[str]) -> set[str]:
    if not client_ids:
        return set()
    with session.no_autoflush:
        return set(session.scalars(select(Case.id).where(Case.client_id.in_(client_ids))))


def _referral_case_ids(_session: Session, obj: Referral) -> Iterable[str]:
    return _before_and_after(obj, "case_id")


def _event_case_ids(session: Session, obj: ReferralEvent) -> Iterable[str]:
    referral_ids = _before_and_after(obj, "referral_id")
    if not referral_ids:
        return set()
    with session.no_autoflush:
        return set(session.scalars(select(Referral.case_id).where(Referral.id.in_(referral_ids))))


def _centre_log(_session: Session, _obj: Any) -> Iterable[str]:
    return {CENTRE_LOG}


_FINDERS: dict[type, Callable[[Session, Any], Iterable[str]]] = {
    Case: _case_ids_of, CaseSession: _session_case_ids, Consent: _consent_case_ids,
    Client: _client_case_ids, Enquiry: _centre_log, Activity: _centre_log,
    Referral: _referral_case_ids, ReferralEvent: _event_case_ids,
}


def enqueue(session: Session, case_ids: Iterable[str]) -> None:
    """Upsert outbox rows (one per case) on the session's connection, in its transaction.

    The stamp is the real time (not the application clock), so that a sync can tell a row
    enqueued again while it worked from the one it took. Ids are sorted so that concurrent
    transactions take the rows' locks in the same order.
    """
    stamp = datetime.now(timezone.utc)
    rows = [{"case_id": case_id, "enqueued_at": stamp} for case_id in sorted(case_ids)]
    connection = session.connection()
    dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(connection.dialect.name)
    if dialect is None:
        _enqueue_portably(connection, rows)
        return
    statement = dialect.insert(StatsOutbox.__table__).values(rows)
    connection.execute(statement.on_conflict_do_update(
        index_elements=["case_id"], set_={"enqueued_at": statement.excluded.enqueued_at}))


def _enqueue_portably(connection: Any, rows: list[dict]) -> None:
    table = StatsOutbox.__table__
    for row in rows:
        updated = connection.execute(table.update().where(table.c.case_id == row["case_id"])
                                     .values(enqueued_at=row["enqueued_at"]))
        if not updated.rowcount:
            connection.execute(table.insert().values(**row))


def _sync_after_request(_error: BaseException | None) -> None:
    """After a request that enqueued something: its response is ready and its own commit done
    (or not, on an error — then the outbox rows went with it). Drain the outbox; a failure is
    logged without content and swallowed: the outbox keeps the work for the next sync."""
    if not getattr(g, PENDING_FLAG, False):
        return
    delattr(g, PENDING_FLAG)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        db.discard_uncommitted()
        result = sync_pending(app, limit=REQUEST_SYNC_LIMIT)
        if result.failed:
            logger.warning("statistics sync after a request: %d entries stay queued", result.failed)
    except Exception as error:  # noqa: BLE001 - the request's own work is already committed
        logger.error("statistics sync after a request failed (%s); the outbox keeps the work",
                     type(error).__name__)
