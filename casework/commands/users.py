"""`casework users create|list|deactivate|enrolment-code`."""

from __future__ import annotations

import sys
from typing import Optional

import click
from flask.cli import with_appcontext

from casework.auth.models import ROLES


@click.group("users")
def users_group() -> None:
    """People who sign in to Casework."""


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--organisation", "organisation_name", help="Partner organisation (shelter partners).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--enrolment-code", "with_code", is_flag=True,
              help="Issue a one-time enrolment code instead of setting a password.")
@with_appcontext
def create_command(username: str, role: str, organisation_name: Optional[str],
                   password_stdin: bool, with_code: bool) -> None:
    """Create USERNAME with ROLE; she enrols her second factor at first sign-in."""
    from sqlalchemy import select

    from casework.auth.enrolment import issue_enrolment_code
    from casework.auth.errors import InvalidUserData, PasswordRejected
    from casework.auth.models import Organisation
    from casework.auth.users import create_user, set_password
    from casework.extensions import db

    organisation_id = None
    if organisation_name:
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == organisation_name))
        if organisation is None:
            _fail(f"There is no partner organisation named {organisation_name!r}.")
        organisation_id = organisation.id
    try:
        user = create_user(db.session, username=username, role=role, actor=None,
                           organisation_id=organisation_id)
        if with_code:
            code = issue_enrolment_code(db.session, user, "new_user", actor=None)
        else:
            set_password(db.session, user, _read_password(password_stdin), actor=None)
    except (InvalidUserData, PasswordRejected) as error:
        _fail(f"Not created: {error.message}")
        return
    db.commit()
    click.echo(f"Created {user.username} ({role}).")
    if with_code:
        click.echo(f"One-time enrolment code (shown once): {code}")


@users_group.command("list")
@with_appcontext
def list_command() -> None:
    """List accounts: username, role, state, second factor."""
    from casework.auth.users import list_users
    from casework.extensions import db

    for user in list_users(db.session):
        state = "active" if user.active else "deactivated"
        factor = "2FA" if user.has_second_factor else "no 2FA"
        click.echo(f"{user.username}\t{user.role}\t{state}\t{factor}")


@users_group.command("deactivate")
@click.argument("username")
@with_appcontext
def deactivate_command(username: str) -> None:
    """Deactivate USERNAME and end all of her sessions."""
    from casework.auth.errors import InvalidUserData
    from casework.auth.users import deactivate_user, find_user
    from casework.extensions import db

    user = find_user(db.session, username)
    if user is None:
        _fail(f"There is no user {username!r}.")
        return
    try:
        deactivate_user(db.session, user, actor=None)
    except InvalidUserData as error:
        _fail(error.message)
    db.commit()
    click.echo(f"Deactivated {user.username}; her sessions have ended.")


@users_group.command("enrolment-code")
@click.argument("username")
@click.option("--reset-second-factor", "reset_second_factor_flag", is_flag=True,
              help="Remove her second factor too (a lost phone); otherwise her password is reset.")
@with_appcontext
def enrolment_code_command(username: str, reset_second_factor_flag: bool) -> None:
    """Issue a new one-time enrolment code for USERNAME (a forgotten password, a lost phone)."""
    from casework.auth.users import find_user, reset_password, reset_second_factor
    from casework.extensions import db

    user = find_user(db.session, username)
    if user is None:
        _fail(f"There is no user {username!r}.")
        return
    reset = reset_second_factor if reset_second_factor_flag else reset_password
    code = reset(db.session, user, actor=None)
    db.commit()
    click.echo(f"One-time enrolment code for {user.username} (shown once): {code}")
