"""A client's record: shown to a counsellor who may open one of her cases (audited, with her
contacts' safety flags in plain sight), edited with optimistic locking; refused to everyone else
with the same answer as for an id that does not exist."""

from __future__ import annotations

import json
import uuid

import pytest

from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.service import open_case
from casework.clients.identity import register_client, update_client
from casework.clients.models import Client
from tests.intake import audit_entries, hidden_fields, start_new_client

CONTACTS = {"phones": [{"number": "+30 697 000 1111", "safe_to_call": False, "safe_to_message": False,
                        "safe_times": ""},
                       {"number": "+30 210 000 2222", "safe_to_call": True, "safe_to_message": True,
                        "safe_times": "μετά τις 5"}],
            "emails": [{"address": "leila@example.org", "safe_to_message": False}], "address": ""}


@pytest.fixture
def mine(client, login_as, db, clock):
    """A client of the signed-in counsellor, with one draft case: (user, client id, case id)."""
    user = db.get(User, login_as("counsellor").id)
    her = register_client(db, actor=user, identity={"given_name": "Λεϊλά", "family_name": "Haddad",
                                                    "other_names": ["ليلى"], "birth_date": "1991-02-03"},
                          contacts=CONTACTS, profile={"migration_status": "refugee",
                                                      "children": {"count": 1, "ages": [6]}},
                          discrimination_factors=["migrant", "single_parent"])
    case = open_case(db, actor=user, client=her)
    ids = user, her.id, case.id
    db.commit()
    return ids


