"""`casework users create|list|deactivate|enrolment-code` on an instance made by `init`."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from casework.cli import cli

CODE = re.compile(r"\b[a-z2-9]{4}(?:-[a-z2-9]{4}){6}\b")
GOOD_PASSWORD = "long enough passphrase 123"


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    folder = tmp_path / "inst"
    result = CliRunner().invoke(cli, ["--instance", str(folder), "init"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return folder


def run(instance: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--instance", str(instance), *args], input=input,
                              catch_exceptions=False)


def query(instance: Path, sql: str, *args: object) -> list[tuple]:
    connection = sqlite3.connect(instance / "casework.sqlite3")
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


def create(instance: Path, name: str, role: str = "counsellor") -> Result:
    result = run(instance, "users", "create", name, "--role", role, "--password-stdin",
                 input=GOOD_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    return result


def test_create_with_a_password_from_stdin(instance: Path):
    result = create(instance, "maria")
    assert "Created maria (counsellor)." in result.output
    assert GOOD_PASSWORD not in result.output
    [(role, password_hash, active)] = query(
        instance, "SELECT role, password_hash, active FROM users WHERE username = 'maria'")
    assert (role, active) == ("counsellor", 1)
    assert password_hash.startswith("$argon2id$")
    # The password is nowhere in the database, the audit log included.
    assert GOOD_PASSWORD.encode() not in (instance / "casework.sqlite3").read_bytes()
    actions = [a for (a,) in query(instance, "SELECT action FROM audit_entries ORDER BY seq")]
    assert actions[-2:] == ["user.created", "user.password_set"]


def test_usernames_are_normalised(instance: Path):
    create(instance, "  Eleni.K ")
    assert query(instance, "SELECT username FROM users WHERE role = 'counsellor'") == [("eleni.k",)]


@pytest.mark.parametrize(("password", "message"), [
    ("short", "at least 12 characters"),
    ("password1234", "too common"),
    ("zahra-secret-passphrase", "must not contain your username"),
])
def test_a_weak_password_is_refused_with_the_policy_message(instance: Path, password: str,
                                                           message: str):
    result = run(instance, "users", "create", "zahra", "--role", "counsellor", "--password-stdin",
                 input=password + "\n")
    assert result.exit_code == 1
    assert "Not created" in result.output and message in result.output
    assert query(instance, "SELECT count(*) FROM users WHERE username = 'zahra'") == [(0,)]
    assert password not in result.output


def test_a_duplicate_username_is_refused(instance: Path):
    create(instance, "maria")
    result = run(instance, "users", "create", "Maria", "--role", "coordinator", "--password-stdin",
                 input=GOOD_PASSWORD + "\n")
    assert result.exit_code == 1
    assert "already taken" in result.output
    assert query(instance, "SELECT role FROM users WHERE username = 'maria'") == [("counsellor",)]


def test_an_invalid_username_is_refused(instance: Path):
    result = run(instance, "users", "create", "a b", "--role", "counsellor", "--enrolment-code")
    assert result.exit_code == 1
    assert "username" in result.output.lower()


def test_an_unknown_role_is_refused(instance: Path):
    result = run(instance, "users", "create", "maria", "--role", "superuser", "--enrolment-code")
    assert result.exit_code == 2
    assert query(instance, "SELECT count(*) FROM users WHERE username = 'maria'") == [(0,)]


def test_a_shelter_partner_needs_an_organisation(instance: Path):
    result = run(instance, "users", "create", "shelter1", "--role", "shelter_partner",
                 "--enrolment-code")
    assert result.exit_code == 1
    assert "organisation" in result.output
    unknown = run(instance, "users", "create", "shelter1", "--role", "shelter_partner",
                  "--organisation", "Nowhere House", "--enrolment-code")
    assert unknown.exit_code == 1
    assert "Nowhere House" in unknown.output


def test_create_with_an_enrolment_code(instance: Path):
    result = run(instance, "users", "create", "fatima", "--role", "coordinator", "--enrolment-code")
    assert result.exit_code == 0, result.output
    assert "Created fatima (coordinator)." in result.output
    code = CODE.search(result.output)
    assert code, result.output
    [(password_hash,)] = query(instance, "SELECT password_hash FROM users WHERE username = 'fatima'")
    assert password_hash is None
    assert code.group(0).encode() not in (instance / "casework.sqlite3").read_bytes()


def test_list_shows_every_account(instance: Path):
    create(instance, "maria")
    run(instance, "users", "create", "fatima", "--role", "coordinator", "--enrolment-code")
    result = run(instance, "users", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "admin\tadmin\tactive\tno 2FA" in lines
    assert "maria\tcounsellor\tactive\tno 2FA" in lines
    assert "fatima\tcoordinator\tactive\tno 2FA" in lines


def test_deactivate_ends_her_sessions(instance: Path):
    create(instance, "maria")
    [(user_id,)] = query(instance, "SELECT id FROM users WHERE username = 'maria'")
    connection = sqlite3.connect(instance / "casework.sqlite3")
    with connection:
        connection.execute(
            "INSERT INTO web_sessions (token_hash, user_id, data, created_at, last_seen_at) "
            "VALUES (?, ?, '{}', '2026-11-25 09:00:00', '2026-11-25 09:00:00')", ("a" * 64, user_id))
    connection.close()

    result = run(instance, "users", "deactivate", "maria")
    assert result.exit_code == 0, result.output
    assert "Deactivated maria" in result.output
    assert query(instance, "SELECT active FROM users WHERE id = ?", user_id) == [(0,)]
    [(ended_at,)] = query(instance, "SELECT ended_at FROM web_sessions WHERE user_id = ?", user_id)
    assert ended_at is not None
    assert "maria\tcounsellor\tdeactivated" in run(instance, "users", "list").output


def test_deactivate_an_unknown_user(instance: Path):
    result = run(instance, "users", "deactivate", "nobody")
    assert result.exit_code == 1
    assert "nobody" in result.output


def test_the_last_administrator_cannot_be_deactivated(instance: Path):
    result = run(instance, "users", "deactivate", "admin")
    assert result.exit_code == 1
    assert "only active administrator" in result.output
    assert query(instance, "SELECT active FROM users WHERE username = 'admin'") == [(1,)]


def test_enrolment_code_resets_the_password(instance: Path):
    create(instance, "maria")
    result = run(instance, "users", "enrolment-code", "maria")
    assert result.exit_code == 0, result.output
    assert CODE.search(result.output)
    assert query(instance, "SELECT password_hash FROM users WHERE username = 'maria'") == [(None,)]
    assert query(instance, "SELECT purpose FROM enrolment_codes e JOIN users u ON u.id = e.user_id "
                           "WHERE u.username = 'maria' AND e.used_at IS NULL") == [("reset_password",)]


def test_enrolment_code_can_reset_the_second_factor_instead(instance: Path):
    create(instance, "maria")
    connection = sqlite3.connect(instance / "casework.sqlite3")
    with connection:
        connection.execute("UPDATE users SET totp_enabled_at = '2026-11-25 09:00:00', "
                           "totp_secret_sealed = x'00' WHERE username = 'maria'")
    connection.close()
    result = run(instance, "users", "enrolment-code", "maria", "--reset-second-factor")
    assert result.exit_code == 0, result.output
    assert CODE.search(result.output)
    [(password_hash, enabled, sealed)] = query(
        instance, "SELECT password_hash, totp_enabled_at, totp_secret_sealed FROM users "
                  "WHERE username = 'maria'")
    assert password_hash is not None  # her password stays
    assert enabled is None and sealed is None
    assert query(instance, "SELECT purpose FROM enrolment_codes e JOIN users u ON u.id = e.user_id "
                           "WHERE u.username = 'maria' AND e.used_at IS NULL") == [
        ("reset_second_factor",)]


def test_a_new_code_replaces_the_earlier_one(instance: Path):
    run(instance, "users", "create", "fatima", "--role", "coordinator", "--enrolment-code")
    run(instance, "users", "enrolment-code", "fatima")
    assert query(instance, "SELECT count(*) FROM enrolment_codes e JOIN users u ON u.id = e.user_id "
                           "WHERE u.username = 'fatima' AND e.used_at IS NULL") == [(1,)]


def test_enrolment_code_for_an_unknown_user(instance: Path):
    result = run(instance, "users", "enrolment-code", "nobody")
    assert result.exit_code == 1
    assert "nobody" in result.output


def test_audit_log_stays_intact_after_user_commands(instance: Path):
    create(instance, "maria")
    run(instance, "users", "enrolment-code", "maria")
    run(instance, "users", "deactivate", "maria")
    result = run(instance, "audit", "verify")
    assert result.exit_code == 0, result.output
