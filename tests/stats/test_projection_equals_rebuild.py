"""After any sequence of case operations, synced one by one (or several at a time), the
statistics store is exactly what a rebuild from the case store makes, and verify agrees."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any, Callable, Optional

import pytest
from sqlalchemy import select

from casework.auth.models import User
from casework.cases.models import Case, Consent
from casework.cases.service import save_intake
from casework.centre import service as centre
from casework.clients.identity import erase_client, update_client
from casework.clients.models import Client
from casework.extensions import db as databases
from casework.records import service as records
from casework.stats import outbox_events
from casework.stats.rebuild import rebuild, verify
from casework.stats.sync import load_centre_counts, sync_pending
from tests.stats import TODAY, seed_case, snapshot

FIRST_DAY = date(2023, 1, 1)
VIOLENCE = ["physical", "sexual", "psychological", "economic", "social", "digital"]
NATIONALITIES = ["GR", "SY", "AF", "UA", "NG", "AL", "", "Greek"]
STEPS = 30


@pytest.fixture(autouse=True)
def listening():
    outbox_events.listen_for_changes()


def day_between(rng: random.Random, first: date, last: date = TODAY) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def identity(rng: random.Random) -> dict:
    if rng.random() < 0.7:
        return {"given_name": "Anna", "birth_date": day_between(rng, date(1950, 1, 1), date(2010, 12, 31)).isoformat()}
    return {"given_name": "Anna", "approximate_age": rng.randint(14, 80), "age_is_estimated": True}


class World:
    """The cases made so far and the operations that can be done on them."""

    def __init__(self, db: Any, counsellor: User, rng: random.Random) -> None:
        self.db, self.rng = db, rng
        self.actor_id = counsellor.id
        self.counsellor = counsellor
        self.case_ids: list[str] = []

    @property
    def actor(self) -> User:
        return self.db.get(User, self.actor_id)

    def pick(self, status: Optional[str] = None) -> Optional[Case]:
        cases = [self.db.get(Case, case_id) for case_id in self.case_ids]
        cases = [case for case in cases if status is None or case.status == status]
        return self.rng.choice(cases) if cases else None

    def create(self) -> bool:
        rng = self.rng
        intake_day = day_between(rng, FIRST_DAY)
        case = seed_case(self.db, self.counsellor, identity=identity(rng), intake={
            "reason_for_contact": rng.choice(["gender_based_violence", "both", "multiple_discrimination_only"]),
            "intake_date": intake_day.isoformat(), "contact_channel": rng.choice(["phone", "in_person"]),
            "violence_types": rng.sample(VIOLENCE, rng.randint(1, 3)),
            "history": {"duration": rng.choice(["under_1y", "over_10y", None]),
                        "last_incident_on": (intake_day - timedelta(days=rng.randint(0, 900))).isoformat()},
        }, profile={"nationality": rng.choice(NATIONALITIES),
                    "migration_status": rng.choice(["citizen", "refugee", None])})
        self.case_ids.append(case.id)
        return True

    def session(self) -> bool:
        case = self.pick("active")
        if case is None:
            return False
        records.add_session(self.db, case, actor=self.actor, held_on=day_between(self.rng, case.opened_on),
                            duration_minutes=self.rng.randint(10, 120),
                            service=self.rng.choice(["psychological_support", "legal_counselling", "information"]),
                            mode="phone")
        return True

    def close(self) -> bool:
        case = self.pick("active")
        if case is None:
            return False
        records.close(self.db, case, actor=self.actor, expected_version=case.version,
                      closed_on=day_between(self.rng, case.opened_on),
                      reason=self.rng.choice(["goals_met", "no_contact", "moved_away"]))
        return True

    def reopen(self) -> bool:
        case = self.pick("closed")
        if case is None:
            return False
        records.reopen(self.db, case, actor=self.actor, expected_version=case.version)
        return True

    def violence(self) -> bool:
        case = self.pick("active")
        if case is None:
            return False
        save_intake(self.db, case, actor=self.actor, expected_version=case.version,
                    intake={"violence_types": self.rng.sample(VIOLENCE, self.rng.randint(1, 4))})
        return True

    def birth_date(self) -> bool:
        case = self.pick()
        if case is None:
            return False
        client = self.db.get(Client, case.client_id)
        update_client(self.db, client, actor=self.actor, expected_version=client.version,
                      identity=identity(self.rng))
        return True

    def consent(self) -> bool:
        case = self.pick("active")
        if case is None:
            return False
        records.record_consent(self.db, case, actor=self.actor, kind="statistics",
                               given_on=day_between(self.rng, case.opened_on))
        return True

    def withdraw(self) -> bool:
        consents = list(self.db.scalars(select(Consent).where(
            Consent.kind == "statistics", Consent.withdrawn_on.is_(None),
            Consent.case_id.in_(self.case_ids))))
        if not consents:
            return False
        consent = self.rng.choice(consents)
        records.withdraw_consent(self.db, self.db.get(Case, consent.case_id), consent, actor=self.actor,
                                 withdrawn_on=day_between(self.rng, consent.given_on))
        return True

    def erase(self) -> bool:
        case = self.pick()
        if case is None or self.rng.random() < 0.7:
            return False
        erase_client(self.db, case.client_id, actor=self.actor)
        self.case_ids = [i for i in self.case_ids if self.db.get(Case, i).client_id != case.client_id]
        return True

    def enquiry(self) -> bool:
        centre.record_enquiry(self.db, actor=self.actor, received_on=day_between(self.rng, FIRST_DAY),
                              channel="phone", caller="woman_herself",
                              topics=self.rng.sample(["information", "legal_counselling"], 1),
                              outcome="information_given")
        return True


OPERATIONS: dict[str, Callable[[World], bool]] = {
    "create": World.create, "session": World.session, "close": World.close, "reopen": World.reopen,
    "violence": World.violence, "birth_date": World.birth_date, "consent": World.consent,
    "withdraw": World.withdraw, "erase": World.erase, "enquiry": World.enquiry,
}


@pytest.mark.parametrize("seed", range(4))
def test_projection_equals_rebuild_after_random_operations(app, db, make_user, clock, monkeypatch, seed):
    rng = random.Random(seed)
    monkeypatch.setitem(app.config, "STATISTICS_REQUIRE_CONSENT", seed % 2 == 1)
    world = World(db, make_user("counsellor"), rng)
    done = []
    for _ in range(STEPS):
        name = "create" if not world.case_ids else rng.choice(list(OPERATIONS))
        if OPERATIONS[name](world):
            done.append(name)
        db.commit()
        if rng.random() < 0.5:  # sometimes several changes wait in the outbox together
            assert sync_pending(app).failed == 0
            # every change reached the store: nothing was left out of the outbox
            assert verify(db, databases.stats_session).disagreements == [], done
    assert sync_pending(app).failed == 0
    assert len(set(done)) >= 5, done

    projected, centre_counts = snapshot(), load_centre_counts(databases.stats_session)
    assert projected  # something was counted
    assert verify(db, databases.stats_session).disagreements == []

    rebuild(db, databases.stats_session)
    databases.stats_session.flush()
    assert snapshot() == projected
    assert load_centre_counts(databases.stats_session) == centre_counts
    databases.stats_session.rollback()
