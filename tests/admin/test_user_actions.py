"""The buttons on an account's page: role, deactivation, sessions, resets. Each is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework.auth.enrolment import find_valid_code
from casework.auth.errors import EnrolmentCodeInvalid
from casework.auth.models import Organisation, RecoveryCode, User
from casework.security.sessions import open_sessions_of
from tests.admin import code_on, entries, sign_in_url, signed_in_client, store, user_row


@pytest.fixture
def admin(make_user):
    return make_user("admin", username="ada")


@pytest.fixture
def client_of(app, admin):
    return signed_in_client(app, admin)


@pytest.fixture
def maria(make_user):
    return make_user("counsellor", username="maria")


def _open_sessions(app, user_id):
    with store(app) as session:
        return len(open_sessions_of(session, user_id))


def _action(client, user, action, data=None):
    return client.post_form(f"/admin/users/{user.id}/{action}", data or {},
                            token_page=f"/admin/users/{user.id}")


def test_deactivate_ends_her_sessions_at_once(app, client_of, admin, maria):
    her_client = signed_in_client(app, maria)
    assert her_client.get("/auth/account").status_code == 200
    response = _action(client_of, maria, "deactivate")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/users/{maria.id}")
    assert not user_row(app, maria.id).active
    assert "is deactivated and her sessions were ended" in \
        client_of.get(response.headers["Location"]).get_data(as_text=True)
    after = her_client.get("/auth/account")
    assert after.status_code == 302 and after.headers["Location"].endswith(sign_in_url(app))
    assert _open_sessions(app, maria.id) == 0
    entry = entries(app, "user.deactivated")[-1]
    assert (entry["actor_name"], entry["target_id"]) == ("ada", str(maria.id))
    assert entry["details"] == {"sessions_ended": 1}


def test_reactivate(app, client_of, maria):
    _action(client_of, maria, "deactivate")
    page = client_of.get(f"/admin/users/{maria.id}").get_data(as_text=True)
    assert f'action="/admin/users/{maria.id}/reactivate"' in page
    assert _action(client_of, maria, "reactivate").status_code == 302
    assert user_row(app, maria.id).active
    assert entries(app, "user.reactivated")[-1]["target_id"] == str(maria.id)


def test_an_admin_cannot_deactivate_herself(app, client_of, admin):
    response = _action(client_of, admin, "deactivate")
    assert response.status_code == 400
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    assert user_row(app, admin.id).active
    assert entries(app, "user.deactivated") == []


def test_another_admin_can_be_deactivated(app, client_of, make_user):
    other = make_user("admin", username="bea")
    assert _action(client_of, other, "deactivate").status_code == 302
    assert not user_row(app, other.id).active


def test_end_sessions(app, client_of, maria):
    her_client = signed_in_client(app, maria)
    other_device = signed_in_client(app, maria)
    page = client_of.get(f"/admin/users/{maria.id}").get_data(as_text=True)
    assert "She has 2 open sessions." in page
    assert _action(client_of, maria, "end-sessions").status_code == 302
    for client in (her_client, other_device):
        response = client.get("/auth/account")
        assert response.status_code == 302 and response.headers["Location"].endswith(sign_in_url(app))
    assert user_row(app, maria.id).active  # ending sessions is not deactivation
    assert entries(app, "user.sessions_ended")[-1]["details"] == {"sessions_ended": 2}


def test_ending_her_own_sessions_is_allowed_and_warned_about(app, client_of, admin):
    page = client_of.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert "also ends the one you are using now" in page
    assert _action(client_of, admin, "end-sessions").status_code == 302
    response = client_of.get("/admin/users")
    assert response.status_code == 302 and response.headers["Location"].endswith(sign_in_url(app))
    assert user_row(app, admin.id).active


@pytest.mark.parametrize("action,purpose", [("reset-password", "reset_password"),
                                            ("reset-second-factor", "reset_second_factor")])
def test_reset_shows_a_new_code_and_ends_her_sessions(app, client_of, admin, maria, action, purpose):
    her_client = signed_in_client(app, maria)
    response = _action(client_of, maria, action)
    assert response.status_code == 200 and "Location" not in response.headers
    code = code_on(response)
    with store(app) as session:
        entry = find_valid_code(session, code)
        assert (entry.user_id, entry.purpose, entry.created_by_id) == (maria.id, purpose, admin.id)
        stored = session.get(User, maria.id)
        if purpose == "reset_password":
            assert stored.password_hash is None and stored.has_second_factor
        else:
            assert stored.password_hash and not stored.has_second_factor
            assert stored.totp_secret_sealed is None
            assert session.scalar(select(func.count()).select_from(RecoveryCode)
                                  .where(RecoveryCode.user_id == maria.id)) == 0
    assert her_client.get("/auth/account").status_code == 302
    assert _open_sessions(app, maria.id) == 0
    issued = entries(app, "user.enrolment_code_issued")[-1]
    assert (issued["actor_name"], issued["target_id"], issued["details"]["purpose"]) == \
        ("ada", str(maria.id), purpose)
    assert code not in client_of.get(f"/admin/users/{maria.id}").get_data(as_text=True)


def test_a_second_reset_makes_the_first_code_stop_working(app, client_of, maria):
    first = code_on(_action(client_of, maria, "reset-password"))
    second = code_on(_action(client_of, maria, "reset-password"))
    with store(app) as session:
        assert find_valid_code(session, second).user_id == maria.id
        with pytest.raises(EnrolmentCodeInvalid):
            find_valid_code(session, first)


def test_change_role_is_audited_with_from_and_to_and_ends_her_sessions(app, client_of, maria):
    her_client = signed_in_client(app, maria)
    response = _action(client_of, maria, "change-role", {"role": "coordinator", "organisation_id": ""})
    assert response.status_code == 302
    assert user_row(app, maria.id).role == "coordinator"
    assert her_client.get("/auth/account").status_code == 302
    entry = entries(app, "user.role_changed")[-1]
    assert entry["actor_name"] == "ada" and entry["target_id"] == str(maria.id)
    assert entry["details"] == {"from": "counsellor", "to": "coordinator"}


def test_change_role_to_shelter_partner_needs_an_organisation(app, client_of, maria):
    response = _action(client_of, maria, "change-role", {"role": "shelter_partner", "organisation_id": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="organisation_id-error"' in html and "partner organisation" in html
    assert user_row(app, maria.id).role == "counsellor"
    with store(app) as session:
        organisation = Organisation(name="Haven", kind="shelter")
        session.add(organisation)
        session.commit()
        organisation_id = organisation.id
    response = _action(client_of, maria, "change-role",
                       {"role": "shelter_partner", "organisation_id": str(organisation_id)})
    assert response.status_code == 302
    stored = user_row(app, maria.id)
    assert (stored.role, stored.organisation_id) == ("shelter_partner", organisation_id)


def test_an_admin_cannot_change_her_own_role(app, client_of, admin):
    response = _action(client_of, admin, "change-role", {"role": "counsellor", "organisation_id": ""})
    assert response.status_code == 400
    assert "cannot change your own role" in response.get_data(as_text=True)
    assert user_row(app, admin.id).role == "admin"


def test_the_page_shows_the_current_role_selected(client_of, maria):
    html = client_of.get(f"/admin/users/{maria.id}").get_data(as_text=True)
    assert '<option selected value="counsellor">' in html
