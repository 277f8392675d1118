"""Tests of the statistics store: projection, outbox sync, rebuild and verify, no identifying data.

Shared helpers: seed a case through the real services, and read what the store holds.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Optional

from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.service import activate_case, open_case, save_intake
from casework.clients.identity import register_client
from casework.extensions import db as databases
from casework.records import service as records
from casework.stats.keys import row_key
from casework.stats.projection import CaseYearFacts, load_facts_many, stored_keys

TODAY = date(2026, 11, 25)  # the FakeClock's day

INTAKE = {
    "reason_for_contact": "gender_based_violence", "intake_date": "2025-03-10",
    "contact_channel": "phone", "referral_source": "police",
    "requests": ["psychological_support", "legal_counselling"],
    "violence_types": ["physical", "psychological"],
    "history": {"first_incident_year": 2019, "duration": "1_5y", "frequency": "weekly",
                "last_incident_on": "2025-03-01"},
    "justice_steps": [{"step": "police_complaint", "on": "2025-03-02"},
                      {"step": "protection_order_granted", "on": "2026-02-01"}],
    "area": "same_region", "narrative": "In her words.",
}
PERPETRATORS = [{"relationship": "current_partner", "sex": "male", "age_band": "35_44"}]
PROFILE = {"nationality": "SY", "migration_status": "refugee",
           "children": {"count": 2, "ages": [4, 9], "live_with_her": True, "exposed_to_violence": True}}


def seed_case(session: Any, user: User, *, identity: Optional[dict] = None,
              profile: Optional[dict] = None, discrimination: Optional[list] = None,
              intake: Optional[dict] = None, perpetrators: Optional[list] = None,
              opened_on: Optional[date] = None, contacts: Optional[dict] = None) -> Case:
    """A client and her active case, made through the services and committed."""
    actor = session.get(User, user.id)
    client = register_client(session, actor=actor, identity=identity or {"given_name": "Eleni"},
                             contacts=contacts, profile=profile if profile is not None else PROFILE,
                             discrimination_factors=discrimination if discrimination is not None
                             else ["migrant", "single_parent"])
    case = open_case(session, actor=actor, client=client)
    document = dict(INTAKE if intake is None else intake)
    save_intake(session, case, actor=actor, expected_version=case.version, intake=document,
                perpetrators=PERPETRATORS if perpetrators is None else perpetrators)
    opened = opened_on or date.fromisoformat(document.get("intake_date") or "2025-03-10")
    activate_case(session, case, actor=actor, expected_version=case.version, opened_on=opened)
    session.commit()
    return case


def add_session(session: Any, case: Case, user: User, held_on: date, *,
                service: str = "psychological_support", minutes: int = 50, notes: str = "") -> None:
    records.add_session(session, case, actor=session.get(User, user.id), held_on=held_on,
                        duration_minutes=minutes, service=service, mode="in_person", notes=notes)
    session.commit()


def stored_facts(key: str) -> list[CaseYearFacts]:
    """What the statistics store holds for one key now (read afresh)."""
    stats = databases.stats_session
    stats.expire_all()
    return load_facts_many(stats, [key]).get(key, [])


def stored_for(case: Case) -> list[CaseYearFacts]:
    return stored_facts(row_key(case.id))


def snapshot() -> dict[str, list[CaseYearFacts]]:
    """Every key's facts in the store."""
    stats = databases.stats_session
    stats.expire_all()
    return load_facts_many(stats, sorted(stored_keys(stats)))
