"""Every referral route against every role, and a partner against everything that is not hers."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from casework.audit.models import AuditEntry
from casework.referrals.models import Referral
from tests.referrals import (RANDOM_ID, draft_referral, entries,  # noqa: F401
                             new_case, organisation, refer, referral_id_of, sign_in, stored)

CASE_ROUTES = [  # (method, path below /cases/<case_id>/referrals)
    ("GET", ""), ("GET", "/new"), ("POST", "/new"), ("GET", "/{r}"), ("GET", "/{r}/edit"),
    ("POST", "/{r}/edit"), ("GET", "/{r}/preview"), ("POST", "/{r}/send"), ("POST", "/{r}/withdraw"),
    ("POST", "/{r}/outcome"), ("GET", "/{r}/print"),
]
PARTNER_ROUTES = [("GET", "/partner/referrals"), ("GET", "/partner/referrals/{r}"),
                  ("POST", "/partner/referrals/{r}/accept"), ("POST", "/partner/referrals/{r}/decline"),
                  ("POST", "/partner/referrals/{r}/arrived"), ("POST", "/partner/referrals/{r}/completed")]
# What a form would carry: valid values, so a refusal is the access rule's and nothing else's.
FORM = {"organisation_id": "1", "purpose": "shelter_place", "packet_fields": ["urgency"],
        "urgency": "planned", "version": "1", "digest": "x", "consent_given": "y",
        "consent_given_on": "2026-11-24", "reason": "no_place", "outcome": "accepted"}
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


@pytest.fixture
def world(app, db, make_user, clock):
    """Two counsellors, each with a case and a sent referral to a shelter with an account."""
    owner, colleague = make_user("counsellor"), make_user("counsellor")
    shelter, other_shelter = organisation(db, "Shelter A"), organisation(db, "Shelter B")
    partner = make_user("shelter_partner", organisation=shelter)
    other_partner = make_user("shelter_partner", organisation=other_shelter)
    referrals = {}
    for who in (owner, colleague):
        counsellor_client = sign_in(app.test_client(), db, who)
        case = new_case(db, who)
        referrals[who.id] = (case, refer(counsellor_client, case, shelter))
    return {"owner": owner, "colleague": colleague, "shelter": shelter, "partner": partner,
            "other_partner": other_partner, "case": referrals[owner.id][0],
            "referral": referrals[owner.id][1], "her_case": referrals[colleague.id][0],
            "her_referral": referrals[colleague.id][1]}


def send(client, method, target, token_page="/auth/account"):
    if method == "GET":
        return client.get(target)
    return client.post(target, data={**FORM, "csrf_token": client.csrf_token(token_page)})


def case_url(case_id, path, referral_id):
    return f"/cases/{case_id}/referrals" + path.format(r=referral_id)


def untouched(db, world):
    referral = stored(db, world["referral"])
    return referral.status == "sent" and referral.packet_sealed is not None


def test_another_counsellor_is_refused_on_every_route(db, client, world):
    sign_in(client, db, world["colleague"])
    case_id, mine = world["case"].id, world["her_referral"]
    for method, path in CASE_ROUTES:
        for target in (case_url(case_id, path, world["referral"]),  # the other's case and referral
                       case_url(case_id, path, mine),  # the other's case with her own referral id
                       case_url(RANDOM_ID, path, mine)):  # an unknown case
            response = send(client, method, target)
            assert response.status_code == 403, (method, target)
            html = response.get_data(as_text=True)
            assert "do not have access to this case" in html and "Eleni" not in html
    refused = entries(db, "case.access_refused")
    assert len(refused) == 3 * len(CASE_ROUTES)
    assert {e.actor_id for e in refused} == {world["colleague"].id}
    assert untouched(db, world)


def test_her_own_referral_id_under_her_own_case_of_another_referral_is_refused(db, client, world):
    """A referral of another case, under a case she may open: the case's own refusal."""
    sign_in(client, db, world["colleague"])
    for method, path in CASE_ROUTES:
        if "{r}" not in path:
            continue
        response = send(client, method, case_url(world["her_case"].id, path, world["referral"]))
        assert response.status_code == 403, (method, path)
    assert len(entries(db, "record.access_refused")) == sum("{r}" in p for _m, p in CASE_ROUTES)
    assert untouched(db, world)


@pytest.mark.parametrize("role", ["coordinator", "admin", "shelter_partner"])
def test_other_roles_are_refused_on_every_counsellor_route(db, client, login_as, world, role):
    user = login_as(role)
    for method, path in CASE_ROUTES:
        response = send(client, method, case_url(world["case"].id, path, world["referral"]))
        assert response.status_code == 403, (role, method, path)
        assert "Eleni" not in response.get_data(as_text=True)
    refused = db.scalars(select(AuditEntry).where(AuditEntry.action == "access.refused",
                                                  AuditEntry.actor_id == user.id)).all()
    assert len(refused) == len(CASE_ROUTES)
    assert all(entry.target_id.startswith("referrals.") for entry in refused)
    assert untouched(db, world)


