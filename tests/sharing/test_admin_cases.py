"""The administrator's case list and reassignment: metadata only, never a sealed value."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from casework.cases.models import Case, CaseSession, CaseShare, Notification
from casework.crypto import envelope, fields
from tests.sharing import (CANARY, entries, may_open, new_case, post, random_id, sign_in_url,
                           signed_in_client, store)


@pytest.fixture
def people(make_user):
    return {"anna": make_user("counsellor", username="anna"),
            "berit": make_user("counsellor", username="berit"),
            "admin": make_user("admin")}


@pytest.fixture
def cases(app, people):
    first = new_case(app, people["anna"], "Eleni")
    second = new_case(app, people["berit"], "Maria")
    with store(app) as session:
        case = session.get(Case, first["id"])
        case.status, case.opened_on = "active", date(2026, 11, 2)
        for day in (3, 10):
            record = CaseSession(case_id=case.id, data_key_id=case.data_key_id,
                                 counsellor_id=people["anna"].id, held_on=date(2026, 11, day))
            session.add(record)
            session.flush()
            record.details = {"notes": CANARY}
        session.commit()
    return {"first": first, "second": second}


def _refuse_to_open(monkeypatch):
    """Any attempt to open a sealed value fails the request loudly."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("a sealed value was opened on an administrator's page")

    monkeypatch.setattr(envelope, "open_value", refuse)
    monkeypatch.setattr(envelope, "open_json", refuse)
    monkeypatch.setattr(fields, "open_value", refuse)  # fields imported it by name


def test_the_list_shows_metadata_and_the_read_is_audited(app, people, cases):
    response = signed_in_client(app, people["admin"]).get("/admin/cases")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for expected in (cases["first"]["code"], cases["second"]["code"], "anna", "berit", "Active",
                     "Draft", "2026-11-02"):
        assert expected in page
    assert '<td>2</td>' in page  # two sessions on the first case
    assert CANARY not in page and "Eleni" not in page
    listed = entries(app, "cases.listed_by_metadata")[-1]
    assert listed["actor_id"] == people["admin"].id and listed["details"]["page"] == 1


def test_no_sealed_value_is_opened_on_the_admin_pages(app, people, cases, monkeypatch):
    # The break-the-glass review list is the one exception, by design: it shows the counsellor's
    # reason (her justification, not case content) for oversight. See service.review_queue.
    with store(app) as session:  # an alert about the case, as a break-the-glass leaves
        session.add(Notification(user_id=people["admin"].id, kind="break_glass",
                                 case_id=cases["first"]["id"], actor_id=people["berit"].id))
        session.commit()
    client = signed_in_client(app, people["admin"])
    _refuse_to_open(monkeypatch)
    assert client.get("/admin/cases").status_code == 200
    alerts = client.get("/notifications")
    assert alerts.status_code == 200 and cases["first"]["code"] in alerts.get_data(as_text=True)
    assert client.get(f"/admin/cases?status=active&counsellor={people['anna'].id}").status_code == 200
    first = cases["first"]
    version = _case(app, first["id"]).version
    stale = post(client, f"/admin/cases/{first['id']}/reassign", {"counsellor": "berit", "version": version - 1})
    assert stale.status_code == 409
    invalid = post(client, f"/admin/cases/{first['id']}/reassign", {"counsellor": "nobody", "version": version})
    assert invalid.status_code == 400
    done = post(client, f"/admin/cases/{first['id']}/reassign", {"counsellor": "berit", "version": version})
    assert done.status_code == 302


def _case(app, case_id):
    with store(app) as session:
        case = session.get(Case, case_id)
        session.expunge(case)
        return case


def test_filters_by_status_and_counsellor(app, people, cases):
    client = signed_in_client(app, people["admin"])
    active = client.get("/admin/cases?status=active").get_data(as_text=True)
    assert cases["first"]["code"] in active and cases["second"]["code"] not in active
    berit = client.get(f"/admin/cases?counsellor={people['berit'].id}").get_data(as_text=True)
    assert cases["second"]["code"] in berit and cases["first"]["code"] not in berit
    listed = entries(app, "cases.listed_by_metadata")[-1]
    assert listed["details"]["counsellor_id"] == people["berit"].id


@pytest.mark.parametrize("query", ["status=bogus", "counsellor=999999", "page=0", "page=x"])
def test_invalid_filters_are_refused_plainly(app, people, cases, query):
    response = signed_in_client(app, people["admin"]).get(f"/admin/cases?{query}")
    assert response.status_code == 400
    assert cases["first"]["code"] not in response.get_data(as_text=True)


def test_the_list_is_paginated(app, people, cases, monkeypatch):
    from casework.sharing import metadata
    monkeypatch.setattr(metadata, "CASES_PAGE_SIZE", 1)
    client = signed_in_client(app, people["admin"])
    first_page = client.get("/admin/cases").get_data(as_text=True)
    second_page = client.get("/admin/cases?page=2").get_data(as_text=True)
    assert "page 1 of 2" in first_page and 'rel="next"' in first_page
    assert "page 2 of 2" in second_page and 'rel="prev"' in second_page
    codes = {cases["first"]["code"], cases["second"]["code"]}
    on_first = {code for code in codes if code in first_page}
    on_second = {code for code in codes if code in second_page}
    assert len(on_first) == len(on_second) == 1 and on_first | on_second == codes


