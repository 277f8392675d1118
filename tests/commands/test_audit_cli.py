"""`casework audit verify` on an instance made by `init`, before and after tampering."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from casework.cli import cli

DROP_TRIGGERS = ("DROP TRIGGER IF EXISTS audit_entries_no_update",
                 "DROP TRIGGER IF EXISTS audit_entries_no_delete")


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    folder = tmp_path / "inst"
    runner = CliRunner()
    assert runner.invoke(cli, ["--instance", str(folder), "init"]).exit_code == 0
    for name in ("maria", "eleni"):
        result = runner.invoke(cli, ["--instance", str(folder), "users", "create", name,
                                     "--role", "counsellor", "--enrolment-code"])
        assert result.exit_code == 0, result.output
    return folder


def verify(instance: Path) -> Result:
    return CliRunner().invoke(cli, ["--instance", str(instance), "audit", "verify"],
                              catch_exceptions=False)


def tamper(instance: Path, *statements: str) -> None:
    """What someone with the database file alone could do: drop the triggers and edit."""
    connection = sqlite3.connect(instance / "casework.sqlite3")
    try:
        with connection:
            for statement in (*DROP_TRIGGERS, *statements):
                connection.execute(statement)
    finally:
        connection.close()


def entry_count(instance: Path) -> int:
    connection = sqlite3.connect(instance / "casework.sqlite3")
    try:
        return connection.execute("SELECT count(*) FROM audit_entries").fetchone()[0]
    finally:
        connection.close()


def test_verify_an_intact_log(instance: Path):
    count = entry_count(instance)
    assert count >= 4  # the admin and two users created, codes issued
    result = verify(instance)
    assert result.exit_code == 0, result.output
    assert f"{count} entries verified" in result.output


def test_the_triggers_refuse_changes_from_outside_the_application(instance: Path):
    connection = sqlite3.connect(instance / "casework.sqlite3")
    try:
        for statement in ("UPDATE audit_entries SET action = 'x' WHERE seq = 1",
                          "DELETE FROM audit_entries WHERE seq = 1"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                connection.execute(statement)
    finally:
        connection.close()


def test_verify_names_an_edited_entry(instance: Path):
    tamper(instance, "UPDATE audit_entries SET target_id = '999' WHERE seq = 2")
    result = verify(instance)
    assert result.exit_code == 1
    assert "BROKEN at entry 2" in result.output
    assert "1 entries before it verified" in result.output


def test_verify_names_a_deleted_entry(instance: Path):
    tamper(instance, "DELETE FROM audit_entries WHERE seq = 3")
    result = verify(instance)
    assert result.exit_code == 1
    assert "BROKEN at entry 3" in result.output


def test_verify_names_a_deleted_last_entry(instance: Path):
    last = entry_count(instance)
    tamper(instance, f"DELETE FROM audit_entries WHERE seq = {last}")
    result = verify(instance)
    assert result.exit_code == 1
    assert f"BROKEN at entry {last}" in result.output
