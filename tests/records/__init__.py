"""Tests of the records of a case: sessions, risk, safety plans, consents, closure.

Shared fixtures live here (imported by each test module): a signed-in counsellor with an active
case, and helpers to read the audit log and the raw sealed columns.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, Optional

import pytest
from sqlalchemy import select

from casework.audit.models import AuditEntry
from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.service import activate_case, open_case
from casework.clients.identity import register_client

TODAY = date(2026, 11, 25)  # the FakeClock's day
OPENED_ON = date(2026, 11, 2)
RANDOM_ID = "5d0c1c1e-7a1b-4c6e-9a51-0b1f2d3e4f5a"


def new_case(db: Any, counsellor: User, *, active: bool = True, name: str = "Eleni") -> Case:
    """A case of a new client assigned to `counsellor`, committed (as the intake would leave it)."""
    actor = db.get(User, counsellor.id)
    client = register_client(db, actor=actor, identity={"given_name": name})
    case = open_case(db, actor=actor, client=client)
    if active:
        activate_case(db, case, actor=actor, expected_version=case.version, opened_on=OPENED_ON)
    db.commit()
    return case


def entries(db: Any, action: str, target_id: Optional[str] = None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == target_id)
    return list(db.scalars(query))


def all_audit_text(db: Any) -> str:
    """Everything the audit log holds, to check that no content reached it."""
    return json.dumps([[e.action, e.target_type, e.target_id, e.details]
                       for e in db.scalars(select(AuditEntry))], ensure_ascii=False)


def raw_bytes(db: Any, column: Any, record_id: str) -> bytes:
    """The stored bytes of a sealed column, as the database holds them."""
    table = column.class_
    value = db.execute(select(column).where(table.id == record_id).execution_options(
        populate_existing=True)).scalar_one()
    return bytes(value)


def field_error(html: str, field_id: str) -> str:
    """The error text shown next to a field ('' when none)."""
    match = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>(.*?)</p>', html, re.S)
    return match.group(1) if match else ""


@pytest.fixture
def owner(db: Any, login_as: Any, clock: Any) -> User:
    """The counsellor signed in on `client`, today being TODAY."""
    return login_as("counsellor")


@pytest.fixture
def case(db: Any, owner: User) -> Case:
    return new_case(db, owner)
