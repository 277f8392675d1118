"""The life of a referral: draft → sent → accepted / declined → arrived → completed, or withdrawn
by the counsellor before completion, or expired without an answer. The only writer of referrals.

Every function checks all its rules before it changes anything, flushes (never commits), records
an audit entry in the same transaction (ids and codes only) and marks the case for the
statistics. The packet lives under the referral's own data key: sending seals a snapshot under a
new key; withdrawal and expiry destroy it at once; a referral that ended otherwise keeps its
packet for REFERRAL_PACKET_RETENTION_DAYS, then the key is destroyed too. The status history
stays, for the counsellor and the statistics.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any, Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.service import record as audit
from casework.auth.models import Organisation
from casework.cases.models import Case, Consent
from casework.cases.service import CODE_ALPHABET, require_open
from casework.clock import now, today
from casework.codes import label
from casework.crypto.envelope import create_data_key, destroy_data_key
from casework.crypto.fields import forget_opened_values
from casework.crypto.models import new_uuid
from casework.errors import InvalidTransition, StaleEdit
from casework.referrals.models import ENDED_STATUSES, Referral, ReferralEvent
from casework.referrals.packet import (DECLINE_REASONS, PURPOSES, WITHDRAW_REASONS, InvalidReferral,
                                       clean_draft, packet_digest)
from casework.referrals.queries import (active_organisation, current_consent,
                                        has_partner_accounts, packet_preview)

# Which status may follow which. A partner answers (accepted/declined), then records arrival and
# completion; the counsellor sends and may withdraw at any time before completion.
TRANSITIONS = {
    "draft": ("sent", "withdrawn"),
    "sent": ("accepted", "declined", "withdrawn", "expired"),
    "accepted": ("arrived", "withdrawn"),
    "arrived": ("completed", "withdrawn"),
}
PARTNER_STEPS = ("accepted", "declined", "arrived", "completed")


def refused_transition(status: str, target: str) -> str:
    """Why `target` cannot follow `status`, in words she can act on."""
    current = str(label("referral_status", status))
    messages = {
        "sent": _("Only a draft can be sent; this referral is: %(status)s.", status=current),
        "accepted": _("Only a referral waiting for an answer can be accepted; this one is: "
                      "%(status)s.", status=current),
        "declined": _("Only a referral waiting for an answer can be declined; this one is: "
                      "%(status)s.", status=current),
        "arrived": _("Her arrival can be recorded only after the referral was accepted; this one "
                     "is: %(status)s.", status=current),
        "completed": _("A referral can be completed only after her arrival was recorded; this one "
                       "is: %(status)s.", status=current),
        "withdrawn": _("This referral is %(status)s: it can no longer be withdrawn.", status=current),
    }
    return messages.get(target, _("This referral is: %(status)s.", status=current))


def _check_transition(referral: Referral, target: str) -> None:
    if target not in TRANSITIONS.get(referral.status, ()):
        raise InvalidTransition(refused_transition(referral.status, target))


def _setting(name: str) -> int:
    return int(current_app.config[name])


def new_referral_code(session: Session) -> str:
    """A random code the partner quotes (never anything of the case)."""
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        code = f"R-{raw[:4]}-{raw[4:]}"
        if session.scalar(select(Referral.id).where(Referral.code == code)) is None:
            return code


# --- drafts ------------------------------------------------------------------------------------

def require_referable(case: Case) -> None:
    """Referrals are made from an active case (not a draft intake, not a closed case)."""
    require_open(case)
    if case.status != "active":
        raise InvalidTransition(_("Finish the intake first: a referral is made from an active case."))


def _check_purpose(purpose: Any) -> None:
    if purpose not in PURPOSES:
        raise InvalidReferral({"purpose": _("Choose one of the purposes offered.")})


def create_draft(session: Session, case: Case, *, actor: Any, organisation_id: Any, purpose: Any,
                 **typed: Any) -> Referral:
    """Start a referral: the partner, the purpose, the fields chosen and what she typed for the
    partner, sealed under a data key of the referral's own."""
    require_referable(case)
    draft, organisation = _checked(session, organisation_id, purpose, typed)
    referral = Referral(id=new_uuid(), code=new_referral_code(session), case_id=case.id,
                        organisation_id=organisation.id, partner_type=organisation.kind,
                        purpose=purpose, status="draft", created_by_id=actor.id,
                        data_key_id=create_data_key(session).id)
    session.add(referral)
    referral.draft = draft
    session.flush()
    _event(session, referral, None, "draft", actor=actor, by="counsellor")
    audit(session, "referral.created", actor=actor, target_type="referral", target_id=referral.id,
          details={"case_id": case.id, "organisation_id": organisation.id})
    return referral


