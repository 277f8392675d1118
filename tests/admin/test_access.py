"""Only administrators reach the administration pages: every other role gets 403 (and the refusal
is audited), and someone not signed in is sent to sign in. tests/test_access_matrix.py walks every
route; these name each admin endpoint so that a change to the policy shows up here by name."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.auth.models import Organisation, User
from tests.admin import entries, sign_in_url, signed_in_client, store, user_row

OTHER_ROLES = ("counsellor", "coordinator", "shelter_partner")

GET_PAGES = (
    ("admin.users", "/admin/users"),
    ("admin.create_user", "/admin/users/new"),
    ("admin.user", "/admin/users/{user}"),
    ("admin.organisations", "/admin/organisations"),
    ("admin.edit_organisation", "/admin/organisations/{organisation}"),
    ("admin.audit_log", "/admin/audit"),
)

POST_ACTIONS = (
    ("admin.create_user", "/admin/users/new"),
    ("admin.change_role", "/admin/users/{user}/change-role"),
    ("admin.deactivate_user", "/admin/users/{user}/deactivate"),
    ("admin.reactivate_user", "/admin/users/{user}/reactivate"),
    ("admin.reset_password", "/admin/users/{user}/reset-password"),
    ("admin.reset_second_factor", "/admin/users/{user}/reset-second-factor"),
    ("admin.end_sessions", "/admin/users/{user}/end-sessions"),
    ("admin.organisations", "/admin/organisations"),
    ("admin.deactivate_organisation", "/admin/organisations/{organisation}/deactivate"),
    ("admin.reactivate_organisation", "/admin/organisations/{organisation}/reactivate"),
    ("admin.edit_organisation", "/admin/organisations/{organisation}"),
)

# What each POST would change if it got through.
POST_DATA = {"username": "intruder", "display_name": "x", "role": "admin", "organisation_id": "",
             "name": "Intruder shelter", "kind": "shelter"}


@pytest.fixture
def targets(app, make_user):
    target = make_user("counsellor")
    with store(app) as session:
        organisation = Organisation(name="Access test shelter", kind="shelter")
        session.add(organisation)
        session.commit()
        return {"user": target.id, "organisation": organisation.id}


def _nothing_changed(app, targets):
    target = user_row(app, targets["user"])
    assert target.active and target.role == "counsellor" and target.password_hash
    with store(app) as session:
        assert session.scalar(select(User).where(User.username == "intruder")) is None
        assert session.scalar(select(Organisation).where(Organisation.name == "Intruder shelter")) is None
        assert session.get(Organisation, targets["organisation"]).active


def test_every_admin_endpoint_is_named_here(app):
    named = {endpoint for endpoint, _ in GET_PAGES + POST_ACTIONS}
    assert {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("admin.")} == named


@pytest.mark.parametrize("role", OTHER_ROLES)
@pytest.mark.parametrize("endpoint,path", GET_PAGES)
def test_other_roles_get_403_on_admin_pages(app, make_user, targets, role, endpoint, path):
    me = make_user(role)
    client = signed_in_client(app, me)
    assert client.get(path.format(**targets)).status_code == 403
    refusal = entries(app, "access.refused")[-1]
    assert (refusal["actor_id"], refusal["target_id"]) == (me.id, endpoint)


@pytest.mark.parametrize("role", OTHER_ROLES)
@pytest.mark.parametrize("endpoint,path", POST_ACTIONS)
def test_other_roles_get_403_on_admin_actions(app, make_user, targets, role, endpoint, path):
    me = make_user(role)
    client = signed_in_client(app, me)
    response = client.post_form(path.format(**targets), POST_DATA, token_page="/auth/account")
    assert response.status_code == 403
    _nothing_changed(app, targets)
    refusal = entries(app, "access.refused")[-1]
    assert (refusal["actor_id"], refusal["target_id"]) == (me.id, endpoint)


def test_the_login_as_fixture_gets_403_too(client, login_as, targets):
    login_as("counsellor")
    for _, path in GET_PAGES:
        assert client.get(path.format(**targets)).status_code == 403, path


@pytest.mark.parametrize("endpoint,path", GET_PAGES)
def test_anonymous_is_sent_to_sign_in_from_admin_pages(app, client, targets, endpoint, path):
    response = client.get(path.format(**targets))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(sign_in_url(app))


@pytest.mark.parametrize("endpoint,path", POST_ACTIONS)
def test_anonymous_is_sent_to_sign_in_from_admin_actions(app, client, targets, endpoint, path):
    response = client.post_form(path.format(**targets), POST_DATA, token_page=sign_in_url(app))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(sign_in_url(app))
    _nothing_changed(app, targets)


@pytest.mark.parametrize("path", [path for endpoint, path in POST_ACTIONS
                                  if endpoint not in ("admin.create_user", "admin.organisations",
                                                      "admin.edit_organisation")])
def test_action_endpoints_answer_post_only(app, make_user, targets, path):
    client = signed_in_client(app, make_user("admin"))
    assert client.get(path.format(**targets)).status_code == 405


def test_a_post_without_csrf_token_is_refused(app, make_user, targets):
    client = signed_in_client(app, make_user("admin"))
    response = client.post(f"/admin/users/{targets['user']}/deactivate", data={})
    assert response.status_code == 400
    _nothing_changed(app, targets)


def test_unknown_records_are_404(app, make_user):
    client = signed_in_client(app, make_user("admin"))
    assert client.get("/admin/users/999999").status_code == 404
    for path in ("/admin/users/999999/deactivate", "/admin/organisations/999999/deactivate"):
        assert client.post_form(path, token_page="/admin/users").status_code == 404


def test_admin_pages_are_never_cached(app, make_user, targets):
    client = signed_in_client(app, make_user("admin"))
    for _, path in GET_PAGES:
        response = client.get(path.format(**targets))
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store"
