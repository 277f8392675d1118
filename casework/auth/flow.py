"""The steps between "who are you?" and "you are signed in", kept in the server-side session.

A pending sign-in or enrolment is a short list of steps (set or confirm a password, enrol or
check a second factor) for one user, with an expiry. Nobody is signed in (Flask-Login) until
the last step is done; then the session id is rotated. Secrets that must wait between two
requests (a TOTP secret being set up, recovery codes not yet shown) are sealed under the
user's data key before they go into the session row.

These helpers are the web side of signing in (they use the session, cookies and redirects);
the rules themselves are in casework.auth.signin.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Optional

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from casework.auth import signin
from casework.auth.enrolment import mark_code_used
from casework.auth.models import EnrolmentCode, User
from casework.auth.reauth import mark_reauthenticated, set_preferred_locale
from casework.auth.signin import (DEVICE_COOKIE_MAX_AGE, complete_signin, device_cookie_name,
                                  device_id, new_device_cookie)
from casework.clock import as_utc, now
from casework.crypto.envelope import create_data_key, open_value, seal_value
from casework.crypto.errors import CryptoError
from casework.security.totp import new_totp_secret, provisioning_uri, qr_svg

FLOW = "auth_flow"
PENDING_TOTP = "pending_totp"
NEW_CODES = "new_recovery_codes"
LOCALE = "locale"
SIGNIN_MINUTES = 5
# Setting up an authenticator app takes longer than typing a code.
ENROLMENT_MINUTES = 15

STEP_ENDPOINTS = {
    "set_password": "auth.enrol_password",
    "confirm_password": "auth.enrol_password",
    "enrol_second_factor": "auth.enrol_second_factor",
    "second_factor": "auth.second_factor",
}
# Where the "continue" link under new recovery codes may lead.
AFTER_CODES = frozenset({"core.home", "auth.account"})


@dataclass(frozen=True)
class Pending:
    """The step she is at, for whom, and the enrolment code that started it (if any)."""

    user: User
    step: str
    code_id: Optional[int]


def me() -> User:
    """The signed-in user as a plain model object (services take no proxies)."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def device_cookie() -> Optional[str]:
    return request.cookies.get(device_cookie_name(current_app.config["DEVELOPMENT"]))


# --- Starting and moving through a flow ------------------------------------------------------

def after_password(dbs: Session, user: User) -> Response:
    """Her password was right: ask for the second factor, enrol one, or sign her in."""
    if user.has_second_factor:
        return _begin(dbs, user, ["second_factor"], minutes=SIGNIN_MINUTES)
    if current_app.config["REQUIRE_SECOND_FACTOR"]:
        return _begin(dbs, user, ["enrol_second_factor"], minutes=ENROLMENT_MINUTES)
    return finish_signin(dbs, user, method="password")


def start_enrolment(dbs: Session, entry: EnrolmentCode) -> Response:
    user = dbs.get(User, entry.user_id)
    assert user is not None  # find_valid_code checked it
    steps = signin.enrolment_steps(user, entry.purpose,
                                   current_app.config["REQUIRE_SECOND_FACTOR"])
    return _begin(dbs, user, steps, minutes=ENROLMENT_MINUTES, code_id=entry.id)


def _begin(dbs: Session, user: User, steps: list[str], *, minutes: int,
           code_id: Optional[int] = None) -> Response:
    session.pop(PENDING_TOTP, None)
    session[FLOW] = {"user_id": user.id, "steps": steps, "code_id": code_id, "minutes": minutes,
                     "expires_at": (now() + timedelta(minutes=minutes)).isoformat()}
    return redirect(url_for(STEP_ENDPOINTS[steps[0]]))


def _loaded(dbs: Session) -> Optional[tuple[dict[str, Any], User]]:
    """The flow state and its user, if it is still usable (in time, active, code valid)."""
    state = session.get(FLOW)
    if not isinstance(state, dict) or not state.get("steps"):
        return None
    if as_utc(datetime.fromisoformat(state["expires_at"])) <= now():
        return None
    user = dbs.get(User, state["user_id"])
    if user is None or not user.active:
        return None
    if state.get("code_id") is not None and not _code_still_valid(dbs, state["code_id"]):
        return None  # a newer code was issued meanwhile, or this one expired
    return state, user


def _code_still_valid(dbs: Session, code_id: int) -> bool:
    entry = dbs.get(EnrolmentCode, code_id)
    return entry is not None and entry.used_at is None and as_utc(entry.expires_at) > now()


def pending(dbs: Session, *steps: str) -> Optional[Pending]:
    """Her pending flow when its current step is one of `steps`."""
    loaded = _loaded(dbs)
    if loaded is None or loaded[0]["steps"][0] not in steps:
        return None
    state, user = loaded
    return Pending(user=user, step=state["steps"][0], code_id=state.get("code_id"))


def resume(dbs: Session) -> Response:
    """Where someone who opened a step page out of turn should go."""
    loaded = _loaded(dbs)
    if loaded is not None:
        return redirect(url_for(STEP_ENDPOINTS[loaded[0]["steps"][0]]))
    if session.pop(FLOW, None) is not None:
        session.pop(PENDING_TOTP, None)
        flash(_("That took too long, or the code is no longer valid. Please start again."), "info")
    return redirect(url_for("core.home" if current_user.is_authenticated else "auth.sign_in"))


