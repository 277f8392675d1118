"""Forms of the intake: the search before a new client, and one form per section.

Shape checks only; casework.clients.schema and casework.cases.intake_schema decide what may be
stored. Every section form carries the versions of the case and of the client it started from
(optimistic locking).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from casework.cases.intake_schema import NARRATIVE_MAX
from casework.clients.forms import (MAX_ROWS, ContactsFields, DiscriminationFields, IdentityFields,
                                    MaxChars, ProfileFields, date_field, number_field,
                                    text_field)
from casework.clients.schema import NAME_MAX, PHONE_MAX
from casework.web.fields import CodeMultiCheckboxField, CodeSelectField


class SearchForm(FlaskForm):
    """Who she is, to look for her among the centre's clients before recording her again."""

    given_name = text_field(_l("Given name"), NAME_MAX)
    family_name = text_field(_l("Family name"), NAME_MAX)
    phone = text_field(_l("Phone number"), PHONE_MAX, render_kw={"inputmode": "tel"})

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)
        if valid and not (self.name or self.phone_number):
            self.given_name.errors = [*self.given_name.errors,
                                      _l("Type a name or a phone number to search for.")]
            return False
        return valid

    @property
    def name(self) -> str:
        parts = (self.given_name.data or "", self.family_name.data or "")
        return " ".join(part.strip() for part in parts if part.strip())

    @property
    def phone_number(self) -> str:
        return (self.phone.data or "").strip()


class NewClientForm(SearchForm):
    """"None of these — a new client": what was searched for, carried in the page."""

    given_name = HiddenField()
    family_name = HiddenField()
    phone = HiddenField()
    # What the results showed her: the ids of her own matches, and the count of the others'.
    seen_clients = HiddenField()
    seen_elsewhere = HiddenField()

    @property
    def seen(self) -> tuple[set[str], int]:
        ids = {part for part in (self.seen_clients.data or "").split(",") if part}
        try:
            return ids, int(self.seen_elsewhere.data or 0)
        except ValueError:
            return ids, 0


class SectionForm(FlaskForm):
    case_version = HiddenField()
    client_version = HiddenField()


class IdentitySection(SectionForm, IdentityFields):
    """The identity fields of the client form, with the versions the intake page saves against."""


class ContactsSection(SectionForm, ContactsFields):
    """The contact fields of the client form, with the versions the intake page saves against."""


class ProfileSection(SectionForm, ProfileFields):
    """The demographic fields of the client form, with the versions the intake page saves against."""


class DiscriminationSection(SectionForm, DiscriminationFields):
    """The discrimination factors of the client form, with the versions the intake page saves
    against."""


class ReferralSection(SectionForm):
    reason_for_contact = CodeSelectField(_l("Reason for contact"), code_list="reason_for_contact")
    intake_date = date_field(_l("Intake date"), description=_l("The day of the first contact."))
    contact_channel = CodeSelectField(_l("Contact channel"), code_list="contact_channel")
    referral_source = CodeSelectField(_l("Who referred her"), code_list="referral_source")
    area = CodeSelectField(_l("Area of residence"), code_list="area")


class RequestsSection(SectionForm):
    requests = CodeMultiCheckboxField(_l("What she asks for"), code_list="requests")


class ViolenceSection(SectionForm):
    violence_types = CodeMultiCheckboxField(_l("Forms of violence she experienced"),
                                            code_list="violence_types")


class PerpetratorFields(Form):
    relationship = CodeSelectField(_l("Relationship to her"), code_list="perpetrator_relationship")
    sex = CodeSelectField(_l("Sex"), code_list="sex")
    age_band = CodeSelectField(_l("Age"), code_list="perpetrator_age_band")


class PerpetratorsSection(SectionForm):
    perpetrators = FieldList(FormField(PerpetratorFields), label=_l("Perpetrator"),
                             min_entries=1, max_entries=MAX_ROWS)


class HistoryFields(Form):
    first_incident_year = number_field(_l("Year of the first incident"), 1900, 9999)
    duration = CodeSelectField(_l("Duration of the abuse"), code_list="abuse_duration")
    frequency = text_field(_l("How often it happens"))
    last_incident_on = date_field(_l("Date of the last incident"),
                            description=_l("An approximate date is enough."))


class JusticeStepFields(Form):
    step = CodeSelectField(_l("Step"), code_list="justice_steps")
    on = date_field(_l("On"))


class HistorySection(SectionForm):
    history = FormField(HistoryFields, label=_l("History of the violence"))
    justice_steps = FieldList(FormField(JusticeStepFields), label=_l("Justice or protection step"),
                              min_entries=1, max_entries=MAX_ROWS)


class NarrativeSection(SectionForm):
    narrative = TextAreaField(_l("In her words"), validators=[MaxChars(NARRATIVE_MAX)],
                              render_kw={"rows": 12},
                              description=_l("At most 10,000 characters."))


class ConsentFields(Form):
    given = BooleanField(_l("She gives this consent"))
    given_on = date_field(_l("Given on"))
    note = text_field(_l("Note"))

    def validate_given_on(self, field: object) -> None:
        if self.given.data and not self.given_on.data:
            raise ValidationError(_l("Give the date of the consent."))


class ConsentsSection(SectionForm):
    processing = FormField(ConsentFields, label=_l("Consent to the processing of her data"))
    statistics = FormField(ConsentFields, label=_l("Consent to counting her case in anonymised statistics"))


class CompleteForm(FlaskForm):
    case_version = HiddenField()


class DiscardForm(FlaskForm):
    case_version = HiddenField()
    confirm = BooleanField(_l("Yes, discard this draft and what it holds"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])
