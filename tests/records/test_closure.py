"""Closing with a reason makes the case read-only until it is reopened; both are version-locked."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from casework.cases.models import Case, CaseSession, Consent
from tests.records import (RANDOM_ID, all_audit_text, case, entries, field_error, new_case,  # noqa: F401
                           owner, raw_bytes)

CANARY = "CANARY-close-6f1d she moved in with her aunt in Thessaloniki"


def close(client, case, version=None, **overrides):
    data = {"closed_on": "2026-11-24", "reason": "moved_away", "note": CANARY,
            "version": str(case.version if version is None else version)}
    data.update(overrides)
    return client.post_form(f"/cases/{case.id}/close", data)


def reopen(client, case, version=None):
    return client.post_form(f"/cases/{case.id}/reopen",
                            {"version": str(case.version if version is None else version)},
                            token_page=f"/cases/{case.id}/close")


def test_closing_is_sealed_audited_and_shown(db, client, owner, case):
    response = close(client, case)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.id}")
    assert (case.status, case.closed_on) == ("closed", date(2026, 11, 24))
    assert case.closure["reason"] == "moved_away" and case.closure["note"] == CANARY
    assert CANARY.encode() not in raw_bytes(db, Case.closure_sealed, case.id)
    [entry] = entries(db, "case.closed", case.id)
    assert entry.actor_id == owner.id
    html = client.get(f"/cases/{case.id}/close").get_data(as_text=True)
    assert CANARY in html and "Moved away" in html and "Reopen the case" in html
    assert CANARY not in all_audit_text(db)


def test_a_closed_case_refuses_every_write_until_it_is_reopened(db, client, owner, case):
    client.post_form(f"/cases/{case.id}/sessions/new", {
        "held_on": "2026-11-20", "duration_minutes": "30", "service": "information", "mode": "phone"})
    client.post_form(f"/cases/{case.id}/consents", {"kind": "processing", "given_on": "2026-11-02"})
    contact = db.scalars(select(CaseSession).where(CaseSession.case_id == case.id)).one()
    consent = db.scalars(select(Consent).where(Consent.case_id == case.id)).one()
    consents_page = f"/cases/{case.id}/consents"
    token = client.csrf_token(consents_page)
    assert close(client, case).status_code == 302

    writes = [
        ("POST", f"/cases/{case.id}/sessions/new", {"held_on": "2026-11-24", "duration_minutes": "30",
                                                     "service": "information", "mode": "phone"}),
        ("GET", f"/cases/{case.id}/sessions/new", None),
        ("POST", f"/cases/{case.id}/sessions/{contact.id}", {"held_on": "2026-11-20", "duration_minutes": "45",
                                                              "service": "information", "mode": "phone",
                                                              "version": str(contact.version)}),
        ("POST", f"/cases/{case.id}/sessions/{contact.id}", {"duration_minutes": "0"}),
        ("POST", f"/cases/{case.id}/risk/new", {"assessed_on": "2026-11-24", "level": "high"}),
        ("GET", f"/cases/{case.id}/risk/new", None),
        ("POST", f"/cases/{case.id}/safety-plans/new", {"made_on": "2026-11-24", "safe_contacts": "x"}),
        ("GET", f"/cases/{case.id}/safety-plans/new", None),
        ("POST", consents_page, {"kind": "statistics", "given_on": "2026-11-24"}),
        ("POST", f"/cases/{case.id}/close", {"closed_on": "2026-11-24", "reason": "other",
                                             "version": str(case.version)}),
    ]
    for method, url, data in writes:
        response = client.open(url, method=method, data={**(data or {}), "csrf_token": token})
        assert response.status_code == 409, (method, url)
        assert "A closed case is read-only. Reopen it to change it." in response.get_data(as_text=True)
    assert contact.details["duration_minutes"] == 30 and consent.withdrawn_on is None

    # …but she may still withdraw a consent: that is never refused because a case is closed.
    response = client.post_form(f"/cases/{case.id}/consents/{consent.id}/withdraw",
                                {"withdrawn_on": "2026-11-24"}, token_page=consents_page)
    assert response.status_code == 302 and consent.withdrawn_on is not None
    assert db.scalars(select(CaseSession).where(CaseSession.case_id == case.id)).all() == [contact]

    # reading stays possible
    page = client.get(f"/cases/{case.id}/sessions/{contact.id}")
    assert page.status_code == 200 and "Closed — read-only." in page.get_data(as_text=True)
    assert 'name="duration_minutes"' not in page.get_data(as_text=True)
    assert client.get(consents_page).status_code == 200

    assert reopen(client, case).status_code == 302
    assert case.status == "active" and entries(db, "case.reopened", case.id)
    assert case.closure["history"][0]["reason"] == "moved_away"
    response = client.post_form(f"/cases/{case.id}/sessions/new", {
        "held_on": "2026-11-25", "duration_minutes": "30", "service": "information", "mode": "phone"})
    assert response.status_code == 302


def test_reopening_brings_back_a_follow_up_still_ahead(db, client, owner, case):
    client.post_form(f"/cases/{case.id}/sessions/new", {
        "held_on": "2026-11-20", "duration_minutes": "30", "service": "information", "mode": "phone",
        "next_follow_up_on": "2026-12-04"})
    assert case.next_follow_up_on == date(2026, 12, 4)
    close(client, case)
    assert case.next_follow_up_on is None
    reopen(client, case)
    assert case.next_follow_up_on == date(2026, 12, 4)


def test_bad_closures_are_refused_with_everything_kept(db, client, owner, case):
    for overrides, field, message in (
            ({"reason": "bored"}, "reason", "Choose one of the options offered"),
            ({"reason": ""}, "reason", "Choose one of the options"),
            ({"closed_on": "2026-11-30"}, "closed_on", "cannot be in the future"),
            ({"closed_on": "2026-11-01"}, "closed_on", "before the case was opened"),
            ({"note": "n" * 12345}, "note", "at most 10,000 characters; this has 12,345")):
        response = close(client, case, **overrides)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, overrides
        assert message in field_error(html, field)
        assert (overrides.get("note") or CANARY) in html
    assert case.status == "active" and entries(db, "case.closed", case.id) == []


def test_a_draft_cannot_be_closed(db, client, owner):
    draft = new_case(db, owner, active=False)
    response = close(client, draft)
    assert response.status_code == 409 and draft.status == "draft"


def test_a_stale_close_keeps_what_she_typed_and_shows_what_is_stored(db, client, owner, case):
    stale = case.version
    # meanwhile a session changes the case (its next follow-up)
    client.post_form(f"/cases/{case.id}/sessions/new", {
        "held_on": "2026-11-20", "duration_minutes": "30", "service": "information", "mode": "phone",
        "next_follow_up_on": "2026-12-04"})
    assert case.version != stale
    response = close(client, case, version=stale, note="my closing words")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this while you were editing" in html and "my closing words" in html
    assert f'value="{case.version}"' in html and case.status == "active"
    assert close(client, case, note="my closing words").status_code == 302


def test_a_stale_reopen_is_refused_with_the_stored_state(db, client, owner, case):
    close(client, case)
    response = reopen(client, case, version=case.version - 1)
    assert response.status_code == 409 and case.status == "closed"
    assert "Someone else saved this while you were editing" in response.get_data(as_text=True)
    assert reopen(client, case, version="").status_code == 400
    assert reopen(client, case).status_code == 302


@pytest.mark.parametrize("path", ["close", "reopen"])
def test_unknown_cases_are_refused(db, client, owner, path):
    response = client.post_form(f"/cases/{RANDOM_ID}/{path}", {"version": "1"}, token_page="/auth/account")
    assert response.status_code == 403
