"""The centre's activities: recording, this year's list, partner organisations, bad input."""

from __future__ import annotations

import re
from datetime import date

import pytest

from casework.auth.models import Organisation
from casework.centre import service as centre
from casework.centre.models import Activity
from casework.centre.service import InvalidCentreRecord
from tests.centre import (ACTIVITIES, checked, entries, field_error, raw_rows, selected,
                          signed_in_client, store)

GOOD = {"held_on": "2026-11-20", "kind": "school_intervention", "audience": "students",
        "participants": "64", "title": "Respect week at the secondary school"}


@pytest.fixture
def counsellor(make_user):
    return make_user("counsellor")


@pytest.fixture
def browser(app, clock, counsellor):
    return signed_in_client(app, counsellor)


@pytest.fixture
def partners(app):
    """Two active partner organisations and one no longer active: {name: id}."""
    with store(app) as session:
        made = [Organisation(name="Harbour Shelter", kind="shelter"),
                Organisation(name="Νομική Βοήθεια", kind="legal_aid"),
                Organisation(name="Closed Helpline", kind="other", active=False)]
        session.add_all(made)
        session.commit()
        return {organisation.name: organisation.id for organisation in made}


def _stored(app) -> list[Activity]:
    with store(app) as session:
        rows = list(session.query(Activity).order_by(Activity.id))
        for row in rows:
            session.expunge(row)
        return rows


def test_the_form_offers_codes_and_the_active_partners_only(browser, partners):
    html = browser.get(ACTIVITIES).get_data(as_text=True)
    for name in ("held_on", "kind", "audience", "participants", "title"):
        assert f'for="{name}"' in html
    assert "<legend>Partner organisations</legend>" in html
    assert "Harbour Shelter" in html and "Νομική Βοήθεια" in html and "Closed Helpline" not in html
    assert "Do not put names or any other personal data in the title." in html
    assert re.search(r'<input[^>]*dir="auto"[^>]*id="title"', html)
    for label in ("School intervention", "Network meeting", "Students", "General public"):
        assert label in html


def test_record_an_activity_with_partners_and_see_it_in_this_years_list(app, browser, counsellor,
                                                                        partners):
    data = {**GOOD, "partner_organisation_ids": [str(partners["Νομική Βοήθεια"]),
                                                 str(partners["Harbour Shelter"])]}
    response = browser.post_form(ACTIVITIES, data)
    assert response.status_code == 302 and response.headers["Location"].endswith(ACTIVITIES)
    [activity] = _stored(app)
    assert (activity.held_on, activity.kind, activity.audience, activity.participants,
            activity.partner_organisation_ids, activity.title, activity.version,
            activity.recorded_by_id) == (
        date(2026, 11, 20), "school_intervention", "students", 64,
        [partners["Νομική Βοήθεια"], partners["Harbour Shelter"]],
        "Respect week at the secondary school", 1, counsellor.id)
    html = browser.get(ACTIVITIES).get_data(as_text=True)
    assert "The activity was recorded." in html and "Activities in 2026" in html
    assert "<bdi>Respect week at the secondary school</bdi>" in html
    assert "<bdi>Νομική Βοήθεια</bdi>, <bdi>Harbour Shelter</bdi>" in html
    assert "<td>School intervention</td>" in html and "<td><bdi>64</bdi></td>" in html
    assert "64 participants in all" in html
    assert f'href="/centre/activities/{activity.id}"' in html
    [recorded] = entries(app, "activity.recorded")
    assert recorded == {"actor_id": counsellor.id, "target_type": "activity",
                        "target_id": str(activity.id), "details": {}}
    listed = entries(app, "activities.listed")[-1]
    assert listed["details"] == {"year": 2026, "count": 1}


def test_the_list_holds_this_year_only(app, browser):
    browser.post_form(ACTIVITIES, {**GOOD, "held_on": "2025-12-31", "title": "Last year's fair"})
    browser.post_form(ACTIVITIES, {**GOOD, "held_on": "2026-01-01", "title": "New year talk"})
    html = browser.get(ACTIVITIES).get_data(as_text=True)
    assert "New year talk" in html and "Last year" not in html
    assert len(_stored(app)) == 2


@pytest.mark.parametrize("participants, accepted", [
    ("-1", False), ("100001", False), ("0", True), ("100000", True),
])
def test_participants_from_0_to_100000(app, browser, participants, accepted):
    response = browser.post_form(ACTIVITIES, {**GOOD, "participants": participants})
    if accepted:
        assert response.status_code == 302
        assert _stored(app)[0].participants == int(participants)
        return
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "participants") == \
        "The number of participants must be between 0 and 100,000."
    assert f'value="{participants}"' in html and 'value="Respect week at the secondary school"' in html
    assert _stored(app) == [] and entries(app, "activity.recorded") == []


