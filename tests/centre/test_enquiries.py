"""Anonymous enquiries: a quick form with codes only, and this month's list with counts by outcome."""

from __future__ import annotations

import re
from datetime import date

import pytest

from casework.centre import service as centre
from casework.centre.models import Enquiry
from casework.centre.service import InvalidCentreRecord
from tests.centre import (ENQUIRIES, checked, entries, field_error, raw_rows, raw_text,
                          selected, signed_in_client, store)

GOOD = {"received_on": "2026-11-24", "channel": "phone", "caller": "family_or_friend",
        "topics": ["legal_counselling", "shelter_hosting"], "outcome": "referred"}
ENQUIRY_COLUMNS = {"id", "received_on", "channel", "caller", "topics", "outcome",
                   "recorded_by_id", "created_at"}


@pytest.fixture
def counsellor(make_user):
    return make_user("counsellor")


@pytest.fixture
def browser(app, clock, counsellor):
    return signed_in_client(app, counsellor)


def _stored(app) -> list[Enquiry]:
    with store(app) as session:
        rows = list(session.query(Enquiry).order_by(Enquiry.id))
        for row in rows:
            session.expunge(row)
        return rows


def test_the_form_offers_codes_only_with_today_as_the_date(browser):
    response = browser.get(ENQUIRIES)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'<input[^>]*id="received_on"[^>]*type="date" value="2026-11-25">', html)
    assert " required " not in html.split("<legend>Topics</legend>")[1].split("</fieldset>")[0]
    for name in ("received_on", "channel", "caller", "outcome"):
        assert f'for="{name}"' in html
    assert "<legend>Topics</legend>" in html
    for label in ("The woman herself", "Appointment made", "Shelter hosting", "Phone"):
        assert label in html
    # No place for anything that could identify anyone.
    assert "<textarea" not in html
    assert 'type="text"' not in html.split('id="record-enquiry"')[1].split("</form>")[0]


def test_record_an_enquiry_and_see_it_in_this_months_list(app, browser, counsellor):
    response = browser.post_form(ENQUIRIES, GOOD)
    assert response.status_code == 302 and response.headers["Location"].endswith(ENQUIRIES)
    [enquiry] = _stored(app)
    assert (enquiry.received_on, enquiry.channel, enquiry.caller, enquiry.topics, enquiry.outcome,
            enquiry.recorded_by_id) == (date(2026, 11, 24), "phone", "family_or_friend",
                                        ["legal_counselling", "shelter_hosting"], "referred",
                                        counsellor.id)
    page = browser.get(ENQUIRIES)
    html = page.get_data(as_text=True)
    assert "The enquiry was recorded." in html
    assert "This month: November 2026" in html
    assert '<bdi><time datetime="2026-11-24">Nov 24, 2026</time></bdi>' in html and "Legal counselling, Shelter hosting" in html
    assert '<th scope="row">Referred</th><td><bdi>1</bdi></td>' in html
    assert '<th scope="row">Information given</th><td><bdi>0</bdi></td>' in html
    assert "1 enquiry this month, by outcome" in html
    [recorded] = entries(app, "enquiry.recorded")
    assert recorded == {"actor_id": counsellor.id, "target_type": "enquiry",
                        "target_id": str(enquiry.id), "details": {}}


def test_the_list_is_audited_as_a_read(app, browser, counsellor):
    browser.post_form(ENQUIRIES, GOOD)
    before = len(entries(app, "enquiries.listed"))
    browser.get(ENQUIRIES)
    listed = entries(app, "enquiries.listed")
    assert len(listed) == before + 1
    assert listed[-1] == {"actor_id": counsellor.id, "target_type": "enquiry", "target_id": "",
                          "details": {"month": "2026-11", "count": 1}}


def test_the_list_holds_this_month_only(app, browser, clock, counsellor):
    browser.post_form(ENQUIRIES, {**GOOD, "received_on": "2026-10-31", "outcome": "other"})
    browser.post_form(ENQUIRIES, {**GOOD, "received_on": "2026-11-01"})
    html = browser.get(ENQUIRIES).get_data(as_text=True)
    assert "2026-11-01" in html and "2026-10-31" not in html
    assert '<th scope="row">Other</th><td><bdi>0</bdi></td>' in html
    clock.advance(days=10)  # 5 December: a new month, an empty list
    browser = signed_in_client(app, counsellor)  # (the old session timed out meanwhile)
    html = browser.get(ENQUIRIES).get_data(as_text=True)
    assert "This month: December 2026" in html and "No enquiries recorded this month yet." in html
    assert 'value="2026-12-05"' in html