def _checked(session: Session, organisation_id: Any, purpose: Any,
             typed: dict[str, Any]) -> tuple[dict[str, Any], Organisation]:
    """Every problem of the input at once (the form shows each next to its field)."""
    problems: dict[str, str] = {}
    results: dict[str, Any] = {}
    checks = {"organisation": lambda: active_organisation(session, organisation_id),
              "purpose": lambda: _check_purpose(purpose), "draft": lambda: clean_draft(typed)}
    for name, check in checks.items():
        try:
            results[name] = check()
        except InvalidReferral as error:
            problems.update({k: v for k, v in error.problems.items() if k not in problems})
    if problems:
        raise InvalidReferral(problems)
    return results["draft"], results["organisation"]


def require_draft(referral: Referral) -> None:
    """Only a draft can be changed: what was sent is the packet she consented to."""
    if referral.status != "draft":
        raise InvalidTransition(_("Only a draft can be changed; this referral was already sent."))


def update_draft(session: Session, case: Case, referral: Referral, *, actor: Any,
                 expected_version: int, organisation_id: Any, purpose: Any, **typed: Any) -> None:
    """Change a draft; refused if someone saved it after `expected_version` was read."""
    require_referable(case)
    require_draft(referral)
    if referral.version != expected_version:
        raise StaleEdit(_("This referral was changed by someone else while you were editing it."),
                        current_version=referral.version)
    draft, organisation = _checked(session, organisation_id, purpose, typed)
    referral.organisation_id = organisation.id
    referral.partner_type = organisation.kind
    referral.purpose = purpose
    referral.draft = draft
    session.flush()
    audit(session, "referral.updated", actor=actor, target_type="referral", target_id=referral.id,
          details={"case_id": case.id, "organisation_id": organisation.id})


# --- consent and sending ----------------------------------------------------------------------

def _record_consent(session: Session, case: Case, referral: Referral, organisation: Organisation,
                    fields: list[str], *, actor: Any, given_on: date) -> Consent:
    """Her consent to this referral: this partner, this purpose, these fields."""
    consent = Consent(id=new_uuid(), client_id=case.client_id, case_id=case.id,
                      data_key_id=case.data_key_id, kind="referral", given_on=given_on,
                      recorded_by_id=actor.id)
    session.add(consent)
    # `shares` is kept as text (codes separated by commas) so the consents page reads it as it
    # reads one typed there; `partner_organisation_id` is what a referral is matched against.
    consent.scope = {"partner_organisation_id": organisation.id, "partner": organisation.name,
                     "purpose": referral.purpose, "shares": ", ".join(fields), "note": ""}
    session.flush()
    audit(session, "consent.recorded", actor=actor, target_type="consent", target_id=consent.id,
          details={"case_id": case.id, "kind": "referral"})
    return consent


def _consent_for_sending(session: Session, case: Case, referral: Referral,
                         organisation: Organisation, fields: list[str], *, actor: Any,
                         given_on: Optional[date]) -> Consent:
    """Her consent in force that covers this packet, or the one she gives now (`given_on`);
    refused with the reason when there is neither."""
    if given_on is not None and given_on > today():
        raise InvalidReferral({"consent_given_on": _("The date of the consent cannot be in the future.")})
    consent = current_consent(session, case, referral, fields)
    if consent is not None:
        return consent
    if given_on is None:
        raise InvalidReferral({"consent_given": _(
            "She has not consented to this referral: a referral is sent only with her consent to "
            "this partner, for this purpose, and to sharing every field chosen. Record her consent.")})
    return _record_consent(session, case, referral, organisation, fields, actor=actor, given_on=given_on)


