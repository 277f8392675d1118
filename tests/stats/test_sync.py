"""The outbox: written with each change in the same transaction, drained into the statistics
store; a failure between the two stores is repaired by the next sync."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from sqlalchemy import func, select

from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.outbox import StatsOutbox
from casework.centre import service as centre
from casework.clients.identity import erase_client, update_client
from casework.clients.models import Client
from casework.extensions import db as databases
from casework.records import service as records
from casework.stats import outbox_events, sync
from casework.stats.keys import row_key
from casework.stats.models import StatsMeta
from casework.stats.projection import facts_for_case
from casework.stats.rebuild import verify
from casework.stats.sync import CENTRE_LOG, load_centre_counts, sync_pending
from tests.stats import add_session, seed_case, stored_for


@pytest.fixture(autouse=True)
def listening():
    outbox_events.listen_for_changes()


@pytest.fixture
def counsellor(db, make_user, clock):
    return make_user("counsellor")


def queued(db) -> set[str]:
    db.expire_all()
    return set(db.scalars(select(StatsOutbox.case_id)))


def expected(db, case):
    db.expire_all()
    return facts_for_case(db, db.get(Case, case.id))


def disagreements(app, db):
    result = verify(db, databases.stats_session)
    databases.stats_session.rollback()
    return result.disagreements


def version() -> int:
    databases.stats_session.expire_all()
    row = databases.stats_session.get(StatsMeta, "version")
    return int(row.value) if row else 0


def test_a_change_is_queued_in_its_transaction_and_synced_into_the_store(app, db, counsellor):
    case = seed_case(db, counsellor)
    assert case.id in queued(db)
    assert stored_for(case) == []

    result = sync_pending(app)
    assert (result.synced, result.failed) == (1, 0)
    assert queued(db) == set()
    assert stored_for(case) == expected(db, case) and len(stored_for(case)) == 1

    add_session(db, case, counsellor, date(2026, 1, 10))
    assert queued(db) == {case.id}
    sync_pending(app)
    assert [f.year for f in stored_for(case)] == [2025, 2026]
    assert disagreements(app, db) == []


def test_a_rolled_back_change_queues_nothing(app, db, counsellor):
    case = seed_case(db, counsellor)
    sync_pending(app)
    add_session_without_commit = records.add_session
    add_session_without_commit(db, case, actor=db.get(User, counsellor.id), held_on=date(2026, 1, 1),
                               duration_minutes=30, service="information", mode="phone")
    db.rollback()
    assert queued(db) == set()


def test_only_changes_that_feed_the_statistics_queue_the_case(app, db, counsellor):
    case = seed_case(db, counsellor)
    sync_pending(app)
    records.add_risk_assessment(db, case, actor=db.get(User, counsellor.id), assessed_on=TODAY_,
                                indicators=["stalking"], level="high")
    db.commit()
    assert queued(db) == set()


TODAY_ = date(2026, 11, 25)


def test_a_change_to_her_record_queues_all_her_cases(app, db, counsellor):
    case = seed_case(db, counsellor, identity={"given_name": "Ana", "birth_date": "1990-05-01"})
    sync_pending(app)
    client = db.get(Client, case.client_id)
    update_client(db, client, actor=db.get(User, counsellor.id), expected_version=client.version,
                  identity={"given_name": "Ana", "birth_date": "2009-05-01"})
    db.commit()
    assert queued(db) == {case.id}
    sync_pending(app)
    assert [f.age_band for f in stored_for(case)] == ["under_18"]


def test_the_version_counts_changes_only(app, db, counsellor):
    before = version()
    case = seed_case(db, counsellor)
    sync_pending(app)
    assert version() == before + 1
    outbox_events.enqueue(db, [case.id])  # queued again with nothing changed
    db.commit()
    sync_pending(app)
    assert version() == before + 1 and queued(db) == set()


def test_a_failed_statistics_write_leaves_the_case_committed_and_the_work_queued(
        app, db, counsellor, monkeypatch, caplog):
    real_write = sync.write_facts
    calls = {"n": 0}

    def fails_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the statistics database went away")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(sync, "write_facts", fails_once)
    caplog.set_level(logging.WARNING)
    case = seed_case(db, counsellor, identity={"given_name": "Canaryfailname"})

    result = sync_pending(app)
    assert (result.synced, result.failed) == (0, 1)
    assert db.get(Case, case.id).status == "active"  # the case change is committed
    assert queued(db) == {case.id}  # the promise to project it too
    assert stored_for(case) == []  # the statistics are stale …
    assert disagreements(app, db)  # … and verify would say so
    assert "RuntimeError" in caplog.text
    assert "went away" not in caplog.text and "Canaryfailname" not in caplog.text

    result = sync_pending(app)  # the next sync (after a request, or `stats sync` / `verify`)
    assert (result.synced, result.failed) == (1, 0)
    assert queued(db) == set()
    assert stored_for(case) == expected(db, case) != []
    assert disagreements(app, db) == []


def test_a_failure_after_the_statistics_commit_is_redone_harmlessly(app, db, counsellor, monkeypatch):
    case = seed_case(db, counsellor)
    real_delete = sync.delete
    calls = {"n": 0}

    def fails_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the case store went away")
        return real_delete(*args, **kwargs)

    monkeypatch.setattr(sync, "delete", fails_once)
    assert sync_pending(app).failed == 1
    assert queued(db) == {case.id} and stored_for(case) == expected(db, case)
    assert sync_pending(app).synced == 1
    assert queued(db) == set() and stored_for(case) == expected(db, case)


def test_withdrawn_consent_removes_her_rows(app, db, counsellor, monkeypatch):
    monkeypatch.setitem(app.config, "STATISTICS_REQUIRE_CONSENT", True)
    case = seed_case(db, counsellor)
    actor = db.get(User, counsellor.id)
    consent = records.record_consent(db, case, actor=actor, kind="statistics", given_on=date(2025, 3, 10))
    db.commit()
    sync_pending(app)
    assert len(stored_for(case)) == 1
    records.withdraw_consent(db, case, consent, actor=actor, withdrawn_on=date(2026, 2, 1))
    db.commit()
    assert queued(db) == {case.id}
    sync_pending(app)
    assert stored_for(case) == []
    assert disagreements(app, db) == []


def test_erasing_her_keeps_her_case_facts(app, db, counsellor):
    case = seed_case(db, counsellor)
    sync_pending(app)
    before = stored_for(case)
    erase_client(db, case.client_id, actor=db.get(User, counsellor.id))
    db.commit()
    assert case.id in queued(db)
    assert sync_pending(app).failed == 0
    assert stored_for(case) == before != []
    assert disagreements(app, db) == []


def test_a_deleted_draft_leaves_no_rows(app, db, counsellor):
    case = seed_case(db, counsellor)
    sync_pending(app)
    key = row_key(case.id)
    db.delete(db.get(Case, case.id))
    db.commit()
    sync_pending(app)
    from tests.stats import stored_facts
    assert stored_facts(key) == []


def test_enquiries_and_activities_are_counted_without_any_key(app, db, make_user, clock):
    coordinator = db.get(User, make_user("coordinator").id)
    centre.record_enquiry(db, actor=coordinator, received_on=date(2026, 3, 4), channel="phone",
                          caller="woman_herself", topics=["information", "legal_counselling"],
                          outcome="appointment_made")
    centre.record_enquiry(db, actor=coordinator, received_on=date(2026, 3, 9), channel="phone",
                          caller="woman_herself", topics=["information"], outcome="appointment_made")
    centre.record_activity(db, actor=coordinator, held_on=date(2026, 5, 1), kind="training",
                           audience="professionals", participants=23, partner_organisation_ids=[],
                           title="Canary title of a training")
    db.commit()
    assert queued(db) == {CENTRE_LOG}
    sync_pending(app)
    databases.stats_session.expire_all()
    counts = load_centre_counts(databases.stats_session)
    assert counts.enquiries == {(2026, 3, "phone", "woman_herself", "appointment_made"): 2}
    assert counts.topics == {(2026, "information"): 2, (2026, "legal_counselling"): 1}
    assert counts.activities == {(2026, "training", "professionals"): (1, 23)}
    assert disagreements(app, db) == []


def test_outbox_rows_are_one_per_case(app, db, counsellor):
    case = seed_case(db, counsellor)
    for day in (date(2025, 5, 1), date(2025, 6, 1)):
        add_session(db, case, counsellor, day)
    assert db.scalar(select(func.count()).select_from(StatsOutbox)) == 1
