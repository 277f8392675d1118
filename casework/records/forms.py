"""Forms of the records area: shape checks (types, required fields, code lists, lengths).

The date rules belong to casework.records.service; the forms ask it too, so every problem shows
next to its field at once. What was typed is never trimmed or cut: a text over the limit is
refused with its length, and the form comes back with everything in it.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Optional

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, ValidationError
from wtforms.validators import Optional as OptionalValue
from wtforms.widgets import HiddenInput

from casework.clock import today
from casework.codes import choices
from casework.records import service as rules
from casework.web.fields import CodeMultiCheckboxField, CodeSelectField


class AtMost:
    """A length limit that says the limit and the length, and keeps the text as typed."""

    def __init__(self, limit: int = rules.NOTE_LIMIT) -> None:
        self.limit = limit

    def __call__(self, _form: Any, field: Any) -> None:
        if field.data and len(field.data) > self.limit:
            raise ValidationError(rules.too_long(self.limit, len(field.data)))


def _date(label: Any, message: Any) -> DateField:
    return DateField(label, default=today, validators=[InputRequired(message)])


def _optional_date(label: Any) -> DateField:
    return DateField(label, validators=[OptionalValue()])


def _chosen(label: Any, code_list: str) -> CodeSelectField:
    """A required code that starts unchosen: a default (a "standard" risk level…) could be
    saved without anyone having decided it."""
    return CodeSelectField(label, code_list=code_list, optional=True,
                           validators=[InputRequired(_l("Choose one of the options."))])


def _note(label: Any) -> TextAreaField:
    return TextAreaField(label, validators=[AtMost()])


class _RecordForm(FlaskForm):
    """Adds the service's date problems to the fields they concern."""

    def date_problems(self) -> rules.Problems:
        return {}

    def validate(self, extra_validators: Optional[dict] = None) -> bool:
        valid = super().validate(extra_validators)
        for name, message in self.date_problems().items():
            field = getattr(self, name)
            if not field.errors:
                field.errors = [*field.errors, message]
                valid = False
        return valid


class _Versioned:
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])

    def show_version(self, version: int) -> None:
        """After a conflict: carry the stored version, so saving again is a deliberate choice."""
        self.version.data = version
        self.version.raw_data = [str(version)]


class SessionForm(_RecordForm):
    held_on = _date(_l("Date of the session"), _l("Enter the date of the session."))
    duration_minutes = IntegerField(
        _l("Duration in minutes"), render_kw={"min": rules.MIN_MINUTES, "max": rules.MAX_MINUTES},
        validators=[InputRequired(_l("Enter the duration in minutes.")),
                    NumberRange(rules.MIN_MINUTES, rules.MAX_MINUTES,
                                _l("Enter a duration between 1 and 600 minutes."))])
    service = _chosen(_l("Service"), "services")
    mode = _chosen(_l("How the session took place"), "session_mode")
    interpreter_used = BooleanField(_l("An interpreter was used"))
    interpreter_language = StringField(_l("Language of the interpretation"), validators=[AtMost(rules.LINE_LIMIT)])
    notes = _note(_l("Notes"))
    next_follow_up_on = _optional_date(_l("Next follow-up"))

    def date_problems(self) -> rules.Problems:
        return rules.session_date_problems(self.held_on.data, self.next_follow_up_on.data)

    def values(self) -> dict[str, Any]:
        return {"held_on": self.held_on.data, "duration_minutes": self.duration_minutes.data,
                "service": self.service.code, "mode": self.mode.code,
                "interpreter_used": self.interpreter_used.data,
                "interpreter_language": self.interpreter_language.data or "",
                "notes": self.notes.data or "", "next_follow_up_on": self.next_follow_up_on.data}


class EditSessionForm(_Versioned, SessionForm):
    @classmethod
    def of(cls, contact: Any) -> "EditSessionForm":
        """The form filled from a stored session (used for GET; a POST reads what was sent)."""
        details = contact.details or {}
        follow_up = details.get("next_follow_up_on")
        return cls(data={**details, "held_on": contact.held_on, "version": contact.version,
                         "next_follow_up_on": date.fromisoformat(follow_up) if follow_up else None})