def send(session: Session, case: Case, referral: Referral, *, actor: Any, expected_version: int,
         previewed_digest: str, consent_given_on: Optional[date] = None) -> None:
    """Send the draft: it needs her consent to this partner and purpose covering every field
    (recorded now when `consent_given_on` is given), an active partner, and the packet she
    previewed. The snapshot is sealed under a NEW data key; the draft and its key are destroyed."""
    require_referable(case)
    _check_transition(referral, "sent")
    if referral.version != expected_version:
        raise StaleEdit(_("This referral was changed by someone else while you were looking at it."),
                        current_version=referral.version)
    organisation = session.get(Organisation, referral.organisation_id)
    if organisation is None or not organisation.active:
        raise InvalidReferral({"organisation_id": _(
            "This partner organisation is no longer active: nothing can be sent to it. Change the "
            "draft to another partner, or withdraw it.")})
    packet = packet_preview(session, case, referral)
    if packet_digest(packet) != previewed_digest:
        raise StaleEdit(_("What would be sent changed since you looked at it (her record was edited "
                          "meanwhile). Look at the packet again before sending it."),
                        current_version=referral.version)
    # Her consent is the last check and its recording the first change: nothing after it
    # can refuse, so a refusal never leaves half a referral behind.
    consent = _consent_for_sending(session, case, referral, organisation, packet["fields"],
                                   actor=actor, given_on=consent_given_on)
    draft_key = referral.data_key_id
    referral.draft = None
    referral.data_key_id = create_data_key(session).id
    referral.packet = packet
    if draft_key is not None:
        destroy_data_key(session, draft_key)
    referral.shared_fields = ",".join(packet["fields"])
    referral.consent_id = consent.id
    referral.sent_at = now()
    _change(session, referral, "sent", actor=actor, by="counsellor",
            details={"organisation_id": organisation.id, "fields": len(packet["fields"])})


# --- after sending -----------------------------------------------------------------------------

def withdraw(session: Session, case: Case, referral: Referral, *, actor: Any, reason: str) -> None:
    """Withdraw it (a draft is discarded the same way): the partner then sees only that it was
    withdrawn, and the packet's content is erased at once. Allowed on a closed case too."""
    if reason not in WITHDRAW_REASONS:
        raise InvalidReferral({"reason": _("Choose one of the reasons offered.")})
    _check_transition(referral, "withdrawn")
    _change(session, referral, "withdrawn", actor=actor, by="counsellor", reason=reason)
    erase_content(session, referral)


def answer_as_partner(session: Session, referral: Referral, *, actor: Any, status: str,
                      reason: Optional[str] = None) -> None:
    """A partner's step on a referral addressed to her organisation (loaded by
    referral_for_partner): accept, decline with a reason code, arrival, completion."""
    _check_step(referral, status, reason)
    _change(session, referral, status, actor=actor, by="partner", reason=reason,
            details={"organisation_id": referral.organisation_id})


def record_outcome(session: Session, case: Case, referral: Referral, *, actor: Any, status: str,
                   reason: Optional[str] = None) -> None:
    """The counsellor records the partner's answer herself, for a partner with no account."""
    _check_step(referral, status, reason)
    if has_partner_accounts(session, referral.organisation_id):
        raise InvalidTransition(_("This partner answers in Casework itself: its answer will show "
                                  "here when it gives it."))
    _change(session, referral, status, actor=actor, by="counsellor", reason=reason,
            details={"organisation_id": referral.organisation_id})


def _check_step(referral: Referral, status: str, reason: Optional[str]) -> None:
    if status not in PARTNER_STEPS:
        raise InvalidReferral({"outcome": _("Choose one of the options offered.")})
    if status == "declined" and reason not in DECLINE_REASONS:
        raise InvalidReferral({"reason": _("Choose why the referral is declined.")})
    _check_transition(referral, status)


