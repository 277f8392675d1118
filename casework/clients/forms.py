"""Forms for a client's record: shape checks only (types, lengths, codes offered).

The field groups (identity, contacts, profile, discrimination) are plain classes of fields
shared by the client's edit page and the intake's sections; their field names mirror the
keys of the sealed documents (casework.clients.schema), which decides what may be stored.
Repeated groups (phones, emails, other names) are lists of rows: a blank row is always
offered at the end, and blank rows are dropped when saving.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterator, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, EmailField, FieldList, Form, FormField, HiddenField,
                     IntegerField, SelectField, StringField, TextAreaField)
from wtforms.fields.core import UnboundField
from wtforms.validators import NumberRange, Optional as Blank, ValidationError

from casework import codes
from casework.clients.schema import (ADDRESS_MAX, EMAIL_MAX, MAX_AGE, MAX_CHILDREN, NAME_MAX,
                                     PHONE_MAX, SHORT_TEXT_MAX, too_long)
from casework.countries import NOT_STATED, country_name
from casework.web.fields import CodeMultiCheckboxField, CodeSelectField, CountrySelectField
from casework.web.formats import format_day

try:
    from wtforms.fields.choices import SelectChoice as _choice  # WTForms 3.3+: tuples are deprecated
except ImportError:  # pragma: no cover - older WTForms takes (value, label) pairs
    def _choice(value: str, label: Any) -> Any:  # type: ignore[misc]
        return (value, label)

MAX_ROWS = 20
NOT_VALUES = ("csrf_token", "case_version", "client_version")
NOT_STATED_YES_NO = [_choice("", _l("Not stated")), _choice("yes", _l("Yes")), _choice("no", _l("No"))]


class MaxChars:
    """A length limit said plainly: "At most 10,000 characters; this has 12,345"."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, _form: Any, field: Any) -> None:
        if isinstance(field.data, str):
            length = len(field.data.replace("\r\n", "\n").strip())
            if length > self.limit:
                raise ValidationError(too_long(self.limit, length))


def text_field(label: Any, limit: int = SHORT_TEXT_MAX, **kwargs: Any) -> StringField:
    return StringField(label, validators=[MaxChars(limit)], **kwargs)


def number_field(label: Any, low: int, high: int, **kwargs: Any) -> IntegerField:
    return IntegerField(label, validators=[Blank(), NumberRange(low, high)], **kwargs)


def date_field(label: Any, **kwargs: Any) -> DateField:
    return DateField(label, validators=[Blank()], **kwargs)


def _rows(subform: Any, label: Any) -> FieldList:
    return FieldList(subform, label=label, min_entries=1, max_entries=MAX_ROWS)


# --- Field groups ---------------------------------------------------------------------------

class IdentityFields:
    given_name = text_field(_l("Given name"), NAME_MAX,
                       description=_l("Or the name she wants to be known by here."))
    family_name = text_field(_l("Family name"), NAME_MAX)
    other_names = _rows(text_field(_l("Other name"), NAME_MAX), _l("Other names she is known by"))
    birth_date = date_field(_l("Date of birth"))
    approximate_age = number_field(_l("Approximate age"), 0, MAX_AGE,
                             description=_l("If she does not give her date of birth."))
    age_is_estimated = BooleanField(_l("The age is an estimate"))


class PhoneFields(Form):
    number = text_field(_l("Phone number"), PHONE_MAX, render_kw={"inputmode": "tel"})
    safe_to_call = BooleanField(_l("Safe to call"))
    safe_to_message = BooleanField(_l("Safe to leave a message or send a text"))
    safe_times = text_field(_l("Safe times to reach her"))


class EmailFields(Form):
    address = EmailField(_l("Email address"), validators=[MaxChars(EMAIL_MAX)])
    safe_to_message = BooleanField(_l("Safe to write to"))


class ContactsFields:
    phones = _rows(FormField(PhoneFields), _l("Phone"))
    emails = _rows(FormField(EmailFields), _l("Email"))
    address = TextAreaField(_l("Address"), validators=[MaxChars(ADDRESS_MAX)], description=_l(
        "Optional. Leave it empty if having her address on file could put her at risk."))


class ChildrenFields(Form):
    count = number_field(_l("Number of children"), 0, MAX_CHILDREN)
    ages = text_field(_l("Their ages"), description=_l("Separated by commas, for example: 4, 9"))
    live_with_her = SelectField(_l("The children live with her"), choices=NOT_STATED_YES_NO, default="")
    exposed_to_violence = SelectField(_l("The children were exposed to the violence"),
                                      choices=NOT_STATED_YES_NO, default="")


class ProfileFields:
    preferred_language = text_field(_l("Preferred language"))
    interpreter_needed = BooleanField(_l("She needs an interpreter"))
    interpreter_language = text_field(_l("Interpreter's language"))
    nationality = CountrySelectField(_l("Nationality"), default=NOT_STATED)
    country_of_birth = CountrySelectField(_l("Country of birth"), default=NOT_STATED)
    migration_status = CodeSelectField(_l("Migration status"), code_list="migration_status")
    marital_status = CodeSelectField(_l("Marital status"), code_list="marital_status")
    children = FormField(ChildrenFields, label=_l("Children"))
    education = CodeSelectField(_l("Education"), code_list="education")
    employment = CodeSelectField(_l("Employment"), code_list="employment")
    disability = CodeSelectField(_l("Disability"), code_list="disability")
    housing = CodeSelectField(_l("Housing"), code_list="housing")


class DiscriminationFields:
    discrimination_factors = CodeMultiCheckboxField(_l("Discrimination factors"),
                                                    code_list="discrimination_factors")


class ClientEditForm(FlaskForm, IdentityFields, ContactsFields, ProfileFields, DiscriminationFields):
    """Her whole record on one page; `client_version` is the version she started from."""

    client_version = HiddenField()


