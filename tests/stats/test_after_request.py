"""Through the application: a request that changes a case leaves the statistics up to date once
its response is ready; if the statistics write fails, the request still succeeds and the outbox
keeps the work for the next sync."""

from __future__ import annotations

import json
import logging
import secrets
from datetime import date

import pytest
from sqlalchemy import select

from casework.auth.models import User
from casework.auth.second_factor import store_totp_secret
from casework.cases.outbox import StatsOutbox
from casework.extensions import db
from casework.security.models import WebSession
from casework.security.sessions import token_hash
from casework.security.totp import new_totp_secret
from casework.stats import outbox_events, sync
from casework.stats.sync import sync_pending
from tests.conftest import FakeClock
from tests.stats import seed_case, stored_for

SESSION_FORM = {"held_on": "2026-11-24", "duration_minutes": "40", "service": "legal_counselling",
                "mode": "in_person", "notes": "Canary notes of the session"}


@pytest.fixture
def running(app_with):
    """A fresh application with the statistics outbox wired in (as app_setup will do), a
    counsellor signed in on its test client, and her committed, synced case."""
    app = app_with()
    outbox_events.init_app(app)
    app.extensions["casework.clock"] = FakeClock()
    with app.app_context():
        user = User(username="statscounsellor", role="counsellor")
        db.session.add(user)
        db.session.flush()
        store_totp_secret(db.session, user, new_totp_secret(), last_step=None)
        case = seed_case(db.session, user)
        token = secrets.token_urlsafe(32)
        db.session.add(WebSession(token_hash=token_hash(token), user_id=user.id,
                                  data=json.dumps({"_user_id": str(user.id), "_fresh": True})))
        db.session.commit()
        assert sync_pending(app).failed == 0
        case_id = case.id
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], token, domain="localhost")
    yield app, client, case_id
    app.extensions.pop("casework.clock", None)


def state(app, case_id):
    with app.app_context():
        from casework.cases.models import Case

        queued = set(db.session.scalars(select(StatsOutbox.case_id)))
        return queued, stored_for(db.session.get(Case, case_id))


def test_the_statistics_follow_a_request_that_changes_the_case(running):
    app, client, case_id = running
    response = client.post_form(f"/cases/{case_id}/sessions/new", SESSION_FORM)
    assert response.status_code == 302
    queued, facts = state(app, case_id)
    assert queued == set()
    assert [(f.year, f.services) for f in facts] == [(2025, {}), (2026, {"legal_counselling": (1, 40)})]


def test_a_request_that_changes_nothing_syncs_nothing(running, monkeypatch):
    _app, client, case_id = running
    calls = []
    monkeypatch.setattr(outbox_events, "sync_pending", lambda *args, **kwargs: calls.append(args))
    client.get(f"/cases/{case_id}")  # a read: audited (a flush), but nothing for the statistics
    assert calls == []


def test_a_failing_statistics_write_does_not_fail_the_request(running, monkeypatch, caplog):
    app, client, case_id = running

    def broken(*_args, **_kwargs):
        raise ConnectionError("Canary statistics database unreachable")

    monkeypatch.setattr(sync, "write_facts", broken)
    caplog.set_level(logging.WARNING)
    response = client.post_form(f"/cases/{case_id}/sessions/new", SESSION_FORM)
    assert response.status_code == 302  # her session is recorded all the same
    queued, facts = state(app, case_id)
    assert queued == {case_id} and [f.year for f in facts] == [2025]  # stale, but queued
    assert "ConnectionError" in caplog.text and "Canary" not in caplog.text

    monkeypatch.undo()
    assert sync_pending(app).synced == 1
    queued, facts = state(app, case_id)
    assert queued == set() and [f.year for f in facts] == [2025, 2026]
    assert date(2026, 11, 24).year == facts[-1].year
