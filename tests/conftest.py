"""Fixtures: an application on a migrated test database (SQLite, or PostgreSQL when
CASEWORK_TEST_DATABASE=postgresql), one transaction per test rolled back at the end, a test
client that speaks HTTPS and handles CSRF tokens like a browser, and `login_as(role)`.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Connection, Transaction

from casework import create_app
from casework.crypto.keyfile import generate_key_material, write_key_file
from casework.extensions import db as databases
from casework.extensions import limiter
from tests.support import postgres_databases, uses_postgresql

TEST_PASSWORD = "correct horse battery staple 42"
_HASHES: dict[str, str] = {}
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    if uses_postgresql():
        case_url, stats_url, drop = postgres_databases()
        yield {"DATABASE_URL": case_url, "STATS_DATABASE_URL": stats_url}
        drop()
        return
    folder = tmp_path_factory.mktemp("stores")
    yield {"DATABASE_URL": f"sqlite:///{folder / 'case.sqlite3'}",
           "STATS_DATABASE_URL": f"sqlite:///{folder / 'stats.sqlite3'}"}


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("instance")
    write_key_file(folder / "keys" / "casework.keys", generate_key_material())
    return folder


@pytest.fixture(scope="session")
def make_app(instance_dir: Path, database_urls: dict[str, str]) -> Iterator[Callable[..., Flask]]:
    """Build an app on the shared test stores, with extra settings for the test that needs them."""
    made: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        config = {"SECRET_KEY": "test-secret-key-" + "x" * 32, "TESTING": True,
                  "PASSWORD_HASHER": "fast", **database_urls, **overrides}
        app = create_app(config, instance_path=instance_dir)
        app.test_client_class = BrowserLikeClient
        made.append(app)
        return app

    yield factory
    for app in made:
        databases.dispose(app)


@pytest.fixture(scope="session")
def _migrated_app(make_app: Callable[..., Flask]) -> Flask:
    from casework.migrate import upgrade_all

    app = make_app()
    upgrade_all(app)
    return app


class FakeClock:
    """A clock tests move by hand: timeouts and expiries without sleeping."""

    def __init__(self, start: Optional[datetime] = None) -> None:
        self.current = start or datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def app(_migrated_app: Flask) -> Iterator[Flask]:
    """The application, its stores inside transactions rolled back after the test."""
    yield from _in_rolled_back_transactions(_migrated_app)


def _in_rolled_back_transactions(app: Flask) -> Iterator[Flask]:
    case_engine, stats_engine = databases.engines(app)
    with case_engine.connect() as case_conn, stats_engine.connect() as stats_conn:
        case_tx, stats_tx = _begin_outer(case_conn), _begin_outer(stats_conn)
        databases.bind_to_connections(app, case_conn, stats_conn)
        limiter.reset()
        app.extensions.pop("casework.clock", None)
        try:
            yield app
        finally:
            app.extensions.pop("casework.clock", None)
            case_tx.rollback()
            stats_tx.rollback()
            _end_outer(case_conn)
            _end_outer(stats_conn)


def _begin_outer(connection: Connection) -> Transaction:
    """The test's outer transaction, which every session joins through a SAVEPOINT.

    pysqlite opens a transaction only before DML, so on SQLite a session's SAVEPOINT would start
    one of its own and its RELEASE (the session's commit) would commit for real, leaking rows
    into later tests. Take over transaction control there and open the transaction explicitly.
    """
    transaction = connection.begin()
    if connection.dialect.name == "sqlite":
        connection.connection.dbapi_connection.isolation_level = None  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN")
    return transaction


def _end_outer(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.connection.dbapi_connection.isolation_level = ""  # type: ignore[union-attr]


@pytest.fixture
def app_with(make_app: Callable[..., Flask], _migrated_app: Flask) -> Iterator[Callable[..., Flask]]:
    """An app with other settings, on the same migrated stores and rolled back the same way."""
    built: list[tuple[Flask, Iterator[Flask]]] = []

    def build(**overrides: Any) -> Flask:
        made = make_app(**overrides)
        generator = _in_rolled_back_transactions(made)
        built.append((made, generator))
        return next(generator)

    yield build
    for made, generator in built:
        next(generator, None)
        # Each app has engines of its own: close their pooled connections now, or a PostgreSQL
        # run holds two more per test until the session ends and exhausts max_connections.
        databases.dispose(made)


@pytest.fixture
def clock(app: Flask) -> FakeClock:
    fake = FakeClock()
    app.extensions["casework.clock"] = fake
    return fake


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """The case-store session, inside an application context."""
    with app.app_context():
        yield databases.session


class BrowserLikeClient(FlaskClient):
    """Speaks HTTPS (so Secure cookies behave as in production) and fills in CSRF tokens."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base["wsgi.url_scheme"] = "https"
        self.environ_base["REMOTE_ADDR"] = "192.0.2.10"

    def open(self, *args: Any, **kwargs: Any) -> Any:
        from flask import g, has_app_context

        # A test holding the `db` fixture keeps an application context open, and requests reuse
        # it with its `g`: forget the signed-in user and CSRF token cached there by the last one.
        if has_app_context():
            for name in ("_login_user", "csrf_token"):
                g.pop(name, None)
        return super().open(*args, **kwargs)

    def csrf_token(self, page: str = "/auth/sign-in") -> str:
        """The token a form on `page` carries (read from the page, as a browser would)."""
        response = self.get(page)
        match = CSRF_FIELD.search(response.get_data(as_text=True))
        assert match, f"no CSRF token on {page} (status {response.status_code})"
        return match.group(1)

    def post_form(self, url: str, data: Optional[dict[str, Any]] = None, *,
                  token_page: Optional[str] = None, **kwargs: Any) -> Any:
        """POST a form with the CSRF token taken from `token_page` (default: the same URL)."""
        fields = dict(data or {})
        fields["csrf_token"] = self.csrf_token(token_page or url)
        return self.post(url, data=fields, **kwargs)


@pytest.fixture
def client(app: Flask) -> BrowserLikeClient:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def make_user(app: Flask) -> Callable[..., Any]:
    """Create an active user with a password and, by default, an enrolled second factor."""
    from casework.auth.models import Organisation, User
    from casework.auth.second_factor import store_totp_secret
    from casework.security.passwords import hash_password
    from casework.security.runtime_hasher import password_hasher
    from casework.security.totp import new_totp_secret
    counter = {"n": 0}

    def factory(role: str = "counsellor", *, username: Optional[str] = None,
                second_factor: bool = True, password: str = TEST_PASSWORD,
                organisation: Optional[Organisation] = None) -> User:
        counter["n"] += 1
        with app.app_context():
            session = databases.session
            if role == "shelter_partner" and organisation is None:
                organisation = Organisation(name=f"Shelter {uuid.uuid4().hex[:6]}", kind="shelter")
                session.add(organisation)
                session.flush()
            if password not in _HASHES:  # one real argon2id hash per password per run
                _HASHES[password] = hash_password(password, password_hasher())
            user = User(username=username or f"{role.replace('_', '')}{counter['n']}", role=role,
                        password_hash=_HASHES[password],
                        organisation_id=organisation.id if organisation else None)
            session.add(user)
            session.flush()
            if second_factor:
                secret = new_totp_secret()
                # No recovery codes here (hashing ten of them per user would slow every test);
                # tests of recovery codes make them with replace_recovery_codes.
                store_totp_secret(session, user, secret, last_step=None)
            session.commit()
            session.refresh(user)
            session.expunge(user)
            if second_factor:
                user.test_totp_secret = secret  # type: ignore[attr-defined]
            return user

    return factory


@pytest.fixture
def login_as(app: Flask, client: BrowserLikeClient, make_user: Callable[..., Any]) -> Callable[..., Any]:
    """Sign `client` in as a new user of `role` (a server-side session, as after sign-in)."""
    import json
    import secrets

    from casework.security.models import WebSession
    from casework.security.sessions import token_hash

    def sign_in(role: str, **user_options: Any) -> Any:
        user = make_user(role, **user_options)
        token = secrets.token_urlsafe(32)
        with app.app_context():
            databases.session.add(WebSession(
                token_hash=token_hash(token), user_id=user.id,
                data=json.dumps({"_user_id": str(user.id), "_fresh": True})))
            databases.session.commit()
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], token, domain="localhost")
        return user

    return sign_in
