"""What the counsellor's pages list: her cases, drafts, follow-ups due, recent activity, search.

Every list starts from casework.cases.access.permitted_cases(user), so filtering happens in the
database and a case she may not open is never loaded. Reads that show client names (the
dashboard, a search) are recorded in the audit log as facts — a count, never a name or a term.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case as sql_case, exists, false, func, or_, select, union_all
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.audit.service import record
from casework.auth.models import User
from casework.cases.access import permitted_cases, permitted_client_ids
from casework.cases.models import Case, CaseSession, CaseShare, Consent, RiskAssessment, SafetyPlan
from casework.cases.timeline import CaseRecords, TimelineItem, case_timeline, records_of
from casework.clients.models import Client
from casework.clients.search_index import name_text, search_clients
from casework.clock import today
from casework.crypto.envelope import load_data_keys

RECENT_ACTIVITY_LIMIT = 10
# How far back "recent activity" looks, in audit entries (every page view writes one): a bound
# on the walk for someone with no recent changes, so her dashboard stays quick on a large log.
ACTIVITY_HORIZON = 20_000
# One page of "all my cases": a counsellor with years of closed cases still gets a quick page.
CASES_PER_PAGE = 50

# The changes that make up "recent activity", in words. Reads (case.opened, searches…) are left
# out on purpose: every page view would otherwise push the real work off the list.
ACTIVITY_WORDS: dict[str, Any] = {
    "case.created": _l("intake started"),
    "case.intake_saved": _l("intake saved"),
    "case.activated": _l("intake completed"),
    "case.closed": _l("case closed"),
    "case.reopened": _l("case reopened"),
    "case.shared": _l("case shared"),
    "case.unshared": _l("sharing ended"),
    "case.reassigned": _l("case reassigned"),
    "case.break_glass": _l("opened by break-the-glass"),
    "session.recorded": _l("session recorded"),
    "session.updated": _l("session updated"),
    "risk.assessed": _l("risk assessed"),
    "safety_plan.recorded": _l("safety plan recorded"),
    "consent.recorded": _l("consent recorded"),
    "consent.withdrawn": _l("consent withdrawn"),
}
# What the entries of "recent activity" name (their target_type): the case, or a record of it.
ACTIVITY_TARGETS = {"case": Case, "session": CaseSession, "risk": RiskAssessment,
                    "safety_plan": SafetyPlan, "consent": Consent}


@dataclass(frozen=True)
class CaseRow:
    """One line of a list of cases: the case, her name and the latest risk level."""

    case: Case
    client_name: str
    risk_level: Optional[str]


@dataclass(frozen=True)
class ActivityItem:
    at: datetime
    words: Any
    case_code: Optional[str]
    case_id: Optional[str]
    actor_name: str
    by_me: bool


@dataclass(frozen=True)
class Dashboard:
    cases: list[CaseRow]
    drafts: list[CaseRow]
    follow_ups: list[CaseRow]
    week_ends_on: date
    activity: list[ActivityItem]
    page: int = 1
    pages: int = 1


@dataclass(frozen=True)
class SearchResult:
    client: Client
    client_name: str
    cases: list[Case]


def is_readable(client: Optional[Client]) -> bool:
    """False once she was erased: her data key, under which her cases are sealed too, is gone."""
    return client is not None and client.erased_at is None


def client_name(client: Optional[Client]) -> str:
    """Her names as recorded ('' when erased or none recorded: the page says so in words)."""
    return name_text(client.identity) if is_readable(client) else ""


def _hers(user: Any) -> Any:
    """The condition on Case for "hers": assigned to her or shared with her (not those she
    holds by break-the-glass). Only a counsellor has cases."""
    if getattr(user, "role", None) != "counsellor":
        return false()
    shared = select(CaseShare.case_id).where(CaseShare.counsellor_id == user.id)
    return or_(Case.assigned_counsellor_id == user.id, Case.id.in_(shared))


def _worklist(user: Any) -> Any:
    """Her cases as keys only (id, status, next follow-up, created): those assigned to her, then
    those shared with her. Read from the ix_cases_worklist index, so that counting, sorting and
    paging thousands of cases never touches the wide rows with their sealed fields."""
    keys = (Case.id, Case.status, Case.next_follow_up_on, Case.created_at)
    if getattr(user, "role", None) != "counsellor":
        return select(*keys).where(false()).subquery("worklist")
    assigned = select(*keys).where(Case.assigned_counsellor_id == user.id)
    shared = (select(*keys).join(CaseShare, CaseShare.case_id == Case.id)
              .where(CaseShare.counsellor_id == user.id, Case.assigned_counsellor_id != user.id))
    return union_all(assigned, shared).subquery("worklist")


def _status_order(status: Any) -> Any:
    """Active work first, then intakes still being written, closed cases last."""
    return sql_case((status == "active", 0), (status == "draft", 1), else_=2)


def week_ends_on(today: date) -> date:
    """The Sunday closing the week of `today` (weeks run Monday to Sunday)."""
    return today + timedelta(days=6 - today.weekday())


def _rows(session: Session, cases: list[Case]) -> list[CaseRow]:
    client_ids = {c.client_id for c in cases}
    clients = {c.id: c for c in session.scalars(select(Client).where(Client.id.in_(client_ids)))} \
        if client_ids else {}
    load_data_keys(session, {client.data_key_id for client in clients.values()})
    return [CaseRow(c, client_name(clients.get(c.client_id)),
                    c.risk_level if is_readable(clients.get(c.client_id)) else None) for c in cases]


def _cases_in_order(session: Session, ids: Select) -> list[Case]:
    """The cases whose ids the query gives, loaded in one go and kept in its order."""
    wanted = list(session.scalars(ids))
    loaded = {case.id: case for case in session.scalars(select(Case).where(Case.id.in_(wanted)))} \
        if wanted else {}
    return [loaded[case_id] for case_id in wanted if case_id in loaded]


def my_cases(session: Session, user: Any, *, page: int = 1,
             per_page: int = CASES_PER_PAGE) -> list[CaseRow]:
    """One page of her cases: active first (next follow-up soonest), then drafts, closed last."""
    worklist = _worklist(user)
    ids = (select(worklist.c.id)
           .order_by(_status_order(worklist.c.status), worklist.c.next_follow_up_on.asc().nulls_last(),
                     worklist.c.created_at.desc(), worklist.c.id)
           .limit(per_page).offset((page - 1) * per_page))
    return _rows(session, _cases_in_order(session, ids))


def count_my_cases(session: Session, user: Any) -> int:
    return session.scalar(select(func.count()).select_from(_worklist(user))) or 0


def my_drafts(session: Session, user: Any) -> list[CaseRow]:
    worklist = _worklist(user)
    ids = (select(worklist.c.id).where(worklist.c.status == "draft")
           .order_by(worklist.c.created_at.desc(), worklist.c.id).limit(CASES_PER_PAGE))
    return _rows(session, _cases_in_order(session, ids))


def follow_ups_due(session: Session, user: Any, today: date) -> list[CaseRow]:
    """Her open cases with a follow-up from today to the end of this week, soonest first."""
    worklist = _worklist(user)
    due = select(worklist.c.id).where(worklist.c.status != "closed",
                                      worklist.c.next_follow_up_on >= today,
                                      worklist.c.next_follow_up_on <= week_ends_on(today))
    query = select(Case).where(Case.id.in_(due)).order_by(Case.next_follow_up_on, Case.code)
    return _rows(session, list(session.scalars(query)))


def recent_activity(session: Session, user: Any,
                    limit: int = RECENT_ACTIVITY_LIMIT) -> list[ActivityItem]:
    """The latest changes to her cases (by anyone) or by her, newest first.

    Each entry is checked on its own (a correlated EXISTS on the record it names, through its
    case), walking the log from the newest: the cost follows how far back the latest changes
    are, not how many cases and records she has.
    """
    hers = _hers(user)
    # The columns are wrapped (`|| ''`, `+ 0`) so that no index on them is used: the planner
    # would otherwise collect every entry of each kind through those indexes and sort them all,
    # where walking the log backwards by its key stops after `limit` matches.
    target_type, action = AuditEntry.target_type.op("||")(""), AuditEntry.action.op("||")("")
    about_her_cases = or_(*[
        and_(target_type == kind,
             exists().where(Case.id == AuditEntry.target_id, hers) if model is Case else
             exists().where(model.id == AuditEntry.target_id, Case.id == model.case_id, hers))
        for kind, model in ACTIVITY_TARGETS.items()])
    newest = session.scalar(select(func.max(AuditEntry.seq))) or 0
    entries = list(session.scalars(
        select(AuditEntry).where(AuditEntry.seq > newest - ACTIVITY_HORIZON,
                                 action.in_(ACTIVITY_WORDS),
                                 or_(AuditEntry.actor_id + 0 == user.id, about_her_cases))
        .order_by(AuditEntry.seq.desc()).limit(limit)))
    cases = _cases_named_by(session, user, entries)
    return [ActivityItem(entry.at, ACTIVITY_WORDS[entry.action],
                         *cases.get(entry.target_id, (None, None)),
                         actor_name=entry.actor_name, by_me=entry.actor_id == user.id)
            for entry in entries]


def _cases_named_by(session: Session, user: Any, entries: list[AuditEntry]) -> dict[str, tuple]:
    """target id → (case code, case id) of the entries' cases — only those she may open now."""
    allowed = permitted_cases(user).whereclause
    found: dict[str, tuple] = {}
    for kind, model in ACTIVITY_TARGETS.items():
        targets = {entry.target_id for entry in entries if entry.target_type == kind}
        if not targets:
            continue
        query = select(model.id, Case.code, Case.id.label("case_id")).where(model.id.in_(targets),
                                                                            allowed)
        if model is not Case:
            query = query.join(Case, Case.id == model.case_id)
        found.update({row.id: (row.code, row.case_id) for row in session.execute(query)})
    return found


