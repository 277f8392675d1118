"""Tests of the anonymous enquiries and the centre's activities, and the helpers they share.

The database is read in short application contexts of their own (`store`) rather than through
the `db` fixture held open during requests: requests made while a test holds an application
context share its `flask.g`, where the signed-in user is cached (see tests/admin/__init__.py).
"""

from __future__ import annotations

import json
import re
import secrets
from contextlib import contextmanager
from typing import Any, Iterator

from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry
from casework.extensions import db as databases
from casework.security.models import WebSession
from casework.security.sessions import token_hash

ENQUIRIES = "/centre/enquiries"
ACTIVITIES = "/centre/activities"


@contextmanager
def store(app: Flask) -> Iterator[Session]:
    """The case store, in an application context of its own."""
    with app.app_context():
        yield databases.session


def signed_in_client(app: Flask, user: Any) -> Any:
    """A new client with a server-side session for `user`, as after sign-in."""
    client = app.test_client()
    token = secrets.token_urlsafe(32)
    with store(app) as session:
        session.add(WebSession(token_hash=token_hash(token), user_id=user.id,
                               data=json.dumps({"_user_id": str(user.id), "_fresh": True})))
        session.commit()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], token, domain="localhost")
    return client


def entries(app: Flask, action: str) -> list[dict[str, Any]]:
    """The audit entries of one action, oldest first, as plain values."""
    with store(app) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                               .order_by(AuditEntry.seq))
        return [{"actor_id": row.actor_id, "target_type": row.target_type,
                 "target_id": row.target_id, "details": json.loads(row.details)} for row in rows]


def raw_rows(app: Flask, table: str, order_by: str = "id") -> list[dict[str, Any]]:
    """Every row of a table as the database holds it (column name → value)."""
    with store(app) as session:
        result = session.execute(text(f"SELECT * FROM {table} ORDER BY {order_by}"))  # noqa: S608
        return [dict(row._mapping) for row in result]


def raw_text(app: Flask, table: str, order_by: str = "id") -> str:
    """A table's rows as one text, to look for a string that must not be there."""
    return repr(raw_rows(app, table, order_by))


def field_error(html: str, field_id: str) -> str:
    """The message shown next to a field ("" when there is none)."""
    match = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>([^<]*)<', html)
    return match.group(1).strip() if match else ""


def selected(html: str, value: str) -> bool:
    return re.search(rf'<option selected value="{re.escape(value)}">', html) is not None


def checked(html: str, name: str, value: str) -> bool:
    for tag in re.findall(r"<input[^>]*>", html):
        if (f'name="{name}"' in tag and f'value="{value}"' in tag and "checked" in tag
                and 'type="checkbox"' in tag):
            return True
    return False