def test_her_record_shows_who_she_is_and_how_not_to_reach_her(client, db, mine):
    user, client_id, case_id = mine
    page = client.get(f"/clients/{client_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<bdi dir="auto">Λεϊλά Haddad</bdi>' in text and "ليلى" in text and "1991-02-03" in text
    first_row = text[text.index("+30 697 000 1111"):text.index("+30 210 000 2222")]
    assert '<strong class="risk-high">Do NOT call</strong>' in first_row
    assert '<strong class="risk-high">No messages</strong>' in first_row
    second_row = text[text.index("+30 210 000 2222"):text.index("</table>")]
    assert "Do NOT call" not in second_row and "μετά τις 5" in second_row
    assert "Do NOT write" in text and "No address on file." in text
    assert "Refugee (international protection)" in text and "Single parent" in text
    assert db.get(Case, case_id).code in text and "Draft" in text
    assert f'href="/intake/{case_id}/review"' in text
    [entry] = [e for e in audit_entries(db, "client.opened") if e.target_id == client_id]
    assert entry.actor_id == user.id and json.loads(entry.details) == {}


def test_a_case_held_by_someone_else_is_counted_not_shown(client, db, mine, make_user):
    _user, client_id, _case_id = mine
    colleague = db.get(User, make_user("counsellor").id)
    other = open_case(db, actor=colleague, client=db.get(Client, client_id))
    other_code = other.code
    db.commit()
    text = client.get(f"/clients/{client_id}").get_data(as_text=True)
    assert other_code not in text
    assert "She has 1 more case at the centre that you do not have access to." in text


def test_her_record_is_edited_and_the_change_audited(client, db, mine):
    _user, client_id, _case_id = mine
    url = f"/clients/{client_id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert 'value="Λεϊλά"' in form and 'value="ليلى"' in form and 'value="+30 697 000 1111"' in form
    saved = client.post(url, data={**hidden_fields(form), "given_name": "Leila", "family_name": "Haddad",
                                   "other_names-0": "ليلى", "birth_date": "1991-02-03",
                                   "phones-0-number": "+30 697 000 1111", "phones-0-safe_to_call": "y",
                                   "migration_status": "asylum_seeker", "discrimination_factors": ["migrant"]})
    assert saved.status_code == 302 and saved.location.endswith(f"/clients/{client_id}")
    her = db.get(Client, client_id)
    assert her.identity["given_name"] == "Leila"
    assert her.contacts["phones"] == [{"number": "+30 697 000 1111", "safe_to_call": True,
                                       "safe_to_message": False, "safe_times": ""}]
    assert her.profile["migration_status"] == "asylum_seeker" and her.discrimination_factors == ["migrant"]
    [entry] = audit_entries(db, "client.updated")
    assert entry.target_id == client_id and "Leila" not in entry.details


def test_an_edit_on_an_older_version_is_refused_and_keeps_what_was_typed(client, db, mine):
    user, client_id, _case_id = mine
    url = f"/clients/{client_id}/edit"
    opened = hidden_fields(client.get(url).get_data(as_text=True))
    her = db.get(Client, client_id)
    update_client(db, her, actor=user, expected_version=her.version,
                  identity={**her.identity, "family_name": "Stored-by-colleague"})
    db.commit()
    late = client.post(url, data={**opened, "given_name": "Typed", "family_name": "In the old tab"})
    page = late.get_data(as_text=True)
    assert late.status_code == 409
    notice = page[page.index('class="conflict"'):page.index("</section>")]
    assert "Stored-by-colleague" in notice and "Do NOT" not in notice
    assert 'value="Typed"' in page and 'value="In the old tab"' in page
    assert db.get(Client, client_id).identity["family_name"] == "Stored-by-colleague"
    again = client.post(url, data={**hidden_fields(page), "given_name": "Typed", "family_name": "Now"})
    assert again.status_code == 302
    assert db.get(Client, client_id).identity["family_name"] == "Now"


def test_bad_input_on_her_record(client, db, mine):
    _user, client_id, _case_id = mine
    url = f"/clients/{client_id}/edit"
    opened = hidden_fields(client.get(url).get_data(as_text=True))
    refused = client.post(url, data={**opened, "given_name": "<script>x</script>", "birth_date": "2027-01-01",
                                     "housing": "palace", "address": "a" * 1_001})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Choose one of the options offered." in page
    assert "At most 1,000 characters; this has 1,001." in page
    assert 'value="&lt;script&gt;x&lt;/script&gt;"' in page
    assert db.get(Client, client_id).identity["given_name"] == "Λεϊλά"
    future = client.post(url, data={**opened, "given_name": "Λεϊλά", "birth_date": "2027-01-01"})
    assert future.status_code == 400 and "This date is in the future." in future.get_data(as_text=True)


def test_another_counsellors_client_is_refused_like_an_unknown_one(client, db, login_as, make_user):
    owner = db.get(User, make_user("counsellor").id)
    theirs = register_client(db, actor=owner, identity={"given_name": "Hidden"})
    open_case(db, actor=owner, client=theirs)
    client_id = theirs.id
    db.commit()
    login_as("counsellor")
    for target in (client_id, str(uuid.uuid4()), "x" * 80):
        for response in (client.get(f"/clients/{target}"), client.get(f"/clients/{target}/edit"),
                         client.post_form(f"/clients/{target}/edit", {"given_name": "Overwritten",
                                                                     "client_version": "1"},
                                          token_page="/intake/new")):
            assert response.status_code == 403, target
            assert "Hidden" not in response.get_data(as_text=True)
    assert db.get(Client, client_id).identity["given_name"] == "Hidden"
    refused = audit_entries(db, "client.access_refused")
    assert {e.target_id for e in refused} >= {client_id}
    assert not [e for e in audit_entries(db, "client.opened") if e.target_id == client_id]


@pytest.mark.parametrize("role", ["coordinator", "admin", "shelter_partner"])
def test_other_roles_never_see_a_client(client, db, login_as, make_user, role):
    owner = db.get(User, make_user("counsellor").id)
    theirs = register_client(db, actor=owner, identity={"given_name": "Hidden"})
    open_case(db, actor=owner, client=theirs)
    client_id = theirs.id
    db.commit()
    login_as(role)
    assert client.get(f"/clients/{client_id}").status_code == 403
    assert client.get(f"/clients/{client_id}/edit").status_code == 403
    posted = client.post_form(f"/clients/{client_id}/edit", {"given_name": "X"}, token_page="/auth/account")
    assert posted.status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    for url in (f"/clients/{uuid.uuid4()}", f"/clients/{uuid.uuid4()}/edit"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.split("?")[0].endswith("/auth/sign-in")


def test_a_new_case_for_her_from_her_record(client, db, mine):
    _user, client_id, case_id = mine
    page = client.get(f"/clients/{client_id}").get_data(as_text=True)
    assert f'action="/intake/new/{client_id}"' in page
    started = client.post_form(f"/intake/new/{client_id}", token_page=f"/clients/{client_id}")
    assert started.location.endswith(f"/intake/{case_id}/identity")  # her open draft, not another


def test_a_client_made_by_the_intake_has_her_record(client, login_as, db):
    login_as("counsellor")
    case_id = start_new_client(client, "Αγγελική", "", phone="2101234567")
    client_id = db.get(Case, case_id).client_id
    text = client.get(f"/clients/{client_id}").get_data(as_text=True)
    assert "Αγγελική" in text and "Do NOT call" in text