def step_done(dbs: Session, done: Pending, *, method: str) -> Response:
    """Go on to the next step, or sign her in after the last one."""
    state = dict(session[FLOW])
    state["steps"] = state["steps"][1:]
    state["expires_at"] = (now() + timedelta(minutes=state["minutes"])).isoformat()
    session[FLOW] = state  # reassigned: the session notices top-level changes only
    if state["steps"]:
        return redirect(url_for(STEP_ENDPOINTS[state["steps"][0]]))
    return finish_signin(dbs, done.user, method=method, code_id=done.code_id)


def finish_signin(dbs: Session, user: User, *, method: str,
                  code_id: Optional[int] = None) -> Response:
    """Sign her in: audit, spend the enrolment code, rotate the session id, remember the device."""
    unseen = complete_signin(dbs, user, device_cookie=device_cookie(), method=method)
    if code_id is not None:
        entry = dbs.get(EnrolmentCode, code_id)
        if entry is not None:
            mark_code_used(dbs, entry)
    # Nothing from before sign-in is carried over (CSRF token, flow state) but her language
    # and the recovery codes still to be shown.
    kept = {key: session[key] for key in (LOCALE, NEW_CODES) if key in session}
    session.clear()
    session.update(kept)
    login_user(user, remember=False)
    session.regenerate()  # type: ignore[attr-defined]
    # A fresh CSRF secret for the signed-in session (Flask-WTF caches the token in g).
    g.pop("csrf_token", None)
    generate_csrf()
    mark_reauthenticated()
    if unseen:
        flash(ngettext("There was %(count)d failed sign-in attempt on your account since you "
                       "last signed in. If that was not you, tell an administrator.",
                       "There were %(count)d failed sign-in attempts on your account since you "
                       "last signed in. If that was not you, tell an administrator.",
                       unseen, count=unseen), "warning")
    response = redirect(url_for("auth.recovery_codes" if NEW_CODES in session else "core.home"))
    _remember_device(response, user)
    return response


def _remember_device(response: Response, user: User) -> None:
    config = current_app.config
    if device_id(config["SECRET_KEY"], device_cookie(), user.id) is not None:
        return
    response.set_cookie(device_cookie_name(config["DEVELOPMENT"]),
                        new_device_cookie(config["SECRET_KEY"], user.id),
                        max_age=DEVICE_COOKIE_MAX_AGE, path="/", httponly=True,
                        secure=not config["DEVELOPMENT"], samesite="Strict")


# --- Secrets waiting between requests, sealed --------------------------------------------------

def _seal(dbs: Session, user: User, table: str, field: str, value: Any) -> str:
    if user.data_key_id is None:
        user.data_key_id = create_data_key(dbs).id
    blob = seal_value(dbs, user.data_key_id, value, table=table, field=field, record_id=user.id)
    return base64.b64encode(blob).decode("ascii")


def _open(dbs: Session, user: User, table: str, field: str, text: object) -> Any:
    if not isinstance(text, str):
        return None
    try:
        return open_value(dbs, base64.b64decode(text), table=table, field=field, record_id=user.id)
    except (CryptoError, ValueError):
        return None


def pending_totp_secret(dbs: Session, user: User) -> str:
    """The TOTP secret she is setting up: made once, kept sealed, the same on every reload."""
    stored = session.get(PENDING_TOTP)
    if isinstance(stored, dict) and stored.get("user_id") == user.id:
        secret = _open(dbs, user, "pending_totp", "secret", stored.get("sealed"))
        if isinstance(secret, str):
            return secret
    secret = new_totp_secret()
    session[PENDING_TOTP] = {"user_id": user.id,
                             "sealed": _seal(dbs, user, "pending_totp", "secret", secret)}
    return secret


def forget_pending_totp() -> None:
    session.pop(PENDING_TOTP, None)


def stash_recovery_codes(dbs: Session, user: User, codes: list[str], *, then: str) -> None:
    """Keep new recovery codes (sealed) until the recovery-codes page shows them once."""
    session[NEW_CODES] = {"user_id": user.id, "then": then,
                          "sealed": _seal(dbs, user, "pending_recovery_codes", "codes", codes)}


def take_recovery_codes(dbs: Session) -> tuple[Optional[list[str]], str]:
    """The codes to show now (gone from the session after this) and where to go next."""
    stored = session.pop(NEW_CODES, None)
    if not current_user.is_authenticated:
        return None, "auth.sign_in"
    if not isinstance(stored, dict) or stored.get("user_id") != current_user.id:
        return None, "core.home"
    codes = _open(dbs, me(), "pending_recovery_codes", "codes", stored.get("sealed"))
    then = stored.get("then") if stored.get("then") in AFTER_CODES else "core.home"
    return (codes if isinstance(codes, list) else None), then


def confirm_new_secret(dbs: Session, user: User, secret: str, code: str,
                       confirm: Callable[[Session, User, str, str], Optional[list[str]]], *,
                       then: str) -> bool:
    """Put a confirmed new TOTP secret in use; its recovery codes then wait to be shown."""
    new_codes = confirm(dbs, user, secret, code)
    if new_codes is None:
        return False
    forget_pending_totp()
    stash_recovery_codes(dbs, user, new_codes, then=then)
    return True


# --- Small web helpers of the sign-in pages ------------------------------------------------------

def choose_language(dbs: Session, code: str) -> bool:
    """Use a supported language for this session (and save it when she is signed in)."""
    if code not in current_app.config["LANGUAGES"]:
        return False
    session[LOCALE] = code
    if current_user.is_authenticated:
        set_preferred_locale(dbs, me(), code)
    return True


def totp_setup(secret: str, username: str) -> dict[str, str]:
    """The QR code (an inline SVG drawn here, never fetched) and the secret, for manual entry."""
    return {"qr_svg": qr_svg(provisioning_uri(secret, username)),
            "secret_groups": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))}
