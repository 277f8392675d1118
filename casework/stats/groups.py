"""Coarsening: the groups and bands that reach the statistics store instead of exact values.

- nationality_group: an ISO 3166-1 alpha-2 country code → a world-region group. The mapping is
  an explicit table (reviewable, no data files): the EU-27; the rest of Europe taken as the
  Council of Europe's other members and Europe's microstates and dependencies (so Turkey, the
  Caucasus, Russia, Ukraine and the Western Balkans are `other_europe`); the Middle East and
  North Africa as the World Bank draws it (Djibouti in, Sudan out); the rest of Africa; Asia;
  the Americas and Oceania. The centre's own country (CENTRE_COUNTRY) is `national` and is
  taken out of its region. Anything else — free text such as "Greek", an unknown code, an
  uninhabited territory — is `not_stated`: a guess could move a woman into a rarer group.
- age_band: her age in whole years on a reference day → the bands of DOMAIN.md.
- time_to_contact: days from the last incident to the intake → within_week … over_year.
"""

from __future__ import annotations

from datetime import date
from typing import Optional

NOT_STATED = "not_stated"
UNKNOWN = "unknown"
NATIONAL = "national"
STATELESS = "stateless"

_REGIONS = {
    "eu": "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK",
    "other_europe": "AD AL AM AX AZ BA BY CH FO GB GE GG GI IM IS JE LI MC MD ME MK NO RS RU SJ "
                    "SM TR UA VA XK",
    "middle_east_north_africa": "AE BH DJ DZ EG EH IL IQ IR JO KW LB LY MA OM PS QA SA SY TN YE",
    "sub_saharan_africa": "AO BF BI BJ BW CD CF CG CI CM CV ER ET GA GH GM GN GQ GW KE KM LR LS "
                          "MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TZ "
                          "UG YT ZA ZM ZW",
    "asia": "AF BD BN BT CC CN CX HK ID IN JP KG KH KP KR KZ LA LK MM MN MO MV MY NP PH PK SG "
            "TH TJ TL TM TW UZ VN",
    "americas_oceania": "AG AI AR AS AU AW BB BL BM BO BQ BR BS BZ CA CK CL CO CR CU CW DM DO "
                        "EC FJ FK FM GD GF GL GP GT GU GY HN HT JM KI KN KY LC MF MH MP MQ MS "
                        "MX NC NF NI NR NU NZ PA PE PF PG PM PN PR PW PY SB SR SV SX TC TK TO "
                        "TT TV US UY VC VE VG VI VU WF WS",
}
COUNTRY_GROUPS: dict[str, str] = {
    country: group for group, countries in _REGIONS.items() for country in countries.split()
}
# Other spellings met in practice: the EU's own code for Greece and the UK's common one.
ALIASES = {"EL": "GR", "UK": "GB"}
# "Stateless" as ICAO travel documents write it (XXA), a plain XX, or the word as a code.
STATELESS_VALUES = frozenset({"XX", "XXA", "STATELESS"})
NATIONALITY_GROUPS = (NATIONAL, *_REGIONS, STATELESS, NOT_STATED)

AGE_BANDS = ((18, "under_18"), (25, "18_24"), (35, "25_34"), (45, "35_44"), (55, "45_54"),
             (65, "55_64"))
OLDEST_BAND = "65_plus"
CONTACT_BANDS = ((7, "within_week"), (31, "within_month"), (365, "within_year"))
LATEST_CONTACT_BAND = "over_year"


def country_code(value: Optional[str]) -> Optional[str]:
    """The alpha-2 code a stored value stands for (upper-cased, aliases resolved), or None."""
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    return ALIASES.get(code, code) if code else None


def nationality_group(value: Optional[str], centre_country: str) -> str:
    """The group of a nationality stored as an ISO 3166-1 alpha-2 code.

    `centre_country` is the centre's own country (app.config CENTRE_COUNTRY): her nationality
    is `national` when it is the same. Free text and unknown codes are `not_stated`.
    """
    code = country_code(value)
    if code is None:
        return NOT_STATED
    if code in STATELESS_VALUES:
        return STATELESS
    if code == country_code(centre_country):
        return NATIONAL
    return COUNTRY_GROUPS.get(code, NOT_STATED)


def age_in_years(born: date, on: date) -> int:
    """Whole years from `born` to `on` (a 29 February birthday comes on 1 March)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_band(age: Optional[int]) -> str:
    if age is None or age < 0:
        return UNKNOWN
    for limit, band in AGE_BANDS:
        if age < limit:
            return band
    return OLDEST_BAND


def time_to_contact(last_incident: Optional[date], intake: Optional[date]) -> str:
    """How long after the last incident she first came; `unknown` when either date is missing
    or the incident recorded as the last one comes after the intake (the violence went on)."""
    if last_incident is None or intake is None or last_incident > intake:
        return UNKNOWN
    days = (intake - last_incident).days
    for limit, band in CONTACT_BANDS:
        if days <= limit:
            return band
    return LATEST_CONTACT_BAND
