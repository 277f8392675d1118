"""Server-side sessions: a random token in the cookie, only its SHA-256 in the database; idle and
absolute timeouts on the application clock; ending every session of a user; stale rows purged."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any, Callable

from flask import Flask
from sqlalchemy import select

from casework.extensions import db as databases
from casework.security.models import WebSession
from casework.security.sessions import end_user_sessions, open_sessions_of

COOKIE = "__Host-casework_session"


def rows(app: Flask) -> list[WebSession]:
    with app.app_context():
        found = list(databases.session.scalars(select(WebSession)))
        databases.session.expunge_all()
        return found


def cookie_value(client: Any) -> str:
    cookie = client.get_cookie(COOKIE, domain="localhost")
    assert cookie is not None
    return cookie.value


def signed_in(client: Any) -> bool:
    """Whether the client's session is signed in (a page every role may see answers)."""
    return client.get("/auth/account").status_code == 200


def is_sent_to_sign_in(response: Any) -> bool:
    return response.status_code == 302 and response.headers["Location"].endswith("/auth/sign-in")


def test_cookie_is_a_random_token_and_the_table_holds_only_its_hash(app: Flask, client: Any):
    client.get("/auth/sign-in")
    token = cookie_value(client)
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    other = app.test_client()
    other.get("/auth/sign-in")
    assert cookie_value(other) != token

    digest = hashlib.sha256(token.encode()).hexdigest()
    stored = {row.token_hash: row for row in rows(app)}
    assert digest in stored
    for row in stored.values():
        for column in WebSession.__table__.columns:
            assert token not in str(getattr(row, column.key)), column.key
    # The session's content stays on the server: the cookie holds the token and nothing else.
    assert "csrf_token" in json.loads(stored[digest].data)


def test_session_id_is_rotated_at_sign_in(app: Flask, client: Any, make_user: Callable[..., Any]):
    import pyotp

    from tests.conftest import TEST_PASSWORD

    user = make_user("counsellor")
    client.get("/auth/sign-in")
    before = cookie_value(client)
    client.post_form("/auth/sign-in", {"username": user.username, "password": TEST_PASSWORD})
    client.post_form("/auth/second-factor", {"code": pyotp.TOTP(user.test_totp_secret).now()})
    after = cookie_value(client)
    assert after != before
    assert signed_in(client)
    # The pre-sign-in token is dead on the server.
    stale = app.test_client()
    stale.set_cookie(COOKIE, before, domain="localhost")
    assert is_sent_to_sign_in(stale.get("/"))


def test_idle_timeout(app: Flask, client: Any, clock: Any, login_as: Callable[..., Any]):
    login_as("counsellor")
    assert signed_in(client)
    clock.advance(minutes=16)
    response = client.get("/")
    assert is_sent_to_sign_in(response)
    assert "Your session ended" in client.get("/auth/sign-in").get_data(as_text=True)
    [row] = [r for r in rows(app) if r.user_id is not None]
    assert row.ended_at is not None


def test_idle_timeout_follows_the_setting(app_with: Callable[..., Flask]):
    from tests.conftest import FakeClock

    short = app_with(SESSION_IDLE_MINUTES=5)
    clock = FakeClock()
    short.extensions["casework.clock"] = clock
    client = short.test_client()
    token = _signed_in_session(short)
    client.set_cookie(COOKIE, token, domain="localhost")
    assert signed_in(client)
    clock.advance(minutes=6)
    assert is_sent_to_sign_in(client.get("/"))


def _signed_in_session(app: Flask) -> str:
    import secrets

    from casework.auth.models import User
    from casework.security.sessions import token_hash

    token = secrets.token_urlsafe(32)
    with app.app_context():
        user = User(username=f"idle-{secrets.token_hex(3)}", role="counsellor")
        databases.session.add(user)
        databases.session.flush()
        databases.session.add(WebSession(token_hash=token_hash(token), user_id=user.id,
                                         data=json.dumps({"_user_id": str(user.id)})))
        databases.session.commit()
    return token


