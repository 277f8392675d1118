"""Rebuilding the clients' blind index under a new index key (`casework keys rotate-index`).

Client by client, committed in batches: search keeps working throughout because it asks every
index key in the keyring, and an interrupted rebuild carries on where it stopped.
"""

from __future__ import annotations

from typing import Callable, Optional

from sqlalchemy import func, select

from sqlalchemy.orm import Session

from casework.clients.models import Client, ClientIndexEntry
from casework.clients.search_index import reindex_client
from casework.crypto.envelope import forget_cached_keys
from casework.crypto.keyring import Keyring

BATCH_SIZE = 200


def clients_behind(session: Session, keyring: Keyring) -> int:
    """Clients that still have index entries under an older index key."""
    return session.scalar(select(func.count(func.distinct(ClientIndexEntry.client_id))).where(
        ClientIndexEntry.index_key_id != keyring.index_key_id)) or 0


def rebuild_index(session: Session, keyring: Keyring, batch_size: int = BATCH_SIZE,
                  progress: Optional[Callable[[int], None]] = None) -> int:
    """Re-index every client still on an older key; returns how many were rebuilt."""
    rebuilt = 0
    while True:
        ids = session.scalars(select(ClientIndexEntry.client_id).where(
            ClientIndexEntry.index_key_id != keyring.index_key_id,
        ).distinct().limit(batch_size)).all()
        if not ids:
            return rebuilt
        for client in session.scalars(select(Client).where(Client.id.in_(ids))):
            reindex_client(session, client, keyring.index_key_id)
            rebuilt += 1
        session.commit()
        session.expunge_all()
        forget_cached_keys(session)  # flat memory: no batch keeps the previous one's keys
        if progress:
            progress(rebuilt)
