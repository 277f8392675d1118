"""Tests of sharing, break-the-glass, alerts, the review list and the admin's case list.

As in tests/admin: each person gets a client of her own with a server-side session, and the
database is read in short application contexts (`store`) rather than through the `db` fixture
held open across requests — a request reuses a held context and its `flask.g`, where
Flask-Login caches the signed-in user, which would serve a second client as the first one.
"""

from __future__ import annotations

import json
import secrets
import uuid
from contextlib import contextmanager
from typing import Any, Iterator, Optional

from flask import Flask, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.auth.models import User
from casework.auth.reauth import REAUTH_AT
from casework.cases.models import Case
from casework.cases.service import open_case
from casework.clients.identity import register_client
from casework.clock import now
from casework.extensions import db as databases
from casework.security.models import WebSession
from casework.security.sessions import token_hash

CANARY = "CANARY-7f3a-sharing-reason"
OTHER_ROLES = ("coordinator", "admin", "shelter_partner")


@contextmanager
def store(app: Flask) -> Iterator[Session]:
    """The case store, read in an application context of its own (see the module docstring)."""
    with app.app_context():
        yield databases.session


def signed_in_client(app: Flask, user: Any, *, reauthenticated: bool = False) -> Any:
    """A client with a server-side session for `user` (and a fresh re-authentication if asked)."""
    client = app.test_client()
    token = secrets.token_urlsafe(32)
    with store(app) as session:
        data = {"_user_id": str(user.id), "_fresh": True, "csrf_token": secrets.token_hex(20)}
        if reauthenticated:
            data[REAUTH_AT] = now().isoformat()
        session.add(WebSession(token_hash=token_hash(token), user_id=user.id, data=json.dumps(data)))
        session.commit()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], token, domain="localhost")
    return client


def post(client: Any, url: str, data: Optional[dict] = None) -> Any:
    """POST a form with a valid CSRF token (her account page, open to every role, carries one)."""
    return client.post_form(url, data or {}, token_page="/auth/account")


def url(app: Flask, endpoint: str, **values: Any) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def sign_in_url(app: Flask) -> str:
    return url(app, "auth.sign_in")


def new_case(app: Flask, owner: Any, given_name: str = "Eleni") -> dict[str, str]:
    """An open case assigned to `owner`: its id, code and client id."""
    with store(app) as session:
        actor = session.get(User, owner.id)
        client = register_client(session, actor=actor, identity={"given_name": given_name})
        case = open_case(session, actor=actor, client=client)
        session.commit()
        return {"id": case.id, "code": case.code, "client_id": client.id}


def random_id() -> str:
    return str(uuid.uuid4())


def entries(app: Flask, action: str) -> list[dict[str, Any]]:
    """The audit entries of one action, oldest first, as plain values."""
    with store(app) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                               .order_by(AuditEntry.seq))
        return [{"actor_id": row.actor_id, "target_type": row.target_type,
                 "target_id": row.target_id, "details": json.loads(row.details),
                 "raw_details": row.details} for row in rows]


def case_row(app: Flask, case_id: str) -> Case:
    """A detached copy of a case's clear columns as stored now."""
    with store(app) as session:
        case = session.get(Case, case_id)
        assert case is not None
        session.expunge(case)
        return case


def may_open(app: Flask, user: Any, case_id: str) -> bool:
    """Whether casework.cases.access lets `user` open the case now."""
    from casework.cases.access import case_for
    from casework.errors import NotPermitted

    with store(app) as session:
        try:
            case_for(session, session.get(User, user.id), case_id)
        except NotPermitted:
            return False
        finally:
            session.rollback()
        return True
