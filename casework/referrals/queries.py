"""Reading referrals: loading one for the counsellor or the partner (the read audited, anything
else refused the same way whether it exists or not), the lists, who opened a packet, and the
facts the statistics take. Nothing here changes a referral.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.audit.service import record as audit
from casework.auth.models import Organisation, User
from casework.cases.models import Case, Consent
from casework.clients.models import Client
from casework.clock import as_utc, today
from casework.errors import AuditOnRefusal, InvalidTransition, NotPermitted
from casework.referrals.models import Referral, ReferralEvent
from casework.referrals.packet import InvalidReferral, build_packet

# The partner reads the packet while the referral is open to her (and, once completed, until
# the packet is erased); a declined, withdrawn or expired one shows only its status.
READABLE_BY_PARTNER = ("sent", "accepted", "arrived", "completed")
PRINTABLE = ("sent", "accepted", "arrived")
OPENING_ACTIONS = ("referral.packet_opened", "referral.printed")
INBOX_GROUPS = (("new", ("sent",)), ("accepted", ("accepted",)), ("arrived", ("arrived",)),
                ("declined", ("declined",)), ("ended", ("completed", "withdrawn", "expired")))


# --- loading -----------------------------------------------------------------------------------

def _looks_like_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 36


def referral_of_case(session: Session, case: Case, referral_id: str, *, actor: Any,
                     action: str = "referral.viewed") -> Referral:
    """A referral by (case, id), its read audited; any other id gets the case's own refusal."""
    found = session.scalar(select(Referral).where(Referral.id == referral_id,
                                                  Referral.case_id == case.id)) \
        if _looks_like_id(referral_id) else None
    if found is None:
        raise NotPermitted(_("You do not have access to this case."), audit=AuditOnRefusal(
            "record.access_refused", "referral", str(referral_id)[:64], {"case_id": case.id}))
    audit(session, action, actor=actor, target_type="referral", target_id=found.id,
          details={"case_id": case.id})
    return found


def referral_for_partner(session: Session, user: Any, referral_id: str, *, action: str) -> Referral:
    """A referral addressed to her organisation (a draft is addressed to no one yet). Another
    organisation's referral and an unknown id get the same refusal, audited."""
    organisation_id = getattr(user, "organisation_id", None)
    found = session.scalar(select(Referral).where(
        Referral.id == referral_id, Referral.organisation_id == organisation_id,
        Referral.status != "draft")) if _looks_like_id(referral_id) and organisation_id else None
    if found is None:
        raise NotPermitted(_("You do not have access to this referral."), audit=AuditOnRefusal(
            "referral.access_refused", "referral", str(referral_id)[:64], {"attempted": action}))
    return found


def active_organisation(session: Session, organisation_id: Any) -> Organisation:
    organisation = session.get(Organisation, organisation_id) if isinstance(organisation_id, int) else None
    if organisation is None or not organisation.active:
        raise InvalidReferral({"organisation_id": _(
            "Choose one of the active partner organisations offered.")})
    return organisation


def has_partner_accounts(session: Session, organisation_id: int) -> bool:
    """Whether the partner answers in Casework itself (it has an active account)."""
    return session.scalar(select(func.count()).select_from(User).where(
        User.organisation_id == organisation_id, User.role == "shelter_partner",
        User.active.is_(True))) > 0


# --- the packet as it would be sent, and her consent ------------------------------------------

def packet_preview(session: Session, case: Case, referral: Referral) -> dict[str, Any]:
    """Exactly what the partner would read if the draft were sent now."""
    client = session.get(Client, case.client_id)
    return build_packet(referral.draft or {}, identity=client.identity if client else None,
                        profile=client.profile if client else None, intake=case.intake,
                        risk_level=case.risk_level, today=today())


def _shares(scope: dict[str, Any]) -> set[str]:
    shares = scope.get("shares") or ""
    items = shares if isinstance(shares, list) else shares.split(",")
    return {item.strip() for item in items if item.strip()}


def current_consent(session: Session, case: Case, referral: Referral,
                    fields: Iterable[str]) -> Optional[Consent]:
    """Her consent in force to this partner, for this purpose, covering every field chosen."""
    wanted = set(fields)
    candidates = session.scalars(select(Consent).where(
        Consent.kind == "referral", Consent.withdrawn_on.is_(None),
        or_(Consent.case_id == case.id, and_(Consent.case_id.is_(None), Consent.client_id == case.client_id)))
        .order_by(Consent.given_on.desc(), Consent.created_at.desc()))
    for consent in candidates:
        scope = consent.scope or {}
        if (scope.get("partner_organisation_id") == referral.organisation_id
                and scope.get("purpose") == referral.purpose and wanted <= _shares(scope)):
            return consent
    return None


# --- lists and history -------------------------------------------------------------------------

def referrals_of_case(session: Session, case: Case) -> list[Referral]:
    """The referrals of a case, newest first (metadata only: nothing is opened)."""
    return list(session.scalars(select(Referral).where(Referral.case_id == case.id)
                                .order_by(Referral.created_at.desc())))


def history(session: Session, referral: Referral) -> list[ReferralEvent]:
    return list(session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)
                                .order_by(ReferralEvent.at, ReferralEvent.id)))


