"""Read-only views of cases by their metadata: the administrator's case list, who has access
to a case, and a person's alerts.

Nothing here reads a sealed attribute — not even by accident: the queries select plain columns
(ids, codes, statuses, dates, counts, usernames), never whole Case rows, so no ciphertext is
loaded and nothing could be opened. Each page read is audited, with its filters only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Optional

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from casework.audit.service import record
from casework.auth.models import User
from casework.cases.models import BreakGlassAccess, Case, CaseSession, CaseShare, Notification
from casework.clock import now

CASES_PAGE_SIZE = 25
RECENT_ALERT_DAYS = 30
MAX_ALERTS_SHOWN = 100


# --- The administrator's case list --------------------------------------------------------------

@dataclass(frozen=True)
class CaseFilters:
    """What the administrator narrowed the list to; empty values mean "any"."""

    status: str = ""
    counsellor_id: Optional[int] = None

    def as_query_args(self) -> dict[str, Any]:
        args = {"status": self.status, "counsellor": self.counsellor_id}
        return {name: value for name, value in args.items() if value}


@dataclass(frozen=True)
class CaseRow:
    id: str
    code: str
    status: str
    counsellor: str
    counsellor_active: bool
    opened_on: Optional[date]
    closed_on: Optional[date]
    session_count: int
    version: int


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow] = field(default_factory=list)
    number: int = 1
    page_count: int = 1
    total: int = 0

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.page_count


def _case_rows(filters: CaseFilters) -> Select:
    sessions = (select(CaseSession.case_id, func.count(CaseSession.id).label("n"))
                .group_by(CaseSession.case_id).subquery())
    query = (select(Case.id, Case.code, Case.status, User.username, User.active, Case.opened_on,
                    Case.closed_on, func.coalesce(sessions.c.n, 0), Case.version)
             .join(User, User.id == Case.assigned_counsellor_id)
             .outerjoin(sessions, sessions.c.case_id == Case.id))
    if filters.status:
        query = query.where(Case.status == filters.status)
    if filters.counsellor_id:
        query = query.where(Case.assigned_counsellor_id == filters.counsellor_id)
    return query


def cases_by_metadata(session: Session, filters: CaseFilters, *, page: int, admin: Any,
                      page_size: Optional[int] = None) -> CasePage:
    """One page of cases by metadata (newest first) for the administrator; the read is audited."""
    page_size = page_size or CASES_PAGE_SIZE
    query = _case_rows(filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page_count = max(1, math.ceil(total / page_size))
    number = min(max(page, 1), page_count)
    rows = session.execute(query.order_by(Case.created_at.desc(), Case.code)
                           .limit(page_size).offset((number - 1) * page_size)).all()
    record(session, "cases.listed_by_metadata", actor=admin, target_type="case",
           details={"status": filters.status or None, "counsellor_id": filters.counsellor_id,
                    "page": number})
    return CasePage([CaseRow(*row) for row in rows], number, page_count, total)


def counsellors(session: Session, *, active_only: bool = False) -> list[tuple[int, str, bool]]:
    """(id, username, active) of the counsellors, by username: the filter's and form's choices."""
    query = select(User.id, User.username, User.active).where(User.role == "counsellor")
    if active_only:
        query = query.where(User.active.is_(True))
    return [tuple(row) for row in session.execute(query.order_by(User.username))]  # type: ignore[misc]


def case_metadata(session: Session, case_id: str) -> Optional[CaseRow]:
    """The list row of one case (for the reassignment form shown on its own)."""
    row = session.execute(_case_rows(CaseFilters()).where(Case.id == case_id)).first()
    return CaseRow(*row) if row is not None else None


# --- Who has access to one case -----------------------------------------------------------------

@dataclass(frozen=True)
class Person:
    username: str
    display_name: str


@dataclass(frozen=True)
class ShareRow:
    id: int
    counsellor: Person
    shared_at: datetime


@dataclass(frozen=True)
class BreakGlassRow:
    counsellor: Person
    granted_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class AccessOverview:
    assigned: Person
    shares: list[ShareRow]
    break_glass: list[BreakGlassRow]


def access_overview(session: Session, case_id: str) -> AccessOverview:
    """The assigned counsellor, those the case is shared with, and live break-the-glass accesses.

    The caller has already opened the case through casework.cases.access.case_for (audited).
    """
    assigned = session.execute(select(User.username, User.display_name)
                               .join(Case, Case.assigned_counsellor_id == User.id)
                               .where(Case.id == case_id)).one()
    shares = session.execute(
        select(CaseShare.id, User.username, User.display_name, CaseShare.created_at)
        .join(User, User.id == CaseShare.counsellor_id)
        .where(CaseShare.case_id == case_id).order_by(User.username)).all()
    accesses = session.execute(
        select(User.username, User.display_name, BreakGlassAccess.granted_at,
               BreakGlassAccess.expires_at)
        .join(User, User.id == BreakGlassAccess.counsellor_id)
        .where(BreakGlassAccess.case_id == case_id, BreakGlassAccess.expires_at > now())
        .order_by(BreakGlassAccess.expires_at)).all()
    return AccessOverview(
        Person(*assigned),
        [ShareRow(row.id, Person(row.username, row.display_name), row.created_at) for row in shares],
        [BreakGlassRow(Person(row.username, row.display_name), row.granted_at, row.expires_at)
         for row in accesses])


# --- Alerts -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Alert:
    id: int
    kind: str
    case_id: Optional[str]
    case_code: str
    actor: Person
    created_at: datetime
    read: bool


def alerts_for(session: Session, user: Any) -> list[Alert]:
    """Her unread alerts and those of the last RECENT_ALERT_DAYS days, newest first (audited)."""
    actor = aliased(User)
    recent = now() - timedelta(days=RECENT_ALERT_DAYS)
    rows = session.execute(
        select(Notification.id, Notification.kind, Notification.case_id, Case.code,
               actor.username, actor.display_name, Notification.created_at, Notification.read_at)
        .outerjoin(Case, Case.id == Notification.case_id)
        .outerjoin(actor, actor.id == Notification.actor_id)
        .where(Notification.user_id == user.id,
               or_(Notification.read_at.is_(None), Notification.created_at >= recent))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(MAX_ALERTS_SHOWN)).all()
    record(session, "notifications.viewed", actor=user, target_type="user", target_id=user.id,
           details={"count": len(rows)})
    return [Alert(row.id, row.kind, row.case_id, row.code or "",
                  Person(row.username or "", row.display_name or ""), row.created_at,
                  row.read_at is not None) for row in rows]
