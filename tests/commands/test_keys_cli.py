"""`casework keys rotate|retire|rotate-index|status` on a real instance folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from casework import create_app
from casework.cli import cli
from casework.clients.identity import register_client
from casework.clients.models import Client
from casework.clients.search_index import NAME, search_clients
from casework.crypto import rotation
from casework.crypto.models import DataKey
from casework.extensions import db

NAMES = ["Μαρία Κ", "Ελένη Π", "Fatima A", "Zahra B", "Ayşe Y", "Nadia R", "Sofia L"]


def run(instance: Path, *args: str):
    result = CliRunner().invoke(cli, ["--instance", str(instance), *args], catch_exceptions=False)
    return result


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    folder = tmp_path / "inst"
    assert run(folder, "init").exit_code == 0
    app = create_app(instance_path=folder)
    with app.app_context():
        for name in NAMES:
            given, family = name.split()
            register_client(db.session, actor=None, identity={"given_name": given, "family_name": family})
        db.commit()
    db.dispose(app)
    return folder


def key_document(instance: Path) -> dict:
    return json.loads((instance / "keys" / "casework.keys").read_text())


def open_everything(instance: Path) -> tuple[set[str], list[str]]:
    """Open every client with a freshly started app; return master key ids in use and names."""
    app = create_app(instance_path=instance)
    with app.app_context():
        in_use = set(db.session.scalars(select(DataKey.master_key_id).where(DataKey.wrapped.is_not(None))))
        names = sorted(c.identity["given_name"] for c in db.session.scalars(select(Client)))
        found = search_clients(db.session, "Maria", NAME, lambda ids: ids)
        assert len(found) == 1
    db.dispose(app)
    return in_use, names


def test_rotate_rewraps_every_data_key_and_retire_then_succeeds(instance: Path):
    old_id = key_document(instance)["master_keys"][-1]["id"]
    refused = run(instance, "keys", "retire", old_id)
    assert refused.exit_code == 1 and "current key" in refused.output
    result = run(instance, "keys", "rotate", "--batch-size", "3")
    assert result.exit_code == 0, result.output
    new_id = key_document(instance)["master_keys"][-1]["id"]
    assert new_id != old_id and f"Added master key {new_id}" in result.output
    assert "Re-wrapped" in result.output
    in_use, names = open_everything(instance)
    assert in_use == {new_id}
    assert len(names) == len(NAMES)
    assert run(instance, "keys", "retire", old_id).exit_code == 0
    assert [k["id"] for k in key_document(instance)["master_keys"]] == [new_id]
    assert open_everything(instance)[0] == {new_id}


def test_interrupted_rotation_resumes_and_nothing_is_wrapped_twice(instance: Path, monkeypatch):
    real_rewrap = rotation.rewrap_data_keys

    def killed_after_first_batch(session, keyring, batch_size=2, progress=None):
        def interrupt(_done):
            raise KeyboardInterrupt  # as Ctrl+C or a kill between two batches
        return real_rewrap(session, keyring, batch_size=2, progress=interrupt)

    monkeypatch.setattr(rotation, "rewrap_data_keys", killed_after_first_batch)
    interrupted = run(instance, "keys", "rotate")
    assert interrupted.exit_code != 0 and "Re-wrapped" not in interrupted.output
    monkeypatch.setattr(rotation, "rewrap_data_keys", real_rewrap)
    document = key_document(instance)
    assert len(document["master_keys"]) == 2
    halfway_keys, halfway_names = open_everything(instance)  # mid-rotation, everything opens
    assert len(halfway_keys) == 2 and len(halfway_names) == len(NAMES)
    old_id = document["master_keys"][0]["id"]
    refused = run(instance, "keys", "retire", old_id)
    assert refused.exit_code == 1 and "still wraps" in refused.output
    resumed = run(instance, "keys", "rotate")
    assert resumed.exit_code == 0 and "Resuming" in resumed.output
    assert len(key_document(instance)["master_keys"]) == 2  # no third key was added
    in_use, names = open_everything(instance)
    assert in_use == {document["master_keys"][1]["id"]} and len(names) == len(NAMES)


def test_rotate_index_rebuilds_entries_and_search_keeps_working(instance: Path):
    before = key_document(instance)["index_keys"]
    result = run(instance, "keys", "rotate-index", "--batch-size", "2")
    assert result.exit_code == 0, result.output
    after = key_document(instance)["index_keys"]
    assert len(after) == len(before) + 1
    assert f"Re-indexed {len(NAMES)} clients" in result.output
    status = run(instance, "keys", "status")
    assert "Clients still indexed under an older index key: 0" in status.output
    open_everything(instance)


def test_status_lists_keys(instance: Path):
    result = run(instance, "keys", "status")
    assert result.exit_code == 0 and "Current master key: mk-" in result.output


def test_a_running_app_keeps_serving_through_a_rotation(instance: Path):
    serving = create_app(instance_path=instance)
    with serving.app_context():
        before = sorted(c.identity["given_name"] for c in db.session.scalars(select(Client)))
    assert run(instance, "keys", "rotate").exit_code == 0
    with serving.app_context():  # a new request of the same, never restarted, process
        after = sorted(c.identity["given_name"] for c in db.session.scalars(select(Client)))
        register_client(db.session, actor=None, identity={"given_name": "Nea"})
        db.commit()
    assert after == before
    db.dispose(serving)
    in_use, names = open_everything(instance)
    assert len(names) == len(NAMES) + 1


def test_key_file_deleted_while_serving_keeps_the_loaded_keys(instance: Path, caplog):
    serving = create_app(instance_path=instance)
    (instance / "keys" / "casework.keys").unlink()
    with serving.app_context():
        names = [c.identity["given_name"] for c in db.session.scalars(select(Client))]
    assert len(names) == len(NAMES)
    db.dispose(serving)
    from casework.crypto.errors import KeyFileError

    with pytest.raises(KeyFileError, match="casework.keys"):
        create_app(instance_path=instance)  # but the next start-up refuses, naming the file
