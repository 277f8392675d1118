"""Who may open which case: the counsellor it is assigned to, those it is shared with, and a
counsellor holding a live break-the-glass access. Nobody else — not the coordinator, not the
admin. A refusal looks the same whether the case exists or not.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from casework.audit.service import record
from casework.cases.models import BreakGlassAccess, Case, CaseShare
from casework.clock import now
from casework.errors import AuditOnRefusal, NotPermitted


def _live_break_glass_case_ids(user_id: int) -> Select:
    return select(BreakGlassAccess.case_id).where(BreakGlassAccess.counsellor_id == user_id,
                                                  BreakGlassAccess.expires_at > now())


def _shared_case_ids(user_id: int) -> Select:
    return select(CaseShare.case_id).where(CaseShare.counsellor_id == user_id)


def permitted_cases(user: Any) -> Select:
    """A query of the cases `user` may open (empty for every role but counsellor)."""
    if getattr(user, "role", None) != "counsellor":
        return select(Case).where(False)  # noqa: FBT003 - an always-false filter
    return select(Case).where(or_(Case.assigned_counsellor_id == user.id,
                                  Case.id.in_(_shared_case_ids(user.id)),
                                  Case.id.in_(_live_break_glass_case_ids(user.id))))


def may_open(session: Session, user: Any, case: Case) -> bool:
    query = permitted_cases(user).where(Case.id == case.id).with_only_columns(Case.id)
    return session.scalar(query) is not None


def permitted_client_ids(session: Session, user: Any, candidates: set[str]) -> set[str]:
    """The subset of `candidates` (client ids) that `user` may see through one of her cases."""
    if not candidates:
        return set()
    query = permitted_cases(user).where(Case.client_id.in_(candidates)).with_only_columns(Case.client_id)
    return set(session.scalars(query))


def case_for(session: Session, user: Any, case_id: str, *, action: str = "case.opened") -> Case:
    """Load a case for `user`, recording the read; refuse (and record) otherwise.

    The refusal is the same for a case that does not exist, so ids cannot be probed.
    """
    case = session.get(Case, case_id) if _looks_like_id(case_id) else None
    if case is None or not may_open(session, user, case):
        raise NotPermitted(_("You do not have access to this case."), audit=AuditOnRefusal(
            "case.access_refused", "case", str(case_id)[:64], {"attempted": action}))
    record(session, action, actor=user, target_type="case", target_id=case.id)
    return case


def _looks_like_id(value: str) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 36
