"""The client's sealed documents: what each one holds, cleaned and checked before it is stored.

    identity                {given_name, family_name, other_names[], birth_date (ISO) |
                             approximate_age + age_is_estimated}
    contacts                {phones[{number, safe_to_call, safe_to_message, safe_times}],
                             emails[{address, safe_to_message}], address}
    profile                 {preferred_language, interpreter_needed, interpreter_language,
                             nationality, country_of_birth, migration_status, marital_status,
                             children {count, ages[], live_with_her, exposed_to_violence},
                             education, employment, disability, housing}
    discrimination_factors  [codes]

The cleaners take plain values (what a form hands over: strings, dates, numbers, nested
dicts and lists) and return JSON-ready documents: text stripped and within its limit, codes
from their lists, dates as ISO strings, blank rows dropped. Every problem is collected under
the name of the field it belongs to (``phones-1-number``: the form's own field names), so a
page can show each message next to its field; nothing is stored unless everything is clean.
Free text is kept exactly as typed (markup and formula-like text included): pages escape it.
"""

from __future__ import annotations

import re

from datetime import date
from typing import Any, Iterable, Optional

from flask_babel import format_decimal
from flask_babel import gettext as _

from casework.codes import is_valid
from casework.countries import NOT_STATED, is_country
from casework.errors import DomainError

NAME_MAX = 200
SHORT_TEXT_MAX = 200
ADDRESS_MAX = 1_000
LONG_TEXT_MAX = 10_000
PHONE_MAX = 40
EMAIL_MAX = 254
MIN_PHONE_DIGITS = 6
MAX_AGE = 120
MAX_CHILDREN = 30

PROFILE_CODES = {"migration_status": "migration_status", "marital_status": "marital_status",
                 "education": "education", "employment": "employment",
                 "disability": "disability", "housing": "housing"}
PROFILE_TEXTS = ("preferred_language", "interpreter_language")
# Stored as ISO 3166-1 alpha-2 codes (or "stateless" / "not_stated"): the statistics group them.
PROFILE_COUNTRIES = ("nationality", "country_of_birth")


class DocumentInvalid(DomainError):
    """Some values cannot be stored; `errors` maps a field name to what is wrong with it."""

    status = 400

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(_("Some of what was typed cannot be saved yet. See the messages "
                           "next to the fields."))
        self.errors = errors


def too_long(limit: int, length: int) -> str:
    """The plain-words message for text over its limit, with both numbers."""
    return _("At most %(limit)s characters; this has %(length)s.",
             limit=format_decimal(limit), length=format_decimal(length))


class Problems(dict):
    """Messages by field name, collected while cleaning; `check()` raises if there are any."""

    def add(self, path: str, message: str) -> None:
        self.setdefault(path, message)

    def check(self) -> None:
        if self:
            raise DocumentInvalid(dict(self))


def path(*parts: object) -> str:
    """A nested field's name as the form spells it: history-last_incident_on, phones-0-number."""
    return "-".join(str(part) for part in parts if part != "")


# --- Plain values ---------------------------------------------------------------------------

def text(problems: Problems, where: str, value: Any, limit: int, *, multiline: bool = False) -> str:
    """Text as typed (ends trimmed; a browser's CRLF line breaks counted once)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.add(where, _("Type text here."))
        return ""
    cleaned = value.replace("\r\n", "\n").replace("\r", "\n") if multiline else value
    cleaned = cleaned.strip()
    if len(cleaned) > limit:
        problems.add(where, too_long(limit, len(cleaned)))
    return cleaned


def code(problems: Problems, where: str, value: Any, code_list: str) -> Optional[str]:
    """One code of `code_list`, or None when nothing was chosen."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not is_valid(code_list, value):
        problems.add(where, _("Choose one of the options offered."))
        return None
    return value


def country(problems: Problems, where: str, value: Any) -> Optional[str]:
    """A country code from the list offered, or None when nothing was chosen."""
    if value in (None, "", NOT_STATED):
        return None
    if not isinstance(value, str) or not is_country(value):
        problems.add(where, _("Choose one of the countries offered."))
        return None
    return value


def codes(problems: Problems, where: str, values: Any, code_list: str) -> list[str]:
    """Several codes of `code_list`, each once, in the order given."""
    chosen: list[str] = []
    for value in values or []:
        if not isinstance(value, str) or not is_valid(code_list, value):
            problems.add(where, _("Choose only among the options offered."))
        elif value not in chosen:
            chosen.append(value)
    return chosen


