"""Tests for sealed values: roundtrips, fresh nonces, tamper/truncation/move detection."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.crypto.errors import CryptoError, IntegrityError, UnknownKeyError
from casework.crypto.sealing import (
    FORMAT_VERSION,
    NONCE_BYTES,
    TAG_BYTES,
    associated_data,
    key_id_of,
    open_json,
    open_sealed,
    open_text,
    seal,
    seal_json,
    seal_text,
)

KEY = os.urandom(32)
KEY_ID = "dk-7d3c0a52-1b7e-4f0e-9c39-0c2f4e9a8b11"
PLACE = {"table": "clients", "field": "full_name", "record_id": "c0ffee00-0000-4000-8000-000000000001"}
SECRET = "Μαρία Παπαδοπούλου — فاطمة".encode("utf-8")


def lookup(key_id: str) -> bytes:
    """Strict lookup: only the one data key exists."""
    if key_id != KEY_ID:
        raise UnknownKeyError(key_id)
    return KEY


def any_id_lookup(_key_id: str) -> bytes:
    """Hands over the key whatever the header says: proves the AAD, not the lookup, catches edits."""
    return KEY


BLOB = seal(KEY, KEY_ID, SECRET, **PLACE)


def test_roundtrip_bytes() -> None:
    assert open_sealed(lookup, BLOB, **PLACE) == SECRET


def test_roundtrip_empty_plaintext() -> None:
    blob = seal(KEY, KEY_ID, b"", **PLACE)
    assert open_sealed(lookup, blob, **PLACE) == b""


def test_roundtrip_text() -> None:
    text = "Ayşe Yılmaz, 42 — notes: «κανένα»"
    assert open_text(lookup, seal_text(KEY, KEY_ID, text, **PLACE), **PLACE) == text


def test_roundtrip_json_non_ascii() -> None:
    value = {"name": "زهرا", "dob": "1990-02-03", "children": [{"n": "Élodie"}], "risk": 3, "ok": None}
    blob = seal_json(KEY, KEY_ID, value, **PLACE)
    assert open_json(lookup, blob, **PLACE) == value


def test_json_is_compact_utf8() -> None:
    blob = seal_json(KEY, KEY_ID, {"a": "é"}, **PLACE)
    assert open_sealed(lookup, blob, **PLACE) == '{"a":"é"}'.encode("utf-8")


def test_json_refuses_nan() -> None:
    with pytest.raises(ValueError):
        seal_json(KEY, KEY_ID, float("nan"), **PLACE)


def test_open_text_on_binary_is_crypto_error() -> None:
    blob = seal(KEY, KEY_ID, b"\xff\xfe", **PLACE)
    with pytest.raises(CryptoError):
        open_text(lookup, blob, **PLACE)


def test_open_json_on_non_json_is_crypto_error() -> None:
    blob = seal_text(KEY, KEY_ID, "not json", **PLACE)
    with pytest.raises(CryptoError) as excinfo:
        open_json(lookup, blob, **PLACE)
    assert "not json" not in str(excinfo.value)


def test_layout() -> None:
    assert BLOB[0] == FORMAT_VERSION
    assert BLOB[1] == len(KEY_ID)
    assert BLOB[2 : 2 + len(KEY_ID)] == KEY_ID.encode("ascii")
    assert len(BLOB) == 2 + len(KEY_ID) + NONCE_BYTES + len(SECRET) + TAG_BYTES
    assert key_id_of(BLOB) == KEY_ID


def test_fresh_nonce_each_seal() -> None:
    first, second = seal(KEY, KEY_ID, SECRET, **PLACE), seal(KEY, KEY_ID, SECRET, **PLACE)
    assert first != second
    header = 2 + len(KEY_ID)
    assert first[header : header + NONCE_BYTES] != second[header : header + NONCE_BYTES]


@given(st.binary(min_size=4, max_size=200))
def test_blob_never_contains_plaintext(plaintext: bytes) -> None:
    blob = seal(KEY, KEY_ID, plaintext, **PLACE)
    assert plaintext not in blob[2 + len(KEY_ID) :]
    assert open_sealed(lookup, blob, **PLACE) == plaintext


def test_blob_does_not_contain_known_plaintext() -> None:
    assert SECRET not in BLOB
    assert "Μαρία".encode("utf-8") not in BLOB


@settings(max_examples=300)
@given(st.data())
def test_any_single_byte_flip_fails(data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(BLOB) - 1), label="position")
    mask = data.draw(st.integers(1, 255), label="xor mask")
    tampered = bytearray(BLOB)
    tampered[position] ^= mask
    with pytest.raises(IntegrityError):
        open_sealed(any_id_lookup, bytes(tampered), **PLACE)


def test_every_single_bit_flip_fails() -> None:
    for position in range(len(BLOB)):
        for bit in range(8):
            tampered = bytearray(BLOB)
            tampered[position] ^= 1 << bit
            with pytest.raises(IntegrityError):
                open_sealed(any_id_lookup, bytes(tampered), **PLACE)


def test_every_truncation_fails() -> None:
    for length in range(len(BLOB)):
        with pytest.raises(IntegrityError):
            open_sealed(any_id_lookup, BLOB[:length], **PLACE)


def test_appended_bytes_fail() -> None:
    with pytest.raises(IntegrityError):
        open_sealed(lookup, BLOB + b"\x00", **PLACE)


@pytest.mark.parametrize(
    "moved",
    [
        {**PLACE, "record_id": "c0ffee00-0000-4000-8000-000000000002"},
        {**PLACE, "field": "phone"},
        {**PLACE, "table": "contacts"},
        {"table": "clientsfull", "field": "_name", "record_id": PLACE["record_id"]},
        {"table": "clients", "field": "full", "record_id": "_name" + PLACE["record_id"]},
    ],
    ids=["other-record", "other-field", "other-table", "boundary-shift-1", "boundary-shift-2"],
)
def test_moved_blob_fails(moved: dict) -> None:
    with pytest.raises(IntegrityError) as excinfo:
        open_sealed(lookup, BLOB, **moved)
    assert "integrity" in str(excinfo.value)


_PART = st.text(alphabet="ab_\x00é", min_size=1, max_size=4)  # small alphabet: many near-collisions


@given(st.tuples(_PART, _PART, _PART), st.tuples(_PART, _PART, _PART))
def test_associated_data_is_injective(first: tuple, second: tuple) -> None:
    assert (associated_data(*first) == associated_data(*second)) == (first == second)


def test_associated_data_rejects_bad_parts() -> None:
    with pytest.raises(TypeError):
        associated_data("clients", "name", 42)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        associated_data("clients", "", "r1")


def test_header_key_id_edit_fails() -> None:
    edited = bytearray(BLOB)
    edited[2] = ord("x")  # "dk-..." -> "xk-..."
    with pytest.raises((IntegrityError, UnknownKeyError)):
        open_sealed(lookup, bytes(edited), **PLACE)
    with pytest.raises(IntegrityError):
        open_sealed(any_id_lookup, bytes(edited), **PLACE)


def test_header_key_id_swapped_to_another_known_key_fails() -> None:
    """Re-labelling a blob with another key id that the lookup knows still fails."""
    other_id = "dk-" + "0" * (len(KEY_ID) - 3)
    relabelled = BLOB[:2] + other_id.encode("ascii") + BLOB[2 + len(KEY_ID) :]
    with pytest.raises(IntegrityError):
        open_sealed(any_id_lookup, relabelled, **PLACE)


def test_unknown_key_id_raises_unknown_key() -> None:
    blob = seal(os.urandom(32), "dk-other", SECRET, **PLACE)
    with pytest.raises(UnknownKeyError) as excinfo:
        open_sealed(lookup, blob, **PLACE)
    assert "dk-other" in str(excinfo.value)


def test_wrong_key_fails() -> None:
    blob = seal(os.urandom(32), KEY_ID, SECRET, **PLACE)
    with pytest.raises(IntegrityError):
        open_sealed(lookup, blob, **PLACE)


@pytest.mark.parametrize("version", [0, 2, 255])
def test_unknown_version(version: int) -> None:
    blob = bytes([version]) + BLOB[1:]
    with pytest.raises(IntegrityError) as excinfo:
        open_sealed(lookup, blob, **PLACE)
    assert str(version) in str(excinfo.value)


@pytest.mark.parametrize("blob", [b"", b"\x01", b"\x01\x00" + b"\x00" * 40, b"\x01\x05abc"])
def test_key_id_of_malformed(blob: bytes) -> None:
    with pytest.raises(IntegrityError):
        key_id_of(blob)


def test_non_ascii_key_id_in_header_is_integrity_error() -> None:
    blob = b"\x01\x02\xce\xbc" + os.urandom(NONCE_BYTES + TAG_BYTES)
    with pytest.raises(IntegrityError):
        key_id_of(blob)


def test_error_message_has_no_plaintext() -> None:
    tampered = BLOB[:-1] + bytes([BLOB[-1] ^ 1])
    with pytest.raises(IntegrityError) as excinfo:
        open_sealed(lookup, tampered, **PLACE)
    assert "Μαρία" not in str(excinfo.value)
    assert "tampered" in str(excinfo.value)


@pytest.mark.parametrize("key_id", ["", "x" * 256, "clé"])
def test_seal_rejects_bad_key_ids(key_id: str) -> None:
    with pytest.raises(ValueError):
        seal(KEY, key_id, SECRET, **PLACE)


def test_seal_rejects_short_key() -> None:
    with pytest.raises(ValueError):
        seal(os.urandom(16), KEY_ID, SECRET, **PLACE)
