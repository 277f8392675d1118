"""Forms of the cases area: shape checks only. A search is always a POST, so what she typed never
reaches a URL, a log line or the browser's history."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import ValidationError

from casework.crypto.blind_index import MIN_PHONE_DIGITS, MIN_TOKEN_CHARS

try:
    from wtforms.fields.choices import SelectChoice as _choice  # WTForms 3.3+: tuples are deprecated
except ImportError:  # pragma: no cover - older WTForms takes (value, label) pairs
    def _choice(value: str, label: Any) -> Any:  # type: ignore[misc]
        return (value, label)


SEARCH_MAX_LENGTH = 200
# Runs of letters in any script (a word character that is neither a digit nor "_").
LETTER_RUNS = re.compile(r"[^\W\d_]+")


class SearchForm(FlaskForm):
    # WTForms' own choice check is off: validate_by says what to do in plain words.
    by = SelectField(_l("Search by"), default="name", validate_choice=False,
                     choices=[_choice("name", _l("Name")), _choice("phone", _l("Phone number"))])
    text = StringField(_l("Name or phone number"),
                       description=_l("Any of her names, in any alphabet, or a phone number."))

    def validate_by(self, field: Any) -> None:
        if field.data not in ("name", "phone"):
            raise ValidationError(_l("Choose one of the options offered."))

    def validate_text(self, field: Any) -> None:
        text = (field.data or "").strip()
        field.data = text
        if not text:
            raise ValidationError(_l("Type a name or a phone number to search for."))
        if len(text) > SEARCH_MAX_LENGTH:
            raise ValidationError(_l("Type at most %(limit)s characters; this has %(count)s.",
                                     limit=format_number(SEARCH_MAX_LENGTH),
                                     count=format_number(len(text))))
        if self.by.data == "phone":
            if sum(char.isdigit() for char in text) < MIN_PHONE_DIGITS:
                raise ValidationError(_l("Type at least %(count)s digits of the phone number.",
                                         count=MIN_PHONE_DIGITS))
        elif not any(len(run) >= MIN_TOKEN_CHARS for run in LETTER_RUNS.findall(text)):
            raise ValidationError(_l("Type at least %(count)s letters of one of her names.",
                                     count=MIN_TOKEN_CHARS))