def day(problems: Problems, where: str, value: Any, *, today: date) -> Optional[date]:
    """A date (or ISO text) that is not in the future."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            problems.add(where, _("Not a valid date."))
            return None
    if not isinstance(value, date):
        problems.add(where, _("Not a valid date."))
        return None
    if value > today:
        problems.add(where, _("This date is in the future."))
    return value


def iso(value: Optional[date]) -> Optional[str]:
    return value.isoformat() if value else None


def number(problems: Problems, where: str, value: Any, low: int, high: int) -> Optional[int]:
    """A whole number between `low` and `high`, or None when left empty."""
    if value in (None, ""):
        return None
    try:
        whole = int(value)
    except (TypeError, ValueError):
        problems.add(where, _("Type a whole number."))
        return None
    if not low <= whole <= high:
        problems.add(where, _("Type a number from %(low)d to %(high)d.", low=low, high=high))
        return None
    return whole


def flag(value: Any) -> bool:
    return value is True or value in ("y", "yes", "on", "true", "1")


def maybe(value: Any) -> Optional[bool]:
    """Yes / no / not stated."""
    if value in (True, "yes"):
        return True
    if value in (False, "no"):
        return False
    return None


def rows(values: Any) -> Iterable[tuple[int, dict]]:
    """(index, row) for the rows of a repeated group; entirely blank rows are skipped."""
    for index, row in enumerate(values or []):
        if isinstance(row, dict) and any(v not in (None, "", False, []) for v in row.values()):
            yield index, row


# --- The documents --------------------------------------------------------------------------

def clean_identity(raw: dict, *, today: date, intake_date: Optional[date] = None) -> dict:
    """Her names and age. A date of birth after the intake date (or in the future) is refused."""
    problems = Problems()
    other_names = []
    for index, name in enumerate(raw.get("other_names") or []):
        cleaned = text(problems, path("other_names", index), name, NAME_MAX)
        if cleaned:
            other_names.append(cleaned)
    birth = day(problems, "birth_date", raw.get("birth_date"), today=today)
    if birth and intake_date and birth > intake_date:
        problems.add("birth_date", _("The date of birth is after the intake date (%(day)s).",
                                     day=intake_date.isoformat()))
    document = {
        "given_name": text(problems, "given_name", raw.get("given_name"), NAME_MAX),
        "family_name": text(problems, "family_name", raw.get("family_name"), NAME_MAX),
        "other_names": other_names,
        "birth_date": iso(birth),
        "approximate_age": number(problems, "approximate_age", raw.get("approximate_age"), 0, MAX_AGE),
        "age_is_estimated": flag(raw.get("age_is_estimated")),
    }
    problems.check()
    return document


def clean_contacts(raw: dict) -> dict:
    """Phones and emails, each with its safety flags (unticked means: not safe), and an address."""
    problems = Problems()
    phones = []
    for index, row in rows(raw.get("phones")):
        number_text = text(problems, path("phones", index, "number"), row.get("number"), PHONE_MAX)
        if sum(ch.isdigit() for ch in number_text) < MIN_PHONE_DIGITS:
            problems.add(path("phones", index, "number"),
                         _("Type the phone number (at least %(count)d digits), or clear this row.",
                           count=MIN_PHONE_DIGITS))
        phones.append({"number": number_text, "safe_to_call": flag(row.get("safe_to_call")),
                       "safe_to_message": flag(row.get("safe_to_message")),
                       "safe_times": text(problems, path("phones", index, "safe_times"),
                                          row.get("safe_times"), SHORT_TEXT_MAX)})
    emails = []
    for index, row in rows(raw.get("emails")):
        address = text(problems, path("emails", index, "address"), row.get("address"), EMAIL_MAX)
        if "@" not in address.strip("@"):
            problems.add(path("emails", index, "address"),
                         _("Type the email address, or clear this row."))
        emails.append({"address": address, "safe_to_message": flag(row.get("safe_to_message"))})
    document = {"phones": phones, "emails": emails,
                "address": text(problems, "address", raw.get("address"), ADDRESS_MAX, multiline=True)}
    problems.check()
    return document


def clean_profile(raw: dict) -> dict:
    """Language, origin, family, education, work, disability and housing (codes where listed)."""
    problems = Problems()
    document: dict[str, Any] = {name: text(problems, name, raw.get(name), SHORT_TEXT_MAX)
                                for name in PROFILE_TEXTS}
    document["interpreter_needed"] = flag(raw.get("interpreter_needed"))
    for name in PROFILE_COUNTRIES:
        document[name] = country(problems, name, raw.get(name))
    for name, code_list in PROFILE_CODES.items():
        document[name] = code(problems, name, raw.get(name), code_list)
    document["children"] = _children(problems, raw.get("children") or {})
    problems.check()
    return document


def _children(problems: Problems, raw: dict) -> dict:
    count = number(problems, "children-count", raw.get("count"), 0, MAX_CHILDREN)
    ages = parse_ages(problems, "children-ages", raw.get("ages"))
    if count is not None and len(ages) > count:
        problems.add("children-ages", _("There are more ages than children."))
    return {"count": count, "ages": ages, "live_with_her": maybe(raw.get("live_with_her")),
            "exposed_to_violence": maybe(raw.get("exposed_to_violence"))}


# The ASCII comma and semicolon, and the Arabic comma and semicolon (also used in Persian).
AGE_SEPARATORS = re.compile("[,;\u060c\u061b]")


def parse_ages(problems: Problems, where: str, value: Any) -> list[int]:
    """Ages typed as "4, 9" (or given as a list); Arabic and Persian commas and semicolons too."""
    if isinstance(value, list):
        parts = value
    else:
        typed = text(problems, where, value, SHORT_TEXT_MAX)
        parts = [part for part in AGE_SEPARATORS.split(typed) if part.strip()]
    ages = []
    for part in parts:
        age = number(problems, where, part.strip() if isinstance(part, str) else part, 0, MAX_AGE)
        if age is not None:
            ages.append(age)
    return ages


def clean_discrimination(raw: Any) -> list[str]:
    """The discrimination factors (codes)."""
    problems = Problems()
    chosen = codes(problems, "discrimination_factors", raw, "discrimination_factors")
    problems.check()
    return chosen


def birth_date_of(identity: Optional[dict]) -> Optional[date]:
    value = (identity or {}).get("birth_date")
    return date.fromisoformat(value) if value else None


def display_name(identity: Optional[dict]) -> str:
    """Her given and family name, or else the first other name ('' when none is recorded)."""
    identity = identity or {}
    name = " ".join(part for part in (identity.get("given_name"), identity.get("family_name")) if part)
    return name or next(iter(identity.get("other_names") or []), "")