class RiskAssessmentForm(_RecordForm):
    assessed_on = _date(_l("Date of the assessment"), _l("Enter the date of the assessment."))
    indicators = CodeMultiCheckboxField(_l("Risk indicators present"), code_list="risk_indicators")
    level = _chosen(_l("Your judgement of the risk level"), "risk_level")
    note = _note(_l("Note"))

    def date_problems(self) -> rules.Problems:
        return rules.not_in_future("assessed_on", self.assessed_on.data,
                                   _l("The date of the assessment cannot be in the future."))

    def values(self) -> dict[str, Any]:
        return {"assessed_on": self.assessed_on.data, "indicators": list(self.indicators.data or []),
                "level": self.level.code, "note": self.note.data or ""}


class SafetyPlanForm(_RecordForm):
    """One text per section of the safety_plan_sections list (a centre's additions included)."""

    made_on = _date(_l("Date of the plan"), _l("Enter the date of the plan."))
    review_on = _optional_date(_l("Review the plan on"))

    @classmethod
    def with_sections(cls, **kwargs: Any) -> "SafetyPlanForm":
        form_class = type("SafetyPlanSectionsForm", (cls,), {})
        for code, label in choices("safety_plan_sections"):
            if not hasattr(form_class, code):  # a code can never replace a field of the form
                setattr(form_class, code, _note(label))
        return form_class(**kwargs)

    def section_fields(self) -> list[Any]:
        return [self[code] for code, _label in choices("safety_plan_sections") if code in self]

    def validate(self, extra_validators: Optional[dict] = None) -> bool:
        valid = super().validate(extra_validators)
        if not any((field.data or "").strip() for field in self.section_fields()):
            self.form_errors.append(_l("Write at least one section of the plan."))
            return False
        return valid

    def date_problems(self) -> rules.Problems:
        return rules.plan_date_problems(self.made_on.data, self.review_on.data)

    def values(self) -> dict[str, Any]:
        return {"made_on": self.made_on.data, "review_on": self.review_on.data,
                "sections": {field.name: field.data or "" for field in self.section_fields()}}


class ConsentForm(_RecordForm):
    kind = _chosen(_l("Consent to"), "consent_kinds")
    given_on = _date(_l("Date the consent was given"), _l("Enter the date the consent was given."))
    partner = StringField(_l("Partner organisation"), validators=[AtMost(rules.LINE_LIMIT)])
    purpose = _note(_l("Purpose of the referral"))
    shares = _note(_l("What may be shared with the partner"))
    note = _note(_l("Note"))

    def date_problems(self) -> rules.Problems:
        problems = rules.not_in_future("given_on", self.given_on.data,
                                       _l("The date of the consent cannot be in the future."))
        if self.kind.data == "referral":
            for name in ("partner", "purpose", "shares"):
                if not (self[name].data or "").strip():
                    problems[name] = _l("A referral consent needs this.")
        return problems

    def values(self) -> dict[str, Any]:
        return {"kind": self.kind.code, "given_on": self.given_on.data,
                **{name: self[name].data or "" for name in ("partner", "purpose", "shares", "note")}}


class WithdrawConsentForm(_RecordForm):
    withdrawn_on = _date(_l("Date of withdrawal"), _l("Enter the date of withdrawal."))

    @classmethod
    def for_consent(cls, consent: Any, **kwargs: Any) -> "WithdrawConsentForm":
        form = cls(**kwargs)
        form.given_on = consent.given_on
        # One of these per consent on a page: give each its own id (the name stays the same).
        form.withdrawn_on.id = form.withdrawn_on.label.field_id = f"withdrawn_on-{consent.id}"
        return form

    def date_problems(self) -> rules.Problems:
        return rules.withdrawal_date_problems(self.given_on, self.withdrawn_on.data)


class CloseForm(_Versioned, _RecordForm):
    closed_on = _date(_l("Date of closure"), _l("Enter the date of closure."))
    reason = _chosen(_l("Reason for closing"), "closure_reasons")
    note = _note(_l("Note"))

    def __init__(self, case: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def date_problems(self) -> rules.Problems:
        return rules.closure_date_problems(self.case, self.closed_on.data)

    def values(self) -> dict[str, Any]:
        return {"expected_version": self.version.data, "closed_on": self.closed_on.data,
                "reason": self.reason.code, "note": self.note.data or ""}


class ReopenForm(_Versioned, FlaskForm):
    """Reopening a closed case: only the version it was read at (the CSRF token comes with the
    form)."""