@pytest.mark.parametrize("participants, message", [
    ("many", "Write the number of participants as a whole number, for example 25."),
    ("12.5", "Write the number of participants as a whole number, for example 25."),
    ("", "Enter the number of participants (0 if there were none)."),
])
def test_participants_must_be_a_count(app, browser, participants, message):
    response = browser.post_form(ACTIVITIES, {**GOOD, "participants": participants})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "participants") == message
    assert _stored(app) == []


def test_a_future_date_is_refused_and_what_she_typed_is_kept(app, browser, partners):
    data = {**GOOD, "held_on": "2026-12-01", "partner_organisation_ids": [str(partners["Harbour Shelter"])]}
    response = browser.post_form(ACTIVITIES, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "cannot be in the future" in field_error(html, "held_on")
    assert 'value="2026-12-01"' in html and selected(html, "school_intervention")
    assert selected(html, "students") and 'value="64"' in html
    assert checked(html, "partner_organisation_ids", str(partners["Harbour Shelter"]))
    assert _stored(app) == []


def test_codes_and_partners_posted_by_hand_are_refused(app, browser, partners):
    for data, field in [
        ({"kind": "bake_sale"}, "kind"),
        ({"audience": "voters"}, "audience"),
        ({"partner_organisation_ids": [str(partners["Closed Helpline"])]}, "partner_organisation_ids"),
        ({"partner_organisation_ids": ["999999"]}, "partner_organisation_ids"),
        ({"partner_organisation_ids": ["abc"]}, "partner_organisation_ids"),
    ]:
        response = browser.post_form(ACTIVITIES, {**GOOD, **data})
        assert response.status_code == 400, data
        assert field_error(response.get_data(as_text=True), field), data
    assert _stored(app) == []


def test_a_long_title_is_refused_with_its_length_and_kept(app, browser):
    title = "A" * 245
    response = browser.post_form(ACTIVITIES, {**GOOD, "title": title})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "title") == "At most 200 characters; this has 245."
    assert f'value="{title}"' in html
    assert browser.post_form(ACTIVITIES, {**GOOD, "title": "B" * 200}).status_code == 302
    assert _stored(app)[0].title == "B" * 200


def test_an_empty_title_is_refused(app, browser):
    response = browser.post_form(ACTIVITIES, {**GOOD, "title": "   "})
    assert field_error(response.get_data(as_text=True), "title") == "Enter a short title."
    assert _stored(app) == []


def test_markup_and_formulas_are_stored_as_typed_and_shown_as_text(app, browser):
    title = '<script>alert("x")</script> =HYPERLINK("http://evil.example","Click")'
    assert browser.post_form(ACTIVITIES, {**GOOD, "title": title}).status_code == 302
    assert raw_rows(app, "activities")[0]["title"] == title
    html = browser.get(ACTIVITIES).get_data(as_text=True)
    assert "<script>alert" not in html
    assert ("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; "
            "=HYPERLINK(&#34;http://evil.example&#34;,&#34;Click&#34;)") in html


def test_the_service_keeps_its_rules_without_the_form(db, clock, counsellor, partners):
    values = {"held_on": date(2026, 11, 25), "kind": "training", "audience": "professionals",
              "participants": 12, "partner_organisation_ids": [partners["Harbour Shelter"]],
              "title": "Training for nurses"}
    refusals = [({"held_on": date(2026, 11, 26)}, "held_on"), ({"kind": "x"}, "kind"),
                ({"audience": ""}, "audience"), ({"participants": -1}, "participants"),
                ({"participants": 100_001}, "participants"), ({"title": " "}, "title"),
                ({"title": "x" * 201}, "title"),
                ({"partner_organisation_ids": [partners["Closed Helpline"]]}, "partner_organisation_ids")]
    for change, field in refusals:
        with pytest.raises(InvalidCentreRecord) as refused:
            centre.record_activity(db, actor=counsellor, **{**values, **change})
        assert refused.value.field == field, change
    activity = centre.record_activity(db, actor=counsellor, **values)
    assert activity.version == 1 and activity.participants == 12


def test_a_coordinator_records_activities_too(app, clock, make_user):
    coordinator = make_user("coordinator")
    browser = signed_in_client(app, coordinator)
    assert browser.post_form(ACTIVITIES, GOOD).status_code == 302
    assert _stored(app)[0].recorded_by_id == coordinator.id


def test_a_partner_posted_by_hand_when_none_is_offered_is_refused_in_plain_sight(app, browser):
    response = browser.post_form(ACTIVITIES, {**GOOD, "partner_organisation_ids": ["1"]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "No active partner organisations are listed yet" in html
    assert "Choose only among the partner organisations offered." in html
    assert _stored(app) == []
