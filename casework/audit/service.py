"""Recording and verifying the hash-chained audit log.

An entry says who did what to which record and when — never the content, a password or a
secret. It is written by the same session as the change it records, so both commit or neither.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator, Mapping, Optional

from flask import has_request_context, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.audit.models import AuditEntry, AuditHead
from casework.clock import as_utc, now
from casework.crypto.runtime import current_keyring

HEAD_ID = 1
MAX_DETAIL_LENGTH = 200
DetailValue = str | int | bool | None


class AuditDetailError(ValueError):
    """A detail that could carry content (long text, nested data) was passed to record()."""


def record(session: Session, action: str, *, actor: Any = None, target_type: str = "",
           target_id: object = "", details: Optional[Mapping[str, DetailValue]] = None,
           actor_name: str = "") -> AuditEntry:
    """Append one entry to the chain in the caller's transaction and return it (flushed)."""
    clean_details = _checked_details(details or {})
    entry = AuditEntry(
        at=now(),
        actor_id=getattr(actor, "id", None),
        actor_name=actor_name or getattr(actor, "username", "") or "",
        action=action,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else "",
        details=json.dumps(clean_details, sort_keys=True, ensure_ascii=False),
        address=_client_address(),
    )
    _chain(session, entry)
    session.add(entry)
    session.flush()
    return entry


_HEAD_SEEN = "casework_audit_head"
# Each retry follows another writer's committed entry; this many in a row means something is wrong.
MAX_CHAIN_ATTEMPTS = 50
_head = AuditHead.__table__


def _chain(session: Session, entry: AuditEntry) -> None:
    """Give `entry` the next seq and its mac, and move the head to it, in one UPDATE.

    The UPDATE only matches the head this session last saw (seq and mac): it takes the row
    lock and proves nobody moved the chain meanwhile. The first entry of a session, or one
    whose view is stale (another transaction wrote, or a rollback undid ours), reads the head
    again and retries.
    """
    seen = session.info.get(_HEAD_SEEN)
    for _attempt in range(MAX_CHAIN_ATTEMPTS):
        if seen is None:
            row = session.execute(select(_head.c.seq, _head.c.mac).where(_head.c.id == HEAD_ID)).one()
            seen = (row.seq, row.mac)
        entry.seq = seen[0] + 1
        entry.mac = entry_mac(seen[1], entry)
        moved = session.execute(_head.update().where(
            _head.c.id == HEAD_ID, _head.c.seq == seen[0], _head.c.mac == seen[1]).values(
            seq=entry.seq, mac=entry.mac))
        if moved.rowcount == 1:
            session.info[_HEAD_SEEN] = (entry.seq, entry.mac)
            return
        seen = None
    raise RuntimeError("the audit chain's head kept moving; the change was not recorded")


def _checked_details(details: Mapping[str, DetailValue]) -> dict[str, DetailValue]:
    for key, value in details.items():
        if not isinstance(value, (str, int, bool, type(None))):
            raise AuditDetailError(f"audit detail {key!r} must be a short plain value")
        if isinstance(value, str) and len(value) > MAX_DETAIL_LENGTH:
            raise AuditDetailError(f"audit detail {key!r} is too long to be metadata")
    return dict(details)


def _client_address() -> str:
    return (request.remote_addr or "") if has_request_context() else "cli"


def canonical_form(entry: AuditEntry) -> bytes:
    """The bytes the mac covers: every column but the mac, in one fixed encoding."""
    document = {
        "seq": entry.seq,
        "at": _timestamp(entry.at),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "details": json.loads(entry.details or "{}"),
        "address": entry.address,
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _timestamp(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_mac(previous_mac: str, entry: AuditEntry) -> str:
    message = previous_mac.encode() + b"|" + str(entry.seq).encode() + b"|" + canonical_form(entry)
    return hmac.new(current_keyring().audit_key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    entries_checked: int
    first_broken_seq: Optional[int] = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def verify(session: Session, batch_size: int = 1000) -> VerifyResult:
    """Walk the whole chain; name the first entry that was changed, removed or moved."""
    previous_mac, expected_seq, checked = "", 1, 0
    for entry in _entries_in_order(session, batch_size):
        if entry.seq != expected_seq:
            return VerifyResult(checked, expected_seq, "missing or reordered entry")
        if not hmac.compare_digest(entry.mac, entry_mac(previous_mac, entry)):
            return VerifyResult(checked, entry.seq, "entry does not match its mac")
        previous_mac, expected_seq, checked = entry.mac, expected_seq + 1, checked + 1
    head = session.get(AuditHead, HEAD_ID)
    if head is not None and (head.seq != checked or head.mac != previous_mac):
        return VerifyResult(checked, checked + 1, "entries missing from the end of the chain")
    return VerifyResult(checked)


def _entries_in_order(session: Session, batch_size: int) -> Iterator[Any]:
    last_seq = 0
    while True:
        # Plain rows, not ORM objects, so a long log does not fill the session's identity map.
        table = AuditEntry.__table__
        batch = session.execute(
            select(table).where(table.c.seq > last_seq).order_by(table.c.seq).limit(batch_size)
        ).all()
        if not batch:
            return
        yield from batch
        last_seq = batch[-1].seq
