"""Forms of signing in, enrolment and the account page: shape checks only.

Lengths are capped so that nobody can make the server hash megabytes; the rules (the
password policy, whether a code is right) live in the services.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from casework.security.passwords import MAX_LENGTH
from casework.web.templating import LANGUAGE_NAMES

# Long enough for any password the policy accepts, short enough to bound argon2's input.
PASSWORD_INPUT_MAX = 4 * MAX_LENGTH
CODE_INPUT = {"inputmode": "numeric", "spellcheck": "false", "autocapitalize": "off"}
TEXT_CODE_INPUT = {"spellcheck": "false", "autocapitalize": "off", "autocorrect": "off"}
CODE_MISMATCH = _l("That code does not match. Check that the time on your phone is right, "
                   "then try the newest code.")


class SignInForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)],
                           render_kw={**TEXT_CODE_INPUT})
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(), Length(max=PASSWORD_INPUT_MAX)])
    submit = SubmitField(_l("Sign in"))


class TotpCodeForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"),
                       validators=[DataRequired(), Length(max=20)], render_kw=CODE_INPUT)
    submit = SubmitField(_l("Continue"))


class RecoveryCodeForm(FlaskForm):
    code = StringField(_l("Recovery code"), validators=[DataRequired(), Length(max=40)],
                       render_kw=TEXT_CODE_INPUT)
    submit = SubmitField(_l("Use this recovery code"))


class EnrolmentCodeForm(FlaskForm):
    code = StringField(_l("Enrolment code"), validators=[DataRequired(), Length(max=80)],
                       render_kw=TEXT_CODE_INPUT)
    submit = SubmitField(_l("Continue"))


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"),
                             validators=[DataRequired(), Length(max=PASSWORD_INPUT_MAX)])
    confirm = PasswordField(_l("The same password again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))])
    submit = SubmitField(_l("Save my password"))


class CurrentPasswordForm(FlaskForm):
    password = PasswordField(_l("Your password"),
                             validators=[DataRequired(), Length(max=PASSWORD_INPUT_MAX)])
    submit = SubmitField(_l("Continue"))


class UnlockForm(CurrentPasswordForm):
    submit = SubmitField(_l("Unlock"))


class ReauthenticateForm(FlaskForm):
    password = PasswordField(_l("Your password"),
                             validators=[DataRequired(), Length(max=PASSWORD_INPUT_MAX)])
    code = StringField(_l("Code from your authenticator app"),
                       validators=[Optional(), Length(max=20)], render_kw=CODE_INPUT)
    next = HiddenField()
    submit = SubmitField(_l("Confirm"))


class LanguageForm(FlaskForm):
    """The language switch (sign-in page) and her preferred language (account page)."""

    language = SelectField(_l("Language"), validators=[DataRequired()])
    next = HiddenField()
    submit = SubmitField(_l("Change language"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the configured languages are valid choices; anything else fails validation.
        # Each name is written in its own language and marked so (`lang`), so that a screen
        # reader pronounces "Ελληνικά" in Greek whatever the page's language.
        self.language.choices = [SelectChoice(code, LANGUAGE_NAMES.get(code, code),
                                              render_kw={"lang": code})
                                 for code in current_app.config["LANGUAGES"]]


class NewRecoveryCodesForm(FlaskForm):
    # Its own button name, so the view can tell it from the code form on the same page.
    make_codes = SubmitField(_l("Make new recovery codes"))
