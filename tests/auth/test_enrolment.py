"""Enrolment with a one-time code: her own password, her second factor, recovery codes once."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from casework.auth.enrolment import issue_enrolment_code
from casework.auth.models import EnrolmentCode, User
from casework.auth.users import create_user, reset_password, reset_second_factor
from casework.security.models import WebSession
from tests.auth import audit_entries, code_at, database, error_of, password_step
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "lantern orchard pebble ferry"
INVALID = "This enrolment code is not valid."
SECRET_ON_PAGE = re.compile(r'<code class="secret-display" dir="ltr">([A-Z2-7 ]+)</code>')
CODE_ITEM = re.compile(r"<li><code>([2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4})</code></li>")


def _new_account(app, username="nadia", purpose="new_user"):
    with database(app) as db:
        user = create_user(db, username=username, role="counsellor", actor=None)
        code = issue_enrolment_code(db, user, purpose, actor=None)
        db.commit()
        return user.id, code


def _set_password(client, code):
    assert client.post_form("/auth/enrol", {"code": code}).headers["Location"] \
        .endswith("/auth/enrol/password")
    response = client.post_form("/auth/enrol/password",
                                {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def _secret_from(page: str) -> str:
    match = SECRET_ON_PAGE.search(page)
    assert match, "the secret is shown for manual entry"
    return match.group(1).replace(" ", "")


def test_enrolment_end_to_end(app, client, clock):
    user_id, code = _new_account(app)
    assert client.post_form("/auth/enrol", {"code": code.upper().replace("-", " ")}) \
        .headers["Location"].endswith("/auth/enrol/password")

    refused = client.post_form("/auth/enrol/password",
                               {"password": "nadia2024", "confirm": "nadia2024"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    field_error = re.search(r'<p class="field-error" id="password-error" role="alert">([^<]*)</p>',
                            html)
    assert field_error and "at least 12 characters" in field_error.group(1)
    assert "must not contain your username" in field_error.group(1)
    assert "nadia" in html and 'autocomplete="new-password"' in html  # still her page
    mismatch = client.post_form("/auth/enrol/password",
                                {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert mismatch.status_code == 400
    assert 'id="confirm-error"' in mismatch.get_data(as_text=True)

    second = _set_password(client, code)
    assert second.headers["Location"].endswith("/auth/enrol/second-factor")
    assert client.get("/auth/account").headers["Location"].endswith("/auth/sign-in")  # not signed in yet

    page = client.get("/auth/enrol/second-factor").get_data(as_text=True)
    assert '<svg role="img"' in page and 'class="totp-qr"' in page  # inline, nothing fetched
    assert "<img" not in page
    secret = _secret_from(page)
    assert _secret_from(client.get("/auth/enrol/second-factor").get_data(as_text=True)) == secret
    with database(app) as db:  # the pending secret is sealed in the session row
        assert all(secret not in row.data for row in db.scalars(select(WebSession)))

    wrong = client.post_form("/auth/enrol/second-factor", {"code": "000000"})
    assert wrong.status_code == 400 and "does not match" in wrong.get_data(as_text=True)
    done = client.post_form("/auth/enrol/second-factor",
                            {"code": pyotp.TOTP(secret).at(clock.current)})
    assert done.headers["Location"].endswith("/auth/recovery-codes")

    shown = client.get("/auth/recovery-codes").get_data(as_text=True)
    assert len(CODE_ITEM.findall(shown)) == 10
    assert "I have saved them, continue" in shown
    assert CODE_ITEM.findall(client.get("/auth/recovery-codes").get_data(as_text=True)) == []
    assert client.get("/auth/account").status_code == 200  # signed in

    with database(app) as db:
        assert db.get(User, user_id).has_second_factor
        assert db.scalar(select(EnrolmentCode.used_at).where(EnrolmentCode.user_id == user_id))
    assert [e.target_id for e in audit_entries(app, "auth.signed_in")] == [str(user_id)]

    again = app.test_client().post_form("/auth/enrol", {"code": code})
    assert again.status_code == 400 and INVALID in error_of(again)


def test_expired_and_superseded_codes_get_the_same_refusal(app, client, clock):
    _first_id, expired = _new_account(app, "olga")
    clock.advance(hours=app.config["ENROLMENT_CODE_HOURS"], minutes=1)
    answers = [client.post_form("/auth/enrol", {"code": expired})]

    user_id, superseded = _new_account(app, "petra")
    with database(app) as db:
        issue_enrolment_code(db, db.get(User, user_id), "new_user", actor=None)  # replaces it
        db.commit()
    answers.append(client.post_form("/auth/enrol", {"code": superseded}))
    answers.append(client.post_form("/auth/enrol", {"code": "made-up-code-1234"}))
    assert {response.status_code for response in answers} == {400}
    assert len({error_of(response) for response in answers}) == 1
    assert INVALID in error_of(answers[0])


def test_reset_password_still_asks_for_her_second_factor(app, client, make_user, clock):
    user = make_user("counsellor")
    with database(app) as db:
        code = reset_password(db, db.get(User, user.id), actor=None)
        db.commit()
    after_password = _set_password(client, code)
    assert after_password.headers["Location"].endswith("/auth/second-factor")
    done = client.post_form("/auth/second-factor", {"code": code_at(user.test_totp_secret, clock)})
    assert done.headers["Location"] == "/"
    client.post_form("/auth/sign-out", token_page="/auth/account")
    # The new password works from now on.
    assert password_step(client, user.username, NEW_PASSWORD).status_code == 302


def test_reset_second_factor_still_asks_for_her_password(app, client, make_user, clock):
    user = make_user("counsellor")
    with database(app) as db:
        code = reset_second_factor(db, db.get(User, user.id), actor=None)
        db.commit()
    assert client.post_form("/auth/enrol", {"code": code}).headers["Location"] \
        .endswith("/auth/enrol/password")
    page = client.get("/auth/enrol/password").get_data(as_text=True)
    assert 'autocomplete="current-password"' in page and 'name="confirm"' not in page
    assert client.post_form("/auth/enrol/password", {"password": "wrong"}).status_code == 400
    confirmed = client.post_form("/auth/enrol/password", {"password": TEST_PASSWORD})
    assert confirmed.headers["Location"].endswith("/auth/enrol/second-factor")
    secret = _secret_from(client.get("/auth/enrol/second-factor").get_data(as_text=True))
    done = client.post_form("/auth/enrol/second-factor",
                            {"code": pyotp.TOTP(secret).at(clock.current)})
    assert done.headers["Location"].endswith("/auth/recovery-codes")


def test_enrolment_steps_cannot_be_skipped(app, client):
    _user_id, code = _new_account(app)
    client.post_form("/auth/enrol", {"code": code})
    assert client.get("/auth/enrol/second-factor").headers["Location"] \
        .endswith("/auth/enrol/password")
    assert client.get("/auth/second-factor").headers["Location"].endswith("/auth/enrol/password")


def test_demo_instance_enrols_without_second_factor(app_with):
    demo = app_with(DEMO_INSTANCE=True, REQUIRE_SECOND_FACTOR=False)
    _user_id, code = _new_account(demo, "demo-nadia")
    client = demo.test_client()
    assert _set_password(client, code).headers["Location"] == "/"
    assert client.get("/auth/account").status_code == 200
