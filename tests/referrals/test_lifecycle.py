"""The life of a referral: every transition allowed and refused, consent, withdrawal, expiry,
the erasure of the packet (canaries on the raw database), and the audit of every opening."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from casework.auth.models import User
from casework.cases.models import Consent
from casework.cases.outbox import StatsOutbox
from casework.cases.service import close_case
from casework.crypto.envelope import KeyDestroyed, open_value
from casework.crypto.models import DataKey
from casework.errors import InvalidTransition
from casework.records.service import withdraw_consent
from casework.referrals import service
from casework.referrals.models import REFERRAL_STATUSES, Referral, ReferralEvent
from casework.extensions import db as stores
from casework.stats.keys import row_key
from casework.stats.models import CaseYearReferral
from tests.referrals import (all_audit_text, assert_shredded,  # noqa: F401
                             draft_referral, entries, field_error, new_case, organisation,
                             partner_post, raw_column, refer, referral_id_of, send_referral,
                             sign_in, stored)

CANARY = "CanaryNoteForPartner-7f3a"
# Written out here, not read from the service: the table the issue asks for.
ALLOWED = {("draft", "sent"), ("draft", "withdrawn"),
           ("sent", "accepted"), ("sent", "declined"), ("sent", "withdrawn"), ("sent", "expired"),
           ("accepted", "arrived"), ("accepted", "withdrawn"),
           ("arrived", "completed"), ("arrived", "withdrawn")}


@pytest.fixture
def counsellor(db, login_as, clock):
    return login_as("counsellor", username="maria")


@pytest.fixture
def shelter(db):
    return organisation(db, "Safe Harbour")


@pytest.fixture
def partner_user(make_user, shelter):
    return make_user("shelter_partner", username="harbour1", organisation=shelter)


@pytest.fixture
def partner(app, db, partner_user, clock):
    return sign_in(app.test_client(), db, partner_user)


@pytest.fixture
def case(db, counsellor):
    return new_case(db, counsellor)


@pytest.fixture
def sent(client, case, shelter, partner_user):
    return refer(client, case, shelter, note_for_partner=CANARY)


def in_status(db, referral_id, status):
    referral = stored(db, referral_id)
    referral.status = status
    db.commit()
    return referral


# --- transitions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("status", REFERRAL_STATUSES)
@pytest.mark.parametrize("step", ["accepted", "declined", "arrived", "completed"])
def test_every_partner_step_from_every_status(db, sent, partner_user, status, step):
    referral = in_status(db, sent, status)
    actor = db.get(User, partner_user.id)
    answer = lambda: service.answer_as_partner(db, referral, actor=actor, status=step,  # noqa: E731
                                               reason="no_place" if step == "declined" else None)
    if (status, step) in ALLOWED:
        answer()
        assert referral.status == step
    else:
        with pytest.raises(InvalidTransition) as refusal:
            answer()
        assert refusal.value.message and referral.status == status
    db.rollback()


@pytest.mark.parametrize("status", REFERRAL_STATUSES)
def test_withdrawal_from_every_status(db, case, sent, counsellor, status):
    referral = in_status(db, sent, status)
    withdraw = lambda: service.withdraw(db, case, referral, actor=db.get(User, counsellor.id),  # noqa: E731
                                        reason="other")
    if (status, "withdrawn") in ALLOWED:
        withdraw()
        assert referral.status == "withdrawn" and referral.content_erased_at is not None
    else:
        with pytest.raises(InvalidTransition) as refusal:
            withdraw()
        assert "can no longer be withdrawn" in refusal.value.message
    db.rollback()


@pytest.mark.parametrize("status", [s for s in REFERRAL_STATUSES if s != "draft"])
def test_only_a_draft_is_sent_or_changed(db, client, case, sent, status):
    in_status(db, sent, status)
    page = f"/cases/{case.id}/referrals/{sent}"
    response = client.post_form(f"{page}/send", {"version": "9", "digest": "x", "consent_given": "y"},
                                token_page=page)
    assert response.status_code == 409 and "Only a draft can be sent" in response.get_data(as_text=True)
    for method in ("GET", "POST"):
        response = client.get(f"{page}/edit") if method == "GET" else client.post_form(
            f"{page}/edit", {"organisation_id": "1", "purpose": "other", "packet_fields": ["urgency"],
                             "urgency": "planned", "version": "9"}, token_page=page)
        assert response.status_code == 409, method
        assert "Only a draft can be changed" in response.get_data(as_text=True)
    assert stored(db, sent).status == status


def test_arrival_before_acceptance_is_a_409_with_a_clear_message(db, partner, sent):
    response = partner_post(partner, sent, "arrived")
    assert response.status_code == 409
    assert "Her arrival can be recorded only after the referral was accepted" in \
        response.get_data(as_text=True)
    assert stored(db, sent).status == "sent"
    response = partner_post(partner, sent, "completed")
    assert response.status_code == 409 and "only after her arrival" in response.get_data(as_text=True)


def test_a_decline_needs_a_reason_code(db, partner, sent):
    for reason in ("", "too_busy"):
        response = partner_post(partner, sent, "decline", reason=reason)
        assert response.status_code == 400
        assert field_error(response.get_data(as_text=True), "reason")
    assert stored(db, sent).status == "sent"
    assert partner_post(partner, sent, "decline", reason="no_place").status_code == 302
    referral = stored(db, sent)
    assert referral.status == "declined" and referral.ended_at is not None
    event = db.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == sent,
                                                   ReferralEvent.status == "declined")).one()
    assert (event.reason, event.recorded_by) == ("no_place", "partner")
    # Declined: the partner sees its status only; the counsellor still has the packet for now.
    page = partner.get(f"/partner/referrals/{sent}").get_data(as_text=True)
    assert CANARY not in page and "You declined this referral" in page and "No place available" in page


# --- consent ------------------------------------------------------------------------------------

def test_no_referral_is_sent_without_her_consent(db, client, case, shelter):
    referral_id = referral_id_of(draft_referral(client, case, shelter))
    response = send_referral(client, case, referral_id, consent=False)
    assert response.status_code == 400
    assert "She has not consented to this referral" in field_error(response.get_data(as_text=True),
                                                                    "consent_given")
    assert stored(db, referral_id).status == "draft"
    assert not db.scalars(select(Consent).where(Consent.case_id == case.id)).all()
    response = send_referral(client, case, referral_id, consent_given_on="2026-12-01")
    assert response.status_code == 400
    assert "cannot be in the future" in field_error(response.get_data(as_text=True), "consent_given_on")
    assert stored(db, referral_id).status == "draft"


def test_a_consent_covers_only_its_partner_purpose_and_fields(db, client, case, shelter, sent):
    # The same partner, purpose and fields: her consent in force covers it.
    again = referral_id_of(draft_referral(client, case, shelter))
    page = client.get(f"/cases/{case.id}/referrals/{again}/preview").get_data(as_text=True)
    assert "covers everything shown above" in page
    assert send_referral(client, case, again, consent=False).status_code == 302
    # Another partner, another purpose, or one field more: not covered.
    other = organisation(db, "Other Shelter")
    for overrides in ({"organisation_id": str(other.id)}, {"purpose": "health_care"},
                      {"packet_fields": ["first_name_or_alias", "urgency", "risk_level"]}):
        referral_id = referral_id_of(draft_referral(client, case, shelter, **overrides))
        assert send_referral(client, case, referral_id, consent=False).status_code == 400, overrides


def test_a_withdrawn_consent_covers_nothing_and_withdraws_the_referral(db, client, case, sent, partner,
                                                                       counsellor):
    consent = db.get(Consent, stored(db, sent).consent_id)
    withdraw_consent(db, case, consent, actor=db.get(User, counsellor.id), withdrawn_on=date(2026, 11, 25))
    db.commit()
    page = partner.get(f"/partner/referrals/{sent}").get_data(as_text=True)
    assert CANARY not in page and "The centre withdrew this referral" in page
    assert "She withdrew her consent" not in page  # why is not the partner's to know
    referral = stored(db, sent)
    assert referral.status == "withdrawn" and referral.packet_sealed is None
    event = db.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == sent,
                                                   ReferralEvent.status == "withdrawn")).one()
    assert (event.reason, event.recorded_by) == ("consent_withdrawn", "system")


# --- withdrawal, expiry and erasure ---------------------------------------------------------------

def test_withdrawal_erases_the_packet_at_once(db, client, case, sent, partner):
    blob = raw_column(db, Referral.packet_sealed, sent)
    assert CANARY.encode() not in blob
    key_id = stored(db, sent).data_key_id
    response = client.post_form(f"/cases/{case.id}/referrals/{sent}/withdraw",
                                {"reason": "she_changed_her_mind"},
                                token_page=f"/cases/{case.id}/referrals/{sent}")
    assert response.status_code == 302
    assert_shredded(db, sent, blob, key_id)
    page = partner.get(f"/partner/referrals/{sent}").get_data(as_text=True)
    assert CANARY not in page and "The centre withdrew this referral" in page
    assert "She changed her mind" not in page
    assert partner_post(partner, sent, "accept").status_code == 409
    [entry] = entries(db, "referral.status_viewed", sent)
    assert json.loads(entry.details)["status"] == "withdrawn"


def test_a_draft_is_discarded_with_its_key(db, client, case, shelter):
    referral_id = referral_id_of(draft_referral(client, case, shelter, note_for_partner=CANARY))
    key_id = stored(db, referral_id).data_key_id
    client.post_form(f"/cases/{case.id}/referrals/{referral_id}/withdraw", {"reason": "sent_in_error"},
                     token_page=f"/cases/{case.id}/referrals/{referral_id}")
    referral = stored(db, referral_id)
    assert referral.status == "withdrawn" and referral.draft_sealed is None
    assert db.get(DataKey, key_id).wrapped is None


def test_sending_destroys_the_drafts_key(db, client, case, shelter):
    referral_id = referral_id_of(draft_referral(client, case, shelter, note_for_partner=CANARY))
    draft_blob, draft_key = raw_column(db, Referral.draft_sealed, referral_id), stored(db, referral_id).data_key_id
    send_referral(client, case, referral_id)
    referral = stored(db, referral_id)
    assert referral.data_key_id != draft_key and db.get(DataKey, draft_key).wrapped is None
    assert referral.data_key_id != db.get(type(case), case.id).data_key_id  # never the client's key
    db.info.pop("casework_data_keys", None)
    with pytest.raises(KeyDestroyed):
        open_value(db, draft_blob, table="referrals", field="draft", record_id=referral_id)


def test_a_referral_without_an_answer_expires_and_its_content_goes(db, client, case, sent, partner,
                                                                   partner_user, clock):
    blob, key_id = raw_column(db, Referral.packet_sealed, sent), stored(db, sent).data_key_id
    clock.advance(days=13, hours=23)
    sign_in(partner, db, partner_user).get("/partner/referrals")
    assert stored(db, sent).status == "sent"
    clock.advance(hours=2)
    sign_in(partner, db, partner_user).get("/partner/referrals")
    referral = stored(db, sent)
    assert referral.status == "expired" and referral.ended_at is not None
    assert_shredded(db, sent, blob, key_id)
    page = partner.get(f"/partner/referrals/{sent}").get_data(as_text=True)
    assert "expired without an answer" in page and CANARY not in page
    assert partner_post(partner, sent, "accept").status_code == 409
    event = db.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == sent,
                                                   ReferralEvent.status == "expired")).one()
    assert (event.reason, event.recorded_by, event.actor_id) == ("no_answer", "system", None)


def test_an_answered_referral_does_not_expire(db, partner, partner_user, sent, clock):
    partner_post(partner, sent, "accept")
    clock.advance(days=40)
    sign_in(partner, db, partner_user).get("/partner/referrals")
    assert stored(db, sent).status == "accepted" and stored(db, sent).packet_sealed is not None


def test_the_expiry_command_function_returns_how_many(db, sent, clock):
    clock.advance(days=15)
    assert service.expire_due(db) == 1 and service.expire_due(db) == 0


def test_her_erasure_shreds_her_packets(db, case, sent):
    service.shred_referrals_of_client(db, case.client_id)
    referral = stored(db, sent)
    assert referral.status == "withdrawn" and referral.packet_sealed is None


# --- closed and unfinished cases ------------------------------------------------------------------

def test_no_referral_from_a_draft_or_closed_case_but_withdrawal_still_works(db, client, counsellor,
                                                                           shelter, case, sent):
    unfinished = new_case(db, counsellor, active=False)
    response = draft_referral(client, unfinished, shelter)
    assert response.status_code == 409 and "Finish the intake first" in response.get_data(as_text=True)
    assert client.get(f"/cases/{unfinished.id}/referrals/new").status_code == 409
    close_case(db, case, actor=db.get(User, counsellor.id), expected_version=case.version,
               closed_on=date(2026, 11, 20), reason="other")
    db.commit()
    assert draft_referral(client, case, shelter).status_code == 409
    response = client.get(f"/cases/{case.id}/referrals/new")
    assert response.status_code == 409 and "read-only" in response.get_data(as_text=True)
    response = client.post_form(f"/cases/{case.id}/referrals/{sent}/withdraw", {"reason": "other"},
                                token_page=f"/cases/{case.id}/referrals/{sent}")
    assert response.status_code == 302 and stored(db, sent).status == "withdrawn"


# --- optimistic locking -------------------------------------------------------------------------

def test_a_draft_saved_meanwhile_is_not_overwritten(db, client, case, shelter):
    referral_id = referral_id_of(draft_referral(client, case, shelter))
    edit_url = f"/cases/{case.id}/referrals/{referral_id}/edit"
    form = {"organisation_id": str(shelter.id), "purpose": "shelter_place",
            "packet_fields": ["urgency", "note_for_partner"], "urgency": "planned"}
    first = client.post_form(edit_url, {**form, "version": "1", "note_for_partner": "First save"})
    assert first.status_code == 302
    second = client.post_form(edit_url, {**form, "version": "1", "note_for_partner": "Typed meanwhile"})
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "Someone else saved this" in html and "First save" in html and "Typed meanwhile" in html
    assert stored(db, referral_id).draft["note_for_partner"] == "First save"


# --- audit -------------------------------------------------------------------------------------

def test_every_opening_and_change_is_audited_without_content(db, client, case, sent, partner,
                                                             partner_user):
    partner.get(f"/partner/referrals/{sent}")
    partner.get(f"/partner/referrals/{sent}")
    opened = entries(db, "referral.packet_opened", sent)
    assert len(opened) == 2 and {e.actor_id for e in opened} == {partner_user.id}
    assert json.loads(opened[0].details) == {"organisation_id": stored(db, sent).organisation_id,
                                             "status": "sent"}
    partner_post(partner, sent, "accept")
    client.get(f"/cases/{case.id}/referrals/{sent}/print")
    client.get(f"/cases/{case.id}/referrals/{sent}")
    for action in ("referral.created", "referral.sent", "referral.accepted", "referral.printed",
                   "referral.viewed", "consent.recorded"):
        assert entries(db, action), action
    text = all_audit_text(db)
    assert CANARY not in text and "Eleni" not in text and "Ground floor" not in text
    page = client.get(f"/cases/{case.id}/referrals/{sent}").get_data(as_text=True)
    openings = page.split('id="openings-title"')[1].split("</section>")[0]
    assert openings.count("harbour1") == 2 and openings.count("Printed") == 1


def test_every_change_reaches_the_statistics(db, partner, case, sent):
    partner_post(partner, sent, "accept")
    rows = stores.stats_session.scalars(
        select(CaseYearReferral).where(CaseYearReferral.key == row_key(case.id))).all()
    assert [(row.partner_type, row.outcome) for row in rows] == [("shelter", "accepted")]
    assert db.get(StatsOutbox, case.id) is None  # the outbox was drained after the request
