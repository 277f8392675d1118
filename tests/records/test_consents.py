"""Consents: dated, withdrawable, every change kept as history; sealed scope; audited."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from casework.cases.models import Consent
from tests.records import (all_audit_text, case, entries, field_error, owner,  # noqa: F401
                           raw_bytes)

CANARY = "CANARY-consent-0b7e the name of her new employer"


def give(client, case, **overrides):
    data = {"kind": "processing", "given_on": "2026-11-02", "partner": "", "purpose": "",
            "shares": "", "note": ""}
    data.update(overrides)
    return client.post_form(f"/cases/{case.id}/consents", data)


def consents_of(db, case) -> list[Consent]:
    return list(db.scalars(select(Consent).where(Consent.case_id == case.id).order_by(Consent.given_on)))


def withdraw(client, case, consent, day="2026-11-20"):
    return client.post_form(f"/cases/{case.id}/consents/{consent.id}/withdraw", {"withdrawn_on": day},
                            token_page=f"/cases/{case.id}/consents")


def test_consents_are_recorded_sealed_and_listed_newest_first(db, client, owner, case, clock):
    assert give(client, case).status_code == 302
    clock.advance(minutes=1)
    response = give(client, case, kind="referral", given_on="2026-11-24",
                    partner="Shelter of the Sisters", purpose="a safe place for her and the children",
                    shares="names and ages of the children", note=CANARY)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.id}")
    processing, referral = consents_of(db, case)
    assert (processing.kind, processing.given_on, processing.withdrawn_on) == ("processing", date(2026, 11, 2), None)
    assert processing.client_id == case.client_id and processing.recorded_by_id == owner.id
    assert referral.scope == {"partner": "Shelter of the Sisters",
                              "purpose": "a safe place for her and the children",
                              "shares": "names and ages of the children", "note": CANARY}
    sealed = raw_bytes(db, Consent.scope_sealed, referral.id)
    assert CANARY.encode() not in sealed and b"Shelter of the Sisters" not in sealed

    page = client.get(f"/cases/{case.id}/consents")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.index('datetime="2026-11-24"') < html.index('datetime="2026-11-02"')
    assert CANARY in html and "Shelter of the Sisters" in html
    assert [e.details for e in entries(db, "consent.recorded")] == [
        f'{{"case_id": "{case.id}", "kind": "processing"}}', f'{{"case_id": "{case.id}", "kind": "referral"}}']
    assert entries(db, "consents.opened", case.id)[-1].actor_id == owner.id
    assert CANARY not in all_audit_text(db) and "Sisters" not in all_audit_text(db)


def test_a_referral_consent_needs_partner_purpose_and_what_is_shared(db, client, owner, case):
    response = give(client, case, kind="referral", partner="Shelter", note=CANARY)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "needs this" in field_error(html, "purpose") and "needs this" in field_error(html, "shares")
    assert not field_error(html, "partner") and CANARY in html and 'value="Shelter"' in html
    assert consents_of(db, case) == []


def test_bad_consents_are_refused(db, client, owner, case):
    bogus = give(client, case, kind="everything")
    assert "Choose one of the options offered" in field_error(bogus.get_data(as_text=True), "kind")
    future = give(client, case, given_on="2026-11-26")
    assert "cannot be in the future" in field_error(future.get_data(as_text=True), "given_on")
    long_note = give(client, case, note="x" * 10001)
    assert "at most 10,000 characters; this has 10,001" in field_error(long_note.get_data(as_text=True), "note")
    assert db.scalar(select(func.count()).select_from(Consent)) == 0


def test_withdrawal_keeps_the_history(db, client, owner, case, clock):
    give(client, case, kind="statistics", given_on="2026-11-02")
    [consent] = consents_of(db, case)
    response = withdraw(client, case, consent)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.id}")
    assert consent.withdrawn_on == date(2026, 11, 20) and consent.given_on == date(2026, 11, 2)
    clock.advance(minutes=1)
    give(client, case, kind="statistics", given_on="2026-11-24")  # she changed her mind again
    old, new = consents_of(db, case)
    assert (old.id, old.withdrawn_on) == (consent.id, date(2026, 11, 20)) and new.withdrawn_on is None
    html = client.get(f"/cases/{case.id}/consents").get_data(as_text=True)
    assert "Withdrawn on" in html and html.count("<td>Counting in anonymised statistics</td>") == 2
    [entry] = entries(db, "consent.withdrawn", consent.id)
    assert entry.actor_id == owner.id and "statistics" in entry.details
    again = withdraw(client, case, consent, "2026-11-24")
    assert again.status_code == 409 and consent.withdrawn_on == date(2026, 11, 20)


def test_impossible_withdrawal_dates_are_refused_next_to_the_field(db, client, owner, case):
    give(client, case, given_on="2026-11-10")
    [consent] = consents_of(db, case)
    for day, message in (("2026-11-09", "before the consent was given"),
                         ("2026-11-26", "cannot be in the future"), ("", "Enter the date")):
        response = withdraw(client, case, consent, day)
        assert response.status_code == 400
        assert message in field_error(response.get_data(as_text=True), f"withdrawn_on-{consent.id}")
    assert consent.withdrawn_on is None


def test_a_consent_of_another_case_cannot_be_withdrawn_here(db, client, owner, case):
    from tests.records import new_case

    other = new_case(db, owner, name="Ayşe")
    give(client, other)
    [foreign] = consents_of(db, other)
    response = withdraw(client, case, foreign)
    assert response.status_code == 403 and foreign.withdrawn_on is None
    assert entries(db, "record.access_refused", foreign.id)
