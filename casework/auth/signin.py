"""Signing in: the password and second-factor checks, per-account backoff, the device cookie.

Every refusal looks the same from outside (one message, one status, about the same time), so
the sign-in form tells nobody whether an account exists, is deactivated, has no password yet,
whether the password or the code was wrong, or whether the account is being throttled.

Backoff is per (account, bucket), never a hard lock. The bucket is the device a person signed
in from before — a signed cookie naming her and a random device id — or "untrusted" for
everyone else. Someone who knows a counsellor's username can only slow the untrusted bucket
down; she keeps signing in from her own devices. The device cookie proves nothing by itself:
it only chooses which counter a failure goes to.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Callable, NoReturn, Optional

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from casework.audit.service import record
from casework.auth.models import RecoveryCode, SigninThrottle, User
from casework.auth.second_factor import check_totp, use_recovery_code
from casework.auth.users import find_user
from casework.clock import as_utc, now
from casework.errors import DomainError
from casework.security.passwords import (hash_password, needs_rehash, verify_against_dummy,
                                         verify_password)
from casework.security.runtime_hasher import password_hasher

SIGNIN_FAILED = _l("Sign-in failed. Check your username and password, or wait a moment and "
                   "try again.")

DEVICE_COOKIE = "__Host-casework_device"
DEVICE_COOKIE_DEVELOPMENT = "casework_device"  # __Host- cookies need HTTPS
DEVICE_COOKIE_MAX_AGE = 365 * 24 * 3600
DEVICE_SALT = "casework-device"
UNTRUSTED = "untrusted"

# After this many wrong passwords in a row at the lock screen, the session is ended.
MAX_UNLOCK_FAILURES = 5


class SigninFailed(DomainError):
    """A refused sign-in step; the message is the same whatever the reason."""

    def __init__(self) -> None:
        super().__init__(str(SIGNIN_FAILED))


# --- The device cookie (pure functions of the secret key and the cookie value) ---------------

def device_cookie_name(development: bool) -> str:
    return DEVICE_COOKIE_DEVELOPMENT if development else DEVICE_COOKIE


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=DEVICE_SALT)


def new_device_cookie(secret_key: str, user_id: int) -> str:
    """A signed value naming her and a fresh random device id."""
    return _serializer(secret_key).dumps({"u": user_id, "d": secrets.token_urlsafe(16)})


def device_id(secret_key: str, cookie: Optional[str], user_id: int) -> Optional[str]:
    """The device id of a valid cookie issued to this user, else None."""
    if not cookie:
        return None
    try:
        value = _serializer(secret_key).loads(cookie)
    except BadSignature:
        return None
    if not isinstance(value, dict) or value.get("u") != user_id:
        return None
    device = value.get("d")
    return device if isinstance(device, str) and 0 < len(device) <= 40 else None


def bucket_for(secret_key: str, cookie: Optional[str], user_id: int) -> str:
    device = device_id(secret_key, cookie, user_id)
    return f"device:{device}" if device else UNTRUSTED


# --- Backoff (pure) --------------------------------------------------------------------------

def backoff_seconds(failures: int, *, free: int, base: int, maximum: int) -> int:
    """How long to wait after the last failure: nothing for the first `free` failures, then
    base, 2·base, 4·base … capped at `maximum`."""
    if failures < free:
        return 0
    return min(base * 2 ** (failures - free), maximum)


def refused_until(failures: int, last_failure_at: Optional[datetime]) -> Optional[datetime]:
    """When the next attempt is allowed again, if it is not allowed now."""
    config = current_app.config
    wait = backoff_seconds(failures, free=config["SIGNIN_FREE_FAILURES"],
                           base=config["SIGNIN_BACKOFF_BASE_SECONDS"],
                           maximum=config["SIGNIN_BACKOFF_MAX_SECONDS"])
    if not wait or last_failure_at is None:
        return None
    until = as_utc(last_failure_at) + timedelta(seconds=wait)
    return until if until > now() else None


# --- The checks ------------------------------------------------------------------------------

def _bucket(user: User, device_cookie: Optional[str]) -> str:
    return bucket_for(current_app.config["SECRET_KEY"], device_cookie, user.id)


def _throttle(session: Session, user: User, bucket: str) -> SigninThrottle:
    """Her backoff row for this bucket, locked (PostgreSQL) so that parallel attempts on one
    bucket are checked one after the other and each sees the failures before it."""
    row = session.scalar(select(SigninThrottle)
                         .where(SigninThrottle.user_id == user.id, SigninThrottle.bucket == bucket)
                         .with_for_update().execution_options(populate_existing=True))
    if row is None:
        row = SigninThrottle(user_id=user.id, bucket=bucket, failures=0)
        session.add(row)
        session.flush()
    return row


def guarded_check(session: Session, user: User, device_cookie: Optional[str], *, stage: str,
                  check: Callable[[], bool], action: str = "auth.signin_failed") -> None:
    """Run `check` unless her bucket is in backoff; count and audit a failure, then raise.

    While in backoff the check is not run at all (a right password would not help an attacker
    who is guessing), and the refused attempt does not lengthen the wait.
    """
    row = _throttle(session, user, _bucket(user, device_cookie))
    session.refresh(user)  # what an attempt that held the lock before us changed (TOTP step)
    if refused_until(row.failures, row.last_failure_at) is not None:
        if stage in ("password", "reauth"):
            verify_against_dummy("", password_hasher())  # same time as a real check
        _fail(session, user, stage=stage, throttled=True, action=action)
    if not check():
        # Counted in SQL (failures + 1): no lost update, and no version bump on the user that
        # would turn an administrator's edit of her account into a conflict.
        session.execute(update(SigninThrottle).where(SigninThrottle.id == row.id)
                        .values(failures=SigninThrottle.failures + 1, last_failure_at=now()))
        _fail(session, user, stage=stage, throttled=False, action=action)


def _fail(session: Session, user: Optional[User], *, stage: str, throttled: bool,
          action: str) -> NoReturn:
    if user is not None and action == "auth.signin_failed":
        session.execute(update(User).where(User.id == user.id)
                        .values(failed_signins_unseen=User.failed_signins_unseen + 1))
    # Never the typed username of an unknown account, never what was typed as a secret.
    record(session, action, target_type="user" if user else "",
           target_id=user.id if user else "", details={"stage": stage, "throttled": throttled})
    session.flush()
    raise SigninFailed()


def check_password(session: Session, username: str, password: str, *,
                   device_cookie: Optional[str]) -> User:
    """The account this username and password open, or SigninFailed (one answer for all)."""
    user = find_user(session, username)
    if user is None:
        verify_against_dummy(password, password_hasher())
        _fail(session, None, stage="password", throttled=False, action="auth.signin_failed")
    confirm_password(session, user, password, device_cookie=device_cookie)
    return user


def confirm_password(session: Session, user: User, password: str, *,
                     device_cookie: Optional[str]) -> None:
    """Check her password (backoff and audit as for signing in); SigninFailed when refused.

    Deactivated accounts and accounts without a password are refused after the same work.
    """
    hasher = password_hasher()

    def matches() -> bool:
        right = verify_password(user.password_hash, password, hasher)
        return right and user.active and bool(user.password_hash)

    guarded_check(session, user, device_cookie, stage="password", check=matches)
    if needs_rehash(user.password_hash, hasher):
        user.password_hash = hash_password(password, hasher)  # parameters were raised since


def check_second_factor(session: Session, user: User, code: str, *,
                        device_cookie: Optional[str]) -> None:
    """Check her TOTP code (pending sign-in); SigninFailed when wrong, reused or throttled."""
    guarded_check(session, user, device_cookie, stage="second_factor",
                  check=lambda: user.active and check_totp(session, user, code))


def check_recovery_code(session: Session, user: User, code: str, *,
                        device_cookie: Optional[str]) -> int:
    """Spend one recovery code instead of a TOTP code; returns how many remain."""
    guarded_check(session, user, device_cookie, stage="recovery",
                  check=lambda: user.active and use_recovery_code(session, user, code))
    return remaining_recovery_codes(session, user)


def remaining_recovery_codes(session: Session, user: User) -> int:
    session.flush()
    return session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def complete_signin(session: Session, user: User, *, device_cookie: Optional[str],
                    method: str) -> int:
    """Record a finished sign-in; returns the failed attempts she has not been told about."""
    row = _throttle(session, user, _bucket(user, device_cookie))
    row.failures = 0
    row.last_failure_at = None
    unseen = user.failed_signins_unseen or 0
    user.failed_signins_unseen = 0
    user.last_signin_at = now()
    record(session, "auth.signed_in", actor=user, target_type="user", target_id=user.id,
           details={"method": method, "failures_unseen": unseen})
    return unseen


def record_sign_out(session: Session, user: User, *, reason: str = "signed_out") -> None:
    record(session, "auth.signed_out", actor=user, target_type="user", target_id=user.id,
           details={"reason": reason})


def enrolment_steps(user: User, purpose: str, require_second_factor: bool) -> list[str]:
    """What a valid enrolment code leads to. The code stands in for one factor, never both:
    a reset password still needs her second factor, a reset second factor her password."""
    new_factor = require_second_factor and (purpose == "reset_second_factor"
                                            or not user.has_second_factor)
    steps = ["set_password" if purpose in ("new_user", "reset_password") or not user.password_hash
             else "confirm_password"]
    if new_factor:
        steps.append("enrol_second_factor")
    elif user.has_second_factor:
        steps.append("second_factor")
    return steps


# --- The lock screen -------------------------------------------------------------------------

def record_lock(session: Session, user: User) -> None:
    record(session, "auth.locked", actor=user, target_type="user", target_id=user.id)


def check_unlock(session: Session, user: User, password: str, *, failures_before: int) -> int:
    """Check her password at the lock screen; returns the failures in a row after this try
    (0: unlocked). At MAX_UNLOCK_FAILURES the caller ends the session; that is audited here."""
    if verify_password(user.password_hash, password, password_hasher()):
        record(session, "auth.unlocked", actor=user, target_type="user", target_id=user.id)
        return 0
    failures = failures_before + 1
    record(session, "auth.unlock_failed", actor=user, target_type="user", target_id=user.id,
           details={"in_a_row": failures})
    if failures >= MAX_UNLOCK_FAILURES:
        record_sign_out(session, user, reason="unlock_failures")
    return failures
