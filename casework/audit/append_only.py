"""Database triggers that make the audit table append-only, on SQLite and PostgreSQL.

Used by the migration that creates the table (and by tests that must tamper on purpose to prove
that `casework audit verify` notices).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

MESSAGE = "audit entries are append-only"

_SQLITE_CREATE = [
    f"CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
_SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_entries_no_update",
                "DROP TRIGGER IF EXISTS audit_entries_no_delete"]

_POSTGRES_CREATE = [
    f"CREATE OR REPLACE FUNCTION audit_entries_refuse_change() RETURNS trigger "
    f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
    "CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries "
    "FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse_change()",
    "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse_change()",
]
_POSTGRES_DROP = ["DROP TRIGGER IF EXISTS audit_entries_no_change ON audit_entries",
                  "DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries",
                  "DROP FUNCTION IF EXISTS audit_entries_refuse_change()"]


def _statements(connection: Connection, sqlite: list[str], postgres: list[str]) -> list[str]:
    return sqlite if connection.dialect.name == "sqlite" else postgres


def forbid_changes(connection: Connection) -> None:
    for statement in _statements(connection, _SQLITE_CREATE, _POSTGRES_CREATE):
        connection.execute(text(statement))


def allow_changes(connection: Connection) -> None:
    for statement in _statements(connection, _SQLITE_DROP, _POSTGRES_DROP):
        connection.execute(text(statement))
