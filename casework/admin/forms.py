"""Forms of the administration pages: shape checks only; the rules live in the services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable, Optional

from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError
from wtforms.validators import Optional as OptionalValue

from casework.admin.audit_query import AuditFilters
from casework.admin.organisations import (AREA_MAX_LENGTH, CAPACITY_NOTES_MAX_LENGTH,
                                         CONTACT_MAX_LENGTH, NAME_MAX_LENGTH,
                                         ORGANISATION_KINDS)
from casework import codes
from casework.auth.models import ROLES, Organisation

try:
    from wtforms.fields.choices import SelectChoice as _choice  # WTForms 3.3+: tuples are deprecated
except ImportError:  # pragma: no cover - older WTForms takes (value, label) pairs
    def _choice(value: str, label: Any) -> Any:  # type: ignore[misc]
        return (value, label)


def role_label(role: str) -> str:
    return str(codes.label("roles", role))


def _strip(value: Optional[str]) -> Optional[str]:
    return value.strip() if isinstance(value, str) else value


def _optional_id(value: Any) -> Optional[int]:
    """A select's "" (no organisation) becomes None, any other value an id."""
    if value is None or value == "":
        return None
    return int(value)


def attach_error(form: FlaskForm, message: str, field_name: str = "") -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    target = getattr(form, field_name, None) if field_name else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, message]
    else:
        form.form_errors.append(message)


class _Offered:
    """The chosen value is one of those offered, with a message that says what to do
    (WTForms' own "Not a valid choice" does not; its message option needs WTForms 3.3)."""

    def __init__(self, message: Any) -> None:
        self.message = message

    def __call__(self, _form: Any, field: SelectField) -> None:
        if not any(choice[2] for choice in field.iter_choices()):  # (value, label, selected, …)
            raise ValidationError(self.message)


class _RoleFields(FlaskForm):
    role = SelectField(_l("Role"), choices=[_choice(code, codes.ROLES[code]) for code in ROLES],
                       validate_choice=False,
                       validators=[_Offered(_l("Choose one of the roles offered."))])
    organisation_id = SelectField(_l("Partner organisation"), coerce=_optional_id,
                                  validate_choice=False, validators=[_Offered(
                                      _l("Choose one of the active partner organisations offered."))])

    def offer_organisations(self, organisations: Iterable[Organisation]) -> None:
        self.organisation_id.choices = [_choice("", _l("None"))] + [
            _choice(str(organisation.id), organisation.name) for organisation in organisations]


class CreateUserForm(_RoleFields):
    username = StringField(_l("Username"), filters=[_strip],
                           validators=[DataRequired(_l("Enter a username.")), Length(max=40)])
    display_name = StringField(_l("Display name"), filters=[_strip],
                               validators=[OptionalValue(), Length(max=120)])


class ChangeRoleForm(_RoleFields):
    """A role (and, for a shelter partner, her organisation) for an existing account."""


class ConfirmForm(FlaskForm):
    """A button that changes something: the form carries only the CSRF token."""


class _AtMost:
    """A length limit that says the limit and the length; the text stays as typed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, _form: Any, field: Any) -> None:
        if field.data and len(field.data) > self.limit:
            raise ValidationError(gettext("At most %(limit)s characters; this has %(count)s.",
                                          limit=format_decimal(self.limit),
                                          count=format_decimal(len(field.data))))


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip],
                       validators=[DataRequired(_l("Enter the organisation's name.")),
                                   Length(max=NAME_MAX_LENGTH)])
    kind = SelectField(_l("Kind"),
                       choices=[_choice(code, codes.PARTNER_TYPES[code]) for code in ORGANISATION_KINDS],
                       validate_choice=False,
                       validators=[_Offered(_l("Choose one of the kinds offered."))])
    area = StringField(_l("Area it serves"), validators=[_AtMost(AREA_MAX_LENGTH)])
    contact = StringField(_l("How to reach it (phone, email, a contact person)"),
                          validators=[_AtMost(CONTACT_MAX_LENGTH)])
    capacity_notes = TextAreaField(_l("Capacity notes (for shelters: places, who it takes)"),
                                   validators=[_AtMost(CAPACITY_NOTES_MAX_LENGTH)])
    takes_children = BooleanField(_l("Takes women with their children"))

    def values(self) -> dict[str, Any]:
        return {"name": self.name.data, "kind": self.kind.data, "area": self.area.data or "",
                "contact": self.contact.data or "", "capacity_notes": self.capacity_notes.data or "",
                "takes_children": bool(self.takes_children.data)}


class EditOrganisationForm(OrganisationForm):
    fingerprint = HiddenField(validators=[DataRequired()])

    @classmethod
    def of(cls, organisation: Organisation, fingerprint: str) -> "EditOrganisationForm":
        return cls(formdata=None, obj=organisation, data={"fingerprint": fingerprint})

    def show_fingerprint(self, fingerprint: str) -> None:
        """After a conflict: carry what is stored now, so saving again is a deliberate choice."""
        self.fingerprint.data = fingerprint
        self.fingerprint.raw_data = [fingerprint]


class IsoDateField(DateField):
    """A date written as YYYY-MM-DD, with a message that says so when it is not."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip(), "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError(_l("Write the date as YYYY-MM-DD, for example 2026-03-01.")) from None


class AuditFilterForm(FlaskForm):
    """The audit log's filters, sent in the query string (GET): they are not sensitive."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    actor = StringField(_l("Staff username"), filters=[_strip, lambda v: v.lower() if v else v],
                        validators=[OptionalValue(), Length(max=80)])
    action = SelectField(_l("Action"), default="", validate_choice=False,
                         validators=[_Offered(_l("No entry in the log has this action."))])
    date_from = IsoDateField(_l("From (YYYY-MM-DD, UTC)"), validators=[OptionalValue()])
    date_to = IsoDateField(_l("To (YYYY-MM-DD, UTC, inclusive)"), validators=[OptionalValue()])
    page = IntegerField(_l("Page"), default=1, validators=[OptionalValue(), NumberRange(min=1)])

    def offer_actions(self, actions: Iterable[str]) -> None:
        self.action.choices = [_choice("", _l("Any action"))] + [_choice(code, code) for code in actions]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        start, end = self.date_from.data, self.date_to.data
        if valid and start and end and start > end:
            self.date_to.errors = [*self.date_to.errors,
                                   _l("The end date is before the start date.")]
            return False
        return valid

    def filters(self) -> AuditFilters:
        return AuditFilters(actor_name=self.actor.data or "", action=self.action.data or "",
                            date_from=_as_date(self.date_from.data), date_to=_as_date(self.date_to.data))


def _as_date(value: Any) -> Optional[date]:
    return value if isinstance(value, date) else None