def _change(session: Session, referral: Referral, status: str, *, actor: Any, by: str,
            reason: Optional[str] = None, details: Optional[dict[str, Any]] = None) -> None:
    previous = referral.status
    referral.status = status
    if status in ENDED_STATUSES:
        referral.ended_at = now()
    session.flush()
    _event(session, referral, previous, status, actor=actor, by=by, reason=reason)
    audit(session, f"referral.{status}", actor=actor, target_type="referral", target_id=referral.id,
          details={"case_id": referral.case_id, "recorded_by": by,
                   **({"reason": reason} if reason else {}), **(details or {})})


def _event(session: Session, referral: Referral, previous: Optional[str], status: str, *,
           actor: Any, by: str, reason: Optional[str] = None) -> None:
    session.add(ReferralEvent(referral_id=referral.id, from_status=previous, status=status,
                              reason=reason, recorded_by=by, actor_id=getattr(actor, "id", None),
                              at=now()))
    session.flush()


def erase_content(session: Session, referral: Referral) -> None:
    """Crypto-shred the packet: destroy its data key and drop the sealed bytes."""
    if referral.data_key_id is not None:
        destroy_data_key(session, referral.data_key_id)
    referral.draft_sealed = None
    referral.packet_sealed = None
    forget_opened_values(referral)
    if referral.content_erased_at is None:
        referral.content_erased_at = now()
    session.flush()


# --- time passing (called lazily by the pages, and by a command) -------------------------------

def expire_due(session: Session) -> int:
    """Expire the referrals sent REFERRAL_EXPIRY_DAYS ago without an answer (content erased)."""
    limit = now() - timedelta(days=_setting("REFERRAL_EXPIRY_DAYS"))
    due = list(session.scalars(select(Referral).where(Referral.status == "sent",
                                                      Referral.sent_at <= limit)))
    for referral in due:
        _change(session, referral, "expired", actor=None, by="system", reason="no_answer")
        erase_content(session, referral)
    return len(due)


def withdraw_where_consent_withdrawn(session: Session) -> int:
    """A referral still under way whose consent she withdrew is withdrawn (content erased)."""
    affected = list(session.scalars(select(Referral).join(Consent, Consent.id == Referral.consent_id)
                                    .where(Referral.status.in_(("sent", "accepted", "arrived")),
                                           Consent.withdrawn_on.is_not(None))))
    for referral in affected:
        _change(session, referral, "withdrawn", actor=None, by="system", reason="consent_withdrawn")
        erase_content(session, referral)
    return len(affected)


def purge_ended_packets(session: Session) -> int:
    """Erase the packets of referrals that ended REFERRAL_PACKET_RETENTION_DAYS ago."""
    limit = now() - timedelta(days=_setting("REFERRAL_PACKET_RETENTION_DAYS"))
    due = list(session.scalars(select(Referral).where(Referral.ended_at <= limit,
                                                      Referral.content_erased_at.is_(None))))
    for referral in due:
        erase_content(session, referral)
        audit(session, "referral.packet_erased", target_type="referral", target_id=referral.id,
              details={"case_id": referral.case_id})
    return len(due)


def keep_up_to_date(session: Session) -> None:
    """Expiries, consent withdrawals and erasures that fell due (cheap when there are none)."""
    expire_due(session)
    withdraw_where_consent_withdrawn(session)
    purge_ended_packets(session)


def shred_referrals_of_client(session: Session, client_id: str) -> None:
    """When she is erased: every packet of hers goes too (each is under a key of its own), and a
    referral still under way is withdrawn, so the partner sees why its content is gone."""
    for referral in list(session.scalars(select(Referral).join(Case, Case.id == Referral.case_id)
                                         .where(Case.client_id == client_id))):
        if referral.status not in ENDED_STATUSES:
            _change(session, referral, "withdrawn", actor=None, by="system", reason="client_erased")
        erase_content(session, referral)
