"""Alembic environment of the statistics store; run through casework.migrate (it passes the connection)."""

from alembic import context

from casework.db import StatsBase
from casework.models import load_all_models

load_all_models()
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with `casework init` or `casework db upgrade`.")
context.configure(connection=connection, target_metadata=StatsBase.metadata,
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
