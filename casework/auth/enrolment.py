"""One-time enrolment codes: how a person sets her own password and second factor.

The code is long and random, shown once to the administrator who hands it over, and stored
only as a SHA-256 (a fast hash is enough for a 128-bit random secret). It expires and works once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework.audit.service import record
from casework.auth.errors import EnrolmentCodeInvalid
from casework.auth.models import ENROLMENT_PURPOSES, EnrolmentCode, User
from casework.clock import as_utc, now

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: it is read aloud and typed
CODE_LENGTH = 28  # about 138 bits


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch in ALPHABET)


def format_code(raw: str) -> str:
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def issue_enrolment_code(session: Session, user: User, purpose: str, *,
                         actor: Optional[User]) -> str:
    """Issue a new code (earlier unused ones stop working); returns it for showing once."""
    if purpose not in ENROLMENT_PURPOSES:
        raise ValueError(f"unknown enrolment purpose {purpose}")
    moment = now()
    session.execute(update(EnrolmentCode).where(EnrolmentCode.user_id == user.id,
                                                EnrolmentCode.used_at.is_(None))
                    .values(used_at=moment))
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    hours = current_app.config["ENROLMENT_CODE_HOURS"]
    session.add(EnrolmentCode(user_id=user.id, code_hash=_hash(raw), purpose=purpose,
                              created_by_id=getattr(actor, "id", None), created_at=moment,
                              expires_at=moment + timedelta(hours=hours)))
    record(session, "user.enrolment_code_issued", actor=actor, target_type="user",
           target_id=user.id, details={"purpose": purpose, "valid_hours": hours})
    session.flush()
    return format_code(raw)


def find_valid_code(session: Session, code: str) -> EnrolmentCode:
    """The unused, unexpired code for an active user, or one refusal for every other case."""
    entry = session.scalar(select(EnrolmentCode).where(EnrolmentCode.code_hash == _hash(code)))
    if entry is None or entry.used_at is not None or as_utc(entry.expires_at) <= now():
        raise EnrolmentCodeInvalid(_("This enrolment code is not valid. It may be mistyped, "
                                     "already used or expired; ask an administrator for a new one."))
    user = session.get(User, entry.user_id)
    if user is None or not user.active:
        raise EnrolmentCodeInvalid(_("This enrolment code is not valid. It may be mistyped, "
                                     "already used or expired; ask an administrator for a new one."))
    return entry


def mark_code_used(session: Session, entry: EnrolmentCode) -> None:
    entry.used_at = now()
    record(session, "user.enrolment_completed", actor=None, target_type="user",
           target_id=entry.user_id, details={"purpose": entry.purpose})
