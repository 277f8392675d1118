"""The migration chains build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from casework.db import Base, StatsBase
from casework.extensions import db


def _differences(engine, metadata) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_case_store_schema_matches_models(app):
    case_engine, _ = db.engines(app)
    assert _differences(case_engine, Base.metadata) == []


def test_statistics_store_schema_matches_models(app):
    _, stats_engine = db.engines(app)
    assert _differences(stats_engine, StatsBase.metadata) == []


def test_statistics_store_holds_no_case_table(app):
    _, stats_engine = db.engines(app)
    from sqlalchemy import inspect

    assert not set(inspect(stats_engine).get_table_names()) & set(Base.metadata.tables)
