"""`casework stats rebuild | verify | sync`: the statistics store and its agreement with the
case store. Output names keys, years and fields, never a value of a case."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("stats")
def stats_group() -> None:
    """The de-identified statistics store."""


@stats_group.command("sync")
@with_appcontext
def sync_command() -> None:
    """Project the cases changed since the last sync (the outbox); exit code 1 if any failed."""
    from casework.stats.sync import sync_pending

    result = sync_pending(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(f"Statistics sync: {result.synced} outbox entries projected, {result.failed} failed.")
    if result.failed:
        sys.exit(1)


@stats_group.command("rebuild")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 10_000),
              help="Cases read and written at a time.")
@with_appcontext
def rebuild_command(batch_size: int) -> None:
    """Recompute the whole statistics store from the case store."""
    from casework.extensions import db
    from casework.stats.rebuild import rebuild
    from casework.stats.sync import sync_pending

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    case_session = db.new_case_session()
    try:
        result = rebuild(case_session, db.stats_session, batch_size=batch_size)
        db.stats_session.commit()
    finally:
        case_session.close()
    # Changes made while the rebuild ran are in the outbox: project them over the new store.
    pending = sync_pending(app)
    click.echo(f"Statistics store rebuilt: {result.cases} cases projected into {result.case_years} "
               f"case-years ({result.kept} cases of erased clients kept as they were) in "
               f"{result.seconds:.1f} s, {result.cases_per_second:.0f} cases/s.")
    if pending.synced or pending.failed:
        click.echo(f"Then {pending.synced} changes made meanwhile projected, {pending.failed} failed.")
    if pending.failed:
        sys.exit(1)


@stats_group.command("verify")
@with_appcontext
def verify_command() -> None:
    """Sync the outbox, then compare the statistics store with the case store; exit code 1 if
    they disagree (`casework stats rebuild` makes them agree)."""
    from casework.extensions import db
    from casework.stats.rebuild import verify
    from casework.stats.sync import sync_pending

    pending = sync_pending(current_app._get_current_object())  # type: ignore[attr-defined]
    case_session = db.new_case_session()
    try:
        result = verify(case_session, db.stats_session)
    finally:
        case_session.close()
        db.stats_session.rollback()
    for found in result.disagreements:
        year = "-" if found.year is None else str(found.year)
        click.echo(f"key {found.key} year {year}: {found.what}", err=True)
    if pending.failed:
        click.echo(f"{pending.failed} outbox entries could not be projected.", err=True)
    if result.disagreements or pending.failed:
        click.echo(f"The statistics store DISAGREES with the case store: "
                   f"{len(result.disagreements)} differences. Run `casework stats rebuild`.", err=True)
        sys.exit(1)
    click.echo(f"The statistics store agrees with the case store ({result.cases} cases checked, "
               f"{pending.synced} outbox entries projected first).")
