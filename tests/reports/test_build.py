"""build_report from a statistics store seeded directly: the figures, their protection, quarters,
an empty year, the cache, the language of the labels."""

from __future__ import annotations

from typing import Any, Optional

import pytest

from casework.reports import cache
from casework.reports.build import build_report, is_empty, year_tables
from casework.reports.definitions import QUARTER_TABLES, YEAR_TABLES
from casework.reports.model import MARK, Period, Report, ReportTable
from casework.reports.queries import year_counts
from casework.reports.suppression.primary import small

YEAR = 2025


def tables(report: Report) -> dict[str, ReportTable]:
    return {t.id: t for t in report.tables}


def column(table: ReportTable, name: str = "count") -> dict[str, Optional[int]]:
    return {r: table.cells[(r, name)] for r in table.row_codes}


def nonzero(values: dict) -> dict:
    return {k: v for k, v in values.items() if v != 0}


def seed_large_year(seed: Any) -> None:
    """40 women whose every count is 0 or at least 10, and every complement too."""
    for i in range(40):
        new, older = i < 20, i >= 20
        seed.woman(
            YEAR, new=new, month=3 if i < 10 else 6,
            age_band="25_34" if i < 20 else "35_44",
            closed="goals_met" if 20 <= i < 25 else None,
            violence=("physical",) + (("psychological",) if i < 20 else ())
            + (("sexual",) if i >= 30 else ()),
            perpetrators=("current_partner",) if i % 2 else ("former_partner",),
            requests=("shelter_hosting",) if older and i < 25 else ("psychological_support",),
            referrals={("shelter", "arrived", "none", True): 1} if older and i < 25 else None,
            services={"social_support": (1, 60)})
    for month in (2, 5):
        seed.enquiries(YEAR, month, 10)
    seed.topic(YEAR, "information", 20)
    seed.activity(YEAR, "training", "students", 3, 60)


