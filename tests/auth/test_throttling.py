"""Per-account backoff (by device bucket) and the per-address limit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.auth.models import SigninThrottle
from casework.auth.signin import (UNTRUSTED, backoff_seconds, bucket_for, device_id,
                                  new_device_cookie)
from tests.auth import FAILED, code_at, database, error_of, password_step, sign_in

DEVICE = "__Host-casework_device"


@pytest.mark.parametrize("failures, expected", [(0, 0), (2, 0), (3, 2), (4, 4), (5, 8),
                                                (10, 256), (11, 300), (40, 300)])
def test_backoff_grows_and_is_capped(failures, expected):
    assert backoff_seconds(failures, free=3, base=2, maximum=300) == expected


def test_device_cookie_names_one_user_and_cannot_be_forged():
    cookie = new_device_cookie("k" * 40, 7)
    assert device_id("k" * 40, cookie, 7)
    assert device_id("k" * 40, cookie, 8) is None  # another user's device cookie
    assert device_id("other-key" * 5, cookie, 7) is None
    assert device_id("k" * 40, cookie + "x", 7) is None
    assert bucket_for("k" * 40, None, 7) == UNTRUSTED
    assert bucket_for("k" * 40, cookie, 7).startswith("device:")


def test_after_free_failures_even_the_right_password_waits(app, client, make_user, clock):
    user = make_user("counsellor")
    for attempt in range(3):
        assert password_step(client, user.username, f"wrong {attempt}").status_code == 400
    refused = password_step(client, user.username)
    assert refused.status_code == 400 and error_of(refused) == FAILED
    clock.advance(seconds=1)
    assert password_step(client, user.username).status_code == 400  # 2 s have not passed
    clock.advance(seconds=2)
    assert password_step(client, user.username).headers["Location"].endswith("/second-factor")


def test_refused_attempts_do_not_lengthen_the_wait(app, client, make_user, clock):
    user = make_user("counsellor")
    for attempt in range(3):
        password_step(client, user.username, f"wrong {attempt}")
    clock.advance(seconds=2)
    password_step(client, user.username, "wrong again")  # checked: the 4th failure, 4 s wait
    for _ in range(5):
        clock.advance(seconds=0.5)
        password_step(client, user.username, "still guessing")  # refused unchecked
    with database(app) as db:
        row = db.scalar(select(SigninThrottle).where(SigninThrottle.user_id == user.id))
        assert (row.bucket, row.failures) == (UNTRUSTED, 4)
    clock.advance(seconds=1.5)  # 4 s after the last counted failure
    assert password_step(client, user.username).status_code == 302


def test_wrong_codes_count_in_the_same_bucket(app, client, make_user, clock):
    user = make_user("counsellor")
    password_step(client, user.username)
    for _ in range(3):
        client.post_form("/auth/second-factor", {"code": "000000"})
    refused = client.post_form("/auth/second-factor",
                               {"code": code_at(user.test_totp_secret, clock)})
    assert refused.status_code == 400 and error_of(refused) == FAILED
    clock.advance(seconds=3)
    accepted = client.post_form("/auth/second-factor",
                                {"code": code_at(user.test_totp_secret, clock)})
    assert accepted.headers["Location"] == "/"


def test_attacker_cannot_keep_her_out_of_her_own_device(app, client, make_user, clock):
    user = make_user("counsellor")
    sign_in(client, user, clock)
    assert client.get_cookie(DEVICE) is not None
    client.post_form("/auth/sign-out", token_page="/auth/account")

    attacker = app.test_client()
    for attempt in range(10):
        password_step(attacker, user.username, f"guess {attempt}")
    assert password_step(attacker, user.username).status_code == 400  # throttled

    clock.advance(seconds=30)
    assert sign_in(client, user, clock).headers["Location"] == "/"
    assert "failed sign-in attempts" in client.get("/auth/account").get_data(as_text=True)


def test_another_users_device_cookie_counts_as_untrusted(app, client, make_user, clock):
    owner = make_user("counsellor")
    target = make_user("counsellor")
    sign_in(client, owner, clock)
    client.post_form("/auth/sign-out", token_page="/auth/account")
    for attempt in range(3):
        password_step(client, target.username, f"wrong {attempt}")
    with database(app) as db:
        buckets = set(db.scalars(select(SigninThrottle.bucket)
                                 .where(SigninThrottle.user_id == target.id)))
    assert buckets == {UNTRUSTED}
    assert password_step(client, target.username).status_code == 400


def test_per_address_limit_answers_429(app_with):
    limited = app_with(SIGNIN_LIMIT_PER_ADDRESS="3 per minute")
    client = limited.test_client()
    for _ in range(3):
        assert password_step(client, "someone", "whatever").status_code == 400
    blocked = password_step(client, "someone", "whatever")
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # The budget is shared by every form that checks a secret.
    assert client.post_form("/auth/enrol", {"code": "abcd"}).status_code == 429
    assert client.get("/auth/sign-in").status_code == 200  # only POSTs are counted
