"""Alembic for both stores: one migration chain each, run on the application's engines."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy.engine import Connection, Engine

from casework.extensions import db

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
STORES = ("case", "stats")


def alembic_config(store: str, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR / store))
    config.attributes["connection"] = connection
    return config


def _engine_for(app: Flask, store: str) -> Engine:
    case_engine, stats_engine = db.engines(app)
    return case_engine if store == "case" else stats_engine


def upgrade_all(app: Flask) -> None:
    """Bring both stores to their newest schema, then record the master key's check value.

    Start-up skips the key check on a store that is not migrated yet; recording it here, right
    after the schema exists, means the very next start-up already refuses another key file.
    """
    from casework.crypto.runtime import check_keys_against_database

    for store in STORES:
        upgrade_connection(store, _engine_for(app, store))
    check_keys_against_database(app, _engine_for(app, "case"))


def upgrade_connection(store: str, bind: Engine | Connection) -> None:
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            command.upgrade(alembic_config(store, connection), "head")
    else:
        command.upgrade(alembic_config(store, bind), "head")


def pending_stores(app: Flask) -> list[str]:
    """The stores whose schema is behind the code (so start-up can say `casework init`)."""
    behind = []
    for store in STORES:
        head = ScriptDirectory.from_config(alembic_config(store)).get_current_head()
        with _engine_for(app, store).connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        if current != head:
            behind.append(store)
    return behind