def test_reassigning_moves_the_case_and_the_former_counsellor_loses_access(app, people, cases):
    first = cases["first"]
    client = signed_in_client(app, people["admin"])
    version = _case(app, first["id"]).version
    response = post(client, f"/admin/cases/{first['id']}/reassign", {"counsellor": "berit", "version": version})
    assert response.status_code == 302
    assert _case(app, first["id"]).assigned_counsellor_id == people["berit"].id
    assert may_open(app, people["berit"], first["id"])
    assert not may_open(app, people["anna"], first["id"])
    audit = entries(app, "case.reassigned")[-1]
    assert (audit["actor_id"], audit["target_id"]) == (people["admin"].id, first["id"])
    assert audit["details"] == {"from_user_id": people["anna"].id, "to_user_id": people["berit"].id}


def test_the_former_counsellor_keeps_access_when_the_case_is_shared_with_her(app, make_user, people,
                                                                             cases):
    second = cases["second"]
    assert post(signed_in_client(app, people["berit"]), f"/cases/{second['id']}/sharing",
                {"username": "anna"}).status_code == 302
    client = signed_in_client(app, people["admin"])
    version = _case(app, second["id"]).version
    post(client, f"/admin/cases/{second['id']}/reassign", {"counsellor": "anna", "version": version})
    # Anna now holds the case: her share became pointless and is gone; Berit was never shared.
    assert _case(app, second["id"]).assigned_counsellor_id == people["anna"].id
    with store(app) as session:
        assert session.scalars(select(CaseShare).where(CaseShare.case_id == second["id"])).all() == []
    assert not may_open(app, people["berit"], second["id"])

    # Shared back with Berit, a second reassignment leaves her with access.
    assert post(signed_in_client(app, people["anna"]), f"/cases/{second['id']}/sharing",
                {"username": "berit"}).status_code == 302
    carol = make_user("counsellor", username="carol")
    version = _case(app, second["id"]).version
    assert post(client, f"/admin/cases/{second['id']}/reassign",
                {"counsellor": "carol", "version": version}).status_code == 302
    assert _case(app, second["id"]).assigned_counsellor_id == carol.id
    assert may_open(app, people["berit"], second["id"])
    assert not may_open(app, people["anna"], second["id"])


def test_a_stale_version_shows_what_is_stored_and_keeps_her_choice(app, people, cases):
    first = cases["first"]
    client = signed_in_client(app, people["admin"])
    version = _case(app, first["id"]).version
    with store(app) as session:  # someone saves the case meanwhile
        session.get(Case, first["id"]).next_follow_up_on = date(2026, 12, 1)
        session.commit()
    response = post(client, f"/admin/cases/{first['id']}/reassign", {"counsellor": "berit", "version": version})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this while you were editing" in page
    assert "<dd><bdi>anna</bdi></dd>" in page  # what is stored now
    assert '<option selected value="berit">' in page or 'value="berit" selected' in page
    assert _case(app, first["id"]).assigned_counsellor_id == people["anna"].id
    # Saving again, having seen the notice, goes through with the version the page now carries.
    current = _case(app, first["id"]).version
    assert f'value="{current}"' in page
    assert post(client, f"/admin/cases/{first['id']}/reassign",
                {"counsellor": "berit", "version": current}).status_code == 302


@pytest.mark.parametrize("choice", ["nobody", "anna", "", "<script>x</script>"])
def test_an_invalid_choice_is_refused_with_a_message(app, people, cases, choice):
    first = cases["first"]
    version = _case(app, first["id"]).version
    response = post(signed_in_client(app, people["admin"]), f"/admin/cases/{first['id']}/reassign",
                    {"counsellor": choice, "version": version})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'class="field-error"' in page
    assert "<script>x</script>" not in page
    assert _case(app, first["id"]).assigned_counsellor_id == people["anna"].id


def test_an_unknown_case_is_not_found(app, people, cases):
    response = post(signed_in_client(app, people["admin"]), f"/admin/cases/{random_id()}/reassign",
                    {"counsellor": "berit", "version": 1})
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["counsellor", "coordinator", "shelter_partner"])
def test_only_admins_reach_the_case_list_and_reassign(app, make_user, people, cases, role):
    client = signed_in_client(app, make_user(role))
    first = cases["first"]
    assert client.get("/admin/cases").status_code == 403
    version = _case(app, first["id"]).version
    assert post(client, f"/admin/cases/{first['id']}/reassign",
                {"counsellor": "berit", "version": version}).status_code == 403
    assert _case(app, first["id"]).assigned_counsellor_id == people["anna"].id


def test_anonymous_is_sent_to_sign_in(app, client, cases):
    for response in (client.get("/admin/cases"),
                     client.post_form(f"/admin/cases/{cases['first']['id']}/reassign",
                                      {"counsellor": "berit", "version": 1},
                                      token_page=sign_in_url(app))):
        assert response.status_code == 302
        assert response.headers["Location"].endswith(sign_in_url(app))
