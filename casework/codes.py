"""The code lists of DOMAIN.md. Codes are stored; labels are translated when shown.

Each list is an ordered mapping code → lazy label. A centre may add codes from configuration
(CODE_LIST_EXTENSIONS); no code is ever removed, so data recorded with it stays readable.
"""

from __future__ import annotations

from typing import Mapping

from flask import current_app, g, has_app_context, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

CodeList = Mapping[str, object]

MIGRATION_STATUS = {
    "citizen": _l("Citizen"), "eu_citizen": _l("EU citizen"),
    "third_country_national": _l("Third-country national"),
    "refugee": _l("Refugee (international protection)"), "asylum_seeker": _l("Asylum seeker"),
    "undocumented": _l("Undocumented"), "not_stated": _l("Not stated"),
}
MARITAL_STATUS = {
    "single": _l("Single"), "married": _l("Married"), "cohabiting": _l("Cohabiting"),
    "separated": _l("Separated"), "divorced": _l("Divorced"), "widowed": _l("Widowed"),
    "not_stated": _l("Not stated"),
}
EDUCATION = {
    "none": _l("No formal education"), "primary": _l("Primary"),
    "lower_secondary": _l("Lower secondary"), "upper_secondary": _l("Upper secondary"),
    "vocational": _l("Vocational"), "tertiary": _l("Tertiary"), "not_stated": _l("Not stated"),
}
EMPLOYMENT = {
    "employed": _l("Employed"), "self_employed": _l("Self-employed"), "unemployed": _l("Unemployed"),
    "student": _l("Student"), "homemaker": _l("Homemaker"), "retired": _l("Retired"),
    "unable_to_work": _l("Unable to work"), "not_stated": _l("Not stated"),
}
DISABILITY = {
    "none": _l("None"), "physical": _l("Physical"), "sensory": _l("Sensory"),
    "intellectual": _l("Intellectual"), "psychosocial": _l("Psychosocial"),
    "multiple": _l("Multiple"), "not_stated": _l("Not stated"),
}
HOUSING = {
    "own_or_rented": _l("Own or rented home"), "with_perpetrator": _l("Lives with the perpetrator"),
    "with_family_or_friends": _l("With family or friends"), "shelter": _l("Shelter"),
    "homeless": _l("Homeless"), "reception_facility": _l("Reception facility"),
    "other": _l("Other"), "not_stated": _l("Not stated"),
}
DISCRIMINATION_FACTORS = {
    "unemployed": _l("Unemployed"), "single_parent": _l("Single parent"), "migrant": _l("Migrant"),
    "refugee_or_asylum_seeker": _l("Refugee or asylum seeker"), "disability": _l("Disability"),
    "roma": _l("Roma"), "lgbtqi": _l("LGBTQI"), "older_woman": _l("Older woman"),
    "rural_or_isolated": _l("Rural or isolated"),
    "poverty_or_homelessness": _l("Poverty or homelessness"), "other": _l("Other"),
}
REASON_FOR_CONTACT = {
    "gender_based_violence": _l("Gender-based violence"),
    "multiple_discrimination_only": _l("Multiple discrimination only"), "both": _l("Both"),
}
CONTACT_CHANNEL = {
    "in_person": _l("In person"), "phone": _l("Phone"), "email": _l("Email"),
    "online": _l("Online"), "outreach": _l("Outreach"),
}
REFERRAL_SOURCE = {
    "self": _l("Herself"), "police": _l("Police"), "health_service": _l("Health service"),
    "social_services": _l("Social services"), "helpline": _l("Helpline"),
    "other_counselling_centre": _l("Another counselling centre"), "shelter": _l("Shelter"),
    "ngo": _l("NGO"), "legal_professional": _l("Legal professional"), "school": _l("School"),
    "family_or_friend": _l("Family or friend"), "employer": _l("Employer"), "other": _l("Other"),
}
REQUESTS = {
    "social_support": _l("Social support"), "psychological_support": _l("Psychological support"),
    "legal_counselling": _l("Legal counselling"), "employment_counselling": _l("Employment counselling"),
    "information": _l("Information"), "shelter_hosting": _l("Shelter hosting"),
    "accompaniment": _l("Accompaniment"), "other": _l("Other"),
}
VIOLENCE_TYPES = {
    "physical": _l("Physical"), "sexual": _l("Sexual"), "psychological": _l("Psychological"),
    "economic": _l("Economic"), "social": _l("Social"), "digital": _l("Digital"),
    "forced_marriage": _l("Forced marriage"), "fgm": _l("Female genital mutilation"),
    "trafficking": _l("Trafficking"), "honour_related": _l("Honour-related"), "other": _l("Other"),
}
PERPETRATOR_RELATIONSHIP = {
    "current_partner": _l("Current partner"), "former_partner": _l("Former partner"),
    "non_cohabiting_partner": _l("Non-cohabiting partner"), "father": _l("Father"),
    "mother": _l("Mother"), "sibling": _l("Sibling"), "son": _l("Son"),
    "other_family": _l("Other family member"), "in_law": _l("In-law"),
    "employer_or_colleague": _l("Employer or colleague"), "acquaintance": _l("Acquaintance"),
    "stranger": _l("Stranger"), "other": _l("Other"),
}
SEX = {"male": _l("Male"), "female": _l("Female"), "other": _l("Other"), "unknown": _l("Unknown")}
PERPETRATOR_AGE_BAND = {
    "under_18": _l("Under 18"), "18_24": _l("18–24"), "25_34": _l("25–34"), "35_44": _l("35–44"),
    "45_54": _l("45–54"), "55_64": _l("55–64"), "65_plus": _l("65 and over"), "unknown": _l("Unknown"),
}
ABUSE_DURATION = {
    "under_1y": _l("Under a year"), "1_5y": _l("1–5 years"), "6_10y": _l("6–10 years"),
    "over_10y": _l("Over 10 years"), "unknown": _l("Unknown"),
}
JUSTICE_STEPS = {
    "police_complaint": _l("Police complaint"), "prosecutor_complaint": _l("Complaint to the prosecutor"),
    "protection_order_applied": _l("Protection order applied for"),
    "protection_order_granted": _l("Protection order granted"), "civil_case": _l("Civil case"),
}
AREA = {
    "same_municipality": _l("Same municipality"), "same_region": _l("Same region"),
    "other_region": _l("Another region"), "abroad": _l("Abroad"), "not_stated": _l("Not stated"),
}
RISK_INDICATORS = {
    "escalation": _l("Violence is escalating"), "threats_to_kill": _l("Threats to kill"),
    "strangulation": _l("Strangulation or choking"), "weapons": _l("Weapons used or available"),
    "pregnancy": _l("Pregnancy"), "recent_separation": _l("Recent or planned separation"),
    "stalking": _l("Stalking"), "child_contact_dispute": _l("Dispute over child contact"),
    "substance_misuse": _l("Perpetrator's substance misuse"), "isolation": _l("Isolation"),
    "threats_to_children": _l("Threats to the children"), "sexual_violence": _l("Sexual violence"),
}
RISK_LEVEL = {"standard": _l("Standard"), "medium": _l("Medium"), "high": _l("High")}
SAFETY_PLAN_SECTIONS = {
    "safe_contacts": _l("Safe contacts"), "safe_places": _l("Safe places"),
    "documents": _l("Documents and essentials"), "children": _l("Children"),
    "escape_plan": _l("Escape plan"), "digital_safety": _l("Digital safety"),
}
SERVICES = {
    "social_support": _l("Social support"), "psychological_support": _l("Psychological support"),
    "legal_counselling": _l("Legal counselling"), "employment_counselling": _l("Employment counselling"),
    "information": _l("Information"), "accompaniment": _l("Accompaniment"),
    "group_session": _l("Group session"), "other": _l("Other"),
}
SESSION_MODE = {"in_person": _l("In person"), "phone": _l("Phone"), "video": _l("Video")}
CONSENT_KINDS = {
    "processing": _l("Processing of her data"), "statistics": _l("Counting in anonymised statistics"),
    "referral": _l("Referral"),
}
PARTNER_TYPES = {
    "shelter": _l("Shelter"), "legal_aid": _l("Legal aid"), "police": _l("Police"),
    "health": _l("Health service"), "psychological_care": _l("Psychological care"),
    "employment_service": _l("Employment service"), "social_services": _l("Social services"),
    "other_centre": _l("Other counselling centre"), "other": _l("Other"),
}
REFERRAL_STATUS = {
    "draft": _l("Draft"), "sent": _l("Sent"), "accepted": _l("Accepted"), "declined": _l("Declined"),
    "arrived": _l("Arrived"), "completed": _l("Completed"), "withdrawn": _l("Withdrawn"),
    "expired": _l("Expired"),
}
CLOSURE_REASONS = {
    "goals_met": _l("Goals met"), "client_request": _l("At her request"), "no_contact": _l("No contact"),
    "moved_away": _l("Moved away"), "referred_on": _l("Referred on"), "other": _l("Other"),
}
CASE_STATUS = {"draft": _l("Draft"), "active": _l("Active"), "closed": _l("Closed")}
ENQUIRY_CALLER = {
    "woman_herself": _l("The woman herself"), "family_or_friend": _l("Family or friend"),
    "professional": _l("Professional"), "other": _l("Other"),
}
ENQUIRY_OUTCOME = {
    "information_given": _l("Information given"), "appointment_made": _l("Appointment made"),
    "referred": _l("Referred"), "other": _l("Other"),
}
ACTIVITY_TYPES = {
    "awareness_action": _l("Awareness action"), "school_intervention": _l("School intervention"),
    "training": _l("Training"), "network_meeting": _l("Network meeting"),
    "public_event": _l("Public event"), "media": _l("Media"),
}
ACTIVITY_AUDIENCE = {
    "students": _l("Students"), "professionals": _l("Professionals"), "public": _l("General public"),
    "women": _l("Women"),
}
ROLES = {
    "counsellor": _l("Counsellor"), "coordinator": _l("Coordinator"), "admin": _l("Administrator"),
    "shelter_partner": _l("Shelter partner"),
}

LISTS: dict[str, dict[str, object]] = {
    name.lower(): value for name, value in dict(globals()).items()
    if name.isupper() and isinstance(value, dict)
}


def code_list(name: str) -> dict[str, object]:
    """The codes of one list, with the centre's configured additions after the standard ones."""
    codes = dict(LISTS[name])
    if has_app_context():
        codes.update(current_app.config["CODE_LIST_EXTENSIONS"].get(name, {}))
    return codes


def choices(name: str) -> list[tuple[str, object]]:
    """(code, label) pairs for a form field."""
    return list(code_list(name).items())


def label(name: str, code: str | None) -> object:
    """The translated label of a code; an unknown code is shown as itself, never lost."""
    if code is None:
        return ""
    return code_list(name).get(code, code)


def label_text(name: str, code: str | None) -> str:
    """label() as text in the page's language, looked up once per request: a list of fifty
    cases shows the same few status and risk labels over and over."""
    if not has_request_context():
        return str(label(name, code))
    remembered = g.setdefault("code_labels", {})
    key = (str(get_locale()), name, code)  # a page may render a part in another language
    if key not in remembered:
        remembered[key] = str(label(name, code))
    return remembered[key]


def is_valid(name: str, code: str) -> bool:
    return code in code_list(name)
