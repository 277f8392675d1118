"""Tests for the keyring: data-key wrapping, rotation, check values, index keys, repr."""

from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest

from casework.crypto import sealing
from casework.crypto.errors import IntegrityError, KeyFileError, UnknownKeyError
from casework.crypto.keyfile import add_index_key, add_master_key, generate_key_material
from casework.crypto.keyring import Keyring, new_data_key

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)


@pytest.fixture
def doc() -> dict:
    return generate_key_material(NOW)


@pytest.fixture
def ring(doc: dict) -> Keyring:
    return Keyring.from_document(doc, source="/etc/casework/keys.json")


def test_ids_and_properties(doc: dict, ring: Keyring) -> None:
    assert ring.current_master_id == doc["master_keys"][0]["id"]
    assert ring.master_ids == [doc["master_keys"][0]["id"]]
    assert ring.index_key_id == doc["index_keys"][0]["id"]
    assert ring.audit_key_id == doc["audit_key"]["id"]
    assert ring.audit_key == base64.b64decode(doc["audit_key"]["key"])
    assert ring.stats_pepper == base64.b64decode(doc["stats_pepper"]["key"])


def test_new_data_key_is_random_32_bytes() -> None:
    keys = {new_data_key() for _ in range(8)}
    assert len(keys) == 8 and all(len(k) == 32 for k in keys)
    assert len(Keyring.new_data_key()) == 32


def test_wrap_unwrap_roundtrip(ring: Keyring) -> None:
    data_key = new_data_key()
    master_id, wrapped = ring.wrap_data_key(data_key)
    assert master_id == ring.current_master_id
    assert sealing.key_id_of(wrapped) == master_id
    assert data_key not in wrapped
    assert ring.unwrap_data_key(master_id, wrapped) == data_key


def test_wraps_use_fresh_nonces(ring: Keyring) -> None:
    data_key = new_data_key()
    assert ring.wrap_data_key(data_key)[1] != ring.wrap_data_key(data_key)[1]


def test_wrap_rejects_wrong_size_key(ring: Keyring) -> None:
    with pytest.raises(ValueError):
        ring.wrap_data_key(b"\x00" * 16)


def test_rotation_new_wraps_use_new_key_old_still_open(doc: dict) -> None:
    old_ring = Keyring.from_document(doc)
    data_key = new_data_key()
    old_id, old_wrapped = old_ring.wrap_data_key(data_key)

    rotated, new_id = add_master_key(doc, NOW)
    ring = Keyring.from_document(rotated)
    assert ring.current_master_id == new_id
    assert ring.master_ids == [old_id, new_id]
    assert ring.unwrap_data_key(old_id, old_wrapped) == data_key

    wrapped_id, rewrapped = ring.wrap_data_key(data_key)
    assert wrapped_id == new_id
    assert ring.unwrap_data_key(new_id, rewrapped) == data_key


def test_unknown_master_id(ring: Keyring) -> None:
    _, wrapped = ring.wrap_data_key(new_data_key())
    with pytest.raises(UnknownKeyError) as excinfo:
        ring.unwrap_data_key("mk-19990101-dead", wrapped)
    assert "mk-19990101-dead" in str(excinfo.value)


def test_wrapped_key_from_another_keyring_is_unknown(ring: Keyring) -> None:
    other = Keyring.from_document(generate_key_material(NOW))
    other_id, wrapped = other.wrap_data_key(new_data_key())
    with pytest.raises(UnknownKeyError):
        ring.unwrap_data_key(other_id, wrapped)


@pytest.mark.parametrize("position", [0, 1, 5, -30, -17, -1])
def test_tampered_wrapped_key(ring: Keyring, position: int) -> None:
    master_id, wrapped = ring.wrap_data_key(new_data_key())
    tampered = bytearray(wrapped)
    tampered[position] ^= 0x01
    with pytest.raises(IntegrityError):
        ring.unwrap_data_key(master_id, bytes(tampered))


def test_truncated_wrapped_key(ring: Keyring) -> None:
    master_id, wrapped = ring.wrap_data_key(new_data_key())
    with pytest.raises(IntegrityError):
        ring.unwrap_data_key(master_id, wrapped[:-1])


