"""The records of a case: sessions, risk assessments, safety plans, consents, closure.

The only writer of these records. Every function takes a case already opened through
casework.cases.access.case_for (access checked, the read audited), refuses on a closed case,
checks every rule *before* it changes anything (a refusal leaves nothing half-stored, so the
caller may keep and commit the audit entry of the read), flushes and records an audit entry in
the same transaction — ids and kinds only, never what was written.

The date rules are also offered as small functions returning {field: message}: the forms call
them, so a counsellor sees every problem next to its field at once, and each rule is written once.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable, Optional

from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from casework.audit.service import record as audit
from casework.cases.models import Case, CaseSession, Consent, RiskAssessment, SafetyPlan
from casework.cases.service import close_case, reopen_case, require_open
from casework.clock import today
from casework.codes import code_list, is_valid
from casework.crypto.models import new_uuid
from casework.errors import AuditOnRefusal, DomainError, InvalidTransition, NotPermitted, StaleEdit

NOTE_LIMIT = 10_000  # notes, narrative, plan sections
LINE_LIMIT = 200  # a name or a language
MIN_MINUTES, MAX_MINUTES = 1, 600
Problems = dict[str, str]


class InvalidRecord(DomainError):
    """Input the form should have refused (so it was posted by hand): which field and why."""
    status = 400

    def __init__(self, problems: Problems) -> None:
        super().__init__(next(iter(problems.values())))
        self.problems = problems


def too_long(limit: int, count: int) -> str:
    return _("This is too long: at most %(limit)s characters; this has %(count)s.",
             limit=format_number(limit), count=format_number(count))


class _Checks:
    """Collects the problems of one input, at most one per field (the first found)."""

    def __init__(self, problems: Optional[Problems] = None) -> None:
        self.problems: Problems = dict(problems or {})

    def require(self, field: str, ok: bool, message: str) -> None:
        if not ok and field not in self.problems:
            self.problems[field] = message

    def code(self, field: str, list_name: str, value: Optional[str]) -> None:
        # Messages are only translated when a check fails: saving is the common case.
        if value in (None, ""):
            self.require(field, False, _("Choose one of the options."))
        elif not is_valid(list_name, value):
            self.require(field, False, _("Choose one of the options offered."))

    def text(self, field: str, value: Optional[str], limit: int = NOTE_LIMIT) -> None:
        length = len(value or "")
        if length > limit:
            self.require(field, False, too_long(limit, length))

    def raise_any(self) -> None:
        if self.problems:
            raise InvalidRecord(self.problems)


# --- date rules (shared with the forms) ----------------------------------------------------

def not_in_future(field: str, day: Optional[date], message: str) -> Problems:
    return {field: message} if day is not None and day > today() else {}


def _in_order(field: str, earlier: Optional[date], later: Optional[date], message: str, *,
              strictly: bool = True) -> Problems:
    if earlier and later and (later <= earlier if strictly else later < earlier):
        return {field: message}
    return {}


def session_date_problems(held_on: Optional[date], next_follow_up_on: Optional[date]) -> Problems:
    return {**not_in_future("held_on", held_on, _("The date of the session cannot be in the future.")),
            **_in_order("next_follow_up_on", held_on, next_follow_up_on,
                        _("The next follow-up must be after the date of the session."))}


def plan_date_problems(made_on: Optional[date], review_on: Optional[date]) -> Problems:
    return {**not_in_future("made_on", made_on, _("The date of the plan cannot be in the future.")),
            **_in_order("review_on", made_on, review_on, _("The review date must be after the date of the plan."))}


def withdrawal_date_problems(given_on: date, withdrawn_on: Optional[date]) -> Problems:
    return {**_in_order("withdrawn_on", given_on, withdrawn_on, strictly=False, message=_(
                "The date of withdrawal cannot be before the consent was given.")),
            **not_in_future("withdrawn_on", withdrawn_on, _("The date of withdrawal cannot be in the future."))}


def closure_date_problems(case: Case, closed_on: Optional[date]) -> Problems:
    return {**_in_order("closed_on", case.opened_on, closed_on, strictly=False, message=_(
                "The date of closure cannot be before the case was opened.")),
            **not_in_future("closed_on", closed_on, _("The date of closure cannot be in the future."))}


# --- loading a record of a case -------------------------------------------------------------

def _looks_like_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 36


def record_of_case(session: Session, model: Any, case: Case, record_id: str, *, kind: str) -> Any:
    """A record by (case, id); an id of another case or of nothing gets the case's own refusal.

    Consents include hers recorded with no case, which the case page lists too."""
    belongs = _consents_of(case) if model is Consent else model.case_id == case.id
    found = session.scalar(select(model).where(model.id == record_id, belongs)) \
        if _looks_like_id(record_id) else None
    if found is None:
        raise NotPermitted(_("You do not have access to this case."), audit=AuditOnRefusal(
            "record.access_refused", kind, str(record_id)[:64], {"case_id": case.id}))
    return found


def open_record(session: Session, model: Any, case: Case, record_id: str, *, actor: Any,
                kind: str) -> Any:
    """Load a session, assessment or plan of `case` for reading; the read is audited."""
    found = record_of_case(session, model, case, record_id, kind=kind)
    audit(session, f"{kind}.opened", actor=actor, target_type=kind, target_id=found.id,
          details={"case_id": case.id})
    return found


def _consents_of(case: Case) -> Any:
    return or_(Consent.case_id == case.id,
               and_(Consent.case_id.is_(None), Consent.client_id == case.client_id))


# --- lists, newest first ---------------------------------------------------------------------

DAY_OF = {RiskAssessment: RiskAssessment.assessed_on, SafetyPlan: SafetyPlan.made_on,
          CaseSession: CaseSession.held_on}


def newest_first(session: Session, model: Any, case: Case) -> list[Any]:
    """The assessments, plans or sessions of a case, the newest first."""
    day = DAY_OF[model]
    return list(session.scalars(select(model).where(model.case_id == case.id)
                                .order_by(day.desc(), model.created_at.desc())))


def consent_history(session: Session, case: Case, *, actor: Any) -> list[Consent]:
    """Her consents and withdrawals, newest first; the read is audited."""
    consents = list(session.scalars(select(Consent).where(_consents_of(case))
                                    .order_by(Consent.given_on.desc(), Consent.created_at.desc())))
    audit(session, "consents.opened", actor=actor, target_type="case", target_id=case.id,
          details={"consents": len(consents)})
    return consents


# --- sessions --------------------------------------------------------------------------------

def _session_details(held_on: date, duration_minutes: Optional[int], service: Optional[str],
                     mode: Optional[str], interpreter_used: bool = False,
                     interpreter_language: str = "", notes: str = "",
                     next_follow_up_on: Optional[date] = None) -> dict[str, Any]:
    """The sealed details of a contact, once every rule holds (InvalidRecord otherwise)."""
    checks = _Checks(session_date_problems(held_on, next_follow_up_on))
    checks.require("duration_minutes", isinstance(duration_minutes, int)
                   and MIN_MINUTES <= duration_minutes <= MAX_MINUTES,
                   _("Enter a duration between 1 and 600 minutes."))
    checks.code("service", "services", service)
    checks.code("mode", "session_mode", mode)
    checks.text("interpreter_language", interpreter_language, LINE_LIMIT)
    checks.text("notes", notes)
    checks.raise_any()
    return {"duration_minutes": duration_minutes, "service": service, "mode": mode,
            "interpreter_used": bool(interpreter_used), "interpreter_language": interpreter_language or "",
            "notes": notes or "",
            "next_follow_up_on": next_follow_up_on.isoformat() if next_follow_up_on else None}


def add_session(session: Session, case: Case, *, actor: Any, held_on: date, **details: Any) -> CaseSession:
    """Record one contact: `details` are duration_minutes, service, mode, interpreter_used,
    interpreter_language, notes and next_follow_up_on; the case's next follow-up follows."""
    require_open(case)
    sealed = _session_details(held_on, **details)
    contact = CaseSession(id=new_uuid(), case_id=case.id, data_key_id=case.data_key_id,
                          counsellor_id=actor.id, held_on=held_on)
    session.add(contact)
    contact.details = sealed
    _refresh_follow_up(session, case)
    session.flush()
    audit(session, "session.recorded", actor=actor, target_type="session", target_id=contact.id,
          details={"case_id": case.id})
    return contact


