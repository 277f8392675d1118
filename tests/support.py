"""Helpers shared by fixtures and tests that need stores of their own."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import Callable

from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get("CASEWORK_TEST_PG_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def uses_postgresql() -> bool:
    return os.environ.get("CASEWORK_TEST_DATABASE", "sqlite") == "postgresql"


def postgres_databases(label: str = "test") -> tuple[str, str, Callable[[], None]]:
    """Create a throwaway case and statistics database; returns their URLs and a drop function."""
    suffix = uuid.uuid4().hex[:8]
    names = (f"casework_{label}_case_{suffix}", f"casework_{label}_stats_{suffix}")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]

    def drop() -> None:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{base}/{names[0]}", f"{base}/{names[1]}", drop


def own_stores(tmp_path: Path, label: str) -> tuple[dict[str, str], Callable[[], None]]:
    """Stores that tests commit to for real (the canary scan reads what reached the disk)."""
    if uses_postgresql():
        case_url, stats_url, drop = postgres_databases(label)
        return {"DATABASE_URL": case_url, "STATS_DATABASE_URL": stats_url}, drop
    return ({"DATABASE_URL": f"sqlite:///{tmp_path / 'case.sqlite3'}",
             "STATS_DATABASE_URL": f"sqlite:///{tmp_path / 'stats.sqlite3'}"}, lambda: None)


def without_csrf_tokens(page: str) -> str:
    """A page with its CSRF token values left out: they carry a timestamp, so two answers that
    are otherwise the same differ when a second passes between them."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', page)
