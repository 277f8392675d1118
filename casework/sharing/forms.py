"""Forms of sharing, break-the-glass, alerts and the administrator's case list: shape checks
only; the rules live in casework.sharing.service."""

from __future__ import annotations

from typing import Any, Iterable, Optional

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (HiddenField, IntegerField, PasswordField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError
from wtforms.validators import Optional as OptionalValue

from casework.auth.forms import CODE_INPUT, PASSWORD_INPUT_MAX
from casework.codes import choices, is_valid
from casework.sharing.service import REASON_MAX_LENGTH, REASON_MIN_LENGTH

try:
    from wtforms.fields.choices import SelectChoice as _choice  # WTForms 3.3+: tuples are deprecated
except ImportError:  # pragma: no cover - older WTForms takes (value, label) pairs
    def _choice(value: str, label: Any) -> Any:  # type: ignore[misc]
        return (value, label)


def _offered(field: SelectField) -> set[str]:
    return {str(option[0]) for option in field.iter_choices()}


def _strip(value: Optional[str]) -> Optional[str]:
    return value.strip() if isinstance(value, str) else value


def attach_error(form: FlaskForm, message: str, field_name: str = "") -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    target = getattr(form, field_name, None) if field_name else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, message]
    else:
        form.form_errors.append(message)


class _ReasonLength:
    """Says the limits plainly, with how long the text is now (WTForms' Length does not)."""

    def __call__(self, _form: Any, field: TextAreaField) -> None:
        text = field.data or ""
        if len(text.strip()) < REASON_MIN_LENGTH:
            raise ValidationError(_l("Write at least %(min)d characters saying why you need this "
                                     "case; this has %(count)d.", min=REASON_MIN_LENGTH,
                                     count=len(text.strip())))
        if len(text) > REASON_MAX_LENGTH:
            raise ValidationError(_l("Write at most %(max)s characters; this has %(count)s.",
                                     max=f"{REASON_MAX_LENGTH:,}", count=f"{len(text):,}"))


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class ShareForm(FlaskForm):
    username = StringField(_l("Username of the counsellor"), filters=[_strip],
                           validators=[DataRequired(_l("Enter the username of a counsellor.")),
                                       Length(max=80, message=_l("A username has at most 80 "
                                                                 "characters."))])


class BreakGlassForm(FlaskForm):
    # Kept exactly as typed (no stripping): it is her statement, sealed and shown back as is.
    reason = TextAreaField(_l("Why do you need to open this case now?"), validators=[_ReasonLength()])
    # Shown only when her last check expired while she was writing the reason: she confirms
    # who she is here, and what she wrote is not lost to a redirect.
    password = PasswordField(_l("Your password"), validators=[Length(max=PASSWORD_INPUT_MAX)])
    code = StringField(_l("Code from your authenticator app"),
                       validators=[OptionalValue(), Length(max=20)], render_kw=CODE_INPUT)


class ReassignForm(FlaskForm):
    counsellor = SelectField(_l("Assign to"), validate_choice=False,
                             validators=[DataRequired(_l("Choose a counsellor."))])
    version = HiddenField(validators=[DataRequired()])

    def offer(self, counsellors: Iterable[tuple[int, str, bool]]) -> None:
        self.counsellor.choices = [_choice("", _l("— choose —"))] + [
            _choice(username, username) for _id, username, _active in counsellors]

    def validate_counsellor(self, field: SelectField) -> None:
        if field.data not in _offered(field):
            raise ValidationError(_l("Choose one of the active counsellors offered."))

    @property
    def expected_version(self) -> int:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return -1  # a tampered version can only be stale


class CaseFilterForm(FlaskForm):
    """The filters of the administrator's case list (a GET form: no CSRF, no content)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validate_choice=False,
                         choices=lambda: [_choice("", _l("Any status"))] + [
                             _choice(code, label) for code, label in choices("case_status")])
    counsellor = SelectField(_l("Assigned counsellor"), validate_choice=False)
    page = IntegerField(_l("Page"), validators=[OptionalValue(), NumberRange(min=1)])

    def offer(self, counsellors: Iterable[tuple[int, str, bool]]) -> None:
        self.counsellor.choices = [_choice("", _l("Anyone"))] + [
            _choice(str(user_id), username if active else f"{username} ({_l('inactive')})")
            for user_id, username, active in counsellors]

    def validate_status(self, field: SelectField) -> None:
        if field.data and not is_valid("case_status", field.data):
            raise ValidationError(_l("Choose one of the statuses offered."))

    def validate_counsellor(self, field: SelectField) -> None:
        if field.data and field.data not in _offered(field):
            raise ValidationError(_l("Choose one of the counsellors offered."))

    @property
    def counsellor_id(self) -> Optional[int]:
        return int(self.counsellor.data) if self.counsellor.data else None
