"""The facts a case projects, year by year: contact years, age bands, codes, services, closure,
and the consent rule."""

from __future__ import annotations

from datetime import date

import pytest

from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.service import open_case
from casework.clients.identity import erase_client, register_client
from casework.records import service as records
from casework.stats.projection import facts_for_case
from tests.stats import add_session, seed_case


@pytest.fixture
def counsellor(db, make_user, clock):
    return make_user("counsellor")


def facts(db, case):
    db.expire_all()
    return facts_for_case(db, db.get(Case, case.id))


def by_year(db, case):
    return {fact.year: fact for fact in facts(db, case)}


def test_a_case_opened_in_2025_with_sessions_in_2026_counts_in_both_years(db, counsellor):
    case = seed_case(db, counsellor, identity={"given_name": "Eleni", "birth_date": "1990-05-01"})
    add_session(db, case, counsellor, date(2025, 4, 2), minutes=50)
    add_session(db, case, counsellor, date(2026, 1, 15), service="legal_counselling", minutes=30)
    add_session(db, case, counsellor, date(2026, 2, 20), service="legal_counselling", minutes=45)

    years = by_year(db, case)
    assert sorted(years) == [2025, 2026]
    first, second = years[2025], years[2026]
    assert (first.is_new, first.intake_month, first.contact_in_year) == (True, 3, True)
    assert (second.is_new, second.intake_month, second.contact_in_year) == (False, None, True)
    assert first.age_band == "25_34"  # 34 on the intake date
    assert second.age_band == "35_44"  # 35 on 1 January 2026
    assert first.services == {"psychological_support": (1, 50)}
    assert second.services == {"legal_counselling": (2, 75)}
    for fact in (first, second):
        assert (fact.migration_status, fact.nationality_group) == ("refugee", "middle_east_north_africa")
        assert (fact.area, fact.reason_for_contact) == ("same_region", "gender_based_violence")
        assert (fact.referral_source, fact.contact_channel) == ("police", "phone")
        assert (fact.abuse_duration, fact.time_to_contact) == ("1_5y", "within_month")
        assert fact.children_exposed == "yes"
        assert (fact.closed_in_year, fact.closure_reason) == (False, None)
    common = {("violence_type", "physical"), ("violence_type", "psychological"),
              ("perpetrator_relationship", "current_partner"),
              ("discrimination_factor", "migrant"), ("discrimination_factor", "single_parent"),
              ("request", "psychological_support"), ("request", "legal_counselling")}
    assert first.codes == common | {("justice_step", "police_complaint")}
    assert second.codes == common | {("justice_step", "police_complaint"),
                                     ("justice_step", "protection_order_granted")}


def test_a_year_with_neither_intake_nor_session_has_no_row(db, counsellor):
    case = seed_case(db, counsellor, intake={"intake_date": "2024-06-01", "reason_for_contact": "both"})
    add_session(db, case, counsellor, date(2026, 3, 1))
    assert sorted(by_year(db, case)) == [2024, 2026]


def test_closure_counts_in_the_year_it_ended_closed(db, counsellor):
    case = seed_case(db, counsellor)
    actor = db.get(User, counsellor.id)
    records.close(db, case, actor=actor, expected_version=case.version,
                  closed_on=date(2025, 12, 1), reason="no_contact")
    db.commit()
    years = by_year(db, case)
    assert (years[2025].closed_in_year, years[2025].closure_reason) == (True, "no_contact")

    records.reopen(db, case, actor=actor, expected_version=case.version)  # reopened in 2026
    db.commit()
    years = by_year(db, case)
    assert sorted(years) == [2025]  # still closed at the end of 2025; no contact in 2026 yet
    assert years[2025].closed_in_year

    add_session(db, case, counsellor, date(2026, 2, 1))
    records.close(db, case, actor=actor, expected_version=case.version,
                  closed_on=date(2026, 3, 1), reason="goals_met")
    db.commit()
    years = by_year(db, case)
    assert (years[2026].closed_in_year, years[2026].closure_reason) == (True, "goals_met")
    assert (years[2025].closed_in_year, years[2025].closure_reason) == (True, "no_contact")


def test_a_closure_in_a_year_without_contact_makes_a_row_that_is_not_a_contact(db, counsellor):
    case = seed_case(db, counsellor)
    records.close(db, case, actor=db.get(User, counsellor.id), expected_version=case.version,
                  closed_on=date(2026, 1, 20), reason="moved_away")
    db.commit()
    years = by_year(db, case)
    assert (years[2026].contact_in_year, years[2026].closed_in_year) == (False, True)
    assert years[2026].closure_reason == "moved_away" and not years[2025].closed_in_year


