"""Blind-index maintenance and search for clients: by name (any script) or phone number.

Search never opens every record: it looks up truncated HMACs of the typed tokens, narrows the
candidates to the ones the caller may see, and only then opens those few to drop the false
positives that truncation brings on purpose.
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional

from sqlalchemy import Select, delete, intersect, select
from sqlalchemy.orm import Session

from casework.clients.models import Client, ClientIndexEntry
from casework.crypto.blind_index import (index_value, phone_token, query_name_groups,
                                         stored_name_tokens)
from casework.crypto.keyring import Keyring
from casework.crypto.runtime import current_keyring

NAME, PHONE = "name", "phone"
# 2**20 buckets: at 100,000 clients with a few tokens each, a lookup of one value meets about
# half a stranger on average — matches are never proof of a name, and filtering stays cheap.
INDEX_BITS = 20
MAX_CANDIDATES = 500

PermittedFilter = Callable[[set[str]], set[str]]


def name_text(identity: Optional[dict]) -> str:
    identity = identity or {}
    parts = [identity.get("given_name") or "", identity.get("family_name") or ""]
    parts.extend(identity.get("other_names") or [])
    return " ".join(part for part in parts if part)


def phone_numbers(contacts: Optional[dict]) -> list[str]:
    return [phone.get("number", "") for phone in (contacts or {}).get("phones", [])]


def _entries_for(client: Client, keyring: Keyring, index_key_id: str) -> Iterable[ClientIndexEntry]:
    name_key = keyring.index_key_for(index_key_id, NAME)
    for token in stored_name_tokens(name_text(client.identity)):
        yield ClientIndexEntry(client_id=client.id, field=NAME, index_key_id=index_key_id,
                               value=index_value(name_key, token, INDEX_BITS))
    phone_key = keyring.index_key_for(index_key_id, PHONE)
    for number in phone_numbers(client.contacts):
        token = phone_token(number)
        if token:
            yield ClientIndexEntry(client_id=client.id, field=PHONE, index_key_id=index_key_id,
                                   value=index_value(phone_key, token, INDEX_BITS))


def reindex_client(session: Session, client: Client, index_key_id: Optional[str] = None) -> None:
    """Replace a client's index entries with ones under `index_key_id` (default: the current key)."""
    keyring = current_keyring()
    key_id = index_key_id or keyring.index_key_id
    session.execute(delete(ClientIndexEntry).where(ClientIndexEntry.client_id == client.id))
    session.add_all(list(_entries_for(client, keyring, key_id)))


def drop_index_entries(session: Session, client_id: str) -> None:
    session.execute(delete(ClientIndexEntry).where(ClientIndexEntry.client_id == client_id))


def _ids_with_any(field: str, key_id: str, values: set[str]) -> Select:
    return select(ClientIndexEntry.client_id).where(
        ClientIndexEntry.field == field, ClientIndexEntry.index_key_id == key_id,
        ClientIndexEntry.value.in_(values))


def candidate_ids(session: Session, text: str, field: str) -> set[str]:
    """Clients whose index entries match every part of `text` under any index key in use.

    Every key in the keyring is asked so that search keeps working while `keys rotate-index`
    is rebuilding the entries under a new key.
    """
    keyring = current_keyring()
    found: set[str] = set()
    for key_id in keyring.index_key_ids:
        key = keyring.index_key_for(key_id, field)
        found |= _candidates_under(session, text, field, key_id, key)
    return found


def _candidates_under(session: Session, text: str, field: str, key_id: str, key: bytes) -> set[str]:
    """One query: the ids matching every typed part (an INTERSECT of one lookup per part)."""
    if field == PHONE:
        token = phone_token(text)
        groups = [{token}] if token else []
    else:
        groups = query_name_groups(text)
    if not groups:
        return set()
    lookups = [_ids_with_any(field, key_id, {index_value(key, t, INDEX_BITS) for t in group})
               for group in groups]
    query = lookups[0] if len(lookups) == 1 else intersect(*lookups)
    return set(session.scalars(select(query.subquery().c[0]).limit(MAX_CANDIDATES)))


def really_matches(client: Client, text: str, field: str) -> bool:
    """After opening: does the client's real name or phone match what was typed?"""
    if field == PHONE:
        token = phone_token(text)
        return bool(token) and token in {phone_token(n) for n in phone_numbers(client.contacts)}
    stored = stored_name_tokens(name_text(client.identity))
    groups = query_name_groups(text)
    return bool(groups) and all(group & stored for group in groups)


def search_clients(session: Session, text: str, field: str,
                   permitted: PermittedFilter) -> list[Client]:
    """Clients the caller may see whose name (or phone) matches `text`.

    `permitted` narrows candidate ids to the caller's own before any record is opened.
    """
    ids = permitted(candidate_ids(session, text, field))
    if not ids:
        return []
    clients = session.scalars(select(Client).where(Client.id.in_(ids), Client.erased_at.is_(None)))
    return [client for client in clients if really_matches(client, text, field)]