def update_session(session: Session, case: Case, contact: CaseSession, *, actor: Any,
                   expected_version: int, held_on: date, **details: Any) -> None:
    """Change a contact (same `details` as add_session), refused with StaleEdit if someone
    saved it after `expected_version` was read."""
    require_open(case)
    if contact.version != expected_version:
        raise StaleEdit(_("This session was changed by someone else while you were editing it."),
                        current_version=contact.version)
    sealed = _session_details(held_on, **details)
    contact.held_on = held_on
    contact.details = sealed
    _refresh_follow_up(session, case)
    session.flush()
    audit(session, "session.updated", actor=actor, target_type="session", target_id=contact.id,
          details={"case_id": case.id})


def _refresh_follow_up(session: Session, case: Case) -> None:
    """The case's next follow-up is the one set at the latest contact whose follow-up is still
    ahead (today included): each contact sets the plan, and an earlier date set at the latest
    contact is never hidden behind a later one set at an older contact."""
    upcoming = None
    for contact in newest_first(session, CaseSession, case):
        planned = (contact.details or {}).get("next_follow_up_on")
        if planned and date.fromisoformat(planned) >= today():
            upcoming = date.fromisoformat(planned)
            break
    if case.next_follow_up_on != upcoming:
        case.next_follow_up_on = upcoming