def dashboard_for(session: Session, user: Any, page: int = 1) -> Dashboard:
    """Everything on her dashboard; the read is audited (how many cases, never who)."""
    day = today()
    pages = max(1, -(-count_my_cases(session, user) // CASES_PER_PAGE))
    page = min(max(page, 1), pages)
    cases = my_cases(session, user, page=page)
    dashboard = Dashboard(cases=cases, drafts=my_drafts(session, user),
                          follow_ups=follow_ups_due(session, user, day),
                          week_ends_on=week_ends_on(day),
                          activity=recent_activity(session, user), page=page, pages=pages)
    record(session, "cases.listed", actor=user, details={"cases": len(cases), "page": page})
    return dashboard


def search_my_clients(session: Session, user: Any, text: str, by: str) -> list[SearchResult]:
    """Her clients whose name (any script) or phone matches, with the cases she may open.

    Audited as the fact of a search and how many were found — never the terms typed.
    """
    clients = search_clients(session, text, by,
                             permitted=lambda ids: permitted_client_ids(session, user, ids))
    ids = [client.id for client in clients]
    cases_by_client: dict[str, list[Case]] = {client_id: [] for client_id in ids}
    if ids:
        query = permitted_cases(user).where(Case.client_id.in_(ids)).order_by(
            _status_order(Case.status), Case.created_at.desc())
        for found in session.scalars(query):
            cases_by_client[found.client_id].append(found)
    results = sorted((SearchResult(client, client_name(client), cases_by_client[client.id])
                      for client in clients), key=lambda result: result.client_name.casefold())
    record(session, "cases.searched", actor=user, details={"by": by, "results": len(results)})
    return results


@dataclass(frozen=True)
class CasePage:
    """The case page: header facts, the sections and the timeline."""

    case: Case
    readable: bool
    client_name: str
    counsellor_name: str
    risk_level: Optional[str]
    records: CaseRecords
    timeline: list[TimelineItem]

    @property
    def latest_assessment(self) -> Optional[RiskAssessment]:
        return self.records.assessments[0] if self.records.assessments else None

    @property
    def latest_plan(self) -> Optional[SafetyPlan]:
        return self.records.plans[0] if self.records.plans else None


def case_page(session: Session, case: Case) -> CasePage:
    """What the case page shows of a case already opened through access.case_for (audited)."""
    counsellor = session.get(User, case.assigned_counsellor_id)
    client = session.get(Client, case.client_id)
    readable = is_readable(client)
    # After an erasure only the case's metadata and status history remain to be shown.
    records = records_of(session, case) if readable else CaseRecords([], [], [], [])
    return CasePage(case=case, readable=readable, client_name=client_name(client),
                    counsellor_name=(counsellor.display_name or counsellor.username) if counsellor else "",
                    risk_level=case.risk_level if readable else None, records=records,
                    timeline=case_timeline(session, case, records))
