"""Server-side sessions stored in the case store.

The cookie holds only a random token; the database holds its SHA-256 and the session data.
Sign-out, deactivation and "end all sessions" mark the row ended, so a copied cookie stops
working at once. Idle and absolute timeouts are checked against the application clock.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta
from typing import Any, Optional

from flask import Flask, Request, Response, current_app
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from werkzeug.datastructures import CallbackDict

from casework.clock import as_utc, now
from casework.extensions import db
from casework.security.models import WebSession

TOKEN_BYTES = 32


class ServerSession(CallbackDict, SessionMixin):
    """The session as views see it: a dict, plus whether it expired and whether it is new."""

    def __init__(self, initial: Optional[dict[str, Any]] = None, token: Optional[str] = None,
                 expired: bool = False) -> None:
        def on_update(_self: "ServerSession") -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.token = token
        self.expired = expired
        self.modified = False
        self.rotate = False

    def regenerate(self) -> None:
        """Give this session a new id (at sign-in), ending the old one on the server."""
        self.rotate = True
        self.modified = True


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DatabaseSessionInterface(SessionInterface):
    """Flask session interface backed by the web_sessions table."""

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if not token:
            return ServerSession()
        with db.new_case_session() as dbs:
            row = dbs.get(WebSession, token_hash(token))
            if row is None or row.ended_at is not None:
                return ServerSession(expired=True)
            if _timed_out(app, row):
                row.ended_at = now()
                dbs.commit()
                return ServerSession(expired=True)
            return ServerSession(json.loads(row.data), token=token)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        # The request's own work is over (the view committed; the rest is discarded at teardown
        # anyway). Discard it first: on SQLite an uncommitted write would hold the lock the
        # session row needs; and where both share one connection (the test suite) the request's
        # savepoint, rolled back at teardown, would take the session row with it.
        db.discard_uncommitted()
        with db.new_case_session() as dbs:
            if session.rotate and session.token:
                end_session_token(dbs, session.token)
                session.token = None
            if not session.token and not session:
                dbs.commit()
                if session.expired or session.modified:
                    self._delete_cookie(app, response)
                return
            self._store(session, dbs)
            dbs.commit()
        response.set_cookie(
            self.get_cookie_name(app), session.token or "",
            httponly=True, secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app), path="/",
        )

    def _store(self, session: ServerSession, dbs: Session) -> None:
        user_id = session.get("_user_id")
        if session.token and not session.modified:  # most requests: only the idle clock moves
            dbs.execute(update(WebSession).where(WebSession.token_hash == token_hash(session.token))
                        .values(last_seen_at=now()))
            return
        data = json.dumps(dict(session), sort_keys=True)
        if not session.token:
            _purge_stale_sessions(dbs)
            session.token = secrets.token_urlsafe(TOKEN_BYTES)
            dbs.add(WebSession(token_hash=token_hash(session.token), data=data,
                               user_id=int(user_id) if user_id else None))
            return
        row = dbs.get(WebSession, token_hash(session.token))
        if row is None:
            return
        row.last_seen_at = now()
        row.data = data
        row.user_id = int(user_id) if user_id else None

    def _delete_cookie(self, app: Flask, response: Response) -> None:
        response.delete_cookie(self.get_cookie_name(app), path="/",
                               secure=self.get_cookie_secure(app),
                               samesite=self.get_cookie_samesite(app), httponly=True)


def _timed_out(app: Flask, row: WebSession) -> bool:
    moment = now()
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
    return (moment - as_utc(row.last_seen_at) > idle
            or moment - as_utc(row.created_at) > absolute)


def _purge_stale_sessions(dbs: Session) -> None:
    """Drop rows no cookie can use any more, so anonymous visits do not pile up."""
    cutoff = now() - timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"] + 1)
    dbs.execute(delete(WebSession).where(WebSession.last_seen_at < cutoff))


def end_session_token(dbs: Session, token: str) -> None:
    """End one session on the server (sign-out, id rotation)."""
    dbs.execute(update(WebSession).where(WebSession.token_hash == token_hash(token),
                                         WebSession.ended_at.is_(None)).values(ended_at=now()))


def end_user_sessions(dbs: Session, user_id: int) -> int:
    """End every open session of one user (deactivation, admin's "end sessions"); returns how many."""
    result = dbs.execute(update(WebSession).where(WebSession.user_id == user_id,
                                                  WebSession.ended_at.is_(None)).values(ended_at=now()))
    return result.rowcount or 0


def open_sessions_of(dbs: Session, user_id: int) -> list[WebSession]:
    return list(dbs.scalars(select(WebSession).where(WebSession.user_id == user_id,
                                                     WebSession.ended_at.is_(None))))
