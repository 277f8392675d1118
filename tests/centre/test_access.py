"""Only counsellors and the coordinator reach the enquiries and activities pages: admin and shelter
partners get 403 (audited, nothing stored), someone not signed in is sent to sign in."""

from __future__ import annotations

from datetime import date

import pytest

from casework.centre import service as centre
from tests.centre import ACTIVITIES, ENQUIRIES, entries, raw_rows, signed_in_client, store

ENQUIRY = {"received_on": "2026-11-24", "channel": "phone", "caller": "woman_herself",
           "topics": ["information"], "outcome": "information_given"}
ACTIVITY = {"held_on": "2026-11-20", "kind": "media", "audience": "public", "participants": "0",
            "title": "Radio interview", "version": "1"}


@pytest.fixture
def activity_id(app, clock, make_user) -> int:
    with store(app) as session:
        activity = centre.record_activity(
            session, actor=make_user("coordinator"), held_on=date(2026, 11, 3), kind="network_meeting",
            audience="professionals", participants=9, partner_organisation_ids=[], title="Network")
        session.commit()
        return activity.id


def _pages(activity_id: int) -> list[tuple[str, str, dict]]:
    """(endpoint, path, data a POST would store) for every route of the area."""
    return [("centre.enquiries", ENQUIRIES, ENQUIRY), ("centre.activities", ACTIVITIES, ACTIVITY),
            ("centre.edit_activity", f"{ACTIVITIES}/{activity_id}", ACTIVITY)]


@pytest.mark.parametrize("role", ["counsellor", "coordinator"])
def test_counsellors_and_the_coordinator_use_every_page(app, make_user, activity_id, role):
    browser = signed_in_client(app, make_user(role))
    for _, path, data in _pages(activity_id):
        response = browser.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store"
        assert browser.post_form(path, data).status_code == 302, path


@pytest.mark.parametrize("role", ["admin", "shelter_partner"])
def test_admin_and_shelter_partners_are_refused_and_nothing_is_stored(app, make_user, activity_id, role):
    user = make_user(role)
    browser = signed_in_client(app, user)
    token = browser.csrf_token("/auth/account")
    for endpoint, path, data in _pages(activity_id):
        before = len(entries(app, "access.refused"))
        assert browser.get(path).status_code == 403, path
        assert browser.post(path, data={**data, "csrf_token": token}).status_code == 403, path
        refused = entries(app, "access.refused")[before:]
        assert [(e["actor_id"], e["target_id"], e["details"]["method"]) for e in refused] == \
            [(user.id, endpoint, "GET"), (user.id, endpoint, "POST")]
    assert raw_rows(app, "enquiries") == []
    [activity] = raw_rows(app, "activities")
    assert (activity["title"], activity["version"]) == ("Network", 1)
    assert entries(app, "activities.listed") == entries(app, "enquiries.listed") == []


def test_anonymous_is_sent_to_sign_in(app, client, activity_id):
    token = client.csrf_token("/auth/sign-in")  # so that the refusal is the policy's, not CSRF's
    for _, path, data in _pages(activity_id):
        for response in (client.get(path), client.post(path, data={**data, "csrf_token": token})):
            assert response.status_code in (302, 303), path
            assert response.headers["Location"].split("?")[0].endswith("/auth/sign-in")
    assert raw_rows(app, "enquiries") == []
    assert raw_rows(app, "activities")[0]["version"] == 1