class _ProfileView(Form, ProfileFields, DiscriminationFields):
    """Her demographics and discrimination factors, only to be put in words."""


# --- Between forms and documents ------------------------------------------------------------

def field_names(group: type) -> list[str]:
    """The names of the fields a field group declares."""
    return [name for name in dir(group) if isinstance(getattr(group, name), UnboundField)]


def values_of(form: Any, group: type) -> dict[str, Any]:
    """The plain values the form holds for one field group (for a service)."""
    return {name: form[name].data for name in field_names(group)}


def version_of(field: Any) -> int:
    """The version a hidden field carries (0, never current, when missing or tampered with)."""
    try:
        return int(field.data)
    except (TypeError, ValueError):
        return 0


def _day_value(value: Optional[str]) -> Optional[date]:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _yes_no(value: Optional[bool]) -> str:
    return "yes" if value is True else "no" if value is False else ""


def identity_data(identity: Optional[dict]) -> dict[str, Any]:
    identity = dict(identity or {})
    identity["birth_date"] = _day_value(identity.get("birth_date"))
    identity["other_names"] = list(identity.get("other_names") or [])
    return identity


def contacts_data(contacts: Optional[dict]) -> dict[str, Any]:
    contacts = contacts or {}
    return {"phones": list(contacts.get("phones") or []), "emails": list(contacts.get("emails") or []),
            "address": contacts.get("address") or ""}


def profile_data(profile: Optional[dict]) -> dict[str, Any]:
    profile = dict(profile or {})
    children = dict(profile.get("children") or {})
    children["ages"] = ", ".join(str(age) for age in children.get("ages") or [])
    children["live_with_her"] = _yes_no(children.get("live_with_her"))
    children["exposed_to_violence"] = _yes_no(children.get("exposed_to_violence"))
    profile["children"] = children
    return profile


def discrimination_data(factors: Optional[list]) -> dict[str, Any]:
    return {"discrimination_factors": list(factors or [])}


def profile_in_words(client: Any) -> list[tuple[str, str]]:
    """Her demographics and discrimination factors as (label, value in words)."""
    data = {**profile_data(client.profile), **discrimination_data(client.discrimination_factors)}
    return describe(_ProfileView(data=data))


def client_form_data(client: Any) -> dict[str, Any]:
    """Everything stored about her, shaped for ClientEditForm."""
    return {**identity_data(client.identity), **contacts_data(client.contacts),
            **profile_data(client.profile), **discrimination_data(client.discrimination_factors),
            "client_version": str(client.version)}


# --- Showing forms --------------------------------------------------------------------------

def is_blank(data: Any) -> bool:
    if isinstance(data, dict):
        return all(is_blank(value) for value in data.values())
    return data in (None, "", False, [])


def offer_blank_rows(form: Any) -> None:
    """End every list of rows with an empty one, so one more can be typed in."""
    for field in form:
        if field.type == "FieldList" and len(field.entries) < MAX_ROWS:
            if not field.entries or not is_blank(field.entries[-1].data):
                field.append_entry()


def all_fields(form: Any) -> Iterator[Any]:
    """Every input of a form, nested groups and rows included."""
    for field in form:
        if field.type == "FormField":
            yield from all_fields(field.form)
        elif field.type == "FieldList":
            for entry in field.entries:
                yield from all_fields(entry.form) if entry.type == "FormField" else [entry]
        else:
            yield field


def attach_errors(form: Any, errors: dict[str, str]) -> None:
    """Show a service's messages next to the fields they name (others above the form)."""
    by_name = {field.name: field for field in all_fields(form)}
    for name, message in errors.items():
        field = by_name.get(name)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]


def describe(form: Any) -> list[tuple[str, str]]:
    """(label, value in words) for every filled-in field: codes as their labels, never codes."""
    described: list[tuple[str, str]] = []
    for field in form:
        if field.name not in NOT_VALUES:
            described.extend(_describe(field, str(field.label.text), in_row=False))
    return described


def _describe(field: Any, label: str, *, in_row: bool) -> list[tuple[str, str]]:
    if field.type == "FormField":
        if "given" in field.form and not field.form.given.data:
            return [(label, _("Not given"))]  # a consent: its date means nothing until given
        return [row for sub in field.form
                for row in _describe(sub, f"{label} — {sub.label.text}", in_row=in_row)]
    if field.type == "FieldList":
        rows = [entry for entry in field.entries if not is_blank(entry.data)]
        return [row for number, entry in enumerate(rows, start=1)
                for row in _describe(entry, f"{_row_label(field, entry)} {number}", in_row=True)]
    value = _in_words(field)
    if value in ("", None) or (field.type == "BooleanField" and not field.data and not in_row):
        return []
    return [(label, value)]


def _row_label(field_list: Any, entry: Any) -> str:
    # A row of a group (a phone) is named after the list; a single field keeps its own label.
    return str(field_list.label.text if entry.type == "FormField" else entry.label.text)


def _in_words(field: Any) -> str:
    data = field.data
    if field.type == "BooleanField":
        return _("Yes") if data else _("No")
    if field.type == "CodeSelectField":
        return str(codes.label(field.code_list, data)) if data else ""
    if field.type == "CodeMultiCheckboxField":
        return ", ".join(str(codes.label(field.code_list, code)) for code in data or [])
    if field.type == "CountrySelectField":
        return str(country_name(data)) if data and data != NOT_STATED else ""
    if field.type == "SelectField":
        # (value, label, selected, …) whatever the WTForms version
        return next((str(choice[1]) for choice in field.iter_choices() if data and choice[0] == data), "")
    if isinstance(data, date):
        return format_day(data)
    return "" if data is None else str(data)
