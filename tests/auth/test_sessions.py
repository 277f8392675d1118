"""Signing out, idle and absolute timeouts, and the lock screen."""

from __future__ import annotations

import json

from tests.auth import audit_entries, session_cookie, sign_in
from tests.conftest import TEST_PASSWORD

ACCEPT_JSON = {"Accept": "application/json"}


def test_sign_out_ends_the_session_on_the_server(app, client, make_user, clock):
    user = make_user("counsellor")
    sign_in(client, user, clock)
    copied = session_cookie(app, client)

    response = client.post_form("/auth/sign-out", token_page="/auth/account")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/sign-in")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'  # the device cookie stays
    assert client.get("/auth/account").headers["Location"].endswith("/auth/sign-in")

    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], copied, domain="localhost")
    assert thief.get("/").headers["Location"].endswith("/auth/sign-in")
    assert [e.actor_id for e in audit_entries(app, "auth.signed_out")] == [user.id]


def test_sign_out_needs_a_post(client, login_as):
    login_as("counsellor")
    assert client.get("/auth/sign-out").status_code == 405


def test_idle_timeout(app, client, clock, login_as):
    login_as("counsellor")
    assert client.get("/auth/account").status_code == 200
    clock.advance(minutes=14)
    assert client.get("/auth/account").status_code == 200  # activity keeps it alive
    clock.advance(minutes=16)
    response = client.get("/auth/account")
    assert response.headers["Location"].endswith("/auth/sign-in")
    assert "Your session ended" in client.get("/auth/sign-in").get_data(as_text=True)


def test_absolute_timeout_despite_activity(app, client, clock, login_as):
    login_as("counsellor")
    for _ in range(47):  # active every 10 minutes for 7 h 50 min
        clock.advance(minutes=10)
        assert client.get("/auth/account").status_code == 200
    clock.advance(minutes=20)
    assert client.get("/auth/account").headers["Location"].endswith("/auth/sign-in")


def test_lock_sends_every_page_to_unlock_until_the_password(app, client, make_user, clock):
    user = make_user("counsellor")
    sign_in(client, user, clock)
    response = client.post_form("/auth/lock", token_page="/auth/account")
    assert response.headers["Location"].endswith("/auth/unlock")
    for path in ("/", "/auth/account", "/auth/account/second-factor"):
        assert client.get(path).headers["Location"].endswith("/auth/unlock")
    page = client.get("/auth/unlock").get_data(as_text=True)
    assert 'autocomplete="current-password"' in page

    wrong = client.post_form("/auth/unlock", {"password": "not hers"})
    assert wrong.status_code == 400 and "That password is not right" in wrong.get_data(as_text=True)
    assert client.get("/auth/account").headers["Location"].endswith("/auth/unlock")
    right = client.post_form("/auth/unlock", {"password": TEST_PASSWORD})
    assert right.headers["Location"] == "/"
    assert client.get("/auth/account").status_code == 200
    actions = [e.action for e in audit_entries(app) if e.action.startswith("auth.")]
    assert "auth.locked" in actions and "auth.unlocked" in actions


def test_lock_and_unlock_from_the_page_script(app, client, make_user, clock):
    user = make_user("counsellor")
    sign_in(client, user, clock)
    locked = client.post_form("/auth/lock", token_page="/auth/account", headers=ACCEPT_JSON)
    assert locked.status_code == 204
    wrong = client.post_form("/auth/unlock", {"password": "nope"}, token_page="/auth/unlock",
                             headers=ACCEPT_JSON)
    assert wrong.status_code == 401 and wrong.get_json() == {"ok": False}
    right = client.post_form("/auth/unlock", {"password": TEST_PASSWORD},
                             token_page="/auth/unlock", headers=ACCEPT_JSON)
    assert right.status_code == 200 and right.get_json() == {"ok": True}
    assert client.get("/auth/account").status_code == 200


def test_five_wrong_unlocks_end_the_session(app, client, make_user, clock):
    user = make_user("counsellor")
    sign_in(client, user, clock)
    copied = session_cookie(app, client)
    client.post_form("/auth/lock", token_page="/auth/account")
    for _ in range(4):
        assert client.post_form("/auth/unlock", {"password": "wrong"}).status_code == 400
    fifth = client.post_form("/auth/unlock", {"password": "wrong"})
    assert fifth.headers["Location"].endswith("/auth/sign-in")
    assert client.get("/auth/account").headers["Location"].endswith("/auth/sign-in")
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], copied, domain="localhost")
    assert thief.get("/").headers["Location"].endswith("/auth/sign-in")
    ended = audit_entries(app, "auth.signed_out")
    assert [json.loads(e.details)["reason"] for e in ended] == ["unlock_failures"]


def test_unlock_page_when_not_locked_goes_home(client, make_user, clock):
    user = make_user("counsellor")
    sign_in(client, user, clock)
    assert client.get("/auth/unlock").headers["Location"] == "/"
