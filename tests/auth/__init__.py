"""Helpers shared by the sign-in, enrolment and account tests."""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Iterator, Optional

import pyotp
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.extensions import db as databases
from tests.conftest import TEST_PASSWORD, FakeClock

ERROR_PARAGRAPH = re.compile(r'<p class="message message-error" role="alert">([^<]*)</p>')
FAILED = "Sign-in failed. Check your username and password, or wait a moment and try again."


def code_at(secret: str, clock: Optional[FakeClock]) -> str:
    return pyotp.TOTP(secret).at(clock.current) if clock else pyotp.TOTP(secret).now()


def password_step(client: Any, username: str, password: str = TEST_PASSWORD) -> Any:
    return client.post_form("/auth/sign-in", {"username": username, "password": password})


def sign_in(client: Any, user: Any, clock: Optional[FakeClock],
            password: str = TEST_PASSWORD) -> Any:
    """The whole sign-in (password, then a TOTP code); returns the last response."""
    response = password_step(client, user.username, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/auth/second-factor")
    return client.post_form("/auth/second-factor", {"code": code_at(user.test_totp_secret, clock)})


def error_of(response: Any) -> str:
    """The whole-form refusal shown on a page ("" when none)."""
    match = ERROR_PARAGRAPH.search(response.get_data(as_text=True))
    return match.group(1) if match else ""


@contextmanager
def database(app: Flask) -> Iterator[Session]:
    """The case store in an application context of its own, only for this block.

    (The `db` fixture keeps one context pushed for the whole test, which the test client's
    requests would then share — `g`, the CSRF token, the signed-in user — unlike a browser.)
    """
    with app.app_context():
        yield databases.session


def audit_entries(app: Flask, action: Optional[str] = None) -> list[AuditEntry]:
    with database(app) as db:
        query = select(AuditEntry).order_by(AuditEntry.seq)
        if action:
            query = query.where(AuditEntry.action == action)
        entries = list(db.scalars(query))
        db.expunge_all()
        return entries


def session_cookie(app: Flask, client: Any) -> Optional[str]:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return cookie.value if cookie else None
