"""Discarding a draft intake: only a draft without records; a client with no other case is
erased (crypto-shredded) with it; the change is audited."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from casework.cases.models import Case, CaseSession, Consent
from casework.cases.service import activate_case
from casework.clients.models import Client, ClientIndexEntry
from casework.crypto.models import DataKey
from tests.intake import FULL_INTAKE, audit_entries, hidden_fields, post_section, start_new_client


def discard(client, case_id: str, confirm: bool = True):
    page = client.get(f"/intake/{case_id}/review").get_data(as_text=True)
    data = hidden_fields(page)
    if confirm:
        data["confirm"] = "y"
    return client.post(f"/intake/{case_id}/discard", data=data)


def test_a_new_clients_draft_is_discarded_and_she_is_erased(client, login_as, db):
    user = login_as("counsellor")
    case_id = start_new_client(client, "Ελένη", "Παπαδοπούλου", phone="+30 697 123 4567")
    post_section(client, case_id, "consents", FULL_INTAKE["consents"])
    client_id = db.get(Case, case_id).client_id
    key_id = db.get(Client, client_id).data_key_id
    done = discard(client, case_id)
    assert done.status_code == 302 and done.location.endswith("/intake/new")
    db.expire_all()
    assert db.get(Case, case_id) is None
    assert db.scalars(select(Consent).where(Consent.client_id == client_id)).all() == []
    her = db.get(Client, client_id)
    assert her.erased_at is not None and her.identity_sealed is None and her.contacts_sealed is None
    assert db.get(DataKey, key_id).wrapped is None
    assert db.scalars(select(ClientIndexEntry).where(ClientIndexEntry.client_id == client_id)).all() == []
    [entry] = audit_entries(db, "intake.discarded")
    assert (entry.actor_id, entry.target_id, json.loads(entry.details)) == (user.id, case_id, {"client_erased": True})
    assert audit_entries(db, "client.erased")[0].target_id == client_id
    found = client.post_form("/intake/new", {"given_name": "Eleni", "go": "search"}).get_data(as_text=True)
    assert "possible match" not in found and "Ελένη" not in found


def test_a_draft_for_a_client_with_another_case_goes_alone(client, login_as, db):
    login_as("counsellor")
    first_id = start_new_client(client, "Leila", "Haddad")
    first = db.get(Case, first_id)
    activate_case(db, first, actor=_user(db, first), expected_version=first.version,
                  opened_on=date(2026, 1, 5))
    db.commit()
    second = client.post_form(f"/intake/new/{first.client_id}", token_page="/intake/new")
    second_id = second.location.split("/")[-2]
    assert discard(client, second_id).status_code == 302
    db.expire_all()
    assert db.get(Case, second_id) is None and db.get(Case, first_id) is not None
    assert db.get(Client, first.client_id).erased_at is None
    assert json.loads(audit_entries(db, "intake.discarded")[0].details) == {"client_erased": False}


def _user(db, case):
    from casework.auth.models import User
    return db.get(User, case.assigned_counsellor_id)


def test_only_a_draft_without_records_can_be_discarded(client, login_as, db):
    user = login_as("counsellor")
    active_id = start_new_client(client, "Active", "One")
    active = db.get(Case, active_id)
    activate_case(db, active, actor=_user(db, active), expected_version=active.version,
                  opened_on=date(2026, 1, 5))
    draft_id = start_new_client(client, "Busy", "Draft")
    draft = db.get(Case, draft_id)
    db.add(CaseSession(case_id=draft_id, data_key_id=draft.data_key_id, counsellor_id=user.id,
                       held_on=date(2026, 1, 6)))
    db.commit()
    for case_id in (active_id, draft_id):
        refused = client.post(f"/intake/{case_id}/discard",
                              data={"csrf_token": client.csrf_token("/intake/new"),
                                    "case_version": str(db.get(Case, case_id).version), "confirm": "y"})
        assert refused.status_code == 409, case_id
        assert db.get(Case, case_id) is not None
    assert audit_entries(db, "intake.discarded") == []


def test_discarding_needs_the_box_ticked(client, login_as, db):
    login_as("counsellor")
    case_id = start_new_client(client)
    refused = discard(client, case_id, confirm=False)
    assert refused.status_code == 400
    assert "Tick the box to confirm." in refused.get_data(as_text=True)
    assert db.get(Case, case_id) is not None

