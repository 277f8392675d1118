"""Sealed values: AES-256-GCM with a self-describing, versioned header.

Blob layout (all lengths in bytes)::

    +---------+------------+-----------------+-----------+---------------------+
    | version | key_id_len | key_id (ASCII)  | nonce     | ciphertext + tag    |
    | 1       | 1          | key_id_len      | 12        | len(plaintext) + 16 |
    +---------+------------+-----------------+-----------+---------------------+

``version`` is ``FORMAT_VERSION`` (1). The GCM associated data is the header
(``version | key_id_len | key_id``) followed by a *context*. For sealed fields
the context is :func:`associated_data` of (table, field, record_id), so a blob
copied to another record, field or table, or whose header was edited, fails
to open. Other users of the format (wrapped data keys, key check values) pass
their own purpose string as context via :func:`seal_with_context`.

The header is self-delimiting (length-prefixed), so header + context is an
unambiguous encoding of both.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Union

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casework.crypto.errors import CryptoError, IntegrityError

FORMAT_VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
MAX_KEY_ID_BYTES = 255

# Distinguishes field contexts from every other purpose string using this format.
_FIELD_CONTEXT_LABEL = b"casework/sealed-field/v1\x00"

# A key is 32 raw bytes, or an AESGCM object already built from them (callers that seal and
# open many values under one key keep the object for the length of a request).
Key = Union[bytes, AESGCM]
KeyLookup = Callable[[str], Key]


def _aead(key: Key) -> AESGCM:
    if isinstance(key, AESGCM):
        return key
    if len(key) != KEY_BYTES:
        raise ValueError("sealing key must be 32 bytes (AES-256)")
    return AESGCM(key)


@lru_cache(maxsize=4096)  # not secret: names of places; saves re-encoding on hot paths
def associated_data(table: str, field: str, record_id: str) -> bytes:
    """Return the canonical context binding a sealed value to its place.

    Each part is UTF-8 with a 4-byte big-endian length prefix, so no two
    different (table, field, record_id) triples encode to the same bytes.
    The version byte and key id are bound as well: :func:`seal` prepends the
    blob header to this context before using it as GCM associated data.
    """
    out = bytearray(_FIELD_CONTEXT_LABEL)
    for name, part in (("table", table), ("field", field), ("record_id", record_id)):
        if not isinstance(part, str):
            # Refuse ints/UUIDs: str() of them elsewhere could silently differ.
            raise TypeError(f"{name} must be str, not {type(part).__name__}")
        if not part:
            raise ValueError(f"{name} must not be empty")
        encoded = part.encode("utf-8")
        out += len(encoded).to_bytes(4, "big") + encoded
    return bytes(out)


@lru_cache(maxsize=1024)
def _header(key_id: str) -> bytes:
    """Encode ``version | key_id_len | key_id``; reject ids that cannot be encoded."""
    try:
        encoded = key_id.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError("key id must be ASCII") from None
    if not 1 <= len(encoded) <= MAX_KEY_ID_BYTES:
        raise ValueError(f"key id must be 1..{MAX_KEY_ID_BYTES} bytes")
    return bytes([FORMAT_VERSION, len(encoded)]) + encoded


def _parse(blob: bytes) -> tuple[str, bytes, bytes, bytes]:
    """Split a blob into (key_id, header, nonce, ciphertext); IntegrityError if malformed."""
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise TypeError("sealed blob must be bytes")
    blob = bytes(blob)
    if len(blob) < 2:
        raise IntegrityError()
    if blob[0] != FORMAT_VERSION:
        raise IntegrityError(f"sealed value has unknown format version {blob[0]} (expected {FORMAT_VERSION})")
    id_len = blob[1]
    header_len = 2 + id_len
    if id_len == 0 or len(blob) < header_len + NONCE_BYTES + TAG_BYTES:
        raise IntegrityError()
    try:
        key_id = blob[2:header_len].decode("ascii")
    except UnicodeDecodeError:
        raise IntegrityError() from None
    nonce = blob[header_len : header_len + NONCE_BYTES]
    return key_id, blob[:header_len], nonce, blob[header_len + NONCE_BYTES :]


def key_id_of(blob: bytes) -> str:
    """Return the key id named in a blob's header (the blob is not authenticated)."""
    return _parse(blob)[0]


def seal_with_context(key: Key, key_id: str, plaintext: bytes, *, context: bytes) -> bytes:
    """Encrypt ``plaintext`` under ``key`` with a fresh nonce, binding header + ``context``."""
    aead = _aead(key)
    header = _header(key_id)
    # A fresh random 96-bit nonce per call; with 32-byte keys and per-record data
    # keys the number of seals per key stays far below the 2**32 GCM limit.
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = aead.encrypt(nonce, plaintext, header + context)
    return header + nonce + ciphertext


def open_with_context(key_lookup: KeyLookup, blob: bytes, *, context: bytes) -> bytes:
    """Open a blob made by :func:`seal_with_context`; IntegrityError on any mismatch.

    ``key_lookup`` maps the header's key id to the key and raises
    UnknownKeyError for ids it does not have.
    """
    key_id, header, nonce, ciphertext = _parse(blob)
    key = key_lookup(key_id)
    try:
        return _aead(key).decrypt(nonce, ciphertext, header + context)
    except InvalidTag:
        raise IntegrityError() from None


def seal(key: Key, key_id: str, plaintext: bytes, *, table: str, field: str, record_id: str) -> bytes:
    """Seal ``plaintext`` for one field of one record."""
    return seal_with_context(key, key_id, plaintext, context=associated_data(table, field, record_id))


def open_sealed(key_lookup: KeyLookup, blob: bytes, *, table: str, field: str, record_id: str) -> bytes:
    """Open a value sealed by :func:`seal` for exactly this table, field and record."""
    return open_with_context(key_lookup, blob, context=associated_data(table, field, record_id))


def seal_text(key: Key, key_id: str, text: str, *, table: str, field: str, record_id: str) -> bytes:
    """Seal a string as UTF-8."""
    return seal(key, key_id, text.encode("utf-8"), table=table, field=field, record_id=record_id)


def open_text(key_lookup: KeyLookup, blob: bytes, *, table: str, field: str, record_id: str) -> str:
    """Open a value sealed by :func:`seal_text`."""
    raw = open_sealed(key_lookup, blob, table=table, field=field, record_id=record_id)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Authentic but not text: a caller mixed up seal() and seal_text().
        raise CryptoError("sealed value is not UTF-8 text") from None


def seal_json(key: Key, key_id: str, value: Any, *, table: str, field: str, record_id: str) -> bytes:
    """Seal a JSON-serialisable value as compact UTF-8 JSON (NaN/Infinity refused)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return seal_text(key, key_id, text, table=table, field=field, record_id=record_id)


def open_json(key_lookup: KeyLookup, blob: bytes, *, table: str, field: str, record_id: str) -> Any:
    """Open a value sealed by :func:`seal_json`."""
    text = open_text(key_lookup, blob, table=table, field=field, record_id=record_id)
    try:
        return json.loads(text)
    except ValueError:
        raise CryptoError("sealed value is not JSON") from None
