"""`casework init`: make an instance folder ready — config, keys, both stores, a first admin.

Idempotent: run again, it only fills in what is missing and never replaces a key or a secret.
"""

from __future__ import annotations

import os
import runpy
import secrets
from pathlib import Path

import click

from casework.config import CONFIG_FILENAME, KEY_FILENAME

CONFIG_TEMPLATE = """\
# Casework instance configuration, written by `casework init`.
# Every setting is described in config.example.py at the project root.
SECRET_KEY = {secret!r}
"""


@click.command("init")
@click.option("--admin", "admin_username", default="admin", show_default=True,
              help="Username of the first administrator, created if there is no administrator.")
@click.pass_context
def init_command(ctx: click.Context, admin_username: str) -> None:
    """Create the instance folder, its keys and databases, and a first administrator."""
    instance: Path = ctx.meta["casework.instance"]
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_config(instance)
    key_file, keys_written = _write_keys(instance)
    try:
        app = ctx.find_root().obj.load_app()
    except click.ClickException:
        if keys_written:
            # Fresh keys beside a database made with others: never leave them there, or the
            # next attempt would take them for the instance's own.
            key_file.unlink()
        raise
    with app.app_context():
        from casework.migrate import upgrade_all

        upgrade_all(app)
        _ensure_first_admin(admin_username)
    _restrict_database_files(instance)
    click.echo(f"Instance folder: {instance}")
    if app.config.get("MASTER_KEYS"):
        click.echo("Keys: taken from CASEWORK_MASTER_KEYS (no key file written).")
    else:
        click.echo(f"Keys: {key_file}")
        click.secho("Back up this key file now, and keep the backup apart from the database "
                    "backups. Without it every sealed record is lost for good.", bold=True)


def _write_config(instance: Path) -> None:
    """Write the instance config, or add a secret key to one the operator wrote without it."""
    path = instance / CONFIG_FILENAME
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(CONFIG_TEMPLATE.format(secret=secrets.token_urlsafe(48)))
        return
    if os.environ.get("CASEWORK_SECRET_KEY") or "SECRET_KEY" in runpy.run_path(str(path)):
        return
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"\n# Added by `casework init`.\nSECRET_KEY = {secrets.token_urlsafe(48)!r}\n")


def _restrict_database_files(instance: Path) -> None:
    """SQLite files hold sealed data, wrapped keys and the audit log: owner-only, like the keys."""
    for path in instance.glob("*.sqlite3*"):
        path.chmod(0o600)


def _write_keys(instance: Path) -> tuple[Path, bool]:
    """The key file's path, and whether it was written just now."""
    from casework.crypto.keyfile import generate_key_material, write_key_file

    path = instance / KEY_FILENAME
    if not path.exists() and not os.environ.get("CASEWORK_MASTER_KEYS"):
        write_key_file(path, generate_key_material())
        return path, True
    return path, False


def _ensure_first_admin(username: str) -> None:
    from casework.auth.enrolment import issue_enrolment_code
    from casework.auth.users import count_active_admins, create_user
    from casework.extensions import db

    if count_active_admins(db.session):
        return
    user = create_user(db.session, username=username, role="admin", actor=None,
                       display_name="Administrator")
    code = issue_enrolment_code(db.session, user, "new_user", actor=None)
    db.commit()
    click.echo(f"First administrator: {user.username}")
    click.echo(f"One-time enrolment code (shown once, valid for a limited time): {code}")
    click.echo("Open Casework, choose \"I have an enrolment code\", and set the password "
               "and second factor.")
