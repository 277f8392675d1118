"""Forms of the referrals: shape checks only (types, lengths, offered codes). The rules — which
fields need what, an active partner, her consent — live in casework.referrals.service, whose
problems the views show next to the same fields. What was typed is never trimmed or cut.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError
from wtforms.validators import Optional as OptionalValue
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from casework.admin.organisations import kind_label
from casework.clock import today
from casework.referrals import packet as rules

NOT_CHOSEN = ""


class AtMost:
    """A length limit that says the limit and the length, and keeps the text as typed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, _form: Any, field: Any) -> None:
        if field.data and len(field.data) > self.limit:
            raise ValidationError(rules.too_long(self.limit, len(field.data)))


class Offered:
    """A code from `codes` (a hand-made post of another value is refused next to the field)."""

    def __init__(self, codes: dict[str, Any], *, required: bool = True) -> None:
        self.codes = codes
        self.required = required

    def __call__(self, _form: Any, field: Any) -> None:
        if field.data in (None, NOT_CHOSEN):
            if self.required:
                raise ValidationError(_l("Choose one of the options."))
            return
        if field.data not in self.codes:
            raise ValidationError(_l("Choose one of the options offered."))


def _select(label: Any, codes: dict[str, Any], *, required: bool = True) -> SelectField:
    return SelectField(label, choices=[SelectChoice(NOT_CHOSEN, _l("— choose —")),
                                       *[SelectChoice(code, text) for code, text in codes.items()]],
                       validate_choice=False, validators=[Offered(codes, required=required)])


def _optional_id(value: Any) -> Optional[int]:
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() else -1  # -1: no such organisation, refused by the service


class FieldChoice(SelectMultipleField):
    """The packet fields, as a group of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        if any(code not in rules.PACKET_FIELDS for code in self.data or []):
            raise ValidationError(_l("Choose only among the fields offered."))


class ReferralForm(FlaskForm):
    organisation_id = SelectField(_l("Partner organisation"), coerce=_optional_id,
                                  validate_choice=False,
                                  validators=[InputRequired(_l("Choose the partner organisation."))])
    purpose = _select(_l("Purpose of the referral"), rules.PURPOSES)
    packet_fields = FieldChoice(
        _l("What the partner will receive"), validate_choice=False, default=list(rules.DEFAULT_FIELDS),
        choices=[SelectChoice(code, text) for code, text in rules.PACKET_FIELDS.items()])
    alias = StringField(_l("Alias to use instead of her first name"),
                        validators=[AtMost(rules.ALIAS_LIMIT)])
    children_count = IntegerField(_l("Number of children coming with her"),
                                  render_kw={"min": 0, "max": rules.MAX_CHILDREN},
                                  validators=[OptionalValue()])
    children_ages = StringField(_l("Their ages"), validators=[AtMost(200)])
    urgency = _select(_l("Urgency"), rules.URGENCY, required=False)
    accessibility_needs = TextAreaField(_l("Accessibility needs"), validators=[AtMost(rules.TEXT_LIMIT)])
    note_for_partner = TextAreaField(_l("Note for the partner"), validators=[AtMost(rules.TEXT_LIMIT)])
    phone_for_partner = StringField(_l("Phone number she agrees the partner may call"),
                                    validators=[AtMost(rules.PHONE_LIMIT)])

    def offer_organisations(self, organisations: Iterable[Any]) -> None:
        self.organisation_id.choices = [SelectChoice(NOT_CHOSEN, _l("— choose —"))] + [
            SelectChoice(organisation.id, f"{organisation.name} ({kind_label(organisation.kind)})")
            for organisation in organisations]

    def values(self) -> dict[str, Any]:
        """Plain values for the service."""
        return {"organisation_id": self.organisation_id.data, "purpose": self.purpose.data,
                "fields": list(self.packet_fields.data or []), "alias": self.alias.data or "",
                "children_count": self.children_count.data,
                "children_ages": self.children_ages.data or "", "urgency": self.urgency.data or None,
                "accessibility_needs": self.accessibility_needs.data or "",
                "note_for_partner": self.note_for_partner.data or "",
                "phone_for_partner": self.phone_for_partner.data or ""}

    def show_problems(self, problems: dict[str, str]) -> None:
        """The service's refusals, each next to its field (or above the form)."""
        for name, message in problems.items():
            name = "packet_fields" if name == "fields" else name
            field = getattr(self, name, None) if name in self._fields else None
            if field is None:
                self.form_errors.append(message)
            elif message not in field.errors:
                field.errors = [*field.errors, message]


class EditReferralForm(ReferralForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])

    @classmethod
    def of(cls, referral: Any) -> "EditReferralForm":
        draft = referral.draft or {}
        return cls(formdata=None, data={
            **draft, "packet_fields": draft.get("fields") or [],
            "children_ages": ", ".join(str(age) for age in draft.get("children_ages") or []),
            "organisation_id": referral.organisation_id, "purpose": referral.purpose,
            "version": referral.version})

    def show_version(self, version: int) -> None:
        """After a conflict: carry the stored version, so saving again is a deliberate choice."""
        self.version.data = version
        self.version.raw_data = [str(version)]


class SendForm(FlaskForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    digest = HiddenField(validators=[InputRequired()])
    consent_given = BooleanField(_l("She consents to this referral: to this partner, for this "
                                    "purpose, and to sharing exactly what is shown above"))
    consent_given_on = DateField(_l("Date she gave her consent"), default=today,
                                 validators=[OptionalValue()])

    def consent_date(self) -> Any:
        """The date of the consent recorded now, or None (an earlier consent must then cover it)."""
        return (self.consent_given_on.data or today()) if self.consent_given.data else None

    def show_problems(self, problems: dict[str, str]) -> None:
        for name, message in problems.items():
            field = getattr(self, name, None) if name in self._fields else None
            if field is None:
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]


class WithdrawForm(FlaskForm):
    reason = _select(_l("Why is it withdrawn?"), rules.WITHDRAW_REASONS)


class OutcomeForm(FlaskForm):
    outcome = _select(_l("What the partner answered or recorded"), {
        "accepted": _l("Accepted"), "declined": _l("Declined"), "arrived": _l("She arrived"),
        "completed": _l("Completed")})
    reason = _select(_l("Reason, if declined"), rules.DECLINE_REASONS, required=False)


class DeclineForm(FlaskForm):
    reason = _select(_l("Reason"), rules.DECLINE_REASONS)


class ConfirmForm(FlaskForm):
    """A button that changes something: the form carries only the CSRF token."""
