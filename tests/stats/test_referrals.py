"""Referrals in the statistics: sent referrals by year, partner type, outcome, decline reason
and admission (drafts never left the centre). Rows are made directly: the referral service's
own tests cover how they come to be."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

import pytest

from casework.auth.models import Organisation
from casework.referrals.models import Referral, ReferralEvent
from casework.stats import outbox_events
from casework.stats.sync import sync_pending
from tests.stats import seed_case, stored_for


@pytest.fixture(autouse=True)
def listening():
    outbox_events.listen_for_changes()


def referral(db, case, organisation, *, status, sent_at=None, events=()):
    made = Referral(code=f"R-{secrets.token_hex(4)}", case_id=case.id, organisation_id=organisation.id,
                    partner_type=organisation.kind, purpose="shelter_place", status=status,
                    sent_at=sent_at)
    db.add(made)
    db.flush()
    for event_status, reason in events:
        db.add(ReferralEvent(referral_id=made.id, status=event_status, reason=reason,
                             recorded_by="partner"))
    db.commit()
    return made


def test_sent_referrals_are_counted_in_the_year_they_were_sent(app, db, make_user, clock):
    counsellor = make_user("counsellor")
    case = seed_case(db, counsellor)
    shelter = Organisation(name="Shelter A", kind="shelter")
    legal = Organisation(name="Legal aid B", kind="legal_aid")
    db.add_all([shelter, legal])
    db.commit()
    referral(db, case, shelter, status="declined", sent_at=datetime(2025, 4, 1, tzinfo=timezone.utc),
             events=[("sent", None), ("declined", "no_place")])
    referral(db, case, shelter, status="completed", sent_at=datetime(2026, 1, 5, tzinfo=timezone.utc),
             events=[("sent", None), ("accepted", None), ("arrived", None), ("completed", None)])
    referral(db, case, legal, status="sent", sent_at=datetime(2026, 2, 1, tzinfo=timezone.utc))
    referral(db, case, legal, status="draft")
    assert sync_pending(app).failed == 0

    years = {fact.year: fact for fact in stored_for(case)}
    assert years[2025].referrals == {("shelter", "declined", "no_place", False): 1}
    assert years[2026].referrals == {("shelter", "completed", "none", True): 1,
                                     ("legal_aid", "sent", "none", False): 1}
    assert years[2026].contact_in_year is False  # a referral alone is not a contact

    sent = db.get(Referral, db.query(Referral.id).filter_by(status="sent").scalar())
    sent.status = "accepted"  # a change of status reaches the statistics too
    db.commit()
    assert sync_pending(app).synced == 1
    assert {fact.year: fact for fact in stored_for(case)}[2026].referrals[
        ("legal_aid", "accepted", "none", False)] == 1
