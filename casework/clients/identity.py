"""Creating, changing and erasing a client's sealed identity. The only writer of clients."""

from __future__ import annotations

from typing import Any, Optional

from sqlalchemy.orm import Session

from casework.audit.service import record
from casework.clients.models import Client
from casework.clients.search_index import drop_index_entries, reindex_client
from casework.clock import now
from casework.crypto.envelope import create_data_key, destroy_data_key
from casework.crypto.fields import forget_opened_values
from casework.errors import NotFound, StaleEdit

SEALED_SECTIONS = ("identity", "contacts", "profile", "discrimination_factors")


def register_client(session: Session, *, actor: Any, identity: dict,
                    contacts: Optional[dict] = None, profile: Optional[dict] = None,
                    discrimination_factors: Optional[list] = None) -> Client:
    """A new client with her own data key; her sealed sections and her search entries."""
    client = Client(data_key_id=create_data_key(session).id, created_by_id=getattr(actor, "id", None))
    session.add(client)
    session.flush()
    client.identity = identity
    client.contacts = contacts or {}
    client.profile = profile or {}
    client.discrimination_factors = discrimination_factors or []
    reindex_client(session, client)
    session.flush()
    record(session, "client.created", actor=actor, target_type="client", target_id=client.id)
    return client


def update_client(session: Session, client: Client, *, actor: Any, expected_version: int,
                  **sections: Any) -> None:
    """Replace some sealed sections; refused if someone saved a newer version meanwhile."""
    if client.version != expected_version:
        raise StaleEdit("", current_version=client.version)
    for name, value in sections.items():
        if name not in SEALED_SECTIONS:
            raise ValueError(f"unknown client section {name}")
        setattr(client, name, value)
    if {"identity", "contacts"} & sections.keys():
        reindex_client(session, client)
    session.flush()
    record(session, "client.updated", actor=actor, target_type="client", target_id=client.id,
           details={"sections": ",".join(sorted(sections))})


def erase_client(session: Session, client_id: str, *, actor: Any) -> None:
    """Crypto-shred her: destroy her data key, her index entries and her sealed sections.

    The row stays as a tombstone (ids and dates) so cases and the statistics store, which hold
    nothing of her identity, keep adding up.
    """
    client = session.get(Client, client_id)
    if client is None or client.erased_at is not None:
        raise NotFound("")
    destroy_data_key(session, client.data_key_id)
    drop_index_entries(session, client.id)
    for column in ("identity_sealed", "contacts_sealed", "profile_sealed", "discrimination_sealed"):
        setattr(client, column, None)
    forget_opened_values(client)
    client.erased_at = now()
    session.flush()
    record(session, "client.erased", actor=actor, target_type="client", target_id=client.id)
