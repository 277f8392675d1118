"""Bad input in the intake: a clear message next to the field, everything typed kept, nothing
half-stored; markup and formula-like text stored as typed and shown as plain text; a save based
on an older version refused with what is stored now beside what was typed."""

from __future__ import annotations

import html

import pytest

from casework.cases.models import Case
from casework.clients.models import Client
from tests.intake import FULL_INTAKE, hidden_fields, post_section, start_new_client


@pytest.fixture
def case_id(client, login_as, clock):
    login_as("counsellor")
    return start_new_client(client)


def error_of(page: str, field_id: str) -> str:
    """The message shown next to one field."""
    marker = f'id="{field_id}-error"'
    assert marker in page, f"no message next to {field_id}"
    start = page.index(">", page.index(marker)) + 1
    return html.unescape(page[start:page.index("</p>", start)])


def test_a_future_intake_date_is_refused_and_what_was_typed_is_kept(client, db, case_id, clock):
    refused = post_section(client, case_id, "referral", {
        "reason_for_contact": "gender_based_violence", "intake_date": "2026-11-26",
        "contact_channel": "phone"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert error_of(page, "intake_date") == "This date is in the future."
    assert 'value="2026-11-26"' in page and '<option selected value="phone">' in page
    assert "Nothing was saved" in page
    assert "reason_for_contact" not in db.get(Case, case_id).intake  # nothing half-stored


def test_a_birth_date_after_the_intake_date_is_refused_either_way(client, db, case_id, clock):
    post_section(client, case_id, "referral", {"intake_date": "2026-11-20"})
    refused = post_section(client, case_id, "identity", {"given_name": "Ελένη", "birth_date": "2026-11-22"})
    assert refused.status_code == 400
    assert "after the intake date (2026-11-20)" in error_of(refused.get_data(as_text=True), "birth_date")
    her = db.get(Client, db.get(Case, case_id).client_id)
    assert her.identity.get("birth_date") is None

    other = start_new_client(client, "Maria", "K")
    post_section(client, other, "identity", {"given_name": "Maria", "birth_date": "1990-05-01"})
    too_early = post_section(client, other, "referral", {"intake_date": "1989-12-31"})
    assert too_early.status_code == 400
    assert "before her date of birth" in error_of(too_early.get_data(as_text=True), "intake_date")


def test_an_impossible_date_is_refused(client, case_id):
    refused = post_section(client, case_id, "history", {"history-last_incident_on": "2026-02-30"})
    assert refused.status_code == 400
    assert "date" in error_of(refused.get_data(as_text=True), "history-last_incident_on").lower()


@pytest.mark.parametrize("section, data, field_id", [
    ("referral", {"reason_for_contact": "revenge"}, "reason_for_contact"),
    ("requests", {"requests": ["information", "money"]}, "requests"),
    ("violence", {"violence_types": ["physical", "<script>"]}, "violence_types"),
    ("perpetrators", {"perpetrators-0-relationship": "neighbour"}, "perpetrators-0-relationship"),
    ("demographics", {"nationality": "GR", "migration_status": "tourist"}, "migration_status"),
    ("history", {"justice_steps-0-step": "vendetta", "justice_steps-0-on": "2026-01-01"},
     "justice_steps-0-step"),
    ("discrimination", {"discrimination_factors": ["wealth"]}, "discrimination_factors"),
])
def test_a_code_posted_by_hand_is_refused(client, db, case_id, section, data, field_id):
    before_case = db.get(Case, case_id).intake
    refused = post_section(client, case_id, section, data)
    assert refused.status_code == 400
    assert "Choose" in error_of(refused.get_data(as_text=True), field_id)
    assert db.get(Case, case_id).intake == before_case
    her = db.get(Client, db.get(Case, case_id).client_id)
    assert not (her.profile or {}).get("nationality")  # the valid field was not stored either


@pytest.mark.parametrize("length", [10_001, 12_345])
def test_a_narrative_over_the_limit_says_so_plainly(client, db, case_id, length):
    typed = "α" * length
    refused = post_section(client, case_id, "narrative", {"narrative": typed})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert error_of(page, "narrative") == f"At most 10,000 characters; this has {length:,}."
    assert typed in page  # kept for her to shorten
    assert "narrative" not in db.get(Case, case_id).intake


def test_a_narrative_of_exactly_the_limit_is_stored(client, db, case_id):
    assert post_section(client, case_id, "narrative", {"narrative": "β" * 10_000}).status_code == 302
    assert len(db.get(Case, case_id).intake["narrative"]) == 10_000


def test_markup_and_formulas_are_stored_as_typed_and_shown_as_text(client, db, case_id):
    script = '<script>alert("x")</script>'
    formula = '=HYPERLINK("http://evil.example","click")'
    assert post_section(client, case_id, "narrative", {"narrative": script}).status_code == 302
    assert post_section(client, case_id, "identity", {"given_name": formula,
                                                      "other_names-0": script}).status_code == 302
    case = db.get(Case, case_id)
    assert case.intake["narrative"] == script
    her = db.get(Client, case.client_id)
    assert her.identity["given_name"] == formula and her.identity["other_names"] == [script]
    for url in (f"/intake/{case_id}/review", f"/intake/{case_id}/narrative",
                f"/clients/{case.client_id}", f"/intake/{case_id}/identity"):
        page = client.get(url).get_data(as_text=True)
        assert script not in page, url
        assert "&lt;script&gt;alert(" in page, url
    review = client.get(f"/intake/{case_id}/review").get_data(as_text=True)
    assert "=HYPERLINK(&#34;http://evil.example&#34;,&#34;click&#34;)" in review


def test_other_shape_problems_are_shown_next_to_their_fields(client, db, case_id):
    refused = post_section(client, case_id, "demographics", {"children-count": "1", "children-ages": "4, 9"})
    assert "more ages than children" in error_of(refused.get_data(as_text=True), "children-ages")
    short = post_section(client, case_id, "contacts", {"phones-0-number": "12", "phones-0-safe_to_call": "y",
                                                       "emails-0-address": "nobody"})
    page = short.get_data(as_text=True)
    assert "at least 6 digits" in error_of(page, "phones-0-number")
    assert "email address" in error_of(page, "emails-0-address")
    assert 'value="12"' in page
    consent = post_section(client, case_id, "consents", {"processing-given": "y", "processing-given_on": ""})
    assert "date of the consent" in error_of(consent.get_data(as_text=True), "processing-given_on")
    too_old = post_section(client, case_id, "identity", {"approximate_age": "130"})
    assert too_old.status_code == 400
    assert db.get(Client, db.get(Case, case_id).client_id).contacts["phones"] == []


def test_a_save_based_on_an_older_version_is_refused_and_keeps_what_was_typed(client, db, case_id):
    url = f"/intake/{case_id}/narrative"
    opened = hidden_fields(client.get(url).get_data(as_text=True))
    # meanwhile, in another tab or by a colleague it is shared with:
    assert post_section(client, case_id, "narrative", {"narrative": "What was stored first."}).status_code == 302
    late = client.post(url, data={**opened, "narrative": "What she typed in the old tab.", "go": "draft"})
    page = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "Someone else saved this while you were editing" in page
    assert "What was stored first." in page[page.index('class="conflict"'):page.index("</section>")]
    assert "What she typed in the old tab." in page[page.index("<textarea"):]
    assert db.get(Case, case_id).intake["narrative"] == "What was stored first."
    again = client.post(url, data={**hidden_fields(page), "narrative": "What she typed in the old tab.",
                                   "go": "draft"})
    assert again.status_code == 302  # the form now carries the current version: her choice
    assert db.get(Case, case_id).intake["narrative"] == "What she typed in the old tab."


def test_a_client_section_checks_her_record_version_too(client, db, case_id):
    url = f"/intake/{case_id}/identity"
    opened = hidden_fields(client.get(url).get_data(as_text=True))
    her = db.get(Client, db.get(Case, case_id).client_id)
    from casework.auth.models import User
    from casework.clients.identity import update_client
    update_client(db, her, actor=db.get(User, her.created_by_id), expected_version=her.version,
                  identity={**her.identity, "given_name": "Changed elsewhere"})
    db.commit()
    late = client.post(url, data={**opened, "given_name": "Typed here", "go": "draft"})
    page = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "Changed elsewhere" in page and 'value="Typed here"' in page
    assert db.get(Client, her.id).identity["given_name"] == "Changed elsewhere"


def test_full_sections_saved_in_any_order(client, db, case_id):
    for section in reversed(list(FULL_INTAKE)):
        assert post_section(client, case_id, section, FULL_INTAKE[section]).status_code == 302, section
