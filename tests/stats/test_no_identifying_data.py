"""Nothing in the statistics store identifies a woman, a case or a counsellor: canary clients
are seeded through the services, every table of the store is dumped as text, and no canary,
id, username or full date is found in it."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import MetaData, inspect, select

from casework.auth.models import User
from casework.auth.second_factor import store_totp_secret
from casework.extensions import db as databases
from casework.records import service as records
from casework.security.totp import new_totp_secret
from casework.stats import outbox_events
from casework.stats.sync import sync_pending
from tests.stats import add_session, seed_case

FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
COUNSELLOR_ID = 987_654_321
FORBIDDEN_COLUMN_PARTS = ("name", "phone", "email", "address", "birth", "narrative", "note",
                          "case_id", "client", "counsellor", "user", "title", "text")
BOOKKEEPING = {"stats_meta", "alembic_version"}  # the store's own timestamps, nobody's


@pytest.fixture(autouse=True)
def listening():
    outbox_events.listen_for_changes()


def canary_sections(n: int) -> dict:
    tag = f"Qy{n}Wk"
    return {
        "identity": {"given_name": f"Canarygiven{tag}", "family_name": f"Κανάρηοικ{tag}",
                     "other_names": [f"كناري{tag}"], "birth_date": f"19{60 + n}-07-2{n}"},
        "contacts": {"phones": [{"number": f"+30 697 {n:03d} 4{n:03d}", "safe_to_call": False}],
                     "emails": [{"address": f"canary{tag}@example.org"}],
                     "address": f"Canarystreet{tag} 7"},
        "profile": {"nationality": f"canarynation{tag}", "country_of_birth": f"canaryborn{tag}",
                    "interpreter_language": f"canarylang{tag}", "migration_status": "refugee",
                    "children": {"count": 1, "ages": [3], "exposed_to_violence": False}},
        "discrimination": ["single_parent", f"canaryfactor{tag}"],
        "intake": {"reason_for_contact": "both", "intake_date": f"2025-0{n + 2}-1{n}",
                   "contact_channel": "phone", "referral_source": f"canarysource{tag}",
                   "violence_types": ["physical", f"canaryviolence{tag}"],
                   "history": {"frequency": f"canaryfreq{tag}", "last_incident_on": f"2025-01-0{n + 1}"},
                   "justice_steps": [{"step": "police_complaint", "on": f"2025-01-1{n}"}],
                   "area": "abroad", "narrative": f"Canarynarrative{tag} she told us"},
        "perpetrators": [{"relationship": "former_partner", "sex": "male", "age_band": "35_44",
                          "note": f"canaryperp{tag}"}],
        "session_note": f"Canarysessionnote{tag}", "closure_note": f"Canaryclosure{tag}",
        "consent_note": f"Canaryconsent{tag}",
    }


def strings_in(value) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return [value] if isinstance(value, str) and ("Qy" in value or value[:2] in ("19", "+3", "20")) else []


def dump_statistics_store() -> dict[str, str]:
    """Every table of the statistics store (as the database has it), one text per table."""
    connection = databases.stats_session.connection()
    metadata = MetaData()
    metadata.reflect(bind=connection)
    return {name: "\n".join(repr(tuple(row)) for row in connection.execute(select(table)))
            for name, table in metadata.tables.items()}


def test_no_identifying_value_reaches_the_statistics_store(app, db, clock):
    counsellor = User(id=COUNSELLOR_ID, username="canarycounsellorQyuser", role="counsellor")
    db.add(counsellor)
    db.flush()
    store_totp_secret(db, counsellor, new_totp_secret(), last_step=None)
    db.commit()
    canaries, case_ids, client_ids = [], [], []
    for n in range(3):
        sections = canary_sections(n)
        canaries += strings_in(sections)
        case = seed_case(db, counsellor, identity=sections["identity"], contacts=sections["contacts"],
                         profile=sections["profile"], discrimination=sections["discrimination"],
                         intake=sections["intake"], perpetrators=sections["perpetrators"])
        add_session(db, case, counsellor, date(2026, 2, 1 + n), notes=sections["session_note"])
        actor = db.get(User, COUNSELLOR_ID)
        records.record_consent(db, case, actor=actor, kind="statistics", given_on=date(2025, 5, 5),
                               note=sections["consent_note"])
        records.close(db, case, actor=actor, expected_version=case.version,
                      closed_on=date(2026, 3, 1), reason="goals_met", note=sections["closure_note"])
        db.commit()
        case_ids.append(case.id)
        client_ids.append(case.client_id)
    assert sync_pending(app).failed == 0
    assert len(canaries) >= 3 * 15

    tables = dump_statistics_store()
    assert tables["case_year_facts"].count("\n") + 1 == 6  # 3 cases × (2025, 2026): really dumped
    everything = "\n".join(tables.values())
    for canary in canaries:
        assert canary not in everything, f"canary {canary!r} found in the statistics store"
        assert canary.lower() not in everything.lower()
    for identifier in case_ids + client_ids:
        assert identifier not in everything and identifier.replace("-", "") not in everything
    assert str(COUNSELLOR_ID) not in everything and "canarycounsellor" not in everything
    for name, text in tables.items():
        if name not in BOOKKEEPING:
            assert not FULL_DATE.search(text), f"a full date in {name}"
    assert {line.split(",")[0] for line in tables["stats_meta"].splitlines()} <= {"('version'", "('rebuilt_at'"}


def test_no_column_of_the_statistics_store_could_hold_identifying_data(app):
    _, stats_engine = databases.engines(app)
    inspector = inspect(stats_engine)
    for table in inspector.get_table_names():
        for column in inspector.get_columns(table):
            name = column["name"].lower()
            assert not any(part in name for part in FORBIDDEN_COLUMN_PARTS), f"{table}.{name}"
