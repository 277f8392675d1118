"""`casework init`: config, keys, both stores migrated, a first admin — and idempotent."""

from __future__ import annotations

import json
import re
import sqlite3
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from casework.cli import cli
from casework.migrate import STORES, alembic_config

CODE = re.compile(r"\b[a-z2-9]{4}(?:-[a-z2-9]{4}){6}\b")


def run_init(instance: Path, *extra: str) -> Result:
    result = CliRunner().invoke(cli, ["--instance", str(instance), "init", *extra],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def head_revision(store: str) -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(store)).get_current_head()


def query(path: Path, sql: str, *args: object) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


def test_init_makes_a_complete_instance(tmp_path: Path):
    instance = tmp_path / "inst"
    result = run_init(instance)

    config, keys = instance / "config.py", instance / "keys" / "casework.keys"
    case_db, stats_db = instance / "casework.sqlite3", instance / "statistics.sqlite3"
    for path in (config, keys, case_db, stats_db):
        assert path.is_file(), path
        assert mode(path) == 0o600, f"{path} is {mode(path):04o}"
    assert mode(instance) == 0o700
    assert mode(keys.parent) == 0o700
    assert "SECRET_KEY" in config.read_text()

    for path, store in ((case_db, "case"), (stats_db, "stats")):
        assert query(path, "SELECT version_num FROM alembic_version") == [(head_revision(store),)]
    assert query(case_db, "SELECT username, role, active, password_hash FROM users") == [
        ("admin", "admin", 1, None)]
    assert len(query(case_db, "SELECT id FROM enrolment_codes WHERE used_at IS NULL")) == 1
    assert len(query(case_db, "SELECT master_key_id FROM key_checks")) == 1

    output = result.output
    assert "First administrator: admin" in output
    assert CODE.search(output), output
    assert str(keys) in output
    assert "Back up this key file" in output


def test_the_enrolment_code_is_stored_only_as_a_hash(tmp_path: Path):
    instance = tmp_path / "inst"
    code = CODE.search(run_init(instance).output).group(0)
    raw = (instance / "casework.sqlite3").read_bytes()
    assert code.encode() not in raw and code.replace("-", "").encode() not in raw


def test_init_a_second_time_changes_nothing(tmp_path: Path):
    instance = tmp_path / "inst"
    run_init(instance)
    config = (instance / "config.py").read_bytes()
    keys = (instance / "keys" / "casework.keys").read_bytes()

    again = run_init(instance)
    assert (instance / "config.py").read_bytes() == config
    assert (instance / "keys" / "casework.keys").read_bytes() == keys
    assert "First administrator" not in again.output
    assert not CODE.search(again.output)
    assert query(instance / "casework.sqlite3", "SELECT count(*) FROM users") == [(1,)]
    # A third run with another --admin still adds no administrator.
    run_init(instance, "--admin", "someone")
    assert query(instance / "casework.sqlite3", "SELECT username FROM users") == [("admin",)]


def test_admin_option_picks_the_username(tmp_path: Path):
    instance = tmp_path / "inst"
    result = run_init(instance, "--admin", "eleni.k")
    assert "First administrator: eleni.k" in result.output
    assert query(instance / "casework.sqlite3", "SELECT username, role FROM users") == [
        ("eleni.k", "admin")]


def test_instance_from_the_environment(tmp_path: Path):
    instance = tmp_path / "from-env"
    result = CliRunner().invoke(cli, ["init"], env={"CASEWORK_INSTANCE": str(instance)},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (instance / "keys" / "casework.keys").is_file()
    assert (instance / "casework.sqlite3").is_file()


def test_the_instance_option_wins_over_the_environment(tmp_path: Path):
    chosen, ignored = tmp_path / "chosen", tmp_path / "ignored"
    result = CliRunner().invoke(cli, ["--instance", str(chosen), "init"],
                                env={"CASEWORK_INSTANCE": str(ignored)}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (chosen / "config.py").is_file()
    assert not ignored.exists()


def test_a_started_app_accepts_the_instance(tmp_path: Path):
    from casework import create_app
    from casework.extensions import db

    instance = tmp_path / "inst"
    run_init(instance)
    app = create_app(instance_path=instance)
    try:
        assert app.config["DATABASE_URL"].endswith("casework.sqlite3")
    finally:
        db.dispose(app)


@pytest.mark.parametrize("store", STORES)
def test_head_revisions_exist(store: str):
    assert head_revision(store)


def test_init_makes_no_new_keys_for_an_existing_database(tmp_path: Path):
    """A lost key file is restored from its backup: init must not quietly make new keys."""
    instance = tmp_path / "inst"
    run_init(instance)
    keys = instance / "keys" / "casework.keys"
    master_id = json.loads(keys.read_text())["master_keys"][0]["id"]
    keys.unlink()

    result = CliRunner().invoke(cli, ["--instance", str(instance), "init"])
    assert result.exit_code == 1
    assert master_id in result.output
    assert "backup" in result.output
    assert "Traceback" not in result.output
    assert not keys.exists()  # nothing left behind that the next attempt could take for hers


def test_init_with_keys_from_the_environment_writes_no_key_file(tmp_path: Path):
    from casework.crypto.keyfile import generate_key_material

    instance = tmp_path / "inst"
    document = json.dumps(generate_key_material())
    result = CliRunner().invoke(cli, ["--instance", str(instance), "init"],
                                env={"CASEWORK_MASTER_KEYS": document}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not (instance / "keys" / "casework.keys").exists()
    assert "CASEWORK_MASTER_KEYS" in result.output
    assert (instance / "casework.sqlite3").is_file()


def test_init_adds_a_secret_key_to_a_config_the_operator_wrote(tmp_path):
    from click.testing import CliRunner

    from casework.cli import cli

    instance = tmp_path / "own"
    instance.mkdir()
    (instance / "config.py").write_text("SESSION_IDLE_MINUTES = 10\n")
    result = CliRunner().invoke(cli, ["--instance", str(instance), "init"])
    assert result.exit_code == 0, result.output
    text = (instance / "config.py").read_text()
    assert text.startswith("SESSION_IDLE_MINUTES = 10\n") and "SECRET_KEY = " in text
    again = CliRunner().invoke(cli, ["--instance", str(instance), "init"])
    assert again.exit_code == 0 and (instance / "config.py").read_text() == text
