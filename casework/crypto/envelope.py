"""Envelope encryption in the case store: per-owner data keys, wrapped by the master keys.

A data key is unwrapped on use and kept only in the session's `info` — the scoped session of
one request (or command) that is discarded when its application context ends — never longer. Destroying its wrapped form (crypto-shredding) makes everything sealed
under it unreadable.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.clock import now
from casework.crypto.errors import IntegrityError, UnknownKeyError
from casework.crypto.keyring import new_data_key
from casework.crypto.models import DataKey
from casework.crypto.runtime import current_keyring, reload_keyring_if_changed
from casework.crypto.sealing import open_json, seal_json


class KeyDestroyed(IntegrityError):
    """The data key was destroyed (the owner was erased): her sealed data cannot be opened."""


def _cache(session: Session) -> dict[str, AESGCM]:
    return session.info.setdefault("casework_data_keys", {})


def create_data_key(session: Session) -> DataKey:
    """A fresh random data key for a new owner, stored wrapped under the newest master key."""
    plain = new_data_key()
    master_id, wrapped = current_keyring().wrap_data_key(plain)
    row = DataKey(master_key_id=master_id, wrapped=wrapped)
    session.add(row)
    session.flush()
    _cache(session)[row.id] = AESGCM(plain)
    return row


def data_key(session: Session, data_key_id: str) -> AESGCM:
    """The data key (ready to use), unwrapped at most once per application context."""
    cache = _cache(session)
    if data_key_id not in cache:
        row = session.get(DataKey, data_key_id)
        if row is None or row.wrapped is None or row.master_key_id is None:
            raise KeyDestroyed("this record's key was destroyed; its sealed data is gone")
        cache[data_key_id] = AESGCM(_unwrap(row.master_key_id, row.wrapped))
    return cache[data_key_id]


def load_data_keys(session: Session, data_key_ids: set[str]) -> None:
    """Unwrap many data keys with one query (a list of her cases), into the same cache."""
    cache = _cache(session)
    wanted = {key_id for key_id in data_key_ids if key_id and key_id not in cache}
    if not wanted:
        return
    rows = session.execute(select(DataKey.id, DataKey.master_key_id, DataKey.wrapped)
                           .where(DataKey.id.in_(wanted), DataKey.wrapped.is_not(None)))
    for key_id, master_key_id, wrapped in rows:
        cache[key_id] = AESGCM(_unwrap(master_key_id, wrapped))


def _unwrap(master_key_id: str, wrapped: bytes) -> bytes:
    """Unwrap; a master key id we do not know yet may have just been added by a rotation."""
    try:
        return current_keyring().unwrap_data_key(master_key_id, wrapped)
    except UnknownKeyError:
        if not reload_keyring_if_changed(current_app):
            raise
        return current_keyring().unwrap_data_key(master_key_id, wrapped)


def seal_value(session: Session, data_key_id: str, value: Any, *, table: str, field: str,
               record_id: object) -> bytes:
    """Seal a JSON-able value under the owner's data key, bound to its table, field and record."""
    return seal_json(data_key(session, data_key_id), data_key_id, value,
                     table=table, field=field, record_id=str(record_id))


def open_value(session: Session, blob: bytes, *, table: str, field: str, record_id: object) -> Any:
    """Open a sealed value; the key id inside the blob says which data key opens it."""
    return open_json(lambda key_id: data_key(session, key_id), blob,
                     table=table, field=field, record_id=str(record_id))


def destroy_data_key(session: Session, data_key_id: str) -> None:
    """Crypto-shred: forget the wrapped key, so nothing sealed under it opens again."""
    row = session.get(DataKey, data_key_id)
    if row is not None:
        row.wrapped = None
        row.master_key_id = None
        row.destroyed_at = now()
    _cache(session).pop(data_key_id, None)


def forget_cached_keys(session: Session) -> None:
    """Drop every unwrapped data key the session holds (long-running commands, per batch)."""
    _cache(session).clear()