def test_activity_keeps_the_session_alive(app: Flask, client: Any, clock: Any,
                                          login_as: Callable[..., Any]):
    login_as("counsellor")
    for _ in range(6):  # an hour of work, a request every 10 minutes
        clock.advance(minutes=10)
        assert signed_in(client)
    [row] = [r for r in rows(app) if r.user_id is not None]
    assert row.ended_at is None
    assert abs(row.last_seen_at.replace(tzinfo=None) - clock.current.replace(tzinfo=None)) < timedelta(seconds=1)


def test_absolute_timeout_despite_activity(app: Flask, client: Any, clock: Any,
                                           login_as: Callable[..., Any]):
    login_as("counsellor")
    hours = app.config["SESSION_ABSOLUTE_HOURS"]
    for _ in range(hours * 6 - 1):  # a request every 10 minutes, just short of the limit
        clock.advance(minutes=10)
        assert signed_in(client)
    clock.advance(minutes=11)
    assert is_sent_to_sign_in(client.get("/"))


def test_end_user_sessions_ends_every_session_of_that_user(app: Flask, client: Any,
                                                           login_as: Callable[..., Any]):
    user = login_as("counsellor")
    second_device = app.test_client()
    second_device.set_cookie(COOKIE, _another_session_of(app, user.id), domain="localhost")
    bystander = app.test_client()
    bystander_token = _another_session_of(app, _someone_else(app))
    bystander.set_cookie(COOKIE, bystander_token, domain="localhost")
    assert signed_in(client)
    assert signed_in(second_device)

    with app.app_context():
        assert end_user_sessions(databases.session, user.id) == 2
        databases.session.commit()
        assert open_sessions_of(databases.session, user.id) == []

    assert is_sent_to_sign_in(client.get("/"))
    assert is_sent_to_sign_in(second_device.get("/"))
    assert signed_in(bystander)


def _another_session_of(app: Flask, user_id: int) -> str:
    import secrets

    from casework.security.sessions import token_hash

    token = secrets.token_urlsafe(32)
    with app.app_context():
        databases.session.add(WebSession(token_hash=token_hash(token), user_id=user_id,
                                         data=json.dumps({"_user_id": str(user_id)})))
        databases.session.commit()
    return token


def _someone_else(app: Flask) -> int:
    from casework.auth.models import User

    with app.app_context():
        user = User(username="bystander", role="coordinator")
        databases.session.add(user)
        databases.session.commit()
        return user.id


def test_a_made_up_cookie_is_anonymous(app: Flask, client: Any, login_as: Callable[..., Any]):
    login_as("counsellor")  # a real session exists; guessing another token gets nowhere
    stranger = app.test_client()
    stranger.set_cookie(COOKIE, "made-up-token-" + "A" * 30, domain="localhost")
    response = stranger.get("/")
    assert is_sent_to_sign_in(response)
    assert stranger.get("/admin/users").status_code == 302


def test_a_cookie_copied_from_the_table_does_not_work(app: Flask, client: Any,
                                                      login_as: Callable[..., Any]):
    user = login_as("counsellor")
    [row] = [r for r in rows(app) if r.user_id == user.id]
    thief = app.test_client()
    thief.set_cookie(COOKIE, row.token_hash, domain="localhost")
    assert is_sent_to_sign_in(thief.get("/"))


def test_stale_rows_are_purged(app: Flask, client: Any, clock: Any, login_as: Callable[..., Any]):
    login_as("counsellor")
    old_anonymous = app.test_client()
    old_anonymous.get("/auth/sign-in")
    assert len(rows(app)) == 2
    clock.advance(hours=app.config["SESSION_ABSOLUTE_HOURS"] + 2)

    newcomer = app.test_client()
    newcomer.get("/auth/sign-in")  # a new session is the moment stale ones are dropped
    remaining = rows(app)
    assert len(remaining) == 1
    assert remaining[0].token_hash == hashlib.sha256(cookie_value(newcomer).encode()).hexdigest()


def test_recent_sessions_are_not_purged(app: Flask, client: Any, clock: Any,
                                        login_as: Callable[..., Any]):
    login_as("counsellor")
    clock.advance(minutes=10)
    app.test_client().get("/auth/sign-in")
    assert len(rows(app)) == 2
