"""The life of a case: opening an intake, saving its sections, activating, closing, reopening.

The only writer of cases. Every change checks the version the counsellor started from
(optimistic locking) and is audited in the same transaction; content goes through the sealed
fields of the models and never appears in an audit entry.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.service import record
from casework.cases.models import Case
from casework.clients.models import Client
from casework.clock import today
from casework.errors import InvalidTransition, StaleEdit

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: codes are read aloud


def new_case_code(session: Session) -> str:
    """A short random code (not a sequence, so it tells nothing of how many cases there are)."""
    while True:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        code = f"{raw[:4]}-{raw[4:]}"
        if session.scalar(select(Case.id).where(Case.code == code)) is None:
            return code


def check_version(case: Case, expected_version: int) -> None:
    """Refuse a save based on an older version: nothing is silently overwritten."""
    if case.version != expected_version:
        raise StaleEdit(_("This case was changed by someone else while you were editing it."),
                        current_version=case.version)


def open_case(session: Session, *, actor: Any, client: Client) -> Case:
    """Start a new case for a client as a draft intake assigned to the counsellor opening it."""
    case = Case(code=new_case_code(session), client_id=client.id, data_key_id=client.data_key_id,
                status="draft", assigned_counsellor_id=actor.id, created_by_id=actor.id)
    session.add(case)
    session.flush()
    case.intake = {}
    case.perpetrators = []
    session.flush()
    record(session, "case.created", actor=actor, target_type="case", target_id=case.id)
    return case


def save_intake(session: Session, case: Case, *, actor: Any, expected_version: int,
                intake: Optional[dict] = None, perpetrators: Optional[list] = None) -> None:
    """Replace intake sections (already validated by the caller's schema) of an open case."""
    check_version(case, expected_version)
    if case.status == "closed":
        raise InvalidTransition(_("A closed case is read-only. Reopen it to change it."))
    if intake is not None:
        case.intake = {**(case.intake or {}), **intake}
    if perpetrators is not None:
        case.perpetrators = perpetrators
    session.flush()
    record(session, "case.intake_saved", actor=actor, target_type="case", target_id=case.id,
           details={"draft": case.status == "draft"})


def activate_case(session: Session, case: Case, *, actor: Any, expected_version: int,
                  opened_on: date) -> None:
    """Finish the intake: the draft becomes an active case from `opened_on`."""
    check_version(case, expected_version)
    if case.status != "draft":
        raise InvalidTransition(_("Only a draft intake can be completed."))
    case.status = "active"
    case.opened_on = opened_on
    session.flush()
    record(session, "case.activated", actor=actor, target_type="case", target_id=case.id)


def close_case(session: Session, case: Case, *, actor: Any, expected_version: int,
               closed_on: date, reason: str, note: str = "") -> None:
    """Close with a reason; the case is read-only until reopened."""
    check_version(case, expected_version)
    if case.status != "active":
        raise InvalidTransition(_("Only an active case can be closed."))
    case.status = "closed"
    case.closed_on = closed_on
    history = list((case.closure or {}).get("history", []))
    history.append({"closed_on": closed_on.isoformat(), "reason": reason, "note": note})
    case.closure = {"reason": reason, "note": note, "history": history}
    case.next_follow_up_on = None
    session.flush()
    record(session, "case.closed", actor=actor, target_type="case", target_id=case.id,
           details={"reason": reason})


def reopen_case(session: Session, case: Case, *, actor: Any, expected_version: int) -> None:
    """Reopen a closed case; its closures stay in its history."""
    check_version(case, expected_version)
    if case.status != "closed":
        raise InvalidTransition(_("Only a closed case can be reopened."))
    case.status = "active"
    case.closed_on = None
    history = list((case.closure or {}).get("history", []))
    history.append({"reopened_on": today().isoformat()})
    case.closure = {"history": history}
    session.flush()
    record(session, "case.reopened", actor=actor, target_type="case", target_id=case.id)


def require_open(case: Case) -> None:
    """Records are added to draft or active cases only."""
    if case.status == "closed":
        raise InvalidTransition(_("A closed case is read-only. Reopen it to change it."))
