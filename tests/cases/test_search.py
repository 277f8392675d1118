"""Searching her clients by name (any script) or phone: POST only, her own clients only, the
terms never in a URL or the audit log."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from casework.audit.models import AuditEntry
from casework.cases.models import CaseShare
from tests.cases.test_dashboard import latest, make_case, people, sign_in  # noqa: F401 - fixture

SEARCH = "/cases/search"


def search(client, text: str, by: str = "name"):
    return client.post_form(SEARCH, {"by": by, "text": text})


def test_the_search_page_starts_empty(app, client, db, people):
    sign_in(client, app, people["owner"])
    response = client.get(SEARCH)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'method="post" action="/cases/search"' in page
    assert "found" not in page


@pytest.mark.parametrize("stored, typed", [
    (("Μαρία", "Παπαδοπούλου"), "maria"),
    (("Μαρία", "Παπαδοπούλου"), "Maria Papadopoulou"),
    (("فاطمة", "الزهراء"), "Fatima"),
])
def test_latin_letters_find_greek_and_arabic_names(app, client, db, people, stored, typed):
    case = make_case(db, people["owner"], *stored)
    make_case(db, people["owner"], "Someone", "Else")
    sign_in(client, app, people["owner"])
    response = search(client, typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 client found" in page
    assert f'<bdi dir="auto">{" ".join(stored)}</bdi>' in page
    assert case.code in page and f'href="/cases/{case.id}"' in page
    assert f'href="/clients/{case.client_id}"' in page
    assert "Someone" not in page


def test_by_phone_in_another_format(app, client, db, people):
    case = make_case(db, people["owner"], "Nadia", phones=("+30 697 123 4567",))
    sign_in(client, app, people["owner"])
    page = search(client, "697-123-4567", by="phone").get_data(as_text=True)
    assert case.code in page and "Nadia" in page


def test_never_finds_another_counsellors_client(app, client, db, people):
    mine = make_case(db, people["owner"], "Leila", "Haddad")
    theirs = make_case(db, people["colleague"], "Leila", "Haddad", phones=("6971112233",))
    sign_in(client, app, people["owner"])
    page = search(client, "Leila Haddad").get_data(as_text=True)
    assert mine.code in page and theirs.code not in page
    assert theirs.client_id not in page and "1 client found" in page
    page = search(client, "6971112233", by="phone").get_data(as_text=True)
    assert "0 clients found" in page and theirs.code not in page


def test_finds_the_client_of_a_case_shared_with_her(app, client, db, people):
    shared = make_case(db, people["colleague"], "Amira", "Saleh")
    db.add(CaseShare(case_id=shared.id, counsellor_id=people["owner"].id))
    db.commit()
    sign_in(client, app, people["owner"])
    assert shared.code in search(client, "Amira").get_data(as_text=True)


def test_terms_stay_out_of_the_url_and_the_audit_log(app, client, db, people):
    make_case(db, people["owner"], "Μαρία", "Παπαδοπούλου")
    sign_in(client, app, people["owner"])
    response = search(client, "Papadopoulou")
    assert response.status_code == 200 and response.request.path == SEARCH
    assert response.request.query_string == b""
    assert 'value="Papadopoulou"' in response.get_data(as_text=True)  # the term stays in the form
    entry = latest(db, "cases.searched")
    assert entry.actor_id == people["owner"].id
    assert json.loads(entry.details) == {"by": "name", "results": 1}
    everything = " ".join(f"{e.target_id} {e.details}" for e in db.scalars(select(AuditEntry)))
    assert "Papadopoulou" not in everything and "Μαρία" not in everything


def test_a_phone_search_is_audited_as_such(app, client, db, people):
    sign_in(client, app, people["owner"])
    search(client, "6970000000", by="phone")
    assert json.loads(latest(db, "cases.searched").details) == {"by": "phone", "results": 0}


def test_a_search_by_get_with_terms_in_the_url_searches_nothing(app, client, db, people):
    make_case(db, people["owner"], "Maria")
    sign_in(client, app, people["owner"])
    page = client.get(f"{SEARCH}?by=name&text=Maria").get_data(as_text=True)
    assert "found" not in page and latest(db, "cases.searched") is None


@pytest.mark.parametrize("typed, by, message", [
    ("", "name", "Type a name or a phone number to search for."),
    ("   ", "name", "Type a name or a phone number to search for."),
    ("M", "name", "Type at least 2 letters of one of her names."),
    ("M 1 .", "name", "Type at least 2 letters of one of her names."),
    ("697", "phone", "Type at least 6 digits of the phone number."),
])
def test_too_short_a_search_is_refused_with_a_clear_message(app, client, db, people, typed, by, message):
    make_case(db, people["owner"], "Maria")
    sign_in(client, app, people["owner"])
    response = search(client, typed, by)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and 'class="field-error"' in page
    assert "found" not in page and latest(db, "cases.searched") is None


def test_a_very_long_search_says_the_limit(app, client, db, people):
    sign_in(client, app, people["owner"])
    page = search(client, "a" * 250).get_data(as_text=True)
    assert "Type at most 200 characters; this has 250." in page


def test_an_invented_search_field_posted_by_hand_is_refused(app, client, db, people):
    sign_in(client, app, people["owner"])
    response = search(client, "Maria", by="birth_date")
    assert response.status_code == 400
    assert "Choose one of the options offered." in response.get_data(as_text=True)
    assert "Not a valid choice" not in response.get_data(as_text=True)
    assert latest(db, "cases.searched") is None


def test_a_search_for_markup_is_shown_as_typed_text(app, client, db, people):
    sign_in(client, app, people["owner"])
    page = search(client, '<script>alert(1)</script>').get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("who", ["coordinator", "admin", "partner"])
def test_other_roles_are_refused(app, client, db, people, who):
    make_case(db, people["owner"], "Eleni")
    sign_in(client, app, people[who])
    assert client.get(SEARCH).status_code == 403
    response = client.post(SEARCH, data={"by": "name", "text": "Eleni",
                                         "csrf_token": client.csrf_token("/auth/account")})
    assert response.status_code == 403 and "Eleni" not in response.get_data(as_text=True)
    assert latest(db, "cases.searched") is None


def test_anonymous_is_sent_to_sign_in(client):
    token = client.csrf_token()  # the sign-in page's, as a browser would hold
    for response in (client.get(SEARCH), client.post(SEARCH, data={"text": "Eleni", "csrf_token": token})):
        assert response.status_code == 302
        assert response.location.split("?")[0].endswith("/auth/sign-in")
