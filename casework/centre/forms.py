"""Forms of the enquiries and activities pages: shape checks only; the rules live in the service.

The enquiry form has deliberately no free-text field at all, and no field for a name or a
number: whatever else is posted is not a field of the form and is never read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from casework.auth.models import Organisation
from casework.centre.service import PARTICIPANTS_MAX, TITLE_MAX_LENGTH, InvalidCentreRecord, too_long_message
from casework.clock import today
from casework.web.fields import CodeMultiCheckboxField, CodeSelectField


class PastDateField(DateField):
    """A date as YYYY-MM-DD (what a date picker sends), with a message that says so when it is not.
    A missing or empty value is "no date" (the field's required check answers), never a default."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = datetime.strptime(str(valuelist[0]).strip(), "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError(_l("Write the date as YYYY-MM-DD, for example 2026-03-01.")) from None


class OrganisationCheckboxField(SelectMultipleField):
    """Partner organisations as checkboxes; only the ones offered (by id) are accepted."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        super().__init__(label, choices=[], validate_choice=False, **kwargs)

    def offer(self, organisations: Iterable[Organisation]) -> None:
        self.choices = [(str(organisation.id), organisation.name) for organisation in organisations]

    def pre_validate(self, form: Any) -> None:
        offered = {str(choice[0]) for choice in self.choices or []}
        if any(value not in offered for value in self.data or []):
            raise ValidationError(_l("Choose only among the partner organisations offered."))

    @property
    def ids(self) -> list[int]:
        return [int(value) for value in dict.fromkeys(self.data or [])]


class _Participants:
    """0..100,000, said plainly; silent when the value could not be read (that has its message)."""

    def __call__(self, _form: Any, field: IntegerField) -> None:
        if field.process_errors or field.data is None:
            return
        if not 0 <= field.data <= PARTICIPANTS_MAX:
            raise ValidationError(_("The number of participants must be between 0 and %(max)s.",
                                    max=format_number(PARTICIPANTS_MAX)))


class _AtMost:
    """A text limit said plainly: "At most 200 characters; this has 245."."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, _form: Any, field: StringField) -> None:
        if field.data and len(field.data) > self.limit:
            raise ValidationError(too_long_message(self.limit, len(field.data)))


class _AtLeastOne:
    """At least one box ticked. Unlike DataRequired it sets no `required` flag: rendered on every
    checkbox of the group, that would tell a screen reader each one must be ticked."""

    def __init__(self, message: Any) -> None:
        self.message = message

    def __call__(self, _form: Any, field: Any) -> None:
        if not field.data:
            raise ValidationError(self.message)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _today() -> Any:
    return today()


class FormWithServiceErrors(FlaskForm):
    def attach(self, error: InvalidCentreRecord) -> None:
        """Show the service's refusal next to the field it names, or above the form."""
        field = self._fields.get(error.field) if error.field else None
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            self.form_errors.append(error.message)


class EnquiryForm(FormWithServiceErrors):
    received_on = PastDateField(_l("Date"), default=_today,
                                validators=[InputRequired(_l("Enter the date of the enquiry."))])
    channel = CodeSelectField(_l("Channel"), code_list="contact_channel",
                              validators=[DataRequired(_l("Choose how the enquiry came in."))])
    caller = CodeSelectField(_l("Who contacted the centre"), code_list="enquiry_caller",
                             validators=[DataRequired(_l("Choose who contacted the centre."))])
    topics = CodeMultiCheckboxField(_l("Topics"), code_list="requests",
                                    validators=[_AtLeastOne(_l("Choose at least one topic."))])
    outcome = CodeSelectField(_l("Outcome"), code_list="enquiry_outcome",
                              validators=[DataRequired(_l("Choose the outcome."))])

    def values(self) -> dict[str, Any]:
        return {"received_on": self.received_on.data, "channel": self.channel.data,
                "caller": self.caller.data, "topics": list(self.topics.data or []),
                "outcome": self.outcome.data}


class ActivityForm(FormWithServiceErrors):
    held_on = PastDateField(_l("Date"), validators=[InputRequired(_l("Enter the date of the activity."))])
    kind = CodeSelectField(_l("Type of activity"), code_list="activity_types",
                           validators=[DataRequired(_l("Choose the type of activity."))])
    audience = CodeSelectField(_l("Audience"), code_list="activity_audience",
                               validators=[DataRequired(_l("Choose the audience."))])
    participants = IntegerField(
        _l("Number of participants"),
        invalid_value_message=_l("Write the number of participants as a whole number, for example 25."),
        validators=[InputRequired(_l("Enter the number of participants (0 if there were none).")),
                    _Participants()])
    partner_organisation_ids = OrganisationCheckboxField(_l("Partner organisations"))
    title = StringField(_l("Title"), filters=[_strip],
                        validators=[DataRequired(_l("Enter a short title.")), _AtMost(TITLE_MAX_LENGTH)])

    def values(self) -> dict[str, Any]:
        return {"held_on": self.held_on.data, "kind": self.kind.data, "audience": self.audience.data,
                "participants": self.participants.data,
                "partner_organisation_ids": self.partner_organisation_ids.ids, "title": self.title.data}


INCOMPLETE = _l("This form is incomplete. Reload the page and try again.")


class EditActivityForm(ActivityForm):
    # The version she started from: a save based on an older one is refused, never overwrites.
    version = IntegerField(widget=HiddenInput(), invalid_value_message=INCOMPLETE,
                           validators=[InputRequired(INCOMPLETE)])

    def carry_version(self, version: int) -> None:
        """Carry the stored version, so that saving again (after reading the conflict) is possible."""
        self.version.data = version
        self.version.raw_data = [str(version)]
