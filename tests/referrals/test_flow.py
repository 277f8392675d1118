"""The whole journey: a counsellor refers a woman to a shelter with her consent, the shelter's
user accepts and records her arrival, the counsellor sees who opened the packet and when, and
after the referral ends its content is erased while its history (and the statistics) remain."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from casework.cases.models import Consent
from casework.referrals.models import Referral, ReferralEvent
from casework.referrals.queries import referral_facts
from casework.extensions import db as stores
from casework.stats.keys import row_key
from casework.stats.models import CaseYearReferral
from tests.referrals import (all_audit_text, assert_shredded,  # noqa: F401
                             draft_referral, entries, new_case, organisation, partner_post,
                             raw_column, referral_id_of, send_referral, sign_in, stored)


@pytest.fixture
def counsellor(db, login_as, clock):
    return login_as("counsellor", username="maria")


@pytest.fixture
def shelter(db):
    return organisation(db, "Safe Harbour", "shelter", area="North", contact="210 000 0000")


@pytest.fixture
def partner_client(app, db, make_user, shelter, clock):
    user = make_user("shelter_partner", username="harbour1", organisation=shelter)
    return sign_in(app.test_client(), db, user), user


def test_a_referral_from_draft_to_completion(app, db, client, counsellor, shelter, partner_client, clock):
    partner, partner_user = partner_client
    case = new_case(db, counsellor)

    # The counsellor drafts it and sees exactly what the partner will see.
    response = draft_referral(client, case, shelter)
    assert response.status_code == 302 and response.headers["Location"].endswith("/preview")
    referral_id = referral_id_of(response)
    preview = client.get(f"/cases/{case.id}/referrals/{referral_id}/preview").get_data(as_text=True)
    assert "Eleni" in preview and "Papadopoulou" not in preview and "in her words" not in preview
    assert "Ground floor room" in preview and "Within a week" in preview and "35–44" in preview
    assert "No consent of hers covers this referral yet" in preview

    # The partner sees nothing of a draft.
    assert partner.get("/partner/referrals").get_data(as_text=True).count(referral_id) == 0
    assert partner.get(f"/partner/referrals/{referral_id}").status_code == 403

    # Sent with her consent: the consent names this partner, this purpose and the fields.
    sent = send_referral(client, case, referral_id)
    assert sent.status_code == 302 and sent.headers["Location"].endswith(referral_id)
    referral = stored(db, referral_id)
    assert referral.status == "sent" and referral.draft_sealed is None
    consent = db.get(Consent, referral.consent_id)
    assert consent.kind == "referral" and consent.case_id == case.id
    assert consent.scope["partner_organisation_id"] == shelter.id
    assert consent.scope["purpose"] == "shelter_place"
    assert consent.scope["shares"].split(", ") == referral.shared_field_codes
    consents_page = client.get(f"/cases/{case.id}/consents")
    assert consents_page.status_code == 200 and "Safe Harbour" in consents_page.get_data(as_text=True)

    # The shelter's inbox lists it; opening it is audited.
    inbox = partner.get("/partner/referrals").get_data(as_text=True)
    assert referral.code in inbox and "Eleni" not in inbox
    packet_page = partner.get(f"/partner/referrals/{referral_id}").get_data(as_text=True)
    assert "Eleni" in packet_page and "She can arrive on Thursday." in packet_page
    assert case.code not in packet_page

    clock.advance(minutes=5)
    assert partner_post(partner, referral_id, "accept").status_code == 302
    assert partner_post(partner, referral_id, "arrived").status_code == 302
    assert stored(db, referral_id).status == "arrived"

    # The counsellor sees who opened the packet and when.
    page = client.get(f"/cases/{case.id}/referrals/{referral_id}").get_data(as_text=True)
    openings = page.split('id="openings-title"')[1].split("</section>")[0]
    assert "harbour1" in openings and "Safe Harbour" in openings and "2026-11-25 09:00" in openings
    assert "Opened the packet" in openings
    assert [e.status for e in db.scalars(select(ReferralEvent).where(
        ReferralEvent.referral_id == referral_id).order_by(ReferralEvent.id))] == \
        ["draft", "sent", "accepted", "arrived"]

    # Completed: the packet is kept for the retention period, then erased.
    assert partner_post(partner, referral_id, "completed").status_code == 302
    referral = stored(db, referral_id)
    assert referral.status == "completed" and referral.packet_sealed is not None
    key_id, blob = referral.data_key_id, raw_column(db, Referral.packet_sealed, referral_id)
    assert b"Thursday" not in blob and b"Eleni" not in blob
    clock.advance(days=29)
    sign_in(client, db, counsellor).get(f"/cases/{case.id}/referrals")
    assert stored(db, referral_id).packet_sealed is not None
    clock.advance(days=2)
    sign_in(client, db, counsellor).get(f"/cases/{case.id}/referrals")
    assert stored(db, referral_id).content_erased_at is not None
    assert_shredded(db, referral_id, blob, key_id)
    assert entries(db, "referral.packet_erased", referral_id)
    assert "content of this referral was erased" in client.get(
        f"/cases/{case.id}/referrals/{referral_id}").get_data(as_text=True)
    partner_page = sign_in(partner, db, partner_user).get(
        f"/partner/referrals/{referral_id}").get_data(as_text=True)
    assert "Eleni" not in partner_page and "erased" in partner_page

    # The history and the statistics keep the referral.
    facts = referral_facts(db, case.id)
    assert [(f.partner_type, f.outcome, f.admitted, f.year) for f in facts] == \
        [("shelter", "completed", True, 2026)]
    assert statistics_rows(case.id) == [("shelter", "completed", True)]
    assert len(db.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id)).all()) == 5
    audit_text = all_audit_text(db)
    assert "Eleni" not in audit_text and "Thursday" not in audit_text


def statistics_rows(case_id: str) -> list[tuple[str, str, bool]]:
    """What the statistics store holds of this case's referrals (the after-request sync ran)."""
    rows = stores.stats_session.scalars(
        select(CaseYearReferral).where(CaseYearReferral.key == row_key(case_id))).all()
    return [(row.partner_type, row.outcome, row.admitted) for row in rows]


