"""A whole intake through the pages: started after a search, saved as a draft, resumed days
later with everything still there, reviewed in words (never codes), and completed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from casework.cases.models import Case, Consent
from casework.clients.models import Client
from tests.intake import (FULL_INTAKE, complete, fill_whole_intake, post_section, sign_in_as,
                          start_new_client)


def test_draft_saved_resumed_later_and_completed(app, client, db, clock, make_user):
    user = make_user("counsellor")
    sign_in_as(app, client, user)
    case_id = start_new_client(client)
    first_half = ("identity", "contacts", "demographics", "discrimination", "referral")
    for section in first_half:
        saved = post_section(client, case_id, section, FULL_INTAKE[section], go="draft")
        assert saved.status_code == 302 and saved.location.endswith(f"/intake/{case_id}/{section}")

    clock.advance(days=2)  # her next appointment: a new sign-in, the draft as she left it
    sign_in_as(app, client, user)
    identity_page = client.get(f"/intake/{case_id}/identity").get_data(as_text=True)
    assert 'value="Ελένη"' in identity_page and 'value="Παπαδοπούλου"' in identity_page
    assert 'value="هيلين"' in identity_page and 'value="1988-04-02"' in identity_page
    contacts_page = client.get(f"/intake/{case_id}/contacts").get_data(as_text=True)
    assert 'value="+30 697 123 4567"' in contacts_page
    assert '<input checked id="phones-0-safe_to_message"' in contacts_page
    assert '<input id="phones-0-safe_to_call"' in contacts_page
    demographics = client.get(f"/intake/{case_id}/demographics").get_data(as_text=True)
    assert 'value="4, 9"' in demographics and '<option selected value="separated">' in demographics

    fill_whole_intake(client, case_id, skip=first_half)
    review = client.get(f"/intake/{case_id}/review")
    text = review.get_data(as_text=True)
    assert review.status_code == 200
    for label in ("Former partner", "Gender-based violence", "Psychological support", "Helpline",
                  "Police complaint", "Single parent", "Separated", "1–5 years"):
        assert label in text, label
    for code in ("former_partner", "gender_based_violence", "psychological_support", "single_parent"):
        assert code not in text, code
    assert "Complete intake" in text

    done = complete(client, case_id)
    assert done.status_code == 302 and done.location.endswith(f"/cases/{case_id}")
    case = db.get(Case, case_id)
    assert case.status == "active" and case.opened_on == date(2026, 11, 20)
    assert case.intake["violence_types"] == ["physical", "psychological", "economic"]
    assert case.intake["history"]["last_incident_on"] == "2026-11-18"
    assert case.intake["narrative"] == "Μου είπε ότι φοβάται.\nHe threatened her."
    assert case.perpetrators == [{"relationship": "former_partner", "sex": "male", "age_band": "35_44"}]
    her = db.get(Client, case.client_id)
    assert her.identity["other_names"] == ["هيلين"] and her.identity["birth_date"] == "1988-04-02"
    assert her.contacts["phones"][0] == {"number": "+30 697 123 4567", "safe_to_call": False,
                                         "safe_to_message": True, "safe_times": "Πρωί, 9-11"}
    assert her.profile["children"] == {"count": 2, "ages": [4, 9], "live_with_her": True,
                                       "exposed_to_violence": True}
    assert her.discrimination_factors == ["single_parent", "unemployed"]
    consents = db.scalars(select(Consent).where(Consent.case_id == case_id)).all()
    assert {(c.kind, c.given_on, c.withdrawn_on) for c in consents} == {
        ("processing", date(2026, 11, 20), None), ("statistics", date(2026, 11, 20), None)}


def test_save_and_continue_goes_through_the_sections_in_order(client, login_as):
    login_as("counsellor")
    case_id = start_new_client(client)
    forward = post_section(client, case_id, "identity", FULL_INTAKE["identity"], go="continue")
    assert forward.location.endswith(f"/intake/{case_id}/contacts")
    back = post_section(client, case_id, "contacts", FULL_INTAKE["contacts"], go="back")
    assert back.location.endswith(f"/intake/{case_id}/identity")
    last = post_section(client, case_id, "consents", FULL_INTAKE["consents"], go="continue")
    assert last.location.endswith(f"/intake/{case_id}/review")


def test_the_progress_list_says_which_sections_are_saved_and_what_is_missing(client, login_as):
    login_as("counsellor")
    case_id = start_new_client(client)
    post_section(client, case_id, "identity", FULL_INTAKE["identity"])
    page = client.get(f"/intake/{case_id}/requests").get_data(as_text=True)
    progress = page[page.index('id="progress-title"'):]
    identity_item = progress[progress.index("/identity"):progress.index("/contacts")]
    referral_item = progress[progress.index("/referral"):progress.index("/requests")]
    assert "Saved" in identity_item
    assert "Required item missing" in referral_item


def test_review_lists_what_is_missing_with_links_and_refuses_to_complete(client, login_as, db):
    login_as("counsellor")
    case_id = start_new_client(client)
    post_section(client, case_id, "referral", {"reason_for_contact": "both"})
    page = client.get(f"/intake/{case_id}/review").get_data(as_text=True)
    for slug, words in (("referral", "The intake date"), ("referral", "The contact channel"),
                        ("violence", "At least one form of violence"),
                        ("perpetrators", "At least one perpetrator"),
                        ("consents", "Her consent to the processing of her data")):
        assert f'href="/intake/{case_id}/{slug}">{words}' in page, words
    assert "Complete intake" not in page
    refused = complete(client, case_id)
    assert refused.status_code == 400
    assert db.get(Case, case_id).status == "draft"


def test_multiple_discrimination_only_needs_no_violence_or_perpetrator(client, login_as, db):
    login_as("counsellor")
    case_id = start_new_client(client)
    post_section(client, case_id, "referral", {"reason_for_contact": "multiple_discrimination_only",
                                               "intake_date": "2026-11-02", "contact_channel": "in_person"})
    post_section(client, case_id, "consents", FULL_INTAKE["consents"])
    done = complete(client, case_id)
    assert done.status_code == 302
    case = db.get(Case, case_id)
    assert case.status == "active" and case.opened_on == date(2026, 11, 2)


def test_unticking_a_consent_withdraws_it_and_keeps_the_row(client, login_as, db):
    login_as("counsellor")
    case_id = start_new_client(client)
    post_section(client, case_id, "consents", FULL_INTAKE["consents"])
    post_section(client, case_id, "consents", {"processing-given": "y",
                                               "processing-given_on": "2026-11-20"})
    rows = {c.kind: c for c in db.scalars(select(Consent).where(Consent.case_id == case_id))}
    assert rows["processing"].withdrawn_on is None
    assert rows["statistics"].withdrawn_on is not None


def test_a_closed_case_intake_cannot_be_changed(client, login_as, db):
    from casework.cases.service import close_case
    user = login_as("counsellor")
    case_id = start_new_client(client)
    fill_whole_intake(client, case_id)
    complete(client, case_id)
    case = db.get(Case, case_id)
    close_case(db, case, actor=user, expected_version=case.version, closed_on=date(2026, 11, 24),
               reason="goals_met")
    db.commit()
    refused = post_section(client, case_id, "narrative", {"narrative": "changed"})
    assert refused.status_code == 409
    assert db.get(Case, case_id).intake["narrative"] != "changed"


def test_every_read_and_change_is_audited_without_content(client, login_as, db):
    from casework.audit.models import AuditEntry
    user = login_as("counsellor")
    case_id = start_new_client(client, "Ελένη", "Αuditopoulou")
    client_id = db.get(Case, case_id).client_id
    first = db.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()))
    client.get(f"/intake/{case_id}/narrative")
    post_section(client, case_id, "narrative", {"narrative": "Secret words of hers"})
    post_section(client, case_id, "identity", {"given_name": "Ελένη", "family_name": "Secretname"})
    post_section(client, case_id, "consents", FULL_INTAKE["consents"])
    entries = db.scalars(select(AuditEntry).where(AuditEntry.seq > first)).all()
    actions = [(e.action, e.target_id) for e in entries]
    assert ("intake.opened", case_id) in actions and ("client.opened", client_id) in actions
    assert ("case.intake_saved", case_id) in actions and ("client.updated", client_id) in actions
    assert ("intake.section_saved", case_id) in actions
    assert [e.action for e in entries].count("consent.given") == 2
    assert all(e.actor_id == user.id for e in entries)
    for entry in entries:
        for secret in ("Secret", "Ελένη", "Αuditopoulou", "προφορικά"):
            assert secret not in entry.details and secret not in entry.target_id