@pytest.mark.parametrize("role", ["counsellor", "coordinator", "admin"])
def test_only_shelter_partners_reach_the_partner_routes(db, client, login_as, world, role):
    user = login_as(role)
    for method, path in PARTNER_ROUTES:
        response = send(client, method, path.format(r=world["referral"]))
        assert response.status_code == 403, (role, method, path)
        assert "Eleni" not in response.get_data(as_text=True)
    refused = db.scalars(select(AuditEntry).where(AuditEntry.action == "access.refused",
                                                  AuditEntry.actor_id == user.id)).all()
    assert {entry.target_id for entry in refused} == {
        "partner.inbox", "partner.packet", "partner.accept", "partner.decline", "partner.arrived",
        "partner.completed"}
    assert untouched(db, world)


def test_anonymous_is_sent_to_sign_in_everywhere(client, world):
    targets = [(m, case_url(world["case"].id, p, world["referral"])) for m, p in CASE_ROUTES]
    targets += [(m, p.format(r=world["referral"])) for m, p in PARTNER_ROUTES]
    targets += [("GET", "/partners"), ("GET", f"/admin/organisations/{world['shelter'].id}"),
                ("POST", f"/admin/organisations/{world['shelter'].id}")]
    for method, target in targets:
        response = send(client, method, target, token_page="/auth/sign-in")
        assert response.status_code in (302, 303), (method, target)
        assert response.headers["Location"].split("?")[0].endswith("/auth/sign-in")


def _without_tokens(html):
    return CSRF_VALUE.sub(r'\1"', html)


def test_a_partner_of_another_organisation_sees_nothing_and_gets_one_answer(db, client, world):
    sign_in(client, db, world["other_partner"])
    inbox = client.get("/partner/referrals").get_data(as_text=True)
    assert stored(db, world["referral"]).code not in inbox and "None." in inbox
    for method, path in PARTNER_ROUTES[1:]:
        existing = send(client, method, path.format(r=world["referral"]), "/partner/referrals")
        unknown = send(client, method, path.format(r=RANDOM_ID), "/partner/referrals")
        assert existing.status_code == unknown.status_code == 403, path
        assert _without_tokens(existing.get_data(as_text=True)) == \
            _without_tokens(unknown.get_data(as_text=True))
        assert "Eleni" not in existing.get_data(as_text=True)
    refused = entries(db, "referral.access_refused")
    assert len(refused) == 2 * (len(PARTNER_ROUTES) - 1)
    assert {e.actor_id for e in refused} == {world["other_partner"].id}
    assert not entries(db, "referral.packet_opened")
    assert untouched(db, world)


def test_a_draft_is_addressed_to_no_one_yet(app, db, client, world):
    owner_client = sign_in(app.test_client(), db, world["owner"])
    draft_id = referral_id_of(draft_referral(owner_client, world["case"], world["shelter"]))
    sign_in(client, db, world["partner"])
    assert stored(db, draft_id).code not in client.get("/partner/referrals").get_data(as_text=True)
    assert client.get(f"/partner/referrals/{draft_id}").status_code == 403
    assert send(client, "POST", f"/partner/referrals/{draft_id}/accept", "/partner/referrals").status_code == 403
    assert stored(db, draft_id).status == "draft"


def test_a_partner_reaches_nothing_of_the_centre(app, db, client, world):
    """Every other page of Casework, with real ids of a case, its client and records: 403."""
    sign_in(client, db, world["partner"])
    case = world["case"]
    real = {"case_id": case.id, "client_id": case.client_id, "referral_id": world["referral"],
            "organisation_id": world["shelter"].id, "user_id": world["owner"].id}
    adapter = app.url_map.bind("localhost", url_scheme="https")
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("cases", "clients", "intake", "records", "admin",
                                               "sharing", "centre", "referrals"):
            continue
        if "GET" not in (rule.methods or ()):
            continue
        values = {name: real.get(name, 1 if type(converter).__name__ == "IntegerConverter" else "x")
                  for name, converter in rule._converters.items()}
        response = client.get(adapter.build(rule.endpoint, values))
        assert response.status_code == 403, rule.endpoint
        assert "Eleni" not in response.get_data(as_text=True)
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("role", ["counsellor", "coordinator", "admin"])
def test_the_directory_is_read_by_counsellors_coordinators_and_admins(client, login_as, world, role):
    login_as(role)
    html = client.get("/partners").get_data(as_text=True)
    assert "Shelter A" in html and "Shelter B" in html


def test_the_directory_is_not_for_partners(client, login_as, world):
    login_as("shelter_partner")
    assert client.get("/partners").status_code == 403


@pytest.mark.parametrize("role", ["counsellor", "coordinator", "shelter_partner"])
def test_only_the_admin_edits_an_organisation(db, client, login_as, world, role):
    login_as(role)
    target = f"/admin/organisations/{world['shelter'].id}"
    assert client.get(target).status_code == 403
    assert send(client, "POST", target).status_code == 403
    db.expire_all()
    assert world["shelter"].name == "Shelter A"


def test_ids_are_never_probed_by_shape(db, client, world):
    """Over-long and odd ids get the same refusal as any other."""
    sign_in(client, db, world["partner"])
    for odd in ("x" * 80, "1", "%20"):
        assert client.get(f"/partner/referrals/{odd}").status_code == 403
    sign_in(client, db, world["owner"])
    assert client.get(case_url(world["case"].id, "/{r}", "y" * 80)).status_code == 403
    assert db.scalar(select(Referral).where(Referral.id == "y" * 80)) is None
