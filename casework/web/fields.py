"""Form fields for DOMAIN.md's code lists: codes are submitted and stored, labels are shown.

A code that is not in the list (posted by hand, or removed from the configuration) is refused
with a message next to the field; the choices are read when the form is built, so a centre's
configured additions appear without a restart of anything else.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from casework.codes import choices, is_valid
from casework.countries import country_choices

NOT_CHOSEN = ""


def code_choices(code_list: str) -> list[SelectChoice]:
    """The options of a code list for a select or a checkbox group (code → translated label)."""
    return [SelectChoice(code, label) for code, label in choices(code_list)]


class CodeSelectField(SelectField):
    """One code from a list; optional fields offer an empty first choice."""

    def __init__(self, label: Any = None, *, code_list: str, optional: bool = True, **kwargs: Any) -> None:
        self.code_list = code_list
        self.optional = optional
        super().__init__(label, choices=self._choices, validate_choice=False, **kwargs)

    def _choices(self) -> list[SelectChoice]:
        empty = [SelectChoice(NOT_CHOSEN, _l("— choose —"))] if self.optional else []
        return empty + code_choices(self.code_list)

    def pre_validate(self, form: Any) -> None:
        if self.data in (None, NOT_CHOSEN):
            if not self.optional:
                raise ValidationError(_l("Choose one of the options."))
            return
        if not is_valid(self.code_list, self.data):
            raise ValidationError(_l("Choose one of the options offered."))

    @property
    def code(self) -> str | None:
        """The chosen code, or None when nothing was chosen."""
        return self.data or None


class CodeMultiCheckboxField(SelectMultipleField):
    """Several codes from a list, shown as a group of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: Any = None, *, code_list: str, **kwargs: Any) -> None:
        self.code_list = code_list
        super().__init__(label, choices=lambda: code_choices(code_list), validate_choice=False, **kwargs)

    def pre_validate(self, form: Any) -> None:
        for code in self.data or []:
            if not is_valid(self.code_list, code):
                raise ValidationError(_l("Choose only among the options offered."))


class CountrySelectField(SelectField):
    """A country (ISO 3166-1 alpha-2), named in the page's language; the service checks the code."""

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        super().__init__(label, choices=lambda: [SelectChoice(code, name) for code, name in
                                                 country_choices()],
                         validate_choice=False, **kwargs)
