"""The hash-chained audit log: entries chain, verify() names the first changed, removed or moved
entry, the database refuses UPDATE and DELETE, and record() takes metadata only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from casework.audit.append_only import MESSAGE, allow_changes
from casework.audit.models import AuditEntry, AuditHead
from casework.audit.service import AuditDetailError, record, verify

COLUMNS = ("at", "actor_id", "actor_name", "action", "target_type", "target_id", "details",
           "address", "mac")


def record_three(db: Any) -> list[AuditEntry]:
    entries = [
        record(db, "case.opened", target_type="case", target_id=11, actor_name="maria"),
        record(db, "case.read", target_type="case", target_id=11, details={"section": "risk"}),
        record(db, "case.closed", target_type="case", target_id=11, details={"reason": "moved"}),
    ]
    db.commit()
    return entries


def drop_triggers(db: Any) -> None:
    """Tamper on purpose, inside the test's transaction (rolled back with it)."""
    allow_changes(db.connection())


def row(db: Any, seq: int) -> dict:
    table = AuditEntry.__table__
    return dict(db.execute(select(table).where(table.c.seq == seq)).mappings().one())


def test_entries_chain(db: Any):
    first, second, third = record_three(db)
    assert (second.seq, third.seq) == (first.seq + 1, first.seq + 2)
    assert len({first.mac, second.mac, third.mac}) == 3
    assert all(len(entry.mac) == 64 for entry in (first, second, third))
    head = db.get(AuditHead, 1)
    assert (head.seq, head.mac) == (third.seq, third.mac)


def test_first_entry_is_seq_one_on_an_empty_log(db: Any):
    if db.get(AuditHead, 1).seq != 0:
        pytest.skip("the shared test store already holds committed entries")
    assert record(db, "probe").seq == 1


def test_verify_accepts_an_intact_chain(db: Any):
    entries = record_three(db)
    result = verify(db)
    assert result.ok, result
    assert result.entries_checked >= 3
    assert result.entries_checked == entries[-1].seq


def test_verify_catches_an_edited_entry(db: Any):
    _, second, _ = record_three(db)
    drop_triggers(db)
    db.execute(update(AuditEntry).where(AuditEntry.seq == second.seq).values(action="case.created"))
    result = verify(db)
    assert not result.ok
    assert result.first_broken_seq == second.seq
    assert result.entries_checked == second.seq - 1


@pytest.mark.parametrize("column", ["actor_name", "target_id", "details", "address", "at"])
def test_verify_catches_an_edit_of_any_column(db: Any, column: str):
    _, second, _ = record_three(db)
    drop_triggers(db)
    values = {"actor_name": "someone-else", "target_id": "12", "details": '{"section": "other"}',
              "address": "203.0.113.9", "at": second.at.replace(year=2020)}
    db.execute(update(AuditEntry).where(AuditEntry.seq == second.seq).values({column: values[column]}))
    assert verify(db).first_broken_seq == second.seq


def test_verify_catches_a_deleted_entry_in_the_middle(db: Any):
    _, second, _ = record_three(db)
    drop_triggers(db)
    db.execute(delete(AuditEntry).where(AuditEntry.seq == second.seq))
    result = verify(db)
    assert result.first_broken_seq == second.seq
    assert "missing" in result.problem


def test_verify_catches_a_deleted_last_entry(db: Any):
    _, _, third = record_three(db)
    drop_triggers(db)
    db.execute(delete(AuditEntry).where(AuditEntry.seq == third.seq))
    result = verify(db)
    assert result.first_broken_seq == third.seq
    assert "end of the chain" in result.problem


def test_verify_catches_a_reordered_pair(db: Any):
    first, second, _ = record_three(db)
    a, b = row(db, first.seq), row(db, second.seq)
    drop_triggers(db)
    for target, source in ((first.seq, b), (second.seq, a)):
        db.execute(update(AuditEntry).where(AuditEntry.seq == target)
                   .values({column: source[column] for column in COLUMNS}))
    result = verify(db)
    assert result.first_broken_seq == first.seq


def test_verify_catches_a_forged_mac_without_the_key(db: Any):
    """Someone with database access recomputing a plain SHA-256 chain is still caught."""
    import hashlib

    _, second, _ = record_three(db)
    drop_triggers(db)
    forged = hashlib.sha256(b"anything").hexdigest()
    db.execute(update(AuditEntry).where(AuditEntry.seq == second.seq)
               .values(action="case.created", mac=forged))
    assert verify(db).first_broken_seq == second.seq


def refused(db: Any, statement: Any) -> str:
    with pytest.raises(DBAPIError) as raised:
        with db.begin_nested():
            db.execute(statement)
    return str(raised.value)


def test_the_database_refuses_update_and_delete(db: Any):
    first, _, _ = record_three(db)
    assert MESSAGE in refused(db, update(AuditEntry).where(AuditEntry.seq == first.seq)
                              .values(action="edited"))
    assert MESSAGE in refused(db, delete(AuditEntry).where(AuditEntry.seq == first.seq))
    assert MESSAGE in refused(db, text("DELETE FROM audit_entries"))
    assert row(db, first.seq)["action"] == "case.opened"
    assert verify(db).ok


def test_the_database_refuses_truncate_on_postgresql(db: Any):
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    record_three(db)
    assert MESSAGE in refused(db, text("TRUNCATE audit_entries"))


@pytest.mark.parametrize("details", [
    {"note": "x" * 201},
    {"nested": {"a": 1}},
    {"list": [1, 2]},
    {"bytes": b"raw"},
    {"float": 1.5},
])
def test_record_refuses_content_like_details(db: Any, details: dict):
    head_before = db.get(AuditHead, 1).seq
    with pytest.raises(AuditDetailError):
        record(db, "case.updated", details=details)
    db.expire_all()
    assert db.get(AuditHead, 1).seq == head_before  # nothing claimed in the chain


def test_record_stores_only_what_it_was_given(db: Any):
    secret = "correct horse battery staple 42"
    entry = record(db, "user.password_set", target_type="user", target_id=7,
                   details={"role": "counsellor", "attempt": 2, "fresh": True, "none": None})
    db.commit()
    stored = row(db, entry.seq)
    assert json.loads(stored["details"]) == {"role": "counsellor", "attempt": 2, "fresh": True,
                                             "none": None}
    assert stored["action"] == "user.password_set"
    assert (stored["target_type"], stored["target_id"]) == ("user", "7")
    assert stored["address"] == "cli"  # outside a request
    assert stored["actor_id"] is None and stored["actor_name"] == ""
    assert all(secret not in str(value) for value in stored.values())


def test_record_takes_the_actor_and_request_address(app: Any, db: Any):
    class Actor:
        id = 42
        username = "eleni"

    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "198.51.100.7"}):
        entry = record(db, "case.read", actor=Actor(), target_type="case", target_id="9")
    assert (entry.actor_id, entry.actor_name, entry.address) == (42, "eleni", "198.51.100.7")
    db.commit()
    assert verify(db).ok