# --- risk and safety -------------------------------------------------------------------------

def add_risk_assessment(session: Session, case: Case, *, actor: Any, assessed_on: date,
                        indicators: Iterable[str], level: str, note: str = "") -> RiskAssessment:
    """Keep a new dated assessment; the case shows the level of the newest one."""
    require_open(case)
    indicators = list(indicators)
    checks = _Checks(not_in_future("assessed_on", assessed_on, _("The date of the assessment cannot be in the future.")))
    checks.require("indicators", all(is_valid("risk_indicators", code) for code in indicators),
                   _("Choose only among the options offered."))
    checks.code("level", "risk_level", level)
    checks.text("note", note)
    checks.raise_any()
    newest_before = session.scalar(select(func.max(RiskAssessment.assessed_on))
                                   .where(RiskAssessment.case_id == case.id))
    assessment = RiskAssessment(id=new_uuid(), case_id=case.id, data_key_id=case.data_key_id,
                                assessed_by_id=actor.id, assessed_on=assessed_on)
    session.add(assessment)
    assessment.assessment = {"indicators": indicators, "level": level, "note": note or ""}
    # A late entry of an older assessment is kept but does not replace the current level.
    if (newest_before is None or assessed_on >= newest_before) and case.risk_level != level:
        case.risk_level = level
    session.flush()
    audit(session, "risk.assessed", actor=actor, target_type="risk", target_id=assessment.id,
          details={"case_id": case.id})
    return assessment


