"""Coarsening: nationality groups, age bands, time from the last incident to the intake."""

from __future__ import annotations

from datetime import date

import pytest
from babel import Locale

from casework.stats.groups import (COUNTRY_GROUPS, NATIONALITY_GROUPS, age_band, age_in_years,
                                   nationality_group, time_to_contact)

# Babel's territories that are not ISO 3166-1 countries (regions, reserved and private-use
# codes, exceptional reservations) and uninhabited territories: no nationality.
NOT_NATIONALITIES = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB",
                     "ZZ", "AQ", "BV", "GS", "HM", "IO", "TF", "UM"}


@pytest.mark.parametrize("value, expected", [
    ("GR", "national"), ("gr ", "national"), ("EL", "national"), ("CY", "eu"), ("DE", "eu"),
    ("AL", "other_europe"), ("UA", "other_europe"), ("TR", "other_europe"), ("GB", "other_europe"),
    ("UK", "other_europe"), ("SY", "middle_east_north_africa"), ("EG", "middle_east_north_africa"),
    ("IR", "middle_east_north_africa"), ("SD", "sub_saharan_africa"), ("NG", "sub_saharan_africa"),
    ("AF", "asia"), ("PK", "asia"), ("BR", "americas_oceania"), ("AU", "americas_oceania"),
    ("XXA", "stateless"), ("stateless", "stateless"),
    (None, "not_stated"), ("", "not_stated"), ("Greek", "not_stated"), ("QQ", "not_stated"),
    ("AQ", "not_stated"), (42, "not_stated"),
])
def test_nationality_groups(value, expected):
    assert nationality_group(value, "GR") == expected


def test_the_centres_own_country_is_national_and_greece_is_then_eu():
    assert nationality_group("TR", "TR") == "national"
    assert nationality_group("GR", "TR") == "eu"


def test_every_country_has_exactly_one_group():
    territories = {code for code in Locale("en").territories if len(code) == 2 and code.isalpha()}
    countries = territories - NOT_NATIONALITIES
    assert countries == set(COUNTRY_GROUPS)
    assert set(COUNTRY_GROUPS.values()) <= set(NATIONALITY_GROUPS)
    for code in NOT_NATIONALITIES:
        assert nationality_group(code, "GR") == "not_stated"


@pytest.mark.parametrize("born, on, years", [
    (date(2000, 3, 10), date(2018, 3, 10), 18), (date(2000, 3, 10), date(2018, 3, 9), 17),
    (date(2004, 2, 29), date(2022, 2, 28), 17), (date(2004, 2, 29), date(2022, 3, 1), 18),
])
def test_age_in_whole_years(born, on, years):
    assert age_in_years(born, on) == years


@pytest.mark.parametrize("age, band", [
    (None, "unknown"), (-1, "unknown"), (0, "under_18"), (17, "under_18"), (18, "18_24"),
    (24, "18_24"), (25, "25_34"), (34, "25_34"), (35, "35_44"), (44, "35_44"), (45, "45_54"),
    (54, "45_54"), (55, "55_64"), (64, "55_64"), (65, "65_plus"), (101, "65_plus"),
])
def test_age_bands(age, band):
    assert age_band(age) == band


@pytest.mark.parametrize("last, intake, band", [
    (date(2026, 3, 1), date(2026, 3, 1), "within_week"), (date(2026, 3, 1), date(2026, 3, 8), "within_week"),
    (date(2026, 3, 1), date(2026, 3, 9), "within_month"), (date(2026, 3, 1), date(2026, 4, 1), "within_month"),
    (date(2026, 3, 1), date(2026, 4, 2), "within_year"), (date(2025, 3, 1), date(2026, 3, 1), "within_year"),
    (date(2025, 3, 1), date(2026, 3, 2), "over_year"),
    (None, date(2026, 3, 1), "unknown"), (date(2026, 3, 2), date(2026, 3, 1), "unknown"),
])
def test_time_from_the_last_incident_to_the_intake(last, intake, band):
    assert time_to_contact(last, intake) == band
