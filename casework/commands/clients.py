"""`casework clients erase CLIENT_ID`: crypto-shred one woman's record (right to erasure)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext


@click.group("clients")
def clients_group() -> None:
    """Clients' records."""


@clients_group.command("erase")
@click.argument("client_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_command(client_id: str, yes: bool) -> None:
    """Destroy CLIENT_ID's data key, search entries, sealed data and referral packets. It cannot
    be undone.

    Her cases stay as empty shells (ids, dates, status) and the statistics store is not touched.
    Backups still hold her sealed data, but without her data key nothing of it opens again.
    """
    from casework.erasure import erase_woman
    from casework.errors import NotFound
    from casework.extensions import db

    if not yes and not click.confirm(f"Erase client {client_id} for good?", default=False):
        click.echo("Nothing was erased.")
        sys.exit(1)
    try:
        erase_woman(db.session, client_id, actor=None)
    except NotFound:
        click.echo(f"There is no client {client_id} (or she was already erased).", err=True)
        sys.exit(1)
    db.commit()
    click.echo(f"Client {client_id} erased: her data key is destroyed; her sealed data can no "
               "longer be opened with any key.")
