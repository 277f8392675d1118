"""Who may open a case besides the assigned counsellor: sharing by name, break-the-glass with a
written reason, the alerts it raises and the administrator's review; reassignment by metadata.

The only writer of shares, break-the-glass accesses, notifications and case assignment. Every
rule is checked before anything is written, so a refusal leaves nothing half-stored; every change
is audited in the same transaction, with ids only — never a reason or any other content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.service import record
from casework.auth.models import User
from casework.cases.access import may_open
from casework.cases.models import BreakGlassAccess, Case, CaseShare, Notification
from casework.cases.service import check_version
from casework.clock import now
from casework.crypto.envelope import KeyDestroyed, data_key
from casework.crypto.errors import CryptoError
from casework.errors import AuditOnRefusal, DomainError, InvalidTransition, NotFound, NotPermitted

REASON_MIN_LENGTH = 20
REASON_MAX_LENGTH = 2000
BREAK_GLASS_KIND = "break_glass"


class SharingRefused(DomainError):
    """A request that cannot be done as asked; `field` names the form field it is about."""

    status = 400

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _no_access(reference: object, attempted: str) -> NotPermitted:
    # One answer for a case that does not exist and one she may not touch: ids cannot be probed.
    return NotPermitted(_("You do not have access to this case."), audit=AuditOnRefusal(
        "case.access_refused", "case", str(reference)[:64], {"attempted": attempted}))


def _require_assignee(case: Case, actor: Any, attempted: str) -> None:
    if case.assigned_counsellor_id != getattr(actor, "id", None):
        raise NotPermitted(_("Only the counsellor this case is assigned to can change who it is "
                             "shared with."), audit=AuditOnRefusal(
            "case.access_refused", "case", case.id, {"attempted": attempted}))


def _active_counsellor(session: Session, username: str, field: str) -> User:
    person = session.scalar(select(User).where(User.username == (username or "").strip()))
    if person is None or person.role != "counsellor" or not person.active:
        raise SharingRefused(_("There is no active counsellor with that username. Check the "
                               "spelling."), field)
    return person


# --- Sharing ------------------------------------------------------------------------------------

def share_case(session: Session, case: Case, *, username: str, actor: Any) -> CaseShare:
    """Share `case` with another active counsellor, named by username (assignee only)."""
    _require_assignee(case, actor, "case.share")
    colleague = _active_counsellor(session, username, "username")
    if colleague.id == case.assigned_counsellor_id:
        raise SharingRefused(_("This case is already assigned to %(name)s.",
                               name=colleague.username), "username")
    existing = session.scalar(select(CaseShare.id).where(CaseShare.case_id == case.id,
                                                         CaseShare.counsellor_id == colleague.id))
    if existing is not None:
        raise SharingRefused(_("This case is already shared with %(name)s.",
                               name=colleague.username), "username")
    share = CaseShare(case_id=case.id, counsellor_id=colleague.id, shared_by_id=actor.id,
                      created_at=now())
    session.add(share)
    session.flush()
    record(session, "case.shared", actor=actor, target_type="case", target_id=case.id,
           details={"with_user_id": colleague.id})
    return share


def unshare_case(session: Session, case: Case, share_id: int, *, actor: Any) -> None:
    """Stop sharing `case` with one counsellor (assignee only); she loses access at once."""
    _require_assignee(case, actor, "case.unshare")
    # Loaded by (case, share): a share of another case is "no such share", like an unknown id.
    share = session.scalar(select(CaseShare).where(CaseShare.case_id == case.id,
                                                   CaseShare.id == share_id))
    if share is None:
        raise NotFound(_("This case is not shared that way. Reload the page to see who has "
                         "access now."))
    colleague_id = share.counsellor_id
    session.delete(share)
    session.flush()
    record(session, "case.unshared", actor=actor, target_type="case", target_id=case.id,
           details={"with_user_id": colleague_id})


# --- Break-the-glass ----------------------------------------------------------------------------

def break_glass_hours() -> int:
    """How long a break-the-glass access lasts (BREAK_GLASS_HOURS, 4 unless configured)."""
    return int(current_app.config["BREAK_GLASS_HOURS"])


def _case_by_reference(session: Session, reference: str) -> Optional[Case]:
    reference = (reference or "").strip()
    if not 0 < len(reference) <= 36:
        return None
    case = session.get(Case, reference)
    if case is None:
        case = session.scalar(select(Case).where(Case.code == reference.upper()))
    return case


def check_reason(reason: str) -> None:
    """The written reason: long enough to mean something, short enough to be a reason."""
    length = len((reason or "").strip())
    if length < REASON_MIN_LENGTH:
        raise SharingRefused(_("Write at least %(min)d characters saying why you need this case; "
                               "this has %(count)d.", min=REASON_MIN_LENGTH, count=length), "reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise SharingRefused(_("Write at most %(max)s characters; this has %(count)s.",
                               max=f"{REASON_MAX_LENGTH:,}", count=f"{len(reason):,}"), "reason")


def break_glass(session: Session, reference: str, *, actor: Any, reason: str) -> BreakGlassAccess:
    """Give a counsellor time-limited access to a case not hers, with her written reason.

    `reference` is the case's id or code. The reason is sealed under the case's data key; the
    assigned counsellor and every active administrator are alerted at once; the access waits in
    the review list until an administrator marks it reviewed. Refused (with the same answer as
    for a case she may not open) when the case does not exist.
    """
    if getattr(actor, "role", None) != "counsellor":
        raise _no_access(reference, "case.break_glass")
    case = _case_by_reference(session, reference)
    if case is None:
        raise _no_access(reference, "case.break_glass")
    if may_open(session, actor, case):
        raise SharingRefused(_("You already have access to this case; open it from your cases."))
    check_reason(reason)
    _require_readable(session, case)
    hours = break_glass_hours()
    granted_at = now()
    access = BreakGlassAccess(case_id=case.id, counsellor_id=actor.id, data_key_id=case.data_key_id,
                              granted_at=granted_at, expires_at=granted_at + timedelta(hours=hours))
    session.add(access)
    session.flush()  # the reason is sealed bound to the access's id, so it needs one first
    access.reason = reason
    _alert(session, case, actor, granted_at)
    session.flush()
    record(session, "case.break_glass", actor=actor, target_type="case", target_id=case.id,
           details={"hours": hours, "access_id": access.id})
    return access


def _require_readable(session: Session, case: Case) -> None:
    # Checked before anything is written: sealing the reason would fail half-way otherwise.
    try:
        data_key(session, case.data_key_id)
    except KeyDestroyed:
        raise SharingRefused(_("This woman's record was erased; there is nothing left to open.")) from None


def _alert(session: Session, case: Case, actor: Any, moment: datetime) -> None:
    admins = session.scalars(select(User.id).where(User.role == "admin", User.active.is_(True)))
    for user_id in dict.fromkeys([case.assigned_counsellor_id, *admins]):
        session.add(Notification(user_id=user_id, kind=BREAK_GLASS_KIND, case_id=case.id,
                                 actor_id=actor.id, created_at=moment))


# --- The administrator's review -----------------------------------------------------------------

@dataclass(frozen=True)
class PendingReview:
    access_id: int
    counsellor: str
    case_code: str
    granted_at: datetime
    expires_at: datetime
    reason: Optional[str]  # None when it can no longer be opened (her record was erased)


def review_queue(session: Session, *, admin: Any) -> list[PendingReview]:
    """Every break-the-glass access not yet reviewed, oldest first, with its reason (audited)."""
    rows = session.execute(
        select(BreakGlassAccess, User.username, Case.code)
        .join(User, User.id == BreakGlassAccess.counsellor_id)
        .join(Case, Case.id == BreakGlassAccess.case_id)
        .where(BreakGlassAccess.reviewed_at.is_(None))
        .order_by(BreakGlassAccess.granted_at, BreakGlassAccess.id)).all()
    # The administrator never reads case content, but the reason is not case content: it is the
    # counsellor's own justification for breaking in, written precisely so that it is overseen.
    queue = [PendingReview(access.id, username, code, access.granted_at, access.expires_at,
                           _opened_reason(access)) for access, username, code in rows]
    record(session, "break_glass.review_list_viewed", actor=admin, target_type="break_glass",
           details={"count": len(queue)})
    return queue


def _opened_reason(access: BreakGlassAccess) -> Optional[str]:
    try:
        return access.reason
    except CryptoError:  # the client was erased: her data key, and so the reason, are gone
        return None


def mark_reviewed(session: Session, access_id: int, *, admin: Any) -> BreakGlassAccess:
    """An administrator marks a break-the-glass access reviewed; it leaves the review list."""
    if getattr(admin, "role", None) != "admin":
        raise NotPermitted(_("Only an administrator can review break-the-glass accesses."))
    access = session.get(BreakGlassAccess, access_id)
    if access is None:
        raise NotFound(_("There is no such break-the-glass access."))
    if access.reviewed_at is not None:
        raise InvalidTransition(_("This access was already marked reviewed."))
    access.reviewed_at = now()
    access.reviewed_by_id = admin.id
    session.flush()
    record(session, "break_glass.reviewed", actor=admin, target_type="break_glass",
           target_id=access.id, details={"case_id": access.case_id})
    return access


# --- Notifications ------------------------------------------------------------------------------

def mark_notification_read(session: Session, notification_id: int, *, user: Any) -> None:
    """Mark one of her own alerts read (someone else's is "not found", like an unknown id)."""
    notification = session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user.id))
    if notification is None:
        raise NotFound(_("There is no such alert."))
    if notification.read_at is None:
        notification.read_at = now()
        session.flush()
        record(session, "notification.read", actor=user, target_type="notification",
               target_id=notification.id)


