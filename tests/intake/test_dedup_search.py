"""Before a new client: a search by name (any script) or phone offers her own clients; clients
held by other counsellors are only counted, never shown; the search is audited without terms."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import func, select

from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.service import activate_case, open_case
from casework.clients.identity import register_client
from casework.clients.models import Client
from tests.intake import CASE_ID, audit_entries, start_new_client


def search(client, **fields):
    return client.post_form("/intake/new", {"go": "search", **fields})


@pytest.fixture
def colleague_client(db, make_user):
    """Ελένη Παπαδοπούλου, a client of another counsellor."""
    colleague = db.get(User, make_user("counsellor").id)
    her = register_client(db, actor=colleague,
                          identity={"given_name": "Ελένη", "family_name": "Παπαδοπούλου"},
                          contacts={"phones": [{"number": "+30 697 555 0101"}]})
    open_case(db, actor=colleague, client=her)
    db.commit()
    return her


def test_her_own_client_typed_in_latin_letters_is_offered(client, login_as, db):
    login_as("counsellor")
    case_id = start_new_client(client, "Ελένη", "Παπαδοπούλου")
    client_id = db.get(Case, case_id).client_id
    found = search(client, given_name="Eleni", family_name="Papadopoulou")
    page = found.get_data(as_text=True)
    assert found.status_code == 200
    assert "Ελένη Παπαδοπούλου" in page
    assert f'action="/intake/new/{client_id}"' in page
    assert f'href="/clients/{client_id}"' in page
    assert "possible match" not in page  # nobody else's


def test_a_client_of_another_counsellor_is_counted_not_shown(client, login_as, colleague_client):
    login_as("counsellor")
    found = search(client, given_name="Eleni", family_name="Papadopoulou")
    page = found.get_data(as_text=True)
    assert "Ελένη" not in page and "Παπαδοπούλου" not in page
    assert colleague_client.id not in page
    assert "There is 1 possible match elsewhere in the centre" in page
    assert "break-the-glass" in page
    by_phone = search(client, phone="6975550101").get_data(as_text=True)
    assert "There is 1 possible match elsewhere in the centre" in by_phone
    assert colleague_client.id not in by_phone


def test_searches_are_audited_with_how_never_what(client, login_as, db):
    user = login_as("counsellor")
    search(client, given_name="Eleni", family_name="Papadopoulou", phone="6975550101")
    entries = audit_entries(db, "cases.searched")
    assert [json.loads(e.details) for e in entries] == [{"by": "name", "purpose": "intake"},
                                                        {"by": "phone", "purpose": "intake"}]
    assert all(e.actor_id == user.id for e in entries)
    for entry in entries:
        for typed in ("Eleni", "Papadopoulou", "697", "5550101"):
            assert typed not in entry.details + entry.target_id


def test_a_search_needs_a_name_or_a_phone(client, login_as, db):
    login_as("counsellor")
    refused = search(client, given_name="  ", family_name="", phone="")
    assert refused.status_code == 400
    assert "Type a name or a phone number to search for." in refused.get_data(as_text=True)
    assert audit_entries(db, "cases.searched") == []


def test_none_of_these_records_a_new_client_with_what_was_searched(client, login_as, db):
    login_as("counsellor")
    search(client, given_name="Fatima", family_name="", phone="+30 210 555 0199")
    made = client.post_form("/intake/new", {"go": "new", "given_name": "Fatima", "family_name": "",
                                            "phone": "+30 210 555 0199"})
    assert made.status_code == 302
    case = db.get(Case, CASE_ID.search(made.location).group(1))
    her = db.get(Client, case.client_id)
    assert (case.status, her.identity["given_name"]) == ("draft", "Fatima")
    assert her.contacts["phones"][0]["number"] == "+30 210 555 0199"
    assert her.contacts["phones"][0]["safe_to_call"] is False  # not safe until she says so


def test_a_new_case_for_her_own_client(client, login_as, db):
    user = login_as("counsellor")
    case_id = start_new_client(client, "Leila", "Haddad")
    first = db.get(Case, case_id)
    again = client.post_form(f"/intake/new/{first.client_id}", token_page="/intake/new")
    assert again.location.endswith(f"/intake/{case_id}/identity")  # her draft is continued
    activate_case(db, first, actor=db.get(User, user.id), expected_version=first.version,
                  opened_on=first.created_at.date())
    db.commit()
    made = client.post_form(f"/intake/new/{first.client_id}", token_page="/intake/new")
    new_id = CASE_ID.search(made.location).group(1)
    assert new_id != case_id
    assert db.get(Case, new_id).client_id == first.client_id
    count = db.scalar(select(func.count()).select_from(Case).where(Case.client_id == first.client_id))
    assert count == 2


@pytest.mark.parametrize("which", ["colleague", "unknown"])
def test_a_new_case_for_someone_elses_client_is_refused(client, login_as, db, colleague_client, which):
    login_as("counsellor")
    client_id = colleague_client.id if which == "colleague" else str(uuid.uuid4())
    before = db.scalar(select(func.count()).select_from(Case))
    refused = client.post_form(f"/intake/new/{client_id}", token_page="/intake/new")
    assert refused.status_code == 403
    assert "You do not have access to this client" in refused.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Case)) == before
    refusal = audit_entries(db, "client.access_refused")[-1]
    assert refusal.target_id == client_id


def test_new_client_is_refused_when_the_search_finds_more_than_she_was_shown(client, login_as, db,
                                                                            make_user):
    login_as("counsellor")
    searched = search(client, given_name="Eleni", family_name="Papadopoulou").get_data(as_text=True)
    assert 'name="seen_elsewhere" type="hidden" value="0"' in searched
    # meanwhile a colleague records the same woman
    colleague = db.get(User, make_user("counsellor").id)
    open_case(db, actor=colleague, client=register_client(
        db, actor=colleague, identity={"given_name": "Ελένη", "family_name": "Παπαδοπούλου"}))
    db.commit()
    before = db.scalar(select(func.count()).select_from(Client))
    late = client.post_form("/intake/new", {"go": "new", "given_name": "Eleni", "family_name": "Papadopoulou",
                                            "phone": "", "seen_clients": "", "seen_elsewhere": "0"})
    page = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "Nothing was recorded" in page and "There is 1 possible match elsewhere" in page
    assert 'name="seen_elsewhere" type="hidden" value="1"' in page
    assert db.scalar(select(func.count()).select_from(Client)) == before
    # having seen it, she may still decide it is another woman
    assert start_new_client(client, "Eleni", "Papadopoulou")


def test_her_own_match_cannot_be_skipped_by_altering_the_page(client, login_as, db):
    login_as("counsellor")
    start_new_client(client, "Leila", "Haddad")
    before = db.scalar(select(func.count()).select_from(Client))
    tampered = client.post_form("/intake/new", {"go": "new", "given_name": "Leila", "family_name": "Haddad",
                                                "phone": "", "seen_clients": "", "seen_elsewhere": "0"})
    assert tampered.status_code == 409
    assert db.scalar(select(func.count()).select_from(Client)) == before


def test_a_new_client_with_an_unusable_number_is_not_recorded(client, login_as, db):
    login_as("counsellor")
    before = db.scalar(select(func.count()).select_from(Client))
    search(client, given_name="Nadia", phone="12")
    refused = client.post_form("/intake/new", {"go": "new", "given_name": "Nadia", "family_name": "",
                                               "phone": "12", "seen_clients": "", "seen_elsewhere": "0"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert 'id="phone-error"' in page and "at least 6 digits" in page
    assert 'value="Nadia"' in page and 'value="12"' in page
    assert db.scalar(select(func.count()).select_from(Client)) == before
