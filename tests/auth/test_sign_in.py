"""Signing in: password, second factor, recovery codes, one answer for every refusal."""

from __future__ import annotations

import json

from casework.auth.models import User
from casework.auth.second_factor import replace_recovery_codes
from casework.extensions import db as databases
from casework.security.passwords import hash_password
from casework.security.runtime_hasher import password_hasher
from tests.auth import (FAILED, audit_entries, code_at, database, error_of, password_step,
                        session_cookie, sign_in)
from tests.conftest import TEST_PASSWORD


def test_sign_in_with_second_factor(app, client, make_user, clock):
    user = make_user("counsellor")
    response = password_step(client, user.username)
    assert response.headers["Location"].endswith("/auth/second-factor")
    # Not signed in yet: only the password is known.
    assert client.get("/auth/account").headers["Location"].endswith("/auth/sign-in")

    response = client.post_form("/auth/second-factor",
                                {"code": code_at(user.test_totp_secret, clock)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/auth/account")
    assert home.status_code == 200
    assert user.username in home.get_data(as_text=True)
    assert [e.target_id for e in audit_entries(app, "auth.signed_in")] == [str(user.id)]


def test_second_factor_page_without_password_step_goes_to_sign_in(client):
    response = client.get("/auth/second-factor")
    assert response.headers["Location"].endswith("/auth/sign-in")


def test_signed_in_person_is_sent_home_from_sign_in(client, login_as):
    login_as("counsellor")
    assert client.get("/auth/sign-in").headers["Location"] == "/"


def test_demo_instance_signs_in_without_second_factor(app_with):
    demo = app_with(DEMO_INSTANCE=True, REQUIRE_SECOND_FACTOR=False)
    with demo.app_context():
        user = User(username="demouser", role="counsellor",
                    password_hash=hash_password(TEST_PASSWORD, password_hasher()))
        databases.session.add(user)
        databases.session.commit()
    client = demo.test_client()
    response = password_step(client, "demouser")
    assert response.headers["Location"] == "/"
    assert client.get("/auth/account").status_code == 200


def test_user_without_second_factor_is_taken_to_enrol_one(client, make_user, clock):
    user = make_user("counsellor", second_factor=False)
    response = password_step(client, user.username)
    assert response.headers["Location"].endswith("/auth/enrol/second-factor")
    assert client.get("/auth/account").headers["Location"].endswith("/auth/sign-in")  # not signed in yet
    page = client.get("/auth/enrol/second-factor").get_data(as_text=True)
    assert "<svg" in page


def test_refusals_look_the_same(app, client, make_user, clock):
    wrong = make_user("counsellor")
    deactivated = make_user("counsellor")
    no_password = make_user("counsellor", second_factor=False)
    with database(app) as db:
        db.get(User, deactivated.id).active = False
        db.get(User, no_password.id).password_hash = None
        db.commit()

    attempts = [
        password_step(client, wrong.username, "not the password at all"),
        password_step(client, "nobody-by-this-name", TEST_PASSWORD),
        password_step(client, deactivated.username, TEST_PASSWORD),
        password_step(client, no_password.username, TEST_PASSWORD),
    ]
    assert {response.status_code for response in attempts} == {400}
    assert {error_of(response) for response in attempts} == {FAILED}


def test_wrong_code_gets_the_same_message(client, make_user, clock):
    user = make_user("counsellor")
    password_step(client, user.username)
    response = client.post_form("/auth/second-factor", {"code": "000000"})
    assert response.status_code == 400
    assert error_of(response) == FAILED


def test_totp_code_works_once(app, client, make_user, clock):
    user = make_user("counsellor")
    assert sign_in(client, user, clock).headers["Location"] == "/"
    client.post_form("/auth/sign-out", token_page="/auth/account")

    password_step(client, user.username)
    replayed = client.post_form("/auth/second-factor",
                                {"code": code_at(user.test_totp_secret, clock)})
    assert replayed.status_code == 400
    assert error_of(replayed) == FAILED
    clock.advance(seconds=30)  # the next code of her app is accepted
    fresh = client.post_form("/auth/second-factor",
                             {"code": code_at(user.test_totp_secret, clock)})
    assert fresh.headers["Location"] == "/"


def _recovery_codes(app, user):
    with database(app) as db:
        codes = replace_recovery_codes(db, db.get(User, user.id))
        db.commit()
    return codes


def test_recovery_code_works_once(app, client, make_user, clock):
    user = make_user("counsellor")
    codes = _recovery_codes(app, user)
    password_step(client, user.username)
    response = client.post_form("/auth/recovery", {"code": codes[0].upper()})
    assert response.headers["Location"] == "/"
    page = client.get("/auth/account").get_data(as_text=True)
    assert "9 remain" in page
    client.post_form("/auth/sign-out", token_page="/auth/account")

    password_step(client, user.username)
    again = client.post_form("/auth/recovery", {"code": codes[0]})
    assert again.status_code == 400
    assert error_of(again) == FAILED


def test_failed_attempts_are_reported_at_next_sign_in(app, client, make_user, clock):
    user = make_user("counsellor")
    password_step(client, user.username, "wrong password one")
    password_step(client, user.username, "wrong password two")
    sign_in(client, user, clock)
    page = client.get("/auth/account").get_data(as_text=True)
    assert "There were 2 failed sign-in attempts on your account" in page
    with database(app) as db:
        assert db.get(User, user.id).failed_signins_unseen == 0

    client.post_form("/auth/sign-out", token_page="/auth/account")
    clock.advance(seconds=30)
    sign_in(client, user, clock)
    assert "failed sign-in attempt" not in client.get("/auth/account").get_data(as_text=True)


def test_session_id_rotates_at_sign_in(app, client, make_user, clock):
    user = make_user("counsellor")
    client.get("/auth/sign-in")
    before = session_cookie(app, client)
    assert before
    sign_in(client, user, clock)
    after = session_cookie(app, client)
    assert after and after != before
    assert client.get("/auth/account").status_code == 200

    stale = app.test_client()
    stale.set_cookie(app.config["SESSION_COOKIE_NAME"], before, domain="localhost")
    assert stale.get("/").headers["Location"].endswith("/auth/sign-in")


def test_pending_sign_in_expires_after_five_minutes(client, make_user, clock):
    user = make_user("counsellor")
    password_step(client, user.username)
    clock.advance(minutes=6)
    response = client.post_form("/auth/second-factor",
                                {"code": code_at(user.test_totp_secret, clock)},
                                token_page="/auth/sign-in")
    assert response.headers["Location"].endswith("/auth/sign-in")
    assert "took too long" in client.get("/auth/sign-in").get_data(as_text=True)
    assert client.get("/auth/account").headers["Location"].endswith("/auth/sign-in")


def test_missing_csrf_token_is_refused(client, make_user):
    user = make_user("counsellor")
    client.get("/auth/sign-in")
    response = client.post("/auth/sign-in",
                           data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)


def test_audit_records_sign_in_events_without_secrets(app, client, make_user, clock):
    user = make_user("counsellor")
    password_step(client, "unknown-person-x", "typed secret 1")
    password_step(client, user.username, "typed secret 2")
    code = code_at(user.test_totp_secret, clock)
    password_step(client, user.username)
    client.post_form("/auth/second-factor", {"code": "123456" if code != "123456" else "654321"})
    client.post_form("/auth/second-factor", {"code": code})
    client.post_form("/auth/sign-out", token_page="/auth/account")

    failed = audit_entries(app, "auth.signin_failed")
    assert [json.loads(e.details)["stage"] for e in failed] == ["password", "password",
                                                                  "second_factor"]
    assert failed[0].target_id == ""  # unknown account: no name recorded
    assert {e.target_id for e in failed[1:]} == {str(user.id)}
    assert audit_entries(app, "auth.signed_in") and audit_entries(app, "auth.signed_out")
    everything = " ".join(f"{e.actor_name} {e.target_id} {e.details}" for e in audit_entries(app))
    for secret in ("unknown-person-x", "typed secret", TEST_PASSWORD, code, "123456"):
        assert secret not in everything
