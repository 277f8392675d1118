"""Editing an activity: the stored values in the form, optimistic locking, audited reads and writes."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import text

from casework.auth.models import Organisation
from casework.centre import service as centre
from casework.centre.models import Activity
from casework.errors import StaleEdit
from tests.centre import checked, entries, field_error, selected, signed_in_client, store

TYPED = {"held_on": "2026-11-21", "kind": "training", "audience": "professionals",
         "participants": "31", "title": "Training for hospital staff"}


@pytest.fixture
def counsellor(make_user):
    return make_user("counsellor")


@pytest.fixture
def browser(app, clock, counsellor):
    return signed_in_client(app, counsellor)


@pytest.fixture
def activity_id(app, clock, counsellor) -> int:
    with store(app) as session:
        partner = Organisation(name="Harbour Shelter", kind="shelter")
        session.add(partner)
        session.flush()
        activity = centre.record_activity(
            session, actor=counsellor, held_on=date(2026, 11, 10), kind="awareness_action",
            audience="public", participants=120, partner_organisation_ids=[partner.id],
            title="Market stall on 25 November")
        session.commit()
        return activity.id


def _path(activity_id: int) -> str:
    return f"/centre/activities/{activity_id}"


def _stored(app, activity_id: int) -> Activity:
    with store(app) as session:
        activity = session.get(Activity, activity_id)
        session.expunge(activity)
        return activity


def _version_on(html: str) -> str:
    match = re.search(r'<input[^>]*name="version"[^>]*value="(\d+)"', html) or \
        re.search(r'<input[^>]*value="(\d+)"[^>]*name="version"', html)
    assert match, "no version in the form"
    return match.group(1)


def test_the_form_shows_what_is_stored_and_the_reading_is_audited(app, browser, counsellor, activity_id):
    response = browser.get(_path(activity_id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="2026-11-10"' in html and selected(html, "awareness_action") and selected(html, "public")
    assert 'value="120"' in html and 'value="Market stall on 25 November"' in html
    assert 'type="hidden"' in html and _version_on(html) == "1"
    partner_id = _stored(app, activity_id).partner_organisation_ids[0]
    assert checked(html, "partner_organisation_ids", str(partner_id))
    assert entries(app, "activity.opened")[-1] == {
        "actor_id": counsellor.id, "target_type": "activity", "target_id": str(activity_id),
        "details": {}}


def test_save_changes_and_the_change_is_audited_by_field_name(app, browser, counsellor, activity_id):
    response = browser.post_form(_path(activity_id), {**TYPED, "version": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/centre/activities")
    activity = _stored(app, activity_id)
    assert (activity.held_on, activity.kind, activity.audience, activity.participants,
            activity.partner_organisation_ids, activity.title, activity.version) == (
        date(2026, 11, 21), "training", "professionals", 31, [], "Training for hospital staff", 2)
    [updated] = entries(app, "activity.updated")
    assert updated == {"actor_id": counsellor.id, "target_type": "activity",
                       "target_id": str(activity_id),
                       "details": {"changed": "held_on,kind,audience,participants,"
                                              "partner_organisation_ids,title", "version": 2}}
    assert "The activity was saved." in browser.get("/centre/activities").get_data(as_text=True)


def test_a_stale_save_is_refused_and_keeps_what_she_typed(app, browser, make_user, activity_id):
    page = browser.get(_path(activity_id)).get_data(as_text=True)
    assert _version_on(page) == "1"
    colleague = signed_in_client(app, make_user("coordinator"))
    saved = colleague.post_form(_path(activity_id), {**TYPED, "participants": "150",
                                                     "title": "Stall and leaflets", "version": "1"})
    assert saved.status_code == 302

    response = browser.post_form(_path(activity_id), {**TYPED, "version": "1"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else saved this while you were editing" in html
    # What she typed is still in the form…
    assert 'value="Training for hospital staff"' in html and 'value="31"' in html
    assert selected(html, "training") and selected(html, "professionals")
    # …beside what is stored now, and nothing of hers overwrote it.
    notice = html.split('class="conflict-list"')[1].split("</dl>")[0]
    assert "<bdi>Stall and leaflets</bdi>" in notice and "<bdi>150</bdi>" in notice
    assert "<bdi>Training</bdi>" in notice and "<bdi>None</bdi>" in notice
    stored = _stored(app, activity_id)
    assert (stored.title, stored.participants, stored.version) == ("Stall and leaflets", 150, 2)
    assert len(entries(app, "activity.updated")) == 1
    # The form now carries the stored version: saving again is her deliberate choice.
    assert _version_on(html) == "2"
    again = browser.post_form(_path(activity_id), {**TYPED, "version": "2"})
    assert again.status_code == 302
    assert _stored(app, activity_id).title == "Training for hospital staff"


def test_the_service_refuses_an_older_version(db, counsellor, activity_id):
    activity = db.get(Activity, activity_id)
    with pytest.raises(StaleEdit):
        centre.update_activity(db, activity, actor=counsellor, expected_version=0,
                               held_on=date(2026, 11, 1), kind="media", audience="public",
                               participants=1, partner_organisation_ids=[], title="x")


def test_a_save_that_gets_in_between_the_check_and_the_write_is_caught(db, counsellor, activity_id):
    activity = db.get(Activity, activity_id)
    assert activity.version == 1
    # Another request commits after this one loaded the activity (and passed the version check).
    db.execute(text("UPDATE activities SET version = 2, title = 'Theirs' WHERE id = :id"),
               {"id": activity_id})
    with pytest.raises(StaleEdit):
        centre.update_activity(db, activity, actor=counsellor, expected_version=1,
                               held_on=date(2026, 11, 1), kind="media", audience="public",
                               participants=1, partner_organisation_ids=[], title="Mine")
    db.rollback()
    assert db.get(Activity, activity_id).title == "Market stall on 25 November"


def test_a_missing_version_is_refused(app, browser, activity_id):
    response = browser.post_form(_path(activity_id), dict(TYPED))
    assert response.status_code == 400
    assert "This form is incomplete. Reload the page and try again." in response.get_data(as_text=True)
    assert _stored(app, activity_id).version == 1


def test_bad_input_on_edit_is_refused_and_kept(app, browser, activity_id):
    response = browser.post_form(_path(activity_id), {**TYPED, "participants": "100001",
                                                      "held_on": "2026-11-30", "version": "1"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "participants") and 'value="100001"' in html
    assert 'value="Training for hospital staff"' in html
    assert _stored(app, activity_id).participants == 120


def test_a_future_date_on_edit_is_refused_by_the_rules(app, browser, activity_id):
    response = browser.post_form(_path(activity_id), {**TYPED, "held_on": "2026-11-26", "version": "1"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "cannot be in the future" in field_error(html, "held_on")
    assert 'value="2026-11-26"' in html and _version_on(html) == "1"
    assert _stored(app, activity_id).held_on == date(2026, 11, 10)


def test_a_partner_deactivated_since_stays_on_the_activity(app, browser, activity_id):
    partner_id = _stored(app, activity_id).partner_organisation_ids[0]
    with store(app) as session:
        session.get(Organisation, partner_id).active = False
        session.commit()
    html = browser.get(_path(activity_id)).get_data(as_text=True)
    assert checked(html, "partner_organisation_ids", str(partner_id))
    response = browser.post_form(_path(activity_id), {**TYPED, "version": "1",
                                                      "partner_organisation_ids": [str(partner_id)]})
    assert response.status_code == 302
    assert _stored(app, activity_id).partner_organisation_ids == [partner_id]
    # A new activity cannot name it.
    response = browser.post_form("/centre/activities", {**TYPED, "partner_organisation_ids": [str(partner_id)]})
    assert response.status_code == 400


def test_an_unknown_activity_is_404(browser, activity_id):
    assert browser.get(_path(activity_id + 1000)).status_code == 404
    response = browser.post_form(_path(activity_id + 1000), {**TYPED, "version": "1"},
                                 token_page="/centre/activities")
    assert response.status_code == 404
