"""The sections of the intake, in order: each one's form, and where its values are kept.

Four sections are the client's own record (identity, contacts, demographics, discrimination
factors: casework.clients.schema); the rest belong to the case (the intake document, the
perpetrators, the consents: casework.cases.intake_schema). Field names mirror the documents'
keys, so a section's values go to its cleaner as they come and stored documents fill a form
as they are (with dates turned back into dates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

from flask_babel import lazy_gettext as _l

from casework.cases.intake_schema import (clean_consent_choices, clean_intake_part,
                                          clean_perpetrators)
from casework.clients import schema
from casework.clients.forms import (NOT_VALUES, contacts_data, discrimination_data, identity_data,
                                    profile_data)
from casework.intake import forms

CLIENT, INTAKE, PERPETRATORS, CONSENTS = "client", "intake", "perpetrators", "consents"
CONSENT_KINDS = ("processing", "statistics")


@dataclass(frozen=True)
class Section:
    slug: str
    title: Any
    form_class: type
    kind: str  # CLIENT, INTAKE, PERPETRATORS or CONSENTS
    client_part: str = ""  # for a client section: which of her sealed sections it edits


SECTIONS: tuple[Section, ...] = (
    Section("identity", _l("Identity"), forms.IdentitySection, CLIENT, "identity"),
    Section("contacts", _l("Contacts and safety"), forms.ContactsSection, CLIENT, "contacts"),
    Section("demographics", _l("Demographics"), forms.ProfileSection, CLIENT, "profile"),
    Section("discrimination", _l("Discrimination factors"), forms.DiscriminationSection, CLIENT,
            "discrimination_factors"),
    Section("referral", _l("Contact and referral"), forms.ReferralSection, INTAKE),
    Section("requests", _l("Requests"), forms.RequestsSection, INTAKE),
    Section("violence", _l("Forms of violence"), forms.ViolenceSection, INTAKE),
    Section("perpetrators", _l("Perpetrators"), forms.PerpetratorsSection, PERPETRATORS),
    Section("history", _l("History"), forms.HistorySection, INTAKE),
    Section("narrative", _l("In her words"), forms.NarrativeSection, INTAKE),
    Section("consents", _l("Consents"), forms.ConsentsSection, CONSENTS),
)
BY_SLUG = {section.slug: section for section in SECTIONS}
FIRST = SECTIONS[0].slug


def section_by_slug(slug: str) -> Optional[Section]:
    return BY_SLUG.get(slug)


def neighbours(section: Section) -> tuple[Optional[Section], Optional[Section]]:
    """The sections before and after this one (None at either end)."""
    index = SECTIONS.index(section)
    before = SECTIONS[index - 1] if index > 0 else None
    after = SECTIONS[index + 1] if index + 1 < len(SECTIONS) else None
    return before, after


# --- Values in, documents out ---------------------------------------------------------------

def form_values(form: Any) -> dict[str, Any]:
    """The plain values a section form holds (no token, no versions)."""
    return {field.name: field.data for field in form if field.name not in NOT_VALUES}


def clean(section: Section, values: dict[str, Any], *, today: date, birth_date: Optional[date],
          intake_date: Optional[date]) -> Any:
    """The document (or part of one) a section's values make; DocumentInvalid if they can't."""
    if section.client_part == "identity":
        return schema.clean_identity(values, today=today, intake_date=intake_date)
    if section.client_part == "contacts":
        return schema.clean_contacts(values)
    if section.client_part == "profile":
        return schema.clean_profile(values)
    if section.client_part == "discrimination_factors":
        return schema.clean_discrimination(values.get("discrimination_factors"))
    if section.kind == PERPETRATORS:
        return clean_perpetrators(values.get("perpetrators"))
    if section.kind == CONSENTS:
        return clean_consent_choices(values, CONSENT_KINDS, today=today)
    return clean_intake_part(values, today=today, birth_date=birth_date)


def stored_data(section: Section, client: Any, case: Any, consents: dict[str, Any],
                today: date) -> dict[str, Any]:
    """What is stored for a section, shaped for its form, with the versions it starts from."""
    versions = {"case_version": str(case.version), "client_version": str(client.version)}
    if section.kind == CLIENT:
        shape = {"identity": identity_data, "contacts": contacts_data, "profile": profile_data,
                 "discrimination_factors": discrimination_data}[section.client_part]
        return {**shape(getattr(client, section.client_part)), **versions}
    if section.kind == PERPETRATORS:
        return {"perpetrators": list(case.perpetrators or []), **versions}
    if section.kind == CONSENTS:
        return {**{kind: _consent_data(consents.get(kind), today) for kind in CONSENT_KINDS},
                **versions}
    return {**_intake_data(case.intake or {}), **versions}


def _intake_data(intake: dict[str, Any]) -> dict[str, Any]:
    data = dict(intake)
    data["intake_date"] = _as_date(intake.get("intake_date"))
    history = dict(intake.get("history") or {})
    history["last_incident_on"] = _as_date(history.get("last_incident_on"))
    data["history"] = history
    data["justice_steps"] = [{**step, "on": _as_date(step.get("on"))}
                             for step in intake.get("justice_steps") or []]
    return data


def _consent_data(consent: Any, today: date) -> dict[str, Any]:
    if consent is None:
        return {"given": False, "given_on": today, "note": ""}
    return {"given": True, "given_on": consent.given_on, "note": (consent.scope or {}).get("note", "")}


def _as_date(value: Optional[str]) -> Optional[date]:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- Progress ---------------------------------------------------------------------------------

def progress(saved: list[str], missing: list[tuple[str, str]]) -> list[tuple[Section, str]]:
    """Each section with its state: "done", "missing" (something required is not there yet)
    or "todo" (not saved in this intake yet)."""
    lacking = {slug for slug, _message in missing}
    states = []
    for section in SECTIONS:
        if section.slug in lacking:
            states.append((section, "missing"))
        else:
            states.append((section, "done" if section.slug in saved else "todo"))
    return states
