"""The fixed tables of the yearly statistics (DOMAIN.md, "The yearly statistics").

Each `TableDef` says what a table counts (its unit), whether a woman can count in several of its
rows, how to read it, which code lists give its rows and columns, and which rows are sensitive
(protected with REPORT_MIN_COUNT_SENSITIVE). There are no free filters: a report is one of these
tables for a year, and a quarter has totals only (`QUARTER_TABLES`), so that two reports can
never be subtracted into a small group.

Two-way tables use grouped categories (DOMAIN.md): perpetrators by intimate partner, other
family, other known person, stranger (and "other", for a relationship recorded as such); ages
under 18, 18–34, 35–54, 55 and over. The statistics store keeps ten-year bands that split at 35
and 45 (`25_34`, `35_44`), so DOMAIN.md's 18–39 / 40–54 cannot be drawn from it: the groups
follow the bands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from babel.dates import get_month_names
from flask_babel import lazy_gettext as _l

from casework.codes import code_list, label

FIRST_YEAR = 1990  # the earliest year a report can be asked for (the exports use the same)
COUNT = "count"  # the one column of a one-way table
TREND_YEARS = 5

# Sensitive rows (k = REPORT_MIN_COUNT_SENSITIVE): sexual violence, trafficking, disability,
# refugee status. By code list: the rows of tables drawn from that list.
SENSITIVE = {
    "violence_types": frozenset({"sexual", "trafficking"}),
    "migration_status": frozenset({"refugee", "asylum_seeker"}),
    "discrimination_factors": frozenset({"disability", "refugee_or_asylum_seeker"}),
}

AGE_GROUPS = {"under_18": ("under_18",), "18_34": ("18_24", "25_34"),
              "35_54": ("35_44", "45_54"), "55_plus": ("55_64", "65_plus"), "unknown": ("unknown",)}
AGE_GROUP_OF = {band: group for group, bands in AGE_GROUPS.items() for band in bands}
PERPETRATOR_GROUPS = {
    "intimate_partner": ("current_partner", "former_partner", "non_cohabiting_partner"),
    "other_family": ("father", "mother", "sibling", "son", "other_family", "in_law"),
    "other_known": ("employer_or_colleague", "acquaintance"),
    "stranger": ("stranger",),
    "other": ("other",),  # and any code a centre added to the list
}
SHELTER_STEPS = ("requested", "referred", "admitted", "no_place", "criteria", "she_declined")
NOT_ADMITTED = ("no_place", "criteria", "she_declined")

_EXTRA_LABELS = {
    "nationality_group": {
        "national": _l("Nationals"), "eu": _l("EU"), "other_europe": _l("Other Europe"),
        "middle_east_north_africa": _l("Middle East and North Africa"),
        "sub_saharan_africa": _l("Sub-Saharan Africa"), "asia": _l("Asia"),
        "americas_oceania": _l("Americas and Oceania"), "stateless": _l("Stateless"),
        "not_stated": _l("Not stated")},
    "age_group": {"under_18": _l("Under 18"), "18_34": _l("18–34"), "35_54": _l("35–54"),
                  "55_plus": _l("55 and over"), "unknown": _l("Unknown")},
    "perpetrator_group": {"intimate_partner": _l("Intimate partner"),
                          "other_family": _l("Other family"),
                          "other_known": _l("Other known person"),
                          "stranger": _l("Stranger"), "other": _l("Other")},
    "time_to_contact": {"within_week": _l("Within a week"), "within_month": _l("Within a month"),
                        "within_year": _l("Within a year"), "over_year": _l("Over a year"),
                        "unknown": _l("Unknown")},
    "children_exposed": {"yes": _l("Yes"), "no": _l("No"), "unknown": _l("Unknown")},
    "women_supported": {"new": _l("New"), "continuing": _l("Continuing")},
    "shelter_pathway": {
        "requested": _l("Asked for a shelter place"), "referred": _l("Referred to a shelter"),
        "admitted": _l("Admitted (arrived)"), "no_place": _l("Not admitted: no place"),
        "criteria": _l("Not admitted: admission criteria"),
        "she_declined": _l("Not admitted: she declined")},
    "columns": {COUNT: _l("Number"), "sessions": _l("Sessions"), "hours": _l("Hours"),
                "activities": _l("Activities"), "participants": _l("Participants")},
    "quarter": {"new_women": _l("New women"), "enquiries": _l("Anonymous enquiries")},
}
_MISSING = {"not_stated": _l("Not stated"), "unknown": _l("Unknown"), "other": _l("Other")}

MARK_NOTE = _l("c: not published, to protect the women counted: a small number, or a figure from "
               "which a small number could be worked out.")
UNITS = {
    "women": _l("women with a contact in the year"),
    "new_women": _l("new women (intake in the year)"),
    "closed": _l("women whose case was closed in the year"),
    "sessions": _l("sessions held in the year, and their hours"),
    "referrals": _l("referrals sent in the year"),
    "enquiries": _l("anonymous enquiries"),
    "activities": _l("activities, and their participants"),
    "trend": _l("women with a contact in each year"),
    "combinations": _l("women with a contact in the year, once per combination of violence type "
                        "and perpetrator"),
    "quarter_new_women": _l("new women (intake in the quarter)"),
    "quarter_enquiries": _l("anonymous enquiries in the quarter"),
}


@dataclass(frozen=True)
class TableDef:
    """One published table. `rows`/`columns` name a code list (codes.py or `_EXTRA_LABELS`);
    `kind` says how build.py makes it: one_way, two_way, cells (a two-way table of a multi-count
    dimension by another: cells only, no totals), services, activities, trend, article11."""

    id: str
    number: int
    title: object
    unit: str
    note: object
    kind: str = "one_way"
    rows: str = ""
    columns: str = ""
    multi_count: bool = False
    chart: Optional[str] = COUNT  # the column drawn as a bar chart, None for no chart

    @property
    def sensitive_rows(self) -> frozenset[str]:
        return SENSITIVE.get(self.rows, frozenset())


_WOMEN_ONCE = _l("Each woman counts once, in one row.")
_WOMEN_MANY = _l("A woman counts under each one that applies, so the rows add up to more than the "
                 "number of women, which is given as the total.")

YEAR_TABLES: tuple[TableDef, ...] = (
    TableDef("women_supported", 1, _l("Women supported"), "women",
             _l("New: her intake was in the year. Continuing: her intake was earlier and she had a "
                "session in the year. Each woman counts once."), rows="women_supported"),
    TableDef("new_women_by_month", 1, _l("New women by month of intake"), "new_women",
             _WOMEN_ONCE, rows="months"),
    TableDef("cases_closed", 1, _l("Cases closed, by reason"), "closed",
             _l("A case closed and reopened within the year is not counted; one closed in December "
                "and reopened in January is. Each case counts once."), rows="closure_reasons"),
    TableDef("women_by_age_band", 2, _l("Women by age"), "women",
             _l("Her age on the later of her intake date and 1 January of the year. Each woman "
                "counts once."), rows="perpetrator_age_band"),
    TableDef("women_by_migration_status", 3, _l("Women by migration status"), "women",
             _WOMEN_ONCE, rows="migration_status"),
    TableDef("women_by_nationality_group", 3, _l("Women by nationality group"), "women",
             _l("Nationality grouped by world region; nationals are women of the centre's own "
                "country. Each woman counts once."), rows="nationality_group"),
    TableDef("violence_types", 4, _l("Women by type of violence"), "women",
             _l("A woman counts under each type of violence she experienced, so the types add up "
                "to more than the number of women, which is given as the total."),
             rows="violence_types", multi_count=True),
    TableDef("violence_type_by_age_group", 4, _l("Type of violence by age group"), "women",
             _l("A woman counts under each type of violence she experienced, in the column of her "
                "age group. Row totals are the women with that type; column totals are the women "
                "of that age group, each counted once."),
             kind="two_way", rows="violence_types", columns="age_group", multi_count=True,
             chart=None),
    TableDef("perpetrator_relationships", 5, _l("Women by relationship to the perpetrator"),
             "women", _WOMEN_MANY, rows="perpetrator_relationship", multi_count=True),
    TableDef("violence_type_by_perpetrator_group", 5,
             _l("Type of violence by perpetrator group"), "women",
             _l("The women with each type of violence who named a perpetrator of each group. A "
                "woman counts in every cell that applies to her, so there are no row or column "
                "totals: they would count her more than once."),
             kind="cells", rows="violence_types", columns="perpetrator_group", multi_count=True,
             chart=None),
    TableDef("discrimination_factors", 6, _l("Women by discrimination factor"), "women",
             _WOMEN_MANY, rows="discrimination_factors", multi_count=True),
    TableDef("requests", 7, _l("What women asked for"), "women", _WOMEN_MANY, rows="requests",
             multi_count=True),
    TableDef("services_given", 7, _l("Services given: sessions and hours by service"), "sessions",
             _l("Every session held in the year, by its service, with its hours (rounded per "
                "service). Hours are hidden wherever the number of sessions is."),
             kind="services", rows="services", chart="sessions"),
    TableDef("referral_sources", 8, _l("New women by referral source"), "new_women",
             _l("Who sent her to the centre, for the women whose intake was in the year. Each "
                "woman counts once."), rows="referral_source"),
    TableDef("referrals_by_partner_type", 9, _l("Referrals made, by partner type and outcome"),
             "referrals",
             _l("Referrals sent in the year (drafts never left the centre), by the partner's type "
                "and where each referral stands now. A woman can have several referrals."),
             kind="two_way", rows="partner_types", columns="referral_status", chart=None),
    TableDef("shelter_pathway", 9, _l("The shelter pathway"), "women",
             _l("Women who asked for a shelter place, were referred to a shelter, were admitted, "
                "or were not admitted and why: the measure of unmet shelter demand. A woman can "
                "count in several rows; the total is the number of women."),
             rows="shelter_pathway", multi_count=True),
    TableDef("enquiries_by_channel_and_caller", 10, _l("Anonymous enquiries by channel and caller"),
             "enquiries", _l("Enquiries with no case opened. Each enquiry counts once."),
             kind="two_way", rows="contact_channel", columns="enquiry_caller", chart=None),
    TableDef("enquiries_by_topic", 10, _l("Anonymous enquiries by topic"), "enquiries",
             _l("An enquiry counts under each of its topics, so the topics add up to more than "
                "the number of enquiries, which is given as the total."),
             rows="requests", multi_count=True),
    TableDef("activities", 11, _l("Activities by type, with participants"), "activities",
             _l("The centre's work beyond cases. It counts events and their participants, not "
                "women supported, so it is published in full."),
             kind="activities", rows="activity_types", chart="activities"),
    TableDef("reason_for_contact", 12, _l("Reason for contact"), "women", _WOMEN_ONCE,
             rows="reason_for_contact"),
    TableDef("time_to_contact", 12, _l("Time from the last incident to the first contact"),
             "new_women", _l("For the women whose intake was in the year. Each woman counts once."),
             rows="time_to_contact"),
    TableDef("abuse_duration", 12, _l("Duration of the abuse"), "women", _WOMEN_ONCE,
             rows="abuse_duration"),
    TableDef("justice_steps", 12, _l("Justice and protection steps"), "women",
             _l("Steps taken up to the end of the year. A woman counts under each step she took; "
                "the total is the number of women."), rows="justice_steps", multi_count=True),
    TableDef("children_exposed", 12, _l("Children exposed to the violence"), "women",
             _l("Whether her children were exposed to the violence; unknown includes women with "
                "no children recorded. Each woman counts once."), rows="children_exposed"),
    TableDef("area_of_residence", 12, _l("Area of residence"), "women", _WOMEN_ONCE, rows="area"),
    TableDef("five_year_trend", 13, _l("Five-year trend of women supported"), "trend",
             _l("Women with a contact in each of the last five years. A woman supported in "
                "several years counts in each, so there is no total."),
             kind="trend", rows="years"),
    TableDef("article_11_breakdown", 14,
             _l("Core breakdown: age group, type of violence, perpetrator and area"),
             "combinations",
             _l("The breakdown asked of states by Article 11 of the Council of Europe convention. "
                "Every woman supported is a woman, so sex is not a column. A woman counts once in "
                "each combination of type of violence and perpetrator group that applies to her; "
                "women with no violence type or no perpetrator recorded are not in it. Fine "
                "combinations are small, so many figures are hidden."),
             kind="article11", rows="article11", columns="area", chart=None),
)
QUARTER_TABLES: tuple[TableDef, ...] = (
    TableDef("new_women_in_quarter", 1, _l("New women in the quarter"), "quarter_new_women",
             _l("A quarter has totals only: breakdowns are published for whole years."),
             rows="quarter", chart=None),
    TableDef("enquiries_in_quarter", 10, _l("Anonymous enquiries in the quarter"),
             "quarter_enquiries",
             _l("A quarter has totals only: breakdowns are published for whole years."),
             rows="quarter", chart=None),
)
TABLES = {table.id: table for table in (*YEAR_TABLES, *QUARTER_TABLES)}


def codes_of(name: str, seen: Iterable[str] = ()) -> list[str]:
    """The rows (or columns) of a list, in its order, then the codes a store holds beyond it."""
    if name == "years":  # the five-year trend: the years given, in order
        return list(seen)
    if name in _EXTRA_LABELS:
        codes = list(_EXTRA_LABELS[name])
    elif name == "months":
        codes = [f"{month:02d}" for month in range(1, 13)]
    elif name == "referral_status":
        codes = [code for code in code_list(name) if code != "draft"]
    else:
        codes = list(code_list(name))
    return codes + sorted(set(seen) - set(codes))


def code_label(name: str, code: str, locale: str) -> str:
    """The label of a row or column code, translated (inside the report's locale)."""
    if name == "months":
        return get_month_names("wide", context="stand-alone", locale=locale)[int(code)]
    if name == "years":
        return code
    if name == "article11":
        age, violence, group = code.split(".")
        return " · ".join((code_label("age_group", age, locale),
                           code_label("violence_types", violence, locale),
                           code_label("perpetrator_group", group, locale)))
    if name in _EXTRA_LABELS:
        return str(_EXTRA_LABELS[name].get(code, _MISSING.get(code, code)))
    found = label(name, code)
    return str(_MISSING.get(code, found) if found == code else found)


def perpetrator_group(code: str) -> str:
    for group, codes in PERPETRATOR_GROUPS.items():
        if code in codes:
            return group
    return "other"


def unit_label(table: TableDef) -> str:
    return str(UNITS[table.unit])
