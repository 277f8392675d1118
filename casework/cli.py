"""The `casework` command: the operator's one interface (a Flask CLI group).

Every command finds the instance folder the same way: --instance DIR, else CASEWORK_INSTANCE,
else ./instance.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo

from casework import create_app, resolve_instance_path


def _remember_instance(ctx: click.Context, _param: click.Parameter, value: Optional[str]) -> None:
    path = resolve_instance_path(value)
    info = ctx.ensure_object(ScriptInfo)
    info.create_app = lambda: _start(path)
    ctx.meta["casework.instance"] = path


def _start(path: Path) -> Flask:
    """The app of one instance; a setting or key problem is a plain message, not a traceback."""
    from casework.config import ConfigError
    from casework.crypto.errors import KeyFileError

    try:
        return create_app(instance_path=path)
    except (ConfigError, KeyFileError) as error:
        raise click.ClickException(f"Casework cannot start with the instance {path}: {error}") from None


def _register_commands(group: click.Group) -> None:
    from casework.commands import (audit, clients, database, demo, i18n, init, keys, referrals,
                                   serve, stats, users)

    for command in (init.init_command, users.users_group, keys.keys_group, audit.audit_group,
                    clients.clients_group, referrals.referrals_group, stats.stats_group,
                    database.db_group, i18n.i18n_group, demo.demo_group, serve.run_command):
        group.add_command(command)


class CaseworkGroup(FlaskGroup):
    """Flask's group without its own `run`/`shell`/`routes` defaults clashing with ours."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(add_default_commands=False, load_dotenv=False, set_debug_flag=False,
                         add_version_option=False, **kwargs)
        _register_commands(self)

    # Every command is registered here, none on the app: listing or looking one up must not
    # start the app (FlaskGroup would, so `--help` or a typo before `init` would fail loudly).
    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        self._load_plugin_commands()
        return click.Group.get_command(self, ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return click.Group.list_commands(self, ctx)


cli = CaseworkGroup(
    name="casework",
    help="Casework: confidential case management for a women's counselling centre.",
    params=[click.Option(["--instance"], metavar="DIR", expose_value=False, is_eager=True,
                         callback=_remember_instance,
                         help="Instance folder (default: $CASEWORK_INSTANCE or ./instance).")],
)


def main() -> None:
    cli.main(prog_name="casework", args=sys.argv[1:])