def test_wrapped_key_is_not_a_sealed_field(ring: Keyring) -> None:
    """A wrapped key cannot be opened as a field value and vice versa (different contexts)."""
    master_id, wrapped = ring.wrap_data_key(new_data_key())
    master_key = ring._master(master_id)
    with pytest.raises(IntegrityError):
        sealing.open_sealed(lambda _: master_key, wrapped, table="t", field="f", record_id="r")


def test_check_value_verifies_with_right_key(ring: Keyring) -> None:
    blob = ring.make_check_value(ring.current_master_id)
    ring.verify_check_value(ring.current_master_id, blob)


def test_check_value_with_wrong_key_of_same_id(doc: dict, ring: Keyring) -> None:
    impostor_doc = generate_key_material(NOW)
    impostor_doc["master_keys"][0]["id"] = doc["master_keys"][0]["id"]
    impostor = Keyring.from_document(impostor_doc, source="/tmp/other-keys.json")
    blob = ring.make_check_value(ring.current_master_id)
    with pytest.raises(KeyFileError) as excinfo:
        impostor.verify_check_value(ring.current_master_id, blob)
    message = str(excinfo.value)
    assert ring.current_master_id in message
    assert "/tmp/other-keys.json" in message
    assert "does not match the database" in message


def test_check_value_for_missing_master_key(ring: Keyring) -> None:
    blob = ring.make_check_value(ring.current_master_id)
    stranger = Keyring.from_document(generate_key_material(NOW), source="/etc/k.json")
    with pytest.raises(KeyFileError) as excinfo:
        stranger.verify_check_value(ring.current_master_id, blob)
    assert ring.current_master_id in str(excinfo.value)
    assert "/etc/k.json" in str(excinfo.value)


def test_check_value_corrupt_row_is_integrity_error(ring: Keyring) -> None:
    with pytest.raises(IntegrityError):
        ring.verify_check_value(ring.current_master_id, b"\x01")


def test_check_value_is_not_a_wrapped_key(ring: Keyring) -> None:
    blob = ring.make_check_value(ring.current_master_id)
    with pytest.raises(IntegrityError):
        ring.unwrap_data_key(ring.current_master_id, blob)


def test_make_check_value_unknown_id(ring: Keyring) -> None:
    with pytest.raises(UnknownKeyError):
        ring.make_check_value("mk-nope")


def test_index_keys_per_field_and_stable(doc: dict, ring: Keyring) -> None:
    assert ring.index_key("name") == Keyring.from_document(doc).index_key("name")
    assert ring.index_key("name") != ring.index_key("phone")
    assert len(ring.index_key("name")) == 32
    root = base64.b64decode(doc["index_keys"][0]["key"])
    assert ring.index_key("name") != root


def test_index_key_rotation(doc: dict) -> None:
    old_ring = Keyring.from_document(doc)
    rotated, new_id = add_index_key(doc, NOW)
    ring = Keyring.from_document(rotated)
    assert ring.index_key_id == new_id
    assert ring.index_key_ids == [old_ring.index_key_id, new_id]
    assert ring.index_key_for(old_ring.index_key_id, "name") == old_ring.index_key("name")
    assert ring.index_key("name") != old_ring.index_key("name")
    with pytest.raises(UnknownKeyError):
        ring.index_key_for("ix-unknown", "name")


def test_from_document_validates(doc: dict) -> None:
    doc["master_keys"] = []
    with pytest.raises(KeyFileError):
        Keyring.from_document(doc, source="/etc/casework/keys.json")


def test_repr_shows_no_key_material(doc: dict) -> None:
    rotated, _ = add_master_key(doc, NOW)
    rotated, _ = add_index_key(rotated, NOW)
    ring = Keyring.from_document(rotated)
    text = repr(ring) + str(ring)
    entries = rotated["master_keys"] + rotated["index_keys"] + [rotated["audit_key"], rotated["stats_pepper"]]
    for entry in entries:
        raw = base64.b64decode(entry["key"])
        assert entry["key"] not in text
        assert raw.hex() not in text
        assert raw.hex()[:16] not in text
        assert repr(raw)[2:20] not in text
    assert ring.current_master_id in text
