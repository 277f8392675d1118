"""`casework db upgrade` and, for developers, `casework db revision`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("db")
def db_group() -> None:
    """Database schemas of both stores."""


@db_group.command("upgrade")
@with_appcontext
def upgrade_command() -> None:
    """Migrate both stores to the newest schema."""
    from casework.migrate import upgrade_all

    upgrade_all(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo("Both stores are at the newest schema.")


@db_group.command("revision")
@click.argument("store", type=click.Choice(["case", "stats"]))
@click.argument("message")
@with_appcontext
def revision_command(store: str, message: str) -> None:
    """Autogenerate a migration for STORE from the models (read it before committing)."""
    from alembic import command

    from casework.extensions import db
    from casework.migrate import alembic_config

    case_engine, stats_engine = db.engines(current_app._get_current_object())  # type: ignore[attr-defined]
    with (case_engine if store == "case" else stats_engine).begin() as connection:
        command.revision(alembic_config(store, connection), message=message, autogenerate=True)
