"""Her account page, re-authentication, replacing the second factor, and the language switch."""

from __future__ import annotations

import re

import pyotp
import pytest

from casework.auth.models import User
from casework.auth.reauth import safe_target
from casework.auth.second_factor import totp_secret
from tests.auth import audit_entries, code_at, database, error_of, sign_in
from tests.conftest import TEST_PASSWORD

CHANGE = "/auth/account/second-factor"
SECRET_ON_PAGE = re.compile(r'<code class="secret-display" dir="ltr">([A-Z2-7 ]+)</code>')
CODE_ITEM = re.compile(r"<li><code>([2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4})</code></li>")


def _reauthenticate(client, user, clock, password=TEST_PASSWORD, next_path=CHANGE):
    return client.post_form("/auth/reauthenticate",
                            {"password": password, "code": code_at(user.test_totp_secret, clock),
                             "next": next_path},
                            token_page=f"/auth/reauthenticate?next={next_path}")


def test_account_page_shows_her_security_state(app, client, make_user, clock):
    user = make_user("counsellor")
    sign_in(client, user, clock)
    page = client.get("/auth/account").get_data(as_text=True)
    for expected in (user.username, "Counsellor", "Set up", "Recovery codes left",
                     "Open sessions", 'name="language"'):
        assert expected in page


def test_account_saves_a_supported_language_only(app, client, make_user, clock):
    user = make_user("counsellor")
    sign_in(client, user, clock)
    assert client.post_form("/auth/account", {"language": "xx"}).status_code == 400
    saved = client.post_form("/auth/account", {"language": "el"})
    assert saved.headers["Location"].endswith("/auth/account")
    assert 'lang="el"' in client.get("/auth/account").get_data(as_text=True)
    with database(app) as db:
        assert db.get(User, user.id).preferred_locale == "el"


def test_changing_the_second_factor_needs_fresh_reauthentication(app, client, make_user,
                                                                  clock):
    user = make_user("counsellor")
    sign_in(client, user, clock)
    clock.advance(minutes=6)  # the sign-in itself no longer counts
    response = client.get(CHANGE)
    assert response.headers["Location"] == f"/auth/reauthenticate?next={CHANGE}"

    wrong = _reauthenticate(client, user, clock, password="not it")
    assert wrong.status_code == 400 and "That did not work" in error_of(wrong)
    clock.advance(seconds=30)
    assert _reauthenticate(client, user, clock).headers["Location"] == CHANGE
    page = client.get(CHANGE).get_data(as_text=True)
    assert "<svg" in page
    new_secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")

    changed = client.post_form(CHANGE, {"code": pyotp.TOTP(new_secret).at(clock.current)})
    assert changed.headers["Location"].endswith("/auth/recovery-codes")
    assert len(CODE_ITEM.findall(client.get("/auth/recovery-codes").get_data(as_text=True))) == 10
    with database(app) as db:
        assert totp_secret(db, db.get(User, user.id)) == new_secret
    assert [e.target_id for e in audit_entries(app, "user.second_factor_changed")] \
        == [str(user.id)]

    clock.advance(minutes=6)
    assert "/auth/reauthenticate" in client.get(CHANGE).headers["Location"]


def test_new_recovery_codes_are_shown_once(app, client, make_user, clock):
    user = make_user("counsellor")
    sign_in(client, user, clock)  # a sign-in is a fresh check for a few minutes
    response = client.post_form(CHANGE, {"make_codes": "1"})
    assert response.headers["Location"].endswith("/auth/recovery-codes")
    page = client.get("/auth/recovery-codes").get_data(as_text=True)
    assert len(CODE_ITEM.findall(page)) == 10
    assert 'href="/auth/account"' in page
    assert CODE_ITEM.findall(client.get("/auth/recovery-codes").get_data(as_text=True)) == []
    assert audit_entries(app, "user.recovery_codes_replaced")


def test_reauthentication_never_redirects_off_site(app, client, make_user, clock):
    user = make_user("counsellor")
    sign_in(client, user, clock)
    clock.advance(seconds=30)
    response = _reauthenticate(client, user, clock, next_path="//evil.example/x")
    assert response.headers["Location"] == "/"


def test_language_switch_before_sign_in(app, client):
    client.post_form("/auth/language", {"language": "xx", "next": "/auth/sign-in"},
                     token_page="/auth/sign-in")
    assert 'lang="en"' in client.get("/auth/sign-in").get_data(as_text=True)
    moved = client.post_form("/auth/language", {"language": "tr", "next": "/auth/enrol"},
                             token_page="/auth/sign-in")
    assert moved.headers["Location"] == "/auth/enrol"
    assert 'lang="tr"' in client.get("/auth/sign-in").get_data(as_text=True)
    client.post_form("/auth/language", {"language": "fa"}, token_page="/auth/sign-in")
    assert 'dir="rtl"' in client.get("/auth/sign-in").get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example",
                                    "http:/evil.example", "javascript:alert(1)",
                                    "/auth/\nsign-in", "evil.example"])
def test_language_switch_refuses_open_redirects(client, target):
    response = client.post_form("/auth/language", {"language": "el", "next": target},
                                token_page="/auth/sign-in")
    assert response.headers["Location"] == "/auth/sign-in"


def test_safe_targets(app):
    with app.test_request_context():
        assert safe_target("core.home", "auth.sign_in") == "/"
        assert safe_target("/auth/account?tab=1", "auth.sign_in") == "/auth/account?tab=1"
        assert safe_target("admin.users", "auth.sign_in") == "/auth/sign-in"  # not on the list
        assert safe_target(None, "core.home") == "/"
