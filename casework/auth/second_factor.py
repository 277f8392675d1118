"""The TOTP second factor of an account: sealed secret, replay refusal, recovery codes."""

from __future__ import annotations

from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.service import record
from casework.auth.models import RecoveryCode, User
from casework.clock import now
from casework.crypto.envelope import create_data_key, open_value, seal_value
from casework.security.recovery_codes import (generate_recovery_codes, hash_recovery_code,
                                              match_recovery_code)
from casework.security.totp import verify_totp

TABLE, FIELD = "users", "totp_secret"


def _seal_secret(session: Session, user: User, secret: str) -> bytes:
    if user.data_key_id is None:
        user.data_key_id = create_data_key(session).id
    return seal_value(session, user.data_key_id, secret, table=TABLE, field=FIELD, record_id=user.id)


def store_totp_secret(session: Session, user: User, secret: str, *, last_step: Optional[int]) -> None:
    """Seal and keep a confirmed TOTP secret as her second factor."""
    user.totp_secret_sealed = _seal_secret(session, user, secret)
    user.totp_enabled_at = now()
    user.totp_last_step = last_step


def totp_secret(session: Session, user: User) -> Optional[str]:
    if user.totp_secret_sealed is None:
        return None
    return open_value(session, user.totp_secret_sealed, table=TABLE, field=FIELD, record_id=user.id)


def enable_second_factor(session: Session, user: User, secret: str, code: str) -> Optional[list[str]]:
    """Confirm a new TOTP secret with a code from her app; returns fresh recovery codes, or None
    if the code does not match (nothing is changed then)."""
    step = verify_totp(secret, code, last_used_step=None, now=now().timestamp())
    if step is None:
        return None
    store_totp_secret(session, user, secret, last_step=step)
    codes = replace_recovery_codes(session, user)
    record(session, "user.second_factor_enrolled", actor=user, target_type="user", target_id=user.id)
    return codes


def check_totp(session: Session, user: User, code: str) -> bool:
    """Accept a current code once only: its time step must be newer than the last one used."""
    secret = totp_secret(session, user)
    if secret is None:
        return False
    step = verify_totp(secret, code, last_used_step=user.totp_last_step, now=now().timestamp())
    if step is None:
        return False
    user.totp_last_step = step
    return True


def replace_recovery_codes(session: Session, user: User) -> list[str]:
    """New one-time recovery codes (the old ones stop working); shown once, stored hashed."""
    for old in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(old)
    codes = generate_recovery_codes()
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_hash=hash_recovery_code(code)))
    session.flush()
    return codes


def use_recovery_code(session: Session, user: User, code: str) -> bool:
    """Spend one recovery code; each works once."""
    unused = list(session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                             RecoveryCode.used_at.is_(None))))
    index = match_recovery_code(code, [row.code_hash for row in unused])
    if index is None:
        return False
    unused[index].used_at = now()
    record(session, "user.recovery_code_used", actor=user, target_type="user", target_id=user.id,
           details={"remaining": len(unused) - 1})
    return True
