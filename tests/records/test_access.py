"""Every route of the records area, against everyone who may not use it on this case."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.audit.models import AuditEntry
from casework.auth.models import User
from casework.cases.models import Case, CaseSession, CaseShare, Consent, RiskAssessment, SafetyPlan
from casework.cases.service import close_case
from casework.records import service
from tests.records import RANDOM_ID, entries, new_case

ROUTES = [  # (method, path below /cases/<case_id>)
    ("GET", "sessions/new"), ("POST", "sessions/new"),
    ("GET", "sessions/{session}"), ("POST", "sessions/{session}"),
    ("GET", "risk/new"), ("POST", "risk/new"), ("GET", "risk/{assessment}"),
    ("GET", "safety-plans/new"), ("POST", "safety-plans/new"), ("GET", "safety-plans/{plan}"),
    ("GET", "consents"), ("POST", "consents"), ("POST", "consents/{consent}/withdraw"),
    ("GET", "close"), ("POST", "close"), ("POST", "reopen"),
]
# What a form would carry: valid values, so a refusal is the access rule's and nothing else's.
FORM = {"held_on": "2026-11-24", "duration_minutes": "30", "service": "information", "mode": "phone",
        "assessed_on": "2026-11-24", "level": "high", "made_on": "2026-11-24", "safe_contacts": "x",
        "kind": "processing", "given_on": "2026-11-24", "withdrawn_on": "2026-11-24",
        "closed_on": "2026-11-24", "reason": "other", "version": "1", "notes": "overwritten"}


def with_records(db, counsellor, name):
    """An active case with one record of each kind, made through the services."""
    case = new_case(db, counsellor, name=name)
    actor = db.get(User, counsellor.id)
    records = {
        "session": service.add_session(db, case, actor=actor, held_on=case.opened_on, duration_minutes=30,
                                       service="information", mode="phone", notes="kept"),
        "assessment": service.add_risk_assessment(db, case, actor=actor, assessed_on=case.opened_on,
                                                  indicators=[], level="medium"),
        "plan": service.add_safety_plan(db, case, actor=actor, made_on=case.opened_on,
                                        sections={"safe_contacts": "kept"}),
        "consent": service.record_consent(db, case, actor=actor, kind="processing", given_on=case.opened_on),
    }
    db.commit()
    return case, {key: record.id for key, record in records.items()}


@pytest.fixture
def world(db, make_user, clock):
    owner = make_user("counsellor")
    colleague = make_user("counsellor")
    case, ids = with_records(db, owner, "Eleni")
    her_case, her_ids = with_records(db, colleague, "Ayşe")
    return {"owner": owner, "colleague": colleague, "case": case, "ids": ids,
            "her_case": her_case, "her_ids": her_ids}


def url(case_id, path, ids):
    return f"/cases/{case_id}/" + path.format(**ids)


def send(client, method, target):
    if method == "GET":
        return client.get(target)
    return client.post(target, data={**FORM, "csrf_token": client.csrf_token("/auth/account")})


def unchanged(db, world):
    """Nothing of the owner's case was written by the refused requests."""
    case, ids = world["case"], world["ids"]
    db.expire_all()
    contact = db.get(CaseSession, ids["session"])
    return (db.get(Case, case.id).status == "active" and contact.details["notes"] == "kept"
            and db.get(Consent, ids["consent"]).withdrawn_on is None
            and len(db.scalars(select(CaseSession).where(CaseSession.case_id == case.id)).all()) == 1
            and len(db.scalars(select(RiskAssessment).where(RiskAssessment.case_id == case.id)).all()) == 1
            and len(db.scalars(select(SafetyPlan).where(SafetyPlan.case_id == case.id)).all()) == 1)


def test_another_counsellor_is_refused_on_every_route(db, client, world):
    client_user = world["colleague"]
    _sign_in(client, db, client_user)
    case_id, ids, her_ids = world["case"].id, world["ids"], world["her_ids"]
    for method, path in ROUTES:
        for target in (url(case_id, path, ids),  # the other's case and records
                       url(case_id, path, her_ids),  # the other's case with her own record ids
                       url(RANDOM_ID, path, her_ids)):  # an unknown case
            response = send(client, method, target)
            assert response.status_code == 403, (method, target)
            assert "do not have access to this case" in response.get_data(as_text=True)
            assert "Eleni" not in response.get_data(as_text=True)
    refused = entries(db, "case.access_refused")
    assert len(refused) == 3 * len(ROUTES) and {e.actor_id for e in refused} == {client_user.id}
    assert unchanged(db, world)


def test_a_case_shared_with_her_opens(db, client, world):
    db.add(CaseShare(case_id=world["case"].id, counsellor_id=world["colleague"].id))
    db.commit()
    _sign_in(client, db, world["colleague"])
    target = url(world["case"].id, "sessions/{session}", world["ids"])
    assert client.get(target).status_code == 200
    # her own record ids under the shared case are still refused
    assert client.get(url(world["case"].id, "sessions/{session}", world["her_ids"])).status_code == 403


@pytest.mark.parametrize("role", ["coordinator", "admin", "shelter_partner"])
def test_other_roles_are_refused_on_every_route(db, client, login_as, world, role):
    user = login_as(role)
    for method, path in ROUTES:
        response = send(client, method, url(world["case"].id, path, world["ids"]))
        assert response.status_code == 403, (role, method, path)
        assert "kept" not in response.get_data(as_text=True)
    refused = db.scalars(select(AuditEntry).where(AuditEntry.action == "access.refused",
                                                  AuditEntry.actor_id == user.id)).all()
    assert len(refused) == len(ROUTES)
    assert all(entry.target_id.startswith("records.") for entry in refused)
    assert unchanged(db, world)


def test_anonymous_is_sent_to_sign_in(db, client, world):
    for method, path in ROUTES:
        if method == "GET":
            response = client.get(url(world["case"].id, path, world["ids"]))
        else:
            response = client.post(url(world["case"].id, path, world["ids"]),
                                   data={**FORM, "csrf_token": client.csrf_token("/auth/sign-in")})
        assert response.status_code in (302, 303), (method, path)
        assert response.headers["Location"].split("?")[0].endswith("/auth/sign-in")
    assert unchanged(db, world)


def test_a_closed_case_of_another_counsellor_is_still_refused_not_conflicted(db, client, world):
    case = world["case"]
    close_case(db, case, actor=db.get(User, world["owner"].id), expected_version=case.version,
               closed_on=case.opened_on, reason="other")
    db.commit()
    _sign_in(client, db, world["colleague"])
    assert send(client, "POST", url(case.id, "reopen", world["ids"])).status_code == 403
    assert send(client, "POST", url(case.id, "sessions/new", world["ids"])).status_code == 403


def _sign_in(client, db, user):
    """Sign `client` in as an existing user (as the login_as fixture does for a new one)."""
    import json
    import secrets

    from flask import current_app

    from casework.security.models import WebSession
    from casework.security.sessions import token_hash

    token = secrets.token_urlsafe(32)
    db.add(WebSession(token_hash=token_hash(token), user_id=user.id,
                      data=json.dumps({"_user_id": str(user.id), "_fresh": True})))
    db.commit()
    client.set_cookie(current_app.config["SESSION_COOKIE_NAME"], token, domain="localhost")