def test_every_table_matches_hand_computed_values_when_nothing_is_hidden(seed, stats):
    seed_large_year(seed)
    report = build_report(stats, Period(YEAR), "en")
    found = tables(report)
    assert [t.id for t in report.tables] == [t.id for t in YEAR_TABLES]
    assert report.audit_passed and report.k == 5 and report.k_sensitive == 10
    for table in report.tables:  # nothing hidden, nothing withheld
        assert not table.withheld and table.audit_passed, table.id
        assert None not in table.cells.values(), table.id
        assert None not in (table.row_totals or {}).values(), table.id
        assert None not in (table.column_totals or {}).values(), table.id
    assert column(found["women_supported"]) == {"new": 20, "continuing": 20}
    assert found["women_supported"].grand_total == 40
    assert nonzero(column(found["new_women_by_month"])) == {"03": 10, "06": 10}
    assert nonzero(column(found["cases_closed"])) == {"goals_met": 5}
    assert nonzero(column(found["women_by_age_band"])) == {"25_34": 20, "35_44": 20}
    violence = found["violence_types"]
    assert nonzero(column(violence)) == {"physical": 40, "psychological": 20, "sexual": 10}
    assert violence.multi_count and violence.grand_total == 40 and violence.sensitive
    by_age = found["violence_type_by_age_group"]
    assert nonzero(by_age.cells) == {("physical", "18_34"): 20, ("physical", "35_54"): 20,
                                     ("psychological", "18_34"): 20, ("sexual", "35_54"): 10}
    assert nonzero(by_age.row_totals) == {"physical": 40, "psychological": 20, "sexual": 10}
    assert nonzero(by_age.column_totals) == {"18_34": 20, "35_54": 20}
    assert by_age.grand_total == 40
    by_group = found["violence_type_by_perpetrator_group"]
    assert nonzero(by_group.cells) == {("physical", "intimate_partner"): 40,
                                       ("psychological", "intimate_partner"): 20,
                                       ("sexual", "intimate_partner"): 10}
    assert by_group.row_totals is None and by_group.column_totals is None
    assert nonzero(column(found["perpetrator_relationships"])) == {"current_partner": 20,
                                                                    "former_partner": 20}
    assert nonzero(column(found["requests"])) == {"shelter_hosting": 5, "psychological_support": 35}
    services = found["services_given"]
    assert nonzero(services.cells) == {("social_support", "sessions"): 40,
                                       ("social_support", "hours"): 40}
    assert services.column_totals == {"sessions": 40, "hours": 40}
    assert nonzero(column(found["referral_sources"])) == {"self": 20}
    assert nonzero(found["referrals_by_partner_type"].cells) == {("shelter", "arrived"): 5}
    assert column(found["shelter_pathway"]) == {"requested": 5, "referred": 5, "admitted": 5,
                                                "no_place": 0, "criteria": 0, "she_declined": 0}
    enquiries = found["enquiries_by_channel_and_caller"]
    assert nonzero(enquiries.cells) == {("phone", "woman_herself"): 20}
    assert enquiries.grand_total == 20
    assert nonzero(column(found["enquiries_by_topic"])) == {"information": 20}
    assert nonzero(found["activities"].cells) == {("training", "activities"): 3,
                                                  ("training", "participants"): 60}
    assert column(found["five_year_trend"]) == {"2021": 0, "2022": 0, "2023": 0, "2024": 0,
                                                "2025": 40}
    assert not found["five_year_trend"].has_grand_total
    assert nonzero(column(found["time_to_contact"])) == {"within_month": 20}
    for table_id, code in (("reason_for_contact", "gender_based_violence"),
                           ("abuse_duration", "1_5y"), ("children_exposed", "no"),
                           ("area_of_residence", "same_municipality"),
                           ("women_by_migration_status", "citizen"),
                           ("women_by_nationality_group", "national")):
        assert nonzero(column(found[table_id])) == {code: 40}, table_id
        assert found[table_id].grand_total == 40
    article11 = found["article_11_breakdown"]
    assert nonzero(article11.cells) == {
        ("18_34.physical.intimate_partner", "same_municipality"): 20,
        ("35_54.physical.intimate_partner", "same_municipality"): 20,
        ("18_34.psychological.intimate_partner", "same_municipality"): 20,
        ("35_54.sexual.intimate_partner", "same_municipality"): 10}
    assert article11.row_labels[0] == "Under 18 · Physical · Intimate partner"


def test_every_table_states_its_unit_whether_a_woman_counts_twice_and_how_to_read_it(seed, stats):
    seed_large_year(seed)
    report = build_report(stats, Period(YEAR), "en")
    for table in report.tables:
        assert table.title and table.unit and table.note and 1 <= table.number <= 14
        assert len(table.row_labels) == len(table.row_codes)
        assert len(table.column_labels) == len(table.column_codes)
    found = tables(report)
    assert found["violence_types"].multi_count and "more than the number of women" in \
        found["violence_types"].note
    assert not found["women_by_age_band"].multi_count
    assert found["women_by_age_band"].unit == "women with a contact in the year"
    assert found["referral_sources"].unit == "new women (intake in the year)"
    assert found["services_given"].unit.startswith("sessions")
    assert {t.number for t in report.tables} == set(range(1, 15))
    assert report.mark == MARK == "c" and report.mark_note.startswith("c: not published")


def _published(table: ReportTable) -> list[tuple[str, int]]:
    figures = [(f"{r}/{c}", v) for (r, c), v in table.cells.items()]
    figures += [(f"{r}/*", v) for r, v in (table.row_totals or {}).items()]
    figures += [(f"*/{c}", v) for c, v in (table.column_totals or {}).items()]
    figures += [("*", table.grand_total)]
    return [(name, v) for name, v in figures if v is not None]


