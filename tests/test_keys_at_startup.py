"""Start-up refuses a missing, unreadable or wrong key, naming the key and where it looked.

Each test has its own instance folder with SQLite stores (whatever CASEWORK_TEST_DATABASE says):
what matters here is the key file and the key material recorded in the case store.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from flask import Flask

from casework import create_app
from casework.crypto.envelope import create_data_key
from casework.crypto.errors import KeyFileError
from casework.crypto.keyfile import generate_key_material, write_key_file
from casework.extensions import db
from casework.migrate import upgrade_all


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    folder = tmp_path / "inst"
    folder.mkdir(mode=0o700)
    return folder


@pytest.fixture
def started() -> Iterator[list[Flask]]:
    apps: list[Flask] = []
    yield apps
    for app in apps:
        db.dispose(app)


def key_path(instance: Path) -> Path:
    return instance / "keys" / "casework.keys"


def start(instance: Path, started: list[Flask], **settings: Any) -> Flask:
    app = create_app({"SECRET_KEY": "k" * 48, "TESTING": True, "PASSWORD_HASHER": "fast", **settings},
                     instance_path=instance)
    started.append(app)
    return app


def migrated(instance: Path, started: list[Flask], document: dict) -> Flask:
    write_key_file(key_path(instance), document)
    app = start(instance, started)
    upgrade_all(app)
    return app


def test_a_good_key_file_starts(instance: Path, started: list[Flask]):
    document = generate_key_material()
    migrated(instance, started, document)
    app = start(instance, started)
    with app.app_context():
        assert app.extensions["casework.keyring"].current_master_id == document["master_keys"][0]["id"]


def test_missing_key_file_is_refused_naming_the_path(instance: Path, started: list[Flask]):
    with pytest.raises(KeyFileError) as raised:
        start(instance, started)
    assert str(key_path(instance)) in str(raised.value)
    assert "casework init" in str(raised.value)
    # Refused before anything was opened: no database file appeared.
    assert not list(instance.glob("*.sqlite3*"))


def test_key_file_setting_is_where_it_looks(instance: Path, started: list[Flask], tmp_path: Path):
    elsewhere = tmp_path / "secure-disk" / "casework.keys"
    with pytest.raises(KeyFileError, match=str(elsewhere)):
        start(instance, started, KEY_FILE=str(elsewhere))


def write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)


def test_empty_key_file_is_refused(instance: Path, started: list[Flask]):
    write_private(key_path(instance), b"")
    with pytest.raises(KeyFileError, match="empty") as raised:
        start(instance, started)
    assert str(key_path(instance)) in str(raised.value)


def test_truncated_key_file_is_refused(instance: Path, started: list[Flask]):
    text = json.dumps(generate_key_material(), indent=2).encode()
    write_private(key_path(instance), text[: len(text) // 2])
    with pytest.raises(KeyFileError, match="truncated") as raised:
        start(instance, started)
    assert str(key_path(instance)) in str(raised.value)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_key_file_others_can_read_is_refused(instance: Path, started: list[Flask], mode: int):
    write_key_file(key_path(instance), generate_key_material())
    key_path(instance).chmod(mode)
    with pytest.raises(KeyFileError, match="permissions") as raised:
        start(instance, started)
    assert str(key_path(instance)) in str(raised.value)
    assert f"{mode:04o}" in str(raised.value)


def test_another_key_file_with_the_same_master_key_id_is_refused(instance: Path, started: list[Flask]):
    original = generate_key_material()
    migrated(instance, started, original)
    master_id = original["master_keys"][0]["id"]

    impostor = generate_key_material()
    impostor["master_keys"][0]["id"] = master_id  # same id, other bytes
    assert impostor["master_keys"][0]["key"] != original["master_keys"][0]["key"]
    write_key_file(key_path(instance), impostor, replace=True)

    with pytest.raises(KeyFileError, match="does not match") as raised:
        start(instance, started)
    assert raised.value.key_id == master_id
    assert master_id in str(raised.value)
    assert str(key_path(instance)) in str(raised.value)


def test_a_different_key_file_is_refused_even_before_any_data_key(instance: Path, started: list[Flask]):
    original = generate_key_material()
    migrated(instance, started, original)
    write_key_file(key_path(instance), generate_key_material(), replace=True)
    with pytest.raises(KeyFileError) as raised:
        start(instance, started)
    assert original["master_keys"][0]["id"] in str(raised.value)
    assert str(key_path(instance)) in str(raised.value)


def test_data_keys_under_a_master_key_missing_from_the_file_are_refused(instance: Path,
                                                                        started: list[Flask]):
    original = generate_key_material()
    app = migrated(instance, started, original)
    with app.app_context():
        create_data_key(db.session)
        db.commit()
    master_id = original["master_keys"][0]["id"]

    # A key file that still has the recorded check key but lost the one wrapping the data keys:
    # here, the data key's master key is replaced by a new one under another id.
    replacement = generate_key_material()
    replacement["master_keys"] = [replacement["master_keys"][0]]
    write_key_file(key_path(instance), replacement, replace=True)
    with pytest.raises(KeyFileError) as raised:
        start(instance, started)
    assert master_id in str(raised.value)
    assert str(key_path(instance)) in str(raised.value)


def test_missing_master_key_with_data_keys_names_it(instance: Path, started: list[Flask]):
    """Rotated to a new key, the old one still wraps data keys, and a stale key file lacks it."""
    from casework.crypto.keyfile import add_master_key
    from casework.crypto.keyfile import load_key_file

    original = generate_key_material()
    app = migrated(instance, started, original)
    with app.app_context():
        create_data_key(db.session)
        db.commit()
    old_id = original["master_keys"][0]["id"]
    rotated, new_id = add_master_key(load_key_file(key_path(instance)))
    write_key_file(key_path(instance), rotated, replace=True)
    start(instance, started)  # records the new key's check value; the old key still wraps

    without_old = {**rotated, "master_keys": [k for k in rotated["master_keys"] if k["id"] != old_id]}
    write_key_file(key_path(instance), without_old, replace=True)
    with pytest.raises(KeyFileError, match="still wraps data keys") as raised:
        start(instance, started)
    assert old_id in str(raised.value)
    assert str(key_path(instance)) in str(raised.value)
    assert new_id not in str(raised.value)


def test_inline_master_keys_work_instead_of_the_file(instance: Path, started: list[Flask]):
    document = generate_key_material()
    app = start(instance, started, MASTER_KEYS=json.dumps(document))
    upgrade_all(app)
    assert not key_path(instance).exists()
    with app.app_context():
        assert app.extensions["casework.keyring"].master_ids == [document["master_keys"][0]["id"]]
        create_data_key(db.session)
        db.commit()
    # Started again with the same document it opens; with another one it refuses, naming the
    # environment setting rather than a file.
    start(instance, started, MASTER_KEYS=json.dumps(document))
    with pytest.raises(KeyFileError, match="CASEWORK_MASTER_KEYS"):
        start(instance, started, MASTER_KEYS=json.dumps(generate_key_material()))


def test_inline_master_keys_from_the_environment(instance: Path, started: list[Flask],
                                                 monkeypatch: pytest.MonkeyPatch):
    document = generate_key_material()
    monkeypatch.setenv("CASEWORK_MASTER_KEYS", json.dumps(document))
    app = start(instance, started)
    assert app.extensions["casework.keyring"].current_master_id == document["master_keys"][0]["id"]


def test_broken_inline_master_keys_are_refused_naming_the_setting(instance: Path, started: list[Flask]):
    with pytest.raises(KeyFileError, match="CASEWORK_MASTER_KEYS") as raised:
        start(instance, started, MASTER_KEYS='{"format": 1, "master_keys": [')
    document = generate_key_material()
    key = document["master_keys"][0]["key"]
    assert key not in str(raised.value)
    document["master_keys"][0]["key"] = base64.b64encode(b"short").decode()
    with pytest.raises(KeyFileError, match="32 bytes"):
        start(instance, started, MASTER_KEYS=json.dumps(document))
