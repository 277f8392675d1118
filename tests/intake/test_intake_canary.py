"""Canaries: a unique string typed in every free-text field of an intake (and her client
record) never reaches the database in clear — not in a sealed column, not in any other column
of the tables the intake writes (audit, sessions, index), not in a URL it redirects to."""

from __future__ import annotations

from sqlalchemy import text

from tests.intake import complete, post_section, start_new_client

TAG = "Qz9Kx"
CANARY_INTAKE = {
    "identity": {"given_name": f"Canarygiven{TAG}", "family_name": f"Κανάρη{TAG}",
                 "other_names-0": f"كناري{TAG}", "birth_date": "1977-06-13"},
    "contacts": {"phones-0-number": "+30 699 314 1592", "phones-0-safe_times": f"canarytimes{TAG}",
                 "emails-0-address": f"canarymail{TAG}@example.org",
                 "address": f"Canarystreet{TAG} 7"},
    "demographics": {"preferred_language": f"canarylang{TAG}", "interpreter_needed": "y",
                     "interpreter_language": f"canaryinterp{TAG}", "nationality": "SY",
                     "country_of_birth": "SY", "migration_status": "asylum_seeker"},
    "discrimination": {"discrimination_factors": ["single_parent"]},
    "referral": {"reason_for_contact": "gender_based_violence", "intake_date": "2026-11-20",
                 "contact_channel": "outreach"},
    "violence": {"violence_types": ["honour_related"]},
    "perpetrators": {"perpetrators-0-relationship": "former_partner"},
    "history": {"history-frequency": f"canaryfreq{TAG}", "history-last_incident_on": "2026-11-18"},
    "narrative": {"narrative": f"canarynarrative{TAG}"},
    "consents": {"processing-given": "y", "processing-given_on": "2026-11-20",
                 "processing-note": f"canaryconsent{TAG}", "statistics-given": "y",
                 "statistics-given_on": "2026-11-20", "statistics-note": f"canarystat{TAG}"},
}
CANARIES = [value for section in CANARY_INTAKE.values() for value in section.values()
            if isinstance(value, str) and TAG in value] + ["1977-06-13", "699314159"]
# Codes say something about her too: they may be in clear only outside the sealed columns.
SEALED_CODES = ["gender_based_violence", "honour_related", "former_partner", "single_parent",
                "asylum_seeker", "outreach"]
SEALED_COLUMNS = {
    "clients": ("identity_sealed", "contacts_sealed", "profile_sealed", "discrimination_sealed"),
    "cases": ("intake_sealed", "perpetrators_sealed", "risk_level_sealed", "closure_sealed"),
    "consents": ("scope_sealed",),
}
OTHER_TABLES = ("clients", "cases", "consents", "audit_entries", "web_sessions", "client_index_entries")


def leak_forms(value: str) -> list[bytes]:
    return [value.encode("utf-8"), value.encode("unicode_escape"), value.encode("utf-16-le")]


def test_nothing_typed_in_an_intake_is_stored_in_clear(client, login_as, db, clock):
    login_as("counsellor")
    case_id = start_new_client(client, f"Canarygiven{TAG}", f"Κανάρη{TAG}", phone="+30 699 314 1592")
    locations = []
    for section, data in CANARY_INTAKE.items():
        saved = post_section(client, case_id, section, data, go="continue")
        assert saved.status_code == 302, section
        locations.append(saved.location)
    done = complete(client, case_id)
    assert done.status_code == 302
    locations.append(done.location)
    review = client.get(f"/intake/{case_id}/review").get_data(as_text=True)
    assert all(canary in review for canary in CANARIES[:3])  # it was really stored, and opens

    sealed = b""
    for table, columns in SEALED_COLUMNS.items():
        for row in db.execute(text(f"SELECT {', '.join(columns)} FROM {table}")):
            sealed += b"".join(bytes(value) for value in row if value is not None)
    assert len(sealed) > 1_000
    everything = b"".join(repr(tuple(row)).encode("utf-8")
                          for table in OTHER_TABLES for row in db.execute(text(f"SELECT * FROM {table}")))
    for canary in CANARIES:
        for form in leak_forms(canary):
            assert form not in sealed, f"{canary!r} in a sealed column"
            assert form not in everything, f"{canary!r} stored in clear"
        assert all(canary not in location for location in locations)
    for code in SEALED_CODES:
        assert code.encode() not in sealed, f"code {code} readable in a sealed column"