def seed_small_year(seed: Any) -> None:
    """Small groups everywhere: 3 women aged 65+, 2 with trafficking, 7 with sexual violence,
    38 of 40 with physical violence, 6 refugees, 4 with a disability, 3 closures."""
    for i in range(40):
        seed.woman(YEAR, new=i < 25, month=1 + i % 12,
                   age_band="65_plus" if i < 3 else ("45_54" if i < 12 else "25_34"),
                   migration_status="refugee" if i < 6 else "citizen",
                   closed="no_contact" if i < 3 else None,
                   violence=(("physical",) if i >= 2 else ("psychological",))
                   + (("sexual",) if i < 7 else ()) + (("trafficking",) if i in (10, 11) else ()),
                   factors=("disability",) if i < 4 else ("unemployed",),
                   services={"legal_counselling": (2, 90)} if i < 2
                   else {"social_support": (1, 60)})


def test_small_counts_are_hidden_with_their_complements(seed, stats):
    seed_small_year(seed)
    report = build_report(stats, Period(YEAR), "en")
    assert report.audit_passed
    for table in report.tables:
        if table.id == "activities":
            continue  # events and participants, not women: published in full
        if table.withheld:
            assert not _published(table), table.id
            continue
        k = report.k_sensitive if table.sensitive else report.k
        for name, value in _published(table):
            # Sensitive rows use the higher k; others at least the ordinary one.
            assert not small(value, report.k), (table.id, name, value)
        if table.multi_count and table.grand_total is not None:
            for (row, _c), value in table.cells.items():
                if value is not None and table.column_totals is None:
                    assert not small(table.grand_total - value, report.k), (table.id, row)
        assert k >= report.k
    found = tables(report)
    assert column(found["women_by_age_band"])["65_plus"] is None
    assert column(found["violence_types"])["physical"] is None  # 38 of 40: "2 did not"
    assert column(found["violence_types"])["trafficking"] is None
    closed = found["cases_closed"]
    assert closed.withheld and "fewer than 5" in closed.withheld_reason
    assert all(v is None for v in found["cases_closed"].cells.values())
    assert found["cases_closed"].grand_total is None
    services = found["services_given"]
    assert services.cells[("legal_counselling", "sessions")] is None
    assert services.cells[("legal_counselling", "hours")] is None  # hidden with its sessions


def test_the_sensitive_tables_use_the_higher_threshold(app, seed, stats):
    seed_small_year(seed)
    strict = tables(build_report(stats, Period(YEAR), "en"))
    assert column(strict["violence_types"])["sexual"] is None  # 7 < 10
    assert column(strict["women_by_migration_status"])["refugee"] is None  # 6 < 10
    assert strict["violence_types"].sensitive and strict["women_by_migration_status"].sensitive
    assert not strict["women_by_age_band"].sensitive
    previous, app.config["REPORT_MIN_COUNT_SENSITIVE"] = app.config["REPORT_MIN_COUNT_SENSITIVE"], 5
    try:
        relaxed = tables(build_report(stats, Period(YEAR), "en"))
    finally:
        app.config["REPORT_MIN_COUNT_SENSITIVE"] = previous
    assert column(relaxed["violence_types"])["sexual"] == 7
    # Rows protected with the higher k: sexual violence, trafficking, disability, refugee status.
    thresholds = year_tables(year_counts(stats, YEAR), 5, 10).problem().thresholds
    for name in ("violence_types|sexual", "violence_types|trafficking",
                 "women_by_migration_status|refugee", "women_by_migration_status|asylum_seeker",
                 "discrimination_factors|disability",
                 "discrimination_factors|refugee_or_asylum_seeker",
                 "violence_type_by_age_group|sexual|18_34",
                 "violence_type_by_perpetrator_group|trafficking|stranger",
                 "article_11_breakdown|55_plus.sexual.stranger|abroad"):
        assert thresholds[name] == 10, name
    for name in ("violence_types|physical", "women_by_migration_status|citizen",
                 "discrimination_factors|unemployed", "women_by_age_band|65_plus"):
        assert thresholds[name] == 5, name