def test_a_partner_without_an_account_gets_a_printout_and_the_counsellor_records_the_answer(
        db, client, counsellor):
    legal = organisation(db, "Women's Legal Aid", "legal_aid")
    case = new_case(db, counsellor)
    response = draft_referral(client, case, legal, purpose="legal_aid")
    referral_id = referral_id_of(response)
    assert send_referral(client, case, referral_id).status_code == 302
    referral = stored(db, referral_id)

    printout = client.get(f"/cases/{case.id}/referrals/{referral_id}/print")
    assert printout.status_code == 200
    html = printout.get_data(as_text=True)
    assert referral.code in html and "Eleni" in html
    assert case.code not in html and case.id not in html and case.client_id not in html
    [printed] = entries(db, "referral.printed", referral_id)
    assert printed.actor_name == "maria"
    page = client.get(f"/cases/{case.id}/referrals/{referral_id}").get_data(as_text=True)
    assert "Printed" in page.split('id="openings-title"')[1]

    outcome_url = f"/cases/{case.id}/referrals/{referral_id}/outcome"
    token_page = f"/cases/{case.id}/referrals/{referral_id}"
    response = client.post_form(outcome_url, {"outcome": "declined"}, token_page=token_page)
    assert response.status_code == 400 and "Choose why the referral is declined" in response.get_data(as_text=True)
    response = client.post_form(outcome_url, {"outcome": "declined", "reason": "criteria"},
                                token_page=token_page)
    assert response.status_code == 302
    referral = stored(db, referral_id)
    assert referral.status == "declined" and referral.ended_at is not None
    [event] = [e for e in db.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id))
               if e.status == "declined"]
    assert (event.reason, event.recorded_by) == ("criteria", "counsellor")
    [fact] = referral_facts(db, case.id)
    assert (fact.partner_type, fact.outcome, fact.decline_reason, fact.admitted) == \
        ("legal_aid", "declined", "criteria", False)


@pytest.mark.parametrize("language, direction, words", [
    ("el", "ltr", "Εμπιστευτικό"), ("tr", "ltr", "Gizli"), ("ar", "rtl", "سرّي"),
    ("fa", "rtl", "محرمانه")])
def test_the_printout_is_made_in_the_partners_language(db, client, counsellor, language,
                                                       direction, words):
    legal = organisation(db, "Women's Legal Aid", "legal_aid")
    case = new_case(db, counsellor)
    referral_id = referral_id_of(draft_referral(client, case, legal, purpose="legal_aid"))
    send_referral(client, case, referral_id)
    page = client.get(f"/cases/{case.id}/referrals/{referral_id}").get_data(as_text=True)
    assert f"/referrals/{referral_id}/print?lang={language}" in page

    html = client.get(f"/cases/{case.id}/referrals/{referral_id}/print?lang={language}") \
        .get_data(as_text=True)
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert words in html and "Eleni" in html
    assert "Confidential" not in html
    [printed] = entries(db, "referral.printed", referral_id)
    assert json.loads(printed.details)["language"] == language
    # Her own pages stay in her language; an unknown code is ignored.
    assert '<html lang="en"' in client.get(f"/cases/{case.id}").get_data(as_text=True)
    unknown = client.get(f"/cases/{case.id}/referrals/{referral_id}/print?lang=xx")
    assert unknown.status_code == 200 and '<html lang="en"' in unknown.get_data(as_text=True)


def test_the_counsellor_cannot_record_the_answer_of_a_partner_with_an_account(
        db, client, counsellor, shelter, partner_client):
    case = new_case(db, counsellor)
    referral_id = referral_id_of(draft_referral(client, case, shelter))
    send_referral(client, case, referral_id)
    page = client.get(f"/cases/{case.id}/referrals/{referral_id}").get_data(as_text=True)
    assert "Record the partner&#39;s answer" not in page
    response = client.post_form(f"/cases/{case.id}/referrals/{referral_id}/outcome",
                                {"outcome": "accepted"}, token_page=f"/cases/{case.id}/referrals/{referral_id}")
    assert response.status_code == 409
    assert "answers in Casework itself" in response.get_data(as_text=True)
    assert stored(db, referral_id).status == "sent"


def test_the_case_referrals_page_lists_them(db, client, counsellor, shelter):
    case = new_case(db, counsellor)
    referral_id = referral_id_of(draft_referral(client, case, shelter))
    html = client.get(f"/cases/{case.id}/referrals").get_data(as_text=True)
    assert stored(db, referral_id).code in html and "Safe Harbour" in html and "Draft" in html
    assert re.search(r'href="/cases/[^"]+/referrals/new"', html)
