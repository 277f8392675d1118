"""The one form of the reports: confirming a release (its CSRF token is all it carries)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class ReleaseForm(FlaskForm):
    submit = SubmitField(_l("Freeze this release"))