def test_identifying_fields_posted_by_hand_are_never_stored(app, browser):
    canary = "Canary-Αλεξάνδρα-0044 7700 900123"
    response = browser.post_form(ENQUIRIES, {**GOOD, "name": canary, "phone": canary,
                                             "caller_name": canary, "notes": canary,
                                             "family_name": canary})
    assert response.status_code == 302
    [row] = raw_rows(app, "enquiries")
    assert set(row) == ENQUIRY_COLUMNS  # the table has no place for a name or a number
    assert canary not in repr(row) and "Canary" not in raw_text(app, "enquiries")
    assert "Canary" not in raw_text(app, "audit_entries", "seq")
    assert "Canary" not in browser.get(ENQUIRIES).get_data(as_text=True)


def test_codes_posted_by_hand_are_refused_and_nothing_is_stored(app, browser):
    response = browser.post_form(ENQUIRIES, {"received_on": "2026-11-20", "channel": "carrier_pigeon",
                                             "caller": "neighbour", "outcome": "solved",
                                             "topics": ["information", "bribery"]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for name in ("channel", "caller", "outcome", "topics"):
        assert field_error(html, name), name
    assert 'value="2026-11-20"' in html  # what she typed is kept
    assert _stored(app) == [] and entries(app, "enquiry.recorded") == []


def test_a_future_date_is_refused_and_what_she_typed_is_kept(app, browser, clock, counsellor):
    response = browser.post_form(ENQUIRIES, {**GOOD, "received_on": "2026-11-26"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "cannot be in the future" in field_error(html, "received_on")
    assert 'value="2026-11-26"' in html and selected(html, "phone") and selected(html, "referred")
    assert selected(html, "family_or_friend")
    assert checked(html, "topics", "legal_counselling") and checked(html, "topics", "shelter_hosting")
    assert not checked(html, "topics", "information")
    assert _stored(app) == []
    clock.advance(days=1)
    browser = signed_in_client(app, counsellor)  # (the old session timed out meanwhile)
    assert browser.post_form(ENQUIRIES, {**GOOD, "received_on": "2026-11-26"}).status_code == 302


@pytest.mark.parametrize("value, message", [
    ("2026-02-30", "Write the date as YYYY-MM-DD"),
    ("25/11/2026", "Write the date as YYYY-MM-DD"),
    ("", "Enter the date of the enquiry."),
])
def test_impossible_or_missing_dates_are_refused(app, browser, value, message):
    response = browser.post_form(ENQUIRIES, {**GOOD, "received_on": value})
    assert response.status_code == 400
    assert message in field_error(response.get_data(as_text=True), "received_on")
    assert _stored(app) == []


def test_every_field_is_required(app, browser):
    response = browser.post_form(ENQUIRIES, {"received_on": "2026-11-25"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "channel") == "Choose how the enquiry came in."
    assert field_error(html, "caller") == "Choose who contacted the centre."
    assert field_error(html, "topics") == "Choose at least one topic."
    assert field_error(html, "outcome") == "Choose the outcome."
    assert _stored(app) == []


def test_a_repeated_topic_is_stored_once(app, browser):
    data = {**GOOD, "topics": ["information", "information", "other"]}
    assert browser.post_form(ENQUIRIES, data).status_code == 302
    assert _stored(app)[0].topics == ["information", "other"]


def test_the_service_keeps_its_rules_without_the_form(db, clock, counsellor):
    values = {"received_on": date(2026, 11, 25), "channel": "phone", "caller": "professional",
              "topics": ["information"], "outcome": "information_given"}
    refusals = [({"received_on": date(2026, 11, 26)}, "received_on"),
                ({"channel": "fax"}, "channel"), ({"caller": "x"}, "caller"),
                ({"outcome": ""}, "outcome"), ({"topics": []}, "topics"),
                ({"topics": ["information", "gossip"]}, "topics")]
    for change, field in refusals:
        with pytest.raises(InvalidCentreRecord) as refused:
            centre.record_enquiry(db, actor=counsellor, **{**values, **change})
        assert refused.value.field == field
    enquiry = centre.record_enquiry(db, actor=counsellor, **values)
    assert enquiry.id is not None and enquiry.topics == ["information"]


def test_a_coordinator_records_enquiries_too(app, clock, make_user):
    coordinator = make_user("coordinator")
    browser = signed_in_client(app, coordinator)
    assert browser.post_form(ENQUIRIES, GOOD).status_code == 302
    assert _stored(app)[0].recorded_by_id == coordinator.id