def erasure_due_on(referral: Referral) -> Optional[datetime]:
    """When the packet of an ended referral will be erased (None while it is under way)."""
    if referral.ended_at is None or referral.content_erased_at is not None:
        return None
    days = int(current_app.config["REFERRAL_PACKET_RETENTION_DAYS"])
    return as_utc(referral.ended_at) + timedelta(days=days)


def organisation_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    return dict(session.execute(select(Organisation.id, Organisation.name)
                                .where(Organisation.id.in_(wanted))).all())


def partner_directory(session: Session) -> list[tuple[Organisation, bool]]:
    """The active partner organisations by name, each with whether it answers in Casework."""
    with_accounts = set(session.scalars(select(User.organisation_id).where(
        User.role == "shelter_partner", User.active.is_(True), User.organisation_id.is_not(None))))
    organisations = session.scalars(select(Organisation).where(Organisation.active.is_(True))
                                    .order_by(Organisation.kind, Organisation.name))
    return [(organisation, organisation.id in with_accounts) for organisation in organisations]


@dataclass(frozen=True)
class Opening:
    """One reading or printing of a packet, as the audit log keeps it."""

    at: datetime
    action: str
    username: str
    organisation: str


def openings(session: Session, referral: Referral) -> list[Opening]:
    """Every opening of the packet by the partner, and every printing, oldest first."""
    entries = list(session.scalars(select(AuditEntry).where(
        AuditEntry.target_type == "referral", AuditEntry.target_id == referral.id,
        AuditEntry.action.in_(OPENING_ACTIONS)).order_by(AuditEntry.seq)))
    users = {user.id: user for user in session.scalars(
        select(User).where(User.id.in_({entry.actor_id for entry in entries if entry.actor_id})))}
    names = organisation_names(session, {user.organisation_id for user in users.values()
                                         if user.organisation_id})
    result = []
    for entry in entries:
        user = users.get(entry.actor_id) if entry.actor_id else None
        organisation = names.get(user.organisation_id, "") if user and user.organisation_id else ""
        result.append(Opening(as_utc(entry.at), entry.action, entry.actor_name, organisation))
    return result


# --- the partner's side -------------------------------------------------------------------------

def inbox(session: Session, organisation_id: Optional[int]) -> list[tuple[str, list[Referral]]]:
    """The referrals addressed to one organisation, by group (new, accepted, arrived, declined,
    ended), newest first. Metadata only: reading a packet is its own, audited, step."""
    if organisation_id is None:
        return [(name, []) for name, _statuses in INBOX_GROUPS]
    referrals = list(session.scalars(select(Referral).where(
        Referral.organisation_id == organisation_id, Referral.status != "draft")
        .order_by(Referral.sent_at.desc())))
    return [(name, [r for r in referrals if r.status in statuses]) for name, statuses in INBOX_GROUPS]


def open_for_partner(session: Session, user: Any, referral: Referral) -> Optional[dict[str, Any]]:
    """The packet, if she may still read it; every opening is audited (the referring counsellor
    sees it), and so is a look at a referral whose content is gone."""
    readable = referral.status in READABLE_BY_PARTNER and referral.content_erased_at is None
    audit(session, "referral.packet_opened" if readable else "referral.status_viewed", actor=user,
          target_type="referral", target_id=referral.id,
          details={"organisation_id": referral.organisation_id, "status": referral.status})
    return referral.packet if readable else None


def packet_for_print(session: Session, case: Case, referral: Referral, *, actor: Any,
                     language: str) -> dict[str, Any]:
    """The packet for the printed referral (for a partner with no account); audited with the
    language it is printed in."""
    if referral.status not in PRINTABLE or referral.content_erased_at is not None:
        raise InvalidTransition(_("Only a referral that was sent and is still under way can be "
                                  "printed; its packet is not available."))
    audit(session, "referral.printed", actor=actor, target_type="referral", target_id=referral.id,
          details={"case_id": case.id, "organisation_id": referral.organisation_id,
                   "language": language})
    return referral.packet or {}


# --- statistics --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReferralFact:
    """One referral as the statistics count it: codes and a year, nothing else."""

    year: int
    partner_type: str
    outcome: str  # the current status: sent, accepted, declined, arrived, completed, withdrawn, expired
    decline_reason: Optional[str]
    admitted: bool  # she arrived (arrived or completed)


def referral_facts(session: Session, case_id: str) -> list[ReferralFact]:
    """The referrals of a case that were sent (drafts never left the centre), for the
    statistics store: by partner type and outcome per year, and the shelter pathway."""
    referrals = list(session.scalars(select(Referral).where(
        Referral.case_id == case_id, Referral.sent_at.is_not(None)).order_by(Referral.sent_at)))
    reasons = dict(session.execute(
        select(ReferralEvent.referral_id, ReferralEvent.reason).where(
            ReferralEvent.referral_id.in_([r.id for r in referrals]),
            ReferralEvent.status == "declined")).all()) if referrals else {}
    arrived = set(session.scalars(select(ReferralEvent.referral_id).where(
        ReferralEvent.referral_id.in_([r.id for r in referrals]),
        ReferralEvent.status == "arrived"))) if referrals else set()
    return [ReferralFact(year=as_utc(r.sent_at).year, partner_type=r.partner_type,  # type: ignore[arg-type]
                         outcome=r.status, decline_reason=reasons.get(r.id),
                         admitted=r.id in arrived) for r in referrals]
