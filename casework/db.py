"""The two stores: the case store and the statistics store, each its own engine and session.

They are separate databases on purpose (see DESIGN.md §3): nothing joins across them, and the
reports read only the statistics store. Sessions are scoped to the application context and
removed when it ends; services flush, the view or command commits once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from flask.globals import app_ctx
from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Models of the case store."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class StatsBase(DeclarativeBase):
    """Models of the de-identified statistics store."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@dataclass
class _Stores:
    case_engine: Engine
    stats_engine: Engine
    case_session: scoped_session[Session]
    stats_session: scoped_session[Session]


def _app_context_id() -> int:
    return id(app_ctx._get_current_object())


def make_engine(url: str) -> Engine:
    """An engine with the settings each backend needs to be safe for us."""
    options: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        options["connect_args"] = {"timeout": 30}
    else:
        options["pool_pre_ping"] = True
    engine = create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA secure_delete=ON")  # erased rows are overwritten, not left in free pages
    cursor.close()


def _close_every_scope(scoped: scoped_session[Session]) -> None:
    """Close the sessions of every application context (works outside any context)."""
    sessions = scoped.registry.registry  # type: ignore[attr-defined]
    for session in list(sessions.values()):
        session.close()
    sessions.clear()


class Databases:
    """Unbound holder of both stores; `init_app` binds them to one application."""

    def init_app(self, app: Flask) -> None:
        case_engine = make_engine(app.config["DATABASE_URL"])
        stats_engine = make_engine(app.config["STATS_DATABASE_URL"])
        app.extensions["casework.db"] = _Stores(
            case_engine=case_engine,
            stats_engine=stats_engine,
            case_session=scoped_session(sessionmaker(bind=case_engine), scopefunc=_app_context_id),
            stats_session=scoped_session(sessionmaker(bind=stats_engine), scopefunc=_app_context_id),
        )
        app.teardown_appcontext(self._remove_sessions)

    @staticmethod
    def _stores(app: Flask | None = None) -> _Stores:
        return (app or current_app).extensions["casework.db"]

    @property
    def session(self) -> Session:
        """The case-store session of the current application context."""
        return self._stores().case_session()

    @property
    def stats_session(self) -> Session:
        """The statistics-store session of the current application context."""
        return self._stores().stats_session()

    def new_case_session(self) -> Session:
        """A separate, short-lived case-store session, for infrastructure writes (web sessions)
        that must commit on their own and never take a request's half-done work with them."""
        return self._stores().case_session.session_factory()

    def discard_uncommitted(self) -> None:
        """Roll back what this context's sessions still hold uncommitted (none is created).

        Called when a request's response is ready: the view has committed, and whatever is left
        would be rolled back at teardown anyway.
        """
        stores = self._stores()
        for scoped in (stores.case_session, stores.stats_session):
            if scoped.registry.has():
                scoped().rollback()

    def engines(self, app: Flask | None = None) -> tuple[Engine, Engine]:
        stores = self._stores(app)
        return stores.case_engine, stores.stats_engine

    def commit(self) -> None:
        """Commit both stores' pending work (the one commit of a request or command)."""
        stores = self._stores()
        stores.case_session().commit()
        stores.stats_session().commit()

    def bind_to_connections(self, app: Flask, case: Connection, stats: Connection) -> None:
        """Tests: run every session inside outer transactions that the test rolls back."""
        stores = self._stores(app)
        for scoped, connection in ((stores.case_session, case), (stores.stats_session, stats)):
            _close_every_scope(scoped)
            scoped.session_factory.configure(bind=connection, join_transaction_mode="create_savepoint")

    def dispose(self, app: Flask) -> None:
        stores = self._stores(app)
        _close_every_scope(stores.case_session)
        _close_every_scope(stores.stats_session)
        stores.case_engine.dispose()
        stores.stats_engine.dispose()

    def _remove_sessions(self, _exc: BaseException | None) -> None:
        stores = self._stores()
        stores.case_session.remove()
        stores.stats_session.remove()
