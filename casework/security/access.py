"""Enforcing the access policy on every request, before any view runs."""

from __future__ import annotations

from typing import Optional

from flask import Flask, abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from casework.audit.service import record
from casework.extensions import db
from casework.security.policy import ANONYMOUS, roles_allowed

# While the screen is locked only these endpoints answer; everything else goes to the unlock page.
REACHABLE_WHILE_LOCKED = frozenset({"static", "auth.unlock", "auth.sign_out", "auth.lock",
                                    "core.health"})


def current_role() -> str:
    return current_user.role if current_user.is_authenticated else ANONYMOUS


def enforce_access_policy() -> Optional[Response]:
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no route matched: the 404 or 405 handler answers
    allowed = roles_allowed(endpoint)
    role = current_role()
    if role in allowed:
        return _redirect_if_locked(endpoint)
    if role == ANONYMOUS and allowed:
        return _send_to_sign_in()
    _refuse(endpoint)
    return None


def _redirect_if_locked(endpoint: str) -> Optional[Response]:
    if session.get("locked") and endpoint not in REACHABLE_WHILE_LOCKED:
        return redirect(url_for("auth.unlock"))
    return None


def _send_to_sign_in() -> Response:
    if getattr(session, "expired", False):
        flash(_("Your session ended. Please sign in again."), "info")
    return redirect(url_for("auth.sign_in"))


def _refuse(endpoint: str) -> None:
    actor = current_user if current_user.is_authenticated else None
    record(db.session, "access.refused", actor=actor, target_type="endpoint",
           target_id=endpoint, details={"method": request.method})
    db.session.commit()
    abort(403)


def init_app(app: Flask) -> None:
    app.before_request(enforce_access_policy)
