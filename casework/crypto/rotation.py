"""Master-key and index-key rotation, and retiring old keys.

Rotation only ever ADDS a key to the key file; re-wrapping then moves data keys to it in small
batches, each committed on its own, so memory stays flat, an interruption loses nothing (run the
command again and it carries on) and the running application keeps serving: a data key is
always wrapped under exactly one key that the key file still holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from casework.clock import now
from casework.crypto.errors import KeyFileError
from casework.crypto.keyfile import add_index_key, add_master_key, load_key_file, write_key_file
from casework.crypto.keyring import Keyring
from casework.crypto.models import DataKey, KeyCheck

BATCH_SIZE = 500


@dataclass
class RotationReport:
    key_id: str
    done: int = 0
    batches: int = 0


def _document_with_new_key(path: Path, adder: Callable[[dict], tuple[dict, str]]) -> tuple[Keyring, str]:
    document, new_id = adder(load_key_file(path))
    write_key_file(path, document, replace=True)
    return Keyring.from_document(document, source=str(path)), new_id


def data_keys_behind(session: Session, keyring: Keyring) -> int:
    """How many live data keys are still wrapped under an older master key."""
    return session.scalar(select(func.count()).select_from(DataKey).where(
        DataKey.wrapped.is_not(None), DataKey.master_key_id != keyring.current_master_id)) or 0


def start_master_rotation(session: Session, key_file: Path, keyring: Keyring) -> tuple[Keyring, bool]:
    """Add a new master key, unless an interrupted rotation is still under way (then resume)."""
    if data_keys_behind(session, keyring):
        return keyring, True
    new_keyring, new_id = _document_with_new_key(key_file, add_master_key)
    session.add(KeyCheck(master_key_id=new_id, check_value=new_keyring.make_check_value(new_id)))
    session.commit()
    return new_keyring, False


def rewrap_data_keys(session: Session, keyring: Keyring, batch_size: int = BATCH_SIZE,
                     progress: Optional[Callable[[int], None]] = None) -> RotationReport:
    """Re-wrap every live data key under the newest master key, one committed batch at a time."""
    report = RotationReport(key_id=keyring.current_master_id)
    while True:
        batch = session.execute(select(DataKey.id, DataKey.master_key_id, DataKey.wrapped).where(
            DataKey.wrapped.is_not(None), DataKey.master_key_id != keyring.current_master_id,
        ).order_by(DataKey.id).limit(batch_size)).all()
        if not batch:
            return report
        changes = [_rewrapped(keyring, key_id, old_master, wrapped) for key_id, old_master, wrapped in batch]
        # Guarded on the old wrap: a key destroyed meanwhile (erasure) is left alone.
        table = DataKey.__table__
        session.execute(update(table).where(
            table.c.id == bindparam("b_id"), table.c.master_key_id == bindparam("b_old"),
            table.c.wrapped.is_not(None),
        ).values(master_key_id=bindparam("b_new"), wrapped=bindparam("b_wrapped"),
                 rewrapped_at=bindparam("b_at")), changes)
        session.commit()
        report.done += len(changes)
        report.batches += 1
        if progress:
            progress(report.done)


def _rewrapped(keyring: Keyring, key_id: str, old_master: str, wrapped: bytes) -> dict:
    new_master, new_wrapped = keyring.wrap_data_key(keyring.unwrap_data_key(old_master, wrapped))
    return {"b_id": key_id, "b_old": old_master, "b_new": new_master, "b_wrapped": new_wrapped,
            "b_at": now()}


def retire_master_key(session: Session, key_file: Path, keyring: Keyring, key_id: str) -> None:
    """Remove an old master key from the key file; refused while any data key still uses it."""
    if key_id == keyring.current_master_id:
        raise KeyFileError(f"Master key {key_id} is the current key and cannot be retired; "
                           "rotate first.", key_id=key_id, source=str(key_file))
    if key_id not in keyring.master_ids:
        raise KeyFileError(f"There is no master key {key_id} in {key_file}.", key_id=key_id,
                           source=str(key_file))
    in_use = session.scalar(select(func.count()).select_from(DataKey).where(
        DataKey.master_key_id == key_id, DataKey.wrapped.is_not(None))) or 0
    if in_use:
        raise KeyFileError(f"Master key {key_id} still wraps {in_use} data keys; run "
                           "`casework keys rotate` to finish re-wrapping first.",
                           key_id=key_id, source=str(key_file))
    document = load_key_file(key_file)
    document = {**document, "master_keys": [k for k in document["master_keys"] if k["id"] != key_id]}
    write_key_file(key_file, document, replace=True)
    check = session.get(KeyCheck, key_id)
    if check is not None:
        session.delete(check)
    session.commit()


def add_new_index_key(key_file: Path) -> tuple[Keyring, str]:
    return _document_with_new_key(key_file, add_index_key)
