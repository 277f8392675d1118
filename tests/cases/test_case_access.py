"""Only the assigned counsellor, those it is shared with, and a live break-the-glass open a case."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from casework.audit.models import AuditEntry
from casework.auth.models import User
from casework.cases.access import case_for, permitted_cases, permitted_client_ids
from casework.cases.models import BreakGlassAccess, Case, CaseShare
from casework.cases.service import close_case, open_case, reopen_case, activate_case, save_intake
from casework.clients.identity import register_client
from casework.clock import now
from casework.errors import InvalidTransition, NotPermitted, StaleEdit


@pytest.fixture
def people(db, make_user):
    names = ("counsellor", "counsellor", "coordinator", "admin", "shelter_partner")
    users = [db.get(User, make_user(role).id) for role in names]
    return dict(zip(("owner", "colleague", "coordinator", "admin", "partner"), users))


@pytest.fixture
def case(db, people) -> Case:
    client = register_client(db, actor=people["owner"], identity={"given_name": "Eleni"})
    return open_case(db, actor=people["owner"], client=client)


def test_assigned_counsellor_opens_and_the_read_is_audited(db, people, case):
    assert case_for(db, people["owner"], case.id) is case
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.action, entry.target_id, entry.actor_id) == ("case.opened", case.id, people["owner"].id)


@pytest.mark.parametrize("who", ["colleague", "coordinator", "admin", "partner"])
def test_everyone_else_is_refused(db, people, case, who):
    with pytest.raises(NotPermitted) as refused:
        case_for(db, people[who], case.id)
    assert refused.value.audit.action == "case.access_refused"
    assert db.scalars(permitted_cases(people[who])).all() == []


def test_unknown_and_existing_ids_get_the_same_refusal(db, people, case):
    with pytest.raises(NotPermitted) as unknown:
        case_for(db, people["colleague"], "00000000-0000-0000-0000-000000000000")
    with pytest.raises(NotPermitted) as existing:
        case_for(db, people["colleague"], case.id)
    assert unknown.value.message == existing.value.message


def test_sharing_by_name_grants_access(db, people, case):
    db.add(CaseShare(case_id=case.id, counsellor_id=people["colleague"].id))
    db.flush()
    assert case_for(db, people["colleague"], case.id) is case
    assert permitted_client_ids(db, people["colleague"], {case.client_id, "other"}) == {case.client_id}


def test_break_the_glass_lasts_until_it_expires(db, people, case, clock):
    db.add(BreakGlassAccess(case_id=case.id, counsellor_id=people["colleague"].id,
                            data_key_id=case.data_key_id, expires_at=now() + timedelta(hours=4)))
    db.flush()
    assert case_for(db, people["colleague"], case.id) is case
    clock.advance(hours=4, minutes=1)
    with pytest.raises(NotPermitted):
        case_for(db, people["colleague"], case.id)


def test_life_cycle_and_optimistic_locking(db, people, case):
    owner = people["owner"]
    save_intake(db, case, actor=owner, expected_version=case.version, intake={"violence_types": ["physical"]})
    stale = case.version - 1
    with pytest.raises(StaleEdit):
        save_intake(db, case, actor=owner, expected_version=stale, intake={"violence_types": []})
    activate_case(db, case, actor=owner, expected_version=case.version, opened_on=date(2026, 11, 2))
    close_case(db, case, actor=owner, expected_version=case.version, closed_on=date(2026, 11, 20),
               reason="goals_met")
    with pytest.raises(InvalidTransition):
        save_intake(db, case, actor=owner, expected_version=case.version, intake={"area": "abroad"})
    reopen_case(db, case, actor=owner, expected_version=case.version)
    assert case.status == "active" and case.intake["violence_types"] == ["physical"]
    assert case.closure["history"][0]["reason"] == "goals_met"
