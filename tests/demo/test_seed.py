"""`casework demo seed` on instances made by `init`: refused unless DEMO_INSTANCE is set;
on a demo instance, fictional women in several scripts with cases, sessions and consents,
findable by a Latin spelling, and an audit chain that verifies."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from pathlib import Path
from typing import Iterator

import pytest
from anyascii import anyascii
from click.testing import CliRunner, Result

from casework.cli import cli

PASSWORD = "demo passphrase for tests 7"
CLIENTS = 30


def run(instance: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--instance", str(instance), *args], input=input,
                              catch_exceptions=False)


def make_instance(folder: Path, *config_lines: str) -> Path:
    assert run(folder, "init").exit_code == 0
    with open(folder / "config.py", "a", encoding="utf-8") as config:
        config.write("".join(f"{line}\n" for line in config_lines))
    return folder


def query(instance: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(instance / "casework.sqlite3")
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def count(instance: Path, table: str) -> int:
    return query(instance, f"SELECT count(*) FROM {table}")[0][0]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    # The fast (still argon2id) hasher: nine demo accounts need not cost seconds of hashing.
    instance = make_instance(tmp_path_factory.mktemp("demo") / "inst", "DEMO_INSTANCE = True",
                             'PASSWORD_HASHER = "fast"')
    result = run(instance, "demo", "seed", "--clients", str(CLIENTS), "--password-stdin",
                 input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    return instance, result


@pytest.fixture
def app_of(seeded: tuple[Path, Result]) -> Iterator:
    from casework import create_app
    from casework.extensions import db

    app = create_app(instance_path=seeded[0])
    with app.app_context():
        yield app
    db.dispose(app)


def test_refused_unless_the_instance_is_a_demo(tmp_path: Path):
    instance = make_instance(tmp_path / "inst")
    result = run(instance, "demo", "seed", "--clients", "5")
    assert result.exit_code == 1
    assert "DEMO_INSTANCE = True" in result.output
    assert count(instance, "clients") == 0
    assert query(instance, "SELECT count(*) FROM users WHERE username LIKE 'demo.%'") == [(0,)]


def test_seeds_accounts_clients_cases_and_sessions(seeded: tuple[Path, Result]):
    instance, result = seeded
    assert count(instance, "clients") == CLIENTS
    assert count(instance, "cases") == CLIENTS
    assert count(instance, "case_sessions") >= CLIENTS * 0.8  # drafts have none
    assert query(instance, "SELECT count(*) FROM consents WHERE kind = 'processing'") == [(CLIENTS,)]
    assert count(instance, "enquiries") > 0 and count(instance, "activities") > 0
    statuses = dict(query(instance, "SELECT status, count(*) FROM cases GROUP BY status"))
    assert statuses.get("active", 0) + statuses.get("closed", 0) >= CLIENTS * 0.8
    accounts = query(instance, "SELECT username, role, totp_secret_sealed IS NOT NULL, "
                               "password_hash IS NOT NULL FROM users WHERE username LIKE 'demo.%'")
    assert len(accounts) == 9
    assert all(has_totp and has_password for _name, _role, has_totp, has_password in accounts)
    assert {role for _name, role, _t, _p in accounts} == {"counsellor", "coordinator"}
    # The password she typed is never echoed; the TOTP secret is printed once; the rate is told.
    assert PASSWORD not in result.output
    secret = re.search(r"TOTP\) secret .*: ([A-Z2-7]{32})", result.output).group(1)
    assert result.output.count(secret) == 1
    assert "clients per second" in result.output


def test_content_is_sealed(seeded: tuple[Path, Result]):
    from casework.demo.data import FAMILY_NAMES

    stored = b"".join(path.read_bytes() for path in seeded[0].glob("casework.sqlite3*"))
    canaries = ["Demonstration note", "Demonstration text", "+30 699 999",
                *(name for names in FAMILY_NAMES.values() for name in names)]
    for canary in canaries:
        assert canary.encode() not in stored, canary


def _script(name: str) -> str:
    letter = next(ch for ch in name if ch.isalpha())
    return unicodedata.name(letter).split()[0]


def test_names_are_fictional_and_in_several_scripts(app_of):
    from sqlalchemy import select

    from casework.clients.models import Client
    from casework.demo.data import FAMILY_NAMES
    from casework.extensions import db

    clients = list(db.session.scalars(select(Client)))
    invented = {name for names in FAMILY_NAMES.values() for name in names}
    assert all(client.identity["family_name"] in invented for client in clients)
    assert all(phone["number"].startswith("+30 699 999 ")
               for client in clients for phone in client.contacts["phones"])
    scripts = {_script(client.identity["given_name"]) for client in clients}
    assert {"GREEK", "LATIN", "ARABIC"} <= scripts


def test_a_latin_spelling_finds_a_greek_demo_client(app_of):
    from sqlalchemy import select

    from casework.auth.models import User
    from casework.cases.access import permitted_client_ids
    from casework.cases.models import Case
    from casework.clients.models import Client
    from casework.clients.search_index import NAME, search_clients
    from casework.extensions import db

    greek = next(client for client in db.session.scalars(select(Client).order_by(Client.created_at))
                 if _script(client.identity["given_name"]) == "GREEK")
    typed = anyascii(f"{greek.identity['given_name']} {greek.identity['family_name']}")
    typed = typed.replace("oy", "ou").replace("OY", "OU")  # as Greeks spell "ου" in Latin
    assert typed.isascii()
    counsellor = db.session.get(User, db.session.scalar(
        select(Case.assigned_counsellor_id).where(Case.client_id == greek.id)))
    found = search_clients(db.session, typed, NAME,
                           permitted=lambda ids: permitted_client_ids(db.session, counsellor, ids))
    assert greek.id in {client.id for client in found}


def test_the_audit_chain_verifies(seeded: tuple[Path, Result]):
    instance, _ = seeded
    result = run(instance, "audit", "verify")
    assert result.exit_code == 0, result.output
    actions = dict(query(instance, "SELECT action, count(*) FROM audit_entries GROUP BY action"))
    assert actions["client.created"] == CLIENTS
    assert actions["case.created"] == CLIENTS
    assert actions["session.recorded"] == count(instance, "case_sessions")


def test_a_seeded_instance_is_not_seeded_twice(seeded: tuple[Path, Result]):
    instance, _ = seeded
    before = count(instance, "audit_entries")
    result = run(instance, "demo", "seed", "--clients", "5", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 1
    assert "already holds demo accounts" in result.output
    assert count(instance, "clients") == CLIENTS
    assert count(instance, "audit_entries") == before
