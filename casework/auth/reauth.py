"""Re-authentication: before sensitive actions and at the lock screen; her own account.

Exports, break-the-glass, erasure and changing the second factor ask for the password and a
second-factor code again when the last such check (sign-in included) is older than
REAUTH_VALID_MINUTES: a session left open on a shared office computer is not enough.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import wraps
from typing import Any, Callable, Optional, TypeVar, cast
from urllib.parse import urlencode, urlsplit

from flask import current_app, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import logout_user
from sqlalchemy.orm import Session

from casework.audit.service import record
from casework.auth.models import User
from casework.auth.second_factor import check_totp, enable_second_factor, replace_recovery_codes
from casework.auth.signin import (MAX_UNLOCK_FAILURES, check_unlock, guarded_check,
                                  record_lock, remaining_recovery_codes)
from casework.clock import as_utc, now
from casework.i18n import requested_language
from casework.security.passwords import verify_password
from casework.security.runtime_hasher import password_hasher
from casework.security.sessions import open_sessions_of

REAUTH_AT = "reauth_at"
# The one answer to a wrong password or code, whichever it was.
REFUSED = _l("That did not work. Check your password and code, or wait a moment and try again.")
LOCKED = "locked"  # read by casework.security.access, which sends every page to auth.unlock
UNLOCK_FAILURES = "unlock_failures"
# Where a redirect may go by name; anything else must be a same-site path.
SAFE_ENDPOINTS = frozenset({"core.home", "auth.sign_in", "auth.enrol", "auth.account"})

View = TypeVar("View", bound=Callable[..., Any])


def mark_reauthenticated() -> None:
    """Remember (in the server-side session) that she has just proved who she is."""
    session[REAUTH_AT] = now().isoformat()


def reauth_is_fresh() -> bool:
    """True when her last password + second-factor check is recent enough."""
    raw = session.get(REAUTH_AT)
    if not isinstance(raw, str):
        return False
    try:
        moment = as_utc(datetime.fromisoformat(raw))
    except ValueError:
        return False
    valid = timedelta(minutes=current_app.config["REAUTH_VALID_MINUTES"])
    return moment <= now() < moment + valid


def requires_recent_reauth(view: View) -> View:
    """Send her to auth.reauthenticate first when her last check is too old.

    Only the path travels in the URL, with at most a supported `lang` (the language an export
    was asked in); nothing else of the query string. It is validated again before the redirect
    back.
    """
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not reauth_is_fresh():
            return redirect(url_for("auth.reauthenticate", next=_back_to_this_page()))
        return view(*args, **kwargs)

    return cast(View, wrapper)


def _back_to_this_page() -> str:
    language = requested_language()
    return f"{request.path}?{urlencode({'lang': language})}" if language else request.path


def lock_screen(dbs: Session, user: User) -> None:
    """Hide everything until her password is typed again (this session only)."""
    session[LOCKED] = True
    record_lock(dbs, user)


def is_locked() -> bool:
    return bool(session.get(LOCKED))


def try_unlock(dbs: Session, user: User, password: str) -> str:
    """"unlocked", "wrong", or "signed_out" after too many wrong passwords in a row (the
    caller then ends the session)."""
    failures = check_unlock(dbs, user, password,
                            failures_before=int(session.get(UNLOCK_FAILURES, 0)))
    if failures == 0:
        session.pop(LOCKED, None)
        session.pop(UNLOCK_FAILURES, None)
        return "unlocked"
    if failures >= MAX_UNLOCK_FAILURES:
        return "signed_out"
    session[UNLOCK_FAILURES] = failures
    return "wrong"


def unlock_answer(outcome: str) -> Any:
    """The answer to an unlock attempt, except the page for a wrong password (the view's)."""
    json = wants_json()
    if outcome == "unlocked":
        return jsonify(ok=True) if json else redirect(url_for("core.home"))
    if outcome == "signed_out":
        end_session()
        flash(_("You were signed out after too many wrong passwords at the lock screen."),
              "warning")
        # 403, not 401: the page script then reloads and lands on the sign-in page.
        return (jsonify(ok=False, signed_out=True), 403) if json \
            else redirect(url_for("auth.sign_in"))
    return jsonify(ok=False), 401


def end_session() -> None:
    """Sign out and end the server-side session, so a copied cookie stops working."""
    logout_user()
    session.clear()
    session.regenerate()  # type: ignore[attr-defined]


def wants_json() -> bool:
    """The page script (static/js/casework.js) asks for JSON; a plain form post does not."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) \
        == "application/json"


def needs_code(user: User) -> bool:
    """A code is asked for unless she has no second factor on an instance that allows that."""
    return user.has_second_factor or current_app.config["REQUIRE_SECOND_FACTOR"]


def reauthenticate(dbs: Session, user: User, password: str, code: Optional[str], *,
                   device_cookie: Optional[str]) -> None:
    """Check her password and code again (SigninFailed otherwise; counted in her backoff), and
    remember in her session that she has just done so."""
    def matches() -> bool:
        right = verify_password(user.password_hash, password, password_hasher())
        if needs_code(user):
            # Both are checked every time, so the answer says nothing about which was wrong.
            right = check_totp(dbs, user, code or "") and right
        return right

    guarded_check(dbs, user, device_cookie, stage="reauth", check=matches,
                  action="auth.reauth_failed")
    record(dbs, "auth.reauthenticated", actor=user, target_type="user", target_id=user.id)
    mark_reauthenticated()


def replace_second_factor(dbs: Session, user: User, secret: str, code: str) -> Optional[list[str]]:
    """Replace her TOTP secret once a code from the new one matches; returns the new recovery
    codes (the old ones stop working), or None when the code does not match."""
    codes = enable_second_factor(dbs, user, secret, code)
    if codes is not None:
        record(dbs, "user.second_factor_changed", actor=user, target_type="user",
               target_id=user.id)
    return codes


def new_recovery_codes(dbs: Session, user: User) -> list[str]:
    """A fresh set of recovery codes; the old ones stop working."""
    codes = replace_recovery_codes(dbs, user)
    record(dbs, "user.recovery_codes_replaced", actor=user, target_type="user",
           target_id=user.id)
    return codes


def set_preferred_locale(dbs: Session, user: User, code: str) -> None:
    """Save her language (a supported code only; anything else changes nothing)."""
    if code not in current_app.config["LANGUAGES"] or user.preferred_locale == code:
        return
    user.preferred_locale = code
    record(dbs, "user.language_changed", actor=user, target_type="user", target_id=user.id,
           details={"locale": code})


def account_overview(dbs: Session, user: User) -> dict[str, int]:
    """Counts for her account page: unused recovery codes and sessions still open."""
    idle = now() - timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    started = now() - timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    live = [row for row in open_sessions_of(dbs, user.id)
            if as_utc(row.last_seen_at) > idle and as_utc(row.created_at) > started]
    return {"recovery_codes_left": remaining_recovery_codes(dbs, user),
            "open_sessions": len(live)}


def safe_target(target: Optional[str], default: str) -> str:
    """A redirect target that stays on this site: a known endpoint name or a local path."""
    if target in SAFE_ENDPOINTS:
        return url_for(target)
    if target and _is_local_path(target):
        return target
    return url_for(default)


def _is_local_path(target: str) -> bool:
    # "//host" and "/\host" are read by browsers as another site; control characters and
    # backslashes have no business in our paths.
    if len(target) > 500 or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
