"""`casework keys status|rotate|retire|rotate-index`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("keys")
def keys_group() -> None:
    """Master keys and the blind-index key."""


def _key_file() -> Path:
    if current_app.config.get("MASTER_KEYS"):
        click.echo("Keys are injected through CASEWORK_MASTER_KEYS: add the new key to that "
                   "document yourself (see the README), redeploy, then run this command with "
                   "a key file.", err=True)
        sys.exit(1)
    return Path(current_app.config["KEY_FILE"])


@keys_group.command("status")
@with_appcontext
def status_command() -> None:
    """Show key ids and how many records each key still covers."""
    from casework.clients.reindex import clients_behind
    from casework.crypto.rotation import data_keys_behind
    from casework.crypto.runtime import current_keyring
    from casework.extensions import db

    keyring = current_keyring()
    click.echo(f"Master keys (oldest first): {', '.join(keyring.master_ids)}")
    click.echo(f"Current master key: {keyring.current_master_id}")
    click.echo(f"Data keys still on an older master key: {data_keys_behind(db.session, keyring)}")
    click.echo(f"Index keys (oldest first): {', '.join(keyring.index_key_ids)}")
    click.echo(f"Clients still indexed under an older index key: {clients_behind(db.session, keyring)}")


@keys_group.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@with_appcontext
def rotate_command(batch_size: int) -> None:
    """Add a new master key and re-wrap every data key under it (resumable)."""
    import time

    from casework.crypto.rotation import rewrap_data_keys, start_master_rotation
    from casework.crypto.runtime import current_keyring, install_keyring
    from casework.extensions import db

    keyring, resumed = start_master_rotation(db.session, _key_file(), current_keyring())
    install_keyring(current_app._get_current_object(), keyring)  # type: ignore[attr-defined]
    click.echo(("Resuming the unfinished rotation to " if resumed else "Added master key ")
               + keyring.current_master_id + ".")
    started = time.perf_counter()
    report = rewrap_data_keys(db.session, keyring, batch_size,
                              progress=lambda n: click.echo(f"  {n} data keys re-wrapped…"))
    elapsed = time.perf_counter() - started
    rate = report.done / elapsed if elapsed > 0 else 0.0
    click.echo(f"Re-wrapped {report.done} data keys in {report.batches} batches "
               f"({rate:.0f} per second).")
    click.echo("Back up the key file again now: it holds the new key.")


@keys_group.command("retire")
@click.argument("key_id")
@with_appcontext
def retire_command(key_id: str) -> None:
    """Remove an old master key; refused while any data key still uses it."""
    from casework.crypto.errors import KeyFileError
    from casework.crypto.rotation import retire_master_key
    from casework.crypto.runtime import current_keyring
    from casework.extensions import db

    try:
        retire_master_key(db.session, _key_file(), current_keyring(), key_id)
    except KeyFileError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    click.echo(f"Master key {key_id} retired. Backups of the key file still hold it: "
               "destroy those too once your database backups no longer need it.")


@keys_group.command("rotate-index")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 100_000))
@with_appcontext
def rotate_index_command(batch_size: int) -> None:
    """Add a new blind-index key and rebuild every client's search entries (resumable)."""
    from casework.clients.reindex import clients_behind, rebuild_index
    from casework.crypto.rotation import add_new_index_key
    from casework.crypto.runtime import current_keyring, install_keyring
    from casework.extensions import db

    keyring = current_keyring()
    if clients_behind(db.session, keyring):
        click.echo(f"Resuming the unfinished rebuild under index key {keyring.index_key_id}.")
    else:
        keyring, new_id = add_new_index_key(_key_file())
        install_keyring(current_app._get_current_object(), keyring)  # type: ignore[attr-defined]
        click.echo(f"Added index key {new_id}.")
    rebuilt = rebuild_index(db.session, keyring, batch_size,
                            progress=lambda n: click.echo(f"  {n} clients re-indexed…"))
    click.echo(f"Re-indexed {rebuilt} clients. Back up the key file again now.")