def add_safety_plan(session: Session, case: Case, *, actor: Any, made_on: date,
                    sections: dict[str, str], review_on: Optional[date] = None) -> SafetyPlan:
    """Keep a new dated safety plan (one text per section of the safety_plan_sections list)."""
    require_open(case)
    checks = _Checks(plan_date_problems(made_on, review_on))
    for code, text in sections.items():
        checks.require(code, code in code_list("safety_plan_sections"), _("Unknown section."))
        checks.text(code, text)
    filled = {code: text for code, text in sections.items() if text and text.strip()}
    checks.require("sections", bool(filled), _("Write at least one section of the plan."))
    checks.raise_any()
    plan = SafetyPlan(id=new_uuid(), case_id=case.id, data_key_id=case.data_key_id,
                      made_by_id=actor.id, made_on=made_on)
    session.add(plan)
    plan.plan = {"sections": filled, "review_on": review_on.isoformat() if review_on else None}
    session.flush()
    audit(session, "safety_plan.recorded", actor=actor, target_type="safety_plan",
          target_id=plan.id, details={"case_id": case.id})
    return plan


# --- consents --------------------------------------------------------------------------------

def record_consent(session: Session, case: Case, *, actor: Any, kind: str, given_on: date,
                   partner: str = "", purpose: str = "", shares: str = "", note: str = "") -> Consent:
    """Keep a new dated consent; a change of mind is a new row or a withdrawal, never an edit.

    A referral consent names the partner, the purpose and what may be shared with her.
    """
    require_open(case)
    checks = _Checks(not_in_future("given_on", given_on, _("The date of the consent cannot be in the future.")))
    checks.code("kind", "consent_kinds", kind)
    for field, value in (("partner", partner), ("purpose", purpose), ("shares", shares)):
        checks.require(field, kind != "referral" or bool((value or "").strip()),
                       _("A referral consent needs this."))
    checks.text("partner", partner, LINE_LIMIT)
    for field, value in (("purpose", purpose), ("shares", shares), ("note", note)):
        checks.text(field, value)
    checks.raise_any()
    consent = Consent(id=new_uuid(), client_id=case.client_id, case_id=case.id,
                      data_key_id=case.data_key_id, kind=kind, given_on=given_on,
                      recorded_by_id=actor.id)
    session.add(consent)
    consent.scope = {"partner": partner or "", "purpose": purpose or "", "shares": shares or "",
                     "note": note or ""}
    session.flush()
    audit(session, "consent.recorded", actor=actor, target_type="consent", target_id=consent.id,
          details={"case_id": case.id, "kind": kind})
    return consent


def withdraw_consent(session: Session, case: Case, consent: Consent, *, actor: Any,
                     withdrawn_on: date) -> None:
    """Mark a consent withdrawn from `withdrawn_on`; the row and its history stay.

    Allowed on a closed case too: she may withdraw her consent at any time, and a closed case
    must not stand in the way (the statistics and referrals then respect it)."""
    if consent.withdrawn_on is not None:
        raise InvalidTransition(_("This consent was already withdrawn."))
    _Checks(withdrawal_date_problems(consent.given_on, withdrawn_on)).raise_any()
    consent.withdrawn_on = withdrawn_on
    session.flush()
    audit(session, "consent.withdrawn", actor=actor, target_type="consent", target_id=consent.id,
          details={"case_id": case.id, "kind": consent.kind})


# --- closure ---------------------------------------------------------------------------------

def close(session: Session, case: Case, *, actor: Any, expected_version: int, closed_on: date,
          reason: str, note: str = "") -> None:
    """Close the case with a reason; it is read-only until reopened."""
    require_open(case)
    checks = _Checks(closure_date_problems(case, closed_on))
    checks.code("reason", "closure_reasons", reason)
    checks.text("note", note)
    checks.raise_any()
    close_case(session, case, actor=actor, expected_version=expected_version,
               closed_on=closed_on, reason=reason, note=note or "")


def reopen(session: Session, case: Case, *, actor: Any, expected_version: int) -> None:
    """Reopen a closed case; its closures stay in its history, its follow-up comes back."""
    reopen_case(session, case, actor=actor, expected_version=expected_version)
    _refresh_follow_up(session, case)
    session.flush()
