"""Filling a demo instance through the real services.

Every record is made the way a counsellor's pages make it: documents cleaned by the same
schemas, then register_client, open_case, save_intake, the consents, activate_case, the
sessions, risk assessments and safety plans, and closure — so each one is sealed under her
data key, indexed for search and audited in the chain, exactly as in use. Nothing is written
to a table directly. Like every service, these functions flush and never commit: the command
commits after each batch (see `seed_clients`), which keeps memory flat.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterator

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from casework.audit.service import record
from casework.auth.models import User
from casework.auth.second_factor import store_totp_secret
from casework.auth.users import create_user, find_user, set_password
from casework.cases.intake_schema import clean_intake_part, clean_perpetrators
from casework.cases.service import activate_case, open_case, save_intake
from casework.centre.service import record_activity, record_enquiry
from casework.clients import schema
from casework.clients.identity import register_client
from casework.clock import today
from casework.demo import data
from casework.errors import DomainError
from casework.intake.sections import SECTIONS
from casework.records.service import (add_risk_assessment, add_safety_plan, add_session, close,
                                      record_consent)

COUNSELLOR_NAME = "demo.counsellor{n}"
COORDINATOR_NAME = "demo.coordinator"
ACTIVITIES_PER_YEAR = 24
ENQUIRIES_PER_CLIENT = 0.1  # about one anonymous enquiry for every ten women recorded
ALL_SECTIONS = [section.slug for section in SECTIONS]


class AlreadySeeded(DomainError):
    """The demo accounts exist: this instance was seeded before."""


@dataclass
class SeedCounts:
    clients: int = 0
    cases_closed: int = 0
    drafts: int = 0
    sessions: int = 0
    risk_assessments: int = 0
    safety_plans: int = 0
    consents: int = 0

    def add(self, other: SeedCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def create_demo_accounts(session: Session, *, counsellors: int, password: str,
                         totp_secret: str) -> tuple[list[User], User]:
    """demo.counsellor1… and demo.coordinator, all with `password` and the TOTP secret given.

    Returns the counsellors and the coordinator. A demo has one shared secret so that whoever shows it can sign
    in as any of them; each enrolment is audited as a second factor set up by the seed.
    """
    if find_user(session, COORDINATOR_NAME) is not None:
        raise AlreadySeeded(_("This instance already holds demo accounts: seed a fresh one."))
    people = [(COUNSELLOR_NAME.format(n=n), "counsellor", f"Demo counsellor {n}")
              for n in range(1, counsellors + 1)]
    people.append((COORDINATOR_NAME, "coordinator", "Demo coordinator"))
    made = []
    for username, role, display_name in people:
        user = create_user(session, username=username, role=role, actor=None,
                           display_name=display_name)
        set_password(session, user, password, actor=None)
        store_totp_secret(session, user, totp_secret, last_step=None)
        session.flush()
        record(session, "user.second_factor_enrolled", target_type="user", target_id=user.id,
               details={"by": "demo_seed"})
        made.append(user)
    return made[:-1], made[-1]


def seed_clients(session: Session, counsellors: list[User], *, count: int, years: int,
                 rng: random.Random, batch_size: int = 200) -> Iterator[SeedCounts]:
    """Record `count` fictional women and their cases; yields each batch's counts once its
    records are flushed, so the caller commits between batches."""
    day = today()
    batch = SeedCounts()
    for index in range(count):
        demo = data.make_case(rng, index, today=day, years=years)
        batch.add(seed_case(session, rng.choice(counsellors), demo, today=day))
        if batch.clients == batch_size or index == count - 1:
            yield batch
            batch = SeedCounts()


def seed_case(session: Session, counsellor: User, demo: data.DemoCase, *, today: date) -> SeedCounts:
    """One woman: her record, her case's intake and consents, then what happened in it."""
    identity = schema.clean_identity(demo.identity, today=today, intake_date=demo.intake_date)
    client = register_client(session, actor=counsellor, identity=identity,
                             contacts=schema.clean_contacts(demo.contacts),
                             profile=schema.clean_profile(demo.profile),
                             discrimination_factors=schema.clean_discrimination(demo.discrimination))
    case = open_case(session, actor=counsellor, client=client)
    intake = clean_intake_part(demo.intake, today=today, birth_date=schema.birth_date_of(identity))
    save_intake(session, case, actor=counsellor, expected_version=case.version,
                intake={**intake, "saved_sections": ALL_SECTIONS},
                perpetrators=clean_perpetrators(demo.perpetrators))
    kinds = ["processing", "statistics"] if demo.statistics_consent else ["processing"]
    for kind in kinds:
        record_consent(session, case, actor=counsellor, kind=kind, given_on=demo.intake_date)
    counts = SeedCounts(clients=1, consents=len(kinds))
    if demo.stays_draft:
        counts.drafts = 1
        return counts
    activate_case(session, case, actor=counsellor, expected_version=case.version,
                  opened_on=demo.intake_date)
    for contact in demo.sessions:
        add_session(session, case, actor=counsellor, **contact)
    counts.sessions = len(demo.sessions)
    if demo.risk:
        add_risk_assessment(session, case, actor=counsellor, **demo.risk)
        counts.risk_assessments = 1
    if demo.plan:
        add_safety_plan(session, case, actor=counsellor, **demo.plan)
        counts.safety_plans = 1
    if demo.closure:
        close(session, case, actor=counsellor, expected_version=case.version, **demo.closure)
        counts.cases_closed = 1
    return counts


def seed_centre_records(session: Session, *, counsellors: list[User], coordinator: User,
                        clients: int, years: int, rng: random.Random) -> tuple[int, int]:
    """Anonymous enquiries (about one per ten women) and two activities a month, spread over
    the same years; returns how many of each."""
    day = today()
    span = max(1, years * 365)
    enquiries = max(12 * years, round(clients * ENQUIRIES_PER_CLIENT))
    for _enquiry in range(enquiries):
        received = day - timedelta(days=rng.randrange(span))
        record_enquiry(session, actor=rng.choice(counsellors), **data.enquiry(rng, received))
    activities = ACTIVITIES_PER_YEAR * years
    for _activity in range(activities):
        held = day - timedelta(days=rng.randrange(span))
        record_activity(session, actor=coordinator, **data.activity(rng, held))
    return enquiries, activities
