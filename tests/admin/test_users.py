"""Listing and creating accounts; the one-time enrolment code; what an admin page never shows."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from casework.auth.enrolment import find_valid_code
from casework.auth.models import Organisation, User
from casework.security.models import WebSession
from tests.admin import code_on, entries, signed_in_client, store

NEW = "/admin/users/new"


@pytest.fixture
def admin(app, make_user):
    return make_user("admin", username="ada")


@pytest.fixture
def client_of(app, admin):
    return signed_in_client(app, admin)


@pytest.fixture
def shelter(app):
    with store(app) as session:
        organisation = Organisation(name="Safe House North", kind="shelter")
        closed = Organisation(name="Closed Shelter", kind="shelter", active=False)
        session.add_all([organisation, closed])
        session.commit()
        return organisation.id


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-error"[^>]*>([^<]*)<', html)
    return match.group(1) if match else ""


def user_org(app, organisation_id):
    with store(app) as session:
        organisation = session.get(Organisation, organisation_id)
        session.expunge(organisation)
        return organisation


def test_user_list_shows_each_account_with_translated_role(app, client_of, make_user, shelter):
    partner = make_user("shelter_partner", username="sam",
                        organisation=user_org(app, shelter))
    make_user("coordinator", username="cora", second_factor=False)
    html = client_of.get("/admin/users").get_data(as_text=True)
    assert "<caption>" in html
    for expected in ("ada", "sam", "cora", "Shelter partner", "Coordinator", "Administrator",
                     "Safe House North", f'href="/admin/users/{partner.id}"'):
        assert expected in html
    assert "shelter_partner" not in html  # codes are stored, labels shown


def test_create_page_offers_the_four_roles_and_only_active_organisations(client_of, shelter):
    html = client_of.get(NEW).get_data(as_text=True)
    for label in ("Counsellor", "Coordinator", "Administrator", "Shelter partner"):
        assert f">{label}</option>" in html
    assert "Safe House North" in html and "Closed Shelter" not in html
    assert 'for="username"' in html and 'for="organisation_id"' in html


def test_create_user_shows_a_working_code_once_and_never_in_a_url(app, client_of, admin):
    response = client_of.post_form(NEW, {"username": "Nina.K", "display_name": "Nina K.",
                                         "role": "counsellor", "organisation_id": ""})
    assert response.status_code == 200  # the code is in this response, not behind a redirect
    assert "Location" not in response.headers
    code = code_on(response)
    html = response.get_data(as_text=True)
    assert html.count(code) == 1  # in the page's text only: no link, form or script carries it
    assert "72 hours" in html and "in person" in html and "email" in html
    assert response.headers["Cache-Control"] == "no-store"

    with store(app) as session:
        user = session.scalar(select(User).where(User.username == "nina.k"))
        assert user is not None and user.role == "counsellor" and user.display_name == "Nina K."
        assert user.password_hash is None and user.organisation_id is None
        entry = find_valid_code(session, code)
        assert (entry.user_id, entry.purpose, entry.created_by_id) == (user.id, "new_user", admin.id)
        # Not kept anywhere in clear: not in the session table (no flash), not in the audit log.
        assert all(code not in row.data for row in session.scalars(select(WebSession)))
        user_id = user.id
    assert all(code not in str(entry) for entry in entries(app, "user.enrolment_code_issued"))
    # Shown once: the account page and the list do not show it again.
    for page in ("/admin/users", f"/admin/users/{user_id}"):
        assert code not in client_of.get(page).get_data(as_text=True)
    assert entries(app, "user.created")[-1]["details"] == {"role": "counsellor"}


def test_duplicate_username_is_shown_next_to_the_field_and_the_rest_kept(app, client_of, make_user):
    make_user("counsellor", username="dana")
    response = client_of.post_form(NEW, {"username": "Dana", "display_name": "Dana Second",
                                         "role": "coordinator", "organisation_id": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "already taken" in _field_error(html, "username")
    assert 'value="Dana Second"' in html and 'value="Dana"' in html
    assert re.search(r'<option selected value="coordinator">', html)
    assert "enrolment-code" not in html
    with store(app) as session:
        assert session.scalar(select(User).where(User.display_name == "Dana Second")) is None


def test_invalid_username_is_refused_with_the_rule(client_of):
    response = client_of.post_form(NEW, {"username": "a b!", "role": "counsellor"})
    assert response.status_code == 400
    assert "3 to 40 characters" in _field_error(response.get_data(as_text=True), "username")


def test_shelter_partner_needs_an_organisation(app, client_of, shelter):
    response = client_of.post_form(NEW, {"username": "sofia", "display_name": "Sofia",
                                         "role": "shelter_partner", "organisation_id": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "partner organisation" in _field_error(html, "organisation_id")
    assert 'value="sofia"' in html and 'value="Sofia"' in html
    with store(app) as session:
        assert session.scalar(select(User).where(User.username == "sofia")) is None


def test_an_inactive_organisation_cannot_be_chosen(app, client_of, shelter):
    with store(app) as session:
        closed_id = session.scalar(select(Organisation.id).where(Organisation.name == "Closed Shelter"))
    response = client_of.post_form(NEW, {"username": "sofia", "role": "shelter_partner",
                                         "organisation_id": str(closed_id)})
    assert response.status_code == 400
    assert "active partner organisations" in _field_error(response.get_data(as_text=True),
                                                          "organisation_id")


def test_shelter_partner_with_organisation_is_created(app, client_of, shelter):
    response = client_of.post_form(NEW, {"username": "sofia", "role": "shelter_partner",
                                         "organisation_id": str(shelter)})
    assert response.status_code == 200
    code_on(response)
    with store(app) as session:
        assert session.scalar(select(User).where(User.username == "sofia")).organisation_id == shelter


def test_organisation_is_ignored_for_other_roles(app, client_of, shelter):
    response = client_of.post_form(NEW, {"username": "carla", "role": "counsellor",
                                         "organisation_id": str(shelter)})
    assert response.status_code == 200
    with store(app) as session:
        assert session.scalar(select(User).where(User.username == "carla")).organisation_id is None


def test_unknown_role_is_refused(client_of):
    response = client_of.post_form(NEW, {"username": "rita", "role": "superuser"})
    assert response.status_code == 400
    assert "roles offered" in _field_error(response.get_data(as_text=True), "role")


def test_user_page_shows_her_account_and_open_sessions(app, client_of, make_user):
    target = make_user("counsellor", username="maria")
    signed_in_client(app, target)
    signed_in_client(app, target)
    html = client_of.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert "maria" in html and "Counsellor" in html
    assert "She has 2 open sessions." in html
    for action in ("change-role", "deactivate", "reset-password", "reset-second-factor", "end-sessions"):
        assert f'action="/admin/users/{target.id}/{action}"' in html


def test_no_admin_page_shows_a_password_hash_or_second_factor_secret(app, client_of, admin, make_user):
    target = make_user("counsellor", username="hana")
    with store(app) as session:
        stored = session.get(User, target.id)
        secrets_ = [stored.password_hash, target.test_totp_secret,
                    session.get(User, admin.id).password_hash, admin.test_totp_secret]
        sealed = stored.totp_secret_sealed
    assert all(secrets_) and sealed
    client_of.get(f"/admin/users/{target.id}")  # leaves entries for the audit log page
    pages = ["/admin/users", NEW, f"/admin/users/{target.id}", f"/admin/users/{admin.id}",
             "/admin/organisations", "/admin/audit"]
    for page in pages:
        response = client_of.get(page)
        assert response.status_code == 200, page
        html = response.get_data(as_text=True)
        for secret in secrets_:
            assert secret not in html, page
        assert "$argon2" not in html and sealed.hex() not in html, page