@pytest.mark.parametrize("identity, expected", [
    ({"birth_date": "2007-03-10"}, {2025: "18_24", 2026: "18_24"}),  # 18 on the intake day
    ({"birth_date": "2007-03-11"}, {2025: "under_18", 2026: "18_24"}),  # 18 the day after
    ({"birth_date": "2008-01-01"}, {2025: "under_18", 2026: "18_24"}),  # 18 on 1 January 2026
    ({"birth_date": "2008-01-02"}, {2025: "under_18", 2026: "under_18"}),
    ({"birth_date": "1960-03-10"}, {2025: "65_plus", 2026: "65_plus"}),
    ({"birth_date": "1960-03-11"}, {2025: "55_64", 2026: "65_plus"}),
    ({"birth_date": "1990-03-10"}, {2025: "35_44", 2026: "35_44"}),
    ({"birth_date": "1990-03-11"}, {2025: "25_34", 2026: "35_44"}),
    ({"approximate_age": 24, "age_is_estimated": True}, {2025: "18_24", 2026: "18_24"}),
    ({"approximate_age": 64, "age_is_estimated": True}, {2025: "55_64", 2026: "55_64"}),
    ({}, {2025: "unknown", 2026: "unknown"}),
])
def test_age_bands_at_their_boundaries(db, counsellor, identity, expected):
    case = seed_case(db, counsellor, identity={"given_name": "Maria", **identity})
    add_session(db, case, counsellor, date(2026, 6, 1))
    assert {year: fact.age_band for year, fact in by_year(db, case).items()} == expected


def test_an_approximate_age_grows_with_the_whole_years_since_the_intake(db, counsellor):
    case = seed_case(db, counsellor, identity={"given_name": "Maria", "approximate_age": 17},
                     intake={**_intake("2024-03-10")})
    add_session(db, case, counsellor, date(2025, 2, 1))
    add_session(db, case, counsellor, date(2026, 2, 1))
    # 17 at the intake; on 1 January 2025 not a whole year has passed; on 1 January 2026, one.
    assert {y: f.age_band for y, f in by_year(db, case).items()} == {
        2024: "under_18", 2025: "under_18", 2026: "18_24"}


def _intake(day: str) -> dict:
    return {"reason_for_contact": "gender_based_violence", "intake_date": day,
            "contact_channel": "in_person", "violence_types": ["economic"]}


def test_missing_and_free_text_answers_become_codes(db, counsellor):
    case = seed_case(db, counsellor, profile={"nationality": "Greek, from Athens",
                                             "migration_status": None, "children": {}},
                     discrimination=["roma", "invented-free-text"],
                     intake={"intake_date": "2025-05-05", "violence_types": ["sexual", "nonsense"]},
                     perpetrators=[])
    [fact] = facts(db, case)
    assert (fact.nationality_group, fact.migration_status, fact.area) == ("not_stated",) * 3
    assert (fact.reason_for_contact, fact.referral_source, fact.contact_channel) == ("not_stated",) * 3
    assert (fact.abuse_duration, fact.time_to_contact, fact.children_exposed) == ("unknown",) * 3
    assert fact.codes == {("violence_type", "sexual"), ("discrimination_factor", "roma")}


def test_a_draft_intake_projects_nothing(db, counsellor):
    actor = db.get(User, counsellor.id)
    client = register_client(db, actor=actor, identity={"given_name": "Draft"})
    case = open_case(db, actor=actor, client=client)
    db.commit()
    assert facts(db, case) == []


def test_an_erased_client_is_not_recomputed(db, counsellor):
    case = seed_case(db, counsellor)
    erase_client(db, case.client_id, actor=db.get(User, counsellor.id))
    db.commit()
    assert facts(db, case) is None


class TestStatisticsConsent:
    @pytest.fixture(autouse=True)
    def consent_required(self, app, monkeypatch):
        monkeypatch.setitem(app.config, "STATISTICS_REQUIRE_CONSENT", True)

    def test_without_her_consent_nothing_is_counted(self, db, counsellor):
        case = seed_case(db, counsellor)
        assert facts(db, case) == []

    def test_with_her_consent_she_is_counted_until_she_withdraws_it(self, db, counsellor):
        case = seed_case(db, counsellor)
        actor = db.get(User, counsellor.id)
        consent = records.record_consent(db, case, actor=actor, kind="statistics",
                                         given_on=date(2025, 3, 10))
        db.commit()
        assert [f.year for f in facts(db, case)] == [2025]
        records.withdraw_consent(db, case, consent, actor=actor, withdrawn_on=date(2026, 1, 5))
        db.commit()
        assert facts(db, case) == []

    def test_another_kind_of_consent_does_not_count(self, db, counsellor):
        case = seed_case(db, counsellor)
        records.record_consent(db, case, actor=db.get(User, counsellor.id), kind="processing",
                               given_on=date(2025, 3, 10))
        db.commit()
        assert facts(db, case) == []


def test_without_the_consent_setting_every_case_counts(db, counsellor):
    case = seed_case(db, counsellor)
    assert [f.year for f in facts(db, case)] == [2025]