def test_the_threshold_is_a_setting(app, seed, stats):
    seed_large_year(seed)
    previous, app.config["REPORT_MIN_COUNT"] = app.config["REPORT_MIN_COUNT"], 11
    try:
        report = build_report(stats, Period(YEAR), "en")
    finally:
        app.config["REPORT_MIN_COUNT"] = previous
    assert report.k == 11 and report.k_sensitive == 11
    assert column(tables(report)["new_women_by_month"])["03"] is None  # 10 < 11


def test_quarters_have_totals_only(seed, stats):
    seed_large_year(seed)
    first = build_report(stats, Period(YEAR, 1), "en")
    assert [t.id for t in first.tables] == [t.id for t in QUARTER_TABLES]
    for table in first.tables:
        assert len(table.row_codes) == 1 and table.column_codes == ["count"]
        assert table.row_totals is None and table.column_totals is None
        assert not table.has_grand_total
    assert [t.cells[(t.row_codes[0], "count")] for t in first.tables] == [10, 10]
    second = build_report(stats, Period(YEAR, 2), "en")
    assert [t.cells[(t.row_codes[0], "count")] for t in second.tables] == [10, 10]
    assert first.period.slug == "2025-q1" and Period(YEAR).slug == "2025"
    with pytest.raises(ValueError):
        build_report(stats, Period(YEAR, 5), "en")


def test_quarters_cannot_be_added_up_into_a_hidden_figure(seed, stats):
    """30 new and 3 continuing women: "continuing" is hidden, so the new women are too; the four
    quarters, audited with the year, must not add up to the new women."""
    for i in range(30):
        seed.woman(YEAR, month=1 + i % 12)
    seed.women(3, YEAR, new=False)
    year = tables(build_report(stats, Period(YEAR), "en"))
    assert column(year["women_supported"]) == {"new": None, "continuing": None}
    quarters = [build_report(stats, Period(YEAR, q), "en").tables[0] for q in (1, 2, 3, 4)]
    assert None in [t.cells[("new_women", "count")] for t in quarters]


def test_a_year_with_no_data_is_empty_and_all_zeros(seed, stats):
    seed_large_year(seed)
    report = build_report(stats, Period(2019), "en")
    assert is_empty(report)
    assert all(v == 0 for t in report.tables for v in t.cells.values())
    assert not is_empty(build_report(stats, Period(YEAR), "en"))


def test_the_protection_is_cached_per_version_and_counts(seed, stats):
    seed_large_year(seed)
    build_report(stats, Period(YEAR), "en")
    assert (cache.stats().misses, cache.stats().hits) == (1, 0)
    build_report(stats, Period(YEAR), "el")  # another language, the same protection
    build_report(stats, Period(YEAR, 2), "en")  # the quarters are protected with their year
    assert (cache.stats().misses, cache.stats().hits) == (1, 2)
    assert cache.stats().protection_seconds > 0
    seed.woman(YEAR)  # a change the version does not (yet) show: the counts' fingerprint does
    report = build_report(stats, Period(YEAR), "en")
    assert cache.stats().misses == 2
    assert tables(report)["women_supported"].grand_total == 41


def test_labels_follow_the_report_language(seed, stats):
    seed_large_year(seed)
    english = tables(build_report(stats, Period(YEAR), "en"))
    greek = tables(build_report(stats, Period(YEAR), "el"))
    assert english["violence_types"].row_labels[0] == "Physical"
    assert greek["violence_types"].row_labels[0] not in ("", "Physical")
    assert english["new_women_by_month"].row_labels[0] == "January"
    assert greek["new_women_by_month"].row_labels[0] == "Ιανουάριος"
    assert greek["violence_types"].cells == english["violence_types"].cells


def test_every_linked_table_is_consistent(seed, stats):
    """The problem validates every identity it states: the tables really share their totals."""
    seed_small_year(seed)
    seed_large_year(seed)
    problem = year_tables(year_counts(stats, YEAR), 5, 10).problem()
    problem.validate()
    assert len(problem.tables) == len(YEAR_TABLES) - 1 + 8  # activities apart; 8 quarter totals
