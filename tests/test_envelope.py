"""Envelope encryption: per-owner data keys, values bound to their place, crypto-shredding, and a
data-key cache that never outlives one application context."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from casework.crypto.envelope import (KeyDestroyed, create_data_key, destroy_data_key,
                                      open_value, seal_value)
from casework.crypto.errors import IntegrityError
from casework.crypto.keyring import Keyring
from casework.crypto.models import DataKey
from casework.extensions import db as databases

PLACE = {"table": "clients", "field": "identity"}
VALUE = {"given_name": "Ελένη", "note": "canary-envelope-7731", "children": [4, 9]}


def test_seal_and_open_roundtrip(db: Any):
    key = create_data_key(db)
    blob = seal_value(db, key.id, VALUE, record_id=5, **PLACE)
    assert isinstance(blob, bytes)
    assert b"canary-envelope-7731" not in blob and "Ελένη".encode() not in blob
    assert open_value(db, blob, record_id=5, **PLACE) == VALUE
    # Two seals of the same value differ (fresh nonce).
    assert seal_value(db, key.id, VALUE, record_id=5, **PLACE) != blob


def test_only_the_wrapped_key_is_stored(db: Any):
    key = create_data_key(db)
    db.commit()
    row = db.scalar(select(DataKey).where(DataKey.id == key.id))
    assert row.wrapped and row.master_key_id
    assert len(row.wrapped) > 32  # a sealed blob, not the 32 raw bytes


@pytest.mark.parametrize("elsewhere", [
    {"record_id": 6, **PLACE},
    {"record_id": 5, "table": "clients", "field": "contacts"},
    {"record_id": 5, "table": "sessions", "field": "identity"},
])
def test_a_value_moved_elsewhere_fails(db: Any, elsewhere: dict):
    key = create_data_key(db)
    blob = seal_value(db, key.id, VALUE, record_id=5, **PLACE)
    with pytest.raises(IntegrityError):
        open_value(db, blob, **elsewhere)


def test_a_tampered_value_fails(db: Any):
    key = create_data_key(db)
    blob = bytearray(seal_value(db, key.id, VALUE, record_id=5, **PLACE))
    blob[-1] ^= 1
    with pytest.raises(IntegrityError):
        open_value(db, bytes(blob), record_id=5, **PLACE)


def test_one_owners_key_does_not_open_anothers_values(db: Any):
    first, second = create_data_key(db), create_data_key(db)
    blob = seal_value(db, first.id, VALUE, record_id=5, **PLACE)
    # The blob names its key; swapping in the other owner's key id breaks the integrity check.
    forged = blob.replace(first.id.encode(), second.id.encode())
    assert forged != blob
    with pytest.raises(IntegrityError):
        open_value(db, forged, record_id=5, **PLACE)


def test_destroyed_key_makes_values_unreadable(app: Flask, db: Any):
    key = create_data_key(db)
    blob = seal_value(db, key.id, VALUE, record_id=5, **PLACE)
    db.commit()
    destroy_data_key(db, key.id)
    db.commit()
    with pytest.raises(KeyDestroyed):
        open_value(db, blob, record_id=5, **PLACE)
    row = db.get(DataKey, key.id)
    assert row.wrapped is None and row.master_key_id is None and row.destroyed_at is not None
    # Nor in a later request: nothing of the key survived anywhere.
    with app.app_context():
        with pytest.raises(KeyDestroyed):
            open_value(databases.session, blob, record_id=5, **PLACE)


def test_a_data_key_that_is_not_in_the_database_is_refused(app: Flask):
    with app.app_context():
        key = create_data_key(databases.session)
        blob = seal_value(databases.session, key.id, VALUE, record_id=5, **PLACE)
        databases.session.rollback()  # the key row never reached the database
    with app.app_context():
        with pytest.raises(IntegrityError):
            open_value(databases.session, blob, record_id=5, **PLACE)


def test_data_key_cache_lives_only_in_one_application_context(app: Flask,
                                                              monkeypatch: pytest.MonkeyPatch):
    calls: list[str] = []
    original = Keyring.unwrap_data_key

    def counting(self: Keyring, master_key_id: str, wrapped: bytes) -> bytes:
        calls.append(master_key_id)
        return original(self, master_key_id, wrapped)

    monkeypatch.setattr(Keyring, "unwrap_data_key", counting)

    with app.app_context():
        key = create_data_key(databases.session)
        key_id = key.id
        blob = seal_value(databases.session, key_id, VALUE, record_id=1, **PLACE)
        assert open_value(databases.session, blob, record_id=1, **PLACE) == VALUE
        databases.commit()
    assert calls == []  # the new key was already at hand

    with app.app_context():
        assert open_value(databases.session, blob, record_id=1, **PLACE) == VALUE
        assert open_value(databases.session, blob, record_id=1, **PLACE) == VALUE
        assert len(calls) == 1  # unwrapped once for this context …

    with app.app_context():
        assert open_value(databases.session, blob, record_id=1, **PLACE) == VALUE
    assert len(calls) == 2  # … and again in the next one: nothing kept between contexts
