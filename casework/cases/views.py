"""The counsellor's dashboard, the case page and the search of her clients.

Routes only: each loads through casework.cases.access or casework.cases.queries (which audit
the read), commits once, and renders. Search is a POST answered with the results page itself:
the terms are never put in a URL, a redirect or the session.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from flask import Blueprint, render_template, request
from flask_login import current_user

from casework.cases.access import case_for
from casework.cases.forms import SearchForm
from casework.cases.queries import case_page, dashboard_for, search_my_clients
from casework.clock import as_utc
from casework.codes import choices, label_text
from casework.extensions import db
# Where "continue the intake" of a draft starts: the intake's own first section.
from casework.intake.sections import FIRST as FIRST_INTAKE_SECTION

blueprint = Blueprint("cases", __name__, url_prefix="/cases")

Page = tuple[str, int]


@blueprint.context_processor
def _display_helpers() -> dict[str, Any]:
    return {"code_label": label_text, "code_choices": choices, "iso_date": _iso_date,
            "utc_time": _utc_time,
            "first_intake_section": FIRST_INTAKE_SECTION}


def _iso_date(value: Any) -> str:
    # ISO order reads the same in every language and script.
    if isinstance(value, datetime):
        return as_utc(value).date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value or "")


def _utc_time(value: Optional[datetime]) -> str:
    return as_utc(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _me() -> Any:
    return current_user._get_current_object()


def _committed(html: str) -> str:
    """Commit the read's audit entry once the page is rendered: committing first would expire
    every loaded row and reload each one, one query at a time, while rendering."""
    db.session.commit()
    return html


@blueprint.get("/")
def dashboard() -> str:
    page = dashboard_for(db.session, _me(), request.args.get("page", 1, type=int))
    return _committed(render_template("cases/dashboard.html", page=page,
                                      form=SearchForm(formdata=None)))


@blueprint.route("/search", methods=["GET", "POST"])
def search() -> Page:
    form = SearchForm()
    results: Optional[list] = None
    if form.validate_on_submit():
        results = search_my_clients(db.session, _me(), form.text.data, form.by.data)
    status = 400 if form.errors else 200
    return _committed(render_template("cases/search.html", form=form, results=results)), status


@blueprint.get("/<case_id>")
def view(case_id: str) -> str:
    case = case_for(db.session, _me(), case_id, action="case.opened")
    page = case_page(db.session, case)
    return _committed(render_template("cases/case.html", page=page, case=case))
