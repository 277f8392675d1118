"""`casework clients erase`: crypto-shredding from the command line."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import text

from casework import create_app
from casework.cli import cli
from casework.clients.identity import register_client
from casework.clients.models import Client
from casework.extensions import db


def run(instance: Path, *args: str, stdin: str = ""):
    return CliRunner().invoke(cli, ["--instance", str(instance), *args], input=stdin)


def test_erase_from_the_command_line(tmp_path: Path):
    instance = tmp_path / "inst"
    assert run(instance, "init").exit_code == 0
    app = create_app(instance_path=instance)
    with app.app_context():
        client_id = register_client(db.session, actor=None, identity={"given_name": "Canaryerase"}).id
        db.commit()
    refused = run(instance, "clients", "erase", client_id, stdin="n\n")
    assert refused.exit_code == 1 and "Nothing was erased" in refused.output
    result = run(instance, "clients", "erase", client_id, "--yes")
    assert result.exit_code == 0, result.output
    assert run(instance, "clients", "erase", client_id, "--yes").exit_code == 1  # only once
    with app.app_context():
        client = db.session.get(Client, client_id)
        assert client.erased_at is not None and client.identity_sealed is None
        wrapped = db.session.execute(text("SELECT wrapped FROM data_keys WHERE id = :id"),
                                     {"id": client.data_key_id}).scalar()
        assert wrapped is None
    assert run(instance, "audit", "verify").exit_code == 0
    db.dispose(app)
    raw = (instance / "casework.sqlite3").read_bytes()
    assert b"Canaryerase" not in raw
