"""`casework audit verify`: walk the hash chain and name the first broken entry."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext


@click.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
@with_appcontext
def verify_command() -> None:
    """Check every entry of the audit log; exit code 1 if any was changed, removed or moved."""
    from casework.audit.service import verify
    from casework.extensions import db

    result = verify(db.session)
    if result.ok:
        click.echo(f"Audit log intact: {result.entries_checked} entries verified.")
        return
    click.echo(f"Audit log BROKEN at entry {result.first_broken_seq}: {result.problem} "
               f"({result.entries_checked} entries before it verified).", err=True)
    sys.exit(1)
