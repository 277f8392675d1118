"""Break-the-glass: a counsellor opens a case not hers only after re-authenticating and writing a
reason; the access lasts BREAK_GLASS_HOURS, alerts the assignee and the admins at once, and is
fully audited — never with the reason, which is sealed under the case's key."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, text

from casework.auth.models import User
from casework.cases.models import BreakGlassAccess, Notification
from casework.clock import as_utc
from tests.conftest import TEST_PASSWORD
from tests.sharing import (CANARY, OTHER_ROLES, entries, may_open, new_case, post, random_id,
                           sign_in_url, signed_in_client, store, url)

REASON = f"Her counsellor is on leave and she called in crisis; {CANARY} needs the safety plan."


@pytest.fixture
def people(app, make_user, clock):
    admins = [make_user("admin"), make_user("admin"), make_user("admin")]
    with store(app) as session:
        session.get(User, admins[2].id).active = False  # an inactive admin is not alerted
        session.commit()
    return {"owner": make_user("counsellor"), "helper": make_user("counsellor"), "admins": admins}


@pytest.fixture
def case(app, people):
    return new_case(app, people["owner"])


def _accesses(app, case_id):
    with store(app) as session:
        rows = session.scalars(select(BreakGlassAccess).where(BreakGlassAccess.case_id == case_id))
        return [(row.counsellor_id, as_utc(row.granted_at), as_utc(row.expires_at), row.reason,
                 row.reason_sealed, row.data_key_id) for row in rows]


def _break_in(app, user, reference, reason=REASON):
    client = signed_in_client(app, user, reauthenticated=True)
    return client, post(client, f"/cases/{reference}/break-glass", {"reason": reason})


def test_without_recent_reauthentication_she_is_sent_to_confirm_who_she_is(app, people, case, clock):
    client = signed_in_client(app, people["helper"])
    path = f"/cases/{case['id']}/break-glass"
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == url(app, "auth.reauthenticate", next=path)
    assert _accesses(app, case["id"]) == []
    # A re-authentication older than REAUTH_VALID_MINUTES no longer counts.
    stale = signed_in_client(app, people["helper"], reauthenticated=True)
    clock.advance(minutes=app.config["REAUTH_VALID_MINUTES"], seconds=1)
    assert stale.get(path).status_code == 302


def test_through_the_reauthentication_page_and_back(app, people, case, clock):
    helper = people["helper"]
    client = signed_in_client(app, helper)
    path = f"/cases/{case['id']}/break-glass"
    confirm = client.get(path).headers["Location"]
    back = client.post_form("/auth/reauthenticate",
                            {"password": TEST_PASSWORD, "next": path,
                             "code": pyotp.TOTP(helper.test_totp_secret).at(clock.current)},
                            token_page=confirm)
    assert back.status_code == 302 and back.headers["Location"] == path
    page = client.get(path)
    assert page.status_code == 200 and 'name="reason"' in page.get_data(as_text=True)


def _written_while_the_check_expired(app, people, case, clock):
    """She confirmed who she is, opened the form, and wrote for longer than the check lasts."""
    client = signed_in_client(app, people["helper"], reauthenticated=True)
    path = f"/cases/{case['id']}/break-glass"
    token_page = client.get(path)
    assert token_page.status_code == 200
    clock.advance(minutes=app.config["REAUTH_VALID_MINUTES"], seconds=1)
    return client, path


def test_a_reason_written_while_the_check_expired_is_kept_and_she_confirms_in_the_form(
        app, people, case, clock):
    client, path = _written_while_the_check_expired(app, people, case, clock)
    response = post(client, path, {"reason": REASON})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your confirmation expired while you were writing" in page
    assert REASON in page and 'name="password"' in page and 'name="code"' in page
    assert _accesses(app, case["id"]) == []

    code = pyotp.TOTP(people["helper"].test_totp_secret).at(clock.current)
    response = post(client, path, {"reason": REASON, "password": TEST_PASSWORD, "code": code})
    assert response.status_code == 302
    assert response.headers["Location"] == url(app, "cases.view", case_id=case["id"])
    [(counsellor_id, *_rest)] = _accesses(app, case["id"])
    assert counsellor_id == people["helper"].id
    assert entries(app, "auth.reauthenticated")[-1]["actor_id"] == people["helper"].id


def test_a_confirmation_in_the_form_is_kept_when_the_case_is_refused(app, people, case, clock):
    client, _path = _written_while_the_check_expired(app, people, case, clock)
    code = pyotp.TOTP(people["helper"].test_totp_secret).at(clock.current)
    unknown = f"/cases/{random_id()}/break-glass"
    response = post(client, unknown, {"reason": REASON, "password": TEST_PASSWORD, "code": code})
    assert response.status_code == 403
    assert entries(app, "auth.reauthenticated")[-1]["actor_id"] == people["helper"].id
    # The code is used up: it does not confirm her a second time.
    again = client.post_form("/auth/reauthenticate", {"password": TEST_PASSWORD, "code": code,
                                                      "next": "/"},
                             token_page="/auth/reauthenticate")
    assert again.status_code == 400


def test_a_wrong_password_in_the_form_keeps_the_reason_and_opens_nothing(app, people, case, clock):
    client, path = _written_while_the_check_expired(app, people, case, clock)
    code = pyotp.TOTP(people["helper"].test_totp_secret).at(clock.current)
    response = post(client, path, {"reason": REASON, "password": "not her password", "code": code})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "That did not work" in page and REASON in page
    assert _accesses(app, case["id"]) == []
    assert entries(app, "auth.reauth_failed")[-1]["target_id"] == str(people["helper"].id)


def test_a_reason_grants_access_for_four_hours_and_alerts_at_once(app, people, case, clock):
    helper, owner = people["helper"], people["owner"]
    assert not may_open(app, helper, case["id"])
    client, response = _break_in(app, helper, case["id"])
    assert response.status_code == 302
    assert response.headers["Location"] == url(app, "cases.view", case_id=case["id"])

    [(counsellor_id, granted, expires, reason, sealed, key_id)] = _accesses(app, case["id"])
    assert counsellor_id == helper.id and reason == REASON
    assert granted == clock.current and expires - granted == timedelta(hours=4)
    assert CANARY.encode() not in sealed
    with store(app) as session:
        from casework.cases.models import Case
        assert key_id == session.get(Case, case["id"]).data_key_id  # sealed under the case's key
        alerted = sorted(session.scalars(select(Notification.user_id).where(
            Notification.case_id == case["id"], Notification.kind == "break_glass",
            Notification.actor_id == helper.id)))
    assert alerted == sorted([owner.id, people["admins"][0].id, people["admins"][1].id])

    audit = entries(app, "case.break_glass")[-1]
    assert (audit["actor_id"], audit["target_id"]) == (helper.id, case["id"])
    assert audit["details"]["hours"] == 4 and CANARY not in audit["raw_details"]

    # She opens the case through the ordinary page; the read is audited as hers.
    assert client.get(f"/cases/{case['id']}").status_code == 200
    opened = [entry for entry in entries(app, "case.opened") if entry["actor_id"] == helper.id]
    assert opened and opened[-1]["target_id"] == case["id"]
    assert may_open(app, helper, case["id"])

    clock.advance(hours=4, minutes=1)
    assert not may_open(app, helper, case["id"])
    late = signed_in_client(app, helper)
    assert late.get(f"/cases/{case['id']}").status_code == 403


def test_the_hours_follow_the_setting(app, people, case, monkeypatch):
    monkeypatch.setitem(app.config, "BREAK_GLASS_HOURS", 1)
    _client, response = _break_in(app, people["helper"], case["id"])
    assert response.status_code == 302
    [(_, granted, expires, *_rest)] = _accesses(app, case["id"])
    assert expires - granted == timedelta(hours=1)


def test_the_case_code_works_as_well_as_the_id(app, people, case):
    _client, response = _break_in(app, people["helper"], case["code"].lower())
    assert response.status_code == 302
    assert len(_accesses(app, case["id"])) == 1


@pytest.mark.parametrize("reason,message", [
    ("too short to say", "at least 20 characters"),
    (" " * 30, "at least 20 characters"),
    ("x" * 2001, "at most 2,000 characters; this has 2,001"),
])
def test_a_reason_too_short_or_too_long_is_refused_and_kept(app, people, case, reason, message):
    _client, response = _break_in(app, people["helper"], case["id"], reason)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and 'class="field-error"' in page
    assert reason.strip() in page  # what she typed is still in the form
    assert _accesses(app, case["id"]) == [] and entries(app, "case.break_glass") == []


def test_hostile_text_is_stored_as_typed_and_shown_as_text(app, people, case):
    hostile = "<script>alert('x')</script> =HYPERLINK(\"http://evil\") need it now"
    _client, response = _break_in(app, people["helper"], case["id"], hostile)
    assert response.status_code == 302
    assert _accesses(app, case["id"])[0][3] == hostile
    review = signed_in_client(app, people["admins"][0]).get("/admin/break-glass")
    page = review.get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_an_unknown_case_gets_the_same_form_and_then_the_generic_refusal(app, people, case):
    client = signed_in_client(app, people["helper"], reauthenticated=True)
    unknown = random_id()
    form_for_unknown = client.get(f"/cases/{unknown}/break-glass")
    form_for_real = client.get(f"/cases/{case['id']}/break-glass")
    assert form_for_unknown.status_code == form_for_real.status_code == 200
    refused = post(client, f"/cases/{unknown}/break-glass", {"reason": REASON})
    assert refused.status_code == 403
    assert "You do not have access to this case." in refused.get_data(as_text=True)
    audit = entries(app, "case.access_refused")[-1]
    assert (audit["actor_id"], audit["target_id"]) == (people["helper"].id, unknown)
    assert audit["details"] == {"attempted": "case.break_glass"}
    assert CANARY not in audit["raw_details"]
    with store(app) as session:
        assert session.scalars(select(Notification)).all() == []


def test_refused_when_she_already_has_access(app, people, case):
    _client, response = _break_in(app, people["owner"], case["id"])
    assert response.status_code == 400
    assert "already have access" in response.get_data(as_text=True)
    assert _accesses(app, case["id"]) == []


def test_an_erased_womans_case_has_nothing_to_open(app, people, case):
    from casework.clients.identity import erase_client
    with store(app) as session:
        erase_client(session, case["client_id"], actor=session.get(User, people["owner"].id))
        session.commit()
    _client, response = _break_in(app, people["helper"], case["id"])
    assert response.status_code == 400 and "erased" in response.get_data(as_text=True)
    assert _accesses(app, case["id"]) == []


def test_the_raw_database_holds_no_reason(app, people, case):
    _break_in(app, people["helper"], case["id"])
    with store(app) as session:
        blobs = session.execute(text("SELECT reason_sealed FROM break_glass_accesses")).scalars().all()
        notifications = session.execute(text("SELECT * FROM notifications")).all()
        audit = session.execute(text("SELECT details FROM audit_entries")).scalars().all()
    assert blobs and all(CANARY.encode() not in bytes(blob) for blob in blobs)
    assert CANARY not in repr(notifications) and all(CANARY not in row for row in audit)


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_other_roles_cannot_break_the_glass(app, make_user, case, role):
    client = signed_in_client(app, make_user(role), reauthenticated=True)
    assert client.get(f"/cases/{case['id']}/break-glass").status_code == 403
    assert post(client, f"/cases/{case['id']}/break-glass", {"reason": REASON}).status_code == 403
    assert _accesses(app, case["id"]) == []


def test_anonymous_is_sent_to_sign_in(app, client, case):
    path = f"/cases/{case['id']}/break-glass"
    for response in (client.get(path),
                     client.post_form(path, {"reason": REASON}, token_page=sign_in_url(app))):
        assert response.status_code == 302
        assert response.headers["Location"].endswith(sign_in_url(app))
