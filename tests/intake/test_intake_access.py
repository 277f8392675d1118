"""Who reaches an intake and a client record: only a counsellor who may open the case.

Another counsellor gets the same 403 for the first one's case or client as for an id that does
not exist (audited, nothing shown); coordinator, admin and shelter partner are refused by the
policy; anonymous is sent to sign in.
"""

from __future__ import annotations

import json
import uuid

import pytest

from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.service import open_case
from casework.clients.identity import register_client
from tests.intake import audit_entries, hidden_fields
from tests.support import without_csrf_tokens

SECRET_NAME = "Zoitsa"


@pytest.fixture
def owned(db, make_user):
    """A draft intake of another counsellor: (case id, client id)."""
    owner = db.get(User, make_user("counsellor").id)
    her = register_client(db, actor=owner, identity={"given_name": SECRET_NAME, "family_name": "Ntoka"})
    case = open_case(db, actor=owner, client=her)
    ids = case.id, her.id
    # Committed with nothing left open: a later rollback in a request must not reach back
    # past the users the test signs in (all sessions share one test connection).
    db.commit()
    return ids


def routes(case_id: str, client_id: str) -> list[tuple[str, str]]:
    return [("GET", f"/intake/{case_id}/identity"), ("POST", f"/intake/{case_id}/identity"),
            ("GET", f"/intake/{case_id}/narrative"), ("POST", f"/intake/{case_id}/consents"),
            ("GET", f"/intake/{case_id}/review"), ("POST", f"/intake/{case_id}/review"),
            ("POST", f"/intake/{case_id}/discard"), ("POST", f"/intake/new/{client_id}"),
            ("GET", f"/clients/{client_id}"), ("GET", f"/clients/{client_id}/edit"),
            ("POST", f"/clients/{client_id}/edit")]


def send(client, method: str, url: str, token_page: str = "/auth/account"):
    if method == "GET":
        return client.get(url)
    token = client.csrf_token(token_page)
    return client.post(url, data={"csrf_token": token, "given_name": "Overwritten",
                                  "narrative": "Overwritten", "confirm": "y", "case_version": "1",
                                  "client_version": "1", "processing-given": "y",
                                  "processing-given_on": "2026-11-20"})


def test_another_counsellor_gets_the_same_refusal_as_for_an_unknown_id(client, login_as, db, owned):
    case_id, client_id = owned
    login_as("counsellor")
    unknown = str(uuid.uuid4())
    for (method, url), (_m, unknown_url) in zip(routes(case_id, client_id), routes(unknown, unknown)):
        refused = send(client, method, url)
        assert refused.status_code == 403, (method, url)
        body = refused.get_data(as_text=True)
        assert SECRET_NAME not in body
        probe = send(client, method, unknown_url)
        assert probe.status_code == 403, (method, unknown_url)
        # Nothing tells an existing id apart (the CSRF tokens carry a timestamp: left out).
        assert without_csrf_tokens(probe.get_data(as_text=True)) == without_csrf_tokens(body)
    case = db.get(Case, case_id)
    assert case.status == "draft" and case.intake == {}
    refusals = audit_entries(db, "case.access_refused") + audit_entries(db, "client.access_refused")
    assert {e.target_id for e in refusals} >= {case_id, client_id, unknown}
    assert {json.loads(e.details)["attempted"] for e in refusals} >= {
        "intake.opened", "client.opened", "intake.new_case_for_client"}


def test_her_own_case_with_another_section_or_case_id_mixed_in(client, login_as, db, owned):
    case_id, _client_id = owned
    me = db.get(User, login_as("counsellor").id)
    mine = open_case(db, actor=me, client=register_client(db, actor=me, identity={"given_name": "Mine"}))
    db.commit()
    assert client.get(f"/intake/{mine.id}/identity").status_code == 200
    assert client.get(f"/intake/{mine.id}/no-such-section").status_code == 404
    assert client.get(f"/intake/{case_id}/no-such-section").status_code == 403  # the case first
    assert client.get(f"/clients/{mine.client_id}").status_code == 200
    assert client.get(f"/intake/{case_id}/review").status_code == 403
    # her own client's id with the other counsellor's case, and the other way round
    assert client.get(f"/intake/{mine.client_id}/identity").status_code == 403
    assert client.get(f"/clients/{case_id}").status_code == 403


@pytest.mark.parametrize("role", ["coordinator", "admin", "shelter_partner"])
def test_other_roles_are_refused_every_route(client, login_as, db, owned, role):
    case_id, client_id = owned
    login_as(role)
    for method, url in [*routes(case_id, client_id), ("GET", "/intake/new"), ("POST", "/intake/new")]:
        refused = send(client, method, url)
        assert refused.status_code == 403, (role, method, url)
        assert SECRET_NAME not in refused.get_data(as_text=True)
    assert db.get(Case, case_id).intake == {}


def test_anonymous_is_sent_to_sign_in(client, owned):
    case_id, client_id = owned
    for method, url in [*routes(case_id, client_id), ("GET", "/intake/new"), ("POST", "/intake/new")]:
        response = send(client, method, url, token_page="/auth/sign-in")
        assert response.status_code in (302, 303), (method, url)
        assert response.location.split("?")[0].endswith("/auth/sign-in")


def test_a_shared_case_opens_for_the_colleague_it_is_shared_with(client, login_as, db, owned):
    from casework.cases.models import CaseShare
    case_id, client_id = owned
    colleague = login_as("counsellor")
    db.add(CaseShare(case_id=case_id, counsellor_id=colleague.id))
    db.commit()
    page = client.get(f"/intake/{case_id}/identity")
    assert page.status_code == 200 and SECRET_NAME in page.get_data(as_text=True)
    assert client.get(f"/clients/{client_id}").status_code == 200
    assert hidden_fields(page.get_data(as_text=True))["case_version"]
