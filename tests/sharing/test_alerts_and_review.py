"""The alerts a break-the-glass raises, and the administrator's review list."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.cases.models import BreakGlassAccess, Notification
from tests.sharing import (CANARY, entries, new_case, post, sign_in_url, signed_in_client, store)

REASON = f"Client in crisis while her counsellor is away: {CANARY}"


@pytest.fixture
def people(make_user, clock):
    return {"owner": make_user("counsellor"), "helper": make_user("counsellor"),
            "admin": make_user("admin")}


@pytest.fixture
def case(app, people):
    return new_case(app, people["owner"])


@pytest.fixture
def broken_in(app, people, case):
    client = signed_in_client(app, people["helper"], reauthenticated=True)
    response = post(client, f"/cases/{case['id']}/break-glass", {"reason": REASON})
    assert response.status_code == 302
    with store(app) as session:
        return session.scalar(select(BreakGlassAccess.id).where(BreakGlassAccess.case_id == case["id"]))


def _notification(app, user_id):
    with store(app) as session:
        row = session.scalar(select(Notification).where(Notification.user_id == user_id))
        session.expunge(row)
        return row


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_the_assignee_and_the_admin_are_told_who_opened_which_case(app, people, case, broken_in, who):
    client = signed_in_client(app, people[who])
    response = client.get("/notifications")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    expected = (f"<bdi>{people['helper'].username}</bdi> opened case <bdi>{case['code']}</bdi> "
                "by break-the-glass at <bdi><time datetime=\"2026-11-25 09:00Z\">Nov 25, 2026 09:00</time></bdi> "
                "(UTC), reason recorded.")
    assert expected in page
    assert CANARY not in page  # the alert says a reason exists, never what it says
    viewed = entries(app, "notifications.viewed")[-1]
    assert (viewed["actor_id"], viewed["details"]) == (people[who].id, {"count": 1})


def test_marking_an_alert_read(app, people, broken_in):
    owner = people["owner"]
    notification = _notification(app, owner.id)
    client = signed_in_client(app, owner)
    response = post(client, f"/notifications/{notification.id}/read")
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications")
    assert _notification(app, owner.id).read_at is not None
    page = client.get("/notifications").get_data(as_text=True)
    assert "No new alerts." in page and "Read in the last 30 days" in page
    audit = entries(app, "notification.read")[-1]
    assert (audit["actor_id"], audit["target_id"]) == (owner.id, str(notification.id))


def test_someone_elses_alert_is_not_found(app, people, make_user, broken_in):
    notification = _notification(app, people["owner"].id)
    stranger = signed_in_client(app, make_user("counsellor"))
    assert post(stranger, f"/notifications/{notification.id}/read").status_code == 404
    assert post(stranger, "/notifications/999999/read").status_code == 404
    assert _notification(app, people["owner"].id).read_at is None


@pytest.mark.parametrize("role", ["coordinator", "shelter_partner"])
def test_alerts_are_for_counsellors_and_admins_only(app, make_user, people, broken_in, role):
    client = signed_in_client(app, make_user(role))
    notification = _notification(app, people["owner"].id)
    assert client.get("/notifications").status_code == 403
    assert post(client, f"/notifications/{notification.id}/read").status_code == 403


def test_the_review_list_shows_each_access_until_it_is_marked_reviewed(app, people, case, broken_in):
    admin = signed_in_client(app, people["admin"])
    page = admin.get("/admin/break-glass").get_data(as_text=True)
    for expected in (people["helper"].username, case["code"], "2026-11-25 09:00", "2026-11-25 13:00",
                     REASON):
        assert expected in page
    listed = entries(app, "break_glass.review_list_viewed")[-1]
    assert listed["details"] == {"count": 1} and CANARY not in listed["raw_details"]

    response = post(admin, f"/admin/break-glass/{broken_in}/reviewed")
    assert response.status_code == 302
    assert REASON not in admin.get("/admin/break-glass").get_data(as_text=True)
    reviewed = entries(app, "break_glass.reviewed")[-1]
    assert (reviewed["actor_id"], reviewed["target_id"]) == (people["admin"].id, str(broken_in))
    assert CANARY not in reviewed["raw_details"]
    with store(app) as session:
        access = session.get(BreakGlassAccess, broken_in)
        assert access.reviewed_at is not None and access.reviewed_by_id == people["admin"].id
    assert post(admin, f"/admin/break-glass/{broken_in}/reviewed").status_code == 409
    assert post(admin, "/admin/break-glass/999999/reviewed").status_code == 404


def test_the_review_list_is_oldest_first(app, people, make_user, clock, broken_in):
    later_case = new_case(app, people["owner"], "Maria")
    clock.advance(minutes=10)
    late = signed_in_client(app, make_user("counsellor", username="latecomer"), reauthenticated=True)
    assert post(late, f"/cases/{later_case['id']}/break-glass", {"reason": "x" * 25}).status_code == 302
    page = signed_in_client(app, people["admin"]).get("/admin/break-glass").get_data(as_text=True)
    assert page.index(people["helper"].username) < page.index("latecomer")


@pytest.mark.parametrize("role", ["counsellor", "coordinator", "shelter_partner"])
def test_only_admins_review(app, make_user, broken_in, role):
    client = signed_in_client(app, make_user(role))
    assert client.get("/admin/break-glass").status_code == 403
    assert post(client, f"/admin/break-glass/{broken_in}/reviewed").status_code == 403
    with store(app) as session:
        assert session.get(BreakGlassAccess, broken_in).reviewed_at is None


def test_anonymous_is_sent_to_sign_in(app, client, broken_in):
    token_page = sign_in_url(app)
    for response in (client.get("/notifications"), client.get("/admin/break-glass"),
                     client.post_form("/notifications/1/read", token_page=token_page),
                     client.post_form(f"/admin/break-glass/{broken_in}/reviewed", token_page=token_page)):
        assert response.status_code == 302
        assert response.headers["Location"].endswith(sign_in_url(app))


def test_a_reason_under_an_erased_record_is_listed_as_unreadable(app, people, case, broken_in):
    from casework.auth.models import User
    from casework.clients.identity import erase_client
    with store(app) as session:
        erase_client(session, case["client_id"], actor=session.get(User, people["owner"].id))
        session.commit()
    response = signed_in_client(app, people["admin"]).get("/admin/break-glass")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert case["code"] in page and "No longer readable" in page and CANARY not in page
