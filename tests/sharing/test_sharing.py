"""Sharing a case by name: only the assigned counsellor shares and unshares; the counsellor named
gets access at once and loses it on unsharing; everyone else is refused, with one answer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.cases.models import CaseShare
from tests.sharing import (OTHER_ROLES, entries, may_open, new_case, post, random_id,
                           sign_in_url, signed_in_client, store)
from tests.support import without_csrf_tokens


@pytest.fixture
def people(make_user):
    return {"owner": make_user("counsellor"), "colleague": make_user("counsellor"),
            "outsider": make_user("counsellor")}


@pytest.fixture
def case(app, people):
    return new_case(app, people["owner"])


def _shares(app, case_id):
    with store(app) as session:
        return list(session.scalars(select(CaseShare.counsellor_id).where(CaseShare.case_id == case_id)))


def _share_id(app, case_id, counsellor_id):
    with store(app) as session:
        return session.scalar(select(CaseShare.id).where(CaseShare.case_id == case_id,
                                                         CaseShare.counsellor_id == counsellor_id))


def _share(app, owner, case, colleague):
    client = signed_in_client(app, owner)
    response = post(client, f"/cases/{case['id']}/sharing", {"username": colleague.username})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def test_the_page_lists_who_has_access_and_the_read_is_audited(app, people, case):
    client = signed_in_client(app, people["owner"])
    response = client.get(f"/cases/{case['id']}/sharing")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert case["code"] in page and people["owner"].username in page
    assert 'name="username"' in page and 'dir="auto"' in page
    read = entries(app, "case.sharing_viewed")[-1]
    assert (read["actor_id"], read["target_id"]) == (people["owner"].id, case["id"])


def test_sharing_by_username_grants_access_and_unsharing_takes_it_away(app, people, case):
    colleague = people["colleague"]
    assert not may_open(app, colleague, case["id"])
    client = _share(app, people["owner"], case, colleague)
    assert _shares(app, case["id"]) == [colleague.id]
    assert may_open(app, colleague, case["id"])
    shared = entries(app, "case.shared")[-1]
    assert shared["details"] == {"with_user_id": colleague.id}
    assert (shared["actor_id"], shared["target_id"]) == (people["owner"].id, case["id"])

    page = client.get(f"/cases/{case['id']}/sharing").get_data(as_text=True)
    assert colleague.username in page and "Stop sharing" in page
    # She sees who has access, but the share form is the assignee's alone.
    colleague_page = signed_in_client(app, colleague).get(f"/cases/{case['id']}/sharing")
    assert colleague_page.status_code == 200
    assert 'name="username"' not in colleague_page.get_data(as_text=True)

    share_id = _share_id(app, case["id"], colleague.id)
    response = post(client, f"/cases/{case['id']}/sharing/{share_id}/remove")
    assert response.status_code == 302
    assert _shares(app, case["id"]) == []
    assert not may_open(app, colleague, case["id"])
    assert entries(app, "case.unshared")[-1]["details"] == {"with_user_id": colleague.id}


def test_only_the_assigned_counsellor_shares_or_unshares(app, people, case):
    _share(app, people["owner"], case, people["colleague"])
    colleague = signed_in_client(app, people["colleague"])
    response = post(colleague, f"/cases/{case['id']}/sharing", {"username": people["outsider"].username})
    assert response.status_code == 403
    assert "assigned" in response.get_data(as_text=True)
    share_id = _share_id(app, case["id"], people["colleague"].id)
    assert post(colleague, f"/cases/{case['id']}/sharing/{share_id}/remove").status_code == 403
    assert _shares(app, case["id"]) == [people["colleague"].id]
    refusals = [entry for entry in entries(app, "case.access_refused")
                if entry["actor_id"] == people["colleague"].id]
    assert {entry["details"]["attempted"] for entry in refusals} == {"case.share", "case.unshare"}


@pytest.mark.parametrize("who", ["nobody", "coordinator", "inactive", "self"])
def test_only_an_active_counsellor_can_be_named(app, make_user, people, case, who):
    username = {"nobody": "no-such-person", "self": people["owner"].username}.get(who)
    if username is None:
        other = make_user("coordinator" if who == "coordinator" else "counsellor")
        if who == "inactive":
            from casework.auth.models import User
            with store(app) as session:
                session.get(User, other.id).active = False
                session.commit()
        username = other.username
    client = signed_in_client(app, people["owner"])
    response = post(client, f"/cases/{case['id']}/sharing", {"username": username})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="field-error"' in page
    assert f'value="{username}"' in page  # what she typed is kept
    assert _shares(app, case["id"]) == []


def test_sharing_twice_and_empty_or_hostile_input_are_refused_plainly(app, people, case):
    client = _share(app, people["owner"], case, people["colleague"])
    again = post(client, f"/cases/{case['id']}/sharing", {"username": people["colleague"].username})
    assert again.status_code == 400 and "already shared" in again.get_data(as_text=True)
    empty = post(client, f"/cases/{case['id']}/sharing", {"username": "  "})
    assert empty.status_code == 400 and "Enter the username" in empty.get_data(as_text=True)
    hostile = post(client, f"/cases/{case['id']}/sharing", {"username": "<script>x()</script>"})
    page = hostile.get_data(as_text=True)
    assert hostile.status_code == 400
    assert "<script>x()</script>" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page
    assert _shares(app, case["id"]) == [people["colleague"].id]


def test_a_share_of_another_case_is_not_found_on_this_one(app, people, case):
    other_case = new_case(app, people["owner"], "Maria")
    client = _share(app, people["owner"], other_case, people["colleague"])
    share_id = _share_id(app, other_case["id"], people["colleague"].id)
    response = post(client, f"/cases/{case['id']}/sharing/{share_id}/remove")
    assert response.status_code == 404
    assert _shares(app, other_case["id"]) == [people["colleague"].id]


def test_a_counsellor_without_access_gets_the_same_refusal_for_any_id(app, people, case):
    outsider = people["outsider"]
    own_case = new_case(app, outsider, "Sofia")
    _share(app, outsider, own_case, people["colleague"])
    own_share = _share_id(app, own_case["id"], people["colleague"].id)
    client = signed_in_client(app, outsider)
    answers = [
        client.get(f"/cases/{case['id']}/sharing"),
        post(client, f"/cases/{case['id']}/sharing", {"username": outsider.username}),
        post(client, f"/cases/{case['id']}/sharing/{own_share}/remove"),
        client.get(f"/cases/{random_id()}/sharing"),
        post(client, f"/cases/{random_id()}/sharing/{own_share}/remove"),
    ]
    assert [answer.status_code for answer in answers] == [403] * 5
    texts = {without_csrf_tokens(answer.get_data(as_text=True).split("<main", 1)[1]) for answer in answers}
    assert len(texts) == 1  # one answer, whether the case exists or not
    assert _shares(app, case["id"]) == [] and _shares(app, own_case["id"]) == [people["colleague"].id]
    refused = [entry for entry in entries(app, "case.access_refused") if entry["actor_id"] == outsider.id]
    assert len(refused) == 5


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_are_refused(app, make_user, people, case, role):
    client = signed_in_client(app, make_user(role))
    _share(app, people["owner"], case, people["colleague"])
    share_id = _share_id(app, case["id"], people["colleague"].id)
    assert client.get(f"/cases/{case['id']}/sharing").status_code == 403
    assert post(client, f"/cases/{case['id']}/sharing", {"username": "x"}).status_code == 403
    assert post(client, f"/cases/{case['id']}/sharing/{share_id}/remove").status_code == 403
    assert _shares(app, case["id"]) == [people["colleague"].id]


def test_anonymous_is_sent_to_sign_in(app, client, case):
    for response in (client.get(f"/cases/{case['id']}/sharing"),
                     client.post_form(f"/cases/{case['id']}/sharing", {"username": "x"},
                                      token_page=sign_in_url(app)),
                     client.post_form(f"/cases/{case['id']}/sharing/1/remove",
                                      token_page=sign_in_url(app))):
        assert response.status_code == 302
        assert response.headers["Location"].endswith(sign_in_url(app))