# --- Reassignment by metadata -------------------------------------------------------------------

def reassign_case(session: Session, case_id: str, *, username: str, admin: Any,
                  expected_version: int) -> Case:
    """Assign a case to another active counsellor (administrators only; metadata only).

    The former assignee keeps access only if the case is also shared with her. A share the new
    assignee held becomes pointless and is removed.
    """
    if getattr(admin, "role", None) != "admin":
        raise NotPermitted(_("Only an administrator can reassign cases."))
    case = session.get(Case, case_id) if 0 < len(case_id or "") <= 36 else None
    if case is None:
        raise NotFound(_("There is no such case."))
    check_version(case, expected_version)
    newcomer = _active_counsellor(session, username, "counsellor")
    if newcomer.id == case.assigned_counsellor_id:
        raise SharingRefused(_("The case is already assigned to %(name)s.", name=newcomer.username),
                             "counsellor")
    former_id = case.assigned_counsellor_id
    own_share = session.scalar(select(CaseShare).where(CaseShare.case_id == case.id,
                                                       CaseShare.counsellor_id == newcomer.id))
    if own_share is not None:
        session.delete(own_share)
    case.assigned_counsellor_id = newcomer.id
    session.flush()
    record(session, "case.reassigned", actor=admin, target_type="case", target_id=case.id,
           details={"from_user_id": former_id, "to_user_id": newcomer.id})
    return case
