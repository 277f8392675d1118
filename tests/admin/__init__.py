"""Tests of the administration pages, and the helpers they share.

Why these tests sign in with `signed_in_client` and read the database in short application
contexts (`store`) instead of holding the `db` fixture while making requests: while a test holds
an application context, every request reuses it, and with it `flask.g`, where Flask-Login caches
the signed-in user. A second client (or a client whose session was just ended) would then be
served as the first request's user, hiding exactly what these tests check.
"""

from __future__ import annotations

import json
import re
import secrets
from contextlib import contextmanager
from typing import Any, Iterator

from flask import Flask, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.auth.models import User
from casework.extensions import db as databases
from casework.security.models import WebSession
from casework.security.sessions import token_hash

CODE_ON_PAGE = re.compile(r'id="enrolment-code">([^<]+)<')


@contextmanager
def store(app: Flask) -> Iterator[Session]:
    """The case store, read in an application context of its own (see the module docstring)."""
    with app.app_context():
        yield databases.session


def sign_in(app: Flask, client: Any, user: Any) -> None:
    """Give `client` a server-side session for `user`, with its CSRF token, as after sign-in."""
    token = secrets.token_urlsafe(32)
    data = {"_user_id": str(user.id), "_fresh": True, "csrf_token": secrets.token_hex(20)}
    with store(app) as session:
        session.add(WebSession(token_hash=token_hash(token), user_id=user.id, data=json.dumps(data)))
        session.commit()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], token, domain="localhost")


def signed_in_client(app: Flask, user: Any) -> Any:
    client = app.test_client()
    sign_in(app, client, user)
    return client


def sign_in_url(app: Flask) -> str:
    with app.test_request_context():
        return url_for("auth.sign_in")


def code_on(response: Any) -> str:
    """The enrolment code a code page shows (the test fails when there is none)."""
    match = CODE_ON_PAGE.search(response.get_data(as_text=True))
    assert match, f"no enrolment code on the page (status {response.status_code})"
    return match.group(1).strip()


def entries(app: Flask, action: str) -> list[dict[str, Any]]:
    """The audit entries of one action, oldest first, as plain values."""
    with store(app) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                               .order_by(AuditEntry.seq))
        return [{"actor_name": row.actor_name, "actor_id": row.actor_id,
                 "target_type": row.target_type, "target_id": row.target_id,
                 "details": json.loads(row.details)} for row in rows]


def user_row(app: Flask, user_id: int) -> User:
    """A detached copy of a user as stored now."""
    with store(app) as session:
        user = session.get(User, user_id)
        assert user is not None
        session.expunge(user)
        return user
