"""The case's sealed intake documents, cleaned and checked before they are stored.

    intake        {reason_for_contact, intake_date (ISO), contact_channel, referral_source,
                   requests[], violence_types[],
                   history {first_incident_year, duration, frequency, last_incident_on},
                   justice_steps[{step, on}], area, narrative, saved_sections[]}
    perpetrators  [{relationship, sex, age_band}]

Each intake section hands over only its own keys; `clean_intake_part` cleans those and
leaves the rest of the stored document alone. `saved_sections` lists the sections saved in
this intake (for the progress list; it holds slugs, no content). Problems are collected under
the form's field names, as in casework.clients.schema.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable, Optional

from flask_babel import gettext as _

from casework.clients.schema import (LONG_TEXT_MAX, SHORT_TEXT_MAX, Problems, code, codes, day,
                                     iso, number, path, rows, text)

NARRATIVE_MAX = LONG_TEXT_MAX
EARLIEST_YEAR = 1900
# The reasons for contact that are about violence: these need its forms and who did it.
VIOLENCE_REASONS = ("gender_based_violence", "both")
SINGLE_CODES = {"reason_for_contact": "reason_for_contact", "contact_channel": "contact_channel",
                "referral_source": "referral_source", "area": "area"}
MULTI_CODES = {"requests": "requests", "violence_types": "violence_types"}


def clean_intake_part(raw: dict, *, today: date, birth_date: Optional[date] = None) -> dict:
    """Clean the keys present in `raw` (one section's worth) and return them."""
    problems = Problems()
    part: dict[str, Any] = {}
    for key, value in raw.items():
        cleaner = _CLEANERS.get(key)
        if cleaner is not None:
            part[key] = cleaner(problems, value, today, birth_date)
    problems.check()
    return part


def _single(key: str) -> Callable[..., Any]:
    return lambda problems, value, _today, _birth: code(problems, key, value, SINGLE_CODES[key])


def _multi(key: str) -> Callable[..., Any]:
    return lambda problems, value, _today, _birth: codes(problems, key, value, MULTI_CODES[key])


def _intake_date(problems: Problems, value: Any, today: date, birth: Optional[date]) -> Optional[str]:
    intake_day = day(problems, "intake_date", value, today=today)
    if intake_day and birth and intake_day < birth:
        problems.add("intake_date", _("The intake date is before her date of birth (%(day)s).",
                                      day=birth.isoformat()))
    return iso(intake_day)


def _history(problems: Problems, value: Any, today: date, _birth: Optional[date]) -> dict:
    value = value or {}
    return {
        "first_incident_year": number(problems, "history-first_incident_year",
                                      value.get("first_incident_year"), EARLIEST_YEAR, today.year),
        "duration": code(problems, "history-duration", value.get("duration"), "abuse_duration"),
        "frequency": text(problems, "history-frequency", value.get("frequency"), SHORT_TEXT_MAX),
        "last_incident_on": iso(day(problems, "history-last_incident_on",
                                    value.get("last_incident_on"), today=today)),
    }


def _justice_steps(problems: Problems, value: Any, today: date, _birth: Optional[date]) -> list:
    steps = []
    for index, row in rows(value):
        step = code(problems, path("justice_steps", index, "step"), row.get("step"), "justice_steps")
        if step is None:
            problems.add(path("justice_steps", index, "step"), _("Choose the step, or clear this row."))
        steps.append({"step": step, "on": iso(day(problems, path("justice_steps", index, "on"),
                                                   row.get("on"), today=today))})
    return steps


def _narrative(problems: Problems, value: Any, _today: date, _birth: Optional[date]) -> str:
    return text(problems, "narrative", value, NARRATIVE_MAX, multiline=True)


_CLEANERS: dict[str, Callable[[Problems, Any, date, Optional[date]], Any]] = {
    **{key: _single(key) for key in SINGLE_CODES},
    **{key: _multi(key) for key in MULTI_CODES},
    "intake_date": _intake_date,
    "history": _history,
    "justice_steps": _justice_steps,
    "narrative": _narrative,
}


def clean_perpetrators(raw: Any) -> list[dict]:
    """Who did it: one row per person (blank rows dropped); the relationship is needed."""
    problems = Problems()
    people = []
    for index, row in rows(raw):
        relationship = code(problems, path("perpetrators", index, "relationship"),
                            row.get("relationship"), "perpetrator_relationship")
        if relationship is None:
            problems.add(path("perpetrators", index, "relationship"),
                         _("Choose the relationship, or clear this row."))
        people.append({"relationship": relationship,
                       "sex": code(problems, path("perpetrators", index, "sex"), row.get("sex"), "sex"),
                       "age_band": code(problems, path("perpetrators", index, "age_band"),
                                        row.get("age_band"), "perpetrator_age_band")})
    problems.check()
    return people


def clean_consent_choices(raw: dict, kinds: tuple[str, ...], *, today: date) -> dict[str, dict]:
    """For each kind of consent: whether she gives it, since when (not in the future), a note."""
    problems = Problems()
    choices = {}
    for kind in kinds:
        row = raw.get(kind) or {}
        given = row.get("given") is True
        given_on = day(problems, path(kind, "given_on"), row.get("given_on"), today=today)
        if given and given_on is None:
            problems.add(path(kind, "given_on"), _("Give the date of the consent."))
        choices[kind] = {"given": given, "given_on": given_on if given else None,
                         "note": text(problems, path(kind, "note"), row.get("note"), SHORT_TEXT_MAX)}
    problems.check()
    return choices


def intake_date_of(intake: Optional[dict]) -> Optional[date]:
    value = (intake or {}).get("intake_date")
    return date.fromisoformat(value) if value else None


def missing_for_completion(*, identity: Optional[dict], intake: Optional[dict],
                           perpetrators: Optional[list], has_processing_consent: bool,
                           today: date) -> list[tuple[str, str]]:
    """What still stops the intake from being completed, as (section slug, message) pairs."""
    identity, intake = identity or {}, intake or {}
    missing: list[tuple[str, str]] = []
    if not (identity.get("given_name") or identity.get("other_names")):
        missing.append(("identity", _("Her given name, or a name she is known by")))
    if not intake.get("reason_for_contact"):
        missing.append(("referral", _("The reason for contact")))
    intake_day = intake_date_of(intake)
    if intake_day is None:
        missing.append(("referral", _("The intake date")))
    elif intake_day > today:
        missing.append(("referral", _("An intake date that is not in the future")))
    if not intake.get("contact_channel"):
        missing.append(("referral", _("The contact channel")))
    birth = identity.get("birth_date")
    if birth and intake_day and date.fromisoformat(birth) > intake_day:
        missing.append(("identity", _("A date of birth before the intake date")))
    if intake.get("reason_for_contact") in VIOLENCE_REASONS:
        if not intake.get("violence_types"):
            missing.append(("violence", _("At least one form of violence")))
        if not perpetrators:
            missing.append(("perpetrators", _("At least one perpetrator")))
    if not has_processing_consent:
        missing.append(("consents", _("Her consent to the processing of her data")))
    return missing
