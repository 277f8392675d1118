"""The application factory: a configured app on request, nothing at import time, apps apart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from casework import create_app
from casework.auth.models import User
from casework.crypto.keyfile import generate_key_material, write_key_file
from casework.extensions import db
from casework.migrate import upgrade_all

REPO_ROOT = Path(__file__).resolve().parent.parent

# Run in a fresh interpreter: records every file opened under the watched folders, every SQLite
# connection, every Flask app created and every key file read while importing the package.
IMPORT_PROBE = r"""
import json, pkgutil, sys, importlib
watched = sys.argv[1:]
events = []

def hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes)):
        path = args[0].decode() if isinstance(args[0], bytes) else args[0]
        if any(path.startswith(folder) for folder in watched):
            events.append(["open", path])
    elif event == "sqlite3.connect":
        events.append(["sqlite3.connect", str(args)])

sys.addaudithook(hook)

import flask
original_init = flask.Flask.__init__
def counting_init(self, *args, **kwargs):
    events.append(["flask.Flask", str(args[:1])])
    original_init(self, *args, **kwargs)
flask.Flask.__init__ = counting_init

import casework
import casework.cli
import casework.crypto.keyfile as keyfile
original_load = keyfile.load_key_file
def counting_load(*args, **kwargs):
    events.append(["load_key_file", str(args)])
    return original_load(*args, **kwargs)
keyfile.load_key_file = counting_load

imported = []
for module in pkgutil.walk_packages(casework.__path__, "casework."):
    importlib.import_module(module.name)
    imported.append(module.name)

from casework.cli import cli  # the command object itself
print(json.dumps({"events": events, "imported": imported, "cli": cli.name}))
"""


def test_create_app_builds_a_configured_app(make_app: Callable[..., Flask]):
    app = make_app(AUDIT_PAGE_SIZE=7)
    assert app.config["TESTING"] is True
    assert app.config["AUDIT_PAGE_SIZE"] == 7
    assert {"core", "auth", "admin"} <= set(app.blueprints)
    assert "casework.db" in app.extensions and "casework.keyring" in app.extensions
    assert app.session_interface.__class__.__name__ == "DatabaseSessionInterface"
    with app.test_request_context("/"):
        from flask import url_for

        assert url_for("core.health") == "/health"


def test_importing_the_package_creates_no_app_opens_nothing_reads_no_key(tmp_path: Path):
    instance = tmp_path / "empty-instance"
    instance.mkdir()
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("CASEWORK_")}
    environment.update(CASEWORK_INSTANCE=str(instance), PYTHONPATH=str(REPO_ROOT))
    completed = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, str(instance), str(workdir)],
        cwd=workdir, env=environment, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["events"] == []
    assert report["cli"] == "casework"
    assert "casework.app_setup" in report["imported"]
    assert list(instance.iterdir()) == []
    assert list(workdir.iterdir()) == []  # no ./instance folder appeared either


def test_casework_help_needs_no_instance(tmp_path: Path):
    """`casework --help` before `casework init`: the commands, not an error about the app."""
    from click.testing import CliRunner

    from casework.cli import cli

    instance = tmp_path / "not-yet"
    result = CliRunner().invoke(cli, ["--help"], env={"CASEWORK_INSTANCE": str(instance)})
    assert result.exit_code == 0
    assert "init" in result.output and "users" in result.output
    assert "Error" not in result.output and "Traceback" not in result.output
    assert not instance.exists()


def test_a_command_on_an_uninitialised_instance_says_what_to_do(tmp_path: Path):
    from click.testing import CliRunner

    from casework.cli import cli

    instance = tmp_path / "not-yet"
    result = CliRunner().invoke(cli, ["--instance", str(instance), "users", "list"])
    assert result.exit_code == 1
    assert "SECRET_KEY" in result.output and "casework init" in result.output
    assert "Traceback" not in result.output
    assert not instance.exists()


@pytest.fixture
def two_instances(tmp_path: Path) -> Iterator[tuple[Flask, Flask]]:
    apps = []
    for name in ("centre-a", "centre-b"):
        folder = tmp_path / name
        write_key_file(folder / "keys" / "casework.keys", generate_key_material())
        (folder / "config.py").write_text(f'SECRET_KEY = "{name}-" + "s" * 40\n')
        app = create_app({"PASSWORD_HASHER": "fast"}, instance_path=folder)
        upgrade_all(app)
        apps.append(app)
    yield apps[0], apps[1]
    for app in apps:
        db.dispose(app)


def test_two_apps_with_different_instances_are_independent(two_instances: tuple[Flask, Flask],
                                                          tmp_path: Path):
    first, second = two_instances
    assert first.instance_path != second.instance_path
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]
    assert first.config["DATABASE_URL"] != second.config["DATABASE_URL"]
    assert str(tmp_path / "centre-a") in first.config["DATABASE_URL"]
    assert (first.extensions["casework.keyring"].current_master_id
            != second.extensions["casework.keyring"].current_master_id)
    assert db.engines(first)[0] is not db.engines(second)[0]

    with first.app_context():
        db.session.add(User(username="only-in-a", role="counsellor"))
        db.commit()
    with second.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        db.session.add(User(username="only-in-b", role="counsellor"))
        db.commit()
    with first.app_context():
        names = list(db.session.scalars(select(User.username)))
    assert names == ["only-in-a"]


def test_nested_contexts_of_two_apps_keep_their_own_sessions(two_instances: tuple[Flask, Flask]):
    first, second = two_instances
    with first.app_context():
        session_a = db.session
        with second.app_context():
            session_b = db.session
            assert session_b is not session_a
            assert session_b.get_bind() is db.engines(second)[0]
        assert db.session is session_a
        assert session_a.get_bind() is db.engines(first)[0]
